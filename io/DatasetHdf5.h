#pragma once
// Stores any dataset in an HDF5 group and reads it back, in a layout that
// h5py users can read without NeuroLoupe (plain datasets, string attributes):
//   group attrs: kind, name, provenance (JSON) and the provenance fields
//   Array kinds:     values (float64, original shape)
//   Table kinds:     columns/<name> (float64 or UTF-8 strings), attr column_order
//   SpikeRecording:  spike_times, unit_offsets, units/ (table), electrodes/ (table)
//   SurfaceMesh:     vertices (n,3 float32), triangles (m,3 int32)
#include "io/Dataset.h"
#include "io/hdf5/H5.h"

namespace nl::io {

// Where a dataset group sits in a result file. A derived dataset read with it
// records the file as its sourcePath and the group as its internalPath (so a
// later run that reads it can name the file), and takes `outputName` when
// its provenance has none (files written before output names were stored).
struct StoredOutput {
  std::string file;  // absolute path of the result file; empty: not from a result file
  std::string outputName;
};

void writeDataset(const h5::Group& group, const Dataset& dataset);
DatasetPtr readDataset(const h5::Group& group, const StoredOutput& stored = {});

// A result file's run (root attributes): its "provenance" JSON, or for files
// written before it existed the plain attributes (plugin_id, parameters,
// created_utc, inputs, …) read the same tolerant way.
Provenance readRunProvenance(const h5::Group& root);

}  // namespace nl::io
