// PluginManager: discovery of the built-in and the test plugins, a failure
// reason for every broken one, duplicates, search paths, and that none of it
// takes the process down.
#include <gtest/gtest.h>

#include <QCoreApplication>
#include <filesystem>
#include <fstream>
#include <iterator>
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

// Manifests are untrusted JSON: one nested deeper than io::kMaxJsonDepth is
// refused by the JSON guard, one nested deeper than Qt's own metadata reader
// takes (100,000 levels, rewritten in a copy of the library) by Qt. Either
// way the plugin is listed as failed, its file named, and never loaded.
TEST(PluginDiscovery, DeeplyNestedManifestsAreRefusedNamingTheFile) {
  const std::filesystem::path folder = std::string(NEUROLOUPE_TEST_PLUGIN_DIR) + "-deep-manifest";
  const auto library = folder / "libnlplugin_test_deep_manifest.so";
  ASSERT_TRUE(std::filesystem::exists(library)) << library;
  const auto failureOf = [](const std::filesystem::path& where) {
    PluginManager m;
    m.discover({where});
    EXPECT_EQ(m.plugins().size(), 1u) << where;
    if (m.plugins().empty()) return std::string("(not listed)");
    const auto& d = m.plugins().front();
    EXPECT_FALSE(d.loaded);
    EXPECT_FALSE(m.usable(d.id));
    EXPECT_THROW(m.create(d.id), PluginError);
    return d.failure;
  };
  const std::string shallow = failureOf(folder);
  EXPECT_NE(shallow.find(std::filesystem::canonical(library).string()), std::string::npos)
      << shallow;
  EXPECT_NE(shallow.find("nested deeper than 256"), std::string::npos) << shallow;

  // The copy: "zdeep" becomes 100,000 levels deep and "zpadding" shorter by as
  // much, in place (the CBOR map keeps its entries and the library its size).
  std::ifstream in(library, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string deepKey = "\x65zdeep", paddingKey = "\x68zpadding";
  const auto deep = bytes.find(deepKey);
  ASSERT_NE(deep, std::string::npos) << "the manifest's CBOR in " << library;
  const std::size_t begin = deep + deepKey.size();
  ASSERT_EQ(bytes.compare(begin, 599, std::string(599, '\x81')), 0);
  ASSERT_EQ(bytes[begin + 599], '\x80');
  ASSERT_EQ(bytes.compare(begin + 600, paddingKey.size(), paddingKey), 0);
  const std::size_t padding = begin + 600 + paddingKey.size();
  ASSERT_EQ(bytes.compare(padding, 5, std::string("\x7a\x00\x01\x87\x04", 5)), 0)
      << "a 100,100-byte text string";
  const std::size_t end = padding + 5 + 100100;
  std::string rewritten = std::string(99'999, '\x81') + '\x80' + paddingKey;
  const std::size_t rest = end - begin - rewritten.size() - 3;
  rewritten += "\x79";
  rewritten += static_cast<char>(rest >> 8);
  rewritten += static_cast<char>(rest & 0xff);
  rewritten += std::string(rest, 'x');
  ASSERT_EQ(rewritten.size(), end - begin);
  bytes.replace(begin, rewritten.size(), rewritten);
  TempDir dir;
  const auto copy = dir / "libnlplugin_test_deeper_manifest.so";
  writeBytes(copy, bytes);
  const std::string deeper = failureOf(dir.path());
  EXPECT_NE(deeper.find(std::filesystem::canonical(copy).string()), std::string::npos) << deeper;
  EXPECT_NE(deeper.find("invalid manifest"), std::string::npos) << deeper;
}
