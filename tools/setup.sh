#!/usr/bin/env bash
# ./setup and make setup: install the OS packages the kit needs, then check that their versions are
# new enough. It needs nothing but bash and apt-get (and sudo when not run as root), so it works on a
# fresh minimal Debian or Ubuntu system, which comes without make, a compiler or even sudo.
#
# Tested on Debian 12 (bookworm): tools/fresh_machine_check.sh runs the README's quick start on a
# minimal Debian 12 made with debootstrap. The oldest versions the kit works with, and why:
#   g++ 11        C++20: std::span, std::jthread, starts_with, std::erase_if (g++ 11.3 builds the
#                 kit without a warning, and the reference solutions score 100% with it)
#   glibc 2.32    sigabbrev_np() and sigdescr_np() name the signal that killed a test's program
#   CMake 3.22    CMakeLists.txt: cmake_minimum_required(VERSION 3.22)
#   GoogleTest 1.10  INSTANTIATE_TEST_SUITE_P and GTEST_SKIP
#   Python 3.7    the autograder's tools: subprocess.run(capture_output=..., text=...)
# A tool that is missing or older is named, with the version the kit needs, and setup exits 1: better
# here than as a puzzling error halfway through the build.
set -euo pipefail

# redis-server: make bench (lab05's table compares the chat room with Redis pub/sub) and lab05's stage
# 5b tests (the federation), which start their own instance on a unix socket and never use the
# system's service on port 6379. libhiredis-dev (and pkg-config, which finds it): stage 5b's hiredis
# client (without it CMake leaves the stage out and says so).
# netcat-openbsd: `nc`, which the chapters use to talk to a server by hand. manpages-dev: the
# manual pages of the system calls (`man 2 epoll_wait`) that every chapter links to; make docs
# also checks its \man links against them (tools/check_docs.py).
# inotify-tools: make watch hears a save at once (inotifywait); without it, it polls the files.
# fonts-noto-cjk: a font with Chinese characters, so that the Chinese edition of the walkthrough
# (build/docs/html/zh/) and KIT_LANG=zh reports show as text, not boxes, in a browser, a terminal
# or a headless screenshot of a machine that has no desktop fonts.
packages=(make g++ cmake ninja-build python3 patch libgtest-dev libgmock-dev googletest doxygen graphviz
          clang-format black flake8 redis-server libhiredis-dev pkg-config netcat-openbsd manpages-dev
          inotify-tools fonts-noto-cjk)

# --- 1. install the packages that are missing ------------------------------------------------------
if ! command -v dpkg >/dev/null || ! command -v apt-get >/dev/null; then
  echo "setup: no apt-get here (this script installs Debian/Ubuntu packages)."
  echo "       Install the equivalents of: ${packages[*]}"
  echo "       then run it again: it still checks the versions below."
else
  missing=()
  for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: all packages present (${packages[*]})"
  else
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
      if ! command -v sudo >/dev/null; then
        echo "setup: installing packages needs root, and sudo is not installed: run it as root (su -c ./setup)" >&2
        exit 1
      fi
      sudo="sudo"
    fi
    echo "setup: installing ${missing[*]} (apt-get${sudo:+, with sudo}: this takes a minute or two)"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    echo "setup: packages installed"
  fi
fi

# --- 2. check the versions -------------------------------------------------------------------------
# version_at_least HAVE NEED: true when version HAVE >= NEED (1.10 > 1.9, as version numbers compare).
version_at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

gtest_version() {
  # The installed CMake package (what CMakeLists.txt finds first), else the sources Debian ships.
  local f
  for f in /usr/local/lib*/cmake/GTest/GTestConfigVersion.cmake /usr/local/lib/*/cmake/GTest/GTestConfigVersion.cmake \
           /usr/lib*/cmake/GTest/GTestConfigVersion.cmake /usr/lib/*/cmake/GTest/GTestConfigVersion.cmake; do
    [ -f "$f" ] && { sed -n 's/^set(PACKAGE_VERSION "\([0-9.]*\)").*/\1/p' "$f" | head -n1; return; }
  done
  [ -f /usr/src/googletest/CMakeLists.txt ] &&
    sed -n 's/^ *set(GOOGLETEST_VERSION \([0-9.]*\)).*/\1/p' /usr/src/googletest/CMakeLists.txt | head -n1
  true
}

# name | version found (empty: not found) | version needed | what for
checks=(
  "g++|$(g++ -dumpfullversion 2>/dev/null || true)|11|C++20"
  "glibc|$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}' || true)|2.32|sigabbrev_np(), sigdescr_np()"
  "CMake|$(cmake --version 2>/dev/null | awk 'NR == 1 {print $3}' || true)|3.22|cmake_minimum_required in CMakeLists.txt"
  "GoogleTest|$(gtest_version)|1.10|INSTANTIATE_TEST_SUITE_P, GTEST_SKIP"
  "Python|$(python3 -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null || true)|3.7|tools/*.py"
)
problems=()
echo "setup: versions (what the kit needs / what this machine has):"
for check in "${checks[@]}"; do
  IFS="|" read -r name have need why <<<"$check"
  if [ -z "$have" ]; then
    verdict="NOT FOUND"
    problems+=("$name not found: the kit needs $name $need or newer ($why)")
  elif ! version_at_least "$have" "$need"; then
    verdict="TOO OLD"
    problems+=("$name $have is too old: the kit needs $name $need or newer ($why)")
  else
    verdict="ok"
  fi
  printf '  %-11s needs %-5s has %-8s %s\n' "$name" "$need" "${have:--}" "$verdict"
done
if [ ${#problems[@]} -gt 0 ]; then
  for p in "${problems[@]}"; do echo "setup: $p" >&2; done
  echo "setup: tested on Debian 12, which has all of these; on an older system install newer versions first" >&2
  exit 1
fi
echo "setup: done: next, make demo"
