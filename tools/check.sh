#!/usr/bin/env bash
# make check: the kit's self-test, what CI runs. Each step prints its own report; the summary at the
# end lists every step with PASS/FAIL, its wall time and its CPU time (user + system, what it costs
# whatever else the machine is doing), and the exit status is 1 if any step failed.
#
#   1 build       configure and build everything (student and reference builds of every lab)
#   2 skeletons   every lab's manifest (lab.json) matches the tree, and every lab file is exactly what
#                 tools/skeletons.py generates from solutions/
#   3 tables      every chapter's "How it is graded" tables match the tests (tools/graded_tables.py)
#   4 python      tools/ is formatted (black) and lint-free (flake8)
#   5 reference   every graded test passes on solutions/ (plain and under the short-I/O injector)
#   6 skeleton    every graded test FAILS on the untouched lab files (a test that cannot fail grades nothing)
#   7 stack-mine  a student who finished every lab (solutions copied into the lab folders), built with
#                 STACK=mine (each lab linking the student's own earlier labs), scores 100% (black-box
#                 tests once, plainly: step 5 ran their short-I/O twins)
#   8 mutants     every mutant of tools/mutants/ is caught by a test it names
#   9 sanitizers  the reference passes every graded test (plainly) under AddressSanitizer + UBSan (the labs'
#                 code and common/ instrumented; the test harness as in the main build, so ccache
#                 serves it: see kit_sanitize in cmake/KitLab.cmake)
#     release     a student edition (make release) of lab01 and lab02 leaks no line of their
#                 solutions, and lab02 passes in it on lab01's prebuilt reference
#                 (tools/release_check.sh; runs beside the mutants)
#  10 testkit     the autograder's own self-tests
#  11 docs        the Doxygen walkthrough builds with zero warnings
#
# Steps 7, 8 and 9 run side by side: stack-mine and the sanitizer tree mostly compile (one compiler
# each), the mutants mostly wait on their tests' sockets. ccache, when installed, serves every
# object that did not change since an earlier build of any of the trees, and every object one tree
# compiles as another did: the test harness compiles once, even with an empty cache.
#
#   tools/check.sh [STEP...]   only the steps named (e.g. `tools/check.sh sanitizers`), in this order;
#                              the later steps use the main build as an earlier run left it
set -u
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
  sed -n '2,/^set -u/p' "$0" | sed '$d' | cut -c3-
  exit 0
fi
cd "$(dirname "$0")/.."
only=" $* "
want() { [ "$only" = "  " ] || [[ "$only" == *" $1 "* ]]; }
BUILD=${BUILD:-build}
JOBS=${JOBS:-$(nproc)}
TEST_JOBS=${TEST_JOBS:-$((JOBS * 2))}  # tests mostly wait on sockets: run more than one per core
GENERATOR=()
command -v ninja >/dev/null && GENERATOR=(-G Ninja)
if command -v ccache >/dev/null; then
  GENERATOR+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  # Objects are shared between trees when their sources sit at the same relative place (see
  # stack_mine); the build folder's own path is then not part of what a compile depends on.
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(pwd)} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
fi
source tools/kit_copy.sh
names=()
verdicts=()
times=()
cpus=()
check_start=$(date +%s)
# Each step runs in a subshell that writes `times` at its end: the CPU its programs used (user +
# system), which, unlike the wall time, does not depend on what else the machine is doing.
cpu_dir=$(mktemp -d)
trap 'rm -rf "$cpu_dir"' EXIT
cpu_seconds() {  # cpu_seconds NAME: the step's CPU seconds, from the second line of its `times`
  awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, part, "m"); t += part[1] * 60 + part[2] }
                 printf "%d", t + 0.5 }' "$cpu_dir/$1" 2>/dev/null
}

step() {
  local name=$1
  shift
  local start=$(date +%s)
  echo
  echo "=== check: $name ==="
  if ("$@"; status=$?; times >"$cpu_dir/$name"; exit "$status"); then verdicts+=(PASS); else verdicts+=(FAIL); fi
  names+=("$name")
  times+=($(($(date +%s) - start)))
  cpus+=("$(cpu_seconds "$name")")
}

configure() {  # configure DIR [cmake args...]
  local dir=$1
  shift
  cmake -S . -B "$dir" "${GENERATOR[@]}" "$@" >/dev/null
}

