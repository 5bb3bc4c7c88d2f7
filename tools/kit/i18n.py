"""The kit's two languages: English and Simplified Chinese (docs/architecture.md, "Translations").

Which one a command speaks (`make test`, `make grade`, `make hint`):
    KIT_LANG=zh (or zh_CN, zh-CN, ...) -> Chinese; KIT_LANG=en -> English, whatever the locale;
    no KIT_LANG: the locale, as a C program reads it (LC_ALL, then LC_MESSAGES, then LANG), is
    Chinese when it starts with "zh"; anything else is English.

What the commands print in Chinese comes from two places, so that no tool is sprinkled with ifs:
- messages.json beside this file (MESSAGES here): every fixed phrase and heading of the grade
  report and of make hint, by key, in both languages (`text("key", name=...)`).
- each lab's lessons.zh-CN.json: the graded tests' lessons, keyed by the test's name as its
  binary's --kit_manifest prints it, each {"en": the English lesson it translates, "zh": ...}.
  A lesson with no entry, or whose "en" is no longer the test's lesson (the English changed and
  the translation was not brought along), prints in English: never a crash, never a stale
  translation. `python3 tools/zh_sync.py lessons` (make check) fails on both.
"""
from __future__ import annotations

import functools
import json
import os
import pathlib
import re
import textwrap
import unicodedata

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
LESSONS = "lessons.zh-CN.json"
CHAPTER_SUFFIX = ".zh-CN.md"


def language(environ: dict | None = None) -> str:
    """ "zh" or "en" (see the module's doc)."""
    env = os.environ if environ is None else environ
    chosen = env.get("KIT_LANG", "").strip().lower()
    if not chosen:
        chosen = next(
            (env[k] for k in ("LC_ALL", "LC_MESSAGES", "LANG") if env.get(k, "").strip()), ""
        ).lower()
    return "zh" if chosen.startswith("zh") else "en"


def chinese() -> bool:
    return language() == "zh"


# Every phrase, in both languages, lives in messages.json beside this file (a message catalogue is
# data: translators edit it without touching code); {names} are filled in by text().
MESSAGES: dict[str, dict[str, str]] = json.loads(
    (pathlib.Path(__file__).with_name("messages.json")).read_text(encoding="utf-8")
)["messages"]


def text(_key: str, _lang: str | None = None, /, **values) -> str:
    """The phrase `_key` in the current language (or `_lang`), its {names} filled in."""
    return MESSAGES[_key][_lang or language()].format(**values)


@functools.lru_cache(maxsize=None)
def lessons(lab: str) -> dict[str, dict[str, str]]:
    """The lab's table of Chinese lessons ({} when it has none or cannot be read)."""
    try:
        table = json.loads((ROOT / lab / LESSONS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return table if isinstance(table, dict) else {}


def lesson(lab: str, test: str, english: str) -> str:
    """The lesson of graded test `test` ("Suite.Name") as the report prints it: the Chinese one
    when Chinese is wanted and the table's entry translates exactly this English lesson."""
    if not english or not chinese():
        return english
    entry = lessons(lab).get(test)
    if isinstance(entry, dict) and entry.get("en") == english and entry.get("zh"):
        return entry["zh"]
    return english


def translation(english: pathlib.Path) -> pathlib.Path:
    """Where the translation of an English page sits: README.md -> README.zh-CN.md beside it."""
    return english.with_name(english.name[: -len(".md")] + CHAPTER_SUFFIX)


def chapter(folder: pathlib.Path, name: str = "README.md") -> pathlib.Path:
    """A chapter in the current language: its README.zh-CN.md when Chinese is wanted and there is
    one, else the English page."""
    if chinese():
        translated = translation(folder / name)
        if translated.exists():
            return translated
    return folder / name


# --- lines of Chinese ----------------------------------------------------------------------------

_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f\u201c\u201d"
# A token is one CJK character, or a run of anything else with the spaces after it.
_TOKEN = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+\s*|\s+")
_NO_LINE_START = set("，。：；、）」』”！？》")
_NO_LINE_END = set("（「『“《")  # an opening bracket or quote stays with what it opens


def columns(text: str) -> int:
    """The columns a terminal gives `text`: two for a CJK character or full-width punctuation."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, width: int, indent: str = "", subsequent: str | None = None) -> list[str]:
    """textwrap.wrap for text that may be Chinese: a line may break between two CJK characters
    (Chinese has no spaces), never inside a Latin word or a code name, never before a full-width
    comma or full stop, never after an opening bracket; widths count a CJK character as two columns.
    """
    subsequent = indent if subsequent is None else subsequent
    lines: list[str] = []
    line, used = indent, columns(indent)
    for token in _TOKEN.findall(" ".join(text.split())):
        size = columns(token.rstrip())
        if (
            used + size > width
            and line.strip()
            and token[0] not in _NO_LINE_START
            and line.rstrip()[-1:] not in _NO_LINE_END
        ):
            lines.append(line.rstrip())
            line, used = subsequent, columns(subsequent)
            token = token.lstrip()
            if not token:
                continue
        line += token
        used += columns(token)
    if line.strip():
        lines.append(line.rstrip())
    return lines or [indent]


def wrap_text(text: str, width: int, indent: str = "", subsequent: str | None = None) -> list[str]:
    """`text` wrapped as the current language wants: by wrap() in Chinese (no spaces to break a
    line at), by textwrap.wrap in English."""
    subsequent = indent if subsequent is None else subsequent
    if chinese():
        return wrap(text, width, indent, subsequent)
    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=subsequent)
