#!/usr/bin/python3
"""Crop the zlib/gzip/uncompressed zarr v2 arrays of a container (the
simulator's output) to a sub-box, for quick experiments:
  zarr_crop.py IN.zarr OUT.zarr z0 z1 y0 y1 x0 x1 [array ...]
The leading channel axis is kept whole. Needs only numpy (no zarr package)."""
import json, os, sys, zlib, gzip
import numpy as np

def read_array(path):
    meta = json.load(open(os.path.join(path, ".zarray")))
    shape, chunks, dtype = meta["shape"], meta["chunks"], np.dtype(meta["dtype"])
    comp = (meta.get("compressor") or {}).get("id")
    out = np.full(shape, meta.get("fill_value") or 0, dtype=dtype)
    grid = [(s + c - 1) // c for s, c in zip(shape, chunks)]
    for index in np.ndindex(*grid):
        name = os.path.join(path, ".".join(map(str, index)))
        if not os.path.exists(name):
            continue
        data = open(name, "rb").read()
        if comp == "zlib":
            data = zlib.decompress(data)
        elif comp == "gzip":
            data = gzip.decompress(data)
        elif comp not in (None, "null"):
            raise SystemExit(f"{name}: compressor {comp} not supported here")
        block = np.frombuffer(data, dtype=dtype).reshape(chunks)
        sl = tuple(slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(index, chunks, shape))
        out[sl] = block[tuple(slice(0, x.stop - x.start) for x in sl)]
    return out, meta

def write_array(path, array, chunks, attrs):
    os.makedirs(path, exist_ok=True)
    meta = {"zarr_format": 2, "shape": list(array.shape), "chunks": chunks,
            "dtype": array.dtype.str, "compressor": {"id": "zlib", "level": 1},
            "fill_value": 0, "order": "C", "filters": None}
    json.dump(meta, open(os.path.join(path, ".zarray"), "w"))
    json.dump(attrs, open(os.path.join(path, ".zattrs"), "w"))
    grid = [(s + c - 1) // c for s, c in zip(array.shape, chunks)]
    for index in np.ndindex(*grid):
        sl = tuple(slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(index, chunks, array.shape))
        block = np.zeros(chunks, dtype=array.dtype)
        block[tuple(slice(0, x.stop - x.start) for x in sl)] = array[sl]
        open(os.path.join(path, ".".join(map(str, index))), "wb").write(zlib.compress(block.tobytes(), 1))

def main():
    src, dst = sys.argv[1], sys.argv[2]
    z0, z1, y0, y1, x0, x1 = map(int, sys.argv[3:9])
    names = sys.argv[9:] or ["volumes/raw", "volumes/gt_instances"]
    for group in (dst, os.path.join(dst, "volumes")):
        os.makedirs(group, exist_ok=True)
        open(os.path.join(group, ".zgroup"), "w").write('{"zarr_format": 2}')
    for name in names:
        array, meta = read_array(os.path.join(src, name))
        crop = np.ascontiguousarray(array[:, z0:z1, y0:y1, x0:x1])
        if name.endswith("gt_instances"):  # drop neurons absent from the crop
            crop = crop[[c for c in range(crop.shape[0]) if crop[c].any()]]
        attrs = {}
        if os.path.exists(os.path.join(src, name, ".zattrs")):
            attrs = json.load(open(os.path.join(src, name, ".zattrs")))
        attrs.pop("dim_neurons", None)
        write_array(os.path.join(dst, name), crop, [1] + meta["chunks"][1:], attrs)
        print(name, crop.shape)

main()
