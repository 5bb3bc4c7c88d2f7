#!/usr/bin/env bash
# Mistake 17 of the tutorial, shown and checked (docs/mistakes.md; make check's docs step runs it):
#
#   bash docs/examples/mistake17/demo.sh
#
# 1. wrong/: globals defined in utility.h, which two .cpp files include: the link fails with
#    "multiple definition of `client_count'", however the program is compiled.
# 2. The same with the header handed to the compiler, as the tutorial does (g++ ... utility.h): a
#    header is not a translation unit; the command gains a warning and still fails to link.
# 3. fixed/: the header declares (extern) or defines an inline variable; utility.cpp holds the one
#    definition of client_count. It links, and it runs: both files see the same two objects.
# Exit status 0 when all three behave so; otherwise 1, with the compiler's output.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cxx=${CXX:-g++}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
failed=0

fail() {
    echo "mistake17: FAILED: $1" >&2
    sed 's/^/    /' "$out/log" >&2
    failed=1
}

# Must fail to link, naming the doubly defined global.
wrong_link() {  # wrong_link WHAT FILE...
    local what=$1
    shift
    if (cd "$here/wrong" && "$cxx" -std=c++20 "$@" -o "$out/wrong") >"$out/log" 2>&1; then
        fail "$what linked: a global defined in a header included twice must not"
    elif ! grep -q "multiple definition of .client_count" "$out/log"; then
        fail "$what did not fail with 'multiple definition of client_count'"
    else
        echo "mistake17: $what: link error, as it must be:" \
            "$(grep -m1 -o "multiple definition of .client_count." "$out/log")"
    fi
}

wrong_link "wrong/ (g++ main.cpp room.cpp)" main.cpp room.cpp
wrong_link "wrong/ with the header handed to g++ (g++ main.cpp room.cpp utility.h)" \
    main.cpp room.cpp utility.h

if ! (cd "$here/fixed" && "$cxx" -std=c++20 -Wall -Werror main.cpp room.cpp utility.cpp \
    -o "$out/fixed") >"$out/log" 2>&1; then
    fail "fixed/ did not build"
elif ! "$out/fixed" >"$out/log" 2>&1 || ! grep -qx "2 clients, the last has id 2" "$out/log"; then
    fail "fixed/ did not print '2 clients, the last has id 2'"
else
    echo "mistake17: fixed/ (extern + one definition, inline): links and prints '$(cat "$out/log")'"
fi
exit "$failed"
