#include <gtest/gtest.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>
#include <nlohmann/json.hpp>

#include "plugins/Job.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"
#include "tests/support/TestSupport.h"

using namespace nl::plugins;

namespace {

const PluginManager& manager() {
  return nl::test::sharedPlugins();  // the test plugins and the built-in ones
}

std::shared_ptr<const nl::io::Dataset> matrix() {
  // Columns: 1..4 and a constant with a NaN.
  return std::make_shared<nl::io::ArrayDataset>(
      nl::io::DatasetKind::Array, "m", std::vector<std::size_t>{4, 2},
      std::vector<double>{1, 5, 2, 5, 3, std::nan(""), 4, 5});
}

}  // namespace

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

// Waits are generous bounds against hangs, not duration assertions.
TEST(Job, RunsOffTheGuiThreadAndCancels) {
  RunRequest request;
  request.pluginId = "test.slow";
  // 100000 steps of 10 ms: 1000 s if the cancel were ignored.
  request.parameters = manager().find("test.slow")->parameters.parse({{"steps", "100000"}});
  Job job(manager(), request);
  std::vector<double> fractions;
  QObject::connect(&job, &Job::progressChanged,
                   [&](double f, const QString&) { fractions.push_back(f); });
  bool finished = false;
  Job::State finalState = Job::State::Pending;
  QObject::connect(&job, &Job::finished, [&](Job::State s) { finished = true, finalState = s; });
  job.start();
  ASSERT_TRUE(nl::test::pumpUntil([&] { return !fractions.empty(); }, 30000))
      << "progress arrives while running";
  EXPECT_FALSE(finished);
  job.cancel();
  ASSERT_TRUE(nl::test::pumpUntil([&] { return finished; }, 30000))
      << "not finished 30 s after cancel";
  EXPECT_EQ(finalState, Job::State::Cancelled);
  EXPECT_EQ(job.state(), Job::State::Cancelled);
  EXPECT_NE(job.errorMessage().indexOf("cancelled"), -1);
  EXPECT_TRUE(job.result().outputs.empty());
  job.cancel();  // cancelling again is harmless
  EXPECT_EQ(job.state(), Job::State::Cancelled);
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
