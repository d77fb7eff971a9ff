#!/usr/bin/python3
"""How much graph-tool's Table 1 NMI moves with its seed: on the graphs written
by neuroloupe_bench_communities, minimize_nested_blockmodel_dl (the same call as
communities_graphtool.py) is run with `seeds` seeds per graph (seed 100 s + g,
s = 1 … seeds; Table 1 uses g + 1) and per net it prints the mean NMI (best over
levels) over all fits, the standard deviation over seeds of the 10-graph mean,
and the mean over graphs of the correlation between a fit's entropy() and its
NMI. Usage: <dir> [graphs=10] [seeds=8]."""
import math, os, sys
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
seeds = int(sys.argv[3]) if len(sys.argv) > 3 else 8
nets = ["default", "beta0.5", "beta1", "beta2", "mut0.25", "mut0.5", "mut0.75", "k10",
        "muw0.25", "muw0.75"]
print("net       mean NMI  sd(seed mean)  corr(entropy, NMI)")
for net in nets:
    nmis = np.zeros((seeds, graphs))
    corr = []
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
        entropy = []
        for s in range(seeds):
            gt.seed_rng(100 * (s + 1) + g)
            np.random.seed(100 * (s + 1) + g)
            state = gt.minimize_nested_blockmodel_dl(
                G, state_args=dict(recs=[w], rec_types=["real-exponential"]))
            nmis[s, g] = max(nmi(list(state.project_level(l).get_blocks().a), truth)
                             for l in range(len(state.get_levels())))
            entropy.append(state.entropy())
        if np.std(nmis[:, g]) > 0 and np.std(entropy) > 0:
            corr.append(np.corrcoef(entropy, nmis[:, g])[0, 1])
    print(f"{net:9s} {nmis.mean():8.3f} {nmis.mean(axis=1).std():14.3f} {np.mean(corr):19.2f}",
          flush=True)
