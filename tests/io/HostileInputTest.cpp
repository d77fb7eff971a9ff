// Hostile inputs through the readers: files made in a temp folder (or real
// fixtures mutated there) that once hung, crashed, allocated gigabytes or
// gave silent wrong values. Each must end as one FileError naming the file
// and the problem (issue #18).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "io/ReaderRegistry.h"
#include "io/UntrustedInput.h"
#include "io/microscopy/ZarrReader.h"
#include "tests/support/TestSupport.h"

namespace nl::io {
namespace {

namespace fs = std::filesystem;
using test::fileErrorOf;
using test::TempDir;
using test::writeBytes;

// `head`, then zeros up to `size` bytes: a sparse file, so a multi-gigabyte
// one costs nothing on disk unless something reads it.
fs::path sparseFile(const fs::path& path, const std::string& head, std::uint64_t size) {
  writeBytes(path, head);
  fs::resize_file(path, size);
  return path;
}

std::string reasonOfOpening(const fs::path& path, const std::string& internalPath = {}) {
  const auto error = fileErrorOf([&] { (void)ReaderRegistry::builtin().open(path, internalPath); });
  return error ? error->reason() : std::string("(no FileError)");
}

// --- FIFOs and devices ------------------------------------------------------

TEST(HostileInput, NamedPipeIsRefusedBeforeItIsOpened) {
  TempDir dir;
  for (const char* name : {"pipe.csv", "pipe.nii", "pipe.swc", "pipe.h5"}) {
    const auto path = dir / name;
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
    const auto reason = reasonOfOpening(path);
    EXPECT_NE(reason.find("named pipe"), std::string::npos) << name << ": " << reason;
  }
}

TEST(HostileInput, DevicesAreRefusedWhateverTheyAreNamed) {
  TempDir dir;
  for (const auto& [device, name] :
       {std::pair{"/dev/zero", "zero.swc"}, std::pair{"/dev/urandom", "random.csv"},
        std::pair{"/dev/null", "null.json"}}) {
    if (!fs::exists(device)) continue;
    const auto link = dir / name;
    fs::create_symlink(device, link);
    const auto reason = reasonOfOpening(link);
    EXPECT_NE(reason.find("character device"), std::string::npos) << name << ": " << reason;
  }
}

TEST(HostileInput, NamedPipeInsideAFolderIsRefusedToo) {
  TempDir dir;
  const auto phy = dir / "sorting";
  fs::create_directories(phy);
  writeBytes(phy / "spike_times.npy", "");
  ASSERT_EQ(::mkfifo((phy / "params.py").c_str(), 0600), 0);
  const auto error = fileErrorOf([&] { (void)ReaderRegistry::builtin().open(phy); });
  ASSERT_TRUE(error);
  EXPECT_NE(error->reason().find("named pipe"), std::string::npos) << error->what();
}

// --- text formats without a size field --------------------------------------

TEST(HostileInput, TextFormatsLargerThanTheirCapAreRefusedUnread) {
  TempDir dir;
  struct Case {
    const char* name;
    std::string head;
    std::uint64_t cap;
  };
  const Case cases[] = {
      {"huge.csv", "a,b\n" + std::string(1024, '7') + ",2\n",
       kMaxCsvBytes},  // text past the sniffed head
      {"huge.swc", "# swc\n1 1 0 0 0 1 -1\n", kMaxSwcBytes},
      {"huge.json", R"([{"pre": "A", "post": "B", "typ": 0, "syn": 1}, )", kMaxJsonBytes},
  };
  for (const auto& c : cases) {
    const auto path = sparseFile(dir / c.name, c.head, c.cap + 1);
    const auto reason = reasonOfOpening(path);
    EXPECT_NE(reason.find("larger than " + byteSizeText(c.cap) + " is refused"), std::string::npos)
        << c.name << ": " << reason;
    fs::remove(path);
  }
}

TEST(HostileInput, PhyParamsLargerThanOneMegabyteIsRefused) {
  TempDir dir;
  const auto phy = dir / "sorting";
  fs::create_directories(phy);
  writeBytes(phy / "spike_times.npy", test::npyBytes(1, test::simpleDict("<i8", "(1,)"),
                                                     test::rawBytes<std::int64_t>({30})));
  writeBytes(phy / "spike_clusters.npy",
             test::npyBytes(1, test::simpleDict("<i4", "(1,)"), test::rawBytes<std::int32_t>({0})));
  sparseFile(phy / "params.py", "sample_rate = 30000.\n", kMaxPhyParamsBytes + 1);
  const auto error = fileErrorOf([&] { (void)ReaderRegistry::builtin().open(phy); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->path(), phy / "params.py");
  EXPECT_NE(error->reason().find("larger than 1 MiB is refused"), std::string::npos)
      << error->what();
}

TEST(HostileInput, ReadWholeFileStopsAtTheLimitAndNamesFolders) {
  TempDir dir;
  writeBytes(dir / "ten.txt", "0123456789");
  EXPECT_EQ(readWholeFile(dir / "ten.txt", 10, "a text"), "0123456789");
  EXPECT_TRUE(fileErrorOf([&] { (void)readWholeFile(dir / "ten.txt", 9, "a text"); }));
  const auto folder = fileErrorOf([&] { (void)readWholeFile(dir.path(), 9, "a text"); });
  ASSERT_TRUE(folder);
  EXPECT_EQ(folder->reason(), "is a folder, not a text");
}

// --- zarr -------------------------------------------------------------------

TEST(HostileInput, ZarrChunkThatIsAFolderIsNamedAsSuch) {
  TempDir dir;
  const auto array = dir / "a.zarr";
  fs::create_directories(array / "0.0.0");  // where the one chunk file should be
  writeBytes(array / ".zarray",
             R"({"zarr_format": 2, "shape": [2, 2, 2], "chunks": [2, 2, 2], "dtype": "|u1",
                 "order": "C", "fill_value": 0, "compressor": null, "filters": null})");
  const auto volume = microscopy::openZarrArray(array, "");
  const auto error =
      fileErrorOf([&] { (void)volume->readFloat(microscopy::Box::whole(volume->volumeShape())); });
  ASSERT_TRUE(error);
  EXPECT_NE(error->reason().find("is a folder, not a zarr chunk"), std::string::npos)
      << error->what();
  EXPECT_EQ(std::string(error->what()).find("9223372036854775807"), std::string::npos);
}

}  // namespace
}  // namespace nl::io
