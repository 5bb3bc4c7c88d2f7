#!/usr/bin/env python3
"""A lab's files against their untouched version: reset with a backup, restore, and the two diffs.

    reset.py reset LAB              back up the lab's student files, then restore the skeleton
    reset.py restore LAB [BACKUP]   bring a backup back (default the newest), backing up first
    reset.py backups LAB            list the lab's backups, oldest first
    reset.py mydiff LAB             the student's changes against the untouched skeleton
    reset.py diff [--store DIR] LAB...   the student's files against the reference solution

The untouched skeleton (the baseline) is what tools/skeletons.py generates from solutions/<lab>/:
the truth for an untouched lab. A student's kit may come without solutions/ (a class's staging
copy, a release without the solutions of labs not due yet): the baseline is then git's committed
version (HEAD) of the lab's files. Every command says which baseline it used.

Backups are .backups/<lab>/<YYYY-MM-DDTHH-MM-SS>/ at the top of the kit (git ignores them): the
lab's student files (lab.json's "student") as they were. Nothing here deletes a backup.
"""
from __future__ import annotations

import argparse
import datetime
import difflib
import pathlib
import subprocess
import sys

import progress_store
import skeletons
from kit import labs as manifests

ROOT = pathlib.Path(__file__).resolve().parent.parent
BACKUPS = ROOT / ".backups"


class NoBaseline(Exception):
    pass


def baseline(lab: str) -> tuple[dict[str, str], str]:
    """{file name: its untouched text} of the lab's student files, and where they came from."""
    names = manifests.load(lab).student
    solutions = ROOT / "solutions" / lab
    if all((solutions / name).is_file() for name in names):
        texts = {name: skeletons.skeleton_of(solutions / name) for name in names}
        return texts, f"the skeleton generated from solutions/{lab}/"
    texts = {}
    for name in names:
        shown = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"HEAD:{lab}/{name}"],
            capture_output=True,
            text=True,
        )
        if shown.returncode != 0:
            raise NoBaseline(
                f"no untouched version of {lab}/{name}: neither solutions/{lab}/ nor git's "
                "committed version is here"
            )
        texts[name] = shown.stdout
    return texts, f"git's committed version (HEAD) of {lab}/ (this kit has no solutions/{lab}/)"


def current(lab: str) -> dict[str, str | None]:
    folder = ROOT / lab
    return {
        name: (folder / name).read_text() if (folder / name).is_file() else None
        for name in manifests.load(lab).student
    }


def untouched(lab: str) -> bool:
    """Whether the lab's student files are exactly their baseline (True when there is none)."""
    try:
        texts, _ = baseline(lab)
    except NoBaseline:
        return True
    return current(lab) == texts


def backups(lab: str) -> list[pathlib.Path]:
    folder = BACKUPS / lab
    return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def shown(path: pathlib.Path) -> str:
    try:
        return str(path.relative_to(ROOT)) + "/"
    except ValueError:
        return str(path) + "/"


def back_up(lab: str) -> pathlib.Path:
    """Copy the lab's student files into a new, timestamped backup; its folder."""
    stamp = datetime.datetime.now().strftime("%Y-%m-%dT%H-%M-%S")
    folder, n = BACKUPS / lab / stamp, 2
    while folder.exists():  # two in the same second
        folder, n = BACKUPS / lab / f"{stamp}-{n}", n + 1
    folder.mkdir(parents=True)
    for name, text in current(lab).items():
        if text is not None:
            (folder / name).write_text(text)
    return folder


def write(lab: str, texts: dict[str, str]) -> None:
    for name, text in texts.items():
        (ROOT / lab / name).write_text(text)


def ask(question: str) -> bool:
    """On a terminal, ask; elsewhere (a script, make check), go ahead: a backup is kept anyway."""
    if not sys.stdin.isatty():
        return True
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def cmd_reset(lab: str) -> int:
    texts, source = baseline(lab)
    if current(lab) == texts:
        print(f"{lab}/ is already the untouched skeleton ({source}): nothing to back up or reset")
        return 0
    if not ask(f"Save your files in {lab}/ to .backups/{lab}/ and restore the untouched skeleton?"):
        print("nothing changed")
        return 1
    folder = back_up(lab)
    write(lab, texts)
    print(f"saved your files to {shown(folder)} ({', '.join(sorted(texts))})")
    print(f"{lab}/ is the untouched skeleton again ({source})")
    print(f"undo: make restore LAB={lab}   (or FROM={folder.name} for this backup)")
    return 0