# Build a tree (with JOBS compilers, or $2), showing only what is not a progress line; the status is
# the build's.
quiet_build() {  # quiet_build DIR [JOBS [TARGET...]]
  local dir=$1 jobs=${2:-$JOBS}
  shift $(($# < 2 ? $# : 2))
  cmake --build "$dir" -j "$jobs" ${1:+--target "$@"} 2>&1 | { grep -v '^\[' || true; }
  return "${PIPESTATUS[0]}"
}

build_all() {
  configure "$BUILD" -DKIT_STACK=solutions && quiet_build "$BUILD"
}

grade() {
  python3 tools/grade.py --jobs "$TEST_JOBS" --quiet "$@"
}

stack_mine() {
  # What a student who finished sees (tools/kit_copy.sh): every lab file is its solution.
  local tree
  tree=$(stack_mine_tree "$BUILD" "${GENERATOR[@]}") &&
    quiet_build "$tree" "$JOBS" $(python3 tools/kit labs) && (cd "$tree/.." && grade --build build --plain-only --expect all-pass)
}

sanitizers() {
  # In a copy of the kit (tools/kit_copy.sh says why): only the labs' code is compiled anew.
  local src tree targets=()
  # Only what the graded tests run: the labs' reference programs and test binaries.
  for lab in $(python3 tools/kit labs); do targets+=("ref-$lab"); done
  src=$(kit_copy "$BUILD" sanitizers) &&
    tree=$(configure_copy "$src" "${GENERATOR[@]}" -DKIT_SANITIZE=ON -DKIT_VARIANTS=solution) &&
    quiet_build "$tree" "$JOBS" "${targets[@]}" &&
    (cd "$tree/.." && TIMEOUT_SCALE=${TIMEOUT_SCALE:-3} grade --build build --reference --plain-only --expect all-pass)
}

python_style() {
  local files
  files=$(git ls-files 'tools/*.py')
  black --check --quiet $files && flake8 --config tools/.flake8 $files && echo "python: $(echo $files | wc -w) files formatted and lint-free"
}

# Run a step in the background into its log; finish_background prints it and records its result.
declare -A bg_pid bg_start
start_background() {
  local name=$1
  shift
  bg_start[$name]=$(date +%s)
  ("$@" >"$BUILD/check-$name.log" 2>&1; echo $? >"$BUILD/check-$name.status"; times >"$cpu_dir/$name") &
  bg_pid[$name]=$!
}
finish_background() {
  local name=$1
  wait "${bg_pid[$name]}"
  echo
  echo "=== check: $name (ran alongside the mutants) ==="
  cat "$BUILD/check-$name.log"
  names+=("$name")
  times+=($(($(date +%s) - ${bg_start[$name]})))
  cpus+=("$(cpu_seconds "$name")")
  if [ "$(cat "$BUILD/check-$name.status")" = 0 ]; then verdicts+=(PASS); else verdicts+=(FAIL); fi
}

testkit_selftest() {
  ctest --test-dir "$BUILD" -R '^testkit\.' -j "$TEST_JOBS" --output-on-failure 2>&1 | tail -n 15
  return "${PIPESTATUS[0]}"
}

# The grader against hostile submissions of lab01 (tools/hostile/: early exits, forged output,
# reads of the solutions, daemons, a fork bomb, ...), graded as a class is (tools/hostile.py).
hostile_suite() {
  python3 tools/hostile.py --build "$BUILD" --jobs "$JOBS"
}

for tool in cmake g++ python3 patch doxygen dot black flake8; do
  command -v "$tool" >/dev/null || { echo "check: '$tool' is missing: run 'make setup' first"; exit 1; }
done

want build && step build build_all
if [ "${verdicts[0]:-PASS}" = PASS ]; then
  want skeletons && step skeletons python3 tools/skeletons.py check
  want tables && step tables python3 tools/graded_tables.py check --build "$BUILD"
  want python && step python python_style
  want reference && step reference grade --build "$BUILD" --reference --expect all-pass
  want skeleton && step skeleton grade --build "$BUILD" --expect all-fail
  mkdir -p "$BUILD"
  want stack-mine && start_background stack-mine stack_mine
  want sanitizers && start_background sanitizers sanitizers
  want hostile && start_background hostile hostile_suite
  want release && start_background release bash tools/release_check.sh
  want mutants && step mutants python3 tools/mutants.py --build "$BUILD/mutants" --jobs "$JOBS"
  want stack-mine && finish_background stack-mine
  want sanitizers && finish_background sanitizers
  want hostile && finish_background hostile
  want release && finish_background release
  want testkit && step testkit testkit_selftest
fi
want docs && step docs bash -c 'bash tools/docs.sh "$1" && python3 tools/mistake_catalogue.py check --build "$1"' docs "$BUILD"
echo
echo "=== check: summary ==="
passed=0
failed=0
cpu_total=0
printf '  %-4s %-11s %5s %9s\n' "" step wall CPU
for i in "${!names[@]}"; do
  printf '  %-4s %-11s %4ss %8ss\n' "${verdicts[$i]}" "${names[$i]}" "${times[$i]}" "${cpus[$i]}"
  cpu_total=$((cpu_total + ${cpus[$i]:-0}))
  if [ "${verdicts[$i]}" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "  wall time: $(($(date +%s) - check_start)) s on $(nproc) cores; CPU time (user + system): $cpu_total s"
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
