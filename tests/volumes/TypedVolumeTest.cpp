// Volumes in their stored type: an int16 NIfTI stays int16 (memory-mapped
// when uncompressed, inflated once when gzipped, swapped once when
// big-endian), scl_slope/scl_inter applied on read, truncated files named in
// the error, time courses and blocks equal to the double path.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "io/Error.h"
#include "io/MappedFile.h"
#include "io/Threads.h"
#include "io/TypedArray.h"
#include "io/volume/Nifti.h"
#include "tests/surface/SurfaceTestSupport.h"

namespace {

using nl::io::FileError;
using nl::io::ScalarType;
using nl::io::TypedArray;
using nl::io::volume::readNifti;
using nl::test::NiftiSpec;
using nl::test::TempDir;

// A 4 × 3 × 2 × 5 int16 run: value = 100 t + 7 x − 3 y + 11 z − 40.
constexpr std::size_t kNx = 4, kNy = 3, kNz = 2, kFrames = 5;

std::vector<std::int16_t> runValues() {
  std::vector<std::int16_t> v;
  for (std::size_t t = 0; t < kFrames; ++t)
    for (std::size_t z = 0; z < kNz; ++z)
      for (std::size_t y = 0; y < kNy; ++y)
        for (std::size_t x = 0; x < kNx; ++x)
          v.push_back(static_cast<std::int16_t>(100 * t + 7 * x + 11 * z) -
                      static_cast<std::int16_t>(3 * y + 40));
  return v;
}

NiftiSpec runSpec(double slope = 0, double inter = 0, bool bigEndian = false) {
  NiftiSpec spec;
  spec.dim = {4, kNx, kNy, kNz, kFrames, 1, 1, 1};
  spec.pixdim = {1, 2, 2, 2, 1.5, 0, 0, 0};
  spec.datatype = 4;  // int16
  spec.bitpix = 16;
  spec.slope = slope;
  spec.inter = inter;
  spec.bigEndian = bigEndian;
  return spec;
}

std::string runFile(const NiftiSpec& spec) {
  return nl::test::niftiHeader(spec) + nl::test::rawBytes(runValues(), spec.bigEndian);
}

TEST(TypedVolume, Int16RunStaysInt16AndIsNotWidened) {
  TempDir dir;
  nl::test::writeBytes(dir / "run.nii", runFile(runSpec()));
  const auto run = readNifti(dir / "run.nii");
  EXPECT_TRUE(run->hasTypedStorage());
  const TypedArray& typed = run->typed();
  EXPECT_EQ(typed.type(), ScalarType::Int16);
  EXPECT_EQ(typed.storedBytes(), runValues().size() * 2);
  EXPECT_FALSE(typed.isScaled());
  const auto stored = typed.stored<std::int16_t>();
  const auto expected = runValues();
  ASSERT_EQ(stored.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) ASSERT_EQ(stored[i], expected[i]) << i;
  EXPECT_FALSE(run->isLoaded()) << "typed() must not widen the run to doubles";
  EXPECT_THROW(typed.stored<float>(), std::logic_error);
  EXPECT_EQ(run->sourceType(), "int16");
  // values() still works for code that wants doubles, and agrees.
  const auto& doubles = run->values();
  EXPECT_TRUE(run->isLoaded());
  for (std::size_t i = 0; i < expected.size(); ++i) ASSERT_EQ(doubles[i], expected[i]);
}

TEST(TypedVolume, ScalingIsAppliedOnRead) {
  TempDir dir;
  nl::test::writeBytes(dir / "scaled.nii", runFile(runSpec(1.5, -10)));
  const auto run = readNifti(dir / "scaled.nii");
  const TypedArray& typed = run->typed();
  EXPECT_EQ(typed.type(), ScalarType::Int16) << "the scaling does not change the stored type";
  EXPECT_TRUE(typed.isScaled());
  EXPECT_EQ(typed.slope(), 1.5);
  EXPECT_EQ(typed.inter(), -10.0);
  const auto expected = runValues();
  for (std::size_t i = 0; i < expected.size(); ++i)
    ASSERT_EQ(typed.at(i), expected[i] * 1.5 - 10.0) << i;
  std::vector<double> block(7);
  typed.toDouble(30, 7, block.data());
  for (std::size_t j = 0; j < 7; ++j) EXPECT_EQ(block[j], expected[30 + j] * 1.5 - 10.0);
  EXPECT_EQ(run->values()[17], expected[17] * 1.5 - 10.0);
  EXPECT_EQ(run->sourceType(), "float64") << "as before: scaled volumes report doubles";
}

TEST(TypedVolume, MappedNiftiAndGzippedAndBigEndianHoldTheSameValues) {
  TempDir dir;
  nl::test::writeBytes(dir / "plain.nii", runFile(runSpec(0.25, 3)));
  nl::test::writeBytes(dir / "packed.nii.gz", nl::test::gzipBytes(runFile(runSpec(0.25, 3))));
  nl::test::writeBytes(dir / "swapped.nii", runFile(runSpec(0.25, 3, true)));
  const auto plain = readNifti(dir / "plain.nii");
  const auto packed = readNifti(dir / "packed.nii.gz");
  const auto swapped = readNifti(dir / "swapped.nii");
  for (const auto* run : {packed.get(), swapped.get()}) {
    EXPECT_EQ(run->typed().type(), ScalarType::Int16);
    EXPECT_EQ(run->typed().toDoubles(), plain->typed().toDoubles());
    const auto a = run->typed().stored<std::int16_t>();
    const auto b = plain->typed().stored<std::int16_t>();
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin()));
  }
  EXPECT_EQ(packed->values(), plain->values());
}

