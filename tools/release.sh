#!/usr/bin/env bash
# make release LABS=lab01_blocking,lab02_nonblocking [SOLUTIONS=lab01_blocking] OUT=dir
#
# Writes the student edition of the kit into OUT, a fresh git repository with one commit, ready to
# push where the class clones from:
#   - the labs of LABS (each with every lab it uses: a lab's given code includes their headers);
#   - solutions/ only for the labs of SOLUTIONS (released after their deadline), and the solution
#     walkthrough pages of those labs only (the others' pages say when they come);
#   - for a lab whose solution is not released but that a released lab links (its "uses"): its
#     reference library, compiled here and stripped of debug information, in prebuilt/<lab>/, so
#     that STACK=solutions (the default) still gives the student a working earlier stage
#     (cmake/KitLab.cmake imports it);
#   - none of the instructor's kit: no mutant patches (they quote solution code), no hostile
#     submissions, no CI script, no self-test or batch-grading tools. The Makefile of the edition
#     says so when an instructor command is asked for (.student-edition marks the tree).
# The Gradescope zip (make gradescope) is built from the instructor's kit instead: it keeps the
# solutions out of the students' reach by moving them to a root-only folder at setup.
set -euo pipefail
cd "$(dirname "$0")/.."
labs_arg=${1:-}
solutions_arg=${2:-}
out=${3:-}
usage="usage: make release LABS=lab01_blocking,... [SOLUTIONS=lab01_blocking,...] OUT=dir"
[ -n "$labs_arg" ] && [ -n "$out" ] || { echo "$usage" >&2; exit 2; }
all_labs=" $(python3 tools/kit labs) "
IFS=, read -r -a labs <<<"$labs_arg"
IFS=, read -r -a solutions <<<"$solutions_arg"
for lab in "${labs[@]}" "${solutions[@]}"; do
  [[ "$all_labs" == *" $lab "* ]] || { echo "release: no lab '$lab' (the labs:$all_labs)" >&2; exit 2; }
done
released=" ${labs[*]} "
solved=" ${solutions[*]:-} "
uses() { python3 -c 'import json, sys; print(" ".join(json.load(open(sys.argv[1] + "/lab.json")).get("uses", [])))' "$1"; }
for lab in "${solutions[@]}"; do
  [[ "$released" == *" $lab "* ]] || { echo "release: SOLUTIONS names $lab, which LABS does not release" >&2; exit 2; }
done
prebuilt=()
for lab in "${labs[@]}"; do
  for used in $(uses "$lab"); do
    [[ "$released" == *" $used "* ]] ||
      { echo "release: $lab uses $used (its headers and library): release $used too" >&2; exit 2; }
    if [[ "$solved" != *" $used "* ]] && [[ " ${prebuilt[*]:-} " != *" $used "* ]]; then prebuilt+=("$used"); fi
  done
done
if [ -e "$out" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
  echo "release: $out exists and is not empty: choose a new folder" >&2
  exit 2
fi
git diff --quiet HEAD -- . 2>/dev/null || echo "release: note: uncommitted changes are not released (it ships HEAD)"

# 1. The edition's files: HEAD, minus what students must not have.
mkdir -p "$out"
out=$(cd "$out" && pwd)
git archive HEAD | tar -x -C "$out"
for lab in $all_labs; do
  if [[ "$released" != *" $lab "* ]]; then rm -rf "${out:?}/$lab"; fi
  if [[ "$solved" != *" $lab "* ]]; then
    rm -rf "${out:?}/solutions/$lab"
    # Its solution walkthrough quotes the reference: the page stays (chapters link to it), empty.
    page=$out/docs/walkthroughs/${lab:0:5}.md
    if [ -f "$page" ]; then
      title=$(head -n 1 "$page")
      printf '%s\n\nThis walkthrough of the reference solution is released after the lab'"'"'s deadline:\nyour instructor adds it to the kit then.\n' "$title" >"$page"
    fi
  fi
done
mkdir -p "$out/solutions"  # the docs' EXAMPLE_PATH names it, even with no solution released yet
printf 'Reference solutions of the labs whose deadline has passed: %s.\n' "${solutions[*]:-none yet}" \
  >"$out/solutions/README.md"
rm -rf "$out/tools/mutants" "$out/tools/hostile" "$out/.ci"
for tool in check.sh grade_all.sh gradescope.sh gradescope_e2e.sh mutants.py hostile.py suspicious.py release.sh \
  release_check.sh busy_machine_check.sh fresh_machine_check.sh test_loop.py mistake_catalogue.py; do
  rm -f "$out/tools/$tool"
done
echo "student edition of epoll-chat-labs: labs ${labs[*]}; solutions: ${solutions[*]:-none}" >"$out/.student-edition"
# The README is the student's: the released labs only, none of the instructor's sections or
# commands, and no `make demo` before lab05 (the demo is lab05's chat room). Its Chinese
# translation loses the same sections: its headings correspond one to one with the English ones.
python3 - "$out/README.md" "$out/README.zh-CN.md" "${labs[*]}" "${solutions[*]:-none}" <<'PY'
import os
import re
import sys

english, chinese, labs, solutions = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4]
instructor = ("make check", "make fresh-check", "grade-all", "gradescope", "make release",
              "make mutants", "make skeletons", "busy-check", "make bench", "make format")
