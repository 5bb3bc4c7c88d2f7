#!/usr/bin/env bash
# make watch LAB=...: rerun the lab's tests each time one of its files changes (Ctrl-C stops).
set -u
cd "$(dirname "$0")/.."
lab=$1
fingerprint() { find "$lab" -type f \( -name '*.cpp' -o -name '*.h' \) -printf '%p %T@\n' | sort | md5sum; }
last=""
while true; do
  now=$(fingerprint)
  if [ "$now" != "$last" ]; then
    last=$now
    clear 2>/dev/null || true
    make --no-print-directory test LAB="$lab"
    echo "(watching $lab/ for changes; Ctrl-C to stop)"
  fi
  if command -v inotifywait >/dev/null; then
    inotifywait -qq -r -e close_write,moved_to,create "$lab" 2>/dev/null
  else
    sleep 1  # no inotify-tools: look again in a second
  fi
done
