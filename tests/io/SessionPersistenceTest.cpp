// Session files (io/SessionFile.h): references vs inline results, selection,
// time cursor and layout; missing, changed and broken sources; versions; and
// atomic saving under simulated crashes and real SIGKILLs.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <set>
#include <thread>

#include "io/ReaderRegistry.h"
#include "io/ResultFile.h"
#include "io/SessionFile.h"
#include "tests/support/TestSupport.h"

using namespace nl::io;
using namespace nl::test;

namespace {

DatasetPtr derived(const std::string& name, std::vector<double> values) {
  Provenance p;
  p.pluginId = "stats.descriptive";
  p.pluginVersion = "1.0.0";
  p.parametersJson = R"({"axis":"rows"})";
  p.createdUtc = "2026-11-28T07:30:00Z";
  const auto n = values.size();
  return std::make_shared<ArrayDataset>(DatasetKind::FeatureMatrix, name,
                                        std::vector<std::size_t>{n}, std::move(values), p,
                                        Attributes{{"label", "VISp – µm"}});
}

std::filesystem::path writeNpy(const TempDir& dir, const std::string& name,
                               const std::vector<double>& values) {
  return npyFile(dir, name, simpleDict("<f8", "(" + std::to_string(values.size()) + ",)"),
                 rawBytes(values));
}

std::vector<double> valuesOf(const DatasetPtr& d) {
  const auto a = std::dynamic_pointer_cast<const ArrayDataset>(d);
  return a ? a->values() : std::vector<double>{};
}

void setSchemaVersion(const std::filesystem::path& path, std::int64_t version) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  const hid_t attr = H5Aopen(file, "schema_version", H5P_DEFAULT);
  H5Awrite(attr, H5T_NATIVE_INT64, &version);
  H5Aclose(attr);
  H5Fclose(file);
}

}  // namespace

TEST(SessionPersistence, FileReferencesInlineResultsSelectionCursorAndLayoutComeBack) {
  TempDir dir;
  const auto npy = writeNpy(dir, "rates.npy", {1.5, 2.5, 3.5});
  writeBytes(dir / "units.csv", "id,area\n0,VISp\n1,CA1\n");
  Session session;
  const auto fromNpy = session.add(ReaderRegistry::builtin().open(npy).datasets.at(0));
  session.add(ReaderRegistry::builtin().open(dir / "units.csv").datasets.at(0));
  const auto inline1 = session.add(derived("summary", {4, 5, 6, 7}));
  const std::string layout =
      R"({"docks":{"left":["browser"],"right":["raster","probe3d"]},"title":"Ünïcode ✓"})";
  session.setViewLayoutJson(layout);
  session.selection().select(inline1, {3, 0, 3}, "raster");
  session.selection().setTimeCursor(-0.125, "psth");
  const auto path = dir / "my.nlsession";
  saveSession(session, path, {"0.1.0", {}});
  (void)fromNpy;

  Session loaded;
  loaded.add(derived("stale", {0}));  // whatever was open is replaced
  std::vector<std::string> events;
  loaded.datasetRemoved.connect([&](DatasetId) { events.push_back("removed"); });
  loaded.datasetAdded.connect([&](DatasetId) { events.push_back("added"); });
  const auto report = loadSession(loaded, path);
  EXPECT_TRUE(report.notices.empty()) << report.notices.front();
  EXPECT_EQ(events, (std::vector<std::string>{"removed", "added", "added", "added"}));
  ASSERT_EQ(loaded.size(), 3u);
  const auto& e = loaded.entries();
  EXPECT_EQ(e[0].dataset->name(), "rates");
  EXPECT_EQ(valuesOf(e[0].dataset), (std::vector<double>{1.5, 2.5, 3.5}));
  EXPECT_EQ(e[0].dataset->provenance().sourcePath,
            std::filesystem::absolute(npy).lexically_normal().string());
  EXPECT_EQ(e[0].dataset->provenance().readerName, "NumPy .npy");
  const auto csv = std::dynamic_pointer_cast<const TableDataset>(e[1].dataset);
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->column("area")->strings(), (std::vector<std::string>{"VISp", "CA1"}));
  EXPECT_EQ(e[2].dataset->name(), "summary");
  EXPECT_EQ(e[2].dataset->kind(), DatasetKind::FeatureMatrix);
  EXPECT_EQ(valuesOf(e[2].dataset), (std::vector<double>{4, 5, 6, 7}));
  EXPECT_EQ(e[2].dataset->attributes().at("label"), "VISp – µm");
  EXPECT_EQ(e[2].dataset->provenance().parametersJson, R"({"axis":"rows"})");
  EXPECT_EQ(e[2].dataset->provenance().createdUtc, "2026-11-28T07:30:00Z");
  EXPECT_EQ(loaded.selection().dataset(), e[2].id);
  EXPECT_EQ(loaded.selection().indices(), (std::vector<std::int64_t>{0, 3}));
  EXPECT_DOUBLE_EQ(loaded.selection().timeCursor(), -0.125);
  EXPECT_EQ(loaded.viewLayoutJson(), layout);

  // Saved again from the loaded session, the file describes the same session.
  const auto again = dir / "again.nlsession";
  saveSession(loaded, again);
  Session third;
  loadSession(third, again);
  ASSERT_EQ(third.size(), 3u);
  EXPECT_EQ(third.selection().indices(), (std::vector<std::int64_t>{0, 3}));
  EXPECT_EQ(third.entries()[2].dataset->provenance().pluginId, "stats.descriptive");
  EXPECT_EQ(third.viewLayoutJson(), layout);
}

