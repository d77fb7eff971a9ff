// nl::plugins::Job: runs off the calling thread, reports progress through the
// event loop, cancels (a running job: PluginsTest.cpp), and turns failures
// into messages. Waits are generous bounds against hangs, not duration
// assertions (timings belong in bench/).
#include <gtest/gtest.h>

#include <QCoreApplication>
#include <QThread>
#include <atomic>

#include "plugins/Job.h"
#include "tests/support/TestSupport.h"

using namespace nl::plugins;
using namespace nl::test;

namespace {

RunRequest request(const std::string& id, const std::map<std::string, std::string>& params = {}) {
  RunRequest r;
  r.pluginId = id;
  r.parameters = sharedPlugins().find(id)->parameters.parse(params);
  return r;
}

struct Watch {
  bool finished = false;
  int finishedCount = 0;
  Job::State state = Job::State::Pending;
  std::vector<double> fractions;
  std::vector<QString> messages;
  std::vector<bool> onMainThread;
  explicit Watch(Job& job) {
    QObject::connect(&job, &Job::progressChanged, [this](double f, const QString& m) {
      fractions.push_back(f);
      messages.push_back(m);
      onMainThread.push_back(QThread::currentThread() == QCoreApplication::instance()->thread());
    });
    QObject::connect(&job, &Job::finished, [this](Job::State s) {
      finished = true;
      ++finishedCount;
      state = s;
      onMainThread.push_back(QThread::currentThread() == QCoreApplication::instance()->thread());
    });
  }
};

}  // namespace

TEST(JobRun, SucceedsWithResultsAndProgressDeliveredOnTheCallingThread) {
  Job job(sharedPlugins(), request("test.slow", {{"steps", "5"}}));
  Watch watch(job);
  EXPECT_EQ(job.state(), Job::State::Pending);
  EXPECT_EQ(job.pluginId(), "test.slow");
  job.start();
  EXPECT_EQ(job.state(), Job::State::Running);
  EXPECT_FALSE(watch.finished) << "start() returns at once; the work happens elsewhere";
  ASSERT_TRUE(pumpUntil([&] { return watch.finished; }, 5000));
  EXPECT_EQ(watch.state, Job::State::Succeeded);
  EXPECT_EQ(job.state(), Job::State::Succeeded);
  EXPECT_TRUE(job.errorMessage().isEmpty());
  ASSERT_EQ(job.result().outputs.size(), 1u);
  EXPECT_EQ(job.result().outputs[0].dataset->provenance().pluginId, "test.slow");
  // All progress (0 at start, five steps, 1 at the end) arrived before finished.
  pumpUntil([] { return false; }, 50);  // anything still queued would show up now
  ASSERT_GE(watch.fractions.size(), 6u);
  EXPECT_TRUE(std::is_sorted(watch.fractions.begin(), watch.fractions.end()));
  EXPECT_EQ(watch.fractions.back(), 1.0);
  EXPECT_EQ(watch.messages.back(), "done");
  for (bool main : watch.onMainThread)
    EXPECT_TRUE(main) << "signals must arrive on the job's own thread";
  EXPECT_EQ(watch.finishedCount, 1);
  job.start();  // a finished job does not run again
  pumpUntil([] { return false; }, 50);
  EXPECT_EQ(watch.finishedCount, 1);
}

TEST(JobCancel, AJobCancelledBeforeItStartsNeverRuns) {
  Job job(sharedPlugins(), request("test.slow", {{"steps", "5"}}));
  Watch watch(job);
  job.cancel();
  EXPECT_EQ(job.state(), Job::State::Cancelled);
  EXPECT_FALSE(watch.finished) << "finished comes from the event loop, as for a run";
  ASSERT_TRUE(pumpUntil([&] { return watch.finished; }, 2000));
  EXPECT_EQ(watch.state, Job::State::Cancelled);
  EXPECT_NE(job.errorMessage().indexOf("before it started"), -1)
      << job.errorMessage().toStdString();
  job.start();  // too late: nothing runs
  EXPECT_EQ(job.state(), Job::State::Cancelled);
  pumpUntil([] { return false; }, 200);
  EXPECT_EQ(watch.finishedCount, 1);
  EXPECT_TRUE(job.result().outputs.empty());
}

TEST(JobCancel, DestroyingARunningJobCancelsAndJoinsItsWorker) {
  bool progressed = false;
  {
    // 1000 s if left alone: a destructor that joined without cancelling would
    // hang here until ctest's timeout fails the test.
    auto job = std::make_unique<Job>(sharedPlugins(), request("test.slow", {{"steps", "100000"}}));
    QObject::connect(job.get(), &Job::progressChanged,
                     [&](double, const QString&) { progressed = true; });
    job->start();
    ASSERT_TRUE(pumpUntil([&] { return progressed; }, 30000)) << "the job never started";
  }                                     // the destructor cancels and joins
  pumpUntil([] { return false; }, 50);  // queued signals of the dead job are dropped, not delivered
}

TEST(JobFailure, FailuresInsideRunBecomeMessagesAndTheAppCarriesOn) {
  for (const auto& [mode, words] :
       std::vector<std::pair<std::string, std::string>>{{"runtime_error", "kaput in run"},
                                                        {"non_standard", "unknown error"},
                                                        {"file_error", "broken.h5"}}) {
    SCOPED_TRACE(mode);
    Job job(sharedPlugins(), request("test.run_failure", {{"mode", mode}}));
    Watch watch(job);
    job.start();
    ASSERT_TRUE(pumpUntil([&] { return watch.finished; }, 5000));
    EXPECT_EQ(job.state(), Job::State::Failed);
    EXPECT_NE(job.errorMessage().indexOf(QString::fromStdString(words)), -1)
        << job.errorMessage().toStdString();
  }
  // A plugin that could not even load: Job.FailureBecomesAMessageNotACrash (PluginsTest.cpp).
}

TEST(JobRun, SeveralJobsRunAtOnceIndependently) {
  Job slow(sharedPlugins(), request("test.slow"));
  Job quick(sharedPlugins(), request("test.slow", {{"steps", "2"}}));
  Watch slowWatch(slow), quickWatch(quick);
  slow.start();
  quick.start();
  ASSERT_TRUE(pumpUntil([&] { return quickWatch.finished; }, 5000));
  EXPECT_EQ(quickWatch.state, Job::State::Succeeded);
  EXPECT_FALSE(slowWatch.finished) << "the quick job does not wait for the slow one";
  slow.cancel();
  ASSERT_TRUE(pumpUntil([&] { return slowWatch.finished; }, 2000));
  EXPECT_EQ(slowWatch.state, Job::State::Cancelled);
}
