#!/usr/bin/env bash
# The `release` step of make check: proves that a student edition (tools/release.sh) ships no
# unreleased solution and still works.
#   1. Release lab01 and lab02 with no solution: lab01's reference goes out compiled (prebuilt/).
#   2. No line of an unreleased solution region (solutions/<lab>/*, between BEGIN and END SOLUTION)
#      appears anywhere in the edition, and no instructor tool (mutants, hostile suite, CI) is in it.
#   3. In the edition, lab02 built as a student would (STACK=solutions: it links lab01's prebuilt
#      reference), with the reference lab02 files dropped into the lab folder, passes every test;
#      instructor commands refuse with a clear message.
# Run from the instructor's kit, after the main build (ccache serves most objects).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
edition=$work/edition
bash tools/release.sh lab01_blocking,lab02_nonblocking "" "$edition" | sed 's/^/  /'

status=0
# 2. Every non-trivial line of a solution region of the unreleased labs, searched for verbatim.
python3 - "$edition" <<'EOF' || status=1
import pathlib
import re
import subprocess
import sys

edition = pathlib.Path(sys.argv[1])
needles = set()
for lab in ("lab01_blocking", "lab02_nonblocking"):
    for path in sorted(pathlib.Path("solutions", lab).iterdir()):
        inside = False
        for line in path.read_text().splitlines():
            if re.match(r"\s*// BEGIN SOLUTION", line):
                inside = True
            elif re.match(r"\s*// END SOLUTION", line):
                inside = False
            elif inside and not line.strip().startswith("//") and len(line.strip()) >= 25:
                needles.add(line.strip())
found = []
for needle in sorted(needles):
    hit = subprocess.run(["grep", "-rlF", "--exclude-dir=.git", needle, str(edition)],
                         capture_output=True, text=True).stdout.split()
    found += [f"{path}: {needle}" for path in hit]
for tool in ("tools/mutants", "tools/hostile", ".ci", "tools/check.sh", "tools/grade_all.sh", "solutions"):
    if (edition / tool).exists():
        found.append(f"{tool}: an instructor's file in the student edition")
if found:
    print("release: the student edition leaks:\n  " + "\n  ".join(found))
    sys.exit(1)
print(f"release: none of {len(needles)} solution lines of lab01 and lab02 is in the edition")
EOF

# 3. The edition at work: lab02 on lab01's prebuilt reference, with the reference lab02 files.
for f in $(python3 tools/skeletons.py files lab02_nonblocking); do cp "solutions/$f" "$edition/$f"; done
(
  cd "$edition"
  export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S . -B build "${generator[@]}" "${launcher[@]}" -DKIT_STACK=solutions >/dev/null
  grep -q "prebuilt/lab01_blocking/libref-lab01_blocking-lib.a" build/build.ninja ||
    { echo "release: lab02 of the edition does not link lab01's prebuilt reference"; exit 1; }
  cmake --build build -j "${JOBS:-2}" --target lab02_nonblocking >build/build.log 2>&1 ||
    { tail -n 20 build/build.log; echo "release: lab02 does not build in the edition"; exit 1; }
  python3 tools/grade.py --build build --labs lab02_nonblocking --plain-only --quiet --expect all-pass
  if make check >/dev/null 2>&1; then echo "release: make check ran in a student edition"; exit 1; fi
  echo "release: lab02 passes in the edition on lab01's prebuilt reference; make check refuses there"
) || status=1
exit $status
