#include "app/gui/MainWindow.h"

#include <QCloseEvent>
#include <QCoreApplication>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QScrollArea>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QUrl>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "analysis/simulation/DemoRecording.h"
#include "app/common/BuildInfo.h"
#include "app/gui/Autosave.h"
#include "app/gui/UnsavedSession.h"
#include "app/gui/WorkerSettings.h"
#include "io/ReaderRegistry.h"
#include "io/SessionFile.h"
#include "plugins/Job.h"
#include "widgets/AnalysisPanel.h"
#include "widgets/DataBrowser.h"
#include "widgets/Export.h"
#include "widgets/JobsPanel.h"
#include "widgets/SelectionLabel.h"
#include "widgets/WindowActions.h"
#include "widgets/pages/PageTabs.h"

// The resources live in a static library; make sure the linker keeps them.
static void initNeuroLoupeResources() {
  Q_INIT_RESOURCE(resources);
}

namespace nl::app {

namespace {
// Files holding several datasets open a page only for something better than
// a generic view (a recording, a surface, a volume, a result).
constexpr int kFilePageScore = 30;
QDockWidget* addDock(QMainWindow* window, const QString& title, const char* name, QWidget* widget,
                     Qt::DockWidgetArea area) {
  auto* dock = new QDockWidget(title, window);
  dock->setObjectName(name);
  dock->setWidget(widget);
  window->addDockWidget(area, dock);
  return dock;
}
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  initNeuroLoupeResources();
  setWindowIcon(QIcon(":/neuroloupe/icons/neuroloupe.svg"));
  setAcceptDrops(true);
  setDockNestingEnabled(true);
  plugins_.discover(plugins::PluginManager::defaultSearchPaths());

  tabs_ = new widgets::PageTabs(*this);
  setCentralWidget(tabs_);

  browser_ = new widgets::DataBrowser(session_);
  auto* browserDock = addDock(this, tr("Data"), "DataDock", browser_, Qt::LeftDockWidgetArea);
  connect(browser_, &widgets::DataBrowser::openRequested, this, &MainWindow::openView);
  connect(browser_, &widgets::DataBrowser::removeRequested, this, [this](io::DatasetId id) {
    tabs_->closePagesShowing(id);  // views showing the dataset go with it
    session_.remove(id);
  });
  connect(browser_, &QTreeWidget::currentItemChanged, this,
          [this] { analysis_->offerInput(browser_->currentDataset()); });
  browser_->followCurrentPage(*tabs_);
  analysis_ = new widgets::AnalysisPanel(session_, plugins_);
  auto* analysisScroll = new QScrollArea();
  analysisScroll->setWidgetResizable(true);
  analysisScroll->setFrameShape(QFrame::NoFrame);
  analysisScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  analysisScroll->setWidget(analysis_);
  auto* analysisDock =
      addDock(this, tr("Analysis"), "AnalysisDock", analysisScroll, Qt::RightDockWidgetArea);
  connect(analysis_, &widgets::AnalysisPanel::runRequested, this, &MainWindow::runAnalysis);

  auto* layersDock =
      addDock(this, tr("Layers"), "LayersDock", tabs_->layerLists(), Qt::RightDockWidgetArea);
  tabifyDockWidget(analysisDock, layersDock);
  analysisDock->raise();
  jobs_ = new widgets::JobsPanel();
  auto* jobsDock = addDock(this, tr("Jobs"), "JobsDock", jobs_, Qt::BottomDockWidgetArea);
  for (const auto& p : plugins_.plugins())
    if (!p.loaded)
      log(tr("plugin %1 not loaded: %2")
              .arg(QString::fromStdString(p.id), QString::fromStdString(p.failure)));

  selectionLabel_ = new widgets::SelectionLabel(session_);
  statusBar()->addPermanentWidget(selectionLabel_);

