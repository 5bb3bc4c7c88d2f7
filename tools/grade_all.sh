#!/usr/bin/env bash
# make grade-all SUBMISSIONS=dir [LAB=lab01_blocking,...] [TESTS=globs]: grade every submission in dir.
#
#   tools/grade_all.sh SUBMISSIONS [LABS] [TESTS]
#
# Each submission is a folder holding the student's files laid out like the kit
# (lab01_blocking/net.cpp, ...) or flat (net.cpp, when one lab is graded). Only the student files
# of the graded labs (tools/skeletons.py files) are taken, and only regular files (a symlink is
# not followed), at most 1 MiB each. Results: <submission>/results.json (Gradescope's format) and
# <submission>/report.txt (what the student sees), dir/grades.csv, and dir/instructor-notes.txt
# (suspicious code: exit calls in a student file, reads of /proc or of paths outside the lab,
# GoogleTest's environment; for the instructor, never in a student's report).
#
# What a submission cannot do (docs/architecture.md, "Grading untrusted code"):
# - see the solutions: it is built in a staging copy of the kit without solutions/ and
#   tools/mutants/; the reference of the earlier labs it links is built there by the grader from a
#   root-only folder; which tests exist and their points come from the instructor's build ($BUILD);
# - see another submission: as root, SUBMISSIONS is made root-only, and a submission is compiled
#   and tested as the unprivileged user (KIT_SANDBOX_USER, default kitgrader; no ccache: a shared
#   cache could be poisoned or read), in a fresh copy of a build tree made once from the skeleton;
# - raise its score or stop the batch: see tools/grade.py and tools/kit/sandbox.py.
# Keep the instructor's kit itself out of that user's reach (chmod 700 on its folder, or a parent).
# KIT_SOLUTIONS=dir: where the solutions are when the kit has none (Gradescope: /autograder/private).
set -u
cd "$(dirname "$0")/.."
kit=$(pwd)
[ -d "${1:-}" ] || { echo "usage: grade_all.sh SUBMISSIONS [LABS] [TESTS]"; exit 2; }
submissions=$(cd "$1" && pwd)
labs=$(echo "${2:-$(python3 tools/kit labs)}" | tr ',' ' ')
tests=${3:-}
BUILD=${BUILD:-build}
JOBS=${JOBS:-$(nproc)}
ref_build=$(mkdir -p "$BUILD" && cd "$BUILD" && pwd)
GENERATOR=()
command -v ninja >/dev/null && GENERATOR=(-G Ninja)
LAUNCHER=()
command -v ccache >/dev/null && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)

start=$SECONDS
# Every step says what it does (a build shows its step count as it goes: tools/progress_build.py):
# a class's first batch builds for minutes, and must never look hung.
build_with=(python3 "$kit/tools/progress_build.py" --jobs "$JOBS")
count=$(find "$submissions" -mindepth 1 -maxdepth 1 -type d | wc -l)
echo "grade-all: $count submission(s) of $labs in $submissions"
# 1. The instructor's reference: it says which graded tests exist (no student code runs in it).
[ -f "$ref_build/CMakeCache.txt" ] ||
  "${build_with[@]}" --tree "$ref_build" --configure --what "the reference's build tree ($ref_build)" \
    -- "${GENERATOR[@]}" "${LAUNCHER[@]}" -DKIT_STACK=solutions || exit 1
ref_targets=()
for lab in $labs; do ref_targets+=("ref-$lab"); done
"${build_with[@]}" --tree "$ref_build" --logs "$ref_build/logs" --what "the reference (${ref_targets[*]})" \
  "${ref_targets[@]}" || {
  echo "grade-all: the reference does not build (its log: $ref_build/logs/build.log)"
  exit 1
}

user=""
run_as=()
if [ "$(id -u)" = 0 ]; then
  user=$(cd tools && python3 -c 'from kit import ctest; print(ctest.default_sandbox().user)')
  run_as=(setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups --)
  chmod go-rwx "$submissions"
