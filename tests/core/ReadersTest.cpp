#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <set>

#include "TestSupport.h"
#include "io/ReaderRegistry.h"

using namespace nl::io;
using nl::test::npyBytes;
using nl::test::rawBytes;
using nl::test::TempDir;

namespace {

std::shared_ptr<const ArrayDataset> openArray(const std::filesystem::path& path) {
  auto contents = ReaderRegistry::builtin().open(path);
  EXPECT_EQ(contents.datasets.size(), 1u);
  return std::dynamic_pointer_cast<const ArrayDataset>(contents.datasets.front());
}

std::string failure(const std::filesystem::path& path) {
  try {
    const auto contents = ReaderRegistry::builtin().open(path);
    for (const auto& d : contents.datasets)
      if (auto a = std::dynamic_pointer_cast<const ArrayDataset>(d)) a->values();
  } catch (const FileError& error) {
    EXPECT_EQ(error.path(), path) << "the error must name the file";
    EXPECT_FALSE(error.reason().empty());
    return error.reason();
  }
  ADD_FAILURE() << path << " opened without error";
  return {};
}

}  // namespace

TEST(Npy, Versions1To3LittleAndBigEndian) {
  TempDir dir;
  const std::vector<double> values{1.5, -2.25, 1e300, 0.0};
  for (int major : {1, 2, 3}) {
    const auto path = dir / ("v" + std::to_string(major) + ".npy");
    nl::test::writeBytes(
        path, npyBytes(major, "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }",
                       rawBytes(values)));
    EXPECT_EQ(openArray(path)->values(), values) << "version " << major;
  }
  const auto big = dir / "big.npy";
  nl::test::writeBytes(big,
                       npyBytes(1, "{'descr': '>i4', 'fortran_order': False, 'shape': (3,), }",
                                rawBytes(std::vector<std::int32_t>{-7, 65536, 2147483647}, true)));
  const auto array = openArray(big);
  EXPECT_EQ(array->values(), (std::vector<double>{-7, 65536, 2147483647}));
  EXPECT_EQ(array->sourceType(), "int32");
}

TEST(Npy, SmallIntegerBoolAndHalfTypes) {
  TempDir dir;
  const auto u2 = dir / "u2.npy";
  nl::test::writeBytes(u2, npyBytes(1, "{'descr': '<u2', 'fortran_order': False, 'shape': (2,), }",
                                    rawBytes(std::vector<std::uint16_t>{65535, 3})));
  EXPECT_EQ(openArray(u2)->values(), (std::vector<double>{65535, 3}));
  const auto u1 = dir / "u1.npy";
  nl::test::writeBytes(u1, npyBytes(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }",
                                    std::string("\xff\x01", 2)));
  EXPECT_EQ(openArray(u1)->values(), (std::vector<double>{255, 1}));
  const auto b1 = dir / "b1.npy";
  nl::test::writeBytes(b1, npyBytes(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
                                    std::string("\x01\x00\x02", 3)));
  EXPECT_EQ(openArray(b1)->values(), (std::vector<double>{1, 0, 1}));
  const auto f2 = dir / "f2.npy";  // 1.0, -2.0, 0.5 as IEEE half
  nl::test::writeBytes(f2, npyBytes(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }",
                                    rawBytes(std::vector<std::uint16_t>{0x3C00, 0xC000, 0x3800})));
  EXPECT_EQ(openArray(f2)->values(), (std::vector<double>{1.0, -2.0, 0.5}));
}

TEST(Npy, FortranOrderComesBackInCOrder) {
  TempDir dir;
  // C-order matrix [[0,1,2],[3,4,5]] stored column-major: 0,3,1,4,2,5.
  const auto m = dir / "f.npy";
  nl::test::writeBytes(m, npyBytes(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
                                   rawBytes(std::vector<double>{0, 3, 1, 4, 2, 5})));
  EXPECT_EQ(openArray(m)->values(), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  // 2×3×4: element (i,j,k) = 100i + 10j + k; Fortran offset i + 2(j + 3k).
  std::vector<double> fortran(24);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k)
        fortran[static_cast<std::size_t>(i + 2 * (j + 3 * k))] = 100 * i + 10 * j + k;
  const auto cube = dir / "cube.npy";
  nl::test::writeBytes(cube,
                       npyBytes(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3, 4), }",
                                rawBytes(fortran)));
  const auto array = openArray(cube);
  EXPECT_EQ(array->shape(), (std::vector<std::size_t>{2, 3, 4}));
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k)
        EXPECT_EQ(array->values()[static_cast<std::size_t>((i * 3 + j) * 4 + k)],
                  100 * i + 10 * j + k);
}

