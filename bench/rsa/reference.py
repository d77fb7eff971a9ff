#!/usr/bin/python3
"""NumPy/SciPy reference of bench/rsa/rsa_bench.cpp: the same data, RDMs
(1 − Pearson via np.corrcoef), and a stimulus bootstrap written the
efficient vectorised way (rsatoolbox's rule: resampled upper triangle,
pairs of copies of one stimulus dropped; all RDMs ranked at once with
scipy.stats.rankdata(axis=1); correlations by one matrix product).

    reference.py [--max-features 200000] [--replicates 1000] [--trials 20] [--ceiling-repeats 200]

Then the noise ceilings as analysis/rsa/NoiseCeiling computes them:
split-half (each stimulus's trials split at random into halves, half-mean
RDMs compared, Spearman–Brown 2r/(1+r); other random splits than ours, so
only the mean agrees within its spread) and rsatoolbox's group ceiling of the
six population RDMs (pool_rdm for Spearman: mean of the ranked vectors;
deterministic, equal to ours).
"""
import argparse
import time

import numpy as np
from scipy import stats

STIMULI, LATENT, LAYERS, POPULATIONS, NEURONS = 118, 8, 10, 6, 200
BASE_FEATURES = [200000, 160000, 120000, 100000, 80000, 60000, 40000, 20000, 10000, 4096]

parser = argparse.ArgumentParser()
parser.add_argument("--max-features", type=int, default=200000)
parser.add_argument("--replicates", type=int, default=1000)
parser.add_argument("--trials", type=int, default=20)
parser.add_argument("--ceiling-repeats", type=int, default=200)
parser.add_argument("--threads", type=int, default=0)  # NumPy's BLAS picks its own
args = parser.parse_args()

s = np.arange(STIMULI)[:, None]
k = np.arange(LATENT)[None, :]
z = np.sin(0.37 * (s + 1) * (k + 1) + 0.11 * k * k)


def layer_features(layer, features):
    f = np.arange(features)[:, None]
    weights = np.sin(0.0013 * (f + 1) * (k + 1) + 0.7 * layer + 0.1 * k)  # features × latent
    return np.maximum(z @ weights.T - 0.02 * layer, 0.0)


def population_responses(p):
    u = np.arange(NEURONS)[:, None]
    v = np.cos(0.021 * (u + 1) * (k + 1) + p)
    y = np.exp(0.3 * (z @ v.T))
    uu = np.arange(NEURONS)[None, :]
    return y + 0.3 * np.sin(1.3 * (s + 1) * (uu + 1) + p)


def rdm(x):
    return 1.0 - np.corrcoef(x)


layer_seconds = 0.0
layer_rdms = []
total_features = 0
for layer in range(LAYERS):
    features = max(16, int(round(BASE_FEATURES[layer] * (args.max_features / 200000.0))))
    total_features += features
    x = layer_features(layer, features)
    start = time.perf_counter()
    layer_rdms.append(rdm(x))
    layer_seconds += time.perf_counter() - start
    del x

population_seconds = 0.0
population_rdms = []
for p in range(POPULATIONS):
    y = population_responses(p)
    start = time.perf_counter()
    population_rdms.append(rdm(y))
    population_seconds += time.perf_counter() - start

start = time.perf_counter()
rdms = np.stack(population_rdms + layer_rdms)  # (16, n, n)
rows, cols = np.triu_indices(STIMULI, 1)


def spearman_all(vectors):
    ranks = stats.rankdata(vectors, axis=1)
    ranks -= ranks.mean(axis=1, keepdims=True)
    ranks /= np.linalg.norm(ranks, axis=1, keepdims=True)
    return ranks[:POPULATIONS] @ ranks[POPULATIONS:].T


estimate = spearman_all(rdms[:, rows, cols])
rng = np.random.default_rng(1)
samples = np.empty((args.replicates, POPULATIONS, LAYERS))
for r in range(args.replicates):
    idx = rng.integers(0, STIMULI, STIMULI)
    a, b = idx[rows], idx[cols]
    keep = a != b
    samples[r] = spearman_all(rdms[:, a[keep], b[keep]])
low, high = np.percentile(samples, [2.5, 97.5], axis=0)
bootstrap_seconds = time.perf_counter() - start

t = np.arange(args.trials)[:, None, None]
ss = np.arange(STIMULI)[None, :, None]
u = np.arange(NEURONS)[None, None, :]
trial_values = population_responses(0)[None] + 3.0 * np.sin(0.9 * (t + 1) * (ss + 1) + 0.37 * (u + 1) * (t + 1))


def spearman(a, b):
    return np.corrcoef(stats.rankdata(a), stats.rankdata(b))[0, 1]


start = time.perf_counter()
ceiling_rng = np.random.default_rng(1)
split = args.trials // 2
corrected = np.empty(args.ceiling_repeats)
for r in range(args.ceiling_repeats):
    order = np.argsort(ceiling_rng.random((STIMULI, args.trials)), axis=1)  # a permutation per stimulus
    shuffled = trial_values[order.T, np.arange(STIMULI)[None, :]]  # trials × stimuli × units
    half_a, half_b = shuffled[:split].mean(axis=0), shuffled[split:].mean(axis=0)
    raw = spearman(rdm(half_a)[rows, cols], rdm(half_b)[rows, cols])
    corrected[r] = 2 * raw / (1 + raw)
vectors = np.stack([stats.rankdata(m[rows, cols]) for m in population_rdms])
upper = np.mean([spearman(vectors.mean(axis=0), v) for v in vectors])
lower = np.mean([spearman(np.delete(vectors, i, axis=0).mean(axis=0), v) for i, v in enumerate(vectors)])
ceiling_seconds = time.perf_counter() - start

print("features_total", total_features)
print("layer_rdm_seconds %.4f" % layer_seconds)
print("population_rdm_seconds %.4f" % population_seconds)
print("bootstrap_seconds %.4f" % bootstrap_seconds)
print("total_seconds %.4f" % (layer_seconds + population_seconds + bootstrap_seconds))
print("trials", args.trials)
print("ceiling_repeats", args.ceiling_repeats)
print("noise_ceiling_seconds %.4f" % ceiling_seconds)
print("split_half_mean %.15f" % corrected.mean())
print("split_half_sd %.15f" % corrected.std())
print("group_lower %.15f" % lower)
print("group_upper %.15f" % upper)
for p in range(POPULATIONS):
    print("estimate %d" % p, " ".join("%.15f" % v for v in estimate[p]))
for p in range(POPULATIONS):
    print("ci %d" % p, " ".join("%.4f:%.4f" % (lo, hi) for lo, hi in zip(low[p], high[p])))
