#!/bin/bash
# Volumes in their stored type and dense algebra on OpenBLAS, side by side
# with the issue's goals (docs/VOLUMES_IN_MEMORY.md):
#   - RSA layer RDM (118 stimuli × 794k features) vs NumPy + OpenBLAS  (goal ≥ 1×)
#   - first-level GLM vs NumPy + OpenBLAS                              (goal ≥ 3×)
#   - a 91×109×91×300 int16 run (540 MB): GUI first frame (< 1 s) and peak
#     memory (< 900 MB), a voxel's time course (< 10 ms), fmri.glm peak (< 2 GB)
# usage: bench/fmri/volumes_and_blas.sh BUILD_DIR [DATA_DIR]
# DATA_DIR (default /work/bench-data; never the repository) receives the
# generated run (make_run.py) and the GLM output.
set -euo pipefail
build=$(cd "${1:?usage: volumes_and_blas.sh BUILD_DIR [DATA_DIR]}" && pwd)
data=${2:-/work/bench-data}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$data"
run="$data/run91x109x91x300_int16.nii"
[[ -f $run ]] || /usr/bin/python3 "$here/make_run.py" "$data" >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# NumPy's BLAS as loaded at run time (Debian's numpy links libblas.so.3,
# which the alternatives system points at OpenBLAS once libopenblas0 is in).
numpy_blas=$(/usr/bin/python3 -c '
import numpy as np
np.dot(np.ones((64, 64)), np.ones((64, 64)))
libs = {l.split()[-1] for l in open("/proc/self/maps") if "blas" in l or "lapack" in l}
print(" ".join(sorted({p.rsplit("/", 1)[-1] for p in libs})))')
echo "NumPy BLAS at run time: $numpy_blas"

"$here/../rsa/compare.sh" "$build" >"$out/rsa.txt"
"$here/compare.sh" "$build" --voxels 200000 --scans 300 >"$out/glm.txt"
"$build/bin/neuroloupe_bench_volume" "$run" --courses 200 >"$out/volume.txt"
xvfb-run -a -s "-screen 0 1920x1200x24" /usr/bin/time -v "$build/bin/neuroloupe" "$run" \
  --screenshot "$out/run.png" --quit-after 1 >"$out/gui.txt" 2>&1 || true
events="$data/events.tsv"
/usr/bin/time -v "$build/bin/neuroloupe-cli" run fmri.glm -i run="$run" -i events="$events" \
  --contrast "a - b" --out "$out/glm.h5" >"$out/cli.txt" 2>&1

/usr/bin/python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
def text(name):
    return open(f"{out}/{name}").read()
def grab(name, pattern):
    m = re.search(pattern, text(name))
    return float(m.group(1)) if m else float("nan")
rows = []
rsa_cpp = grab("rsa.txt", r"layer_rdm\s+([\d.]+)")
rsa_py = grab("rsa.txt", r"layer_rdm\s+[\d.]+\s+([\d.]+)")
rows.append(("RSA layer RDM, NumPy s / ours s", f"{rsa_py:.3f} / {rsa_cpp:.3f}", f"{rsa_py / rsa_cpp:.2f}x", ">= 1x"))
glm_cpp = grab("glm.txt", r"glm_seconds\s+([\d.e+-]+)")
glm_py = grab("glm.txt", r"glm_seconds\s+[\d.e+-]+\s+([\d.e+-]+)")
rows.append(("GLM (200k voxels x 300 scans), NumPy s / ours s", f"{glm_py:.3f} / {glm_cpp:.3f}", f"{glm_py / glm_cpp:.2f}x", ">= 3x"))
frame = grab("gui.txt", r"first 3D frame (\d+) ms")
gui_rss = grab("gui.txt", r"Maximum resident set size \(kbytes\): (\d+)") / 1024
rows.append(("GUI: open the 540 MB run, first frame", f"{frame:.0f} ms", "", "< 1000 ms"))
rows.append(("GUI: peak resident memory", f"{gui_rss:.0f} MB", "", "< 900 MB"))
mean = grab("volume.txt", r"course_mean_ms ([\d.]+)")
worst = grab("volume.txt", r"course_worst_ms ([\d.]+)")
rows.append(("voxel time course (300 scans), mean / worst", f"{mean:.3f} / {worst:.2f} ms", "", "< 10 ms"))
cli_rss = grab("cli.txt", r"Maximum resident set size \(kbytes\): (\d+)") / 1024
cli_s = text("cli.txt")
m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", cli_s)
rows.append(("neuroloupe-cli run fmri.glm: peak memory", f"{cli_rss:.0f} MB", m.group(1) if m else "", "< 2048 MB"))
widen = grab("volume.txt", r"widen_all_peak_mb ([\d.]+)")
rows.append(("(for scale: the run widened to doubles, peak)", f"{widen:.0f} MB", "", ""))
w = max(len(r[0]) for r in rows)
print(f"{'':{w}}  {'measured':>22}  {'ratio':>8}  goal")
for r in rows:
    print(f"{r[0]:{w}}  {r[1]:>22}  {r[2]:>8}  {r[3]}")
PY
