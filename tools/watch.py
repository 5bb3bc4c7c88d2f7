#!/usr/bin/env python3
"""make watch [LAB=...]: grade a lab again each time one of its files is saved.

    watch.py --tree DIR --store DIR [--jobs N] [--poll] [--tests GLOBS] [--once] [LAB]

On each save it says so at once ("change in net.cpp: building lab01_blocking..."), builds only the
lab's student side (its library, programs and test programs), runs first the unit tests of the
file that changed (the test files that include its header: net.cpp -> every unit test file that
includes "lab01_blocking/net.h") and shows each of them, then every other test run of the lab, and
ends with the score, the first failing test with its lesson and where to start. It grades exactly
as make test does (tools/grade.py, every test in its own sandbox) and keeps the result for make
progress. Without LAB it watches the first lab whose last result is not 100%.

It learns of a save from inotify (inotifywait, from inotify-tools: make setup installs it); without
it, it looks at the files' times every 0.2 s, and says so once. --poll forces that.

Ctrl-C stops it at once, between or in the middle of a build or a test run: every process it
started (the build, the tests, inotifywait) is killed and reaped before it exits; it never changes
the terminal's settings. --once grades once and exits (no waiting for a save). --tests restricts
the graded tests, as grade.py --tests does (then no result is kept): for the kit's own tests.

Under KIT_LANG=zh it speaks Chinese: its lines come from tools/kit/messages.json ("watch.*"), the
grade block from grade.py's own (Chinese) phrases and lessons.
"""
from __future__ import annotations

import argparse
import ctypes
import fnmatch
import os
import pathlib
import pickle
import queue
import re
import select
import shutil
import signal
import subprocess
import sys
import time
import traceback

import grade
import progress_build
import progress_store
from kit import ctest
from kit import i18n
from kit import labs as manifests

ROOT = pathlib.Path(__file__).resolve().parent.parent
POLL_SECONDS = 0.2
SETTLE_SECONDS = 0.1  # an editor's save can be several events: gather them before building
WATCHED = (".cpp", ".h", ".json")
_TEST = re.compile(r"^\s*(?:GRADED_TEST(?:_P)?|TEST(?:_F|_P)?)\s*\(\s*(\w+)\s*,\s*(\w+)", re.M)
TTY = sys.stdout.isatty()


def say(text: str = "") -> None:
    print(text, flush=True)


# --- what changed ---------------------------------------------------------------------------------


def relevant(name: str) -> bool:
    """A file of the lab a student edits (not an editor's swap, backup or probe file)."""
    return name.endswith(WATCHED) and not name.startswith((".", "#")) and "~" not in name


class Watcher:
    """The saves in a lab folder, as file names: inotifywait's events, or the files' times."""

    def __init__(self, folder: pathlib.Path, poll: bool):
        self.folder = folder
        self.events: queue.Queue[str] = queue.Queue()
        self.proc: subprocess.Popen | None = None
        self.how = i18n.text("watch.how.polling")
        if not poll and shutil.which("inotifywait"):
            self.proc = subprocess.Popen(
                ["inotifywait", "-m", "-q", "-e", "close_write,moved_to", "--format", "%f"]
                + [str(folder)],
                stdout=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                text=True,
            )
            self.how = i18n.text("watch.how.inotify")
            progress_build.background(self._read)
        else:
            if not poll:
                say(i18n.text("watch.no.inotify", seconds=f"{POLL_SECONDS:g}"))
            self.times = self._times()
            progress_build.background(self._poll)

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            if relevant(line.strip()):
                self.events.put(line.strip())

    def _times(self) -> dict[str, tuple[float, int]]:
        found = {}
        for path in self.folder.iterdir():
            if relevant(path.name):
                try:
                    info = path.stat()
                    found[path.name] = (info.st_mtime, info.st_size)
                except OSError:
                    pass
        return found

    def _poll(self) -> None:
        while True:
            time.sleep(POLL_SECONDS)
            now = self._times()
            for name, stamp in now.items():
                if self.times.get(name) != stamp:
                    self.events.put(name)
            self.times = now

    def wait(self) -> str:
        """Block until a save: the name of the file saved. (In short waits: a signal that reached
        another thread first still stops the watcher within half a second.)"""
        while True:
            try:
                return self.events.get(timeout=0.5)
            except queue.Empty:
                pass

    def more(self, seconds: float) -> list[str]:
        names, end = [], time.monotonic() + seconds
        while True:
            try:
                names.append(self.events.get(timeout=max(0, end - time.monotonic())))
            except queue.Empty:
                return names


