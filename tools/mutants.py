#!/usr/bin/env python3
"""Apply each mutant of the catalogue to a copy of solutions/ and check that its tests catch it.

A mutant is tools/mutants/<lab>/<name>.patch: a few header lines, then a unified diff against the
files of solutions/<lab>/ (paths a/<file>, b/<file>):

    # mutant: send() called once: partial sends ignored
    # mistake: 13                       (the mistake's number in docs/architecture.md, or "-")
    # must-fail: SendAll.Delivers8MiBIntactDespitePartialSends
    # must-fail: EchoServer.EchoesOneMebibyteIntact.UnderShortIO   (one line per test)
    --- a/net.cpp
    +++ b/net.cpp
    @@ ...

The mutants build in one shared tree, in a copy of the kit (build/mutants/src, its tree at
build/mutants/src/build: laid out like the kit and its build/, so that ccache serves the objects
the main build already made). Each mutant recompiles only the mutated file and relinks only the
test binaries of its must-fail tests. Its must-fail tests run side by side in one CTest call; the
mutant is caught when every one of them fails, and the run stops at the first one that passes (the
mutant got through that test). A must-fail test that does not exist, or a mutant that does not
compile, is an error of the catalogue, not a catch.

usage: mutants.py [--build DIR] [--labs a,b] [--only NAME] [--jobs N]
"""
import argparse
import filecmp
import fnmatch
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

from kit import ctest
from kit import labs as manifests

ROOT = pathlib.Path(__file__).resolve().parent.parent


def sync_tree(source, target, skip=()):
    """Make target a copy of source, touching only files whose content differs (keeps mtimes);
    top-level entries named in skip (globs) are left out."""
    for folder, dirs, files in os.walk(source):
        here = pathlib.Path(folder)
        if here == source:
            dirs[:] = [d for d in dirs if not any(fnmatch.fnmatch(d, p) for p in skip)]
            files = [f for f in files if not any(fnmatch.fnmatch(f, p) for p in skip)]
        (target / here.relative_to(source)).mkdir(parents=True, exist_ok=True)
        for name in files:
            path = here / name
            dest = target / path.relative_to(source)
            if not dest.exists() or not filecmp.cmp(path, dest, shallow=False):
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


def launcher():
    if not shutil.which("ccache"):
        return []
    return ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache", "-DCMAKE_C_COMPILER_LAUNCHER=ccache"]


def targets_for(tree, lab, must_fail, unit_tests):
    """The build targets a mutant's must-fail tests need: the lab's unit or black-box binary (the
    latter brings the lab's programs), not both when one is enough."""
    kinds = {"unit" if test in unit_tests else "blackbox" for test in must_fail}
    return [f"ref-{lab}-{kind}" for kind in sorted(kinds)]


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--build", default=str(ROOT / "build" / "mutants"))
    parser.add_argument("--labs", default="")
    parser.add_argument("--only", default="")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    build = pathlib.Path(args.build).resolve()
    kit = build / "src"
    tree = kit / "build"
    copy = kit / "solutions"
    chosen = [lab for lab in args.labs.split(",") if lab] or [
        lab for lab in manifests.names() if (ROOT / "tools" / "mutants" / lab).is_dir()
    ]

    sync_tree(ROOT, kit, skip=("build*", ".git", ".cache"))
    subprocess.run(
        [
            "cmake",
            "-S",
            str(kit),
            "-B",
            str(tree),
            *generator(),
            *launcher(),
            "-DKIT_VARIANTS=solution",
            f"-DKIT_SOLUTIONS_DIR={copy}",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    # The unmutated reference first: every later build then recompiles only what a patch touches.
    first = subprocess.run(
        [
            "cmake",
            "--build",
            str(tree),
            "-j",
            str(args.jobs),
            "--target",
            *[f"ref-{lab}" for lab in chosen],
        ],
        capture_output=True,
        text=True,
    )
    if first.returncode != 0:
        print(first.stdout[-3000:])
        print("mutants: the reference does not build")
        return 1
    known = ctest.listed(tree)
    unit_tests = {
        lab: set(ctest.listed_tests(tree / "tests" / "solutions" / lab / f"ref-{lab}-unit"))
        if (tree / "tests" / "solutions" / lab / f"ref-{lab}-unit").exists()
        else set()
        for lab in chosen
    }
    results = []
    for lab in chosen:
        for patch in sorted((ROOT / "tools" / "mutants" / lab).glob("*.patch")):
            name = f"{lab}/{patch.stem}"
            if args.only and args.only not in name:
                continue
            header, must_fail = parse(patch)
            started = time.monotonic()
            sync_tree(ROOT / "solutions", copy)
            applied = subprocess.run(
                ["patch", "-s", "-p1", "-d", str(copy / lab), "-i", str(patch)],
                capture_output=True,
                text=True,
            )
            if applied.returncode != 0:
                results.append(
                    (name, "BROKEN", f"the patch does not apply: {applied.stdout}{applied.stderr}")
                )
                continue
            missing = [t for t in must_fail if f"ref.{lab}.{t}" not in known]
            if not must_fail or missing:
                results.append(
                    (
                        name,
                        "BROKEN",
                        f"no such test: {', '.join(missing)}" if missing else "no must-fail line",
                    )
                )
                print(f"  {results[-1][1]:<8} {name}: {results[-1][2]}", flush=True)
                continue
            built = subprocess.run(
                [
                    "cmake",
                    "--build",
                    str(tree),
                    "-j",
                    str(args.jobs),
                    "--target",
                    *targets_for(tree, lab, must_fail, unit_tests[lab]),
                ],
                capture_output=True,
                text=True,
            )
            build_seconds = time.monotonic() - started
            if built.returncode != 0:
                errors = [line for line in built.stdout.splitlines() if "error" in line][:5]
                results.append(
                    (name, "BROKEN", "the mutant does not compile:\n    " + "\n    ".join(errors))
                )
                print(f"  {results[-1][1]:<8} {name}: {results[-1][2]}", flush=True)
                continue
            # Most must-fail tests spend their time waiting on a deadline, not on a CPU: all of a
            # mutant's run side by side. Every one must fail; the first that passes ends the run.
            names = [f"ref.{lab}.{t}" for t in must_fail]
            failed, passed = ctest.must_fail(tree, names, max(4, len(must_fail)))
            seconds = time.monotonic() - started
            what = header.get("mutant", "")
            timing = f"{seconds:.1f} s, build {build_seconds:.1f} s"
            short = sorted(t.split(".", 2)[2] for t in (passed or set(names) - failed))
            if passed or len(failed) < len(names):
                results.append(
                    (
                        name,
                        "SURVIVED",
                        f"{what}: these tests did not fail: {', '.join(short)} ({timing})",
                    )
                )
            else:
                results.append((name, "caught", f"{what} ({timing})"))
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
