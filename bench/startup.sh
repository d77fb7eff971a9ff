#!/usr/bin/env bash
# Launch-to-first-3D-frame time and peak memory of the demo, over N runs.
# usage: bench/startup.sh [BUILD_DIR] [RUNS]
set -euo pipefail
build="${1:-build/ci}"
runs="${2:-5}"
for i in $(seq "$runs"); do
  out=$(mktemp)
  xvfb-run -a -s "-screen 0 1600x1000x24" /usr/bin/time -v "$build/bin/neuroloupe" --demo \
    --screenshot /tmp/nl-startup.png --quit-after 1500 2>"$out" >/dev/null || true
  frame=$(sed -n 's/.*first 3D frame \([0-9]*\) ms.*/\1/p' "$out")
  rss=$(grep 'Maximum resident set size' "$out" | grep -o '[0-9]*' || echo "?")
  echo "run $i: first 3D frame ${frame} ms, peak RSS ${rss} kB"
  rm -f "$out"
done
