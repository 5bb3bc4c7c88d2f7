#!/usr/bin/env bash
# Chapter 3's benchmark (ungraded): epoll_wait against poll and select as idle connections grow.
#
#   tools/bench_lab03.sh [BUILD_DIR]        (default: build)
#
# Builds lab03-bench-multiplex, runs it for 10 to 10,000 idle connections plus one active one, and
# writes BUILD_DIR/bench/lab03_multiplex.tsv and its plot BUILD_DIR/bench/lab03_multiplex.svg
# (drawn by bench/plot_svg.py). It writes nothing else: the chapter's figure,
# docs/diagrams/lab03-multiplex.svg, is one such run on the kit's reference machine, committed as it
# is. The program raises its open-file limit (RLIMIT_NOFILE) to the hard limit; counts that still
# do not fit are skipped (raise the hard limit: ulimit -Hn). Installs nothing: the plot is plain
# Python 3.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" $(command -v ninja >/dev/null && echo -G Ninja) >/dev/null
fi
cmake --build "$build" --target lab03-bench-multiplex >/dev/null
mkdir -p "$build/bench"
"$build/bin/bench/bench_multiplex" --counts "${COUNTS:-10,100,500,1000,2000,5000,10000}" \
  --rounds "${ROUNDS:-2000}" --tsv "$build/bench/lab03_multiplex.tsv"
python3 "$root/bench/plot_svg.py" "$build/bench/lab03_multiplex.tsv" \
  "$build/bench/lab03_multiplex.svg" \
  --title "One active connection among N idle ones: time per round trip" \
  --xlabel "idle connections watched (log scale)" \
  --ylabel "microseconds per round trip (median, log scale)" --logx --logy \
  --legend epoll_wait --legend poll --legend "select (stops at FD_SETSIZE)"
echo "wrote $build/bench/lab03_multiplex.tsv and $build/bench/lab03_multiplex.svg"
