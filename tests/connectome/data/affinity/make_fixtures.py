#!/usr/bin/python3
"""Writes the small NWB and suite2p fixtures of tests/connectome/Affinity*Test.cpp.

Run with Debian's /usr/bin/python3 (h5py, numpy) from this folder. The NWB files
follow the layout pynwb writes for optical physiology (NWB 2.x):
  ophys_fluorescence.nwb      processing/ophys/Fluorescence/RoiResponseSeries,
                              starting_time + rate, rois -> PlaneSegmentation
                              (ids only, pixel_mask compound + pixel_mask_index)
  ophys_dfoverf_timestamps.nwb  processing/ophys/DfOverF/RoiResponseSeries with
                              timestamps, rois a permuted subset of a
                              PlaneSegmentation with neuron_name and image_mask
  ophys_series_per_neuron.nwb acquisition: one TimeSeries per neuron (as the
                              pynwb conversions of Kato 2015 / Triplett 2018 do),
                              plus a stimulus series of another length
and suite2p/plane0 is a suite2p output folder (F, Fneu, iscell, spks, ops).
"""
import uuid
import h5py
import numpy as np

rng = np.random.default_rng(17)
STR = h5py.string_dtype()


def nwb_root(path):
    f = h5py.File(path, "w")
    f.attrs["namespace"] = "core"
    f.attrs["neurodata_type"] = "NWBFile"
    f.attrs["nwb_version"] = "2.6.0"
    f.attrs["object_id"] = str(uuid.UUID(int=rng.integers(1 << 62).item()))
    f.create_dataset("identifier", data="affinity-fixture", dtype=STR)
    f.create_dataset("session_description", data="connectome.affinity test fixture", dtype=STR)
    f.create_dataset("session_start_time", data="2024-01-01T00:00:00+00:00", dtype=STR)
    f.create_dataset("timestamps_reference_time", data="2024-01-01T00:00:00+00:00", dtype=STR)
    for g in ["acquisition", "analysis", "general", "intervals", "processing", "stimulus/presentation",
              "stimulus/templates"]:
        f.require_group(g)
    return f


def typed(group, kind):
    group.attrs["namespace"] = "core"
    group.attrs["neurodata_type"] = kind
    return group


def traces(frames, neurons):
    t = np.arange(frames)
    x = np.zeros((frames, neurons))
    for n in range(neurons):
        for onset in rng.choice(frames - 10, size=3, replace=False):
            x[onset:, n] += np.exp(-(t[onset:] - onset) / 8.0)
    return (x + 0.02 * rng.standard_normal(x.shape)).astype(np.float32)


def plane_segmentation(ophys, ids, names=None, pixel=False, image=False):
    seg = typed(ophys.create_group("ImageSegmentation"), "ImageSegmentation")
    ps = typed(seg.create_group("PlaneSegmentation"), "PlaneSegmentation")
    ps.attrs["description"] = "ROIs"
    colnames = []
    ps.create_dataset("id", data=np.asarray(ids, dtype=np.int64))
    if names is not None:
        ps.create_dataset("neuron_name", data=names, dtype=STR)
        colnames.append("neuron_name")
    if pixel:
        mask_type = np.dtype([("x", np.uint32), ("y", np.uint32), ("weight", np.float32)])
        rows, index = [], []
        for r in range(len(ids)):
            cx, cy = 4 + 6 * r, 10 + 2 * r
            for dx, dy in [(-1, 0), (1, 0), (0, -1), (0, 1), (0, 0)]:
                rows.append((cx + dx, cy + dy, 1.0))
            index.append(len(rows))
        ps.create_dataset("pixel_mask", data=np.array(rows, dtype=mask_type))
        ps.create_dataset("pixel_mask_index", data=np.asarray(index, dtype=np.uint32))
        colnames.append("pixel_mask")
    if image:
        masks = np.zeros((len(ids), 8, 8), dtype=np.float32)
        for r in range(len(ids)):
            masks[r, r + 1, 2 * (r % 4) + 1] = 1.0  # one pixel: row r+1, column 2(r%4)+1
        ps.create_dataset("image_mask", data=masks)
        colnames.append("image_mask")
    ps.attrs["colnames"] = np.array(colnames, dtype=object)
    return ps


