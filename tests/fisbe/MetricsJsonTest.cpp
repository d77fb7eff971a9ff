// Reading the official per-image metrics JSON back into ImageMetrics
// (imageMetricsFromOfficialJson): the inverse of officialMetricsJson for
// every number summarize() reads, checked on real evaluations of small
// volumes, on the official evaluation's own output for the FISBe fixture,
// and on malformed files.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "analysis/fisbe/Aggregate.h"
#include "analysis/fisbe/Evaluate.h"
#include "analysis/fisbe/MetricsJson.h"
#include "tests/fisbe/Volumes.h"

namespace fisbe = nl::analysis::fisbe;
using nl::test::fisbe::Labels;

namespace {

fisbe::EvaluationOptions keepSmall(bool partly = false) {
  fisbe::EvaluationOptions o;
  o.removeSmallPredictions = 0;  // the lines here are far below 800 voxels
  o.partlyLabelled = partly;
  o.threads = 1;
  return o;
}

// GT rows in two channels crossing a column (overlapping neurons), one of
// them dim; the prediction finds one row, splits the other and adds a line
// on background.
fisbe::ImageMetrics overlappingAndDim() {
  Labels gt(3, {3, 12, 16}), pred(1, {3, 12, 16});
  gt.row(0, 2, 0, 12, 1).column(1, 4, 0, 10, 1).row(2, 8, 0, 14, 1);
  pred.row(0, 2, 0, 12, 1).column(0, 4, 3, 6, 2).row(0, 8, 0, 7, 3).row(0, 8, 7, 14, 4);
  pred.row(0, 11, 0, 9, 5);
  auto options = keepSmall();
  options.dimNeurons = {3};
  return fisbe::evaluate(gt.buffer(), pred.buffer(), options);
}

// Label ids in one channel: one neuron matched at clDice 6/7, one missed.
fisbe::ImageMetrics oneMatchOneMiss() {
  Labels gt(1, {3, 10, 24}), pred(1, {3, 10, 24});
  gt.row(0, 1, 0, 20, 1).row(0, 6, 0, 18, 2);
  pred.row(0, 1, 0, 15, 7).row(0, 6, 0, 3, 8);
  return fisbe::evaluate(gt.buffer(), pred.buffer(), keepSmall());
}

// Partly labelled: a prediction on unlabelled background is no FP.
fisbe::ImageMetrics partlyLabelled() {
  Labels gt(1, {3, 8, 24}), pred(1, {3, 8, 24});
  gt.row(0, 1, 0, 20, 1);
  pred.row(0, 1, 0, 15, 1).row(0, 5, 0, 10, 2).row(0, 1, 15, 23, 3);
  return fisbe::evaluate(gt.buffer(), pred.buffer(), keepSmall(true));
}

// Through text, as the plugin's "metrics_json" attribute and result files carry it.
fisbe::ImageMetrics roundTrip(const fisbe::ImageMetrics& m) {
  return fisbe::imageMetricsFromOfficialJson(
      nlohmann::json::parse(fisbe::officialMetricsJson(m).dump()), m.partlyLabelled);
}

nlohmann::json summaryJson(const fisbe::EvaluationSummary& s) {
  nlohmann::json out{{"combined", fisbe::setSummaryJson(s.combined)}};
  if (s.complete) out["complete"] = fisbe::setSummaryJson(*s.complete);
  if (s.partly) out["partly"] = fisbe::setSummaryJson(*s.partly);
  return out;
}

// The official evaluation's output for the FISBe fixture pair
// (../shared/fixtures/zarr/R14A02-20180905_65_A6_expected_metrics.toml),
// converted to JSON with Python's tomllib.
const char* const kFixtureMetrics = R"json(
{"general": {
  "Num GT": 7,
  "Num Pred": 9,
  "TP_05": 3,
  "TP_05_rel": 0.42857142857142855,
  "TP_05_cldice": [0.9902094602584839, 0.9613601565361023, 0.7825462818145752],
  "avg_TP_05_cldice": 0.9113719463348389,
  "gt_skel_coverage": [0.08819875866174698, 0.9552963972091675, 0.0, 0.6475988626480103, 0.0, 0.997774064540863, 0.0],
  "avg_gt_skel_coverage": 0.3841240108013153,
  "avg_f1_cov_score": 0.36567311651176876,
  "FM": 0,
  "FS": 0,
  "GT_dim": 3,
  "TP_05_dim": 0,
  "TP_05_rel_dim": 0.0,
  "gt_covs_dim": [0.0, 0.0, 0.0],
  "avg_gt_cov_dim": 0.0,
  "GT_overlap": 5,
  "TP_05_overlap": 2,
  "TP_05_rel_overlap": 0.4,
  "gt_covs_overlap": [0.08819875866174698, 0.9552963972091675, 0.0, 0.6475988626480103, 0.0],
  "avg_gt_cov_overlap": 0.3382188081741333
}, "confusion_matrix": {
  "avAP": 0.11111111111111109,
  "avAP59": 0.11111111111111109,
  "avAP19": 0.12522045855379188,
  "avFscore": 0.3472222222222222,
  "avFscore59": 0.325,
  "avFscore19": 0.3472222222222222,
  "th_0_1": {"AP_TP": 3, "AP_FP": 6, "AP_FN": 4, "precision": 0.3333333333333333, "recall": 0.42857142857142855, "AP": 0.14285714285714285, "fscore": 0.375, "false_split": 3, "false_merge": 0},
  "th_0_2": {"AP_TP": 3, "AP_FP": 6, "AP_FN": 4, "precision": 0.3333333333333333, "recall": 0.42857142857142855, "AP": 0.14285714285714285, "fscore": 0.375, "false_split": 3, "false_merge": 0},
  "th_0_3": {"AP_TP": 3, "AP_FP": 6, "AP_FN": 4, "precision": 0.3333333333333333, "recall": 0.42857142857142855, "AP": 0.14285714285714285, "fscore": 0.375, "false_split": 3, "false_merge": 0},
  "th_0_4": {"AP_TP": 3, "AP_FP": 6, "AP_FN": 4, "precision": 0.3333333333333333, "recall": 0.42857142857142855, "AP": 0.14285714285714285, "fscore": 0.375, "false_split": 3, "false_merge": 0},
  "th_0_5": {"AP_TP": 3, "AP_FP": 6, "AP_FN": 4, "precision": 0.3333333333333333, "recall": 0.42857142857142855, "AP": 0.14285714285714285, "fscore": 0.375, "false_split": 3, "false_merge": 0},
  "th_0_6": {"AP_TP": 3, "AP_FP": 6, "AP_FN": 4, "precision": 0.3333333333333333, "recall": 0.42857142857142855, "AP": 0.14285714285714285, "fscore": 0.375, "false_split": 3, "false_merge": 0},
  "th_0_7": {"AP_TP": 3, "AP_FP": 6, "AP_FN": 4, "precision": 0.3333333333333333, "recall": 0.42857142857142855, "AP": 0.14285714285714285, "fscore": 0.375, "false_split": 3, "false_merge": 0},
  "th_0_8": {"AP_TP": 2, "AP_FP": 7, "AP_FN": 5, "precision": 0.2222222222222222, "recall": 0.2857142857142857, "AP": 0.06349206349206349, "fscore": 0.25, "false_split": 4, "false_merge": 0},
  "th_0_9": {"AP_TP": 2, "AP_FP": 7, "AP_FN": 5, "precision": 0.2222222222222222, "recall": 0.2857142857142857, "AP": 0.06349206349206349, "fscore": 0.25, "false_split": 4, "false_merge": 0},
  "th_0_55": {"AP_TP": 3, "AP_FP": 6, "AP_FN": 4, "precision": 0.3333333333333333, "recall": 0.42857142857142855, "AP": 0.14285714285714285, "fscore": 0.375, "false_split": 3, "false_merge": 0},
  "th_0_65": {"AP_TP": 3, "AP_FP": 6, "AP_FN": 4, "precision": 0.3333333333333333, "recall": 0.42857142857142855, "AP": 0.14285714285714285, "fscore": 0.375, "false_split": 3, "false_merge": 0},
  "th_0_75": {"AP_TP": 3, "AP_FP": 6, "AP_FN": 4, "precision": 0.3333333333333333, "recall": 0.42857142857142855, "AP": 0.14285714285714285, "fscore": 0.375, "false_split": 3, "false_merge": 0},
  "th_0_85": {"AP_TP": 2, "AP_FP": 7, "AP_FN": 5, "precision": 0.2222222222222222, "recall": 0.2857142857142857, "AP": 0.06349206349206349, "fscore": 0.25, "false_split": 4, "false_merge": 0},
  "th_0_95": {"AP_TP": 2, "AP_FP": 7, "AP_FN": 5, "precision": 0.2222222222222222, "recall": 0.2857142857142857, "AP": 0.06349206349206349, "fscore": 0.25, "false_split": 4, "false_merge": 0}
}}
)json";

}  // namespace

