#!/usr/bin/env python3
"""Run test processes of a student's build, contained, and leave nothing behind.

    sandbox.py --serve
    sandbox.py --dir DIR [--user NAME] [--netns] [--timeout S] -- BINARY ARGS...

The grader (kit/ctest.py run_cases) starts one server per parallel job (--serve). A server runs
the tests it is sent one after another: each request is one JSON line on its stdin ({"dir",
"user", "netns", "timeout", "command", "env", "key", "keep"}), and when that test and everything
it started are gone it answers one line on its stdout. One test at a time per server is what keeps
the containment exact: every process re-parented to the server while a test runs is that test's, and
none is left when the next one starts. Python starts once per job, not once per test (its start
cost ten times a failing test's run). The second form runs one test the same way and exits.

For each test the sandbox:

- becomes a child subreaper (PR_SET_CHILD_SUBREAPER): a process the test starts that outlives its
  parent (a double fork, a setsid daemon) is re-parented here, not to init;
- bounds what the test may write in all (a disk quota, DISK_BYTES): as root, DIR/w is a tmpfs of
  that size (a write past it fails with ENOSPC) and, in a mount namespace of the test's own, the
  folders everyone may write (/tmp, /var/tmp, /dev/shm, ...) are read-only; where mounting is not
  allowed (not root, a container without CAP_SYS_ADMIN) a watcher measures DIR/w every
  WATCH_S and kills the test when it holds more (RLIMIT_FSIZE bounds what one file adds between
  two looks);
- starts BINARY with stdout and stderr in DIR/output, its working directory, HOME and TMPDIR in
  DIR/w (the only place it may write), rlimits on CPU time, file size (endless output, a full disk)
  and core dumps, and, when grading as root: in its own network namespace with loopback only
  (--netns, where the kernel allows it), as the unprivileged --user with a limit on its processes
  (a fork bomb), with no supplementary groups;
- passes the test's key ("key", from the grader) on descriptor KEY_FD, a socket that the test
  harness reads before any code of the program under test runs (testkit/kit_main.cpp), never in
  the environment or the arguments;
- kills it at --timeout (a backstop: the testkit's watchdog stops a hang first and says what hung);
- then sweeps: kills every process still left below it (SIGKILL: SIGTERM can be ignored), until
  none is left, and reaps them;
- writes DIR/status: {"exit": code or null, "signal": number or null, "swept": processes killed,
  "timed_out": bool, "disk": {"how": "tmpfs" | "watch", "bytes": the most DIR/w held, "full":
  bool}}; a server then answers that same line. With the tmpfs, the files named in "keep" (the
  GoogleTest record and its seal) are copied back to DIR/w before it is unmounted.

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
CLONE_NEWNET, CLONE_NEWNS = 0x40000000, 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    1,
    2,
    4,
    32,
    4096,
    16384,
    1 << 18,
)
MNT_DETACH = 2
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1

CPU_SECONDS = 600  # CPU time of one process of the test: far above any test's budget
FILE_BYTES = 64 << 20  # the largest file a test process may write (its output included)
PROCESSES = 256  # processes of the unprivileged user at once (only applies to a non-root user)
DISK_BYTES = 256 << 20  # what one test may have written in all (its working folder)
WATCH_S = 0.05  # how often the watcher measures the working folder where no tmpfs can be mounted
KEY_FD = 100  # testkit/record_seal.h kRecordKeyFd
KEPT_BYTES = 4 << 20  # the most of a kept file (the GoogleTest record) copied back from the tmpfs
# Folders that anyone may write: read-only for the test (its files go to its working folder).
SHARED_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/dev/mqueue")


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


def _mount(source: str, target: str, kind: str | None, flags: int, data: str = "") -> bool:
    done = _libc().mount(
        source.encode(),
        target.encode(),
        kind.encode() if kind else None,
        ctypes.c_ulong(flags),
        data.encode() if data else None,
    )
    return done == 0


def quota_folder(work: str, user: pwd.struct_passwd | None) -> dict[str, bytes] | None:
    """Mount a tmpfs of DISK_BYTES on `work`, owned by the test's user, holding what `work` held
    (the grader's premature-exit file). None where mounting is not allowed: then the watcher."""
    if os.geteuid() != 0:
        return None
    before = {}
    for name in os.listdir(work):
        path = os.path.join(work, name)
        if os.path.isfile(path) and not os.path.islink(path):
            with open(path, "rb") as data:
                before[name] = data.read(KEPT_BYTES)
    owner = os.stat(work)
    options = f"size={DISK_BYTES},mode=700,uid={owner.st_uid},gid={owner.st_gid}"
    if not _mount("kit-test", work, "tmpfs", MS_NOSUID | MS_NODEV, options):
        return None
    for name, data in before.items():
        path = os.path.join(work, name)
        with open(path, "wb") as out:
            out.write(data)
        os.chown(path, owner.st_uid, owner.st_gid)
    return before


def unquota_folder(work: str, keep: list[str]) -> None:
    """Copy the kept files out of the tmpfs on `work`, unmount it, and put them back in `work`."""
    kept = {}
    for name in keep:
        path = os.path.join(work, name)
        try:
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as data:
                    kept[name] = data.read(KEPT_BYTES)
        except OSError:
            pass
    _libc().umount2(work.encode(), MNT_DETACH)
    for name in os.listdir(work):  # what was there before the mount (the grader's own files)
        os.unlink(os.path.join(work, name))
    for name, data in kept.items():
        with open(os.path.join(work, name), "wb") as out:
            out.write(data)


def used_bytes(work: str) -> int:
    """What the files below `work` take on disk (st_blocks: a sparse file counts what it holds)."""
    total = 0
    for folder, _, files in os.walk(work):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_blocks * 512
            except OSError:
                pass
    return total


def read_only_shared_folders() -> None:
    """In a mount namespace of the test's own (the host's mounts unchanged): the folders everyone
    may write become read-only, so the disk quota of the working folder bounds all it writes.
    Recursive binds keep the mounts below them (the working folder's tmpfs) as they were."""
    if _libc().unshare(CLONE_NEWNS) != 0:
        return
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    for folder in SHARED_WRITABLE:
        if os.path.isdir(folder) and _mount(folder, folder, None, MS_BIND | MS_REC):
            _mount("none", folder, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


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
    key: str = ""  # the test harness's key, passed on KEY_FD
    keep: tuple[str, ...] = ()  # files of DIR/w to keep when its tmpfs is unmounted


def key_socket(key: str) -> int:
    """A socket from which the test harness reads "kit-key-1 KEY" (and nothing can be written back:
    the other end is closed)."""
    mine, theirs = socket.socketpair()
    mine.sendall(b"kit-key-1 " + key.encode())
    mine.close()
    return theirs.detach()


def start(request: Request, user: pwd.struct_passwd | None, tmpfs: bool) -> int:
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
        if tmpfs:
            read_only_shared_folders()
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if user is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (PROCESSES, PROCESSES))
            os.setgroups([])
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)
        os.chdir(work)
        if request.key:
            os.dup2(key_socket(request.key), KEY_FD)
        os.closerange(3, KEY_FD if request.key else 65536)
        os.closerange(KEY_FD + 1, 65536)
        os.execve(request.command[0], request.command, env)
    except BaseException as error:  # noqa: B036 - the child must never return into the grader
        os.write(2, f"sandbox: cannot start {request.command[0]}: {error}\n".encode())
    os._exit(127)


