#!/usr/bin/env python3
"""make hint LAB=...: print the "Hints" section of a lab's chapter (its manifest's "chapter")."""
import re
import sys

from kit import labs


def main(lab):
    readme = labs.load(lab).folder / labs.load(lab).chapter
    if not readme.exists():
        sys.exit(f"hint: {lab} has no README.md")
    lines = readme.read_text().splitlines()
    out, level = [], None
    for line in lines:
        heading = re.match(r"^(#+)\s+(.*)", line)
        if heading and level is not None and len(heading.group(1)) <= level:
            break
        if heading and level is None and "hint" in heading.group(2).lower():
            level = len(heading.group(1))
        if level is not None:
            out.append(line)
    print("\n".join(out) if out else f"hint: no Hints section in {readme}")


if __name__ == "__main__":
    main(sys.argv[1])
