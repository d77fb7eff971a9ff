// Every proofreading edit on small volumes with known answers, and undo/redo
// round trips on real FISBe labels.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "analysis/fisbe/edit/LabelEdit.h"
#include "analysis/fisbe/edit/LabelPreview.h"
#include "tests/proofread/RealLabels.h"

namespace {

using namespace nl::analysis::fisbe;
using namespace nl::analysis::fisbe::edit;

// A volume from ids (C order) of the given stored type.
template <typename T>
LabelVolume volumeOf(Shape3 shape, const std::vector<T>& ids, LabelType type) {
  LabelBuffer buffer(ids.data(), type, 1, shape);
  return LabelVolume::fromSource(buffer);
}

std::vector<unsigned char> bytesOf(const LabelVolume& v) {
  const auto* p = static_cast<const unsigned char*>(v.data());
  return {p, p + v.voxelCount() * static_cast<std::int64_t>(labelTypeSize(v.type()))};
}

std::int64_t count(const LabelVolume& v, Label label) {
  std::int64_t n = 0;
  for (std::uint64_t i = 0; i < static_cast<std::uint64_t>(v.voxelCount()); ++i)
    n += v.at(i) == label;
  return n;
}

// Two 3×3×3 cubes (labels 1 and 2) in a 5 × 10 × 10 volume.
std::vector<std::int32_t> twoCubes() {
  std::vector<std::int32_t> ids(5 * 10 * 10, 0);
  for (int z = 1; z < 4; ++z)
    for (int y = 1; y < 4; ++y)
      for (int x = 1; x < 4; ++x) {
        ids[static_cast<std::size_t>((z * 10 + y) * 10 + x)] = 1;
        ids[static_cast<std::size_t>((z * 10 + y + 5) * 10 + x + 5)] = 2;
      }
  return ids;
}

TEST(LabelVolume, KeepsTheStoredTypeAndMeasuresInstances) {
  const auto v = volumeOf<std::int32_t>({5, 10, 10}, twoCubes(), LabelType::Int32);
  EXPECT_EQ(v.type(), LabelType::Int32);
  ASSERT_EQ(v.instances().size(), 2u);
  EXPECT_EQ(v.instances().at(1).voxels, 27);
  EXPECT_EQ(v.instances().at(2).box.y0, 6);
  EXPECT_EQ(v.instances().at(2).box.x1, 9);
  EXPECT_EQ(v.unusedLabel(), 3u);
  EXPECT_EQ(v.typeMaximum(), 2147483647u);
}

TEST(LabelVolume, RefusesNegativeLabels) {
  std::vector<std::int16_t> ids(8, 0);
  ids[3] = -2;
  EXPECT_THROW(volumeOf<std::int16_t>({2, 2, 2}, ids, LabelType::Int16), std::invalid_argument);
}

TEST(LabelVolume, Uint8LabelsRunOutWithAClearError) {
  std::vector<std::uint8_t> ids(8, 0);
  ids[0] = 255;
  const auto v = volumeOf<std::uint8_t>({2, 2, 2}, ids, LabelType::UInt8);
  try {
    (void)v.unusedLabel();
    FAIL() << "no error";
  } catch (const std::overflow_error& error) {
    EXPECT_NE(std::string(error.what()).find("uint8"), std::string::npos) << error.what();
  }
}

TEST(LabelEdit, MergeMovesEveryVoxelAndUndoRestoresTheBytes) {
  auto v = volumeOf<std::int32_t>({5, 10, 10}, twoCubes(), LabelType::Int32);
  const auto before = bytesOf(v);
  const auto diff = applyEdit(v, mergeOperation(1, {2}));
  EXPECT_EQ(diff.voxelCount(), 27);
  EXPECT_EQ(diff.runs.size(), 9u);  // one run per row of the cube
  EXPECT_EQ(count(v, 1), 54);
  EXPECT_EQ(count(v, 2), 0);
  ASSERT_EQ(v.instances().size(), 1u);
  EXPECT_EQ(v.instances().at(1).voxels, 54);
  EXPECT_EQ(diff.touchedLabels(), (std::set<Label>{1, 2}));
  v.revert(diff);
  EXPECT_EQ(bytesOf(v), before);
  EXPECT_EQ(v.instances().at(2).voxels, 27);
  EXPECT_THROW(computeEdit(v, mergeOperation(1, {7})), std::invalid_argument);
}

TEST(LabelEdit, EraseMakesBackground) {
  auto v = volumeOf<std::int32_t>({5, 10, 10}, twoCubes(), LabelType::Int32);
  const auto diff = applyEdit(v, eraseOperation(2));
  EXPECT_EQ(diff.voxelCount(), 27);
  EXPECT_EQ(count(v, 0), 500 - 27);
  EXPECT_FALSE(v.hasInstance(2));
  EXPECT_THROW(computeEdit(v, eraseOperation(2)), std::invalid_argument);
}

TEST(LabelEdit, PaintIsASphereInPhysicalUnits) {
  LabelVolume v({21, 21, 21}, LabelType::UInt16);
  // Integer points with z² + y² + x² ≤ 4: 33 (OEIS A000605 at r² = 4).
  auto diff = applyEdit(v, paintOperation(7, {{10, 10, 10}}, 2.0));
  EXPECT_EQ(diff.voxelCount(), 33);
  EXPECT_EQ(v.instances().at(7).voxels, 33);
  EXPECT_EQ(v.type(), LabelType::UInt16);
  v.revert(diff);
  // z voxels twice as thick: (2z)² + y² + x² ≤ 4 → 13 + 2 × 1 = 15.
  diff = applyEdit(v, paintOperation(7, {{10, 10, 10}}, 2.0, {2, 1, 1}));
  EXPECT_EQ(diff.voxelCount(), 15);
  // A stroke of two overlapping dabs counts shared voxels once.
  v.revert(diff);
  diff = applyEdit(v, paintOperation(7, {{10, 10, 10}, {10, 10, 11}}, 1.0));
  EXPECT_EQ(diff.voxelCount(), 7 + 7 - 2);
  // Clipped at the border.
  v.revert(diff);
  diff = applyEdit(v, paintOperation(7, {{0, 0, 0}}, 1.0));
  EXPECT_EQ(diff.voxelCount(), 4);
}

TEST(LabelEdit, PaintOverBackgroundOnlyKeepsOtherInstances) {
  auto v = volumeOf<std::int32_t>({5, 10, 10}, twoCubes(), LabelType::Int32);
  // A dab at a cube corner (1, 1, 1): 7 voxels of which 4 are in cube 1.
  auto diff = applyEdit(
      v, paintOperation(9, {{1, 1, 1}}, 1.0, {1, 1, 1}, EditOperation::PaintMode::BackgroundOnly));
  EXPECT_EQ(diff.voxelCount(), 3);
  EXPECT_EQ(v.instances().at(1).voxels, 27);
  v.revert(diff);
  diff = applyEdit(v, paintOperation(9, {{1, 1, 1}}, 1.0));
  EXPECT_EQ(diff.voxelCount(), 7);
  EXPECT_EQ(v.instances().at(1).voxels, 23);
  // The erase brush paints 0.
  v.revert(diff);
  diff = applyEdit(v, paintOperation(0, {{2, 2, 2}}, 1.0));
  EXPECT_EQ(diff.voxelCount(), 7);
  EXPECT_EQ(v.instances().at(1).voxels, 20);
  EXPECT_THROW(computeEdit(v, paintOperation(1, {{2, 2, 2}}, 0.0)), std::invalid_argument);
}

TEST(LabelEdit, SplitByAPlane) {
  // A bar of 10 voxels along x.
  std::vector<std::uint8_t> ids(3 * 3 * 12, 0);
  for (int x = 1; x < 11; ++x) ids[static_cast<std::size_t>((1 * 3 + 1) * 12 + x)] = 4;
  auto v = volumeOf<std::uint8_t>({3, 3, 12}, ids, LabelType::UInt8);
  const auto diff = applyEdit(v, splitByPlaneOperation(4, {1, 1, 4}, {0, 0, 1}, 5));
  EXPECT_EQ(diff.voxelCount(), 6);  // x = 5 … 10
  EXPECT_EQ(v.instances().at(4).voxels, 4);
  EXPECT_EQ(v.instances().at(5).voxels, 6);
  EXPECT_EQ(v.at(1, 1, 4), 4u);
  EXPECT_EQ(v.at(1, 1, 5), 5u);
  // A plane beside the bar cuts nothing; a taken label is refused.
  EXPECT_THROW(computeEdit(v, splitByPlaneOperation(4, {1, 1, 0}, {0, 0, 1}, 6)),
               std::invalid_argument);
  EXPECT_THROW(computeEdit(v, splitByPlaneOperation(4, {1, 1, 2}, {0, 0, 1}, 5)),
               std::invalid_argument);
}

TEST(LabelEdit, SplitBySeedsFollowsTheInstanceNotStraightLines) {
  // A U: two vertical arms (x = 1 and x = 7, y 1…8) joined at the bottom row
  // y = 8. Seeds at the top of each arm: geodesically the bottom row splits
  // in the middle (x 1…4 to the left seed, ties to the earlier seed).
  const Shape3 shape{1, 10, 9};
  std::vector<std::uint32_t> ids(90, 0);
  for (int y = 1; y <= 8; ++y) ids[static_cast<std::size_t>(y * 9 + 1)] = 3;
  for (int y = 1; y <= 8; ++y) ids[static_cast<std::size_t>(y * 9 + 7)] = 3;
  for (int x = 1; x <= 7; ++x) ids[static_cast<std::size_t>(8 * 9 + x)] = 3;
  ids[static_cast<std::size_t>(0 * 9 + 4)] = 3;  // a speck no seed reaches
  auto v = volumeOf<std::uint32_t>(shape, ids, LabelType::UInt32);
  const auto diff = applyEdit(v, splitBySeedsOperation(3, {{0, 1, 1}, {0, 1, 7}}, {3, 11}));
  // Right arm: y 1…7 at x = 7 (7 voxels), its corner and the bottom row
  // x 5…7 — the middle voxel x = 4 is 7 steps from both seeds and stays left.
  EXPECT_EQ(v.at(0, 8, 4), 3u);
  EXPECT_EQ(v.at(0, 8, 5), 11u);
  EXPECT_EQ(v.at(0, 5, 7), 11u);
  EXPECT_EQ(v.at(0, 5, 1), 3u);
  EXPECT_EQ(v.at(0, 0, 4), 3u);  // unreached: keeps its label
  EXPECT_EQ(diff.voxelCount(), 7 + 3);
  EXPECT_EQ(v.instances().at(11).voxels, 10);
  // A seed outside the instance is refused with its position.
  try {
    (void)computeEdit(v, splitBySeedsOperation(3, {{0, 1, 1}, {0, 0, 0}}, {3, 12}));
    FAIL() << "no error";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("seed 2"), std::string::npos) << error.what();
  }
}

