#!/usr/bin/python3
"""The steps of neuroloupe_bench_recording in h5py + NumPy (Debian's python3-h5py).

open_metadata reads what NeuroLoupe's reader reads at open: file attributes,
the units table's columns (not spike_times, spike_amplitudes, waveform_mean),
the electrodes and intervals tables, spike_times_index. Each step starts
from a freshly opened file. Usage: recording_h5py.py FILE.nwb [--metadata-only | --spike-range]
(--metadata-only: what `info` reads; --spike-range: and each unit's first
and last spike, as `info --spike-range`)
"""
import resource
import sys
import time

import h5py
import numpy as np

BULK = {"spike_times", "spike_amplitudes", "waveform_mean", "waveform_sd"}


def read_chars():
    with open("/proc/self/io") as io:
        for line in io:
            key, value = line.split(":")
            if key == "rchar":
                return int(value)
    return 0


def read_table(group):
    columns = {}
    for name, obj in group.items():
        if not isinstance(obj, h5py.Dataset) or name in BULK:
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
    index = np.concatenate([[0], tables["units"]["spike_times_index"]]).astype(np.int64)
    return f, meta, tables, index


def main(path, metadata_only=False, spike_range=True):
    chars0 = read_chars()
    start = time.perf_counter()
    f, _, _, index = open_metadata(path)
    print(f"open_metadata {time.perf_counter() - start:.5f}")
    if metadata_only and not spike_range:  # `neuroloupe-cli info --json`
        print(f"units {index.size - 1}\nspikes {index[-1]}")
        return
    dataset = f["units/spike_times"]
    start = time.perf_counter()
    lo, hi = np.inf, -np.inf
    for u in range(index.size - 1):
        if index[u + 1] > index[u]:
            lo = min(lo, dataset[index[u]])
            hi = max(hi, dataset[index[u + 1] - 1])
    print(f"time_range {time.perf_counter() - start:.5f}")
    print(f"open_time_range_read_mb {(read_chars() - chars0) / 1e6:.3f}")
    print(f"units {index.size - 1}\nspikes {index[-1]}")
    print(f"range {lo:.6f} {hi:.6f}")
    f.close()
    if metadata_only:  # `neuroloupe-cli info --json --spike-range`
        return

    f, _, _, index = open_metadata(path)
    start = time.perf_counter()
    trains = np.split(f["units/spike_times"][()], index[1:-1])
    print(f"all_split {time.perf_counter() - start:.5f}")
    del trains
    f.close()

    f, _, _, index = open_metadata(path)
    start = time.perf_counter()
    trains = np.split(f["units/spike_times"][()], index[1:-1])
    total = sum(float(t.sum()) for t in trains)
    print(f"all_split_sum {time.perf_counter() - start:.5f}")
    print(f"all_spikes_sum {total:.6e}")
    del trains
    f.close()

    f, _, _, index = open_metadata(path)
    dataset = f["units/spike_times"]
    start = time.perf_counter()
    total = 0.0
    for u in range(index.size - 1):
        train = dataset[index[u]:index[u + 1]]
        if train.size:
            total += train[0] + train[-1]
    print(f"per_unit_all_units {time.perf_counter() - start:.5f}")
    f.close()

    counts = np.diff(index)
    target = int(np.argmin(np.abs(counts - 21347)))
    print(f"one_unit_index {target}\none_unit_spikes {counts[target]}")
    times = []
    for _ in range(15):
        f = h5py.File(path, "r")
        dataset = f["units/spike_times"]
        start = time.perf_counter()
        train = dataset[index[target]:index[target + 1]]
        times.append(time.perf_counter() - start)
        f.close()
    print(f"one_unit {sorted(times)[len(times) // 2]:.7f}")

    f, _, _, index = open_metadata(path)
    dataset = f["units/spike_times"]
    start = time.perf_counter()
    in_window = 0
    for u in range(index.size - 1):
        train = dataset[index[u]:index[u + 1]]
        a, b = np.searchsorted(train, [1500.0, 1501.0])
        in_window += b - a
    print(f"window_1s_all_units {time.perf_counter() - start:.5f}")
    print(f"checksum {total:.6f} {in_window}")
    print(f"peak_rss_mb {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}")


if __name__ == "__main__":
    main(sys.argv[1], "--metadata-only" in sys.argv[2:] or "--spike-range" in sys.argv[2:],
         "--spike-range" in sys.argv[2:])
