#!/bin/sh
# HALS sweeps/s of analysis/connectome (neuroloupe_bench_connectome_ntf) and
# of the NumPy peer (ntf_hals_numpy.py, tensortools' steps) on the same
# shape, both on THREADS threads (OpenBLAS's threads for NumPy), and the ratio.
#   bench/connectome/run_ntf.sh [BUILD_DIR] [I J K RANK SWEEPS THREADS]
set -e
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build/ci}
I=${2:-2000}; J=${3:-10}; K=${4:-10000}; R=${5:-10}; S=${6:-5}; T=${7:-2}
ours=$("$build/bin/neuroloupe_bench_connectome_ntf" "$I" "$J" "$K" "$R" "$S" "$T" hals)
echo "$ours"
theirs=$(OPENBLAS_NUM_THREADS=$T OMP_NUM_THREADS=$T /usr/bin/python3 "$here/ntf_hals_numpy.py" bench "$I" "$J" "$K" "$R" "$S")
echo "$theirs"
/usr/bin/python3 - "$ours" "$theirs" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print("HALS sweeps/s: neuroloupe %.3f, numpy %.3f, ratio %.1fx" % (
    a["sweeps_per_second"], b["sweeps_per_second"],
    a["sweeps_per_second"] / b["sweeps_per_second"]))
PY
