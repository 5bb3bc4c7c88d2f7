#!/usr/bin/env python3
"""Run the autograder of one or more labs through CTest and report points.

    grade.py --build build [--labs lab01_blocking,...] [--reference] [--results DIR]
             [--expect all-pass|all-fail] [--jobs N] [--quiet] [--verbose] [--summary]
             [--tests GLOBS] [--reference-build DIR] [--plain-only] [--store DIR]

For each lab: every graded test (GRADED_TEST in the lab's tests/) runs in its own process
(tools/kit/sandbox.py: its own folder, rlimits, and every process it started killed when it ends;
as root, as an unprivileged user in a loopback-only network); black-box tests run twice, plainly
and under the short-I/O injector (".UnderShortIO"), and their points are split between the two runs.

What is trusted: which graded tests exist and their points come from the reference build's test
binaries (no student code runs in them); a test passed only if GoogleTest itself recorded it as
passed (its JSON record, its premature-exit file), the process then exited 0, and the test harness
sealed that record with the key this one run was given (testkit/record_seal.h). A test process
that ended early (an exit() in a static initializer or mid-test) fails with "the program under test
ended the test process early", whatever its exit status or its output; a record that is not the
one the harness sealed fails with "the program under test tampered with the test record".

The report is made for a student to act on. Failing tests are grouped by their root cause (the TODO
not done yet, the signal that killed the program, a crash, a timeout, a sanitizer report, else the
first line of the failure), one example per group with what it checks and where to read; black-box
tests whose prerequisite (the lab's lab.json) fails are folded under it. Then the score table, the
compiler's errors of a lab that does not build (last, where they cannot scroll away), and one line
that says where to start. --verbose (or VERBOSE=1) lists every test with its own failure.

The report's first line names the build it graded (its stack, sanitizers, and the injector).
--store DIR keeps each wholly graded lab's result in DIR/<lab>.json (make test and make grade
pass BUILD/progress): what make progress, make hint and make watch read (tools/progress_store.py).

--results DIR also writes DIR/results.json (Gradescope's format) and DIR/junit.xml, with the full
output of every test.
--expect all-pass: exit 1 unless every graded test passes (the default for students: `make test`).
--expect all-fail: exit 1 unless every graded test fails (`make check` on untouched skeletons).
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fnmatch
import json
import os
import pathlib
import re
import sys
import xml.etree.ElementTree as ET

from kit import ctest
from kit import i18n
from kit import labs as manifests
import progress_build
import progress_store

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHORTIO = ".UnderShortIO"
COLOR = sys.stdout.isatty() and os.environ.get("NO_COLOR") is None
SANITIZER_MARKERS_FILE = ROOT / "testkit" / "sanitizer_markers.txt"
DEFAULT_SANITIZER_MARKERS = ["ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"]
# The lines of the testkit's process block that a student needs to reproduce a failure.
KEEP_MARKERS = ("process:", "--- transcript ---", "replay exactly with:", "lines of its stderr")
EXAMPLE_LINES = 14  # the lines of a group's example failure
WIDTH = 100


def paint(text: str, code: str) -> str:
    return f"\033[{code}m{text}\033[0m" if COLOR else text


def sanitizer_markers() -> list[str]:
    if SANITIZER_MARKERS_FILE.exists():
        lines = SANITIZER_MARKERS_FILE.read_text().splitlines()
        markers = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
        if markers:
            return markers
    return DEFAULT_SANITIZER_MARKERS


@dataclasses.dataclass
class Row:
    """One test run of a lab as the report sees it."""

    lab: str
    name: str  # as listed, plus ".UnderShortIO" for the injector's run
    test: str  # "Suite.Name": the graded name, the one lab.json's prerequisites match
    kind: str  # "unit", "blackbox" or "build"
    graded: bool
    points: float
    status: str  # ctest.PASSED, FAILED or SKIPPED
    lesson: str = ""
    output: str = ""
    seconds: float = 0
    order: int = (
        0  # story order: unit tests first, then black-box tests, each in their file's order
    )
    bonus: bool = False  # a BONUS_TEST: its points are extra, never part of the lab's total

    @property
    def passed(self) -> bool:
        return self.status == ctest.PASSED


def not_built(build: pathlib.Path) -> set[str]:
    """The labs whose last build failed (the Makefile lists them in BUILD/not-built)."""
    listing = build / "not-built"
    return set(listing.read_text().split()) if listing.exists() else set()


def grade_lab(
    build: pathlib.Path,
    lab: str,
    reference: bool,
    jobs: int,
    ref_build: pathlib.Path | None = None,
    sandbox: ctest.Sandbox | None = None,
    only: list[str] | None = None,
    plain_only: bool = False,
) -> tuple[list[Row], bool]:
    """One row per test run of the lab (graded tests with their share of points, and helpers),
    and whether the lab built.

    Which tests exist and what they are worth comes from the reference build's test binaries
    (`ref_build`, default `build`), which no student code runs in; the student's binaries only run
    the tests, each contained (kit/sandbox.py) and passed only on GoogleTest's own record."""
    binaries = ctest.test_binaries(build, lab, reference)
    ref_binaries = ctest.test_binaries(ref_build or build, lab, True)
    if not any(b.exists() for b in ref_binaries.values()) and ref_build is None:
        # A student's kit without this lab's solution: the list comes from their own binaries,
        # which only they can fool (grade-all and Gradescope always pass the reference build).
        ref_binaries = binaries
    if not any(b.exists() for b in ref_binaries.values()):
        missing = (
            "the lab's reference test binaries were not built, and they say which graded tests "
            f"exist: build ref-{lab} (make build)"
        )
        row = Row(lab, "(build)", "(build)", "build", True, 1, ctest.FAILED, missing, missing, 0, 0)
        return [row], False
    built = all(binaries[k].exists() for k in binaries if ref_binaries[k].exists()) and (
        reference or lab not in not_built(build)
    )
    rows: list[Row] = []
    cases: list[ctest.Case] = []
    for kind, ref_binary in ref_binaries.items():
        if not ref_binary.exists():
            continue
        graded = ctest.manifest(ref_binary)
        for name in ctest.listed_tests(ref_binary):
            test = ctest.graded_name(name)
            if only and not any(fnmatch.fnmatchcase(test, pattern) for pattern in only):
                continue
            twin = kind == "blackbox" and not plain_only
            entries = [name] + ([name + SHORTIO] if twin else [])
            info = graded.get(test, ctest.GradedInfo(0, ""))
            for entry in entries:
                env = (("KIT_SHORTIO", "1"),) if entry.endswith(SHORTIO) else ()
                cases.append(ctest.Case(entry, binaries[kind], name, env))
                points = info.points / len(entries)
                row = Row(lab, entry, test, kind, test in graded, points, ctest.FAILED)
                rows.append(
                    dataclasses.replace(row, lesson=info.lesson, order=len(rows), bonus=info.bonus)
                )
    if not built:
        return rows, False
    results = ctest.run_cases(cases, jobs, sandbox)
    for row in rows:
        result = results.get(row.name)
        if result is not None:
            row.status, row.output, row.seconds = result.status, result.output, result.seconds
    return rows, built


