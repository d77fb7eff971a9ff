// MatReader (libmatio) on level-5 files written here with libmatio:
// numeric matrices (column-major → C order), RDM marking, rsatoolbox-style
// struct arrays of named RDMs (square and condensed), n × n × k stacks named
// by a cell array, cell arrays of names, selection by internal path, and
// corrupt or truncated files → FileError.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "io/ReaderRegistry.h"
#include "tests/rsa/MatTestSupport.h"
#include "tests/support/TestSupport.h"

using nl::io::ArrayDataset;
using nl::io::ReaderRegistry;

namespace {

const ArrayDataset& arrayAt(const nl::io::FileContents& contents, std::size_t i) {
  return dynamic_cast<const ArrayDataset&>(*contents.datasets.at(i));
}

std::string fileErrorOf(const std::filesystem::path& path, const std::string& internal = {}) {
  try {
    ReaderRegistry::builtin().open(path, internal);
  } catch (const nl::io::FileError& error) {
    return error.what();
  } catch (const std::exception& error) {
    return std::string("NOT A FileError: ") + error.what();
  }
  return {};
}

// A 3 × 3 RDM in MATLAB's column-major order (symmetric, so the same).
const std::vector<double> kRdm3{0, 1, 2, 1, 0, 3, 2, 3, 0};

// The struct array of the test below as scipy.io.savemat(do_compression=True)
// writes it (libmatio 1.5.23 cannot read back the fields of later elements of
// compressed struct arrays it wrote itself, while it reads MATLAB's and
// SciPy's): RDMs(1) = {RDM: [0 1 2; 1 0 3; 2 3 0], name: 'V1 model'},
// RDMs(2) = {RDM: [5 6 7], name: 'IT'}.
std::string scipyCompressedStructFile() {
  std::string header = "MATLAB 5.0 MAT-file, written by scipy.io.savemat";
  header.resize(128, ' ');
  header.replace(116, 8, std::string(8, '\0'));
  header[124] = '\x00';
  header[125] = '\x01';
  header[126] = 'I';
  header[127] = 'M';
  static const char body[] =
      "\x0f\x00\x00\x00\x95\x00\x00\x00\x78\x9c\xe3\x63\x60\x60\x98\xc0\xc8\xc0\xc0\x06\xa4\x39\x80"
      "\x98"
      "\x89\x01\x02\x58\xa1\x7c\x46\xa8\x18\x23\x03\x0b\x43\x90\x8b\x6f\x31\x2b\x90\x66\x85\x8a\x73"
      "\x01"
      "\x31\x50\x8c\x81\x21\x2f\x31\x37\x15\xaa\x8f\x0f\x88\x2b\x18\x10\xe6\xb1\xa1\x99\xc7\x0c\xc5"
      "\x8c"
      "\x50\x71\x4e\x20\xf6\x60\x40\x07\x1f\xec\xa1\x0c\x07\x34\x3e\x14\x70\x38\xa0\xca\xc3\xf9\x60"
      "\xfb"
      "\x2d\x90\xec\x67\xc1\xe2\x1f\x18\x0d\x02\x02\x50\x7e\x98\xa1\x42\x6e\x7e\x4a\x6a\x0e\x1f\xd4"
      "\x3d"
      "\xb8\xdc\xcf\x88\xc5\xfd\x12\x70\x77\x89\x40\xdd\x21\x01\xa5\x65\x1c\x40\xe6\x19\x10\x70\x0f"
      "\x13"
      "\x8a\x7b\x98\x18\x3c\x43\x18\x18\x00\x7e\x66\x0f\x19";
  return header + std::string(body, sizeof body - 1);
}

}  // namespace

TEST(MatReader, NumericMatricesInCOrderAndRdmsMarked) {
  for (bool compressed : {false, true}) {
    SCOPED_TRACE(compressed);
    nl::test::TempDir dir;
    // MATLAB [1 2 3; 4 5 6] is stored 1 4 2 5 3 6.
    nl::test::writeMat(
        dir / "m.mat",
        {nl::test::matDouble("responses", {2, 3}, {1, 4, 2, 5, 3, 6}),
         nl::test::matDouble("rdm", {3, 3}, kRdm3), nl::test::matDouble("vec", {1, 3}, {7, 8, 9}),
         nl::test::matString("note", "made by a test")},
        compressed);
    const auto contents = ReaderRegistry::builtin().open(dir / "m.mat");
    EXPECT_EQ(contents.readerName, "MATLAB .mat");
    EXPECT_EQ(contents.metadata["variables"]["note"], "made by a test");
    ASSERT_EQ(contents.datasets.size(), 3u);
    const auto& responses = arrayAt(contents, 0);
    EXPECT_EQ(responses.shape(), (std::vector<std::size_t>{2, 3}));
    EXPECT_EQ(responses.values(), (std::vector<double>{1, 2, 3, 4, 5, 6}));
    EXPECT_FALSE(responses.attributes().contains("rdm"));
    const auto& rdm = arrayAt(contents, 1);
    EXPECT_EQ(rdm.attributes().at("rdm"), "1");
    EXPECT_EQ(rdm.attributes().at("name"), "rdm");
    EXPECT_EQ(rdm.values()[0 * 3 + 2], 2.0);
    EXPECT_EQ(arrayAt(contents, 2).shape(), std::vector<std::size_t>{3});
    // One variable by internal path.
    const auto one = ReaderRegistry::builtin().open(dir / "m.mat", "rdm");
    ASSERT_EQ(one.datasets.size(), 1u);
    EXPECT_EQ(one.datasets[0]->name(), "rdm");
    EXPECT_NE(fileErrorOf(dir / "m.mat", "nothing").find("no variable or RDM 'nothing'"),
              std::string::npos);
  }
}

