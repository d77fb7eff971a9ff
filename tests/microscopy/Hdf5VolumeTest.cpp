// HDF5 datasets as volumes: the FISBe prediction (gzip int32 chunks) against
// h5py 3.7 numbers, and files written here with the HDF5 C API: shuffle +
// deflate big-endian chunks, unwritten chunks with a fill value, contiguous
// data, channels last, a corrupted chunk.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <array>
#include <fstream>
#include <map>

#include "io/Error.h"
#include "io/microscopy/Hdf5Volume.h"
#include "tests/support/TestSupport.h"

namespace nl::io::microscopy {
namespace {

const char* const kPred = "zarr/R14A02-20180905_65_A6_pred.hdf";

TEST(Hdf5Volume, FisbePredictionLabelsMatchH5py) {
  NL_REQUIRE_FIXTURE(kPred);
  const auto path = nl::test::fixtures() / kPred;
  const auto labels = openHdf5Volume(path, "volumes/gmm_label_cleaned");
  EXPECT_EQ(labels->name(), "/volumes/gmm_label_cleaned");
  EXPECT_EQ(labels->volumeShape(), (VolumeShape{1, 385, 685, 686}));
  EXPECT_EQ(labels->chunkShape(), (VolumeShape{1, 13, 43, 43}));
  EXPECT_EQ(labels->voxelType(), VoxelType::Int32);
  EXPECT_EQ(labels->labelEncoding(), LabelEncoding::LabelIds);
  EXPECT_EQ(labels->kind(), DatasetKind::LabelVolume);

  const auto box = labels->read<std::int32_t>(Box{0, 1, 150, 230, 350, 520, 350, 600});
  std::int64_t sum = 0, nonzero = 0;
  for (auto v : box) sum += v, nonzero += v != 0;
  EXPECT_EQ(sum, 58);
  EXPECT_EQ(nonzero, 17);
  EXPECT_EQ(labels->read<std::int32_t>(Box{0, 1, 55, 56, 322, 323, 518, 519})[0], 1);
  EXPECT_EQ(labels->read<std::int32_t>(Box{0, 1, 241, 242, 586, 587, 383, 384})[0], 10);
  std::int64_t strided = 0;
  for (auto v : labels->read<std::int32_t>(Box::whole(labels->volumeShape()), 3)) strided += v;
  EXPECT_EQ(strided, 24432);

  const auto image = openHdf5Volume(path, "/volumes/gmm_image");
  EXPECT_EQ(image->volumeShape(), (VolumeShape{3, 385, 685, 686}));
  EXPECT_EQ(image->attributes().at("channel_axis"), "last");
  EXPECT_EQ(image->labelEncoding(), LabelEncoding::None);
  EXPECT_TRUE(isHdf5Volume(path, "volumes/gmm_label_cleaned"));
  EXPECT_FALSE(isHdf5Volume(path, "volumes/gmm_label_cleaned", std::size_t{1} << 40));
  EXPECT_FALSE(isHdf5Volume(path, "volumes/nothing"));
}

// Its speed is measured by BM_Hdf5LabelsWholeRead in bench/microscopy.
TEST(Hdf5Volume, FisbePredictionWholeLabelCounts) {
  NL_REQUIRE_FIXTURE(kPred);
  const auto labels = openHdf5Volume(nl::test::fixtures() / kPred, "volumes/gmm_label_cleaned");
  labels->setCacheLimitBytes(0);
  std::map<std::int32_t, std::int64_t> counts;
  const VolumeShape shape = labels->volumeShape();
  std::vector<std::int32_t> slab;
  for (std::size_t z0 = 0; z0 < shape.z; z0 += 52) {
    const Box box{0, 1, z0, std::min(z0 + 52, shape.z), 0, shape.y, 0, shape.x};
    slab.resize(box.outputShape().voxelCount());
    labels->read<std::int32_t>(box, std::span<std::int32_t>(slab));
    for (auto v : slab) ++counts[v];
  }
  const std::map<std::int32_t, std::int64_t> expected{
      {0, 180769762}, {1, 1446}, {2, 40562}, {3, 62319}, {4, 1094},   {5, 1495},
      {6, 1923},      {7, 1134}, {8, 128},   {9, 1225},  {10, 34230}, {11, 32}};
  EXPECT_EQ(counts, expected);
}

// --- files written here -------------------------------------------------

struct H5Writer {
  hid_t file;
  explicit H5Writer(const std::filesystem::path& path)
      : file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)) {}
  ~H5Writer() { H5Fclose(file); }
  // Writes `data` (native `memType`) as `fileType`; `chunks` empty = contiguous.
  template <typename T>
  void write(const char* name, std::vector<hsize_t> dims, std::vector<hsize_t> chunks,
             hid_t fileType, hid_t memType, const std::vector<T>& data, bool shuffle, int deflate,
             const T* fill = nullptr, std::vector<hsize_t> writeCount = {}) {
    const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (!chunks.empty()) {
      H5Pset_chunk(dcpl, static_cast<int>(chunks.size()), chunks.data());
      if (shuffle) H5Pset_shuffle(dcpl);
      if (deflate > 0) H5Pset_deflate(dcpl, static_cast<unsigned>(deflate));
    }
    if (fill) H5Pset_fill_value(dcpl, memType, fill);
    const hid_t dset = H5Dcreate2(file, name, fileType, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (writeCount.empty()) {
      H5Dwrite(dset, memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data());
    } else {
      // Only the leading corner [0, writeCount): other chunks stay unallocated.
      std::vector<hsize_t> zero(dims.size(), 0);
      const hid_t mem =
          H5Screate_simple(static_cast<int>(writeCount.size()), writeCount.data(), nullptr);
      H5Sselect_hyperslab(space, H5S_SELECT_SET, zero.data(), nullptr, writeCount.data(), nullptr);
      H5Dwrite(dset, memType, mem, space, H5P_DEFAULT, data.data());
      H5Sclose(mem);
    }
    H5Dclose(dset);
    H5Pclose(dcpl);
    H5Sclose(space);
  }
};

template <typename T>
std::vector<T> ramp(std::size_t n, double scale, double offset) {
  std::vector<T> out(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<T>(static_cast<double>((i * 37) % 1001) * scale + offset);
  return out;
}

TEST(Hdf5Volume, ShuffledDeflatedBigEndianChunksAndContiguousData) {
  nl::test::TempDir dir;
  const auto path = dir / "v.h5";
  const auto i16 = ramp<std::int16_t>(9 * 10 * 11, 1, -400);
  const auto f32 = ramp<float>(3 * 4 * 5, 0.5, -1);
  const auto u64 = ramp<std::uint64_t>(2 * 3 * 4 * 5, 1e12, 7);
  {
    H5Writer w(path);
    H5Gclose(H5Gcreate2(w.file, "g", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    w.write("g/i16", {9, 10, 11}, {4, 5, 6}, H5T_STD_I16BE, H5T_NATIVE_INT16, i16, true, 4);
    w.write("g/f32", {3, 4, 5}, {}, H5T_IEEE_F32BE, H5T_NATIVE_FLOAT, f32, false, 0);
    w.write("g/u64", {2, 3, 4, 5}, {1, 2, 2, 5}, H5T_STD_U64LE, H5T_NATIVE_UINT64, u64, true, 0);
    w.write("g/noshuffle", {9, 10, 11}, {9, 3, 2}, H5T_STD_I16LE, H5T_NATIVE_INT16, i16, false, 1);
  }
  for (const char* name : {"g/i16", "/g/noshuffle"}) {
    const auto v = openHdf5Volume(path, name);
    EXPECT_EQ(v->volumeShape(), (VolumeShape{1, 9, 10, 11}));
    EXPECT_EQ(v->voxelType(), VoxelType::Int16);
    EXPECT_EQ(v->read<std::int16_t>(Box::whole(v->volumeShape())), i16) << name;
    const auto strided = v->read<std::int16_t>(Box{0, 1, 1, 9, 2, 10, 0, 11}, 3);
    std::size_t k = 0;
    for (std::size_t z = 1; z < 9; z += 3)
      for (std::size_t y = 2; y < 10; y += 3)
        for (std::size_t x = 0; x < 11; x += 3) EXPECT_EQ(strided[k++], i16[(z * 10 + y) * 11 + x]);
  }
  const auto f = openHdf5Volume(path, "g/f32");
  EXPECT_EQ(f->read<float>(Box::whole(f->volumeShape())), f32);
  const auto u = openHdf5Volume(path, "g/u64");
  EXPECT_EQ(u->volumeShape(), (VolumeShape{2, 3, 4, 5}));  // 4-D, channel first (last axis 5 > 4)
  EXPECT_EQ(u->read<std::uint64_t>(Box::whole(u->volumeShape())), u64);
}

TEST(Hdf5Volume, UnwrittenChunksReadAsTheFillValueAndChannelsLast) {
  nl::test::TempDir dir;
  const auto path = dir / "v.h5";
  const std::int32_t fill = -5;
  const auto corner = ramp<std::int32_t>(4 * 5 * 6, 3, 1);
  const auto rgb = ramp<std::uint16_t>(6 * 7 * 8 * 3, 2, 0);
  {
    H5Writer w(path);
    w.write("sparse_labels", {8, 10, 12}, {4, 5, 6}, H5T_STD_I32LE, H5T_NATIVE_INT32, corner, true,
            6, &fill, {4, 5, 6});
    w.write("rgb", {6, 7, 8, 3}, {2, 3, 4, 3}, H5T_STD_U16BE, H5T_NATIVE_UINT16, rgb, true, 2);
  }
  const auto sparse = openHdf5Volume(path, "sparse_labels");
  EXPECT_EQ(sparse->labelEncoding(), LabelEncoding::LabelIds);
  const auto all = sparse->read<std::int32_t>(Box::whole(sparse->volumeShape()));
  for (std::size_t z = 0; z < 8; ++z)
    for (std::size_t y = 0; y < 10; ++y)
      for (std::size_t x = 0; x < 12; ++x) {
        const std::int32_t expected = z < 4 && y < 5 && x < 6 ? corner[(z * 5 + y) * 6 + x] : fill;
        ASSERT_EQ(all[(z * 10 + y) * 12 + x], expected) << z << " " << y << " " << x;
      }
  const auto colour = openHdf5Volume(path, "rgb");
  EXPECT_EQ(colour->volumeShape(), (VolumeShape{3, 6, 7, 8}));
  EXPECT_EQ(colour->attributes().at("channel_axis"), "last");
  const auto czyx = colour->read<std::uint16_t>(Box::whole(colour->volumeShape()));
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t v = 0; v < 6 * 7 * 8; ++v) ASSERT_EQ(czyx[c * 336 + v], rgb[v * 3 + c]);
  VolumeOpenOptions first;
  first.channelAxis = VolumeOpenOptions::ChannelAxis::First;
  EXPECT_EQ(openHdf5Volume(path, "rgb", first)->volumeShape(), (VolumeShape{6, 7, 8, 3}));
}

TEST(Hdf5Volume, CorruptChunkAndBadPathsAreClearErrors) {
  nl::test::TempDir dir;
  const auto path = dir / "v.h5";
  const auto data = ramp<std::int32_t>(8 * 8 * 8, 1, 0);
  {
    H5Writer w(path);
    w.write("labels", {8, 8, 8}, {4, 4, 4}, H5T_STD_I32LE, H5T_NATIVE_INT32, data, false, 5);
    w.write("flat", {8, 8}, {}, H5T_STD_I32LE, H5T_NATIVE_INT32, std::vector<std::int32_t>(64, 1),
            false, 0);
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, 4);
    const hid_t dset =
        H5Dcreate2(w.file, "text", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, "abcd");
    H5Dclose(dset);
    H5Tclose(type);
    H5Sclose(space);
  }
  // Where the chunk at (4, 0, 0) lies in the file.
  haddr_t address = 0;
  hsize_t size = 0;
  {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t dset = H5Dopen2(file, "labels", H5P_DEFAULT);
    const hsize_t offset[3] = {4, 0, 0};
    unsigned mask = 0;
    ASSERT_GE(H5Dget_chunk_info_by_coord(dset, offset, &mask, &address, &size), 0);
    H5Dclose(dset);
    H5Fclose(file);
  }
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(address + 2));
    const std::string junk(static_cast<std::size_t>(size) - 4, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  const auto v = openHdf5Volume(path, "labels");
  // Chunks that were not touched still read.
  EXPECT_EQ(v->read<std::int32_t>(Box{0, 1, 0, 4, 0, 8, 0, 8})[5], data[5]);
  try {
    v->read<std::int32_t>(Box{0, 1, 4, 5, 0, 1, 0, 1});
    ADD_FAILURE() << "corrupt chunk read without error";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("/labels chunk at (4,0,0)"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("v.h5"), std::string::npos) << e.what();
  }
  EXPECT_THROW(openHdf5Volume(path, "nothing"), FileError);
  EXPECT_THROW(openHdf5Volume(path, "text"), FileError);
  EXPECT_EQ(openHdf5Volume(path, "flat")->volumeShape(), (VolumeShape{1, 1, 8, 8}));
  EXPECT_THROW(openHdf5Volume(dir / "missing.h5", "labels"), FileError);
  nl::test::writeBytes(dir / "not.h5", "not hdf5 at all");
  EXPECT_THROW(openHdf5Volume(dir / "not.h5", "labels"), FileError);
}

}  // namespace
}  // namespace nl::io::microscopy
