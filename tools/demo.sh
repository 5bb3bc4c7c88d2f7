#!/usr/bin/env bash
# make demo: lab05's chat room at work: the reference chat_server, three scripted users on plain
# sockets and a fourth on the reference chat_client (tools/demo_chat.py), then a graceful shutdown
# by SIGTERM. Exits 0 only if every line every user saw was the protocol's (docs/protocol.md) and
# the server exited 0. With a second argument, `federation`: make demo-federation (below).
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
bin="$build/bin/solutions/lab05_full_chat"
# make demo-federation (tools/demo.sh BUILD federation): lab05 5b, Redis and two federated servers,
# in tools/demo_federation.py, which uses demo_chat.py's users and stops what it starts itself.
if [ "${2:-}" = federation ]; then
  exec python3 tools/demo_federation.py demo "$bin"
fi
server_pid=""
cleanup() { [ -z "$server_pid" ] || { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }; }
trap cleanup EXIT
log=$(mktemp /tmp/demo-chat-server.XXXXXX)

echo "== lab05: the chat room =="
echo "\$ chat_server --port 0"
# The server announces its port on its first stdout line: wait for that line, not for a time.
fifo=$(mktemp -u)
mkfifo "$fifo"
"$bin/chat_server" --port 0 >"$fifo" 2>"$log" &
server_pid=$!
exec 3<"$fifo"
rm -f "$fifo"
if ! read -r -t 10 line <&3; then
  echo "demo: chat_server did not start:" >&2
  cat "$log" >&2
  exit 1
fi
echo "$line"
port=${line##*:}

python3 tools/demo_chat.py "$port" "$bin/chat_client" "$server_pid"  # ends with SIGTERM to the server
status=0
wait "$server_pid" || status=$?
server_pid=""
echo "(chat_server exited with status $status)"
echo "(the server's log, on its stderr:)"
sed 's/^/  /' "$log"
rm -f "$log"
[ "$status" -eq 0 ] || { echo "demo: chat_server should exit 0 on SIGTERM" >&2; exit 1; }
echo
echo "demo: done"
