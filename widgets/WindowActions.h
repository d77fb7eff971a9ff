#pragma once
// Menu pieces of the main window that are not wiring: the recent-files menu
// and the 3D camera actions that apply to every view of the current page.
#include <QObject>
#include <QString>
#include <QStringList>
#include <functional>

class QMenu;
class QTabWidget;
class QWidget;

namespace nl::widgets {

// "Open Recent": the last ten files and sessions (QSettings "recentFiles").
class RecentFiles : public QObject {
  Q_OBJECT
 public:
  RecentFiles(QMenu* menu, std::function<void(const QString& path)> open, QObject* parent);
  void add(const QString& path);

 private:
  void rebuild();
  QMenu* menu_;
  std::function<void(const QString&)> open_;
};

// File > Open… and Open Folder…: what the user chose (the folder is
// remembered for next time); empty when cancelled.
QStringList chooseDataFiles(QWidget* parent);
QString chooseDataFolder(QWidget* parent);

// Help > About: the version and the libraries it was built with.
void showAbout(QWidget* parent, const QString& version, const QString& libraries);

// Ctrl+1 … Ctrl+6 (lateral … posterior) and Ctrl+0 (reset) for every 3D
// view of the current tab.
void addCameraActions(QMenu* menu, QTabWidget* tabs);

}  // namespace nl::widgets
