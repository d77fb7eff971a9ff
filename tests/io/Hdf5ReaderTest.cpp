// The generic HDF5 reader: numeric datasets anywhere in a file, lazily read;
// internal paths; text, compound and odd dataspaces; link cycles; damaged
// files (truncated, corrupted chunks, random bytes); and the NWB fixtures.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "io/ReaderRegistry.h"
#include "tests/support/TestSupport.h"

using namespace nl::io;
using namespace nl::test;

namespace {

// A small file with typed datasets in nested groups, written with the C API.
class Hdf5Builder {
 public:
  explicit Hdf5Builder(const std::filesystem::path& path)
      : file_(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)) {}
  ~Hdf5Builder() { H5Fclose(file_); }
  hid_t file() const { return file_; }
  void group(const char* name) {
    H5Gclose(H5Gcreate2(file_, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  }
  template <typename T>
  void numbers(const char* name, hid_t fileType, hid_t memType, const std::vector<T>& values,
               std::vector<hsize_t> dims, hid_t dcpl = H5P_DEFAULT) {
    const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    const hid_t d = H5Dcreate2(file_, name, fileType, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dwrite(d, memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    H5Dclose(d);
    H5Sclose(space);
  }
  void scalar(const char* name, double value) {
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t d =
        H5Dcreate2(file_, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value);
    H5Dclose(d);
    H5Sclose(space);
  }
  void null(const char* name) {
    const hid_t space = H5Screate(H5S_NULL);
    H5Dclose(H5Dcreate2(file_, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Sclose(space);
  }
  void text(const char* name, const std::vector<const char*>& values) {
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    const hsize_t dims[1] = {values.size()};
    const hid_t space = H5Screate_simple(1, dims, nullptr);
    const hid_t d = H5Dcreate2(file_, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    H5Dclose(d);
    H5Sclose(space);
    H5Tclose(type);
  }
  void compound(const char* name) {
    struct Row {
      double t;
      int unit;
    };
    const hid_t type = H5Tcreate(H5T_COMPOUND, sizeof(Row));
    H5Tinsert(type, "t", HOFFSET(Row, t), H5T_NATIVE_DOUBLE);
    H5Tinsert(type, "unit", HOFFSET(Row, unit), H5T_NATIVE_INT);
    const Row rows[2] = {{0.5, 1}, {0.7, 2}};
    const hsize_t dims[1] = {2};
    const hid_t space = H5Screate_simple(1, dims, nullptr);
    const hid_t d = H5Dcreate2(file_, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows);
    H5Dclose(d);
    H5Sclose(space);
    H5Tclose(type);
  }

 private:
  hid_t file_;
};

std::map<std::string, std::shared_ptr<const ArrayDataset>> byName(const FileContents& contents) {
  std::map<std::string, std::shared_ptr<const ArrayDataset>> out;
  for (const auto& d : contents.datasets)
    out[d->name()] = std::dynamic_pointer_cast<const ArrayDataset>(d);
  return out;
}

// Opens the file and reads every dataset; returns the FileError reason, or
// an empty string when everything read (which for damaged input is a failure
// of the test unless the damage missed all data).
std::string openAndReadAll(const std::filesystem::path& path) {
  try {
    const auto contents = ReaderRegistry::builtin().open(path);
    for (const auto& d : contents.datasets)
      if (const auto a = std::dynamic_pointer_cast<const ArrayDataset>(d)) a->values();
  } catch (const FileError& error) {
    EXPECT_EQ(error.path(), path);
    EXPECT_FALSE(error.reason().empty());
    return error.reason();
  } catch (const std::exception& other) {
    ADD_FAILURE() << "not a FileError: " << other.what();
    return other.what();
  }
  return {};
}

}  // namespace

TEST(Hdf5Generic, ListsEveryNumericDatasetLazilyWithItsTypeAndShape) {
  TempDir dir;
  const auto path = dir / "mixed.h5";
  {
    Hdf5Builder b(path);
    b.group("/acq");
    b.group("/acq/deep");
    b.numbers<std::int16_t>("/acq/raw", H5T_STD_I16BE, H5T_NATIVE_INT16, {-1, 2, -3, 4, -5, 6},
                            {2, 3});
    b.numbers<std::uint8_t>("/acq/deep/mask", H5T_STD_U8LE, H5T_NATIVE_UINT8, {0, 255}, {2});
    b.numbers<float>("/rates", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {0.5f, NAN}, {2});
    b.scalar("/gain", 2.5);
    b.text("/acq/labels", {"VISp", "CA1"});
    b.compound("/events");
  }
  const auto contents = ReaderRegistry::builtin().open(path);
  EXPECT_EQ(contents.readerName, "HDF5");
  EXPECT_EQ(contents.metadata["numeric_datasets"], 4);
  auto sets = byName(contents);
  ASSERT_EQ(sets.size(), 4u) << "text and compound datasets are not offered as numbers";
  for (const auto& [name, array] : sets) EXPECT_FALSE(array->isLoaded()) << name;
  const auto raw = sets.at("/acq/raw");
  EXPECT_EQ(raw->shape(), (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(raw->sourceType(), "int16");
  EXPECT_EQ(raw->values(), (std::vector<double>{-1, 2, -3, 4, -5, 6}))
      << "big-endian on disk, converted";
  EXPECT_EQ(sets.at("/acq/deep/mask")->sourceType(), "uint8");
  EXPECT_EQ(sets.at("/acq/deep/mask")->values(), (std::vector<double>{0, 255}));
  EXPECT_EQ(sets.at("/rates")->sourceType(), "float32");
  EXPECT_TRUE(std::isnan(sets.at("/rates")->values()[1]));
  EXPECT_TRUE(sets.at("/gain")->shape().empty()) << "a scalar dataspace is a 0-d array";
  EXPECT_EQ(sets.at("/gain")->values(), std::vector<double>{2.5});
  EXPECT_EQ(raw->provenance().sourcePath, path.string());
  EXPECT_EQ(raw->provenance().internalPath, "/acq/raw");
}

TEST(Hdf5Generic, InternalPathsWithAndWithoutSlashAndTheirErrors) {
  TempDir dir;
  const auto path = dir / "f.h5";
  {
    Hdf5Builder b(path);
    b.group("/g");
    b.numbers<double>("/g/x", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {1, 2, 3}, {3});
    b.text("/g/names", {"a"});
    b.compound("/g/table");
  }
  for (const char* internal : {"/g/x", "g/x"}) {
    const auto contents = ReaderRegistry::builtin().open(path, internal);
    ASSERT_EQ(contents.datasets.size(), 1u) << internal;
    EXPECT_EQ(contents.datasets[0]->name(), "/g/x");
  }
  const std::vector<std::pair<std::string, std::string>> bad{{"/g/names", "not numeric (string)"},
                                                             {"/g/table", "not numeric (compound)"},
                                                             {"/g", "no dataset"},
                                                             {"/g/x/deeper", "no dataset"},
                                                             {"/nothing", "no dataset"}};
  for (const auto& [internal, words] : bad) {
    const auto error = fileErrorOf([&] { ReaderRegistry::builtin().open(path, internal); });
    ASSERT_TRUE(error) << internal;
    EXPECT_EQ(error->path(), path);
    EXPECT_NE(error->reason().find(words), std::string::npos)
        << internal << ": " << error->reason();
  }
}

TEST(Hdf5Generic, NullDataspaceIsAnEmptyArrayNotALoadFailure) {
  TempDir dir;
  const auto path = dir / "null.h5";
  {
    Hdf5Builder b(path);
    b.null("/nothing");
  }
  const auto contents = ReaderRegistry::builtin().open(path, "/nothing");
  const auto array = std::dynamic_pointer_cast<const ArrayDataset>(contents.datasets.at(0));
  ASSERT_TRUE(array);
  EXPECT_EQ(array->elementCount(), array->values().size())
      << "the shape must agree with what is read";
  EXPECT_TRUE(array->values().empty());
}

TEST(Hdf5Generic, HardLinkCyclesEndWithoutHangingOrCrashing) {
  TempDir dir;
  const auto path = dir / "cycle.h5";
  {
    Hdf5Builder b(path);
    b.group("/a");
    b.numbers<double>("/a/v", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {1}, {1});
    H5Lcreate_hard(b.file(), "/", b.file(), "/a/back_to_root", H5P_DEFAULT, H5P_DEFAULT);
    H5Lcreate_soft("/a", b.file(), "/a/soft_loop", H5P_DEFAULT, H5P_DEFAULT);
  }
  const auto contents = ReaderRegistry::builtin().open(path);
  ASSERT_FALSE(contents.datasets.empty());
  EXPECT_LE(contents.datasets.size(), 1000u) << "the depth guard bounds the walk";
  EXPECT_EQ(std::dynamic_pointer_cast<const ArrayDataset>(contents.datasets[0])->values(),
            std::vector<double>{1});
}

TEST(Hdf5Damaged, TruncatedCopiesAtManyLengthsAreFileErrors) {
  TempDir dir;
  const auto path = dir / "whole.h5";
  {
    Hdf5Builder b(path);
    b.group("/g");
    std::vector<double> big(20000);
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<double>(i);
    b.numbers<double>("/g/big", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, big, {200, 100});
    b.numbers<std::int32_t>("/small", H5T_STD_I32LE, H5T_NATIVE_INT32, {1, 2, 3}, {3});
  }
  const std::string bytes = readBytes(path);
  ASSERT_GT(bytes.size(), 160000u);
  for (double fraction : {0.001, 0.01, 0.1, 0.5, 0.9, 0.999}) {
    SCOPED_TRACE(fraction);
    const auto cut = dir / "cut.h5";
    writeBytes(cut, bytes.substr(
                        0, static_cast<std::size_t>(static_cast<double>(bytes.size()) * fraction)));
    EXPECT_FALSE(openAndReadAll(cut).empty()) << "a truncated file read without complaint";
  }
}

TEST(Hdf5Damaged, CorruptedCompressedChunkFailsWhenReadNotWhenOpened) {
  TempDir dir;
  const auto path = dir / "chunked.h5";
  haddr_t chunkAddress = 0;
  hsize_t chunkBytes = 0;
  {
    Hdf5Builder b(path);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    const hsize_t chunk[1] = {4096};
    H5Pset_chunk(dcpl, 1, chunk);
    H5Pset_deflate(dcpl, 6);
    std::vector<double> values(4096);
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = std::sin(static_cast<double>(i));
    b.numbers<double>("/signal", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values, {4096}, dcpl);
    H5Pclose(dcpl);
    H5Fflush(b.file(), H5F_SCOPE_GLOBAL);
    const hid_t d = H5Dopen2(b.file(), "/signal", H5P_DEFAULT);
    hsize_t offset[1] = {0};
    unsigned filterMask = 0;
    const hid_t space = H5Dget_space(d);
    ASSERT_GE(H5Dget_chunk_info(d, space, 0, offset, &filterMask, &chunkAddress, &chunkBytes), 0);
    H5Sclose(space);
    H5Dclose(d);
  }
  ASSERT_GT(chunkBytes, 64u);
  std::string bytes = readBytes(path);
  for (hsize_t i = 0; i < 64; ++i)
    bytes[chunkAddress + i] = static_cast<char>(0xA5 ^ i);  // deflate stream now garbage
  writeBytes(path, bytes);
  const auto contents = ReaderRegistry::builtin().open(path);  // metadata intact: opens
  const auto signal = std::dynamic_pointer_cast<const ArrayDataset>(contents.datasets.at(0));
  const auto error = fileErrorOf([&] { signal->values(); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->path(), path);
  EXPECT_NE(error->reason().find("signal"), std::string::npos)
      << "names the dataset: " << error->reason();
  EXPECT_FALSE(signal->isLoaded());
}

TEST(Hdf5Damaged, RandomBytesAndAFakeSignatureAreFileErrors) {
  TempDir dir;
  std::mt19937 random(1234);
  for (int trial = 0; trial < 5; ++trial) {
    std::string noise(8192, '\0');
    for (auto& c : noise) c = static_cast<char>(random());
    writeBytes(dir / "noise.h5", noise);
    EXPECT_FALSE(openAndReadAll(dir / "noise.h5").empty());
    writeBytes(dir / "fake.h5", std::string("\x89HDF\r\n\x1a\n", 8) + noise);
    EXPECT_FALSE(openAndReadAll(dir / "fake.h5").empty());
    // A superblock signature after a fake 512-byte user block.
    writeBytes(dir / "fake_ub.h5",
               std::string(512, '\0') + std::string("\x89HDF\r\n\x1a\n", 8) + noise);
    EXPECT_FALSE(openAndReadAll(dir / "fake_ub.h5").empty());
  }
}

TEST(Hdf5Fixtures, PhyNwbColumnsOpenLazilyByInternalPath) {
  // .nwb files go to the NWB reader; FILE.nwb::/path still opens one array lazily.
  NL_REQUIRE_FIXTURE("nwb/A8604-211122.nwb");
  const auto path = fixtures() / "nwb/A8604-211122.nwb";
  const auto open = [&](const std::string& internal) {
    const auto contents = ReaderRegistry::builtin().open(path, internal);
    EXPECT_EQ(contents.datasets.size(), 1u) << internal;
    return std::dynamic_pointer_cast<const ArrayDataset>(contents.datasets.at(0));
  };
  const auto x = open("/general/extracellular_ephys/electrodes/x");
  ASSERT_TRUE(x);
  EXPECT_EQ(x->shape(), std::vector<std::size_t>{383});
  EXPECT_EQ(x->sourceType(), "float64");
  EXPECT_FALSE(x->isLoaded()) << "opening one column must not read it";
  const auto& values = x->values();
  EXPECT_TRUE(x->isLoaded());
  ASSERT_EQ(values.size(), 383u);
  // phy exports no positions: the column exists and holds 0.0 (checked with h5py).
  for (double v : values) EXPECT_EQ(v, 0.0);
  const auto id = open("general/extracellular_ephys/electrodes/id");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->shape(), std::vector<std::size_t>{383});
  const auto error = fileErrorOf([&] {
    ReaderRegistry::builtin().open(path, "/general/extracellular_ephys/electrodes/location");
  });
  ASSERT_TRUE(error);
  EXPECT_NE(error->reason().find("not numeric"), std::string::npos) << error->reason();
}

TEST(Hdf5Fixtures, HumanMtlNwbSpikeTimesAndIndex) {
  NL_REQUIRE_FIXTURE("nwb/sub-4_ses-4_ecephys+image.nwb");
  const auto path = fixtures() / "nwb/sub-4_ses-4_ecephys+image.nwb";
  const auto times = std::dynamic_pointer_cast<const ArrayDataset>(
      ReaderRegistry::builtin().open(path, "/units/spike_times").datasets.at(0));
  const auto index = std::dynamic_pointer_cast<const ArrayDataset>(
      ReaderRegistry::builtin().open(path, "units/spike_times_index").datasets.at(0));
  // 35 units, 214,278 spikes (fixtures/MANIFEST.md).
  ASSERT_EQ(times->shape(), std::vector<std::size_t>{214278});
  ASSERT_EQ(index->shape(), std::vector<std::size_t>{35});
  const auto& idx = index->values();
  EXPECT_EQ(idx.back(), 214278.0) << "the ragged index ends at the spike count";
  EXPECT_TRUE(std::is_sorted(idx.begin(), idx.end()));
  // Each unit's spikes are sorted in time.
  const auto& t = times->values();
  double start = 0;
  for (double stop : idx) {
    EXPECT_TRUE(std::is_sorted(t.begin() + static_cast<std::ptrdiff_t>(start),
                               t.begin() + static_cast<std::ptrdiff_t>(stop)));
    start = stop;
  }
}

TEST(Hdf5Fixtures, TruncatedNwbCopiesNeverCrash) {
  NL_REQUIRE_FIXTURE("nwb/sub-4_ses-4_ecephys+image.nwb");
  const std::string bytes = readBytes(fixtures() / "nwb/sub-4_ses-4_ecephys+image.nwb");
  TempDir dir;
  for (double fraction : {0.05, 0.5, 0.95}) {
    SCOPED_TRACE(fraction);
    writeBytes(
        dir / "cut.nwb",
        bytes.substr(0, static_cast<std::size_t>(static_cast<double>(bytes.size()) * fraction)));
    EXPECT_FALSE(openAndReadAll(dir / "cut.nwb").empty());
  }
}
