#!/usr/bin/env bash
# The Gradescope autograder end to end, as Gradescope runs it (the lead runs it once per change of
# the grader; minutes, so not a step of make check):
#
#   tools/gradescope_e2e.sh [LAB]      (as root; LAB defaults to lab01_blocking)
#
# 1. builds the zip (tools/gradescope.sh, make gradescope LAB=...);
# 2. unpacks it into a scratch /autograder (source/, submission/, results/), mounted on /autograder
#    in a mount namespace of this script's own (the machine's /autograder, if any, is untouched);
# 3. runs its setup.sh as root in a clean environment (env -i: no variable of this shell), as
#    Gradescope builds the image: it must create kitgrader and build the reference by itself;
# 4. runs run_autograder, each time in a clean environment, for four submissions of LAB: the reference
#    solution (the full score), the untouched skeleton (0), issue 17's twelve-line cheat and a
#    forged-record cheat (tools/hostile/: 0 on every point they did not earn);
# 5. checks each results.json as Gradescope reads it: "score" a number, "tests" a list of objects
#    with "name", "score", "max_score" and "output", every output at most OUTPUT_MAX characters
#    and the whole file at most FILE_MAX bytes; the score is the sum of the tests' scores.
#
# It prints one line per run and exits 1 if any check fails. Gradescope's base image for the zip:
# Ubuntu 22.04 (g++ 11); this script runs it on the machine it is on (Debian 12 here).
set -uo pipefail
cd "$(dirname "$0")/.."
kit=$(pwd)
lab=${1:-lab01_blocking}
OUTPUT_MAX=9000  # run_autograder keeps 6000 + 2000 characters of a test's output, plus its note
FILE_MAX=$((1 << 20))
[ "$(id -u)" = 0 ] || { echo "gradescope-e2e: run it as root (Gradescope runs setup.sh and run_autograder so)"; exit 2; }

scratch=$(mktemp -d /tmp/kit-gradescope-e2e.XXXXXX)
chmod 755 "$scratch"
trap 'rm -rf "$scratch"' EXIT
start=$SECONDS
echo "gradescope-e2e: building the zip (make gradescope LAB=$lab)"
bash tools/gradescope.sh build "$lab" | sed 's/^/  /' || exit 1
mkdir -p "$scratch/autograder/source" "$scratch/autograder/submission" "$scratch/autograder/results"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
  build/gradescope/autograder.zip "$scratch/autograder/source"
chmod +x "$scratch/autograder/source/setup.sh" "$scratch/autograder/source/run_autograder"

# The four submissions, flat (as a student uploads the lab's files).
files=$(python3 tools/skeletons.py files "$lab")
for kind in reference skeleton twelve-line-cheat forged-record; do
  mkdir -p "$scratch/submissions/$kind"
  for f in $files; do
    if [ "$kind" = reference ]; then cp "solutions/$f" "$scratch/submissions/$kind/"; else cp "$f" "$scratch/submissions/$kind/"; fi
  done
done
net=$scratch/submissions
cat tools/hostile/static-init-exit/net.cpp.append >>"$net/twelve-line-cheat/net.cpp"
cat tools/hostile/forged-record/net.cpp.append >>"$net/forged-record/net.cpp"
[ "$lab" = lab01_blocking ] || echo "gradescope-e2e: the cheats are lab01's (net.cpp): graded as $lab's files they only add code"

# Everything below runs in a mount namespace of its own: /autograder is the scratch folder there.
mkdir -p /autograder 2>/dev/null
made_root=$([ -z "$(ls -A /autograder 2>/dev/null)" ] && echo yes)
unshare --mount --propagation private bash -s "$scratch" "$lab" "$OUTPUT_MAX" "$FILE_MAX" <<'INSIDE'
set -uo pipefail
scratch=$1 lab=$2 output_max=$3 file_max=$4
mount --bind "$scratch/autograder" /autograder || exit 1
clean=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8)
began=$SECONDS
echo "gradescope-e2e: setup.sh, as root in a clean environment"
"${clean[@]}" bash /autograder/source/setup.sh >"$scratch/setup.log" 2>&1 || {
  echo "  setup.sh failed:"; tail -n 20 "$scratch/setup.log"; exit 1; }
id kitgrader >/dev/null || { echo "  setup.sh did not create kitgrader"; exit 1; }
[ -d /autograder/source/kit/solutions ] && { echo "  the solutions are still in the kit"; exit 1; }
echo "  ok ($((SECONDS - began)) s): kitgrader exists, the solutions are in /autograder/private (mode $(stat -c %a /autograder/private))"
failed=0
for kind in reference skeleton twelve-line-cheat forged-record; do
  began=$SECONDS
  rm -rf /autograder/submission/* /autograder/results/*
  cp "$scratch/submissions/$kind"/* /autograder/submission/
  "${clean[@]}" /autograder/source/run_autograder >"$scratch/$kind.log" 2>&1
  verdict=$(python3 - "$kind" "$output_max" "$file_max" <<'CHECK'
import json, os, sys
kind, output_max, file_max = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
path = "/autograder/results/results.json"
problems = []
try:
    size = os.path.getsize(path)
    results = json.load(open(path))
except (OSError, ValueError) as error:
    print(f"FAIL no readable results.json ({error})")
    sys.exit()
score, tests = results.get("score"), results.get("tests")
if not isinstance(score, (int, float)):
    problems.append("score is not a number")
if not isinstance(tests, list) or not tests:
    problems.append("no tests[]")
    tests = []
for test in tests:
    for key in ("name", "score", "max_score", "output"):
        if key not in test:
            problems.append(f"a test without {key}")
    if len(test.get("output", "")) > output_max:
        problems.append(f"{test.get('name')}: output of {len(test['output'])} characters")
if size > file_max:
    problems.append(f"results.json has {size} bytes")
full = sum(t.get("max_score", 0) for t in tests)
if abs(sum(t.get("score", 0) for t in tests) - (score or 0)) > 1e-9:
    problems.append("score is not the sum of the tests' scores")
want = full if kind == "reference" else 0
if score != want:
    problems.append(f"scored {score}, expected {want}")
words = {
    "twelve-line-cheat": "ended the test process early",
    "forged-record": "tampered with the test record",
}.get(kind)
if words and not any(words in t.get("output", "") for t in tests):
    problems.append(f"no test says '{words}'")
line = f"{score}/{full}, {len(tests)} tests, results.json {size} bytes, longest output "
line += f"{max((len(t.get('output', '')) for t in tests), default=0)} characters"
print(("FAIL " + "; ".join(problems) + " — " if problems else "ok   ") + line)
CHECK
)
  printf '  %-18s %s (%s s)\n' "$kind" "$verdict" "$((SECONDS - began))"
  case "$verdict" in FAIL*) failed=1; tail -n 15 "$scratch/$kind.log" | sed 's/^/    | /' ;; esac
done
exit $failed
INSIDE
status=$?
[ "$made_root" = yes ] && rmdir /autograder 2>/dev/null
echo "gradescope-e2e: $([ $status = 0 ] && echo passed || echo FAILED) ($((SECONDS - start)) s)"
exit $status