TEST(SessionPersistence, ReferencedHdf5DatasetsKeepTheirInternalPath) {
  TempDir dir;
  writeResultFile(dir / "many.h5", {},
                  {});  // a NeuroLoupe file with nothing: not what we reference
  {
    const hid_t file = H5Fcreate((dir / "rec.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t dims[1] = {2};
    const hid_t space = H5Screate_simple(1, dims, nullptr);
    for (const char* name : {"a", "b"}) {
      const hid_t d =
          H5Dcreate2(file, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      const double v[2] = {name[0] == 'a' ? 1.0 : 10.0, name[0] == 'a' ? 2.0 : 20.0};
      H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
      H5Dclose(d);
    }
    H5Sclose(space);
    H5Fclose(file);
  }
  Session session;
  session.add(ReaderRegistry::builtin().open(dir / "rec.h5", "/b").datasets.at(0));
  session.add(ReaderRegistry::builtin().open(dir / "rec.h5", "/a").datasets.at(0));
  saveSession(session, dir / "s.nlsession");
  Session loaded;
  EXPECT_TRUE(loadSession(loaded, dir / "s.nlsession").notices.empty());
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(valuesOf(loaded.entries()[0].dataset), (std::vector<double>{10, 20}));
  EXPECT_EQ(valuesOf(loaded.entries()[1].dataset), (std::vector<double>{1, 2}));
  EXPECT_EQ(loaded.entries()[1].dataset->provenance().internalPath, "/a");
}

TEST(SessionPersistence, MissingAndBrokenSourcesBecomeNoticesAndTheRestLoads) {
  TempDir dir;
  const auto gone = writeNpy(dir, "gone.npy", {1});
  const auto broken = writeNpy(dir, "broken.npy", {1, 2});
  const auto kept = writeNpy(dir, "kept.npy", {3});
  Session session;
  session.add(ReaderRegistry::builtin().open(gone).datasets.at(0));
  const auto inlineId = session.add(derived("derived", {9, 8}));
  session.add(ReaderRegistry::builtin().open(broken).datasets.at(0));
  session.add(ReaderRegistry::builtin().open(kept).datasets.at(0));
  session.selection().select(inlineId, {1}, "test");
  saveSession(session, dir / "s.nlsession");

  std::filesystem::remove(gone);
  writeBytes(broken, "this is not a .npy file any more");
  Session loaded;
  const auto report = loadSession(loaded, dir / "s.nlsession");
  ASSERT_EQ(report.notices.size(), 2u);
  EXPECT_NE(report.notices[0].find(std::filesystem::absolute(gone).lexically_normal().string()),
            std::string::npos)
      << "the notice names the missing file: " << report.notices[0];
  EXPECT_NE(report.notices[0].find("missing"), std::string::npos);
  EXPECT_NE(report.notices[1].find("broken.npy"), std::string::npos) << report.notices[1];
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded.entries()[0].dataset->name(), "derived");
  EXPECT_EQ(valuesOf(loaded.entries()[0].dataset), (std::vector<double>{9, 8}));
  EXPECT_EQ(valuesOf(loaded.entries()[1].dataset), std::vector<double>{3});
  EXPECT_EQ(loaded.selection().dataset(), loaded.entries()[0].id)
      << "the selection follows its dataset past the gaps";
  EXPECT_EQ(loaded.selection().indices(), std::vector<std::int64_t>{1});
}

TEST(SessionPersistence, SelectionOfAMissingDatasetIsDroppedButTheCursorKept) {
  TempDir dir;
  const auto npy = writeNpy(dir, "sel.npy", {1, 2});
  Session session;
  const auto id = session.add(ReaderRegistry::builtin().open(npy).datasets.at(0));
  session.add(derived("d", {1}));
  session.selection().select(id, {0, 1});
  session.selection().setTimeCursor(5.0);
  saveSession(session, dir / "s.nlsession");
  std::filesystem::remove(npy);
  Session loaded;
  loadSession(loaded, dir / "s.nlsession");
  EXPECT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded.selection().dataset(), kNoDataset);
  EXPECT_TRUE(loaded.selection().indices().empty());
  EXPECT_DOUBLE_EQ(loaded.selection().timeCursor(), 5.0);
}

TEST(SessionPersistence, AnEmptySessionRoundTripsWithoutCursorOrSelection) {
  TempDir dir;
  Session empty;
  saveSession(empty, dir / "empty.nlsession");
  Session loaded;
  loaded.selection().setTimeCursor(3.0);
  loaded.setViewLayoutJson("{}");
  EXPECT_TRUE(loadSession(loaded, dir / "empty.nlsession").notices.empty());
  EXPECT_EQ(loaded.size(), 0u);
  EXPECT_FALSE(loaded.selection().hasTimeCursor()) << "the loaded session had no cursor";
  EXPECT_EQ(loaded.viewLayoutJson(), "");
}

TEST(SessionPersistence, VersionsAndNonSessionsAreRefusedAndLeaveTheSessionAlone) {
  TempDir dir;
  Session session;
  session.add(derived("d", {1}));
  const auto path = dir / "s.nlsession";
  saveSession(session, path);
  for (std::int64_t version : {99, 2, 0, -1}) {
    SCOPED_TRACE(version);
    setSchemaVersion(path, version);
    Session current;
    current.add(derived("current", {5}));
    const auto error = fileErrorOf([&] { loadSession(current, path); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->path(), path);
    EXPECT_NE(error->reason().find("version"), std::string::npos) << error->reason();
    EXPECT_NE(error->reason().find(std::to_string(version)), std::string::npos) << error->reason();
    ASSERT_EQ(current.size(), 1u);
    EXPECT_EQ(current.entries()[0].dataset->name(), "current");
  }
  setSchemaVersion(path, 1);
  Session ok;
  EXPECT_NO_THROW(loadSession(ok, path));

  // A result file, a plain HDF5 file, a CSV and a missing file are not sessions.
  writeResultFile(dir / "result.h5", {{"d", derived("d", {1})}}, {});
  const hid_t plain =
      H5Fcreate((dir / "plain.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  H5Fclose(plain);
  writeBytes(dir / "t.csv", "a\n1\n");
  for (const auto& [name, word] :
       std::vector<std::pair<std::string, std::string>>{{"result.h5", "not a NeuroLoupe session"},
                                                        {"plain.h5", "not a NeuroLoupe session"},
                                                        {"t.csv", "HDF5"},
                                                        {"missing.nlsession", "does not exist"}}) {
    SCOPED_TRACE(name);
    Session current;
    current.add(derived("current", {5}));
    const auto error = fileErrorOf([&] { loadSession(current, dir / name); });
    ASSERT_TRUE(error);
    EXPECT_NE(error->reason().find(word), std::string::npos) << error->reason();
    EXPECT_EQ(current.size(), 1u);
  }
  // A newer *result* file is refused by the reader, too.
  setSchemaVersion(dir / "result.h5", 7);
  const auto error = fileErrorOf([&] { ReaderRegistry::builtin().open(dir / "result.h5"); });
  ASSERT_TRUE(error);
  EXPECT_NE(error->reason().find("newer"), std::string::npos) << error->reason();
}

TEST(SessionAtomicSave, AFailingWriteOrAFailureBeforeRenameKeepsTheOldFileByteForByte) {
  TempDir dir;
  const auto path = dir / "s.nlsession";
  Session first;
  first.add(derived("first", {1, 2}));
  saveSession(first, path);
  const std::string before = readBytes(path);

  Session second;
  second.add(derived("second", {3}));
  SessionSaveOptions crash;
  crash.beforeRename = [] { throw std::runtime_error("power cut"); };
  EXPECT_THROW(saveSession(second, path, crash), std::runtime_error);
  EXPECT_EQ(readBytes(path), before);

  // A dataset that cannot be written (its lazy data are gone) fails the save.
  Session third;
  third.add(derived("ok", {1}));
  Provenance p;
  p.pluginId = "x";
  third.add(std::make_shared<ArrayDataset>(DatasetKind::Array, "lazy", std::vector<std::size_t>{1},
                                           ArrayDataset::Loader([]() -> std::vector<double> {
                                             throw FileError("/mnt/gone.h5", "unreachable");
                                           }),
                                           p));
  EXPECT_THROW(saveSession(third, path), FileError);
  EXPECT_EQ(readBytes(path), before);

  std::set<std::string> left;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    left.insert(entry.path().filename().string());
  EXPECT_EQ(left, std::set<std::string>{"s.nlsession"}) << "no temporary file may be left behind";
  Session loaded;
  loadSession(loaded, path);
  EXPECT_EQ(loaded.entries().at(0).dataset->name(), "first");
}

TEST(SessionAtomicSave, SigkillDuringABigSaveLeavesTheOldOrTheNewSessionNeverABrokenOne) {
  TempDir dir;
  const auto path = dir / "s.nlsession";
  Session small;
  small.add(derived("old", {1, 2, 3}));
  saveSession(small, path);
  // Made before fork so the child starts writing at once: 20 M doubles, 160 MB.
  std::vector<double> values(20'000'000);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i % 1000);
  Provenance p;
  p.pluginId = "test.big";
  Session big;
  big.add(std::make_shared<ArrayDataset>(
      DatasetKind::Array, "new", std::vector<std::size_t>{values.size()}, std::move(values), p));
  for (int delayMs : {5, 20, 60}) {
    SCOPED_TRACE(delayMs);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      try {
        for (;;) saveSession(big, path);  // until killed
      } catch (...) {
      }
      _exit(1);  // never return into the test runner in the child
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child must die mid-save, not exit";
    Session loaded;
    ASSERT_NO_THROW(loadSession(loaded, path));
    ASSERT_EQ(loaded.size(), 1u);
    const auto name = loaded.entries()[0].dataset->name();
    EXPECT_TRUE(name == "old" || name == "new") << name;
    if (name == "old") {
      EXPECT_EQ(valuesOf(loaded.entries()[0].dataset), (std::vector<double>{1, 2, 3}));
    }
  }
}

TEST(SessionAtomicSave, SigkillAtManyMomentsOfSmallSavesNeverBreaksTheFile) {
  TempDir dir;
  const auto path = dir / "s.nlsession";
  Session a;
  a.add(derived("a", {1}));
  saveSession(a, path);
  Session b;
  b.add(derived("b", std::vector<double>(5000, 2.0)));
  b.add(derived("b2", {3}));
  std::set<std::string> seen;
  for (int delayUs = 300; delayUs <= 12000; delayUs += 1300) {
    SCOPED_TRACE(delayUs);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      try {
        for (int i = 0;; ++i)
          saveSession(i % 2 ? a : b, path);  // alternate old and new, until killed
      } catch (...) {
      }
      _exit(1);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delayUs));
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    Session loaded;
    ASSERT_NO_THROW(loadSession(loaded, path));
    ASSERT_FALSE(loaded.entries().empty());
    const auto name = loaded.entries()[0].dataset->name();
    ASSERT_TRUE(name == "a" || name == "b") << name;
    EXPECT_EQ(loaded.size(), name == "a" ? 1u : 2u) << "never a mix of the two";
    seen.insert(name);
  }
  // Killed children leave their temporary files; they are hidden and never read.
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    const auto file = entry.path().filename().string();
    EXPECT_TRUE(file == "s.nlsession" || file.starts_with(".s.nlsession.saving-")) << file;
  }
}
