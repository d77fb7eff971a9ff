#include <gtest/gtest.h>
#include <hdf5.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "TestSupport.h"
#include "io/ReaderRegistry.h"
#include "io/ResultFile.h"
#include "io/SessionFile.h"

using namespace nl::io;
using nl::test::TempDir;

namespace {

std::shared_ptr<const Dataset> derivedTable() {
  Provenance p;
  p.pluginId = "stats.descriptive";
  p.pluginVersion = "1.0.0";
  p.parametersJson = R"({"axis":"columns"})";
  p.inputs = {{.port = "data",
               .datasetId = nl::io::fileDatasetId("/some/file.csv", ""),
               .name = "Y",
               .sourcePath = "/some/file.csv"}};
  return std::make_shared<TableDataset>(
      DatasetKind::Table, "summary",
      std::vector<Column>{{"variable", std::vector<std::string>{"VISp – µm", "CA1"}},
                          {"mean", std::vector<double>{1.25, -3}}},
      p, Attributes{{"note", "ünïcode"}});
}

std::string fileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST(ResultFile, EveryKindRoundTrips) {
  TempDir dir;
  const auto units = std::make_shared<TableDataset>(
      DatasetKind::Table, "units", std::vector<Column>{{"id", std::vector<double>{0, 1}}});
  const auto electrodes = std::make_shared<TableDataset>(
      DatasetKind::Electrodes, "electrodes",
      std::vector<Column>{{"x", std::vector<double>{1}},
                          {"y", std::vector<double>{2}},
                          {"z", std::vector<double>{3}},
                          {"location", std::vector<std::string>{"VISp"}}});
  Provenance p;
  p.pluginId = "test.plugin";
  p.pluginVersion = "2.0";
  p.parametersJson = "{}";
  std::vector<NamedDataset> outputs{
      {"array", std::make_shared<ArrayDataset>(
                    DatasetKind::ResponseMatrix, "rm", std::vector<std::size_t>{2, 2, 3},
                    std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11.5}, p)},
      {"table", derivedTable()},
      {"spikes",
       std::make_shared<SpikeRecording>("rec", units, std::vector<double>{0.1, 0.2, 5.0},
                                        std::vector<std::uint64_t>{0, 2, 3}, electrodes, p)},
      {"mesh",
       std::make_shared<SurfaceMeshDataset>("mesh", std::vector<float>{0, 0, 0, 1, 0, 0, 0, 1, 0},
                                            std::vector<std::int32_t>{0, 1, 2}, p)}};
  const auto path = dir / "result.h5";
  writeResultFile(path, outputs, p);
  const auto contents = ReaderRegistry::builtin().open(path);
  ASSERT_EQ(contents.datasets.size(), 4u);
  EXPECT_EQ(contents.metadata["plugin_id"], "test.plugin");
  const auto array = std::dynamic_pointer_cast<const ArrayDataset>(contents.datasets[0]);
  EXPECT_EQ(array->kind(), DatasetKind::ResponseMatrix);
  EXPECT_EQ(array->shape(), (std::vector<std::size_t>{2, 2, 3}));
  EXPECT_EQ(array->values().back(), 11.5);
  EXPECT_EQ(array->provenance().pluginId, "test.plugin");
  const auto table = std::dynamic_pointer_cast<const TableDataset>(contents.datasets[1]);
  EXPECT_EQ(table->column("variable")->strings()[0], "VISp – µm");
  EXPECT_EQ(table->attributes().at("note"), "ünïcode");
  EXPECT_EQ(table->provenance().parametersJson, R"({"axis":"columns"})");
  const auto spikes = std::dynamic_pointer_cast<const SpikeRecording>(contents.datasets[2]);
  EXPECT_EQ(spikes->spikesOfUnit(1)[0], 5.0);
  EXPECT_EQ(spikes->electrodes()->column("location")->strings()[0], "VISp");
  const auto mesh = std::dynamic_pointer_cast<const SurfaceMeshDataset>(contents.datasets[3]);
  EXPECT_EQ(mesh->triangles(), (std::vector<std::int32_t>{0, 1, 2}));
}

