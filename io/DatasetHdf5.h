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

void writeDataset(const h5::Group& group, const Dataset& dataset);
DatasetPtr readDataset(const h5::Group& group);

}  // namespace nl::io