  createActions();
  autosave_ = new Autosave([this](const QString& path) { return saveRecoveryFile(path); },
                           [this] { return sessionFingerprint(); }, this);
  QSettings settings;
  autosave_->setIntervalSeconds(settings.value("session/autosaveIntervalS", 120).toInt());
  restoreGeometry(settings.value("window/geometry").toByteArray());
  restoreState(settings.value("window/state").toByteArray());
  if (settings.value("window/geometry").isNull()) {
    resize(1400, 880);
    resizeDocks({browserDock, analysisDock}, {280, 330}, Qt::Horizontal);
  }
  resizeDocks({jobsDock}, {jobs_->sizeHint().height()}, Qt::Vertical);  // small while idle
  updateTitle();
  showMessage(tr("Ready — open a file (Ctrl+O), drop one here, or run with --demo"), 0);
}

MainWindow::~MainWindow() {
  // Pages (and the jobs they own) use session_ and plugins_: they go first.
  for (auto* job : findChildren<plugins::Job*>(Qt::FindDirectChildrenOnly)) delete job;
  tabs_->closeAll();
  autosave_->discard();  // destroyed, not killed: nothing to recover
  delete browser_;
  delete analysis_;
  delete selectionLabel_;
}

void MainWindow::createActions() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&Open…"), QKeySequence::Open, this,
                  [this] { openFiles(widgets::chooseDataFiles(this)); });
  file->addAction(tr("Open &Folder… (zarr, phy/Kilosort)"),
                  QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_O), this, [this] {
                    if (const QString folder = widgets::chooseDataFolder(this); !folder.isEmpty())
                      openFiles({folder});
                  });
  recent_ = new widgets::RecentFiles(
      file->addMenu(tr("Open &Recent")), [this](const QString& path) { openPaths({path}); }, this);
  file->addAction(tr("Open &Demo"), this, &MainWindow::openDemo);
  file->addSeparator();
  file->addAction(tr("Open &Session…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), this,
                  [this] {
                    const QString path = QFileDialog::getOpenFileName(
                        this, tr("Open session"), {}, tr("NeuroLoupe session (*.nlsession *.h5)"));
                    if (!path.isEmpty()) loadSession(path);
                  });
  auto saveAs = [this](QString path) {
    if (path.isEmpty()) path = chooseSessionFile(this);
    if (!path.isEmpty()) saveSession(path);
  };
  file->addAction(tr("&Save Session"), QKeySequence::Save, this,
                  [this, saveAs] { saveAs(sessionPath_); });
  file->addAction(tr("Save Session &As…"), QKeySequence::SaveAs, this,
                  [saveAs] { saveAs(QString()); });
  file->addSeparator();
  file->addAction(tr("&Export View…"), QKeySequence(Qt::CTRL | Qt::Key_E), this,
                  &MainWindow::exportCurrentView);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  widgets::addCameraActions(view, tabs_);
  view->addSeparator();
  for (auto* dock : findChildren<QDockWidget*>()) view->addAction(dock->toggleViewAction());

  QMenu* analysisMenu = menuBar()->addMenu(tr("&Analysis"));
  analysisMenu->addAction(tr("&Run"), QKeySequence(Qt::CTRL | Qt::Key_R), analysis_,
                          &widgets::AnalysisPanel::run);
  for (const auto& p : plugins_.plugins())
    if (p.loaded)
      analysisMenu->addAction(QString::fromStdString(p.name), this, [this, id = p.id] {
        analysis_->selectPlugin(QString::fromStdString(id));
        if (auto* dock = findChild<QDockWidget*>("AnalysisDock")) dock->show(), dock->raise();
      });

  menuBar()->addMenu(tr("&Help"))->addAction(tr("&About NeuroLoupe"), this, [this] {
    widgets::showAbout(this, QString::fromStdString(appVersion()),
                       QString::fromStdString(libraryVersions()));
  });
}

void MainWindow::showMessage(const QString& text, int timeoutMs) {
  statusBar()->showMessage(text, timeoutMs);
}