def fmt(points: float) -> str:
    return f"{points:g}"


def lab_score(rows: list[Row], bonus: bool = False) -> tuple[float, float]:
    """(points earned, points possible) of a lab's rows: its own, or (bonus) its bonus tests'."""
    graded = [r for r in rows if r.graded and r.bonus == bonus]
    return sum(r.points for r in graded if r.passed), sum(r.points for r in graded)


def score_text(rows: list[Row]) -> str:
    """A lab's score: "245/245", plus " (+12/40 bonus)" if it has bonus tests (counted apart)."""
    score, total = lab_score(rows)
    extra, possible = lab_score(rows, bonus=True)
    text = f"{fmt(score)}/{fmt(total)}"
    return text + (f" (+{fmt(extra)}/{fmt(possible)} {i18n.text('bonus')})" if possible else "")


# --- what a failure says ------------------------------------------------------------------------

_GTEST_NOISE = re.compile(
    r"^(\[[ =A-Z-]{10}\]|Note: Google Test filter|Running main\(\) from|"
    r"unknown file: Failure$|\S+:\d+: Failure$|\S+:\d+: Skipped$|"
    r"Google Test trace:|\s*\d+ FAILED TESTS?$|\s*YOU HAVE \d+ DISABLED)"
)
_EXCEPTION = re.compile(
    r'C\+\+ exception with description "(.*?)" thrown in the test body\.?', re.S
)


