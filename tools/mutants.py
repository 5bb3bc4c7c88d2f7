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

The mutants build in a few shared trees (--shards, default 3, side by side, each taking the next
mutant from one queue: most of a mutant's time is its tests waiting on deadlines, and while one
shard's tests wait another builds), each in a copy of the kit (build/mutants/shardN/src, its tree
at .../src/build: laid out like the kit and its build/, so that ccache serves the objects the main
build already made). Each lab's library is a shared library there (KIT_SHARED_LAB_LIBRARIES),
so a mutant recompiles only the mutated file and relinks (with gold, where it is) only that small
library: the test binaries and programs load it when they start. A mutant's must-fail tests run
side by side, started as CTest would start them (kit/ctest.py commands(): without a CTest process
per mutant); it is caught when every one of them fails, and the run stops at the first one that
passes (the mutant got through that test). A must-fail test that does not exist, or a mutant that
does not compile, is an error of the catalogue, not a catch.

usage: mutants.py [--build DIR] [--labs a,b] [--only NAME] [--jobs N] [--shards N]
"""
import argparse
import filecmp
import fnmatch
import os
import pathlib
import queue
import shutil
import subprocess
import sys
import threading
import time

from kit import ctest
from kit import labs as manifests
from kit.patches import read_header

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


def generator():
    return ["-G", "Ninja"] if shutil.which("ninja") else []


def launcher():
    if not shutil.which("ccache"):
        return []
    return ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache", "-DCMAKE_C_COMPILER_LAUNCHER=ccache"]


def faster_linker():
    """gold (binutils ships it with ld) where it is: every mutant relinks its lab's library, and
    gold does it in half the CPU time of ld.bfd (a fifth of the runner's CPU time went to ld). The
    objects and what the tests run are the same."""
    if not shutil.which("ld.gold"):
        return []
    return [f"-DCMAKE_{kind}_LINKER_FLAGS=-fuse-ld=gold" for kind in ("EXE", "SHARED", "MODULE")]


def targets_for(tree, lab, must_fail, unit_tests):
    """The build targets a mutant's must-fail tests need: the lab's unit or black-box binary (the
    latter brings the lab's programs), not both when one is enough."""
    kinds = {"unit" if test in unit_tests else "blackbox" for test in must_fail}
    return [f"ref-{lab}-{kind}" for kind in sorted(kinds)]


class Shard:
    """One build tree in its own copy of the kit, where mutants are built and run one at a time."""

    def __init__(self, folder, labs, jobs):
        self.kit = folder / "src"
        self.tree = self.kit / "build"
        self.copy = self.kit / "solutions"
        self.labs = labs
        self.jobs = jobs

    def prepare(self):
        """Configure and build the unmutated reference: every later build then recompiles only what
        a patch touches. Returns an error text, or None."""
        started = time.monotonic()
        sync_tree(ROOT, self.kit, skip=("build*", ".git", ".cache"))
        subprocess.run(
            [
                "cmake",
                "-S",
                str(self.kit),
                "-B",
                str(self.tree),
                *generator(),
                *launcher(),
                *faster_linker(),
                "-DKIT_VARIANTS=solution",
                "-DKIT_SHARED_LAB_LIBRARIES=ON",
                f"-DKIT_SOLUTIONS_DIR={self.copy}",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        first = self.build([f"ref-{lab}" for lab in self.labs])
        if first.returncode != 0:
            return first.stdout[-3000:] + "\nmutants: the reference does not build"
        try:
            self.commands = ctest.commands(self.tree)
        except RuntimeError as error:
            return f"mutants: {error}"
        self.known = set(self.commands)
        self.unit_tests = {}
        for lab in self.labs:
            binary = ctest.test_binaries(self.tree, lab, True)["unit"]
            self.unit_tests[lab] = set(ctest.listed_tests(binary)) if binary.exists() else set()
        print(
            f"  {self.kit.parent.name}: the reference built ({time.monotonic() - started:.1f} s)",
            flush=True,
        )
        return None

    def build(self, targets):
        # Ninja itself where it is: a CMake process in front of it costs a tenth of a second of CPU
        # per mutant (its start: many shared libraries to load).
        if (self.tree / "build.ninja").exists() and shutil.which("ninja"):
            command = ["ninja", "-C", str(self.tree), "-j", str(self.jobs), *targets]
        else:
            command = [
                "cmake",
                "--build",
                str(self.tree),
                "-j",
                str(self.jobs),
                "--target",
                *targets,
            ]
        return subprocess.run(command, capture_output=True, text=True)

    def run(self, lab, patch):
        """(status, text) of one mutant: caught, SURVIVED or BROKEN."""
        header, must_fail = read_header(patch)
        started = time.monotonic()
        sync_tree(ROOT / "solutions", self.copy)
        applied = subprocess.run(
            ["patch", "-s", "-p1", "-d", str(self.copy / lab), "-i", str(patch)],
            capture_output=True,
            text=True,
        )
        if applied.returncode != 0:
            return "BROKEN", f"the patch does not apply: {applied.stdout}{applied.stderr}"
        missing = [t for t in must_fail if f"ref.{lab}.{t}" not in self.known]
        if not must_fail or missing:
            return (
                "BROKEN",
                f"no such test: {', '.join(missing)}" if missing else "no must-fail line",
            )
        built = self.build(targets_for(self.tree, lab, must_fail, self.unit_tests[lab]))
        build_seconds = time.monotonic() - started
        if built.returncode != 0:
            errors = [line for line in built.stdout.splitlines() if "error" in line][:5]
            return "BROKEN", "the mutant does not compile:\n    " + "\n    ".join(errors)
        # Most must-fail tests spend their time waiting on a deadline, not on a CPU: all of a
        # mutant's run side by side. Every one must fail; the first that passes ends the run.
        names = [f"ref.{lab}.{t}" for t in must_fail]
        failed, passed = ctest.must_fail_directly({n: self.commands[n] for n in names})
        timing = f"{time.monotonic() - started:.1f} s, build {build_seconds:.1f} s"
        what = header.get("mutant", "")
        if passed or len(failed) < len(names):
            short = sorted(t.split(".", 2)[2] for t in (passed or set(names) - failed))
            return "SURVIVED", f"{what}: these tests did not fail: {', '.join(short)} ({timing})"
        return "caught", f"{what} ({timing})"

    def run_all(self, mutants, report):
        """Prepare, then run mutants from the shared queue until it is empty (a shard that drew
        short ones takes more: no shard idles while another still has a long list)."""
        error = self.prepare()
        while True:
            try:
                lab, patch = mutants.get_nowait()
            except queue.Empty:
                break
            if error:
                report(f"{lab}/{patch.stem}", "BROKEN", error)
            else:
                report(f"{lab}/{patch.stem}", *self.run(lab, patch))
        sync_tree(ROOT / "solutions", self.copy)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--build", default=str(ROOT / "build" / "mutants"))
    parser.add_argument("--labs", default="")
    parser.add_argument("--only", default="")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--shards",
        type=int,
        default=3,
        help="build trees that run mutants side by side (tests mostly wait on deadlines)",
    )
    args = parser.parse_args()
    build = pathlib.Path(args.build).resolve()
    chosen = [lab for lab in args.labs.split(",") if lab] or [
        lab for lab in manifests.names() if (ROOT / "tools" / "mutants" / lab).is_dir()
    ]
    mutants = [
        (lab, patch)
        for lab in chosen
        for patch in sorted((ROOT / "tools" / "mutants" / lab).glob("*.patch"))
        if not args.only or args.only in f"{lab}/{patch.stem}"
    ]
    count = max(1, min(args.shards, len(mutants)))
    shards = [Shard(build / f"shard{k}", chosen, args.jobs) for k in range(count)]
    # One queue for all shards: each takes the next mutant when it is free.
    waiting: queue.Queue = queue.Queue()
    for mutant in mutants:
        waiting.put(mutant)
    results = []
    lock = threading.Lock()

    def report(name, status, text):
        with lock:
            results.append((name, status, text))
            print(f"  {status:<8} {name}: {text}", flush=True)

    threads = [threading.Thread(target=s.run_all, args=(waiting, report)) for s in shards]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    bad = [r for r in results if r[1] != "caught"]
    print(f"mutants: {len(results) - len(bad)}/{len(results)} caught")
    return 1 if bad or not results else 0


if __name__ == "__main__":
    sys.exit(main())
