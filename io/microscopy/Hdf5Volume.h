#pragma once
// HDF5 datasets as lazily read volumes: FILE.hdf::volumes/gmm_label_cleaned.
// Chunks compressed with deflate (and shuffle) are fetched raw with
// H5Dread_chunk and inflated on worker threads; any other layout or filter
// is read by hyperslab through the HDF5 library (serialised by its lock).
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

#include "io/microscopy/VolumeDataset.h"

namespace nl::io::microscopy {

// The numeric dataset at `internalPath` (rank 2–4, or 5 with a leading axis
// of size 1). FileError when the file, the path or the type does not fit.
std::shared_ptr<VolumeDataset> openHdf5Volume(const std::filesystem::path& path,
                                              const std::string& internalPath,
                                              const VolumeOpenOptions& options = {});

// Whether `internalPath` is a numeric dataset of rank ≥ 3 holding at least
// `minBytes`: what a caller may route to openHdf5Volume instead of reading it
// whole. False (never throws) when the file or path does not exist.
bool isHdf5Volume(const std::filesystem::path& path, const std::string& internalPath,
                  std::size_t minBytes = std::size_t{64} << 20);

}  // namespace nl::io::microscopy
