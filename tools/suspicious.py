#!/usr/bin/env python3
"""Suspicious code in a submission, for the instructor's report (never the student's).

    suspicious.py NAME SUBMISSION_TREE SKELETON_TREE FILE...

(each FILE relative to both trees: lab01_blocking/net.cpp, ...)

Prints one block per submission with the lines that deserve a look: calls that end the process
(exit, _Exit, quick_exit, abort), reads of /proc or of paths outside the lab (solutions/, "../",
absolute includes), GoogleTest's names and environment (GTEST_, gtest, TEST_PREMATURE_EXIT_FILE),
the traces of forging the test record (its files, the harness's seal and key, code that runs before
main or reads its own memory: .preinit_array, ifunc, constructor attributes, /proc/self/mem,
process_vm_readv, dlsym), C functions of its own that may replace the C library's (extern "C"),
and the process tricks the grader contains (setsid, daemon, setrlimit, kill(-1)). Lines that the
skeleton has too are left out; nothing is printed for a submission with none. A note is not a
verdict: lab04's client forks and exits by design.
"""
from __future__ import annotations

import pathlib
import re
import sys

PATTERNS = [
    (r"\b(_Exit|_exit|quick_exit|exit|abort)\s*\(", "ends the process"),
    (r"/proc\b", "reads /proc"),
    (r"solutions|tools/mutants|\.\./", "a path outside the lab"),
    (r"\"/(?!proc\b)[\w.-]+/", "an absolute path"),
    (r"#\s*include\s*[<\"](/|\.\.)", "includes a file outside the kit's headers"),
    (r"GTEST_|gtest|TEST_PREMATURE_EXIT_FILE|testing::", "GoogleTest's names or environment"),
    (
        r"record\.json|\.seal\b|record_seal|kRecordKeyFd|kit-key|preinit_array|ifunc|"
        r"__attribute__\s*\(\(\s*(constructor|section)|gnu::(constructor|section)|"
        r"/proc/self/(mem|maps)|process_vm_|dlsym",
        "the test record",
    ),
    (r"extern\s+\"C\"", "a C function of its own (it may replace the C library's)"),
    (r"\b(setsid|daemon|setrlimit|prctl|ptrace)\s*\(", "a process trick"),
    (r"\bkill\s*\(\s*-", "signals a process group or every process"),
    (r"getenv\s*\(", "reads the environment"),
]
MAX_NOTES = 20  # per submission: enough to decide whether to look


def notes(path: pathlib.Path, skeleton: pathlib.Path) -> list[str]:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return []
    try:
        given = set(skeleton.read_text(errors="replace").splitlines())
    except OSError:
        given = set()
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if line in given:
            continue
        for pattern, what in PATTERNS:
            if re.search(pattern, line):
                found.append(f"  {path.name}:{number}: {what}: {line.strip()[:120]}")
                break
    return found


def main() -> int:
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    tree, skeleton = pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
    found = [n for f in sys.argv[4:] for n in notes(tree / f, skeleton / f)]
    if found:
        print(f"{sys.argv[1]}: {len(found)} line(s) to look at")
        print("\n".join(found[:MAX_NOTES]))
        if len(found) > MAX_NOTES:
            print(f"  (… {len(found) - MAX_NOTES} more)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
