#!/usr/bin/env python3
"""The hostile-submission suite: tests of the grader (make check).

    hostile.py [--build DIR] [--only NAME,...] [--jobs N] [--keep]

Each folder of tools/hostile/ is one submission of lab01, written by a student who wants points
without the work, or wants to break the batch:

    case.json        {"about": ..., "base": "skeleton" | "solution" | "empty",
                      "replace": [[old, new], ...]  (edits of net.cpp, each must match),
                      "max_score": N | "all" | "any", "min_score": N | "all",
                      "forbid": "solution" | a text that no report may hold,
                      "notes": [what the instructor's notes must say of it],
                      "report_says": [what its report must say: the grader's own words],
                      "needs_root": true (run only when grading as root),
                      "tests": globs (instead of TESTS),
                      "budget_s": N (the watchdog's seconds per test, instead of BUDGET_S),
                      "backstop_s": N (the sandbox's seconds per test, instead of 600),
                      "stopped_by": ...}
    net.cpp.append   code added at the end of net.cpp (static initializers, mostly);
                     "@SUBMISSIONS@" stands for the submissions folder

The suite grades them all as a class is graded, with tools/grade_all.sh (one batch, the graded
tests limited to TESTS below to stay fast), then checks for each submission: its score is within
its bounds (the honest part: "all" is the points of TESTS), no report or results.json of any
submission holds solution text or the text it forbids, its report says what the grader must have
told it (report_says), the instructor's notes name what they must, and after the batch no process
it started is left (their names start with "kit-hostile"). The
table it prints is the issue's closing note: what each got and what stopped it.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import pathlib
import pwd
import re
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
CASES = ROOT / "tools" / "hostile"
LAB = "lab01_blocking"
TESTS = "ListenTcp.*,EchoServer.EchoesOneByte"
# The watchdog's budget per test (KIT_TEST_BUDGET_S): the honest submissions pass well within it on
# a busy machine. A case that is meant to run into its limits (a fork bomb) sets shorter ones, the
# budget and the sandbox's backstop: what it shows is that they stop it and its sweep leaves
# nothing, not how late, and it holds both cores while it runs.
BUDGET_S = 5
BATCH_TIMEOUT_S = 900


def net_cpp(case: dict, folder: pathlib.Path, submissions: pathlib.Path) -> str:
    base = case.get("base", "skeleton")
    if base == "empty":
        return ""
    source = ROOT / ("solutions" if base == "solution" else "") / LAB / "net.cpp"
    text = source.read_text()
    for old, new in case.get("replace", []):
        if old not in text:
            raise SystemExit(f"hostile: {folder.name}: '{old}' is not in {source}")
        text = text.replace(old, new, 1)
    append = folder / "net.cpp.append"
    if append.exists():
        text += "\n" + append.read_text().replace("@SUBMISSIONS@", str(submissions))
    return text


def solution_lines() -> list[str]:
    """Lines of the reference that the skeleton does not have: none may appear in a report."""
    skeleton = set((ROOT / LAB / "net.cpp").read_text().splitlines())
    lines = (ROOT / "solutions" / LAB / "net.cpp").read_text().splitlines()
    return [line.strip() for line in lines if line not in skeleton and len(line.strip()) > 30]


def sandbox_user(build: pathlib.Path) -> str:
    """The unprivileged user this kit's suite grades as: one of its own per build folder, so that
    two suites on one machine (two clones, two CI jobs) never share a process limit, and the
    fork bomb's sweep (a kill of every process of its user) ends only this suite's processes."""
    return "kithostile-" + hashlib.sha256(str(build).encode()).hexdigest()[:8]


def leftovers(user: str) -> list[str]:
    """Processes the hostile submissions named kit-hostile-* that are still running (as `user`
    when grading as root: another suite's are not this one's)."""
    uid = os.getuid()
    if os.geteuid() == 0:
        try:
            uid = pwd.getpwnam(user).pw_uid
        except KeyError:
            pass
    found = []
    for entry in os.listdir("/proc"):
        try:
            if not entry.isdigit() or not pathlib.Path(
                f"/proc/{entry}/comm"
            ).read_text().startswith("kit-hostile"):
                continue
            status = pathlib.Path(f"/proc/{entry}/status").read_text()
            real = re.search(r"^Uid:\s+(\d+)", status, re.M)
            if real and int(real.group(1)) == uid:
                found.append(entry)
        except OSError:
            pass
    return found


def notes_of(text: str) -> dict[str, str]:
    """{submission: its block} of the instructor's notes (tools/suspicious.py)."""
    blocks: dict[str, str] = {}
    name = ""
    for line in text.splitlines():
        if not line.startswith(" ") and "line(s) to look at" in line:
            name = line.split(":", 1)[0]
        elif name:
            blocks[name] = blocks.get(name, "") + line + "\n"
    return blocks