TEST(FisbeMetricsJson, RoundTripGivesTheSameImageMetricsNumbers) {
  const fisbe::ImageMetrics images[] = {overlappingAndDim(), oneMatchOneMiss(), partlyLabelled()};
  // The cases exercise every part of the file.
  ASSERT_FALSE(images[0].overlap.gtIds.empty());
  ASSERT_FALSE(images[0].dim.gtIds.empty());
  ASSERT_GT(images[0].falseSplits, 0);
  ASSERT_GT(images[1].at(0.5).fn, 0);
  ASSERT_GT(images[1].tp05, 0);
  ASSERT_TRUE(images[2].partlyLabelled);
  for (const auto& original : images) {
    const auto restored = roundTrip(original);
    EXPECT_EQ(fisbe::officialMetricsJson(restored), fisbe::officialMetricsJson(original));
    EXPECT_EQ(restored.partlyLabelled, original.partlyLabelled);
    EXPECT_EQ(restored.numGt, original.numGt);
    EXPECT_EQ(restored.gtCoverage, original.gtCoverage);
    EXPECT_EQ(restored.tp05ClDice, original.tp05ClDice);
    EXPECT_EQ(restored.dim.gtIds.size(), original.dim.gtIds.size());
    EXPECT_EQ(restored.overlap.coverage, original.overlap.coverage);
    ASSERT_EQ(restored.thresholds.size(), original.thresholds.size());
    for (std::size_t i = 0; i < original.thresholds.size(); ++i) {
      const auto& a = restored.thresholds[i];
      const auto& b = original.thresholds[i];
      EXPECT_EQ(a.threshold, b.threshold) << b.key;
      EXPECT_EQ(a.key, b.key);
      EXPECT_EQ(a.tp, b.tp) << b.key;
      EXPECT_EQ(a.fp, b.fp) << b.key;
      EXPECT_EQ(a.fn, b.fn) << b.key;
      EXPECT_EQ(a.fscore, b.fscore) << b.key;
      EXPECT_EQ(a.falseSplit, b.falseSplit) << b.key;
    }
  }
}

