// zarr v2 arrays written by the test's own writer (ZarrWriter.h) for every
// dtype, byte order, order, separator and codec, read back through the
// reader; corrupt and hostile stores must fail with a FileError that names
// the file and the chunk.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>

#include "io/ReaderRegistry.h"
#include "io/microscopy/ZarrReader.h"
#include "tests/microscopy/ZarrWriter.h"

namespace nl::io::microscopy {
namespace {

using nl::test::TempDir;
namespace zw = nl::test::zarr;

// The value the synthetic arrays hold at C-order index i, for a dtype.
double valueAt(std::size_t i, const std::string& dtype) {
  const char kind = dtype[1];
  if (kind == 'b') return i % 3 == 0 ? 1 : 0;
  if (kind == 'f') return static_cast<double>(i) * 0.25 - 3.5;
  const double v = static_cast<double>((i * 7 + 3) % 101);
  return kind == 'i' ? v - 50 : v;
}

template <typename T>
void appendAs(std::string& out, double v) {
  const T t = static_cast<T>(v);
  out.append(reinterpret_cast<const char*>(&t), sizeof(T));
}

std::string valuesFor(const std::string& dtype, std::size_t count) {
  std::string out;
  const std::size_t size = zw::typeSizeOf(dtype);
  for (std::size_t i = 0; i < count; ++i) {
    const double v = valueAt(i, dtype);
    switch (dtype[1]) {
      case 'b':
        appendAs<std::uint8_t>(out, v);
        break;
      case 'u':
        if (size == 1) appendAs<std::uint8_t>(out, v);
        if (size == 2) appendAs<std::uint16_t>(out, v);
        if (size == 4) appendAs<std::uint32_t>(out, v);
        if (size == 8) appendAs<std::uint64_t>(out, v);
        break;
      case 'i':
        if (size == 1) appendAs<std::int8_t>(out, v);
        if (size == 2) appendAs<std::int16_t>(out, v);
        if (size == 4) appendAs<std::int32_t>(out, v);
        if (size == 8) appendAs<std::int64_t>(out, v);
        break;
      default:
        if (size == 4) appendAs<float>(out, v);
        if (size == 8) appendAs<double>(out, v);
    }
  }
  return out;
}

zw::Array sample(const std::string& dtype, zw::Codec codec = {}, char order = 'C',
                 std::string separator = ".") {
  zw::Array a;
  a.shape = {2, 5, 6, 7};
  a.chunks = {1, 2, 4, 3};  // edge chunks on z, y and x
  a.dtype = dtype;
  a.order = order;
  a.separator = std::move(separator);
  a.codec = std::move(codec);
  a.values = valuesFor(dtype, 2 * 5 * 6 * 7);
  return a;
}

void expectRoundTrip(const zw::Array& a, const std::string& label) {
  TempDir dir;
  zw::write(dir / "a.zarr", a);
  const auto volume = openZarrArray(dir / "a.zarr", "");
  ASSERT_EQ(volume->volumeShape(), (VolumeShape{2, 5, 6, 7})) << label;
  const auto values = volume->readFloat(Box::whole(volume->volumeShape()));
  ASSERT_EQ(values.size(), 420u);
  for (std::size_t i = 0; i < values.size(); ++i)
    ASSERT_EQ(values[i], static_cast<float>(valueAt(i, a.dtype))) << label << " voxel " << i;
}

TEST(Zarr, EveryDtypeAndByteOrderInBothOrders) {
  for (const std::string dtype :
       {"|b1", "|u1", "|i1", "<u2", ">u2", "<i2", ">i2", "<u4", ">u4", "<i4", ">i4", "<u8", ">u8",
        "<i8", ">i8", "<f4", ">f4", "<f8", ">f8"})
    for (char order : {'C', 'F'}) expectRoundTrip(sample(dtype, {}, order), dtype + " " + order);
}

TEST(Zarr, EveryCompressorAndBloscCodecAndShuffle) {
  for (const std::string id : {"none", "zlib", "gzip", "zstd"})
    expectRoundTrip(sample(">i4", {id}), id);
  for (const std::string inner : {"lz4", "lz4hc", "blosclz", "zlib", "zstd"})
    for (int shuffle : {0, 1, 2}) {
      zw::Codec codec{"blosc", inner, shuffle};
      expectRoundTrip(sample("<u2", codec), inner + " shuffle " + std::to_string(shuffle));
      expectRoundTrip(sample(">f8", codec, 'F'),
                      inner + " f8 F shuffle " + std::to_string(shuffle));
    }
}

TEST(Zarr, NestedDimensionSeparator) {
  expectRoundTrip(sample("<u2", {"zstd"}, 'C', "/"), "slash");
  expectRoundTrip(sample("<i8", {"blosc", "zstd", 2}, 'F', "/"), "slash F");
}

TEST(Zarr, MissingChunksReadAsFillValue) {
  TempDir dir;
  auto a = sample("<f4", {"zlib"});
  a.fillValue = "\"NaN\"";
  a.skip = {{0, 1, 0, 1}, {1, 2, 1, 2}};
  zw::write(dir / "a.zarr", a);
  const auto volume = openZarrArray(dir / "a.zarr", "");
  const auto values = volume->readFloat(Box::whole(volume->volumeShape()));
  std::size_t nan = 0;
  for (std::size_t c = 0; c < 2; ++c)
    for (std::size_t z = 0; z < 5; ++z)
      for (std::size_t y = 0; y < 6; ++y)
        for (std::size_t x = 0; x < 7; ++x) {
          const std::size_t i = ((c * 5 + z) * 6 + y) * 7 + x;
          const bool skipped = (c == 0 && z / 2 == 1 && y / 4 == 0 && x / 3 == 1) ||
                               (c == 1 && z / 2 == 2 && y / 4 == 1 && x / 3 == 2);
          if (skipped) {
            EXPECT_TRUE(std::isnan(values[i])) << i;
            ++nan;
          } else {
            EXPECT_EQ(values[i], static_cast<float>(valueAt(i, "<f4"))) << i;
          }
        }
  EXPECT_EQ(nan, 2u * 4 * 3 + 1u * 2 * 1);  // a whole chunk, and an edge chunk (z 4, y 4–5, x 6)

  // Integer fill values, null and -Infinity.
  for (const auto& [dtype, fill, expected] :
       std::vector<std::tuple<std::string, std::string, float>>{{"<i2", "-7", -7.f},
                                                                {"<u1", "null", 0.f},
                                                                {">f8", "\"-Infinity\"", -INFINITY},
                                                                {"|b1", "true", 1.f}}) {
    TempDir d;
    auto b = sample(dtype);
    b.fillValue = fill;
    b.skip = {{0, 0, 0, 0}};
    zw::write(d / "b.zarr", b);
    const auto v = openZarrArray(d / "b.zarr", "");
    EXPECT_EQ(v->readFloat(Box{0, 1, 0, 1, 0, 1, 0, 1})[0], expected) << dtype << " " << fill;
  }
}

TEST(Zarr, TypedStridedAndBoxReadsMatchTheValues) {
  TempDir dir;
  auto a = sample("<u2", {"blosc", "lz4", 1});
  zw::write(dir / "a.zarr", a);
  const auto volume = openZarrArray(dir / "a.zarr", "");
  EXPECT_EQ(volume->voxelType(), VoxelType::UInt16);
  EXPECT_EQ(volume->chunkShape(), (VolumeShape{1, 2, 4, 3}));
  for (std::size_t step : {1, 2, 3}) {
    const Box box{1, 2, 1, 5, 1, 6, 2, 7};
    const auto got = volume->read<std::uint16_t>(box, step);
    const VolumeShape out = box.outputShape(step);
    ASSERT_EQ(got.size(), out.voxelCount());
    std::size_t k = 0;
    for (std::size_t z = box.z0; z < box.z1; z += step)
      for (std::size_t y = box.y0; y < box.y1; y += step)
        for (std::size_t x = box.x0; x < box.x1; x += step)
          EXPECT_EQ(got[k++], valueAt(((1 * 5 + z) * 6 + y) * 7 + x, "<u2")) << step;
  }
  // Streaming in chunk-aligned z slabs (one chunk layer each with a tiny budget).
  std::vector<std::size_t> starts;
  std::size_t total = 0;
  forEachZSlab<std::uint16_t>(
      *volume,
      [&](const Box& slab, std::span<const std::uint16_t> v) {
        starts.push_back(slab.z0);
        total += v.size();
        EXPECT_EQ(v[0], valueAt(slab.z0 * 42, "<u2"));
      },
      1);
  EXPECT_EQ(starts, (std::vector<std::size_t>{0, 2, 4}));
  EXPECT_EQ(total, 420u);
  EXPECT_THROW(volume->read<std::int16_t>(Box{0, 1, 0, 1, 0, 1, 0, 1}), std::invalid_argument);
  EXPECT_THROW(volume->read<std::uint16_t>(Box{0, 1, 0, 6, 0, 1, 0, 1}), std::invalid_argument);
  EXPECT_THROW(volume->read<std::uint16_t>(Box{0, 1, 0, 1, 0, 1, 0, 1}, 0), std::invalid_argument);
}

TEST(Zarr, ChunkCacheStaysWithinItsLimitAndThreadsAgree) {
  TempDir dir;
  zw::Array a;
  a.shape = {1, 40, 64, 64};
  a.chunks = {1, 8, 16, 16};
  a.dtype = "<i4";
  a.codec = {"zstd"};
  a.values = valuesFor(a.dtype, 40 * 64 * 64);
  zw::write(dir / "a.zarr", a);
  const auto volume = openZarrArray(dir / "a.zarr", "");
  const std::size_t chunkBytes = 8 * 16 * 16 * 4;
  volume->setCacheLimitBytes(3 * (chunkBytes + 64));
  volume->setThreadCount(1);
  const auto one = volume->read<std::int32_t>(Box::whole(volume->volumeShape()));
  auto stats = volume->cacheStats();
  EXPECT_LE(stats.cachedBytes, stats.limitBytes);
  EXPECT_EQ(stats.cachedChunks, 3u);
  EXPECT_EQ(stats.misses, 80u);
  volume->setThreadCount(2);
  const auto two = volume->read<std::int32_t>(Box::whole(volume->volumeShape()));
  EXPECT_EQ(one, two);
  // A box inside one cached chunk is a hit.
  volume->setCacheLimitBytes(std::size_t{64} << 20);
  (void)volume->read<std::int32_t>(Box{0, 1, 0, 8, 0, 16, 0, 16});
  const auto before = volume->cacheStats().hits;
  (void)volume->read<std::int32_t>(Box{0, 1, 1, 3, 2, 9, 3, 5});
  EXPECT_EQ(volume->cacheStats().hits, before + 1);
  for (std::size_t i = 0; i < one.size(); ++i)
    ASSERT_EQ(one[i], static_cast<std::int32_t>(valueAt(i, "<i4")));
}

TEST(Zarr, RanksBelowFourAndGroupsAndRegistry) {
  TempDir dir;
  zw::Array a;
  a.shape = {9, 10, 11};
  a.chunks = {4, 4, 4};
  a.dtype = "<u1";
  a.codec = {"gzip"};
  a.values = valuesFor(a.dtype, 990);
  a.zattrs = R"({"resolution": [40, 8, 4], "note": "hello"})";
  const auto store = dir / "s.zarr";
  nl::test::writeBytes(store / ".zgroup", "");
  std::filesystem::create_directories(store / "volumes");
  nl::test::writeBytes(store / ".zgroup", R"({"zarr_format": 2})");
  nl::test::writeBytes(store / "volumes" / ".zgroup", R"({"zarr_format": 2})");
  zw::write(store / "volumes" / "raw", a);
  a.dtype = "<u8";
  a.values = valuesFor(a.dtype, 990);
  a.zattrs.clear();
  zw::write(store / "volumes" / "labels", a);

  const auto contents = ReaderRegistry::builtin().open(store);
  EXPECT_EQ(contents.readerName, "zarr v2");
  ASSERT_EQ(contents.datasets.size(), 2u);
  EXPECT_EQ(contents.datasets[0]->name(), "volumes/labels");
  EXPECT_EQ(contents.datasets[0]->kind(), DatasetKind::LabelVolume);
  EXPECT_EQ(contents.datasets[1]->name(), "volumes/raw");
  EXPECT_EQ(contents.datasets[1]->kind(), DatasetKind::Volume);
  const auto& raw = dynamic_cast<const VolumeDataset&>(*contents.datasets[1]);
  EXPECT_EQ(raw.volumeShape(), (VolumeShape{1, 9, 10, 11}));
  EXPECT_EQ(raw.voxelSize().x, 4);
  EXPECT_EQ(raw.voxelSize().z, 40);
  EXPECT_EQ(raw.voxelSize().unit, "nanometer");
  EXPECT_EQ(raw.attributes().at("note"), "hello");
  EXPECT_EQ(raw.attributes().at("spacing"), "4,8,40");
  EXPECT_EQ(raw.provenance().internalPath, "volumes/raw");

  const auto one = ReaderRegistry::builtin().open(parsePathSpec(store.string() + "::/volumes/raw"));
  ASSERT_EQ(one.datasets.size(), 1u);
  const auto values = dynamic_cast<const VolumeDataset&>(*one.datasets[0])
                          .read<std::uint8_t>(Box{0, 1, 8, 9, 9, 10, 10, 11});
  EXPECT_EQ(values[0], valueAt(989, "<u1"));
  EXPECT_THROW(ReaderRegistry::builtin().open(store, "volumes/nothing"), FileError);
  EXPECT_THROW(ReaderRegistry::builtin().open(store, "../.."), FileError);
}

TEST(Zarr, OmeZarrMultiscalesChooseALevel) {
  TempDir dir;
  const auto image = dir / "img.zarr";
  nl::test::writeBytes(image / ".zgroup", R"({"zarr_format": 2})");
  std::filesystem::create_directories(image);
  nl::test::writeBytes(image / ".zgroup", R"({"zarr_format": 2})");
  nl::test::writeBytes(image / ".zattrs", R"({"multiscales": [{"version": "0.4",
    "axes": [{"name": "t", "type": "time"}, {"name": "c", "type": "channel"},
             {"name": "z", "type": "space", "unit": "micrometer"},
             {"name": "y", "type": "space", "unit": "micrometer"},
             {"name": "x", "type": "space", "unit": "micrometer"}],
    "datasets": [
      {"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [1, 1, 2.0, 0.44, 0.44]}]},
      {"path": "1", "coordinateTransformations": [{"type": "scale", "scale": [1, 1, 4.0, 0.88, 0.88]}]}]}]})");
  zw::Array level0;
  level0.shape = {1, 2, 8, 8, 8};
  level0.chunks = {1, 1, 4, 4, 4};
  level0.dtype = "<u2";
  level0.separator = "/";
  level0.codec = {"blosc", "zstd", 2};
  level0.values = valuesFor("<u2", 1024);
  zw::write(image / "0", level0);
  zw::Array level1 = level0;
  level1.shape = {1, 2, 4, 4, 4};
  level1.values = valuesFor("<u2", 128);
  zw::write(image / "1", level1);

