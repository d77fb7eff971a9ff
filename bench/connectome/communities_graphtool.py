#!/usr/bin/python3
"""graph-tool's minimize_nested_blockmodel_dl on the graphs written by
neuroloupe_bench_communities: weights as a real-exponential edge covariate,
score = best NMI (arithmetic) over hierarchy levels. Usage: <dir> [graphs]."""
import math, os, sys, time
from collections import Counter
import graph_tool.all as gt
import numpy as np

def nmi(a, b):
    n = len(a)
    ca, cb, j = Counter(a), Counter(b), Counter(zip(a, b))
    ha = -sum(v / n * math.log(v / n) for v in ca.values())
    hb = -sum(v / n * math.log(v / n) for v in cb.values())
    if ha + hb <= 0:
        return 1.0
    mi = sum(v / n * math.log(v * n / (ca[x] * cb[y])) for (x, y), v in j.items())
    return 2 * mi / (ha + hb)

root = sys.argv[1]
graphs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
nets = ["default", "beta0.5", "beta1", "beta2", "mut0.25", "mut0.5", "mut0.75", "k10",
        "muw0.25", "muw0.75"]
out = open(os.path.join(root, "graphtool.tsv"), "w")
out.write("net\tgraph\tgt_nmi\tgt_s\n")
for net in nets:
    scores, times = [], []
    for g in range(graphs):
        d = os.path.join(root, net, str(g))
        e = np.loadtxt(os.path.join(d, "network.dat"))
        e = e[e[:, 0] < e[:, 1]]
        truth = [int(x) for x in np.loadtxt(os.path.join(d, "community.dat"))[:, 1]]
        G = gt.Graph(directed=False)
        G.add_vertex(len(truth))
        G.add_edge_list(np.column_stack([e[:, 0] - 1, e[:, 1] - 1]).astype(int))
        w = G.new_ep("double")
        w.a = e[:, 2]
        gt.seed_rng(g + 1)
        np.random.seed(g + 1)
        t0 = time.perf_counter()
        state = gt.minimize_nested_blockmodel_dl(
            G, state_args=dict(recs=[w], rec_types=["real-exponential"]))
        t = time.perf_counter() - t0
        best = 0.0
        for level in range(len(state.get_levels())):
            labels = list(state.project_level(level).get_blocks().a)
            best = max(best, nmi(labels, truth))
        scores.append(best)
        times.append(t)
        out.write(f"{net}\t{g}\t{best}\t{t}\n")
        out.flush()
    print(f"{net:9s} {np.mean(scores):8.3f} {np.mean(times):8.3f}", flush=True)
