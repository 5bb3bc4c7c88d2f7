"""The results `make progress` shows: one small JSON file per lab, written by every graded run.

grade.py (make test, make grade, make watch) writes BUILD/progress/<lab>.json each time it grades
a whole lab: its score, the tests it passed, the next failing test and its lesson, the build it
graded (stack, sanitizers), when, and a fingerprint of the lab's student files (lab.json's
"student"). `make progress` reads these files instead of building and grading again, and regrades a
lab only when its fingerprint no longer matches the files: the student changed them since.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import pathlib
import time

from kit import labs as manifests

VERSION = 1


@dataclasses.dataclass
class Result:
    lab: str
    score: float
    total: float
    passed: int  # graded test runs passed
    runs: int  # graded test runs
    next_test: str  # the first failing graded test (story order), "" when all pass
    next_lesson: str
    built: bool
    build: str  # which build graded it: "stack solutions, sanitizers off, injector on"
    fingerprint: str
    when: float  # time.time() of the grade
    next_todo: str = ""  # the TODO the first failing test waits on ("send_all"), if it does

    @property
    def finished(self) -> bool:
        return self.built and self.runs > 0 and self.passed == self.runs


def fingerprint(lab: str, root: pathlib.Path | None = None) -> str:
    """A hash of the lab's student files as they are now (a missing file counts too)."""
    folder = (root / lab) if root else manifests.load(lab).folder
    digest = hashlib.sha256()
    for name in manifests.load(lab).student:
        path = folder / name
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() if path.exists() else b"(missing)")
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def path(store: pathlib.Path, lab: str) -> pathlib.Path:
    return store / f"{lab}.json"


def save(store: pathlib.Path, result: Result) -> None:
    store.mkdir(parents=True, exist_ok=True)
    data = {"version": VERSION, **dataclasses.asdict(result)}
    tmp = path(store, result.lab).with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path(store, result.lab))  # never a half-written file for progress to read


def load(store: pathlib.Path, lab: str) -> Result | None:
    try:
        data = json.loads(path(store, lab).read_text())
        if data.pop("version", None) != VERSION:
            return None
        return Result(**data)
    except (OSError, ValueError, TypeError):
        return None


def now() -> float:
    return time.time()
