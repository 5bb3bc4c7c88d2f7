#!/usr/bin/env python3
"""make demo: scripted users in lab05's chat room; prints what each one types and sees.

usage: demo_chat.py PORT CHAT_CLIENT SERVER_PID

alice, bob and carol are plain sockets; dave is the real chat_client (CHAT_CLIENT), its stdin and
stdout on pipes. They join, choose names, chat, whisper, list the room, and leave; alice tries to
clear dave's screen and rename his window, and his client shows the attempt as text. Last, the
server gets SIGTERM (SERVER_PID) and says goodbye to alice before it closes. Every line a
user sees is checked against the protocol (docs/protocol.md): the demo exits 1 at the first line
that differs, so it is also a quick look at whether the server works."""
import os
import select
import signal
import socket
import subprocess
import sys
import time

WAIT_S = 10  # for each line: bounds a hang, never a judgement of speed
WELCOME = "Welcome to the chat room! Your chat ID is: Client #{}"


def visible(text):
    """text with its control characters shown as chat_client shows them (^[ for ESC)."""
    return "".join(
        f"^{chr(ord(c) ^ 0x40)}" if (ord(c) < 0x20 and c != "\t") or c == "\x7f" else c
        for c in text
    )


def fail(message):
    print(f"demo: {message}", file=sys.stderr)
    sys.exit(1)


class User:
    """A user: types lines, and reads the lines the server sends, one at a time."""

    def __init__(self, name, fd):
        self.name = name
        self.fd = fd
        self.buffer = b""

    def types(self, text):
        print(f"  {self.name:<5} types  {visible(text)}")
        self.send(text.encode() + b"\n")

    def next_line(self):
        deadline = time.monotonic() + WAIT_S
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                fail(f"{self.name} waited {WAIT_S} s for a line; has: {self.buffer!r}")
            chunk = self.receive()
            if not chunk:
                fail(f"{self.name}'s connection closed; expected one more line")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode("utf-8", "backslashreplace")

    def sees(self, expected):
        line = self.next_line()
        print(f"  {self.name:<5} sees   {visible(line)}")
        if line != expected:
            fail(f"{self.name} should have seen: {visible(expected)}")

    def sees_the_end(self):
        deadline = time.monotonic() + WAIT_S
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                fail(f"{self.name}: the connection is still open after {WAIT_S} s")
            chunk = self.receive()
            if not chunk:
                break
            self.buffer += chunk
        if self.buffer:
            fail(f"{self.name} got more than expected: {self.buffer!r}")


class SocketUser(User):
    def __init__(self, name, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT_S)
        super().__init__(name, self.sock.fileno())

    def send(self, data):
        self.sock.sendall(data)

    def receive(self):
        return self.sock.recv(4096)

    def leaves(self):
        print(f"  {self.name:<5} closes the connection")
        self.sock.close()


class ClientUser(User):
    """A user on the real chat_client: stdin and stdout are pipes, its notes go to stderr."""

    def __init__(self, name, program, port):
        self.process = subprocess.Popen(
            [program, "--port", str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        super().__init__(name, self.process.stdout.fileno())

    def send(self, data):
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def receive(self):
        return os.read(self.fd, 4096)

    def exits(self):
        try:
            status = self.process.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            fail(f"{self.name}'s chat_client did not exit after /quit")
        print(f"  {self.name:<5} (chat_client exited with status {status})")
        if status != 0:
            fail(f"{self.name}'s chat_client should exit 0")


def main():
    port = int(sys.argv[1])
    client_program = sys.argv[2]
    server_pid = int(sys.argv[3])

    print("-- three users join (plain sockets) --")
    alice = SocketUser("alice", port)
    alice.sees(WELCOME.format(1))
    bob = SocketUser("bob", port)
    bob.sees(WELCOME.format(2))
    alice.sees("* ClientID 2 joined")
    carol = SocketUser("carol", port)
    carol.sees(WELCOME.format(3))
    alice.sees("* ClientID 3 joined")
    bob.sees("* ClientID 3 joined")

    print("-- they choose their names --")
    carol.types("/help")
    carol.sees(
        "* commands: /nick NAME, /who, /msg NAME TEXT, /quit, /help; "
        "start a line with // to say something that begins with /"
    )
    for number, user in enumerate((alice, bob, carol), start=1):
        user.types(f"/nick {user.name}")
        for everyone in (alice, bob, carol):
            everyone.sees(f"* ClientID {number} is now {user.name}")
    bob.types("/nick ALICE")
    bob.sees("error: the name ALICE is taken")

    print("-- they chat, and carol whispers to alice --")
    for speaker, text in (("alice", "hi everyone"), ("bob", "hello alice!")):
        users = {"alice": alice, "bob": bob, "carol": carol}
        users[speaker].types(text)
        for name, user in users.items():
            if name != speaker:
                user.sees(f"{speaker} say >> {text}")
    carol.types("/msg alice psst: bob still owes me a coffee")
    alice.sees("carol whispers >> psst: bob still owes me a coffee")
    carol.sees("* whispered to alice")
    carol.types("/who")
    carol.sees("* in the room (3): alice, bob, carol")

    print("-- bob quits, carol just closes her connection --")
    bob.types("/quit")
    bob.sees("* bye")
    bob.sees_the_end()
    alice.sees("* bob left")
    carol.sees("* bob left")
    carol.leaves()
    alice.sees("* carol left")
    alice.types("anyone there?")
    alice.sees("There is only one in the chat room!")

    print("-- dave joins with chat_client; alice sends him escape sequences --")
    dave = ClientUser("dave", client_program, port)
    dave.sees(WELCOME.format(4))
    alice.sees("* ClientID 4 joined")
    dave.types("/nick dave")
    dave.sees("* ClientID 4 is now dave")
    alice.sees("* ClientID 4 is now dave")
    attack = "\x1b[2J\x1b]0;pwned\x07can you still read this?"
    alice.types(attack)
    # dave's client shows the attack as text: nothing was cleared, no window renamed.
    dave.sees(f"alice say >> {visible(attack)}")
    dave.types("/quit")
    dave.sees("* bye")
    dave.sees_the_end()
    dave.exits()
    alice.sees("* dave left")

    print("-- the server gets SIGTERM: it says goodbye to alice, then closes --")
    os.kill(server_pid, signal.SIGTERM)
    alice.sees("* the server is shutting down")
    alice.sees_the_end()


if __name__ == "__main__":
    main()
