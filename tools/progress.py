#!/usr/bin/env python3
"""make progress: every lab's score, from the results make test and make watch keep.

    progress.py [--build DIR] [--jobs N] [--no-regrade]

Reads BUILD/progress/<lab>.json (tools/progress_store.py): one line per lab with its score, the
graded test runs it passed and its next failing lesson, or "not tried yet"; then the total and what
to do next. Nothing is built or run for a lab whose student files are as they were when it was last
graded. A lab whose files changed since (or that was changed but never graded) is built and graded
again in the plain build (BUILD/), and the report says so; --no-regrade only marks it as stale.
Under KIT_LANG=zh it speaks Chinese: its phrases come from tools/kit/messages.json ("progress.*"),
the lessons from the labs' lessons.zh-CN.json, as make test's (tools/kit/i18n.py).
"""
from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import sys
import time

import progress_store
import reset
from kit import i18n
from kit import labs as manifests

ROOT = pathlib.Path(__file__).resolve().parent.parent
WIDTH = 100


def fmt(points: float) -> str:
    return f"{points:g}"


def ago(when: float) -> str:
    seconds = max(0, int(time.time() - when))
    if seconds < 90:
        return i18n.text("progress.ago.seconds", seconds=seconds)
    if seconds < 90 * 60:
        return i18n.text("progress.ago.minutes", minutes=seconds // 60)
    if seconds < 36 * 3600:
        return i18n.text("progress.ago.hours", hours=seconds // 3600)
    return i18n.text("progress.ago.days", days=seconds // 86400)


def pad(text: str, width: int) -> str:
    """text left-aligned in `width` terminal columns (a Chinese character takes two)."""
    return text + " " * max(0, width - i18n.columns(text))


def wrap(text: str) -> list[str]:
    """A lesson line, wrapped under its lab (Chinese has no spaces to break at)."""
    return i18n.wrap_text(text, WIDTH, "      ", "        ")


def shown_build(described: str) -> str:
    """The build a result was graded in, as grade.py's build_description() keeps it (in English:
    "STACK=mine (your own earlier labs), sanitizers on (ASan+UBSan), ..."), in the current
    language: grade.py's own phrases, translated back one by one."""
    if not i18n.chinese():
        return described
    phrases = ("stack.mine", "stack.solutions", "sanitizers.on", "sanitizers.off")
    phrases += ("injector.on", "injector.off")
    parts = []
    for part in described.split(", "):
        for key in phrases:
            part = part.replace(i18n.text(key, "en"), i18n.text(key))
        parts.append(
            part.replace(" (", "（").replace(")", "）") if part.startswith("STACK=") else part
        )
    return "，".join(parts)


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
    with progress_build.Ticking(line, i18n.text("progress.grading", lab=lab)):
        rows, built = grade.grade_lab(build, lab, False, jobs)
    result = grade.store_result(store, lab, rows, built, grade.build_description(build))
    line.end(
        i18n.text("progress.graded", lab=lab, score=fmt(result.score), total=fmt(result.total))
    )


def lesson_line(result: progress_store.Result) -> str:
    if result.finished:
        return i18n.text("progress.finished")
    if not result.built:
        return i18n.text("progress.unbuilt", lab=result.lab)
    lesson = i18n.lesson(result.lab, result.next_test, result.next_lesson)
    return i18n.text("progress.next", test=result.next_test, lesson=lesson)


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
            stale[lab] = i18n.text("progress.stale", ago=ago(result.when))
        elif result is None and not reset.untouched(lab):
            stale[lab] = i18n.text("progress.stale.new")
        results[lab] = result
    if stale and not args.no_regrade:
        for lab, why in stale.items():
            print(i18n.text("progress.regrading", lab=lab, why=why))
            regrade(build, store, lab, args.jobs)
            results[lab] = progress_store.load(store, lab)
        print()
        stale = {}  # every one is up to date now

    width = max(len(n) for n in names)
    score = total = 0.0
    next_lab = ""
    print(i18n.text("progress.head"))
    for lab in names:
        result = results[lab]
        if result is None:
            print(f"  {lab:<{width}}  {i18n.text('progress.untried')}")
            next_lab = next_lab or lab
            continue
        score, total = score + result.score, total + result.total
        mark = i18n.text("progress.changed") if lab in stale else ""
        tests = i18n.text("progress.tests", passed=result.passed, runs=result.runs)
        head = (
            f"  {lab:<{width}}  {fmt(result.score):>4}/{fmt(result.total):<4} "
            f"{tests}  {ago(result.when)}{mark}"
        )
        print(head)
        for text in wrap(lesson_line(result)):
            print(text)
        if "STACK=mine" in result.build or "sanitizers on" in result.build:
            print("      " + i18n.text("progress.graded.in", build=shown_build(result.build)))
        if not result.finished:
            next_lab = next_lab or lab
    note = i18n.text("progress.total.note")
    print(f"  {pad(i18n.text('total'), width)}  {fmt(score):>4}/{fmt(total):<4}{note}")
    print()
    if not next_lab:
        print(i18n.text("progress.all.done"))
    elif results[next_lab] is None:
        chapter = f"{next_lab}/{i18n.chapter(ROOT / next_lab).name}"
        print(i18n.text("progress.what.read", chapter=chapter, lab=next_lab))
    else:
        print(i18n.text("progress.what.watch", lab=next_lab))
    return 0


if __name__ == "__main__":
    sys.exit(main())
