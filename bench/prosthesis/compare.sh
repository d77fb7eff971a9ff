#!/bin/bash
# Loss + gradient evaluations per second of the prosthesis forward model in
# C++ (analysis/prosthesis) and in PyTorch (reference.py) on the same centres
# and images; prints both, the ratio, and the two losses (they must agree).
#   bench/prosthesis/compare.sh BUILD_DIR [--electrodes N] [--images M] [--threads K]
set -euo pipefail
build=${1:?usage: compare.sh BUILD_DIR [--electrodes N] [--images M] [--threads K]}
shift
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
threads=2
args=("$@")
for ((i = 0; i < ${#args[@]}; ++i)); do [[ ${args[i]} == --threads ]] && threads=${args[i + 1]}; done
"$build/bin/neuroloupe_bench_prosthesis" objective --dump "$dir" --threads "$threads" "$@" >"$dir/cpp.txt"
/usr/bin/python3 "$here/reference.py" "$dir" --threads "$threads" >"$dir/py.txt"
/usr/bin/python3 - "$dir/cpp.txt" "$dir/py.txt" <<'PY'
import sys
read = lambda p: {l.split()[0]: float(l.split()[1]) for l in open(p)}
c, p = read(sys.argv[1]), read(sys.argv[2])
print(f"C++     {c['evals_per_s']:10.2f} loss+gradient evaluations/s  loss {c['loss']:.10f}  |grad| {c['grad_norm']:.6g}")
print(f"PyTorch {p['evals_per_s']:10.2f} loss+gradient evaluations/s  loss {p['loss']:.10f}  |grad| {p['grad_norm']:.6g}")
print(f"ratio   {c['evals_per_s'] / p['evals_per_s']:.1f}x   relative loss difference {abs(c['loss'] - p['loss']) / abs(p['loss']):.2e}")
PY