# --- which tests first ----------------------------------------------------------------------------


def tests_of(lab: manifests.Lab, changed: list[str]) -> tuple[list[str], str]:
    """The unit tests ("Suite.Name") of the changed files: those of every unit test file that
    includes one of their headers. All unit tests when a change has no header of its own."""
    stems = {pathlib.Path(n).stem for n in changed if n.endswith((".cpp", ".h"))}
    chosen, every = [], []
    for source in lab.unit_tests:
        text = (lab.folder / source).read_text(errors="replace")
        names = [f"{suite}.{name}" for suite, name in _TEST.findall(text)]
        every += names
        included = set(re.findall(rf'#include "{re.escape(lab.name)}/(\w+)\.h"', text))
        if stems & included:
            chosen += names
    chosen = list(dict.fromkeys(chosen))
    if not chosen:
        return list(dict.fromkeys(every)), i18n.text("watch.title.unit")
    files = ", ".join(sorted(n for n in changed if n.endswith(".cpp")) or stems)
    return chosen, i18n.text("watch.title.of", files=files)


def all_tests(tree: pathlib.Path, lab: str) -> list[str]:
    """Every test of the lab ("Suite.Name"), in story order: unit tests, then black-box tests."""
    binaries = ctest.test_binaries(tree, lab, True)
    if not any(b.exists() for b in binaries.values()):
        binaries = ctest.test_binaries(tree, lab, False)
    names = []
    for binary in binaries.values():
        if binary.exists():
            names += [ctest.graded_name(n) for n in ctest.listed_tests(binary)]
    return list(dict.fromkeys(names))


# --- running: in a child process, so that Ctrl-C can stop everything at once --------------------