void MainWindow::report(const QString& title, const QString& message) {
  log(title + ": " + message);
  showMessage(title + ": " + message, 10000);
  if (!interactive_) return;
  auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->open();  // not exec(): never block the event loop
}

void MainWindow::log(const QString& line) {
  jobs_->log(line);
}

void MainWindow::trackJob(plugins::Job* job, const QString& title) {
  jobs_->addJob(job, title);
}

QTabWidget* MainWindow::viewTabs() const {
  return tabs_;
}

std::vector<widgets::Page*> MainWindow::pages() const {
  return tabs_->pages();
}

widgets::Page* MainWindow::currentPage() const {
  return tabs_->currentPage();
}

int MainWindow::openFiles(const QStringList& paths) {
  int opened = 0;
  for (const QString& path : paths) {
    const auto spec = io::parsePathSpec(path.toStdString());
    try {
      const auto contents = io::ReaderRegistry::builtin().open(spec);
      std::vector<io::DatasetId> ids;
      for (const auto& dataset : contents.datasets) ids.push_back(session_.add(dataset));
      opened += static_cast<int>(ids.size());
      log(tr("opened %1 (%2, %3 datasets)")
              .arg(path, QString::fromStdString(contents.readerName))
              .arg(ids.size()));
      addRecent(QFileInfo(QString::fromStdString(spec.path.string())).absoluteFilePath());
      // One dataset is what the user asked to see; of a container, what one opens
      // it for (a recording, a surface, a raw image with its labels, a result).
      if (!openBest(ids, ids.size() == 1 ? 1 : kFilePageScore) && ids.size() > 1)
        showMessage(tr("%1: %2 datasets in the Data panel; double-click one to view it")
                        .arg(QFileInfo(path).fileName())
                        .arg(ids.size()));
    } catch (const std::exception& error) {
      // A FileError names the file already.
      const QString what = QString::fromStdString(error.what());
      report(tr("Cannot open file"),
             dynamic_cast<const io::FileError*>(&error) ? what : path + ": " + what);
    }
  }
  return opened;
}

void MainWindow::openDemo() {
  // The demo into an empty session is a starting point, like an opened
  // session: quitting right after it does not ask to save.
  const bool startingPoint = session_.size() == 0;
  QFile specFile(":/neuroloupe/demo/demo_recording.json");
  if (!specFile.open(QIODevice::ReadOnly)) {
    report(tr("Demo"), tr("the embedded demo data are missing from this build"));
    return;
  }
  const auto spec =
      analysis::simulation::DemoRecordingSpec::fromJson(specFile.readAll().toStdString());
  const auto demo = analysis::simulation::simulateDemoRecording(spec);
  const auto recording = session_.add(demo.spikes);
  const auto stimulus = session_.add(demo.stimulus);
  session_.add(demo.electrodes);
  openBest({recording, stimulus}, 1);
  // Real data beside the simulation: the rsatoolbox animacy model for the
  // Allen natural scenes (MIT; see NOTICE), installed next to the app.
  const QString rdm =
      QCoreApplication::applicationDirPath() + "/../share/neuroloupe/demo/118_animate_RDM.npy";
  if (QFileInfo::exists(rdm)) {
    const int current = tabs_->currentIndex();
    openFiles({QFileInfo(rdm).canonicalFilePath()});
    tabs_->setCurrentIndex(current);
  }
  // The most strongly driven visual unit selected: the views show the links.
  if (const auto unit = analysis::simulation::featuredUnit(demo); unit >= 0)
    session_.selection().select(recording, {unit}, "demo");
  session_.selection().setTimeCursor(spec.spontaneousS + 1.0, "demo");
  log(tr("demo: %1 units, %2 spikes, %3 stimulus presentations (simulated, seed %4)")
          .arg(demo.spikes->unitCount())
          .arg(demo.spikes->spikeCount())
          .arg(demo.stimulus->rowCount())
          .arg(spec.seed));
  if (startingPoint) savedContents_ = sessionContents(session_);
}

