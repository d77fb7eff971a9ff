#pragma once
// The one writer of label volumes (and of other integer volumes that go
// where FISBe keeps them: a simulated raw image, masks), in the FISBe layout
// that fisbe.evaluate and io/microscopy's readers open directly: a container
// — a zarr v2 directory store or an HDF5 file — holding the array at an
// internal path such as "volumes/labels" (FISBe predictions hold
// "volumes/gmm_label_cleaned", ground truth "volumes/gt_instances").
//
//  - one channel of instance ids: stored (z, y, x);
//  - one channel per instance (FISBe ground truth; overlapping instances):
//    stored (c, z, y, x), `channels` > 1 or `channelAxis` set.
//
// Chunks (1 ×) 64 × 128 × 128 unless given; zarr: "zlib" level 1, C order,
// all-zero chunks left out (they read as the fill value 0); HDF5: shuffle +
// deflate level 1. `attributes` become HDF5 string attributes on the
// dataset / .zattrs entries (a value that is a JSON number, list or object is
// stored as that JSON).
//
// An existing container is kept — the labels can sit beside the raw image —
// and only the array at `internalPath` is replaced. Atomic: a zarr array is
// written beside its place and renamed in (swapped with renameat2(EXCHANGE)
// when one exists); an HDF5 file is rewritten beside the target (its other
// objects copied with H5Ocopy, so a replaced array leaves no dead space),
// synced and renamed over it. A failure or cancel leaves the old contents.
//
// The values come from `data` (C order [c][z][y][x]) or, for volumes never
// held whole (one channel per instance of a full-size segmentation), from
// `planes`, asked for one chunk layer of one channel at a time.
// `progress(fraction)` is called per chunk layer and may throw to cancel.
// Errors are io::FileError naming the file.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "io/microscopy/VolumeDataset.h"

namespace nl::io::microscopy {

enum class ContainerFormat { Zarr, Hdf5 };

// ".zarr" → Zarr; ".h5", ".hdf", ".hdf5" → Hdf5 (any case); anything else:
// std::invalid_argument naming the path.
ContainerFormat containerFormatFor(const std::filesystem::path& path);

struct LabelVolumeToWrite {
  VoxelType type = VoxelType::UInt32;  // an integer type (not bool)
  std::size_t channels = 1;
  std::size_t z = 0, y = 0, x = 0;
  bool channelAxis = false;  // store (c, z, y, x) even with one channel
  const void* data = nullptr;
  // Writes planes [z0, z1) of `channel` ((z1 − z0) · y · x values of `type`,
  // C order) to `out`; used when `data` is null.
  std::function<void(std::size_t channel, std::size_t z0, std::size_t z1, void* out)> planes;
  std::size_t chunkZ = 64, chunkY = 128, chunkX = 128;  // clamped to the shape
  std::map<std::string, std::string> attributes;
};

void writeLabelVolume(const std::filesystem::path& container, const std::string& internalPath,
                      const LabelVolumeToWrite& volume,
                      const std::function<void(double)>& progress = {});

}  // namespace nl::io::microscopy
