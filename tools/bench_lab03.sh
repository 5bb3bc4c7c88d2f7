#!/usr/bin/env bash
# Chapter 3's benchmark (ungraded): epoll_wait against poll and select as idle connections grow.
#
#   tools/bench_lab03.sh [BUILD_DIR]        (default: build)
#
# Builds lab03-bench-multiplex, runs it for 10 to 10,000 idle connections plus one active one, and
# writes BUILD_DIR/bench/lab03_multiplex.tsv and .svg, and a copy of the plot for the chapter at
# docs/diagrams/lab03-multiplex.svg. The program raises its open-file limit (RLIMIT_NOFILE) to the
# hard limit; counts that still do not fit are skipped (raise the hard limit: ulimit -Hn).
# Installs nothing: the SVG is drawn by the program itself.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" $(command -v ninja >/dev/null && echo -G Ninja) >/dev/null
fi
cmake --build "$build" --target lab03-bench-multiplex >/dev/null
mkdir -p "$build/bench"
"$build/bin/bench/bench_multiplex" --counts "${COUNTS:-10,100,500,1000,2000,5000,10000}" \
  --rounds "${ROUNDS:-2000}" --tsv "$build/bench/lab03_multiplex.tsv" --svg "$build/bench/lab03_multiplex.svg"
cp "$build/bench/lab03_multiplex.svg" "$root/docs/diagrams/lab03-multiplex.svg"
echo "wrote $build/bench/lab03_multiplex.tsv, $build/bench/lab03_multiplex.svg and docs/diagrams/lab03-multiplex.svg"
