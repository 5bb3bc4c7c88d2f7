#!/usr/bin/env bash
# Chapter 5's benchmark (ungraded; README §6 of lab05_full_chat): the chat room under load, lab05's
# server against lab03's and Redis pub/sub. Run by `make bench` (tools/bench.sh BUILD STACK).
#
#   bash tools/bench_lab05.sh [BUILD] [STACK]     STACK: solutions (default) or mine
#
# 1. The table: 10, 100, 1,000 and 5,000 clients, of which 10, 10, 5 and 5 send (ROWS), 64-byte
#    messages, at most 8 in flight per sender; lab03's reference, lab05's reference (and your lab05
#    with STACK=mine) and Redis; each figure the median of RUNS (3) interleaved runs.
# 2. Memory per idle client at 10,000 connected clients (MEMORY_CLIENTS), from the server's RSS.
# 3. Where lab05's server spends its time: perf record (linux-perf) during one 1,000 x 5 run, or
#    callgrind (valgrind) on a smaller run when perf is missing.
# 4. lab05's federation (5b, README §7 "5b in numbers"): the same load (FED_ROWS: 100x10,1000x5)
#    on lab05 alone and on 1, 2 and 3 lab05 servers federated through one Redis (chat_bench's fedN
#    targets), then tools/federation_recovery.sh: a server killed, Redis restarted, timed.
#    Needs redis-server and a chat_server with --redis. FEDERATION=no leaves it out, FEDERATION=only
#    runs it alone.
# The server runs on core 0 and chat_bench on core 1 (taskset), when there are two cores.
# Everything goes to BUILD/bench/lab05/ (tracked files are never written). Redis is optional: the
# bench says so when redis-server is not installed (./setup installs it).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
build=${1:-build}
stack=${2:-solutions}
rows=${ROWS:-10x10,100x10,1000x5,5000x5}
fed_rows=${FED_ROWS:-100x10,1000x5}
federation=${FEDERATION:-yes}
runs=${RUNS:-3}
memory_clients=${MEMORY_CLIENTS:-10000}
out=$build/bench/lab05
mkdir -p "$out"
rm -f "$out"/*.stderr

if [ ! -f lab05_full_chat/lab.json ]; then
  echo "bench_lab05: lab05_full_chat has no lab.json yet: nothing to measure"
  exit 0
fi
case $federation in yes | no | only) ;; *)
  echo "bench_lab05: FEDERATION is yes, no or only, not '$federation'" >&2
  exit 2
  ;;
esac
targets=(lab05-chat-bench ref-lab03_epoll_server-chat_server ref-lab05_full_chat-chat_server)
[ "$stack" = mine ] && targets+=(lab05_full_chat-chat_server)
cmake --build "$build" --target "${targets[@]}" >/dev/null
bench=$build/bin/bench/chat_bench

args=(--target "lab03=chat:$build/bin/solutions/lab03_epoll_server/chat_server"
      --target "lab05=room:$build/bin/solutions/lab05_full_chat/chat_server")
[ "$stack" = mine ] && args+=(--target "mine=room:$build/bin/lab05_full_chat/chat_server")
if command -v redis-server >/dev/null; then
  args+=(--target "redis=redis:$(command -v redis-server)")
  echo "Redis: $(redis-server --version | cut -d' ' -f1-3), started by the bench on a free port," \
    "no persistence (--save '' --appendonly no)"
else
  echo "Redis: redis-server is not installed, so the table has no Redis column" \
    "(apt-get install redis-server, or ./setup)"
fi

# Two cores: the server on core 0, the bench on core 1, so that neither steals the other's.
pin=()
server_cpu=()
if [ "$(nproc)" -ge 2 ]; then
  pin=(taskset -c 1)
  server_cpu=(--server-cpu 0)
  echo "Pinning: each server on core 0, chat_bench on core 1 (taskset)"
else
  echo "Pinning: none (one core: the server and the bench share it, and the figures are lower)"
fi
echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# 4. The federation: the same load on lab05 alone and on 1, 2 and 3 federated servers. Every
# process of a federation (its servers and Redis) runs on the servers' core, as lab05 alone does:
# the same CPU for all, so the rows show what federating costs, not what more cores would give.
federation_rows() {
  local server=$build/bin/solutions/lab05_full_chat/chat_server
  if ! command -v redis-server >/dev/null; then
    echo "Federation: no rows, redis-server is not installed (apt-get install redis-server, or ./setup)"
    return 0
  fi
  # A chat_server with 5b checks the server name it is given (and stops: nothing starts); one
  # built without hiredis, or older, refuses --redis itself.
  local probe
  probe=$("$server" --redis /nonexistent --server-name '!' 2>&1 || true)
  if ! grep -q -- "--server-name wants" <<<"$probe"; then
    echo "Federation: no rows, this chat_server has no 5b (built without hiredis? make setup, reconfigure)"
    return 0
  fi
  echo "Federation (lab05 5b): the same load on lab05 alone and spread over 1, 2 and 3 lab05 servers" \
    "federated through one Redis (TCP on 127.0.0.1), all of them on the servers' core"
  "${pin[@]}" "$bench" --target "lab05=room:$server" --target "fed1=fed1:$server" \
    --target "fed2=fed2:$server" --target "fed3=fed3:$server" "${server_cpu[@]}" \
    --rows "$fed_rows" --runs "$runs" --compare lab05 --log-dir "$out" \
    --tsv "$out/federation_runs.tsv" | tee "$out/federation.txt" || return 1
  echo
  bash tools/federation_recovery.sh "$build" | tee "$out/recovery.txt"
}

status=0
if [ "$federation" = only ]; then
  federation_rows || status=1
  echo
  echo "wrote $out/: federation.txt, federation_runs.tsv (every run), recovery.txt, the servers' stderr"
  exit $status
fi
"${pin[@]}" "$bench" "${args[@]}" "${server_cpu[@]}" --rows "$rows" --runs "$runs" --compare lab05 \
  --log-dir "$out" --tsv "$out/runs.tsv" | tee "$out/table.txt" || status=1
echo
"${pin[@]}" "$bench" "${args[@]}" "${server_cpu[@]}" --memory "$memory_clients" --log-dir "$out" \
  | tee "$out/memory.txt" || status=1

echo
lab05=(--target "lab05=room:$build/bin/solutions/lab05_full_chat/chat_server")
if command -v perf >/dev/null && perf record -o /dev/null true >/dev/null 2>&1; then
  # The row where lab05 is furthest behind Redis; the crowd's setup is not in the profile.
  echo "Where lab05's server spends its time (perf record, DWARF call graphs; one run of 100" \
    "clients x 10 senders):"
  "${pin[@]}" "$bench" "${lab05[@]}" "${server_cpu[@]}" --rows 100x10 --deliveries 1000000 \
    --log-dir "$out" --perf "$out/perf.data" 2>&1 | sed 's/^/  /' || status=1
  report() { perf report -i "$out/perf.data" --stdio --sort sym -g none "$@" 2>/dev/null |
    grep -v '^#' | grep -v '^$' | sed 's/ *$//'; }
  {
    echo "the server's own functions, inclusive (each with what it calls), and the costs under them:"
    report --children --percent-limit 3 |
      grep -E 'room::|chat::|nb::|_M_mutate|_int_malloc|exc_page_fault|__libc_send|writev|__libc_read' |
      sed -E 's/std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >/std::string/' |
      head -n 16
    echo "the hottest functions, exclusive (3% and more):"
    report --no-children --percent-limit 3 | head -n 10
  } | tee "$out/profile.txt" | sed 's/^/  /'
  echo "  (call graphs: perf report -i $out/perf.data)"
elif command -v valgrind >/dev/null; then
  echo "Where lab05's server spends its time (callgrind: perf is not installed; a smaller run," \
    "100 clients x 10 senders, setup included):"
  "${pin[@]}" "$bench" "${lab05[@]}" "${server_cpu[@]}" --rows 100x10 --deliveries 50000 --log-dir "$out" \
    --wrap "valgrind --tool=callgrind --callgrind-out-file=$out/callgrind.out" --runs 1 \
    --tsv "$out/callgrind_run.tsv" >/dev/null 2>&1 || status=1
  callgrind_annotate "$out/callgrind.out" 2>/dev/null | sed -n '/Ir/,$p' | head -n 25 |
    tee "$out/profile.txt" | sed 's/^/  /'
else
  echo "No profile: neither perf (apt-get install linux-perf) nor valgrind is installed"
fi
written="table.txt, runs.tsv (every run), memory.txt, profile.txt"
if [ "$federation" = yes ]; then
  echo
  federation_rows || status=1
  written+=", federation.txt, federation_runs.tsv, recovery.txt"
fi
echo
echo "wrote $out/: $written, the servers' stderr"
exit $status
