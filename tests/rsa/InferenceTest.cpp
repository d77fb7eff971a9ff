// Bootstrap, permutation and folds: replicates equal rsatoolbox's resampled
// matrices, determinism across thread counts, CI width against Monte Carlo.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "analysis/rsa/Inference.h"
#include "tests/rsa/RsaTestSupport.h"

namespace rsa = nl::analysis::rsa;
using rsa::CompareMethod;
using rsa::EntrySelection;

namespace {

rsa::Matrix randomRdm(std::mt19937_64& rng, int stimuli, int units, rsa::RdmMethod method) {
  return rsa::computeRdm(nl::test::gaussian(stimuli, units, rng), method);
}

class CancelAfter final : public nl::analysis::Progress {
 public:
  void update(double, const std::string&) override { ++updates_; }
  bool cancelRequested() const override { return updates_ >= 1; }

 private:
  int updates_ = 0;
};

}  // namespace

TEST(RsaInference, ResampleRdmMarksCopiesLikeRsatoolbox) {
  rsa::Matrix rdm(3, 3);
  rdm << 0, 1, 2,  //
      1, 0, 3,     //
      2, 3, 0;
  const std::vector<std::size_t> sample{2, 0, 2};
  const auto resampled = rsa::resampleRdm(rdm, sample);
  EXPECT_TRUE(std::isnan(resampled(0, 0)));
  EXPECT_TRUE(std::isnan(resampled(0, 2)));  // both copies of stimulus 2
  EXPECT_EQ(resampled(0, 1), 2.0);
  EXPECT_EQ(resampled(1, 2), 2.0);
}

TEST(RsaInference, StimulusBootstrapReplicatesEqualComparisonsOfResampledMatrices) {
  std::mt19937_64 rng(5);
  std::vector<rsa::Matrix> brain{randomRdm(rng, 14, 6, rsa::RdmMethod::CorrelationDistance),
                                 randomRdm(rng, 14, 3, rsa::RdmMethod::Euclidean)};
  // A tied model RDM (two categories), and one with NaN entries.
  rsa::Matrix categorical(14, 14);
  for (int i = 0; i < 14; ++i)
    for (int j = 0; j < 14; ++j) categorical(i, j) = (i < 5) == (j < 5) ? 0.0 : 1.0;
  rsa::Matrix withNaN = randomRdm(rng, 14, 4, rsa::RdmMethod::CorrelationDistance);
  withNaN(2, 7) = withNaN(7, 2) = std::nan("");
  std::vector<rsa::Matrix> model{categorical, withNaN,
                                 randomRdm(rng, 14, 8, rsa::RdmMethod::CosineDistance)};
  nl::analysis::NullProgress progress;
  for (auto method : {CompareMethod::Pearson, CompareMethod::Spearman, CompareMethod::KendallTauA,
                      CompareMethod::KendallTauB, CompareMethod::Cosine})
    for (auto entries : {EntrySelection::UpperTriangle, EntrySelection::FullMatrix}) {
      rsa::InferenceOptions options;
      options.compare = {method, entries};
      options.replicates = 12;
      options.seed = 99;
      const auto boot = rsa::bootstrapStimuli(brain, model, options, progress);
      for (std::size_t r = 0; r < options.replicates; ++r) {
        const auto sample = rsa::bootstrapStimulusSample(options.seed, r, 14);
        for (std::size_t a = 0; a < brain.size(); ++a)
          for (std::size_t b = 0; b < model.size(); ++b) {
            const double expected =
                rsa::compareRdms(rsa::resampleRdm(brain[a], sample),
                                 rsa::resampleRdm(model[b], sample), options.compare);
            EXPECT_NEAR(boot.sample(r, a, b), expected, 1e-10)
                << rsa::compareMethodName(method) << " " << rsa::entrySelectionName(entries)
                << " replicate " << r << " pair " << a << "," << b;
          }
      }
      for (std::size_t a = 0; a < brain.size(); ++a)
        for (std::size_t b = 0; b < model.size(); ++b)
          EXPECT_DOUBLE_EQ(
              boot.estimate(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)),
              rsa::compareRdms(brain[a], model[b], options.compare));
    }
}

TEST(RsaInference, BootstrapIsDeterministicForAnyThreadCount) {
  std::mt19937_64 rng(8);
  std::vector<rsa::Matrix> a{randomRdm(rng, 30, 10, rsa::RdmMethod::CorrelationDistance)};
  std::vector<rsa::Matrix> b{randomRdm(rng, 30, 10, rsa::RdmMethod::CorrelationDistance),
                             randomRdm(rng, 30, 20, rsa::RdmMethod::CorrelationDistance)};
  nl::analysis::NullProgress progress;
  rsa::InferenceOptions options;
  options.replicates = 101;
  options.seed = 4;
  options.threads = 1;
  const auto single = rsa::bootstrapStimuli(a, b, options, progress);
  options.threads = 3;
  const auto multi = rsa::bootstrapStimuli(a, b, options, progress);
  EXPECT_EQ(single.samples, multi.samples);
  options.seed = 5;
  EXPECT_NE(rsa::bootstrapStimuli(a, b, options, progress).samples, single.samples);
}

