#!/bin/bash
# The recording path, NeuroLoupe vs h5py + NumPy (Debian's /usr/bin/python3),
# on Allen-shaped NWB files from tests/tools (generated once, kept in
# /work/bench-data/rec unless BENCH_DATA says otherwise). Usage:
#   bench/nwb/run.sh [BUILD_DIR]            # 2,000 units, contiguous + gzip files
#   BIG=1 bench/nwb/run.sh [BUILD_DIR]      # also `info` cold on the 20 GB session
#   GUI=1 bench/nwb/run.sh [BUILD_DIR]      # also the GUI's first frame and peak memory
# bench/run-all's knobs: PROBES (5) x UNITS_PER_PROBE (400) units, RUNS (3),
# GZIP=0 (skip the gzip file), ALIGNED=0 (skip the 4 KB-aligned copy),
# INFO_COLD=0 (skip the cold `info` runs). Each
# file ends with a RESULT line (bench/result.sh): all_split (every unit's
# spike times read and split) and each side's peak RSS.
# Each side runs 3 times in a fresh process (warm page cache); medians are
# compared as h5py / NeuroLoupe (> 1: NeuroLoupe faster or reading less).
# Cold runs drop the file's pages with posix_fadvise(DONTNEED) (this file
# only: other people's caches stay).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build/ci}" && pwd)
data=${BENCH_DATA:-/work/bench-data/rec}
py=/usr/bin/python3
. "$here/../result.sh"
probes=${PROBES:-5} per_probe=${UNITS_PER_PROBE:-400} runs=${RUNS:-3}
units=$((probes * per_probe))
make=$build/bin/neuroloupe-make-allen-nwb
for tool in "$make" "$build/bin/neuroloupe_bench_recording"; do
  [[ -x $tool ]] || { skip_row nwb "no $tool (build the bench targets)"; exit 0; }
done
has_python_modules h5py numpy || { skip_row nwb "h5py not importable by $py (apt-get install python3-h5py)"; exit 0; }
mkdir -p "$data"
file=$data/allen$units.nwb
gzfile=$data/allen${units}_gzip.nwb
big=$data/allen20g.nwb
[[ -f $file ]] || "$make" "$file" --probes "$probes" --units-per-probe "$per_probe"
[[ ${GZIP:-1} == 0 || -f $gzfile ]] || "$make" "$gzfile" --probes "$probes" --units-per-probe "$per_probe" \
  --spike-storage gzip --chunk-elements 65536 --no-waveforms

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
drop() { "$py" -c 'import os,sys
fd = os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$1"; }
warm() { cat "$1" >/dev/null; }
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
step() { cat "$tmp/$1".* | awk -v s="$2" '$1==s{print $2}' | median; }

compare() {  # compare LABEL FILE ROW
  local label=$1 f=$2 row=$3
  warm "$f"
  for ((i = 1; i <= runs; ++i)); do
    "$build/bin/neuroloupe_bench_recording" "$f" >"$tmp/nl.$i"
    "$py" "$here/recording_h5py.py" "$f" >"$tmp/py.$i"
  done
  echo "== $label: $(basename "$f") ($(du -h "$f" | cut -f1), $(step nl units) units, $(step nl spikes) spikes)"
  printf "%-26s %12s %12s %9s\n" step neuroloupe h5py "h5py/nl"
  for s in open_metadata time_range open_time_range_read_mb all_split all_split_sum per_unit_all_units \
    one_unit window_1s_all_units peak_rss_mb; do
    a=$(step nl $s)
    b=$(step py $s)
    awk -v s="$s" -v a="$a" -v b="$b" 'BEGIN { printf "%-26s %12s %12s %9.2f\n", s, a, b, (a > 0 ? b / a : 0) }'
  done
  echo "checksums: neuroloupe $(grep -h checksum "$tmp/nl.1" | cut -d' ' -f2-) | h5py $(grep -h checksum "$tmp/py.1" | cut -d' ' -f2-)"
  echo "sum of all spikes: neuroloupe $(step nl all_spikes_sum) | h5py $(step py all_spikes_sum)"
  result "$row" "$(step nl units)units,$(du -h "$f" | cut -f1)" "$(step nl all_split)" "$(step py all_split)" \
    "$(step nl peak_rss_mb | xargs printf %.0f)" "$(step py peak_rss_mb | xargs printf %.0f)" "all spike times read + split per unit (median of $runs); read + sum of every spike $(step nl all_split_sum) s vs $(step py all_split_sum) s"
  rm -f "$tmp"/nl.* "$tmp"/py.*
}

# `info --json` cold (tables and index, no spike times), then `info --json
# --spike-range` cold (also each unit's first and last spike): wall time and
# bytes from disk, h5py doing the same reads.
info_cold() {  # info_cold FILE
  local f=$1 size flag
  size=$(stat -c %s "$f")
  for flag in --metadata-only --spike-range; do
    for side in neuroloupe h5py; do
      drop "$f"
      if [[ $side == neuroloupe ]]; then
        local extra=()
        [[ $flag == --spike-range ]] && extra=(--spike-range)
        /usr/bin/time -f "%e %I" -o "$tmp/time" "$build/bin/neuroloupe-cli" info --json "${extra[@]}" "$f" >/dev/null
      else
        /usr/bin/time -f "%e %I" -o "$tmp/time" "$py" "$here/recording_h5py.py" "$f" "$flag" >/dev/null
      fi
      read -r seconds blocks <"$tmp/time"
      awk -v side="$side" -v s="$seconds" -v b="$blocks" -v size="$size" -v what="${flag#--}" 'BEGIN {
        printf "info cold %-13s %-11s %7.3f s  %10.2f MB read from disk  (%.4f%% of the file)\n",
          what, side, s, b * 512 / 1e6, 100 * b * 512 / size }'
    done
  done
}

