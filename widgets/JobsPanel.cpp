#include "widgets/JobsPanel.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>

namespace nl::widgets {

JobsPanel::JobsPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  auto* splitter = new QSplitter(Qt::Vertical);
  auto* scroll = new QScrollArea();
  scroll->setWidgetResizable(true);
  auto* container = new QWidget();
  rows_ = new QVBoxLayout(container);
  rows_->addStretch(1);
  scroll->setWidget(container);
  scroll->setMinimumHeight(0);
  splitter->addWidget(scroll);
  log_ = new QPlainTextEdit();
  log_->setReadOnly(true);
  log_->setMinimumHeight(0);
  log_->setMaximumBlockCount(5000);
  log_->setPlaceholderText(tr("Job and file messages appear here."));
  splitter->addWidget(log_);
  layout->addWidget(splitter);
  splitter->setSizes({40, 60});
}

QSize JobsPanel::minimumSizeHint() const {
  return {200, 40};
}

QSize JobsPanel::sizeHint() const {
  // Small while idle: a line of rows and a few lines of log.
  return {400, 96};
}

int JobsPanel::runningJobs() const {
  return running_;
}

void JobsPanel::log(const QString& message) {
  log_->appendPlainText(QDateTime::currentDateTime().toString("HH:mm:ss  ") + message);
}

void JobsPanel::addJob(plugins::Job* job, const QString& title) {
  auto* row = new QWidget();
  auto* h = new QHBoxLayout(row);
  h->setContentsMargins(0, 0, 0, 0);
  auto* label = new QLabel(title);
  label->setMinimumWidth(120);
  auto* bar = new QProgressBar();
  bar->setRange(0, 1000);
  bar->setTextVisible(true);
  auto* cancel = new QPushButton(tr("Cancel"));
  h->addWidget(label, 1);
  h->addWidget(bar, 2);
  h->addWidget(cancel);
  rows_->insertWidget(rows_->count() - 1, row);
  ++running_;
  // A job deleted before it finished (its page closed) takes its row along.
  auto finishedFlag = std::make_shared<bool>(false);
  connect(job, &QObject::destroyed, this, [this, row = QPointer<QWidget>(row), finishedFlag] {
    if (*finishedFlag) return;
    --running_;
    if (row) row->deleteLater();
  });
  log(tr("started %1").arg(title));
  connect(cancel, &QPushButton::clicked, job, [job, cancel] {
    job->cancel();
    cancel->setEnabled(false);
    cancel->setText(QObject::tr("Cancelling…"));
  });
  connect(job, &plugins::Job::progressChanged, bar, [bar](double fraction, const QString& message) {
    bar->setValue(static_cast<int>(fraction * 1000));
    bar->setFormat(QString("%p% ") + message);
  });
  connect(job, &plugins::Job::finished, this,
          [this, job, bar, cancel, title, row, finishedFlag](plugins::Job::State state) {
            *finishedFlag = true;
            --running_;
            cancel->setEnabled(false);
            switch (state) {
              case plugins::Job::State::Succeeded:
                bar->setValue(1000);
                bar->setFormat(tr("done"));
                cancel->setText(tr("Done"));
                log(tr("%1 finished").arg(title));
                // Done rows leave soon (the log keeps them); failures stay.
                QTimer::singleShot(3000, row, &QObject::deleteLater);
                break;
              case plugins::Job::State::Cancelled:
                bar->setFormat(tr("cancelled"));
                cancel->setText(tr("Cancelled"));
                log(tr("%1 cancelled").arg(title));
                QTimer::singleShot(3000, row, &QObject::deleteLater);
                break;
              default: {
                // The reason on the row itself (its first line; all of it in
                // the tooltip and the log), not only "failed".
                QString reason = job->errorMessage().section('\n', 0, 0).trimmed();
                if (reason.size() > 90) reason = reason.left(89) + QChar(0x2026);
                bar->setFormat(reason.isEmpty() ? tr("failed") : tr("failed: %1").arg(reason));
              }
                bar->setStyleSheet("QProgressBar::chunk { background: #c0392b; }");
                cancel->setText(tr("Failed"));
                bar->setToolTip(job->errorMessage());
                log(tr("%1 failed: %2").arg(title, job->errorMessage()));
                break;
            }
          });
}

}  // namespace nl::widgets