def roi_series(container, ps, data, rows, rate=None, start=0.0, timestamps=None):
    s = typed(container.create_group("RoiResponseSeries"), "RoiResponseSeries")
    s.attrs["description"] = "calcium traces"
    d = s.create_dataset("data", data=data)
    d.attrs["unit"] = "n.a."
    d.attrs["conversion"] = 1.0
    d.attrs["resolution"] = -1.0
    rois = s.create_dataset("rois", data=np.asarray(rows, dtype=np.int64))
    rois.attrs["table"] = ps.ref
    rois.attrs["description"] = "ROIs"
    typed(rois, "DynamicTableRegion").attrs["namespace"] = "hdmf-common"
    if timestamps is None:
        st = s.create_dataset("starting_time", data=start)
        st.attrs["rate"] = rate
        st.attrs["unit"] = "seconds"
    else:
        ts = s.create_dataset("timestamps", data=timestamps)
        ts.attrs["interval"] = 1
        ts.attrs["unit"] = "seconds"
    return s


# 1. Fluorescence, starting_time + rate, PlaneSegmentation with ids and pixel masks.
with nwb_root("ophys_fluorescence.nwb") as f:
    ophys = typed(f["processing"].create_group("ophys"), "ProcessingModule")
    ophys.attrs["description"] = "optical physiology"
    ps = plane_segmentation(ophys, [10, 11, 12, 13, 14], pixel=True)
    fl = typed(ophys.create_group("Fluorescence"), "Fluorescence")
    roi_series(fl, ps, traces(200, 5), [0, 1, 2, 3, 4], rate=10.0, start=0.5)

# 2. DfOverF with timestamps; rois a permuted subset; names and image masks.
with nwb_root("ophys_dfoverf_timestamps.nwb") as f:
    ophys = typed(f["processing"].create_group("ophys"), "ProcessingModule")
    ophys.attrs["description"] = "optical physiology"
    ps = plane_segmentation(ophys, [0, 1, 2, 3, 4], names=["AVAL", "AVAR", "RIML", "SMDVL", "ASHL"],
                            image=True)
    dff = typed(ophys.create_group("DfOverF"), "DfOverF")
    roi_series(dff, ps, traces(150, 3), [3, 1, 0], timestamps=2.0 + np.arange(150) / 5.0)

# 3. One TimeSeries per neuron in acquisition (Kato 2015 / Triplett 2018 conversions).
with nwb_root("ophys_series_per_neuron.nwb") as f:
    x = traces(120, 4)
    stamps = np.arange(120) / 4.0
    for n, name in enumerate(["AVAL", "AVAR", "RIML", "SMDVL"]):
        s = typed(f["acquisition"].create_group(name), "TimeSeries")
        s.attrs["description"] = "traces corrected: " + name
        d = s.create_dataset("data", data=x[:, n].astype(np.float64))
        d.attrs["unit"] = "a.u."
        ts = s.create_dataset("timestamps", data=stamps)
        ts.attrs["unit"] = "seconds"
    s = typed(f["acquisition"].create_group("stimulus"), "TimeSeries")
    d = s.create_dataset("data", data=np.zeros(60))
    d.attrs["unit"] = "V"
    s.create_dataset("timestamps", data=np.arange(60) / 2.0)

# 4. suite2p output: 6 ROIs, 4 of them cells, 100 frames at 7.5 Hz.
import os
os.makedirs("suite2p/plane0", exist_ok=True)
F = 100 + 10 * traces(100, 6).T.astype(np.float32)
Fneu = (20 + rng.standard_normal(F.shape)).astype(np.float32)
np.save("suite2p/plane0/F.npy", F)
np.save("suite2p/plane0/Fneu.npy", Fneu)
np.save("suite2p/plane0/spks.npy", np.maximum(0, np.diff(F, axis=1, prepend=F[:, :1])).astype(np.float32))
np.save("suite2p/plane0/iscell.npy", np.array([[1, .9], [0, .1], [1, .8], [1, .7], [0, .3], [1, .95]]))
np.save("suite2p/plane0/ops.npy", {"fs": 7.5, "nframes": 100, "tau": 1.0, "save_path": "plane0"},
        allow_pickle=True)
