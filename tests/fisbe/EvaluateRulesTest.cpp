// Each rule of the official evaluation on volumes small enough to derive the
// expected numbers by hand. Objects are one-voxel-wide lines, which are their
// own skeletons, so clPrecision/clRecall are plain voxel fractions.
#include <gtest/gtest.h>

#include "analysis/fisbe/Evaluate.h"
#include "analysis/fisbe/MetricsJson.h"
#include "tests/fisbe/Volumes.h"

namespace fisbe = nl::analysis::fisbe;
using nl::test::fisbe::Labels;

namespace {

fisbe::EvaluationOptions keepSmall() {
  fisbe::EvaluationOptions o;
  o.removeSmallPredictions = 0;  // the lines here are far below 800 voxels
  o.threads = 2;
  return o;
}

fisbe::ImageMetrics run(const Labels& gt, const Labels& pred,
                        const fisbe::EvaluationOptions& options = keepSmall()) {
  return fisbe::evaluate(gt.buffer(), pred.buffer(), options);
}

}  // namespace

TEST(FisbeRules, ThresholdIsStrictlyGreater) {
  // GT x 0..9, prediction x 5..14 on the same row: P = R = 0.5, clDice = 0.5.
  Labels gt(1, {3, 4, 16}), pred(1, {3, 4, 16});
  gt.row(0, 1, 0, 10, 1);
  pred.row(0, 1, 5, 15, 1);
  const auto m = run(gt, pred);
  EXPECT_FLOAT_EQ(m.clPrecision.at(1, 1), 0.5f);
  EXPECT_FLOAT_EQ(m.clRecall.at(1, 1), 0.5f);
  EXPECT_FLOAT_EQ(m.clDice.at(1, 1), 0.5f);
  EXPECT_FLOAT_EQ(m.clPrecision.at(0, 1), 0.5f);  // half of the prediction on background
  EXPECT_FLOAT_EQ(m.clRecall.at(1, 0), 0.5f);     // half of the GT missed
  EXPECT_EQ(m.at(0.4).tp, 1);
  EXPECT_EQ(m.at(0.5).tp, 0);  // 0.5 is not > 0.5
  EXPECT_EQ(m.at(0.5).fp, 1);
  EXPECT_EQ(m.at(0.5).fn, 1);
  // F1 is 1 for 0.1–0.4 and 0 for 0.5–0.9: avF1 = 4/9.
  EXPECT_NEAR(m.avFscore19, 4.0 / 9.0, 1e-12);
  // clPrecision ties between background (0.5) and the GT (0.5): np.argmax
  // takes background, so the prediction covers nothing and is no split.
  EXPECT_EQ(m.predInstances[0].assignedGt, 0);
  EXPECT_DOUBLE_EQ(m.averageGtCoverage, 0.0);
  EXPECT_EQ(m.at(0.5).falseSplit, 0);
  EXPECT_EQ(m.at(0.5).unmatchedOnBackground, std::vector<int>{1});
  EXPECT_NEAR(m.score, 0.5 * 4.0 / 9.0, 1e-12);
}

TEST(FisbeRules, GreedyTiesGoToTheLowerPredictionAndTheRestIsASplit) {
  // One GT line cut in two halves: both halves have clDice 2/3 with it.
  Labels gt(1, {3, 4, 12}), pred(1, {3, 4, 12});
  gt.row(0, 1, 0, 10, 1);
  pred.row(0, 1, 0, 5, 1).row(0, 1, 5, 10, 2);
  const auto m = run(gt, pred);
  EXPECT_FLOAT_EQ(m.clDice.at(1, 1), m.clDice.at(1, 2));
  const auto& t = m.at(0.5);
  ASSERT_EQ(t.matches.size(), 1u);
  EXPECT_EQ(t.matches[0].pred, 1);
  EXPECT_EQ(t.tp, 1);
  EXPECT_EQ(t.fp, 1);
  EXPECT_EQ(t.fn, 0);
  EXPECT_EQ(t.falseSplit, 1);  // the unmatched half lies on the GT
  EXPECT_EQ(t.unmatchedOnGt, std::vector<int>{2});
  EXPECT_NEAR(t.precision, 0.5, 1e-12);
  EXPECT_NEAR(t.recall, 1.0, 1e-12);
  EXPECT_NEAR(t.fscore, 2.0 / 3.0, 1e-12);
  // Coverage: both halves are assigned to the GT, 0.5 + 0.5.
  EXPECT_NEAR(m.gtCoverage[0], 1.0, 1e-7);
  // Many-to-many: the GT takes both halves → one false split, no merge.
  EXPECT_EQ(m.falseSplits, 1);
  EXPECT_EQ(m.falseMerges, 0);
  EXPECT_EQ(m.falseSplitMatches.at(1), (std::vector<int>{1, 2}));
}

