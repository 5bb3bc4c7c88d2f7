"""python3 tools/kit labs | linking | program LAB | check: the lab manifests, for make and check.sh.

linking: the labs that link an earlier lab (a non-empty "uses").
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from kit import labs  # noqa: E402

if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "labs":
        print(" ".join(labs.names()))
    elif command == "linking":
        print(" ".join(name for name in labs.names() if labs.load(name).uses))
    elif command == "program":
        print(labs.load(sys.argv[2]).main_program)
    elif command == "check":
        bad = [p for lab in labs.names() for p in labs.problems(labs.load(lab))]
        print("\n".join(bad) if bad else f"manifests: {len(labs.names())} labs match the tree")
        sys.exit(1 if bad else 0)
    else:
        sys.exit(__doc__)
