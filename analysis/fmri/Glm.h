#pragma once
// Ordinary least squares fitted to every voxel at once: the design's
// pseudo-inverse is computed once (complete orthogonal decomposition, so a
// rank-deficient design still fits) and the betas of a block of voxels are one
// matrix product. Then residual variance, contrast effects, t and z.
#include <Eigen/Core>
#include <cstddef>
#include <span>
#include <vector>

#include "analysis/Progress.h"
#include "io/TypedArray.h"

namespace nl::analysis::fmri {

struct GlmOptions {
  // nilearn's default signal_scaling=0: each voxel is divided by its mean
  // over time and expressed in percent change, 100·(y / max(mean, 1) − 1)
  // (means below 1, e.g. centred data, divide by 1 as nilearn does).
  bool percentSignalChange = true;
  std::size_t voxelsPerBlock = 8192;  // bounds the working memory
  int threads = 0;                    // worker threads over blocks; ≤ 0: one per core
};

struct GlmFit {
  std::vector<std::size_t> voxels;   // flat voxel indices that were fitted
  Eigen::MatrixXd betas;             // regressors × fitted voxels
  Eigen::VectorXd residualVariance;  // RSS / dof per fitted voxel
  Eigen::MatrixXd design;
  Eigen::MatrixXd pseudoInverse;       // regressors × scans
  Eigen::MatrixXd unscaledCovariance;  // (XᵀX)⁺
  long rank = 0;
  double dof = 0;  // scans − rank
};

// `series` holds scans × voxelCount values, scan-major ([t][z][y][x] flattened).
// `voxels` lists the flat voxel indices to fit (all of them when empty).
// Throws std::invalid_argument when the sizes disagree or no degrees of freedom remain.
GlmFit fitGlm(const Eigen::MatrixXd& design, std::span<const double> series, std::size_t voxelCount,
              std::span<const std::size_t> voxels, const GlmOptions& options, Progress& progress);
// The same on a run in its stored type (an int16 memory mapping, scaling
// pending): each block of voxels is widened to doubles as it is fitted, so
// the run is never held as doubles.
GlmFit fitGlm(const Eigen::MatrixXd& design, const io::TypedArray& series, std::size_t voxelCount,
              std::span<const std::size_t> voxels, const GlmOptions& options, Progress& progress);

struct ContrastResult {
  Eigen::VectorXd effect;    // cᵀβ
  Eigen::VectorXd variance;  // σ² cᵀ(XᵀX)⁺c
  Eigen::VectorXd t;
  Eigen::VectorXd z;
};

// `weights` covers the design's columns. Throws std::invalid_argument when the
// contrast is not estimable (not in the row space of a rank-deficient design).
// `threads` ≤ 0: one per core (the t → z transform runs in chunks).
ContrastResult computeContrast(const GlmFit& fit, const Eigen::VectorXd& weights, int threads = 0);

// Scatters per-fitted-voxel values into a full volume of `voxelCount`, NaN elsewhere.
std::vector<double> scatter(const GlmFit& fit, const Eigen::Ref<const Eigen::VectorXd>& values,
                            std::size_t voxelCount);

}  // namespace nl::analysis::fmri