def bound(value, full: float, default: float) -> float:
    if value == "all":
        return full
    if value == "any" or value is None:
        return default
    return float(value)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--only", default="")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--keep", action="store_true", help="keep the submissions folder")
    args = parser.parse_args()
    build = pathlib.Path(args.build).resolve()
    root = os.geteuid() == 0
    chosen = [name for name in args.only.split(",") if name]
    cases = {}
    for folder in sorted(p for p in CASES.iterdir() if (p / "case.json").exists()):
        case = json.loads((folder / "case.json").read_text())
        if chosen and folder.name not in chosen and folder.name != "honest":
            continue
        if case.get("needs_root") and not root:
            print(f"hostile: {folder.name} skipped: it needs the unprivileged user (grade as root)")
            continue
        cases[folder.name] = (folder, case)

    # One batch per set of tests and budget: most cases share TESTS; a case that costs a test's
    # whole budget (a fork bomb, endless output) names fewer tests of its own in case.json.
    batches: dict[tuple[str, int, int], list[str]] = {}
    for name, (folder, case) in cases.items():
        key = (
            case.get("tests", TESTS),
            int(case.get("budget_s", BUDGET_S)),
            int(case.get("backstop_s", 0)),
        )
        batches.setdefault(key, []).append(name)
    where: dict[str, pathlib.Path] = {}
    for index, (tests, names) in enumerate(batches.items()):
        folder_of_batch = build / "hostile" / ("submissions" + (f"-{index}" if index else ""))
        shutil.rmtree(folder_of_batch, ignore_errors=True)
        folder_of_batch.mkdir(parents=True)
        for name in names:
            folder, case = cases[name]
            where[name] = folder_of_batch
            (folder_of_batch / name / LAB).mkdir(parents=True)
            if case.get("base") == "solution":
                shutil.copy(ROOT / "solutions" / LAB / "echo.cpp", folder_of_batch / name / LAB)
            text = net_cpp(case, folder, build / "hostile" / "submissions")
            (folder_of_batch / name / LAB / "net.cpp").write_text(text)

    start = time.monotonic()
    env = {
        **os.environ,
        "BUILD": str(build),
        "JOBS": str(args.jobs),
        # A user of its own: the fork bomb's processes count against no other grading's limit.
        "KIT_SANDBOX_USER": sandbox_user(build),
        # The staging kit and its build are kept for the next run, and the submissions (the kit's
        # own files) may use a ccache of their own: make check rebuilds only what changed.
        "GRADE_ALL_WORK": str(build / "hostile" / "work"),
        "GRADE_ALL_CCACHE": str(build / "hostile" / "ccache"),
    }
    finished, log, notes = True, "", ""
    for (tests, budget, backstop), names in batches.items():
        folder_of_batch = where[names[0]]
        limits = {"KIT_TEST_BUDGET_S": str(budget)}
        if backstop:
            limits["KIT_SANDBOX_BACKSTOP_S"] = str(backstop)
        try:
            batch = subprocess.run(
                ["bash", str(ROOT / "tools" / "grade_all.sh"), str(folder_of_batch), LAB, tests],
                env={**env, **limits},
                capture_output=True,
                text=True,
                timeout=BATCH_TIMEOUT_S,
            )
            finished = finished and batch.returncode == 0
            log += batch.stdout + batch.stderr
        except subprocess.TimeoutExpired:
            finished = False
            log += f"the batch did not finish within {BATCH_TIMEOUT_S} s\n"
        notes_file = folder_of_batch / "instructor-notes.txt"
        notes += notes_file.read_text() if notes_file.exists() else ""
    seconds = time.monotonic() - start
    forbidden_solution = solution_lines()
    problems: list[str] = []
    table = []
    for name, (folder, case) in cases.items():
        sub = where[name] / name
        results: dict = {}
        try:
            results = json.loads((sub / "results.json").read_text())
            score = float(results["score"])
            full = sum(t["max_score"] for t in results["tests"])
        except (OSError, ValueError, KeyError):
            score, full = None, 0
        texts = "".join(
            (sub / f).read_text(errors="replace")
            for f in ("report.txt", "results.json")
            if (sub / f).exists()
        )
        got = f"{score:g}/{full:g}" if score is not None else "no results"
        verdict = []
        if score is None:
            verdict.append("no results.json")
        else:
            top = bound(case.get("max_score"), full or 0, float("inf"))
            low = bound(case.get("min_score"), full or 0, 0)
            if score > top:
                verdict.append(f"scored {score:g} > {top:g}")
            if score < low:
                verdict.append(f"scored {score:g} < {low:g}")
        forbid = case.get("forbid")
        leaked = []
        if forbid == "solution":
            leaked = [line for line in forbidden_solution if line in texts]
        elif forbid:
            leaked = [forbid] if forbid in texts else []
        leaked += [line for line in forbidden_solution if line in texts and name != "honest"]
        if leaked:
            verdict.append(f"its report holds: {leaked[0][:60]}")
        for what in case.get("report_says", []):
            if what not in texts:
                verdict.append(f"its report does not say '{what}'")
        block = notes_of(notes).get(name, "")
        for what in case.get("notes", []):
            if what not in block:
                verdict.append(f"the instructor's notes do not say '{what}'")
        # What a case that fills the disk wrote before the quota stopped it, in its own words.
        outputs = "\n".join([t.get("output", "") for t in results.get("tests", [])] + [texts])
        shown = [line.strip() for line in outputs.splitlines() if line.strip().startswith("FILLED")]
        table.append((name, got, "ok" if not verdict else "; ".join(verdict), case, shown[:2]))
        problems += [f"{name}: {v}" for v in verdict]
    left = leftovers(sandbox_user(build))
    if left:
        problems.append(f"processes left after the batch: {', '.join(left)}")
    if not finished:
        problems.append("the batch did not finish: " + log[-2000:])

    print(f"hostile submissions of {LAB}, graded on {TESTS} (or the case's tests), {seconds:.0f} s")
    print(f"  {'submission':<20} {'score':>10}  {'check':<6} what stopped it")
    for name, got, verdict, case, shown in table:
        print(f"  {name:<20} {got:>10}  {verdict:<6} {case.get('stopped_by', case.get('about'))}")
        for line in shown:
            print(f"  {'':<20} {'':>10}  {'':<6} its output: {line}")
    print(f"  processes left after the batch: {len(left)}")
    print(
        "  "
        + "\n  ".join(line for line in log.splitlines() if line.startswith(("===", "grade-all")))
    )
    if problems:
        print("hostile: the grader let these through:")
        for problem in problems:
            print(f"  {problem}")
    if not args.keep:
        for folder_of_batch in set(where.values()):
            shutil.rmtree(folder_of_batch, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
