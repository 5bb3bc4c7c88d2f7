#!/usr/bin/env python3
"""lab05 5b, beyond one machine: Redis and federated chat_servers, for a demo and a measure.

usage: demo_federation.py demo BIN_DIR [--redis-server PROGRAM] [--ttl MS]
       demo_federation.py recovery BIN_DIR [--redis-server PROGRAM] [--ttl MS] [--trials N]
                          [--down S]

BIN_DIR holds the lab05 reference chat_server (build/bin/solutions/lab05_full_chat).

demo (make demo-federation): Redis and two chat servers, east and west, each started with --redis
on Redis's unix socket; scripted users on both (tools/demo_chat.py's users) hold a conversation
across them: both servers' client 1 are told apart by their default names (ClientID 1@east,
ClientID 1@west), a line said on east is heard on west, /who lists both servers' members, /msg
crosses, a name taken on one server is refused on the other; then east is killed (kill -9) and
its user leaves the room on west once its presence expires. Every line a user sees is checked
against the protocol (docs/protocol.md): the demo exits 1 at the first that differs.

recovery (tools/federation_recovery.sh): the two failures the federation is built to survive,
timed: one server killed (time until its users leave /who on the other), and Redis killed and
started again (time until the room is whole again and lines cross both ways).

Every process is started in its own session (Ctrl-C reaches this script only, which then stops
them in order), stopped and reaped at the end, on an error and on Ctrl-C or SIGTERM; the
temporary folder (Redis's socket) is removed.
"""
import argparse
import os
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from demo_chat import WAIT_S, SocketUser, fail

# What a federated chat_server writes on stderr (docs/protocol.md, the federation's log lines).
JOINED_LOG = "federation: joined"
# What its members read when Redis goes away and when the room is whole again.
SPLIT_LINE = (
    "* the room is split: the members of other servers are out of reach until it is whole again"
)
WHOLE_LINE = "* the room is whole again"
WHO_LINE = re.compile(r"\* in the room \((\d+)\): (.*)")


class Process:
    """A child process whose stdout and stderr lines are collected by two threads (so that a
    full pipe never blocks it) and can be waited for, with a deadline."""

    def __init__(self, label, argv):
        self.label = label
        self.argv = argv
        self.popen = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self.lines = {"stdout": [], "stderr": []}
        self.changed = threading.Condition()
        self.readers = [
            threading.Thread(target=self._collect, args=(name, stream), daemon=True)
            for name, stream in (("stdout", self.popen.stdout), ("stderr", self.popen.stderr))
        ]
        for reader in self.readers:
            reader.start()

    def _collect(self, name, stream):
        for raw in stream:
            with self.changed:
                self.lines[name].append(raw.decode("utf-8", "backslashreplace").rstrip("\n"))
                self.changed.notify_all()
        with self.changed:
            self.lines[name].append(None)  # end of the stream: the process is going
            self.changed.notify_all()

    def wait_for(self, name, text, after=0, timeout=WAIT_S):
        """The first line of stream name, from index after on, that contains text; its index
        too. Fails when the stream ends or timeout seconds pass first."""
        deadline = time.monotonic() + timeout
        with self.changed:
            index = after
            while True:
                lines = self.lines[name]
                while index < len(lines):
                    if lines[index] is None:
                        self.changed.release()  # let the readers finish the other stream
                        try:
                            how = self.stop(sig=None)
                        finally:
                            self.changed.acquire()
                        fail(
                            f"{self.label} ended ({how}) before its {name} said '{text}'; its "
                            f"stderr:\n{self.tail()}"
                        )
                    if text in lines[index]:
                        return lines[index], index
                    index += 1
                left = deadline - time.monotonic()
                if left <= 0:
                    fail(f"{self.label} did not say '{text}' in {timeout} s:\n{self.tail()}")
                self.changed.wait(left)

    def tail(self):
        with self.changed:
            lines = [line for line in self.lines["stderr"] if line is not None][-8:]
        return "\n".join(f"    {line}" for line in lines) or "    (nothing on its stderr)"

    def running(self):
        return self.popen.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=WAIT_S):
        """Send sig (None: none, it was sent already) if it still runs, wait for it (SIGKILL
        after timeout s), reap it; returns how it ended, as a word."""
        if sig is not None and self.running():
            self.popen.send_signal(sig)
        try:
            status = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            status = self.popen.wait()
        for reader in self.readers:
            reader.join(timeout=timeout)
        return f"killed by {signal.Signals(-status).name}" if status < 0 else f"exit {status}"


