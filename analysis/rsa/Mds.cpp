#include "analysis/rsa/Mds.h"

#include <Eigen/Eigenvalues>
#include <cmath>
#include <stdexcept>
#include <string>

namespace nl::analysis::rsa {

MdsResult classicalMds(const Matrix& rdm, int dimensions, bool entriesAreSquared) {
  validateRdm(rdm, "MDS");
  if (!rdm.allFinite()) throw std::invalid_argument("MDS: the RDM has NaN or infinite entries");
  const Eigen::Index n = rdm.rows();
  if (dimensions < 1 || dimensions > n)
    throw std::invalid_argument("MDS: dimensions must lie in [1, " + std::to_string(n) + "]");
  Matrix squared = entriesAreSquared ? rdm : Matrix(rdm.array().square());
  squared = 0.5 * (squared + squared.transpose());
  // Double centring: B = −½ (D − row means − column means + grand mean).
  const Eigen::VectorXd rowMeans = squared.rowwise().mean();
  const double grandMean = rowMeans.mean();
  Matrix b = squared;
  b.colwise() -= rowMeans;
  b.rowwise() -= rowMeans.transpose();
  b.array() += grandMean;
  b *= -0.5;
  Eigen::SelfAdjointEigenSolver<Matrix> solver(b);
  if (solver.info() != Eigen::Success) throw std::invalid_argument("MDS: eigensolver failed");
  const Eigen::VectorXd values = solver.eigenvalues();  // ascending
  MdsResult result;
  result.coordinates = RowMatrix::Zero(n, dimensions);
  result.eigenvalues.resize(dimensions);
  double positiveTotal = 0, kept = 0;
  for (Eigen::Index k = 0; k < n; ++k) positiveTotal += std::max(0.0, values(k));
  for (int d = 0; d < dimensions; ++d) {
    const Eigen::Index k = n - 1 - d;
    const double value = values(k);
    result.eigenvalues(d) = value;
    if (value <= 0) continue;
    kept += value;
    Eigen::VectorXd axis = solver.eigenvectors().col(k) * std::sqrt(value);
    Eigen::Index largest = 0;
    axis.cwiseAbs().maxCoeff(&largest);
    if (axis(largest) < 0) axis = -axis;
    result.coordinates.col(d) = axis;
  }
  result.explained = positiveTotal > 0 ? kept / positiveTotal : 0.0;
  return result;
}

}  // namespace nl::analysis::rsa
