// Result files (io/ResultFile.h, io/DatasetHdf5.h): every dataset kind, odd
// shapes, special values, UTF-8 text, attributes and full provenance survive
// writeResultFile → ReaderRegistry::builtin().open() unchanged.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "io/ReaderRegistry.h"
#include "io/ResultFile.h"
#include "tests/support/TestSupport.h"

using namespace nl::io;
using namespace nl::test;

namespace {

Provenance runProvenance() {
  Provenance p;
  p.pluginId = "test.roundtrip";
  p.pluginVersion = "3.2.1";
  p.parametersJson = R"({"bins":10,"area":"VISp – µm"})";
  p.runId = "0f1e2d3c-4b5a-4697-8877-665544332211";
  p.inputs = {{.port = "data",
               .datasetId = fileDatasetId("/d/x.npy", ""),
               .name = "x",
               .sourcePath = "/d/x.npy"},
              {.port = "mask#0",
               .datasetId = runDatasetId("a-run", "mask"),
               .name = "m",
               .sourcePath = "/d/ü.h5",
               .internalPath = "/outputs/mask",
               .runId = "a-run",
               .outputName = "mask"}};
  p.appVersion = "0.1.0";
  p.createdUtc = "2026-11-28T07:00:00Z";
  return p;
}

// `a` read back, `b` written. A derived dataset read from a result file
// records that file and its group, and its output name (the group's name).
void expectSameProvenance(const Provenance& a, const Provenance& b) {
  if (b.isDerived()) {
    EXPECT_FALSE(a.sourcePath.empty());
    EXPECT_TRUE(a.internalPath.starts_with("/outputs/")) << a.internalPath;
    EXPECT_EQ(a.internalPath, "/outputs/" + a.outputName);
  } else {
    EXPECT_EQ(a.sourcePath, b.sourcePath);
    EXPECT_EQ(a.internalPath, b.internalPath);
  }
  EXPECT_EQ(a.runId, b.runId);
  EXPECT_EQ(a.readerName, b.readerName);
  EXPECT_EQ(a.pluginId, b.pluginId);
  EXPECT_EQ(a.pluginVersion, b.pluginVersion);
  EXPECT_EQ(a.parametersJson, b.parametersJson);
  EXPECT_EQ(a.inputs, b.inputs);
  EXPECT_EQ(a.appVersion, b.appVersion);
  EXPECT_EQ(a.createdUtc, b.createdUtc);
}

// Bitwise equality, so NaN == NaN and -0.0 != 0.0.
bool sameBits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

void expectSameTable(const TableDataset& a, const TableDataset& b) {
  ASSERT_EQ(a.columns().size(), b.columns().size());
  EXPECT_EQ(a.rowCount(), b.rowCount());
  for (std::size_t c = 0; c < a.columns().size(); ++c) {
    const auto& x = a.columns()[c];
    const auto& y = b.columns()[c];
    EXPECT_EQ(x.name, y.name) << "column order and names";
    ASSERT_EQ(x.isNumeric(), y.isNumeric()) << x.name;
    if (x.isNumeric())
      EXPECT_TRUE(sameBits(x.numbers(), y.numbers())) << x.name;
    else
      EXPECT_EQ(x.strings(), y.strings()) << x.name;
  }
}

void expectSame(const Dataset& written, const Dataset& read) {
  SCOPED_TRACE(std::string(kindName(written.kind())) + " '" + written.name() + "'");
  EXPECT_EQ(read.kind(), written.kind());
  EXPECT_EQ(read.name(), written.name());
  EXPECT_EQ(read.shape(), written.shape());
  EXPECT_EQ(read.attributes(), written.attributes());
  expectSameProvenance(read.provenance(), written.provenance());
  if (const auto* a = dynamic_cast<const ArrayDataset*>(&written)) {
    const auto* b = dynamic_cast<const ArrayDataset*>(&read);
    ASSERT_NE(b, nullptr);
    EXPECT_TRUE(sameBits(a->values(), b->values()));
    EXPECT_EQ(a->sourceType(), b->sourceType());
  } else if (const auto* t = dynamic_cast<const TableDataset*>(&written)) {
    const auto* u = dynamic_cast<const TableDataset*>(&read);
    ASSERT_NE(u, nullptr);
    expectSameTable(*t, *u);
  } else if (const auto* s = dynamic_cast<const SpikeRecording*>(&written)) {
    const auto* r = dynamic_cast<const SpikeRecording*>(&read);
    ASSERT_NE(r, nullptr);
    EXPECT_TRUE(sameBits(s->allSpikeTimes(), r->allSpikeTimes()));
    EXPECT_EQ(s->unitOffsets(), r->unitOffsets());
    ASSERT_EQ(bool(s->units()), bool(r->units()));
    if (s->units()) expectSame(*s->units(), *r->units());
    ASSERT_EQ(bool(s->electrodes()), bool(r->electrodes()));
    if (s->electrodes()) expectSame(*s->electrodes(), *r->electrodes());
  } else if (const auto* m = dynamic_cast<const SurfaceMeshDataset*>(&written)) {
    const auto* n = dynamic_cast<const SurfaceMeshDataset*>(&read);
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(m->vertices(), n->vertices());
    EXPECT_EQ(m->triangles(), n->triangles());
  } else {
    FAIL() << "unknown dataset class";
  }
}

std::vector<DatasetPtr> readBack(const std::filesystem::path& path,
                                 const std::vector<NamedDataset>& outputs, const Provenance& run) {
  writeResultFile(path, outputs, run);
  const auto contents = ReaderRegistry::builtin().open(path);
  EXPECT_EQ(contents.readerName, "HDF5");
  EXPECT_EQ(contents.metadata["format"], "result");
  return contents.datasets;
}

// One example dataset of `kind`, with awkward values.
DatasetPtr example(DatasetKind kind, const Provenance& p) {
  const double nan = std::numeric_limits<double>::quiet_NaN(),
               inf = std::numeric_limits<double>::infinity();
  const Attributes attributes{{"units", "µV"}, {"note", "line1\nline2"}};
  const std::string name = "example " + std::string(kindName(kind)) + " – ü";
  if (isArrayKind(kind))
    return std::make_shared<ArrayDataset>(kind, name, std::vector<std::size_t>{2, 1, 3},
                                          std::vector<double>{0.1, -0.0, nan, inf, -inf, 5e-324}, p,
                                          attributes, "int16");
  auto electrodes = [&] {
    return std::make_shared<TableDataset>(
        DatasetKind::Electrodes, "probe electrodes",
        std::vector<Column>{{"x", std::vector<double>{1, 2}},
                            {"y", std::vector<double>{3, nan}},
                            {"z", std::vector<double>{-5, 6}},
                            {"location", std::vector<std::string>{"VISp – µm", ""}}},
        Provenance::fromFile("/d/session.nwb", "/general/extracellular_ephys/electrodes", "NWB"));
  };
  switch (kind) {
    case DatasetKind::Table:
      return std::make_shared<TableDataset>(
          kind, name,
          std::vector<Column>{
              {"zeta", std::vector<double>{3, 1, 2}},
              {"alpha", std::vector<std::string>{"日本語", "with \"quotes\"", "tab\there"}},
              {"mid", std::vector<double>{nan, -inf, 1e308}}},
          p, attributes);
    case DatasetKind::Electrodes:
      return electrodes();
    case DatasetKind::SpikeRecording: {
      auto units = std::make_shared<TableDataset>(
          DatasetKind::Table, "units",
          std::vector<Column>{{"id", std::vector<double>{7, 8, 9}},
                              {"location", std::vector<std::string>{"CA1", "LP", "VISp"}}});
      return std::make_shared<SpikeRecording>(
          name, units, std::vector<double>{0.001, 0.5, 1234.567890123},
          std::vector<std::uint64_t>{0, 2, 2, 3}, electrodes(), p, attributes);
    }
    case DatasetKind::SurfaceMesh:
      return std::make_shared<SurfaceMeshDataset>(
          name, std::vector<float>{0, 0, 0, 1.5f, 0, 0, 0, 1, -2.25f, 9, 9, 9},
          std::vector<std::int32_t>{0, 1, 2, 3, 2, 1}, p, attributes);
    default:
      return nullptr;
  }
}

}  // namespace

