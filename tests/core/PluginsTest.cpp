#include <gtest/gtest.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>
#include <nlohmann/json.hpp>

#include "TestSupport.h"
#include "plugins/Job.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"

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

std::shared_ptr<const nl::io::Dataset> matrix() {
  // Columns: 1..4 and a constant with a NaN.
  return std::make_shared<nl::io::ArrayDataset>(
      nl::io::DatasetKind::Array, "m", std::vector<std::size_t>{4, 2},
      std::vector<double>{1, 5, 2, 5, 3, std::nan(""), 4, 5});
}

}  // namespace

TEST(ParameterSchema, ParsesValidatesAndExplains) {
  const auto schema = ParameterSchema::fromJson(nlohmann::json::parse(R"([
    {"name": "bins", "type": "int", "default": 10, "min": 1, "max": 100},
    {"name": "window", "type": "double", "default": 0.5, "min": 0, "max": 2, "unit": "s"},
    {"name": "smooth", "type": "bool", "default": false},
    {"name": "metric", "type": "choice", "choices": ["pearson", "spearman"], "default": "pearson"},
    {"name": "area", "type": "string", "default": "VISp"}])"));
  const auto set =
      schema.parse({{"bins", "42"}, {"window", "1.25"}, {"smooth", "yes"}, {"metric", "spearman"}});
  EXPECT_EQ(set.integer("bins"), 42);
  EXPECT_DOUBLE_EQ(set.real("window"), 1.25);
  EXPECT_TRUE(set.boolean("smooth"));
  EXPECT_EQ(set.text("metric"), "spearman");
  EXPECT_EQ(set.text("area"), "VISp");
  EXPECT_EQ(schema.parse({{"smooth", "0"}}).boolean("smooth"), false);
  EXPECT_DOUBLE_EQ(schema.parse({{"window", "2"}}).real("window"), 2.0);
  for (const auto& [name, value] : std::map<std::string, std::string>{{"bins", "abc"},
                                                                      {"bins", "101"},
                                                                      {"bins", "1.5"},
                                                                      {"window", "nan"},
                                                                      {"window", "inf"},
                                                                      {"smooth", "maybe"},
                                                                      {"metric", "kendall"},
                                                                      {"nothing", "1"}}) {
    try {
      schema.parse({{name, value}});
      ADD_FAILURE() << name << "=" << value << " accepted";
    } catch (const ParameterError& error) {
      EXPECT_NE(std::string(error.what()).find(name), std::string::npos) << error.what();
    }
  }
  EXPECT_EQ(schema.find("window")->describeConstraint(), "real in [0, 2]");
  EXPECT_THROW(ParameterSchema::fromJson(
                   nlohmann::json::parse(R"([{"name": "Bad Name", "type": "int", "default": 1}])")),
               std::invalid_argument);
  EXPECT_THROW(ParameterSchema::fromJson(
                   nlohmann::json::parse(R"([{"name": "c", "type": "choice", "default": "a"}])")),
               std::invalid_argument);
  EXPECT_THROW(ParameterSchema::fromJson(nlohmann::json::parse(
                   R"([{"name": "n", "type": "int", "default": 5, "max": 3}])")),
               std::invalid_argument);
  EXPECT_THROW(ParameterSchema::fromJson(
                   nlohmann::json::parse(R"([{"name": "n", "type": "matrix", "default": 5}])")),
               std::invalid_argument);
  // JSON values from a saved run go through the same checks.
  EXPECT_EQ(schema.fromJsonValues(nlohmann::json::parse(R"({"bins": 7, "smooth": true})"))
                .integer("bins"),
            7);
  EXPECT_THROW(schema.fromJsonValues(nlohmann::json::parse(R"({"bins": 0})")), ParameterError);
}

TEST(PluginManager, LoadsGoodPluginsAndExplainsBrokenOnes) {
  const auto& m = manager();
  ASSERT_NE(m.find("stats.descriptive"), nullptr);
  EXPECT_TRUE(m.find("stats.descriptive")->loaded);
  EXPECT_EQ(m.find("stats.descriptive")->parameters.specs().size(), 3u);
  ASSERT_NE(m.find("test.slow"), nullptr);
  EXPECT_TRUE(m.find("test.slow")->loaded);
  // Refused at discovery, from the manifest alone.
  ASSERT_NE(m.find("test.api_mismatch"), nullptr);
  EXPECT_NE(m.find("test.api_mismatch")->failure.find("API version 999"), std::string::npos);
  EXPECT_FALSE(m.find("test.api_mismatch")->loaded);
  EXPECT_FALSE(m.usable("test.api_mismatch"));
  // Libraries load on first use: a missing symbol and a throwing factory fail
  // there, with the reason, and the failure is remembered.
  for (const auto& [id, reason] : std::map<std::string, std::string>{
           {"test.missing_symbol", "nl_test_symbol_that_no_library_defines"},
           {"test.throwing", "boom"}}) {
    ASSERT_NE(m.find(id), nullptr) << id << " not listed";
    try {
      m.create(id);
      ADD_FAILURE() << id << " created";
    } catch (const PluginError& error) {
      EXPECT_NE(std::string(error.what()).find(reason), std::string::npos) << error.what();
    }
    EXPECT_FALSE(m.usable(id));
    EXPECT_NE(m.failure(id).find(reason), std::string::npos) << m.failure(id);
    EXPECT_THROW(m.create(id), PluginError) << "the failure is remembered";
  }
  EXPECT_THROW(m.create("no.such.plugin"), PluginError);
  const auto json = m.find("stats.descriptive")->toJson();
  EXPECT_EQ(json["parameters"][1]["name"], "lower_quantile");
}