TEST(Npy, ScalarAndEmptyShapes) {
  TempDir dir;
  const auto scalar = dir / "s.npy";
  nl::test::writeBytes(scalar,
                       npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
                                rawBytes(std::vector<double>{42})));
  EXPECT_EQ(openArray(scalar)->values(), std::vector<double>{42});
  const auto empty = dir / "e.npy";
  nl::test::writeBytes(
      empty, npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }", ""));
  EXPECT_TRUE(openArray(empty)->values().empty());
}

TEST(Npy, BrokenFilesGiveClearErrors) {
  TempDir dir;
  const auto truncated = dir / "truncated.npy";
  nl::test::writeBytes(truncated,
                       npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (10,), }",
                                rawBytes(std::vector<double>(4, 1.0))));
  EXPECT_NE(failure(truncated).find("truncated"), std::string::npos);
  const auto object = dir / "object.npy";
  nl::test::writeBytes(object,
                       npyBytes(1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }",
                                std::string(16, '\0')));
  EXPECT_NE(failure(object).find("dtype"), std::string::npos);
  const auto record = dir / "record.npy";
  nl::test::writeBytes(
      record, npyBytes(1, "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }",
                       std::string(8, '\0')));
  EXPECT_NE(failure(record).find("structured"), std::string::npos);
  const auto huge = dir / "huge.npy";
  nl::test::writeBytes(
      huge,
      npyBytes(
          1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 65536), }",
          ""));
  EXPECT_FALSE(failure(huge).empty());
  const auto version = dir / "v9.npy";
  std::string bytes = npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
                               rawBytes(std::vector<double>{1}));
  bytes[6] = 9;
  nl::test::writeBytes(version, bytes);
  EXPECT_NE(failure(version).find("version"), std::string::npos);
  const auto cut = dir / "cut.npy";
  nl::test::writeBytes(cut, std::string("\x93NUMPY\x01\x00\x40\x00{'descr'", 18));
  EXPECT_FALSE(failure(cut).empty());
}

TEST(Registry, PicksByContentThenExtension) {
  TempDir dir;
  // .npy content behind a .csv name is still read as .npy.
  const auto disguised = dir / "actually_npy.csv";
  nl::test::writeBytes(disguised,
                       npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
                                rawBytes(std::vector<double>{3})));
  EXPECT_EQ(ReaderRegistry::builtin().readerFor(disguised).name(), "NumPy .npy");
  const auto csv = dir / "t.csv";
  nl::test::writeBytes(csv, "a,b\n1,2\n");
  EXPECT_EQ(ReaderRegistry::builtin().readerFor(csv).name(), "CSV/TSV");
  EXPECT_NE(failure(dir / "missing.npy").find("does not exist"), std::string::npos);
  const auto empty = dir / "empty.h5";
  nl::test::writeBytes(empty, "");
  EXPECT_NE(failure(empty).find("empty"), std::string::npos);
  const auto unknown = dir / "data.xyz";
  nl::test::writeBytes(unknown, "hello");
  EXPECT_NE(failure(unknown).find("unrecognised"), std::string::npos);
  EXPECT_NE(failure(dir.path()).find("folder"), std::string::npos);
  const auto spec = parsePathSpec("a/b.h5::/units/spike_times");
  EXPECT_EQ(spec.path, "a/b.h5");
  EXPECT_EQ(spec.internalPath, "/units/spike_times");
  EXPECT_EQ(parsePathSpec("plain.npy").internalPath, "");
}

