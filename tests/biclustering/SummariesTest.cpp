// Posterior summaries: ARI, similarity, maxPEAR, HPD, R-hat and ESS.
#include <gtest/gtest.h>

#include <algorithm>
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

TEST(Summaries, MinViKeepsUncertainItemsInAMainGroupWhereMaxPearSplitsThemOff) {
  // Two groups (20 and 18 items) and four items of uncertain allocation, as
  // the bins at a change of state: in 3 of 16 samples the four form a small
  // group of their own, in the other 13 each goes with one main group or
  // the other (binary combinations 3 … 15, so more often with the second).
  // maxPEAR gives the four a group of their own; minVI puts them with the
  // second group and finds two groups.
  std::vector<bc::Partition> samples;
  for (int k = 0; k < 16; ++k) {
    bc::Partition labels(42);
    for (int i = 0; i < 42; ++i) labels[i] = i < 20 ? 0 : 1;
    for (int u = 0; u < 4; ++u) labels[38 + u] = k < 3 ? 2 : (k >> u) & 1;
    samples.push_back(labels);
  }
  const auto similarity = bc::posteriorSimilarity(samples);
  auto groups = [](const bc::Partition& labels) {
    return *std::max_element(labels.begin(), labels.end()) + 1;
  };
  const auto pear = bc::maxPear(similarity, samples);
  const auto vi = bc::minVariationOfInformation(similarity, samples);
  EXPECT_EQ(groups(pear.labels), 3);
  EXPECT_EQ(groups(vi.labels), 2);
  for (int u = 0; u < 4; ++u) EXPECT_EQ(vi.labels[38 + u], vi.labels[21]);  // with the second group
  EXPECT_EQ(vi.labels[0], vi.labels[19]);
  EXPECT_NE(vi.labels[0], vi.labels[20]);
  // The bound is that of the chosen partition and below the one-group partition's and PEAR's.
  EXPECT_DOUBLE_EQ(vi.score,
                   bc::posteriorExpectedVariationOfInformationBound(vi.labels, similarity));
  EXPECT_LT(vi.score, bc::posteriorExpectedVariationOfInformationBound(pear.labels, similarity));
  EXPECT_LT(vi.score,
            bc::posteriorExpectedVariationOfInformationBound(bc::Partition(42, 0), similarity));
  // For a single sample the bound is the exact expected VI: zero at that sample.
  EXPECT_NEAR(bc::posteriorExpectedVariationOfInformationBound(
                  samples[0], bc::posteriorSimilarity({samples[0]})),
              0.0, 1e-12);
}
