#!/usr/bin/env python3
"""Build targets of a kit build tree, and say so: one line that counts the build's steps.

    progress_build.py --tree DIR [--jobs N] [--logs DIR] [--failed FILE] [--show-errors]
                      [--what TEXT] TARGET...
    progress_build.py --tree DIR --configure [--what TEXT] -- CMAKE_ARGS...

Builds each TARGET in turn (`cmake --build DIR --target TARGET`), its whole output into
LOGS/TARGET.build.log, or with --what all of them at once under that name (log: LOGS/build.log),
and shows what it builds as it goes, so that no build is ever silent:

    building lab01_blocking [7/12] 3 s

On a terminal that line changes in place (and its seconds tick, so that one long compile does not
look hung); elsewhere (a CI log, a pipe) a line is printed when the count changes, at most every
2 s. It ends as "built lab01_blocking (12 steps, 4.1 s)", "lab01_blocking: up to date", or
"lab01_blocking does not build". A target that does not build is added to --failed FILE (the
Makefile's not-built list; the grade report prints the compiler's errors) and the next target is
still built; --show-errors prints the compiler's first errors at once (make run, make demo).
Exit status: 1 if a target did not build.

Ninja's status line ([finished/total], NINJA_STATUS) and Make's ([ 45%]) are both understood.
--configure configures the tree (`cmake -S . -B DIR CMAKE_ARGS`) with its seconds ticking.
Its words come from tools/kit/messages.json ("build.*"): Chinese under KIT_LANG=zh.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import re
import signal
import subprocess
import sys
import threading
import time

from kit import i18n

_NINJA = re.compile(r"^\[(\d+)/(\d+)\]")
_MAKE = re.compile(r"^\[\s*(\d+)%\]")
PLAIN_EVERY = 2.0  # seconds between two progress lines when the output is not a terminal


def seconds_text(seconds: int) -> str:
    """A status line's ticking seconds (" 3 s"), nothing in the first second."""
    return i18n.text("build.seconds", seconds=seconds) if seconds else ""


def background(target) -> threading.Thread:
    """Start target in a daemon thread that never receives SIGINT or SIGTERM: the kernel then
    delivers Ctrl-C to the main thread, whose blocking call it interrupts at once (a signal that
    lands in a helper thread waits until the main thread's call returns by itself)."""

    def run() -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        target()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


class Line:
    """One status line: rewritten in place on a terminal, printed now and then elsewhere."""

    def __init__(self, out=None):
        self.out = out or sys.stdout
        self.tty = self.out.isatty()
        self.text = ""
        self.printed = ""
        self.last = 0.0
        self.lock = threading.Lock()

    def show(self, text: str, force: bool = False) -> None:
        with self.lock:
            self.text = text
            now = time.monotonic()
            if self.tty:
                self.out.write("\r\033[K" + text)
                self.out.flush()
            elif force or (text != self.printed and now - self.last >= PLAIN_EVERY):
                self.out.write(text + "\n")
                self.out.flush()
                self.printed, self.last = text, now

    def end(self, text: str) -> None:
        """Replace the line with its last words, and go to the next line."""
        with self.lock:
            self.out.write(("\r\033[K" if self.tty else "") + text + "\n")
            self.out.flush()
            self.text = ""


class Ticking:
    """A status line whose seconds tick while something slow runs, so that it never looks hung:

    with Ticking(line, "grading lab01_blocking"):  # "grading lab01_blocking 3 s"
        ...
    """

    def __init__(self, line: Line, what: str):
        self.line, self.what = line, what
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def _run(self) -> None:
        start = time.monotonic()
        while True:
            seconds = int(time.monotonic() - start)
            self.line.show(self.what + seconds_text(seconds))
            if self.stop.wait(0.5 if self.line.tty else 1.0):
                return

    def __enter__(self) -> "Ticking":
        self.thread = background(self._run)
        return self

    def __exit__(self, *_) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()
        if self.line.tty:  # the line goes: what follows takes its place
            self.line.out.write("\r\033[K")
            self.line.out.flush()


