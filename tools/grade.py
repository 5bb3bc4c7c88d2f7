#!/usr/bin/env python3
"""Run the autograder of one or more labs through CTest and report points.

    grade.py --build build [--labs lab01_blocking,...] [--reference] [--results DIR]
             [--expect all-pass|all-fail] [--jobs N] [--quiet]

For each lab: every graded test (GRADED_TEST in the lab's tests/) is run by CTest in its own
process with its own timeout; black-box tests run twice, plainly and under the short-I/O injector
(".UnderShortIO"), and their points are split between the two runs. The report lists each graded
test as PASS/FAIL with its points and, on failure, the lesson line and the first lines of the
failure; then a score table. Helper tests (plain TEST) are run and listed, without points.

--results DIR also writes DIR/results.json (Gradescope's format) and DIR/junit.xml.
--expect all-pass: exit 1 unless every graded test passes (the default for students: `make test`).
--expect all-fail: exit 1 unless every graded test fails (`make check` on untouched skeletons).
"""
import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHORTIO = ".UnderShortIO"
NOT_BUILT = "the lab did not build: see the compiler errors above the report"
COLOR = sys.stdout.isatty() and os.environ.get("NO_COLOR") is None


def paint(text, code):
    return f"\033[{code}m{text}\033[0m" if COLOR else text


def all_labs():
    return sorted(p.name for p in ROOT.glob("lab0*_*") if (p / "CMakeLists.txt").exists())


def test_binaries(build, lab, reference):
    folder = build / "tests" / ("solutions/" + lab if reference else lab)
    prefix = ("ref-" if reference else "") + lab
    return {kind: folder / f"{prefix}-{kind}" for kind in ("unit", "blackbox")}


def manifest(binary):
    """{name: (points, lesson)} of the graded tests in one test binary."""
    out = subprocess.run([str(binary), "--kit_manifest"], capture_output=True, text=True, timeout=60)
    graded = {}
    for line in out.stdout.splitlines():
        name, points, lesson = line.split("\t", 2)
        graded[name] = (int(points), lesson)
    return graded


