// Synthetic NIfTI files for what the fixtures lack: NIfTI-2, big-endian,
// .hdr/.img pairs, scaling, every datatype, the affine rule; hostile headers.
#include <gtest/gtest.h>

#include <cmath>

#include "io/ReaderRegistry.h"
#include "io/volume/Nifti.h"
#include "tests/surface/SurfaceTestSupport.h"

namespace {

using nl::io::ArrayDataset;
using nl::io::FileError;
using nl::io::volume::readNifti;
using nl::test::NiftiSpec;
using nl::test::TempDir;

std::string twelveFloats(bool bigEndian) {
  std::vector<float> values(24);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) * 0.5f - 3;
  return nl::test::rawBytes(values, bigEndian);
}

TEST(Nifti, Nifti1AndNifti2InBothByteOrdersGiveTheSameVolume) {
  TempDir dir;
  for (int version : {1, 2})
    for (bool bigEndian : {false, true}) {
      SCOPED_TRACE("version " + std::to_string(version) + (bigEndian ? " big" : " little"));
      NiftiSpec spec;
      spec.version = version;
      spec.bigEndian = bigEndian;
      const auto path = dir / ("v" + std::to_string(version) + (bigEndian ? "be" : "le") + ".nii");
      nl::test::writeBytes(path, nl::test::niftiHeader(spec) + twelveFloats(bigEndian));
      const auto volume = readNifti(path);
      EXPECT_EQ(volume->shape(), (std::vector<std::size_t>{4, 3, 2}));
      EXPECT_EQ(volume->values()[0], -3.0);
      EXPECT_EQ(volume->values()[23], 8.5);
      EXPECT_EQ(volume->attributes().at("nifti_version"), std::to_string(version));
      EXPECT_EQ(volume->attributes().at("spacing"), "2,3,4");
      // No qform/sform: nibabel's base affine (x flipped, centred).
      EXPECT_EQ(volume->attributes().at("affine"), "-2,0,0,1,0,3,0,-3,0,0,4,-6,0,0,0,1");
      EXPECT_EQ(volume->attributes().at("affine_source"), "pixdim");
    }
}

TEST(Nifti, GzippedNifti2ReadsLazily) {
  TempDir dir;
  NiftiSpec spec;
  spec.version = 2;
  nl::test::writeBytes(dir / "a.nii.gz",
                       nl::test::gzipBytes(nl::test::niftiHeader(spec) + twelveFloats(false)));
  const auto contents = nl::io::ReaderRegistry::builtin().open(dir / "a.nii.gz");
  EXPECT_EQ(contents.readerName, "NIfTI");
  const auto& volume = dynamic_cast<const ArrayDataset&>(*contents.datasets.at(0));
  EXPECT_FALSE(volume.isLoaded());
  EXPECT_EQ(volume.values()[5], -0.5);
}

TEST(Nifti, HdrImgPairOpensFromEitherFile) {
  TempDir dir;
  NiftiSpec spec;
  spec.pair = true;
  spec.bigEndian = true;
  nl::test::writeBytes(dir / "pair.hdr", nl::test::niftiHeader(spec));
  nl::test::writeBytes(dir / "pair.img", twelveFloats(true));
  for (const char* name : {"pair.hdr", "pair.img"}) {
    SCOPED_TRACE(name);
    const auto contents = nl::io::ReaderRegistry::builtin().open(dir / name);
    const auto& volume = dynamic_cast<const ArrayDataset&>(*contents.datasets.at(0));
    EXPECT_EQ(volume.values()[23], 8.5);
  }
  std::filesystem::remove(dir / "pair.img");
  EXPECT_THROW(readNifti(dir / "pair.hdr"), FileError);
}

TEST(Nifti, SlopeAndInterceptAppliedUnlessSlopeIsZero) {
  TempDir dir;
  NiftiSpec spec;
  spec.datatype = 4;
  spec.bitpix = 16;
  spec.dim = {3, 2, 1, 1, 1, 1, 1, 1};
  const std::string data = nl::test::rawBytes(std::vector<std::int16_t>{-100, 300});
  spec.slope = 0.5;
  spec.inter = 10;
  nl::test::writeBytes(dir / "scaled.nii", nl::test::niftiHeader(spec) + data);
  EXPECT_EQ(readNifti(dir / "scaled.nii")->values(), (std::vector<double>{-40, 160}));
  EXPECT_EQ(readNifti(dir / "scaled.nii")->sourceType(), "float64");
  spec.slope = 0;  // "no scaling", whatever scl_inter says
  nl::test::writeBytes(dir / "unscaled.nii", nl::test::niftiHeader(spec) + data);
  EXPECT_EQ(readNifti(dir / "unscaled.nii")->values(), (std::vector<double>{-100, 300}));
  spec.slope = 2;
  spec.inter = INFINITY;
  nl::test::writeBytes(dir / "badinter.nii", nl::test::niftiHeader(spec) + data);
  EXPECT_THROW(readNifti(dir / "badinter.nii"), FileError);
}

