#!/usr/bin/env python3
"""Apply each mutant of the catalogue to a copy of solutions/ and check that its tests catch it.

A mutant is tools/mutants/<lab>/<name>.patch: a few header lines, then a unified diff against the
files of solutions/<lab>/ (paths a/<file>, b/<file>):

    # mutant: send() called once: partial sends ignored
    # mistake: 13                       (DESIGN.md §6 number, or "-" when it is not a tutorial bug)
    # must-fail: SendAll.Delivers8MiBIntactDespitePartialSends
    # must-fail: EchoServer.EchoesOneMebibyteIntact.UnderShortIO   (one line per test; all must fail)
    --- a/net.cpp
    +++ b/net.cpp
    @@ ...

The mutants build in their own tree (build/mutants by default) from a copy of solutions/, so only
the mutated file recompiles each time. A mutant is caught when every must-fail test fails; a mutant
that does not compile is an error of the catalogue, not a catch.

usage: mutants.py [--build DIR] [--labs a,b] [--only NAME]
"""
import argparse
import filecmp
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

ROOT = pathlib.Path(__file__).resolve().parent.parent


def sync_tree(source, target):
    """Make target a copy of source, touching only files whose content differs (keeps mtimes)."""
    target.mkdir(parents=True, exist_ok=True)
    for path in source.rglob("*"):
        dest = target / path.relative_to(source)
        if path.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
        elif not dest.exists() or not filecmp.cmp(path, dest, shallow=False):
            shutil.copy2(path, dest)
            os.utime(dest)  # newer than any object built from the mutated version


def parse(path):
    header, must_fail = {}, []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        match = re.match(r"#\s*([\w-]+):\s*(.*)", line)
        if match and match.group(1) == "must-fail":
            must_fail.append(match.group(2).strip())
        elif match:
            header[match.group(1)] = match.group(2).strip()
    return header, must_fail


def generator():
    return ["-G", "Ninja"] if shutil.which("ninja") else []


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=str(ROOT / "build" / "mutants"))
    parser.add_argument("--labs", default="")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    build = pathlib.Path(args.build).resolve()
    copy = build / "src" / "solutions"
    labs = [lab for lab in args.labs.split(",") if lab] or sorted(
        p.name for p in (ROOT / "tools" / "mutants").iterdir() if p.is_dir())

    sync_tree(ROOT / "solutions", copy)
    subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build / "tree"), *generator(),
                    "-DKIT_VARIANTS=solution", f"-DKIT_SOLUTIONS_DIR={copy}"],
                   check=True, stdout=subprocess.DEVNULL)
    results = []
    for lab in labs:
        for patch in sorted((ROOT / "tools" / "mutants" / lab).glob("*.patch")):
            name = f"{lab}/{patch.stem}"
            if args.only and args.only not in name:
                continue
            header, must_fail = parse(patch)
            started = time.monotonic()
            sync_tree(ROOT / "solutions", copy)
            applied = subprocess.run(["patch", "-s", "-p1", "-d", str(copy / lab), "-i", str(patch)],
                                     capture_output=True, text=True)
            if applied.returncode != 0:
                results.append((name, "BROKEN", f"the patch does not apply: {applied.stdout}{applied.stderr}"))
                continue
            built = subprocess.run(["cmake", "--build", str(build / "tree"), "--target", f"ref-{lab}"],
                                   capture_output=True, text=True)
            if built.returncode != 0:
                errors = [l for l in built.stdout.splitlines() if "error" in l][:5]
                results.append((name, "BROKEN", "the mutant does not compile:\n    " + "\n    ".join(errors)))
                continue
            # All the must-fail tests of one mutant in one CTest run, side by side: most of them
            # spend their time waiting on a deadline, not on a CPU.
            regex = "^(" + "|".join(re.escape(f"ref.{lab}.{test}") for test in must_fail) + ")$"
            with tempfile.NamedTemporaryFile(suffix=".xml") as junit:
                subprocess.run(["ctest", "--test-dir", str(build / "tree"), "-R", regex, "-j",
                                str(max(4, len(must_fail))), "--output-junit", junit.name],
                               capture_output=True, text=True)
                passed = {case.get("name") for case in ET.parse(junit.name).getroot().iter("testcase")
                          if case.get("status") == "run"} if os.path.getsize(junit.name) else set()
                ran = {case.get("name") for case in ET.parse(junit.name).getroot().iter("testcase")} \
                    if os.path.getsize(junit.name) else set()
            missing = [t for t in must_fail if f"ref.{lab}.{t}" not in ran]
            if missing:
                results.append((name, "BROKEN", f"no such test: {', '.join(missing)}"))
                continue
            survived = [t for t in must_fail if f"ref.{lab}.{t}" in passed]
            seconds = time.monotonic() - started
            what = header.get("mutant", "")
            if not must_fail:
                results.append((name, "BROKEN", "no must-fail line"))
            elif survived:
                results.append((name, "SURVIVED", f"{what}: these tests still pass: {', '.join(survived)}"))
            else:
                results.append((name, "caught", f"{what} ({seconds:.1f} s; by {', '.join(must_fail)})"))
            print(f"  {results[-1][1]:<8} {name}: {results[-1][2]}", flush=True)
    sync_tree(ROOT / "solutions", copy)

    bad = [r for r in results if r[1] != "caught"]
    for name, status, text in bad:
        if status == "BROKEN":
            print(f"  {status:<8} {name}: {text}")
    print(f"mutants: {len(results) - len(bad)}/{len(results)} caught")
    return 1 if bad or not results else 0


if __name__ == "__main__":
    sys.exit(main())