TEST(Registry, Hdf5SignatureAfterUserBlockIsRecognised) {
  TempDir dir;
  const auto path = dir / "userblock.dat";
  const hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
  H5Pset_userblock(fcpl, 512);
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
  const hsize_t dims[1] = {3};
  const hid_t space = H5Screate_simple(1, dims, nullptr);
  const hid_t dataset =
      H5Dcreate2(file, "values", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const double data[3] = {1, 2, 3};
  H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  H5Dclose(dataset), H5Sclose(space), H5Fclose(file), H5Pclose(fcpl);
  EXPECT_EQ(ReaderRegistry::builtin().readerFor(path).name(), "HDF5");
  EXPECT_EQ(openArray(path)->values(), (std::vector<double>{1, 2, 3}));
}

TEST(Csv, HeaderQuotesMissingValuesAndTypes) {
  TempDir dir;
  const auto path = dir / "units.csv";
  nl::test::writeBytes(
      path,
      "\xEF\xBB\xBFid,area,\"note, with comma\",rate\n1,VISp,\"say \"\"hi\"\"\",2.5\n2,CA1,,NA\n");
  const auto contents = ReaderRegistry::builtin().open(path);
  const auto table = std::dynamic_pointer_cast<const TableDataset>(contents.datasets.front());
  ASSERT_TRUE(table);
  EXPECT_EQ(table->rowCount(), 2u);
  EXPECT_EQ(table->columns()[2].name, "note, with comma");
  EXPECT_EQ(table->column("note, with comma")->strings()[0], "say \"hi\"");
  ASSERT_NE(table->numericColumn("rate"), nullptr);
  EXPECT_TRUE(std::isnan((*table->numericColumn("rate"))[1]));
  EXPECT_EQ(table->numericColumn("area"), nullptr);
  const auto tsv = dir / "m.tsv";
  nl::test::writeBytes(tsv, "1\t2\t3\n4\t5\t6\n");
  const auto array = openArray(tsv);
  EXPECT_EQ(array->shape(), (std::vector<std::size_t>{2, 3}));
  const auto ragged = dir / "ragged.csv";
  nl::test::writeBytes(ragged, "a,b\n1,2\n3\n");
  EXPECT_NE(failure(ragged).find("row 3"), std::string::npos);
  const auto binary = dir / "binary.csv";
  nl::test::writeBytes(binary, std::string("a,b\n\0\x01\x02", 7));
  EXPECT_FALSE(failure(binary).empty());
}

TEST(Fixtures, RsatoolboxAnimacyRdm) {
  NL_REQUIRE_FIXTURE("rsa/rsatoolbox_118images/118_animate_RDM.npy");
  const auto rdm = openArray(nl::test::fixtures() / "rsa/rsatoolbox_118images/118_animate_RDM.npy");
  ASSERT_EQ(rdm->shape(), (std::vector<std::size_t>{118, 118}));
  const auto& v = rdm->values();
  // Numbers read independently from the file with Python's struct module:
  // a symmetric 0/1 model matrix whose diagonal holds 91 ones.
  EXPECT_EQ(std::set<double>(v.begin(), v.end()), (std::set<double>{0.0, 1.0}));
  double diagonal = 0;
  for (std::size_t i = 0; i < 118; ++i) {
    diagonal += v[i * 118 + i];
    for (std::size_t j = 0; j < i; ++j) ASSERT_EQ(v[i * 118 + j], v[j * 118 + i]);
  }
  EXPECT_EQ(diagonal, 91.0);
}

TEST(Fixtures, SpyketoolsStimulusLabelsAndBiclusteringCounts) {
  NL_REQUIRE_FIXTURE("spikes/allen_neuropixels_spyketools/stim_label.npy");
  const auto labels =
      openArray(nl::test::fixtures() / "spikes/allen_neuropixels_spyketools/stim_label.npy");
  EXPECT_EQ(labels->shape(), std::vector<std::size_t>{200});
  EXPECT_EQ(labels->sourceType(), "int64");
  EXPECT_EQ(std::set<double>(labels->values().begin(), labels->values().end()).size(), 4u);
  NL_REQUIRE_FIXTURE("biclustering/Y.csv");
  const auto counts = openArray(nl::test::fixtures() / "biclustering/Y.csv");
  ASSERT_EQ(counts->shape(), (std::vector<std::size_t>{63, 720}));
  for (double c : counts->values()) ASSERT_TRUE(c >= 0 && c == std::floor(c));
}

TEST(Fixtures, GenericHdf5ReadsNwbColumnsLazily) {
  NL_REQUIRE_FIXTURE("nwb/A8604-211122.nwb");
  const auto path = nl::test::fixtures() / "nwb/A8604-211122.nwb";
  const auto contents =
      ReaderRegistry::builtin().open(path, "/general/extracellular_ephys/electrodes/x");
  ASSERT_EQ(contents.datasets.size(), 1u);
  const auto x = std::dynamic_pointer_cast<const ArrayDataset>(contents.datasets.front());
  EXPECT_EQ(x->shape(), std::vector<std::size_t>{383});
  EXPECT_FALSE(x->isLoaded());
  EXPECT_EQ(x->values().size(), 383u);
  try {
    ReaderRegistry::builtin().open(path, "/general/extracellular_ephys/electrodes/location");
    ADD_FAILURE() << "a text column opened as numbers";
  } catch (const FileError& error) {
    EXPECT_NE(error.reason().find("not numeric"), std::string::npos);
  }
  EXPECT_THROW(ReaderRegistry::builtin().open(path, "/no/such/thing"), FileError);
}

TEST(Fixtures, TruncatedAndGarbageHdf5AreRefused) {
  NL_REQUIRE_FIXTURE("nwb/A8604-211122.nwb");
  TempDir dir;
  std::ifstream in(nl::test::fixtures() / "nwb/A8604-211122.nwb", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  const auto truncated = dir / "truncated.nwb";
  nl::test::writeBytes(truncated, bytes.substr(0, bytes.size() / 2));
  EXPECT_FALSE(failure(truncated).empty());
  const auto garbage = dir / "garbage.h5";
  std::string noise(4096, '\0');
  std::mt19937 random(3);
  for (auto& c : noise) c = static_cast<char>(random());
  nl::test::writeBytes(garbage, noise);
  EXPECT_FALSE(failure(garbage).empty());
  // A valid signature followed by garbage.
  const auto fake = dir / "fake.h5";
  nl::test::writeBytes(fake, std::string("\x89HDF\r\n\x1a\n", 8) + noise);
  EXPECT_FALSE(failure(fake).empty());
}

TEST(Phy, FolderBecomesOneUnitPerClusterWithItsTable) {
  TempDir dir;
  const auto folder = dir / "kilosort_output";
  std::filesystem::create_directories(folder);
  // 30 kHz; cluster 7 has spikes at 1.0 s and 0.5 s (unsorted), cluster 2 at 2.0 s.
  nl::test::writeBytes(folder / "spike_times.npy",
                       npyBytes(1, "{'descr': '<u8', 'fortran_order': False, 'shape': (3,), }",
                                rawBytes(std::vector<std::uint64_t>{30000, 60000, 15000})));
  nl::test::writeBytes(folder / "spike_clusters.npy",
                       npyBytes(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }",
                                rawBytes(std::vector<std::int32_t>{7, 2, 7})));
  nl::test::writeBytes(folder / "params.py",
                       "dat_path = 'x.bin'\nn_channels_dat = 385\nsample_rate = 30000.\n");
  nl::test::writeBytes(folder / "cluster_info.tsv",
                       "cluster_id\tch\tdepth\tgroup\n2\t5\t100.0\tgood\n7\t9\t180.0\tmua\n");
  nl::test::writeBytes(folder / "channel_positions.npy",
                       npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (10, 2), }",
                                rawBytes(std::vector<double>(20, 20.0))));
  EXPECT_EQ(ReaderRegistry::builtin().readerFor(folder).name(), "phy/Kilosort folder");
  const auto contents = ReaderRegistry::builtin().open(folder);
  const auto recording = std::dynamic_pointer_cast<const SpikeRecording>(contents.datasets.front());
  ASSERT_TRUE(recording);
  ASSERT_EQ(recording->unitCount(), 2u);
  EXPECT_EQ(*recording->units()->numericColumn("id"), (std::vector<double>{2, 7}));
  const auto unit7 = recording->spikesOfUnit(1);
  EXPECT_EQ(std::vector<double>(unit7.begin(), unit7.end()), (std::vector<double>{0.5, 1.0}));
  EXPECT_EQ(recording->units()->column("group")->strings()[1], "mua");
  EXPECT_EQ((*recording->units()->numericColumn("peak_channel_id"))[0], 5.0);
  ASSERT_TRUE(recording->electrodes());
  EXPECT_EQ(recording->electrodes()->rowCount(), 10u);
  // Broken folders say what is missing.
  std::filesystem::remove(folder / "params.py");
  EXPECT_NE(failure(folder).find("params.py"), std::string::npos);
  nl::test::writeBytes(folder / "params.py", "sample_rate = 30000.\n");
  nl::test::writeBytes(folder / "spike_clusters.npy",
                       npyBytes(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }",
                                rawBytes(std::vector<std::int32_t>{7, 2})));
  EXPECT_NE(failure(folder).find("entries for 3 spike times"), std::string::npos);
}

