// Runs have an identity (issue 12, item 2): run ids, output names and input
// records stamped by the runner; Session look-ups by id; a result file opened
// alone reopening its inputs, and locating one that moved; result and session
// files written before run ids still open.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "io/DatasetHdf5.h"
#include "io/ReaderRegistry.h"
#include "io/ResultFile.h"
#include "io/RunInputs.h"
#include "io/SessionFile.h"
#include "plugins/Runner.h"
#include "tests/support/TestSupport.h"

using namespace nl::io;
using namespace nl::plugins;
using nl::test::TempDir;
using nl::test::writeBytes;

namespace {

const PluginManager& manager() {
  return nl::test::sharedPlugins();
}

RunResult describe(const DatasetPtr& data) {
  const auto* descriptor = manager().find("stats.descriptive");
  if (descriptor == nullptr || !descriptor->loaded)
    throw std::runtime_error("stats.descriptive is not loaded" +
                             (descriptor ? ": " + descriptor->failure : std::string()));
  RunRequest request{
      "stats.descriptive", {{"data", data}}, descriptor->parameters.parse({}), "test"};
  ProgressReporter quiet;
  return runPlugin(manager(), request, quiet);
}

DatasetPtr openOne(const std::filesystem::path& path) {
  auto datasets = ReaderRegistry::builtin().open(path).datasets;
  if (datasets.size() != 1) throw std::runtime_error("expected one dataset in " + path.string());
  return datasets.front();
}

std::vector<DatasetId> addAll(Session& session, const std::filesystem::path& path) {
  std::vector<DatasetId> ids;
  for (const auto& dataset : ReaderRegistry::builtin().open(path).datasets)
    ids.push_back(session.add(dataset));
  return ids;
}

const std::filesystem::path kOldFiles =
    std::filesystem::path(NEUROLOUPE_SOURCE_DIR) / "tests/io/data";
// Where the checked-in old files (written by the code before run ids, from
// a 3-row CSV) say their input was.
const std::string kOldInput = "/tmp/nl-legacy-fixture-9f3c/tiny.csv";

// kOldInput is a fixed path (old files record it), and one test creates it
// while another needs it absent: ctest -j runs them at once, so both hold
// this lock (flock, across processes) while they depend on that path.
struct OldInputLock {
  int fd = ::open("/tmp/nl-legacy-fixture-9f3c.lock", O_CREAT | O_RDWR, 0666);
  OldInputLock() {
    if (fd >= 0) ::flock(fd, LOCK_EX);
  }
  ~OldInputLock() {
    if (fd >= 0) ::close(fd);
  }
  OldInputLock(const OldInputLock&) = delete;
  OldInputLock& operator=(const OldInputLock&) = delete;
};

}  // namespace

