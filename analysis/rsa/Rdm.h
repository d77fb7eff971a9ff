#pragma once
// Representational dissimilarity (and similarity) matrices from a
// stimuli × units response matrix: one row per stimulus (image, condition),
// one column per unit (neuron, channel, DNN feature).
#include <Eigen/Core>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/Progress.h"

namespace nl::analysis::rsa {

using Matrix = Eigen::MatrixXd;
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

enum class RdmMethod {
  // 1 − Pearson r between the two stimuli's response patterns (rsatoolbox "correlation").
  CorrelationDistance,
  // Pearson similarity as in Shi, Shea-Brown & Buice (NeurIPS 2019): rows
  // centred, r = cᵢ·cⱼ / ((‖cᵢ‖ + ε)(‖cⱼ‖ + ε)), ε = 1e-7. An RSM: diagonal ≈ 1.
  PearsonSimilarity,
  // Squared Euclidean distance divided by the number of units (rsatoolbox "euclidean").
  Euclidean,
  // 1 − cosine of the angle between the two response patterns.
  CosineDistance,
};

// "correlation", "pearson_shi", "euclidean", "cosine" (the names plugins use).
std::string_view rdmMethodName(RdmMethod method);
RdmMethod parseRdmMethod(std::string_view name);  // std::invalid_argument naming the valid names
// True for methods whose matrix is a similarity (RSM), not a dissimilarity.
bool isSimilarity(RdmMethod method);

struct RdmOptions {
  RdmMethod method = RdmMethod::CorrelationDistance;
  double shiEpsilon = 1e-7;  // PearsonSimilarity only
  // A stimulus whose responses are constant across units (all zero for
  // CosineDistance) has no defined correlation/cosine. By default that is an
  // std::invalid_argument naming the stimulus; with this set, its row and
  // column become NaN instead, and comparisons drop those entries (used by
  // resampling, where a degenerate draw must not abort the analysis).
  bool degenerateRowsGiveNaN = false;
  int threads = 0;  // 0: one per core; the result does not depend on it
};

// responses: stimuli × units. At least 2 stimuli and 1 unit; NaN or infinite
// responses are an std::invalid_argument naming the stimulus and unit.
// Cost: one Gram matrix (stimuli² × units / 2 multiply-adds), computed in
// fixed column blocks so the result is bit-identical for any thread count.
Matrix computeRdm(const Eigen::Ref<const RowMatrix>& responses, const RdmOptions& options,
                  Progress& progress);
Matrix computeRdm(const Eigen::Ref<const RowMatrix>& responses, RdmMethod method);

// Throws std::invalid_argument (prefixed by `what`) unless `rdm` is square,
// at least 2 × 2, and symmetric up to NaN/rounding.
void validateRdm(const Matrix& rdm, std::string_view what);

// SciPy's condensed form: the strict upper triangle read row by row.
std::vector<double> condensedFromSquare(const Matrix& rdm);
// Inverse of condensedFromSquare; `diagonal` fills the diagonal (0 for an
// RDM, 1 for an RSM). A length that is not n(n−1)/2 is std::invalid_argument.
Matrix squareFromCondensed(std::span<const double> condensed, double diagonal = 0.0);

}  // namespace nl::analysis::rsa
