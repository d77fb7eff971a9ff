// The streaming kernels of a HALS sweep's two passes (NtfKernels) against
// Eigen's products, on shapes that leave remainders everywhere: odd row
// counts, depths and panel widths that are not multiples of the vector
// width, ranks above the kernels' column group.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <tuple>
#include <vector>

#include "analysis/connectome/NtfFactorization.h"
#include "analysis/connectome/NtfKernels.h"
#include "analysis/rsa/Random.h"

namespace cn = nl::analysis::connectome;

namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

RowMatrix uniformRows(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed) {
  nl::analysis::rsa::Rng rng(seed, 0);
  RowMatrix m(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i)
    for (Eigen::Index j = 0; j < cols; ++j) m(i, j) = rng.uniform() - 0.25;
  return m;
}

double relativeError(const Eigen::MatrixXd& got, const Eigen::MatrixXd& want) {
  return (got - want).norm() / want.norm();
}

}  // namespace

TEST(NtfKernels, RowsTimesFactorEqualsTheProduct) {
  if (!cn::streamingKernelsAvailable()) GTEST_SKIP() << "this CPU has no AVX-512: HALS uses BLAS";
  for (const auto& [rows, depth, rank] :
       std::vector<std::tuple<Eigen::Index, Eigen::Index, Eigen::Index>>{{1, 1, 1},
                                                                         {7, 13, 3},
                                                                         {33, 2049, 10},
                                                                         {22, 4100, 12},
                                                                         {9, 1031, 13},
                                                                         {6, 17, 25},
                                                                         {5, 8, 4}}) {
    const RowMatrix x = uniformRows(rows, depth, 1);
    const Eigen::MatrixXd c = uniformRows(depth, rank, 2);
    // Written into the middle of a taller matrix: the stride is honoured.
    Eigen::MatrixXd out = Eigen::MatrixXd::Constant(rows + 5, rank, 99.0);
    std::vector<double> packed;
    cn::packForRows(c.data(), static_cast<std::size_t>(depth), rank, packed);
    cn::rowsTimesFactor(x.data(), static_cast<std::size_t>(rows), static_cast<std::size_t>(depth),
                        packed.data(), rank, out.data() + 2, out.outerStride());
    const Eigen::MatrixXd want = x * c;
    EXPECT_LT(relativeError(out.middleRows(2, rows), want), 1e-13)
        << rows << " × " << depth << " · rank " << rank;
    EXPECT_EQ(out.topRows(2).minCoeff(), 99.0);
    EXPECT_EQ(out.bottomRows(3).maxCoeff(), 99.0);
  }
}

TEST(NtfKernels, ColumnsTimesFactorEqualsTheTransposedProduct) {
  if (!cn::streamingKernelsAvailable()) GTEST_SKIP() << "this CPU has no AVX-512: HALS uses BLAS";
  for (const auto& [rows, ld, k0, width, rank] : std::vector<
           std::tuple<Eigen::Index, Eigen::Index, Eigen::Index, Eigen::Index, Eigen::Index>>{
           {1, 1, 0, 1, 1},
           {5, 40, 3, 21, 4},
           {67, 1030, 1024, 6, 10},
           {70, 2100, 1, 1024, 12},
           {31, 300, 17, 255, 13},
           {3, 33, 0, 33, 26}}) {
    const RowMatrix x = uniformRows(rows, ld, 3);
    const RowMatrix kr = uniformRows(rows, rank, 4);
    Eigen::MatrixXd out = Eigen::MatrixXd::Constant(width + 4, rank, -7.0);
    cn::columnsTimesFactor(x.data(), static_cast<std::size_t>(rows), static_cast<std::size_t>(ld),
                           static_cast<std::size_t>(k0), static_cast<std::size_t>(width), kr.data(),
                           rank, out.data() + 1, out.outerStride());
    const Eigen::MatrixXd want = x.middleCols(k0, width).transpose() * kr;
    EXPECT_LT(relativeError(out.middleRows(1, width), want), 1e-13)
        << rows << " rows, columns " << k0 << " + " << width << ", rank " << rank;
    EXPECT_EQ(out.row(0).minCoeff(), -7.0);
    EXPECT_EQ(out.bottomRows(3).maxCoeff(), -7.0);
  }
}

namespace {

// A rank-`rank` tensor from uniform factors plus noise; every 37th entry
// missing when `missing`.
cn::Tensor3 plantedWithGaps(std::size_t i, std::size_t j, std::size_t k, int rank, bool missing) {
  nl::analysis::rsa::Rng rng(11, 0);
  Eigen::MatrixXd f[3] = {Eigen::MatrixXd(i, rank), Eigen::MatrixXd(j, rank),
                          Eigen::MatrixXd(k, rank)};
  for (auto& m : f)
    for (Eigen::Index a = 0; a < m.rows(); ++a)
      for (Eigen::Index r = 0; r < rank; ++r) m(a, r) = rng.uniform();
  std::vector<double> values(i * j * k);
  for (std::size_t a = 0; a < i; ++a)
    for (std::size_t b = 0; b < j; ++b)
      for (std::size_t c = 0; c < k; ++c) {
        double v = 0.05 * rng.uniform();
        for (int r = 0; r < rank; ++r) v += f[0](a, r) * f[1](b, r) * f[2](c, r);
        values[(a * j + b) * k + c] = v;
      }
  if (missing)
    for (std::size_t n = 5; n < values.size(); n += 37) values[n] = std::nan("");
  return cn::Tensor3::fromValues({i, j, k}, values);
}

}  // namespace

TEST(NtfKernels, HalsThroughTheKernelsEqualsHalsThroughBlas) {
  if (!cn::streamingKernelsAvailable()) GTEST_SKIP() << "this CPU has no AVX-512: HALS uses BLAS";
  // > 2^18 entries (the kernels' threshold); I·J not a multiple of the
  // 256-row panels, K not a multiple of the 1,024-column panels or of 8.
  for (const bool missing : {false, true}) {
    const auto x = plantedWithGaps(43, 7, 1029, 6, missing);
    cn::NtfOptions options;
    options.rank = 6;
    options.maxSweeps = 4;
    options.tolerance = 0.0;
    options.threads = 2;
    const auto init = cn::randomInitialFactors(x, 6, 3, 0);
    const auto streamed = cn::fitNtf(x, options, &init);
    options.streamingKernels = false;
    const auto blas = cn::fitNtf(x, options, &init);
    ASSERT_EQ(streamed.objective.size(), blas.objective.size());
    for (std::size_t s = 0; s < blas.objective.size(); ++s)
      EXPECT_NEAR(streamed.objective[s], blas.objective[s], 1e-12) << "sweep " << s;
    for (std::size_t m = 0; m < 3; ++m)
      EXPECT_LT(
          (streamed.factors.modes[m] - blas.factors.modes[m]).norm() / blas.factors.modes[m].norm(),
          1e-10)
          << "mode " << m << (missing ? " with missing entries" : "");
    // And the kernels' sums do not depend on the thread count.
    options.streamingKernels = true;
    options.threads = 1;
    const auto oneThread = cn::fitNtf(x, options, &init);
    EXPECT_EQ(oneThread.objective, streamed.objective);
  }
}
