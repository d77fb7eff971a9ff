#pragma once
#include <atomic>
#include <map>
#include <memory>
#include <thread>
#include <vector>
// The main window: wiring of the session, the data browser, the views, the
// analysis panel and the jobs. No science and no file format lives here.
#include <QMainWindow>
#include <QStringList>
#include <functional>
#include <memory>

#include "io/Session.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"

class QTabWidget;
class QLabel;
class QMenu;
class QStackedWidget;

namespace nl::io {
class SpikeRecording;
class ArrayDataset;
}  // namespace nl::io
namespace nl::widgets {
class HeatMap;
class Scene;
class DataBrowser;
class AnalysisPanel;
class JobsPanel;
}  // namespace nl::widgets

namespace nl::io::microscopy {
class VolumeDataset;
}

namespace nl::app {

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  io::Session& session() { return session_; }
  plugins::PluginManager& plugins() { return plugins_; }
  QTabWidget* viewTabs() const { return tabs_; }
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
  void openView(io::DatasetId id);
  void runAnalysis(const plugins::RunRequest& request);

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void createActions();
  void report(const QString& title, const QString& message);
  void addRecent(const QString& path);
  void rebuildRecentMenu();
  void openRecordingView(io::DatasetId recording, io::DatasetId stimulus);
  void openSurfaceView(io::DatasetId mesh);
  void openMicroscopyView(std::shared_ptr<const io::microscopy::VolumeDataset> volume);
  // The page of a fisbe.evaluate run (its metrics output); the label volumes
  // it scored are previewed off the GUI thread when they are in the session.
  void openFisbePage(io::DatasetId metrics);
  // A label volume as preview label ids, off the GUI thread for chunked
  // volumes; `done` runs on the GUI thread (with null and a reason on failure).
  void readLabelPreview(
      std::shared_ptr<const io::Dataset> labels, std::size_t maxVoxels,
      std::function<void(std::shared_ptr<const io::ArrayDataset>, bool, QString)> done);
  void measureInstances(std::shared_ptr<const io::microscopy::VolumeDataset> volume,
                        io::DatasetId preview);

 public:
  // "instance 3: 47861 voxels, …" for a label of a measured preview (and its
  // instance-table row selected); empty when nothing is known about it.
  QString describeInstance(io::DatasetId preview, std::int64_t label);

 private:
  widgets::HeatMap* makeRateHeatMap(std::shared_ptr<const io::SpikeRecording> spikes,
                                    io::DatasetId recording);
  // `makeCurrent` false: added behind the tab the user is looking at.
  void openVolumeView(io::DatasetId id, const std::shared_ptr<const io::ArrayDataset>& volume,
                      bool makeCurrent = true);
  // Shows the scene's layer list in the Layers dock while its tab is current.
  void registerScene(QWidget* page, widgets::Scene* scene);
  void exportCurrentView();
  std::string layoutJson() const;
  void restoreLayout(const std::string& json);
  void updateTitle();

  io::Session session_;
  plugins::PluginManager plugins_;
  QTabWidget* tabs_ = nullptr;
  widgets::DataBrowser* browser_ = nullptr;
  widgets::AnalysisPanel* analysis_ = nullptr;
  widgets::JobsPanel* jobs_ = nullptr;
  QMenu* recentMenu_ = nullptr;
  QStackedWidget* layers_ = nullptr;
  QLabel* selectionLabel_ = nullptr;
  QString sessionPath_;
  bool interactive_ = true;
  io::Signal<const std::string&>::ConnectionId selectionConnection_ = 0;
  // Work started off the GUI thread (e.g. binning every unit of a large
  // recording); joined on destruction so no thread outlives the window.
  std::vector<std::thread> background_;
  std::map<io::DatasetId, io::DatasetId> instanceTables_;  // label preview → instance table
  std::shared_ptr<std::atomic<bool>> closing_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace nl::app