TEST(FisbeMetricsJson, SummariesOfRestoredImagesEqualThoseOfTheOriginals) {
  const fisbe::ImageMetrics images[] = {overlappingAndDim(), oneMatchOneMiss(), partlyLabelled()};
  std::vector<fisbe::ImageMetrics> restored;
  for (const auto& m : images) restored.push_back(roundTrip(m));
  const fisbe::ImageMetrics* originals[] = {&images[0], &images[1], &images[2]};
  const fisbe::ImageMetrics* fromJson[] = {&restored[0], &restored[1], &restored[2]};
  const auto expected = fisbe::summarize(originals);
  const auto actual = fisbe::summarize(fromJson);
  ASSERT_TRUE(actual.complete.has_value());
  ASSERT_TRUE(actual.partly.has_value());
  EXPECT_EQ(summaryJson(actual), summaryJson(expected));
  EXPECT_EQ(actual.combined.score, expected.combined.score);
  EXPECT_EQ(actual.complete->gtDim, 1);
  // One kind only: the single set is the combined result.
  const auto completeOnly = fisbe::summarize(std::span(fromJson, 2));
  EXPECT_EQ(summaryJson(completeOnly), summaryJson(fisbe::summarize(std::span(originals, 2))));
  EXPECT_FALSE(completeOnly.complete.has_value());
}

