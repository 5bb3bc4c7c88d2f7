#!/usr/bin/env bash
# Build the walkthrough (`make docs`):
#
#   bash tools/docs.sh BUILD_DIR        ->  BUILD_DIR/docs/html/index.html
#
# 1. Renders every docs/diagrams/*.dot to the .svg beside it when the .svg is missing or older.
#    The .svg files are committed, so the chapters show their diagrams on a code host too.
# 2. Runs doxygen with docs/Doxyfile (the walkthrough, English), then side by side
#    docs/Doxyfile.zh (the Chinese edition, in html/zh/: the *.zh-CN.md pages, once
#    docs/mainpage.zh-CN.md exists) and docs/Doxyfile.autograder (testkit's reference, in
#    html/autograder/), from the top of the kit: both link to the walkthrough through its tag
#    file. Any Doxygen warning, in any of the three, fails the build: the warnings are printed,
#    with their count, and the script exits 1.
# 3. Checks the HTML of both editions with tools/check_docs.py: internal links (the language
#    switches between the editions too), reachability, man page links.
#
# Doxygen also calls this script as the filter of every Markdown page (FILTER_PATTERNS):
#
#   bash tools/docs.sh --md-filter FILE.md   ->  the page on stdout, adapted for Doxygen
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The Markdown filter (tools/md_filter.py says what it rewrites). Step 2 filters every page once,
# into $KIT_DOCS_OUT/md/; Doxygen's filter command then only copies the filtered page out. A page
# not filtered in advance is filtered now.
md_filter() {
    local rel=${1#"$root"/}
    if [ -n "${KIT_DOCS_OUT:-}" ] && [ -f "$KIT_DOCS_OUT/md/$rel" ]; then
        cat "$KIT_DOCS_OUT/md/$rel"
    else
        python3 "$root/tools/md_filter.py" "$1"
    fi
}

if [ "${1:-}" = --md-filter ]; then
    [ $# -eq 2 ] || { echo "usage: $0 --md-filter FILE.md" >&2; exit 2; }
    md_filter "$2"
    exit 0
fi

if [ $# -ne 1 ]; then
    echo "usage: $0 BUILD_DIR   (writes BUILD_DIR/docs/html/index.html)" >&2
    exit 2
fi
for tool in doxygen dot python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "docs: '$tool' is not installed: run make setup" >&2
        exit 1
    fi
done
build=$(realpath -m "$1")

cd "$root"

# 1. Diagrams.
shopt -s nullglob
for source in docs/diagrams/*.dot; do
    svg=${source%.dot}.svg
    if [ ! -f "$svg" ] || [ "$source" -nt "$svg" ]; then
        echo "docs: rendering $svg"
        dot -Tsvg "$source" -o "$svg.tmp"
        mv "$svg.tmp" "$svg"
    fi
done

# 2. Doxygen. The lab folders are found here, so a lab added later needs no change to the Doxyfile.
labs=(lab0*_*/)
labs=("${labs[@]%/}")
for lab in "${labs[@]}"; do
    [ -f "$lab/README.md" ] ||
        echo "docs: note: $lab has no README.md yet; links to it show as plain text"
done

out="$build/docs"
mkdir -p "$out"
rm -rf "$out/html"
export KIT_DOCS_OUT="$out"
export KIT_DOCS_LABS="${labs[*]}"
rm -rf "$out/md"
mapfile -t pages < <(find docs "${labs[@]}" testkit -name '*.md' -not -path '*/build*')
python3 tools/md_filter.py --into "$out/md" "${pages[@]}"
warnings="$out/warnings.log"
status=0
# The walkthrough first: it writes the tag file the autograder's reference and the Chinese edition
# link through. Those two then run side by side (each is one process: two cores, two runs).
doxygen docs/Doxyfile >"$out/doxygen.log" 2>"$warnings" || status=$?
zh=0
[ -f docs/mainpage.zh-CN.md ] && zh=1
if [ "$status" -eq 0 ]; then
    zh_status=0
    if [ "$zh" -eq 1 ]; then
        doxygen docs/Doxyfile.zh >"$out/doxygen.zh.log" 2>"$out/warnings.zh.log" &
        zh_pid=$!
    else
        echo "docs: note: no Chinese edition yet (docs/mainpage.zh-CN.md is not written)"
    fi
    doxygen docs/Doxyfile.autograder >>"$out/doxygen.log" 2>>"$warnings" || status=$?
    if [ "$zh" -eq 1 ]; then
        wait "$zh_pid" || zh_status=$?
        cat "$out/warnings.zh.log" >>"$warnings"
        [ "$zh_status" -eq 0 ] || status=$zh_status
    fi
fi

# With WARN_AS_ERROR=FAIL_ON_WARNINGS Doxygen words its warnings "error:"; count both spellings.
count=$(grep -cE ': (warning|error): ' "$warnings" || true)
if [ "$status" -ne 0 ] || [ "$count" -ne 0 ] || [ ! -f "$out/html/index.html" ] ||
    [ ! -f "$out/html/autograder/index.html" ] || { [ "$zh" -eq 1 ] && [ ! -f "$out/html/zh/index.html" ]; }; then
    cat "$warnings" >&2
    echo "docs: FAILED: $count Doxygen warning(s) (doxygen exit status $status)." \
        "Fix every one: the docs build allows none." >&2
    exit 1
fi

# 3. The generated HTML: no broken internal link, every page reachable from index.html, every
#    \man{name,section} well formed (tools/check_docs.py says what it checks).
python3 tools/check_docs.py "$out/html"
if [ "$zh" -eq 1 ]; then
    echo "docs: 0 warnings in both editions; open $out/html/index.html (中文: $out/html/zh/index.html)"
else
    echo "docs: 0 warnings; open $out/html/index.html"
fi