TEST(ResultRoundTrip, EveryKindComesBackIdentical) {
  TempDir dir;
  const auto run = runProvenance();
  std::vector<NamedDataset> outputs;
  for (auto kind : allKinds()) {
    auto dataset = example(kind, run);
    ASSERT_TRUE(dataset) << "no example for " << kindName(kind);
    outputs.push_back({"out_" + std::string(kindName(kind)), dataset});
  }
  const auto back = readBack(dir / "all.h5", outputs, run);
  ASSERT_EQ(back.size(), outputs.size());
  for (std::size_t i = 0; i < outputs.size(); ++i) expectSame(*outputs[i].dataset, *back[i]);
}

TEST(ResultRoundTrip, ColumnNamesWithSlashesPercentAndDotsComeBack) {
  TempDir dir;
  const auto run = runProvenance();
  const std::vector<std::string> names{"spikes/s", "ΔF/F (%)", ".", "..hidden", "a%2Fb", "/"};
  std::vector<Column> columns;
  for (std::size_t c = 0; c < names.size(); ++c)
    columns.push_back({names[c], std::vector<double>{static_cast<double>(c), 0.5}});
  columns.push_back({"text/notes", std::vector<std::string>{"x", "y/z"}});
  const auto table = std::make_shared<TableDataset>(DatasetKind::Table, "rates", columns, run);
  const auto back = readBack(dir / "t.h5", {{"rates", table}}, run);
  ASSERT_EQ(back.size(), 1u);
  expectSame(*table, *back[0]);
  const auto* restored = dynamic_cast<const TableDataset*>(back[0].get());
  ASSERT_NE(restored, nullptr);
  for (std::size_t c = 0; c < names.size(); ++c) {
    ASSERT_NE(restored->numericColumn(names[c]), nullptr) << names[c];
    EXPECT_EQ((*restored->numericColumn(names[c]))[0], static_cast<double>(c)) << names[c];
  }
}

