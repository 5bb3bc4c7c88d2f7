#!/usr/bin/env bash
# make gradescope [LAB=...]: build the Gradescope autograder zip, build/gradescope/autograder.zip.
#
# The zip holds the kit (every committed file) plus Gradescope's two entry points:
#   setup.sh        run once when the autograder image is built: installs the OS packages
#   run_autograder  run per submission: copies the student's files over the skeletons, runs
#                   `make grade`, and puts results.json where Gradescope reads it
# Students submit their lab files (net.cpp, echo.cpp, ...) either flat or in their lab folders.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
labs=${2:-}
out="$build/gradescope"
rm -rf "$out"
mkdir -p "$out/zip/kit"
git archive HEAD | tar -x -C "$out/zip/kit"
cat > "$out/zip/setup.sh" <<'SETUP'
#!/usr/bin/env bash
set -euo pipefail
bash /autograder/source/kit/tools/setup.sh
SETUP
cat > "$out/zip/run_autograder" <<RUN
#!/usr/bin/env bash
# Gradescope runs this for each submission.
set -uo pipefail
kit=/autograder/source/kit
labs="$labs"
cd "\$kit"
for file in \$(python3 tools/skeletons.py files \$labs); do
  name=\$(basename "\$file")
  if [ -f "/autograder/submission/\$file" ]; then
    cp "/autograder/submission/\$file" "\$file"
  elif [ -f "/autograder/submission/\$name" ] && [ -n "\$labs" ]; then
    cp "/autograder/submission/\$name" "\$file"
  fi
done
make --no-print-directory grade \${labs:+LAB=\$labs} BUILD=/autograder/build || true
mkdir -p /autograder/results
cp /autograder/build/results/results.json /autograder/results/results.json
RUN
chmod +x "$out/zip/setup.sh" "$out/zip/run_autograder"
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