TEST(MatReader, StructArrayOfNamedRdmsAsRsatoolboxDemoData) {
  for (bool compressed : {false, true}) {
    SCOPED_TRACE(compressed);
    nl::test::TempDir dir;
    // Element 2 stores its RDM condensed (1 × 3, SciPy order: (0,1) (0,2) (1,2)).
    if (compressed)
      nl::test::writeBytes(dir / "rdms.mat", scipyCompressedStructFile());
    else
      nl::test::writeMat(dir / "rdms.mat",
                         {nl::test::matRdmStruct("RDMs", {{3, 3}, {1, 3}}, {kRdm3, {5, 6, 7}},
                                                 {"V1 model", "IT"})},
                         false);
    const auto contents = ReaderRegistry::builtin().open(dir / "rdms.mat");
    ASSERT_EQ(contents.datasets.size(), 2u);
    const auto& first = arrayAt(contents, 0);
    EXPECT_EQ(first.name(), "V1 model");
    EXPECT_EQ(first.attributes().at("rdm"), "1");
    EXPECT_EQ(first.shape(), (std::vector<std::size_t>{3, 3}));
    EXPECT_EQ(first.provenance().internalPath, "RDMs(1)");
    const auto& second = arrayAt(contents, 1);
    EXPECT_EQ(second.name(), "IT");
    EXPECT_EQ(second.values(), (std::vector<double>{0, 5, 6, 5, 0, 7, 6, 7, 0}));
    // Select by element name or index.
    EXPECT_EQ(ReaderRegistry::builtin().open(dir / "rdms.mat", "IT").datasets.size(), 1u);
    EXPECT_EQ(ReaderRegistry::builtin().open(dir / "rdms.mat", "RDMs(1)").datasets[0]->name(),
              "V1 model");
  }
  nl::test::TempDir dir;
  nl::test::writeMat(dir / "bad.mat",
                     {nl::test::matRdmStruct("RDMs", {{1, 4}}, {{1, 2, 3, 4}}, {"four"})}, false);
  EXPECT_NE(fileErrorOf(dir / "bad.mat").find("neither square nor n(n−1)/2"), std::string::npos);
}

TEST(MatReader, RdmStackNamedByCellArrayAndStringCellsAsTable) {
  nl::test::TempDir dir;
  // 3 × 3 × 2: slice 1 is kRdm3, slice 2 is 2·kRdm3 (column-major: slice last).
  std::vector<double> stack = kRdm3;
  for (double v : kRdm3) stack.push_back(2 * v);
  nl::test::writeMat(dir / "stack.mat",
                     {nl::test::matDouble("rdms", {3, 3, 2}, stack),
                      nl::test::matStringCell("rdm_names", {"VISp", "VISl"})},
                     true);
  const auto contents = ReaderRegistry::builtin().open(dir / "stack.mat");
  ASSERT_EQ(contents.datasets.size(), 3u);
  EXPECT_EQ(arrayAt(contents, 0).name(), "VISp");
  EXPECT_EQ(arrayAt(contents, 1).name(), "VISl");
  EXPECT_EQ(arrayAt(contents, 1).values()[1], 2.0);
  EXPECT_EQ(arrayAt(contents, 1).attributes().at("rdm"), "1");
  const auto* table = dynamic_cast<const nl::io::TableDataset*>(contents.datasets[2].get());
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->columns()[0].strings(), (std::vector<std::string>{"VISp", "VISl"}));
}

TEST(MatReader, CorruptAndTruncatedFilesAreFileErrors) {
  nl::test::TempDir dir;
  std::vector<double> big(60 * 60);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<double>(i % 97);
  for (bool compressed : {false, true}) {
    const std::string name = compressed ? "z.mat" : "u.mat";
    nl::test::writeMat(dir / name, {nl::test::matDouble("x", {60, 60}, big)}, compressed);
    std::ifstream in(dir / name, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    for (std::size_t keep : {bytes.size() / 2, std::size_t{200}, std::size_t{130}}) {
      SCOPED_TRACE(name + " cut at " + std::to_string(keep));
      nl::test::writeBytes(dir / "cut.mat", bytes.substr(0, keep));
      const auto message = fileErrorOf(dir / "cut.mat");
      EXPECT_FALSE(message.empty());
      EXPECT_EQ(message.find("NOT A FileError"), std::string::npos) << message;
      EXPECT_NE(message.find("cut.mat"), std::string::npos) << message;
    }
    // Garbage after a valid header.
    std::string garbage = bytes.substr(0, 128);
    for (int i = 0; i < 400; ++i) garbage += static_cast<char>((i * 37) & 0xff);
    nl::test::writeBytes(dir / "garbage.mat", garbage);
    EXPECT_FALSE(fileErrorOf(dir / "garbage.mat").empty());
  }
  nl::test::writeBytes(dir / "short.mat", "MATLAB 5.0 MAT-file, too short");
  EXPECT_NE(fileErrorOf(dir / "short.mat").find("too short"), std::string::npos);
  nl::test::writeBytes(dir / "text.mat", std::string(300, 'x'));
  EXPECT_FALSE(fileErrorOf(dir / "text.mat").empty());
}
