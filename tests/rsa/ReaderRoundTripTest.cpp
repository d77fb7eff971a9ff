// The rsatoolbox 118-image animacy RDM and its labels through every reader
// path the RSA plugins take RDMs from: written here to HDF5, MATLAB .mat
// (struct array with the labels as a cell array), .npz (stored zip, square
// and condensed members) and CSV, read back with ReaderRegistry and compared;
// then through rsa.compare / rsa.mds as the GUI would use them.
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "analysis/rsa/Compare.h"
#include "io/ReaderRegistry.h"
#include "io/hdf5/H5.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"
#include "tests/rsa/MatTestSupport.h"
#include "tests/support/TestSupport.h"

using nl::io::ArrayDataset;
using nl::io::ReaderRegistry;

namespace {

const char* kFixture = "rsa/rsatoolbox_118images";

std::string fileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {(std::istreambuf_iterator<char>(in)), {}};
}

// The labels .npy is '<U9' (UTF-32 little-endian, 9 code points each, NUL
// padded): NpyReader's table must equal a decoding by hand (ASCII names).
std::vector<std::string> fixtureLabels() {
  const auto bytes = fileBytes(nl::test::fixtures() / kFixture / "118_animate_labels.npy");
  const std::size_t headerLength =
      static_cast<unsigned char>(bytes[8]) |
      (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
  const std::string header = bytes.substr(10, headerLength);
  EXPECT_NE(header.find("'<U9'"), std::string::npos) << header;
  std::vector<std::string> labels;
  for (std::size_t at = 10 + headerLength; at + 36 <= bytes.size(); at += 36) {
    std::string label;
    for (std::size_t c = 0; c < 9; ++c) {
      const auto code = static_cast<unsigned char>(bytes[at + 4 * c]);
      if (code == 0) break;
      label += static_cast<char>(code);
    }
    labels.push_back(label);
  }
  const auto table = std::dynamic_pointer_cast<const nl::io::TableDataset>(
      ReaderRegistry::builtin()
          .open(nl::test::fixtures() / kFixture / "118_animate_labels.npy")
          .datasets.at(0));
  EXPECT_TRUE(table && table->columns().front().strings() == labels)
      << "NpyReader's labels differ from the hand decoding";
  return labels;
}

std::vector<double> fixtureRdm() {
  const auto contents =
      ReaderRegistry::builtin().open(nl::test::fixtures() / kFixture / "118_animate_RDM.npy");
  return dynamic_cast<const ArrayDataset&>(*contents.datasets.at(0)).values();
}

std::string npy(const std::string& shape, const std::vector<double>& values) {
  return nl::test::npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }",
                            nl::test::rawBytes(values));
}

// A stored (uncompressed) zip, as numpy.savez writes one.
std::string storedZip(const std::vector<std::pair<std::string, std::string>>& members) {
  auto le = [](std::string& out, std::uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
  };
  std::string out, directory;
  for (const auto& [name, data] : members) {
    const auto crc =
        crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
    const std::size_t offset = out.size();
    le(out, 0x04034b50, 4), le(out, 20, 2), le(out, 0, 2), le(out, 0, 2), le(out, 0, 2),
        le(out, 0, 2);
    le(out, crc, 4), le(out, data.size(), 4), le(out, data.size(), 4), le(out, name.size(), 2),
        le(out, 0, 2);
    out += name + data;
    le(directory, 0x02014b50, 4), le(directory, 20, 2), le(directory, 20, 2), le(directory, 0, 2);
    le(directory, 0, 2), le(directory, 0, 2), le(directory, 0, 2), le(directory, crc, 4);
    le(directory, data.size(), 4), le(directory, data.size(), 4), le(directory, name.size(), 2);
    le(directory, 0, 2), le(directory, 0, 2), le(directory, 0, 2), le(directory, 0, 2);
    le(directory, 0, 4), le(directory, offset, 4);
    directory += name;
  }
  const std::size_t directoryOffset = out.size();
  out += directory;
  le(out, 0x06054b50, 4), le(out, 0, 2), le(out, 0, 2), le(out, members.size(), 2);
  le(out, members.size(), 2), le(out, directory.size(), 4), le(out, directoryOffset, 4),
      le(out, 0, 2);
  return out;
}

std::vector<double> condensed(const std::vector<double>& square, std::size_t n) {
  std::vector<double> out;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) out.push_back(square[i * n + j]);
  return out;
}

nl::plugins::RunResult run(const std::string& id, nl::plugins::Inputs inputs,
                           const std::map<std::string, std::string>& text = {}) {
  const auto* d = nl::test::builtinPlugins().find(id);
  if (d == nullptr || !d->loaded) throw std::runtime_error(id + " not loaded");
  nl::plugins::ProgressReporter quiet;
  return nl::plugins::runPlugin(nl::test::builtinPlugins(),
                                {id, std::move(inputs), d->parameters.parse(text), "test"}, quiet);
}

}  // namespace

