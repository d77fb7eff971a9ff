// Plugin runs in a worker process (plugins/WorkerRun.h): a worker that
// segfaults, aborts, hangs, allocates without bound or throws is a failed run
// with its reason and this process goes on; cancel ends the worker within a
// second; results and provenance equal those of a run in this process.
#include <gtest/gtest.h>

#include <QCoreApplication>
#include <chrono>
#include <thread>

#include "io/ResultFile.h"
#include "plugins/Job.h"
#include "plugins/WorkerRun.h"
#include "tests/support/TestSupport.h"

using namespace nl::plugins;
using namespace nl::test;

namespace {

RunRequest request(const std::string& id, const std::map<std::string, std::string>& params = {}) {
  RunRequest r;
  r.pluginId = id;
  r.parameters = sharedPlugins().find(id)->parameters.parse(params);
  r.appVersion = "test-version";
  return r;
}

struct WorkerFixture : ::testing::Test {
  TempDir results;
  WorkerOptions options() const {
    WorkerOptions o;
    o.executable = NEUROLOUPE_CLI;
    o.resultFolder = results.path();
    o.memoryCapMegabytes = 1024;
    return o;
  }
  std::string failureOf(const RunRequest& r, const WorkerOptions& o) {
    ProgressReporter progress;
    try {
      (void)runPluginInWorker(sharedPlugins(), r, progress, o);
    } catch (const RunError& error) {
      EXPECT_FALSE(error.cancelled()) << error.what();
      return error.what();
    }
    ADD_FAILURE() << "the run succeeded";
    return {};
  }
};

nl::io::DatasetPtr matrix() {
  // 4 × 3, columns with different spreads: the summary table is not trivial.
  std::vector<double> values{1, 10, -3, 2, 20, -3.5, 4, 40, -2, 8, 80, 7.25};
  return std::make_shared<nl::io::ArrayDataset>(nl::io::DatasetKind::Array, "responses",
                                                std::vector<std::size_t>{4, 3}, values);
}

std::vector<double> columnOf(const RunResult& result, const std::string& column) {
  const auto* table = dynamic_cast<const nl::io::TableDataset*>(result.outputs.at(0).dataset.get());
  if (table == nullptr || table->column(column) == nullptr) return {};
  return table->column(column)->numbers();
}

}  // namespace

TEST(WorkerPolicy, ThirdPartyAndLongRunningPluginsGoToAWorkerByDefault) {
  const auto* thirdParty = sharedPlugins().find("test.run_failure");
  const auto* bundledQuick = sharedPlugins().find("stats.descriptive");
  ASSERT_NE(thirdParty, nullptr);
  ASSERT_NE(bundledQuick, nullptr);
  EXPECT_FALSE(thirdParty->bundled) << "found in the test plugin folder, not the app's";
  EXPECT_TRUE(bundledQuick->bundled) << bundledQuick->library;
  EXPECT_TRUE(runsInWorker(*thirdParty, IsolationMode::Automatic));
  EXPECT_FALSE(runsInWorker(*bundledQuick, IsolationMode::Automatic));
  EXPECT_TRUE(runsInWorker(*bundledQuick, IsolationMode::Always));
  EXPECT_FALSE(runsInWorker(*thirdParty, IsolationMode::Never));
  PluginDescriptor longRunning = *bundledQuick;
  longRunning.longRunning = true;
  EXPECT_TRUE(runsInWorker(longRunning, IsolationMode::Automatic));
  EXPECT_EQ(isolationModeFromName("always"), IsolationMode::Always);
  EXPECT_EQ(isolationModeFromName("nonsense"), IsolationMode::Automatic);
}

TEST(WorkerPolicy, ParameterNumbersPassAsExactText) {
  for (double value : {0.1, 1.0 / 3.0, 2.5e-308, 123456789.123456789, -0.0})
    EXPECT_EQ(std::stod(exactNumberText(value)), value) << exactNumberText(value);
}

TEST_F(WorkerFixture, ACrashInTheWorkerIsAFailedRunNamingTheSignal) {
  const auto segfault = failureOf(request("test.run_failure", {{"mode", "segfault"}}), options());
  EXPECT_NE(segfault.find("crashed in its worker process (SIGSEGV"), std::string::npos) << segfault;
  EXPECT_NE(segfault.find("session is unaffected"), std::string::npos) << segfault;
  const auto abort = failureOf(request("test.run_failure", {{"mode", "abort"}}), options());
  EXPECT_NE(abort.find("SIGABRT"), std::string::npos) << abort;
}

TEST_F(WorkerFixture, AnExceptionInTheWorkerIsItsMessage) {
  const auto thrown =
      failureOf(request("test.run_failure", {{"mode", "runtime_error"}}), options());
  EXPECT_NE(thrown.find("kaput in run"), std::string::npos) << thrown;
  const auto file = failureOf(request("test.run_failure", {{"mode", "file_error"}}), options());
  EXPECT_NE(file.find("/data/broken.h5"), std::string::npos) << file;
}

TEST_F(WorkerFixture, AnAllocationStormStopsAtTheMemoryCap) {
  auto o = options();
  o.memoryCapMegabytes = 400;
  const auto started = std::chrono::steady_clock::now();
  const auto message = failureOf(request("test.run_failure", {{"mode", "allocate"}}), o);
  EXPECT_NE(message.find("ran out of memory in its worker process (cap 400 MB)"), std::string::npos)
      << message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
}

