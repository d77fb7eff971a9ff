#!/bin/sh
# Whole read of the FISBe gt_instances zarr (7 × 385 × 685 × 686 uint8,
# blosc/zstd + bitshuffle): NeuroLoupe with 1 and 2 decoding threads against
# zarr-python (numcodecs blosc, its default threads). Prints the ratios.
# Usage: bench/microscopy/zarr_vs_python.sh BUILD_DIR
set -eu
build=${1:?usage: zarr_vs_python.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
store="$here/../../../shared/fixtures/zarr/R14A02-20180905_65_A6.zarr"
[ -d "$store" ] || { echo "fixture $store absent"; exit 0; }
json=$(mktemp)
"$build/bin/neuroloupe_bench_microscopy" --benchmark_filter='BM_ZarrGtInstancesWholeRead' \
  --benchmark_format=json >"$json"
/usr/bin/python3 - "$store" "$json" <<'PY'
import json, sys, time
try:
    import zarr
except ImportError:
    print("zarr-python is not installed (apt-get install python3-zarr); no comparison")
    sys.exit(0)
store, results = sys.argv[1], json.load(open(sys.argv[2]))
ours = {b["name"].split("/")[1]: b["real_time"] / 1000.0 for b in results["benchmarks"]
        if b.get("run_type", "iteration") == "iteration"}
array = zarr.open(store, "r")["volumes/gt_instances"]
times = []
for _ in range(3):
    start = time.perf_counter()
    data = array[:]
    times.append(time.perf_counter() - start)
python = min(times)
print(f"zarr-python {zarr.__version__}: {python:.2f} s (best of 3, {data.nbytes / 1e9:.2f} GB)")
for threads, seconds in sorted(ours.items()):
    print(f"NeuroLoupe, {threads} thread(s): {seconds:.2f} s  -> {python / seconds:.2f}x zarr-python")
PY
rm -f "$json"
