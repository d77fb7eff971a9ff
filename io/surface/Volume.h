#pragma once
// Builds the ArrayDataset for a voxel volume read from NIfTI or MGH: C-order
// [z][y][x] (3-D) or [t][z][y][x] (4-D), optionally with a trailing channel
// axis (RGB, complex), attributes spacing / origin / affine (voxel index
// (i=x, j=y, k=z, 1) → world mm, row-major) and, for 4-D, tr (seconds).
#include <array>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "io/Dataset.h"

namespace nl::io::surface {

struct VolumeGeometry {
  std::array<std::size_t, 4> dims{1, 1, 1, 1};  // x, y, z, t
  std::size_t channels = 1;
  std::string channelNames;  // "r,g,b", "real,imag"; empty for one channel
  std::array<double, 3> spacing{1, 1, 1};
  std::array<double, 16> affine{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  double trSeconds = 0;  // 0: not known
  std::string spatialUnits;
  std::string timeUnits;
};

// Volume (t == 1) or VoxelSeries; `loader` must return every value in the
// on-disk order (x fastest, then y, z, t; channels innermost).
std::shared_ptr<const ArrayDataset> makeVolumeDataset(std::string name,
                                                      const VolumeGeometry& geometry,
                                                      ArrayDataset::Loader loader,
                                                      Provenance provenance, Attributes extra,
                                                      std::string sourceType);

// Throws a FileError naming `path` unless every matrix entry is finite.
void requireFiniteAffine(const std::filesystem::path& path, const std::array<double, 16>& affine,
                         const std::string& which);

}  // namespace nl::io::surface
