#!/usr/bin/env python3
"""make progress: every lab's score, from the results make test and make watch keep.

    progress.py [--build DIR] [--jobs N] [--no-regrade]

Reads BUILD/progress/<lab>.json (tools/progress_store.py): one line per lab with its score, the
graded test runs it passed and its next failing lesson, or "not tried yet"; then the total and what
to do next. Nothing is built or run for a lab whose student files are as they were when it was last
graded. A lab whose files changed since (or that was changed but never graded) is built and graded
again in the plain build (BUILD/), and the report says so; --no-regrade only marks it as stale.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import sys
import time
import textwrap

import progress_store
import reset
from kit import labs as manifests

ROOT = pathlib.Path(__file__).resolve().parent.parent
WIDTH = 100


def fmt(points: float) -> str:
    return f"{points:g}"


def ago(when: float) -> str:
    seconds = max(0, int(time.time() - when))
    if seconds < 90:
        return f"{seconds} s ago"
    if seconds < 90 * 60:
        return f"{seconds // 60} min ago"
    if seconds < 36 * 3600:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


def regrade(build: pathlib.Path, store: pathlib.Path, lab: str, jobs: int) -> None:
    """Build the lab (and its reference tests) in the plain tree and grade it, saying so."""
    import grade  # noqa: E402  (only when a lab is graded again: progress alone stays fast)
    import progress_build

    if not (build / "CMakeCache.txt").exists():
        subprocess.run(
            ["make", "--no-print-directory", "-C", str(ROOT), "_configure", f"BUILD={build}"]
            + ["STACK=solutions", "SAN=0"],
            check=True,
        )
    (build / "logs").mkdir(parents=True, exist_ok=True)
    built, _, _ = progress_build.build(build, [lab], jobs, build / "logs" / f"{lab}.build.log")
    if (ROOT / "solutions" / lab).is_dir():
        progress_build.build(build, [f"ref-{lab}"], jobs, build / "logs" / f"ref-{lab}.build.log")
    listing = build / "not-built"
    others = [n for n in grade.not_built(build) if n != lab]
    listing.write_text("".join(f"{n}\n" for n in others + ([] if built else [lab])))
    line = progress_build.Line()
    with progress_build.Ticking(line, f"grading {lab}"):
        rows, built = grade.grade_lab(build, lab, False, jobs)
    result = grade.store_result(store, lab, rows, built, grade.build_description(build))
    line.end(f"graded {lab}: {fmt(result.score)}/{fmt(result.total)}")


def lesson_line(result: progress_store.Result) -> str:
    if result.finished:
        return "all graded tests pass"
    if not result.built:
        return "does not compile: make test LAB=" + result.lab + " shows the compiler's errors"
    return f"next: {result.next_test}: {result.next_lesson}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--no-regrade", action="store_true")
    args = parser.parse_args()
    build = pathlib.Path(args.build)
    build = build if build.is_absolute() else ROOT / build
    store = build / "progress"

    names = manifests.names()
    results: dict[str, progress_store.Result | None] = {}
    stale: dict[str, str] = {}
    for lab in names:
        result = progress_store.load(store, lab)
        if result is not None and result.fingerprint != progress_store.fingerprint(lab):
            stale[lab] = f"your files changed since its last result ({ago(result.when)})"
        elif result is None and not reset.untouched(lab):
            stale[lab] = "your files changed, and it has no result yet"
        results[lab] = result
    if stale and not args.no_regrade:
        for lab, why in stale.items():
            print(f"{lab}: {why}: grading it again")
            regrade(build, store, lab, args.jobs)
            results[lab] = progress_store.load(store, lab)
        print()
        stale = {}  # every one is up to date now

    width = max(len(n) for n in names)
    score = total = 0.0
    next_lab = ""
    print("your progress, from your last results")
    for lab in names:
        result = results[lab]
        if result is None:
            print(f"  {lab:<{width}}  not tried yet")
            next_lab = next_lab or lab
            continue
        score, total = score + result.score, total + result.total
        mark = " (files changed since: make progress grades it again)" if lab in stale else ""
        head = (
            f"  {lab:<{width}}  {fmt(result.score):>4}/{fmt(result.total):<4} "
            f"{result.passed}/{result.runs} tests  {ago(result.when)}{mark}"
        )
        print(head)
        for text in textwrap.wrap(
            lesson_line(result), WIDTH, initial_indent="      ", subsequent_indent="        "
        ):
            print(text)
        if "STACK=mine" in result.build or "sanitizers on" in result.build:
            print(f"      (graded in: {result.build})")
        if not result.finished:
            next_lab = next_lab or lab
    print(f"  {'total':<{width}}  {fmt(score):>4}/{fmt(total):<4} (labs not tried yet count 0)")
    print()
    if not next_lab:
        print("every lab is finished: try make test STACK=mine (your own labs, linked together)")
    elif results[next_lab] is None:
        print(f"what next: read {next_lab}/README.md, then make watch LAB={next_lab}")
    else:
        print(
            f"what next: {next_lab}: make watch LAB={next_lab} (grades on every save); "
            f"stuck? make hint LAB={next_lab}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
