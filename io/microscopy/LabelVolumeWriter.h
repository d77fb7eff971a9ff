#pragma once
// Writes one channel of instance label ids (z, y, x) in its stored integer
// type, the way FISBe predictions are stored and fisbe.evaluate reads them:
//  - HDF5: dataset `internalPath` (e.g. "volumes/labels"), chunks of
//    64 × 64 × 64, deflate level 1, groups made as needed;
//  - zarr v2: a directory store with .zgroup files and the array at
//    `internalPath` (.zarray: chunks 64³, "zlib" level 1, C order).
// Both are atomic: the file (or store) is written beside the target, synced
// and renamed over it (a store is swapped in with renameat2(EXCHANGE)), so a
// failure leaves the old labels untouched. `attributes` become HDF5 string
// attributes / .zattrs strings. `progress(fraction)` is called per slab and
// may throw to cancel (nothing is left behind).
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "io/microscopy/VolumeDataset.h"

namespace nl::io::microscopy {

struct LabelVolumeToWrite {
  const void* data = nullptr;  // C order z, y, x
  VoxelType type = VoxelType::UInt32;
  std::size_t z = 0, y = 0, x = 0;
  std::map<std::string, std::string> attributes;
};

void writeLabelVolumeHdf5(const std::filesystem::path& target, const std::string& internalPath,
                          const LabelVolumeToWrite& volume,
                          const std::function<void(double)>& progress = {});
void writeLabelVolumeZarr(const std::filesystem::path& store, const std::string& internalPath,
                          const LabelVolumeToWrite& volume,
                          const std::function<void(double)>& progress = {});

}  // namespace nl::io::microscopy
