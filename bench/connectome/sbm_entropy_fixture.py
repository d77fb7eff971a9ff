#!/usr/bin/python3
"""Provenance of the reference numbers in tests/connectome/SbmGraphToolTest.cpp:
graph-tool's (Debian python3-graph-tool 2.45) NestedBlockState.entropy() of a
fixed 16-node weighted graph under a fixed four-level hierarchy, for the
degree-corrected and the plain model, with and without the real-exponential
edge weights, and graph-tool's sum of ln q(e_r, n_r) over the level-0 groups
(the partition-count table of its degree prior). Prints the edge list as a C++
initializer and the numbers. Run with /usr/bin/python3."""
from collections import Counter

import graph_tool.all as gt
import graph_tool.inference as gi
import numpy as np

rng = np.random.default_rng(17)
N = 16
truth = [i // 4 for i in range(N)]
edges = []
for i in range(N):
    for j in range(i + 1, N):
        if rng.random() < (0.6 if truth[i] == truth[j] else 0.15):
            x = round(float(rng.exponential(2.0 if truth[i] == truth[j] else 0.7)), 3) + 0.001
            edges.append((i, j, float("%.3f" % x)))
G = gt.Graph(directed=False)
G.add_vertex(N)
G.add_edge_list([(i, j) for i, j, _ in edges])
w = G.new_ep("double")
w.a = [x for *_, x in edges]
b0 = [0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4, 0, 1, 4, 3]
b1 = [0, 1, 1, 2, 2]
b2 = [0, 1, 1]
bs = [np.array(b0), np.array(b1), np.array(b2), np.zeros(2, int)]
print("{" + ", ".join("{%d, %d, %.3f}" % e for e in edges) + "}")
for dc in (True, False):
    weighted = gt.NestedBlockState(G, bs=bs, state_args=dict(
        recs=[w], rec_types=["real-exponential"], deg_corr=dc))
    plain = gt.NestedBlockState(G, bs=bs, state_args=dict(deg_corr=dc))
    print("deg_corr=%s weighted %.12f unweighted %.12f" % (dc, weighted.entropy(), plain.entropy()))
e, n = Counter(), Counter(b0)
for i, j, _ in edges:
    e[b0[i]] += 1
    e[b0[j]] += 1
print("sum log_q %.12f" % sum(gi.libinference.log_q(e[r], n[r]) for r in n))
