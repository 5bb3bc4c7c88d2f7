#!/usr/bin/env bash
# make bench: the kit's speed and scale figures (never part of the graded tests).
# Runs every tools/bench_lab*.sh present, each given the build tree and STACK.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
stack=${2:-solutions}
found=0
for script in tools/bench_lab*.sh; do
  [ -f "$script" ] || continue
  found=1
  echo "=== $(basename "$script" .sh) ==="
  bash "$script" "$build" "$stack"
done
[ "$found" -eq 1 ] || echo "bench: no benchmarks yet"
