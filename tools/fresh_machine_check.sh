#!/usr/bin/env bash
# make fresh-check: prove that the README's quick start works on a fresh machine.
#
# Why: minimal Debian and Ubuntu systems (container images, WSL, debootstrap) come without make, a
# compiler or even sudo. CI runs on a machine that has them all, so it cannot see what a new user
# meets. This script builds such a fresh machine and runs the quick start in it:
#
#   1. debootstrap --variant=minbase bookworm: a minimal Debian 12 under /var/tmp, from the Debian
#      archive this machine's apt already uses (read from /etc/apt/sources.list and
#      /etc/apt/sources.list.d/; MIRROR=url chooses another one). Its apt uses the same archive.
#   2. The committed kit (git archive HEAD: committed files only) is copied to /root/epoll-chat-labs.
#   3. Each line of the code block under "## Quick start" in README.md runs there, literally, as root
#      in a login shell, in a chroot. Every line must succeed, except `make test ...`: on the
#      untouched skeleton it must score 0 points and exit non-zero. Then `make setup` must pass too.
#
# It prints each step's time. While it runs, /proc, /sys and /dev are mounted in the fresh root;
# whatever happens (a failure, Ctrl-C), the EXIT trap stops what still runs in there, undoes the
# mounts and deletes the root. It takes minutes (the README's Timings), and is not part of make check.
#
# Needs: root (debootstrap, mount, chroot), debootstrap (apt-get install debootstrap), git, and
# access to the Debian archive.
#
# Options:
#   --keep-root   keep the fresh root (at the path printed) after the run, to look inside; the
#                 mounts are still undone. Delete it with rm -rf --one-file-system.
#   --cache-base  reuse the base system of an earlier run: /var/tmp/epoll-chat-labs-fresh-base.tar,
#                 the root exactly as debootstrap made it (no package or file of the kit added).
#                 Without the file, debootstrap runs and saves it. Delete it to start over.
set -euo pipefail
cd "$(dirname "$0")/.."

SUITE=bookworm  # Debian 12
BASE_CACHE=/var/tmp/epoll-chat-labs-fresh-base.tar
KIT_DIR=/root/epoll-chat-labs  # where the kit goes in the fresh root

keep_root=0
cache_base=0
for arg in "$@"; do
  case $arg in
    --keep-root) keep_root=1 ;;
    --cache-base) cache_base=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "fresh-check: unknown option '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

fail() { echo "fresh-check: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap, mount and chroot): sudo make fresh-check"
command -v debootstrap >/dev/null || fail "debootstrap is not installed: apt-get install debootstrap"
git rev-parse --verify -q HEAD >/dev/null || fail "run it in a git clone of the kit (it copies git archive HEAD)"
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
  echo "fresh-check: note: your uncommitted changes are not tested (only the committed kit is copied)"

# --- the Debian archive apt uses here --------------------------------------------------------------
# apt_sources: one line "URI SUITE COMPONENT..." per deb source apt reads: the one-line format
# (sources.list, *.list) and the deb822 format (*.sources), as apt does; other files are ignored.
apt_sources() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    # deb [options] URI SUITE COMPONENT...
    sed -E 's/#.*//; s/\[[^]]*\]//' "$f" | awk '$1 == "deb" && NF >= 3 { $1 = ""; print substr($0, 2) }'
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'function flush(  n, m, i, j, u, s) {
           if (f["types"] ~ /(^|[ \t])deb([ \t]|$)/ && f["enabled"] !~ /[Nn]o/) {
             n = split(f["uris"], u); m = split(f["suites"], s)
             for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print u[i], s[j], f["components"]
           }
           split("", f)
         }
         /^#/ { next }
         /^[ \t]*$/ { flush(); next }
         /^[ \t]/ { f[key] = f[key] " " $0; next }  # a field continued on the next line
         { key = tolower(substr($0, 1, index($0, ":") - 1)); f[key] = substr($0, index($0, ":") + 1)
           sub(/^[ \t]+/, "", f[key]) }
         END { flush() }' "$f"
  done
}

if [ -n "${MIRROR:-}" ]; then
  mirror=$MIRROR
  chroot_sources="deb $MIRROR $SUITE main"
else
  mirror=$(apt_sources | awk -v suite="$SUITE" '$2 == suite { print $1; exit }')
  [ -n "$mirror" ] || fail "no Debian $SUITE archive in this machine's apt sources (/etc/apt/sources.list,
/etc/apt/sources.list.d/): set MIRROR=<the URL of a Debian archive> to choose one"
  # The fresh root gets this machine's $SUITE sources: the archive, its -updates and -security.
  chroot_sources=$(apt_sources | awk -v suite="$SUITE" 'index($2, suite) == 1 { print "deb", $0 }')
fi

# --- the fresh root, and the cleanup that runs whatever happens ------------------------------------
work=$(mktemp -d /var/tmp/epoll-chat-labs-fresh.XXXXXX)
root=$work/root
step_names=()
step_times=()
current=""