TEST(RsaInference, BootstrapSpreadMatchesMonteCarloSamplingSpread) {
  // Stimuli are i.i.d. draws from a population; two "areas" see a shared
  // latent through different random projections plus noise. The sampling
  // SD of their RDM correlation over fresh stimulus sets is the target the
  // stimulus bootstrap estimates from a single set.
  const int stimuli = 40, latent = 4;
  std::mt19937_64 rng(2024);
  const auto projectionA = nl::test::gaussian(latent, 30, rng);
  const auto projectionB = nl::test::gaussian(latent, 30, rng);
  auto draw = [&](std::mt19937_64& g) {
    const auto z = nl::test::gaussian(stimuli, latent, g);
    const rsa::RowMatrix a = z * projectionA + nl::test::gaussian(stimuli, 30, g, 2.0);
    const rsa::RowMatrix b = z * projectionB + nl::test::gaussian(stimuli, 30, g, 2.0);
    return std::pair{rsa::computeRdm(a, rsa::RdmMethod::Euclidean),
                     rsa::computeRdm(b, rsa::RdmMethod::Euclidean)};
  };
  const rsa::CompareOptions compare{CompareMethod::Pearson, EntrySelection::UpperTriangle};
  std::vector<double> monteCarlo;
  for (int k = 0; k < 300; ++k) {
    const auto [a, b] = draw(rng);
    monteCarlo.push_back(rsa::compareRdms(a, b, compare));
  }
  const double trueSd = rsa::standardDeviation(monteCarlo);

  nl::analysis::NullProgress progress;
  rsa::InferenceOptions options;
  options.compare = compare;
  options.replicates = 1000;
  options.seed = 17;
  std::vector<double> ratios, widthRatios;
  for (int k = 0; k < 5; ++k) {
    const auto [a, b] = draw(rng);
    const auto boot = rsa::bootstrapStimuli({a}, {b}, options, progress);
    ratios.push_back(boot.standardError(0, 0) / trueSd);
    widthRatios.push_back((boot.ciHigh(0, 0) - boot.ciLow(0, 0)) / (2 * 1.959964 * trueSd));
  }
  double meanRatio = 0, meanWidth = 0;
  for (std::size_t k = 0; k < ratios.size(); ++k) {
    meanRatio += ratios[k] / 5;
    meanWidth += widthRatios[k] / 5;
  }
  EXPECT_GT(trueSd, 0.02);
  EXPECT_NEAR(meanRatio, 1.0, 0.3) << "bootstrap SE / Monte Carlo SD";
  EXPECT_NEAR(meanWidth, 1.0, 0.3) << "95% CI width / (2 · 1.96 · SD)";
}

TEST(RsaInference, PercentileIntervalFollowsNumpy) {
  std::vector<double> values;
  for (int i = 0; i <= 100; ++i) values.push_back(i);
  values.push_back(std::nan(""));
  const auto interval = rsa::percentileInterval(values, 0.95);
  EXPECT_NEAR(interval.low, 2.5, 1e-12);  // np.percentile(range(101), 2.5)
  EXPECT_NEAR(interval.high, 97.5, 1e-12);
  EXPECT_THROW(rsa::percentileInterval(values, 1.0), std::invalid_argument);
  EXPECT_TRUE(std::isnan(rsa::percentileInterval(std::vector<double>{std::nan("")}).low));
}

TEST(RsaInference, NeuronBootstrapIsDeterministicAndBracketsTheEstimate) {
  std::mt19937_64 rng(21);
  const auto z = nl::test::gaussian(20, 3, rng);
  const rsa::RowMatrix responses =
      z * nl::test::gaussian(3, 40, rng) + nl::test::gaussian(20, 40, rng);
  const rsa::Matrix target = rsa::computeRdm(z, rsa::RdmMethod::Euclidean);
  rsa::RdmOptions rdmOptions;
  rsa::InferenceOptions options;
  options.replicates = 200;
  options.seed = 3;
  options.threads = 1;
  nl::analysis::NullProgress progress;
  const auto single = rsa::bootstrapNeurons(responses, rdmOptions, {target}, options, progress);
  options.threads = 2;
  const auto multi = rsa::bootstrapNeurons(responses, rdmOptions, {target}, options, progress);
  EXPECT_EQ(single.samples, multi.samples);
  EXPECT_DOUBLE_EQ(single.estimate(0, 0),
                   rsa::compareRdms(rsa::computeRdm(responses, rsa::RdmMethod::CorrelationDistance),
                                    target, options.compare));
  EXPECT_LT(single.ciLow(0, 0), single.estimate(0, 0));
  EXPECT_GT(single.ciHigh(0, 0), single.estimate(0, 0) - 0.05);
  EXPECT_THROW(
      rsa::bootstrapNeurons(responses, rdmOptions, {rsa::Matrix::Zero(19, 19)}, options, progress),
      std::invalid_argument);
}

