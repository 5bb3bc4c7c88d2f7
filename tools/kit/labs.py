"""Each lab's facts, read from its manifest: lab0N_name/lab.json.

The manifest is the one source of truth for a lab (rustlings' info.toml and Exercism's
.meta/config.json are the models). CMake reads it with string(JSON) (cmake/KitLab.cmake) and every
tool reads it here, so adding a lab touches its own folder (plus solutions/<lab> and
tools/mutants/<lab>) and nothing else. The labs are found by globbing lab*/lab.json; story order is
the order of the folder names.

    {
      "title": "Lab 1: Blocking sockets and an iterative echo server",
      "student": ["net.cpp", "echo.cpp"],           the student's files; solutions/<lab>/ holds them
      "given": [],                                   given sources (not mains) compiled with them
      "programs": [{"name": "echo_server", "main": "echo_server.cpp"}, ...],  first: `make run`
      "unit_tests": ["tests/net_test.cpp", ...],     in-process tests, linking the lab's library
      "blackbox_tests": ["tests/echo_server_test.cpp", ...],   run the programs as child processes
      "uses": [],                                    earlier labs whose library this lab links
      "chapter": "README.md",                        the chapter; its "Hints" section is `make hint`
      "prerequisites": [{"tests": ["EchoServer.*"], "need": ["ListenTcp.*", ...]}]
    }

A prerequisite says that the tests matching a "tests" pattern (fnmatch, on "Suite.Name") cannot pass
while a test matching "need" fails: the grade report folds them under that failure.
"""
from __future__ import annotations

import dataclasses
import fnmatch
import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
MANIFEST = "lab.json"
_KEYS = {
    "title",
    "student",
    "given",
    "programs",
    "unit_tests",
    "blackbox_tests",
    "uses",
    "chapter",
    "prerequisites",
    "variant_hints",
}


class ManifestError(Exception):
    """A lab.json that is malformed or does not match the tree."""


@dataclasses.dataclass(frozen=True)
class Program:
    name: str
    main: str


@dataclasses.dataclass(frozen=True)
class Prerequisite:
    tests: tuple[str, ...]
    need: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Lab:
    name: str
    title: str
    student: tuple[str, ...]
    given: tuple[str, ...]
    programs: tuple[Program, ...]
    unit_tests: tuple[str, ...]
    blackbox_tests: tuple[str, ...]
    uses: tuple[str, ...]
    chapter: str
    prerequisites: tuple[Prerequisite, ...]
    # {"Et": "..."}: what to look at when only the runs of one test parameter fail (".../Et")
    # while their twins with another parameter (".../Lt") pass.
    variant_hints: tuple[tuple[str, str], ...] = ()

    @property
    def folder(self) -> pathlib.Path:
        return ROOT / self.name

    @property
    def solutions(self) -> pathlib.Path:
        return ROOT / "solutions" / self.name

    @property
    def main_program(self) -> str:
        return self.programs[0].name if self.programs else ""

    def needs(self, test: str) -> tuple[str, ...]:
        """The patterns of the tests that must pass before `test` ("Suite.Name") can."""
        return tuple(
            p
            for pre in self.prerequisites
            if any(fnmatch.fnmatchcase(test, t) for t in pre.tests)
            for p in pre.need
            if not fnmatch.fnmatchcase(test, p)
        )


def load(name: str) -> Lab:
    path = ROOT / name / MANIFEST
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ManifestError(f"{path.relative_to(ROOT)}: {error}") from error
    unknown = set(data) - _KEYS
    if unknown:
        raise ManifestError(f"{name}/{MANIFEST}: unknown keys {sorted(unknown)}")
    try:
        return Lab(
            name=name,
            title=data["title"],
            student=tuple(data["student"]),
            given=tuple(data.get("given", [])),
            programs=tuple(Program(p["name"], p["main"]) for p in data.get("programs", [])),
            unit_tests=tuple(data.get("unit_tests", [])),
            blackbox_tests=tuple(data.get("blackbox_tests", [])),
            uses=tuple(data.get("uses", [])),
            chapter=data.get("chapter", "README.md"),
            prerequisites=tuple(
                Prerequisite(tuple(p["tests"]), tuple(p["need"]))
                for p in data.get("prerequisites", [])
            ),
            variant_hints=tuple(sorted(data.get("variant_hints", {}).items())),
        )
    except (KeyError, TypeError) as error:
        raise ManifestError(f"{name}/{MANIFEST}: missing or malformed {error}") from error


def suite_function(suite: str) -> str:
    """The function a test suite is named after: ConnectTcp -> connect_tcp."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", suite).lower()


def names() -> list[str]:
    """Every lab, in story order."""
    return sorted(p.parent.name for p in ROOT.glob(f"lab*/{MANIFEST}"))


def all_labs() -> list[Lab]:
    return [load(name) for name in names()]


def problems(lab: Lab) -> list[str]:
    """What does not match between a lab's manifest and the tree (empty: all is well)."""
    found = []
    known = names()

    def must_exist(path: pathlib.Path, what: str) -> None:
        if not path.is_file():
            found.append(f"{lab.name}: {what} {path.relative_to(ROOT)} does not exist")

    for f in lab.student:
        must_exist(lab.folder / f, "student file")
        must_exist(lab.solutions / f, "solution of student file")
    for f in lab.given + tuple(p.main for p in lab.programs) + lab.unit_tests + lab.blackbox_tests:
        must_exist(lab.folder / f, "file")
    must_exist(lab.folder / lab.chapter, "chapter")
    if lab.solutions.is_dir():
        for path in sorted(lab.solutions.iterdir()):
            if path.name not in lab.student:
                found.append(
                    f"{lab.name}: solutions/{lab.name}/{path.name} is not a student file "
                    f"of {MANIFEST}"
                )
    for used in lab.uses:
        if used not in known or known.index(used) >= known.index(lab.name):
            found.append(f"{lab.name}: uses {used}, which is not an earlier lab")
    if len({p.name for p in lab.programs}) != len(lab.programs):
        found.append(f"{lab.name}: two programs share a name")
    return found
