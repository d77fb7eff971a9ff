// PluginManager: discovery of the built-in and the test plugins, a failure
// reason for every broken one, duplicates, search paths, and that none of it
// takes the process down.
#include <gtest/gtest.h>

#include <QCoreApplication>
#include <map>
#include <nlohmann/json.hpp>

#include "plugins/PluginManager.h"
#include "tests/support/TestSupport.h"

using namespace nl::plugins;
using namespace nl::test;

// Which plugins load and the reasons of the broken ones: PluginsTest.cpp
// (PluginManager.LoadsGoodPluginsAndExplainsBrokenOnes). Here: what a loaded
// plugin gives and what a failed one keeps.
TEST(PluginDiscovery, LoadedPluginsGiveFreshObjectsAndFailedOnesKeepTheirManifest) {
  const auto& m = sharedPlugins();
  for (const char* id : {"stats.descriptive", "test.slow", "test.bad_output", "test.run_failure"}) {
    const auto* d = m.find(id);
    ASSERT_NE(d, nullptr) << id;
    EXPECT_TRUE(d->loaded) << id << ": " << d->failure;
    EXPECT_TRUE(d->failure.empty());
    EXPECT_TRUE(d->library.is_absolute()) << d->library;
  }
  // Manifest data are there even for plugins that failed to load.
  EXPECT_EQ(m.find("test.throwing")->name, "Throwing constructor");
  EXPECT_EQ(m.find("test.api_mismatch")->apiVersion, 999);
  // Creating objects: fresh ones for loaded plugins, a PluginError otherwise.
  auto a = m.create("stats.descriptive");
  auto b = m.create("stats.descriptive");
  ASSERT_TRUE(a && b);
  EXPECT_NE(a.get(), b.get());
  EXPECT_EQ(a->id(), "stats.descriptive");
  EXPECT_THROW(m.create("test.api_mismatch"), PluginError);
  try {
    m.create("no.such.plugin");
    ADD_FAILURE();
  } catch (const PluginError& error) {
    EXPECT_NE(std::string(error.what()).find("no plugin 'no.such.plugin'"), std::string::npos);
  }
}

TEST(PluginDiscovery, TheBuiltinManifestIsWhatTheCliAndFormsShow) {
  const auto* d = sharedPlugins().find("stats.descriptive");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->version, "1.0.0");
  EXPECT_EQ(d->category, "Statistics");
  ASSERT_EQ(d->inputs.size(), 1u);
  EXPECT_EQ(d->inputs[0].name, "data");
  EXPECT_TRUE(d->inputs[0].accepts(nl::io::DatasetKind::Table));
  EXPECT_FALSE(d->inputs[0].accepts(nl::io::DatasetKind::SpikeRecording));
  EXPECT_FALSE(d->inputs[0].accepts(nl::io::DatasetKind::SurfaceMesh));
  ASSERT_EQ(d->outputs.size(), 1u);
  EXPECT_EQ(d->outputs[0].name, "summary");
  const auto& p = d->parameters;
  ASSERT_NE(p.find("axis"), nullptr);
  EXPECT_EQ(p.find("axis")->choices, (std::vector<std::string>{"columns", "rows", "all"}));
  EXPECT_EQ(p.find("lower_quantile")->describeConstraint(), "real in [0, 0.5]");
  EXPECT_EQ(p.find("upper_quantile")->describeConstraint(), "real in [0.5, 1]");
  const auto json = d->toJson();
  EXPECT_EQ(json["loaded"], true);
  EXPECT_EQ(json["parameters"].size(), 3u);
  EXPECT_EQ(json["library"], d->library.string());
}

TEST(PluginDiscovery, RescanningDuplicatesAndForeignFilesAreHarmless) {
  TempDir dir;
  // A copy of test.slow elsewhere: same id, second in line.
  std::filesystem::copy_file(
      std::filesystem::path(NEUROLOUPE_TEST_PLUGIN_DIR) / "libnlplugin_test_slow.so",
      dir / "libnlplugin_copy_of_slow.so");
  writeBytes(dir / "libnotaplugin.so", "just text with a .so name");
  writeBytes(dir / "libempty.so", "");
  writeBytes(dir / "readme.txt", "not a library");
  std::filesystem::create_directories(dir / "folder.so");

  PluginManager m;
  m.discover(
      {NEUROLOUPE_TEST_PLUGIN_DIR, NEUROLOUPE_TEST_PLUGIN_DIR, "/no/such/folder", dir.path()});
  const std::size_t count = m.plugins().size();
  m.discover({NEUROLOUPE_TEST_PLUGIN_DIR});  // again: nothing new
  EXPECT_EQ(m.plugins().size(), count) << "the same library is never listed twice";
  std::size_t slowEntries = 0, loadedSlow = 0;
  std::string duplicateFailure;
  for (const auto& d : m.plugins()) {
    if (d.id != "test.slow") continue;
    ++slowEntries;
    if (d.loaded)
      ++loadedSlow;
    else
      duplicateFailure = d.failure;
  }
  EXPECT_EQ(slowEntries, 2u);
  EXPECT_EQ(loadedSlow, 1u);
  EXPECT_NE(duplicateFailure.find("another plugin with id 'test.slow'"), std::string::npos)
      << duplicateFailure;
  EXPECT_TRUE(m.find("test.slow")->loaded) << "find() prefers the usable one";
  for (const auto& d : m.plugins()) {
    EXPECT_NE(d.library.filename(), "libnotaplugin.so")
        << "files that are not Qt plugins are skipped silently";
    EXPECT_NE(d.library.filename(), "libempty.so");
  }
  EXPECT_EQ(m.find("stats.descriptive"), nullptr) << "only the folders given are scanned";
}

TEST(PluginDiscovery, SearchPathsComeFromTheEnvironmentThenTheInstallTree) {
  {
    ScopedEnv env("NEUROLOUPE_PLUGIN_PATH", std::string("/opt/a::/opt/b:"));
    const auto paths = PluginManager::defaultSearchPaths();
    ASSERT_GE(paths.size(), 3u);
    EXPECT_EQ(paths[0], "/opt/a");
    EXPECT_EQ(paths[1], "/opt/b");
    const std::filesystem::path appDir = QCoreApplication::applicationDirPath().toStdString();
    EXPECT_EQ(paths[2], (appDir / ".." / "lib" / "neuroloupe" / "plugins").lexically_normal());
  }
  {
    ScopedEnv env("NEUROLOUPE_PLUGIN_PATH", std::nullopt);
    const auto paths = PluginManager::defaultSearchPaths();
    ASSERT_FALSE(paths.empty());
    EXPECT_EQ(paths[0].filename(), "plugins");
    // This test binary sits in build/bin like the CLI: the built-in plugins are found.
    PluginManager m;
    m.discover(paths);
    ASSERT_NE(m.find("stats.descriptive"), nullptr);
    EXPECT_TRUE(m.find("stats.descriptive")->loaded);
    EXPECT_EQ(m.find("test.slow"), nullptr) << "test plugins live outside the real plugin folder";
  }
}
