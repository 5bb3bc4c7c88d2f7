"""The kit's two languages: English and Simplified Chinese (docs/architecture.md, "Translations").

Which one a command speaks (`make test`, `make grade`, `make hint`):
    KIT_LANG=zh (or zh_CN, zh-CN, ...) -> Chinese; KIT_LANG=en -> English, whatever the locale;
    no KIT_LANG: the locale, as a C program reads it (LC_ALL, then LC_MESSAGES, then LANG), is
    Chinese when it starts with "zh"; anything else is English.

What the commands print in Chinese comes from two places, so that no tool is sprinkled with ifs:
- MESSAGES below: every fixed phrase and heading of the grade report and of make hint, by key, in
  both languages (`text("key", name=...)`).
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


# Every phrase has both languages; {names} are filled in by text(). Keep the keys in the order the
# report prints them.
MESSAGES: dict[str, dict[str, str]] = {
    # grade.py: the header line
    "grading": {"en": "grading {build}/: {what}", "zh": "评分 {build}/：{what}"},
    "stack.mine": {"en": "your own earlier labs", "zh": "你自己的前几个实验"},
    "stack.solutions": {"en": "the reference earlier labs", "zh": "前几个实验的参考实现"},
    "sanitizers.on": {"en": "sanitizers on (ASan+UBSan)", "zh": "检测器（sanitizer）开启（ASan+UBSan）"},
    "sanitizers.off": {"en": "sanitizers off", "zh": "检测器（sanitizer）关闭"},
    "injector.off": {
        "en": "short-I/O injector off (black-box tests run once)",
        "zh": "短 I/O 注入器关闭（黑盒测试只跑一次）",
    },
    "injector.on": {
        "en": "short-I/O injector on (black-box tests run twice)",
        "zh": "短 I/O 注入器开启（黑盒测试跑两次）",
    },
    "running": {"en": "grading {lab}: running its tests", "zh": "评分 {lab}：正在运行测试"},
    # grade.py: one lab
    "lab.head": {"en": "== {lab}: {score} ==", "zh": "== {lab}：{score} =="},
    "bonus": {"en": "bonus", "zh": "附加分"},
    "lab.unbuilt": {
        "en": "{lab} does not build: its {count} graded tests fail until it does "
        "(the compiler's errors are at the end of this report)",
        "zh": "{lab} 编译不通过：在它编译通过之前，它的 {count} 个计分测试全部失败" "（编译器的错误在本报告末尾）",
    },
    "lab.unbuilt.key": {"en": "{lab} does not build", "zh": "{lab} 编译不通过"},
    "pass.line": {
        "en": "{count} graded test(s), {points} points",
        "zh": "{count} 个计分测试，{points} 分",
    },
    "pass.bonus": {"en": " (+{points} bonus)", "zh": "（+{points} 附加分）"},
    "pass.helpers": {
        "en": "; {count} helper test(s), not graded",
        "zh": "；{count} 个辅助测试，不计分",
    },
    "skipped": {
        "en": "not run yet, because {reason}: {names}",
        "zh": "尚未运行（{reason}）：{names}",
    },
    "skipped.short": {"en": "not run yet", "zh": "尚未运行"},
    "skipped.because": {"en": "because {reason}", "zh": "原因：{reason}"},
    "skipped.itself": {"en": "the test skipped itself", "zh": "测试自己跳过了"},
    "not.graded": {"en": " (not graded)", "zh": "（不计分）"},
    "checks": {"en": "what this checks: {lesson}", "zh": "检查的是：{lesson}"},
    "fail.head": {
        "en": "{count} test fails on: {key} ({points} points)",
        "zh": "{count} 个测试失败，原因：{key}（{points} 分）",
    },
    "fail.head.many": {
        "en": "{count} tests fail on: {key} ({points} points)",
        "zh": "{count} 个测试失败，原因：{key}（{points} 分）",
    },
    "example": {"en": "e.g. {name}", "zh": "例如 {name}"},
    "it.checks": {"en": "what it checks: {lesson}", "zh": "检查的是：{lesson}"},
    "also": {"en": "also: {what}", "zh": "还有：{what}"},
    "also.sep": {"en": "; ", "zh": "；"},
    "also.blackbox": {
        "en": "{count} black-box run(s) of {suites}",
        "zh": "{suites} 的 {count} 次黑盒运行",
    },
    "folded": {
        "en": "and {count} test run(s) that need it (folded, not listed one by one): {suites}",
        "zh": "以及依赖它的 {count} 次测试运行（合并显示，不逐个列出）：{suites}",
    },
    "and.more": {"en": "{shown} and {count} more", "zh": "{shown} 等，另有 {count} 个"},
    "variant": {
        "en": "every failing run is a .../{variant} run whose twins pass: {hint}",
        "zh": "失败的运行全是 .../{variant}，而它们的另一个变体都通过了：{hint}",
    },
    # the causes a group of failures is keyed by (grade.py's cause())
    "cause.todo": {"en": "TODO not done yet: {name}", "zh": "TODO 还没做：{name}"},
    "cause.signal": {
        "en": "the program was killed by signal {signal}",
        "zh": "程序被信号 {signal} 杀死",
    },
    "cause.early": {
        "en": "the program under test ended the test process early",
        "zh": "被测程序提前结束了测试进程",
    },
    "cause.silent": {"en": "the test printed nothing", "zh": "测试什么也没输出"},
    "output.cut": {
        "en": "(…: the whole output is in make grade's results.json, or run with VERBOSE=1)",
        "zh": "（……：完整输出见 make grade 的 results.json，或加 VERBOSE=1 运行）",
    },
    # grade.py: the end of the report
    "score": {"en": "score", "zh": "得分"},
    "total": {"en": "total", "zh": "合计"},
    "wrote": {
        "en": "wrote {folder}/results.json and junit.xml (every test's whole output)",
        "zh": "已写入 {folder}/results.json 和 junit.xml（含每个测试的完整输出）",
    },
    "compiler.says": {
        "en": "== {lab} does not build: the compiler says ==",
        "zh": "== {lab} 编译不通过：编译器的输出 ==",
    },
    "no.build.log": {
        "en": "(no build log: run `make test LAB={lab}` to see the compiler's output)",
        "zh": "（没有构建日志：运行 `make test LAB={lab}` 查看编译器的输出）",
    },
    "no.tests": {
        "en": "no graded tests found: was the kit built?",
        "zh": "没有找到计分测试：是否已经构建过？",
    },
    "start.compile": {
        "en": "start here: make {lab} compile; the compiler's first errors are just above.",
        "zh": "从这里开始：先让 {lab} 编译通过；编译器的前几条错误就在上面。",
    },
    "start.hint": {"en": "start with {hint}", "zh": "从这里开始：{hint}"},
    "start.todo": {
        "en": "start with {todo}{read} ({count} failing test runs wait on it).",
        "zh": "从 {todo} 开始{read}（有 {count} 次失败的测试运行在等它）。",
    },
    "start.test": {"en": "start with {name}{read}: {key}", "zh": "从 {name} 开始{read}：{key}"},
    "start.read": {"en": ", {chapter} {where}", "zh": "，读 {chapter} {where}"},
    "skeleton.passes": {
        "en": "these graded tests PASS on the untouched skeleton "
        "(a test that cannot fail grades nothing):",
        "zh": "这些计分测试在未改动的骨架代码上竟然通过了（不会失败的测试什么也评不了）：",
    },
    # hint.py
    "hint.head": {
        "en": "hint {k} of {count} for {label} ({why})",
        "zh": "{label} 的提示 {k}/{count}（{why}）",
    },
    "hint.last": {
        "en": "({label} has {count} hints; the last one:)",
        "zh": "（{label} 共有 {count} 条提示；这是最后一条：）",
    },
    "hint.asked": {"en": "you asked for {name}", "zh": "你指定了 {name}"},
    "hint.no.result": {
        "en": "no result of {lab} yet (make test or make watch keeps one): "
        "the lab's first function",
        "zh": "{lab} 还没有评分结果（make test 或 make watch 会保存一份）：先看本实验的第一个函数",
    },
    "hint.failing": {
        "en": "your first failing test: {test}, {ago}",
        "zh": "你的第一个失败测试：{test}，{ago}",
    },
    "hint.changed": {
        "en": "; your files changed since: make test for a newer one",
        "zh": "；之后你的文件改过：运行 make test 获取新结果",
    },
    "hint.just.now": {"en": "just now", "zh": "刚才"},
    "hint.minutes": {"en": "{minutes} min ago", "zh": "{minutes} 分钟前"},
    "hint.more": {
        "en": "make hint LAB={lab}{chosen} N={n}",
        "zh": "make hint LAB={lab}{chosen} N={n}",
    },
    "hint.was.last": {"en": "that was the last hint", "zh": "这已是最后一条提示"},
    "hint.next": {
        "en": "next: {more}; read {read}; every hint: the chapter's Hints section",
        "zh": "下一步：{more}；阅读 {read}；全部提示见该章的“提示”一节",
    },
    "hint.finished": {
        "en": "every graded test of {lab} passes in your last result: no hint needed.",
        "zh": "在你最近一次结果里，{lab} 的计分测试全部通过：不需要提示。",
    },
    "hint.anyway": {
        "en": "(a hint anyway: make hint LAB={lab} FOR=function)",
        "zh": "（仍想看提示：make hint LAB={lab} FOR=函数名）",
    },
}


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


def chapter(folder: pathlib.Path, name: str = "README.md") -> pathlib.Path:
    """A chapter in the current language: its README.zh-CN.md when Chinese is wanted and there is
    one, else the English page."""
    if chinese():
        translated = folder / (name[: -len(".md")] + CHAPTER_SUFFIX)
        if translated.exists():
            return translated
    return folder / name


# --- lines of Chinese ----------------------------------------------------------------------------

_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f\u201c\u201d"
# A token is one CJK character, or a run of anything else with the spaces after it.
_TOKEN = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+\s*|\s+")
_NO_LINE_START = set("，。：；、）」』”！？》")


def columns(text: str) -> int:
    """The columns a terminal gives `text`: two for a CJK character or full-width punctuation."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, width: int, indent: str = "", subsequent: str | None = None) -> list[str]:
    """textwrap.wrap for text that may be Chinese: a line may break between two CJK characters
    (Chinese has no spaces), never inside a Latin word or a code name, never before a full-width
    comma or full stop; widths count a CJK character as two columns."""
    subsequent = indent if subsequent is None else subsequent
    lines: list[str] = []
    line, used = indent, columns(indent)
    for token in _TOKEN.findall(" ".join(text.split())):
        size = columns(token.rstrip())
        if used + size > width and line.strip() and token[0] not in _NO_LINE_START:
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
