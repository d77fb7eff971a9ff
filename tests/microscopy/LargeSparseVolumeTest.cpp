// A volume far larger than memory works lazily (#18, bounded resources): a
// uint16 2048 × 4096 × 4096 volume (64 GiB declared) made on the fly, as zarr
// (missing chunk files) and as HDF5 (unwritten chunks), with only a handful of
// chunks written. Opened through the reader registry (what the app and the
// CLI use), read as slices and boxes through written and unwritten chunks and
// as the strided preview; the peak resident memory stays far below the
// volume, and the decoded-chunk cache within its cap.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/resource.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "io/ReaderRegistry.h"
#include "io/ResourceLimits.h"
#include "io/microscopy/VolumeDataset.h"
#include "tests/support/TestSupport.h"

namespace nl::io::microscopy {
namespace {

using nl::test::TempDir;

constexpr std::size_t kZ = 2048, kY = 4096, kX = 4096;  // 64 GiB of uint16
constexpr std::size_t kCz = 32, kCy = 256, kCx = 256;   // 4 MiB chunks, 16,384 of them
constexpr std::uint16_t kFill = 7;
// The chunks written (grid z, y, x); every other chunk is absent.
constexpr std::array<std::array<std::size_t, 3>, 4> kWritten{
    {{0, 0, 0}, {0, 3, 7}, {40, 15, 15}, {63, 0, 15}}};

std::uint16_t valueAt(std::size_t z, std::size_t y, std::size_t x) {
  return static_cast<std::uint16_t>((z * 7 + y * 3 + x) % 65521 + 11);  // never the fill value
}
bool written(std::size_t z, std::size_t y, std::size_t x) {
  for (const auto& c : kWritten)
    if (c[0] == z / kCz && c[1] == y / kCy && c[2] == x / kCx) return true;
  return false;
}
std::uint16_t expected(std::size_t z, std::size_t y, std::size_t x) {
  return written(z, y, x) ? valueAt(z, y, x) : kFill;
}
std::vector<std::uint16_t> chunkValues(const std::array<std::size_t, 3>& c) {
  std::vector<std::uint16_t> values(kCz * kCy * kCx);
  for (std::size_t z = 0; z < kCz; ++z)
    for (std::size_t y = 0; y < kCy; ++y)
      for (std::size_t x = 0; x < kCx; ++x)
        values[(z * kCy + y) * kCx + x] = valueAt(c[0] * kCz + z, c[1] * kCy + y, c[2] * kCx + x);
  return values;
}

std::filesystem::path writeZarr(const TempDir& dir) {
  const auto folder = dir / "big.zarr";
  std::filesystem::create_directories(folder);
  nl::test::writeBytes(folder / ".zarray", R"({"zarr_format": 2, "shape": [2048, 4096, 4096],
    "chunks": [32, 256, 256], "dtype": "<u2", "order": "C", "fill_value": 7,
    "compressor": null, "filters": null, "dimension_separator": "."})");
  for (const auto& c : kWritten) {
    const auto values = chunkValues(c);
    nl::test::writeBytes(
        folder / (std::to_string(c[0]) + "." + std::to_string(c[1]) + "." + std::to_string(c[2])),
        std::string(reinterpret_cast<const char*>(values.data()),
                    values.size() * sizeof(std::uint16_t)));
  }
  return folder;
}

std::filesystem::path writeHdf5(const TempDir& dir) {
  const auto path = dir / "big.h5";
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hsize_t dims[3] = {kZ, kY, kX}, chunk[3] = {kCz, kCy, kCx};
  const hid_t space = H5Screate_simple(3, dims, nullptr);
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, 3, chunk);
  H5Pset_fill_value(dcpl, H5T_NATIVE_UINT16, &kFill);
  const hid_t dataset =
      H5Dcreate2(file, "volume", H5T_STD_U16LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  for (const auto& c : kWritten) {
    const auto values = chunkValues(c);
    const hsize_t offset[3] = {c[0] * kCz, c[1] * kCy, c[2] * kCx};
    EXPECT_GE(H5Dwrite_chunk(dataset, H5P_DEFAULT, 0, offset, values.size() * sizeof(std::uint16_t),
                             values.data()),
              0);
  }
  H5Dclose(dataset);
  H5Pclose(dcpl);
  H5Sclose(space);
  H5Fclose(file);
  return path;
}

long peakResidentKiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

void checkLazyVolume(const std::filesystem::path& path, const std::string& format) {
  const auto started = std::chrono::steady_clock::now();
  const long residentBefore = peakResidentKiB();
  const auto contents = ReaderRegistry::builtin().open(path);
  ASSERT_EQ(contents.datasets.size(), 1u);
  const auto volume = std::dynamic_pointer_cast<const VolumeDataset>(contents.datasets[0]);
  ASSERT_TRUE(volume) << "a 64 GiB " << format << " array must open as a lazy chunked volume";
  EXPECT_EQ(volume->source()->format(), format);
  ASSERT_EQ(volume->volumeShape(), (VolumeShape{1, kZ, kY, kX}));
  EXPECT_EQ(volume->voxelType(), VoxelType::UInt16);
  const std::size_t cap = volume->cacheStats().limitBytes;
  EXPECT_EQ(cap, resourceLimits().volumeChunkCacheBytes);

  // An xy plane through two written chunks (and 254 absent ones): 32 MiB.
  {
    const std::size_t z = 5;
    const auto plane = volume->read<std::uint16_t>(Box{0, 1, z, z + 1, 0, kY, 0, kX});
    for (std::size_t y = 0; y < kY; y += 3)
      for (std::size_t x = 0; x < kX; x += 5)
        ASSERT_EQ(plane[y * kX + x], expected(z, y, x))
            << format << " z " << z << " y " << y << " x " << x;
    EXPECT_EQ(plane[(3 * kCy + 1) * kX + 7 * kCx + 2], valueAt(z, 3 * kCy + 1, 7 * kCx + 2));
    EXPECT_EQ(plane[(3 * kCy + 1) * kX + 8 * kCx + 2], kFill);
  }
  // An xz plane through all 64 chunk layers (1,024 chunks, two written).
  {
    const std::size_t y = 10;
    const auto plane = volume->read<std::uint16_t>(Box{0, 1, 0, kZ, y, y + 1, 0, kX});
    for (std::size_t z = 0; z < kZ; z += 7)
      for (std::size_t x = 0; x < kX; x += 11)
        ASSERT_EQ(plane[z * kX + x], expected(z, y, x)) << format << " z " << z << " x " << x;
    EXPECT_EQ(plane[(63 * kCz + 4) * kX + 15 * kCx + 9], valueAt(63 * kCz + 4, y, 15 * kCx + 9));
  }
  // A box across the far corner written chunk and its absent neighbours.
  {
    const Box box{0, 1, 40 * kCz - 3, 40 * kCz + 5, kY - kCy - 2, kY, kX - kCx - 4, kX};
    const auto values = volume->read<std::uint16_t>(box);
    std::size_t i = 0, inWritten = 0;
    for (std::size_t z = box.z0; z < box.z1; ++z)
      for (std::size_t y = box.y0; y < box.y1; ++y)
        for (std::size_t x = box.x0; x < box.x1; ++x, ++i) {
          ASSERT_EQ(values[i], expected(z, y, x));
          inWritten += written(z, y, x);
        }
    EXPECT_GT(inWritten, 0u);
    EXPECT_LT(inWritten, values.size());
  }
  // The strided preview a view draws (every 64th voxel: 131,072 voxels)
  // visits every chunk holding a sampled voxel (every other layer of 32
  // planes: 8,192 chunks); absent ones cost nothing but their bookkeeping.
  {
    const auto preview = toArrayDataset(*volume, 64);
    ASSERT_EQ(preview->shape(), (std::vector<std::size_t>{kZ / 64, kY / 64, kX / 64}));
    const auto& values = preview->values();
    for (std::size_t z = 0; z < kZ / 64; ++z)
      for (std::size_t y = 0; y < kY / 64; ++y)
        for (std::size_t x = 0; x < kX / 64; ++x)
          ASSERT_EQ(values[(z * (kY / 64) + y) * (kX / 64) + x], expected(z * 64, y * 64, x * 64));
  }
  const auto stats = volume->cacheStats();
  EXPECT_LE(stats.cachedBytes, cap);
  EXPECT_GE(stats.misses, std::size_t{8192}) << "every sampled chunk was looked up";

  // A preview of every voxel (34 G of them) is refused before anything is allocated.
  EXPECT_THROW((void)toArrayDataset(*volume, 1), std::invalid_argument);

  const long grownKiB = peakResidentKiB() - residentBefore;
  EXPECT_LT(grownKiB, 1L << 20) << "peak resident memory grew by " << grownKiB / 1024 << " MiB";
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_LT(seconds, 10.0);
  std::printf("%s: 64 GiB declared, peak resident +%ld MiB, %.2f s, %zu chunks cached (%zu MiB)\n",
              format.c_str(), grownKiB / 1024, seconds, stats.cachedChunks,
              stats.cachedBytes >> 20);
}

TEST(LargeSparseVolume, ZarrOf64GiBReadsLazilyInLittleMemory) {
  TempDir dir;
  checkLazyVolume(writeZarr(dir), "zarr");
}

TEST(LargeSparseVolume, Hdf5Of64GiBReadsLazilyInLittleMemory) {
  TempDir dir;
  const auto path = writeHdf5(dir);
  EXPECT_LT(std::filesystem::file_size(path), std::uintmax_t{64} << 20)
      << "only the written chunks take space";
  checkLazyVolume(path, "hdf5");
}

// The decoded-chunk cap comes from io::resourceLimits() for every volume
// opened after it is set; filling the cache beyond it evicts the least
// recently used chunks, and the values stay right.
TEST(LargeSparseVolume, ChunkCacheOfANewVolumeHoldsToTheConfiguredCap) {
  TempDir dir;
  const auto zarr = writeZarr(dir), hdf5 = writeHdf5(dir);
  const ResourceLimits previous = resourceLimits();
  ResourceLimits limits = previous;
  const std::size_t chunkBytes = kCz * kCy * kCx * sizeof(std::uint16_t);
  limits.volumeChunkCacheBytes = 2 * (chunkBytes + 64) + 4096;  // two chunks and some absent ones
  setResourceLimits(limits);
  for (const auto& path : {zarr, hdf5}) {
    const auto volume = std::dynamic_pointer_cast<const VolumeDataset>(
        ReaderRegistry::builtin().open(path).datasets.at(0));
    ASSERT_TRUE(volume);
    EXPECT_EQ(volume->cacheStats().limitBytes, limits.volumeChunkCacheBytes);
    for (int pass = 0; pass < 2; ++pass)
      for (const auto& c : kWritten) {
        // A box inside the written chunk and its absent neighbour along x.
        const Box box{0,
                      1,
                      c[0] * kCz + 1,
                      c[0] * kCz + 3,
                      c[1] * kCy + 5,
                      c[1] * kCy + 9,
                      c[2] * kCx + kCx - 4,
                      std::min(kX, c[2] * kCx + kCx + 4)};
        const auto values = volume->read<std::uint16_t>(box);
        std::size_t i = 0;
        for (std::size_t z = box.z0; z < box.z1; ++z)
          for (std::size_t y = box.y0; y < box.y1; ++y)
            for (std::size_t x = box.x0; x < box.x1; ++x, ++i)
              ASSERT_EQ(values[i], expected(z, y, x)) << path;
        const auto stats = volume->cacheStats();
        EXPECT_LE(stats.cachedBytes, limits.volumeChunkCacheBytes) << path;
        EXPECT_LE(stats.cachedChunks, 2u + 4096u / 64u) << path;
      }
    // Four written chunks through a cache of two: the second pass missed again.
    EXPECT_GE(volume->cacheStats().misses, 2u * kWritten.size()) << path;
  }
  setResourceLimits(previous);
}

}  // namespace
}  // namespace nl::io::microscopy
