#!/usr/bin/env bash
# make bench: the kit's speed and scale figures (never part of the graded tests).
# Runs every tools/bench_lab*.sh present, each given the build tree and STACK. BENCH=lab05 (or
# lab02, lab03) runs one of them: lab05's takes minutes (tools/bench_lab05.sh: 4 rows x 3 runs x
# 3 servers, 10,000 clients for the memory figure, a profile), the others seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
stack=${2:-solutions}
found=0
for script in tools/bench_lab*.sh; do
  [ -f "$script" ] || continue
  name=$(basename "$script" .sh)
  if [ -n "${BENCH:-}" ] && [ "${name#bench_}" != "$BENCH" ]; then continue; fi
  found=1
  echo "=== $name ==="
  bash "$script" "$build" "$stack"
done
[ "$found" -eq 1 ] || echo "bench: no benchmarks${BENCH:+ named $BENCH}"