TEST(FisbeRules, GreedyTiesGoToTheLowerGtAndOnePredictionOverTwoGtsIsAMerge) {
  Labels gt(1, {3, 8, 12}), pred(1, {3, 8, 12});
  gt.row(0, 1, 0, 10, 1).row(0, 5, 0, 10, 2);
  pred.row(0, 1, 0, 10, 1).row(0, 5, 0, 10, 1);  // one prediction over both
  const auto m = run(gt, pred);
  EXPECT_FLOAT_EQ(m.clPrecision.at(1, 1), 0.5f);
  EXPECT_FLOAT_EQ(m.clRecall.at(2, 1), 1.0f);
  EXPECT_NEAR(m.clDice.at(1, 1), 2.0 / 3.0, 1e-7);
  const auto& t = m.at(0.5);
  ASSERT_EQ(t.matches.size(), 1u);
  EXPECT_EQ(t.matches[0].gt, 1);
  EXPECT_EQ(t.fn, 1);
  EXPECT_EQ(t.fp, 0);
  EXPECT_EQ(t.falseMerge, 1);
  EXPECT_EQ(m.at(0.9).falseMerge, 1);  // clRecall 1 > 0.9 for both
  EXPECT_EQ(m.falseMerges, 1);
  EXPECT_EQ(m.falseSplits, 0);
  // Coverage: precision ties between the two GTs go to the first.
  EXPECT_NEAR(m.gtCoverage[0], 1.0, 1e-7);
  EXPECT_NEAR(m.gtCoverage[1], 0.0, 1e-7);
  EXPECT_EQ(m.predInstances[0].mergedGts, (std::vector<int>{1, 2}));
}

TEST(FisbeRules, GreedyTakesTheHighestClDiceFirst) {
  // P1 covers all of G1 and half of G2 (clDice with G1 = 0.8); P2 is G2's
  // other half (clDice 2/3). Greedy gives G1–P1 and G2–P2.
  Labels gt(1, {3, 8, 12}), pred(1, {3, 8, 12});
  gt.row(0, 1, 0, 10, 1).row(0, 5, 0, 10, 2);
  pred.row(0, 1, 0, 10, 1).row(0, 5, 0, 5, 1).row(0, 5, 5, 10, 2);
  const auto m = run(gt, pred);
  EXPECT_NEAR(m.clDice.at(1, 1), 0.8, 1e-6);
  const auto& t = m.at(0.5);
  ASSERT_EQ(t.matches.size(), 2u);
  EXPECT_EQ(t.matches[0].gt, 1);
  EXPECT_EQ(t.matches[0].pred, 1);
  EXPECT_EQ(t.matches[1].gt, 2);
  EXPECT_EQ(t.matches[1].pred, 2);
  EXPECT_EQ(m.tp05ClDice.size(), 2u);
  EXPECT_NEAR(m.tp05ClDice[0], 0.8, 1e-6);
}

