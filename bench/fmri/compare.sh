#!/bin/bash
# Runs the GLM benchmark in C++ (analysis/fmri) and in NumPy (reference.py)
# on the same synthetic run and prints time per voxel, the ratio and the
# largest z difference, then a RESULT line (bench/result.sh) for
# bench/run-all: the GLM fit's seconds and each program's peak RSS.
#   bench/fmri/compare.sh BUILD_DIR [--voxels N] [--scans T] [--threads K]
set -euo pipefail
build=${1:?usage: compare.sh BUILD_DIR [--voxels N] [--scans T]}
shift
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../result.sh"
[[ -x $build/bin/neuroloupe_bench_fmri ]] || { skip_row glm "no $build/bin/neuroloupe_bench_fmri"; exit 0; }
has_python_modules numpy || { skip_row glm "NumPy not importable by /usr/bin/python3"; exit 0; }
cpp=$(mktemp) py=$(mktemp)
trap 'rm -f "$cpp" "$py" "$cpp.kb" "$py.kb"' EXIT
peak_run "$cpp.kb" "$build/bin/neuroloupe_bench_fmri" "$@" >"$cpp"
# reference.py has no --threads (NumPy's BLAS picks its own).
args=() skip=0
for a in "$@"; do
  if ((skip)); then skip=0; continue; fi
  if [[ $a == --threads ]]; then skip=1; continue; fi
  args+=("$a")
done
peak_run "$py.kb" /usr/bin/python3 "$here/reference.py" "${args[@]}" >"$py"
/usr/bin/python3 - "$cpp" "$py" "$(mb_of "$cpp.kb")" "$(mb_of "$py.kb")" <<'PY'
import sys
def read(path):
    values, z = {}, {}
    for line in open(path):
        parts = line.split()
        if parts[0] == "z":
            z[int(parts[1])] = float(parts[2])
        else:
            values[parts[0]] = float(parts[1])
    return values, z
cpp, cz = read(sys.argv[1])
py, pz = read(sys.argv[2])
print("voxels %d, scans %d" % (cpp["voxels"], cpp["scans"]))
print("%-14s %12s %12s %8s" % ("", "C++", "NumPy", "ratio"))
for key in ("design_seconds", "glm_seconds", "ns_per_voxel"):
    print("%-14s %12.4g %12.4g %7.1fx" % (key, cpp[key], py[key], py[key] / max(cpp[key], 1e-12)))
zdiff = max(abs(cz[k] - pz[k]) for k in cz)
print("largest |C++ − NumPy| z: %.2e" % zdiff)
print("RESULT glm %dvox,%dscans %.5f %.5f %s %s OLS fit + contrast z; max |z diff| %.1e"
      % (cpp["voxels"], cpp["scans"], cpp["glm_seconds"], py["glm_seconds"], sys.argv[3], sys.argv[4], zdiff))
PY
