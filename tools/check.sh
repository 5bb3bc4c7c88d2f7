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
#     loop        the student's loop (tools/test_loop.py): make watch on a save, progress, hint,
#                 reset and restore, mydiff, in a copy of the kit holding lab01 only (ccache)
#   5 reference   every graded test passes on solutions/ (plain and under the short-I/O injector)
#   6 skeleton    every graded test FAILS on the untouched lab files (a test that cannot fail grades nothing)
#   7 stack-mine  a student who finished every lab (solutions copied into the lab folders), built with
#                 STACK=mine (each lab linking the student's own earlier labs), scores 100% on every
#                 lab that links an earlier one (black-box tests once, plainly: step 5 ran their
#                 short-I/O twins)
#   8 mutants     every mutant of tools/mutants/ is caught by a test it names
#   9 sanitizers  the reference passes every graded test (plainly) under AddressSanitizer + UBSan (the labs'
#                 code and common/ instrumented; the test harness as in the main build, so ccache
#                 serves it: see kit_sanitize in cmake/KitLab.cmake)
#  10 hostile     the hostile submissions of tools/hostile/ stay contained (tools/hostile.py)
#     release     a student edition (make release) of lab01 and lab02 leaks no line of their
#                 solutions, and lab02 passes in it on lab01's prebuilt reference
#                 (tools/release_check.sh)
#  11 testkit     the autograder's own self-tests
#  12 docs        the Doxygen walkthrough builds with zero warnings (both editions), the mistake
#                 catalogue matches the tests and mutants (tools/mistake_catalogue.py), and the
#                 Chinese edition is in step with the English one (tools/zh_sync.py)
#
# After the build and the quick steps 2-4, the rest run side by side in three lanes, so that both
# cores stay busy the whole time (much of a test's time is spent waiting on its sockets, and a
# compile in one lane fills what another leaves idle):
#   lane 1: reference, skeleton, hostile             (the main build's tests, grade-all's)
#   lane 2: mutants, release, testkit, docs          (three trees of their own, side by side;
#                                                     then an edition's, the kit's own, the docs)
#   lane 3: loop, stack-mine, sanitizers             (each builds a tree, then runs tests)
# The lanes carry about the same CPU time (the step times printed at the end say how much each
# step costs: rebalance here when one lane ends long after the others).
# Each step's report is printed whole when its lane is done, in the order above. ccache, when
# installed, serves every object that did not change since an earlier build of any of the trees,
# and every object one tree compiles as another did: the test harness compiles once, even with an
# empty cache.
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
# The trees only make check builds (stack-mine's, the sanitizers') link with gold where it is
# (binutils ships it beside ld): half ld.bfd's CPU time for each of their test programs, the same
# objects. The main build is the student's build/ too, and keeps the default linker.
LINKER=()
if command -v ld.gold >/dev/null; then
  LINKER=(-DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=gold -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=gold
    -DCMAKE_MODULE_LINKER_FLAGS=-fuse-ld=gold)
fi
source tools/kit_copy.sh
# python3 once, resolved: where python3 is a version manager's shim (pyenv: a shell script that
# costs more than half a second of CPU to start), every tool started from here (the grader, the
# docs filter, grade-all) starts the interpreter itself.
py_bin=$(mktemp -d)
ln -s "$(python3 -c 'import sys; print(sys.executable)')" "$py_bin/python3"
export PATH="$py_bin:$PATH"
names=()
verdicts=()
times=()
cpus=()
check_start=$(date +%s)
# Each step runs in a subshell that writes `times` at its end: the CPU its programs used (user +
# system), which, unlike the wall time, does not depend on what else the machine is doing.
cpu_dir=$(mktemp -d)
trap 'rm -rf "$cpu_dir" "$py_bin"' EXIT
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

reference() {
  grade --build "$BUILD" --reference --expect all-pass
}

skeleton() {
  grade --build "$BUILD" --expect all-fail
}

mutants() {
  # Three trees (mutants.py's default), each taking the next mutant from one queue: while one
  # mutant's tests wait on their deadlines, the others build theirs. A tree costs about 15 s of CPU
  # to prepare (the reference relinked; ccache serves its objects).
  python3 tools/mutants.py --build "$BUILD/mutants" --jobs "$JOBS"
}

