#!/usr/bin/env python3
"""make hint LAB=... [N=k]: one hint, in steps, for the function of your first failing test.

    hint.py [--store DIR] [--for NAME] LAB [N]   hint N (default 1) for the first failing test
    hint.py --check                              every chapter's hints: well formed, one topic for
                                                 every function with a TODO, no solution given away

The hints live in each chapter's "Hints" section (lab.json's "chapter"), one topic per function
(or a few functions that go together), each a numbered list of steps: 1 is a nudge, the last is
nearly the answer, in words, never the code of the solution:

    ## Hints
    (anything: shown by no command, read in the chapter)
    ### `listen_tcp`, `bound_port`
    1. the nudge ...
    2. ...
       (a step may go on over several lines)
    ### Whatever the test
    - hints for every function (shown under each hint as "more in the chapter")

Which function: the first failing test of the lab's last result (make test and make watch keep it,
tools/progress_store.py): the TODO it waits on, else the function its lesson names first, else the
one its test suite names (ListenTcp -> listen_tcp). Without a result: the chapter's first topic.
--for NAME chooses a topic by the name of one of its functions.

In Chinese (KIT_LANG=zh, or a zh locale: tools/kit/i18n.py) the hints come from the "## 提示"
section of the chapter's translation (README.zh-CN.md), which has the same topics and steps in the
same order (--check compares them), and the lines around them from i18n's message table.
"""
from __future__ import annotations

import argparse
import math
import pathlib
import re
import sys
import time

import progress_store
from kit import i18n
from kit import labs as manifests

ROOT = pathlib.Path(__file__).resolve().parent.parent
_STEP = re.compile(r"^(\d+)\.\s+(.*)$")
_NAMES = re.compile(r"`([^`]+)`")
_FUNCTION = re.compile(r"([A-Za-z_][\w:~]*)\s*\(")
WIDTH = 100


class Topic:
    def __init__(self, title: str):
        self.title = title
        self.names = [n.split("(")[0].strip() for n in _NAMES.findall(title)]
        self.steps: list[str] = []

    @property
    def label(self) -> str:
        return ", ".join(self.names) or self.title


HEADINGS = {"en": "## hints", "zh": "## 提示"}


def topics(
    lab: manifests.Lab, chapter: pathlib.Path | None = None
) -> tuple[list[Topic], list[str]]:
    """The chapter's hint topics, in order, and the problems of their form (`chapter`: the
    English one by default, or its translation, whose hints are under "## 提示")."""
    chapter = chapter or lab.folder / lab.chapter
    heading = HEADINGS["zh" if chapter.name.endswith(i18n.CHAPTER_SUFFIX) else "en"]
    lines = chapter.read_text().splitlines() if chapter.exists() else []
    found: list[Topic] = []
    problems = []
    inside = False
    current: Topic | None = None
    for number, line in enumerate(lines, 1):
        if line.startswith("## "):
            inside = line.strip().lower() == heading
            current = None
            continue
        if not inside:
            continue
        if line.startswith("### "):
            current = Topic(line[4:].strip())
            found.append(current)
            continue
        if current is None or not current.names:
            continue
        step = _STEP.match(line)
        if step:
            if int(step.group(1)) != len(current.steps) + 1:
                problems.append(f"{chapter.name}:{number}: step {step.group(1)} out of order")
            current.steps.append(step.group(2).strip())
        elif line.startswith("   ") and current.steps:
            current.steps[-1] += " " + line.strip()
        elif line.strip() and current.steps:
            problems.append(f"{chapter.name}:{number}: a topic holds numbered steps only")
    for topic in found:
        if topic.names and len(topic.steps) < 2:
            problems.append(f"{lab.name}: hint topic '{topic.title}' has fewer than 2 steps")
    if not any(t.names for t in found):
        problems.append(
            f"{lab.name}/{chapter.name}: no hint topics (### `function` headings) in its Hints"
        )
    return found, problems


def choose(found: list[Topic], result: progress_store.Result | None, wanted: str) -> Topic:
    """The topic of the function at fault (see the module's doc)."""
    steps = [t for t in found if t.names and t.steps]
    if wanted:
        for topic in steps:
            if any(wanted in (n, n.split("::")[-1]) for n in topic.names):
                return topic
        known = ", ".join(n for t in steps for n in t.names)
        sys.exit(f"hint: no hint topic for '{wanted}'; there are: {known}")
    if result is None or result.finished:
        return steps[0]
    todo = result.next_todo.split("::")[-1]
    if todo:
        for topic in steps:
            if any(n.split("::")[-1] == todo for n in topic.names):
                return topic
    best: tuple[int, int, Topic] | None = None
    for topic in steps:
        for name in topic.names:
            short = name.split("::")[-1]
            for rank, word in ((0, name), (1 if "_" in short else 2, short)):
                match = re.search(rf"(?<![\w:]){re.escape(word)}(?!\w)", result.next_lesson)
                if match and (best is None or (rank, match.start()) < best[:2]):
                    best = (rank, match.start(), topic)
    if best is not None:
        return best[2]
    suite = manifests.suite_function(result.next_test.split("/")[-1].split(".")[0])
    for topic in steps:
        if any(suite == n.split("::")[-1] for n in topic.names):
            return topic
    return steps[0]