def run(request: Request) -> str:
    """Run one test, contained; sweep what it left; write DIR/status. Returns that status line."""
    user = pwd.getpwnam(request.user) if request.user and os.geteuid() == 0 else None
    work = os.path.join(request.dir, "w")
    tmpfs = quota_folder(work, user) is not None
    pid = start(request, user, tmpfs)
    running, timed_out, peak, over = True, False, 0, False

    def backstop(*_):
        nonlocal timed_out
        if running:
            timed_out = True
            os.kill(pid, signal.SIGKILL)

    signal.signal(signal.SIGALRM, backstop)
    signal.setitimer(signal.ITIMER_REAL, request.timeout)
    if tmpfs:
        _, status = os.waitpid(pid, 0)
    else:
        # The watcher: the test's files in all, measured while it runs; past the quota it is
        # killed (its processes too: the sweep below).
        while True:
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 0
            if done == pid:
                break
            peak = max(peak, used_bytes(work))
            if peak > DISK_BYTES and not over:
                over = True
                os.killpg(pid, signal.SIGKILL)
            time.sleep(WATCH_S)
    running = False
    signal.setitimer(signal.ITIMER_REAL, 0)
    swept = sweep(pid, user)
    if tmpfs:
        usage = os.statvfs(work)
        peak = (usage.f_blocks - usage.f_bfree) * usage.f_frsize
        over = usage.f_bavail * usage.f_frsize < FILE_BYTES // 64  # within 1 MiB of full
        unquota_folder(work, list(request.keep))
    else:
        peak = max(peak, used_bytes(work))
    result = json.dumps(
        {
            "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "swept": swept,
            "timed_out": timed_out,
            "disk": {"how": "tmpfs" if tmpfs else "watch", "bytes": peak, "full": over},
        }
    )
    with open(os.path.join(request.dir, "status"), "w") as out:
        out.write(result)
    return result


def serve() -> int:
    """Run each test a JSON line of stdin asks for, one after another; answer each with a line."""
    for line in sys.stdin:
        try:
            fields = json.loads(line)
            fields["keep"] = tuple(fields.get("keep", ()))
            request = Request(**fields)
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
