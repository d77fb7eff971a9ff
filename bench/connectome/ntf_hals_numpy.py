#!/usr/bin/python3
"""NumPy peer of analysis/connectome/NtfFactorization (issue #17).

The non-negative CP updates as tensortools' ncp_hals / ncp_bcd take them,
written out with NumPy (the unfolding, the Khatri-Rao product and the
column updates), plus Lee-Seung multiplicative updates. Missing entries are
imputed with the model's values after every mode's update (EM, as
tensortools' ncp_hals does with a mask); the objective is the residual over
the observed entries divided by their norm.

  ntf_hals_numpy.py reference OUT.json   small tensors, initial factors and the
                                         factors and objective after each sweep
                                         (tests/connectome/data/ntf_reference.json)
  ntf_hals_numpy.py bench I J K RANK SWEEPS
                                         HALS sweeps per second on a generated
                                         rank-RANK tensor (bench/connectome/run_ntf.sh)

Run with Debian's /usr/bin/python3 (numpy).
"""
import json
import sys
import time

import numpy as np


def unfold(x, mode):
    """Mode-`mode` matricization, rows indexed by that mode, C order for the rest."""
    return np.moveaxis(x, mode, 0).reshape(x.shape[mode], -1)


def khatri_rao(mats):
    """Column-wise Kronecker product, the first matrix's index slowest."""
    out = mats[0]
    for m in mats[1:]:
        out = (out[:, None, :] * m[None, :, :]).reshape(-1, out.shape[1])
    return out


def full(factors):
    a, b, c = factors
    return np.einsum("ir,jr,kr->ijk", a, b, c)


def rebalance(factors):
    norms = [np.linalg.norm(f, axis=0) for f in factors]
    lam = np.prod(norms, axis=0) ** (1.0 / 3.0)
    return [f * (lam / n) for f, n in zip(factors, norms)]


def random_init(x, rank, rng):
    factors = [rng.uniform(0.0, 1.0, size=(n, rank)) for n in x.shape]
    model = np.sqrt(np.sum(np.prod([f.T @ f for f in factors], axis=0)))
    factors[0] *= np.linalg.norm(x) / model
    return rebalance(factors)


def hals_columns(u, grams, m):
    rank = u.shape[1]
    if rank == 1:
        u[:] = np.maximum(0.0, m / grams[0, 0])
        return
    for _ in range(3):
        for p in range(rank):
            others = np.arange(rank) != p
            cp = u[:, others] @ grams[others, p]
            u[:, p] = np.maximum((m[:, p] - cp) / max(grams[p, p], 1e-6), 0.0)


def fit(x, factors, sweeps, method="hals", mask=None, tol=0.0):
    """Runs `sweeps` sweeps (or until the improvement < tol > 0) from `factors`.

    Returns the factors after every sweep and the objectives."""
    x = np.array(x, dtype=float)
    factors = [np.array(f, dtype=float) for f in factors]
    observed = None if mask is None else mask.astype(bool)
    if observed is not None:
        x[~observed] = np.mean(x[observed])
        norm_x = np.linalg.norm(x[observed])
    else:
        norm_x = np.linalg.norm(x)
    history, objectives = [], []
    # Block coordinate descent state.
    extrapolated = [f.copy() for f in factors]
    extraw = 1.0
    bcd_obj = 0.5 * norm_x ** 2
    previous_objective = np.inf
    for _ in range(sweeps):
        previous = [f.copy() for f in factors]
        for n in range(3):
            others = [factors[j] for j in range(3) if j != n]
            grams = np.prod([o.T @ o for o in others], axis=0)
            m = unfold(x, n) @ khatri_rao(others)
            if method == "hals":
                hals_columns(factors[n], grams, m)
            elif method == "bcd":
                lipschitz = np.linalg.norm(grams, 2)
                grad = extrapolated[n] @ grams - m
                factors[n] = np.maximum(0.0, extrapolated[n] - grad / lipschitz)
            elif method == "mu":
                factors[n] = factors[n] * m / (factors[n] @ grams + 1e-12)
            else:
                raise ValueError(method)
            if observed is not None:
                pred = full(factors)
                x[~observed] = pred[~observed]
        if observed is None:
            grams = grams * (factors[2].T @ factors[2])
            resid2 = np.sum(grams) - 2.0 * np.sum(factors[2] * m) + norm_x ** 2
            objective = np.sqrt(max(resid2, 0.0)) / norm_x
        else:
            resid2 = np.sum((x - full(factors))[observed] ** 2)
            objective = np.sqrt(resid2) / norm_x
        objectives.append(float(objective))
        history.append([f.copy() for f in factors])
        if method == "bcd":
            old = bcd_obj
            bcd_obj = 0.5 * resid2
            extraw_old = extraw
            extraw = (1.0 + np.sqrt(1.0 + 4.0 * extraw_old ** 2)) / 2.0
            if bcd_obj >= old:
                extrapolated = previous
            else:
                w = min((extraw_old - 1.0) / extraw, 1.0)
                extrapolated = [f + w * (f - p) for f, p in zip(factors, previous)]
        improvement = previous_objective - objective
        previous_objective = objective
        if tol > 0 and improvement < tol:
            break
    return history, objectives