def failure_lines(output: str) -> list[str]:
    """The lines of a test's output that say why it failed, without GoogleTest's boilerplate."""
    lines = []
    output = _EXCEPTION.sub(lambda m: m.group(1).rstrip("\n"), output)
    for line in output.splitlines():
        if not line.strip() or _GTEST_NOISE.match(line):
            continue
        lines.append(line.rstrip())
    # A sanitizer's report: its ERROR line, then the frames in the kit's own sources (the student's
    # files first of all) rather than the C++ library's internals, which fill the first frames.
    markers = sanitizer_markers()
    for index, line in enumerate(lines):
        if any(marker in line for marker in markers):
            frames = [
                f
                for f in lines[index + 1 :]
                if re.match(r"\s*#\d+ ", f) and "/usr/" not in f and "libsanitizer" not in f
            ][:6]
            tail = [f for f in lines[index + 1 :] if f.lstrip().startswith(KEEP_MARKERS[2])][:1]
            lines = lines[: index + 1] + frames + ["(the whole report: make grade, results.json)"]
            lines += tail
            break
    # Crashes and timeouts are printed by the testkit after the GoogleTest log stops: first.
    for marker in ("CRASH:", "TIMEOUT:", ctest.EARLY, ctest.TAMPERED):
        at = next((i for i, line in enumerate(lines) if line.lstrip().startswith(marker)), None)
        if at is not None:
            lines = lines[at : at + 6] + lines[:at] + lines[at + 6 :]
    seen, unique = set(), []
    for line in lines:
        if line not in seen:
            seen.add(line)
            unique.append(line)
    return unique


def excerpt(output: str, max_lines: int = EXAMPLE_LINES) -> list[str]:
    """The first lines of a failure, plus the process block's lines that replay it."""
    lines = failure_lines(output)
    if not output.strip():
        return [f"({i18n.text('cause.silent')})"]
    if len(lines) <= max_lines:
        return lines
    cut = lines[:max_lines]
    for index, line in enumerate(lines[max_lines:], max_lines):
        if any(marker in line for marker in KEEP_MARKERS):
            cut.append(line)
            if line.lstrip().startswith("replay exactly with:") and index + 1 < len(lines):
                cut.append(lines[index + 1])
    return cut + [i18n.text("output.cut")]


def cause(row: Row) -> str:
    """The root cause of a failure, the key its group shares."""
    text = row.output
    if text.startswith(ctest.EARLY):
        return "the program under test ended the test process early"
    if text.startswith(ctest.TAMPERED):
        return "the program under test tampered with the test record"
    todo = re.search(r"TODO not done yet: ([\w:~]+)", text)
    if todo:
        return f"TODO not done yet: {todo.group(1)}"
    signal = re.search(r"was killed by signal (SIG[A-Z0-9]+)", text)
    if signal:
        return f"the program was killed by signal {signal.group(1)}"
    lines = failure_lines(text)
    markers = sanitizer_markers()
    for line in lines:
        stripped = line.strip()
        if stripped.startswith(("CRASH:", "TIMEOUT:")) or any(m in stripped for m in markers):
            return _general(stripped)
    if not lines:
        return "the test printed nothing"
    return _general(lines[0])


def _general(line: str) -> str:
    """A line with its numbers, addresses and ports blurred, so that one mistake is one group."""
    line = re.sub(r"0x[0-9a-fA-F]+", "0x…", line)
    line = re.sub(r"(?<![A-Za-z])\d+", "N", line)
    return line[:160]


def shown_cause(key: str) -> str:
    """A group's key as the report prints it, in the report's language."""
    for name, pattern in (
        ("cause.todo", r"TODO not done yet: (?P<name>.+)"),
        ("cause.signal", r"the program was killed by signal (?P<signal>\S+)"),
        ("cause.early", r"the program under test ended the test process early"),
        ("cause.tampered", r"the program under test tampered with the test record"),
        ("cause.silent", r"the test printed nothing"),
        ("lab.unbuilt.key", r"(?P<lab>\S+) does not build"),
    ):
        match = re.fullmatch(pattern, key)
        if match:
            return i18n.text(name, **match.groupdict())
    return key


def lesson_of(row: Row) -> str:
    """A row's lesson in the report's language (kit/i18n.py: English where no translation)."""
    return i18n.lesson(row.lab, row.test, row.lesson)


def section(lesson: str) -> str:
    match = re.search(r"README\s*(§[^);]*)", lesson)
    return match.group(1).strip() if match else ""


