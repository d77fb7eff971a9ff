#pragma once
// Volume → surface: each vertex's world position (mm) goes through the
// inverse of the volume's affine to continuous voxel coordinates, where the
// volume is sampled by nearest neighbour or trilinear interpolation. With an
// outer surface (pial) as well, samples along each white→pial segment at the
// given fractions are averaged.
#include <span>
#include <vector>

#include "analysis/fmri/VolumeGrid.h"
#include "io/TypedArray.h"

namespace nl::analysis::fmri {

enum class Interpolation { Nearest, Trilinear };
Interpolation parseInterpolation(const std::string& name);  // "nearest", "linear"

// The value at world point (x, y, z) of a [z][y][x] volume. NaN outside: a
// trilinear sample needs (i, j, k) within [0, n − 1] on every axis (1e-6
// voxels of slack), a nearest sample the rounded index within [0, n − 1].
// NaN voxels propagate.
double sampleVolume(const VolumeGrid& grid, std::span<const double> values,
                    const Eigen::Matrix4d& worldToVoxel, double x, double y, double z,
                    Interpolation interpolation);

struct ProjectionOptions {
  Interpolation interpolation = Interpolation::Trilinear;
  // Positions between the inner (0) and outer (1) surface; only used with an outer mesh.
  std::vector<double> fractions{0.0, 0.25, 0.5, 0.75, 1.0};
};

// `volumes` volumes of grid.voxelCount() values each, one after another
// (a VoxelSeries's [t][z][y][x]). Returns vertices × volumes values
// (vertex-major). `outer` is empty or has as many vertices as `inner`
// (3 floats each). A vertex whose samples all fall outside gets NaN; with an
// outer surface, the mean is over the samples that fall inside.
std::vector<double> projectToSurface(const VolumeGrid& grid, std::span<const double> values,
                                     std::size_t volumes, std::span<const float> inner,
                                     std::span<const float> outer,
                                     const ProjectionOptions& options);
// The same on a volume or run in its stored type, widened one volume at a time.
std::vector<double> projectToSurface(const VolumeGrid& grid, const io::TypedArray& values,
                                     std::size_t volumes, std::span<const float> inner,
                                     std::span<const float> outer,
                                     const ProjectionOptions& options);

}  // namespace nl::analysis::fmri