def planted(shape, rank, rng, noise):
    factors = [rng.uniform(0.0, 1.0, size=(n, rank)) for n in shape]
    x = full(factors)
    x = x + noise * rng.uniform(0.0, 1.0, size=x.shape) * x.mean()
    return x


def reference(path):
    rng = np.random.default_rng(17)
    cases = []
    for name, shape, rank, method, masked, sweeps in [
        ("hals", (7, 5, 6), 3, "hals", False, 10),
        ("hals_rank1", (4, 3, 5), 1, "hals", False, 5),
        ("hals_masked", (7, 5, 6), 3, "hals", True, 10),
        ("bcd", (7, 5, 6), 3, "bcd", False, 10),
        ("mu", (7, 5, 6), 3, "mu", False, 10),
    ]:
        x = planted(shape, rank, rng, 0.2)
        mask = None
        if masked:
            mask = rng.uniform(size=shape) > 0.15
        init_x = x.copy()
        if mask is not None:
            init_x[~mask] = x[mask].mean()
        init = random_init(init_x, rank, rng)
        history, objectives = fit(x, init, sweeps, method, mask)
        stored = x.copy()
        if mask is not None:
            stored[~mask] = np.nan
        cases.append({
            "name": name,
            "method": method,
            "shape": list(shape),
            "rank": rank,
            "x": [None if np.isnan(v) else float(v) for v in stored.ravel()],
            "init": [f.ravel().tolist() for f in init],
            "objective": objectives,
            "factors": [[f.ravel().tolist() for f in h] for h in history],
        })
    with open(path, "w") as out:
        json.dump({"generator": "bench/connectome/ntf_hals_numpy.py reference",
                   "layout": "x row-major (I, J, K), null = missing; factors row-major (n, rank)",
                   "cases": cases}, out)


def bench(i, j, k, rank, sweeps):
    rng = np.random.default_rng(1)
    a, b, c = (rng.uniform(0.0, 1.0, size=(n, rank)) for n in (i, j, k))
    x = np.einsum("ir,jr,kr->ijk", a, b, c)
    x += 0.1 * rng.uniform(0.0, 1.0, size=x.shape)
    init = random_init(x, rank, rng)
    fit(x, init, 1)  # warm-up
    start = time.perf_counter()
    _, objectives = fit(x, init, sweeps)
    seconds = time.perf_counter() - start
    print(json.dumps({"implementation": "numpy", "shape": [i, j, k], "rank": rank,
                      "sweeps": sweeps, "seconds": seconds,
                      "sweeps_per_second": sweeps / seconds,
                      "objective": objectives[-1]}))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "reference":
        reference(sys.argv[2])
    elif len(sys.argv) == 7 and sys.argv[1] == "bench":
        bench(*(int(v) for v in sys.argv[2:7]))
    else:
        sys.exit(__doc__)
