// Dense algebra through OpenBLAS (analysis/linalg) against Eigen's own
// kernels, and the analyses that moved onto it (RDM Gram, GLM) and onto
// stored-type volumes (GLM, ROI patterns, surface projection) against the
// double / Eigen path they replace: equal to 1e-12.
#include <gtest/gtest.h>

#include <Eigen/QR>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "analysis/fmri/Design.h"
#include "analysis/fmri/Glm.h"
#include "analysis/fmri/Projection.h"
#include "analysis/fmri/RoiPatterns.h"
#include "analysis/linalg/Linalg.h"
#include "analysis/rsa/Parallel.h"
#include "analysis/rsa/Rdm.h"
#include "io/Threads.h"
#include "io/TypedArray.h"

namespace {

namespace la = nl::analysis::linalg;
namespace fm = nl::analysis::fmri;
namespace rsa = nl::analysis::rsa;
using la::Matrix;
using la::RowMatrix;

Matrix randomMatrix(Eigen::Index rows, Eigen::Index cols, unsigned seed, double offset = 0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  Matrix m(rows, cols);
  for (Eigen::Index j = 0; j < cols; ++j)
    for (Eigen::Index i = 0; i < rows; ++i) m(i, j) = normal(rng) + offset;
  return m;
}

double relativeDifference(const Matrix& a, const Matrix& b) {
  return (a - b).cwiseAbs().maxCoeff() / std::max(1.0, b.cwiseAbs().maxCoeff());
}

TEST(Linalg, GemmMatchesEigenInBothLayoutsAndTranspositions) {
  const Matrix a = randomMatrix(37, 53, 1), b = randomMatrix(53, 29, 2);
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      const Matrix left = ta ? Matrix(a.transpose()) : a;
      const Matrix right = tb ? Matrix(b.transpose()) : b;
      Matrix c = Matrix::Constant(37, 29, 2.0);
      la::gemm(left, ta, right, tb, c, 0.5, 3.0);
      const Matrix expected = 0.5 * (a * b) + Matrix::Constant(37, 29, 6.0);
      EXPECT_LT(relativeDifference(c, expected), 1e-13) << ta << tb;
      RowMatrix rc(37, 29);
      la::gemm(RowMatrix(left), ta, RowMatrix(right), tb, rc);
      EXPECT_LT(relativeDifference(Matrix(rc), a * b), 1e-13) << ta << tb;
    }
  Matrix wrong(3, 3);
  EXPECT_THROW(la::gemm(a, false, b, false, wrong), std::invalid_argument);
  EXPECT_EQ(la::blasThreads(), 1) << "OpenBLAS runs one thread inside each worker";
}

TEST(Linalg, GramIsSymmetricEqualsEigenAndIgnoresTheThreadCount) {
  const RowMatrix a = randomMatrix(23, 9001, 3, 5.0);  // three panels, the last partial
  const Matrix one = la::gram(a, 1);
  const Matrix two = la::gram(a, 2);
  const Matrix five = la::gram(a, 5);
  EXPECT_EQ(one, two) << "panels summed in order: bit-identical for any thread count";
  EXPECT_EQ(one, five);
  EXPECT_LT(relativeDifference(one, Matrix(a * a.transpose())), 1e-13);
  EXPECT_EQ(one, one.transpose());
  Matrix lower = Matrix::Zero(23, 23);
  la::rankUpdateLower(Matrix(a), lower, 2.0);
  const Matrix expected = 2.0 * a * a.transpose();
  EXPECT_LT(relativeDifference(Matrix(lower.triangularView<Eigen::Lower>()),
                               Matrix(expected.triangularView<Eigen::Lower>())),
            1e-13);
  EXPECT_EQ(lower(0, 22), 0.0) << "the strict upper triangle is left alone";
}

TEST(Linalg, ProductAndLeastSquaresMatchEigen) {
  const Matrix a = randomMatrix(40, 31, 4), b = randomMatrix(31, 9000, 5);
  EXPECT_LT(relativeDifference(la::product(a, b, 2), a * b), 1e-13);
  // Full rank: the least-squares solution.
  const Matrix x = randomMatrix(120, 6, 6), y = randomMatrix(120, 4, 7);
  long rank = 0;
  const Matrix beta = la::leastSquares(x, y, -1, &rank);
  EXPECT_EQ(rank, 6);
  const Matrix expected = x.colPivHouseholderQr().solve(y);
  EXPECT_LT(relativeDifference(beta, expected), 1e-12);
  // Rank deficient (a duplicated column): the minimum-norm solution, as the pseudo-inverse.
  Matrix deficient(120, 7);
  deficient << x, x.col(2);
  const Matrix minimumNorm = la::leastSquares(deficient, y, -1, &rank);
  EXPECT_EQ(rank, 6);
  const Eigen::CompleteOrthogonalDecomposition<Matrix> cod(deficient);
  EXPECT_LT(relativeDifference(minimumNorm, cod.pseudoInverse() * y), 1e-12);
  EXPECT_THROW(la::leastSquares(x, randomMatrix(5, 1, 8)), std::invalid_argument);
}