TEST(LabelEdit, EditLogRoundTripsThroughJson) {
  const std::vector<EditOperation> edits{mergeOperation(3, {2, 10}), eraseOperation(4),
                                         paintOperation(0, {{1, 2, 3}, {1, 2, 4}}, 2.5, {2, 1, 1},
                                                        EditOperation::PaintMode::BackgroundOnly),
                                         splitByPlaneOperation(10, {5, 6, 7}, {0, 1, 0}, 12),
                                         splitBySeedsOperation(3, {{1, 1, 1}, {2, 2, 2}}, {3, 13})};
  EXPECT_EQ(editsFromJson(editsToJson(edits)), edits);
  EXPECT_EQ(edits[0].describe(), "Merge 2, 10 into 3");
  EXPECT_THROW(editsFromJson("[{\"kind\": \"fold\"}]"), std::invalid_argument);
  EXPECT_THROW(editsFromJson("{}"), std::invalid_argument);
}

TEST(LabelEdit, FisbeInstanceChannelsBecomeIdsAndCountTheOverlap) {
  NL_REQUIRE_FIXTURE(nl::test::proofread::kRawCrop);
  const auto gt =
      nl::test::proofread::openVolume(nl::test::proofread::kRawCrop, "volumes/gt_instances");
  const auto crop = nl::test::proofread::readCrop<std::uint8_t>(*gt, 0, 50, 0, 50, 0, 50);
  const auto v = LabelVolume::fromSource(crop.buffer(LabelType::UInt8));
  EXPECT_EQ(v.type(), LabelType::UInt8);
  // MANIFEST: green 3,765, blue 6,193, red 14,246 voxels; 2,315 in two
  // neurons (70 of them in all three: 24,204 memberships on 21,819 voxels).
  EXPECT_EQ(v.overlapVoxels(), 2315);
  std::int64_t total = 0;
  for (const auto& [label, info] : v.instances()) total += info.voxels;
  EXPECT_EQ(total, 3765 + 6193 + 14246 - 2315 - 70);
  EXPECT_EQ(v.instances().at(3).voxels, 14246);  // the last channel keeps shared voxels
}

