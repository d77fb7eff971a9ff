#include "app/gui/Autosave.h"

#include <signal.h>
#include <unistd.h>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QStandardPaths>
#include <QTimer>
#include <algorithm>
#include <cerrno>

namespace nl::app {

Autosave::Autosave(std::function<bool(const QString&)> save, std::function<QString()> fingerprint,
                   QObject* parent)
    : QObject(parent),
      save_(std::move(save)),
      fingerprint_(std::move(fingerprint)),
      timer_(new QTimer(this)) {
  connect(timer_, &QTimer::timeout, this, [this] { saveIfChanged(); });
}

Autosave::~Autosave() = default;

QString Autosave::folder() {
  return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/recovery";
}

QString Autosave::path() const {
  return folder() + "/" + QString::number(QCoreApplication::applicationPid()) + ".nlsession";
}

void Autosave::setIntervalSeconds(int seconds) {
  intervalSeconds_ = std::max(0, seconds);
  if (intervalSeconds_ == 0)
    timer_->stop();
  else
    timer_->start(intervalSeconds_ * 1000);
}

bool Autosave::saveIfChanged() {
  const QString now = fingerprint_();
  if (now == lastFingerprint_) return false;
  if (now.isEmpty()) {  // nothing open any more: nothing to recover
    discard();
    lastFingerprint_ = now;
    return false;
  }
  QDir().mkpath(folder());
  if (!save_(path())) return false;
  lastFingerprint_ = now;
  return true;
}

void Autosave::discard() {
  QFile::remove(path());
  lastFingerprint_.clear();
}

std::vector<Autosave::Orphan> Autosave::orphans() {
  std::vector<Orphan> found;
  const QDir dir(folder());
  for (const QFileInfo& file : dir.entryInfoList({"*.nlsession"}, QDir::Files)) {
    bool ok = false;
    const qint64 pid = file.completeBaseName().toLongLong(&ok);
    if (!ok || pid <= 0) continue;
    // Still running (another window of the app): its file is not an orphan.
    // (A reused pid keeps a file hidden until that process ends; rare, and
    // it loses nothing.)
    if (pid == QCoreApplication::applicationPid()) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM) continue;
    found.push_back({file.absoluteFilePath(), file.lastModified(), pid});
  }
  std::sort(found.begin(), found.end(),
            [](const Orphan& a, const Orphan& b) { return a.saved > b.saved; });
  return found;
}

bool Autosave::askToRecover(QWidget* parent, const Orphan& orphan) {
  const QString when = QLocale().toString(orphan.saved, QLocale::ShortFormat);
  QMessageBox box(
      QMessageBox::Question, tr("Recover session"),
      tr("NeuroLoupe did not close normally. Recover the session autosaved at %1?").arg(when),
      QMessageBox::NoButton, parent);
  auto* recover = box.addButton(tr("&Recover"), QMessageBox::AcceptRole);
  box.addButton(tr("&Discard"), QMessageBox::DestructiveRole);
  auto* later = box.addButton(tr("&Later"), QMessageBox::RejectRole);
  box.setDefaultButton(recover);
  box.exec();
  if (box.clickedButton() == static_cast<QAbstractButton*>(recover)) return true;
  if (box.clickedButton() != static_cast<QAbstractButton*>(later)) QFile::remove(orphan.path);
  return false;
}

}  // namespace nl::app