#include <zlib.h>

namespace {

// A zip archive of .npy members, each stored or deflated (as numpy.savez /
// savez_compressed write them).
std::string zipOf(const std::vector<std::tuple<std::string, std::string, bool>>& members) {
  auto put = [](std::string& out, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  };
  std::string archive, directory;
  for (const auto& [name, data, compress] : members) {
    std::string payload = data;
    if (compress) {
      z_stream s{};
      deflateInit2(&s, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
      payload.assign(deflateBound(&s, data.size()), '\0');
      s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
      s.avail_in = static_cast<uInt>(data.size());
      s.next_out = reinterpret_cast<Bytef*>(payload.data());
      s.avail_out = static_cast<uInt>(payload.size());
      deflate(&s, Z_FINISH);
      payload.resize(s.total_out);
      deflateEnd(&s);
    }
    const auto crc = crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
    const std::uint64_t offset = archive.size();
    put(archive, 0x04034b50, 4), put(archive, 20, 2), put(archive, 0, 2), put(archive, compress ? 8 : 0, 2);
    put(archive, 0, 4), put(archive, crc, 4), put(archive, payload.size(), 4), put(archive, data.size(), 4);
    put(archive, name.size(), 2), put(archive, 0, 2);
    archive += name + payload;
    put(directory, 0x02014b50, 4), put(directory, 20, 2), put(directory, 20, 2), put(directory, 0, 2);
    put(directory, compress ? 8 : 0, 2), put(directory, 0, 4), put(directory, crc, 4), put(directory, payload.size(), 4);
    put(directory, data.size(), 4), put(directory, name.size(), 2), put(directory, 0, 2), put(directory, 0, 2);
    put(directory, 0, 2), put(directory, 0, 2), put(directory, 0, 4), put(directory, offset, 4);
    directory += name;
  }
  const std::uint64_t cdOffset = archive.size();
  archive += directory;
  put(archive, 0x06054b50, 4), put(archive, 0, 2), put(archive, 0, 2), put(archive, members.size(), 2);
  put(archive, members.size(), 2), put(archive, directory.size(), 4), put(archive, cdOffset, 4), put(archive, 0, 2);
  return archive;
}

}  // namespace

TEST(Npz, StoredAndDeflatedMembersAndBrokenArchives) {
  TempDir dir;
  const auto a = npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", rawBytes(std::vector<double>{1, 2, 3, 4}));
  const auto b = npyBytes(1, "{'descr': '<i2', 'fortran_order': False, 'shape': (3,), }", rawBytes(std::vector<std::int16_t>{-1, 0, 7}));
  const auto path = dir / "arrays.npz";
  nl::test::writeBytes(path, zipOf({{"rates.npy", a, false}, {"labels.npy", b, true}}));
  const auto contents = ReaderRegistry::builtin().open(path);
  ASSERT_EQ(contents.datasets.size(), 2u);
  const auto rates = std::dynamic_pointer_cast<const ArrayDataset>(contents.datasets[0]);
  EXPECT_EQ(rates->name(), "rates");
  EXPECT_FALSE(rates->isLoaded());
  EXPECT_EQ(rates->values(), (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(std::dynamic_pointer_cast<const ArrayDataset>(contents.datasets[1])->values(), (std::vector<double>{-1, 0, 7}));
  EXPECT_EQ(ReaderRegistry::builtin().open(path, "labels").datasets.size(), 1u);
  // Truncated archive and a corrupted deflate stream.
  std::string bytes = zipOf({{"rates.npy", a, false}, {"labels.npy", b, true}});
  nl::test::writeBytes(dir / "cut.npz", bytes.substr(0, bytes.size() / 2));
  EXPECT_FALSE(failure(dir / "cut.npz").empty());
  const auto deflatedAt = bytes.find("labels.npy") + 10;
  bytes[deflatedAt + 2] = static_cast<char>(bytes[deflatedAt + 2] ^ 0x5a);
  nl::test::writeBytes(dir / "corrupt.npz", bytes);
  EXPECT_FALSE(failure(dir / "corrupt.npz").empty());
}

TEST(Npz, DynaphosCoordinatesMatchNumpy) {
  NL_REQUIRE_FIXTURE("prosthesis/dynaphos_coordinates_dipole.npz");
  const auto contents = ReaderRegistry::builtin().open(nl::test::fixtures() / "prosthesis/dynaphos_coordinates_dipole.npz");
  ASSERT_EQ(contents.datasets.size(), 2u);
  const auto x = std::dynamic_pointer_cast<const ArrayDataset>(contents.datasets[0]);
  ASSERT_EQ(x->shape(), std::vector<std::size_t>{900});
  // Values read with Python's zipfile + struct from the same file.
  EXPECT_DOUBLE_EQ(x->values()[1], 8.836682617563682);
  EXPECT_DOUBLE_EQ(x->values()[899], 78.83963060832772);
  double sum = 0;
  for (double v : x->values()) sum += v;
  EXPECT_NEAR(sum, 55751.92593720074, 1e-6);
}
