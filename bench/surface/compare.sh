#!/bin/sh
# Side by side: NeuroLoupe readers vs nibabel, median ms per file and the ratio.
# Usage: bench/surface/compare.sh BUILD_DIR [FIXTURES_DIR]
set -eu
build=${1:?build dir}
here=$(cd "$(dirname "$0")" && pwd)
fixtures=${2:-$here/../../../shared/fixtures}
ours=$(mktemp); theirs=$(mktemp)
"$build/bin/neuroloupe_bench_surface" "$fixtures" 7 > "$ours" 2>/dev/null
/usr/bin/python3 "$here/surface_load_nibabel.py" "$fixtures" 7 > "$theirs"
printf '%-56s %10s %10s %8s\n' file neuroloupe nibabel ratio
join "$ours" "$theirs" | awk '{ printf "%-56s %8.2fms %8.2fms %7.2fx\n", $1, $2, $3, $3 / $2; a += $2; b += $3 }
  END { printf "%-56s %8.2fms %8.2fms %7.2fx\n", "total", a, b, b / a }'
rm -f "$ours" "$theirs"
