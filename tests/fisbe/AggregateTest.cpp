// Set aggregation as summarize.py does it: pooled counts per set, and the
// combined evaluation of a complete and a partly labelled set.
#include <gtest/gtest.h>

#include "analysis/fisbe/Aggregate.h"
#include "analysis/fisbe/MetricsJson.h"

namespace fisbe = nl::analysis::fisbe;

namespace {

fisbe::ImageMetrics image(bool partly, std::int64_t tp, std::int64_t fp, std::int64_t fn,
                          std::vector<double> coverage, std::vector<float> tpClDice) {
  fisbe::ImageMetrics m;
  m.partlyLabelled = partly;
  m.numGt = tp + fn;
  m.numPred = tp + fp;
  for (double th : fisbe::evaluationThresholds()) {
    fisbe::ThresholdMetrics t;
    t.threshold = th;
    t.key = "th";
    t.tp = tp;
    t.fp = fp;
    t.fn = fn;
    m.thresholds.push_back(t);
  }
  m.tp05 = static_cast<std::int64_t>(tpClDice.size());
  m.tp05ClDice = std::move(tpClDice);
  m.gtCoverage = std::move(coverage);
  m.falseSplits = 1;
  return m;
}

}  // namespace

TEST(FisbeAggregate, CountsArePooledPerSet) {
  // Image A: TP 1, FP 1, FN 1; image B: TP 2, FP 0, FN 0.
  // Pooled F1 = 2·3 / (2·3 + 1 + 1) = 0.75 at every threshold (not the mean
  // of the per-image F1s, 0.5 and 1).
  const auto a = image(false, 1, 1, 1, {0.5, 0.25}, {0.75f});
  const auto b = image(false, 2, 0, 0, {1.0, 0.75}, {1.0f, 0.5f});
  const fisbe::ImageMetrics* images[] = {&a, &b};
  const auto s = fisbe::summarizeSet(images);
  EXPECT_EQ(s.numGt, 4);
  EXPECT_EQ(s.numPred, 4);
  ASSERT_EQ(s.thresholds.size(), 9u);
  EXPECT_DOUBLE_EQ(s.thresholds[4].fscore, 0.75);
  EXPECT_DOUBLE_EQ(s.avFscore, 0.75);
  EXPECT_DOUBLE_EQ(s.averageGtCoverage, 0.625);  // mean over all four GT instances
  EXPECT_DOUBLE_EQ(s.score, 0.5 * 0.75 + 0.5 * 0.625);
  EXPECT_EQ(s.tp05, 3);
  EXPECT_DOUBLE_EQ(s.tp05Relative, 0.75);
  EXPECT_DOUBLE_EQ(s.averageTp05ClDice, 0.75);
  EXPECT_EQ(s.falseSplits, 2);
}

TEST(FisbeAggregate, CombinedAveragesTheTwoSetsAndSumsCounts) {
  const auto complete = image(false, 1, 1, 1, {0.5, 0.25}, {0.75f});   // F1 0.5, C 0.375
  const auto partly = image(true, 2, 0, 0, {1.0, 0.5}, {1.0f, 0.5f});  // F1 1, C 0.75
  const fisbe::ImageMetrics* images[] = {&complete, &partly};
  const auto summary = fisbe::summarize(images);
  ASSERT_TRUE(summary.complete.has_value());
  ASSERT_TRUE(summary.partly.has_value());
  EXPECT_DOUBLE_EQ(summary.complete->avFscore, 0.5);
  EXPECT_DOUBLE_EQ(summary.partly->avFscore, 1.0);
  const auto& c = summary.combined;
  EXPECT_DOUBLE_EQ(c.avFscore, 0.75);
  EXPECT_DOUBLE_EQ(c.averageGtCoverage, (0.375 + 0.75) / 2);
  EXPECT_DOUBLE_EQ(c.score, ((0.25 + 0.1875) + (0.5 + 0.375)) / 2);
  EXPECT_EQ(c.numGt, 4);
  EXPECT_EQ(c.tp05, 3);
  EXPECT_EQ(c.thresholds[4].tp, 3);
  EXPECT_DOUBLE_EQ(c.thresholds[4].fscore, 0.75);
  EXPECT_FALSE(c.hasSubsets);
  const auto json = fisbe::setSummaryJson(c);
  EXPECT_DOUBLE_EQ(json.at("general").at("avg_f1_cov_score").get<double>(), c.score);
  EXPECT_FALSE(json.at("general").contains("GT_dim"));
  // Only complete images: no split, the one set is the "combined" result.
  const fisbe::ImageMetrics* onlyComplete[] = {&complete};
  EXPECT_FALSE(fisbe::summarize(onlyComplete).complete.has_value());
}