TEST(ResultRoundTrip, RunProvenanceIsStoredOnTheFileAndReportedAsMetadata) {
  TempDir dir;
  const auto run = runProvenance();
  writeResultFile(dir / "r.h5", {{"a", example(DatasetKind::Scalars, run)}}, run);
  const auto contents = ReaderRegistry::builtin().open(dir / "r.h5");
  EXPECT_EQ(contents.metadata["plugin_id"], "test.roundtrip");
  EXPECT_EQ(contents.metadata["plugin_version"], "3.2.1");
  EXPECT_EQ(nlohmann::json::parse(contents.metadata["parameters"].get<std::string>())["area"],
            "VISp – µm");
  EXPECT_EQ(contents.metadata["app_version"], "0.1.0");
  EXPECT_EQ(contents.metadata["created_utc"], "2026-11-28T07:00:00Z");
  EXPECT_EQ(contents.metadata["schema_version"], 1);
  // One output by its path or its bare name.
  EXPECT_EQ(ReaderRegistry::builtin().open(dir / "r.h5", "/outputs/a").datasets.size(), 1u);
  EXPECT_EQ(ReaderRegistry::builtin().open(dir / "r.h5", "a").datasets.size(), 1u);
  EXPECT_TRUE(fileErrorOf([&] { ReaderRegistry::builtin().open(dir / "r.h5", "/outputs/b"); }));
}

