// Planted non-negative factors recovered from a noisy tensor (factor match
// score ≥ 0.99 at low noise), the factor match score itself, CORCONDIA on
// exact and over-factored models, and rank selection.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/connectome/NtfFactorization.h"
#include "analysis/rsa/Random.h"

namespace cn = nl::analysis::connectome;

namespace {

struct Planted {
  cn::NtfFactors truth;
  cn::Tensor3 x;
};

// Sparse non-negative factors (half the entries zero) and relative noise
// |N(0, noise²)| · mean.
Planted planted(std::size_t I, std::size_t J, std::size_t K, int rank, double noise,
                std::uint64_t seed) {
  nl::analysis::rsa::Rng rng(seed, 0);
  Planted p;
  const std::size_t dims[3] = {I, J, K};
  for (std::size_t m = 0; m < 3; ++m) {
    p.truth.modes[m].resize(static_cast<Eigen::Index>(dims[m]), rank);
    for (Eigen::Index i = 0; i < p.truth.modes[m].rows(); ++i)
      for (Eigen::Index r = 0; r < rank; ++r) {
        const double u = rng.uniform();
        p.truth.modes[m](i, r) = u < 0.5 ? 0.0 : u;
      }
  }
  p.x = cn::reconstruct(p.truth);
  double mean = 0.0;
  for (const double v : p.x.values()) mean += v;
  mean /= static_cast<double>(p.x.size());
  for (auto& v : p.x.values()) {
    // Box–Muller from two uniforms.
    const double g = std::sqrt(-2.0 * std::log(1.0 - rng.uniform())) *
                     std::cos(6.283185307179586 * rng.uniform());
    v += std::abs(g) * noise * mean;
  }
  return p;
}

cn::NtfResult bestOf(const cn::Tensor3& x, cn::NtfOptions options, int restarts) {
  cn::NtfResult best;
  for (int s = 0; s < restarts; ++s) {
    options.stream = static_cast<std::uint64_t>(s);
    auto r = cn::fitNtf(x, options);
    if (best.objective.empty() || r.objective.back() < best.objective.back()) best = std::move(r);
  }
  return best;
}

}  // namespace

TEST(NtfRecovery, FactorMatchScoreIgnoresOrderAndScale) {
  const auto p = planted(10, 6, 12, 3, 0.0, 1);
  cn::NtfFactors shuffled;
  const int order[3] = {2, 0, 1};
  for (std::size_t m = 0; m < 3; ++m) {
    shuffled.modes[m].resize(p.truth.modes[m].rows(), 3);
    for (int r = 0; r < 3; ++r)
      shuffled.modes[m].col(r) = p.truth.modes[m].col(order[r]) * (m == 0 ? 5.0 : 0.5);
  }
  EXPECT_NEAR(cn::factorMatchScore(p.truth, shuffled), 1.0, 1e-12);
  EXPECT_EQ(cn::matchComponents(p.truth, shuffled), (std::vector<int>{1, 2, 0}));
  const auto other = planted(10, 6, 12, 3, 0.0, 2);
  EXPECT_LT(cn::factorMatchScore(p.truth, other.truth), 0.9);
  // Different ranks: the smaller model's components each find their match.
  cn::NtfFactors two;
  for (std::size_t m = 0; m < 3; ++m) two.modes[m] = p.truth.modes[m].leftCols(2);
  EXPECT_NEAR(cn::factorMatchScore(two, p.truth), 1.0, 1e-12);
}

TEST(NtfRecovery, HalsRecoversPlantedFactorsAtLowNoise) {
  const auto p = planted(40, 8, 60, 4, 0.01, 3);
  cn::NtfOptions options;
  options.rank = 4;
  options.maxSweeps = 1000;
  options.tolerance = 1e-9;
  const auto fit = bestOf(p.x, options, 3);
  EXPECT_LT(fit.objective.back(), 0.02);
  EXPECT_GE(cn::factorMatchScore(fit.factors, p.truth), 0.99);
}

