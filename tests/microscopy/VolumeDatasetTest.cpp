// VolumeDataset over an in-memory source: boxes, strides, float reads,
// conversion to the ArrayDataset convention the volume views read, and the
// pooled previews (labels and max intensity).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>

#include "io/microscopy/ChunkedVolumeSource.h"
#include "io/microscopy/VolumeDataset.h"
#include "io/microscopy/ZarrReader.h"
#include "tests/microscopy/ZarrWriter.h"

namespace nl::io::microscopy {
namespace {

std::shared_ptr<VolumeDataset> memoryVolume(VolumeShape shape,
                                            LabelEncoding labels = LabelEncoding::None) {
  std::vector<std::int16_t> values(shape.voxelCount());
  std::iota(values.begin(), values.end(), std::int16_t{-100});
  auto source = std::make_shared<InMemoryVolumeSource<std::int16_t>>(shape, std::move(values));
  const VoxelSize size{0.5, 0.25, 2.0, "micrometer"};
  return std::make_shared<VolumeDataset>("m", source, size, labels, Provenance{},
                                         volumeAttributes(*source, size, labels));
}

TEST(VolumeDataset, KindShapeAndAttributes) {
  const auto v = memoryVolume({2, 3, 4, 5});
  EXPECT_EQ(v->kind(), DatasetKind::Volume);
  EXPECT_EQ(v->shape(), (std::vector<std::size_t>{2, 3, 4, 5}));
  EXPECT_EQ(v->attributes().at("dtype"), "int16");
  EXPECT_EQ(v->attributes().at("spacing"), "0.5,0.25,2");
  EXPECT_EQ(v->summary()["dtype"], "int16");
  EXPECT_EQ(memoryVolume({1, 2, 2, 2}, LabelEncoding::LabelIds)->kind(), DatasetKind::LabelVolume);
  auto floats = std::make_shared<InMemoryVolumeSource<float>>(VolumeShape{1, 1, 1, 2},
                                                              std::vector<float>{1, 2});
  EXPECT_THROW(VolumeDataset("f", floats, {}, LabelEncoding::LabelIds), std::invalid_argument);
  EXPECT_THROW((InMemoryVolumeSource<float>(VolumeShape{1, 1, 1, 3}, std::vector<float>{1, 2})),
               std::invalid_argument);
}

TEST(VolumeDataset, BoxesStridesAndFloatReads) {
  const auto v = memoryVolume({2, 3, 4, 5});
  const auto box = v->read<std::int16_t>(Box{1, 2, 1, 3, 0, 4, 1, 5}, 2);
  // c 1, z 1, y {0, 2}, x {1, 3}
  EXPECT_EQ(box, (std::vector<std::int16_t>{static_cast<std::int16_t>(-100 + 60 + 20 + 1),
                                            static_cast<std::int16_t>(-100 + 60 + 20 + 3),
                                            static_cast<std::int16_t>(-100 + 60 + 20 + 10 + 1),
                                            static_cast<std::int16_t>(-100 + 60 + 20 + 10 + 3)}));
  const auto f = v->readFloat(Box{0, 1, 0, 1, 0, 1, 0, 2});
  EXPECT_EQ(f, (std::vector<float>{-100.f, -99.f}));
  std::vector<std::int16_t> tooSmall(3);
  EXPECT_THROW(
      v->read<std::int16_t>(Box{0, 1, 0, 1, 0, 1, 0, 4}, std::span<std::int16_t>(tooSmall)),
      std::invalid_argument);
  EXPECT_THROW(v->read<std::int16_t>(Box{0, 3, 0, 1, 0, 1, 0, 1}), std::invalid_argument);
  EXPECT_THROW(v->read<std::int16_t>(Box{0, 1, 2, 1, 0, 1, 0, 1}), std::invalid_argument);
  EXPECT_TRUE(v->read<std::int16_t>(Box{0, 1, 1, 1, 0, 1, 0, 1}).empty());
  EXPECT_EQ(v->readChannel<std::int16_t>(1).front(), -40);
}

TEST(VolumeDataset, ToArrayDatasetIsZyxcDoublesWithSpacing) {
  const auto v = memoryVolume({2, 3, 4, 5});
  const auto array = toArrayDataset(*v);
  EXPECT_EQ(array->shape(), (std::vector<std::size_t>{3, 4, 5, 2}));
  EXPECT_EQ(array->kind(), DatasetKind::Volume);
  EXPECT_EQ(array->attributes().at("spacing"), "0.5,0.25,2");
  // [z][y][x][c]: voxel (z 2, y 3, x 4) of channel 1.
  EXPECT_EQ(array->values()[((2 * 4 + 3) * 5 + 4) * 2 + 1], -100 + 60 + 59);
  const auto preview = toArrayDataset(*v, 2);
  EXPECT_EQ(preview->shape(), (std::vector<std::size_t>{2, 2, 3, 2}));
  EXPECT_EQ(preview->attributes().at("spacing"), "1,0.5,4");
  const auto single = toArrayDataset(*memoryVolume({1, 3, 4, 5}));
  EXPECT_EQ(single->shape(), (std::vector<std::size_t>{3, 4, 5}));
  EXPECT_THROW(toArrayDataset(*v, 1, 10), std::invalid_argument);
  // Held as int16 (what the file stores), widened only when values() is asked for.
  ASSERT_TRUE(array->hasTypedStorage());
  EXPECT_EQ(array->typed().type(), nl::io::ScalarType::Int16);
  EXPECT_EQ(array->typed().storedBytes(), array->elementCount() * sizeof(std::int16_t));
  EXPECT_FALSE(toArrayDataset(*v)->isLoaded()) << "no doubles until someone asks for them";
  EXPECT_EQ(array->typed().at(((2 * 4 + 3) * 5 + 4) * 2 + 1), -100 + 60 + 59);
  EXPECT_EQ(previewStep({7, 385, 685, 686}, std::size_t{16} << 20),
            5u);  // step 4 leaves 20.1 M voxels
}

TEST(VolumeDataset, InstanceChannelsBecomeLabelIdsForTheLabelViews) {
  // Three instance channels on a 1×2×3 grid; voxel 4 is in channels 0 and 2.
  std::vector<std::uint8_t> masks{1, 0, 0, 0, 1, 0,   // channel 0
                                  0, 2, 2, 0, 0, 0,   // channel 1
                                  0, 0, 0, 0, 3, 3};  // channel 2
  auto source =
      std::make_shared<InMemoryVolumeSource<std::uint8_t>>(VolumeShape{3, 1, 2, 3}, masks);
  const VolumeDataset instances("gt", source, {}, LabelEncoding::InstanceChannels);
  const auto ids = toLabelIdArray(instances);
  EXPECT_EQ(ids->kind(), DatasetKind::LabelVolume);
  EXPECT_EQ(ids->shape(), (std::vector<std::size_t>{1, 2, 3}));
  EXPECT_EQ(ids->values(), (std::vector<double>{1, 2, 2, 0, 3, 3}));
  EXPECT_EQ(ids->attributes().at("overlap_voxels"), "1");
  EXPECT_THROW(toLabelIdArray(*memoryVolume({1, 2, 2, 2})), std::invalid_argument);
  const auto labelIds = toLabelIdArray(*memoryVolume({1, 2, 2, 2}, LabelEncoding::LabelIds));
  EXPECT_EQ(labelIds->shape(), (std::vector<std::size_t>{2, 2, 2}));
}

TEST(VolumeDataset, LabelPreviewsStayInTheirOwnTypeNotDoubles) {
  std::vector<std::uint16_t> ids(4 * 4 * 4, 0);
  ids[0] = 40000;  // beyond int16, within uint16
  ids[63] = 7;
  auto source = std::make_shared<InMemoryVolumeSource<std::uint16_t>>(VolumeShape{1, 4, 4, 4}, ids);
  const VolumeDataset labels("seg", source, {}, LabelEncoding::LabelIds);
  const auto pooled = toLabelIdArrayPooled(labels, 2);
  EXPECT_EQ(pooled->typed().type(), nl::io::ScalarType::UInt16);
  EXPECT_FALSE(pooled->isLoaded()) << "no double copy until someone asks for doubles";
  EXPECT_EQ(pooled->typed().at(0), 40000.0);
  EXPECT_EQ(pooled->typed().at(7), 7.0);
  // Instance channels give c + 1 as uint32.
  std::vector<std::uint8_t> masks(2 * 2 * 2 * 2, 0);
  masks[8 + 3] = 1;  // channel 1
  auto channels =
      std::make_shared<InMemoryVolumeSource<std::uint8_t>>(VolumeShape{2, 2, 2, 2}, masks);
  const VolumeDataset instances("gt", channels, {}, LabelEncoding::InstanceChannels);
  for (const auto& preview : {toLabelIdArray(instances), toLabelIdArrayPooled(instances, 1)}) {
    EXPECT_EQ(preview->typed().type(), nl::io::ScalarType::UInt32);
    EXPECT_EQ(preview->typed().at(3), 2.0);
  }
}

TEST(VolumeDataset, TransposeAndByteSwapHelpers) {
  // A 2×3 array transposed.
  const unsigned char in[6] = {1, 2, 3, 4, 5, 6};
  unsigned char out[6] = {};
  transposeElements(in, {2, 3}, {1, 0}, 1, out);
  EXPECT_EQ(std::vector<unsigned char>(out, out + 6),
            (std::vector<unsigned char>{1, 4, 2, 5, 3, 6}));
  unsigned char words[4] = {1, 2, 3, 4};
  swapByteOrder(words, 4, 2);
  EXPECT_EQ(std::vector<unsigned char>(words, words + 4), (std::vector<unsigned char>{2, 1, 4, 3}));
}

}  // namespace
}  // namespace nl::io::microscopy

