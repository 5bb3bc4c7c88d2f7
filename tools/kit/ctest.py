"""Running CTest and the kit's test binaries, for grade.py and mutants.py alike.

run() runs the tests whose name matches a regex and reads CTest's JUnit report into typed rows;
must_fail() runs the must-fail tests of a mutant and stops as soon as one passes.
"""
from __future__ import annotations

import dataclasses
import os
import pathlib
import re
import signal
import subprocess
import tempfile
import xml.etree.ElementTree as ET

# CTest's JUnit status: "run" (passed), "fail", "skipped" (GTEST_SKIP) or "notrun" / "disabled".
PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
_STATUS = {
    "run": PASSED,
    "fail": FAILED,
    "skipped": SKIPPED,
    "notrun": SKIPPED,
    "disabled": SKIPPED,
}


@dataclasses.dataclass(frozen=True)
class CaseResult:
    """One test as CTest ran it."""

    name: str  # CTest's name: "<lab>.Suite.Name", "ref.<lab>...", "....UnderShortIO"
    status: str  # PASSED, FAILED or SKIPPED
    output: str  # everything the test printed
    seconds: float


@dataclasses.dataclass(frozen=True)
class GradedInfo:
    """What a test binary's --kit_manifest says of one graded test."""

    points: int
    lesson: str


def run(
    build: pathlib.Path, regex: str, jobs: int, env: dict | None = None
) -> dict[str, CaseResult]:
    """Run the tests of `build` whose CTest name matches `regex`: {CTest name: result}."""
    with tempfile.NamedTemporaryFile(suffix=".xml", delete=False) as junit:
        path = pathlib.Path(junit.name)
    try:
        subprocess.run(
            [
                "ctest",
                "--test-dir",
                str(build),
                "-R",
                regex,
                "-j",
                str(jobs),
                "--output-junit",
                str(path),
                "--no-tests=ignore",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )
        return read_junit(path)
    finally:
        path.unlink(missing_ok=True)


def read_junit(path: pathlib.Path) -> dict[str, CaseResult]:
    if not path.exists() or path.stat().st_size == 0:
        return {}
    results = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        out = case.find("system-out")
        name = case.get("name", "")
        results[name] = CaseResult(
            name,
            _STATUS.get(case.get("status", ""), FAILED),
            out.text if out is not None and out.text else "",
            float(case.get("time") or 0),
        )
    return results


_FINISHED = re.compile(
    r"Test\s+#\d+: (\S+) \.*\s*(\**)(Passed|Failed|Timeout|Exception|Not Run|"
    r"Subprocess aborted|Skipped|\w[\w ]*)"
)


def must_fail(build: pathlib.Path, names: list[str], jobs: int) -> tuple[set[str], set[str]]:
    """Run the named tests side by side, each expected to fail; stop as soon as one passes (the
    others are killed: one passing test already means the mistake got through).

    Returns (the tests that failed, the tests that passed)."""
    regex = "^(" + "|".join(re.escape(n) for n in names) + ")$"
    proc = subprocess.Popen(
        ["ctest", "--test-dir", str(build), "-R", regex, "-j", str(jobs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    failed, passed = set(), set()
    assert proc.stdout is not None
    for line in proc.stdout:
        match = _FINISHED.search(line)
        if not match:
            continue
        if match.group(3) == "Passed":
            passed.add(match.group(1))
            break
        if match.group(3) not in ("Skipped", "Not Run"):
            failed.add(match.group(1))
    if passed:
        # CTest and the tests it started share the session's process group; the testkit's child
        # processes die with their test (PR_SET_PDEATHSIG).
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.stdout.close()
    proc.wait()
    return failed, passed


def listed(build: pathlib.Path) -> set[str]:
    """Every test name CTest knows in `build`."""
    out = subprocess.run(["ctest", "--test-dir", str(build), "-N"], capture_output=True, text=True)
    return set(re.findall(r"Test\s+#\d+: (\S+)", out.stdout))


def manifest(binary: pathlib.Path) -> dict[str, GradedInfo]:
    """{"Suite.Name": points and lesson} of the graded tests of one test binary, in its order."""
    out = subprocess.run(
        [str(binary), "--kit_manifest"], capture_output=True, text=True, timeout=60
    )
    graded = {}
    for line in out.stdout.splitlines():
        name, points, lesson = line.split("\t", 2)
        graded[name] = GradedInfo(int(points), lesson)
    return graded


def listed_tests(binary: pathlib.Path) -> list[str]:
    """Every test name ("Suite.Name", "Prefix/Suite.Name/Param") a GoogleTest binary defines."""
    out = subprocess.run(
        [str(binary), "--gtest_list_tests"], capture_output=True, text=True, timeout=60
    )
    names, suite = [], ""
    for line in out.stdout.splitlines():
        if not line.strip() or line.startswith("Running main"):
            continue
        if not line.startswith(" "):
            suite = line.split("#")[0].strip()
        else:
            names.append(suite + line.split("#")[0].strip())
    return names


def graded_name(listed_name: str) -> str:
    """The manifest name of a listed test: "Prefix/Suite.Name/Param" (an instantiation of a
    GRADED_TEST_P) is graded as "Suite.Name", each instantiation for the full points."""
    suite, _, test = listed_name.partition(".")
    return suite.rsplit("/", 1)[-1] + "." + test.split("/", 1)[0]
