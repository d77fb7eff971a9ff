#pragma once
// Multi-voxel patterns for RSA: the per-condition betas of the voxels inside
// a mask, as a conditions × voxels matrix (one row per condition, one column
// per voxel, voxels in C order of the volume).
#include <cstddef>
#include <span>
#include <vector>

#include "io/TypedArray.h"

namespace nl::analysis::fmri {

struct RoiPatterns {
  std::size_t conditions = 0;
  std::vector<std::size_t> voxels;  // flat [z][y][x] indices, ascending
  std::vector<double> values;       // conditions × voxels, row-major
};

// `betas` holds `conditions` volumes of `mask.size()` values one after
// another. Mask voxels that are nonzero (and not NaN) are kept; a voxel whose
// beta is NaN in any condition (outside the GLM's own mask) is dropped.
// Throws std::invalid_argument when the sizes disagree or no voxel remains.
RoiPatterns roiPatterns(std::span<const double> betas, std::size_t conditions,
                        std::span<const double> mask);
// The same on arrays in their stored type: betas are read one condition
// volume at a time, only at the mask's voxels.
RoiPatterns roiPatterns(const io::TypedArray& betas, std::size_t conditions,
                        const io::TypedArray& mask);

}  // namespace nl::analysis::fmri