def run_ctest(build, regex, jobs):
    """{ctest name: (status, output, seconds)} for the tests matching regex; status is CTest's
    "run" (passed), "fail", or "skipped" (GTEST_SKIP)."""
    with tempfile.NamedTemporaryFile(suffix=".xml", delete=False) as junit:
        path = junit.name
    try:
        subprocess.run(["ctest", "--test-dir", str(build), "-R", regex, "-j", str(jobs),
                        "--output-junit", path, "--no-tests=ignore"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        results = {}
        if os.path.getsize(path) == 0:
            return results
        for case in ET.parse(path).getroot().iter("testcase"):
            out = case.find("system-out")
            results[case.get("name")] = (case.get("status"),
                                         out.text if out is not None and out.text else "",
                                         float(case.get("time") or 0))
        return results
    finally:
        os.unlink(path)


def failure_excerpt(output, max_lines=14):
    """The lines of a GoogleTest log that say why the test failed."""
    lines = []
    started = False
    for line in output.splitlines():
        if line.startswith("[ RUN"):
            started = True
            continue
        if not started or line.startswith("[  FAILED") or line.startswith("[       OK"):
            if line.startswith("[  FAILED"):
                started = False
            continue
        if line.startswith("[") and "]" in line[:14]:
            continue
        lines.append(line)
    # A sanitizer's report: its ERROR line, then the frames in the kit's own sources (the student's
    # files first of all) rather than the C++ library's internals, which fill the first frames.
    for index, line in enumerate(lines):
        if "ERROR: AddressSanitizer" in line or "ERROR: LeakSanitizer" in line or "runtime error:" in line:
            frames = [l for l in lines[index + 1:] if re.match(r"\s*#\d+ ", l) and "/usr/" not in l
                      and "libsanitizer" not in l][:6]
            lines = lines[:index + 1] + frames + ["(the whole report: run the test with ctest -V)"]
            break
    # Crashes and timeouts are printed by the testkit after the GoogleTest log stops.
    for marker in ("CRASH:", "TIMEOUT:"):
        at = output.find(marker)
        if at >= 0:
            lines = output[at:].splitlines()[:6] + lines
    if not lines and output.strip():
        lines = output.strip().splitlines()[-max_lines:]
    if not output.strip():
        lines = ["(the test printed nothing: it did not run — was the test binary built?)"]
    seen, cut = set(), []
    for line in lines:
        if line.strip() and line not in seen:
            seen.add(line)
            cut.append(line)
    cut = cut[:max_lines]
    return cut


def listed_tests(binary):
    """Every test name ("Suite.Name") a GoogleTest binary defines."""
    out = subprocess.run([str(binary), "--gtest_list_tests"], capture_output=True, text=True, timeout=60)
    names, suite = [], ""
    for line in out.stdout.splitlines():
        if not line.strip() or line.startswith("Running main"):
            continue
        if not line.startswith(" "):
            suite = line.split("#")[0].strip()
        else:
            names.append(suite + line.split("#")[0].strip())
    return names


def graded_name(listed):
    """The manifest name of a listed test: "Prefix/Suite.Name/Param" (an instantiation of a
    GRADED_TEST_P) is graded as "Suite.Name", each instantiation for the full points."""
    suite, _, test = listed.partition(".")
    return suite.rsplit("/", 1)[-1] + "." + test.split("/", 1)[0]


def not_built(build):
    """The labs whose last build failed (the Makefile lists them in BUILD/not-built)."""
    listing = build / "not-built"
    return set(listing.read_text().split()) if listing.exists() else set()


def grade_lab(build, lab, reference, jobs):
    """One row per CTest entry of the lab: graded tests with their share of points, and helpers."""
    binaries = test_binaries(build, lab, reference)
    # If the student's code does not compile, its test binaries are missing: the reference
    # binaries still say which graded tests exist, so the report shows them all as failed.
    ref_binaries = test_binaries(build, lab, True)
    built = all(binaries[k].exists() for k in binaries if ref_binaries[k].exists()) and (
        reference or lab not in not_built(build))
    prefix = ("ref." if reference else "") + lab + "."
    results = run_ctest(build, "^" + re.escape(prefix), jobs) if built else {}
    rows = []
    if not any(b.exists() for b in list(binaries.values()) + list(ref_binaries.values())):
        rows.append({"lab": lab, "name": "(build)", "kind": "build", "graded": True, "points": 1,
                     "passed": False, "skipped": False, "lesson": "the lab's test binaries were not built",
                     "output": "no test binary found in " + str(binaries["unit"].parent), "seconds": 0})
    for kind, binary in binaries.items():
        source = binary if binary.exists() else ref_binaries[kind]
        if not source.exists():
            continue
        graded = manifest(source)
        for name in listed_tests(source):
            entries = [name] + ([name + SHORTIO] if kind == "blackbox" else [])
            points, lesson = graded.get(graded_name(name), (0, ""))
            for entry in entries:
                status, output, seconds = results.get(prefix + entry, ("fail", "", 0.0))
                if not built:
                    output = NOT_BUILT
                rows.append({"lab": lab, "name": entry, "kind": kind, "graded": graded_name(name) in graded,
                             "points": points / len(entries), "passed": status == "run",
                             "skipped": status == "skipped", "lesson": lesson,
                             "output": output, "seconds": seconds})
    return rows


def fmt(points):
    return f"{points:g}"


def lab_score(rows):
    """(points earned, points possible) of a lab's rows."""
    graded = [r for r in rows if r["graded"]]
    return sum(r["points"] for r in graded if r["passed"]), sum(r["points"] for r in graded)


def print_lab(lab, rows, quiet):
    score, total = lab_score(rows)
    print(paint(f"== {lab} ==", "1"))
    unbuilt = bool(rows) and all(r["output"].startswith(NOT_BUILT) for r in rows)
    if unbuilt:
        print(paint(f"  {lab} does not build: every test fails until it does (the compiler's errors "
                    "are above)", "31"))
    for row in rows:
        if quiet and row["passed"]:
            continue
        status = paint("PASS", "32") if row["passed"] else paint("FAIL", "31")
        if row["skipped"] and not row["graded"]:
            print(f"  {paint('SKIP', '33')}    helper {row['name']} (not graded)")
            continue
        if row["graded"]:
            got = fmt(row["points"] if row["passed"] else 0)
            print(f"  {status} {got:>4}/{fmt(row['points']):<4} {row['name']}")
        else:
            print(f"  {status}    helper {row['name']} (not graded)")
        if not row["passed"] and not unbuilt:
            if row["lesson"]:
                print(f"         what this checks: {row['lesson']}")
            for line in failure_excerpt(row["output"]):
                print(f"         | {line}")
    print(f"  {lab}: {fmt(score)}/{fmt(total)}\n")
    return score, total


def write_results(folder, rows):
    folder.mkdir(parents=True, exist_ok=True)
    graded = [r for r in rows if r["graded"]]
    tests = []
    for r in graded:
        text = "" if r["passed"] else "\n".join(
            ([f"What this checks: {r['lesson']}"] if r["lesson"] else []) + failure_excerpt(r["output"], 40))
        tests.append({"name": f"{r['lab']}: {r['name']}", "score": r["points"] if r["passed"] else 0,
                      "max_score": r["points"], "status": "passed" if r["passed"] else "failed",
                      "output": text})
    score = sum(t["score"] for t in tests)
    (folder / "results.json").write_text(json.dumps({"score": score, "tests": tests}, indent=2) + "\n")
    cases = []
    for r in rows:
        body = "" if r["passed"] else f'<failure message="{escape(r["lesson"] or "failed", {chr(34): "&quot;"})}">' \
                                      f'{escape(r["output"])}</failure>'
        cases.append(f'  <testcase classname="{r["lab"]}" name="{escape(r["name"])}" '
                     f'time="{r["seconds"]:.3f}">{body}</testcase>')
    failures = sum(1 for r in rows if not r["passed"])
    (folder / "junit.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuite name="epoll-chat-labs" tests="{len(rows)}" failures="{failures}">\n'
        + "\n".join(cases) + "\n</testsuite>\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--labs", default="")
    parser.add_argument("--reference", action="store_true", help="grade solutions/ instead of the lab folders")
    parser.add_argument("--results", default="")
    parser.add_argument("--expect", choices=["all-pass", "all-fail"], default="all-pass")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--quiet", action="store_true", help="list only failing tests")
    parser.add_argument("--summary", action="store_true", help="print only the score table")
    args = parser.parse_args()

    build = pathlib.Path(args.build).resolve()
    labs = [lab for lab in args.labs.split(",") if lab] or all_labs()
    all_rows, table = [], []
    for lab in labs:
        rows = grade_lab(build, lab, args.reference, args.jobs)
        score, total = lab_score(rows) if args.summary else print_lab(lab, rows, args.quiet)
        table.append((lab, score, total))
        all_rows += rows
    width = max(len(lab) for lab, _, _ in table)
    print(paint("score", "1"))
    for lab, score, total in table:
        print(f"  {lab:<{width}}  {fmt(score)}/{fmt(total)}")
    score = sum(s for _, s, _ in table)
    total = sum(t for _, _, t in table)
    print(f"  {'total':<{width}}  {fmt(score)}/{fmt(total)}")
    if args.results:
        write_results(pathlib.Path(args.results), all_rows)
        print(f"\nwrote {args.results}/results.json and junit.xml")
    graded = [r for r in all_rows if r["graded"]]
    if not graded:
        print("no graded tests found: was the kit built?")
        return 1
    if args.expect == "all-pass":
        return 0 if all(r["passed"] for r in graded) else 1
    passing = [f"{r['lab']}: {r['name']}" for r in graded if r["passed"]]
    if passing:
        print("\nthese graded tests PASS on the untouched skeleton (a test that cannot fail grades nothing):")
        for name in passing:
            print(f"  {name}")
    return 1 if passing else 0


if __name__ == "__main__":
    sys.exit(main())
