#!/usr/bin/env bash
# make setup: install the OS packages the kit needs (Debian 12 / Ubuntu 22.04 or newer).
set -euo pipefail
packages=(g++ cmake ninja-build make python3 patch libgtest-dev libgmock-dev googletest doxygen graphviz
          clang-format black flake8)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present (${packages[*]})"
  exit 0
fi
echo "setup: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
