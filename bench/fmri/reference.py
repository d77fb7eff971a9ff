#!/usr/bin/python3
"""NumPy reference of the first-level GLM in analysis/fmri, written from
nilearn's and SPM's published definitions (not calling nilearn, which Debian
12 does not package): SPM double-gamma HRF (ratio 1/6), nilearn's oversampled
event sampling, convolution and linear resampling, DCT / polynomial drift,
percent-signal scaling, OLS through one pseudo-inverse, t and z.

As a benchmark (python3 reference.py [--voxels N] [--scans T]) it times the
same workload as neuroloupe_bench_fmri and prints "key value" lines.
"""
import math
import sys
import time

import numpy as np


def gamma_pdf(x, shape, scale):
    out = np.zeros_like(x, dtype=float)
    pos = x > 0
    u = x[pos] / scale
    out[pos] = np.exp((shape - 1) * np.log(u) - u - math.lgamma(shape)) / scale
    return out


def hrf_kernel(tr, oversampling=50, length=32.0, onset=0.0, ratio=1 / 6):
    dt = tr / oversampling
    stamps = np.linspace(0, length, int(np.rint(length / dt))) - onset
    h = gamma_pdf(stamps - dt, 6.0, 1.0) - ratio * gamma_pdf(stamps - dt, 16.0, 1.0)
    return h / h.sum()


def spm_hrf(rt, bins=16, length=32.0):
    dt = rt / bins
    u = np.arange(0, int(length / dt) + 1)
    h = gamma_pdf(u * dt, 6.0, 1.0) - gamma_pdf(u * dt, 16.0, 1.0) / 6
    h = h[np.arange(0, int(length / rt) + 1) * bins]
    return h / h.sum()


def condition_regressor(onsets, durations, values, frame_times, oversampling=50, min_onset=-24.0):
    n = frame_times.size
    n_hr = ((n - 1) / (frame_times.max() - frame_times.min())
            * (frame_times.max() * (1 + 1 / (n - 1)) - frame_times.min() - min_onset)
            * oversampling) + 1
    hr = np.linspace(frame_times.min() + min_onset, frame_times.max() * (1 + 1 / (n - 1)),
                     int(np.rint(n_hr)))
    reg = np.zeros_like(hr)
    tmax = len(hr)
    on = np.minimum(np.searchsorted(hr, onsets), tmax - 1)
    off = np.minimum(np.searchsorted(hr, onsets + durations), tmax - 1)
    for i in range(len(off)):
        if off[i] < tmax - 1 and off[i] == on[i]:
            off[i] += 1
    for t, v in zip(on, values):
        reg[t] += v
    for t, v in zip(off, values):
        reg[t] -= v
    reg = np.cumsum(reg)
    tr = frame_times.max() / (n - 1)
    conv = np.convolve(reg, hrf_kernel(tr, oversampling))[: reg.size]
    return np.interp(frame_times, hr, conv)


def cosine_drift(frame_times, high_pass_s):
    n = len(frame_times)
    dt = (frame_times[-1] - frame_times[0]) / (n - 1)
    order = min(n - 1, int(np.floor(2 * n * (1 / high_pass_s) * dt)))
    t = np.arange(n)
    return np.array([math.sqrt(2 / n) * np.cos(np.pi / n * (t + 0.5) * k)
                     for k in range(1, order + 1)]).reshape(order, n).T


def poly_drift(frame_times, order):
    tmax = frame_times.max()
    p = np.array([(frame_times / tmax) ** k for k in range(order + 1)]).T
    for i in range(1, order + 1):
        p[:, i] -= p[:, :i] @ np.linalg.pinv(p[:, :i]) @ p[:, i]
    return p[:, 1:]


def design(events, scans, tr, drift="cosine", high_pass=128.0, order=1, oversampling=50):
    """events: list of (onset, duration, trial_type). Returns (X, names)."""
    ft = np.arange(scans) * tr
    names = sorted({e[2] for e in events})
    cols = []
    for name in names:
        sel = [e for e in events if e[2] == name]
        cols.append(condition_regressor(np.array([e[0] for e in sel]), np.array([e[1] for e in sel]),
                                        np.ones(len(sel)), ft, oversampling))
    X = np.array(cols).T
    if drift == "cosine":
        d = cosine_drift(ft, high_pass)
        names += ["cosine%02d" % k for k in range(d.shape[1])]
        X = np.hstack([X, d])
    elif drift == "polynomial":
        d = poly_drift(ft, order)
        names += ["drift_%d" % (k + 1) for k in range(d.shape[1])]
        X = np.hstack([X, d])
    X = np.hstack([X, np.ones((scans, 1))])
    return X, names + ["constant"]


def glm(Y, X, contrast, scale=True):
    """Y: scans x voxels. Returns betas, t, z (z via scipy when present)."""
    if scale:
        mean = Y.mean(0)
        mean = np.maximum(mean, 1)  # nilearn's mean_scaling
        Y = 100 * (Y / mean - 1)
    pinv = np.linalg.pinv(X)
    B = pinv @ Y
    R = Y - X @ B
    dof = X.shape[0] - np.linalg.matrix_rank(X)
    s2 = (R * R).sum(0) / dof
    c = np.asarray(contrast, float)
    effect = c @ B
    var = s2 * (c @ pinv @ pinv.T @ c)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = effect / np.sqrt(var)
    try:
        from scipy import stats
        z = stats.norm.isf(stats.t.sf(t, dof))
    except ImportError:
        z = None
    return B, t, z, dof


def main(argv):
    voxels, scans, repeats = 100000, 200, 3
    for i, a in enumerate(argv):
        if a == "--voxels":
            voxels = int(argv[i + 1])
        if a == "--scans":
            scans = int(argv[i + 1])
    tr = 2.0
    events = [(10 + 40 * k, 16.0, "a" if k % 2 == 0 else "b") for k in range(int(scans * tr / 40) - 1)]
    t0 = time.perf_counter()
    X, names = design(events, scans, tr)
    design_s = time.perf_counter() - t0
    t = np.arange(scans, dtype=float)[:, None]
    v = np.arange(voxels)
    Y = 1000 + 3 * np.sin(0.731 * t * (1 + v % 97) + 0.37 * v) + 2 * np.cos(1.37 * t + v)
    best = 1e9
    for _ in range(repeats):
        t0 = time.perf_counter()
        c = np.zeros(X.shape[1]); c[0], c[1] = 1, -1
        _, _, z, _ = glm(Y, X, c)
        best = min(best, time.perf_counter() - t0)
    print("voxels", voxels)
    print("scans", scans)
    print("design_seconds", design_s)
    print("glm_seconds", best)
    print("ns_per_voxel", best / voxels * 1e9)
    for i in (0, 1, 17, 4321):
        if i < voxels:
            print("z", i, repr(float(z[i])))


if __name__ == "__main__":
    main(sys.argv[1:])