TEST(RsaFixtureRoundTrip, AnimacyRdmThroughEveryReaderPath) {
  NL_REQUIRE_FIXTURE("rsa/rsatoolbox_118images/118_animate_RDM.npy");
  const std::size_t n = 118;
  const auto rdm = fixtureRdm();
  const auto labels = fixtureLabels();
  ASSERT_EQ(rdm.size(), n * n);
  ASSERT_EQ(labels.size(), n);
  EXPECT_FALSE(labels.front().empty());
  nl::test::TempDir dir;

  // HDF5: square RDM, condensed RDM and the labels as strings.
  {
    auto file = nl::io::h5::File::create(dir / "rdm.h5");
    file.root().writeDoubles("animacy", rdm, {n, n});
    file.root().writeDoubles("animacy_condensed", condensed(rdm, n), {n * (n - 1) / 2});
    file.root().writeStrings("labels", labels);
    file.close();
  }
  // .mat: rsatoolbox-style struct array + the labels as a cell array
  // (uncompressed: libmatio 1.5.23 misreads some nested elements of
  // compressed files it wrote itself), and a compressed plain matrix.
  {
    std::vector<double> columnMajor(n * n);  // symmetric, but transpose anyway
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) columnMajor[j * n + i] = rdm[i * n + j];
    nl::test::writeMat(dir / "rdm.mat",
                       {nl::test::matRdmStruct("RDMs", {{n, n}}, {columnMajor}, {"animacy"}),
                        nl::test::matStringCell("labels", labels)},
                       false);
    nl::test::writeMat(dir / "rdmz.mat", {nl::test::matDouble("animacy", {n, n}, columnMajor)},
                       true);
  }
  // .npz with a square and a condensed member; CSV without header; labels CSV.
  nl::test::writeBytes(dir / "rdm.npz",
                       storedZip({{"animacy.npy", npy("(118, 118)", rdm)},
                                  {"condensed.npy", npy("(6903,)", condensed(rdm, n))}}));
  {
    std::ofstream csv(dir / "rdm.csv");
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) csv << rdm[i * n + j] << (j + 1 < n ? "," : "\n");
    std::ofstream labelCsv(dir / "labels.csv");
    labelCsv << "label\n";
    for (const auto& l : labels) labelCsv << l << "\n";
  }

  const auto& registry = ReaderRegistry::builtin();
  std::vector<std::pair<std::string, nl::io::DatasetPtr>> read{
      {"npy",
       registry.open(nl::test::fixtures() / kFixture / "118_animate_RDM.npy").datasets.at(0)},
      {"hdf5", registry.open(dir / "rdm.h5", "/animacy").datasets.at(0)},
      {"hdf5 condensed", registry.open(dir / "rdm.h5", "/animacy_condensed").datasets.at(0)},
      {"mat", registry.open(dir / "rdm.mat", "animacy").datasets.at(0)},
      {"mat compressed", registry.open(dir / "rdmz.mat").datasets.at(0)},
      {"npz", registry.open(dir / "rdm.npz", "animacy").datasets.at(0)},
      {"npz condensed", registry.open(dir / "rdm.npz", "condensed").datasets.at(0)},
      {"csv", registry.open(dir / "rdm.csv").datasets.at(0)}};
  const auto& mat = dynamic_cast<const ArrayDataset&>(*read[3].second);
  EXPECT_EQ(mat.attributes().at("rdm"), "1");
  EXPECT_EQ(mat.name(), "animacy");

  // Labels: from the .mat cell array, HDF5 strings are not datasets, CSV table.
  const auto matContents = registry.open(dir / "rdm.mat", "labels");
  const auto* matLabels =
      dynamic_cast<const nl::io::TableDataset*>(matContents.datasets.at(0).get());
  ASSERT_NE(matLabels, nullptr);
  EXPECT_EQ(matLabels->columns()[0].strings(), labels);
  const auto csvLabels = registry.open(dir / "labels.csv").datasets.at(0);
  const auto* csvTable = dynamic_cast<const nl::io::TableDataset*>(csvLabels.get());
  ASSERT_NE(csvTable, nullptr);
  EXPECT_EQ(csvTable->column("label")->strings(), labels);

  for (const auto& [path, dataset] : read) {
    SCOPED_TRACE(path);
    const auto& array = dynamic_cast<const ArrayDataset&>(*dataset);
    if (path.ends_with("condensed")) {
      EXPECT_EQ(array.values(), condensed(rdm, n));
    } else {
      ASSERT_EQ(array.shape(), (std::vector<std::size_t>{n, n}));
      EXPECT_EQ(array.values(), rdm);
    }
    // Through the plugins: identical to the fixture (Pearson 1), MDS with labels.
    const auto similarity =
        run("rsa.compare", {{"a", read[0].second}, {"b", dataset}},
            {{"compare", "pearson"}, {"bootstrap", "none"}, {"permutations", "0"}, {"folds", "0"}});
    EXPECT_NEAR(dynamic_cast<const ArrayDataset&>(*similarity.outputs.at(0).dataset).values()[0],
                1.0, 1e-12);
  }
  // The animacy model RDM has 0/1 entries: a 2-cluster MDS; labels from the .mat carried along.
  const auto mds =
      run("rsa.mds", {{"rdm", read[3].second}, {"labels", matContents.datasets.at(0)}});
  const auto& coordinates = dynamic_cast<const ArrayDataset&>(*mds.outputs.at(0).dataset);
  ASSERT_EQ(coordinates.shape(), (std::vector<std::size_t>{n, 2}));
  EXPECT_EQ(nlohmann::json::parse(coordinates.attributes().at("stimulus_labels"))
                .get<std::vector<std::string>>(),
            labels);
}
