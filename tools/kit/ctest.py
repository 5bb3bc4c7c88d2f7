"""Running CTest and the kit's test binaries, for grade.py and mutants.py alike.

run_cases() runs tests of a student's build one process each, contained (kit/sandbox.py), and
counts a test as passed only when GoogleTest itself recorded it as passed (its JSON record, its
premature-exit file, then the exit status) and the test harness sealed that record with the key
the grader gave that one process (testkit/record_seal.h): what the grader trusts.
must_fail_directly() runs the must-fail tests of a mutant, from commands() (how CTest would run
each, without a CTest process), and stops as soon as one passes.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import hmac
import json
import os
import pwd
import shutil
import pathlib
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


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
    bonus: bool = False  # a BONUS_TEST: extra points, never needed for the full score


@dataclasses.dataclass(frozen=True)
class Command:
    """How CTest runs one test: its command line, folder, added environment, backstop and the
    output that marks it skipped (SKIP_REGULAR_EXPRESSION)."""

    argv: tuple[str, ...]
    cwd: str
    env: tuple[tuple[str, str], ...]
    timeout: float
    skip: tuple[str, ...]


def commands(build: pathlib.Path) -> dict[str, Command]:
    """{CTest name: how CTest runs it} of every test of `build` (ctest --show-only=json-v1).

    The mutant runner starts a mutant's must-fail tests itself from these: one CTest process per
    mutant cost as much CPU as its tests (CTest reads every test's definition to run two)."""
    out = subprocess.run(
        ["ctest", "--test-dir", str(build), "--show-only=json-v1"],
        capture_output=True,
        text=True,
    )
    found = {}
    for test in json.loads(out.stdout or "{}").get("tests", []):
        if "command" not in test:
            continue  # a placeholder for a test binary that was not built: not a test to run
        props = {p["name"]: p["value"] for p in test.get("properties", [])}
        unknown = set(props) - {
            "ENVIRONMENT",
            "SKIP_REGULAR_EXPRESSION",
            "TIMEOUT",
            "WORKING_DIRECTORY",
        }
        if unknown:
            raise RuntimeError(
                f"{test['name']}: CTest properties the runner does not know: {unknown}"
            )
        env = tuple(tuple(item.split("=", 1)) for item in props.get("ENVIRONMENT", []))
        found[test["name"]] = Command(
            tuple(test["command"]),
            props.get("WORKING_DIRECTORY", str(build)),
            env,
            float(props.get("TIMEOUT", 1500)),
            tuple(props.get("SKIP_REGULAR_EXPRESSION", [])),
        )
    return found


def must_fail_directly(tests: dict[str, Command]) -> tuple[set[str], set[str]]:
    """Run the tests side by side as CTest would (its pass, fail and skip rules: exit status 0 and
    no skip mark passes, a skip mark skips, any other end fails, the backstop included), each
    expected to fail; stop as soon as one passes (the others are killed).

    Returns (the tests that failed, the tests that passed)."""
    failed: set[str] = set()
    passed: set[str] = set()
    lock = threading.Lock()
    running: dict[str, subprocess.Popen] = {}

    def one(name: str) -> None:
        command = tests[name]
        with tempfile.TemporaryFile() as output:
            with lock:
                if passed:
                    return
                try:
                    proc = subprocess.Popen(
                        command.argv,
                        cwd=command.cwd,
                        env={**os.environ, **dict(command.env)},
                        stdin=subprocess.DEVNULL,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                except OSError:
                    return  # not run: neither failed nor passed
                running[name] = proc
            try:
                proc.wait(timeout=command.timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                proc.wait()
            output.seek(0)
            text = output.read().decode(errors="replace")
        with lock:
            del running[name]
            if any(re.search(pattern, text) for pattern in command.skip):
                return
            if proc.returncode == 0:
                passed.add(name)
                # One passing test already means the mistake got through: end the others. The
                # testkit's child processes die with their test (PR_SET_PDEATHSIG).
                for other in running.values():
                    _kill_group(other)
            elif not passed:
                failed.add(name)

    threads = [threading.Thread(target=one, args=(name,)) for name in tests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failed, passed


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def test_binaries(build: pathlib.Path, lab: str, reference: bool) -> dict[str, pathlib.Path]:
    """{"unit" / "blackbox": the path} of a lab's two test binaries in `build`: the reference's
    (ref-<lab>-<kind>, under tests/solutions/) or the student's (<lab>-<kind>)."""
    folder = build / "tests" / (("solutions/" + lab) if reference else lab)
    prefix = ("ref-" if reference else "") + lab
    return {kind: folder / f"{prefix}-{kind}" for kind in ("unit", "blackbox")}


def manifest(binary: pathlib.Path) -> dict[str, GradedInfo]:
    """{"Suite.Name": points and lesson} of the graded tests of one test binary, in its order."""
    out = subprocess.run(
        [str(binary), "--kit_manifest"], capture_output=True, text=True, timeout=60
    )
    graded = {}
    for line in out.stdout.splitlines():
        name, points, lesson = line.split("\t", 2)
        graded[name] = GradedInfo(int(points), lesson, points.startswith("+"))
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


# --- the grader's runs: what student code cannot forge cheaply ------------------------------------

SANDBOX = pathlib.Path(__file__).resolve().parent / "sandbox.py"
OUTPUT_HEAD, OUTPUT_TAIL = 48 << 10, 16 << 10  # the bytes of a test's output a report keeps
DISK_MIB = 256  # kit/sandbox.py DISK_BYTES, in MiB (what one test may write in all)
EARLY = "EARLY EXIT:"
TAMPERED = "TAMPERED:"
RECORD, SEAL, PREMATURE = "record.json", "record.json.seal", "premature"
# The environment a test gets: what the testkit reads, nothing of the grader's (no paths of the kit,
# of the submissions, or of the instructor's home).
PASSED_ON = {"PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TIMEOUT_SCALE", "NO_COLOR"}
KIT_PREFIXES = (
    "KIT_TEST_BUDGET_S",
    "SHORTIO_",
    "ASAN_",
    "UBSAN_",
    "LSAN_",
)  # the first words of the grader's line when no result was recorded


@dataclasses.dataclass(frozen=True)
class Case:
    """One run of one test: `test` ("Suite.Name", as --gtest_list_tests names it) of `binary`."""

    name: str  # the report's name: the test, plus ".UnderShortIO" for the injector's run
    binary: pathlib.Path
    test: str
    env: tuple[tuple[str, str], ...] = ()


@dataclasses.dataclass(frozen=True)
class Sandbox:
    """How student code runs: as `user` (when the grader is root), in a network namespace."""

    user: str = ""
    netns: bool = False
    timeout: float = 600  # the backstop; the testkit's watchdog stops a hang long before


def default_sandbox() -> Sandbox:
    """As root: the unprivileged user KIT_SANDBOX_USER (default kitgrader, created if missing;
    nobody if it cannot be) and a loopback-only network. Otherwise: as the user who grades.

    KIT_SANDBOX_BACKSTOP_S sets the backstop (default 600 s). The hostile suite shortens it for a
    fork bomb: the testkit's watchdog is a thread of the bombing process, and the scheduler shares
    that process's CPU among its hundreds of copies, so the watchdog may run only after minutes;
    the sandbox runs apart from them and stops the test on time."""
    backstop = float(os.environ.get("KIT_SANDBOX_BACKSTOP_S") or Sandbox.timeout)
    if os.geteuid() != 0:
        return Sandbox(timeout=backstop)
    user = os.environ.get("KIT_SANDBOX_USER", "kitgrader")
    try:
        pwd.getpwnam(user)
    except KeyError:
        made = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent"]
            + ["--shell", "/usr/sbin/nologin", user],
            capture_output=True,
        )
        if made.returncode != 0:
            user = "nobody"
    return Sandbox(user=user, netns=True, timeout=backstop)


def _bounded(path: pathlib.Path) -> str:
    """A test's output, at most OUTPUT_HEAD + OUTPUT_TAIL bytes of it (endless output stays out)."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as out:
            if size <= OUTPUT_HEAD + OUTPUT_TAIL:
                return out.read().decode(errors="replace")
            head = out.read(OUTPUT_HEAD)
            out.seek(size - OUTPUT_TAIL)
            tail = out.read()
    except OSError:
        return ""
    cut = f"\n(… {size - OUTPUT_HEAD - OUTPUT_TAIL} bytes of output left out …)\n"
    return head.decode(errors="replace") + cut + tail.decode(errors="replace")


def recorded(record: pathlib.Path, test: str) -> str | None:
    """What GoogleTest's JSON record says of `test`: PASSED, FAILED, SKIPPED, or None when the
    record is missing, unreadable or not the record of exactly this one test."""
    try:
        data = json.loads(record.read_text())
        runs = [
            (suite["name"] + "." + case["name"], case)
            for suite in data["testsuites"]
            for case in suite["testsuite"]
            if case.get("status") == "RUN"
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if len(runs) != 1 or runs[0][0] != test or data.get("tests") != 1:
        return None
    case = runs[0][1]
    if case.get("failures") or data.get("failures"):
        return FAILED
    if case.get("result") == "SKIPPED":
        return SKIPPED
    return PASSED if case.get("result") == "COMPLETED" else None


def sealed(folder: pathlib.Path, test: str, key: str) -> str | None:
    """The result the test harness sealed for `test` (PASSED, FAILED, SKIPPED), if the seal is
    there and is the HMAC, under this run's key, of that result and of the record's bytes as they
    are now; else None (no seal, another test's, or the record changed after it was sealed)."""
    try:
        ran, verdict, mac = (folder / "w" / SEAL).read_text().rstrip("\n").split("\t")
        record = (folder / "w" / RECORD).read_bytes()
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    message = f"{ran}\n{verdict}\n".encode() + record
    expected = hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
    if ran != test or not hmac.compare_digest(expected, mac):
        return None
    return {"passed": PASSED, "failed": FAILED, "skipped": SKIPPED}.get(verdict)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def judge(folder: pathlib.Path, case: Case, key: str = "") -> tuple[str, str]:
    """(status, the grader's note) of a finished run: passed only if GoogleTest's record says this
    test passed, its premature-exit file is gone, the process then exited 0 and (with a `key`) the
    harness sealed that record with it."""
    try:
        status = json.loads((folder / "status").read_text())
    except (OSError, ValueError):
        status = {"exit": None, "signal": None, "swept": 0, "timed_out": False}
    verdict = recorded(folder / "w" / RECORD, case.test)
    premature = (folder / "w" / PREMATURE).exists()
    notes = []
    disk = status.get("disk") or {}
    if disk.get("full"):
        notes.append(
            f"GRADER: the test's files reached the disk quota ({DISK_MIB} MiB in all; it had "
            f"written {disk.get('bytes', 0) / (1 << 20):.0f} MiB when it was stopped): "
            "a test may write no more."
        )
    if status.get("swept"):
        notes.append(
            f"GRADER: {status['swept']} process(es) started during the test were still running "
            "after it ended; the grader killed them (a program must not leave daemons behind)."
        )
    how = (
        f"it was killed by {_signal_name(status['signal'])}"
        if status.get("signal")
        else f"it exited with status {status.get('exit')}"
    )
    if status.get("timed_out"):
        how = "the grader's backstop stopped it"
    try:
        with open(folder / "output", "rb") as output:
            first = output.read(4096).decode(errors="replace")
    except OSError:
        first = ""
    if verdict is None and first.startswith("sandbox: cannot start"):
        # Not the student's doing: the test binary itself could not be run (as root the tests run
        # as an unprivileged user, who must be able to reach the build folder).
        notes.insert(
            0,
            f"GRADER: {first.splitlines()[0]}. As root, the tests run as an unprivileged user "
            "(KIT_SANDBOX_USER, default kitgrader): every folder on the way to the build must be "
            "searchable by others (chmod o+x), e.g. not a mktemp -d folder (mode 700).",
        )
        return FAILED, "\n".join(notes)
    if verdict is None or premature:
        notes.insert(
            0,
            f"{EARLY} the program under test ended the test process early ({how}) before "
            f"GoogleTest recorded a result for {case.test}. A test counts only when GoogleTest "
            "itself recorded it as passed: an exit() or _Exit() in your code, even in a static "
            "initializer, fails it.",
        )
        return FAILED, "\n".join(notes)
    if verdict == PASSED and (status.get("exit") != 0 or status.get("signal")):
        notes.insert(0, f"GRADER: the test passed, but then the test process failed ({how}).")
        return FAILED, "\n".join(notes)
    if key and sealed(folder, case.test, key) != verdict:
        notes.insert(
            0,
            f"{TAMPERED} the program under test tampered with the test record of {case.test}: "
            "GoogleTest's record of it is not the one the test harness sealed (written or "
            "changed by other code, or never sealed). The test fails; your instructor sees why.",
        )
        return FAILED, "\n".join(notes)
    return verdict, "\n".join(notes)


class _Server:
    """One kit/sandbox.py --serve: runs the tests it is sent one after another (see there why)."""

    def __init__(self) -> None:
        # -I -S: the interpreter's bare start (no site-packages, no PYTHON* variables): the sandbox
        # needs only the standard library.
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-S", str(SANDBOX), "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={},
            text=True,
        )

    def run(self, request: dict) -> bool:
        """Run one test; False if the server died (the test is then judged from what is left)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except OSError:
            return False
        return bool(self.proc.stdout.readline())

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait()


class _Servers:
    """A sandbox server for each job running at a time, started when first needed."""

    def __init__(self) -> None:
        self.idle: list[_Server] = []
        self.lock = threading.Lock()
        self.all: list[_Server] = []

    def run(self, request: dict) -> None:
        with self.lock:
            server = self.idle.pop() if self.idle else None
        if server is None:
            server = _Server()
            with self.lock:
                self.all.append(server)
        if not server.run(request):
            server.close()
            return
        with self.lock:
            self.idle.append(server)

    def close(self) -> None:
        for server in self.all:
            server.close()


def run_case(case: Case, base: pathlib.Path, sandbox: Sandbox, servers: _Servers) -> CaseResult:
    folder = pathlib.Path(tempfile.mkdtemp(dir=base))
    try:
        folder.chmod(0o711)  # the test's user reaches its own w/, and nothing else here
        work = folder / "w"
        work.mkdir(mode=0o700)
        # GoogleTest deletes this file when RUN_ALL_TESTS returns: if it is still here, the
        # process ended before that (made by the grader, so that an exit before main counts too).
        (work / PREMATURE).write_text("")
        if sandbox.user:
            account = pwd.getpwnam(sandbox.user)
            for path in (work, work / PREMATURE):
                os.chown(path, account.pw_uid, account.pw_gid)
        command = [
            str(case.binary),
            f"--gtest_filter={case.test}",
            f"--gtest_output=json:{work / RECORD}",
            "--gtest_color=no",
        ]
        env = {k: v for k, v in os.environ.items() if k in PASSED_ON or k.startswith(KIT_PREFIXES)}
        env.update(dict(case.env), TEST_PREMATURE_EXIT_FILE=str(work / PREMATURE))
        # A fresh key for this one process: only the sandbox and the grader know it.
        key = secrets.token_hex(32)
        start = time.monotonic()
        servers.run(
            {
                "dir": str(folder),
                "command": command,
                "env": env,
                "user": sandbox.user,
                "netns": sandbox.netns,
                "timeout": sandbox.timeout,
                "key": key,
                "keep": [RECORD, SEAL, PREMATURE],
            }
        )
        seconds = time.monotonic() - start
        status, note = judge(folder, case, key)
        output = _bounded(folder / "output")
        if note:
            early = note.startswith((EARLY, TAMPERED))
            output = (note + "\n" + output) if early else (output + "\n" + note + "\n")
        return CaseResult(case.name, status, output, seconds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_cases(
    cases: list[Case], jobs: int, sandbox: Sandbox | None = None
) -> dict[str, CaseResult]:
    """Run each case in its own contained process, `jobs` at a time: {case name: result}."""
    sandbox = sandbox if sandbox is not None else default_sandbox()
    base = pathlib.Path(tempfile.mkdtemp(prefix="kit-grade-"))
    base.chmod(0o711)
    servers = _Servers()
    try:
        with concurrent.futures.ThreadPoolExecutor(max(1, jobs)) as pool:
            done = pool.map(lambda case: run_case(case, base, sandbox, servers), cases)
            return {result.name: result for result in done}
    finally:
        servers.close()
        shutil.rmtree(base, ignore_errors=True)
