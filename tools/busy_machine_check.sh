#!/usr/bin/env bash
# make busy-check: proof that grading is fair on a busy machine. A correct program must never lose a
# point because the machine is slow or busy: deadlines bound hangs, they never judge speed.
#
# With one CPU hog per core running the whole time (killed on any exit), this
#   (a) runs every reference test (`ctest -R '^ref\.' -j 2`) RUNS times (default 20), and counts
#       the runs in which every test passed;
#   (b) runs `make test STACK=mine` on a finished student stack (a copy of the kit with solutions/
#       copied into the lab folders, as `make check` builds it) STACK_RUNS times (default 5).
# It prints "reference: 20/20 runs passed every test", "student stack: 5/5 runs passed every test",
# the output of every failed test, and the load average it ran under. Not part of `make check`
# (it takes a while): rerun it after changing a test's work or deadlines.
#
#   tools/busy_machine_check.sh [BUILD]      env: RUNS, STACK_RUNS, TEST_JOBS (default 2)
set -u
cd "$(dirname "$0")/.."
BUILD=${1:-${BUILD:-build}}
RUNS=${RUNS:-20}
STACK_RUNS=${STACK_RUNS:-5}
TEST_JOBS=${TEST_JOBS:-2}
JOBS=$(nproc)
GENERATOR=()
command -v ninja >/dev/null && GENERATOR=(-G Ninja)
LOGS="$BUILD/busy-check"
labs=$(python3 tools/kit labs)  # every lab, from the manifests
source tools/kit_copy.sh  # the same tree as make check's stack-mine step: it builds once

hogs=()
stop_hogs() {
  local pid
  for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${hogs[@]}"; do wait "$pid" 2>/dev/null; done
  hogs=()
}
trap stop_hogs EXIT
trap 'exit 130' INT TERM HUP

loads=()
sample_load() { loads+=("$(cut -d' ' -f1 /proc/loadavg)"); }

# Everything is built before the hogs start: the proof is about the tests, not the compiler.
echo "=== busy-check: building the reference and the student stack (no load yet) ==="
mkdir -p "$LOGS"
rm -f "$LOGS"/*.log
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD" "${GENERATOR[@]}" -DKIT_STACK=solutions >/dev/null || exit 1
fi
ref_targets=()
for lab in $labs; do ref_targets+=(--target "ref-$lab"); done
cmake --build "$BUILD" -j "$JOBS" "${ref_targets[@]}" >"$LOGS/build-reference.log" 2>&1 ||
  { tail -n 30 "$LOGS/build-reference.log"; exit 1; }
STACK=$(stack_mine_tree "$BUILD" "${GENERATOR[@]}" 2>"$LOGS/build-stack.log") &&
  cmake --build "$STACK" -j "$JOBS" >>"$LOGS/build-stack.log" 2>&1 || { tail -n 30 "$LOGS/build-stack.log"; exit 1; }

cores=$(nproc)
echo "=== busy-check: $cores CPU hogs (one per core), load before: $(cut -d' ' -f1-3 /proc/loadavg) ==="
for _ in $(seq "$cores"); do
  sh -c 'while :; do :; done' &
  hogs+=($!)
done
start=$(date +%s)

failed_logs=()
ref_passed=0
for run in $(seq "$RUNS"); do
  log="$LOGS/reference-$run.log"
  if ctest --test-dir "$BUILD" -R '^ref\.' -j "$TEST_JOBS" --output-on-failure >"$log" 2>&1; then
    ref_passed=$((ref_passed + 1))
    echo "  reference run $run/$RUNS: every test passed ($(grep -o 'out of [0-9]*' "$log" | tail -n 1 | cut -d' ' -f3) tests, $(grep -o 'Total Test time (real) = *[0-9.]* sec' "$log" | grep -o '[0-9.]* sec'))"
  else
    failed_logs+=("$log")
    echo "  reference run $run/$RUNS: FAILED: $(sed -n '/tests FAILED:/,$p' "$log" | grep -E '^\s+[0-9]+ - ' | sed 's/^ *[0-9]* - //' | tr '\n' ' ')"
  fi
  sample_load
done

stack_passed=0
for run in $(seq "$STACK_RUNS"); do
  log="$LOGS/stack-$run.log"
  if make -C "$STACK/.." --no-print-directory test STACK=mine TREE="$(realpath "$STACK")" \
    JOBS="$TEST_JOBS" >"$log" 2>&1; then
    stack_passed=$((stack_passed + 1))
    echo "  student stack run $run/$STACK_RUNS: every test passed"
  else
    failed_logs+=("$log")
    echo "  student stack run $run/$STACK_RUNS: FAILED (see below)"
  fi
  sample_load
done
stop_hogs
seconds=$(($(date +%s) - start))

# Every failed run in full, minus the lines of the tests that passed: CTest's --output-on-failure
# and the grade report put each failure's output right under its name.
for log in "${failed_logs[@]}"; do
  echo
  echo "=== $log: what failed ==="
  grep -vE 'Test +#[0-9]+: .* Passed|^ *PASS ' "$log" | head -n 300
done

echo
echo "=== busy-check: summary ($cores hogs on $cores cores, $seconds s) ==="
echo "reference: $ref_passed/$RUNS runs passed every test"
echo "student stack: $stack_passed/$STACK_RUNS runs passed every test"
sorted=$(printf '%s\n' "${loads[@]}" | sort -n)
echo "load average (1 min) after each run: min $(head -n 1 <<<"$sorted"), max $(tail -n 1 <<<"$sorted"); now: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "logs: $LOGS/"
[ "$ref_passed" -eq "$RUNS" ] && [ "$stack_passed" -eq "$STACK_RUNS" ]