compare "contiguous spike_times" "$file" nwb
# The same session written with 4 KB alignment (H5Pset_alignment): the
# doubles are 8-byte aligned in the file, so trains are views of a mapping.
if [[ ${ALIGNED:-1} != 0 ]]; then
  aligned=$data/allen${units}_aligned.nwb
  [[ -f $aligned ]] || "$make" "$aligned" --probes "$probes" --units-per-probe "$per_probe" --align 4096
  compare "contiguous spike_times, 4 KB-aligned file" "$aligned" nwb-aligned
fi
[[ ${INFO_COLD:-1} == 0 ]] || info_cold "$file"
if [[ ${GZIP:-1} != 0 ]]; then
  compare "gzip spike_times (65,536-element chunks, shuffle)" "$gzfile" nwb-gzip
  [[ ${INFO_COLD:-1} == 0 ]] || info_cold "$gzfile"
fi

if [[ -n ${BIG:-} ]]; then
  [[ -f $big ]] || "$make" "$big" --probes 6 --units-per-probe 950 --duration 9600 --rate 20 --verbose
  echo "== 20 GB session: $(du -h "$big" | cut -f1)"
  info_cold "$big"
  # Every unit in turn through the spike cache at its default cap (512 MB):
  # the process must stay near the cap however much the file holds.
  "$build/bin/neuroloupe_bench_recording" --browse "$big" |
    awk '{v[$1]=$2} END { printf "browse all %d units (%.0f MB of spike times): %.1f s, peak RSS %.0f MB\n", v["browse_units"], v["spike_data_mb"], v["browse_seconds"], v["peak_rss_mb"] }'
fi

if [[ -n ${GUI:-} && -x $build/bin/neuroloupe ]]; then
  warm "$file"
  xvfb-run -a -s "-screen 0 1920x1200x24" /usr/bin/time -f "%e %M" -o "$tmp/gui" \
    "$build/bin/neuroloupe" "$file" --screenshot "$tmp/gui.png" --quit-after 1 >/dev/null 2>&1 || true
  read -r seconds kb <"$tmp/gui"
  awk -v s="$seconds" -v kb="$kb" 'BEGIN { printf "GUI first frame + quit: %.3f s, peak %.0f MB (goal < 0.6 s, < 400 MB)\n", s, kb / 1024 }'
fi
