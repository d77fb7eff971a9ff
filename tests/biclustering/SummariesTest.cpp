// Posterior summaries: ARI, similarity, maxPEAR, HPD, R-hat and ESS.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/biclustering/Random.h"
#include "analysis/biclustering/Summaries.h"

namespace bc = nl::analysis::biclustering;

TEST(Summaries, AdjustedRandIndexKnownValues) {
  EXPECT_DOUBLE_EQ(bc::adjustedRandIndex({0, 0, 1, 1, 2, 2}, {5, 5, 3, 3, 9, 9}), 1.0);
  // Hubert & Arabie's index for a worked contingency table: a = {0,0,0,1,1,1}, b = {0,0,1,1,2,2}.
  // Pairs together in both: 1 + 1 = 2; rows: 3 + 3 = 6; columns: 1 + 1 + 1 = 3; C(6,2) = 15.
  // expected = 6·3/15 = 1.2, max = 4.5 → (2 − 1.2)/(4.5 − 1.2) = 0.2424…
  EXPECT_NEAR(bc::adjustedRandIndex({0, 0, 0, 1, 1, 1}, {0, 0, 1, 1, 2, 2}), 0.8 / 3.3, 1e-12);
  EXPECT_THROW(bc::adjustedRandIndex({0, 1}, {0}), std::invalid_argument);
}

TEST(Summaries, SimilarityAndMaxPearRecoverAPlantedPartition) {
  // Samples: the truth {0..4}, {5..9}, {10..14} with one random neuron moved in each.
  bc::Rng rng(3, 0);
  const std::vector<int> truth{0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2};
  std::vector<bc::Partition> samples;
  for (int s = 0; s < 300; ++s) {
    auto labels = truth;
    labels[rng.below(15)] = static_cast<int>(rng.below(4));
    samples.push_back(labels);
  }
  const auto similarity = bc::posteriorSimilarity(samples);
  EXPECT_DOUBLE_EQ(similarity(3, 3), 1.0);
  EXPECT_GT(similarity(0, 1), 0.8);
  EXPECT_LT(similarity(0, 7), 0.1);
  const auto estimate = bc::maxPear(similarity, samples);
  EXPECT_DOUBLE_EQ(bc::adjustedRandIndex(estimate.labels, truth), 1.0);
  EXPECT_GT(estimate.score, bc::posteriorExpectedAdjustedRand(std::vector<int>(15, 0), similarity));
  // Average-linkage cuts: the 3-group cut is the truth.
  const auto cuts = bc::averageLinkageCuts(similarity);
  EXPECT_DOUBLE_EQ(bc::adjustedRandIndex(cuts[2], truth), 1.0);
  EXPECT_EQ(cuts[0], std::vector<int>(15, 0));
}

TEST(Summaries, HighestPosteriorDensityOfKnownShapes) {
  std::vector<double> uniform;
  for (int i = 0; i <= 1000; ++i) uniform.push_back(i / 1000.0);
  const auto interval = bc::highestPosteriorDensity(uniform, 0.95);
  EXPECT_NEAR(interval.upper - interval.lower, 0.95, 0.002);
  // Exponential-like: the HPD starts at the mode (0), unlike the central interval.
  bc::Rng rng(1, 0);
  std::vector<double> exponential(20000);
  for (auto& v : exponential) v = rng.exponential();
  const auto hpd = bc::highestPosteriorDensity(exponential, 0.95);
  EXPECT_LT(hpd.lower, 0.01);
  EXPECT_NEAR(hpd.upper, -std::log(0.05), 0.1);
}

TEST(Summaries, RHatAndEffectiveSampleSize) {
  bc::Rng rng(2, 0);
  std::vector<std::vector<double>> iid(4, std::vector<double>(2000));
  for (auto& chain : iid)
    for (auto& v : chain) v = rng.normal();
  EXPECT_NEAR(bc::splitRHat(iid), 1.0, 0.01);
  EXPECT_NEAR(bc::effectiveSampleSize(iid) / 8000.0, 1.0, 0.15);
  // AR(1) with ρ = 0.9: ESS ≈ n (1 − ρ)/(1 + ρ).
  std::vector<std::vector<double>> ar(4, std::vector<double>(5000));
  for (auto& chain : ar) {
    double x = 0.0;
    for (auto& v : chain) v = x = 0.9 * x + std::sqrt(1 - 0.81) * rng.normal();
  }
  EXPECT_NEAR(bc::effectiveSampleSize(ar) / (20000.0 * 0.1 / 1.9), 1.0, 0.25);
  // Chains stuck in different places: R-hat well above 1.
  auto shifted = iid;
  for (auto& v : shifted[0]) v += 3.0;
  EXPECT_GT(bc::splitRHat(shifted), 1.2);
}