TEST(FisbeRules, PartlyLabelledCountsOnlyPredictionsOnLabelledNeuronsAsFalsePositives) {
  // G1 x 0..19; P1 = x 0..14 (matched); P3 = x 15..22, 5 of 8 voxels on G1;
  // P2 a line on unlabelled background.
  Labels gt(1, {3, 8, 24}), pred(1, {3, 8, 24});
  gt.row(0, 1, 0, 20, 1);
  pred.row(0, 1, 0, 15, 1).row(0, 5, 0, 10, 2).row(0, 1, 15, 23, 3);
  auto options = keepSmall();
  const auto complete = run(gt, pred, options);
  options.partlyLabelled = true;
  const auto partly = run(gt, pred, options);
  for (double th : fisbe::evaluationThresholds()) {
    if (th >= 0.85) continue;  // clDice(G1, P1) = 6/7
    EXPECT_EQ(complete.at(th).tp, 1) << th;
    EXPECT_EQ(complete.at(th).fp, 2) << th;
    EXPECT_EQ(partly.at(th).tp, 1) << th;
    EXPECT_EQ(partly.at(th).fp, 1) << th;  // P3 only: P2 lies on background
    EXPECT_EQ(partly.at(th).falsePositives, std::vector<int>{3}) << th;
    EXPECT_EQ(partly.at(th).unmatchedOnBackground, std::vector<int>{2}) << th;
    EXPECT_EQ(partly.at(th).fn, 0) << th;
  }
  EXPECT_NEAR(partly.at(0.5).precision, 0.5, 1e-12);
  EXPECT_NEAR(complete.at(0.5).precision, 1.0 / 3.0, 1e-12);
  // G1 coverage: P1 (0.75) + P3 (0.25).
  EXPECT_NEAR(complete.gtCoverage[0], 1.0, 1e-7);
  EXPECT_TRUE(partly.partlyLabelled);
}

TEST(FisbeRules, CoverageUsesTheUnionWhenGtAndPredictionsBothOverlap) {
  // GT: a row and a column crossing at (2, 4), one channel each.
  // Prediction: two overlapping pieces of the row, one channel each.
  Labels gt(2, {3, 12, 12}), pred(2, {3, 12, 12});
  gt.row(0, 2, 0, 10, 1).column(1, 4, 0, 10, 1);
  pred.row(0, 2, 0, 6, 1).row(1, 2, 4, 10, 1);
  const auto m = run(gt, pred);
  EXPECT_TRUE(m.gtOverlaps);
  EXPECT_TRUE(m.predOverlaps);
  EXPECT_FLOAT_EQ(m.clRecall.at(1, 1), 0.6f);
  EXPECT_FLOAT_EQ(m.clRecall.at(1, 2), 0.6f);
  // Summing clRecall would give 1.2; the union covers the row once.
  EXPECT_DOUBLE_EQ(m.gtCoverage[0], 1.0);
  EXPECT_DOUBLE_EQ(m.gtCoverage[1], 0.0);
  EXPECT_DOUBLE_EQ(m.averageGtCoverage, 0.5);
  EXPECT_EQ(m.overlap.gtIds, (std::vector<int>{1, 2}));
  EXPECT_EQ(m.overlap.coverage, (std::vector<double>{1.0, 0.0}));
  // Consuming many-to-many matching: after P1 (0.6) the row keeps 4 free
  // skeleton voxels of which P2 covers 4 → 0.4 > 0.05: a false split.
  EXPECT_EQ(m.falseSplits, 1);
  EXPECT_EQ(m.falseMerges, 0);
}

TEST(FisbeRules, CoverageSumsClRecallWithoutPredictionOverlap) {
  // The same GT, but the prediction in one channel: the two pieces cannot
  // overlap, so coverage is the sum of clRecall.
  Labels gt(2, {3, 12, 12}), pred(1, {3, 12, 12});
  gt.row(0, 2, 0, 10, 1).column(1, 4, 0, 10, 1);
  pred.row(0, 2, 0, 6, 1).row(0, 2, 6, 10, 2);
  const auto m = run(gt, pred);
  EXPECT_FALSE(m.predOverlaps);
  EXPECT_NEAR(m.gtCoverage[0], 0.6f + 0.4f, 1e-7);
}

TEST(FisbeRules, DimNeuronsAndTheOverlapSubset) {
  // Three GT channels (the middle one empty and dropped), binary masks:
  // dim ids count the remaining channels, as the official relabelling does.
  Labels gt(3, {3, 12, 12}), pred(1, {3, 12, 12});
  gt.row(0, 2, 0, 10, 1).row(2, 6, 0, 10, 1);
  pred.row(0, 6, 0, 10, 4);
  auto options = keepSmall();
  options.dimNeurons = {2, 9};
  const auto m = run(gt, pred, options);
  EXPECT_EQ(m.numGt, 2);
  EXPECT_EQ(m.dim.gtIds, std::vector<int>{2});
  EXPECT_EQ(m.dim.tp05, 1);
  EXPECT_DOUBLE_EQ(m.dim.tp05Relative, 1.0);
  EXPECT_NEAR(m.dim.averageCoverage, 1.0, 1e-7);
  ASSERT_EQ(m.warnings.size(), 1u);  // id 9 is no instance
  EXPECT_TRUE(m.overlap.gtIds.empty());
  EXPECT_EQ(m.gtInstances[1].channel, 2);
  EXPECT_TRUE(m.gtInstances[1].dim);
}