def build(
    tree: pathlib.Path,
    targets: list[str],
    jobs: int,
    log: pathlib.Path | None = None,
    what: str = "",
    out=None,
) -> tuple[bool, int, float]:
    """Build targets with a counting status line: (built, steps done, seconds)."""
    what = what or " ".join(targets)
    line = Line(out)
    start = time.monotonic()
    state = {"done": 0, "total": 0, "percent": -1}

    def status() -> str:
        seconds = int(time.monotonic() - start)
        if state["total"]:
            count = f" [{state['done']}/{state['total']}]"
        elif state["percent"] >= 0:
            count = f" [{state['percent']}%]"
        else:
            count = ""
        return i18n.text("build.building", what=what) + count + seconds_text(seconds)

    if line.tty:
        line.show(status(), force=True)
    else:
        # Elsewhere the first line waits for a step and PLAIN_EVERY: a target that is up to date
        # is named once ("X: up to date"), not twice.
        line.last = time.monotonic()
    env = {**os.environ, "NINJA_STATUS": "[%f/%t] "}
    command = ["cmake", "--build", str(tree), "-j", str(jobs), "--target", *targets]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        env=env,
    )
    stop = threading.Event()

    def tick() -> None:  # on a terminal the seconds move even while one compile takes long
        while not stop.wait(0.5):
            if line.tty:
                line.show(status())

    ticker = background(tick)
    lines = []
    assert proc.stdout is not None
    for text in proc.stdout:
        lines.append(text)
        ninja, make = _NINJA.match(text), _MAKE.match(text)
        if ninja:
            state["done"], state["total"] = int(ninja.group(1)), int(ninja.group(2))
        elif make:
            state["percent"] = int(make.group(1))
        else:
            continue
        line.show(status())
    code = proc.wait()
    stop.set()
    ticker.join()
    seconds = time.monotonic() - start
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("".join(lines))
    if code != 0:
        shown = i18n.text("build.failed.log", log=log) if log else ""
        line.end(i18n.text("build.failed", what=what) + shown)
        return False, state["done"], seconds
    if state["done"] == 0 and state["percent"] < 0 or any("no work to do" in t for t in lines):
        line.end(i18n.text("build.uptodate", what=what))
    else:
        steps = i18n.text("build.steps", count=state["done"]) if state["done"] else ""
        line.end(i18n.text("build.built", what=what, steps=steps, seconds=f"{seconds:.1f}"))
    return True, state["done"], seconds


def configure(tree: pathlib.Path, args: list[str], what: str) -> bool:
    """Configure a build tree (cmake -S . -B TREE ARGS...), its seconds ticking on one line; its
    output in TREE/logs/configure.log, the end of which is shown if it fails."""
    line = Line()
    log = tree / "logs" / "configure.log"
    with Ticking(line, i18n.text("build.configuring", what=what)):
        done = subprocess.run(
            ["cmake", "-S", ".", "-B", str(tree), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(done.stdout)
    if done.returncode != 0:
        line.end(i18n.text("build.configure.failed", what=what, log=log))
        for text in done.stdout.splitlines()[-30:]:
            print(f"  {text}")
        return False
    line.end(i18n.text("build.configured", what=what))
    return True


def first_errors(log: pathlib.Path, max_lines: int = 30) -> list[str]:
    """The compiler's first error and what follows it, without the build tool's status lines."""
    lines = [
        t.rstrip("\n")
        for t in log.read_text(errors="replace").splitlines()
        if not t.startswith("[") and not t.startswith("ninja: ")
    ]
    first = next((i for i, t in enumerate(lines) if "error" in t), 0)
    return lines[max(0, first - 1) : max(0, first - 1) + max_lines]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", required=True, help="the build tree (configured)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--logs", default="", help="folder of the TARGET.build.log files")
    parser.add_argument("--failed", default="", help="append the targets that fail here")
    parser.add_argument("--show-errors", action="store_true", help="print the first errors")
    parser.add_argument("--what", default="", help="build every target at once, shown as TEXT")
    parser.add_argument(
        "--configure",
        action="store_true",
        help="configure the tree instead: the arguments are cmake's (after --)",
    )
    parser.add_argument("targets", nargs="+")
    args = parser.parse_args()
    tree = pathlib.Path(args.tree)
    if args.configure:
        return 0 if configure(tree, args.targets, args.what or f"{tree}/") else 1
    logs = pathlib.Path(args.logs) if args.logs else tree / "logs"
    failed = []
    groups = [args.targets] if args.what else [[t] for t in args.targets]
    for group in groups:
        log = logs / (f"{group[0]}.build.log" if len(group) == 1 else "build.log")
        built, _, _ = build(tree, group, args.jobs, log, args.what)
        if not built:
            failed += group
            if args.show_errors:
                for text in first_errors(log):
                    print(f"  {text}")
    if failed and args.failed:
        with open(args.failed, "a") as listing:
            listing.write("".join(f"{t}\n" for t in failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
