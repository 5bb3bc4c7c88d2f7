#!/usr/bin/env bash
# Build the walkthrough (`make docs`):
#
#   bash tools/docs.sh BUILD_DIR        ->  BUILD_DIR/docs/html/index.html
#
# 1. Renders every docs/diagrams/*.dot to the .svg beside it when the .svg is missing or older.
#    The .svg files are committed, so the chapters show their diagrams on a code host too.
# 2. Runs doxygen with docs/Doxyfile from the top of the kit. Any Doxygen warning fails the build:
#    the warnings are printed, with their count, and the script exits 1.
#
# Doxygen also calls this script as the filter of every Markdown page (FILTER_PATTERNS):
#
#   bash tools/docs.sh --md-filter FILE.md   ->  the page on stdout, adapted for Doxygen
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The Markdown filter. It keeps every line where it is (warnings keep their line numbers) and only
# rewrites links:
# - An image in docs/diagrams, written `![caption](../docs/diagrams/x.svg)` so that it shows on a
#   code host, becomes `![caption](x.svg)`: Doxygen finds x.svg in IMAGE_PATH and copies it next to
#   the HTML. Left with its path, it would be a raw link that breaks inside the build tree.
# - A link to a Markdown file that does not exist yet (a chapter another lab has not written)
#   becomes its text plus "(not written yet)", instead of a Doxygen warning that fails the build.
# - A heading loses its backticks: Doxygen 1.9 shows code spans in headings as literal <tt> tags.
md_filter() {
    python3 - "$1" <<'PY'
import os, re, sys

path = sys.argv[1]
with open(path, encoding="utf-8") as f:
    text = f.read()
here = os.path.dirname(os.path.abspath(path))

text = re.sub(r"(!\[[^\]]*\]\()(?:[^()\s]*/)?diagrams/([^()/\s]+\))", r"\1\2", text)

def missing_page(match):
    label, target = match.group(1), match.group(2)
    file = target.split("#", 1)[0]
    if file.endswith(".md") and "://" not in file and not os.path.exists(os.path.join(here, file)):
        return label + " (not written yet)"
    return match.group(0)

text = re.sub(r"(?<!!)\[([^\]]+)\]\(([^()\s]+)\)", missing_page, text)
lines, fenced = [], False
for line in text.split("\n"):
    if line.lstrip().startswith("```"):
        fenced = not fenced
    elif not fenced and re.match(r"#{1,6} ", line):
        line = line.replace("`", "")
    lines.append(line)
sys.stdout.write("\n".join(lines))
PY
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
warnings="$out/warnings.log"
status=0
doxygen docs/Doxyfile >"$out/doxygen.log" 2>"$warnings" || status=$?

# With WARN_AS_ERROR=FAIL_ON_WARNINGS Doxygen words its warnings "error:"; count both spellings.
count=$(grep -cE ': (warning|error): ' "$warnings" || true)
if [ "$status" -ne 0 ] || [ "$count" -ne 0 ] || [ ! -f "$out/html/index.html" ]; then
    cat "$warnings" >&2
    echo "docs: FAILED: $count Doxygen warning(s) (doxygen exit status $status)." \
        "Fix every one: the docs build allows none." >&2
    exit 1
fi
echo "docs: 0 warnings; open $out/html/index.html"
