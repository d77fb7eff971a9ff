// RDM comparisons: hand values, SciPy numbers, brute-force Kendall, NaN policy.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "analysis/rsa/Compare.h"
#include "tests/rsa/RsaTestSupport.h"

namespace rsa = nl::analysis::rsa;
using rsa::CompareMethod;

namespace {

// (concordant − discordant) over all pairs, and the tie counts, by brute force.
struct BruteKendall {
  double tauA, tauB;
};
BruteKendall bruteForceKendall(const std::vector<double>& x, const std::vector<double>& y) {
  double surplus = 0, xUntied = 0, yUntied = 0, pairs = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    for (std::size_t j = i + 1; j < x.size(); ++j) {
      const double dx = x[i] - x[j], dy = y[i] - y[j];
      const int sx = (dx > 0) - (dx < 0), sy = (dy > 0) - (dy < 0);
      surplus += sx * sy;
      xUntied += dx != 0;
      yUntied += dy != 0;
      ++pairs;
    }
  return {surplus / pairs, surplus / std::sqrt(xUntied * yUntied)};
}

}  // namespace

TEST(RsaCompare, HandComputedSmallCase) {
  const std::vector<double> x{1, 2, 3, 4, 5}, y{2, 1, 4, 3, 5};
  EXPECT_NEAR(rsa::pearson(x, y), 0.8, 1e-15);
  EXPECT_NEAR(rsa::spearman(x, y), 0.8, 1e-15);
  EXPECT_NEAR(rsa::kendallTauA(x, y), 0.6, 1e-15);  // 2 of 10 pairs discordant
  EXPECT_NEAR(rsa::kendallTauB(x, y), 0.6, 1e-15);
  EXPECT_NEAR(rsa::cosineSimilarity(x, y), 53.0 / 55.0, 1e-15);  // 53 / (√55 · √55)
}

TEST(RsaCompare, SpearmanWithTiesUsesAverageRanks) {
  const std::vector<double> x{1, 2, 2, 3}, y{1, 3, 2, 4};
  const auto ranks = rsa::averageRanks(x);
  EXPECT_EQ(ranks, (std::vector<double>{1, 2.5, 2.5, 4}));
  // By hand: ranks (1, 2.5, 2.5, 4) and (1, 3, 2, 4) → 4.5 / √(4.5 · 5).
  EXPECT_NEAR(rsa::spearman(x, y), 4.5 / std::sqrt(22.5), 1e-15);
}

TEST(RsaCompare, TiedVectorsMatchScipy) {
  const std::vector<double> x{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9};
  const std::vector<double> y{2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5, 9, 0, 4};
  EXPECT_NEAR(rsa::spearman(x, y), 0.17916174391114706, 1e-14);
  EXPECT_NEAR(rsa::kendallTauB(x, y), 0.1570874410539306, 1e-14);
  EXPECT_NEAR(rsa::pearson(x, y), 0.11049560385085636, 1e-14);
  EXPECT_EQ(rsa::averageRanks(x),
            (std::vector<double>{4.5, 1.5, 6, 1.5, 8, 14, 3, 10, 8, 4.5, 8, 12, 14, 11, 14}));
}

TEST(RsaCompare, RdmComparisonsMatchScipy) {
  const auto a =
      rsa::computeRdm(nl::test::formulaResponses(7, 5, 0.0), rsa::RdmMethod::CorrelationDistance);
  const auto b =
      rsa::computeRdm(nl::test::formulaResponses(7, 5, 1.0), rsa::RdmMethod::CorrelationDistance);
  auto upper = [&](CompareMethod method) {
    return rsa::compareRdms(a, b, {method, rsa::EntrySelection::UpperTriangle});
  };
  EXPECT_NEAR(upper(CompareMethod::Pearson), 0.9749152149195712, 1e-12);
  EXPECT_NEAR(upper(CompareMethod::Spearman), 0.9480519480519479, 1e-12);
  EXPECT_NEAR(upper(CompareMethod::KendallTauB), 0.8285714285714286, 1e-12);
  EXPECT_NEAR(upper(CompareMethod::KendallTauA), 0.8285714285714286, 1e-12);  // no ties
  EXPECT_NEAR(upper(CompareMethod::Cosine), 0.9940540157397108, 1e-12);
  const rsa::CompareOptions full{CompareMethod::Pearson, rsa::EntrySelection::FullMatrix};
  EXPECT_NEAR(rsa::compareRdms(a, b, full), 0.9828163795769589, 1e-12);
  EXPECT_NEAR(rsa::compareRdms(a, b, {CompareMethod::Spearman, rsa::EntrySelection::FullMatrix}),
              0.9672181529478053, 1e-12);
}

