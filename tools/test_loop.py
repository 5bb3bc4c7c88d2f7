#!/usr/bin/env python3
"""Tests of the student's loop (make check's step "loop"), in a copy of the kit; and its timings.

    test_loop.py [--work DIR] [unittest arguments]   the tests
    test_loop.py --measure [--work DIR] [--rounds N]   make watch's timings (measure_watch.sh)

The tests drive the loop's commands as a student does, in a temporary copy of the kit (sources
only, no .git: tools/kit_copy.sh) whose build tree holds lab01 only, built through ccache from the
objects the kit's own build left (the copy's tree sits at the same relative place as build/, so
every object is a cache hit: tools/kit_copy.sh says why):

- watch: a save starts a round (its first words within a deadline), the changed file's unit
  tests come first, then the rest and the score; a save under polling too; Ctrl-C in the middle of
  a round ends it at once with status 0 and leaves no process behind;
- progress after a test run: the stored result, "not tried yet" for the others, and a lab whose
  files changed since is noticed;
- reset and restore: the backup is named, holds the student's files, and restore brings them back;
- mydiff on an untouched lab is empty, against the skeleton from solutions/ or, without it, against
  git's HEAD;
- hint: the first failing test's hint 1, then hint N; no hint of any lab holds a whole solution.

Deadlines only bound hangs: they never judge speed (the measurement does, and judges nothing).
"""
from __future__ import annotations

import argparse
import os
import pathlib
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

ROOT = pathlib.Path(__file__).resolve().parent.parent
LAB = "lab01_blocking"
HANG = 120  # seconds: a deadline that only a hang exceeds, on any machine
WORK = None  # the copy of the kit, set up once (setUpModule)


def copy_kit(work: pathlib.Path, variants: str = "student") -> pathlib.Path:
    """A copy of the kit in work/src, its build tree work/src/build configured for lab01 only."""
    src = work / "src"
    src.mkdir(parents=True, exist_ok=True)
    tar = subprocess.Popen(
        ["tar", "--exclude=./build*", "--exclude=./.git", "--exclude=./.backups", "-cf", "-", "."],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    subprocess.run(["tar", "-xf", "-", "-C", str(src)], stdin=tar.stdout, check=True)
    tar.wait()
    args = ["cmake", "-S", str(src), "-B", str(src / "build")]
    if shutil.which("ninja"):
        args += ["-G", "Ninja"]
    if shutil.which("ccache"):
        args += ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache", "-DCMAKE_C_COMPILER_LAUNCHER=ccache"]
    args += [f"-DKIT_LABS_ONLY={LAB}", f"-DKIT_VARIANTS={variants}", "-DKIT_STACK=solutions"]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, env=env_of(src))
    return src


def env_of(src: pathlib.Path) -> dict[str, str]:
    """The environment of the copy's commands: ccache relative to the copy, no colours."""
    return {
        **os.environ,
        "CCACHE_BASEDIR": str(src),
        "CCACHE_NOHASHDIR": "1",
        "NO_COLOR": "1",
        "MAKEFLAGS": "",
    }


def run(src: pathlib.Path, *command: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        list(command),
        cwd=src,
        env=env_of(src),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )


