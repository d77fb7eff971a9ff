#pragma once
// A plugin run, or any other background task (a preview, a measurement),
// off the GUI thread. Progress and completion arrive as queued Qt signals on
// the thread that made the job; cancel() returns at once and the worker
// stops at its next progress check.
#include <QObject>
#include <QString>
#include <functional>
#include <memory>
#include <thread>

#include <optional>

#include "plugins/Runner.h"
#include "plugins/WorkerRun.h"

namespace nl::plugins {

class Job : public QObject {
  Q_OBJECT
 public:
  enum class State { Pending, Running, Succeeded, Failed, Cancelled };

  Job(const PluginManager& manager, RunRequest request, QObject* parent = nullptr);
  // A task that is not a plugin: `work` runs on the worker, reports through
  // the reporter and should return soon after cancelled(); what it throws
  // becomes the error message.
  using Work = std::function<void(ProgressReporter&)>;
  Job(QString title, Work work, QObject* parent = nullptr);
  ~Job() override;  // requests cancel and joins the worker

  // Before start(): run the plugin in a worker process (runPluginInWorker).
  // When its inputs cannot go to one, it runs here and the log says why
  // (inProcessReason()).
  void runInWorker(WorkerOptions options) { workerOptions_ = std::move(options); }
  bool ranInWorker() const { return ranInWorker_; }
  const QString& inProcessReason() const { return inProcessReason_; }

  void start();
  void cancel();
  State state() const { return state_; }
  const QString& pluginId() const { return pluginId_; }
  const QString& errorMessage() const { return error_; }
  // Valid after finished(Succeeded).
  const RunResult& result() const { return result_; }
  // Blocks until the worker ends (tests, shutdown).
  void wait();

 signals:
  void progressChanged(double fraction, const QString& message);
  void finished(nl::plugins::Job::State state);

 private:
  const PluginManager* manager_ = nullptr;
  RunRequest request_;
  Work work_;
  QString pluginId_;
  std::unique_ptr<ProgressReporter> reporter_;
  std::thread worker_;
  State state_ = State::Pending;
  QString error_;
  RunResult result_;
  std::optional<WorkerOptions> workerOptions_;
  bool ranInWorker_ = false;
  QString inProcessReason_;
};

}  // namespace nl::plugins
