#!/usr/bin/python3
"""The same steps as neuroloupe_bench_nwb, in h5py (Debian's python3-h5py).

"open_metadata" reads what NeuroLoupe's reader reads at open: file attributes,
every column of the units (except spike_times), electrodes and intervals
tables, the spike_times_index. Usage: nwb_h5py.py FILE.nwb
"""
import resource
import sys
import time

import h5py
import numpy as np


def read_table(group):
    columns = {}
    for name, obj in group.items():
        if not isinstance(obj, h5py.Dataset) or name == "spike_times":
            continue
        if obj.dtype.kind in "OS":
            columns[name] = obj.asstr()[()] if obj.dtype.kind == "O" else obj[()]
        else:
            columns[name] = obj[()]
    return columns


def open_metadata(path):
    f = h5py.File(path, "r")
    meta = {k: f.attrs[k] for k in f.attrs}
    tables = {"units": read_table(f["units"]),
              "electrodes": read_table(f["general/extracellular_ephys/electrodes"])}
    for name, group in f["intervals"].items():
        tables[name] = read_table(group)
    return f, meta, tables


def main(path):
    start = time.perf_counter()
    f, _, tables = open_metadata(path)
    print(f"open_metadata {time.perf_counter() - start:.4f}")

    start = time.perf_counter()
    spikes = f["units/spike_times"][()]
    print(f"load_all_spikes {time.perf_counter() - start:.4f}")
    print(f"spikes {spikes.size}\nunits {tables['units']['spike_times_index'].size}")
    del spikes
    f.close()

    f, _, tables = open_metadata(path)
    index = np.concatenate([[0], tables["units"]["spike_times_index"]]).astype(np.int64)
    dataset = f["units/spike_times"]
    start = time.perf_counter()
    total = 0.0
    for u in range(index.size - 1):
        train = np.sort(dataset[index[u]:index[u + 1]])
        if train.size:
            total += train[0]
    print(f"per_unit_all_units {time.perf_counter() - start:.4f}")
    f.close()

    f, _, tables = open_metadata(path)
    dataset = f["units/spike_times"]
    start = time.perf_counter()
    in_window = 0
    for u in range(index.size - 1):
        train = dataset[index[u]:index[u + 1]]
        lo, hi = np.searchsorted(train, [1500.0, 1501.0])
        in_window += hi - lo
    print(f"window_1s_all_units {time.perf_counter() - start:.4f}")
    print(f"checksum {total:.6f} {in_window}")
    print(f"peak_rss_mb {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}")


if __name__ == "__main__":
    main(sys.argv[1])
