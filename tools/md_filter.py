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
- The two editions (docs/architecture.md, "Translations"): the English pages are in html/, their
  translations (*.zh-CN.md, docs/Doxyfile.zh) in html/zh/. A page's language switch
  (`**English** · [中文](README.zh-CN.md)`, `[English](README.md) · **中文**`) becomes a link to
  the same page in the other edition, by the name Doxygen gives its HTML file (html_name). In a
  translation, a link to a page the Chinese edition does not have (a walkthrough, an English page
  not translated yet) becomes a link to that page in the English edition.
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


TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ZH = ".zh-CN.md"
# The pages of both editions (docs/Doxyfile.zh): the glossary is bilingual.
SHARED = ("docs/glossary.md",)
MAIN_PAGES = ("docs/mainpage.md", "docs/mainpage" + ZH)
SWITCH_EN = re.compile(r"^\*\*English\*\* · \[中文\]\(([^()\s]+)\)\s*$", re.M)
SWITCH_ZH = re.compile(r"^\[English\]\(([^()\s]+)\) · \*\*中文\*\*\s*$", re.M)
TITLE_LABEL = re.compile(r"\{#([\w-]+)\}\s*$")


def html_name(path):
    """The HTML file Doxygen 1.9 writes for the Markdown page at `path`, in its edition's folder:
    index.html for the main page (USE_MDFILE_AS_MAINPAGE), LABEL.html for a page whose title has
    an explicit {#LABEL}, else "md_" and the page's path from the top without its last extension,
    every character but a letter, a digit or '_' written '_' (docs/protocol.md: md_docs_protocol,
    lab01_blocking/README.zh-CN.md: md_lab01_blocking_README_zh_CN). tools/check_docs.py checks
    every link this makes."""
    rel = os.path.relpath(os.path.abspath(path), TOP).replace(os.sep, "/")
    if rel in MAIN_PAGES:
        return "index.html"
    with open(path, encoding="utf-8") as f:
        label = TITLE_LABEL.search(f.readline())
    if label:
        return label.group(1) + ".html"
    return "md_" + re.sub(r"[^A-Za-z0-9_]", "_", rel[: -len(".md")]) + ".html"


def edition_links(text, path):
    """The language switch as a link to the other edition; in a translation, links to pages the
    Chinese edition does not have as links to the English edition."""
    here = os.path.dirname(os.path.abspath(path))
    rel = os.path.relpath(os.path.abspath(path), TOP).replace(os.sep, "/")
    chinese = rel.endswith(ZH)

    def switch_en(match):
        target = os.path.join(here, match.group(1))
        if not os.path.exists(target):
            return "**English**"
        return f'**English** · <a href="zh/{html_name(target)}">中文</a>'

    def switch_zh(match):
        target = os.path.join(here, match.group(1))
        return f'<a href="../{html_name(target)}">English</a> · **中文**'

    text = SWITCH_EN.sub(switch_en, text, count=1)
    if not chinese:
        return text
    text = SWITCH_ZH.sub(switch_zh, text, count=1)
    # The autograder's reference is the English edition's (html/autograder/).
    text = text.replace('href="autograder/', 'href="../autograder/')

    def to_english(match):
        label, target = match.group(1), match.group(2)
        file, _, anchor = target.partition("#")
        full = os.path.normpath(os.path.join(here, file))
        if not file.endswith(".md") or "://" in file:
            return match.group(0)
        shared = os.path.relpath(full, TOP).replace(os.sep, "/") in SHARED
        if (file.endswith(ZH) and os.path.exists(full)) or shared:
            return match.group(0)
        if file.endswith(ZH):
            full = full[: -len(ZH)] + ".md"
        if not os.path.exists(full):
            return match.group(0)
        href = "../" + html_name(full) + ("#" + anchor if anchor else "")
        return f'<a href="{href}">{label}</a>'

    return re.sub(r"(?<!!)\[([^\]]+)\]\(([^()\s]+)\)", to_english, text)


def filter_page(path):
    """The page at `path` as Doxygen should read it."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    here = os.path.dirname(os.path.abspath(path))
    text = edition_links(text, path)

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
        for path in argv[2:]:
            target = os.path.join(argv[1], os.path.relpath(os.path.abspath(path), TOP))
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
