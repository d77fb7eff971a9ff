#pragma once
// A Gaussian mixture with diagonal covariances fitted by EM to sparse rows
// (the affinity rows of Duan et al.'s colour clustering: one row per
// supervoxel, nonzero only where two supervoxels are linked), the number of
// components chosen by BIC as sklearn.mixture.GaussianMixture would
// (reg_covar 1e-6, k-means++ start, tol 1e-3 on the mean log-likelihood).
// Zero entries are never stored: the likelihood of a row is its dense value
// computed from the nonzeros and per-component constants.
#include <cstdint>
#include <vector>

namespace nl::analysis {
class Progress;
}

namespace nl::analysis::segmentation {

struct SparseRows {
  std::int64_t dimensions = 0;
  std::vector<std::int64_t> offsets{0};  // row r: entries [offsets[r], offsets[r + 1])
  std::vector<std::int32_t> columns;     // sorted within each row
  std::vector<float> values;
  std::int64_t rows() const { return static_cast<std::int64_t>(offsets.size()) - 1; }
};

struct GmmFit {
  int components = 0;
  std::vector<int> assignment;  // most probable component per row
  double logLikelihood = 0;     // total
  double bic = 0;
};

GmmFit fitDiagonalGmm(const SparseRows& rows, int components, std::uint64_t seed,
                      int maxIterations = 100);

// fitDiagonalGmm for every k in [minComponents, maxComponents] (capped at the
// number of rows); the fit with the lowest BIC.
GmmFit fitGmmByBic(const SparseRows& rows, int minComponents, int maxComponents, std::uint64_t seed,
                   Progress* progress = nullptr);

}  // namespace nl::analysis::segmentation
