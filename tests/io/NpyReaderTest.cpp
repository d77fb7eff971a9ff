// The .npy reader, with files written byte by byte here (no NumPy needed):
// every supported dtype in both byte orders, Fortran order, odd shapes,
// hostile headers, lazy loading, and the real fixtures.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "io/ReaderRegistry.h"
#include "io/readers/NpyReader.h"
#include "tests/support/TestSupport.h"

using namespace nl::io;
using namespace nl::test;

namespace {

std::shared_ptr<const ArrayDataset> open(const std::filesystem::path& path) {
  const auto contents = ReaderRegistry::builtin().open(path);
  EXPECT_EQ(contents.readerName, "NumPy .npy");
  EXPECT_EQ(contents.datasets.size(), 1u);
  return std::dynamic_pointer_cast<const ArrayDataset>(contents.datasets.at(0));
}

// The reason of the FileError opening and loading `path` gives.
std::string refusal(const std::filesystem::path& path) {
  const auto error = fileErrorOf([&] { open(path)->values(); });
  if (!error) return {};
  EXPECT_EQ(error->path(), path);
  return error->reason();
}

template <typename T>
void expectRoundTrip(const std::string& descr, const std::vector<T>& values,
                     const std::string& dtype) {
  TempDir dir;
  const bool big = descr[0] == '>';
  for (int major : {1, 2, 3}) {
    SCOPED_TRACE(descr + " v" + std::to_string(major));
    const auto path =
        npyFile(dir, "x.npy", simpleDict(descr, "(" + std::to_string(values.size()) + ",)"),
                rawBytes(values, big), major);
    const auto array = open(path);
    ASSERT_TRUE(array);
    EXPECT_EQ(array->sourceType(), dtype);
    ASSERT_EQ(array->values().size(), values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
      EXPECT_EQ(array->values()[i], static_cast<double>(values[i]));
  }
}

}  // namespace

TEST(NpyDtypes, IntegersOfEverySizeAndBothByteOrders) {
  expectRoundTrip<std::int8_t>("|i1", {-128, 0, 127}, "int8");
  expectRoundTrip<std::int16_t>("<i2", {-32768, 1, 32767}, "int16");
  expectRoundTrip<std::int16_t>(">i2", {-32768, 258, 32767}, "int16");
  expectRoundTrip<std::int32_t>(">i4", {-7, 65536, 2147483647, -2147483647 - 1}, "int32");
  expectRoundTrip<std::int64_t>("<i8", {-(std::int64_t{1} << 53), 42, std::int64_t{1} << 53},
                                "int64");
  expectRoundTrip<std::int64_t>(">i8", {-3, 1234567890123}, "int64");
  expectRoundTrip<std::uint8_t>("|u1", {0, 200, 255}, "uint8");
  expectRoundTrip<std::uint16_t>("<u2", {0, 65535, 3}, "uint16");
  expectRoundTrip<std::uint16_t>(">u2", {1, 65280}, "uint16");
  expectRoundTrip<std::uint32_t>("<u4", {4294967295u, 7}, "uint32");
  expectRoundTrip<std::uint64_t>(">u8", {std::uint64_t{1} << 40, 9}, "uint64");
}

TEST(NpyDtypes, FloatsIncludingHalfSpecialValues) {
  expectRoundTrip<double>("<f8", {1.5, -0.0, 1e-310, std::numeric_limits<double>::max()},
                          "float64");
  expectRoundTrip<double>(">f8", {3.141592653589793, -2.5e300}, "float64");
  expectRoundTrip<float>("<f4", {0.1f, -1e30f}, "float32");
  expectRoundTrip<float>(">f4", {0.1f, 16777217.0f}, "float32");
  TempDir dir;
  // IEEE half: 1, -2, 0.5, largest finite 65504, smallest subnormal 2^-24, +inf, -inf, NaN.
  const std::vector<std::uint16_t> bits{0x3C00, 0xC000, 0x3800, 0x7BFF,
                                        0x0001, 0x7C00, 0xFC00, 0x7E00};
  for (const char* descr : {"<f2", ">f2"}) {
    SCOPED_TRACE(descr);
    const auto path =
        npyFile(dir, "h.npy", simpleDict(descr, "(8,)"), rawBytes(bits, descr[0] == '>'));
    const auto half = open(path);
    const auto& v = half->values();
    ASSERT_EQ(v.size(), 8u);
    EXPECT_EQ(v[0], 1.0);
    EXPECT_EQ(v[1], -2.0);
    EXPECT_EQ(v[2], 0.5);
    EXPECT_EQ(v[3], 65504.0);
    EXPECT_EQ(v[4], std::ldexp(1.0, -24));
    EXPECT_EQ(v[5], std::numeric_limits<double>::infinity());
    EXPECT_EQ(v[6], -std::numeric_limits<double>::infinity());
    EXPECT_TRUE(std::isnan(v[7]));
  }
  // '=' is native order; bools are any non-zero byte.
  const auto native =
      npyFile(dir, "n.npy", simpleDict("=f8", "(2,)"), rawBytes(std::vector<double>{4, 5}));
  EXPECT_EQ(open(native)->values(), (std::vector<double>{4, 5}));
  const auto flags =
      npyFile(dir, "b.npy", simpleDict("|b1", "(4,)"), std::string("\x00\x01\xff\x02", 4));
  EXPECT_EQ(open(flags)->values(), (std::vector<double>{0, 1, 1, 1}));
  EXPECT_EQ(open(flags)->sourceType(), "bool");
}

TEST(NpyLayout, FortranOrderOfHigherRanksComesBackInCOrder) {
  TempDir dir;
  // 2×3: C order [[0,1,2],[3,4,5]] is 0,3,1,4,2,5 in Fortran order.
  const auto m = npyFile(dir, "m.npy", simpleDict("<i4", "(2, 3)", true),
                         rawBytes(std::vector<std::int32_t>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(open(m)->values(), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  // 2×3×4×2, big-endian int16: value(i,j,k,l) = 1000i + 100j + 10k + l.
  const std::size_t d0 = 2, d1 = 3, d2 = 4, d3 = 2;
  std::vector<std::int16_t> fortran(d0 * d1 * d2 * d3);
  for (std::size_t i = 0; i < d0; ++i)
    for (std::size_t j = 0; j < d1; ++j)
      for (std::size_t k = 0; k < d2; ++k)
        for (std::size_t l = 0; l < d3; ++l)
          fortran[i + d0 * (j + d1 * (k + d2 * l))] =
              static_cast<std::int16_t>(1000 * i + 100 * j + 10 * k + l);
  const auto t =
      npyFile(dir, "t.npy", simpleDict(">i2", "(2, 3, 4, 2)", true), rawBytes(fortran, true));
  const auto array = open(t);
  ASSERT_EQ(array->shape(), (std::vector<std::size_t>{2, 3, 4, 2}));
  std::size_t c = 0;
  for (std::size_t i = 0; i < d0; ++i)
    for (std::size_t j = 0; j < d1; ++j)
      for (std::size_t k = 0; k < d2; ++k)
        for (std::size_t l = 0; l < d3; ++l, ++c)
          ASSERT_EQ(array->values()[c], static_cast<double>(1000 * i + 100 * j + 10 * k + l))
              << i << j << k << l;
  // A vector is the same in both orders; an empty Fortran matrix is just empty.
  const auto v = npyFile(dir, "v.npy", simpleDict("<f8", "(3,)", true),
                         rawBytes(std::vector<double>{1, 2, 3}));
  EXPECT_EQ(open(v)->values(), (std::vector<double>{1, 2, 3}));
  const auto e = npyFile(dir, "e.npy", simpleDict("<f8", "(0, 4)", true), "");
  EXPECT_EQ(open(e)->shape(), (std::vector<std::size_t>{0, 4}));
  EXPECT_TRUE(open(e)->values().empty());
}

TEST(NpyLayout, ScalarEmptyAndHeaderSpellings) {
  TempDir dir;
  const auto scalar =
      npyFile(dir, "s.npy", simpleDict("<i8", "()"), rawBytes(std::vector<std::int64_t>{-9}));
  EXPECT_TRUE(open(scalar)->shape().empty());
  EXPECT_EQ(open(scalar)->values(), std::vector<double>{-9});
  const auto empty = npyFile(dir, "e.npy", simpleDict("<f4", "(0,)"), "");
  EXPECT_EQ(open(empty)->shape(), std::vector<std::size_t>{0});
  EXPECT_TRUE(open(empty)->values().empty());
  const auto zeroCols = npyFile(dir, "z.npy", simpleDict("<f4", "(3, 0)"), "");
  EXPECT_EQ(open(zeroCols)->shape(), (std::vector<std::size_t>{3, 0}));
  // Keys in another order, no spaces, no trailing comma: still a valid header.
  const auto terse =
      npyFile(dir, "terse.npy", "{'shape':(2,2),'fortran_order':False,'descr':'<u2'}",
              rawBytes(std::vector<std::uint16_t>{1, 2, 3, 4}));
  EXPECT_EQ(open(terse)->values(), (std::vector<double>{1, 2, 3, 4}));
  // Trailing bytes after the data are tolerated (and ignored).
  const auto padded =
      npyFile(dir, "p.npy", simpleDict("<f8", "(1,)"), rawBytes(std::vector<double>{6}) + "junk");
  EXPECT_EQ(open(padded)->values(), std::vector<double>{6});
  // The reader reports what it found.
  const auto contents =
      ReaderRegistry::builtin().open(npyFile(dir, "m.npy", simpleDict(">i4", "(1,)", true),
                                             rawBytes(std::vector<std::int32_t>{1}, true), 2));
  EXPECT_EQ(contents.metadata["npy_version"], 2);
  EXPECT_EQ(contents.metadata["dtype"], "int32");
  EXPECT_EQ(contents.metadata["byte_order"], ">");
  EXPECT_EQ(contents.metadata["fortran_order"], true);
  EXPECT_EQ(contents.datasets[0]->name(), "m");
  EXPECT_EQ(contents.datasets[0]->provenance().readerName, "NumPy .npy");
}

TEST(NpyLayout, HeadersLongerThanTheFirstReadAreReadWhole) {
  // NumPy writes version 2/3 headers up to 4 GiB (wide structured dtypes);
  // we accept up to 1 MiB. 100 KiB of header, then three values.
  TempDir dir;
  const std::string padding(100 * 1024, ' ');
  const auto path = npyFile(dir, "wide.npy", simpleDict("<f8", "(3,)") + padding,
                            rawBytes(std::vector<double>{1.5, -2.0, 8.25}), 2);
  const auto contents = ReaderRegistry::builtin().open(path);
  ASSERT_EQ(contents.datasets.size(), 1u);
  const auto* array = dynamic_cast<const ArrayDataset*>(contents.datasets.front().get());
  ASSERT_NE(array, nullptr);
  EXPECT_EQ(array->values(), (std::vector<double>{1.5, -2.0, 8.25}));
  // Cut inside that header: still a clear truncation, not a misread.
  const auto whole = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, 80 * 1024);
  const auto error = fileErrorOf([&] { ReaderRegistry::builtin().open(path); });
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(std::string(error->what()).find("truncated .npy header"), std::string::npos)
      << error->what() << " (file was " << whole << " bytes)";
}

TEST(NpyLazy, DataAreReadOnFirstUseAndAFileDamagedMeanwhileIsAFileError) {
  TempDir dir;
  const auto path = npyFile(dir, "lazy.npy", simpleDict("<f8", "(4,)"),
                            rawBytes(std::vector<double>{1, 2, 3, 4}));
  const auto array = open(path);
  EXPECT_FALSE(array->isLoaded()) << ".npy data are read on first use";
  // Cut the file after it was opened: the first use must report it, not crash.
  const std::string bytes = readBytes(path);
  writeBytes(path, bytes.substr(0, bytes.size() - 8));
  const auto error = fileErrorOf([&] { array->values(); });
  ASSERT_TRUE(error);
  EXPECT_NE(error->reason().find("truncated"), std::string::npos) << error->reason();
  EXPECT_FALSE(array->isLoaded());
  writeBytes(path, bytes);  // restored: a retry succeeds
  EXPECT_EQ(array->values(), (std::vector<double>{1, 2, 3, 4}));
}

TEST(NpyHostile, TruncatedAndMalformedFiles) {
  TempDir dir;
  const std::string dict = simpleDict("<f8", "(3,)");
  const std::string full = npyBytes(1, dict, rawBytes(std::vector<double>{1, 2, 3}));
  writeBytes(dir / "short_by_one.npy", full.substr(0, full.size() - 1));
  EXPECT_NE(refusal(dir / "short_by_one.npy").find("truncated"), std::string::npos);
  writeBytes(dir / "no_data.npy", full.substr(0, full.size() - 24));
  EXPECT_NE(refusal(dir / "no_data.npy").find("truncated"), std::string::npos);
  writeBytes(dir / "cut_header.npy", full.substr(0, 40));
  EXPECT_NE(refusal(dir / "cut_header.npy").find("truncated"), std::string::npos);
  writeBytes(dir / "cut_prefix_v2.npy", npyBytes(2, dict, "").substr(0, 10));
  EXPECT_FALSE(refusal(dir / "cut_prefix_v2.npy").empty());

  std::string badMagic = full;
  badMagic[1] = 'X';
  writeBytes(dir / "bad_magic.npy", badMagic);
  EXPECT_NE(refusal(dir / "bad_magic.npy").find("magic"), std::string::npos);
  std::string v0 = full;
  v0[6] = 0;
  writeBytes(dir / "v0.npy", v0);
  EXPECT_NE(refusal(dir / "v0.npy").find("version 0"), std::string::npos);
  // A v2 header that claims 3 GB.
  std::string huge = npyBytes(2, dict, "");
  huge[8] = '\x00', huge[9] = '\x00', huge[10] = '\x00', huge[11] = '\xC0';
  writeBytes(dir / "huge_header.npy", huge);
  EXPECT_NE(refusal(dir / "huge_header.npy").find("implausibly large"), std::string::npos);

  for (const auto& [name, header, word] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"no_descr", "{'fortran_order': False, 'shape': (3,), }", "descr"},
           {"no_fortran", "{'descr': '<f8', 'shape': (3,), }", "fortran_order"},
           {"no_shape", "{'descr': '<f8', 'fortran_order': False, }", "shape"},
           {"not_a_dict", "garbage garbage garbage", "descr"}}) {
    writeBytes(dir / (name + ".npy"), npyBytes(1, header, rawBytes(std::vector<double>{1, 2, 3})));
    EXPECT_NE(refusal(dir / (name + ".npy")).find(word), std::string::npos) << name;
  }
}

TEST(NpyHostile, UnsupportedDtypesAreNamed) {
  TempDir dir;
  for (const auto& [descr, item] : std::vector<std::pair<std::string, std::size_t>>{
           {"|O", 8}, {"<c16", 16}, {"<f16", 16}, {"<i3", 3}, {"<M8[ns]", 8}, {"|V8", 8}}) {
    SCOPED_TRACE(descr);
    writeBytes(dir / "x.npy", npyBytes(1, simpleDict(descr, "(2,)"), std::string(2 * item, '\0')));
    const std::string reason = refusal(dir / "x.npy");
    EXPECT_NE(reason.find("dtype"), std::string::npos) << reason;
    EXPECT_NE(reason.find(descr), std::string::npos) << "the message names the dtype: " << reason;
  }
  writeBytes(
      dir / "rec.npy",
      npyBytes(
          1, "{'descr': [('t', '<f8'), ('unit', '<i4')], 'fortran_order': False, 'shape': (1,), }",
          std::string(12, '\0')));
  EXPECT_NE(refusal(dir / "rec.npy").find("structured"), std::string::npos);
}

TEST(NpyHostile, AbsurdShapesAreRefusedBeforeAnyAllocation) {
  TempDir dir;
  // Each of these must be a FileError (not std::out_of_range, std::length_error
  // or std::bad_alloc, and not an attempt to allocate exabytes).
  const std::vector<std::pair<std::string, std::string>> cases{
      {"product_overflows", simpleDict("<f8", "(4294967296, 4294967296, 65536)")},
      {"bytes_overflow", simpleDict("<f8", "(2305843009213693952,)")},
      // 8 × (2^61 − 1) bytes is 2^64 − 8: adding the header offset wraps around.
      {"bytes_plus_offset_wrap", simpleDict("<f8", "(2305843009213693951,)")},
      {"dimension_too_long", simpleDict("<f8", "(99999999999999999999999999,)")},
      {"itemsize_too_long", simpleDict("<f99999999999999999999999", "(1,)")},
      {"negative_dimension", simpleDict("<f8", "(-1,)")},
      {"not_a_number", simpleDict("<f8", "(3, x)")},
  };
  for (const auto& [name, header] : cases) {
    SCOPED_TRACE(name);
    writeBytes(dir / (name + ".npy"), npyBytes(1, header, rawBytes(std::vector<double>{1, 2, 3})));
    EXPECT_FALSE(refusal(dir / (name + ".npy")).empty());
  }
}

TEST(NpyFixtures, RsatoolboxAnimacyModelRdmHasItsKnownStructure) {
  NL_REQUIRE_FIXTURE("rsa/rsatoolbox_118images/118_animate_RDM.npy");
  const auto rdm = open(fixtures() / "rsa/rsatoolbox_118images/118_animate_RDM.npy");
  ASSERT_EQ(rdm->shape(), (std::vector<std::size_t>{118, 118}));
  EXPECT_EQ(rdm->sourceType(), "float64");
  const auto& v = rdm->values();
  // Checked independently with NumPy: the model is 1 − animate(i)·animate(j)
  // for 27 animate and 91 inanimate images — symmetric, values 0 and 1, a
  // 27×27 block of zeros, and 1 on the diagonal of the inanimate images.
  std::vector<bool> animate(118);
  for (std::size_t i = 0; i < 118; ++i) animate[i] = v[i * 118 + i] == 0.0;
  EXPECT_EQ(std::count(animate.begin(), animate.end(), true), 27);
  double sum = 0;
  for (std::size_t i = 0; i < 118; ++i)
    for (std::size_t j = 0; j < 118; ++j) {
      const double value = v[i * 118 + j];
      sum += value;
      ASSERT_EQ(value, v[j * 118 + i]) << "not symmetric at " << i << "," << j;
      ASSERT_EQ(value, animate[i] && animate[j] ? 0.0 : 1.0) << i << "," << j;
    }
  EXPECT_EQ(sum, 118.0 * 118.0 - 27.0 * 27.0);
  EXPECT_FALSE(animate[0]) << "image 0 is inanimate in the rsatoolbox demo";
}

// Text arrays ('U' UTF-32 either byte order, 'S' bytes) are one-column tables.
TEST(NpyText, UnicodeAndBytesArraysAreTables) {
  TempDir dir;
  auto utf32 = [](const std::u32string& text, std::size_t width, bool big) {
    std::string bytes;
    for (std::size_t i = 0; i < width; ++i) {
      const char32_t c = i < text.size() ? text[i] : U'\0';
      for (int b = 0; b < 4; ++b) bytes += static_cast<char>((c >> (8 * (big ? 3 - b : b))) & 0xFF);
    }
    return bytes;
  };
  for (const bool big : {false, true}) {
    SCOPED_TRACE(big ? "big-endian" : "little-endian");
    writeBytes(dir / "names.npy", npyBytes(1, simpleDict(big ? ">U3" : "<U3", "(2,)"),
                                           utf32(U"VIS", 3, big) + utf32(U"µm", 3, big)));
    const auto contents = ReaderRegistry::builtin().open(dir / "names.npy");
    const auto table = std::dynamic_pointer_cast<const TableDataset>(contents.datasets.at(0));
    ASSERT_TRUE(table);
    EXPECT_EQ(table->column("names")->strings(), (std::vector<std::string>{"VIS", "µm"}));
  }
  writeBytes(dir / "codes.npy",
             npyBytes(1, simpleDict("|S4", "(2,)"), std::string("ab\0\0wxyz", 8)));
  const auto codes = std::dynamic_pointer_cast<const TableDataset>(
      ReaderRegistry::builtin().open(dir / "codes.npy").datasets.at(0));
  ASSERT_TRUE(codes);
  EXPECT_EQ(codes->column("codes")->strings(), (std::vector<std::string>{"ab", "wxyz"}));
  // Truncated text and invalid code points are errors naming the file.
  writeBytes(dir / "short.npy", npyBytes(1, simpleDict("<U3", "(2,)"), std::string(12, 'a')));
  EXPECT_TRUE(fileErrorOf([&] { ReaderRegistry::builtin().open(dir / "short.npy"); }));
  writeBytes(dir / "bad.npy",
             npyBytes(1, simpleDict("<U1", "(1,)"), std::string("\xff\xff\xff\xff", 4)));
  EXPECT_TRUE(fileErrorOf([&] { ReaderRegistry::builtin().open(dir / "bad.npy"); }));
}

// rsatoolbox's 118 stimulus categories ('<U9'), as NumPy reads them.
TEST(NpyFixtures, RsatoolboxLabelsAreReadAsText) {
  NL_REQUIRE_FIXTURE("rsa/rsatoolbox_118images/118_animate_labels.npy");
  const auto path = fixtures() / "rsa/rsatoolbox_118images/118_animate_labels.npy";
  const auto table = std::dynamic_pointer_cast<const TableDataset>(
      ReaderRegistry::builtin().open(path).datasets.at(0));
  ASSERT_TRUE(table);
  const auto& labels = table->columns().front().strings();
  ASSERT_EQ(labels.size(), 118u);
  EXPECT_EQ(std::count(labels.begin(), labels.end(), "Animate"), 27);
  EXPECT_EQ(std::count(labels.begin(), labels.end(), "Inanimate"), 91);
  EXPECT_EQ(labels.front(), "Inanimate");
  EXPECT_EQ(std::find(labels.begin(), labels.end(), "Animate") - labels.begin(), 5);
}

TEST(NpyFixtures, SpyketoolsAllenDriftingGratings) {
  NL_REQUIRE_FIXTURE("spikes/allen_neuropixels_spyketools/stim_label.npy");
  const auto dir = fixtures() / "spikes/allen_neuropixels_spyketools";
  const auto labels = open(dir / "stim_label.npy");
  ASSERT_EQ(labels->shape(), std::vector<std::size_t>{200});
  std::map<double, int> counts;
  for (double label : labels->values()) ++counts[label];
  // Four orientation classes, 50 trials each.
  EXPECT_EQ(counts, (std::map<double, int>{{0, 50}, {45, 50}, {90, 50}, {135, 50}}));

  const auto index = open(dir / "ii_spike_times.npy");
  ASSERT_EQ(index->shape(), (std::vector<std::size_t>{200, 1000, 2}));
  const auto times = open(dir / "spike_times.npy");
  ASSERT_EQ(times->shape(), std::vector<std::size_t>{153635});
  // [trial, neuron] → [start, stop) into spike_times: contiguous, covering it all.
  const auto& ii = index->values();
  double previousStop = 0;
  for (std::size_t k = 0; k < 200 * 1000; ++k) {
    ASSERT_EQ(ii[2 * k], previousStop) << "entry " << k;
    ASSERT_LE(ii[2 * k], ii[2 * k + 1]);
    previousStop = ii[2 * k + 1];
  }
  EXPECT_EQ(previousStop, 153635.0);
  // Trial-relative spike times inside the 100 ms window.
  const auto [lo, hi] = std::minmax_element(times->values().begin(), times->values().end());
  EXPECT_GT(*lo, 0.0);
  EXPECT_LT(*hi, 0.1);
}