class Federation:
    """Redis on a unix socket in a temporary folder, and chat servers federated through it."""

    def __init__(self, bin_dir, redis_program, ttl_ms=None, say=print):
        self.chat_server = os.path.join(bin_dir, "chat_server")
        self.redis_program = redis_program
        self.ttl_ms = ttl_ms
        self.say = say
        self.folder = tempfile.mkdtemp(prefix="demo-federation.")
        self.socket = os.path.join(self.folder, "redis.sock")
        self.redis = None
        self.servers = {}  # name -> (Process, port)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def start_redis(self):
        """Start redis-server on the folder's socket (again, after a kill: same socket)."""
        argv = [
            self.redis_program,
            "--port", "0",  # no TCP: the unix socket only
            "--unixsocket", self.socket,
            "--unixsocketperm", "700",
            "--save", "",
            "--appendonly", "no",
            "--dir", self.folder,
            "--logfile", "",
        ]  # fmt: skip
        self.say(f"$ redis-server --port 0 --unixsocket {self.short(self.socket)} --save '' ...")
        self.redis = Process("redis-server", argv)  # stopped by close() whatever happens next
        self.redis.wait_for("stdout", "ready to accept connections")

    def kill_redis(self, sig=signal.SIGKILL):
        how = self.redis.stop(sig)
        self.redis = None
        return how

    def start_server(self, name, quiet=False):
        """Start a chat_server named name, federated through Redis; wait until it listens and
        has joined the federation. Returns its port."""
        argv = [self.chat_server, "--port", "0", "--redis", self.socket, "--server-name", name]
        if self.ttl_ms is not None:
            argv += ["--redis-ttl", str(self.ttl_ms)]
        if not quiet:
            shown = " ".join(argv[1:]).replace(self.socket, self.short(self.socket))
            self.say(f"$ chat_server {shown}")
        server = Process(f"chat_server {name}", argv)
        self.servers[name] = (server, None)  # stopped by close() whatever happens next
        line, _ = server.wait_for("stdout", "listening on ")
        port = int(line.rsplit(":", 1)[1])
        joined, _ = server.wait_for("stderr", JOINED_LOG)
        if not quiet:
            self.say(f"  {line}")
            self.say(f"  (its log) {joined}")
        self.servers[name] = (server, port)
        return port

    def kill_server(self, name, sig=signal.SIGKILL):
        server, _ = self.servers.pop(name)
        return server.stop(sig)

    def short(self, path):
        return path.replace(self.folder, "$TMP")

    def close(self):
        """Stop every server (SIGTERM), then Redis; reap them; remove the folder."""
        for name in list(self.servers):
            self.kill_server(name, signal.SIGTERM)
        if self.redis is not None:
            self.kill_redis(signal.SIGTERM)
        shutil.rmtree(self.folder, ignore_errors=True)


def lines_until(user, wanted, timeout=WAIT_S):
    """Read user's lines until one equals wanted; returns the ones before it (notices that may
    come in any order between servers)."""
    deadline = time.monotonic() + timeout
    before = []
    while True:
        line = user.next_line()
        if line == wanted:
            return before
        before.append(line)
        if time.monotonic() > deadline:
            fail(f"{user.name} did not see '{wanted}' in {timeout} s; saw {before}")


def who(user, show=True):
    """Ask /who; returns the names it lists. Shown (the demo): the answer must be the next line.
    Not shown (the measures): other lines before the answer are skipped."""
    if show:
        user.types("/who")
    else:
        user.send(b"/who\n")
    while True:
        line = user.next_line()
        match = WHO_LINE.fullmatch(line)
        if match:
            names = match.group(2).split(", ") if match.group(2) else []
            if int(match.group(1)) != len(names):
                fail(f"{user.name}: /who counts {match.group(1)} but lists {names}")
            if show:
                print(f"  {user.name:<5} sees   {line}")
            return names
        if show:
            fail(f"{user.name} should have seen the answer to /who, not: {line}")


def sees_maybe_after(user, expected, optional):
    """user sees expected, perhaps after the line optional (a notice that raced with them)."""
    line = user.next_line()
    print(f"  {user.name:<5} sees   {line}")
    if line == optional:
        line = user.next_line()
        print(f"  {user.name:<5} sees   {line}")
    if line != expected:
        fail(f"{user.name} should have seen: {expected}")


