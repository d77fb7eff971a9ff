#!/usr/bin/python3
"""Writes a synthetic 4-D int16 NIfTI-1 run the size of a common 2 mm MNI
run (91 x 109 x 91 x 300, 540 MB) and its events TSV, for the memory and
speed benchmarks of docs/VOLUMES_IN_MEMORY.md. Never write it into the repo.

  make_run.py OUT_DIR [--frames 300] [--gzip]

The run: a brain-shaped ellipsoid (baseline ~1000, slow drift, noise) with a
block response to condition "a" in one region; outside the ellipsoid 0.
scl_slope = 1.5, scl_inter = 10 so the scaling path is exercised.
"""
import gzip
import os
import struct
import sys

import numpy as np


def header(nx, ny, nz, nt, slope, inter):
    h = bytearray(348)
    struct.pack_into("<i", h, 0, 348)
    struct.pack_into("<8h", h, 40, 4, nx, ny, nz, nt, 1, 1, 1)
    struct.pack_into("<h", h, 70, 4)  # int16
    struct.pack_into("<h", h, 72, 16)  # bitpix
    struct.pack_into("<8f", h, 76, 1.0, 2.0, 2.0, 2.0, 2.0, 1, 1, 1)
    struct.pack_into("<f", h, 108, 352.0)  # vox_offset
    struct.pack_into("<f", h, 112, slope)
    struct.pack_into("<f", h, 116, inter)
    h[123] = 2 | 8  # mm, s
    struct.pack_into("<h", h, 252, 4)  # qform_code MNI
    struct.pack_into("<h", h, 254, 4)  # sform_code MNI
    struct.pack_into("<3f", h, 256, 0, 0, 0)  # quatern b,c,d
    struct.pack_into("<3f", h, 268, 90, -126, -72)  # qoffset
    struct.pack_into("<4f", h, 280, -2, 0, 0, 90)
    struct.pack_into("<4f", h, 296, 0, 2, 0, -126)
    struct.pack_into("<4f", h, 312, 0, 0, 2, -72)
    h[344:348] = b"n+1\0"
    return bytes(h) + b"\0\0\0\0"


def main(argv):
    out = argv[0]
    frames = int(argv[argv.index("--frames") + 1]) if "--frames" in argv else 300
    nx, ny, nz, tr = 91, 109, 91, 2.0
    slope, inter = 1.5, 10.0
    os.makedirs(out, exist_ok=True)
    z, y, x = np.mgrid[0:nz, 0:ny, 0:nx].astype(np.float32)
    brain = ((x - 45) / 40) ** 2 + ((y - 54) / 50) ** 2 + ((z - 45) / 38) ** 2 < 1
    region = brain & (((x - 30) / 8) ** 2 + ((y - 40) / 8) ** 2 + ((z - 50) / 8) ** 2 < 1)
    rng = np.random.default_rng(13)
    onsets = np.arange(20.0, frames * tr - 30, 40.0)
    t = np.arange(frames) * tr
    box = np.zeros(frames)
    for k, onset in enumerate(onsets):
        if k % 2 == 0:
            box[(t >= onset) & (t < onset + 16)] = 1.0
    name = os.path.join(out, "run%dx%dx%dx%d_int16.nii" % (nx, ny, nz, frames))
    opener = gzip.open if "--gzip" in argv else open
    if "--gzip" in argv:
        name += ".gz"
    with opener(name, "wb") as f:
        f.write(header(nx, ny, nz, frames, slope, inter))
        base = np.where(brain, 1000 + 40 * np.sin(x / 7) * np.cos(y / 9), 0).astype(np.float32)
        for ti in range(frames):
            signal = base * (1 + 0.0005 * ti / frames) + np.where(region, 25 * box[ti], 0)
            noise = rng.standard_normal(base.shape, dtype=np.float32) * 8
            stored = np.where(brain, (signal + noise - inter) / slope, 0)
            f.write(np.clip(np.rint(stored), -32768, 32767).astype("<i2").tobytes())
    with open(os.path.join(out, "events.tsv"), "w") as f:
        f.write("onset\tduration\ttrial_type\n")
        for k, onset in enumerate(onsets):
            f.write("%g\t16\t%s\n" % (onset, "a" if k % 2 == 0 else "b"))
    print(name)


if __name__ == "__main__":
    main(sys.argv[1:])