TEST(FisbeRules, SmallPredictionsAreRemovedBeforeScoring) {
  // 801 voxels stay, 800 go (≤ 800 is removed).
  Labels gt(1, {10, 30, 30}), pred(1, {10, 30, 30});
  for (int z = 0; z < 9; ++z)
    for (int y = 0; y < 9; ++y)
      for (int x = 0; x < 9; ++x) gt.at(0, z, y, x) = 1;
  int placed = 0;
  for (int z = 0; z < 10 && placed < 801; ++z)
    for (int y = 0; y < 30 && placed < 801; ++y)
      for (int x = 0; x < 30 && placed < 801; ++x, ++placed) pred.at(0, z, y, x) = 3;
  const auto kept = fisbe::evaluate(gt.buffer(), pred.buffer(), {});
  EXPECT_EQ(kept.numPred, 1);
  pred.at(0, 0, 0, 0) = 0;
  const auto removed = fisbe::evaluate(gt.buffer(), pred.buffer(), {});
  EXPECT_EQ(removed.numPred, 0);
  EXPECT_EQ(removed.at(0.1).fn, 1);
  EXPECT_EQ(removed.at(0.1).tp, 0);
  EXPECT_DOUBLE_EQ(removed.averageGtCoverage, 0.0);
  EXPECT_DOUBLE_EQ(removed.avFscore19, 0.0);
}

TEST(FisbeRules, EmptyInputsGiveZerosNotErrors) {
  Labels gt(1, {3, 5, 5}), pred(1, {3, 5, 5});
  const auto m = run(gt, pred);
  EXPECT_EQ(m.numGt, 0);
  EXPECT_EQ(m.numPred, 0);
  EXPECT_EQ(m.at(0.5).tp, 0);
  EXPECT_DOUBLE_EQ(m.score, 0.0);
  const auto json = fisbe::officialMetricsJson(m);
  EXPECT_EQ(json.at("general").at("Num GT"), 0);
}

TEST(FisbeRules, ShapesAreCentreCropped) {
  // The prediction is 2 voxels wider in x: it is cropped by 1 on each side.
  Labels gt(1, {3, 4, 10}), pred(1, {3, 4, 12});
  gt.row(0, 1, 0, 10, 1);
  pred.row(0, 1, 1, 11, 1);
  const auto m = run(gt, pred);
  EXPECT_FLOAT_EQ(m.clDice.at(1, 1), 1.0f);
  EXPECT_EQ(m.evaluatedShape, (fisbe::Shape3{3, 4, 10}));
  Labels wider(1, {3, 2, 12}), taller(1, {3, 6, 10});
  EXPECT_THROW(fisbe::evaluate(wider.buffer(), taller.buffer(), keepSmall()),
               std::invalid_argument);
}

TEST(FisbeRules, ReadingErrorsOfEitherInputSurfaceWhetherReadTogetherOrInTurn) {
  // The ground truth and the prediction are read on two threads unless
  // threads = 1; a bad label in either must come back as the same error.
  Labels good(1, {3, 4, 16}), bad(1, {3, 4, 16});
  good.row(0, 1, 0, 10, 1);
  bad.row(0, 1, 0, 10, 1).at(0, 2, 2, 3) = -5;
  for (unsigned threads : {1u, 2u}) {
    auto options = keepSmall();
    options.threads = threads;
    for (bool badPrediction : {true, false}) {
      try {
        badPrediction ? run(good, bad, options) : run(bad, good, options);
        ADD_FAILURE() << "negative label accepted (threads " << threads << ")";
      } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("negative label (-5)"), std::string::npos) << e.what();
      }
    }
    // …and good inputs give the same numbers either way.
    EXPECT_EQ(run(good, good, options).at(0.5).tp, 1);
  }
}
