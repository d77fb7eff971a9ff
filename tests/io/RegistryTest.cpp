// ReaderRegistry: which reader a file gets (content first, extension second),
// and that every way of not being readable is a FileError naming the file.
#include <gtest/gtest.h>
#include <hdf5.h>

#include "io/ReaderRegistry.h"
#include "tests/support/TestSupport.h"

using namespace nl::io;
using namespace nl::test;

namespace {

void writeSmallHdf5(const std::filesystem::path& path, hsize_t userBlock = 0) {
  const hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
  if (userBlock > 0) H5Pset_userblock(fcpl, userBlock);
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  const hsize_t dims[1] = {2};
  const hid_t space = H5Screate_simple(1, dims, nullptr);
  const hid_t dataset =
      H5Dcreate2(file, "v", H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const int data[2] = {-4, 8};
  H5Dwrite(dataset, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  H5Dclose(dataset);
  H5Sclose(space);
  H5Fclose(file);
  H5Pclose(fcpl);
}

std::string readerName(const std::filesystem::path& path) {
  return ReaderRegistry::builtin().readerFor(path).name();
}

}  // namespace

TEST(RegistryChoice, ContentBeatsTheExtension) {
  TempDir dir;
  // .npy magic behind an .h5, a .csv and no extension at all.
  const std::string npy =
      npyBytes(1, simpleDict("<f8", "(1,)"), rawBytes(std::vector<double>{2.5}));
  for (const char* name : {"really_npy.h5", "really_npy.csv", "really_npy"}) {
    writeBytes(dir / name, npy);
    EXPECT_EQ(readerName(dir / name), "NumPy .npy") << name;
  }
  const auto contents = ReaderRegistry::builtin().open(dir / "really_npy.h5");
  EXPECT_EQ(contents.readerName, "NumPy .npy");
  EXPECT_EQ(std::dynamic_pointer_cast<const ArrayDataset>(contents.datasets.at(0))->values(),
            std::vector<double>{2.5});

  // An HDF5 file named .npy / .csv is still HDF5 (its signature wins).
  for (const char* name : {"really_h5.npy", "really_h5.csv", "really_h5.bin"}) {
    writeSmallHdf5(dir / name);
    EXPECT_EQ(readerName(dir / name), "HDF5") << name;
  }
  EXPECT_EQ(ReaderRegistry::builtin().open(dir / "really_h5.npy").readerName, "HDF5");
}

TEST(RegistryChoice, ExtensionDecidesForTextAndIsCaseInsensitive) {
  TempDir dir;
  for (const char* name : {"a.csv", "b.TSV", "c.Txt", "d.CSV"}) {
    writeBytes(dir / name, "x,y\n1,2\n");
    EXPECT_EQ(readerName(dir / name), "CSV/TSV") << name;
  }
  writeBytes(dir / "table.xyz", "x,y\n1,2\n");
  const auto error = fileErrorOf([&] { ReaderRegistry::builtin().readerFor(dir / "table.xyz"); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->path(), dir / "table.xyz");
  EXPECT_NE(error->reason().find("unrecognised"), std::string::npos);
  EXPECT_NE(error->reason().find(".csv"), std::string::npos)
      << "the message lists what can be read: " << error->reason();
  // Text with a .npy name but no magic is offered to the .npy reader, which refuses it clearly.
  writeBytes(dir / "text.npy", "1,2,3\n");
  const auto npyError = fileErrorOf([&] { ReaderRegistry::builtin().open(dir / "text.npy"); });
  ASSERT_TRUE(npyError);
  EXPECT_NE(npyError->reason().find("magic"), std::string::npos) << npyError->reason();
}

TEST(RegistryChoice, Hdf5SignatureAfterUserBlocksOfSeveralSizes) {
  TempDir dir;
  for (hsize_t block : {512u, 1024u, 4096u}) {
    const auto path = dir / ("ub" + std::to_string(block) + ".bin");
    writeSmallHdf5(path, block);
    EXPECT_NE(readBytes(path).substr(0, 4), "\x89HDF") << "the user block must really come first";
    EXPECT_EQ(readerName(path), "HDF5") << block;
    const auto contents = ReaderRegistry::builtin().open(path);
    ASSERT_EQ(contents.datasets.size(), 1u);
    EXPECT_EQ(std::dynamic_pointer_cast<const ArrayDataset>(contents.datasets[0])->values(),
              (std::vector<double>{-4, 8}));
  }
  // The signature at an offset HDF5 never uses (100) is not a signature.
  writeBytes(dir / "odd.bin", std::string(100, 'x') + "\x89HDF\r\n\x1a\n" + std::string(600, 'y'));
  EXPECT_TRUE(fileErrorOf([&] { ReaderRegistry::builtin().readerFor(dir / "odd.bin"); }));
}

TEST(RegistryErrors, EveryUnreadableFileIsAFileErrorNamingIt) {
  TempDir dir;
  struct Case {
    std::filesystem::path path;
    std::string expected;  // a word the reason must contain
  };
  writeBytes(dir / "empty.csv", "");
  writeBytes(dir / "empty.h5", "");
  writeBytes(dir / "unknown.xyz", "hello world");
  writeBytes(dir / "binary.csv", std::string("\x00\x01\x02\x03", 4));
  std::filesystem::create_directories(dir / "plain_folder");
  std::filesystem::create_symlink(dir / "nowhere.npy", dir / "dangling.npy");
  const std::vector<Case> cases{{dir / "missing.npy", "does not exist"},
                                {dir / "dangling.npy", "does not exist"},
                                {dir / "empty.csv", "empty"},
                                {dir / "empty.h5", "empty"},
                                {dir / "unknown.xyz", "unrecognised"},
                                {dir / "binary.csv", "unrecognised"},
                                {dir / "plain_folder", "folder"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.path.filename().string());
    const auto error = fileErrorOf([&] { ReaderRegistry::builtin().open(c.path); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->path(), c.path);
    EXPECT_FALSE(error->reason().empty());
    EXPECT_NE(error->reason().find(c.expected), std::string::npos) << error->reason();
    EXPECT_EQ(std::string(error->what()), c.path.string() + ": " + error->reason());
  }
}

TEST(RegistryErrors, FoldersNamedLikeFilesAreFileErrorsNotCrashes) {
  // Folders are offered to the readers (a phy/Kilosort output is a folder);
  // one that merely has a file extension must fail cleanly in every reader.
  TempDir dir;
  for (const char* name : {"looks_like.h5", "looks_like.npy", "looks_like.csv",
                           "looks_like.nlsession", "looks_like.tsv"}) {
    SCOPED_TRACE(name);
    std::filesystem::create_directories(dir / name);
    const auto error = fileErrorOf([&] { ReaderRegistry::builtin().open(dir / name); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->path(), dir / name);
    EXPECT_NE(error->reason().find("is a folder"), std::string::npos)
        << "said what it is, not a format error: " << error->reason();
  }
}

TEST(RegistryErrors, SymlinksToReadableFilesAreFollowed) {
  TempDir dir;
  writeBytes(dir / "real.csv", "a\n1\n2\n");
  std::filesystem::create_symlink(dir / "real.csv", dir / "link.csv");
  const auto contents = ReaderRegistry::builtin().open(dir / "link.csv");
  ASSERT_EQ(contents.datasets.size(), 1u);
  EXPECT_EQ(contents.datasets[0]->shape(), (std::vector<std::size_t>{2, 1}));
}

TEST(RegistryPathSpec, SplitsAtTheFirstDoubleColon) {
  EXPECT_EQ(parsePathSpec("f.h5::/a/b").path, "f.h5");
  EXPECT_EQ(parsePathSpec("f.h5::/a/b").internalPath, "/a/b");
  EXPECT_EQ(parsePathSpec("/abs/dir/f.nwb::units").internalPath, "units");
  EXPECT_EQ(parsePathSpec("f.h5::").internalPath, "");
  EXPECT_EQ(parsePathSpec("f.h5::").path, "f.h5");
  EXPECT_EQ(parsePathSpec("f.h5::a::b").internalPath, "a::b");
  EXPECT_EQ(parsePathSpec("dir with spaces/x.csv").path, "dir with spaces/x.csv");
  EXPECT_EQ(parsePathSpec("").path, "");
  EXPECT_EQ(parsePathSpec("c:/x.h5").internalPath, "") << "a single colon is part of the path";
}

TEST(RegistryPathSpec, OpenByPathSpecNarrowsToOneDataset) {
  TempDir dir;
  const auto path = dir / "two.h5";
  {
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t dims[1] = {1};
    const hid_t space = H5Screate_simple(1, dims, nullptr);
    for (const char* name : {"first", "second"}) {
      const hid_t d =
          H5Dcreate2(file, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      const double v = name[0] == 'f' ? 1.0 : 2.0;
      H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v);
      H5Dclose(d);
    }
    H5Sclose(space);
    H5Fclose(file);
  }
  EXPECT_EQ(ReaderRegistry::builtin().open(path).datasets.size(), 2u);
  const auto one = ReaderRegistry::builtin().open(parsePathSpec(path.string() + "::/second"));
  ASSERT_EQ(one.datasets.size(), 1u);
  EXPECT_EQ(std::dynamic_pointer_cast<const ArrayDataset>(one.datasets[0])->values(),
            std::vector<double>{2.0});
  EXPECT_EQ(one.datasets[0]->provenance().internalPath, "/second");
  EXPECT_EQ(one.datasets[0]->provenance().sourcePath, path.string());
  const auto error = fileErrorOf(
      [&] { ReaderRegistry::builtin().open(parsePathSpec(path.string() + "::/third")); });
  ASSERT_TRUE(error);
  EXPECT_NE(error->reason().find("/third"), std::string::npos);
}
