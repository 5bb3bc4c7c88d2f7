#!/usr/bin/env bash
# make demo: run the reference programs with scripted users and print what they exchange.
# (Until lab05 exists: lab01's echo server and client; and lab03's chat room when it is there.)
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
bin="$build/bin/solutions"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# Start a server on a free port; set $port to the port it announces in its first stdout line.
start_server() {
  local log=$1
  shift
  local fifo
  fifo=$(mktemp -u)
  mkfifo "$fifo"
  "$@" --port 0 >"$fifo" 2>"$log" &
  pids+=("$!")
  local line=""
  exec 3<"$fifo"
  rm -f "$fifo"
  if ! read -r -t 10 line <&3; then
    echo "demo: $1 did not start:" >&2
    cat "$log" >&2
    exit 1
  fi
  echo "$line"
  port=${line##*:}
}

echo "== lab01: the iterative echo server and its client =="
echo "\$ echo_server --port 0"
start_server /tmp/demo-echo-server.log "$bin/lab01_blocking/echo_server"
echo "\$ printf 'hello\\nbytes are echoed back\\nexit\\n' | echo_client --port $port"
printf 'hello\nbytes are echoed back\nexit\n' | "$bin/lab01_blocking/echo_client" --port "$port" | sed 's/^/  echo: /'
echo "(the server's log:)"
sed 's/^/  /' /tmp/demo-echo-server.log

if [ -x "$bin/lab03_epoll_server/chat_server" ]; then
  echo
  echo "== lab03: the epoll chat room, three scripted users =="
  echo "\$ chat_server --mode et --port 0"
  start_server /tmp/demo-chat-server.log "$bin/lab03_epoll_server/chat_server" --mode et
  python3 tools/demo_chat.py "$port" /tmp/demo-chat-server.log
fi
echo
echo "demo: done"
