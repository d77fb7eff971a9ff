#include "analysis/fmri/Projection.h"

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace nl::analysis::fmri {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kSlack = 1e-6;  // voxels: a vertex exactly on the boundary is inside

// Lower corner index and weight of the upper neighbour on one axis; false
// when the coordinate lies outside [0, n − 1] by more than the slack. Within
// the slack the weight may leave [0, 1] slightly: a linear extrapolation, so
// a vertex rounded to float just past the last voxel centre is not biased.
bool axisWeights(double coordinate, std::size_t size, std::size_t& lower, double& weight) {
  const double last = static_cast<double>(size - 1);
  if (!(coordinate >= -kSlack && coordinate <= last + kSlack)) return false;
  if (size == 1) {
    lower = 0;
    weight = 0;
    return true;
  }
  const double floored = std::floor(std::max(coordinate, 0.0));
  lower = std::min(static_cast<std::size_t>(floored), size - 2);
  weight = coordinate - static_cast<double>(lower);
  return true;
}

}  // namespace

Interpolation parseInterpolation(const std::string& name) {
  if (name == "nearest") return Interpolation::Nearest;
  if (name == "linear" || name == "trilinear") return Interpolation::Trilinear;
  throw std::invalid_argument("unknown interpolation '" + name + "' (expected nearest or linear)");
}

double sampleVolume(const VolumeGrid& grid, std::span<const double> values,
                    const Eigen::Matrix4d& worldToVoxel, double x, double y, double z,
                    Interpolation interpolation) {
  const Eigen::Vector4d voxel = worldToVoxel * Eigen::Vector4d(x, y, z, 1.0);
  const double i = voxel[0], j = voxel[1], k = voxel[2];
  const std::size_t nx = grid.nx, ny = grid.ny;
  if (interpolation == Interpolation::Nearest) {
    const double ri = std::floor(i + 0.5), rj = std::floor(j + 0.5), rk = std::floor(k + 0.5);
    if (!(ri >= 0 && rj >= 0 && rk >= 0 && ri < static_cast<double>(grid.nx) &&
          rj < static_cast<double>(grid.ny) && rk < static_cast<double>(grid.nz)))
      return kNaN;
    const auto index = (static_cast<std::size_t>(rk) * ny + static_cast<std::size_t>(rj)) * nx +
                       static_cast<std::size_t>(ri);
    return values[index];
  }
  std::size_t i0, j0, k0;
  double wi, wj, wk;
  if (!axisWeights(i, grid.nx, i0, wi) || !axisWeights(j, grid.ny, j0, wj) ||
      !axisWeights(k, grid.nz, k0, wk))
    return kNaN;
  double sum = 0;
  // On an axis of size 1 the upper neighbour does not exist (weight 0).
  const int ni = grid.nx > 1 ? 2 : 1, nj = grid.ny > 1 ? 2 : 1, nk = grid.nz > 1 ? 2 : 1;
  for (int dk = 0; dk < nk; ++dk) {
    const double fk = dk ? wk : 1.0 - wk;
    if (fk == 0) continue;
    for (int dj = 0; dj < nj; ++dj) {
      const double fj = dj ? wj : 1.0 - wj;
      if (fj == 0) continue;
      for (int di = 0; di < ni; ++di) {
        const double fi = di ? wi : 1.0 - wi;
        if (fi == 0) continue;
        const std::size_t index =
            ((k0 + static_cast<std::size_t>(dk)) * ny + j0 + static_cast<std::size_t>(dj)) * nx +
            i0 + static_cast<std::size_t>(di);
        sum += fk * fj * fi * values[index];
      }
    }
  }
  return sum;
}

std::vector<double> projectToSurface(const VolumeGrid& grid, std::span<const double> values,
                                     std::size_t volumes, std::span<const float> inner,
                                     std::span<const float> outer,
                                     const ProjectionOptions& options) {
  return projectToSurface(grid, io::TypedArray::viewOf(values, nullptr), volumes, inner, outer,
                          options);
}

std::vector<double> projectToSurface(const VolumeGrid& grid, const io::TypedArray& values,
                                     std::size_t volumes, std::span<const float> inner,
                                     std::span<const float> outer,
                                     const ProjectionOptions& options) {
  const std::size_t voxels = grid.voxelCount();
  if (volumes == 0 || values.size() != voxels * volumes)
    throw std::invalid_argument("the volume holds " + std::to_string(values.size()) +
                                " values, not " + std::to_string(volumes) + " × " +
                                std::to_string(voxels));
  if (inner.size() % 3 != 0) throw std::invalid_argument("vertex coordinates come in threes");
  if (!outer.empty() && outer.size() != inner.size())
    throw std::invalid_argument("the outer surface has " + std::to_string(outer.size() / 3) +
                                " vertices but the inner one " + std::to_string(inner.size() / 3) +
                                "; they must be the same mesh at two depths");
  if (!outer.empty() && options.fractions.empty())
    throw std::invalid_argument("give at least one depth fraction between the surfaces");
  for (double f : options.fractions)
    if (!(f >= 0 && f <= 1)) throw std::invalid_argument("depth fractions must lie in [0, 1]");
  Eigen::Matrix4d worldToVoxel;
  try {
    const io::Affine inverse = grid.inverseAffine();
    worldToVoxel = Eigen::Map<const Eigen::Matrix<double, 4, 4, Eigen::RowMajor>>(inverse.data());
  } catch (const io::VolumeGridError&) {
    throw std::invalid_argument("the volume's affine is not invertible");
  }

  const std::size_t vertexCount = inner.size() / 3;
  std::vector<double> out(vertexCount * volumes, kNaN);
  const std::vector<double> single{0.0};
  const auto& fractions = outer.empty() ? single : options.fractions;
  // Volume by volume, so a run is widened to doubles one volume at a time;
  // each (vertex, volume) still sums its depth samples in fraction order.
  for (std::size_t v = 0; v < vertexCount; ++v)
    for (std::size_t a = 0; a < 3; ++a) {
      const float from = inner[3 * v + a];
      const float to = outer.empty() ? from : outer[3 * v + a];
      if (!std::isfinite(from) || !std::isfinite(to))
        throw std::invalid_argument("vertex " + std::to_string(v) + " has a non-finite coordinate");
    }
  std::vector<double> volume(voxels);
  for (std::size_t t = 0; t < volumes; ++t) {
    values.toDouble(t * voxels, voxels, volume.data());
    for (std::size_t v = 0; v < vertexCount; ++v) {
      double sum = 0;
      std::size_t count = 0;
      for (double f : fractions) {
        double p[3];
        for (int a = 0; a < 3; ++a) {
          const double from = inner[3 * v + static_cast<std::size_t>(a)];
          const double to = outer.empty() ? from : outer[3 * v + static_cast<std::size_t>(a)];
          p[a] = from + f * (to - from);
        }
        const double sample =
            sampleVolume(grid, volume, worldToVoxel, p[0], p[1], p[2], options.interpolation);
        if (std::isnan(sample)) continue;
        sum += sample;
        ++count;
      }
      if (count > 0) out[v * volumes + t] = sum / static_cast<double>(count);
    }
  }
  return out;
}

}  // namespace nl::analysis::fmri
