#!/bin/bash
# Runs the RSA benchmark in C++ (analysis/rsa) and in NumPy/SciPy side by
# side on the same data and prints the time ratios and the largest
# difference between the two programs' point estimates, then a RESULT line
# (bench/result.sh) for bench/run-all: total seconds and each peak RSS.
# The second RESULT line is the noise ceilings (split-half and group).
#   bench/rsa/compare.sh BUILD_DIR [--max-features N] [--replicates R] [--trials T] [--ceiling-repeats C]
set -euo pipefail
build=${1:?usage: compare.sh BUILD_DIR [--max-features N] [--replicates R]}
shift
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../result.sh"
[[ -x $build/bin/neuroloupe_bench_rsa ]] || { skip_row rsa "no $build/bin/neuroloupe_bench_rsa"; exit 0; }
has_python_modules numpy scipy ||
  { skip_row rsa "NumPy/SciPy not importable by /usr/bin/python3 (apt-get install python3-scipy)"; exit 0; }
cpp=$(mktemp) py=$(mktemp)
trap 'rm -f "$cpp" "$py" "$cpp.kb" "$py.kb"' EXIT
peak_run "$cpp.kb" "$build/bin/neuroloupe_bench_rsa" "$@" >"$cpp"
peak_run "$py.kb" /usr/bin/python3 "$here/reference.py" "$@" >"$py"
/usr/bin/python3 - "$cpp" "$py" "$(mb_of "$cpp.kb")" "$(mb_of "$py.kb")" <<'PY'
import sys
def read(path):
    values, estimates = {}, {}
    for line in open(path):
        parts = line.split()
        if parts[0] == "estimate":
            estimates[int(parts[1])] = [float(v) for v in parts[2:]]
        elif parts[0] != "ci":
            values[parts[0]] = float(parts[1])
    return values, estimates
cpp, cpp_est = read(sys.argv[1])
py, py_est = read(sys.argv[2])
print("features in all layers: %d" % cpp["features_total"])
print("%-24s %10s %10s %8s" % ("phase", "C++ s", "NumPy s", "ratio"))
for key in ("layer_rdm_seconds", "population_rdm_seconds", "bootstrap_seconds", "total_seconds"):
    print("%-24s %10.3f %10.3f %7.1fx" % (key.replace("_seconds", ""), cpp[key], py[key], py[key] / max(cpp[key], 1e-9)))
diff = max(abs(a - b) for p in cpp_est for a, b in zip(cpp_est[p], py_est[p]))
print("largest |C++ − NumPy| point estimate: %.2e" % diff)
print("RESULT rsa %dfeatures %.4f %.4f %s %s layers+populations RDMs, stimulus bootstrap; max |diff| %.1e"
      % (cpp["features_total"], cpp["total_seconds"], py["total_seconds"], sys.argv[3], sys.argv[4], diff))
if "noise_ceiling_seconds" in cpp and "noise_ceiling_seconds" in py:
    group = max(abs(cpp[k] - py[k]) for k in ("group_lower", "group_upper"))
    print("noise ceiling: split-half %.4f ± %.4f (NumPy %.4f ± %.4f, other random splits); group [%.4f, %.4f], |C++ − NumPy| %.1e"
          % (cpp["split_half_mean"], cpp["split_half_sd"], py["split_half_mean"], py["split_half_sd"],
             cpp["group_lower"], cpp["group_upper"], group))
    print("RESULT rsa-ceiling %dtrials,%drep %.4f %.4f %s %s split-half (Spearman-Brown) + group ceiling (same processes as rsa); split-half %.3f vs %.3f, group |diff| %.1e"
          % (cpp["trials"], cpp["ceiling_repeats"], cpp["noise_ceiling_seconds"], py["noise_ceiling_seconds"],
             sys.argv[3], sys.argv[4], cpp["split_half_mean"], py["split_half_mean"], group))
PY