def todo_name(key: str) -> str:
    return key.split(": ", 1)[1] if key.startswith("TODO not done yet: ") else ""


def about(row: Row, todo: str) -> int:
    """How plainly @p row's test is about the function @p todo: 2 if its suite is the function's
    name (ConnectTcp for connect_tcp: a test of that function alone), 1 if its lesson names it,
    else 0. A test of another function that merely calls @p todo on the way (a ListenTcp test that
    connects with connect_tcp) stops on its TODO too, but its lesson explains the other one."""
    suite = row.test.split(".")[0]
    if manifests.suite_function(suite) == todo.lower():
        return 2
    return 1 if re.search(rf"(?<![\w:]){re.escape(todo)}(?![\w:])", row.lesson) else 0


def example_first(group: Group) -> None:
    """Put first, as the group's example, a test about the TODO the group waits on, if one is."""
    todo = todo_name(group.key)
    if todo and group.rows:
        best = max(group.rows, key=lambda r: about(r, todo))  # max keeps the earliest of a tie
        group.rows.remove(best)
        group.rows.insert(0, best)


@dataclasses.dataclass
class Group:
    key: str
    rows: list[Row] = dataclasses.field(default_factory=list)  # same cause, first is the example
    needing: list[Row] = dataclasses.field(default_factory=list)  # folded under it (prerequisite)
    hint: str = ""  # the manifest's variant hint, when it explains every failure of the lab

    @property
    def first(self) -> Row:
        return self.rows[0] if self.rows else self.needing[0]

    def all_rows(self) -> list[Row]:
        return self.rows + self.needing


def group_failures(lab: manifests.Lab | None, rows: list[Row]) -> list[Group]:
    """The failing rows grouped by cause, in story order; a row whose prerequisite (lab.json)
    fails too is folded under the group of that prerequisite (followed to its root)."""
    failing = [r for r in rows if r.status == ctest.FAILED]
    keys = {id(r): cause(r) for r in failing}

    def prerequisite(row: Row) -> Row | None:
        needs = lab.needs(row.test) if lab is not None else ()
        return next(
            (
                p
                for p in failing
                if p.test != row.test and any(fnmatch.fnmatchcase(p.test, n) for n in needs)
            ),
            None,
        )

    groups: dict[str, Group] = {}
    for row in failing:
        root, depth = prerequisite(row), 0
        while root is not None and depth < 8 and prerequisite(root) is not None:
            root, depth = prerequisite(root), depth + 1
        key = keys[id(root)] if root is not None else keys[id(row)]
        group = groups.setdefault(key, Group(key))
        (group.needing if root is not None and key != keys[id(row)] else group.rows).append(row)
    for group in groups.values():
        example_first(group)
    return sorted(groups.values(), key=lambda g: min(r.order for r in g.all_rows()))


def names_line(names: list[str], limit: int = 6) -> str:
    unique = list(dict.fromkeys(names))
    shown = ", ".join(unique[:limit])
    if len(unique) <= limit:
        return shown
    return i18n.text("and.more", shown=shown, count=len(unique) - limit)


def suites(rows: list[Row]) -> str:
    return ", ".join(dict.fromkeys(r.test.split(".")[0] + ".*" for r in rows))


def wrap(text: str, indent: str) -> list[str]:
    return i18n.wrap_text(text, WIDTH, indent, indent + "  ") or [indent]


def print_group(group: Group, quiet: str) -> None:
    """A group of failures: its headline, then (not quiet) one example at length, or (quiet
    "named", where a failure is unexpected) every failing run by name with its first lines."""
    rows = group.all_rows()
    points = sum(r.points for r in rows if r.graded)
    count = len(rows)
    head = i18n.text(
        "fail.head" if count == 1 else "fail.head.many",
        count=count,
        key=shown_cause(group.key),
        points=fmt(points),
    )
    print(f"  {paint('FAIL', '31')} {head}")
    if quiet:
        if quiet == "named":
            print_quiet_failures(rows)
        return
    example = group.first
    print(f"       {i18n.text('example', name=example.name)}")
    todo = todo_name(group.key)
    if todo and not about(example, todo):
        suite = example.test.split(".")[0]
        print(f"       {i18n.text('example.needs', suite=suite, todo=todo)}")
    if example.lesson:
        for line in wrap(i18n.text("it.checks", lesson=lesson_of(example)), "       "):
            print(line)
    for line in excerpt(example.output):
        print(f"       | {line}"[: WIDTH + 40])
    others = group.rows[1:]
    unit = [r.name for r in others if r.kind != "blackbox"]
    blackbox = [r for r in others if r.kind == "blackbox"]
    also = ([names_line(unit, 4)] if unit else []) + (
        [i18n.text("also.blackbox", count=len(blackbox), suites=suites(blackbox))]
        if blackbox
        else []
    )
    if also:
        for line in wrap(i18n.text("also", what=i18n.text("also.sep").join(also)), "       "):
            print(line)
    if group.needing:
        for line in wrap(
            i18n.text("folded", count=len(group.needing), suites=suites(group.needing)),
            "       ",
        ):
            print(line)