def welcomed(user):
    """The welcome line; returns the id it gives."""
    line = user.next_line()
    print(f"  {user.name:<5} sees   {line}")
    match = re.fullmatch(r"Welcome to the chat room! Your chat ID is: Client #(\d+)", line)
    if not match:
        fail(f"{user.name} should have been welcomed")
    return int(match.group(1))


def demo(args):
    with Federation(args.bin_dir, args.redis_server, ttl_ms=args.ttl) as fed:
        print("== lab05 5b: one chat room, two servers, Redis between them ==")
        fed.start_redis()
        east = fed.start_server("east")
        west = fed.start_server("west")

        print("-- alice joins on east, bob on west --")
        alice = SocketUser("alice", east)
        alice_id = welcomed(alice)
        bob = SocketUser("bob", west)
        bob_id = welcomed(bob)
        # bob's server announces him to its members, and through Redis to east's. Each server
        # counts its clients from 1: a default name says which server's client it is.
        alice.sees(f"* ClientID {bob_id}@west joined")

        print("-- /who before anyone chose a name: every default name says its server --")
        names = who(alice)
        if sorted(names) != sorted([f"ClientID {alice_id}@east", f"ClientID {bob_id}@west"]):
            fail("alice's /who should list both default names, each with its server")

        print("-- alice and bob choose their names --")
        alice.types("/nick alice")
        alice.sees(f"* ClientID {alice_id}@east is now alice")
        # alice's arrival crossed Redis while bob was connecting: it reached west before bob
        # (then he hears nothing of it) or after (then he hears it first); both are right.
        sees_maybe_after(
            bob,
            f"* ClientID {alice_id}@east is now alice",
            f"* ClientID {alice_id}@east joined",
        )
        bob.types("/nick bob")
        bob.sees(f"* ClientID {bob_id}@west is now bob")
        alice.sees(f"* ClientID {bob_id}@west is now bob")

        print("-- a line said on east is heard on west, and back --")
        alice.types("hello from the east side")
        bob.sees("alice say >> hello from the east side")
        bob.types("hi alice, west here")
        alice.sees("bob say >> hi alice, west here")

        print("-- /who lists the members of both servers --")
        for user in (alice, bob):
            names = who(user)
            if sorted(names) != ["alice", "bob"]:
                fail(f"{user.name}'s /who should list alice and bob")

        print("-- carol joins on west and wants alice's name: it is taken, on another server --")
        carol = SocketUser("carol", west)
        carol_id = welcomed(carol)
        bob.sees(f"* ClientID {carol_id}@west joined")
        alice.sees(f"* ClientID {carol_id}@west joined")
        carol.types("/nick ALICE")
        carol.sees("error: the name ALICE is taken")
        carol.types("/nick carol")
        for user in (carol, bob, alice):
            user.sees(f"* ClientID {carol_id}@west is now carol")

        print("-- /msg crosses servers: carol (west) whispers to alice (east) --")
        carol.types("/msg alice bob owes me a coffee")
        alice.sees("carol whispers >> bob owes me a coffee")
        carol.sees("* whispered to alice")

        print("-- east dies (kill -9): no goodbye; west notices when its heartbeat stops --")
        started = time.monotonic()
        how = fed.kill_server("east")
        print(f"  (chat_server east: {how})")
        alice.sees_the_end()
        print("  alice (her connection closed with her server)")
        bob.sees("* alice left")
        carol.sees("* alice left")
        print(f"  (west noticed after {time.monotonic() - started:.1f} s: east's presence expired)")
        names = who(bob)
        if sorted(names) != ["bob", "carol"]:
            fail("bob's /who should list bob and carol only")

        print("-- west and Redis get SIGTERM --")
        server, _ = fed.servers["west"]
        server.popen.send_signal(signal.SIGTERM)
        for user in (bob, carol):
            user.sees("* the server is shutting down")
            user.sees_the_end()
        how = fed.kill_server("west", sig=None)
        print(f"  (chat_server west: {how})")
        if how != "exit 0":
            fail("chat_server should exit 0 on SIGTERM")
        print(f"  (redis-server: {fed.kill_redis(signal.SIGTERM)})")
    print()
    print("demo-federation: done")


