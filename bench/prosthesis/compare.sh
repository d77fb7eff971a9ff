#!/bin/bash
# Loss + gradient evaluations per second of the prosthesis forward model in
# C++ (analysis/prosthesis) and in PyTorch (reference.py) on the same centres
# and images; prints both, the ratio, and the two losses (they must agree), then
# a RESULT line (bench/result.sh) for bench/run-all: seconds per loss+gradient
# evaluation and each program's peak RSS.
#   bench/prosthesis/compare.sh BUILD_DIR [--electrodes N] [--images M] [--threads K]
set -euo pipefail
build=${1:?usage: compare.sh BUILD_DIR [--electrodes N] [--images M] [--threads K]}
shift
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../result.sh"
[[ -x $build/bin/neuroloupe_bench_prosthesis ]] ||
  { skip_row prosthesis "no $build/bin/neuroloupe_bench_prosthesis"; exit 0; }
has_python_modules torch numpy ||
  { skip_row prosthesis "PyTorch not importable by /usr/bin/python3 (apt-get install python3-torch)"; exit 0; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
threads=2
args=("$@")
for ((i = 0; i < ${#args[@]}; ++i)); do [[ ${args[i]} == --threads ]] && threads=${args[i + 1]}; done
peak_run "$dir/cpp.kb" "$build/bin/neuroloupe_bench_prosthesis" objective --dump "$dir" --threads "$threads" "$@" >"$dir/cpp.txt"
peak_run "$dir/py.kb" /usr/bin/python3 "$here/reference.py" "$dir" --threads "$threads" >"$dir/py.txt"
read -r electrodes images _ <"$dir/config.txt"
/usr/bin/python3 - "$dir/cpp.txt" "$dir/py.txt" "$(mb_of "$dir/cpp.kb")" "$(mb_of "$dir/py.kb")" "$electrodes" "$images" "$threads" <<'PY'
import sys
read = lambda p: {l.split()[0]: float(l.split()[1]) for l in open(p)}
c, p = read(sys.argv[1]), read(sys.argv[2])
print(f"C++     {c['evals_per_s']:10.2f} loss+gradient evaluations/s  loss {c['loss']:.10f}  |grad| {c['grad_norm']:.6g}")
print(f"PyTorch {p['evals_per_s']:10.2f} loss+gradient evaluations/s  loss {p['loss']:.10f}  |grad| {p['grad_norm']:.6g}")
rel = abs(c['loss'] - p['loss']) / abs(p['loss'])
print(f"ratio   {c['evals_per_s'] / p['evals_per_s']:.1f}x   relative loss difference {rel:.2e}")
print(f"RESULT prosthesis {sys.argv[5]}el,{sys.argv[6]}img {1 / c['evals_per_s']:.6f} {1 / p['evals_per_s']:.6f} "
      f"{sys.argv[3]} {sys.argv[4]} loss+gradient evaluation, {sys.argv[7]} threads (float64 autograd); loss rel diff {rel:.1e}")
PY