void MainWindow::openView(io::DatasetId id) {
  openBest({id}, 1);
}

bool MainWindow::openBest(const std::vector<io::DatasetId>& offered, int minimumScore) {
  return tabs_->openBest(offered, minimumScore);
}

void MainWindow::runAnalysis(const plugins::RunRequest& original) {
  plugins::RunRequest request = original;
  request.appVersion = appVersion();
  auto* job = new plugins::Job(plugins_, request, this);
  const auto* descriptor = plugins_.find(request.pluginId);
  const QString title = QString::fromStdString(descriptor ? descriptor->name : request.pluginId);
  // Third-party and long-running plugins run in a worker process, so a crash
  // or a runaway allocation there cannot take the session.
  if (descriptor != nullptr)
    if (auto worker = workerFromSettings(*descriptor)) job->runInWorker(std::move(*worker));
  trackJob(job, title);
  connect(job, &plugins::Job::finished, this, [this, job, title](plugins::Job::State state) {
    if (!job->inProcessReason().isEmpty())
      log(tr("%1 ran in the app's process: %2").arg(title, job->inProcessReason()));
    if (state == plugins::Job::State::Succeeded) {
      if (job->ranInWorker() && !job->result().outputs.empty())
        log(tr("%1 ran in a worker process; its result file is %2")
                .arg(title, QString::fromStdString(
                                job->result().outputs.front().dataset->provenance().sourcePath)));
      std::vector<io::DatasetId> outputs;
      for (const auto& output : job->result().outputs)
        outputs.push_back(session_.add(output.dataset));
      // The best page for the run's outputs (a result page shows its siblings).
      openBest(outputs, 1);
      showMessage(tr("%1 finished").arg(title), 5000);
    } else if (state == plugins::Job::State::Failed) {
      report(tr("Analysis failed"), job->errorMessage());
    }
    job->deleteLater();
  });
  job->start();
}

void MainWindow::writeSessionFile(const QString& path) {
  session_.setViewLayoutJson(tabs_->layoutJson());
  io::SessionSaveOptions options;
  options.appVersion = appVersion();
  io::saveSession(session_, path.toStdString(), options);
}

bool MainWindow::saveSession(const QString& path) {
  try {
    writeSessionFile(path);
  } catch (const io::FileError& error) {
    report(tr("Cannot save session"), QString::fromStdString(error.what()));
    return false;
  }
  sessionPath_ = path;
  savedContents_ = sessionContents(session_);
  addRecent(QFileInfo(path).absoluteFilePath());
  updateTitle();
  showMessage(tr("session saved to %1").arg(path), 5000);
  log(tr("session saved to %1").arg(path));
  return true;
}

bool MainWindow::loadSession(const QString& path) {
  return openSession(path, false);
}

bool MainWindow::openSession(const QString& path, bool recovery) {
  // Close views before the datasets they show go away.
  tabs_->closeAll();
  io::SessionLoadReport loaded;
  try {
    loaded = io::loadSession(session_, path.toStdString());
  } catch (const io::FileError& error) {
    report(tr("Cannot open session"), QString::fromStdString(error.what()));
    return false;
  }
  // A recovered session is untitled: Save asks where, and the recovery file
  // (removed once this app autosaves) is neither remembered nor reused.
  sessionPath_ = recovery ? QString() : path;
  if (!recovery) addRecent(QFileInfo(path).absoluteFilePath());
  for (const auto& notice : loaded.notices)
    log(tr("session: %1").arg(QString::fromStdString(notice)));
  if (!loaded.notices.empty())
    report(tr("Session opened with problems"),
           QString::fromStdString(loaded.notices.front()) +
               (loaded.notices.size() > 1
                    ? tr(" (and %1 more, see the log)").arg(loaded.notices.size() - 1)
                    : QString()));
  tabs_->restoreLayout(session_.viewLayoutJson(), &loaded.idsBySavedPosition);
  // A recovered session is not saved anywhere yet: quitting asks.
  savedContents_ = recovery ? QString() : sessionContents(session_);
  updateTitle();
  return true;
}

