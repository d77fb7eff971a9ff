// Noise ceilings: Spearman–Brown split halves against a Monte Carlo of
// independent repetitions; rsatoolbox's group bounds against NumPy numbers.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "analysis/rsa/Inference.h"
#include "analysis/rsa/NoiseCeiling.h"
#include "tests/rsa/RsaTestSupport.h"

namespace rsa = nl::analysis::rsa;
using rsa::CompareMethod;

namespace {

// trials × stimuli × units: signal + Gaussian noise.
std::vector<double> noisyTrials(const rsa::RowMatrix& signal, std::size_t trials, double noise,
                                std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0.0, noise);
  std::vector<double> values;
  for (std::size_t t = 0; t < trials; ++t)
    for (Eigen::Index s = 0; s < signal.rows(); ++s)
      for (Eigen::Index u = 0; u < signal.cols(); ++u) values.push_back(signal(s, u) + normal(rng));
  return values;
}

rsa::RowMatrix trialMean(const std::vector<double>& values, std::size_t trials,
                         Eigen::Index stimuli, Eigen::Index units) {
  rsa::RowMatrix mean = rsa::RowMatrix::Zero(stimuli, units);
  for (std::size_t t = 0; t < trials; ++t)
    mean += Eigen::Map<const rsa::RowMatrix>(&values[t * static_cast<std::size_t>(stimuli * units)],
                                             stimuli, units);
  return mean / static_cast<double>(trials);
}

}  // namespace

