#!/usr/bin/env python3
"""The Markdown filter of the walkthrough (tools/docs.sh, docs/Doxyfile FILTER_PATTERNS).

    python3 tools/md_filter.py FILE.md            the page on stdout, adapted for Doxygen
    python3 tools/md_filter.py --into DIR FILE... each page into DIR/<its path from the top>

tools/docs.sh filters every page once, with --into, before Doxygen runs: Doxygen starts its filter
once per page, and one Python start per page costs seconds on a machine where `python3` is a
pyenv shim. The filter Doxygen starts then only copies the filtered page out.

It keeps every line where it is (warnings keep their line numbers) and only rewrites what Doxygen
would show differently from a code host:
- An image in docs/diagrams, written `![caption](../docs/diagrams/x.svg)` so that it shows on a
  code host, becomes `![caption](x.svg)`: Doxygen finds x.svg in IMAGE_PATH and copies it next to
  the HTML. Left with its path, it would be a raw link that breaks inside the build tree.
- A link to a Markdown file that does not exist yet (a chapter another lab has not written)
  becomes its text plus "(not written yet)", instead of a Doxygen warning that fails the build.
- A heading loses its backticks: Doxygen 1.9 shows code spans in headings as literal <tt> tags.
- Outside code, a flag's `--` (--port) would become an en dash ("–port") and `%word` would lose
  its `%`: they become `\\-\\-` and `\\%`. Inside a code span, `%s` would lose its `%` as well: it
  becomes `%%s`. Text in double quotes is left alone, as Doxygen leaves it.
- In a table row, a code span holding `\\|` (a `|` that must not end the cell, as code hosts
  write it) becomes <code>...</code>, where Doxygen drops the backslash as a code host does.
"""

import html
import os
import re
import sys

CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
QUOTED = re.compile(r'("[^"\n]*")')


def prose(part):
    """Escapes `--` and `%` in text outside code; Doxygen leaves text in double quotes alone."""
    pieces = QUOTED.split(part)
    for i in range(0, len(pieces), 2):
        piece = re.sub(r"(?<![\w\\!<-])--(?=[A-Za-z])", r"\\-\\-", pieces[i])
        pieces[i] = re.sub(r"(?<![\w%\\])%(?=[A-Za-z_])", r"\\%", piece)
    return "".join(pieces)


def code(ticks, body, in_table):
    """A code span as Doxygen must read it to show what a code host shows."""
    if in_table and "\\|" in body:
        return "<code>" + prose(html.escape(body, quote=False)) + "</code>"
    pieces = QUOTED.split(body)
    for i in range(0, len(pieces), 2):
        pieces[i] = re.sub(r"%(?=[A-Za-z_])", "%%", pieces[i])
    return ticks + "".join(pieces) + ticks


def paragraph(chunk):
    """Rewrites one run of lines outside fenced code (a code span may cross its lines)."""
    out, at = [], 0
    for m in CODE_SPAN.finditer(chunk):
        out.append(prose(chunk[at : m.start()]))
        row_start = chunk.rfind("\n", 0, m.start()) + 1
        in_table = chunk[row_start:].lstrip().startswith("|")
        out.append(code(m.group(1), m.group(2), in_table))
        at = m.end()
    out.append(prose(chunk[at:]))
    return "".join(out)


def filter_page(path):
    """The page at `path` as Doxygen should read it."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    here = os.path.dirname(os.path.abspath(path))

    text = re.sub(r"(!\[[^\]]*\]\()(?:[^()\s]*/)?diagrams/([^()/\s]+\))", r"\1\2", text)

    def missing_page(match):
        label, target = match.group(1), match.group(2)
        file = target.split("#", 1)[0]
        if (
            file.endswith(".md")
            and "://" not in file
            and not os.path.exists(os.path.join(here, file))
        ):
            return label + " (not written yet)"
        return match.group(0)

    text = re.sub(r"(?<!!)\[([^\]]+)\]\(([^()\s]+)\)", missing_page, text)

    lines, fenced, pending = [], False, []

    def flush():
        if pending:
            lines.extend(paragraph("\n".join(pending)).split("\n"))
            pending.clear()

    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            flush()
            fenced = not fenced
            lines.append(line)
        elif fenced:
            lines.append(line)
        else:
            if re.match(r"#{1,6} ", line):
                line = line.replace("`", "")
            pending.append(line)
            if not line.strip():
                flush()
    flush()
    return "\n".join(lines)


def main(argv):
    if len(argv) >= 2 and argv[0] == "--into":
        top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        for path in argv[2:]:
            target = os.path.join(argv[1], os.path.relpath(os.path.abspath(path), top))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w", encoding="utf-8") as f:
                f.write(filter_page(path))
        return 0
    if len(argv) == 1:
        sys.stdout.write(filter_page(argv[0]))
        return 0
    print("usage: md_filter.py FILE.md | md_filter.py --into DIR FILE.md...", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
