#!/bin/sh
# Table 1 (Dyballa et al. 2024) on weighted LFR graphs: ours, Leiden, Louvain
# (neuroloupe_bench_communities) and graph-tool (Debian python3-graph-tool) on
# the same network.dat files, then a RESULT line (bench/result.sh) for
# bench/run-all: the nested SBM fits' seconds summed over all graphs (ours vs
# minimize_nested_blockmodel_dl), each program's peak RSS and the mean NMIs.
# Usage: run_communities.sh <build-dir> [graphs] [out-dir]
set -e
build=${1:-build/ci}
graphs=${2:-10}
out=${3:-/tmp/neuroloupe_lfr_table1}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../result.sh"
[ -x "$build/bin/neuroloupe_bench_communities" ] ||
  { skip_row sbm "no $build/bin/neuroloupe_bench_communities"; exit 0; }
has_python_modules graph_tool numpy ||
  { skip_row sbm "graph-tool not importable by /usr/bin/python3 (apt-get install python3-graph-tool)"; exit 0; }
echo "== ours, Leiden, Louvain"
peak_run "$out.ours.kb" "$build/bin/neuroloupe_bench_communities" "$out" "$graphs"
echo "== graph-tool minimize_nested_blockmodel_dl (NMI, seconds)"
peak_run "$out.gt.kb" /usr/bin/python3 "$here/communities_graphtool.py" "$out" "$graphs"
awk -F'\t' -v omb="$(mb_of "$out.ours.kb")" -v pmb="$(mb_of "$out.gt.kb")" -v graphs="$graphs" '
  FNR == 1 { file += 1; next }
  file == 1 { os += $4; on += $3; n += 1 }
  file == 2 { ps += $4; pn += $3; m += 1 }
  END { printf "RESULT sbm %dgraphs,N125 %.4f %.4f %s %s nested SBM fits summed (10 LFR nets x %d); mean NMI %.3f vs %.3f\n",
          n, os, ps, omb, pmb, graphs, on / n, pn / m }' "$out/ours.tsv" "$out/graphtool.tsv"
rm -f "$out.ours.kb" "$out.gt.kb"