TEST(TypedVolume, TimeCourseAndBlocksEqualTheDoublePath) {
  TempDir dir;
  nl::test::writeBytes(dir / "run.nii", runFile(runSpec(2, 1)));
  const auto run = readNifti(dir / "run.nii");
  const std::size_t volume = kNx * kNy * kNz;
  const auto doubles = run->typed().toDoubles();  // the double path, widened separately
  for (std::size_t voxel : {std::size_t{0}, std::size_t{5}, volume - 1}) {
    std::vector<double> course(kFrames);
    run->typed().gather(voxel, volume, kFrames, course.data());
    for (std::size_t t = 0; t < kFrames; ++t) EXPECT_EQ(course[t], doubles[t * volume + voxel]);
  }
  const std::vector<std::size_t> chosen{1, 4, 9, 23};
  std::vector<double> picked(chosen.size());
  run->typed().gather(2 * volume, chosen, picked.data());
  for (std::size_t j = 0; j < chosen.size(); ++j)
    EXPECT_EQ(picked[j], doubles[2 * volume + chosen[j]]);
  const TypedArray third = run->typed().slice(3 * volume, volume);
  EXPECT_EQ(third.at(0), doubles[3 * volume]);
  EXPECT_THROW(run->typed().at(run->typed().size()), std::out_of_range);
  EXPECT_THROW(run->typed().gather(volume - 1, volume, kFrames + 1, picked.data()),
               std::out_of_range);
  // A slice outlives its dataset: it shares the mapping.
  TypedArray kept = run->typed().slice(0, volume);
  const double first = kept.at(0);
  EXPECT_EQ(first, doubles[0]);
}

