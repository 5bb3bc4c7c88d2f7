#!/usr/bin/env python3
"""Generate each lab's student files from solutions/, or check that they are in sync.

A solution file marks every part the student writes:

    // BEGIN SOLUTION <what to do, one line>
    // | <more lines of the TODO text, optional>
    // STUB: <code that compiles in the skeleton, optional>
    ... the reference code ...
    // END SOLUTION

In the generated lab file the whole region becomes the TODO text followed by the STUB code
(default: `kit::todo("<file>:<line>");`, which throws kit::NotImplemented), so the skeleton compiles
cleanly and fails its tests with a message naming the TODO. Everything outside the regions is
copied as it is: the diff between a lab file and its solution is exactly the student's work.

The student files of a lab are the "student" list of its manifest (lab.json); each must have its
solution in solutions/<lab>/, and solutions/<lab>/ holds nothing else (`check` says so).

usage: skeletons.py write [LAB...]   regenerate the lab files
       skeletons.py check [LAB...]   exit 1 and show a diff if a lab file is out of sync
       skeletons.py files [LAB...]   list "lab/file" for every student file
"""
import difflib
import pathlib
import re
import sys

from kit import labs as manifests

ROOT = pathlib.Path(__file__).resolve().parent.parent
BEGIN = re.compile(r"^(\s*)// BEGIN SOLUTION\s*(.*)$")
MORE = re.compile(r"^\s*// \|\s?(.*)$")
STUB = re.compile(r"^\s*// STUB:\s?(.*)$")
END = re.compile(r"^\s*// END SOLUTION\s*$")


class MarkerError(Exception):
    pass


def skeleton_of(path: pathlib.Path) -> str:
    out = []
    lines = path.read_text().splitlines(keepends=False)
    i = 0
    while i < len(lines):
        begin = BEGIN.match(lines[i])
        if END.match(lines[i]):
            raise MarkerError(f"{path}:{i + 1}: END SOLUTION without BEGIN")
        if not begin:
            out.append(lines[i])
            i += 1
            continue
        indent, text = begin.group(1), begin.group(2).strip()
        start = i + 1
        if not text:
            raise MarkerError(f"{path}:{start}: BEGIN SOLUTION needs the TODO text on its line")
        todo = [text]
        stubs = []
        i += 1
        while i < len(lines) and MORE.match(lines[i]):
            todo.append(MORE.match(lines[i]).group(1))
            i += 1
        while i < len(lines) and not END.match(lines[i]):
            if BEGIN.match(lines[i]):
                raise MarkerError(f"{path}:{i + 1}: nested BEGIN SOLUTION")
            stub = STUB.match(lines[i])
            if stub:
                stubs.append(stub.group(1))
            i += 1
        if i == len(lines):
            raise MarkerError(f"{path}:{start}: BEGIN SOLUTION without END SOLUTION")
        i += 1  # skip END
        out.append(f"{indent}// TODO: {todo[0]}")
        out.extend(f"{indent}//   {more}".rstrip() for more in todo[1:])
        if not stubs:
            stubs = [f'kit::todo("{path.name}:{start}");']
        out.extend(f"{indent}{stub}" for stub in stubs)
    return "\n".join(out) + "\n"


def labs(args):
    known = manifests.names()
    for name in args:
        if name not in known:
            sys.exit(f"skeletons: no such lab: {name} (the labs are {' '.join(known)})")
    return args or known


def student_files(lab):
    """The solutions of the lab's student files, in the manifest's order."""
    return [ROOT / "solutions" / lab / name for name in manifests.load(lab).student]


def main(argv):
    if len(argv) < 2 or argv[1] not in ("write", "check", "files"):
        sys.exit(__doc__)
    mode, chosen = argv[1], labs(argv[2:])
    stale = 0
    for lab in chosen:
        if mode == "check":
            # A solution that is not a student file would never reach a student, and a student
            # file without a solution has no skeleton: both are errors of the manifest.
            for problem in manifests.problems(manifests.load(lab)):
                stale += 1
                print(f"skeletons: {problem}")
        for solution in student_files(lab):
            target = ROOT / lab / solution.name
            if mode == "files":
                print(f"{lab}/{solution.name}")
                continue
            try:
                wanted = skeleton_of(solution)
            except MarkerError as error:
                sys.exit(f"skeletons: {error}")
            if not solution.exists():
                sys.exit(
                    f"skeletons: {solution.relative_to(ROOT)} is missing (a student file of "
                    f"{lab}/lab.json)"
                )
            current = target.read_text() if target.exists() else ""
            if current == wanted:
                continue
            if mode == "write":
                target.write_text(wanted)
                print(f"skeletons: wrote {target.relative_to(ROOT)}")
            else:
                stale += 1
                print(
                    f"skeletons: {target.relative_to(ROOT)} is out of sync with "
                    f"{solution.relative_to(ROOT)} (run 'make skeletons'):"
                )
                sys.stdout.writelines(
                    difflib.unified_diff(
                        current.splitlines(keepends=True),
                        wanted.splitlines(keepends=True),
                        str(target.relative_to(ROOT)),
                        "generated from solution",
                        n=1,
                    )
                )
    if mode == "check":
        print(f"skeletons: {'all lab files in sync' if not stale else f'{stale} problem(s)'}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
