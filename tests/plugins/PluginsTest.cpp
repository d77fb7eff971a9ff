#include <gtest/gtest.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>

#include "plugins/Job.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"
#include "tests/support/TestSupport.h"

using namespace nl::plugins;

namespace {

const PluginManager& manager() {
  static PluginManager* instance = [] {
    auto* m = new PluginManager();  // lives until exit: plugin objects may outlive tests
    m->discover({NEUROLOUPE_TEST_PLUGIN_DIR, NEUROLOUPE_PLUGIN_DIR});
    return m;
  }();
  return *instance;
}

}  // namespace

TEST(PluginManager, LoadsGoodPluginsAndExplainsBrokenOnes) {
  const auto& m = manager();
  auto failureOf = [&](const std::string& id) {
    const auto* d = m.find(id);
    EXPECT_NE(d, nullptr) << id << " not listed";
    return d ? d->failure : std::string();
  };
  ASSERT_NE(m.find("stats.descriptive"), nullptr);
  EXPECT_TRUE(m.find("stats.descriptive")->loaded);
  EXPECT_EQ(m.find("stats.descriptive")->parameters.specs().size(), 3u);
  ASSERT_NE(m.find("test.slow"), nullptr);
  EXPECT_TRUE(m.find("test.slow")->loaded);
  EXPECT_NE(failureOf("test.api_mismatch").find("API version 999"), std::string::npos);
  EXPECT_NE(failureOf("test.missing_symbol").find("nl_test_symbol_that_no_library_defines"),
            std::string::npos);
  EXPECT_NE(failureOf("test.throwing").find("boom"), std::string::npos);
  EXPECT_FALSE(m.find("test.api_mismatch")->loaded);
  EXPECT_THROW(m.create("test.throwing"), PluginError);
  EXPECT_THROW(m.create("no.such.plugin"), PluginError);
  const auto json = m.find("stats.descriptive")->toJson();
  EXPECT_EQ(json["parameters"][1]["name"], "lower_quantile");
}