TEST(TypedVolume, TruncatedNiftiIsAnErrorNamingTheFile) {
  TempDir dir;
  const std::string whole = runFile(runSpec());
  nl::test::writeBytes(dir / "cut.nii", whole.substr(0, whole.size() - 10));
  try {
    readNifti(dir / "cut.nii");
    FAIL() << "a truncated .nii must not open";
  } catch (const FileError& error) {
    EXPECT_EQ(error.path(), dir / "cut.nii");
    EXPECT_NE(std::string(error.what()).find("cut.nii"), std::string::npos) << error.what();
    EXPECT_NE(error.reason().find("has only"), std::string::npos) << error.reason();
  }
  // The mapping checks by itself too (a file cut after opening its header).
  try {
    nl::io::mapFileRegion(dir / "cut.nii", 352, whole.size() - 352, "voxel data");
    FAIL() << "mapping past the end must fail";
  } catch (const FileError& error) {
    EXPECT_NE(std::string(error.what()).find("cut.nii"), std::string::npos);
    EXPECT_NE(error.reason().find("truncated"), std::string::npos) << error.reason();
  }
  // A gzipped run that ends early: the error names the file when read.
  const std::string packed = nl::test::gzipBytes(whole);
  nl::test::writeBytes(dir / "cut.nii.gz", packed.substr(0, packed.size() * 2 / 3));
  try {
    readNifti(dir / "cut.nii.gz")->typed();
    FAIL() << "a truncated .nii.gz must not read";
  } catch (const FileError& error) {
    EXPECT_EQ(error.path(), dir / "cut.nii.gz");
  }
}

TEST(TypedVolume, FloatAndUint8VolumesKeepTheirTypes) {
  TempDir dir;
  NiftiSpec spec;  // 2 × 3 × 4 float32 (the support's default)
  std::vector<float> floats(24);
  for (std::size_t i = 0; i < floats.size(); ++i) floats[i] = 0.5f * static_cast<float>(i) - 2;
  nl::test::writeBytes(dir / "f.nii", nl::test::niftiHeader(spec) + nl::test::rawBytes(floats));
  const auto volume = readNifti(dir / "f.nii");
  EXPECT_EQ(volume->typed().type(), ScalarType::Float32);
  EXPECT_EQ(volume->typed().at(23), 9.5);
  spec.datatype = 2;
  spec.bitpix = 8;
  std::vector<std::uint8_t> bytes(24);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(250 - i);
  nl::test::writeBytes(dir / "u8.nii", nl::test::niftiHeader(spec) + nl::test::rawBytes(bytes));
  const auto labels = readNifti(dir / "u8.nii");
  EXPECT_EQ(labels->typed().type(), ScalarType::UInt8);
  EXPECT_EQ(labels->typed().at(0), 250.0);
  EXPECT_EQ(labels->values()[23], 227.0);
}

TEST(TypedVolume, DoubleArraysOfferATypedView) {
  const nl::io::ArrayDataset array(nl::io::DatasetKind::Array, "a", {2, 2}, {1.0, 2.0, 3.0, 4.0});
  EXPECT_FALSE(array.hasTypedStorage());
  EXPECT_EQ(array.typed().type(), ScalarType::Float64);
  EXPECT_EQ(array.typed().data(), array.values().data()) << "a view, not a copy";
  EXPECT_EQ(array.typed().at(3), 4.0);
}

TEST(TypedVolume, ExampleFixtureStaysInt16AndMatchesNibabel) {
  NL_REQUIRE_FIXTURE("nifti/example4d.nii.gz");
  const auto run = readNifti(nl::test::fixtures() / "nifti/example4d.nii.gz");
  EXPECT_EQ(run->typed().type(), ScalarType::Int16);
  // nibabel: img.dataobj[64, 48, 12, 1] = 266; the sum of all voxels 101985356.
  const std::size_t volume = 128 * 96 * 24;
  EXPECT_EQ(run->typed().at(volume + (12 * 96 + 48) * 128 + 64), 266.0);
  double sum = 0;
  for (auto v : run->typed().stored<std::int16_t>()) sum += v;
  EXPECT_EQ(sum, 101985356.0);
  EXPECT_FALSE(run->isLoaded());
}

TEST(ThreadSetting, OneSettingWithEnvironmentDefault) {
  const int before = nl::io::workerThreadCount();
  EXPECT_GE(before, 1);
  nl::io::setWorkerThreadCount(3);
  EXPECT_EQ(nl::io::workerThreadCount(), 3);
  nl::io::setWorkerThreadCount(0);
  EXPECT_EQ(nl::io::workerThreadCount(), before);
}

}  // namespace
