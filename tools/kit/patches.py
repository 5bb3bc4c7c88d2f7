"""The header of a mutant patch (tools/mutants/<lab>/<name>.patch), read by the mutant runner
(tools/mutants.py) and the mistake catalogue (tools/mistake_catalogue.py)."""

from __future__ import annotations

import pathlib
import re


def read_header(path: pathlib.Path) -> tuple[dict[str, str], list[str]]:
    """The `# key: value` lines before the diff, and the tests of its `# must-fail:` lines (one
    test per line, in order)."""
    header: dict[str, str] = {}
    must_fail: list[str] = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        match = re.match(r"#\s*([\w-]+):\s*(.*)", line)
        if match and match.group(1) == "must-fail":
            must_fail.append(match.group(2).strip())
        elif match:
            header[match.group(1)] = match.group(2).strip()
    return header, must_fail