trial_number = 0


def has_line(user, timeout):
    """True when user has a line to read, or bytes arrive within timeout seconds."""
    return b"\n" in user.buffer or bool(select.select([user.fd], [], [], timeout)[0])


def lines_within(user, seconds):
    """The lines user reads in the next seconds (the time passes even when none comes)."""
    ends = time.monotonic() + seconds
    while True:
        left = ends - time.monotonic()
        if left <= 0 or not has_line(user, left):
            return
        yield user.next_line()


def named_pair(east, west):
    """A user on east and one on west, named (SocketUser.name), each seeing the other in /who.
    Each trial has names of its own: a killed server's name claims outlive it by the TTL."""
    global trial_number
    trial_number += 1
    alice = SocketUser(f"alice{trial_number}", east)
    welcomed_quietly(alice)
    bob = SocketUser(f"bob{trial_number}", west)
    welcomed_quietly(bob)
    for user in (alice, bob):
        user.send(f"/nick {user.name}\n".encode())
    both = sorted([alice.name, bob.name])
    for user in (alice, bob):
        deadline = time.monotonic() + WAIT_S
        while sorted(who(user, show=False)) != both:
            if time.monotonic() > deadline:
                fail(f"{user.name}'s /who never listed {both}")
    return alice, bob


def welcomed_quietly(user):
    if not user.next_line().startswith("Welcome to the chat room!"):
        fail(f"{user.name} should have been welcomed")


def heard(user, text, timeout=WAIT_S):
    """Read user's lines until one ends with ' say >> text'."""
    deadline = time.monotonic() + timeout
    while True:
        line = user.next_line()
        if line.endswith(f" say >> {text}"):
            return
        if time.monotonic() > deadline:
            fail(f"{user.name} did not hear '{text}' within {timeout} s")


def crosses(speaker, listener, tag):
    """speaker says "tag N" every 20 ms (N = 1, 2, ...) until listener hears one of them."""
    deadline = time.monotonic() + 6 * WAIT_S
    number = 0
    while time.monotonic() < deadline:
        number += 1
        speaker.send(f"{tag} {number}\n".encode())
        for line in lines_within(listener, 0.02):
            if line.endswith(" say >> said while split"):
                fail(f"{listener.name} heard a line said while the room was split")
            if f" say >> {tag} " in line:
                return
    fail(f"{listener.name} never heard {speaker.name} say '{tag} ...'")


def killed_server_trial(fed, trial):
    """One server killed: time until its user leaves the other's /who."""
    east = fed.start_server(f"east{trial}", quiet=True)
    west = fed.start_server(f"west{trial}", quiet=True)
    alice, bob = named_pair(east, west)
    watcher = SocketUser("carol", west)  # asks /who over and over, on its own connection
    welcomed_quietly(watcher)
    started = time.monotonic()
    fed.kill_server(f"east{trial}")
    notice = None
    while True:
        names = who(watcher, show=False)
        if alice.name not in names:
            gone = time.monotonic() - started
            break
        if time.monotonic() - started > 6 * WAIT_S:
            fail(f"{alice.name} never left west's /who")
        # Between two questions (20 ms: the measure's resolution), bob, who only listens, reads
        # the notice as soon as it is there.
        if notice is None:
            for line in lines_within(bob, 0.02):
                if line == f"* {alice.name} left" and notice is None:
                    notice = time.monotonic() - started
        else:
            time.sleep(0.02)
    if notice is None:
        lines_until(bob, f"* {alice.name} left")
        notice = time.monotonic() - started
    fed.kill_server(f"west{trial}", signal.SIGTERM)
    return gone, notice


