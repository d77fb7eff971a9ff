#include "analysis/rsa/Rdm.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "analysis/linalg/Linalg.h"
#include "analysis/rsa/Parallel.h"

namespace nl::analysis::rsa {
namespace {

// Columns per Gram block: large enough for Eigen's GEMM to run at speed,
// small enough that a centred copy of the block stays in cache-sized chunks.
constexpr Eigen::Index kColumnsPerBlock = 4096;

[[noreturn]] void throwNonFinite(const Eigen::Ref<const RowMatrix>& responses) {
  for (Eigen::Index s = 0; s < responses.rows(); ++s)
    for (Eigen::Index u = 0; u < responses.cols(); ++u)
      if (!std::isfinite(responses(s, u)))
        throw std::invalid_argument("RDM: response of stimulus " + std::to_string(s) + ", unit " +
                                    std::to_string(u) + " is " +
                                    (std::isnan(responses(s, u)) ? "NaN" : "infinite") +
                                    " (drop or impute missing values first)");
  throw std::invalid_argument("RDM: responses overflow double precision");
}

enum class Centring {
  None,     // cosine
  Rows,     // correlation: each stimulus's pattern about its own mean
  Columns,  // Euclidean: each unit about its mean over stimuli, which leaves
            // distances unchanged and avoids cancellation from large offsets
};

// Gram matrix G = C Cᵀ of the centred responses C.
Matrix gramMatrix(const Eigen::Ref<const RowMatrix>& responses, Centring centring, int threads,
                  Progress& progress) {
  const bool centreRows = centring == Centring::Rows;
  const Eigen::Index stimuli = responses.rows();
  const Eigen::Index units = responses.cols();
  Eigen::VectorXd means = Eigen::VectorXd::Zero(stimuli);
  if (centreRows) means = responses.rowwise().mean();
  const auto blocks = static_cast<std::size_t>((units + kColumnsPerBlock - 1) / kColumnsPerBlock);
  std::vector<Matrix> partial(blocks);
  parallelFor(
      blocks, threads,
      [&](std::size_t block) {
        const Eigen::Index first = static_cast<Eigen::Index>(block) * kColumnsPerBlock;
        const Eigen::Index width = std::min(kColumnsPerBlock, units - first);
        Matrix centred = responses.middleCols(first, width);
        if (centreRows) centred.colwise() -= means;
        if (centring == Centring::Columns) centred.rowwise() -= centred.colwise().mean();
        Matrix gram = Matrix::Zero(stimuli, stimuli);
        linalg::rankUpdateLower(centred, gram);  // dsyrk: OpenBLAS, this thread
        partial[block] = std::move(gram);
      },
      progress, "Gram matrix");
  // Summed in block order so the result does not depend on the thread count.
  Matrix gram = Matrix::Zero(stimuli, stimuli);
  for (const auto& part : partial) gram += part;
  gram.triangularView<Eigen::StrictlyUpper>() = gram.transpose();
  if (!gram.allFinite()) throwNonFinite(responses);
  return gram;
}

}  // namespace

std::string_view rdmMethodName(RdmMethod method) {
  switch (method) {
    case RdmMethod::CorrelationDistance:
      return "correlation";
    case RdmMethod::PearsonSimilarity:
      return "pearson_shi";
    case RdmMethod::Euclidean:
      return "euclidean";
    case RdmMethod::CosineDistance:
      return "cosine";
  }
  return "?";
}

RdmMethod parseRdmMethod(std::string_view name) {
  for (auto method : {RdmMethod::CorrelationDistance, RdmMethod::PearsonSimilarity,
                      RdmMethod::Euclidean, RdmMethod::CosineDistance})
    if (rdmMethodName(method) == name) return method;
  throw std::invalid_argument("unknown RDM method '" + std::string(name) +
                              "' (expected correlation, pearson_shi, euclidean or cosine)");
}

bool isSimilarity(RdmMethod method) {
  return method == RdmMethod::PearsonSimilarity;
}

Matrix computeRdm(const Eigen::Ref<const RowMatrix>& responses, const RdmOptions& options,
                  Progress& progress) {
  const Eigen::Index stimuli = responses.rows();
  const Eigen::Index units = responses.cols();
  if (stimuli < 2)
    throw std::invalid_argument("RDM: need at least 2 stimuli (rows), got " +
                                std::to_string(stimuli));
  if (units < 1) throw std::invalid_argument("RDM: the response matrix has no units (columns)");
  if (!(options.shiEpsilon >= 0))
    throw std::invalid_argument("RDM: the Pearson epsilon must be ≥ 0");

  const bool centre = options.method != RdmMethod::CosineDistance;
  const Centring centring = options.method == RdmMethod::Euclidean ? Centring::Columns
                            : centre                               ? Centring::Rows
                                                                   : Centring::None;
  const Matrix gram = gramMatrix(responses, centring, options.threads, progress);
  const Eigen::VectorXd squaredNorms = gram.diagonal();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Matrix rdm(stimuli, stimuli);

  if (options.method == RdmMethod::Euclidean) {
    // ‖xᵢ − xⱼ‖² = Gᵢᵢ + Gⱼⱼ − 2Gᵢⱼ from the column-centred Gram.
    for (Eigen::Index j = 0; j < stimuli; ++j)
      for (Eigen::Index i = 0; i < stimuli; ++i)
        rdm(i, j) = i == j ? 0.0
                           : std::max(0.0, squaredNorms(i) + squaredNorms(j) - 2 * gram(i, j)) /
                                 static_cast<double>(units);
    return rdm;
  }

  Eigen::VectorXd norms = squaredNorms.cwiseSqrt();
  if (options.method == RdmMethod::PearsonSimilarity) {
    norms.array() += options.shiEpsilon;
    for (Eigen::Index j = 0; j < stimuli; ++j)
      for (Eigen::Index i = 0; i < stimuli; ++i) rdm(i, j) = gram(i, j) / (norms(i) * norms(j));
    return rdm;
  }

  // Correlation or cosine distance. A row whose (centred) norm is zero, or
  // negligible against rounding of the Gram sum, has no direction.
  const double scale = squaredNorms.maxCoeff();
  std::vector<bool> degenerate(static_cast<std::size_t>(stimuli), false);
  for (Eigen::Index s = 0; s < stimuli; ++s) {
    if (squaredNorms(s) > 1e-24 * scale && squaredNorms(s) > 0) continue;
    if (!options.degenerateRowsGiveNaN)
      throw std::invalid_argument(
          "RDM: the responses to stimulus " + std::to_string(s) +
          (centre ? " are constant across units, so their correlation is undefined"
                  : " are all zero, so their cosine is undefined") +
          " (remove the stimulus, or pick the euclidean RDM)");
    degenerate[static_cast<std::size_t>(s)] = true;
  }
  for (Eigen::Index j = 0; j < stimuli; ++j) {
    for (Eigen::Index i = 0; i < stimuli; ++i) {
      if (degenerate[static_cast<std::size_t>(i)] || degenerate[static_cast<std::size_t>(j)])
        rdm(i, j) = nan;
      else if (i == j)
        rdm(i, j) = 0.0;
      else
        rdm(i, j) = 1.0 - std::clamp(gram(i, j) / (norms(i) * norms(j)), -1.0, 1.0);
    }
  }
  return rdm;
}

Matrix computeRdm(const Eigen::Ref<const RowMatrix>& responses, RdmMethod method) {
  NullProgress progress;
  RdmOptions options;
  options.method = method;
  return computeRdm(responses, options, progress);
}

void validateRdm(const Matrix& rdm, std::string_view what) {
  const std::string prefix(what);
  if (rdm.rows() != rdm.cols())
    throw std::invalid_argument(prefix + ": an RDM must be square, got " +
                                std::to_string(rdm.rows()) + " × " + std::to_string(rdm.cols()));
  if (rdm.rows() < 2)
    throw std::invalid_argument(prefix + ": an RDM needs at least 2 stimuli, got " +
                                std::to_string(rdm.rows()));
  for (Eigen::Index j = 0; j < rdm.cols(); ++j) {
    for (Eigen::Index i = 0; i < j; ++i) {
      const double a = rdm(i, j), b = rdm(j, i);
      if (std::isnan(a) != std::isnan(b) ||
          (!std::isnan(a) && std::abs(a - b) > 1e-9 * std::max({1.0, std::abs(a), std::abs(b)})))
        throw std::invalid_argument(prefix + ": the RDM is not symmetric (entry " +
                                    std::to_string(i) + "," + std::to_string(j) + ")");
    }
  }
}

std::vector<double> condensedFromSquare(const Matrix& rdm) {
  if (rdm.rows() != rdm.cols())
    throw std::invalid_argument("condensed RDM: the matrix is not square");
  const Eigen::Index n = rdm.rows();
  std::vector<double> out;
  out.reserve(static_cast<std::size_t>(n * (n - 1) / 2));
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = i + 1; j < n; ++j) out.push_back(rdm(i, j));
  return out;
}

Matrix squareFromCondensed(std::span<const double> condensed, double diagonal) {
  // n(n−1)/2 = length  ⇒  n = (1 + √(1 + 8·length)) / 2.
  const auto n = static_cast<Eigen::Index>(
      std::llround((1.0 + std::sqrt(1.0 + 8.0 * static_cast<double>(condensed.size()))) / 2.0));
  if (n < 2 || static_cast<std::size_t>(n * (n - 1) / 2) != condensed.size())
    throw std::invalid_argument("condensed RDM: length " + std::to_string(condensed.size()) +
                                " is not n(n−1)/2 for any n ≥ 2");
  Matrix rdm(n, n);
  std::size_t k = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    rdm(i, i) = diagonal;
    for (Eigen::Index j = i + 1; j < n; ++j) rdm(i, j) = rdm(j, i) = condensed[k++];
  }
  return rdm;
}

}  // namespace nl::analysis::rsa