TEST(NtfRecovery, BcdRecoversPlantedFactorsAtLowNoise) {
  const auto p = planted(40, 8, 60, 4, 0.01, 3);
  cn::NtfOptions options;
  options.rank = 4;
  options.method = cn::NtfMethod::Bcd;
  options.maxSweeps = 3000;
  options.tolerance = 1e-10;
  const auto fit = bestOf(p.x, options, 3);
  EXPECT_GE(cn::factorMatchScore(fit.factors, p.truth), 0.99);
}

TEST(NtfRecovery, MultiplicativeUpdatesDescend) {
  const auto p = planted(20, 6, 25, 3, 0.01, 4);
  cn::NtfOptions options;
  options.rank = 3;
  options.method = cn::NtfMethod::Multiplicative;
  options.maxSweeps = 300;
  options.tolerance = 0.0;
  const auto fit = cn::fitNtf(p.x, options);
  for (std::size_t s = 1; s < fit.objective.size(); ++s)
    EXPECT_LE(fit.objective[s], fit.objective[s - 1] + 1e-12) << "sweep " << s + 1;
  EXPECT_LT(fit.objective.back(), fit.objective.front());
  EXPECT_GE(cn::factorMatchScore(fit.factors, p.truth), 0.9);
}

TEST(NtfRecovery, CoreConsistencyIsHundredForTheTrueModel) {
  const auto p = planted(15, 7, 20, 3, 0.0, 5);
  EXPECT_NEAR(cn::coreConsistency(p.x, p.truth), 100.0, 1e-6);
  // A missing entry takes the model's value, so the diagnostic is unchanged.
  std::vector<double> values = p.x.values();
  values[17] = std::nan("");
  const auto masked = cn::Tensor3::fromValues({15, 7, 20}, values);
  EXPECT_NEAR(cn::coreConsistency(masked, p.truth), 100.0, 1e-6);
}

TEST(NtfRecovery, RankSelectionPointsAtThePlantedRank) {
  const auto p = planted(30, 6, 40, 3, 0.01, 6);
  cn::NtfOptions options;
  options.maxSweeps = 800;
  options.tolerance = 1e-8;
  options.seed = 2;
  nl::analysis::NullProgress quiet;
  const auto selection = cn::selectRank(p.x, 2, 4, 3, options, quiet);
  ASSERT_EQ(selection.rows.size(), 9u);
  ASSERT_EQ(selection.best.size(), 3u);
  auto row = [&](int rank, int restart) {
    return selection.rows[static_cast<std::size_t>((rank - 2) * 3 + restart)];
  };
  EXPECT_EQ(row(3, 1).rank, 3);
  EXPECT_EQ(row(3, 1).restart, 1);
  // The error drops sharply up to the true rank, then hardly at all.
  const double e2 = selection.best[0].objective.back(), e3 = selection.best[1].objective.back(),
               e4 = selection.best[2].objective.back();
  EXPECT_GT(e2, 5.0 * e3);
  EXPECT_LT(e3 - e4, 0.01);
  // Every restart of the true rank finds the same components; its core is trilinear.
  for (int s = 0; s < 3; ++s) {
    EXPECT_GT(row(3, s).similarity, 0.99) << s;
    EXPECT_GT(row(3, s).coreConsistency, 90.0) << s;
  }
  EXPECT_LT(row(4, 0).coreConsistency, row(3, 0).coreConsistency);
  // The best restart is similar to itself.
  bool self = false;
  for (int s = 0; s < 3; ++s) self = self || row(3, s).similarity > 1.0 - 1e-12;
  EXPECT_TRUE(self);
  // The same numbers on one thread and on three.
  options.threads = 1;
  const auto serial = cn::selectRank(p.x, 2, 4, 3, options, quiet);
  for (std::size_t n = 0; n < serial.rows.size(); ++n) {
    EXPECT_EQ(serial.rows[n].error, selection.rows[n].error);
    EXPECT_EQ(serial.rows[n].coreConsistency, selection.rows[n].coreConsistency);
  }
}