QUIET_ROWS, QUIET_LINES = 8, 4  # what --quiet shows of each group: enough to chase a CI failure


def which_run(row: Row) -> str:
    """Which of a test's runs this row is: its only one, the plain one or the injector's."""
    if row.kind != "blackbox":
        return "its only run"
    if row.name.endswith(SHORTIO):
        return "the run under the short-I/O injector"
    return "the plain run"


def print_quiet_failures(rows: list[Row]) -> None:
    """--quiet (make check): each failing run by name, which run it was, its first lines."""
    for row in rows[:QUIET_ROWS]:
        points = f", {fmt(row.points)} points" if row.graded else ", not graded"
        print(f"       {row.lab}: {row.name} ({which_run(row)}{points}, {row.seconds:.1f} s)")
        for line in excerpt(row.output, QUIET_LINES)[:QUIET_LINES]:
            print(f"         | {line}"[: WIDTH + 40])
    if len(rows) > QUIET_ROWS:
        more = names_line([r.name for r in rows[QUIET_ROWS:]])
        for line in wrap(f"and {len(rows) - QUIET_ROWS} more: {more}", "       "):
            print(line)


def skip_reason(output: str) -> str:
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if (
            re.search(r":\d+: Skipped$", line)
            and index + 1 < len(lines)
            and lines[index + 1].strip()
        ):
            return lines[index + 1].strip()
    return i18n.text("skipped.itself")


def variant(name: str) -> str:
    """The parameter of a parameterized test run: "Et" of "Mode/ChatRoom.X/Et.UnderShortIO"."""
    test = name.split(".", 1)[1] if "." in name else name
    return test.split("/", 1)[1].split(".")[0] if "/" in test else ""


def variant_hint(lab: manifests.Lab | None, rows: list[Row]) -> str:
    """The manifest's hint when every failing graded run has one parameter (".../Et") and each of
    its twins with another parameter (".../Lt") passes: the cause is what only that variant does."""
    failing = [r for r in rows if r.graded and not r.passed and r.status != ctest.SKIPPED]
    if not lab or not failing:
        return ""
    only = {variant(r.name) for r in failing}
    if len(only) != 1:
        return ""
    chosen = only.pop()
    hint = dict(lab.variant_hints).get(chosen, "")
    passed = {r.name for r in rows if r.passed}
    others = {variant(r.name) for r in rows} - {chosen, ""}
    for row in failing:
        twins = [row.name.replace(f"/{chosen}", f"/{other}") for other in others]
        if not twins or not all(twin in passed for twin in twins):
            return ""
    return f"every failing run is a .../{chosen} run whose twins pass: {hint}" if hint else ""


def shown_variant_hint(hint: str) -> str:
    """variant_hint's line in the report's language (its hint is the manifest's own words)."""
    match = re.fullmatch(r"every failing run is a \.\.\./(\S+) run whose twins pass: (.*)", hint)
    return i18n.text("variant", variant=match.group(1), hint=match.group(2)) if match else hint