TEST(Runner, DescriptiveStatisticsWithProvenance) {
  RunRequest request;
  request.pluginId = "stats.descriptive";
  request.inputs["data"] = matrix();
  request.parameters =
      manager().find("stats.descriptive")->parameters.parse({{"lower_quantile", "0.25"}});
  request.appVersion = "test";
  ProgressReporter progress;
  const auto result = runPlugin(manager(), request, progress);
  ASSERT_EQ(result.outputs.size(), 1u);
  const auto table =
      std::dynamic_pointer_cast<const nl::io::TableDataset>(result.outputs[0].dataset);
  ASSERT_TRUE(table);
  EXPECT_EQ(*table->numericColumn("mean"), (std::vector<double>{2.5, 5.0}));
  EXPECT_EQ(*table->numericColumn("missing"), (std::vector<double>{0, 1}));
  EXPECT_EQ((*table->numericColumn("q25"))[0], 1.75);
  EXPECT_EQ(table->provenance().pluginId, "stats.descriptive");
  EXPECT_EQ(table->provenance().pluginVersion, "1.0.0");
  EXPECT_EQ(nlohmann::json::parse(table->provenance().parametersJson)["axis"], "columns");
  ASSERT_EQ(table->provenance().inputs.size(), 1u);
}

TEST(Runner, WrongInputsBadOutputsAndUnknownPluginsAreRunErrors) {
  ProgressReporter progress;
  RunRequest request;
  request.pluginId = "stats.descriptive";
  request.parameters = manager().find("stats.descriptive")->parameters.defaults();
  EXPECT_THROW(runPlugin(manager(), request, progress), RunError) << "missing input";
  request.inputs["data"] = std::make_shared<nl::io::SpikeRecording>(
      "r", nullptr, std::vector<double>{}, std::vector<std::uint64_t>{0}, nullptr);
  EXPECT_THROW(runPlugin(manager(), request, progress), RunError) << "wrong kind";
  request.inputs["data"] = matrix();
  request.inputs["extra"] = matrix();
  EXPECT_THROW(runPlugin(manager(), request, progress), RunError) << "unknown input";
  RunRequest bad;
  bad.pluginId = "test.bad_output";
  bad.parameters = manager().find("test.bad_output")->parameters.defaults();
  try {
    runPlugin(manager(), bad, progress);
    ADD_FAILURE();
  } catch (const RunError& error) {
    EXPECT_NE(std::string(error.what()).find("provenance"), std::string::npos);
  }
  RunRequest broken;
  broken.pluginId = "test.throwing";
  EXPECT_THROW(runPlugin(manager(), broken, progress), RunError);
}

TEST(Job, RunsOffTheGuiThreadAndCancelsWithinOneSecond) {
  RunRequest request;
  request.pluginId = "test.slow";
  request.parameters = manager().find("test.slow")->parameters.defaults();  // 20 s if left alone
  Job job(manager(), request);
  std::vector<double> fractions;
  QObject::connect(&job, &Job::progressChanged,
                   [&](double f, const QString&) { fractions.push_back(f); });
  bool finished = false;
  Job::State finalState = Job::State::Pending;
  QObject::connect(&job, &Job::finished, [&](Job::State s) { finished = true, finalState = s; });
  job.start();
  QElapsedTimer timer;
  timer.start();
  while (timer.elapsed() < 300) QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
  EXPECT_FALSE(finished);
  EXPECT_FALSE(fractions.empty()) << "progress arrives while running";
  timer.restart();
  job.cancel();
  while (!finished && timer.elapsed() < 5000)
    QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
  ASSERT_TRUE(finished);
  EXPECT_LT(timer.elapsed(), 1000) << "cancel took " << timer.elapsed() << " ms";
  EXPECT_EQ(finalState, Job::State::Cancelled);
  EXPECT_NE(job.errorMessage().indexOf("cancelled"), -1);
}

TEST(Job, FailureBecomesAMessageNotACrash) {
  RunRequest request;
  request.pluginId = "test.throwing";
  Job job(manager(), request);
  bool finished = false;
  QObject::connect(&job, &Job::finished, [&](Job::State) { finished = true; });
  job.start();
  QElapsedTimer timer;
  timer.start();
  while (!finished && timer.elapsed() < 5000)
    QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
  ASSERT_TRUE(finished);
  EXPECT_EQ(job.state(), Job::State::Failed);
  EXPECT_NE(job.errorMessage().indexOf("boom"), -1) << job.errorMessage().toStdString();
}