TEST_F(WorkerFixture, AHangingWorkerIsStoppedAtItsTimeLimit) {
  auto o = options();
  o.timeoutSeconds = 1.0;
  const auto message = failureOf(request("test.run_failure", {{"mode", "hang"}}), o);
  EXPECT_NE(message.find("did not finish within 1 s"), std::string::npos) << message;
}

TEST_F(WorkerFixture, CancelEndsAWorkerThatIgnoresItWithinASecond) {
  Job job(sharedPlugins(), request("test.run_failure", {{"mode", "hang"}}));
  job.runInWorker(options());
  bool finished = false;
  Job::State state = Job::State::Pending;
  QObject::connect(&job, &Job::finished, [&](Job::State s) {
    finished = true;
    state = s;
  });
  bool started = false;
  QObject::connect(&job, &Job::progressChanged, [&](double, const QString& message) {
    if (message == "about to fail") started = true;  // the plugin itself is running
  });
  job.start();
  ASSERT_TRUE(pumpUntil([&] { return started; }, 20000)) << "the worker never started the plugin";
  const auto cancelled = std::chrono::steady_clock::now();
  job.cancel();
  ASSERT_TRUE(pumpUntil([&] { return finished; }, 5000));
  EXPECT_LT(std::chrono::steady_clock::now() - cancelled, std::chrono::milliseconds(1000));
  EXPECT_EQ(state, Job::State::Cancelled);
  EXPECT_TRUE(job.inProcessReason().isEmpty());
}

TEST_F(WorkerFixture, AnInMemoryInputGivesTheSameResultAndProvenanceAsAnInProcessRun) {
  auto r = request("stats.descriptive", {{"lower_quantile", "0.1"}});
  r.inputs["data"] = matrix();
  ProgressReporter here;
  const auto local = runPlugin(sharedPlugins(), r, here);
  std::vector<double> fractions;
  ProgressReporter there([&](double f, const std::string&) { fractions.push_back(f); });
  const auto worker = runPluginInWorker(sharedPlugins(), r, there, options());

  ASSERT_EQ(worker.outputs.size(), local.outputs.size());
  EXPECT_EQ(worker.outputs[0].name, local.outputs[0].name);
  for (const char* column : {"mean", "sd", "min", "max", "median"}) {
    ASSERT_FALSE(columnOf(local, column).empty()) << column;
    EXPECT_EQ(columnOf(worker, column), columnOf(local, column)) << column;
  }
  EXPECT_FALSE(fractions.empty()) << "the worker's progress reached the caller";
  // The run read the caller's dataset, not the scratch copy.
  ASSERT_EQ(worker.provenance.inputs.size(), 1u);
  EXPECT_EQ(worker.provenance.inputs[0].datasetId, r.inputs["data"]->datasetId());
  EXPECT_EQ(worker.outputs[0].dataset->provenance().inputs, worker.provenance.inputs);
  EXPECT_EQ(worker.provenance.parametersJson, local.provenance.parametersJson);
  EXPECT_EQ(worker.provenance.pluginId, "stats.descriptive");
  EXPECT_EQ(worker.outputs[0].dataset->provenance().appVersion, "test-version");
  // The result stays in its file (read lazily); the scratch inputs do not.
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(results.path())) {
    ++files;
    EXPECT_EQ(entry.path().string().find(".inputs."), std::string::npos) << entry.path();
  }
  EXPECT_EQ(files, 1u);
  EXPECT_EQ(worker.outputs[0].dataset->provenance().sourcePath.rfind(results.path().string(), 0),
            0u);
}

TEST_F(WorkerFixture, AFileInputGoesByReference) {
  TempDir data;
  const auto npy = npyFile(data, "values.npy", simpleDict("<f8", "(3, 2)"),
                           rawBytes(std::vector<double>{1, 2, 3, 5, 8, 13}));
  auto r = request("stats.descriptive");
  r.inputs["data"] = nl::io::ReaderRegistry::builtin().open(npy).datasets.at(0);
  ProgressReporter progress;
  const auto worker = runPluginInWorker(sharedPlugins(), r, progress, options());
  ASSERT_EQ(worker.provenance.inputs.size(), 1u);
  EXPECT_EQ(worker.provenance.inputs[0].sourcePath, nl::io::absoluteNormalPath(npy.string()));
  EXPECT_EQ(columnOf(worker, "max"), (std::vector<double>{8, 13}));
}

TEST_F(WorkerFixture, WithoutAWorkerProgramTheJobRunsHereAndSaysWhy) {
  auto o = options();
  o.executable = results / "no-such-cli";
  Job job(sharedPlugins(), request("test.run_failure", {{"mode", "none"}}));
  job.runInWorker(o);
  bool finished = false;
  QObject::connect(&job, &Job::finished, [&](Job::State) { finished = true; });
  job.start();
  ASSERT_TRUE(pumpUntil([&] { return finished; }, 10000));
  EXPECT_EQ(job.state(), Job::State::Succeeded);
  EXPECT_FALSE(job.ranInWorker());
  EXPECT_FALSE(job.inProcessReason().isEmpty());
}