dropped_titles = ("## How an instructor works", "## Timings", "## Layout")


def sections(text):
    return re.split(r"(?m)^(?=## )", text)


# Which sections go, by position: the same positions in both languages.
dropped = {i for i, section in enumerate(sections(open(english).read()))
           if section.splitlines()[:1] and section.splitlines()[0] in dropped_titles}
banners = {
    english: f"> **Student edition**: labs {', '.join(labs)}; solutions released: {solutions}. Your\n"
    "> instructor adds the next labs and the solutions of past deadlines as the course goes on.\n\n",
    chinese: f"> <b>学生版</b>：实验 {'、'.join(labs)}；已发布的参考答案：{'暂无' if solutions == 'none' else '、'.join(solutions.split())}。"
    "随着课程进行，你的老师会加入后面的实验和已过截止时间的参考答案。\n\n",
}
for path in (english, chinese):
    if not os.path.exists(path):
        continue
    kept = []
    for index, section in enumerate(sections(open(path).read())):
        if index in dropped:
            continue
        lines = []
        for line in section.splitlines():
            row = re.match(r"\| \[(lab0\d_\w+)\]", line)
            if row and row.group(1) not in labs:
                continue  # a lab this edition does not have yet
            if line.startswith("|") and any(command in line for command in instructor):
                continue
            if line.startswith("make demo") and "lab05_full_chat" not in labs:
                continue
            lines.append(line)
        kept.append("\n".join(lines) + "\n")
    # The sentences on proving the quick start on a fresh machine and on make check: instructor's.
    text = re.sub(r" ?`make fresh-check` [^|]*?(self-test\.|自检。)", "", "".join(kept), flags=re.S)
    title, rest = text.split("\n", 1)
    open(path, "w").write(title + "\n\n" + banners[path] + rest.lstrip("\n"))
PY

# 2. The reference libraries of earlier labs whose solutions stay private, compiled here.
if [ "${#prebuilt[@]}" -gt 0 ]; then
  tree=$(mktemp -d)
  trap 'rm -rf "$tree"' EXIT
  only=()
  for lab in "${prebuilt[@]}"; do only+=("$lab" $(uses "$lab")); done
  echo "release: compiling the reference libraries of ${prebuilt[*]} (their solutions stay here)"
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S . -B "$tree" "${generator[@]}" "${launcher[@]}" -DKIT_VARIANTS=solution \
    -DKIT_LABS_ONLY="$(printf '%s;' "${only[@]}")" >/dev/null
  targets=()
  for lab in "${prebuilt[@]}"; do targets+=("ref-$lab-lib"); done
  cmake --build "$tree" -j "$(nproc)" --target "${targets[@]}" >"$tree/build.log" 2>&1 ||
    { tail -n 30 "$tree/build.log" >&2; echo "release: the reference libraries did not build" >&2; exit 1; }
  for lab in "${prebuilt[@]}"; do
    mkdir -p "$out/prebuilt/$lab"
    objcopy --strip-debug "$tree/libref-$lab-lib.a" "$out/prebuilt/$lab/libref-$lab-lib.a"
  done
fi

# 3. A repository of its own: one commit, no history of the instructor's kit.
(
  cd "$out"
  git init -q
  git add -A
  git -c user.name="epoll-chat-labs release" -c user.email=release@localhost \
    commit -q -m "epoll-chat-labs, student edition: ${labs[*]} (solutions: ${solutions[*]:-none})"
)
echo "wrote the student edition to $out"
echo "  labs: ${labs[*]}"
echo "  solutions: ${solutions[*]:-none}"
[ "${#prebuilt[@]}" -gt 0 ] && echo "  prebuilt reference libraries: ${prebuilt[*]}"
echo "  next: push it where your class clones from; release a solution later with SOLUTIONS=... into a new folder"