TEST(ResultRoundTrip, EmptyScalarAndLargeShapes) {
  TempDir dir;
  const auto run = runProvenance();
  std::vector<double> large(300000);
  for (std::size_t i = 0; i < large.size(); ++i) large[i] = std::sin(static_cast<double>(i)) * 1e3;
  const std::vector<NamedDataset> outputs{
      {"scalar",
       std::make_shared<ArrayDataset>(DatasetKind::Scalars, "s", std::vector<std::size_t>{},
                                      std::vector<double>{42.5}, run)},
      {"empty", std::make_shared<ArrayDataset>(DatasetKind::Array, "e", std::vector<std::size_t>{0},
                                               std::vector<double>{}, run)},
      {"no_rows",
       std::make_shared<ArrayDataset>(DatasetKind::FeatureMatrix, "f",
                                      std::vector<std::size_t>{0, 7}, std::vector<double>{}, run)},
      {"compressed",
       std::make_shared<ArrayDataset>(DatasetKind::VoxelSeries, "v",
                                      std::vector<std::size_t>{10, 10, 30, 100}, large, run)},
      {"empty_table",
       std::make_shared<TableDataset>(
           DatasetKind::Table, "t0",
           std::vector<Column>{{"a", std::vector<double>{}}, {"b", std::vector<std::string>{}}},
           run)},
      {"no_columns",
       std::make_shared<TableDataset>(DatasetKind::Table, "t1", std::vector<Column>{}, run)},
      {"silent",
       std::make_shared<SpikeRecording>("r", nullptr, std::vector<double>{},
                                        std::vector<std::uint64_t>{0, 0, 0}, nullptr, run)},
      {"no_units", std::make_shared<SpikeRecording>("r0", nullptr, std::vector<double>{},
                                                    std::vector<std::uint64_t>{0}, nullptr, run)},
      {"cloud", std::make_shared<SurfaceMeshDataset>("c", std::vector<float>{1, 2, 3},
                                                     std::vector<std::int32_t>{}, run)},
  };
  const auto back = readBack(dir / "odd.h5", outputs, run);
  ASSERT_EQ(back.size(), outputs.size());
  for (std::size_t i = 0; i < outputs.size(); ++i) expectSame(*outputs[i].dataset, *back[i]);
}

TEST(ResultRoundTrip, LazyInputsAreLoadedForWritingAndLoaderFailuresLeaveNoFile) {
  TempDir dir;
  const auto run = runProvenance();
  auto lazy = std::make_shared<ArrayDataset>(DatasetKind::Array, "lazy",
                                             std::vector<std::size_t>{3}, ArrayDataset::Loader([] {
                                               return std::vector<double>{7, 8, 9};
                                             }),
                                             run);
  const auto back = readBack(dir / "lazy.h5", {{"x", lazy}}, run);
  expectSame(*lazy, *back.at(0));
  auto broken =
      std::make_shared<ArrayDataset>(DatasetKind::Array, "broken", std::vector<std::size_t>{3},
                                     ArrayDataset::Loader([]() -> std::vector<double> {
                                       throw FileError("/gone.h5", "vanished");
                                     }),
                                     run);
  EXPECT_THROW(writeResultFile(dir / "broken.h5", {{"x", broken}}, run), FileError);
  EXPECT_FALSE(std::filesystem::exists(dir / "broken.h5"));
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename(), "lazy.h5") << "left behind: " << entry.path();
  // Writing into a folder that does not exist is a FileError naming the target.
  const auto error = fileErrorOf([&] {
    writeResultFile(dir / "no/such/folder/r.h5", {{"x", lazy}}, run);
  });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->path(), dir / "no/such/folder/r.h5");
}

TEST(ResultRoundTrip, RewritingReplacesTheWholeFile) {
  TempDir dir;
  const auto run = runProvenance();
  writeResultFile(
      dir / "r.h5",
      {{"a", example(DatasetKind::Array, run)}, {"b", example(DatasetKind::Table, run)}}, run);
  writeResultFile(dir / "r.h5", {{"c", example(DatasetKind::SurfaceMesh, run)}}, run);
  const auto contents = ReaderRegistry::builtin().open(dir / "r.h5");
  ASSERT_EQ(contents.datasets.size(), 1u) << "nothing of the old file survives";
  EXPECT_EQ(contents.datasets[0]->kind(), DatasetKind::SurfaceMesh);
}
