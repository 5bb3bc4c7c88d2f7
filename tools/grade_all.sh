#!/usr/bin/env bash
# make grade-all SUBMISSIONS=dir: grade every submission in dir.
#
# Each submission is a folder holding the student's files laid out like the kit
# (lab01_blocking/net.cpp, ...; only the student files listed by `tools/skeletons.py files` are
# taken). Each is graded in its own copy of the kit; results land in
# <submission>/results.json (Gradescope format) and a summary in dir/grades.csv.
set -u
cd "$(dirname "$0")/.."
kit=$(pwd)
submissions=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "submission,score,max" > "$submissions/grades.csv"
for sub in "$submissions"/*/; do
  name=$(basename "$sub")
  tree="$work/$name"
  mkdir -p "$tree"
  tar --exclude='./build*' --exclude=./.git -cf - . | tar -xf - -C "$tree"
  for f in $(python3 tools/skeletons.py files); do
    [ -f "$sub/$f" ] && cp "$sub/$f" "$tree/$f"
  done
  echo "=== $name"
  (cd "$tree" && make --no-print-directory grade BUILD="$work/build-$name" >"$sub/report.txt" 2>&1)
  if [ -f "$work/build-$name/results/results.json" ]; then
    cp "$work/build-$name/results/results.json" "$sub/results.json"
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(sys.argv[2]+","+str(r["score"])+","+str(sum(t["max_score"] for t in r["tests"])))' \
      "$sub/results.json" "$name" >> "$submissions/grades.csv"
  else
    echo "$name,0,?" >> "$submissions/grades.csv"
  fi
  tail -n 3 "$sub/report.txt"
done
echo "wrote $submissions/grades.csv"