TEST(LabelEdit, RealLabelsUndoAndRedoRoundTrip) {
  NL_REQUIRE_FIXTURE(nl::test::proofread::kPredFile);
  const auto crop = nl::test::proofread::readR14A02Crop();
  auto v = LabelVolume::fromSource(crop.pred.buffer(LabelType::Int32));
  ASSERT_TRUE(v.hasInstance(1) && v.hasInstance(2) && v.hasInstance(3));
  const auto original = bytesOf(v);
  const Label fresh = v.unusedLabel();
  // A seed pair inside instance 3: its first and last voxel in raster order.
  std::vector<Voxel> ends;
  for (std::int64_t z = 0; z < v.shape().depth && ends.empty(); ++z)
    for (std::int64_t y = 0; y < v.shape().height && ends.empty(); ++y)
      for (std::int64_t x = 0; x < v.shape().width && ends.empty(); ++x)
        if (v.at(z, y, x) == 3)
          ends.push_back({static_cast<std::int32_t>(z), static_cast<std::int32_t>(y),
                          static_cast<std::int32_t>(x)});
  for (std::int64_t z = v.shape().depth - 1; z >= 0 && ends.size() < 2; --z)
    for (std::int64_t y = v.shape().height - 1; y >= 0 && ends.size() < 2; --y)
      for (std::int64_t x = v.shape().width - 1; x >= 0 && ends.size() < 2; --x)
        if (v.at(z, y, x) == 3)
          ends.push_back({static_cast<std::int32_t>(z), static_cast<std::int32_t>(y),
                          static_cast<std::int32_t>(x)});
  const std::vector<EditOperation> edits{
      mergeOperation(3, {2}),
      splitBySeedsOperation(3, ends, {3, fresh}),
      paintOperation(fresh + 1, {{60, 120, 110}, {60, 121, 111}, {61, 122, 112}}, 3.0),
      splitByPlaneOperation(3, {64, 0, 0}, {1, 0, 0}, fresh + 2),
      eraseOperation(fresh + 1),
      eraseOperation(1)};
  std::vector<LabelDiff> diffs;
  std::vector<std::vector<unsigned char>> states;
  for (const auto& op : edits) {
    diffs.push_back(applyEdit(v, op));
    EXPECT_FALSE(diffs.back().empty()) << op.describe();
    states.push_back(bytesOf(v));
  }
  for (std::size_t i = diffs.size(); i-- > 0;) {
    v.revert(diffs[i]);
    EXPECT_EQ(bytesOf(v), i == 0 ? original : states[i - 1]) << "undo " << edits[i].describe();
  }
  for (std::size_t i = 0; i < diffs.size(); ++i) {
    v.apply(diffs[i]);
    EXPECT_EQ(bytesOf(v), states[i]) << "redo " << edits[i].describe();
  }
  // Replaying the log on the source labels gives the same labels.
  auto replay = LabelVolume::fromSource(crop.pred.buffer(LabelType::Int32));
  for (const auto& op : editsFromJson(editsToJson(edits))) applyEdit(replay, op);
  EXPECT_EQ(bytesOf(replay), states.back());
  // Diffs are runs, far smaller than the voxels they change.
  std::int64_t voxels = 0;
  std::size_t bytes = 0;
  for (const auto& d : diffs) voxels += d.voxelCount(), bytes += d.runs.size() * sizeof(DiffRun);
  EXPECT_LT(bytes, static_cast<std::size_t>(voxels) * 8);
}

}  // namespace

