#pragma once
// The jobs dock: one row per job with a progress bar and a cancel button,
// and a log of what happened.
#include <QWidget>

#include "plugins/Job.h"

class QPlainTextEdit;
class QVBoxLayout;

namespace nl::widgets {

class JobsPanel : public QWidget {
  Q_OBJECT
 public:
  explicit JobsPanel(QWidget* parent = nullptr);
  void addJob(plugins::Job* job, const QString& title);
  void log(const QString& message);
  int runningJobs() const;
  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;
  QPlainTextEdit* logView() const { return log_; }

 private:
  QVBoxLayout* rows_ = nullptr;
  QPlainTextEdit* log_ = nullptr;
  int running_ = 0;
};

}  // namespace nl::widgets