TEST(RsaCompare, RdmWithItselfIsOne) {
  std::mt19937_64 rng(3);
  const auto rdm = rsa::computeRdm(nl::test::gaussian(20, 30, rng), rsa::RdmMethod::Euclidean);
  for (auto method : {CompareMethod::Pearson, CompareMethod::Spearman, CompareMethod::KendallTauA,
                      CompareMethod::KendallTauB, CompareMethod::Cosine})
    for (auto entries : {rsa::EntrySelection::UpperTriangle, rsa::EntrySelection::FullMatrix}) {
      const double self = rsa::compareRdms(rdm, rdm, {method, entries});
      if (method == CompareMethod::KendallTauA && entries == rsa::EntrySelection::FullMatrix)
        EXPECT_LT(self, 1.0);  // the duplicated entries are ties, which τ-a does not forgive
      else
        EXPECT_NEAR(self, 1.0, 1e-12) << rsa::compareMethodName(method);
    }
}

TEST(RsaCompare, FastKendallEqualsBruteForceOnRandomData) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> uniform(0, 1);
  std::uniform_int_distribution<int> small(0, 6);
  for (int trial = 0; trial < 40; ++trial) {
    const std::size_t n = 2 + static_cast<std::size_t>(trial * 7);
    std::vector<double> x(n), y(n);
    const bool ties = trial % 2 == 1;
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = ties ? small(rng) : uniform(rng);
      y[i] = ties ? small(rng) + 0.5 * x[i] * (trial % 3 == 0) : uniform(rng) + 0.3 * x[i];
    }
    const auto brute = bruteForceKendall(x, y);
    EXPECT_NEAR(rsa::kendallTauA(x, y), brute.tauA, 1e-12) << "n " << n;
    if (std::isfinite(brute.tauB)) {
      EXPECT_NEAR(rsa::kendallTauB(x, y), brute.tauB, 1e-12) << "n " << n;
    }
  }
}

TEST(RsaCompare, NaNEntriesAreDroppedPairwise) {
  const double nan = std::nan("");
  const std::vector<double> x{1, nan, 3, 4, 7}, y{2, 5, nan, 8, 1};
  const std::vector<double> cx{1, 4, 7}, cy{2, 8, 1};
  for (auto method : {CompareMethod::Pearson, CompareMethod::Spearman, CompareMethod::KendallTauA,
                      CompareMethod::KendallTauB, CompareMethod::Cosine})
    EXPECT_DOUBLE_EQ(rsa::compareVectors(x, y, method), rsa::compareVectors(cx, cy, method));
  const auto ranks = rsa::averageRanks(x);
  EXPECT_TRUE(std::isnan(ranks[1]));
  EXPECT_EQ(ranks[4], 4.0);
}

TEST(RsaCompare, UndefinedStatisticsAreNaNAndBadInputsThrow) {
  const std::vector<double> constant{2, 2, 2, 2}, varying{1, 2, 3, 4};
  EXPECT_TRUE(std::isnan(rsa::pearson(constant, varying)));
  EXPECT_TRUE(std::isnan(rsa::spearman(constant, varying)));
  EXPECT_TRUE(std::isnan(rsa::kendallTauB(constant, varying)));
  EXPECT_EQ(rsa::kendallTauA(constant, varying), 0.0);
  const std::vector<double> shorter{1, 2, 3};
  EXPECT_THROW(rsa::pearson(shorter, varying), std::invalid_argument);
  EXPECT_THROW(rsa::kendallTauB(shorter, varying), std::invalid_argument);
  try {
    rsa::compareRdms(rsa::Matrix::Zero(4, 4), rsa::Matrix::Zero(5, 5));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("different numbers of stimuli (4 vs 5)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(rsa::compareRdms(rsa::Matrix::Zero(4, 3), rsa::Matrix::Zero(4, 3)),
               std::invalid_argument);
  EXPECT_THROW(rsa::parseCompareMethod("kendall"), std::invalid_argument);
  EXPECT_EQ(rsa::parseCompareMethod("tau_b"), CompareMethod::KendallTauB);
  EXPECT_EQ(rsa::parseEntrySelection("full"), rsa::EntrySelection::FullMatrix);
}
