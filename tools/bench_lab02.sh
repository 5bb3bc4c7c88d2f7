#!/usr/bin/env bash
# lab02 benchmark: the CPU the polling echo server burns while nobody says anything (README §5 of
# lab02_nonblocking). Ungraded; run by `make bench` (tools/bench.sh BUILD STACK).
#
#   bash tools/bench_lab02.sh [BUILD] [STACK]    STACK: solutions (reference, default) or mine
#
# Prints the share of one core the server used over SECONDS_PER_RUN (default 2) seconds of
# wall-clock time, with 0 and with 50 silent clients connected, and writes them to
# BUILD/bench/lab02_cpu.tsv and its plot BUILD/bench/lab02_cpu.svg (bench/plot_svg.py). The figure
# is lower than 100% when other programs compete for the CPUs: the load average is printed
# alongside.
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

# The CPU measurement is the testkit's (bench/cpu_share.cpp): the one the graded busy-loop checks
# use.
cmake --build "$build" --target kit-cpu-share >/dev/null
cpu_share=$build/bin/bench/cpu_share
measure() {  # percent of one core used by process $1 over $seconds seconds
  "$cpu_share" "$1" "$seconds"
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

mkdir -p "$build/bench"
printf 'silent_clients\tcpu_percent\n0\t%s\n50\t%s\n' "$idle" "$with_clients" \
  >"$build/bench/lab02_cpu.tsv"
python3 bench/plot_svg.py "$build/bench/lab02_cpu.tsv" "$build/bench/lab02_cpu.svg" \
  --title "A polling server that nobody talks to: CPU used" \
  --xlabel "silent clients connected" --ylabel "percent of one core" \
  --legend "nb_echo_server ($stack)"
echo "wrote $build/bench/lab02_cpu.tsv and $build/bench/lab02_cpu.svg"
