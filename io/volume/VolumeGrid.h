#pragma once
// The one description of a volume's voxel grid: its size, voxel spacing,
// origin and voxel → world affine. Every reader that knows geometry (NIfTI,
// MGH, zarr/OME-Zarr, TIFF OME/ImageJ, HDF5 volumes), analysis/fmri, the
// microscopy previews and the slice/volume layers use it; attributes are
// parsed and written only here (readVolumeGrid / writeVolumeGrid).
//
// Axis convention. The grid counts voxels (i, j, k) = (x, y, z). Every
// volume array of this code base stores them C-order with x fastest: one
// volume is [z][y][x] (how NIfTI and MGH lay voxels out on disk, x fastest),
// with further axes outside (time, conditions: [t][z][y][x]; microscopy
// channels: [c][z][y][x]) or a channel axis inside ([z][y][x][c]: RGB NIfTI,
// microscopy previews). `AxisOrder` names these layouts; voxel (i, j, k) of
// one volume/channel is at flat index i + nx (j + ny k).
//
// Attributes (all numbers comma separated, x first):
//   "spacing" = "sx,sy,sz"   voxel size along i, j, k (> 0)
//   "origin"  = "ox,oy,oz"   world position of voxel (0, 0, 0)
//   "affine"  = 16 numbers   row-major voxel (i, j, k, 1) → world; last row 0,0,0,1
//   "spatial_units"          "mm", "micrometer", "nanometer", …; absent when unknown
// Older spellings still read: spacing as "voxel_size" or as HDF5's
// "element_size_um" (z, y, x in micrometres, ilastik/Fiji), numbers separated
// by spaces or in brackets, the unit as "voxel_size_unit" ("pixel": unknown).
// Without an affine the affine is diag(spacing) + origin; with one, origin is
// its translation and spacing (when not given) its column lengths.
#include <array>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "io/Dataset.h"

namespace nl::io {

// How the axes of a stored voxel array are ordered, outermost first.
enum class AxisOrder {
  ZYX,    // [z][y][x]: one volume
  TZYX,   // [t][z][y][x]: volumes along a leading axis (time, conditions)
  ZYXC,   // [z][y][x][c]: channels innermost (RGB, complex; microscopy previews)
  TZYXC,  // [t][z][y][x][c]
  CZYX,   // [c][z][y][x]: channels outermost (microscopy VolumeDataset)
};
// "z,y,x", "t,z,y,x", "z,y,x,channel", "t,z,y,x,channel", "channel,z,y,x".
std::string_view axisOrderName(AxisOrder order);
std::size_t axisCount(AxisOrder order);

// A malformed geometry attribute (or a shape that has no grid); the message
// names the dataset and the attribute.
class VolumeGridError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

using Affine = std::array<double, 16>;  // row-major 4 × 4
constexpr Affine kIdentityAffine{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};

struct VolumeGrid {
  std::size_t nx = 0, ny = 0, nz = 0;  // voxels along i (x), j (y), k (z)
  std::array<double, 3> spacing{1, 1, 1};
  Affine affine = kIdentityAffine;  // voxel (i, j, k, 1) → world
  std::string unit;                 // of spacing and world coordinates; empty: unknown

  // diag(spacing) with `origin` as translation.
  static VolumeGrid axisAligned(std::array<std::size_t, 3> size, std::array<double, 3> spacing,
                                std::array<double, 3> origin = {0, 0, 0}, std::string unit = {});
  // Spacing: the affine's column lengths unless given.
  static VolumeGrid fromAffine(std::array<std::size_t, 3> size, const Affine& affine,
                               std::string unit = {});

  std::array<double, 3> origin() const { return {affine[3], affine[7], affine[11]}; }
  std::size_t voxelCount() const { return nx * ny * nz; }
  // {nz, ny, nx}: the spatial part of the array's shape.
  std::array<std::size_t, 3> shapeZyx() const { return {nz, ny, nx}; }
  std::size_t flatIndex(std::size_t i, std::size_t j, std::size_t k) const {
    return i + nx * (j + ny * k);
  }
  std::array<std::size_t, 3> indicesOf(std::size_t flatIndex) const {
    return {flatIndex % nx, (flatIndex / nx) % ny, flatIndex / (nx * ny)};
  }
  bool sameShape(const VolumeGrid& other) const {
    return nx == other.nx && ny == other.ny && nz == other.nz;
  }

  // Continuous voxel coordinates ↔ world, through the affine.
  std::array<double, 3> voxelToWorld(const std::array<double, 3>& ijk) const;
  // Throws VolumeGridError when the affine is singular.
  std::array<double, 3> worldToVoxel(const std::array<double, 3>& world) const;
  // The inverse affine (world → voxel), row-major; throws when singular.
  Affine inverseAffine() const;
  // Largest difference between the two affines' entries.
  double affineDifference(const VolumeGrid& other) const;
  // Same size and affines equal within `tolerance` (world units).
  bool sameGrid(const VolumeGrid& other, double tolerance = 1e-3) const;

  // The grid of a 1:step preview that keeps every step-th voxel (or pools
  // step³ blocks): ceil(n / step) voxels per axis, spacing × step, voxel
  // (i, j, k) placed on source voxel (step i, step j, step k).
  VolumeGrid subsampled(std::size_t step) const;
};

// The grid of the spatial axes of an array of `shape` laid out as `order`,
// placed by `attributes`; `dataset` names it in errors. Throws VolumeGridError
// for a shape of another rank, an empty grid or a malformed attribute.
VolumeGrid readVolumeGrid(std::string_view dataset, std::span<const std::size_t> shape,
                          const Attributes& attributes, AxisOrder order);
// The same for a dataset (its name, shape and attributes).
VolumeGrid readVolumeGrid(const Dataset& dataset, AxisOrder order);
// Spacing alone ("spacing" or an old spelling; 1,1,1 when absent), e.g. for
// readers that convert the file's own metadata into attributes first.
std::array<double, 3> readSpacing(std::string_view dataset, const Attributes& attributes);

// Writes the canonical attributes (spacing, origin, affine, spatial_units
// when known) over `attributes`, dropping the old unit spelling.
void writeVolumeGrid(const VolumeGrid& grid, Attributes& attributes);
// The attribute keys that describe a grid (canonical and old spellings).
std::span<const std::string_view> volumeGridAttributeNames();

// Numbers as "a,b,c" with round-trip precision (-0 written as 0).
std::string formatNumbers(std::span<const double> values);

}  // namespace nl::io