fi
# GRADE_ALL_WORK=dir keeps the staging kit and the skeleton's build for the next batch (the hostile
# suite of make check); GRADE_ALL_CCACHE=dir lets the submissions' builds use that ccache folder: only
# for submissions that are trusted not to poison or read it (the hostile suite's, which are the kit's).
if [ -n "${GRADE_ALL_WORK:-}" ]; then
  work=$(mkdir -p "$GRADE_ALL_WORK" && cd "$GRADE_ALL_WORK" && pwd)
  rm -rf "$work/kit/build" "$work/results" "$work/not-built"
else
  work=$(mktemp -d /tmp/kit-grade-all.XXXXXX)
  trap 'rm -rf "$work"' EXIT
fi
chmod 711 "$work"

# 2. The staging kit: no solutions, no mutants, no git history. The earlier labs' reference
#    sources sit in refsrc (root-only files; the graded and later labs get their skeleton there, only
#    so that CMake configures: their reference is never built here).
stage="$work/kit"
refsrc="$work/refsrc"
mkdir -p "$stage" "$refsrc"
tar --exclude='./build*' --exclude="./$BUILD" --exclude=./.git --exclude=./solutions \
  --exclude=./tools/mutants --exclude=./tools/hostile -cf - . | tar -xf - -C "$stage"