TEST(RsaInference, PermutationNullSeparatesRelatedFromUnrelatedRdms) {
  std::mt19937_64 rng(31);
  const auto x = nl::test::gaussian(25, 8, rng);
  const rsa::RowMatrix noisy = x + nl::test::gaussian(25, 8, rng, 0.5);
  const auto a = rsa::computeRdm(x, rsa::RdmMethod::CorrelationDistance);
  const auto related = rsa::computeRdm(noisy, rsa::RdmMethod::CorrelationDistance);
  const auto unrelated = randomRdm(rng, 25, 8, rsa::RdmMethod::CorrelationDistance);
  nl::analysis::NullProgress progress;
  rsa::InferenceOptions options;
  options.replicates = 199;
  for (auto scheme : {rsa::PermutationScheme::StimulusLabels,
                      rsa::PermutationScheme::RowsAndColumnsIndependently}) {
    options.compare.entries = scheme == rsa::PermutationScheme::StimulusLabels
                                  ? EntrySelection::UpperTriangle
                                  : EntrySelection::FullMatrix;
    const auto hit = rsa::permutationTest(a, related, options, scheme, progress);
    EXPECT_DOUBLE_EQ(hit.pValue, 1.0 / 200.0);
    const auto miss = rsa::permutationTest(a, unrelated, options, scheme, progress);
    if (scheme == rsa::PermutationScheme::RowsAndColumnsIndependently) {
      // Documented caveat: the intact zero diagonals agree perfectly, the
      // shuffled ones do not, so with the diagonal compared even unrelated
      // RDMs beat this null.
      EXPECT_LT(miss.pValue, 0.05);
      continue;
    }
    EXPECT_GT(miss.pValue, 0.01);
    double nullMean = 0;
    for (double v : miss.null) nullMean += v / static_cast<double>(miss.null.size());
    EXPECT_NEAR(nullMean, 0.0, 0.1);
  }
}

TEST(RsaInference, ContiguousFoldsFollowShi) {
  std::mt19937_64 rng(41);
  const auto a = randomRdm(rng, 118, 10, rsa::RdmMethod::CorrelationDistance);
  const auto folds =
      rsa::contiguousFolds(a, a, {CompareMethod::Pearson, EntrySelection::FullMatrix});
  ASSERT_EQ(folds.values.size(), 4u);
  for (double v : folds.values) EXPECT_NEAR(v, 1.0, 1e-12);
  EXPECT_NEAR(folds.standardError, 0.0, 1e-12);
  // Fold 2 covers stimuli 59…87 (⌊2·118/4⌋ = 59 to ⌊3·118/4⌋ = 88).
  const auto b = randomRdm(rng, 118, 10, rsa::RdmMethod::CorrelationDistance);
  const auto mixed = rsa::contiguousFolds(a, b, {});
  EXPECT_DOUBLE_EQ(mixed.values[2],
                   rsa::compareRdms(a.block(59, 59, 29, 29), b.block(59, 59, 29, 29)));
  EXPECT_THROW(rsa::contiguousFolds(a.topLeftCorner(10, 10), b.topLeftCorner(10, 10), {}, 4),
               std::invalid_argument);
}

TEST(RsaInference, MismatchedInputsAndCancellation) {
  std::mt19937_64 rng(51);
  const auto a = randomRdm(rng, 10, 5, rsa::RdmMethod::Euclidean);
  const auto b = randomRdm(rng, 12, 5, rsa::RdmMethod::Euclidean);
  nl::analysis::NullProgress progress;
  rsa::InferenceOptions options;
  options.replicates = 10;
  try {
    rsa::bootstrapStimuli({a}, {b}, options, progress);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("has 12 stimuli, expected 10"), std::string::npos)
        << e.what();
  }
  options.replicates = 0;
  EXPECT_THROW(rsa::bootstrapStimuli({a}, {a}, options, progress), std::invalid_argument);
  options.replicates = 100000;
  CancelAfter cancel;
  EXPECT_THROW(rsa::bootstrapStimuli({a}, {a}, options, cancel), nl::analysis::Cancelled);
}
