#!/usr/bin/env python3
"""Run test processes of a student's build, contained, and leave nothing behind.

    sandbox.py --serve
    sandbox.py --dir DIR [--user NAME] [--netns] [--timeout S] -- BINARY ARGS...

The grader (kit/ctest.py run_cases) starts one server per parallel job (--serve). A server runs
the tests it is sent one after another: each request is one JSON line on its stdin ({"dir",
"user", "netns", "timeout", "command", "env"}), and when that test and everything it started are
gone it answers one line on its stdout. One test at a time per server is what keeps the
containment exact: every process re-parented to the server while a test runs is that test's, and
none is left when the next one starts. Python starts once per job, not once per test (its start
cost ten times a failing test's run). The second form runs one test the same way and exits.

For each test the sandbox:

- becomes a child subreaper (PR_SET_CHILD_SUBREAPER): a process the test starts that outlives its
  parent (a double fork, a setsid daemon) is re-parented here, not to init;
- starts BINARY with stdout and stderr in DIR/output, its working directory, HOME and TMPDIR in
  DIR/w (the only place it may write), rlimits on CPU time, file size (endless output, a full disk)
  and core dumps, and, when grading as root: in its own network namespace with loopback only
  (--netns, where the kernel allows it), as the unprivileged --user with a limit on its processes
  (a fork bomb), with no supplementary groups;
- kills it at --timeout (a backstop: the testkit's watchdog stops a hang first and says what hung);
- then sweeps: kills every process still left below it (SIGKILL: SIGTERM can be ignored), until
  none is left, and reaps them;
- writes DIR/status: {"exit": code or null, "signal": number or null, "swept": processes killed,
  "timed_out": bool}; a server then answers that same line.

It never reads what the test wrote: the grader does, from DIR, bounded.
"""
from __future__ import annotations

import argparse
import ctypes
import dataclasses
import fcntl
import json
import os
import pwd
import resource
import signal
import socket
import struct
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1

CPU_SECONDS = 600  # CPU time of one process of the test: far above any test's budget
FILE_BYTES = 64 << 20  # the largest file a test process may write (its output included)
PROCESSES = 256  # processes of the unprivileged user at once (only applies to a non-root user)


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def loopback_only_network() -> bool:
    """A new network namespace for this process, with its loopback up: the test's servers and
    clients talk over 127.0.0.1 and reach nothing else. False where the kernel refuses."""
    if _libc().unshare(CLONE_NEWNET) != 0:
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))
    return True


def children() -> list[int]:
    """The processes whose parent is this one (re-parented orphans included): the kernel's list
    of this (single-threaded) process's children, else every /proc entry whose parent it is."""
    me = os.getpid()
    try:
        with open(f"/proc/{me}/task/{me}/children", "rb") as listing:
            found = [int(pid) for pid in listing.read().split()]
        if found:
            return found
    except OSError:
        pass
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            found.append(int(entry))
    return found


def reap() -> bool:
    """Reap every child that has ended; True when no child is left at all (the kernel's own
    answer, ECHILD: exact, unlike any listing of /proc)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return True
        if pid == 0:
            return False


def kill_everything_of(user: pwd.struct_passwd) -> None:
    """kill(-1, SIGKILL) as `user`: every process of that user at once (the last resort against a
    fork bomb that left its process group; it also ends the user's other tests, which a fork bomb
    starves of processes anyway)."""
    helper = os.fork()
    if helper == 0:
        try:
            os.setgroups([])
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)
            for _ in range(3):
                os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(helper, 0)


def sweep(group: int, user: pwd.struct_passwd | None) -> int:
    """Kill every process left below this one, until none is left; how many were killed.

    First the test's process group at once (the kernel makes a fork racing a group kill fail, so
    a fork bomb that stayed in the group ends there), then every child, re-parented ones included,
    round after round (a setsid daemon left the group)."""
    try:
        os.killpg(group, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    killed, rounds = 0, 0
    while rounds < 10000:
        rounds += 1
        if reap():
            return killed
        left = children()
        for pid in left:
            for kill, target in ((os.kill, pid), (os.killpg, pid)):
                try:
                    kill(target, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            killed += 1
        if rounds % 20 == 0 and user is not None:
            kill_everything_of(user)
        # The killed processes' own children are re-parented here; the next round finds them.
        time.sleep(0.01)
    return killed


@dataclasses.dataclass(frozen=True)
class Request:
    """One test to run: `command` in the folder `dir`, with exactly the environment `env`."""

    dir: str
    command: list[str]
    env: dict[str, str]
    user: str = ""
    netns: bool = False
    timeout: float = 600


def start(request: Request, user: pwd.struct_passwd | None) -> int:
    work = os.path.join(request.dir, "w")
    path = os.path.join(request.dir, "output")
    output = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    env = dict(request.env)  # already chosen by the grader (kit/ctest.py PASSED_ON)
    env.update(HOME=work, TMPDIR=work)
    if user is not None:
        env.update(USER=user.pw_name, LOGNAME=user.pw_name)
    pid = os.fork()
    if pid != 0:
        os.close(output)
        return pid
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.setsid()
        os.dup2(output, 1)
        os.dup2(output, 2)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        if request.netns and os.geteuid() == 0 and not loopback_only_network():
            os.write(2, b"sandbox: no network namespace here (the test runs on the host's)\n")
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if user is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (PROCESSES, PROCESSES))
            os.setgroups([])
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)
        os.chdir(work)
        os.closerange(3, 65536)
        os.execve(request.command[0], request.command, env)
    except BaseException as error:  # noqa: B036 - the child must never return into the grader
        os.write(2, f"sandbox: cannot start {request.command[0]}: {error}\n".encode())
    os._exit(127)


def run(request: Request) -> str:
    """Run one test, contained; sweep what it left; write DIR/status. Returns that status line."""
    user = pwd.getpwnam(request.user) if request.user and os.geteuid() == 0 else None
    pid = start(request, user)
    running, timed_out = True, False

    def backstop(*_):
        nonlocal timed_out
        if running:
            timed_out = True
            os.kill(pid, signal.SIGKILL)

    signal.signal(signal.SIGALRM, backstop)
    signal.setitimer(signal.ITIMER_REAL, request.timeout)
    _, status = os.waitpid(pid, 0)
    running = False
    signal.setitimer(signal.ITIMER_REAL, 0)
    swept = sweep(pid, user)
    result = json.dumps(
        {
            "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "swept": swept,
            "timed_out": timed_out,
        }
    )
    with open(os.path.join(request.dir, "status"), "w") as out:
        out.write(result)
    return result


def serve() -> int:
    """Run each test a JSON line of stdin asks for, one after another; answer each with a line."""
    for line in sys.stdin:
        try:
            request = Request(**json.loads(line))
        except (ValueError, TypeError) as error:
            answer = json.dumps({"error": f"sandbox: a bad request: {error}"})
        else:
            answer = run(request)
        sys.stdout.write(answer + "\n")
        sys.stdout.flush()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true")
    parser.add_argument("--dir")
    parser.add_argument("--user", default="")
    parser.add_argument("--netns", action="store_true")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if _libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("sandbox: cannot become a subreaper", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: None)  # the grader ends us by SIGKILL only
    if args.serve:
        return serve()
    if not args.dir:
        parser.error("--dir is required (or --serve)")
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    run(Request(args.dir, command, dict(os.environ), args.user, args.netns, args.timeout))
    return 0


if __name__ == "__main__":
    sys.exit(main())