TEST(SessionFile, RoundTripWithReferencesInlineResultsSelectionAndLayout) {
  TempDir dir;
  const auto npy = dir / "source.npy";
  nl::test::writeBytes(
      npy, nl::test::npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
                              nl::test::rawBytes(std::vector<double>{1, 2, 3})));
  Session session;
  const auto fromFile = session.add(ReaderRegistry::builtin().open(npy).datasets.front());
  const auto derived = session.add(derivedTable());
  session.selection().select(derived, {1}, "test");
  session.selection().setTimeCursor(12.5, "test");
  session.setViewLayoutJson(R"({"tabs":[1,2]})");
  const auto path = dir / "s.nlsession";
  saveSession(session, path, {"9.9"});

  Session loaded;
  const auto report = loadSession(loaded, path);
  EXPECT_TRUE(report.notices.empty());
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded.entries()[0].dataset->provenance().sourcePath,
            std::filesystem::absolute(npy).string());
  EXPECT_EQ(std::dynamic_pointer_cast<const ArrayDataset>(loaded.entries()[0].dataset)->values(),
            (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(loaded.entries()[1].dataset->provenance().pluginId, "stats.descriptive");
  EXPECT_EQ(loaded.selection().dataset(), loaded.entries()[1].id);
  EXPECT_EQ(loaded.selection().indices(), std::vector<std::int64_t>{1});
  EXPECT_DOUBLE_EQ(loaded.selection().timeCursor(), 12.5);
  EXPECT_EQ(loaded.viewLayoutJson(), R"({"tabs":[1,2]})");
  (void)fromFile;
}

TEST(SessionFile, MissingSourceFileGivesANoticeAndKeepsTheRest) {
  TempDir dir;
  const auto npy = dir / "gone.npy";
  nl::test::writeBytes(
      npy, nl::test::npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
                              nl::test::rawBytes(std::vector<double>{7})));
  Session session;
  session.add(ReaderRegistry::builtin().open(npy).datasets.front());
  session.add(derivedTable());
  const auto path = dir / "s.nlsession";
  saveSession(session, path);
  std::filesystem::remove(npy);
  Session loaded;
  const auto report = loadSession(loaded, path);
  ASSERT_EQ(report.notices.size(), 1u);
  EXPECT_NE(report.notices.front().find("gone.npy"), std::string::npos);
  EXPECT_NE(report.notices.front().find("missing"), std::string::npos);
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded.entries()[0].dataset->name(), "summary");
}

TEST(SessionFile, RefusesNewerSchemasAndNonSessions) {
  TempDir dir;
  Session session;
  session.add(derivedTable());
  const auto path = dir / "s.nlsession";
  saveSession(session, path);
  {  // bump the schema version as a future NeuroLoupe would
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    const hid_t attr = H5Aopen(file, "schema_version", H5P_DEFAULT);
    const std::int64_t version = 99;
    H5Awrite(attr, H5T_NATIVE_INT64, &version);
    H5Aclose(attr), H5Fclose(file);
  }
  Session loaded;
  loaded.add(derivedTable());
  try {
    loadSession(loaded, path);
    ADD_FAILURE() << "schema 99 loaded";
  } catch (const FileError& error) {
    EXPECT_NE(error.reason().find("99"), std::string::npos);
  }
  EXPECT_EQ(loaded.size(), 1u) << "a refused session must leave the current one untouched";
  const auto result = dir / "r.h5";
  writeResultFile(result, {{"t", derivedTable()}}, {});
  EXPECT_THROW(loadSession(loaded, result), FileError);
}

TEST(SessionFile, CrashBeforeRenameLeavesThePreviousFileIntact) {
  TempDir dir;
  const auto path = dir / "s.nlsession";
  Session first;
  first.add(derivedTable());
  saveSession(first, path);
  const std::string before = fileBytes(path);
  Session second;
  second.add(derivedTable());
  second.add(derivedTable());
  SessionSaveOptions options;
  options.beforeRename = [] { throw std::runtime_error("simulated crash"); };
  EXPECT_THROW(saveSession(second, path, options), std::runtime_error);
  EXPECT_EQ(fileBytes(path), before);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename(), "s.nlsession") << "left behind: " << entry.path();
}

TEST(SessionFile, KillDuringSaveNeverDamagesTheSessionFile) {
  TempDir dir;
  const auto path = dir / "s.nlsession";
  Session small;
  small.add(derivedTable());
  saveSession(small, path);
  for (int delayMs : {2, 15, 40, 90}) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      Session big;
      std::vector<double> values(8'000'000);
      for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = static_cast<double>(i % 977) * 0.5;
      big.add(std::make_shared<ArrayDataset>(
          DatasetKind::Array, "big", std::vector<std::size_t>{values.size()}, std::move(values)));
      for (;;) saveSession(big, path);  // until killed
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    Session loaded;
    ASSERT_NO_THROW(loadSession(loaded, path)) << "after a kill at " << delayMs << " ms";
    ASSERT_EQ(loaded.size(), 1u);
    const auto name = loaded.entries()[0].dataset->name();
    EXPECT_TRUE(name == "summary" || name == "big") << name;
  }
}