TEST(Linalg, CorrelationRdmEqualsTheEigenPathTo1e12) {
  // Features with a large common offset: the centring must happen before the Gram.
  const RowMatrix responses = randomMatrix(30, 10000, 9, 50.0);
  const Matrix rdm = rsa::computeRdm(responses, rsa::RdmMethod::CorrelationDistance);
  // Eigen's own computation, written out: 1 − Pearson r.
  const RowMatrix centred = responses.colwise() - responses.rowwise().mean();
  const Matrix gram = centred * centred.transpose();
  const Eigen::VectorXd norms = gram.diagonal().cwiseSqrt();
  double worst = 0;
  for (Eigen::Index i = 0; i < 30; ++i)
    for (Eigen::Index j = 0; j < 30; ++j) {
      const double expected = i == j ? 0.0 : 1.0 - gram(i, j) / (norms(i) * norms(j));
      worst = std::max(worst, std::abs(rdm(i, j) - expected));
    }
  EXPECT_LT(worst, 1e-12);
  // Euclidean and cosine take the same Gram.
  const Matrix euclidean = rsa::computeRdm(responses, rsa::RdmMethod::Euclidean);
  const double d01 = (responses.row(0) - responses.row(1)).squaredNorm() / 10000.0;
  EXPECT_NEAR(euclidean(0, 1), d01, 1e-12 * d01);
}

TEST(Linalg, OneThreadSettingDrivesTheWorkers) {
  nl::io::setWorkerThreadCount(3);
  EXPECT_EQ(rsa::resolveThreadCount(0), 3);
  EXPECT_EQ(rsa::resolveThreadCount(2), 2) << "an explicit request still wins";
  nl::io::setWorkerThreadCount(0);
  EXPECT_EQ(rsa::resolveThreadCount(0), nl::io::workerThreadCount());
}

// A small int16 run with a planted block effect, stored with a slope.
struct Int16Run {
  std::size_t scans = 80, voxels = 300;
  std::vector<std::int16_t> stored;
  double slope = 0.5, inter = 20;
  fm::Design design;
};

Int16Run int16Run() {
  Int16Run run;
  std::vector<fm::Event> events;
  for (int k = 0; k < 7; ++k) events.push_back({8.0 + 20.0 * k, 8.0, k % 2 ? "b" : "a"});
  fm::DesignOptions options;
  options.repetitionTime = 2.0;
  run.design = fm::buildDesign(events, run.scans, options);
  std::mt19937_64 rng(11);
  std::normal_distribution<double> noise(0.0, 6.0);
  for (std::size_t t = 0; t < run.scans; ++t)
    for (std::size_t v = 0; v < run.voxels; ++v) {
      const double signal = 1800 + 4.0 * static_cast<double>(v % 17) +
                            (v % 3 == 0 ? 30.0 * run.design.matrix(static_cast<long>(t), 0) : 0);
      run.stored.push_back(static_cast<std::int16_t>(std::lround(signal + noise(rng))));
    }
  return run;
}

