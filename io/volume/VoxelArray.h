#pragma once
// Builds the ArrayDataset for a voxel volume read from NIfTI or MGH: C-order
// [z][y][x] (3-D) or [t][z][y][x] (4-D), optionally with a trailing channel
// axis (RGB, complex); the grid's attributes (io/volume/VolumeGrid.h),
// axis_order and, for 4-D, tr (seconds).
#include <array>
#include <filesystem>
#include <memory>
#include <string>

#include "io/Dataset.h"
#include "io/TypedArray.h"
#include "io/surface/SurfaceIo.h"
#include "io/volume/VolumeGrid.h"

namespace nl::io::volume {

// What a voxel array holds besides its grid.
struct VoxelLayout {
  std::size_t frames = 1;    // volumes along t
  std::size_t channels = 1;  // values per voxel
  std::string channelNames;  // "r,g,b", "real,imag"; empty for one channel
  double trSeconds = 0;      // 0: not known
  std::string timeUnits;
};

// Volume (one frame) or VoxelSeries; `loader` must return every value in the
// on-disk order (x fastest, then y, z, t; channels innermost).
std::shared_ptr<const ArrayDataset> makeVolumeDataset(std::string name, const VolumeGrid& grid,
                                                      const VoxelLayout& layout,
                                                      ArrayDataset::Loader loader,
                                                      Provenance provenance, Attributes extra,
                                                      std::string sourceType);

// The same, held in the stored type: `loader` returns the values in the
// same order, typed (e.g. from readStoredVoxels).
std::shared_ptr<const ArrayDataset> makeVolumeDataset(std::string name, const VolumeGrid& grid,
                                                      const VoxelLayout& layout,
                                                      ArrayDataset::TypedLoader loader,
                                                      Provenance provenance, Attributes extra,
                                                      std::string sourceType);

// The ScalarType of a stored number ('i'/'u'/'f' and its size); false for
// one TypedArray cannot hold (float128).
bool scalarTypeOfStored(surface::StoredType stored, ScalarType& type);

// `count` values of `type` at byte `offset` of `path`, in native byte order.
// Uncompressed data in native order and aligned to its type is memory-mapped
// (nothing is read until touched); gzip data is inflated once straight into
// a buffer of the stored type; other byte orders are swapped once in memory.
// Value i reads as stored · slope + inter. A file too short for the data is a
// FileError naming the file and both sizes.
TypedArray readStoredVoxels(const std::filesystem::path& path, std::size_t offset, ScalarType type,
                            std::size_t count, bool bigEndian, double slope = 1.0,
                            double inter = 0.0);

// Throws a FileError naming `path` unless every matrix entry is finite.
void requireFiniteAffine(const std::filesystem::path& path, const Affine& affine,
                         const std::string& which);

// The voxel size a header states along one axis when it is usable (finite,
// > 0), else the length of the affine's column (1 when that is 0 too).
double usableSpacing(double stated, const Affine& affine, std::size_t axis);

}  // namespace nl::io::volume