namespace {

using namespace nl::analysis::fisbe;
using namespace nl::analysis::fisbe::edit;

TEST(LabelPreview, UpdatedBlocksEqualAFreshPreview) {
  std::vector<std::uint16_t> ids(9 * 10 * 11, 0);
  for (int x = 0; x < 11; ++x) ids[static_cast<std::size_t>((4 * 10 + 5) * 11 + x)] = 2;
  for (int z = 0; z < 9; ++z) ids[static_cast<std::size_t>((z * 10 + 1) * 11 + 1)] = 7;
  LabelBuffer buffer(ids.data(), LabelType::UInt16, 1, {9, 10, 11});
  auto labels = LabelVolume::fromSource(buffer);
  LabelPreview preview(labels, 4);
  EXPECT_EQ(preview.shape(), (Shape3{3, 3, 3}));
  EXPECT_EQ(preview.values()[static_cast<std::size_t>((1 * 3 + 1) * 3 + 0)], 2u);
  EXPECT_EQ(preview.values()[0], 7u);
  for (const auto& op :
       {mergeOperation(7, {2}), eraseOperation(7), paintOperation(9, {{8, 9, 10}}, 1.5)}) {
    const auto diff = applyEdit(labels, op);
    const auto changed = preview.update(labels, diff);
    EXPECT_FALSE(changed.empty()) << op.describe();
    EXPECT_EQ(preview.values(), LabelPreview(labels, 4).values()) << op.describe();
  }
  EXPECT_EQ(previewStepFor({385, 685, 686}, std::int64_t{4} << 20), 4);
}

}  // namespace
