#!/bin/sh
# Side by side: NeuroLoupe readers vs nibabel, median ms per file and the ratio,
# then a RESULT line (bench/result.sh) for bench/run-all: the sum of the
# medians of all files, and each program's peak RSS.
# Usage: bench/surface/compare.sh BUILD_DIR [FIXTURES_DIR] [RUNS]
set -eu
build=${1:?build dir}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../result.sh"
fixtures=${2:-$here/../../../shared/fixtures}
runs=${3:-7}
[ -d "$fixtures/surface" ] || { skip_row surface "fixtures absent ($fixtures/surface)"; exit 0; }
[ -x "$build/bin/neuroloupe_bench_surface" ] ||
  { skip_row surface "no $build/bin/neuroloupe_bench_surface"; exit 0; }
has_python_modules nibabel numpy ||
  { skip_row surface "nibabel not importable by /usr/bin/python3 (apt-get install python3-nibabel)"; exit 0; }
ours=$(mktemp); theirs=$(mktemp)
trap 'rm -f "$ours" "$theirs" "$ours.kb" "$theirs.kb"' EXIT
peak_run "$ours.kb" "$build/bin/neuroloupe_bench_surface" "$fixtures" "$runs" > "$ours" 2>/dev/null
peak_run "$theirs.kb" /usr/bin/python3 "$here/surface_load_nibabel.py" "$fixtures" "$runs" > "$theirs"
printf '%-56s %10s %10s %8s\n' file neuroloupe nibabel ratio
join "$ours" "$theirs" | awk '{ printf "%-56s %8.2fms %8.2fms %7.2fx\n", $1, $2, $3, $3 / $2; a += $2; b += $3 }
  END { printf "%-56s %8.2fms %8.2fms %7.2fx\n", "total", a, b, b / a }'
join "$ours" "$theirs" | awk -v omb="$(mb_of "$ours.kb")" -v pmb="$(mb_of "$theirs.kb")" '
  { a += $2; b += $3; n += 1 }
  END { printf "RESULT surface %dfiles %.5f %.5f %s %s sum of median loads (FreeSurfer, MGH, GIfTI)\n", n, a / 1000, b / 1000, omb, pmb }'
