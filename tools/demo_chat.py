#!/usr/bin/env python3
"""Three scripted users in the chat room on 127.0.0.1:PORT; prints what each one sees.

usage: demo_chat.py PORT SERVER_LOG   (the server's stderr, to see when users have left)"""
import socket
import sys
import time

port = int(sys.argv[1])
server_log = sys.argv[2]
users = {
    name: socket.create_connection(("127.0.0.1", port), timeout=5)
    for name in ("alice", "bob", "carol")
}
buffers = {name: b"" for name in users}


def lines_for(name, count):
    sock = users[name]
    got = []
    while len(got) < count:
        while b"\n" not in buffers[name]:
            chunk = sock.recv(4096)
            if not chunk:
                return got
            buffers[name] += chunk
        line, buffers[name] = buffers[name].split(b"\n", 1)
        got.append(line.decode("utf-8", "replace"))
    return got


for name in users:
    print(f"  {name:<5} sees: {lines_for(name, 1)[0]}")
script = [("alice", "hi everyone"), ("bob", "hello alice!"), ("carol", "hey, what's new?")]
for speaker, text in script:
    print(f"  {speaker:<5} types: {text}")
    users[speaker].sendall(text.encode() + b"\n")
    for name in users:
        if name != speaker:
            print(f"  {name:<5} sees: {lines_for(name, 1)[0]}")
for name in ("bob", "carol"):
    users[name].close()
print("  (bob and carol leave)")
# Wait until the server has seen both go, so that alice is really alone (bounded wait).
deadline = time.monotonic() + 5
while time.monotonic() < deadline and open(server_log).read().count(" left,") < 2:
    time.sleep(0.02)
users["alice"].sendall(b"anyone there?\n")
print("  alice types: anyone there?")
print(f"  alice sees: {lines_for('alice', 1)[0]}")
