#!/usr/bin/python3
"""Prints the expected numbers written into tests/fmri (not run by the tests).
Needs /usr/bin/python3 with numpy, scipy, mpmath and nibabel."""
import os
import sys

import mpmath
import nibabel as nib
import numpy as np
from scipy import stats

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "bench", "fmri"))
import reference as ref  # noqa: E402

np.set_printoptions(precision=17)
print("spm_hrf(2.0)", repr(ref.spm_hrf(2.0)[:10]))
print("spm_hrf(2.5)", repr(ref.spm_hrf(2.5)))
k = ref.hrf_kernel(2.5, 50)
print("kernel(2.5,50) size", k.size, "samples", [(i, repr(k[i])) for i in (0, 1, 50, 100, 110, 200, 300, 639)])
print("argmax", k.argmax())

mpmath.mp.dps = 50
for t, dof in [(0, 10), (1, 5), (2.5, 20), (-3, 7), (10, 100), (40, 10), (1000, 3), (8, 113), (0.3, 1), (5, 2.5)]:
    # P(T > t) = I_{v/(v+t^2)}(v/2, 1/2) / 2 for t >= 0
    tt = mpmath.mpf(t)
    x = dof / (dof + tt * tt)
    p = mpmath.betainc(mpmath.mpf(dof) / 2, mpmath.mpf(1) / 2, 0, x, regularized=True) / 2
    if t < 0:
        p = 1 - p
    z = -mpmath.sqrt(2) * mpmath.erfinv(2 * p - 1) if p > 1e-300 else None
    if z is None:
        # erfcinv-free: solve Q(z) = p
        z = mpmath.findroot(lambda zz: mpmath.log(mpmath.erfc(zz / mpmath.sqrt(2)) / 2) - mpmath.log(p), 40)
    print("t", t, "dof", dof, "logsf", mpmath.nstr(mpmath.log(p), 17), "z", mpmath.nstr(z, 17),
          "scipy z", stats.norm.isf(stats.t.sf(t, dof)))

fx = "/work/shared/fixtures/nifti/haxby2001/"
events = [(float(a), float(b), c) for a, b, c in
          (l.rstrip("\n").split("\t") for l in open(fx + "BOLD_task001_run001_bold_events.tsv").readlines()[1:])]
X, names = ref.design(events, 121, 2.5)
print("names", names)
for col in ("face", "house", "cosine00", "cosine03"):
    j = names.index(col)
    print(col, [(r, repr(X[r, j])) for r in (0, 10, 21, 25, 30, 60, 120)])
Xp, namesp = ref.design(events, 121, 2.5, drift="polynomial", order=3)
print("poly names", namesp)
for col in ("drift_1", "drift_2", "drift_3"):
    j = namesp.index(col)
    print(col, [(r, repr(Xp[r, j])) for r in (0, 30, 60, 120)])

for name in ("BOLD_task001_run001_bold_25mm.nii.gz", "BOLD_task001_run001_bold_1slice.nii.gz"):
    img = nib.load(fx + name)
    data = np.asarray(img.dataobj).astype(float)  # x y z t
    nx, ny, nz, nt = data.shape
    Y = data.reshape(-1, nt, order="F").T  # t x voxels, voxel index x fastest
    c = np.zeros(X.shape[1]); c[names.index("face")] = 1; c[names.index("house")] = -1
    B, t, z, dof = ref.glm(Y, X, c)
    flat = lambda i, j, kk: i + nx * (j + ny * kk)
    print(name, "dof", dof, "max z", np.nanmax(z), "at", np.unravel_index(np.nanargmax(z), (nz, ny, nx)),
          "min z", np.nanmin(z), "finite", np.isfinite(z).sum())
    order = np.argsort(-np.nan_to_num(z, nan=-1e9))[:3]
    for v in list(order) + [flat(nx // 2, ny // 2, nz // 2)]:
        i, j, kk = v % nx, (v // nx) % ny, v // (nx * ny)
        print("  voxel ijk", (i, j, kk), "beta face", repr(B[names.index("face"), v]), "beta house",
              repr(B[names.index("house"), v]), "t", repr(t[v]), "z", repr(z[v]))
    if "25mm" in name:
        m = np.asarray(nib.load(fx + "masks_25mm_vt.nii.gz").dataobj)
        for v in np.flatnonzero(m.reshape(-1, order="F")):
            i, j, kk = v % nx, (v // nx) % ny, v // (nx * ny)
            print("  VT voxel ijk", (i, j, kk), "z", repr(z[v]), "betas",
                  [repr(B[q, v]) for q in range(len(names) - 1) if q < 8])

# Volume → surface: the 25 mm face − house z map (no mask) sampled on
# fsaverage5 white→pial (5 depths, trilinear, mean over samples inside).
from scipy.ndimage import map_coordinates  # noqa: E402

img = nib.load(fx + "BOLD_task001_run001_bold_25mm.nii.gz")
data = np.asarray(img.dataobj).astype(float)
Y = data.reshape(-1, 121, order="F").T
c = np.zeros(X.shape[1]); c[names.index("face")] = 1; c[names.index("house")] = -1
_, _, z, _ = ref.glm(Y, X, c)
zvol = z.reshape(data.shape[:3], order="F")  # x y z
surf = "/work/shared/fixtures/surface/fsaverage5/"
white = nib.load(surf + "white_left.gii.gz").darrays[0].data.astype(float)
pial = nib.load(surf + "pial_left.gii.gz").darrays[0].data.astype(float)
inverse = np.linalg.inv(img.affine)
acc = np.zeros(len(white)); cnt = np.zeros(len(white))
for fraction in np.linspace(0, 1, 5):
    p = white + fraction * (pial - white)
    ijk = (inverse @ np.c_[p, np.ones(len(p))].T)[:3]
    inside = np.all((ijk >= -1e-6) & (ijk <= (np.array(zvol.shape) - 1)[:, None] + 1e-6), axis=0)
    sample = map_coordinates(zvol, ijk, order=1, mode="nearest")
    acc += np.where(inside, sample, 0); cnt += inside
proj = np.where(cnt > 0, acc / np.maximum(cnt, 1), np.nan)
print("fsaverage5 finite", np.isfinite(proj).sum(), "first NaN", np.flatnonzero(~np.isfinite(proj))[0],
      [(i, repr(proj[i])) for i in (0, 100, 5000, 10241)])
