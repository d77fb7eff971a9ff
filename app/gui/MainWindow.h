#pragma once
// The main window: docks, menus, files and sessions, and the host of the
// pages. Which page shows what is the view registry's business
// (widgets/pages/ViewRegistry.h); no page type and no science is named here.
#include <QMainWindow>
#include <QStringList>
#include <string>
#include <vector>

#include "io/Session.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"
#include "widgets/pages/Page.h"

class QTabWidget;
class QLabel;

namespace nl::widgets {
class DataBrowser;
class AnalysisPanel;
class JobsPanel;
class PageTabs;
class RecentFiles;
}  // namespace nl::widgets

namespace nl::app {

class MainWindow : public QMainWindow, public widgets::PageHost {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  io::Session& session() override { return session_; }
  const plugins::PluginManager& plugins() const override { return plugins_; }
  plugins::PluginManager& plugins() { return plugins_; }
  QTabWidget* viewTabs() const;
  widgets::JobsPanel* jobsPanel() const { return jobs_; }
  widgets::AnalysisPanel* analysisPanel() const { return analysis_; }
  // When false, errors go to the log and status bar instead of dialogs
  // (screenshots, tests).
  void setInteractive(bool interactive) { interactive_ = interactive; }

  // Returns the number of datasets opened; errors are reported, not thrown.
  int openFiles(const QStringList& paths);
  void openDemo();
  bool saveSession(const QString& path);
  bool loadSession(const QString& path);
  // Autosave (app/gui/Autosave.h): every `seconds` while anything is open; 0 off.
  void setAutosaveInterval(int seconds);
  int autosaveInterval() const;
  QString autosavePath() const;
  // A session autosaved by an app that did not close normally: asks whether
  // to recover the newest (or, with ask false, recovers it); true if one was
  // opened. It opens untitled: Save asks where, the recovery file is not reused.
  bool offerRecovery(bool ask);
  void openView(io::DatasetId id) override;
  void runAnalysis(const plugins::RunRequest& request);

  // PageHost
  void showMessage(const QString& text, int timeoutMs = 8000) override;
  void report(const QString& title, const QString& message) override;
  void log(const QString& line) override;
  void trackJob(plugins::Job* job, const QString& title) override;
  std::vector<widgets::Page*> pages() const override;
  widgets::Page* currentPage() const override;

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void createActions();
  // The best page for `offered` (see PageTabs::openBest).
  bool openBest(const std::vector<io::DatasetId>& offered, int minimumScore);
  void addRecent(const QString& path);
  // Sessions (.nlsession) and data files, as dropped or chosen from the recent list.
  void openPaths(const QStringList& paths);
  void exportCurrentView();
  void updateTitle();
  bool openSession(const QString& path, bool recovery);
  bool saveRecoveryFile(const QString& path);
  // The session with the current view layout to `path` (throws io::FileError).
  void writeSessionFile(const QString& path);
  QString sessionFingerprint() const;

  io::Session session_;
  plugins::PluginManager plugins_;
  widgets::PageTabs* tabs_ = nullptr;
  widgets::DataBrowser* browser_ = nullptr;
  widgets::AnalysisPanel* analysis_ = nullptr;
  widgets::JobsPanel* jobs_ = nullptr;
  widgets::RecentFiles* recent_ = nullptr;
  QWidget* selectionLabel_ = nullptr;  // listens to session_: deleted before it
  QString sessionPath_;
  QString savedContents_;  // sessionContents(session_) when last saved or opened
  bool interactive_ = true;
  class Autosave* autosave_ = nullptr;
};

}  // namespace nl::app
