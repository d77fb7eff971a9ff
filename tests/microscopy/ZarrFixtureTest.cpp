// The real FISBe ground truth (zarr v2, blosc/zstd + bitshuffle), against
// numbers read with zarr-python 2.13.6 / numcodecs 0.11 (Debian 12).
#include <gtest/gtest.h>

#include <array>

#include "io/ReaderRegistry.h"
#include "io/microscopy/ZarrReader.h"
#include "tests/support/TestSupport.h"

namespace nl::io::microscopy {
namespace {

const char* const kStore = "zarr/R14A02-20180905_65_A6.zarr";

std::shared_ptr<VolumeDataset> gtInstances() {
  return openZarrArray(nl::test::fixtures() / kStore, "volumes/gt_instances");
}

TEST(ZarrFixture, FisbeGroundTruthMetadata) {
  NL_REQUIRE_FIXTURE(kStore);
  const auto contents = ReaderRegistry::builtin().open(nl::test::fixtures() / kStore);
  ASSERT_EQ(contents.datasets.size(), 1u);
  const auto& gt = dynamic_cast<const VolumeDataset&>(*contents.datasets[0]);
  EXPECT_EQ(gt.name(), "volumes/gt_instances");
  EXPECT_EQ(gt.volumeShape(), (VolumeShape{7, 385, 685, 686}));
  EXPECT_EQ(gt.chunkShape(), (VolumeShape{7, 64, 64, 64}));
  EXPECT_EQ(gt.voxelType(), VoxelType::UInt8);
  EXPECT_EQ(gt.kind(), DatasetKind::LabelVolume);
  EXPECT_EQ(gt.labelEncoding(), LabelEncoding::InstanceChannels);
  EXPECT_EQ(gt.attributes().at("dim_neurons"), "[3,5,7]");
  EXPECT_EQ(gt.attributes().at("label_encoding"), "instance_channels");
  EXPECT_EQ(gt.attributes().at("compressor"), "blosc");
  EXPECT_FALSE(gt.voxelSize().fromFile());
  EXPECT_EQ(gt.shape(), (std::vector<std::size_t>{7, 385, 685, 686}));
}

TEST(ZarrFixture, BoxesVoxelsAndStridedPreviewMatchZarrPython) {
  NL_REQUIRE_FIXTURE(kStore);
  const auto gt = gtInstances();
  // d[c, 150:230, 350:520, 350:600]: crosses chunk borders on every axis.
  const Box box{0, 7, 150, 230, 350, 520, 350, 600};
  const auto values = gt->read<std::uint8_t>(box);
  const std::size_t perChannel = 80 * 170 * 250;
  const std::array<std::int64_t, 7> sums{190, 16, 3324, 1928, 12060, 0, 24724};
  const std::array<std::int64_t, 7> nonzero{190, 8, 1108, 482, 2412, 0, 3532};
  for (std::size_t c = 0; c < 7; ++c) {
    std::int64_t sum = 0, count = 0;
    for (std::size_t i = 0; i < perChannel; ++i) {
      sum += values[c * perChannel + i];
      count += values[c * perChannel + i] != 0;
    }
    EXPECT_EQ(sum, sums[c]) << "channel " << c;
    EXPECT_EQ(count, nonzero[c]) << "channel " << c;
  }
  // Channel c holds the value c + 1 where its neuron is.
  const auto at = [&](std::size_t c, std::size_t z, std::size_t y, std::size_t x) {
    return gt->read<std::uint8_t>(Box{c, c + 1, z, z + 1, y, y + 1, x, x + 1})[0];
  };
  EXPECT_EQ(at(0, 194, 369, 611), 1);
  EXPECT_EQ(at(0, 194, 369, 610), 0);
  EXPECT_EQ(at(5, 107, 297, 384), 6);
  EXPECT_EQ(at(6, 289, 184, 274), 7);
  EXPECT_EQ(at(1, 54, 480, 362), 2);
  // d[:, ::4, ::4, ::4].sum()
  gt->setCacheLimitBytes(std::size_t{64} << 20);
  const auto preview = gt->readFloat(Box::whole(gt->volumeShape()), 4);
  EXPECT_EQ(Box::whole(gt->volumeShape()).outputShape(4), (VolumeShape{7, 97, 172, 172}));
  double total = 0;
  for (float v : preview) total += v;
  EXPECT_EQ(total, 17651);
  EXPECT_LE(gt->cacheStats().cachedBytes, std::size_t{64} << 20);
}

// The whole 1.27 GB volume, decoded once in z slabs of one chunk layer: the
// per-channel voxel counts the FISBe metrics start from.
// Its speed is measured by BM_ZarrGtInstancesWholeRead in bench/microscopy.
TEST(ZarrFixture, WholeVolumeNonzeroCountsAndOverlap) {
  NL_REQUIRE_FIXTURE(kStore);
  const auto gt = gtInstances();
  gt->setCacheLimitBytes(0);  // streaming: nothing is read twice
  std::array<std::int64_t, 7> nonzero{}, sums{};
  std::int64_t overlap = 0;
  forEachZSlab<std::uint8_t>(*gt, [&](const Box& box, std::span<const std::uint8_t> slab) {
    EXPECT_EQ(box.z0 % 64, 0u);
    const std::size_t perChannel = slab.size() / 7;
    for (std::size_t v = 0; v < perChannel; ++v) {
      int present = 0;
      for (std::size_t c = 0; c < 7; ++c) {
        const std::uint8_t value = slab[c * perChannel + v];
        sums[c] += value;
        if (value) ++nonzero[c], ++present;
      }
      overlap += present > 1;
    }
  });
  EXPECT_EQ(nonzero, (std::array<std::int64_t, 7>{72631, 41350, 47861, 70804, 3888, 53601, 29399}));
  EXPECT_EQ(sums,
            (std::array<std::int64_t, 7>{72631, 82700, 143583, 283216, 19440, 321606, 205793}));
  EXPECT_EQ(overlap, 677);
}

}  // namespace
}  // namespace nl::io::microscopy