def print_lab(lab: str, rows: list[Row], built: bool, quiet: str, verbose: bool) -> list[Group]:
    print(paint(i18n.text("lab.head", lab=lab, score=score_text(rows)), "1"))
    if not built:
        graded = [r for r in rows if r.graded]
        print(paint("  " + i18n.text("lab.unbuilt", lab=lab, count=len(graded)), "31"))
        print()
        return [Group(f"{lab} does not build", rows=rows)]
    try:
        manifest = manifests.load(lab)
    except manifests.ManifestError:
        manifest = None
    if verbose:
        print_every_row(rows)
    groups = group_failures(manifest, rows)
    hint = variant_hint(manifest, rows)
    if hint:
        for line in wrap(shown_variant_hint(hint), "  "):
            print(paint(line, "1"))
        groups[0].hint = hint
    if not verbose:
        for group in groups:
            print_group(group, quiet)
    passed = [r for r in rows if r.passed]
    if passed and not verbose:
        graded = [r for r in passed if r.graded]
        helpers = len(passed) - len(graded)
        bonus = sum(r.points for r in graded if r.bonus)
        print(
            f"  {paint('PASS', '32')} "
            + i18n.text(
                "pass.line",
                count=len(graded),
                points=fmt(sum(r.points for r in graded if not r.bonus)),
            )
            + (i18n.text("pass.bonus", points=fmt(bonus)) if bonus else "")
            + (i18n.text("pass.helpers", count=helpers) if helpers else "")
        )
    skipped = [r for r in rows if r.status == ctest.SKIPPED]
    by_reason: dict[str, list[Row]] = {}
    for row in skipped:
        by_reason.setdefault(skip_reason(row.output), []).append(row)
    for reason, which in by_reason.items():
        names = names_line([r.name for r in which])
        for number, line in enumerate(wrap(i18n.text("skipped", reason=reason, names=names), "  ")):
            print(paint(line, "33") if number == 0 else line)
    print()
    return groups


def print_every_row(rows: list[Row]) -> None:
    for row in rows:
        if row.status == ctest.SKIPPED:
            because = i18n.text("skipped.because", reason=skip_reason(row.output))
            print(f"  {paint(i18n.text('skipped.short'), '33')} {row.name}: {because}")
            continue
        status = paint("PASS", "32") if row.passed else paint("FAIL", "31")
        got = fmt(row.points if row.passed else 0)
        points = f"{got:>4}/{fmt(row.points):<4}" if row.graded else i18n.text("not.graded")
        print(f"  {status} {points} {row.name}")
        if not row.passed:
            if row.lesson:
                print(f"         {i18n.text('checks', lesson=lesson_of(row))}")
            for line in excerpt(row.output, 40):
                print(f"         | {line}")


def build_errors(build: pathlib.Path, lab: str, max_lines: int = 40) -> list[str]:
    """The compiler's first errors for a lab that does not build (the Makefile saved its log)."""
    log = build / "logs" / f"{lab}.build.log"
    if not log.exists():
        return [i18n.text("no.build.log", lab=lab)]
    lines = [
        line
        for line in log.read_text(errors="replace").splitlines()
        if not line.startswith("[") and not line.startswith("ninja: ")
    ]
    first = next((i for i, line in enumerate(lines) if "error" in line), 0)
    # The compiler's "In function ..." context line comes just before the first error.
    start = max(0, first - 1)
    shown = lines[start : start + max_lines]
    if len(lines) > start + max_lines:
        shown.append(f"(… {len(lines) - start - max_lines} more lines in {log})")
    return shown


def start_here(lab: str, groups: list[Group], built: bool) -> str:
    if not built:
        return i18n.text("start.compile", lab=lab)
    group = groups[0]
    chapter = i18n.chapter(ROOT / lab)
    manifest_chapter = f"{lab}/{chapter.name}"
    todo = todo_name(group.key)
    where = section(group.first.lesson).split(",")[0]
    read = i18n.text("start.read", chapter=manifest_chapter, where=where) if where else ""
    if todo and not about(group.first, todo):
        # The example explains another function: point at the TODO's own hints instead.
        read = (
            i18n.text("start.read.hints", chapter=manifest_chapter, todo=todo)
            if hint_topic(chapter, todo)
            else ""
        )
    count = len(group.all_rows())
    if group.hint:
        return i18n.text("start.hint", hint=group.hint.split(": ", 1)[1])
    if todo:
        return i18n.text("start.todo", todo=todo, read=read, count=count)
    return i18n.text("start.test", name=group.first.name, read=read, key=shown_cause(group.key))


def hint_topic(chapter: pathlib.Path, todo: str) -> bool:
    """True if @p chapter's Hints have a topic for @p todo (a "### `todo`" heading, as
    tools/hint.py reads them)."""
    heading = f"### `{todo}`"
    try:
        return any(line.strip() == heading for line in chapter.read_text().splitlines())
    except OSError:
        return False