first=$(echo "$labs" | tr ' ' '\n' | sort | head -n 1)
earlier=()
for lab in $(python3 tools/kit labs); do
  mkdir -p "$refsrc/$lab"
  if [[ "$lab" < "$first" ]]; then
    cp -p "${KIT_SOLUTIONS:-solutions}/$lab"/* "$refsrc/$lab/"
    earlier+=("ref-$lab-lib")
  else
    for f in $(python3 tools/skeletons.py files "$lab"); do cp -p "$stage/$f" "$refsrc/$lab/"; done
  fi
done
chmod -R go-rwx "$refsrc"
find "$refsrc" -type d -exec chmod 711 {} +
template="$work/template"
tree="$stage/build"  # where the kit has build/: ccache then serves the objects of the kit's own build
[ -d "$template" ] && mv "$template" "$tree"
# A kept tree of another staging kit (or of a kit that configured the wrong folder) is not reused.
grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$stage" "$tree/CMakeCache.txt" 2>/dev/null || rm -rf "$tree"
# The launcher (ccache) serves the skeleton's build from the kit's own objects; a submission's build
# below runs it with CCACHE_DISABLE=1 (then it only starts the compiler) unless GRADE_ALL_CCACHE.
echo "grade-all: the staging kit (the kit without solutions/ and tools/mutants/) in $stage"
# (progress_build.py configures the folder it runs in: the staging kit's, never this kit's.)
(cd "$stage" && "${build_with[@]}" --tree "$tree" --configure --what "the staging kit's build tree" -- \
  "${GENERATOR[@]}" "${LAUNCHER[@]}" -DKIT_STACK=solutions -DKIT_VARIANTS="student;solution" \
  -DKIT_SHARED_LAB_LIBRARIES=ON -DKIT_SOLUTIONS_DIR="$refsrc" \
  -DKIT_LABS_ONLY="$(python3 tools/kit labs | tr ' ' ';')") || exit 1
student_targets=()
for lab in $labs; do student_targets+=("$lab"); done
# The skeleton's build, once: each submission then recompiles only its own files.
mkdir -p "$work/logs"
CCACHE_BASEDIR="$stage" CCACHE_NOHASHDIR=1 "${build_with[@]}" --tree "$tree" --logs "$work/logs" \
  --what "the skeleton's build (once; each submission then compiles only its own files)" \
  "${earlier[@]}" "${student_targets[@]}"
mv "$tree" "$template"
chmod 700 "$template"

echo "grade-all: the staging kit and the skeleton's build ($((SECONDS - start)) s)"
files=$(python3 tools/skeletons.py files $labs)
echo "submission,score,max" >"$submissions/grades.csv"
: >"$submissions/instructor-notes.txt"
# as_in_kit FILE: FILE with the staging kit's folder (absolute, or as grade.py printed it, relative
# to this kit) left out of its paths, and without grade.py's "wrote .../results.json" line.
as_in_kit() {
  python3 - "$1" "$stage" "$(realpath --relative-to="$kit" "$stage")" <<'PY'
import sys
text = open(sys.argv[1], errors="replace").read()
for folder in sys.argv[2:]:
    text = text.replace(folder + "/", "")
lines = text.splitlines(keepends=True)
sys.stdout.write("".join(line for line in lines if not line.startswith("wrote ") or "results" not in line))
PY
}
index=0
for sub in "$submissions"/*/; do
  name=$(basename "$sub")
  began=$SECONDS
  index=$((index + 1))
  # The skeleton, then the submission's own files over it.
  for f in $files; do cp -p "$kit/$f" "$stage/$f"; done
  for f in $files; do
    from="$sub/$f"
    [ -e "$from" ] || from="$sub/$(basename "$f")"
    if [ -f "$from" ] && [ ! -L "$from" ] && [ "$(stat -c %s "$from")" -le 1048576 ]; then
      cmp -s "$from" "$stage/$f" || cp "$from" "$stage/$f"
    fi
  done
  python3 tools/suspicious.py "$name" "$stage" "$kit" $files >>"$submissions/instructor-notes.txt"
  # A fresh copy of the skeleton's build tree, at the same path (its files name their own paths).
  rm -rf "$tree"
  cp -a "$template" "$tree"
  chmod 755 "$tree"
  mkdir -p "$tree/logs"
  [ -n "$user" ] && chown -R "$user" "$tree"
  cache=(CCACHE_DISABLE=1)
  if [ -n "${GRADE_ALL_CCACHE:-}" ]; then
    mkdir -p "$GRADE_ALL_CCACHE"
    [ -n "$user" ] && chown -R "$user" "$GRADE_ALL_CCACHE"
    cache=(CCACHE_DIR="$GRADE_ALL_CCACHE" CCACHE_BASEDIR="$stage" CCACHE_NOHASHDIR=1)
  fi
  for lab in $labs; do
    echo "grade-all: [$index/$count] $name: building $lab${user:+ (as $user)}"
    timeout 600 "${run_as[@]}" env -u CCACHE_DIR HOME=/nonexistent "${cache[@]}" \
      cmake --build "$tree" -j "$JOBS" --target "$lab" 2>&1 | head -c 1000000 >"$work/$lab.log"
    [ "${PIPESTATUS[0]}" = 0 ] || echo "$lab" >>"$work/not-built"
  done
  # From here on nothing of the submission's user may write the tree its tests run from.
  [ -n "$user" ] && chown -R root: "$tree"
  for lab in $labs; do mv "$work/$lab.log" "$tree/logs/$lab.build.log"; done
  [ -f "$work/not-built" ] && mv "$work/not-built" "$tree/not-built"
  rm -f "$sub/results.json" "$sub/report.txt"
  echo "grade-all: [$index/$count] $name: testing, each test contained${user:+ (as $user)}"
  python3 tools/grade.py --build "$tree" --reference-build "$ref_build" \
    --labs "$(echo $labs | tr ' ' ',')" ${tests:+--tests "$tests"} --jobs "$JOBS" \
    --results "$work/results" 2>&1 | head -c 2000000 >"$work/report.txt"
  # The student's report names the paths of the kit as in the student's own copy (build/tests/...),
  # not the staging kit's temporary folder, and not where the grader wrote its results.
  as_in_kit "$work/report.txt" >"$sub/report.txt"
  if [ -f "$work/results/results.json" ]; then
    as_in_kit "$work/results/results.json" >"$sub/results.json"
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(sys.argv[2]+","+str(r["score"])+","+str(sum(t["max_score"] for t in r["tests"])))' \
      "$sub/results.json" "$name" >>"$submissions/grades.csv"
  else
    echo "$name,0,?" >>"$submissions/grades.csv"
  fi
  rm -rf "$work/results"
  echo "=== $name: $(grep -A 1 '^score' "$sub/report.txt" | tail -n 1 | xargs) ($((SECONDS - began)) s)"
done
echo "wrote $submissions/grades.csv and $submissions/instructor-notes.txt"