TEST(Nifti, EveryDatatypeDecodes) {
  TempDir dir;
  struct Case {
    int code;
    int bitpix;
    std::string data;
    std::vector<double> expected;
    std::vector<std::size_t> shape;
  };
  using nl::test::rawBytes;
  const std::vector<std::size_t> two{1, 1, 2};
  std::string x87;  // 1.5 and -2 as x87 extended in 16-byte slots, little-endian
  for (auto [mantissa, signExp] :
       {std::pair<std::uint64_t, std::uint16_t>{0xC000000000000000ull, 0x3FFF},
        std::pair<std::uint64_t, std::uint16_t>{0x8000000000000000ull, 0xC000}}) {
    std::string slot(16, '\0');
    nl::test::putAt(slot, 0, mantissa, false);
    nl::test::putAt(slot, 8, signExp, false);
    x87 += slot;
  }
  const std::vector<Case> cases = {
      {2, 8, rawBytes(std::vector<std::uint8_t>{0, 255}), {0, 255}, two},
      {4, 16, rawBytes(std::vector<std::int16_t>{-32768, 32767}), {-32768, 32767}, two},
      {8, 32, rawBytes(std::vector<std::int32_t>{-7, 2000000000}), {-7, 2000000000}, two},
      {16,
       32,
       rawBytes(std::vector<float>{0.25f, -1e30f}),
       {0.25, static_cast<double>(-1e30f)},
       two},
      {64, 64, rawBytes(std::vector<double>{1e-300, -2.5}), {1e-300, -2.5}, two},
      {256, 8, rawBytes(std::vector<std::int8_t>{-128, 127}), {-128, 127}, two},
      {512, 16, rawBytes(std::vector<std::uint16_t>{0, 65535}), {0, 65535}, two},
      {768, 32, rawBytes(std::vector<std::uint32_t>{4000000000u, 1}), {4000000000.0, 1}, two},
      {1024,
       64,
       rawBytes(std::vector<std::int64_t>{-(std::int64_t{1} << 40), 3}),
       {-1099511627776.0, 3},
       two},
      {1280,
       64,
       rawBytes(std::vector<std::uint64_t>{std::uint64_t{1} << 50, 9}),
       {1125899906842624.0, 9},
       two},
      {1536, 128, x87, {1.5, -2}, two},
      {32, 64, rawBytes(std::vector<float>{1, -1, 2, -2}), {1, -1, 2, -2}, {1, 1, 2, 2}},
      {1792, 128, rawBytes(std::vector<double>{0.5, 4, -8, 16}), {0.5, 4, -8, 16}, {1, 1, 2, 2}},
      {128, 24, std::string("\x01\x02\x03\xff\xfe\xfd", 6), {1, 2, 3, 255, 254, 253}, {1, 1, 2, 3}},
      {2304,
       32,
       std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8),
       {1, 2, 3, 4, 5, 6, 7, 8},
       {1, 1, 2, 4}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE("datatype " + std::to_string(c.code));
    NiftiSpec spec;
    spec.datatype = c.code;
    spec.bitpix = c.bitpix;
    spec.dim = {3, 2, 1, 1, 1, 1, 1, 1};
    spec.slope = c.code == 128 || c.code == 2304 ? 2 : 0;  // RGB ignores scaling
    const auto path = dir / ("t" + std::to_string(c.code) + ".nii");
    nl::test::writeBytes(path, nl::test::niftiHeader(spec) + c.data);
    const auto volume = readNifti(path);
    EXPECT_EQ(volume->shape(), c.shape);
    EXPECT_EQ(volume->values(), c.expected);
  }
}