namespace {

// A one-voxel-thin neurite off the sampling grid: a strided 1:4 preview misses
// it, the pooled preview keeps every block it passes through.
TEST(VolumePreview, PooledLabelsKeepThinNeuritesThatStridingMisses) {
  namespace mi = nl::io::microscopy;
  const std::size_t D = 8, H = 8, W = 16;
  std::vector<std::uint8_t> values(2 * D * H * W, 0);
  for (std::size_t x = 0; x < W; ++x) values[((0 * D + 5) * H + 1) * W + x] = 1;  // z 5, y 1
  values[((1 * D + 2) * H + 6) * W + 9] = 2;  // a single voxel in channel 1
  auto source =
      std::make_shared<mi::InMemoryVolumeSource<std::uint8_t>>(mi::VolumeShape{2, D, H, W}, values);
  const mi::VolumeDataset volume("gt", source, mi::VoxelSize{},
                                 mi::LabelEncoding::InstanceChannels);
  const auto strided = mi::toLabelIdArray(volume, 4);
  const auto pooled = mi::toLabelIdArrayPooled(volume, 4);
  ASSERT_EQ(pooled->shape(), (std::vector<std::size_t>{2, 2, 4}));
  ASSERT_EQ(strided->shape(), pooled->shape());
  const auto count = [](const std::vector<double>& v, double label) {
    return std::count(v.begin(), v.end(), label);
  };
  EXPECT_EQ(count(strided->values(), 1.0), 0) << "y = 1, z = 5 are not on the 1:4 grid";
  EXPECT_EQ(count(pooled->values(), 1.0), 4) << "the line crosses 4 blocks along x";
  EXPECT_EQ(pooled->values()[(1 * 2 + 0) * 4 + 2], 1.0);  // block z 4–7, y 0–3, x 8–11
  EXPECT_EQ(count(pooled->values(), 2.0), 1);
  EXPECT_EQ(pooled->values()[(0 * 2 + 1) * 4 + 2], 2.0);  // block z 0–3, y 4–7, x 8–11
  EXPECT_EQ(pooled->attributes().at("spacing"), strided->attributes().at("spacing"));
  EXPECT_THROW(mi::toLabelIdArrayPooled(volume, 0), std::invalid_argument);
}

}  // namespace