TEST(FisbeMetricsJson, ReadsTheOfficialEvaluationsOutput) {
  const auto official = nlohmann::json::parse(kFixtureMetrics);
  const auto m = fisbe::imageMetricsFromOfficialJson(official, false);
  EXPECT_EQ(m.numGt, 7);
  EXPECT_EQ(m.numPred, 9);
  EXPECT_EQ(m.tp05, 3);
  EXPECT_EQ(m.dim.gtIds.size(), 3u);
  EXPECT_EQ(m.overlap.tp05, 2);
  ASSERT_EQ(m.thresholds.size(), 14u);
  EXPECT_EQ(m.thresholds[8].key, "th_0_9");  // the official order, not the keys' sorted order
  EXPECT_EQ(m.thresholds[9].key, "th_0_55");
  EXPECT_EQ(m.thresholds[9].threshold, 0.55);
  EXPECT_EQ(m.at(0.8).tp, 2);
  EXPECT_EQ(m.at(0.8).falseSplit, 4);
  EXPECT_EQ(m.avFscore19, 0.3472222222222222);
  // Written back, it is the official file again (avAP = avAP59, avFscore = avFscore19).
  EXPECT_EQ(fisbe::officialMetricsJson(m), official);

  // The fixture as a complete and as a partly labelled image: counts add up,
  // and S, avF1 and C are the means of the two (equal) sets' values (NumPy:
  // C = np.mean of the float32 set means; S = the official file's own S).
  auto partly = m;
  partly.partlyLabelled = true;
  const fisbe::ImageMetrics* both[] = {&m, &partly};
  const auto summary = fisbe::summarize(both);
  ASSERT_TRUE(summary.complete && summary.partly);
  EXPECT_EQ(summary.complete->numGt, 7);
  EXPECT_EQ(summary.combined.numGt, 14);
  EXPECT_EQ(summary.combined.tp05, 6);
  EXPECT_EQ(summary.combined.thresholds[7].fp, 14);
  EXPECT_DOUBLE_EQ(summary.combined.avFscore, 0.3472222222222222);
  EXPECT_DOUBLE_EQ(summary.combined.averageGtCoverage, 0.3841240108013153);
  EXPECT_DOUBLE_EQ(summary.combined.score, 0.36567311651176876);
}

TEST(FisbeMetricsJson, MalformedFilesNameTheKey) {
  const auto good = fisbe::officialMetricsJson(oneMatchOneMiss());
  const auto expectError = [&](const std::function<void(nlohmann::json&)>& damage,
                               const std::string& expected) {
    auto json = good;
    damage(json);
    try {
      fisbe::imageMetricsFromOfficialJson(json, false);
      ADD_FAILURE() << "accepted a file where " << expected;
    } catch (const std::invalid_argument& error) {
      EXPECT_NE(std::string(error.what()).find(expected), std::string::npos) << error.what();
    }
  };
  expectError([](auto& j) { j = nlohmann::json::array(); }, "'(top level)' is not an object");
  expectError([](auto& j) { j.erase("general"); }, "'general' is missing");
  expectError([](auto& j) { j["general"] = 3; }, "'general' is not an object");
  expectError([](auto& j) { j["general"].erase("Num GT"); }, "'general.Num GT' is missing");
  expectError([](auto& j) { j["general"]["TP_05"] = "1"; }, "'general.TP_05' is not an integer");
  expectError([](auto& j) { j["general"]["FS"] = 1.5; }, "'general.FS' is not an integer");
  expectError([](auto& j) { j["general"]["FM"] = -1; }, "'general.FM' is negative");
  expectError([](auto& j) { j["general"]["avg_f1_cov_score"] = nullptr; },
              "'general.avg_f1_cov_score' is not a number");
  expectError([](auto& j) { j["general"]["gt_skel_coverage"][1] = "x"; },
              "'general.gt_skel_coverage' item 1 is not a number");
  expectError([](auto& j) { j["general"]["gt_skel_coverage"] = 0.5; },
              "'general.gt_skel_coverage' is not a list");
  expectError([](auto& j) { j["general"]["TP_05_cldice"].push_back(0.9); },
              "'general.TP_05_cldice' has 2 values for general.TP_05 = 1");
  expectError([](auto& j) { j["general"].erase("gt_covs_overlap"); },
              "'general.gt_covs_overlap' is missing");
  expectError([](auto& j) { j["general"]["TP_05_dim"] = 5; }, "'general.TP_05_dim' exceeds");
  expectError([](auto& j) { j["confusion_matrix"].erase("th_0_55"); },
              "'confusion_matrix.th_0_55' is missing");
  expectError([](auto& j) { j["confusion_matrix"]["th_0_3"] = 1; },
              "'confusion_matrix.th_0_3' is not an object");
  expectError([](auto& j) { j["confusion_matrix"]["th_0_7"].erase("AP_FN"); },
              "'confusion_matrix.th_0_7.AP_FN' is missing");
  expectError([](auto& j) { j["confusion_matrix"]["th_0_5"]["AP_TP"] = 0; },
              "'confusion_matrix.th_0_5.AP_TP' (0) differs from general.TP_05 (1)");
  expectError([](auto& j) { j["confusion_matrix"]["th_0_2"]["AP_TP"] = 99; },
              "'confusion_matrix.th_0_2.AP_TP' exceeds");
  expectError([](auto& j) { j["general"]["Num GT"] = 18446744073709551615ull; },
              "'general.Num GT' is out of range");
}
