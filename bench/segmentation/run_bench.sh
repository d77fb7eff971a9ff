#!/bin/bash
# Baseline (Duan et al. colour clustering) and ours (tubular) on the real FISBe
# crop (partly-labelled rules) and on simulated full-size MCFO volumes:
# S, avF1, C, FS, FM from fisbe.evaluate, wall and CPU time and peak memory of
# each segmentation run (GNU time), the load average around it, and the voxels
# ours puts in two instances (crossings). One run at a time, under nice.
#
#   bench/segmentation/run_bench.sh [BUILD_DIR] [DATA_DIR] [RESULTS_DIR]
# DATA_DIR (default /work/bench-data) holds sim1.zarr … made by
#   BUILD_DIR/bin/neuroloupe_simulate_mcfo R14A02-20180905_65_A6.zarr DATA_DIR/simN.zarr N
# RESULTS_DIR (default DATA_DIR/segment-out) receives, per row, the run's JSON
# (<row>.run.json: parameters, summary), fisbe.evaluate's JSON
# (<row>.eval.json) and GNU time's line (<row>.time: wall user sys KB).
set -euo pipefail
BUILD=${1:-build/ci}
DATA=${2:-/work/bench-data}
RESULTS=${3:-$DATA/segment-out}
CLI=$BUILD/bin/neuroloupe-cli
FIX=$(cd "$(dirname "$0")/../../.." && pwd)/shared/fixtures
LABELS=$DATA/segment-out/labels
mkdir -p "$RESULTS" "$LABELS"
PY=/usr/bin/python3

row() {  # name volume.zarr partly method tag [extra flags] → one table row
  local name=$1 vol=$2 partly=$3 method=$4 tag=$5
  shift 5
  local out=$RESULTS/${name}_${tag} labels=$LABELS/${name}_${tag}.zarr
  rm -rf "$labels"
  local load0 load1
  load0=$(cut -d' ' -f1 /proc/loadavg)
  nice /usr/bin/time -f "%e %U %S %M" -o "$out.time" \
    "$CLI" run microscopy.segment_neurons --input raw="$vol::volumes/raw" --method "$method" \
    --labels_path "$labels" --json "$@" > "$out.run.json" 2>/dev/null
  load1=$(cut -d' ' -f1 /proc/loadavg)
  nice "$CLI" run fisbe.evaluate --input gt="$vol::volumes/gt_instances" \
    --input pred="$labels::volumes/labels" --partly "$partly" --json > "$out.eval.json" 2>/dev/null
  rm -rf "$labels"
  read -r wall user sys kb < "$out.time"
  $PY - "$out" "$name" "$method ${*:-}" "$wall" "$user" "$sys" "$kb" "$load0" "$load1" <<'PYEOF'
import json, sys
out, name, flags, wall, user, sys_, kb, l0, l1 = sys.argv[1:]
m = json.load(open(out + ".eval.json"))["outputs"]["metrics"]["metrics"]; g = m["general"]
s = json.load(open(out + ".run.json"))["outputs"]["summary"]["columns"]
s = dict(zip(s["quantity"], s["value"]))
print("| %s | %s | %.3f | %.3f | %.3f | %d | %d | %d | %d | %.1f | %.1f | %d | %s–%s |" % (
    name, flags.strip(), g["avg_f1_cov_score"], m["confusion_matrix"]["avFscore"],
    g["avg_gt_skel_coverage"], g["FS"], g["FM"], g["Num Pred"], s.get("overlap_voxels", 0),
    float(wall), float(user) + float(sys_), int(kb) // 1024, l0, l1))
PYEOF
}

echo "$(date -u '+%F %H:%M UTC'), commit $(git -C "$(dirname "$0")" rev-parse --short HEAD), $(nproc) cores"
echo "| volume | method, flags | S | avF1 | C | FS | FM | instances | shared voxels | wall s | CPU s | peak MB | load |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
CROP=$FIX/fisbe_raw/JRC_SS05008-20160318_24_B2_crop.zarr
row crop "$CROP" true baseline baseline
row crop "$CROP" true baseline baseline_grey005 --foreground_grey 0.05
row crop "$CROP" true tubular ours
row crop "$CROP" true tubular ours_share0 --overlap_share 0
for sim in "$DATA"/sim[0-9].zarr; do
  name=$(basename "$sim" .zarr)
  row "$name" "$sim" false baseline baseline
  row "$name" "$sim" false tubular ours
done