namespace {

namespace mi = nl::io::microscopy;

// Each voxel of the max-pooled preview against a direct maximum over its block.
std::vector<double> blockMaxima(const std::vector<std::uint16_t>& values, mi::VolumeShape shape,
                                std::size_t step) {
  const mi::VolumeShape out = mi::Box::whole(shape).outputShape(step);
  std::vector<double> maxima(out.voxelCount(), -1.0);
  for (std::size_t c = 0; c < shape.channels; ++c)
    for (std::size_t z = 0; z < shape.z; ++z)
      for (std::size_t y = 0; y < shape.y; ++y)
        for (std::size_t x = 0; x < shape.x; ++x) {
          const double v = values[((c * shape.z + z) * shape.y + y) * shape.x + x];
          double& m =
              maxima[(((z / step) * out.y + y / step) * out.x + x / step) * out.channels + c];
          m = std::max(m, v);
        }
  return maxima;
}

struct TwoChannels {
  // 9 × 10 × 11 at step 4: blocks of 4, 4, 1 planes, 4, 4, 2 rows, 4, 4, 3 columns.
  mi::VolumeShape shape{2, 9, 10, 11};
  std::vector<std::uint16_t> values;
  TwoChannels() : values(shape.voxelCount()) {
    for (std::size_t i = 0; i < values.size(); ++i)
      values[i] = static_cast<std::uint16_t>((i * 37) % 101);
    at(0, 5, 6, 2) = 4000;   // off the 1:4 grid: striding misses it
    at(1, 8, 9, 10) = 3000;  // the last voxel, alone in a 1 × 2 × 3 edge block
    at(1, 8, 8, 8) = 2999;   // same block, smaller
  }
  std::uint16_t& at(std::size_t c, std::size_t z, std::size_t y, std::size_t x) {
    return values[((c * shape.z + z) * shape.y + y) * shape.x + x];
  }
};

TEST(VolumePreview, MaxPooledPreviewKeepsEachBlocksMaximumPerChannel) {
  TwoChannels data;
  auto source = std::make_shared<mi::InMemoryVolumeSource<std::uint16_t>>(data.shape, data.values);
  const mi::VolumeDataset volume("raw", source, mi::VoxelSize{0.44, 0.44, 1.0, "micrometer"});
  const auto pooled = mi::toArrayDatasetMaxPooled(volume, 4);
  ASSERT_EQ(pooled->shape(), (std::vector<std::size_t>{3, 3, 3, 2})) << "[z][y][x][c]";
  ASSERT_TRUE(pooled->hasTypedStorage());
  EXPECT_EQ(pooled->typed().type(), nl::io::ScalarType::UInt16)
      << "block maxima keep the voxel type";
  EXPECT_EQ(pooled->values(), blockMaxima(data.values, data.shape, 4));
  const auto at = [&](std::size_t z, std::size_t y, std::size_t x, std::size_t c) {
    return pooled->values()[((z * 3 + y) * 3 + x) * 2 + c];
  };
  EXPECT_EQ(at(1, 1, 0, 0), 4000.0) << "block z 4–7, y 4–7, x 0–3 of channel 0";
  EXPECT_EQ(at(2, 2, 2, 1), 3000.0) << "the partial corner block of channel 1";
  const auto strided = mi::toArrayDataset(volume, 4);
  const auto& s = strided->values();
  EXPECT_EQ(std::count(s.begin(), s.end(), 4000.0), 0) << "the strided preview misses it";
  EXPECT_EQ(pooled->attributes().at("spacing"), strided->attributes().at("spacing"));
  EXPECT_EQ(pooled->attributes().at("preview"), "max_pooled");
  // Step 1 is the volume itself.
  const auto full = mi::toArrayDatasetMaxPooled(volume, 1);
  EXPECT_EQ(full->values(), mi::toArrayDataset(volume, 1)->values());
  EXPECT_THROW(mi::toArrayDatasetMaxPooled(volume, 0), std::invalid_argument);
  EXPECT_THROW(mi::toArrayDatasetMaxPooled(volume, 1, 100), std::invalid_argument);
}

TEST(VolumePreview, MaxPooledPreviewOfChunkedVolumeReadsEachChunkOnceUncached) {
  // Chunks (1, 3, 4, 5) do not line up with blocks of 4: boxes of whole
  // blocks must still see every voxel once.
  TwoChannels data;
  nl::test::TempDir dir;
  nl::test::zarr::Array array;
  array.shape = {2, 9, 10, 11};
  array.chunks = {1, 3, 4, 5};
  array.dtype = "<u2";
  array.codec.id = "zlib";
  array.values.assign(reinterpret_cast<const char*>(data.values.data()),
                      data.values.size() * sizeof(std::uint16_t));
  nl::test::zarr::write(dir.path() / "raw.zarr", array);
  const auto volume = mi::openZarrArray(dir.path() / "raw.zarr", "");
  const auto pooled = mi::toArrayDatasetMaxPooled(*volume, 4);
  ASSERT_TRUE(pooled->hasTypedStorage());
  EXPECT_EQ(pooled->typed().type(), nl::io::ScalarType::UInt16)
      << "block maxima keep the voxel type";
  EXPECT_EQ(pooled->values(), blockMaxima(data.values, data.shape, 4));
  EXPECT_EQ(volume->cacheStats().cachedBytes, 0u) << "a one-pass scan leaves the cache alone";
  EXPECT_EQ(volume->cacheStats().misses, 2u * 3 * 3 * 3) << "every chunk decoded once";
  const auto three = mi::toArrayDatasetMaxPooled(*volume, 3);
  EXPECT_EQ(three->values(), blockMaxima(data.values, data.shape, 3));
}

TEST(VolumePreview, PooledLabelsOfAChunkedVolumeEqualTheInMemoryOnes) {
  // Two instance channels that overlap, chunked (1, 3, 4, 5) against blocks
  // of 4: the highest channel present wins each block, as in memory.
  const mi::VolumeShape shape{2, 9, 10, 11};
  std::vector<std::uint8_t> values(shape.voxelCount(), 0);
  const auto at = [&](std::size_t c, std::size_t z, std::size_t y, std::size_t x) -> auto& {
    return values[((c * shape.z + z) * shape.y + y) * shape.x + x];
  };
  for (std::size_t x = 0; x < 11; ++x) at(0, 5, 2, x) = 1;  // a neurite along x
  for (std::size_t y = 0; y < 10; ++y) at(1, 6, y, 9) = 1;  // one along y, crossing it
  at(1, 8, 9, 10) = 1;                                      // the partial corner block
  auto source = std::make_shared<mi::InMemoryVolumeSource<std::uint8_t>>(shape, values);
  const mi::VolumeDataset memory("gt", source, mi::VoxelSize{},
                                 mi::LabelEncoding::InstanceChannels);
  nl::test::TempDir dir;
  nl::test::zarr::Array array;
  array.shape = {2, 9, 10, 11};
  array.chunks = {1, 3, 4, 5};
  array.dtype = "|u1";
  array.codec.id = "zstd";
  array.values.assign(reinterpret_cast<const char*>(values.data()), values.size());
  nl::test::zarr::write(dir.path() / "gt.zarr", array);
  mi::VolumeOpenOptions options;
  options.labels = mi::LabelEncoding::InstanceChannels;
  const auto chunked = mi::openZarrArray(dir.path() / "gt.zarr", "", options);
  const auto expected = mi::toLabelIdArrayPooled(memory, 4);
  EXPECT_EQ(mi::toLabelIdArrayPooled(*chunked, 4)->values(), expected->values());
  EXPECT_EQ(chunked->cacheStats().cachedBytes, 0u);
  const auto& ids = expected->values();  // 3 × 3 × 3
  EXPECT_EQ(ids[(1 * 3 + 0) * 3 + 0], 1.0) << "z 4–7, y 0–3, x 0–3: the x neurite";
  EXPECT_EQ(ids[(1 * 3 + 0) * 3 + 2], 2.0) << "z 4–7, y 0–3, x 8–10: both; channel 2 wins";
  EXPECT_EQ(ids[(2 * 3 + 2) * 3 + 2], 2.0) << "the partial corner block";
  // Blocks with a label: 3 of the x neurite, 3 of the y one (1 shared), the corner.
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 0.0), 27 - (3 + 3 - 1 + 1));
}

TEST(VolumePreview, MaxPooledPreviewSkipsNaN) {
  std::vector<float> values{std::nanf(""), 1.5f,  std::nanf(""), std::nanf(""),  //
                            -2.0f,         -3.0f, std::nanf(""), std::nanf("")};
  auto source =
      std::make_shared<mi::InMemoryVolumeSource<float>>(mi::VolumeShape{1, 1, 2, 4}, values);
  const mi::VolumeDataset volume("f", source, mi::VoxelSize{});
  const auto pooled = mi::toArrayDatasetMaxPooled(volume, 2);
  ASSERT_EQ(pooled->values().size(), 2u);
  EXPECT_EQ(pooled->values()[0], 1.5);
  EXPECT_TRUE(std::isnan(pooled->values()[1])) << "a block of nothing but NaN";
}

}  // namespace