TEST(Nifti, AffineRulePrefersSformThenQform) {
  TempDir dir;
  NiftiSpec spec;
  spec.qformCode = 1;
  // 180° about z: quaternion (0, 0, 1) → diag(-1, -1, 1) × pixdim, qfac -1 flips z.
  spec.quatern = {0, 0, 1};
  spec.qoffset = {10, 20, 30};
  spec.pixdim[0] = -1;
  nl::test::writeBytes(dir / "q.nii", nl::test::niftiHeader(spec) + twelveFloats(false));
  const auto q = readNifti(dir / "q.nii");
  EXPECT_EQ(q->attributes().at("affine_source"), "qform");
  EXPECT_EQ(q->attributes().at("affine"), "-2,0,0,10,0,-3,0,20,0,0,-4,30,0,0,0,1");
  EXPECT_EQ(q->attributes().at("origin"), "10,20,30");
  spec.sformCode = 4;
  spec.srow = {0, 0, 4, -1, 2, 0, 0, -2, 0, 3, 0, -3};
  nl::test::writeBytes(dir / "s.nii", nl::test::niftiHeader(spec) + twelveFloats(false));
  const auto s = readNifti(dir / "s.nii");
  EXPECT_EQ(s->attributes().at("affine_source"), "sform");
  EXPECT_EQ(s->attributes().at("affine"), "0,0,4,-1,2,0,0,-2,0,3,0,-3,0,0,0,1");
}

TEST(Nifti, FourDimensionalTimeUnits) {
  TempDir dir;
  NiftiSpec spec;
  spec.dim = {4, 2, 3, 1, 4, 1, 1, 1};
  spec.pixdim = {1, 2, 2, 2, 1500, 0, 0, 0};
  spec.xyztUnits = 2 | 16;  // mm, ms
  nl::test::writeBytes(dir / "t.nii", nl::test::niftiHeader(spec) + twelveFloats(false));
  const auto run = readNifti(dir / "t.nii");
  EXPECT_EQ(run->kind(), nl::io::DatasetKind::VoxelSeries);
  EXPECT_EQ(run->shape(), (std::vector<std::size_t>{4, 1, 3, 2}));
  EXPECT_EQ(run->attributes().at("tr"), "1.5");
  EXPECT_EQ(run->attributes().at("time_units"), "ms");
}

TEST(Nifti, HostileHeadersGiveFileErrors) {
  TempDir dir;
  auto expectError = [&](const std::string& name, const std::string& bytes,
                         const std::string& words) {
    SCOPED_TRACE(name);
    nl::test::writeBytes(dir / name, bytes);
    try {
      const auto volume = readNifti(dir / name);
      (void)volume->values();
      ADD_FAILURE() << "no error";
    } catch (const FileError& error) {
      EXPECT_NE(std::string(error.what()).find(words), std::string::npos) << error.what();
      EXPECT_NE(std::string(error.what()).find(name), std::string::npos) << error.what();
    }
  };
  NiftiSpec spec;
  const std::string good = nl::test::niftiHeader(spec) + twelveFloats(false);
  expectError("short.nii", good.substr(0, 200), "truncated");
  expectError("sizeof.nii", std::string(4, '\x07') + good.substr(4), "sizeof_hdr");
  std::string noMagic = good;
  noMagic[344] = 'x';
  expectError("nomagic.nii", noMagic, "magic");
  expectError("data.nii", good.substr(0, good.size() - 10), "bytes");
  NiftiSpec huge;
  huge.version = 2;
  huge.dim = {4, std::int64_t{1} << 40, std::int64_t{1} << 40, 1 << 20, 1, 1, 1, 1};
  expectError("overflow.nii", nl::test::niftiHeader(huge), "too large");
  NiftiSpec big;
  big.dim = {4, 32767, 32767, 32767, 32767, 1, 1, 1};
  expectError("bigdims.nii", nl::test::niftiHeader(big) + twelveFloats(false), "bytes");
  NiftiSpec negative;
  negative.dim = {3, 2, -3, 4, 1, 1, 1, 1};
  expectError("negative.nii", nl::test::niftiHeader(negative), "negative");
  // Found by the fuzzer: a 4-D header with dim[4] = 0 had a 3-D shape of
  // 17 × 21 × 66 and no values.
  NiftiSpec empty;
  empty.dim = {4, 2, 3, 2, 0, 1, 1, 1};
  expectError("empty.nii", nl::test::niftiHeader(empty), "dim[4] is 0");
  NiftiSpec rank;
  rank.dim = {9, 2, 3, 4, 1, 1, 1, 1};
  expectError("rank.nii", nl::test::niftiHeader(rank), "dim[0]");
  NiftiSpec type;
  type.datatype = 1;  // DT_BINARY
  expectError("binary.nii", nl::test::niftiHeader(type) + twelveFloats(false), "datatype");
  expectError("trunc.nii.gz", nl::test::gzipBytes(good).substr(0, 120), "truncated");
  std::string n2 = nl::test::niftiHeader(NiftiSpec{.version = 2});
  n2[8] = '\n';  // damaged by a text-mode transfer
  expectError("textmode.nii", n2 + twelveFloats(false), "magic");
}

}  // namespace