def descendants(root: int) -> list[int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = pathlib.Path(f"/proc/{entry}/stat").read_text()
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        children = [c for c, p in parents.items() if p == pid]
        found += children
        frontier += children
    return found


def stop_everything() -> None:
    """Kill every process this one started, and every process they started, and reap them. This
    process is their subreaper, so a test whose sandbox died first is still found here."""
    for _ in range(100):
        pids = descendants(os.getpid())
        if not pids:
            return
        for pid in pids:
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        reap(0.05)


def reap(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


def run_tests(tree: pathlib.Path, lab: str, only: list[str], jobs: int) -> tuple[list, bool]:
    """grade.grade_lab() in a child process of its own process group: the terminal's Ctrl-C then
    reaches this process only, which stops the child and everything below it."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(read_end)
            os.setpgid(0, 0)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            result = grade.grade_lab(tree, lab, False, jobs, only=only)
            with os.fdopen(write_end, "wb") as out:
                out.write(pickle.dumps(result))
            code = 0
        except BaseException:  # noqa: B036 - the child must never return into the watcher
            traceback.print_exc()
        os._exit(code)
    os.close(write_end)
    chunks = []
    with os.fdopen(read_end, "rb", buffering=0) as got:
        while True:
            ready, _, _ = select.select([got], [], [], 0.5)  # short waits: see Watcher.wait
            if ready:
                chunk = got.read(1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
    data = b"".join(chunks)
    os.waitpid(pid, 0)
    if not data:
        raise RuntimeError(i18n.text("watch.tests.failed"))
    return pickle.loads(data)


# --- one round: build, the changed file's tests, the rest, the score -----------------------------


def mark(lab: str, tree: pathlib.Path, built: bool) -> None:
    """Keep TREE/not-built as the Makefile does: grade.py fails a lab listed there."""
    others = [n for n in grade.not_built(tree) if n != lab]
    (tree / "not-built").write_text("".join(f"{n}\n" for n in others + ([] if built else [lab])))


def show_rows(rows: list[grade.Row]) -> None:
    for row in rows:
        if row.status == ctest.SKIPPED:
            skip = grade.paint(i18n.text("watch.skip"), "33")
            say(f"    {skip} {row.name}: {grade.skip_reason(row.output)}")
            continue
        points = f"{grade.fmt(row.points if row.passed else 0)}/{grade.fmt(row.points)}"
        status = grade.paint("PASS", "32") if row.passed else grade.paint("FAIL", "31")
        why = "" if row.passed else "  " + grade.shown_cause(grade.cause(row))[:70]
        say(f"    {status} {points:>7} {row.name}{why}")


class Round:
    def __init__(self, args: argparse.Namespace, lab: manifests.Lab):
        self.args, self.lab = args, lab
        self.tree = pathlib.Path(args.tree)
        self.only = [p for p in args.tests.split(",") if p]

    def selected(self, names: list[str]) -> list[str]:
        if not self.only:
            return names
        return [n for n in names if any(fnmatch.fnmatchcase(n, p) for p in self.only)]

    def build(self, targets: list[str], what: str) -> bool:
        """Build targets of the lab's student side; its compiler errors if it does not build."""
        lab, tree = self.lab.name, self.tree
        log = tree / "logs" / f"{lab}.build.log"  # where grade.build_errors looks
        built, _, _ = progress_build.build(tree, targets, self.args.jobs, log, what)
        mark(lab, tree, built)
        if not built:
            say(grade.paint(i18n.text("watch.compiler.says", lab=lab), "1;31"))
            for line in grade.build_errors(tree, lab, 25):
                say(f"  {line}")
        return built

    def not_built(self, started: float) -> None:
        rows, built = grade.grade_lab(self.tree, self.lab.name, False, 1, only=self.only or None)
        self.finish(rows, built, started)

    def run(self, changed: list[str]) -> None:
        lab, tree = self.lab.name, self.tree
        started = time.monotonic()
        every = self.selected(all_tests(tree, lab))
        first, title = tests_of(self.lab, changed) if changed else ([], "")
        first = [n for n in every if n in set(first)]
        rest = [n for n in every if n not in set(first)]
        # The first results come sooner when only the unit test program is built before them (one
        # link instead of every program's); the rest of the lab builds after. That needs the other
        # test program of an earlier build, which the lab's grade looks for.
        binaries = ctest.test_binaries(tree, lab, False)
        split = bool(first) and all(b.exists() for b in binaries.values())
        if split:
            if not self.build([f"{lab}-unit"], i18n.text("watch.build.unit", lab=lab)):
                return self.not_built(started)
        elif not self.build([lab], lab):
            return self.not_built(started)
        elif not every:  # a first build in a tree without the reference: the list from it now
            every = self.selected(all_tests(tree, lab))
            rest = [n for n in every if n not in set(first)]
        rows: list[grade.Row] = []
        line = progress_build.Line()
        if first:
            running = i18n.text("watch.running.unit", title=title, count=len(first))
            with progress_build.Ticking(line, running):
                got, _ = run_tests(tree, lab, first, self.args.test_jobs)
            passed = sum(1 for r in got if r.passed)
            line.end(i18n.text("watch.unit.passed", title=title, passed=passed, count=len(got)))
            show_rows(got)
            rows += got
        if split and not self.build([lab], i18n.text("watch.build.rest", lab=lab)):
            return self.not_built(started)
        if rest:
            what = i18n.text("watch.other") if first else i18n.text("watch.tests.of", lab=lab)
            with progress_build.Ticking(
                line, i18n.text("watch.running", what=what, count=len(rest))
            ):
                got, _ = run_tests(tree, lab, rest, self.args.test_jobs)
            passed = sum(1 for r in got if r.passed)
            shortio = any(grade.SHORTIO in r.name for r in got)
            twice = i18n.text("watch.twice") if shortio else ""
            line.end(
                i18n.text(
                    "watch.runs.passed", what=what, passed=passed, count=len(got), twice=twice
                )
            )
            rows += got
        order = {name: index for index, name in enumerate(every)}
        for row in rows:  # story order across both runs, as one grade.py run would have them
            row.order = order.get(row.test, len(order)) * 2 + row.name.endswith(grade.SHORTIO)
        self.finish(rows, True, started)

    def finish(self, rows: list[grade.Row], built: bool, started: float) -> None:
        lab, tree = self.lab.name, self.tree
        score, total = grade.lab_score(rows)
        seconds = time.monotonic() - started
        described = grade.build_description(tree)
        say()
        try:
            shown = tree.relative_to(pathlib.Path.cwd())
        except ValueError:
            shown = tree
        # The result keeps the build's description in English (make progress reads it); the
        # student reads it in the current language.
        said = grade.build_description(tree, False, i18n.language())
        say(
            grade.paint(
                i18n.text("watch.score", score=grade.fmt(score), total=grade.fmt(total)), "1"
            )
            + i18n.text(
                "watch.score.for", lab=lab, seconds=f"{seconds:.1f}", tree=shown, described=said
            )
        )
        if not self.only:
            grade.store_result(pathlib.Path(self.args.store), lab, rows, built, described)
        groups = grade.group_failures(self.lab, rows) if built else []
        if groups:
            say(i18n.text("watch.first.failing"))
            grade.print_group(groups[0], quiet=False)
            say(grade.paint(grade.start_here(lab, groups, built), "1"))
            say(i18n.text("watch.stuck", lab=lab))
        elif built and score == total:
            say(grade.paint(i18n.text("watch.all.pass", lab=lab), "1;32"))


# --- the lab to watch -----------------------------------------------------------------------------


def choose_lab(store: pathlib.Path) -> tuple[str, str]:
    for lab in manifests.names():
        result = progress_store.load(store, lab)
        if result is None:
            return lab, i18n.text("progress.untried")
        if not result.finished:
            score, total = grade.fmt(result.score), grade.fmt(result.total)
            return lab, i18n.text("watch.chose.score", score=score, total=total)
    return manifests.names()[-1], i18n.text("watch.chose.last")


def become_subreaper() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", default=str(ROOT / "build"), help="the build tree")
    parser.add_argument("--store", default=str(ROOT / "build" / "progress"))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="compilers")
    parser.add_argument(
        "--test-jobs",
        type=int,
        default=0,
        help="tests side by side (default: twice --jobs; tests mostly wait on sockets)",
    )
    parser.add_argument("--poll", action="store_true", help="look at the files' times")
    parser.add_argument("--tests", default="", help="only these graded tests (globs)")
    parser.add_argument("--once", action="store_true", help="grade once, then exit")
    parser.add_argument("lab", nargs="?", default="")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # each line as it comes, into a pipe too
    args.test_jobs = args.test_jobs or 2 * args.jobs
    args.tree = str(pathlib.Path(args.tree).resolve())
    if args.lab:
        if args.lab not in manifests.names():
            labs = " ".join(manifests.names())
            sys.exit(i18n.text("watch.no.such.lab", lab=args.lab, labs=labs))
        name = args.lab
    else:
        name, why = choose_lab(pathlib.Path(args.store))
        say(i18n.text("watch.chose", lab=name, why=why))
    lab = manifests.load(name)
    become_subreaper()
    tree = pathlib.Path(args.tree)
    (tree / "logs").mkdir(parents=True, exist_ok=True)
    watcher = None
    try:
        if not args.once:
            watcher = Watcher(lab.folder, args.poll)
        variants = cache_value(tree, "KIT_VARIANTS")
        if (ROOT / "solutions" / name).is_dir() and "solution" in variants:
            # Which graded tests exist comes from the reference test binaries: built once.
            progress_build.build(
                tree,
                [f"ref-{name}"],
                args.jobs,
                tree / "logs" / f"ref-{name}.build.log",
                i18n.text("watch.build.ref", lab=name),
            )
        round_ = Round(args, lab)
        round_.run([])
        while watcher is not None:
            say("\n" + i18n.text("watch.watching", lab=name, how=watcher.how))
            saved = watcher.wait()
            if TTY:
                sys.stdout.write("\033[H\033[2J")  # a clear screen for each round
            say(i18n.text("watch.change", file=saved, lab=name))
            changed = list(dict.fromkeys([saved] + watcher.more(SETTLE_SECONDS)))
            if len(changed) > 1:
                say(i18n.text("watch.change.more", files=", ".join(changed[1:])))
            round_.run(changed)
    except KeyboardInterrupt:
        stop_everything()
        say(("\n" if TTY else "") + i18n.text("watch.stopped", lab=name))
        return 0
    finally:
        stop_everything()
    return 0


def cache_value(tree: pathlib.Path, key: str) -> str:
    try:
        for line in (tree / "CMakeCache.txt").read_text().splitlines():
            if line.startswith(key + ":"):
                return line.split("=", 1)[1]
    except OSError:
        pass
    return ""


if __name__ == "__main__":
    # Ctrl-C and SIGTERM stop it (even when started with SIGINT ignored, as a background job).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sys.exit(main())