TEST(RunIdentity, UuidsAreRandomVersion4AndLegacyIdsAreStable) {
  const std::regex v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    const auto id = newUuid();
    ASSERT_TRUE(std::regex_match(id, v4)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 2000u);
  const auto legacy = legacyRunId("stats.descriptive", "2026-11-28T07:00:00Z", "{}");
  EXPECT_EQ(legacy, legacyRunId("stats.descriptive", "2026-11-28T07:00:00Z", "{}"));
  EXPECT_TRUE(std::regex_match(
      legacy, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << legacy;
  EXPECT_NE(legacy, legacyRunId("stats.descriptive", "2026-11-28T07:00:01Z", "{}"));
  EXPECT_NE(legacy, legacyRunId("stats.descriptive", "2026-11-28T07:00:00Z", R"({"a":1})"));
  EXPECT_NE(legacy, legacyRunId("rsa.rdm", "2026-11-28T07:00:00Z", "{}"));
  EXPECT_TRUE(std::regex_match(utcNowIso8601Milliseconds(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
}

TEST(RunIdentity, DatasetIdsNameFilesRunsAndInMemoryObjects) {
  const TableDataset fromFile(DatasetKind::Table, "t", {{"a", std::vector<double>{1}}},
                              Provenance::fromFile("/d/./x/../rec.nwb", "/units", "NWB"));
  EXPECT_EQ(fromFile.datasetId(), "file:/d/rec.nwb::/units");
  Provenance run;
  run.pluginId = "p";
  run.runId = "r1";
  run.outputName = "summary";
  run.sourcePath = "/results/r.h5";  // read back from a result file: still the run's output
  const TableDataset derived(DatasetKind::Table, "t", {{"a", std::vector<double>{1}}}, run);
  EXPECT_EQ(derived.datasetId(), "run:r1/summary");
  const TableDataset anonymous(DatasetKind::Table, "t", {{"a", std::vector<double>{1}}});
  const TableDataset other(DatasetKind::Table, "t", {{"a", std::vector<double>{1}}});
  EXPECT_TRUE(anonymous.datasetId().starts_with("memory:"));
  EXPECT_EQ(anonymous.datasetId(), anonymous.datasetId()) << "made once per object";
  EXPECT_NE(anonymous.datasetId(), other.datasetId());
}

TEST(RunIdentity, TwoRunsInOneSecondAreTwoRunsAndEachOutputKnowsItsPort) {
  const auto input = std::make_shared<ArrayDataset>(
      DatasetKind::Array, "m", std::vector<std::size_t>{3, 2},
      std::vector<double>{1, 10, 2, 20, 4, 30}, Provenance::fromFile("/data/m.npy", "", "npy"));
  const auto first = describe(input);
  const auto second = describe(input);
  ASSERT_EQ(first.outputs.size(), 1u);
  const auto& p = first.outputs[0].dataset->provenance();
  EXPECT_EQ(p.runId, first.provenance.runId);
  EXPECT_NE(first.provenance.runId, second.provenance.runId);
  EXPECT_EQ(p.outputName, "summary");
  EXPECT_TRUE(first.provenance.outputName.empty()) << "the run itself has no output name";
  EXPECT_EQ(first.outputs[0].dataset->datasetId(), "run:" + p.runId + "/summary");
  ASSERT_EQ(p.inputs.size(), 1u);
  EXPECT_EQ(p.inputs[0].port, "data");
  EXPECT_EQ(p.inputs[0].datasetId, input->datasetId());
  EXPECT_EQ(p.inputs[0].sourcePath, "/data/m.npy");
  EXPECT_EQ(p.inputs[0].name, "m");
  EXPECT_FALSE(p.inputs[0].isDerived());

  Session session;
  const auto in = session.add(input);
  const auto a = session.add(first.outputs[0].dataset);
  const auto b = session.add(second.outputs[0].dataset);
  EXPECT_EQ(session.outputsOfRun(first.provenance.runId), std::vector<DatasetId>{a});
  EXPECT_EQ(session.outputsOfRun(second.provenance.runId), std::vector<DatasetId>{b});
  EXPECT_TRUE(session.outputsOfRun("no-such-run").empty());
  EXPECT_TRUE(session.outputsOfRun("").empty());
  const auto inputs = session.inputsOfRun(second.provenance.runId);
  ASSERT_EQ(inputs.size(), 1u);
  EXPECT_EQ(inputs[0].id, in);
  EXPECT_EQ(session.findByDatasetId(input->datasetId()), in);
  EXPECT_EQ(session.findByDatasetId("file:/data/other.npy::"), kNoDataset);
  session.remove(in);
  EXPECT_EQ(session.inputsOfRun(second.provenance.runId).at(0).id, kNoDataset);
}

TEST(RunIdentity, ADerivedInputNamesTheRunAndTheResultFileThatHoldIt) {
  TempDir dir;
  const auto matrix =
      std::make_shared<ArrayDataset>(DatasetKind::Array, "m", std::vector<std::size_t>{3, 2},
                                     std::vector<double>{1, 10, 2, 20, 4, 30});
  const auto first = describe(matrix);
  writeResultFile(dir / "first.h5", first.outputs, first.provenance);
  const auto summary = openOne(dir / "first.h5");
  EXPECT_EQ(summary->provenance().runId, first.provenance.runId);
  EXPECT_EQ(summary->provenance().outputName, "summary");
  EXPECT_EQ(summary->provenance().sourcePath, (dir / "first.h5").string());
  EXPECT_EQ(summary->provenance().internalPath, "/outputs/summary");
  EXPECT_EQ(summary->datasetId(), first.outputs[0].dataset->datasetId())
      << "the same dataset, in memory or read back";

  const auto second = describe(summary);
  const auto& record = second.provenance.inputs.at(0);
  EXPECT_EQ(record.runId, first.provenance.runId);
  EXPECT_EQ(record.outputName, "summary");
  EXPECT_EQ(record.datasetId, "run:" + first.provenance.runId + "/summary");
  EXPECT_EQ(record.sourcePath, (dir / "first.h5").string());
  EXPECT_EQ(record.internalPath, "/outputs/summary");

  // The second run's result opened alone finds the first result file.
  writeResultFile(dir / "second.h5", second.outputs, second.provenance);
  Session session;
  addAll(session, dir / "second.h5");
  auto report = reopenRunInputs(session, second.provenance.runId);
  ASSERT_EQ(report.items.size(), 1u);
  EXPECT_EQ(report.items[0].status, ReopenStatus::Opened) << report.items[0].message;
  EXPECT_EQ(report.items[0].path, (dir / "first.h5").string() + "::/outputs/summary");
  EXPECT_EQ(session.find(report.items[0].id)->datasetId(), record.datasetId);
  EXPECT_TRUE(report.complete());

  // Moved result file: located by the run and output it holds, not by its name.
  std::filesystem::create_directories(dir / "moved");
  std::filesystem::rename(dir / "first.h5", dir / "moved/renamed.h5");
  session.clear();
  addAll(session, dir / "second.h5");
  report = reopenRunInputs(session, second.provenance.runId);
  EXPECT_EQ(report.items.at(0).status, ReopenStatus::Missing);
  EXPECT_NE(report.items[0].message.find((dir / "first.h5").string()), std::string::npos)
      << report.items[0].message;
  EXPECT_FALSE(report.complete());
  const auto wrong = relocateRunInput(session, second.provenance.runId, "data", dir / "second.h5");
  EXPECT_EQ(wrong.items.at(0).status, ReopenStatus::Unreadable);
  EXPECT_NE(wrong.items[0].message.find("not output 'summary' of run"), std::string::npos)
      << wrong.items[0].message;
  const auto located =
      relocateRunInput(session, second.provenance.runId, "data", dir / "moved/renamed.h5");
  EXPECT_EQ(located.items.at(0).status, ReopenStatus::Relocated) << located.items[0].message;
  const auto inputs = session.inputsOfRun(second.provenance.runId);
  EXPECT_EQ(inputs.at(0).id, located.items[0].id);
  EXPECT_EQ(session.find(inputs[0].id)->provenance().sourcePath,
            (dir / "moved/renamed.h5").string());
  EXPECT_THROW(relocateRunInput(session, second.provenance.runId, "nope", dir / "x.h5"),
               std::invalid_argument);
}

TEST(RunIdentity, AResultFileOpenedAloneReopensItsInputFileAndLocatesItWhenMoved) {
  NL_REQUIRE_FIXTURE("biclustering/Y.csv");
  TempDir dir;
  std::filesystem::create_directories(dir / "data");
  std::filesystem::copy_file(nl::test::fixtures() / "biclustering/Y.csv", dir / "data/Y.csv");
  const auto input = openOne(dir / "data/Y.csv");
  const auto result = describe(input);
  writeResultFile(dir / "r.h5", result.outputs, result.provenance);
  const std::string runId = result.provenance.runId;

  Session session;
  const auto outputs = addAll(session, dir / "r.h5");
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(session.outputsOfRun(runId), outputs);
  auto inputs = session.inputsOfRun(runId);
  ASSERT_EQ(inputs.size(), 1u);
  EXPECT_EQ(inputs[0].id, kNoDataset);
  EXPECT_EQ(inputs[0].record.sourcePath, (dir / "data/Y.csv").string());

  auto report = reopenRunInputs(session, runId);
  ASSERT_EQ(report.items.size(), 1u);
  EXPECT_EQ(report.items[0].status, ReopenStatus::Opened) << report.items[0].message;
  EXPECT_EQ(report.items[0].port, "data");
  EXPECT_EQ(report.items[0].path, (dir / "data/Y.csv").string());
  const auto reopened = session.find(report.items[0].id);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->datasetId(), input->datasetId());
  EXPECT_EQ(reopened->shape(), input->shape());
  EXPECT_EQ(session.inputsOfRun(runId).at(0).id, report.items[0].id);
  // Asking again opens nothing twice.
  report = reopenRunInputs(session, runId);
  EXPECT_EQ(report.items.at(0).status, ReopenStatus::Found);
  EXPECT_EQ(session.size(), 2u);

  // The input moved: reported missing, naming the file; then located by the user.
  std::filesystem::create_directories(dir / "elsewhere");
  std::filesystem::rename(dir / "data/Y.csv", dir / "elsewhere/Y_moved.csv");
  session.clear();
  addAll(session, dir / "r.h5");
  report = reopenRunInputs(session, runId);
  ASSERT_EQ(report.items.size(), 1u);
  EXPECT_EQ(report.items[0].status, ReopenStatus::Missing);
  EXPECT_STREQ(statusName(report.items[0].status), "missing");
  EXPECT_NE(report.items[0].message.find((dir / "data/Y.csv").string() + " is missing"),
            std::string::npos)
      << report.items[0].message;
  EXPECT_EQ(session.size(), 1u);
  const auto located = relocateRunInput(session, runId, "data", dir / "elsewhere/Y_moved.csv");
  ASSERT_EQ(located.items.size(), 1u);
  EXPECT_EQ(located.items[0].status, ReopenStatus::Relocated) << located.items[0].message;
  EXPECT_NE(located.items[0].message.find("instead of " + (dir / "data/Y.csv").string()),
            std::string::npos)
      << located.items[0].message;
  const auto moved = session.find(located.items[0].id);
  EXPECT_EQ(moved->provenance().sourcePath, (dir / "elsewhere/Y_moved.csv").string())
      << "the dataset carries its new file provenance";
  EXPECT_EQ(session.inputsOfRun(runId).at(0).id, located.items[0].id);
  EXPECT_EQ(reopenRunInputs(session, runId).items.at(0).status, ReopenStatus::Found);

  // The relocation survives saving and loading the session.
  saveSession(session, dir / "s.nlsession");
  Session loaded;
  const auto notices = loadSession(loaded, dir / "s.nlsession").notices;
  EXPECT_TRUE(notices.empty()) << notices.front();
  ASSERT_EQ(loaded.size(), 2u);
  const auto again = loaded.inputsOfRun(runId);
  ASSERT_EQ(again.size(), 1u);
  ASSERT_NE(again[0].id, kNoDataset);
  EXPECT_EQ(loaded.find(again[0].id)->provenance().sourcePath,
            (dir / "elsewhere/Y_moved.csv").string());

  // A file at the recorded place that no longer reads is unreadable, not missing.
  writeBytes(dir / "data/Y.csv", std::string("\x89PNG\r\n\x1a\n\0\0", 10));
  session.clear();
  addAll(session, dir / "r.h5");
  report = reopenRunInputs(session, runId);
  EXPECT_EQ(report.items.at(0).status, ReopenStatus::Unreadable);
  EXPECT_NE(report.items[0].message.find("Y.csv"), std::string::npos) << report.items[0].message;
}

TEST(RunIdentity, InputsThatWereNeverFilesCannotBeReopened) {
  const auto memory = std::make_shared<ArrayDataset>(
      DatasetKind::Array, "scratch", std::vector<std::size_t>{2, 1}, std::vector<double>{1, 2});
  const auto result = describe(memory);
  Session session;
  session.add(result.outputs[0].dataset);
  const auto report = reopenRunInputs(session, result.provenance.runId);
  ASSERT_EQ(report.items.size(), 1u);
  EXPECT_EQ(report.items[0].status, ReopenStatus::NoSource);
  EXPECT_NE(report.items[0].message.find("'scratch' (input data)"), std::string::npos)
      << report.items[0].message;
  EXPECT_TRUE(reopenRunInputs(session, "unknown-run").items.empty());
}

TEST(RunIdentity, NewResultFilesStoreTheRunForH5pyUsers) {
  TempDir dir;
  const auto input = std::make_shared<ArrayDataset>(
      DatasetKind::Array, "m", std::vector<std::size_t>{2, 1}, std::vector<double>{1, 2},
      Provenance::fromFile("/data/m.npy", "", "npy"));
  const auto result = describe(input);
  writeResultFile(dir / "r.h5", result.outputs, result.provenance);
  const auto root = h5::File::openReadOnly(dir / "r.h5").root();
  EXPECT_EQ(root.stringAttribute("run_id"), result.provenance.runId);
  EXPECT_EQ(root.stringAttribute("plugin_id"), "stats.descriptive");
  EXPECT_TRUE(root.stringAttribute("parameters"));
  const auto inputs = nlohmann::json::parse(*root.stringAttribute("inputs"));
  ASSERT_TRUE(inputs.is_array());
  EXPECT_EQ(inputs.at(0).at("port"), "data");
  EXPECT_EQ(inputs.at(0).at("source_path"), "/data/m.npy");
  EXPECT_EQ(nlohmann::json::parse(*root.stringAttribute("provenance")).at("run_id"),
            result.provenance.runId);
  const auto group = root.openGroup("outputs").openGroup("summary");
  EXPECT_EQ(group.stringAttribute("run_id"), result.provenance.runId);
  EXPECT_EQ(group.stringAttribute("output_name"), "summary");
  const auto contents = ReaderRegistry::builtin().open(dir / "r.h5");
  EXPECT_EQ(contents.metadata["run_id"], result.provenance.runId);
  EXPECT_EQ(contents.metadata["inputs"].at(0).at("dataset_id"), "file:/data/m.npy::");
}

TEST(RunIdentity, OldResultFilesOpenWithLegacyRunIdsAndInputRecords) {
  // Written by neuroloupe-cli run stats.descriptive before run ids existed.
  const auto path = kOldFiles / "old_result_v1.h5";
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  const auto contents = ReaderRegistry::builtin().open(path);
  ASSERT_EQ(contents.datasets.size(), 1u);
  const auto& summary = *contents.datasets[0];
  const auto& p = summary.provenance();
  EXPECT_EQ(p.pluginId, "stats.descriptive");
  EXPECT_EQ(p.runId, legacyRunId(p.pluginId, p.createdUtc, p.parametersJson));
  EXPECT_EQ(contents.metadata["run_id"], p.runId) << "the file's run and its output agree";
  EXPECT_EQ(p.outputName, "summary") << "taken from the output's group";
  ASSERT_EQ(p.inputs.size(), 1u);
  const auto& record = p.inputs[0];
  EXPECT_EQ(record.port, "data");
  EXPECT_EQ(record.legacyDescription, kOldInput + " [tiny]");
  EXPECT_EQ(record.sourcePath, kOldInput) << "an absolute path in the description is recovered";
  EXPECT_EQ(record.name, "tiny");
  EXPECT_EQ(record.datasetId, fileDatasetId(kOldInput, ""));
  EXPECT_EQ(record.describe(), "data=" + kOldInput + " [tiny]");

  // Its input is not on this machine: missing; located at a copy of the CSV.
  TempDir dir;
  writeBytes(dir / "tiny.csv", "a,b\n1,10\n2,20\n4,30\n");
  Session session;
  session.add(contents.datasets[0]);
  EXPECT_EQ(session.outputsOfRun(p.runId).size(), 1u);
  const OldInputLock lock;
  ASSERT_FALSE(std::filesystem::exists(kOldInput)) << "test assumes " << kOldInput << " is absent";
  EXPECT_EQ(reopenRunInputs(session, p.runId).items.at(0).status, ReopenStatus::Missing);
  const auto located = relocateRunInput(session, p.runId, "data", dir / "tiny.csv");
  EXPECT_EQ(located.items.at(0).status, ReopenStatus::Relocated) << located.items[0].message;
  EXPECT_EQ(session.inputsOfRun(p.runId).at(0).id, located.items[0].id);
}

TEST(RunIdentity, OldSessionFilesOpenAndTheirRunsStillGroupAndFindInputs) {
  // Saved by the code before run ids: a reference to kOldInput and the
  // inline summary computed from it.
  const auto path = kOldFiles / "old_session_v1.h5";
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  const std::filesystem::path folder = std::filesystem::path(kOldInput).parent_path();
  const OldInputLock lock;
  ASSERT_FALSE(std::filesystem::exists(folder)) << "test assumes " << folder << " is absent";
  std::filesystem::create_directories(folder);
  struct Cleanup {
    std::filesystem::path folder;
    ~Cleanup() { std::filesystem::remove_all(folder); }
  } cleanup{folder};
  writeBytes(kOldInput, "a,b\n1,10\n2,20\n4,30\n");

  Session session;
  const auto report = loadSession(session, path);
  EXPECT_TRUE(report.notices.empty()) << report.notices.front();
  ASSERT_EQ(session.size(), 2u) << "the CSV by reference and the inline summary";
  const auto csv = session.entries()[0];
  EXPECT_EQ(csv.dataset->provenance().sourcePath, kOldInput);
  const auto& summary = session.entries()[1].dataset->provenance();
  EXPECT_EQ(summary.runId,
            legacyRunId(summary.pluginId, summary.createdUtc, summary.parametersJson));
  const auto inputs = session.inputsOfRun(summary.runId);
  ASSERT_EQ(inputs.size(), 1u);
  EXPECT_EQ(inputs[0].id, csv.id) << "found by its dataset id, not by its description";
  EXPECT_EQ(reopenRunInputs(session, summary.runId).items.at(0).status, ReopenStatus::Found);
}

TEST(RunIdentity, LegacyInputsThatAreNotFilesKeepTheirDescription) {
  const auto p = provenanceFromJson(
      nlohmann::json{{"plugin_id", "rsa.compare"},
                     {"created_utc", "2026-01-02T03:04:05Z"},
                     {"parameters", "{}"},
                     {"inputs",
                      {"a=rsa.rdm 1.0.0 {\"metric\":\"corr\"} [rdm]", "b=in memory [x]",
                       "c=rel/x.npy [x]", "d=/abs/f.h5::/g/d [d]", "noequals"}}});
  ASSERT_EQ(p.inputs.size(), 5u);
  EXPECT_EQ(p.inputs[0].port, "a");
  EXPECT_EQ(p.inputs[0].legacyDescription, "rsa.rdm 1.0.0 {\"metric\":\"corr\"} [rdm]");
  EXPECT_TRUE(p.inputs[0].sourcePath.empty());
  EXPECT_TRUE(p.inputs[0].datasetId.empty());
  EXPECT_EQ(p.inputs[0].name, "rdm");
  EXPECT_TRUE(p.inputs[1].sourcePath.empty());
  EXPECT_TRUE(p.inputs[2].sourcePath.empty()) << "a relative path's folder is unknown";
  EXPECT_EQ(p.inputs[3].sourcePath, "/abs/f.h5");
  EXPECT_EQ(p.inputs[3].internalPath, "/g/d");
  EXPECT_EQ(p.inputs[4].port, "noequals");
  EXPECT_EQ(p.runId, legacyRunId("rsa.compare", "2026-01-02T03:04:05Z", "{}"));
  EXPECT_EQ(provenanceFromJson(toJson(p)).inputs, p.inputs) << "records round-trip";
}

TEST(RunIdentity, MultipleInputPortsAreRecordedAsIndexedKeysInOrder) {
  // Session-level check with hand-made records: a multiple port's datasets
  // are "name#0", "name#1", …; inputsOfRun keeps the recorded order.
  Session session;
  std::vector<DatasetId> layers;
  Provenance run;
  run.pluginId = "rsa.layer_mapping";
  run.runId = newUuid();
  run.outputName = "profiles";
  for (int i = 0; i < 12; ++i) {
    const std::string file = "/d/layer" + std::to_string(i) + ".npy";
    layers.push_back(session.add(std::make_shared<ArrayDataset>(
        DatasetKind::Array, "layer", std::vector<std::size_t>{1}, std::vector<double>{1.0},
        Provenance::fromFile(file, "", "npy"))));
    run.inputs.push_back({.port = "layers#" + std::to_string(i),
                          .datasetId = fileDatasetId(file, ""),
                          .name = "layer",
                          .sourcePath = file});
  }
  session.add(std::make_shared<ArrayDataset>(
      DatasetKind::Array, "profiles", std::vector<std::size_t>{1}, std::vector<double>{0.0}, run));
  const auto inputs = session.inputsOfRun(run.runId);
  ASSERT_EQ(inputs.size(), 12u);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_EQ(inputs[i].record.port, "layers#" + std::to_string(i));
    EXPECT_EQ(inputs[i].id, layers[i]) << "all twelve have the same name; ids tell them apart";
  }
}

TEST(RunIdentityCli, RunAndInfoPrintTheRunIdAndStructuredInputs) {
  using nl::test::shellQuote;
  TempDir dir;
  writeBytes(dir / "tiny.csv", "a,b\n1,10\n2,20\n4,30\n");
  const auto first =
      nl::test::runCli("run stats.descriptive --input data=" + shellQuote(dir / "tiny.csv") +
                       " --out " + shellQuote(dir / "a.h5") + " --json");
  ASSERT_EQ(first.exitCode, 0) << first.err;
  const auto printed = nlohmann::json::parse(first.out, nullptr, false);
  ASSERT_TRUE(printed.is_object()) << first.out;
  const std::string runId = printed.value("run_id", "");
  EXPECT_EQ(runId.size(), 36u) << first.out;
  EXPECT_NE(first.err.find("(run " + runId + ")"), std::string::npos) << first.err;
  ASSERT_EQ(printed["inputs"].size(), 1u);
  EXPECT_EQ(printed["inputs"][0]["port"], "data");
  EXPECT_EQ(printed["inputs"][0]["source_path"], (dir / "tiny.csv").string());
  EXPECT_EQ(printed["inputs"][0]["dataset_id"], "file:" + (dir / "tiny.csv").string() + "::");

  // A second run on the first one's result names that run and output.
  const auto second =
      nl::test::runCli("run stats.descriptive --input data=" + shellQuote(dir / "a.h5") +
                       " --out " + shellQuote(dir / "b.h5"));
  ASSERT_EQ(second.exitCode, 0) << second.err;
  const auto info = nl::test::runCli("info --json " + shellQuote(dir / "b.h5"));
  ASSERT_EQ(info.exitCode, 0) << info.err;
  const auto described = nlohmann::json::parse(info.out, nullptr, false);
  ASSERT_TRUE(described.is_object()) << info.out;
  const auto& metadata = described["metadata"];
  EXPECT_EQ(metadata["run_id"].get<std::string>().size(), 36u);
  EXPECT_NE(metadata["run_id"], runId);
  ASSERT_EQ(metadata["inputs"].size(), 1u);
  const auto& record = metadata["inputs"][0];
  EXPECT_EQ(record["run_id"], runId);
  EXPECT_EQ(record["output_name"], "summary");
  EXPECT_EQ(record["dataset_id"], "run:" + runId + "/summary");
  EXPECT_EQ(record["source_path"], (dir / "a.h5").string());
  EXPECT_EQ(record["internal_path"], "/outputs/summary");
  const auto& provenance = described["datasets"].at(0)["provenance"];
  EXPECT_EQ(provenance["run_id"], metadata["run_id"]);
  EXPECT_EQ(provenance["output_name"], "summary");
  EXPECT_EQ(provenance["inputs"], metadata["inputs"]);
}

TEST(RunIdentity, TheRunnerRecordsAMultiplePortAsIndexedKeysInNumericOrder) {
  // rsa.noise_ceiling takes any number of RDMs ("rdms#0" … "rdms#11"); the
  // records follow the index, not the text order of the keys ("#10" < "#2").
  const auto* descriptor = manager().find("rsa.noise_ceiling");
  ASSERT_TRUE(descriptor != nullptr && descriptor->loaded)
      << "rsa.noise_ceiling not loaded" << (descriptor ? ": " + descriptor->failure : "");
  const std::size_t n = 5;
  Inputs inputs;
  for (std::size_t animal = 0; animal < 12; ++animal) {
    std::vector<double> rdm(n * n, 0.0);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < i; ++j)
        rdm[i * n + j] = rdm[j * n + i] = static_cast<double>((i + 2 * j + animal) % 7 + 1);
    inputs[multipleInputKey("rdms", animal)] = std::make_shared<ArrayDataset>(
        DatasetKind::Array, "rdm", std::vector<std::size_t>{n, n}, std::move(rdm),
        Provenance::fromFile("/d/animal" + std::to_string(animal) + ".npy", "", "npy"),
        Attributes{{"rdm", "1"}});
  }
  RunRequest request{"rsa.noise_ceiling", inputs, descriptor->parameters.parse({}), "test"};
  ProgressReporter quiet;
  const auto result = runPlugin(manager(), request, quiet);
  const auto& records = result.provenance.inputs;
  ASSERT_EQ(records.size(), 12u);
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].port, "rdms#" + std::to_string(i));
    EXPECT_EQ(records[i].sourcePath, "/d/animal" + std::to_string(i) + ".npy");
    EXPECT_EQ(records[i].datasetId, inputs.at(records[i].port)->datasetId());
  }
  EXPECT_EQ(result.outputs.at(0).dataset->provenance().outputName, "ceiling");
}
