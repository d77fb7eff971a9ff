// The phy/Kilosort folder reader and .npz archives (stored, deflated, broken).
#include <gtest/gtest.h>

#include "io/ReaderRegistry.h"
#include "tests/support/TestSupport.h"

using namespace nl::io;
using nl::test::npyBytes;
using nl::test::rawBytes;
using nl::test::TempDir;

namespace {

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
    const auto crc =
        crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
    const std::uint64_t offset = archive.size();
    put(archive, 0x04034b50, 4), put(archive, 20, 2), put(archive, 0, 2),
        put(archive, compress ? 8 : 0, 2);
    put(archive, 0, 4), put(archive, crc, 4), put(archive, payload.size(), 4),
        put(archive, data.size(), 4);
    put(archive, name.size(), 2), put(archive, 0, 2);
    archive += name + payload;
    put(directory, 0x02014b50, 4), put(directory, 20, 2), put(directory, 20, 2),
        put(directory, 0, 2);
    put(directory, compress ? 8 : 0, 2), put(directory, 0, 4), put(directory, crc, 4),
        put(directory, payload.size(), 4);
    put(directory, data.size(), 4), put(directory, name.size(), 2), put(directory, 0, 2),
        put(directory, 0, 2);
    put(directory, 0, 2), put(directory, 0, 2), put(directory, 0, 4), put(directory, offset, 4);
    directory += name;
  }
  const std::uint64_t cdOffset = archive.size();
  archive += directory;
  put(archive, 0x06054b50, 4), put(archive, 0, 2), put(archive, 0, 2),
      put(archive, members.size(), 2);
  put(archive, members.size(), 2), put(archive, directory.size(), 4), put(archive, cdOffset, 4),
      put(archive, 0, 2);
  return archive;
}

}  // namespace

TEST(Npz, StoredAndDeflatedMembersAndBrokenArchives) {
  TempDir dir;
  const auto a = npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
                          rawBytes(std::vector<double>{1, 2, 3, 4}));
  const auto b = npyBytes(1, "{'descr': '<i2', 'fortran_order': False, 'shape': (3,), }",
                          rawBytes(std::vector<std::int16_t>{-1, 0, 7}));
  const auto path = dir / "arrays.npz";
  nl::test::writeBytes(path, zipOf({{"rates.npy", a, false}, {"labels.npy", b, true}}));
  const auto contents = ReaderRegistry::builtin().open(path);
  ASSERT_EQ(contents.datasets.size(), 2u);
  const auto rates = std::dynamic_pointer_cast<const ArrayDataset>(contents.datasets[0]);
  EXPECT_EQ(rates->name(), "rates");
  EXPECT_FALSE(rates->isLoaded());
  EXPECT_EQ(rates->values(), (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(std::dynamic_pointer_cast<const ArrayDataset>(contents.datasets[1])->values(),
            (std::vector<double>{-1, 0, 7}));
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
  const auto contents = ReaderRegistry::builtin().open(
      nl::test::fixtures() / "prosthesis/dynaphos_coordinates_dipole.npz");
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
