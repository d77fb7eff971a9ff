#!/bin/bash
# NWB open / spike load: NeuroLoupe vs h5py on a generated Allen-shaped file
# (6 probes × 350 units, 3000 s; ~50 M spikes). Usage:
#   bench/nwb_bench.sh [BUILD_DIR] [FILE.nwb]
# The file is generated once (tests/tools) and reused. Each side runs 3 times in
# a fresh process with a warm page cache; medians are compared.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build/ci}
file=${2:-${TMPDIR:-/tmp}/neuroloupe-bench/allen_shaped.nwb}
mkdir -p "$(dirname "$file")"
[[ -f $file ]] || "$build/bin/neuroloupe-make-allen-nwb" "$file"
ls -l "$file"
cat "$file" >/dev/null  # warm the page cache for both sides

run() {  # run NAME CMD... → NAME.N files of "step seconds" lines
  for i in 1 2 3; do "${@:2}" >"$tmp/$1.$i"; done
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run nl "$build/bin/neuroloupe_bench_nwb" "$file"
run py /usr/bin/python3 "$here/nwb_h5py.py" "$file"
median() { sort -n | sed -n 2p; }
printf "%-22s %12s %12s %8s\n" step "neuroloupe" "h5py" "h5py/nl"
for step in open_metadata load_all_spikes per_unit_all_units window_1s_all_units peak_rss_mb; do
  a=$(cat "$tmp"/nl.* | awk -v s=$step '$1==s{print $2}' | median)
  b=$(cat "$tmp"/py.* | awk -v s=$step '$1==s{print $2}' | median)
  awk -v s="$step" -v a="$a" -v b="$b" 'BEGIN { printf "%-22s %12s %12s %8.2f\n", s, a, b, b / a }'
done
grep -h checksum "$tmp/nl.1" "$tmp/py.1"
