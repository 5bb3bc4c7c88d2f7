#!/usr/bin/env bash
# lab05 5b, measured (README §7 of lab05_full_chat, "5b in numbers"): what the federation does when
# one of its servers is killed and when Redis goes away. Never graded; make bench runs it after the
# federation rows (tools/bench_lab05.sh), and it runs alone:
#
#   bash tools/federation_recovery.sh [BUILD]     TRIALS=3 (each case), DOWN=5 (s), TTL= (ms)
#
# 1. kill -9 of one of two servers: the time until its user is gone from /who on the other one
#    (asked every 20 ms), and until the other's members hear "* NAME left".
# 2. kill -9 of Redis, started again at once, then again after DOWN seconds away (the servers'
#    reconnection backoff has grown by then): the time until both servers say the room is split,
#    until both say it is whole again, and until lines cross both ways; a line said during the
#    split must never arrive (pub/sub: at most once).
# TTL= passes --redis-ttl to the servers; by default they use their own. Everything runs in
# tools/demo_federation.py, which stops and reaps what it starts, also on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
if ! command -v redis-server >/dev/null; then
  echo "federation_recovery: redis-server is not installed (apt-get install redis-server, or ./setup)"
  exit 0
fi
[ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" >/dev/null
echo "building the lab05 reference chat_server (ref-lab05_full_chat-chat_server)"
cmake --build "$build" --target ref-lab05_full_chat-chat_server >/dev/null
exec python3 tools/demo_federation.py recovery "$build/bin/solutions/lab05_full_chat" \
  --trials "${TRIALS:-3}" --down "${DOWN:-5}" ${TTL:+--ttl "$TTL"}
