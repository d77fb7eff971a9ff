#!/bin/bash
# Baseline (Duan et al. colour clustering) and ours (tubular) on the real FISBe
# crop (partly-labelled rules) and on simulated full-size MCFO volumes:
# S, avF1, C, FS, FM from fisbe.evaluate, wall and CPU time and peak memory of
# each segmentation run (GNU time).
#
#   bench/segmentation/run_bench.sh [BUILD_DIR] [DATA_DIR]
# DATA_DIR (default /work/bench-data) holds sim1.zarr … made by
#   BUILD_DIR/bin/neuroloupe_simulate_mcfo R14A02-20180905_65_A6.zarr DATA_DIR/simN.zarr N
set -euo pipefail
BUILD=${1:-build/ci}
DATA=${2:-/work/bench-data}
CLI=$BUILD/bin/neuroloupe-cli
FIX=$(cd "$(dirname "$0")/../../.." && pwd)/shared/fixtures
OUT=$DATA/segment-out
mkdir -p "$OUT"
PY=/usr/bin/python3

score() {  # gt pred partly → "S avF1 C FS FM"
  "$CLI" run fisbe.evaluate --input gt="$1" --input pred="$2" --partly "$3" --json 2>/dev/null |
    $PY -c "
import json,sys; d=json.load(sys.stdin); m=d['outputs']['metrics']['metrics']; g=m['general']
print('%.3f %.3f %.3f %d %d %d' % (g['avg_f1_cov_score'], m['confusion_matrix']['avFscore'], g['avg_gt_skel_coverage'], g['FS'], g['FM'], g['Num Pred']))"
}

run() {  # name volume.zarr partly method [extra flags] → one table row
  local name=$1 vol=$2 partly=$3 method=$4
  shift 4
  local labels=$OUT/${name}_${method}$( [ $# -gt 0 ] && echo "_alt" ).zarr
  rm -rf "$labels"
  /usr/bin/time -f "%e %U %S %M" -o "$OUT/time.txt" \
    "$CLI" run microscopy.segment_neurons --input raw="$vol::volumes/raw" --method "$method" \
    --labels_path "$labels" --json "$@" > "$OUT/run.json" 2>/dev/null
  read -r wall user sys kb < "$OUT/time.txt"
  local metrics
  metrics=$(score "$vol::volumes/gt_instances" "$labels::volumes/labels" "$partly")
  printf "%-10s %-9s %-22s %s %8.1f %8.1f %8.0f\n" "$name" "$method" "${*:-defaults}" "$metrics" \
    "$wall" "$(echo "$user + $sys" | bc)" "$((kb / 1024))"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "volume     method    flags                  S     avF1  C     FS FM pred   wall_s    cpu_s  peak_MB"
CROP=$FIX/fisbe_raw/JRC_SS05008-20160318_24_B2_crop.zarr
run crop "$CROP" true baseline
run crop "$CROP" true baseline --foreground_grey 0.05
run crop "$CROP" true tubular
for sim in "$DATA"/sim[0-9].zarr; do
  name=$(basename "$sim" .zarr)
  run "$name" "$sim" false baseline
  run "$name" "$sim" false tubular
done
