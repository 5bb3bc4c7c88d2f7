#!/usr/bin/env python3
"""Run one test process of a student's build, contained, and leave nothing behind.

    sandbox.py --dir DIR [--user NAME] [--netns] [--timeout S] -- BINARY ARGS...

The grader (kit/ctest.py run_cases) starts one of these per test. It:

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
  "timed_out": bool}.

It never reads what the test wrote: the grader does, from DIR, bounded.
"""
from __future__ import annotations

import argparse
import ctypes
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
    """The processes whose parent is this one (re-parented orphans included)."""
    me, found = os.getpid(), []
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


def reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


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
        reap()
        left = children()
        if not left:
            return killed
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


def start(args: argparse.Namespace, command: list[str]) -> int:
    work = os.path.join(args.dir, "w")
    output = os.open(os.path.join(args.dir, "output"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    user = pwd.getpwnam(args.user) if args.user and os.geteuid() == 0 else None
    env = dict(os.environ)  # already chosen by the grader (kit/ctest.py PASSED_ON)
    env.update(HOME=work, TMPDIR=work)
    if user is not None:
        env.update(USER=user.pw_name, LOGNAME=user.pw_name)
    pid = os.fork()
    if pid != 0:
        os.close(output)
        return pid
    try:
        os.setsid()
        os.dup2(output, 1)
        os.dup2(output, 2)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        if args.netns and os.geteuid() == 0 and not loopback_only_network():
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
        os.execve(command[0], command, env)
    except BaseException as error:  # noqa: B036 - the child must never return into the grader
        os.write(2, f"sandbox: cannot start {command[0]}: {error}\n".encode())
    os._exit(127)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--user", default="")
    parser.add_argument("--netns", action="store_true")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if _libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("sandbox: cannot become a subreaper", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: None)  # the grader ends us by SIGKILL only
    pid = start(args, command)
    timed_out = False

    def backstop(*_):
        nonlocal timed_out
        timed_out = True
        os.kill(pid, signal.SIGKILL)

    signal.signal(signal.SIGALRM, backstop)
    signal.setitimer(signal.ITIMER_REAL, args.timeout)
    _, status = os.waitpid(pid, 0)
    signal.setitimer(signal.ITIMER_REAL, 0)
    user = pwd.getpwnam(args.user) if args.user and os.geteuid() == 0 else None
    swept = sweep(pid, user)
    result = {
        "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "swept": swept,
        "timed_out": timed_out,
    }
    with open(os.path.join(args.dir, "status"), "w") as out:
        json.dump(result, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
