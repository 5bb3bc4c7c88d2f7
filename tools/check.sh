#!/usr/bin/env bash
# make check: the kit's self-test, what CI runs. Each step prints its own report; the summary at the
# end lists every step with PASS/FAIL and its time, and the exit status is 1 if any step failed.
#
#   1 build       configure and build everything (student and reference builds of every lab)
#   2 skeletons   every lab's manifest (lab.json) matches the tree, and every lab file is exactly what
#                 tools/skeletons.py generates from solutions/
#   3 tables      every chapter's "How it is graded" tables match the tests (tools/graded_tables.py)
#   4 python      tools/ is formatted (black) and lint-free (flake8)
#   5 reference   every graded test passes on solutions/ (plain and under the short-I/O injector)
#   6 skeleton    every graded test FAILS on the untouched lab files (a test that cannot fail grades nothing)
#   7 stack-mine  a student who finished every lab (solutions copied into the lab folders), built with
#                 STACK=mine (each lab linking the student's own earlier labs), scores 100%
#   8 mutants     every mutant of tools/mutants/ is caught by a test it names
#   9 sanitizers  the reference passes every graded test under AddressSanitizer + UBSan
#  10 testkit     the autograder's own self-tests
#  11 docs        the Doxygen walkthrough builds with zero warnings
#
# Steps 7, 8 and 9 run side by side: stack-mine and the sanitizer tree mostly compile (one compiler
# each), the mutants mostly wait on their tests' sockets. ccache, when installed, serves every
# object that did not change since an earlier build of any of the trees.
set -u
cd "$(dirname "$0")/.."
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
  # A copy of the kit in which every lab file is its solution: what a student who finished sees.
  # Its build tree sits at src/build, as build/ sits in the kit: every unchanged source then has the
  # same relative path, and ccache serves its object from the main build.
  local src="$BUILD/stack-mine/src"
  mkdir -p "$src"
  tar --exclude='./build*' --exclude="./$BUILD" --exclude=./.git -cf - . | tar -xf - -C "$src"
  for lab in solutions/*/; do
    lab=$(basename "$lab")
    cp -p solutions/"$lab"/* "$src/$lab/"
  done
  SRC="$src" configure "$src/build" -DKIT_STACK=mine -DKIT_VARIANTS=student &&
    quiet_build "$src/build" "$JOBS" $(python3 tools/kit labs) && (cd "$src" && grade --build build --expect all-pass)
}

sanitizers() {
  local tree="$BUILD/san-reference"
  # Only what the graded tests run: the labs' reference programs and test binaries.
  local targets=()
  for lab in $(python3 tools/kit labs); do targets+=("ref-$lab"); done
  configure "$tree" -DKIT_SANITIZE=ON -DKIT_VARIANTS=solution && quiet_build "$tree" "$JOBS" "${targets[@]}" &&
    TIMEOUT_SCALE=${TIMEOUT_SCALE:-3} grade --build "$tree" --reference --expect all-pass
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
  ("$@" >"$BUILD/check-$name.log" 2>&1; echo $? >"$BUILD/check-$name.status") &
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

step build build_all
if [ "${verdicts[0]}" = PASS ]; then
  step skeletons python3 tools/skeletons.py check
  step tables python3 tools/graded_tables.py check --build "$BUILD"
  step python python_style
  step reference grade --build "$BUILD" --reference --expect all-pass
  step skeleton grade --build "$BUILD" --expect all-fail
  mkdir -p "$BUILD"
  start_background stack-mine stack_mine
  start_background sanitizers sanitizers
  step mutants python3 tools/mutants.py --build "$BUILD/mutants" --jobs "$JOBS"
  finish_background stack-mine
  finish_background sanitizers
  step testkit testkit_selftest
  step hostile hostile_suite
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