def processes_of(src: pathlib.Path) -> list[str]:
    """The command lines of the processes that name the copy (its tests, its inotifywait, ...)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            cmdline = pathlib.Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if str(src).encode() in cmdline:
            found.append(f"{entry}: {cmdline.decode(errors='replace')[:160]}")
    return found


class Watch:
    """tools/watch.py started as make watch starts it, its output read line by line with times."""

    def __init__(self, src: pathlib.Path, *args: str):
        self.src = src
        self.proc = subprocess.Popen(
            [sys.executable, str(src / "tools" / "watch.py"), "--tree", str(src / "build")]
            + ["--store", str(src / "build" / "progress"), "--jobs", "2", *args],
            cwd=src,
            env=env_of(src),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,  # a process group of its own, as a terminal's foreground job
        )
        self.lines: queue.Queue[tuple[float, str | None]] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put((time.monotonic(), line.rstrip("\n")))
        self.lines.put((time.monotonic(), None))

    def expect(self, pattern: str, seconds: float = HANG) -> tuple[float, str]:
        """The time and text of the next line that matches; fails after `seconds` or at its end."""
        end = time.monotonic() + seconds
        while True:
            try:
                when, line = self.lines.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                raise AssertionError(
                    f"no line matching {pattern!r} within {seconds} s; the last lines:\n"
                    + "\n".join(self.seen[-30:])
                )
            if line is None:
                raise AssertionError(
                    f"watch ended before a line matching {pattern!r}; its last lines:\n"
                    + "\n".join(self.seen[-30:])
                )
            self.seen.append(line)
            if re.search(pattern, line):
                return when, line

    def interrupt(self) -> int:
        """Ctrl-C, as a terminal sends it (to the whole foreground group); the exit status."""
        os.killpg(self.proc.pid, signal.SIGINT)
        return self.proc.wait(timeout=HANG)

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def solution(name: str) -> str:
    return (WORK / "solutions" / LAB / name).read_text()


class LoopTest(unittest.TestCase):
    def setUp(self):
        self.saved = {p.name: p.read_text() for p in (WORK / LAB).glob("*.cpp")}

    def tearDown(self):
        for name, text in self.saved.items():
            path = WORK / LAB / name
            if path.read_text() != text:
                path.write_text(text)

    def save(self, name: str, text: str) -> float:
        path = WORK / LAB / name
        start = time.monotonic()
        path.write_text(text)
        return start

    def test_watch_runs_the_changed_files_tests_first_and_stops_cleanly_on_ctrl_c(self):
        watch = Watch(
            WORK, "--tests", "ListenTcp.Accepts*,ListenTcp.Reports*,EchoSession.Echoes*", LAB
        )
        try:
            watch.expect(rf"^watching {LAB}/ for changes \((inotify|polling)\)")
            self.save("net.cpp", solution("net.cpp"))
            watch.expect(rf"^change in net\.cpp: building {LAB}\.\.\.$", 30)
            watch.expect(rf"built {LAB}|{LAB}: up to date")
            watch.expect(r"^tests of net\.cpp: \d+/\d+ pass")
            watch.expect(r"^    PASS .* ListenTcp\.")
            watch.expect(r"^the other tests: \d+/\d+ test runs pass")
            watch.expect(r"^score: \d+/\d+ for " + LAB)
            watch.expect(rf"^watching {LAB}/")
            # Ctrl-C in the middle of a round: everything it started ends with it.
            self.save("echo.cpp", solution("echo.cpp"))
            watch.expect(r"^change in echo\.cpp", 30)
            self.assertEqual(watch.interrupt(), 0, "\n".join(watch.seen[-20:]))
            watch.expect(rf"^stopped watching {LAB}/", 10)
            self.assertEqual(processes_of(WORK), [], "processes left behind by make watch")
        finally:
            watch.close()

    def test_watch_without_inotify_polls_the_files_times(self):
        watch = Watch(WORK, "--poll", "--tests", "ListenTcp.ReportsPortInUse*", LAB)
        try:
            watch.expect(rf"^watching {LAB}/ for changes \(polling\)")
            self.save("net.cpp", solution("net.cpp"))
            watch.expect(r"^change in net\.cpp", 30)
            watch.expect(r"^score: ")
            self.assertEqual(watch.interrupt(), 0)
        finally:
            watch.close()
        self.assertEqual(processes_of(WORK), [])

    def test_progress_shows_the_stored_result_and_notices_a_change(self):
        graded = run(
            WORK, "python3", "tools/grade.py", "--build", "build", "--labs", LAB, "--jobs", "4",
            "--store", "build/progress",
        )  # fmt: skip
        self.assertIn("score", graded.stdout, graded.stdout + graded.stderr)
        shown = run(WORK, "python3", "tools/progress.py", "--build", "build")
        self.assertEqual(shown.returncode, 0, shown.stderr)
        self.assertRegex(shown.stdout, rf"{LAB} +0/\d+ +0/\d+ tests")
        self.assertRegex(shown.stdout, r"lab02_nonblocking +not tried yet")
        self.assertRegex(shown.stdout, r"next: ListenTcp\.")
        self.assertRegex(shown.stdout, rf"what next: {LAB}")
        self.assertNotIn("grading", shown.stdout)  # nothing changed: nothing graded again
        self.save("net.cpp", solution("net.cpp"))
        stale = run(WORK, "python3", "tools/progress.py", "--build", "build", "--no-regrade")
        self.assertRegex(stale.stdout, rf"{LAB} .*files changed since")
        hint = run(WORK, "python3", "tools/hint.py", "--store", "build/progress", LAB)
        self.assertRegex(hint.stdout, r"^hint 1 of \d+ for listen_tcp", hint.stderr)
        hint = run(WORK, "python3", "tools/hint.py", "--store", "build/progress", LAB, "2")
        self.assertRegex(hint.stdout, r"^hint 2 of \d+ for listen_tcp", hint.stderr)

    def test_reset_keeps_a_backup_that_restore_brings_back(self):
        mine = self.saved["net.cpp"] + "// my work\n"
        self.save("net.cpp", mine)
        reset = run(WORK, "make", "--no-print-directory", "reset", f"LAB={LAB}")
        self.assertEqual(reset.returncode, 0, reset.stdout + reset.stderr)
        backup = re.search(r"saved your files to (\S+)/", reset.stdout)
        self.assertIsNotNone(backup, reset.stdout)
        self.assertEqual((WORK / backup.group(1) / "net.cpp").read_text(), mine)
        self.assertEqual(run(WORK, "python3", "tools/reset.py", "mydiff", LAB).stdout, "")
        restore = run(WORK, "make", "--no-print-directory", "restore", f"LAB={LAB}")
        self.assertEqual(restore.returncode, 0, restore.stdout + restore.stderr)
        self.assertEqual((WORK / LAB / "net.cpp").read_text(), mine)
        # Restoring over work backs that work up first: nothing is ever lost.
        self.save("net.cpp", mine + "// more\n")
        again = run(
            WORK, "python3", "tools/reset.py", "restore", LAB, pathlib.Path(backup.group(1)).name
        )
        self.assertIn("saved your current files to", again.stdout)
        self.assertEqual((WORK / LAB / "net.cpp").read_text(), mine)
        shutil.rmtree(WORK / ".backups")

    def test_mydiff_of_an_untouched_lab_is_empty_against_either_baseline(self):
        shown = run(WORK, "make", "--no-print-directory", "mydiff", f"LAB={LAB}")
        self.assertEqual(shown.stdout, "")
        self.assertIn("against the skeleton generated from solutions/", shown.stderr)
        self.save("echo.cpp", self.saved["echo.cpp"].replace("TODO", "TODO (mine)", 1))
        self.assertIn("+", run(WORK, "python3", "tools/reset.py", "mydiff", LAB).stdout)
        self.save("echo.cpp", self.saved["echo.cpp"])
        # A kit without solutions/: git's committed version is the baseline, and it says so.
        git = ["git", "-c", "user.name=kit", "-c", "user.email=kit@localhost"]
        run(WORK, *git, "init", "-q")
        run(WORK, *git, "add", LAB)
        run(WORK, *git, "commit", "-q", "-m", "the kit")
        hidden = WORK.parent / "solutions-hidden"
        (WORK / "solutions").rename(hidden)
        try:
            shown = run(WORK, "python3", "tools/reset.py", "mydiff", LAB)
            self.assertEqual(shown.stdout, "")
            self.assertIn("git's committed version (HEAD)", shown.stderr)
        finally:
            hidden.rename(WORK / "solutions")
            shutil.rmtree(WORK / ".git")

    def test_no_hint_gives_a_whole_solution_away(self):
        checked = run(WORK, "python3", "tools/hint.py", "--check")
        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)


def set_up(work: pathlib.Path, variants: str) -> pathlib.Path:
    src = copy_kit(work, variants)
    built = run(src, "cmake", "--build", "build", "-j", "2", "--target", LAB)
    if variants != "student":
        built = run(src, "cmake", "--build", "build", "-j", "2", "--target", f"ref-{LAB}")
    if built.returncode != 0:
        raise SystemExit(f"test_loop: the copy's {LAB} does not build:\n{built.stdout[-3000:]}")
    return src


# --- make watch's timings (tools/measure_watch.sh) ------------------------------------------------


def measure(work: pathlib.Path, rounds: int) -> int:
    """Each round saves a file of lab01 and times what make watch shows: its first line, its first
    test result, its score. Saves: net.cpp solved (the unit tests of net.cpp first), echo.cpp solved
    (every test passes: the longest round), a comment added to echo.cpp (the same, once more)."""
    global WORK
    src = set_up(work, "student;solution")
    WORK = src
    lab = src / LAB
    skeleton = {n: (lab / n).read_text() for n in ("net.cpp", "echo.cpp")}
    saves = [
        ("net.cpp", solution("net.cpp")),
        ("echo.cpp", solution("echo.cpp")),
        ("echo.cpp", solution("echo.cpp") + "// a comment\n"),
    ]
    print(f"make watch on {LAB}, {os.cpu_count()} cores; load average before: {load()}")
    print(f"{'save':<26} {'first output':>12} {'first result':>12} {'score':>8}  score shown")
    worst = [0.0, 0.0, 0.0]
    for _ in range(rounds):
        for name, text in skeleton.items():
            (lab / name).write_text(text)
        watch = Watch(src, LAB)
        try:
            watch.expect(rf"^watching {LAB}/", 600)
            for name, text in saves:
                start = time.monotonic()
                (lab / name).write_text(text)
                first, _ = watch.expect(r"^change in ")
                result, _ = watch.expect(r"^    (PASS|FAIL) |^the tests of |^the other tests: ")
                score, line = watch.expect(r"^score: ")
                watch.expect(rf"^watching {LAB}/")
                times = [first - start, result - start, score - start]
                worst = [max(w, t) for w, t in zip(worst, times)]
                what = f"{name} ({'solved' if text == solution(name) else 'comment'})"
                print(
                    f"{what:<26} {times[0]:>11.2f}s {times[1]:>11.2f}s {times[2]:>7.2f}s  "
                    + line.split(" (")[0]
                )
            watch.interrupt()
        finally:
            watch.close()
            if os.environ.get("KIT_MEASURE_LOG"):
                pathlib.Path(os.environ["KIT_MEASURE_LOG"]).write_text("\n".join(watch.seen))
    print(f"load average after: {load()}")
    print(
        f"worst: first output {worst[0]:.2f} s (target < 0.5), first test result {worst[1]:.2f} s "
        f"(< 3), full score {worst[2]:.2f} s (< 8)"
    )
    return 0


def load() -> str:
    return " ".join(pathlib.Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    global WORK
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--work", default="", help="where the copy goes (default: a temp folder)")
    parser.add_argument("--measure", action="store_true", help="time make watch instead")
    parser.add_argument("--rounds", type=int, default=2)
    args, rest = parser.parse_known_args()
    work = (
        pathlib.Path(args.work).resolve()
        if args.work
        else pathlib.Path(tempfile.mkdtemp(prefix="kit-loop-"))
    )
    if args.work and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    work.chmod(0o755)  # as root the tests run as the sandbox's user, who must reach the copy
    try:
        if args.measure:
            return measure(work, args.rounds)
        WORK = set_up(work, "student")
        program = unittest.main(argv=[sys.argv[0], *rest], exit=False, verbosity=2)
        return 0 if program.result.wasSuccessful() else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
