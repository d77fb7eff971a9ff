#!/usr/bin/python3
"""graph-tool's minimize_nested_blockmodel_dl on the graphs written by
neuroloupe_bench_communities: weights as a real-exponential edge covariate,
score = best NMI (arithmetic) over hierarchy levels. Also graph-tool's
entropy() of its own fit and of ours (ours_levels.txt, under the model ours
kept), so both optimisers are compared on one objective.
Usage: <dir> [graphs] [models]; models = dc (graph-tool's default, the Table 1
runs) or both: degree-corrected and not, each seeded alike, the shorter kept —
the protocol our fit follows (issue #17), written to graphtool_both.tsv."""
import math, os, sys, time
from collections import Counter
import graph_tool.all as gt
import numpy as np

def nested_bs(levels):
    """Node labels per level (0 = finest) -> graph-tool's bs: bs[l][g] is the
    level-l group of level-(l-1) group g."""
    bs = [np.array(levels[0])]
    for l in range(1, len(levels)):
        below, here = levels[l - 1], levels[l]
        b = np.zeros(max(below) + 1, int)
        for i, g in enumerate(below):
            b[g] = here[i]
        bs.append(b)
    if max(levels[-1]) > 0:
        bs.append(np.zeros(max(levels[-1]) + 1, int))
    return bs


def ours_entropy(G, w, d):
    path = os.path.join(d, "ours_levels.txt")
    if not os.path.exists(path):
        return float("nan")
    lines = open(path).read().split("\n")
    dc = lines[0].split()[1] == "1"
    levels = [[int(x) for x in line.split()] for line in lines[1:] if line.strip()]
    st = gt.NestedBlockState(G, bs=nested_bs(levels), state_args=dict(
        recs=[w], rec_types=["real-exponential"], deg_corr=dc))
    return st.entropy()


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
models = sys.argv[3] if len(sys.argv) > 3 else "dc"
if models not in ("dc", "both"):
    sys.exit(f"models must be dc or both, not {models}")
nets = ["default", "beta0.5", "beta1", "beta2", "mut0.25", "mut0.5", "mut0.75", "k10",
        "muw0.25", "muw0.75"]
out = open(os.path.join(root, "graphtool.tsv" if models == "dc" else "graphtool_both.tsv"), "w")
out.write("net\tgraph\tgt_nmi\tgt_s\tgt_entropy\tours_gt_entropy\tgt_dc\n")
for net in nets:
    scores, times, entropies, chosen = [], [], [], []
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
        t0 = time.perf_counter()
        fits = []
        for dc in ((True,) if models == "dc" else (True, False)):
            gt.seed_rng(g + 1)
            np.random.seed(g + 1)
            st = gt.minimize_nested_blockmodel_dl(
                G, state_args=dict(recs=[w], rec_types=["real-exponential"], deg_corr=dc))
            fits.append((st.entropy(), dc, st))
        t = time.perf_counter() - t0
        _, dc, state = min(fits, key=lambda f: f[0])
        chosen.append(dc)
        best = 0.0
        for level in range(len(state.get_levels())):
            labels = list(state.project_level(level).get_blocks().a)
            best = max(best, nmi(labels, truth))
        scores.append(best)
        times.append(t)
        s_gt, s_ours = state.entropy(), ours_entropy(G, w, d)
        entropies.append((s_gt, s_ours))
        out.write(f"{net}\t{g}\t{best}\t{t}\t{s_gt}\t{s_ours}\t{int(dc)}\n")
        out.flush()
    s_gt, s_ours = np.mean(entropies, axis=0)
    print(f"{net:9s} {np.mean(scores):8.3f} {np.mean(times):8.3f}  entropy gt {s_gt:9.2f} ours {s_ours:9.2f}  degree-corrected kept {sum(chosen)}/{len(chosen)}",
          flush=True)