void MainWindow::exportCurrentView() {
  if (!tabs_->currentWidget()) return report(tr("Export"), tr("there is no view to export"));
  try {
    const QString path =
        widgets::exportPageAs(this, tabs_->currentWidget(), tabs_->tabText(tabs_->currentIndex()));
    if (!path.isEmpty()) showMessage(tr("exported %1").arg(path), 5000);
  } catch (const std::exception& error) {
    report(tr("Export failed"), QString::fromStdString(error.what()));
  }
}

void MainWindow::addRecent(const QString& path) {
  recent_->add(path);
}

void MainWindow::updateTitle() {
  setWindowTitle(sessionPath_.isEmpty()
                     ? tr("NeuroLoupe")
                     : tr("%1 — NeuroLoupe").arg(QFileInfo(sessionPath_).fileName()));
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (interactive_ && sessionContents(session_) != savedContents_ &&
      !askToSaveBeforeQuitting(this, sessionPath_,
                               [this](const QString& path) { return saveSession(path); })) {
    event->ignore();
    return;
  }
  if (jobs_->runningJobs() > 0 && interactive_ &&
      QMessageBox::question(
          this, tr("Jobs are running"),
          tr("%1 job(s) are still running. Cancel them and quit?").arg(jobs_->runningJobs())) !=
          QMessageBox::Yes) {
    event->ignore();
    return;
  }
  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/state", saveState());
  autosave_->discard();  // a normal end: nothing to recover
  event->accept();
}

void MainWindow::setAutosaveInterval(int seconds) {
  autosave_->setIntervalSeconds(seconds);
}

int MainWindow::autosaveInterval() const {
  return autosave_->intervalSeconds();
}

QString MainWindow::autosavePath() const {
  return autosave_->path();
}

bool MainWindow::saveRecoveryFile(const QString& path) {
  try {
    writeSessionFile(path);
  } catch (const std::exception& error) {
    log(tr("autosave failed: %1").arg(QString::fromStdString(error.what())));
    return false;
  }
  return true;
}

QString MainWindow::sessionFingerprint() const {
  if (session_.size() == 0) return {};
  QString print = QString::fromStdString(tabs_->layoutJson());
  for (const auto& entry : session_.entries())
    print += '\n' + QString::fromStdString(entry.dataset->datasetId());
  const auto& selection = session_.selection();
  print += QString("\nselection %1 %2").arg(selection.dataset()).arg(selection.indices().size());
  return print;
}

bool MainWindow::offerRecovery(bool ask) {
  const auto orphans = Autosave::orphans();
  if (orphans.empty()) return false;
  const auto& newest = orphans.front();
  const QString when = QLocale().toString(newest.saved, QLocale::ShortFormat);
  if (ask && !Autosave::askToRecover(this, newest)) {
    if (!QFileInfo::exists(newest.path)) log(tr("discarded the session autosaved at %1").arg(when));
    return false;
  }
  if (!openSession(newest.path, true)) return false;
  // This app's own autosave holds it from now on; until that is written the
  // old file stays.
  if (autosave_->saveIfChanged()) QFile::remove(newest.path);
  log(tr("recovered the session autosaved at %1 (%2)").arg(when, newest.path));
  std::fprintf(stderr, "neuroloupe: recovered the session autosaved at %s\n", qPrintable(when));
  return true;
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::openPaths(const QStringList& paths) {
  for (const QString& path : paths)
    if (path.endsWith(".nlsession"))
      loadSession(path);
    else
      openFiles({path});
}

void MainWindow::dropEvent(QDropEvent* event) {
  QStringList paths;
  for (const QUrl& url : event->mimeData()->urls())
    if (url.isLocalFile()) paths << url.toLocalFile();
  openPaths(paths);
  event->acceptProposedAction();
}

}  // namespace nl::app
