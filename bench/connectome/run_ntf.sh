#!/bin/sh
# HALS sweeps/s of analysis/connectome (neuroloupe_bench_connectome_ntf) and
# of the NumPy peer (ntf_hals_numpy.py, tensortools' steps) on the same
# shape, both on THREADS threads (OpenBLAS's threads for NumPy), and the ratio;
# then a RESULT line (bench/result.sh) for bench/run-all: seconds per sweep
# and each program's peak RSS (the tensor itself is I*J*K doubles in each).
#   bench/connectome/run_ntf.sh [BUILD_DIR] [I J K RANK SWEEPS THREADS]
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../result.sh"
build=${1:-$here/../../build/ci}
I=${2:-2000}; J=${3:-10}; K=${4:-10000}; R=${5:-10}; S=${6:-5}; T=${7:-2}
[ -x "$build/bin/neuroloupe_bench_connectome_ntf" ] ||
  { skip_row hals "no $build/bin/neuroloupe_bench_connectome_ntf"; exit 0; }
has_python_modules numpy || { skip_row hals "NumPy not importable by /usr/bin/python3"; exit 0; }
kb=$(mktemp)
trap 'rm -f "$kb" "$kb.ours" "$kb.theirs"' EXIT
ours=$(peak_run "$kb.ours" "$build/bin/neuroloupe_bench_connectome_ntf" "$I" "$J" "$K" "$R" "$S" "$T" hals)
echo "$ours"
theirs=$(peak_run "$kb.theirs" env OPENBLAS_NUM_THREADS="$T" OMP_NUM_THREADS="$T" /usr/bin/python3 "$here/ntf_hals_numpy.py" bench "$I" "$J" "$K" "$R" "$S")
echo "$theirs"
/usr/bin/python3 - "$ours" "$theirs" "$(mb_of "$kb.ours")" "$(mb_of "$kb.theirs")" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print("HALS sweeps/s: neuroloupe %.3f, numpy %.3f, ratio %.1fx" % (
    a["sweeps_per_second"], b["sweeps_per_second"],
    a["sweeps_per_second"] / b["sweeps_per_second"]))
i, j, k = a["shape"]
print("RESULT hals %dx%dx%d,r%d %.5f %.5f %s %s seconds per HALS sweep, %d threads; same shape and recipe, each side its own random draws" % (
    i, j, k, a["rank"], 1 / a["sweeps_per_second"], 1 / b["sweeps_per_second"], sys.argv[3], sys.argv[4],
    a["threads"]))
PY
