#pragma once
// The session saved to a recovery file every few minutes while anything is
// open, so a crash or kill -9 loses at most one interval of work. Each
// running app writes its own file (recovery/<pid>.nlsession under the app's
// data folder) and removes it when it closes normally; a file whose process
// is gone is an orphan, offered for recovery on the next start.
#include <QDateTime>
#include <QObject>
#include <QString>
#include <functional>
#include <vector>

class QTimer;
class QWidget;

namespace nl::app {

class Autosave : public QObject {
  Q_OBJECT
 public:
  // `save` writes the session to the path it is given (false on failure;
  // it reports the failure itself). `fingerprint` changes whenever the
  // session does: an unchanged session is not written again.
  Autosave(std::function<bool(const QString& path)> save, std::function<QString()> fingerprint,
           QObject* parent = nullptr);
  ~Autosave() override;

  void setIntervalSeconds(int seconds);  // 0 turns it off
  int intervalSeconds() const { return intervalSeconds_; }
  // This process's recovery file.
  QString path() const;
  // Saves now if the session changed since the last save; true if it wrote.
  bool saveIfChanged();
  // The normal end of a session: its recovery file is no longer needed.
  void discard();

  struct Orphan {
    QString path;
    QDateTime saved;
    qint64 pid = 0;
  };
  // Recovery files whose process is no longer running, newest first.
  static std::vector<Orphan> orphans();
  static QString folder();
  // Recover / Discard (removes the file) / Later: true for Recover.
  static bool askToRecover(QWidget* parent, const Orphan& orphan);

 private:
  std::function<bool(const QString&)> save_;
  std::function<QString()> fingerprint_;
  QString lastFingerprint_;
  QTimer* timer_ = nullptr;
  int intervalSeconds_ = 0;
};

}  // namespace nl::app