  auto finest = openZarrGroup(image, "");
  ASSERT_EQ(finest.size(), 1u);
  EXPECT_EQ(finest[0]->volumeShape(), (VolumeShape{2, 8, 8, 8}));
  EXPECT_DOUBLE_EQ(finest[0]->voxelSize().x, 0.44);
  EXPECT_DOUBLE_EQ(finest[0]->voxelSize().z, 2.0);
  EXPECT_EQ(finest[0]->voxelSize().unit, "micrometer");
  EXPECT_EQ(finest[0]->attributes().at("multiscale_levels"), "2");
  EXPECT_EQ(finest[0]->read<std::uint16_t>(Box{1, 2, 7, 8, 7, 8, 7, 8})[0], valueAt(1023, "<u2"));

  VolumeOpenOptions budget;
  budget.levelBudgetBytes = 2 * 4 * 4 * 4 * 2;  // level 1 fits, level 0 does not
  const auto coarse = openZarrGroup(image, "", budget);
  EXPECT_EQ(coarse[0]->volumeShape(), (VolumeShape{2, 4, 4, 4}));
  EXPECT_DOUBLE_EQ(coarse[0]->voxelSize().x, 0.88);
  VolumeOpenOptions pick;
  pick.level = 1;
  EXPECT_EQ(openZarrGroup(image, "", pick)[0]->attributes().at("multiscale_level"), "1");
  pick.level = 2;
  EXPECT_THROW(openZarrGroup(image, "", pick), FileError);
  const auto direct = openZarrArray(image, "1");
  EXPECT_DOUBLE_EQ(direct->voxelSize().z, 4.0);
}