def write_results(folder: pathlib.Path, rows: list[Row]) -> None:
    """results.json (Gradescope's format) and junit.xml, each with every test's full output."""
    folder.mkdir(parents=True, exist_ok=True)
    tests = []
    for r in (r for r in rows if r.graded):
        text = (
            ""
            if r.passed
            else "\n".join(([f"What this checks: {r.lesson}"] if r.lesson else []) + [r.output])
        )
        tests.append(
            {
                "name": f"{r.lab}: {r.name}",
                "score": r.points if r.passed else 0,
                "max_score": 0 if r.bonus else r.points,  # Gradescope's extra credit
                "status": "passed" if r.passed else "failed",
                "output": text,
            }
        )
    score = sum(t["score"] for t in tests)
    results = {"score": score, "tests": tests}
    (folder / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    suite = ET.Element(
        "testsuite",
        name="epoll-chat-labs",
        tests=str(len(rows)),
        failures=str(sum(1 for r in rows if r.status == ctest.FAILED)),
        skipped=str(sum(1 for r in rows if r.status == ctest.SKIPPED)),
    )
    for r in rows:
        case = ET.SubElement(
            suite, "testcase", classname=r.lab, name=r.name, time=f"{r.seconds:.3f}"
        )
        if r.status == ctest.FAILED:
            ET.SubElement(case, "failure", message=r.lesson or "failed").text = r.output
        elif r.status == ctest.SKIPPED:
            ET.SubElement(case, "skipped", message=skip_reason(r.output))
        if r.output:
            ET.SubElement(case, "system-out").text = r.output
    ET.indent(suite)
    ET.ElementTree(suite).write(folder / "junit.xml", encoding="UTF-8", xml_declaration=True)


def quiet_mode(args: argparse.Namespace) -> str:
    """ "" (not quiet), "headlines", or "named": failures named one by one where none is expected
    (--expect all-fail expects them all: its report names the tests that pass instead)."""
    if not args.quiet:
        return ""
    return "named" if args.expect == "all-pass" else "headlines"


# --- what the report graded, and what make progress keeps of it ---------------------------------


def build_description(build: pathlib.Path, plain_only: bool = False, lang: str = "en") -> str:
    """Which build a report graded, from its CMakeCache.txt: the stack the lab links, whether it is
    sanitized, and whether the black-box tests also run under the short-I/O injector. In English
    by default: make progress keeps it, and reads it ("STACK=mine", "sanitizers on")."""
    cache = {}
    try:
        for line in (build / "CMakeCache.txt").read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and ":" in key:
                cache[key.split(":")[0]] = value
    except OSError:
        pass
    stack = cache.get("KIT_STACK", "solutions")
    stack_text = i18n.text("stack.mine" if stack == "mine" else "stack.solutions", lang)
    sanitize = cache.get("KIT_SANITIZE", "OFF").upper() in ("ON", "1", "TRUE", "YES")
    comma = "，" if lang == "zh" else ", "
    return comma.join(
        [
            f"STACK={stack}（{stack_text}）" if lang == "zh" else f"STACK={stack} ({stack_text})",
            i18n.text("sanitizers.on" if sanitize else "sanitizers.off", lang),
            i18n.text("injector.off" if plain_only else "injector.on", lang),
        ]
    )


def print_header(build: pathlib.Path, plain_only: bool) -> None:
    try:
        shown = build.relative_to(pathlib.Path.cwd())
    except ValueError:
        shown = build
    print(
        paint(
            i18n.text(
                "grading", build=shown, what=build_description(build, plain_only, i18n.language())
            ),
            "2",
        )
    )


def grading_line(lab: str):
    """On a terminal, a line that counts the seconds while a lab's tests run, so that a long
    grade never looks hung; it goes when the lab's report comes. Elsewhere (a log, report.txt),
    nothing."""
    if not sys.stdout.isatty():
        return contextlib.nullcontext()
    return progress_build.Ticking(progress_build.Line(), i18n.text("running", lab=lab))


def store_result(
    store: pathlib.Path, lab: str, rows: list[Row], built: bool, build: str
) -> progress_store.Result:
    """Keep what `make progress` shows of a lab's grade (tools/progress_store.py)."""
    score, total = lab_score(rows)
    graded = [r for r in rows if r.graded]
    try:
        manifest = manifests.load(lab)
    except manifests.ManifestError:
        manifest = None
    groups = group_failures(manifest, rows) if built else []
    first = groups[0].first if groups else None
    if not built:
        next_test, lesson = "(build)", f"{lab} does not compile: make test LAB={lab} shows why"
    else:
        next_test, lesson = (first.name, first.lesson) if first else ("", "")
    result = progress_store.Result(
        lab=lab,
        score=score,
        total=total,
        passed=sum(1 for r in graded if r.passed),
        runs=len(graded),
        next_test=next_test,
        next_lesson=lesson,
        built=built,
        build=build,
        fingerprint=progress_store.fingerprint(lab),
        when=progress_store.now(),
        next_todo=todo_name(groups[0].key) if groups else "",
    )
    progress_store.save(store, result)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--labs", default="")
    parser.add_argument(
        "--reference", action="store_true", help="grade solutions/ instead of the lab folders"
    )
    parser.add_argument("--results", default="")
    parser.add_argument("--expect", choices=["all-pass", "all-fail"], default="all-pass")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="only the groups' headlines; with --expect all-pass also every failing run by name "
        "(plain or .UnderShortIO) with its first lines, so that a flaky CI failure can be chased",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        default=bool(os.environ.get("VERBOSE")),
        help="every test with its own failure (also VERBOSE=1)",
    )
    parser.add_argument("--summary", action="store_true", help="print only the score table")
    parser.add_argument(
        "--tests",
        default="",
        help="only the graded tests matching these globs (comma-separated, 'Suite.*'): the "
        "score then counts only them",
    )
    parser.add_argument(
        "--reference-build",
        default="",
        help="the build whose reference test binaries say which graded tests exist and their "
        "points (default: --build); grade-all and Gradescope use the instructor's own build",
    )
    parser.add_argument(
        "--plain-only",
        action="store_true",
        help="run black-box tests once, without their short-I/O twin (make check's sanitizer and "
        "stack-mine steps: the main build already ran every twin)",
    )
    parser.add_argument(
        "--store",
        default="",
        help="keep each whole lab's result in DIR/<lab>.json for make progress "
        "(tools/progress_store.py)",
    )
    args = parser.parse_args()

    build = pathlib.Path(args.build).resolve()
    ref_build = pathlib.Path(args.reference_build).resolve() if args.reference_build else None
    only = [pattern for pattern in args.tests.split(",") if pattern]
    chosen = [lab for lab in args.labs.split(",") if lab] or manifests.names()
    all_rows: list[Row] = []
    table, unbuilt, start = [], [], ""
    print_header(build, args.plain_only)
    for lab in chosen:
        with grading_line(lab):
            rows, built = grade_lab(
                build, lab, args.reference, args.jobs, ref_build, None, only, args.plain_only
            )
        if args.store and not args.reference and not only:
            described = build_description(build, args.plain_only)
            store_result(pathlib.Path(args.store), lab, rows, built, described)
        if not args.summary:
            groups = print_lab(lab, rows, built, quiet_mode(args), args.verbose)
            if not built:
                unbuilt.append(lab)
            if not start and groups:
                start = start_here(lab, groups, built)
        table.append((lab, score_text(rows)))
        all_rows += rows
    width = max(len(lab) for lab, _ in table)
    print(paint(i18n.text("score"), "1"))
    for lab, text in table:
        print(f"  {lab:<{width}}  {text}")
    if len(table) > 1:
        print(f"  {i18n.text('total'):<{width}}  {score_text(all_rows)}")
    if args.results:
        write_results(pathlib.Path(args.results), all_rows)
        print("\n" + i18n.text("wrote", folder=args.results))
    for lab in unbuilt:
        print()
        print(paint(i18n.text("compiler.says", lab=lab), "1;31"))
        for line in build_errors(build, lab):
            print(f"  {line}")
    graded = [r for r in all_rows if r.graded]
    if not graded:
        print(i18n.text("no.tests"))
        return 1
    if args.expect == "all-pass":
        if start and not args.summary and not args.reference:
            print()
            print(paint(start, "1"))
        return 0 if all(r.passed for r in graded) else 1
    passing = [f"{r.lab}: {r.name}" for r in graded if r.passed]
    if passing:
        print("\n" + i18n.text("skeleton.passes"))
        for name in passing:
            print(f"  {name}")
    return 1 if passing else 0


if __name__ == "__main__":
    sys.exit(main())
