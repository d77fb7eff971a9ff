#!/usr/bin/env bash
# Builds the reader fuzzers (preset "fuzz": clang, libFuzzer, ASan + UBSan),
# replays every committed regression case and the seed corpus, then mutates
# each target for a fixed number of inputs from a fixed seed (deterministic
# for a given build). Any crash, sanitizer report, leak, timeout or
# out-of-memory fails the step and leaves the input in build/fuzz/findings.
#   tests/fuzz/run.sh [RUNS_PER_TARGET] [TARGET ...]
# NEUROLOUPE_FUZZ_SECONDS caps each target's mutation time as well (CI: the
# whole step stays within its budget on a slow machine; a capped target
# stops early, never fails for it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
runs="${1:-2000}"
shift || true
fixtures="${NEUROLOUPE_FIXTURES:-../shared/fixtures}"

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/neuroloupe-ccache}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
# NEUROLOUPE_FUZZ_BUILT=1: the caller built them (scripts/test.sh does, beside
# the test suite).
if [ "${NEUROLOUPE_FUZZ_BUILT:-0}" != 1 ]; then
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j"$(nproc)"
fi

build=build/fuzz
bin=$build/bin
corpus=$build/corpus
findings=$build/findings
rm -rf "$corpus" "$findings"
mkdir -p "$corpus" "$findings"

# Seeds: fixture files of the target's format up to 300 KB (libFuzzer mutates
# small inputs far faster), and the target's committed regression cases.
seed() {  # seed TARGET GLOB...
  local target=$1
  shift
  mkdir -p "$corpus/$target"
  if [ -d "$fixtures" ]; then
    for pattern in "$@"; do
      find "$fixtures" -path '*.zarr/*' -prune -o -type f -name "$pattern" -size -300k -print |
        while read -r f; do cp "$f" "$corpus/$target/$(basename "$f")"; done
    done
    # Every fixture of the format is larger: the head of the smallest (its
    # header and first records are what the reader parses first).
    if [ -z "$(ls -A "$corpus/$target")" ]; then
      for pattern in "$@"; do
        f=$(find "$fixtures" -path '*.zarr/*' -prune -o -type f -name "$pattern" -printf '%s %p\n' |
              sort -n | head -1 | cut -d' ' -f2-)
        if [ -n "$f" ]; then head -c 200000 "$f" >"$corpus/$target/$(basename "$f")"; fi
      done
    fi
  fi
}
seed npy '*.npy'
seed npz '*.npz'
seed csv '*.csv' '*.tsv'
seed mat '*.mat'
seed json '*.json'
seed nifti '*.nii'
seed nifti_gz '*.nii.gz'
seed mgh '*.mgh'
seed mgz '*.mgz'
seed gifti '*.gii'
seed freesurfer_surface 'lh.white' 'lh.pial' 'rh.white'
seed freesurfer_curv 'lh.thickness' 'lh.sulc' 'lh.curv'
seed freesurfer_annot '*.annot'
seed tiff '*.tif' '*.tiff'
seed swc '*.swc'
seed hdf5 '*.h5' '*.hdf5'
seed nwb '*.nwb'
seed png '*.png'
seed jpeg '*.jpg' '*.jpeg'
mkdir -p "$corpus/zarr_metadata" "$corpus/zarr_chunk"
if [ -d "$fixtures" ]; then
  i=0
  while read -r f; do cp "$f" "$corpus/zarr_metadata/zarray$i"; i=$((i + 1)); done \
    < <(find "$fixtures" -name .zarray)
  # Real stored chunks, behind a first byte that picks the fixture's codec.
  i=0
  while read -r f; do
    { printf '\x03'; head -c 200000 "$f"; } >"$corpus/zarr_chunk/chunk$i"
    i=$((i + 1))
  done < <(find "$fixtures" -path '*.zarr/*' -type f -name '0.*' -size -200k | head -8)
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  # Every harness but the HDF5-based ones: libhdf5 1.10.8 itself crashes on
  # some corrupt metadata (docs/RELIABILITY.md); those run on request.
  targets=(npy npz csv mat json nifti nifti_gz mgh mgz gifti freesurfer_surface freesurfer_curv
           freesurfer_annot tiff swc zarr_metadata zarr_chunk png jpeg)
fi

export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# One target: its verdict line in $findings/<target>.result, exit status 1
# on a finding.
fuzz_one() {
  local target=$1
  local regressions=tests/fuzz/regressions/$target
  mkdir -p "$findings/$target"
  local inputs=("$corpus/$target")
  [ -d "$regressions" ] && inputs+=("$regressions")
  local dict=()
  [ -f "tests/fuzz/dict/$target.dict" ] && dict=(-dict="tests/fuzz/dict/$target.dict")
  local cap=()
  [ -n "${NEUROLOUPE_FUZZ_SECONDS:-}" ] && cap=(-max_total_time="$NEUROLOUPE_FUZZ_SECONDS")
  local t0
  t0=$(date +%s)
  # libFuzzer adds what it finds to the first folder (the scratch corpus):
  # the committed regressions stay as they are.
  if "$bin/fuzz_$target" "${inputs[@]}" "${dict[@]}" "${cap[@]}" -runs="$runs" -seed=1 -timeout=10 \
       -rss_limit_mb=2048 -malloc_limit_mb=1024 \
       -artifact_prefix="$findings/$target/" >"$findings/$target.log" 2>&1; then
    echo "fuzz: $target ok ($(( $(date +%s) - t0 )) s, $(grep -o 'cov: [0-9]*' "$findings/$target.log" | tail -1))" \
      >"$findings/$target.result"
  else
    {
      echo "fuzz: $target FAILED ($(( $(date +%s) - t0 )) s) — see $findings/$target.log"
      grep -m3 -E "ERROR|SUMMARY|terminate|==[0-9]+==" "$findings/$target.log" | sed 's/^/    /' || true
    } >"$findings/$target.result"
    return 1
  fi
}

# Targets run side by side (NEUROLOUPE_FUZZ_JOBS, default the core count):
# with a time cap the step's wall time shrinks; each target's inputs, seed
# and verdict do not depend on it.
jobs="${NEUROLOUPE_FUZZ_JOBS:-$(nproc)}"
start=$(date +%s)
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  fuzz_one "$target" &
done
wait || true
failed=()
for target in "${targets[@]}"; do
  cat "$findings/$target.result" 2>/dev/null || echo "fuzz: $target FAILED (no verdict)"
  grep -q "^fuzz: $target ok" "$findings/$target.result" 2>/dev/null || failed+=("$target")
done
echo "fuzz: ${#targets[@]} targets, $runs inputs each, $(( $(date +%s) - start )) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]} (inputs in $findings)"
  exit 1
fi
