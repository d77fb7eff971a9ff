// Reading label volumes into instances: ids, the pooled small-label filter,
// empty channels, overlap, streaming by plane blocks, and bad input.
#include <gtest/gtest.h>

#include <stdexcept>

#include "analysis/fisbe/Instances.h"
#include "tests/fisbe/Volumes.h"

namespace fisbe = nl::analysis::fisbe;
using nl::test::fisbe::Labels;

namespace {

// Hands out one plane at a time, as a chunked reader would.
class PlaneByPlane final : public fisbe::LabelSource {
 public:
  explicit PlaneByPlane(const Labels& labels) : labels_(labels) {}
  std::int64_t channels() const override { return labels_.channels; }
  fisbe::Shape3 shape() const override { return labels_.shape; }
  void readPlanes(std::int64_t channel, std::int64_t zBegin, std::int64_t zEnd,
                  const std::function<void(const fisbe::PlaneBlock&)>& consume) const override {
    const std::int64_t plane = labels_.shape.height * labels_.shape.width;
    for (std::int64_t z = zBegin; z < zEnd; ++z) {
      std::vector<std::int32_t> copy(
          labels_.values.begin() + (channel * labels_.shape.depth + z) * plane,
          labels_.values.begin() + (channel * labels_.shape.depth + z + 1) * plane);
      consume({copy.data(), fisbe::LabelType::Int32, z, 1});
    }
  }

 private:
  const Labels& labels_;
};

}  // namespace

TEST(FisbeInstances, IdsFollowChannelsThenSortedLabels) {
  Labels l(2, {3, 6, 8});
  l.row(0, 1, 0, 4, 9).row(0, 2, 0, 4, 3).row(1, 4, 0, 8, 5);
  const auto set = fisbe::loadInstances(l.buffer(), {{}, l.shape});
  ASSERT_EQ(set.size(), 3);
  EXPECT_EQ(set.instances[0].label, 3);
  EXPECT_EQ(set.instances[1].label, 9);
  EXPECT_EQ(set.instances[2].label, 5);
  EXPECT_EQ(set.instances[2].channel, 1);
  EXPECT_EQ(set.instances[2].id, 3);
  EXPECT_EQ(set.instances[0].mask.voxelCount(), 4);
  EXPECT_EQ(set.instances[2].mask.box().x1, 8);
  EXPECT_FALSE(set.overlapping);
  EXPECT_TRUE(set.instances[1].mask.contains(1, 1, 3));
  EXPECT_FALSE(set.instances[1].mask.contains(1, 1, 4));
}

TEST(FisbeInstances, SmallLabelsArePooledOverChannelsAndEmptyChannelsDropped) {
  // Label 7: 6 voxels in channel 0 and 6 in channel 1 → 12 pooled, kept
  // with a limit of 10. Label 2: 8 voxels, removed, leaving channel 2 empty.
  Labels l(3, {3, 4, 10});
  l.row(0, 1, 0, 6, 7).row(1, 1, 0, 6, 7).row(2, 2, 0, 8, 2);
  const auto set = fisbe::loadInstances(l.buffer(), {{}, l.shape}, {10});
  EXPECT_EQ(set.size(), 2);
  EXPECT_EQ(set.keptChannels, 2);
  EXPECT_EQ(set.removedLabels, std::vector<std::int64_t>{2});
  EXPECT_TRUE(set.overlapping);  // the two label-7 rows share their voxels
  const auto all = fisbe::loadInstances(l.buffer(), {{}, l.shape}, {0});
  EXPECT_EQ(all.size(), 3);
}

TEST(FisbeInstances, PlaneBlocksGiveTheSameInstances) {
  Labels l(2, {5, 6, 7});
  l.row(0, 1, 0, 7, 1).column(1, 3, 0, 6, 4);
  l.at(0, 3, 2, 2) = 1;
  const PlaneByPlane streamed(l);
  const auto a = fisbe::loadInstances(l.buffer(), {{}, l.shape});
  const auto b = fisbe::loadInstances(streamed, {{}, l.shape});
  ASSERT_EQ(a.size(), b.size());
  for (int i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a.instances[static_cast<std::size_t>(i)].mask.voxelCount(),
              b.instances[static_cast<std::size_t>(i)].mask.voxelCount());
    EXPECT_EQ(a.instances[static_cast<std::size_t>(i)].mask.box().z1,
              b.instances[static_cast<std::size_t>(i)].mask.box().z1);
  }
  EXPECT_TRUE(a.overlapping);
  EXPECT_TRUE(b.overlapping);
}

TEST(FisbeInstances, EveryIntegerTypeReads) {
  const std::uint16_t u16[] = {0, 300, 300, 0, 0, 7, 0, 0, 0};
  const auto a = fisbe::loadInstances(
      fisbe::LabelBuffer(u16, fisbe::LabelType::UInt16, 1, {1, 3, 3}), {{}, {1, 3, 3}});
  ASSERT_EQ(a.size(), 2);
  EXPECT_EQ(a.instances[0].label, 7);
  EXPECT_EQ(a.instances[1].label, 300);
  const std::uint64_t u64[] = {1, 1, 0, 0};
  EXPECT_EQ(fisbe::loadInstances(fisbe::LabelBuffer(u64, fisbe::LabelType::UInt64, 1, {1, 2, 2}),
                                 {{}, {1, 2, 2}})
                .size(),
            1);
  const bool mask[] = {true, false, true, true};
  const auto b = fisbe::loadInstances(
      fisbe::LabelBuffer(mask, fisbe::LabelType::Bool, 1, {1, 2, 2}), {{}, {1, 2, 2}});
  ASSERT_EQ(b.size(), 1);
  EXPECT_EQ(b.instances[0].mask.voxelCount(), 3);
}

TEST(FisbeInstances, BadInputIsRefusedClearly) {
  const std::int16_t negative[] = {0, -2, 0, 0};
  try {
    fisbe::loadInstances(fisbe::LabelBuffer(negative, fisbe::LabelType::Int16, 1, {1, 2, 2}),
                         {{}, {1, 2, 2}});
    FAIL() << "negative label accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("negative label (-2)"), std::string::npos) << e.what();
  }
  const std::uint8_t one[] = {1};
  EXPECT_THROW(fisbe::LabelBuffer(one, fisbe::LabelType::UInt8, 0, {1, 1, 1}),
               std::invalid_argument);
  EXPECT_THROW(fisbe::LabelBuffer(nullptr, fisbe::LabelType::UInt8, 1, {1, 1, 1}),
               std::invalid_argument);
  EXPECT_THROW(fisbe::loadInstances(fisbe::LabelBuffer(one, fisbe::LabelType::UInt8, 1, {1, 1, 1}),
                                    {{0, 0, 1}, {1, 1, 1}}),
               std::invalid_argument);
  EXPECT_THROW(fisbe::centreCropWindows({2, 4, 4}, {3, 3, 4}), std::invalid_argument);
  const auto [g, p] = fisbe::centreCropWindows({4, 10, 10}, {4, 13, 12});
  EXPECT_EQ(p.offset, (fisbe::Shape3{0, 1, 1}));
  EXPECT_EQ(p.shape, (fisbe::Shape3{4, 10, 10}));
  EXPECT_EQ(g.offset, (fisbe::Shape3{0, 0, 0}));
}
