#!/bin/sh
# The bi-clustering sampler (one chain, one thread) on the reference
# simulation (N = 30, T = 500, NB r = 10) against the reference code
# (weigcdsb/bi_clustering): that code is not run here (pyhsmm,
# pyhsmm-autoregressive, polyagamma and pyhmc are not in Debian), so its side
# is the 0.68 s per iteration recorded on this machine (issue #16,
# docs/BICLUSTERING.md; REFERENCE_S_PER_ITERATION overrides). Prints the
# bench's lines, then a RESULT line (bench/result.sh) for bench/run-all:
# seconds per iteration (wall) and our peak RSS.
#   bench/biclustering/compare.sh BUILD_DIR [ITERATIONS]
set -eu
build=${1:?usage: compare.sh BUILD_DIR [ITERATIONS]}
iterations=${2:-150}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../result.sh"
reference=${REFERENCE_S_PER_ITERATION:-0.68}
bench="$build/bin/neuroloupe_bench_biclustering"
[ -x "$bench" ] || { skip_row bicluster "no $bench"; exit 0; }
out=$(mktemp)
trap 'rm -f "$out" "$out.kb"' EXIT
peak_run "$out.kb" "$bench" sim "$iterations" 1 >"$out"
cat "$out"
awk -v ref="$reference" -v omb="$(mb_of "$out.kb")" -v n="$iterations" '
  / iterations\/s wall/ { for (i = 1; i <= NF; ++i) if ($(i + 1) == "iterations/s" && $(i + 2) == "wall,") wall = $i
                          for (i = 1; i <= NF; ++i) if (cpu == "" && $(i + 1) == "per" && $(i + 2) == "CPU") cpu = $i }
  END { if (wall > 0) printf "RESULT bicluster sim30x500,%dit %.5f %s %s - peer: recorded %s s/it (reference not installable: pyhsmm, polyagamma not in Debian); ours %.1f it/s per CPU s\n", n, 1 / wall, ref, omb, ref, cpu
        else print "SKIP bicluster the bench printed no iterations/s" }' "$out"
