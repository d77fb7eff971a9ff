#include "analysis/fmri/Glm.h"

#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include "analysis/fmri/Distributions.h"
#include "analysis/linalg/Linalg.h"
#include "analysis/rsa/Parallel.h"

namespace nl::analysis::fmri {

GlmFit fitGlm(const Eigen::MatrixXd& design, std::span<const double> series, std::size_t voxelCount,
              std::span<const std::size_t> voxels, const GlmOptions& options, Progress& progress) {
  return fitGlm(design, io::TypedArray::viewOf(series, nullptr), voxelCount, voxels, options,
                progress);
}

GlmFit fitGlm(const Eigen::MatrixXd& design, const io::TypedArray& series, std::size_t voxelCount,
              std::span<const std::size_t> voxels, const GlmOptions& options, Progress& progress) {
  const auto scans = static_cast<std::size_t>(design.rows());
  if (scans < 2) throw std::invalid_argument("a GLM needs at least 2 scans");
  if (voxelCount == 0 || series.size() != scans * voxelCount)
    throw std::invalid_argument("the run holds " + std::to_string(series.size()) +
                                " values, not scans (" + std::to_string(scans) + ") × voxels (" +
                                std::to_string(voxelCount) + ")");
  GlmFit fit;
  if (voxels.empty()) {
    fit.voxels.resize(voxelCount);
    std::iota(fit.voxels.begin(), fit.voxels.end(), std::size_t{0});
  } else {
    fit.voxels.assign(voxels.begin(), voxels.end());
    for (auto v : fit.voxels)
      if (v >= voxelCount) throw std::invalid_argument("a voxel index lies outside the volume");
  }
  fit.design = design;
  const Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd> decomposition(design);
  fit.rank = decomposition.rank();
  fit.dof = static_cast<double>(design.rows() - fit.rank);
  if (fit.dof < 1)
    throw std::invalid_argument("the design has " + std::to_string(design.cols()) +
                                " regressors of rank " + std::to_string(fit.rank) + " for " +
                                std::to_string(scans) +
                                " scans: no degrees of freedom remain for the residuals");
  fit.pseudoInverse = decomposition.pseudoInverse();
  fit.unscaledCovariance = fit.pseudoInverse * fit.pseudoInverse.transpose();
  // Q: an orthonormal basis of the design's column space. X⁺ = X⁺QQᵀ, so
  // with c = Qᵀy the betas are (X⁺Q)c and the residual sum of squares is
  // ‖y‖² − ‖c‖²: one pass of r·scans flops per voxel instead of two of p·scans.
  const Eigen::MatrixXd basis = Eigen::MatrixXd(decomposition.householderQ()).leftCols(fit.rank);
  using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const RowMatrix basisTransposed = basis.transpose();
  const RowMatrix betaFromProjection = fit.pseudoInverse * basis;

  const long regressors = design.cols();
  const std::size_t total = fit.voxels.size();
  fit.betas.resize(regressors, static_cast<long>(total));
  fit.residualVariance.resize(static_cast<long>(total));
  const std::size_t block = std::max<std::size_t>(1, options.voxelsPerBlock);
  const bool contiguous = voxels.empty();
  const std::size_t blocks = (total + block - 1) / block;
  // Scan-major blocks (scans × voxels, row-major) keep every copy and
  // product streaming through memory in the input's own order. Blocks are
  // independent and write disjoint columns, so they run on worker threads
  // (each product one single-threaded BLAS call: analysis/linalg).
  // Qᵀ1: percent scaling y' = 100·(y/m − 1) is affine per voxel, so
  // Qᵀy' = 100·(Qᵀy/m − Qᵀ1) and the products run on the data as stored.
  const Eigen::VectorXd basisOfOnes = basis.transpose() * Eigen::VectorXd::Ones(design.rows());
  // A run of unscaled doubles is multiplied where it lies (a block is a
  // strided view of it); other types are widened into the block once.
  const bool inPlace = contiguous && series.type() == io::ScalarType::Float64 && !series.isScaled();
  using BlockView = Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>>;
  auto fitBlock = [&](std::size_t index) {
    const std::size_t begin = index * block;
    const std::size_t count = std::min(block, total - begin);
    const auto cols = static_cast<long>(count);
    RowMatrix widened;
    if (!inPlace) widened.resize(static_cast<long>(scans), cols);
    const std::span<const std::size_t> chosen(fit.voxels.data() + begin, count);
    const auto rowOf = [&](std::size_t t) -> const double* {
      if (inPlace) return static_cast<const double*>(series.data()) + t * voxelCount + begin;
      double* out = widened.row(static_cast<long>(t)).data();
      if (contiguous)
        series.toDouble(t * voxelCount + begin, count, out);
      else
        series.gather(t * voxelCount, chosen, out);
      return out;
    };
    // One streaming pass (each row right after it is widened, while it is
    // in cache): sums and squares about the first scan's values, which keeps
    // Σ(y − mean)² exact to rounding however large the mean (shifted data).
    Eigen::RowVectorXd sums = Eigen::RowVectorXd::Zero(cols), shifted = sums, first(cols);
    for (std::size_t t = 0; t < scans; ++t) {
      const Eigen::Map<const Eigen::RowVectorXd> row(rowOf(t), cols);
      if (t == 0) first = row;
      sums += row;
      shifted.array() += (row - first).array().square();
    }
    const BlockView y(inPlace ? static_cast<const double*>(series.data()) + begin : widened.data(),
                      static_cast<long>(scans), cols,
                      Eigen::OuterStride<>(inPlace ? static_cast<long>(voxelCount) : cols));
    RowMatrix projection(basisTransposed.rows(), cols);
    linalg::gemm(basisTransposed, false, y, false, projection);
    const double n = static_cast<double>(scans);
    const Eigen::ArrayXd mean = (sums / n).transpose().array();
    // Σ(y − mean)² from the shifted sums: Σ(y − y₀)² − n·(mean − y₀)².
    const Eigen::ArrayXd centred =
        (shifted.transpose().array() - n * (mean - first.transpose().array()).square()).max(0.0);
    Eigen::ArrayXd totalSquares;
    const bool scale = options.percentSignalChange;
    Eigen::ArrayXd inverse;
    if (scale) {
      // nilearn's mean_scaling: means below 1 (centred data) divide by 1.
      inverse = mean.max(1.0).inverse();
      const Eigen::ArrayXd offset = inverse * mean - 1.0;  // 0 unless the mean is below 1
      totalSquares = 1e4 * (inverse.square() * centred + n * offset.square());
      for (long r = 0; r < projection.rows(); ++r)
        projection.row(r).array() =
            100.0 * (projection.row(r).array() * inverse.transpose() - basisOfOnes[r]);
    } else {
      totalSquares = centred + n * mean.square();
    }
    RowMatrix b(betaFromProjection.rows(), cols);
    linalg::gemm(betaFromProjection, false, projection, false, b);
    const Eigen::ArrayXd explained = projection.array().square().colwise().sum().transpose();
    fit.betas.middleCols(static_cast<long>(begin), cols) = b;
    for (std::size_t j = 0; j < count; ++j) {
      const auto jl = static_cast<long>(j);
      double rss = totalSquares[jl] - explained[jl];
      // Where the subtraction cancels more than ~6 digits (a nearly perfect
      // fit, or a large mean without percent scaling), recompute directly.
      if (rss < 1e-6 * totalSquares[jl]) {
        Eigen::VectorXd column = y.col(jl);
        if (scale) column = 100.0 * (column.array() * inverse[jl] - 1.0);
        rss = (column - design * b.col(jl)).squaredNorm();
      }
      // A perfect fit (a constant voxel) leaves only rounding: call it zero.
      const bool exact = rss <= 1e-24 * totalSquares[jl] || centred[jl] == 0.0;
      fit.residualVariance[static_cast<long>(begin + j)] = exact ? 0.0 : rss / fit.dof;
    }
  };
  rsa::parallelFor(blocks, blocks > 1 ? options.threads : 1, fitBlock, progress, "fitting voxels");
  return fit;
}

ContrastResult computeContrast(const GlmFit& fit, const Eigen::VectorXd& weights, int threads) {
  if (weights.size() != fit.betas.rows())
    throw std::invalid_argument("the contrast has " + std::to_string(weights.size()) +
                                " weights for a design of " + std::to_string(fit.betas.rows()) +
                                " columns");
  // Estimable when c lies in the row space of X: c = (X⁺X)ᵀ c.
  const Eigen::VectorXd projected = (fit.pseudoInverse * fit.design).transpose() * weights;
  if ((projected - weights).norm() > 1e-8 * std::max(1.0, weights.norm()))
    throw std::invalid_argument(
        "the contrast is not estimable: the design is rank deficient (a condition never "
        "occurs, or two regressors are identical) and the contrast depends on that");
  const double scale = weights.dot(fit.unscaledCovariance * weights);
  ContrastResult result;
  result.effect = fit.betas.transpose() * weights;
  result.variance = fit.residualVariance * scale;
  const long n = result.effect.size();
  result.t.resize(n);
  result.z.resize(n);
  for (long i = 0; i < n; ++i) {
    const double sd = std::sqrt(result.variance[i]);
    // A voxel with no residual variance (constant, or outside the brain) has no t.
    result.t[i] = sd > 0 ? result.effect[i] / sd : std::numeric_limits<double>::quiet_NaN();
  }
  // t → z costs a continued fraction and a few Newton steps per voxel.
  constexpr long kChunk = 16384;
  const auto chunks = static_cast<std::size_t>((n + kChunk - 1) / kChunk);
  NullProgress quiet;
  rsa::parallelFor(
      chunks, chunks > 1 ? threads : 1,
      [&](std::size_t chunk) {
        const long end = std::min(n, static_cast<long>(chunk + 1) * kChunk);
        for (long i = static_cast<long>(chunk) * kChunk; i < end; ++i)
          result.z[i] = tToZ(result.t[i], fit.dof);
      },
      quiet, "t to z");
  return result;
}

std::vector<double> scatter(const GlmFit& fit, const Eigen::Ref<const Eigen::VectorXd>& values,
                            std::size_t voxelCount) {
  std::vector<double> out(voxelCount, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t j = 0; j < fit.voxels.size(); ++j)
    out[fit.voxels[j]] = values[static_cast<long>(j)];
  return out;
}

}  // namespace nl::analysis::fmri
