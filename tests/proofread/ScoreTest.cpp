// The incremental score after each edit equals a full fisbe::evaluate of the
// same labels, on real FISBe labels (complete and partly labelled).
#include <gtest/gtest.h>

#include "analysis/fisbe/edit/IncrementalScore.h"
#include "analysis/fisbe/edit/LabelEdit.h"
#include "tests/proofread/RealLabels.h"

namespace {

using namespace nl::analysis::fisbe;
using namespace nl::analysis::fisbe::edit;

void expectSameMetrics(const ImageMetrics& incremental, const ImageMetrics& full,
                       const std::string& step) {
  SCOPED_TRACE(step);
  EXPECT_EQ(incremental.numGt, full.numGt);
  ASSERT_EQ(incremental.numPred, full.numPred);
  EXPECT_EQ(incremental.score, full.score);
  EXPECT_EQ(incremental.avFscore19, full.avFscore19);
  EXPECT_EQ(incremental.avAP59, full.avAP59);
  EXPECT_EQ(incremental.averageGtCoverage, full.averageGtCoverage);
  EXPECT_EQ(incremental.falseSplits, full.falseSplits);
  EXPECT_EQ(incremental.falseMerges, full.falseMerges);
  EXPECT_EQ(incremental.tp05, full.tp05);
  EXPECT_EQ(incremental.dim.averageCoverage, full.dim.averageCoverage);
  EXPECT_EQ(incremental.overlap.averageCoverage, full.overlap.averageCoverage);
  EXPECT_EQ(incremental.clDice.values, full.clDice.values);
  EXPECT_EQ(incremental.clPrecision.values, full.clPrecision.values);
  EXPECT_EQ(incremental.clRecall.values, full.clRecall.values);
  ASSERT_EQ(incremental.thresholds.size(), full.thresholds.size());
  for (std::size_t t = 0; t < full.thresholds.size(); ++t) {
    EXPECT_EQ(incremental.thresholds[t].tp, full.thresholds[t].tp) << full.thresholds[t].key;
    EXPECT_EQ(incremental.thresholds[t].fp, full.thresholds[t].fp) << full.thresholds[t].key;
    EXPECT_EQ(incremental.thresholds[t].fn, full.thresholds[t].fn) << full.thresholds[t].key;
    EXPECT_EQ(incremental.thresholds[t].falseMerge, full.thresholds[t].falseMerge);
  }
  EXPECT_EQ(incremental.gtCoverage, full.gtCoverage);
}

// The first voxel of `label` in raster order from either end.
Voxel endOf(const LabelVolume& v, Label label, bool fromBack) {
  const auto n = static_cast<std::uint64_t>(v.voxelCount());
  for (std::uint64_t k = 0; k < n; ++k) {
    const std::uint64_t i = fromBack ? n - 1 - k : k;
    if (v.at(i) != label) continue;
    const auto s = v.shape();
    return {static_cast<std::int32_t>(i / static_cast<std::uint64_t>(s.height * s.width)),
            static_cast<std::int32_t>(i / static_cast<std::uint64_t>(s.width) %
                                      static_cast<std::uint64_t>(s.height)),
            static_cast<std::int32_t>(i % static_cast<std::uint64_t>(s.width))};
  }
  throw std::runtime_error("no voxel of the label");
}

TEST(IncrementalScore, EqualsTheFullEvaluationAfterEveryEdit) {
  NL_REQUIRE_FIXTURE(nl::test::proofread::kGtStore);
  NL_REQUIRE_FIXTURE(nl::test::proofread::kPredFile);
  const auto crop = nl::test::proofread::readR14A02Crop();
  const auto gtSource = crop.gt.buffer(LabelType::UInt8);
  auto labels = LabelVolume::fromSource(crop.pred.buffer(LabelType::Int32));
  EvaluationOptions options;  // flylight: remove ≤ 800 voxels, complete GT
  options.dimNeurons = {3, 5, 7};
  options.threads = 1;
  IncrementalScore score(loadInstances(gtSource, {{}, gtSource.shape()}), labels, options);

  auto check = [&](const std::string& step) {
    const auto full = evaluate(gtSource, labels.buffer(), options);
    expectSameMetrics(score.metrics(), full, step);
    return full;
  };
  const auto start = check("as predicted");
  ASSERT_EQ(start.numPred, 3);
  ASSERT_GE(start.numGt, 3);
  ASSERT_GT(start.score, 0.0);

  const Label fresh = labels.unusedLabel();
  std::vector<LabelDiff> diffs;
  const std::vector<EditOperation> edits{
      mergeOperation(3, {2}),
      splitBySeedsOperation(3, {endOf(labels, 3, false), endOf(labels, 3, true)}, {3, fresh}),
      splitByPlaneOperation(3, {64, 0, 0}, {1, 0, 0}, fresh + 1),
      paintOperation(fresh + 2, {{60, 120, 110}, {60, 121, 111}, {61, 122, 112}, {62, 123, 113}},
                     6.0),
      eraseOperation(1)};
  double scoreAfterEdits = start.score;
  for (const auto& op : edits) {
    diffs.push_back(applyEdit(labels, op));
    score.update(labels, diffs.back());
    scoreAfterEdits = check(op.describe()).score;
  }
  EXPECT_NE(scoreAfterEdits, start.score);  // the edits change the numbers
  // Undo every edit (checked halfway and at the end): back to the prediction's numbers.
  for (std::size_t i = diffs.size(); i-- > 0;) {
    labels.revert(diffs[i]);
    score.update(labels, reversed(diffs[i]));
    if (i == 2) check("undo " + edits[i].describe());
  }
  expectSameMetrics(score.metrics(), start, "every edit undone");
}

TEST(IncrementalScore, PartlyLabelledRawCropProofreadFromItsGroundTruth) {
  // The real FISBe crop: its three neurons flattened to ids are the labels
  // a user proofreads (the shared voxels go to one neuron), scored against
  // the one-channel-per-neuron ground truth with partly-labelled rules.
  NL_REQUIRE_FIXTURE(nl::test::proofread::kRawCrop);
  const auto volume =
      nl::test::proofread::openVolume(nl::test::proofread::kRawCrop, "volumes/gt_instances");
  const auto gt = nl::test::proofread::readCrop<std::uint8_t>(*volume, 0, 50, 0, 50, 0, 50);
  const auto gtSource = gt.buffer(LabelType::UInt8);
  auto labels = LabelVolume::fromSource(gtSource);
  EvaluationOptions options;
  options.partlyLabelled = true;
  options.threads = 1;
  IncrementalScore score(loadInstances(gtSource, {{}, gtSource.shape()}), labels, options);
  auto check = [&](const std::string& step) {
    const auto full = evaluate(gtSource, labels.buffer(), options);
    expectSameMetrics(score.metrics(), full, step);
    return full;
  };
  const auto start = check("flattened ground truth");
  EXPECT_TRUE(start.gtOverlaps);
  const std::vector<EditOperation> edits{
      mergeOperation(1, {2}), paintOperation(7, {{25, 25, 25}}, 9.0),  // a large false positive
      splitByPlaneOperation(3, {25, 0, 0}, {1, 0, 0}, 8), eraseOperation(7)};
  for (const auto& op : edits) {
    const auto diff = applyEdit(labels, op);
    score.update(labels, diff);
    check(op.describe());
  }
}

}  // namespace