def redis_restart_trial(fed, trial, down_s):
    """Redis killed, kept down down_s seconds, started again: time until the room is whole."""
    east = fed.start_server(f"east{trial}", quiet=True)
    west = fed.start_server(f"west{trial}", quiet=True)
    alice, bob = named_pair(east, west)
    started = time.monotonic()
    fed.kill_redis()
    for user in (alice, bob):
        lines_until(user, SPLIT_LINE)
    split = time.monotonic() - started
    # Said while the room is split: pub/sub promises at most once, and bob must never hear it.
    alice.send(b"said while split\n")
    if down_s > 0:
        time.sleep(down_s)  # the experiment: Redis stays away this long (the backoff grows)
    fed.start_redis()
    restarted = time.monotonic()
    for user in (alice, bob):
        before = lines_until(user, WHOLE_LINE, timeout=6 * WAIT_S)
        if any(line.endswith("say >> said while split") for line in before):
            fail(f"{user.name} heard a line said while the room was split")
    whole = time.monotonic() - restarted
    # "Whole again" is said when a server has resubscribed; the others' members come back to its
    # room as their answers arrive. A line crosses once both have: say one every 20 ms until the
    # other side hears one, in both directions, and until /who lists both on both servers.
    crosses(alice, bob, "east-to-west")
    crosses(bob, alice, "west-to-east")
    for user in (alice, bob):
        deadline = time.monotonic() + WAIT_S
        while sorted(who(user, show=False)) != sorted([alice.name, bob.name]):
            if time.monotonic() > deadline:
                fail(f"{user.name}'s /who never listed {alice.name} and {bob.name} again")
    flowing = time.monotonic() - restarted
    fed.kill_server(f"east{trial}", signal.SIGTERM)
    fed.kill_server(f"west{trial}", signal.SIGTERM)
    return split, whole, flowing


def figures(values):
    return (
        f"median {statistics.median(values):.2f} s "
        f"(min {min(values):.2f}, max {max(values):.2f}, {len(values)} trials)"
    )


def recovery(args):
    ttl = f"--redis-ttl {args.ttl} ms" if args.ttl else "the servers' default --redis-ttl"
    print(f"Federation recovery: two chat servers and Redis on a unix socket, {ttl}")
    print(f"Machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    with Federation(args.bin_dir, args.redis_server, ttl_ms=args.ttl, say=lambda _: None) as fed:
        fed.start_redis()
        gone, notice = [], []
        for trial in range(args.trials):
            g, n = killed_server_trial(fed, trial)
            gone.append(g)
            notice.append(n)
        print()
        print("1. one server killed (kill -9); its user alice, from the other server:")
        print(f"   gone from /who (asked every 20 ms): {figures(gone)}")
        print(f"   '* alice left' heard by bob:        {figures(notice)}")
        for case, down_s in ((2, 0), (3, args.down)):
            split, whole, flowing = [], [], []
            for trial in range(args.trials):
                s, w, f = redis_restart_trial(fed, f"r{down_s}-{trial}", down_s)
                split.append(s)
                whole.append(w)
                flowing.append(f)
            print()
            when = "at once" if down_s == 0 else f"after {down_s:g} s"
            print(f"{case}. Redis killed (kill -9), started again {when}:")
            print(f"   both servers said the room is split:  {figures(split)} after the kill")
            print(f"   both said it is whole again:          {figures(whole)} after the restart")
            print(f"   lines cross both ways, /who whole:    {figures(flowing)} after the restart")
        print()
        print("   (a line said while the room was split was never heard on the other server:")
        print("   pub/sub delivers at most once; every trial checked it)")


def main():
    # SIGTERM ends the script as Ctrl-C does: through the Federation's close(). Lines go out as
    # they are printed, also into a pipe (make bench tees them).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["demo", "recovery"])
    parser.add_argument("bin_dir", help="where the lab05 reference chat_server is")
    parser.add_argument("--redis-server", default="redis-server", help="the Redis program")
    parser.add_argument("--ttl", type=int, help="chat_server --redis-ttl MS (default: its own)")
    parser.add_argument("--trials", type=int, default=3, help="recovery: trials of each case")
    parser.add_argument(
        "--down", type=float, default=5.0, help="recovery: seconds Redis stays down, second case"
    )
    args = parser.parse_args()
    if shutil.which(args.redis_server) is None:
        fail(f"{args.redis_server} is not installed (apt-get install redis-server, or ./setup)")
    # A chat_server with 5b checks the server name it is given (and stops: nothing starts); one
    # built without hiredis, or older, refuses --redis itself.
    chat_server = os.path.join(args.bin_dir, "chat_server")
    probe = [chat_server, "--redis", "/nonexistent", "--server-name", "!"]
    if "--server-name wants" not in subprocess.run(probe, capture_output=True, text=True).stderr:
        fail(f"{chat_server} has no 5b (built without hiredis? make setup, then reconfigure)")
    try:
        demo(args) if args.mode == "demo" else recovery(args)
    except KeyboardInterrupt:
        print("\n(interrupted: everything stopped, the temporary folder removed)", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
