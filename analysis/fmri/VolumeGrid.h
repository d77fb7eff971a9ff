#pragma once
// The voxel grid of a volume dataset as io/surface writes it: values C-order
// [z][y][x] (or [t][z][y][x]) and an "affine" attribute of 16 row-major
// numbers mapping voxel (i = x, j = y, k = z, 1) to world mm.
#include <Eigen/Core>
#include <array>
#include <cstddef>
#include <string>

#include "io/Dataset.h"

namespace nl::analysis::fmri {

struct VolumeGrid {
  std::size_t nx = 0, ny = 0, nz = 0;
  Eigen::Matrix4d affine = Eigen::Matrix4d::Identity();  // voxel → world

  std::size_t voxelCount() const { return nx * ny * nz; }
  bool sameShape(const VolumeGrid& other) const {
    return nx == other.nx && ny == other.ny && nz == other.nz;
  }
  // Largest difference between the affines (mm), to tell grids apart.
  double affineDifference(const VolumeGrid& other) const;
};

// The grid of the last three axes of a [z][y][x] or [t][z][y][x] array (a
// Volume, a VoxelSeries, or betas [condition][z][y][x]); `role` names the
// input in errors. A missing affine attribute means the identity (voxels as
// mm). Throws std::invalid_argument for other shapes or a malformed affine.
VolumeGrid gridOf(const io::ArrayDataset& dataset, const std::string& role);
// Number of volumes (the leading axis of a 4-D array); 1 for a 3-D one.
std::size_t volumeCountOf(const io::ArrayDataset& dataset);
// The attributes an output volume carries over from its input grid (affine,
// spacing, origin, spatial units) plus axis_order "z,y,x".
io::Attributes gridAttributes(const io::ArrayDataset& source);
// A numeric attribute (e.g. "tr"); NaN when absent or not a number.
double numberAttribute(const io::Dataset& dataset, const std::string& name);

}  // namespace nl::analysis::fmri