docs() {
  bash tools/docs.sh "$BUILD" && python3 tools/mistake_catalogue.py check --build "$BUILD" &&
    python3 tools/zh_sync.py selftest && python3 tools/zh_sync.py check --all &&
    python3 tools/zh_sync.py lessons --build "$BUILD"
}

loop() {
  python3 tools/test_loop.py --work "$BUILD/loop"
}

release() {
  bash tools/release_check.sh
}

stack_mine() {
  # What a student who finished sees (tools/kit_copy.sh): every lab file is its solution. Only the
  # labs that link an earlier lab are built and graded: STACK=mine is what this step proves, and
  # it changes nothing in a lab that uses none (lab01: its files are the solution's, which the
  # reference step graded, built as a student's as the skeleton step built them); lab01's library
  # is still built, as every later lab links it.
  local tree labs
  labs=$(python3 tools/kit linking)
  tree=$(stack_mine_tree "$BUILD" "${GENERATOR[@]}" "${LINKER[@]}") &&
    quiet_build "$tree" "$JOBS" $labs &&
    (cd "$tree/.." && grade --build build --labs "${labs// /,}" --plain-only --expect all-pass)
}

sanitizers() {
  # In a copy of the kit (tools/kit_copy.sh says why): only the labs' code is compiled anew.
  local src tree targets=()
  # Only what the graded tests run: the labs' reference programs and test binaries.
  for lab in $(python3 tools/kit labs); do targets+=("ref-$lab"); done
  src=$(kit_copy "$BUILD" sanitizers) &&
    tree=$(configure_copy "$src" "${GENERATOR[@]}" "${LINKER[@]}" -DKIT_SANITIZE=ON -DKIT_VARIANTS=solution) &&
    quiet_build "$tree" "$JOBS" "${targets[@]}" &&
    (cd "$tree/.." && TIMEOUT_SCALE=${TIMEOUT_SCALE:-3} grade --build build --reference --plain-only --expect all-pass)
}

python_style() {
  local files
  files=$(git ls-files 'tools/*.py')
  black --check --quiet $files && flake8 --config tools/.flake8 $files && echo "python: $(echo $files | wc -w) files formatted and lint-free"
}

# A lane runs its steps one after another in the background, each into its own log, with its
# status, wall and CPU seconds beside it; finish_step prints a step's log and records its result.
declare -A lane_pid
lane_step() {  # lane_step NAME FUNCTION [ARGS...], inside a lane
  local name=$1 start=$(date +%s)
  shift
  ("$@" >"$cpu_dir/$name.log" 2>&1
    echo $? >"$cpu_dir/$name.status"
    times >"$cpu_dir/$name")
  echo $(($(date +%s) - start)) >"$cpu_dir/$name.wall"
}
start_lane() {  # start_lane LANE "NAME FUNCTION" ...: the wanted steps, in order
  local lane=$1 entry
  shift
  local steps=()
  for entry in "$@"; do
    want "${entry%% *}" && steps+=("$entry")
  done
  [ ${#steps[@]} -gt 0 ] || return 0
  (for entry in "${steps[@]}"; do lane_step $entry; done) &
  lane_pid[$lane]=$!
}
finish_step() {
  local name=$1
  [ -f "$cpu_dir/$name.wall" ] || return 0
  echo
  echo "=== check: $name ==="
  cat "$cpu_dir/$name.log"
  names+=("$name")
  times+=("$(cat "$cpu_dir/$name.wall")")
  cpus+=("$(cpu_seconds "$name")")
  if [ "$(cat "$cpu_dir/$name.status")" = 0 ]; then verdicts+=(PASS); else verdicts+=(FAIL); fi
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
  start_lane 1 "reference reference" "skeleton skeleton" "hostile hostile_suite"
  start_lane 2 "mutants mutants" "release release" "testkit testkit_selftest" "docs docs"
  start_lane 3 "loop loop" "stack-mine stack_mine" "sanitizers sanitizers"
  for lane in "${!lane_pid[@]}"; do wait "${lane_pid[$lane]}"; done
  for name in loop reference skeleton stack-mine mutants sanitizers hostile release testkit docs; do
    finish_step "$name"
  done
else
  want docs && step docs docs
fi
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
