#!/usr/bin/env bash
# The `release` step of make check: proves that a student edition (tools/release.sh) ships no
# unreleased solution and still works.
#   1. Release lab01 and lab02 with no solution: lab01's reference goes out compiled (prebuilt/).
#   2. No run of three code lines of an unreleased solution region (solutions/<lab>/*, between
#      BEGIN and END SOLUTION) appears in any file of the edition, whitespace aside, and no
#      instructor tool (mutants, hostile suite, CI, batch grading) is in it, nor an instructor's
#      command or an unreleased lab in its README, English or Chinese.
#   3. In the edition, lab02 built as a student would (STACK=solutions: it links lab01's prebuilt
#      reference), with the reference lab02 files dropped into the lab folder, passes every test;
#      the edition's walkthrough builds (make docs: zero warnings, links checked); instructor
#      commands refuse there with a clear message.
# Run from the instructor's kit, after the main build (ccache serves most objects).
set -euo pipefail
cd "$(dirname "$0")/.."
kit=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" # as root, tests run as the unprivileged kitgrader: it must reach the edition
edition=$work/edition
bash tools/release.sh lab01_blocking,lab02_nonblocking "" "$edition" | sed 's/^/  /'

status=0
# 2. One line alone may be an idiom that tests and chapters share (`if (err == EINTR) continue;`);
# three in a row are the solution's code.
python3 - "$edition" <<'PY' || status=1
import pathlib
import re
import sys

edition = pathlib.Path(sys.argv[1])
windows = set()
for lab in ("lab01_blocking", "lab02_nonblocking"):
    for path in sorted(pathlib.Path("solutions", lab).iterdir()):
        region, inside = [], False
        for line in path.read_text().splitlines() + ["// BEGIN SOLUTION"]:
            if re.match(r"\s*// (BEGIN|END) SOLUTION", line):
                windows.update(
                    "\n".join(region[i : i + 3])
                    for i in range(len(region) - 2)
                    if sum(map(len, region[i : i + 3])) >= 60
                )
                region, inside = [], "BEGIN" in line
            elif inside and line.strip() and not line.strip().startswith("//"):
                region.append(line.strip())
found = []
for path in edition.rglob("*"):
    if ".git" in path.parts or not path.is_file():
        continue
    try:
        text = "\n".join(line.strip() for line in path.read_text().splitlines())
    except UnicodeDecodeError:
        continue  # the prebuilt archive: compiled code, no source text
    found += [f"{path.relative_to(edition)}: {w.splitlines()[0]} ..." for w in windows if w in text]
instructor = ("tools/mutants", "tools/hostile", ".ci", "tools/check.sh", "tools/grade_all.sh")
instructor += ("solutions/lab01_blocking", "solutions/lab02_nonblocking")
found += [f"{t}: an instructor's file in the student edition" for t in instructor if (edition / t).exists()]
for readme in ("README.md", "README.zh-CN.md"):  # the student's README, in both languages
    text = (edition / readme).read_text()
    found += [f"{readme}: names {c}" for c in ("make grade-all", "make gradescope", "make mutants")
              if c in text]
    found += [f"{readme}: describes {lab}" for lab in ("lab03_epoll_server", "lab05_full_chat")
              if f"[{lab}]" in text]
if found:
    print("release: the student edition leaks:\n  " + "\n  ".join(found))
    sys.exit(1)
print(f"release: none of {len(windows)} three-line runs of lab01's and lab02's solutions is in it")
PY

# 3. The edition at work: lab02 on lab01's prebuilt reference, with the reference lab02 files.
run_edition() {
  local f launcher=() generator=()
  for f in $(python3 tools/skeletons.py files lab02_nonblocking); do cp "$kit/solutions/$f" "$edition/$f"; done
  cd "$edition"
  export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S . -B build "${generator[@]}" "${launcher[@]}" -DKIT_STACK=solutions >/dev/null || return 1
  grep -q "prebuilt/lab01_blocking/libref-lab01_blocking-lib.a" build/build.ninja ||
    { echo "release: lab02 of the edition does not link lab01's prebuilt reference"; return 1; }
  cmake --build build -j "${JOBS:-2}" --target lab02_nonblocking >build/build.log 2>&1 ||
    { tail -n 20 build/build.log; echo "release: lab02 does not build in the edition"; return 1; }
  python3 tools/grade.py --build build --labs lab02_nonblocking --plain-only --quiet --expect all-pass ||
    { echo "release: lab02's reference files do not pass in the edition"; return 1; }
  bash tools/docs.sh build >build/docs.log 2>&1 ||
    { tail -n 5 build/docs.log; echo "release: the edition's walkthrough does not build cleanly"; return 1; }
  if make check >/dev/null 2>&1; then
    echo "release: make check ran in a student edition"
    return 1
  fi
  echo "release: lab02 passes in the edition on lab01's prebuilt reference; its docs build with"
  echo "  zero warnings and no broken link; make check refuses there"
}
# In a subshell of its own (it changes folder). On the left of || bash ignores set -e inside, so
# run_edition checks each step itself.
(run_edition) || status=1
exit $status
