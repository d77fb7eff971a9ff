#!/bin/sh
# Table 1 (Dyballa et al. 2024) on weighted LFR graphs: ours, Leiden, Louvain
# (neuroloupe_bench_communities) and graph-tool (Debian python3-graph-tool) on
# the same network.dat files. Usage: run_communities.sh <build-dir> [graphs] [out-dir]
set -e
build=${1:-build/ci}
graphs=${2:-10}
out=${3:-/tmp/neuroloupe_lfr_table1}
here=$(dirname "$0")
echo "== ours, Leiden, Louvain"
"$build/bin/neuroloupe_bench_communities" "$out" "$graphs"
echo "== graph-tool minimize_nested_blockmodel_dl (NMI, seconds)"
/usr/bin/python3 "$here/communities_graphtool.py" "$out" "$graphs"
