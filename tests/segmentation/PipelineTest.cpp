// The segmentation on planted neurons (crossing, touching, same colour far
// apart, a gap), block stitching, the filters it is built on, the GMM by BIC,
// and bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "analysis/Progress.h"
#include "analysis/segmentation/Filters.h"
#include "analysis/segmentation/Gmm.h"
#include "analysis/segmentation/Segment.h"
#include "io/Error.h"
#include "io/ReaderRegistry.h"
#include "io/microscopy/LabelVolumeWriter.h"
#include "tests/segmentation/Planted.h"
#include "tests/support/TestSupport.h"

namespace seg = nl::analysis::segmentation;
using nl::test::Tube;

namespace {

const Tube kRed{{{10, 6, 6}, {30, 58, 58}}, {260, 0, 0}};
const Tube kGreen{{{30, 6, 58}, {10, 58, 6}}, {0, 160, 0}};

seg::SegmentOptions small() {
  seg::SegmentOptions o;
  o.removeSmall = 100;  // planted tubes are shorter than FISBe neurons
  return o;
}

TEST(SegmentationFilters, DistanceTransformMatchesBruteForce) {
  const seg::Extent e{7, 9, 11};
  std::vector<std::uint8_t> mask(e.voxels());
  std::mt19937 rng(3);
  for (auto& m : mask) m = rng() % 5 != 0;
  const auto d = seg::distanceTransform(mask, e);
  for (std::int64_t k = 0; k < e.z; ++k)
    for (std::int64_t j = 0; j < e.y; ++j)
      for (std::int64_t i = 0; i < e.x; ++i) {
        double best = 1e9;
        for (std::int64_t kk = 0; kk < e.z; ++kk)
          for (std::int64_t jj = 0; jj < e.y; ++jj)
            for (std::int64_t ii = 0; ii < e.x; ++ii)
              if (!mask[e.index(kk, jj, ii)])
                best = std::min(best, std::sqrt(double((k - kk) * (k - kk) + (j - jj) * (j - jj) +
                                                       (i - ii) * (i - ii))));
        if (!mask[e.index(k, j, i)]) best = 0;
        ASSERT_NEAR(d[e.index(k, j, i)], best, 1e-5) << k << "," << j << "," << i;
      }
}

TEST(SegmentationFilters, BlurOfABlockWithHaloEqualsBlurOfTheVolume) {
  const seg::Extent e{20, 24, 28};
  std::vector<float> v(e.voxels());
  std::mt19937 rng(5);
  for (auto& x : v) x = float(rng() % 1000);
  auto whole = v;
  seg::gaussianBlur(whole, e, {1.5, 1.0, 2.0});
  const int halo = seg::gaussianRadius(2.0);
  const std::int64_t z0 = 8, y0 = 10, x0 = 12;  // core 4×4×4 at (8..12, 10..14, 12..16)
  const seg::Extent b{4 + 2 * halo, 4 + 2 * halo, 4 + 2 * halo};
  std::vector<float> block(b.voxels());
  for (std::int64_t k = 0; k < b.z; ++k)
    for (std::int64_t j = 0; j < b.y; ++j)
      for (std::int64_t i = 0; i < b.x; ++i)
        block[b.index(k, j, i)] = v[e.index(z0 - halo + k, y0 - halo + j, x0 - halo + i)];
  seg::gaussianBlur(block, b, {1.5, 1.0, 2.0});
  for (std::int64_t k = 0; k < 4; ++k)
    for (std::int64_t j = 0; j < 4; ++j)
      for (std::int64_t i = 0; i < 4; ++i)
        EXPECT_EQ(block[b.index(halo + k, halo + j, halo + i)],
                  whole[e.index(z0 + k, y0 + j, x0 + i)]);
}

TEST(SegmentationFilters, WatershedSplitsTwoBasinsAtTheRidge) {
  const seg::Extent e{1, 1, 9};
  const std::vector<float> elevation{0, 1, 2, 3, 4, 3, 2, 1, 0};
  std::vector<std::uint32_t> markers(9, 0);
  markers[0] = 1;
  markers[8] = 2;
  const auto labels = seg::watershed(elevation, markers, std::vector<std::uint8_t>(9, 1), e);
  EXPECT_EQ(labels[3], 1u);
  EXPECT_EQ(labels[5], 2u);
  EXPECT_NE(labels[4], 0u);
}

TEST(SegmentationFilters, VesselnessPrefersTubesToBlobsAndPlanes) {
  const seg::Extent e{21, 21, 21};
  auto make = [&](int kind) {
    std::vector<float> v(e.voxels());
    for (std::int64_t k = 0; k < e.z; ++k)
      for (std::int64_t j = 0; j < e.y; ++j)
        for (std::int64_t i = 0; i < e.x; ++i) {
          const double dz = k - 10, dy = j - 10, dx = i - 10;
          const double r2 = kind == 0   ? dy * dy + dx * dx
                            : kind == 1 ? dz * dz + dy * dy + dx * dx
                                        : dz * dz;
          v[e.index(k, j, i)] = float(10 * std::exp(-r2 / 8));
        }
    return seg::frangiVesselness(seg::hessianEigen(v, e, 10, 10, 10, 4), 0.5f, 0.5f, 2.0f);
  };
  const float tube = make(0), blob = make(1), plane = make(2);
  EXPECT_GT(tube, 0.5f);
  EXPECT_LT(blob, 0.25f * tube);
  EXPECT_LT(plane, 0.25f * tube);
}

TEST(SegmentationGmm, BicFindsTwoGroupsOfRows) {
  seg::SparseRows rows;
  rows.dimensions = 40;
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> affinity(0.3f, 0.9f);
  for (int r = 0; r < 40; ++r) {
    const int group = r < 20 ? 0 : 20;
    for (int c = group; c < group + 20; ++c) {
      rows.columns.push_back(c);
      rows.values.push_back(c == r ? 1.0f : affinity(rng));
    }
    rows.offsets.push_back(std::int64_t(rows.columns.size()));
  }
  const auto fit = seg::fitGmmByBic(rows, 1, 5, 42);
  EXPECT_EQ(fit.components, 2);
  for (int r = 1; r < 20; ++r) EXPECT_EQ(fit.assignment[r], fit.assignment[0]);
  for (int r = 21; r < 40; ++r) EXPECT_EQ(fit.assignment[r], fit.assignment[20]);
  EXPECT_NE(fit.assignment[0], fit.assignment[20]);
  const auto again = seg::fitGmmByBic(rows, 1, 5, 42);
  EXPECT_EQ(again.assignment, fit.assignment);  // seeded
}

TEST(SegmentationPlanted, CrossingNeuronsOfTwoColoursStayTwo) {
  const auto p = nl::test::plant(40, 64, 64, {kRed, kGreen});
  const auto r = seg::segmentNeurons(*p.volume, small());
  const auto [red, redCover] = nl::test::dominantLabel(r.labels, p.masks[0]);
  const auto [green, greenCover] = nl::test::dominantLabel(r.labels, p.masks[1]);
  EXPECT_NE(red, 0u);
  EXPECT_NE(green, 0u);
  EXPECT_NE(red, green);
  EXPECT_GT(redCover, 0.8);
  EXPECT_GT(greenCover, 0.8);
  EXPECT_EQ(r.instances, 2);
}

// MCFO neurons overlap: where a red and a green neuron cross, the voxels
// are yellow. Both instances continue through the crossing (each covers its
// tube on both sides), and the crossing voxels belong to both.
TEST(SegmentationPlanted, CrossingVoxelsBelongToBothNeurons) {
  const auto p = nl::test::plant(40, 64, 64, {kRed, kGreen});
  const auto r = seg::segmentNeurons(*p.volume, small());
  ASSERT_EQ(r.instances, 2);
  EXPECT_GT(r.overlaps.size(), 0u);
  EXPECT_EQ(r.diagnostics.at("overlap_voxels"), double(r.overlaps.size()));
  const auto n = static_cast<std::int64_t>(r.labels.size());
  std::vector<std::vector<std::uint8_t>> masks(3, std::vector<std::uint8_t>(n));
  for (std::uint32_t l = 1; l <= 2; ++l) seg::instanceMask(r, l, 0, 40, masks[l].data());
  // Which instance is which tube: the one covering most of it.
  const auto [red, redCover] = nl::test::dominantLabel(r.labels, p.masks[0]);
  const auto [green, greenCover] = nl::test::dominantLabel(r.labels, p.masks[1]);
  ASSERT_NE(red, 0u);
  ASSERT_NE(green, 0u);
  ASSERT_NE(red, green);
  std::int64_t crossing = 0, inBoth = 0, redTube = 0, redIn = 0, greenTube = 0, greenIn = 0;
  std::int64_t redNear = 0, greenNear = 0;  // the two ends of each tube
  for (std::int64_t q = 0; q < n; ++q) {
    if (p.masks[0][q] && p.masks[1][q]) {
      ++crossing;
      inBoth += masks[red][q] && masks[green][q];
    }
    if (p.masks[0][q]) {
      ++redTube;
      redIn += masks[red][q];
    }
    if (p.masks[1][q]) {
      ++greenTube;
      greenIn += masks[green][q];
    }
  }
  ASSERT_GT(crossing, 20);
  EXPECT_GT(double(inBoth) / crossing, 0.8) << inBoth << " of " << crossing;
  EXPECT_GT(double(redIn) / redTube, 0.9);
  EXPECT_GT(double(greenIn) / greenTube, 0.9);
  // Both ends of each tube (first and last planes it reaches) in its instance.
  for (std::int64_t q = 0; q < n; ++q) {
    const std::int64_t z = q / (64 * 64);
    if (z > 11 && z < 29) continue;
    redNear += p.masks[0][q] && masks[red][q];
    greenNear += p.masks[1][q] && masks[green][q];
  }
  EXPECT_GT(redNear, 100);
  EXPECT_GT(greenNear, 100);
  // Only where both neurons are really there: every shared voxel lies within
  // 3 voxels (the denoising blur's reach, ⌈3σ⌉) of both planted tubes — not
  // on a rim of one tube that the crossing's 8³ supervoxels also hold.
  auto within3 = [&](const std::vector<std::uint8_t>& mask, std::int64_t q) {
    const std::int64_t z = q / (64 * 64), y = q / 64 % 64, x = q % 64;
    for (std::int64_t k = std::max<std::int64_t>(0, z - 3); k <= std::min<std::int64_t>(39, z + 3);
         ++k)
      for (std::int64_t j = std::max<std::int64_t>(0, y - 3);
           j <= std::min<std::int64_t>(63, y + 3); ++j)
        for (std::int64_t i = std::max<std::int64_t>(0, x - 3);
             i <= std::min<std::int64_t>(63, x + 3); ++i)
          if ((k - z) * (k - z) + (j - y) * (j - y) + (i - x) * (i - x) <= 9 &&
              mask[(k * 64 + j) * 64 + i])
            return true;
    return false;
  };
  std::int64_t far = 0;
  for (const auto& shared : r.overlaps)
    far += !within3(p.masks[0], std::int64_t(shared.first)) ||
           !within3(p.masks[1], std::int64_t(shared.first));
  EXPECT_EQ(far, 0) << far << " of " << r.overlaps.size()
                    << " shared voxels are not near both tubes";
  // Overlaps are sorted by voxel and name the other instance.
  for (std::size_t k = 0; k < r.overlaps.size(); ++k) {
    EXPECT_NE(r.overlaps[k].second, r.labels[r.overlaps[k].first]);
    if (k) {
      EXPECT_LT(r.overlaps[k - 1], r.overlaps[k]);
    }
  }
  // Off, a crossing voxel has one instance.
  auto off = small();
  off.overlapShare = 0;
  EXPECT_TRUE(seg::segmentNeurons(*p.volume, off).overlaps.empty());
}

// Thick tubes crossing form clusters of their own, of mixed colour (the
// thin planted crossing above is found by the voxel pass alone): such a
// cluster joins a tube (here the bright red one, which has the larger part
// of its colour), and of its voxels only those that are a confident mix are
// shared — within reach of both tubes, not its 8³ supervoxels' rims of the
// red tube alone.
TEST(SegmentationPlanted, ACrossingClusterSharesOnlyItsMixedVoxels) {
  nl::test::Tube red{{{28, 6, 6}, {12, 58, 58}}, {400, 0, 0}};
  nl::test::Tube green{{{36, 6, 58}, {4, 58, 6}}, {0, 110, 0}};
  red.radius = green.radius = 4;
  const auto p = nl::test::plant(40, 64, 64, {red, green});
  const auto r = seg::segmentNeurons(*p.volume, small());
  ASSERT_EQ(r.instances, 2);
  EXPECT_GT(r.diagnostics.at("crossing_cluster_voxels"), 0);
  const auto [redLabel, redCover] = nl::test::dominantLabel(r.labels, p.masks[0]);
  const auto [greenLabel, greenCover] = nl::test::dominantLabel(r.labels, p.masks[1]);
  ASSERT_NE(redLabel, greenLabel);
  EXPECT_GT(redCover, 0.95);
  EXPECT_GT(greenCover, 0.6);
  std::int64_t crossing = 0, toRed = 0;
  for (std::size_t q = 0; q < r.labels.size(); ++q)
    if (p.masks[0][q] && p.masks[1][q]) {
      ++crossing;
      toRed += r.labels[q] == redLabel;
    }
  ASSERT_GT(crossing, 200);
  EXPECT_GT(double(toRed) / crossing, 0.95) << toRed << " of " << crossing;
  // Within 3 voxels (the blur's reach) of the green tube's mask.
  auto nearGreen = [&](std::int64_t q) {
    const std::int64_t z = q / (64 * 64), y = q / 64 % 64, x = q % 64;
    for (std::int64_t k = std::max<std::int64_t>(0, z - 3); k <= std::min<std::int64_t>(39, z + 3);
         ++k)
      for (std::int64_t j = std::max<std::int64_t>(0, y - 3);
           j <= std::min<std::int64_t>(63, y + 3); ++j)
        for (std::int64_t i = std::max<std::int64_t>(0, x - 3);
             i <= std::min<std::int64_t>(63, x + 3); ++i)
          if ((k - z) * (k - z) + (j - y) * (j - y) + (i - x) * (i - x) <= 9 &&
              p.masks[1][(k * 64 + j) * 64 + i])
            return true;
    return false;
  };
  std::int64_t shared = 0, far = 0;
  for (const auto& [q, other] : r.overlaps)
    if (other == greenLabel) {
      ++shared;
      far += !nearGreen(std::int64_t(q));
    }
  EXPECT_GT(shared, 50);
  EXPECT_EQ(far, 0) << far << " of " << shared << " voxels shared with green are far from it";
}

// Neurons of one colour touching end to end are no crossing: nothing shared.
TEST(SegmentationPlanted, OneColourHasNoOverlap) {
  const Tube a{{{20, 16, 2}, {20, 16, 62}}, {0, 0, 200}};
  const auto p = nl::test::plant(40, 32, 64, {a});
  const auto r = seg::segmentNeurons(*p.volume, small());
  EXPECT_EQ(r.instances, 1);
  EXPECT_TRUE(r.overlaps.empty());
}

TEST(SegmentationPlanted, TouchingNeuronsOfTwoColoursStayTwo) {
  const Tube a{{{20, 10, 4}, {20, 10, 60}}, {0, 150, 0}};
  const Tube b{{{20, 14, 4}, {20, 14, 60}}, {0, 0, 120}};  // 4 voxels apart, radius 2: touching
  const auto p = nl::test::plant(40, 32, 64, {a, b});
  const auto r = seg::segmentNeurons(*p.volume, small());
  const auto [la, ca] = nl::test::dominantLabel(r.labels, p.masks[0]);
  const auto [lb, cb] = nl::test::dominantLabel(r.labels, p.masks[1]);
  EXPECT_NE(la, lb);
  EXPECT_GT(ca, 0.7);
  EXPECT_GT(cb, 0.7);
}

TEST(SegmentationPlanted, SameColourFarApartStaysTwo) {
  const Tube a{{{10, 8, 4}, {10, 8, 60}}, {0, 0, 150}};
  const Tube b{{{30, 40, 4}, {30, 40, 60}}, {0, 0, 150}};
  const auto p = nl::test::plant(40, 48, 64, {a, b});
  const auto r = seg::segmentNeurons(*p.volume, small());
  const auto [la, ca] = nl::test::dominantLabel(r.labels, p.masks[0]);
  const auto [lb, cb] = nl::test::dominantLabel(r.labels, p.masks[1]);
  EXPECT_NE(la, 0u);
  EXPECT_NE(lb, 0u);
  EXPECT_NE(la, lb);
  EXPECT_GT(ca, 0.8);
  EXPECT_GT(cb, 0.8);
}

TEST(SegmentationPlanted, AGapAlongTheNeuriteIsBridged) {
  Tube t{{{20, 16, 2}, {20, 16, 62}}, {200, 80, 0}};
  t.gaps = {{0.45, 0.53}};  // about 5 voxels dark
  const auto p = nl::test::plant(40, 32, 64, {t});
  const auto r = seg::segmentNeurons(*p.volume, small());
  const auto [label, cover] = nl::test::dominantLabel(r.labels, p.masks[0]);
  EXPECT_NE(label, 0u);
  EXPECT_GT(cover, 0.9) << "both sides of the gap in one instance";
  EXPECT_EQ(r.instances, 1);
}

TEST(SegmentationPlanted, BaselineFindsBrightNeuronsToo) {
  // Bright enough for grey > 0.2 after clip-and-scale (green weighs 0.7154).
  const Tube a{{{10, 8, 4}, {10, 8, 60}}, {0, 900, 0}};
  const Tube b{{{30, 40, 4}, {30, 40, 60}}, {1400, 1400, 0}};
  const auto p = nl::test::plant(40, 48, 64, {a, b});
  auto o = small();
  o.method = seg::Method::Baseline;
  const auto r = seg::segmentNeurons(*p.volume, o);
  const auto [la, ca] = nl::test::dominantLabel(r.labels, p.masks[0]);
  const auto [lb, cb] = nl::test::dominantLabel(r.labels, p.masks[1]);
  EXPECT_NE(la, 0u);
  EXPECT_NE(lb, 0u);
  EXPECT_NE(la, lb);
  EXPECT_GT(r.diagnostics.at("gmm_components"), 1.0);
}

TEST(SegmentationStitching, BlocksGiveTheSameLabelsAsOneBlock) {
  const Tube c{{{4, 40, 10}, {36, 40, 50}}, {100, 100, 140}};
  const auto p = nl::test::plant(40, 64, 64, {kRed, kGreen, c});
  auto whole = small();
  whole.blockZ = whole.blockY = whole.blockX = 64;
  auto blocked = small();
  blocked.blockZ = 16;
  blocked.blockY = blocked.blockX = 24;  // rounded up to the 8-voxel cells
  blocked.threads = 2;
  const auto a = seg::segmentNeurons(*p.volume, whole);
  const auto b = seg::segmentNeurons(*p.volume, blocked);
  EXPECT_GE(a.instances, 3);  // three neurons crossing each other (crossings may split them)
  EXPECT_EQ(a.instances, b.instances);
  EXPECT_EQ(a.supervoxels, b.supervoxels);
  EXPECT_TRUE(a.labels == b.labels) << "stitched labels differ from the unblocked run";
}

class CancelAtOnce final : public nl::analysis::Progress {
 public:
  void update(double, const std::string&) override {}
  bool cancelRequested() const override { return true; }
};

TEST(SegmentationBadInput, CancelStops) {
  const auto p = nl::test::plant(16, 32, 32, {kRed});
  CancelAtOnce cancel;
  EXPECT_THROW(seg::segmentNeurons(*p.volume, small(), &cancel), nl::analysis::Cancelled);
}

TEST(SegmentationBadInput, WrongChannelCountNamesTheVolume) {
  const nl::io::microscopy::VolumeShape shape{2, 8, 8, 8};
  const nl::io::microscopy::VolumeDataset two(
      "two_channels",
      std::make_shared<nl::io::microscopy::InMemoryVolumeSource<std::uint16_t>>(
          shape, std::vector<std::uint16_t>(shape.voxelCount(), 5)),
      {});
  try {
    seg::segmentNeurons(two, small());
    FAIL() << "no error";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("two_channels"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("2 channel"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("3 colour channels"), std::string::npos);
  }
}

TEST(SegmentationBadInput, TruncatedZarrChunkIsAFileError) {
  const auto p = nl::test::plant(16, 32, 32, {kRed});
  nl::test::TempDir dir;
  const auto path = dir.path() / "raw.zarr";
  nl::io::microscopy::LabelVolumeToWrite array;
  array.data = p.raw.data();
  array.type = nl::io::microscopy::VoxelType::UInt16;
  array.channels = 3;
  array.z = 16;
  array.y = array.x = 32;
  array.chunkZ = array.chunkY = array.chunkX = 16;
  nl::io::microscopy::writeLabelVolume(path, "volumes/raw", array);
  const auto chunk = path / "volumes" / "raw" / "0.0.1.0";
  ASSERT_TRUE(std::filesystem::exists(chunk));
  std::filesystem::resize_file(chunk, std::filesystem::file_size(chunk) / 2);
  const auto contents = nl::io::ReaderRegistry::builtin().open(path, "volumes/raw");
  const auto volume =
      std::dynamic_pointer_cast<const nl::io::microscopy::VolumeDataset>(contents.datasets.at(0));
  ASSERT_TRUE(volume);
  try {
    seg::segmentNeurons(*volume, small());
    FAIL() << "no error";
  } catch (const nl::io::FileError& error) {
    EXPECT_NE(std::string(error.what()).find("raw.zarr"), std::string::npos) << error.what();
  }
}

TEST(SegmentationWriter, ZarrAndHdf5ReadBackThroughTheReaders) {
  nl::test::TempDir dir;
  std::vector<std::uint16_t> labels(5 * 70 * 130);
  for (std::size_t q = 0; q < labels.size(); ++q)
    labels[q] = std::uint16_t(q % 7 == 0 ? q % 300 : 0);
  for (const char* name : {"l.zarr", "l.h5"}) {
    nl::io::microscopy::LabelVolumeToWrite array;
    array.data = labels.data();
    array.type = nl::io::microscopy::VoxelType::UInt16;
    array.z = 5;
    array.y = 70;
    array.x = 130;
    array.attributes = {{"method", "tubular"}};
    nl::io::microscopy::writeLabelVolume(dir.path() / name, "volumes/labels", array);
    const auto contents =
        nl::io::ReaderRegistry::builtin().open(dir.path() / name, "volumes/labels");
    ASSERT_EQ(contents.datasets.size(), 1u) << name;
    const auto& d = *contents.datasets.at(0);
    if (const auto* v = dynamic_cast<const nl::io::microscopy::VolumeDataset*>(&d)) {
      const auto back = v->read<std::uint16_t>(nl::io::microscopy::Box::whole(v->volumeShape()));
      EXPECT_EQ(back, labels) << name;
    } else {
      const auto* a = dynamic_cast<const nl::io::ArrayDataset*>(&d);
      ASSERT_TRUE(a) << name;
      ASSERT_EQ(a->values().size(), labels.size());
      for (std::size_t q = 0; q < labels.size(); ++q) ASSERT_EQ(a->values()[q], labels[q]) << name;
    }
  }
  EXPECT_THROW(nl::io::microscopy::containerFormatFor("labels.tif"), std::invalid_argument);
}

}  // namespace