def ago(when: float) -> str:
    minutes = max(0, int(time.time() - when) // 60)
    return (
        i18n.text("hint.just.now") if minutes == 0 else i18n.text("hint.minutes", minutes=minutes)
    )


def show(lab: manifests.Lab, store: pathlib.Path, n: int, wanted: str) -> int:
    # The chapter in the user's language: its translation's hints when Chinese is wanted.
    chapter = i18n.chapter(lab.folder, lab.chapter)
    found, _ = topics(lab, chapter)
    if not any(t.names and t.steps for t in found):
        sys.exit(f"hint: {lab.name}/{chapter.name} has no hints in steps")
    result = progress_store.load(store, lab.name)
    if result is not None and result.finished and not wanted:
        print(i18n.text("hint.finished", lab=lab.name))
        print(i18n.text("hint.anyway", lab=lab.name))
        return 0
    topic = choose(found, result, wanted)
    count = len(topic.steps)
    k = max(1, n)
    if k > count:
        print(i18n.text("hint.last", label=topic.label, count=count))
        k = count
    if wanted:
        why = i18n.text("hint.asked", name=wanted)
    elif result is None:
        why = i18n.text("hint.no.result", lab=lab.name)
    else:
        why = i18n.text("hint.failing", test=result.next_test, ago=ago(result.when))
        if result.fingerprint != progress_store.fingerprint(lab.name):
            why += i18n.text("hint.changed")
    print(i18n.text("hint.head", k=k, count=count, label=topic.label, why=why))
    print()
    for line in i18n.wrap_text(topic.steps[k - 1], WIDTH, "  "):
        print(f"  {line.strip()}")
    print()
    chosen = f" FOR={wanted}" if wanted else ""
    more = (
        i18n.text("hint.more", lab=lab.name, chosen=chosen, n=k + 1)
        if k < count
        else i18n.text("hint.was.last")
    )
    # The section of the failing test's lesson, unless a topic was asked for by name (FOR=):
    # then that lesson is about another function.
    lesson = result.next_lesson if result and not wanted else ""
    section = re.search(r"README\s*(§[^);]*)", lesson)
    read = f"{lab.name}/{chapter.name}" + (f" {section.group(1).strip()}" if section else "")
    print(i18n.text("hint.next", more=more, read=read))
    return 0


# --- make check: the hints are well formed and give no solution away -----------------------------


def regions(path: pathlib.Path) -> list[tuple[str, list[str]]]:
    """(function, its solution's code lines) of every BEGIN SOLUTION region of a solution file."""
    found, function, inside, code = [], "", False, []
    for line in path.read_text().splitlines():
        if line and not line[0].isspace() and not line.startswith(("//", "#", "}")):
            match = _FUNCTION.search(line)
            if match and not line.rstrip().endswith(";"):
                function = match.group(1)
        stripped = line.strip()
        if "// BEGIN SOLUTION" in line:
            inside, code = True, []
        elif "// END SOLUTION" in line:
            inside = False
            found.append((function, code))
        elif inside and stripped and not stripped.startswith("//") and len(stripped) > 3:
            code.append(" ".join(stripped.split()))
    return found


def same_hints(lab: manifests.Lab, found: list[Topic]) -> list[str]:
    """The problems of the translation's hints: the same topics (their functions), in the same
    order, each with as many steps, so that hint N of a topic is the same hint in both."""
    chapter = i18n.translation(lab.folder / lab.chapter)
    if not chapter.exists():
        return []
    translated, problems = topics(lab, chapter)
    english = [(t.names, len(t.steps)) for t in found if t.names]
    chinese = [(t.names, len(t.steps)) for t in translated if t.names]
    if english != chinese:
        for k, (en, zh) in enumerate(zip(english + [None] * 99, chinese + [None] * 99)):
            if en != zh:
                problems.append(
                    f"{lab.name}/{chapter.name}: its hints differ from the English ones at topic "
                    f"{k + 1}: English {en or 'none'}, Chinese {zh or 'none'} "
                    "(functions, number of steps): same topics and steps, in the same order"
                )
                break
    return problems


def check() -> int:
    problems = []
    for lab in manifests.all_labs():
        found, form = topics(lab)
        problems += form
        problems += same_hints(lab, found)
        translation = i18n.translation(lab.folder / lab.chapter)
        given_away = found + (topics(lab, translation)[0] if translation.exists() else [])
        named = {n for t in found for n in t.names} | {
            n.split("::")[-1] for t in found for n in t.names
        }
        for name in lab.student:
            path = lab.solutions / name
            if not path.exists():
                continue
            for function, code in regions(path):
                short = function.split("::")[-1]
                if function not in named and short not in named:
                    problems.append(f"{lab.name}: no hint topic names {function} ({name})")
                if len(code) < 2:
                    continue
                for topic in given_away:
                    for number, step in enumerate(topic.steps, 1):
                        flat = " ".join(step.replace("`", "").split())
                        given = [c for c in code if c in flat]
                        if len(given) >= max(2, math.ceil(0.6 * len(code))):
                            problems.append(
                                f"{lab.name}: hint {number} of {topic.label} holds "
                                f"{len(given)} of the {len(code)} lines of {function}'s solution"
                            )
    for problem in problems:
        print(f"hint: {problem}")
    labs = len(manifests.names())
    print(
        f"hint: {'every' if not problems else 'not every'} chapter's hints in steps ({labs} labs)"
    )
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", default=str(ROOT / "build" / "progress"))
    parser.add_argument("--for", dest="wanted", default="", help="the topic of this function")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("lab", nargs="?", default="")
    parser.add_argument("n", nargs="?", default="1")
    args = parser.parse_intermixed_args()
    if args.check:
        return check()
    if args.lab not in manifests.names():
        sys.exit(f"hint: no such lab: '{args.lab}' (the labs are {' '.join(manifests.names())})")
    if not args.n.isdigit():
        sys.exit(f"hint: N must be a number (1, 2, ...), not '{args.n}'")
    return show(manifests.load(args.lab), pathlib.Path(args.store), int(args.n), args.wanted)


if __name__ == "__main__":
    sys.exit(main())