// --- bad input --------------------------------------------------------------

void expectFileError(const std::function<void()>& f, const std::vector<std::string>& words) {
  try {
    f();
    ADD_FAILURE() << "no FileError";
  } catch (const FileError& e) {
    for (const auto& word : words)
      EXPECT_NE(std::string(e.what()).find(word), std::string::npos)
          << e.what() << " lacks " << word;
  }
}

TEST(ZarrBadInput, CorruptTruncatedAndWrongSizeChunksNameTheChunk) {
  TempDir dir;
  auto a = sample("<u2", {"blosc", "lz4", 1});
  zw::write(dir / "a.zarr", a);
  const auto chunk = dir / "a.zarr" / "1.2.1.2";
  std::string bytes;
  {
    std::ifstream in(chunk, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  nl::test::writeBytes(chunk, bytes.substr(0, bytes.size() / 2));
  expectFileError(
      [&] {
        openZarrArray(dir / "a.zarr", "")->readFloat(Box{1, 2, 4, 5, 4, 6, 6, 7});
      },
      {"1.2.1.2", "a.zarr", "blosc"});

  for (const std::string id : {"zlib", "gzip", "zstd", "none"}) {
    TempDir d;
    auto b = sample("<u2", {id});
    zw::write(d / "b.zarr", b);
    const auto file = d / "b.zarr" / "0.0.0.0";
    // Truncated.
    std::string data;
    {
      std::ifstream in(file, std::ios::binary);
      data.assign(std::istreambuf_iterator<char>(in), {});
    }
    nl::test::writeBytes(file, data.substr(0, data.size() - 5));
    expectFileError(
        [&] {
          openZarrArray(d / "b.zarr", "")->readFloat(Box{0, 1, 0, 1, 0, 1, 0, 1});
        },
        {"0.0.0.0", "b.zarr"});
    // Wrong size after decompression: a chunk of 10 voxels where 24 belong.
    nl::test::writeBytes(file, zw::compress(b.codec, std::string(20, '\1'), 2));
    expectFileError(
        [&] {
          openZarrArray(d / "b.zarr", "")->readFloat(Box{0, 1, 0, 1, 0, 1, 0, 1});
        },
        {"0.0.0.0", "expected"});
    // Too long.
    nl::test::writeBytes(file, zw::compress(b.codec, std::string(100, '\1'), 2));
    expectFileError(
        [&] {
          openZarrArray(d / "b.zarr", "")->readFloat(Box{0, 1, 0, 1, 0, 1, 0, 1});
        },
        {"0.0.0.0"});
  }
  // Garbage with a valid-looking start is caught by the codec, not read as voxels.
  TempDir g;
  zw::write(g / "c.zarr", sample("<u2", {"zstd"}));
  nl::test::writeBytes(g / "c.zarr" / "0.0.0.0",
                       std::string("\x28\xb5\x2f\xfd garbage garbage", 20));
  expectFileError(
      [&] {
        openZarrArray(g / "c.zarr", "")->readFloat(Box{0, 1, 0, 1, 0, 1, 0, 1});
      },
      {"0.0.0.0", "zstd"});
}

TEST(ZarrBadInput, BadMetadataIsAClearError) {
  // A .zarray with one key replaced (or JSON text cut), and words the error must contain.
  using Overrides = std::vector<std::pair<std::string, std::string>>;
  const auto meta = [](const Overrides& overrides) {
    std::map<std::string, std::string> fields{
        {"zarr_format", "2"}, {"shape", "[4, 4]"}, {"chunks", "[2, 2]"}, {"dtype", "\"<u2\""},
        {"order", "\"C\""},   {"fill_value", "0"}, {"filters", "null"},  {"compressor", "null"}};
    for (const auto& [key, value] : overrides) fields[key] = value;
    std::string text = "{";
    for (const auto& [k, v] : fields) text += (text.size() > 1 ? ", \"" : "\"") + k + "\": " + v;
    return text + "}";
  };
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases{
      {meta({}).substr(0, 40), {".zarray", "JSON"}},
      {meta({{"compressor", R"({"id": "lz4"})"}}), {".zarray", "lz4", "unsupported compressor"}},
      {meta({{"compressor", R"({"id": "bz2"})"}}), {"bz2"}},
      {meta({{"compressor", R"({"cname": "zstd"})"}}), {"compressor", "no id"}},
      {meta({{"filters", R"([{"id": "delta", "dtype": "<u2"}])"}}), {"delta", "filters"}},
      {meta({{"shape", "[1099511627776, 1099511627776, 1099511627776]"}, {"chunks", "[1, 1, 1]"}}),
       {"overflow"}},
      {meta({{"shape", "[3, 2, 4, 4, 4]"}, {"chunks", "[1, 2, 2, 2, 2]"}}), {"5 axes"}},
      {meta({{"chunks", "[2, 2, 2]"}}), {"differ in rank"}},
      {meta({{"chunks", "[100000, 100000]"}, {"dtype", "\"<f8\""}}), {"1 GiB"}},
      {meta({{"shape", "[4, -4]"}}), {"shape"}},
      {meta({{"shape", "[]"}}), {"shape", "non-empty"}},
      {meta({{"chunks", "[0, 2]"}}), {"chunks", "positive"}},
      {meta({{"dtype", "\"<c8\""}}), {"<c8", "not supported"}},
      {meta({{"dtype", "\"<f2\""}}), {"<f2", "float16"}},
      {meta({{"dtype", "[[\"a\", \"<u2\"]]"}}), {"structured"}},
      {meta({{"zarr_format", "3"}}), {"zarr_format"}},
      {meta({{"fill_value", "300"}, {"dtype", "\"|u1\""}}), {"fill_value", "range"}},
      {meta({{"fill_value", "-1"}, {"dtype", "\"<u4\""}}), {"fill_value", "range"}},
      {meta({{"fill_value", "1.5"}}), {"fill_value", "integer"}},
      {meta({{"fill_value", "\"NaN\""}}), {"fill_value", "integer"}},
      {meta({{"order", "\"X\""}}), {"order"}},
      {meta({{"dimension_separator", "\"-\""}}), {"dimension_separator"}},
      {"[1, 2]", {"JSON object"}},
  };
  for (const auto& [text, words] : cases) {
    TempDir dir;
    nl::test::writeBytes(dir / ".zarray", text);
    expectFileError([&] { openZarrArray(dir.path(), ""); }, words);
  }
}

}  // namespace
}  // namespace nl::io::microscopy