TEST(Linalg, GlmOnAStoredInt16RunEqualsTheDoublePathAndEigen) {
  const Int16Run run = int16Run();
  const auto typed = nl::io::TypedArray::fromVector(run.stored, run.slope, run.inter);
  const std::vector<double> doubles = typed.toDoubles();
  nl::analysis::NullProgress progress;
  fm::GlmOptions options;
  options.voxelsPerBlock = 64;  // several blocks, the last partial
  const auto fromTyped = fm::fitGlm(run.design.matrix, typed, run.voxels, {}, options, progress);
  const auto fromDoubles =
      fm::fitGlm(run.design.matrix, doubles, run.voxels, {}, options, progress);
  EXPECT_EQ(fromTyped.betas, fromDoubles.betas);
  EXPECT_EQ(fromTyped.residualVariance, fromDoubles.residualVariance);
  // Eigen, written out: percent signal change, pseudo-inverse, residuals.
  Matrix y(static_cast<long>(run.scans), static_cast<long>(run.voxels));
  for (std::size_t t = 0; t < run.scans; ++t)
    for (std::size_t v = 0; v < run.voxels; ++v)
      y(static_cast<long>(t), static_cast<long>(v)) = doubles[t * run.voxels + v];
  const Eigen::RowVectorXd means = y.colwise().mean();
  for (long v = 0; v < y.cols(); ++v) y.col(v) = (y.col(v) / std::max(means(v), 1.0)).array() - 1.0;
  y *= 100.0;
  const Eigen::CompleteOrthogonalDecomposition<Matrix> cod(run.design.matrix);
  const Matrix betas = cod.pseudoInverse() * y;
  EXPECT_LT(relativeDifference(fromTyped.betas, betas), 1e-12);
  const Matrix residuals = y - run.design.matrix * betas;
  const Eigen::VectorXd variance = residuals.colwise().squaredNorm().transpose() / fromTyped.dof;
  EXPECT_LT((fromTyped.residualVariance - variance).cwiseAbs().maxCoeff() / variance.maxCoeff(),
            1e-12);
  // A voxel subset reads the same values.
  const std::vector<std::size_t> chosen{3, 4, 150, 299};
  const auto subset = fm::fitGlm(run.design.matrix, typed, run.voxels, chosen, options, progress);
  for (std::size_t j = 0; j < chosen.size(); ++j)
    EXPECT_LT(
        (subset.betas.col(static_cast<long>(j)) - fromTyped.betas.col(static_cast<long>(chosen[j])))
            .cwiseAbs()
            .maxCoeff(),
        1e-12);
}

TEST(Linalg, RoiPatternsAndProjectionOnStoredTypesEqualTheDoublePath) {
  // Betas: 3 conditions × 2 × 2 × 2 float32; mask uint8.
  std::vector<float> betas(24);
  for (std::size_t i = 0; i < betas.size(); ++i) betas[i] = 0.25f * static_cast<float>(i) - 1;
  betas[5] = std::nanf("");  // voxel 5 of condition 0: dropped
  const std::vector<std::uint8_t> mask{1, 0, 1, 1, 0, 1, 1, 0};
  const auto typedBetas = nl::io::TypedArray::fromVector(betas);
  const auto typedMask = nl::io::TypedArray::fromVector(mask);
  const auto a = fm::roiPatterns(typedBetas, 3, typedMask);
  EXPECT_EQ(a.voxels, (std::vector<std::size_t>{0, 2, 3, 6}));
  ASSERT_EQ(a.values.size(), 12u);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t j = 0; j < 4; ++j)
      EXPECT_EQ(a.values[c * 4 + j], static_cast<double>(betas[c * 8 + a.voxels[j]]));

  const auto grid = nl::io::VolumeGrid::axisAligned({2, 2, 2}, {2, 2, 2});
  const std::vector<float> vertices{0.5f, 1.0f, 1.5f, 2.0f, 0.0f, 1.0f, -9.0f, 0.0f, 0.0f};
  fm::ProjectionOptions options;
  std::vector<std::int16_t> run(16);
  for (std::size_t i = 0; i < run.size(); ++i) run[i] = static_cast<std::int16_t>(3 * i * i - 7);
  const auto typedRun = nl::io::TypedArray::fromVector(run, 2.0, 1.0);
  const auto projected = fm::projectToSurface(grid, typedRun, 2, vertices, {}, options);
  // Sampled directly, volume by volume, from the widened run.
  const auto doubles = typedRun.toDoubles();
  const nl::io::Affine inverse = grid.inverseAffine();
  const Eigen::Matrix4d worldToVoxel =
      Eigen::Map<const Eigen::Matrix<double, 4, 4, Eigen::RowMajor>>(inverse.data());
  std::vector<double> expected;
  for (std::size_t v = 0; v < 3; ++v)
    for (std::size_t t = 0; t < 2; ++t)
      expected.push_back(fm::sampleVolume(grid, std::span<const double>(doubles).subspan(t * 8, 8),
                                          worldToVoxel, vertices[3 * v], vertices[3 * v + 1],
                                          vertices[3 * v + 2], options.interpolation));
  ASSERT_EQ(projected.size(), 6u);
  for (std::size_t i = 0; i < projected.size(); ++i) {
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(projected[i]));
      continue;
    }
    EXPECT_EQ(projected[i], expected[i]) << i;
  }
  EXPECT_TRUE(std::isnan(projected[4])) << "vertex 2 lies outside the volume";
}

}  // namespace
