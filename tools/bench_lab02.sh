#!/usr/bin/env bash
# lab02 benchmark: the CPU the polling echo server burns while nobody says anything (README §5 of
# lab02_nonblocking). Ungraded; run by `make bench` (tools/bench.sh BUILD STACK).
#
#   bash tools/bench_lab02.sh [BUILD] [STACK]    STACK: solutions (reference, default) or mine
#
# Prints the share of one core the server used over SECONDS (default 2) of wall-clock time, with 0
# and with 50 silent clients connected. The figure is lower than 100% when other programs compete
# for the CPUs: the load average is printed alongside.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
stack=${2:-solutions}
seconds=${SECONDS_PER_RUN:-2}
if [ "$stack" = mine ]; then
  server=$build/bin/lab02_nonblocking/nb_echo_server
else
  server=$build/bin/solutions/lab02_nonblocking/nb_echo_server
fi
[ -x "$server" ] || { echo "bench_lab02: $server not built (make build)"; exit 1; }

ticks=$(getconf CLK_TCK)
cpu_ticks() {  # utime + stime of process $1, in clock ticks (fields 14 and 15 of /proc/PID/stat)
  local stat
  stat=$(<"/proc/$1/stat")
  stat=${stat##*) }   # drop "pid (comm) ": comm may contain spaces
  set -- $stat
  echo $(( ${12} + ${13} ))
}
measure() {  # percent of one core used by process $1 over $seconds seconds
  local before after
  before=$(cpu_ticks "$1")
  sleep "$seconds"
  after=$(cpu_ticks "$1")
  echo $(( (after - before) * 100 / (ticks * seconds) ))
}

coproc SERVER { exec "$server" --port 0 2>/dev/null; }
pid=$SERVER_PID
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true' EXIT
read -r -t 10 first_line <&"${SERVER[0]}" || { echo "bench_lab02: no 'listening on' line"; exit 1; }
port=${first_line##*:}

idle=$(measure "$pid")
declare -a clients=()
for _ in $(seq 50); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$port"
  clients+=("$fd")
done
with_clients=$(measure "$pid")
for fd in "${clients[@]}"; do exec {fd}>&-; done

echo "nb_echo_server ($stack), idle for ${seconds} s each:"
echo "  0 clients:          ${idle}% of a core"
echo "  50 silent clients:  ${with_clients}% of a core"
echo "  load average:       $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
echo "  (an epoll server waiting in epoll_wait: 0%; see lab03)"
