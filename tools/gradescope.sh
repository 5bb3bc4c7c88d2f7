#!/usr/bin/env bash
# make gradescope [LAB=...]: build the Gradescope autograder zip, build/gradescope/autograder.zip.
#
# The zip holds the kit (every committed file but tools/mutants/, whose patches quote solution
# code, and the hostile suite) and Gradescope's two entry points:
#   setup.sh        run once, as root, when the autograder image is built (no student code exists
#                   yet): installs the OS packages, creates the unprivileged user kitgrader, moves
#                   solutions/ to /autograder/private (root only), builds the reference there
#                   (/autograder/private/build: which graded tests exist, their points; the earlier
#                   labs' reference libraries) and makes the rest of the kit read-only
#   run_autograder  run per submission: grades it with tools/grade_all.sh, as a class of one: the
#                   submission is compiled and tested as kitgrader in a staging copy of the kit
#                   without solutions, each test contained (tools/kit/sandbox.py), and the grader
#                   (root) writes results.json where Gradescope reads it
# Students submit their lab files (net.cpp, echo.cpp, ...) either flat or in their lab folders.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
labs=${2:-}
out="$build/gradescope"
rm -rf "$out"
mkdir -p "$out/zip/kit"
echo "gradescope: copying the kit as committed (git archive HEAD), without tools/mutants/ (its patches"
echo "            quote solution code) and the hostile suite"
git archive HEAD | tar -x -C "$out/zip/kit"
rm -rf "$out/zip/kit/tools/mutants" "$out/zip/kit/tools/hostile"
echo "gradescope: writing setup.sh and run_autograder${labs:+ (graded labs: $labs)}"
cat >"$out/zip/setup.sh" <<'SETUP'
#!/usr/bin/env bash
set -euo pipefail
kit=/autograder/source/kit
private=/autograder/private
bash "$kit/tools/setup.sh"
id kitgrader >/dev/null 2>&1 ||
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin kitgrader
mkdir -p "$private"
chmod 700 "$private"
mv "$kit/solutions" "$private/solutions"
cd "$kit"
cmake -S . -B "$private/build" -DKIT_STACK=solutions -DKIT_SOLUTIONS_DIR="$private/solutions" >/dev/null
# The graded labs' reference (which tests exist, their points); every lab when the zip names none.
labs="$(cat "$kit/../graded-labs")"
targets=()
for lab in ${labs:-$(python3 tools/kit labs)}; do targets+=("ref-$lab"); done
cmake --build "$private/build" -j "$(nproc)" --target "${targets[@]}"
chown -R root: /autograder/source
chmod -R go-w /autograder/source
SETUP
cat >"$out/zip/run_autograder" <<RUN
#!/usr/bin/env bash
# Gradescope runs this for each submission, as root.
set -uo pipefail
kit=/autograder/source/kit
labs="$labs"
work=/autograder/work
rm -rf "\$work"
mkdir -p "\$work/submissions/submission" /autograder/results
chmod 700 "\$work"
cp -r /autograder/submission/. "\$work/submissions/submission/"
cd "\$kit"
BUILD=/autograder/private/build KIT_SOLUTIONS=/autograder/private/solutions \\
  bash tools/grade_all.sh "\$work/submissions" "\$labs" "" >"\$work/batch.log" 2>&1
if [ -f "\$work/submissions/submission/results.json" ]; then
  # What Gradescope shows: each failing test's output bounded (its head and its tail; the grader's
  # own note comes first), and the student's report above the tests.
  python3 - "\$work/submissions/submission" >/autograder/results/results.json <<'BOUND'
import json, pathlib, sys
folder = pathlib.Path(sys.argv[1])
results = json.loads((folder / "results.json").read_text())
HEAD, TAIL = 6000, 2000
for test in results.get("tests", []):
    text = test.get("output", "")
    if len(text) > HEAD + TAIL:
        test["output"] = text[:HEAD] + f"\n(… {len(text) - HEAD - TAIL} characters left out …)\n" + text[-TAIL:]
report = (folder / "report.txt").read_text(errors="replace") if (folder / "report.txt").exists() else ""
results["output"] = report[:20000] + ("\n(… the rest of the report left out …)" if len(report) > 20000 else "")
print(json.dumps(results, indent=1))
BOUND
else
  python3 -c 'import json; print(json.dumps({"score": 0, "output": "the autograder failed: tell your instructor"}))' \\
    >/autograder/results/results.json
fi
# For the instructor only (Gradescope shows stdout to instructors): the suspicious-code notes.
cat "\$work/submissions/instructor-notes.txt" 2>/dev/null
RUN
echo "${labs//,/ }" >"$out/zip/graded-labs"
chmod +x "$out/zip/setup.sh" "$out/zip/run_autograder"
echo "gradescope: zipping $(find "$out/zip" -type f | wc -l) files"
(cd "$out/zip" && python3 -c '
import os, zipfile
with zipfile.ZipFile("../autograder.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for root, _, files in os.walk("."):
        for f in files:
            path = os.path.join(root, f)
            info = zipfile.ZipInfo.from_file(path, os.path.relpath(path, "."))
            with open(path, "rb") as data:
                z.writestr(info, data.read(), zipfile.ZIP_DEFLATED)
')
echo "wrote $out/autograder.zip ($(du -h "$out/autograder.zip" | cut -f1)): upload it as a Gradescope autograder"
${labs:+echo "  graded labs: $labs"}
