#!/usr/bin/python3
"""The same loads as surface_load_bench.cpp with nibabel: median ms per file."""
import sys, time, gzip
import numpy as np
import nibabel as nib
from nibabel.freesurfer import io as fio

root = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7

TMP = "/tmp/nl_bench_lh.white"

def white(path):
    # read_geometry wants a path: inflate to a temporary file (counted in the time).
    with gzip.open(path) as f, open(TMP, "wb") as out:
        out.write(f.read())
    return fio.read_geometry(TMP)

loaders = {
    "surface/freesurfer_subject1/lh.white.gz": white,
    "surface/freesurfer_subject1/lh.sulc": fio.read_morph_data,
    "surface/freesurfer_subject1/lh.thickness": fio.read_morph_data,
    "surface/freesurfer_subject1/lh.aparc.annot": fio.read_annot,
    "surface/benson14_fsaverage/lh.benson14_angle.v4_0.mgz": lambda p: np.asarray(nib.load(p).dataobj, dtype=float),
    "surface/benson14_fsaverage/lh.benson14_eccen.v4_0.mgz": lambda p: np.asarray(nib.load(p).dataobj, dtype=float),
    "surface/benson14_fsaverage/lh.benson14_varea.v4_0.mgz": lambda p: np.asarray(nib.load(p).dataobj, dtype=float),
    "surface/fsaverage5/pial_left.gii.gz": lambda p: nib.load(p).agg_data(),
    "surface/fsaverage5/sulc_left.gii.gz": lambda p: nib.load(p).agg_data(),
}
for name, load in loaders.items():
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        load(f"{root}/{name}")
        times.append((time.perf_counter() - t0) * 1000)
    print(name, "%.3f" % sorted(times)[len(times) // 2])
