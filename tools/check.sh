#!/usr/bin/env bash
# make check: the kit's self-test, what CI runs. Each step prints its own report; the summary at the
# end lists every step with PASS/FAIL and its time, and the exit status is 1 if any step failed.
#
#   1 build       configure and build everything (student and reference builds of every lab)
#   2 skeletons   every lab file is exactly what tools/skeletons.py generates from solutions/
#   3 reference   every graded test passes on solutions/ (plain and under the short-I/O injector)
#   4 skeleton    every graded test FAILS on the untouched lab files (a test that cannot fail grades nothing)
#   5 stack-mine  a student who finished every lab (solutions copied into the lab folders), built with
#                 STACK=mine (each lab linking the student's own earlier labs), scores 100%
#   6 mutants     every mutant of tools/mutants/ is caught by the test it names
#   7 sanitizers  the reference passes every graded test under AddressSanitizer + UBSan
#   8 testkit     the autograder's own self-tests
#   9 docs        the Doxygen walkthrough builds with zero warnings
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
JOBS=${JOBS:-$(nproc)}
TEST_JOBS=${TEST_JOBS:-$((JOBS * 2))}  # tests mostly wait on sockets: run more than one per core
GENERATOR=()
command -v ninja >/dev/null && GENERATOR=(-G Ninja)
names=()
verdicts=()
times=()
check_start=$(date +%s)

step() {
  local name=$1
  shift
  local start=$(date +%s)
  echo
  echo "=== check: $name ==="
  if "$@"; then verdicts+=(PASS); else verdicts+=(FAIL); fi
  names+=("$name")
  times+=($(($(date +%s) - start)))
}

configure() {  # configure DIR [cmake args...]
  local dir=$1
  shift
  cmake -S "${SRC:-.}" -B "$dir" "${GENERATOR[@]}" "$@" >/dev/null
}

# Build a tree, showing only what is not a progress line; the status is the build's.
quiet_build() {
  cmake --build "$1" -j "$JOBS" 2>&1 | { grep -v '^\[' || true; }
  return "${PIPESTATUS[0]}"
}

build_all() {
  configure "$BUILD" -DKIT_STACK=solutions && quiet_build "$BUILD"
}

grade() {
  python3 tools/grade.py --jobs "$TEST_JOBS" --quiet "$@"
}

stack_mine() {
  # A copy of the kit in which every lab file is its solution: what a student who finished sees.
  local tree="$BUILD/stack-mine"
  mkdir -p "$tree/src"
  tar --exclude='./build*' --exclude="./$BUILD" --exclude=./.git -cf - . | tar -xf - -C "$tree/src"
  for lab in solutions/*/; do
    lab=$(basename "$lab")
    cp -p solutions/"$lab"/* "$tree/src/$lab/"
  done
  SRC="$tree/src" configure "$tree/build" -DKIT_STACK=mine -DKIT_VARIANTS=student &&
    quiet_build "$tree/build" && grade --build "$tree/build" --expect all-pass
}

sanitizers() {
  local tree="$BUILD/san-reference"
  configure "$tree" -DKIT_SANITIZE=ON -DKIT_VARIANTS=solution && quiet_build "$tree" &&
    TIMEOUT_SCALE=${TIMEOUT_SCALE:-3} grade --build "$tree" --reference --expect all-pass
}

testkit_selftest() {
  ctest --test-dir "$BUILD" -R '^testkit\.' -j "$TEST_JOBS" --output-on-failure 2>&1 | tail -n 15
  return "${PIPESTATUS[0]}"
}

for tool in cmake g++ python3 patch doxygen dot; do
  command -v "$tool" >/dev/null || { echo "check: '$tool' is missing: run 'make setup' first"; exit 1; }
done

step build build_all
if [ "${verdicts[0]}" = PASS ]; then
  step skeletons python3 tools/skeletons.py check
  step reference grade --build "$BUILD" --reference --expect all-pass
  step skeleton grade --build "$BUILD" --expect all-fail
  step stack-mine stack_mine
  # The mutants mostly wait on test deadlines while the sanitizer tree mostly compiles: run the
  # two side by side, then show the sanitizer report when the mutants are done.
  sanitizer_log="$BUILD/check-sanitizers.log"
  (sanitizers >"$sanitizer_log" 2>&1; echo $? >"$sanitizer_log.status") &
  sanitizer_pid=$!
  sanitizer_start=$(date +%s)
  step mutants python3 tools/mutants.py --build "$BUILD/mutants"
  wait "$sanitizer_pid"
  echo
  echo "=== check: sanitizers (ran alongside the mutants) ==="
  cat "$sanitizer_log"
  names+=(sanitizers)
  times+=($(($(date +%s) - sanitizer_start)))
  if [ "$(cat "$sanitizer_log.status")" = 0 ]; then verdicts+=(PASS); else verdicts+=(FAIL); fi
  step testkit testkit_selftest
fi
step docs bash tools/docs.sh "$BUILD"

echo
echo "=== check: summary ==="
passed=0
failed=0
for i in "${!names[@]}"; do
  printf '  %-4s %-11s %4ss\n' "${verdicts[$i]}" "${names[$i]}" "${times[$i]}"
  if [ "${verdicts[$i]}" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "  wall time: $(($(date +%s) - check_start)) s on $(nproc) cores"
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