mounts_under() {  # the mount points at or under $1, deepest first
  awk -v r="$1" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

summary() {
  local i total=0
  echo
  echo "fresh-check: step times ($(nproc) cores, $(. /etc/os-release && echo "$PRETTY_NAME") host, Debian 12 root):"
  for i in "${!step_names[@]}"; do
    printf '  %-45s %5d s\n' "${step_names[$i]}" "${step_times[$i]}"
    total=$((total + step_times[i]))
  done
  printf '  %-45s %5d s\n' "total" "$total"
}

cleanup() {
  local status=$? p m left cleanup_start
  trap - EXIT INT TERM
  cleanup_start=$(date +%s)
  set +e  # clean up as much as possible, whatever fails
  # Stop what still runs in the root (a server the quick start left behind), or its mounts stay busy.
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -KILL "${p#/proc/}" 2>/dev/null
  done
  # Undo every mount under the root: ours and any that an interrupted debootstrap left behind.
  for m in $(mounts_under "$root"); do
    umount "$m" 2>/dev/null || umount -l "$m" || true
  done
  left=$(mounts_under "$root")
  if [ -n "$left" ]; then
    echo "fresh-check: NOT deleting $work: still mounted there: $left" >&2
  elif [ $keep_root -eq 1 ]; then
    echo "fresh-check: kept the fresh root: $root (delete it with: rm -rf --one-file-system $work)"
  else
    echo "fresh-check: deleting the fresh root $root"
    rm -rf --one-file-system "$work"
  fi
  step_names+=("undo the mounts, delete the root")
  step_times+=($(($(date +%s) - cleanup_start)))
  summary
  if [ $status -eq 0 ]; then
    echo "fresh-check: PASSED: the README's quick start works on a fresh Debian 12"
  elif [ $status -eq 130 ] || [ $status -eq 143 ]; then
    echo "fresh-check: INTERRUPTED${current:+ during: $current}" >&2
  else
    echo "fresh-check: FAILED${current:+ at: $current}" >&2
  fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# timed NAME COMMAND...: run a step, print and record how long it took.
timed() {
  local name=$1 start
  shift
  current=$name
  start=$(date +%s)
  echo
  echo "=== fresh-check: $name"
  "$@"
  step_names+=("$name")
  step_times+=($(($(date +%s) - start)))
  echo "=== fresh-check: $name: ${step_times[-1]} s"
}

# quiet LOG COMMAND...: run COMMAND with its output in LOG; show the end of LOG if it fails.
quiet() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 || { tail -n 30 "$log" >&2; fail "failed: $* (the end of $log is above)"; }
}

make_base() {
  if [ $cache_base -eq 1 ] && [ -f "$BASE_CACHE" ]; then
    echo "unpacking the cached base system $BASE_CACHE (--cache-base)"
    mkdir "$root"
    tar --numeric-owner -xpf "$BASE_CACHE" -C "$root"
    return
  fi
  echo "debootstrap --variant=minbase $SUITE $root $mirror"
  quiet "$work/debootstrap.log" debootstrap --variant=minbase "$SUITE" "$root" "$mirror"
  if [ $cache_base -eq 1 ]; then
    echo "saving the base system to $BASE_CACHE (--cache-base)"
    tar --numeric-owner -cpf "$BASE_CACHE.part" -C "$root" . && mv "$BASE_CACHE.part" "$BASE_CACHE"
  fi
}

prepare_root() {
  printf '%s\n' "$chroot_sources" >"$root/etc/apt/sources.list"
  echo "its apt sources:"
  sed 's/^/  /' "$root/etc/apt/sources.list"
  cp -L /etc/resolv.conf "$root/etc/resolv.conf"
  mount -t proc proc "$root/proc"
  mount -t sysfs sysfs "$root/sys"
  mount --rbind /dev "$root/dev"
  mount --make-rslave "$root/dev"  # so that undoing these mounts never touches the host's /dev
  mkdir -p "$root$KIT_DIR"
  git archive --format=tar HEAD | tar -x -C "$root$KIT_DIR"
  echo "copied $(git rev-parse --short HEAD) ($(git ls-files | wc -l) files) to $KIT_DIR"
}

# in_root LINE: run one command line in the fresh root as a new user would: root, a login shell,
# a clean environment, in the kit's folder. Its output is shown and kept in $work/step.log.
in_root() {
  chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" /bin/bash -lc "cd $KIT_DIR && $1" 2>&1 |
    tee "$work/step.log"
  return "${PIPESTATUS[0]}"
}

# run_line LINE: one line of the quick start. `make test` on the untouched skeleton must fail with
# 0 points (the grade report's "total 0/N"); every other line must succeed.
run_line() {
  local line=$1 status=0
  echo "\$ $line"
  in_root "$line" || status=$?
  case $line in
    "make test "* | "make test")
      [ $status -ne 0 ] || fail "'$line' exited 0 on the untouched skeleton: it must exit non-zero"
      grep -Eq '^ +total +0/[1-9]' "$work/step.log" ||
        fail "'$line' did not report a total of 0 points on the untouched skeleton"
      echo "(as it must on the untouched skeleton: 0 points, exit status $status)"
      ;;
    *) [ $status -eq 0 ] || fail "'$line' failed (exit status $status)" ;;
  esac
}

# The quick start: the non-empty lines of the first code block under "## Quick start" in README.md.
mapfile -t quick_start < <(awk '/^## / { section = ($0 ~ /^## Quick start/) }
                                section && /^```/ { if (block) exit; block = 1; next }
                                section && block && NF { print }' README.md)
[ ${#quick_start[@]} -gt 0 ] || fail "no code block under '## Quick start' in README.md"
echo "fresh-check: the README's quick start, to run on a fresh Debian 12:"
printf '  %s\n' "${quick_start[@]}"

if [ $cache_base -eq 1 ] && [ -f "$BASE_CACHE" ]; then
  timed "base system (unpacked from --cache-base)" make_base
else
  timed "debootstrap --variant=minbase $SUITE" make_base
fi
timed "copy the kit (git archive HEAD), mounts" prepare_root
for line in "${quick_start[@]}"; do
  timed "$(sed -E 's/[[:space:]]+#.*//' <<<"$line")" run_line "$line"
done
timed "make setup (again: now that make is there)" run_line "make setup"
current=""
