#!/usr/bin/python3
"""Where a prediction in the one-channel-per-instance layout puts voxels in two
or more instances, against where the ground truth does:
  shared_voxels.py GT.zarr/volumes/gt_instances PRED.zarr/volumes/labels
Prints the multiply labelled fraction of each, the predicted instance pairs
sharing most, and how many predicted shared voxels lie within 1/3/5/10 voxels
of a shared ground-truth voxel (and the reverse). Reads z-slabs of zarr v2
arrays (zlib/gzip/raw chunks) with numpy and scipy only."""
import json, os, sys, zlib, gzip
import numpy as np
from scipy.spatial import cKDTree

def meta(path): return json.load(open(os.path.join(path, ".zarray")))
def read_slab(path, m, z0, z1):
    shape, chunks, dtype = m["shape"], m["chunks"], np.dtype(m["dtype"])
    comp = (m.get("compressor") or {}).get("id")
    out = np.zeros([shape[0], z1 - z0] + shape[2:], dtype=dtype)
    for c in range(0, shape[0], chunks[0]):
      for kz in range(z0 // chunks[1], (z1 + chunks[1] - 1) // chunks[1]):
        for ky in range((shape[2] + chunks[2] - 1) // chunks[2]):
          for kx in range((shape[3] + chunks[3] - 1) // chunks[3]):
            name = os.path.join(path, f"{c//chunks[0]}.{kz}.{ky}.{kx}")
            if not os.path.exists(name): continue
            data = open(name, "rb").read()
            data = zlib.decompress(data) if comp == "zlib" else gzip.decompress(data) if comp == "gzip" else data
            b = np.frombuffer(data, dtype=dtype).reshape(chunks)
            zs, ys, xs = kz*chunks[1], ky*chunks[2], kx*chunks[3]
            a0, a1 = max(zs, z0), min(zs+chunks[1], z1)
            ye, xe = min(ys+chunks[2], shape[2]), min(xs+chunks[3], shape[3])
            ce = min(c+chunks[0], shape[0])
            out[c:ce, a0-z0:a1-z0, ys:ye, xs:xe] = b[:ce-c, a0-zs:a1-zs, :ye-ys, :xe-xs]
    return out

gp, pp = sys.argv[1], sys.argv[2]
gm, pm = meta(gp), meta(pp)
Z = gm["shape"][1]; step = 64
gmulti, pmulti, pinfo = [], [], []
gl = pl = 0
pairs = {}
for z0 in range(0, Z, step):
    z1 = min(Z, z0 + step)
    g = read_slab(gp, gm, z0, z1) > 0; p = read_slab(pp, pm, z0, z1) > 0
    gn = g.sum(0); pn = p.sum(0)
    gl += (gn > 0).sum(); pl += (pn > 0).sum()
    for arr, n in ((gmulti, gn), (pmulti, pn)):
        idx = np.argwhere(n > 1); idx[:, 0] += z0; arr.append(idx)
    idx = np.argwhere(pn > 1)
    for (k, j, i) in idx:
        key = tuple(np.nonzero(p[:, k, j, i])[0])
        pairs[key] = pairs.get(key, 0) + 1
G = np.concatenate(gmulti); P = np.concatenate(pmulti)
print(f"GT labelled {gl}, multi {len(G)} ({len(G)/max(gl,1):.4f}); pred labelled {pl}, multi {len(P)} ({len(P)/max(pl,1):.4f})")
print("pred shared by instance channels (0-based):", dict(sorted(pairs.items(), key=lambda x: -x[1])[:10]))
if len(P) and len(G):
    t = cKDTree(G)
    d, _ = t.query(P)
    for r in (1, 3, 5, 10):
        print(f"pred multi within {r} of GT multi: {(d <= r).mean():.3f}")
    d2, _ = cKDTree(P).query(G)
    for r in (1, 3, 5):
        print(f"GT multi within {r} of pred multi: {(d2 <= r).mean():.3f}")
