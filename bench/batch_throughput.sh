#!/usr/bin/env bash
# Batch throughput (docs/BATCH.md): RUNS fisbe.evaluate runs (default 8) over
# simulated neuron label volumes (SIZE³ voxels, TUBES neurons each, made by
# /usr/bin/python3 + numpy), one batch per configuration into a fresh folder:
# local --workers 1 and 2, then mpirun -n 1, 2 and 4 (one run at a time per
# rank). Prints wall time, runs/min and the mean wall time and peak memory of
# one run (from index.csv) per configuration. Then the same with REAL_RUNS
# (default 4) runs of the real FISBe sample R14A02-20180905_65_A6 (fixture
# pair, 7 neurons in 385×685×686) when the fixtures are present.
#
# Usage: bench/batch_throughput.sh BUILD_DIR
#   environment: RUNS (8), SIZE (192), TUBES (24), REAL_RUNS (4; 0 skips),
#   RANKS ("1 2 4"), WORKERS ("1 2"), FIXTURES (../shared/fixtures),
#   KEEP=1 keeps the scratch folder.
# Skips the MPI rows (saying why) when mpirun is absent.
set -euo pipefail
build=${1:?usage: batch_throughput.sh BUILD_DIR}
cli="$build/bin/neuroloupe-cli"
[ -x "$cli" ] || { echo "batch_throughput: no $cli (build neuroloupe-cli first)"; exit 1; }
runs=${RUNS:-8}
size=${SIZE:-192}
tubes=${TUBES:-24}
python=/usr/bin/python3
"$python" -c "import numpy" 2>/dev/null || { echo "batch_throughput: skipped: $python has no numpy"; exit 0; }

scratch=$(mktemp -d /tmp/nl-batch-bench.XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/gt" "$scratch/pred"

# Ground truth: TUBES tubes (random walks of radius 2, ids 1…TUBES) in SIZE³;
# the prediction merges two neurons, drops one, splits one and adds a blob.
"$python" - "$scratch" "$runs" "$size" "$tubes" <<'PY'
import sys
import numpy as np
out, runs, size, tubes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for k in range(runs):
    rng = np.random.default_rng(1000 + k)
    gt = np.zeros((size, size, size), np.int32)
    for t in range(1, tubes + 1):
        p = rng.uniform(4, size - 4, 3)
        d = rng.normal(size=3); d /= np.linalg.norm(d)
        for _ in range(2 * size):
            d += rng.normal(scale=0.25, size=3); d /= np.linalg.norm(d)
            p += d
            for a in range(3):
                if p[a] < 3 or p[a] > size - 4:
                    d[a] = -d[a]; p[a] = min(max(p[a], 3), size - 4)
            z, y, x = (int(round(v)) for v in p)
            gt[z - 2:z + 3, y - 2:y + 3, x - 2:x + 3] = t
    pred = gt.copy()
    pred[pred == 2] = 1                      # a merge
    pred[pred == 3] = 0                      # a miss
    half = pred.shape[2] // 2                # a split
    right = pred[:, :, half:]
    right[right == 4] = tubes + 1
    pred[size // 2 - 4:size // 2 + 4, 2:10, 2:10] = tubes + 2  # a false positive
    np.save(f"{out}/gt/vol{k:02d}.npy", gt)
    np.save(f"{out}/pred/vol{k:02d}.npy", pred)
PY
cat >"$scratch/plan.json" <<JSON
{"plugin": "fisbe.evaluate",
 "inputs": {"gt": "gt/*.npy", "pred": "pred/{stem}.npy"},
 "parameters": {"remove_small": 50}}
JSON

mpi_flags=(--oversubscribe)
[ "$(id -u)" = 0 ] && mpi_flags+=(--allow-run-as-root)

measure() {  # plan, name, command…
  local plan=$1 name=$2; shift 2
  local out="$scratch/out-${name// /_}"
  rm -rf "$out"
  local start end
  start=$(date +%s.%N)
  "$@" "$plan" --out "$out" >/dev/null 2>"$out.log" || true
  end=$(date +%s.%N)
  "$python" - "$name" "$start" "$end" "$out/index.csv" <<'PY'
import csv, sys
name, start, end, index = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
rows = list(csv.DictReader(open(index)))
runs = len(rows)
done = [r for r in rows if r["status"] == "done"]
wall = end - start
mean = sum(float(r["wall_time_s"]) for r in done) / max(1, len(done))
peak = max((float(r["peak_memory_mb"]) for r in done), default=0)
note = "" if len(done) == runs else f"  ({len(done)} of {runs} done)"
print(f"{name:<22} {wall:8.2f} {60 * len(done) / wall:9.1f} {mean:14.2f} {peak:14.0f}{note}")
PY
}

configurations() {  # plan
  printf "%-22s %8s %9s %14s %14s\n" configuration "wall s" "runs/min" "run mean s" "run peak MB"
  for w in ${WORKERS:-1 2}; do
    measure "$1" "local --workers $w" "$cli" batch --workers "$w"
  done
  if command -v mpirun >/dev/null 2>&1; then
    for n in ${RANKS:-1 2 4}; do
      measure "$1" "mpirun -n $n" mpirun "${mpi_flags[@]}" -n "$n" "$cli" batch
    done
  else
    echo "mpirun rows skipped: mpirun is not installed (openmpi-bin)"
  fi
}

echo "$runs × fisbe.evaluate on simulated ${size}³ label volumes, $tubes neurons each ($(nproc) cores):"
configurations "$scratch/plan.json"

fixtures=${FIXTURES:-"$(cd "$(dirname "$0")" && pwd)/../../shared/fixtures"}
gt="$fixtures/zarr/R14A02-20180905_65_A6.zarr"
pred="$fixtures/zarr/R14A02-20180905_65_A6_pred.hdf"
real_runs=${REAL_RUNS:-4}
if [ "$real_runs" -gt 0 ] && [ -d "$gt" ] && [ -f "$pred" ]; then
  "$python" - "$scratch/real.json" "$real_runs" "$gt" "$pred" <<'PY'
import json, sys
path, n, gt, pred = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
runs = [{"id": f"real{i:02d}", "plugin": "fisbe.evaluate",
         "inputs": {"gt": gt + "::volumes/gt_instances", "pred": pred + "::volumes/gmm_label_cleaned"}}
        for i in range(n)]
json.dump({"runs": runs}, open(path, "w"))
PY
  echo
  echo "$real_runs × fisbe.evaluate on the FISBe sample R14A02-20180905_65_A6 (385×685×686, 7 neurons):"
  configurations "$scratch/real.json"
elif [ "$real_runs" -gt 0 ]; then
  echo "real FISBe rows skipped: no fixture pair under $fixtures/zarr"
fi