def cmd_restore(lab: str, chosen: str) -> int:
    found = backups(lab)
    if not found:
        print(f"no backup of {lab} in {shown(BACKUPS / lab)} (make reset makes one)")
        return 1
    if chosen:
        path = pathlib.Path(chosen)
        folder = next((f for f in found if f.name == path.name.rstrip("/")), None)
        if folder is None:
            print(f"no backup {chosen} of {lab}; there are: {', '.join(f.name for f in found)}")
            return 1
    else:
        folder = found[-1]
    texts = {p.name: p.read_text() for p in sorted(folder.iterdir()) if p.is_file()}
    if current(lab) == {n: texts.get(n) for n in current(lab)}:
        print(f"{lab}/ already holds the files of {shown(folder)}: nothing to do")
        return 0
    if not untouched(lab):
        saved = back_up(lab)
        print(f"saved your current files to {shown(saved)} first")
    else:
        print(f"{lab}/ held the untouched skeleton: no backup of it was needed")
    write(lab, texts)
    print(f"restored {', '.join(sorted(texts))} of {lab}/ from {shown(folder)}")
    return 0


def cmd_backups(lab: str) -> int:
    for folder in backups(lab):
        print(shown(folder))
    return 0


def unified(lab: str, name: str, old: str, new: str | None, old_label: str) -> list[str]:
    return list(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            (new or "").splitlines(keepends=True),
            f"{old_label}/{name}",
            f"{lab}/{name}" + ("" if new is not None else " (missing)"),
        )
    )


def cmd_mydiff(lab: str) -> int:
    texts, source = baseline(lab)
    lines = []
    for name, text in current(lab).items():
        lines += unified(lab, name, texts[name], text, "untouched")
    print(f"your changes to {lab}/, against {source}:", file=sys.stderr)
    sys.stdout.writelines(lines)
    if not lines:
        print("(none: the lab's files are untouched)", file=sys.stderr)
    return 0


def cmd_diff(labs: list[str], store: pathlib.Path | None) -> int:
    for lab in labs:
        solutions = ROOT / "solutions" / lab
        if not solutions.is_dir():
            print(f"{lab}: no solutions/{lab}/ in this kit", file=sys.stderr)
            continue
        result = progress_store.load(store, lab) if store else None
        if result is None or not result.finished:
            state = (
                f"its last result is {result.score:g}/{result.total:g}"
                if result
                else "it has no result yet"
            )
            print(
                f"make diff: this shows the reference solution of {lab}, and {state}. It is for "
                "instructors: seen before the lab is done, it spoils the lab (your own changes: "
                f"make mydiff LAB={lab}).",
                file=sys.stderr,
            )
            if sys.stdin.isatty() and sys.stdout.isatty() and not ask("Show the solution?"):
                continue
        lines = []
        for name, text in current(lab).items():
            lines += unified(lab, name, (solutions / name).read_text(), text, "solutions/" + lab)
        sys.stdout.writelines(lines)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["reset", "restore", "backups", "mydiff", "diff"])
    parser.add_argument("--store", default="", help="make progress's results (diff)")
    parser.add_argument("labs", nargs="+")
    args = parser.parse_args()
    known = manifests.names()
    labs = [lab for lab in args.labs if lab in known]
    extra = [a for a in args.labs if a not in known]
    if not labs:
        sys.exit(f"reset.py: no such lab: {args.labs[0]} (the labs are {' '.join(known)})")
    try:
        if args.command == "diff":
            return cmd_diff(args.labs, pathlib.Path(args.store) if args.store else None)
        if args.command == "reset":
            return cmd_reset(labs[0])
        if args.command == "restore":
            return cmd_restore(labs[0], extra[0] if extra else "")
        if args.command == "backups":
            return cmd_backups(labs[0])
        return cmd_mydiff(labs[0])
    except NoBaseline as error:
        sys.exit(f"{args.command}: {error}")


if __name__ == "__main__":
    sys.exit(main())
