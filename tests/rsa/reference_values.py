#!/usr/bin/python3
"""Prints the reference numbers written into the RSA tests (NumPy/SciPy).

Run with Debian's python3-numpy and python3-scipy; the tests themselves
need no Python. Inputs are built from closed-form formulas that the C++
tests repeat.
"""
import numpy as np
from scipy import stats
from scipy.spatial.distance import pdist, squareform

np.set_printoptions(precision=17)


def responses(stimuli, units, phase):
    s = np.arange(stimuli)[:, None]
    u = np.arange(units)[None, :]
    return np.sin(1.7 * s + 0.3 * u * u + phase) + 0.1 * u + 0.05 * s * np.cos(u + phase)


X = responses(7, 5, 0.0)
Y = responses(7, 5, 1.0)
print("correlation RDM of X, condensed:", repr(pdist(X, "correlation")))
print("cosine RDM of X, condensed:", repr(pdist(X, "cosine")))
print("euclidean RDM of X (sq / units), condensed:", repr(pdist(X, "sqeuclidean") / X.shape[1]))
Xc = X - X.mean(axis=1, keepdims=True)
norms = np.linalg.norm(Xc, axis=1) + 1e-7
shi = (Xc @ Xc.T) / np.outer(norms, norms)
print("Shi Pearson RSM of X, row 0:", repr(shi[0]))

a = pdist(X, "correlation")
b = pdist(Y, "correlation")
print("pearson(a, b):", repr(stats.pearsonr(a, b)[0]))
print("spearman(a, b):", repr(stats.spearmanr(a, b)[0]))
print("kendall tau-b(a, b):", repr(stats.kendalltau(a, b)[0]))
print("cosine(a, b):", repr(a @ b / np.linalg.norm(a) / np.linalg.norm(b)))
A = squareform(a)
B = squareform(b)
print("full-matrix pearson(A, B):", repr(stats.pearsonr(A.ravel(), B.ravel())[0]))
print("full-matrix spearman(A, B):", repr(stats.spearmanr(A.ravel(), B.ravel())[0]))

# Ties: vectors with repeated values.
x = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9], float)
y = np.array([2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5, 9, 0, 4], float)
print("tied spearman:", repr(stats.spearmanr(x, y)[0]))
print("tied kendall tau-b:", repr(stats.kendalltau(x, y)[0]))
print("tied pearson:", repr(stats.pearsonr(x, y)[0]))
print("tied rankdata x:", repr(stats.rankdata(x)))

# rsatoolbox's boot_noise_ceiling rule (pool_rdm per method), written anew.
rdms = np.array([pdist(responses(7, 5, p), "correlation") for p in (0.0, 0.2, 0.5, 1.3)])


def pool(v, method):
    if method == "corr":
        v = (v - v.mean(1, keepdims=True)) / v.std(1, keepdims=True)
        m = v.mean(0)
        return m - m.min()
    if method == "cosine":
        return (v / np.sqrt((v ** 2).mean(1, keepdims=True))).mean(0)
    return np.array([stats.rankdata(r) for r in v]).mean(0)


def compare(p, r, method):
    if method == "corr":
        return stats.pearsonr(p, r)[0]
    if method == "cosine":
        return p @ r / np.linalg.norm(p) / np.linalg.norm(r)
    return stats.spearmanr(p, r)[0]


for method in ("corr", "cosine", "spearman"):
    lower = np.mean([compare(pool(np.delete(rdms, i, 0), method), rdms[i], method)
                     for i in range(len(rdms))])
    upper = np.mean([compare(pool(rdms, method), rdms[i], method) for i in range(len(rdms))])
    print("noise ceiling", method, repr(lower), repr(upper))
