#include "plugins/Job.h"

#include <QMetaObject>
#include <QPointer>

namespace nl::plugins {

Job::Job(const PluginManager& manager, RunRequest request, QObject* parent)
    : QObject(parent),
      manager_(&manager),
      request_(std::move(request)),
      pluginId_(QString::fromStdString(request_.pluginId)) {}

Job::Job(QString title, Work work, QObject* parent)
    : QObject(parent), work_(std::move(work)), pluginId_(std::move(title)) {}

Job::~Job() {
  if (reporter_) reporter_->cancel();
  if (worker_.joinable()) worker_.join();
}

void Job::start() {
  if (state_ != State::Pending) return;
  state_ = State::Running;
  QPointer<Job> self(this);
  reporter_ =
      std::make_unique<ProgressReporter>([self](double fraction, const std::string& message) {
        // Called on the worker: hop to the job's thread. `self` guards a job
        // destroyed meanwhile (its destructor joins the worker anyway).
        QMetaObject::invokeMethod(
            self,
            [self, fraction, text = QString::fromStdString(message)] {
              if (self) emit self->progressChanged(fraction, text);
            },
            Qt::QueuedConnection);
      });
  worker_ = std::thread([this] {
    State outcome = State::Succeeded;
    QString error;
    RunResult result;
    try {
      if (work_) {
        work_(*reporter_);
        if (reporter_->cancelled())
          throw RunError(pluginId_.toStdString() + " was cancelled", true);
      } else if (workerOptions_) {
        try {
          result = runPluginInWorker(*manager_, request_, *reporter_, *workerOptions_);
          ranInWorker_ = true;
        } catch (const WorkerUnavailable& why) {
          inProcessReason_ = QString::fromStdString(why.what());
          reporter_->report(0.0, std::string("in the app's process: ") + why.what());
          result = runPlugin(*manager_, request_, *reporter_);
        }
      } else {
        result = runPlugin(*manager_, request_, *reporter_);
      }
    } catch (const RunError& failure) {
      outcome = failure.cancelled() ? State::Cancelled : State::Failed;
      error = QString::fromStdString(failure.what());
    } catch (const analysis::Cancelled&) {
      outcome = State::Cancelled;
      error = tr("%1 was cancelled").arg(pluginId_);
    } catch (const std::exception& failure) {
      outcome = State::Failed;
      error = QString::fromStdString(failure.what());
    } catch (...) {
      outcome = State::Failed;
      error = "unknown error";
    }
    QMetaObject::invokeMethod(
        this,
        [this, outcome, error, result = std::move(result)]() mutable {
          result_ = std::move(result);
          error_ = error;
          state_ = outcome;
          emit finished(outcome);
        },
        Qt::QueuedConnection);
  });
}

void Job::cancel() {
  if (state_ == State::Pending) {
    // Never started: it will not start, and says so like a cancelled run
    // (finished arrives from the event loop, as it does for a run).
    state_ = State::Cancelled;
    error_ = tr("%1 was cancelled before it started").arg(pluginId_);
    QMetaObject::invokeMethod(
        this, [this] { emit finished(State::Cancelled); }, Qt::QueuedConnection);
    return;
  }
  if (reporter_) reporter_->cancel();
}

void Job::wait() {
  if (worker_.joinable()) worker_.join();
}

}  // namespace nl::plugins