TEST(RsaNoiseCeiling, SpearmanBrown) {
  EXPECT_DOUBLE_EQ(rsa::spearmanBrown(0.5), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(rsa::spearmanBrown(1.0), 1.0);
  EXPECT_DOUBLE_EQ(rsa::spearmanBrown(0.25, 3.0), 0.75 / 1.5);
}

TEST(RsaNoiseCeiling, SplitHalfPredictsTheReliabilityOfFullDataSets) {
  const std::size_t trials = 10;
  const Eigen::Index stimuli = 24, units = 20;
  std::mt19937_64 rng(77);
  const rsa::RowMatrix signal =
      nl::test::gaussian(stimuli, 3, rng) * nl::test::gaussian(3, units, rng);
  const rsa::CompareOptions compare{CompareMethod::Pearson, rsa::EntrySelection::UpperTriangle};
  // Target: similarity between the RDMs of two independent full data sets.
  std::vector<double> between;
  for (int k = 0; k < 60; ++k) {
    const auto first = noisyTrials(signal, trials, 3.0, rng);
    const auto second = noisyTrials(signal, trials, 3.0, rng);
    between.push_back(rsa::compareRdms(rsa::computeRdm(trialMean(first, trials, stimuli, units),
                                                       rsa::RdmMethod::CorrelationDistance),
                                       rsa::computeRdm(trialMean(second, trials, stimuli, units),
                                                       rsa::RdmMethod::CorrelationDistance),
                                       compare));
  }
  double target = 0;
  for (double v : between) target += v / static_cast<double>(between.size());

  rsa::SplitHalfOptions options;
  options.compare = compare;
  options.repeats = 50;
  options.seed = 5;
  nl::analysis::NullProgress progress;
  double estimate = 0;
  for (int k = 0; k < 6; ++k) {
    const auto data = noisyTrials(signal, trials, 3.0, rng);
    const auto ceiling = rsa::splitHalfNoiseCeiling(
        {data, trials, static_cast<std::size_t>(stimuli), static_cast<std::size_t>(units)}, options,
        progress);
    EXPECT_EQ(ceiling.corrected.size(), 50u);
    EXPECT_GT(ceiling.standardDeviation, 0.0);
    EXPECT_NEAR(ceiling.corrected[3], rsa::spearmanBrown(ceiling.raw[3]), 1e-15);
    estimate += ceiling.mean / 6;
  }
  EXPECT_GT(target, 0.3);
  EXPECT_LT(target, 0.95);
  EXPECT_NEAR(estimate, target, 0.08);
}

TEST(RsaNoiseCeiling, SplitHalfIsDeterministicSkipsMissingTrialsAndRejectsTooFew) {
  std::mt19937_64 rng(3);
  const rsa::RowMatrix signal = nl::test::gaussian(6, 5, rng);
  auto data = noisyTrials(signal, 4, 0.5, rng);
  const std::size_t perTrial = 6 * 5;
  data[2 * perTrial + 1 * 5 + 3] = std::nan("");  // trial 2, stimulus 1 is missing
  rsa::SplitHalfOptions options;
  options.repeats = 9;
  options.threads = 1;
  nl::analysis::NullProgress progress;
  const auto a = rsa::splitHalfNoiseCeiling({data, 4, 6, 5}, options, progress);
  options.threads = 3;
  const auto b = rsa::splitHalfNoiseCeiling({data, 4, 6, 5}, options, progress);
  EXPECT_EQ(a.corrected, b.corrected);
  EXPECT_FALSE(std::isnan(a.mean));
  // Stimulus 1 with only one complete trial left.
  data[0 * perTrial + 1 * 5] = std::nan("");
  data[1 * perTrial + 1 * 5] = std::nan("");
  try {
    rsa::splitHalfNoiseCeiling({data, 4, 6, 5}, options, progress);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("stimulus 1 has 1 complete trial"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(rsa::splitHalfNoiseCeiling({data, 4, 6, 4}, options, progress),
               std::invalid_argument);
}

TEST(RsaNoiseCeiling, GroupBoundsFollowRsatoolboxPoolingRules) {
  std::vector<rsa::Matrix> rdms;
  for (double phase : {0.0, 0.2, 0.5, 1.3})
    rdms.push_back(rsa::computeRdm(nl::test::formulaResponses(7, 5, phase),
                                   rsa::RdmMethod::CorrelationDistance));
  // NumPy re-implementation of boot_noise_ceiling (tests/rsa/reference_values.py).
  const struct {
    CompareMethod method;
    double lower, upper;
  } expected[] = {{CompareMethod::Pearson, 0.9890191778378175, 0.9938116698728376},
                  {CompareMethod::Cosine, 0.99735804826456, 0.998513216221308},
                  {CompareMethod::Spearman, 0.9676057122895998, 0.9830809755241128}};
  for (const auto& e : expected) {
    const auto bounds =
        rsa::groupNoiseCeiling(rdms, {e.method, rsa::EntrySelection::UpperTriangle});
    EXPECT_NEAR(bounds.lower, e.lower, 1e-12) << rsa::compareMethodName(e.method);
    EXPECT_NEAR(bounds.upper, e.upper, 1e-12) << rsa::compareMethodName(e.method);
    EXPECT_LE(bounds.lower, bounds.upper);
  }
  // Identical RDMs: both bounds are 1.
  const auto same = rsa::groupNoiseCeiling({rdms[0], rdms[0], rdms[0]}, {});
  EXPECT_NEAR(same.lower, 1.0, 1e-12);
  EXPECT_NEAR(same.upper, 1.0, 1e-12);
  EXPECT_THROW(rsa::groupNoiseCeiling({rdms[0]}, {}), std::invalid_argument);
  EXPECT_THROW(rsa::groupNoiseCeiling({rdms[0], rsa::Matrix::Zero(6, 6)}, {}),
               std::invalid_argument);
}

TEST(RsaNoiseCeiling, PooledPearsonVectorIsShiftedToZero) {
  const std::vector<std::vector<double>> vectors{{1, 2, 3}, {2, 4, 6}};
  const auto pooled = rsa::poolRdmVectors(vectors, CompareMethod::Pearson);
  // z-scores (−√1.5, 0, √1.5), shifted to start at 0.
  EXPECT_NEAR(pooled[0], 0.0, 1e-15);
  EXPECT_NEAR(pooled[1], std::sqrt(1.5), 1e-15);
  EXPECT_NEAR(pooled[2], 2 * std::sqrt(1.5), 1e-15);
  const auto ranked = rsa::poolRdmVectors({{3, 1, 2}, {1, 2, 3}}, CompareMethod::Spearman);
  EXPECT_EQ(ranked, (std::vector<double>{2, 1.5, 2.5}));
}
