#include "app/gui/MainWindow.h"

#include <vtkVersion.h>

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPointer>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QTextStream>
#include <QUrl>
#include <QVBoxLayout>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "analysis/ephys/Tuning.h"
#include "analysis/simulation/DemoRecording.h"
#include "app/common/BuildInfo.h"
#include "io/ReaderRegistry.h"
#include "io/SessionFile.h"
#include "io/microscopy/VolumeDataset.h"
#include "plugins/Job.h"
#include "plugins/support/VolumeLabels.h"
#include "widgets/AnalysisPanel.h"
#include "widgets/AreaColors.h"
#include "widgets/DataBrowser.h"
#include "widgets/FisbePage.h"
#include "widgets/JobsPanel.h"
#include "widgets/RsaPage.h"
#include "widgets/Screenshot.h"
#include "widgets/SurfacePage.h"
#include "widgets/TableView.h"
#include "widgets/VolumeSeriesPage.h"
#include "widgets/VtkView.h"
#include "widgets/charts/Chart.h"
#include "widgets/charts/HeatMap.h"
#include "widgets/charts/PsthView.h"
#include "widgets/charts/RasterWidget.h"
#include "widgets/charts/TuningView.h"
#include "widgets/scene/LabelVolumeLayer.h"
#include "widgets/scene/LayerList.h"
#include "widgets/scene/PointsLayer.h"
#include "widgets/scene/ProbeScene.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/SurfaceLayer.h"
#include "widgets/scene/SwcLines.h"
#include "widgets/scene/VolumeLayers.h"

// The resources live in a static library; make sure the linker keeps them.
static void initNeuroLoupeResources() {
  Q_INIT_RESOURCE(resources);
}

namespace nl::app {

namespace {
constexpr int kMaxRecent = 10;
const char* kViewType = "nl_view_type";
const char* kViewDatasets = "nl_view_datasets";
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  initNeuroLoupeResources();
  setWindowIcon(QIcon(":/neuroloupe/icons/neuroloupe.svg"));
  setAcceptDrops(true);
  setDockNestingEnabled(true);
  plugins_.discover(plugins::PluginManager::defaultSearchPaths());

  tabs_ = new QTabWidget();
  tabs_->setDocumentMode(true);
  tabs_->setTabsClosable(true);
  tabs_->setMovable(true);
  connect(tabs_, &QTabWidget::tabCloseRequested, this, [this](int index) {
    QWidget* page = tabs_->widget(index);
    tabs_->removeTab(index);
    page->deleteLater();
  });
  setCentralWidget(tabs_);

  browser_ = new widgets::DataBrowser(session_);
  auto* browserDock = new QDockWidget(tr("Data"), this);
  browserDock->setObjectName("DataDock");
  browserDock->setWidget(browser_);
  addDockWidget(Qt::LeftDockWidgetArea, browserDock);
  connect(browser_, &widgets::DataBrowser::openRequested, this, &MainWindow::openView);
  connect(browser_, &widgets::DataBrowser::removeRequested, this, [this](io::DatasetId id) {
    // Views showing the dataset go with it.
    for (int i = tabs_->count() - 1; i >= 0; --i) {
      const auto ids = tabs_->widget(i)->property(kViewDatasets).toList();
      for (const auto& v : ids)
        if (v.toULongLong() == id) {
          QWidget* page = tabs_->widget(i);
          tabs_->removeTab(i);
          page->deleteLater();
          break;
        }
    }
    session_.remove(id);
  });
  connect(browser_, &QTreeWidget::currentItemChanged, this, [this] {
    if (analysis_) analysis_->offerInput(browser_->currentDataset());
  });

  analysis_ = new widgets::AnalysisPanel(session_, plugins_);
  auto* analysisDock = new QDockWidget(tr("Analysis"), this);
  analysisDock->setObjectName("AnalysisDock");
  auto* analysisScroll = new QScrollArea();
  analysisScroll->setWidgetResizable(true);
  analysisScroll->setFrameShape(QFrame::NoFrame);
  analysisScroll->setWidget(analysis_);
  analysisDock->setWidget(analysisScroll);
  addDockWidget(Qt::RightDockWidgetArea, analysisDock);
  connect(analysis_, &widgets::AnalysisPanel::runRequested, this, &MainWindow::runAnalysis);

  layers_ = new QStackedWidget();
  auto* noScene = new QLabel(tr("The current view has no 3D scene."));
  noScene->setAlignment(Qt::AlignCenter);
  noScene->setWordWrap(true);
  layers_->addWidget(noScene);
  auto* layersDock = new QDockWidget(tr("Layers"), this);
  layersDock->setObjectName("LayersDock");
  layersDock->setWidget(layers_);
  addDockWidget(Qt::RightDockWidgetArea, layersDock);
  tabifyDockWidget(analysisDock, layersDock);
  analysisDock->raise();
  connect(tabs_, &QTabWidget::currentChanged, this, [this](int index) {
    QWidget* page = tabs_->widget(index);
    auto* list = page ? page->property("nl_layer_list").value<QWidget*>() : nullptr;
    layers_->setCurrentWidget(list ? list : layers_->widget(0));
  });

  jobs_ = new widgets::JobsPanel();
  auto* jobsDock = new QDockWidget(tr("Jobs"), this);
  jobsDock->setObjectName("JobsDock");
  jobsDock->setWidget(jobs_);
  addDockWidget(Qt::BottomDockWidgetArea, jobsDock);
  for (const auto& p : plugins_.plugins())
    if (!p.loaded)
      jobs_->log(tr("plugin %1 not loaded: %2")
                     .arg(QString::fromStdString(p.id), QString::fromStdString(p.failure)));

  selectionLabel_ = new QLabel();
  statusBar()->addPermanentWidget(selectionLabel_);
  selectionConnection_ = session_.selection().changed.connect([this](const std::string&) {
    const auto& s = session_.selection();
    const auto dataset = session_.find(s.dataset());
    if (!dataset || s.indices().empty()) {
      selectionLabel_->setText(tr("nothing selected"));
      return;
    }
    QStringList items;
    for (std::size_t i = 0; i < s.indices().size() && i < 6; ++i)
      items << QString::number(s.indices()[i]);
    if (s.indices().size() > 6) items << QString::fromUtf8("…");
    selectionLabel_->setText(
        tr("%1: %2").arg(QString::fromStdString(dataset->name()), items.join(", ")));
  });

  createActions();
  QSettings settings;
  restoreGeometry(settings.value("window/geometry").toByteArray());
  restoreState(settings.value("window/state").toByteArray());
  if (settings.value("window/geometry").isNull()) {
    resize(1400, 880);
    resizeDocks({browserDock, analysisDock}, {300, 300}, Qt::Horizontal);
    resizeDocks({jobsDock}, {110}, Qt::Vertical);
  }
  updateTitle();
  statusBar()->showMessage(tr("Ready — open a file (Ctrl+O), drop one here, or run with --demo"));
}

MainWindow::~MainWindow() {
  *closing_ = true;
  for (auto& thread : background_) thread.join();
  // Children outlive our members unless removed first: jobs use plugins_,
  // views and panels listen to session_.
  for (auto* job : findChildren<plugins::Job*>()) delete job;
  while (tabs_->count() > 0) delete tabs_->widget(0);
  delete browser_;
  delete analysis_;
  session_.selection().changed.disconnect(selectionConnection_);
}

void MainWindow::createActions() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&Open…"), QKeySequence::Open, this, [this] {
    const QStringList paths = QFileDialog::getOpenFileNames(
        this, tr("Open data"), QSettings().value("paths/lastOpenDir").toString(),
        tr("Neuroscience data (*.nwb *.h5 *.hdf5 *.hdf *.npy *.npz *.csv *.tsv *.txt);;All files "
           "(*)"));
    if (!paths.isEmpty()) {
      QSettings().setValue("paths/lastOpenDir", QFileInfo(paths.front()).absolutePath());
      openFiles(paths);
    }
  });
  file->addAction(tr("Open &Folder… (phy/Kilosort)"), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_O),
                  this, [this] {
                    const QString folder = QFileDialog::getExistingDirectory(
                        this, tr("Open a phy/Kilosort output folder"),
                        QSettings().value("paths/lastOpenDir").toString());
                    if (!folder.isEmpty()) openFiles({folder});
                  });
  recentMenu_ = file->addMenu(tr("Open &Recent"));
  rebuildRecentMenu();
  file->addAction(tr("Open &Demo"), this, &MainWindow::openDemo);
  file->addSeparator();
  file->addAction(tr("Open &Session…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), this,
                  [this] {
                    const QString path = QFileDialog::getOpenFileName(
                        this, tr("Open session"), {}, tr("NeuroLoupe session (*.nlsession *.h5)"));
                    if (!path.isEmpty()) loadSession(path);
                  });
  file->addAction(tr("&Save Session"), QKeySequence::Save, this, [this] {
    QString path = sessionPath_;
    if (path.isEmpty())
      path = QFileDialog::getSaveFileName(this, tr("Save session"), "session.nlsession",
                                          tr("NeuroLoupe session (*.nlsession)"));
    if (!path.isEmpty()) saveSession(path);
  });
  file->addAction(tr("Save Session &As…"), QKeySequence::SaveAs, this, [this] {
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save session as"), "session.nlsession", tr("NeuroLoupe session (*.nlsession)"));
    if (!path.isEmpty()) saveSession(path);
  });
  file->addSeparator();
  file->addAction(tr("&Export View…"), QKeySequence(Qt::CTRL | Qt::Key_E), this,
                  &MainWindow::exportCurrentView);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  const std::pair<const char*, widgets::VtkView::StandardView> standard[] = {
      {"Lateral", widgets::VtkView::StandardView::Lateral},
      {"Medial", widgets::VtkView::StandardView::Medial},
      {"Dorsal", widgets::VtkView::StandardView::Dorsal},
      {"Ventral", widgets::VtkView::StandardView::Ventral},
      {"Anterior", widgets::VtkView::StandardView::Anterior},
      {"Posterior", widgets::VtkView::StandardView::Posterior}};
  int key = Qt::Key_1;
  for (const auto& [name, which] : standard) {
    view->addAction(tr("3D: %1").arg(tr(name)), QKeySequence(Qt::CTRL | key++), this,
                    [this, which = which] {
                      if (QWidget* page = tabs_->currentWidget())
                        for (auto* v : page->findChildren<widgets::VtkView*>())
                          v->setStandardView(which);
                    });
  }
  view->addAction(tr("3D: Reset Camera"), QKeySequence(Qt::CTRL | Qt::Key_0), this, [this] {
    if (QWidget* page = tabs_->currentWidget())
      for (auto* v : page->findChildren<widgets::VtkView*>()) v->resetCamera();
  });
  view->addSeparator();
  auto* order = view->addMenu(tr("Raster Order"));
  const std::pair<const char*, widgets::RasterWidget::Order> orders[] = {
      {"By Depth", widgets::RasterWidget::Order::Depth},
      {"By Area", widgets::RasterWidget::Order::Area},
      {"By Firing Rate", widgets::RasterWidget::Order::FiringRate},
      {"By Unit Id", widgets::RasterWidget::Order::Id}};
  for (const auto& [name, which] : orders)
    order->addAction(tr(name), this, [this, which = which] {
      if (QWidget* page = tabs_->currentWidget())
        for (auto* r : page->findChildren<widgets::RasterWidget*>()) r->setOrder(which);
    });
  view->addSeparator();
  for (auto* dock : findChildren<QDockWidget*>()) view->addAction(dock->toggleViewAction());

  QMenu* analysisMenu = menuBar()->addMenu(tr("&Analysis"));
  analysisMenu->addAction(tr("&Run"), QKeySequence(Qt::CTRL | Qt::Key_R), analysis_,
                          &widgets::AnalysisPanel::run);
  for (const auto& p : plugins_.plugins()) {
    if (!p.loaded) continue;
    analysisMenu->addAction(QString::fromStdString(p.name), this, [this, id = p.id] {
      analysis_->selectPlugin(QString::fromStdString(id));
      if (auto* dock = findChild<QDockWidget*>("AnalysisDock")) dock->raise(), dock->show();
    });
  }

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About NeuroLoupe"), this, [this] {
    QMessageBox::about(
        this, tr("About NeuroLoupe"),
        tr("<h3>NeuroLoupe %1</h3><p>A workbench for neuroscience data: recordings, volumes, "
           "surfaces and the analyses that connect them.</p><p>%2, VTK %3</p>")
            .arg(QString::fromStdString(appVersion()), QString::fromStdString(libraryVersions()),
                 vtkVersion::GetVTKVersion()));
  });
}

void MainWindow::report(const QString& title, const QString& message) {
  jobs_->log(title + ": " + message);
  statusBar()->showMessage(title + ": " + message, 10000);
  if (interactive_) {
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();  // not exec(): never block the event loop
  }
}

int MainWindow::openFiles(const QStringList& paths) {
  int opened = 0;
  for (const QString& path : paths) {
    const auto spec = io::parsePathSpec(path.toStdString());
    try {
      const auto contents = io::ReaderRegistry::builtin().open(spec);
      io::DatasetId first = io::kNoDataset, recording = io::kNoDataset, mesh = io::kNoDataset,
                    resultPage = io::kNoDataset;
      for (const auto& dataset : contents.datasets) {
        const auto id = session_.add(dataset);
        if (first == io::kNoDataset) first = id;
        if (resultPage == io::kNoDataset && (widgets::RsaPage::isLayerProfiles(*dataset) ||
                                             widgets::FisbePage::isFisbeMetrics(*dataset)))
          resultPage = id;
        if (recording == io::kNoDataset && dataset->kind() == io::DatasetKind::SpikeRecording)
          recording = id;
        if (mesh == io::kNoDataset && dataset->kind() == io::DatasetKind::SurfaceMesh) mesh = id;
        ++opened;
      }
      // A recording or a mesh is what one opens such a file for: show it at once.
      if (recording != io::kNoDataset && contents.datasets.size() > 1) openView(recording);
      if (mesh != io::kNoDataset && contents.datasets.size() > 1) openView(mesh);
      // A saved analysis result with a page of its own (all its outputs on it).
      if (resultPage != io::kNoDataset && contents.datasets.size() > 1) openView(resultPage);
      jobs_->log(tr("opened %1 (%2, %3 datasets)")
                     .arg(path, QString::fromStdString(contents.readerName))
                     .arg(contents.datasets.size()));
      addRecent(QFileInfo(QString::fromStdString(spec.path.string())).absoluteFilePath());
      if (contents.datasets.size() == 1) openView(first);
    } catch (const io::FileError& error) {
      report(tr("Cannot open file"), QString::fromStdString(error.what()));
    } catch (const std::exception& error) {
      report(tr("Cannot open file"), path + ": " + QString::fromStdString(error.what()));
    }
  }
  return opened;
}

void MainWindow::openDemo() {
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
  openRecordingView(recording, stimulus);
  // Start with the most strongly tuned visual unit selected: the views show
  // the links at once.
  const auto* location = demo.spikes->units()->column("location");
  const auto* rate = demo.spikes->units()->numericColumn("firing_rate");
  std::int64_t best = -1;
  for (std::size_t u = 0; u < demo.spikes->unitCount(); ++u)
    if (location->cellText(u) == "VISp" &&
        (best < 0 || (*rate)[u] > (*rate)[static_cast<std::size_t>(best)]))
      best = static_cast<std::int64_t>(u);
  if (best >= 0) session_.selection().select(recording, {best}, "demo");
  // Real data beside the simulation: the rsatoolbox animacy model for the
  // Allen natural scenes (MIT; see NOTICE), installed next to the app.
  const QString rdm =
      QCoreApplication::applicationDirPath() + "/../share/neuroloupe/demo/118_animate_RDM.npy";
  if (QFileInfo::exists(rdm)) {
    try {
      const auto contents =
          io::ReaderRegistry::builtin().open(QFileInfo(rdm).canonicalFilePath().toStdString());
      const int current = tabs_->currentIndex();
      for (const auto& dataset : contents.datasets) openView(session_.add(dataset));
      tabs_->setCurrentIndex(current);
    } catch (const io::FileError& error) {
      jobs_->log(tr("demo: %1").arg(QString::fromStdString(error.what())));
    }
  }
  session_.selection().setTimeCursor(spec.spontaneousS + 1.0, "demo");
  jobs_->log(tr("demo: %1 units, %2 spikes, %3 stimulus presentations (simulated, seed %4)")
                 .arg(demo.spikes->unitCount())
                 .arg(demo.spikes->spikeCount())
                 .arg(demo.stimulus->rowCount())
                 .arg(spec.seed));
}

void MainWindow::openRecordingView(io::DatasetId recording, io::DatasetId stimulus) {
  const auto spikes = std::dynamic_pointer_cast<const io::SpikeRecording>(session_.find(recording));
  if (!spikes) return;
  auto* page = new QSplitter(Qt::Horizontal);
  page->setProperty(kViewType, "recording");
  page->setProperty(kViewDatasets, QVariantList{QVariant::fromValue<qulonglong>(recording),
                                                QVariant::fromValue<qulonglong>(stimulus)});
  if (spikes->electrodes()) {
    auto* view3d = new widgets::VtkView();
    view3d->setObjectName("probe3d");
    // Scene objects are children of the page, not of the view: they hold the
    // view's props and must go after ~VtkView has run.
    auto* scene = new widgets::Scene(view3d, session_, page);
    new widgets::ProbeScene(scene, session_, recording, page);
    registerScene(page, scene);
    page->addWidget(view3d);
  }
  auto* right = new QSplitter(Qt::Vertical);
  auto* raster = new widgets::RasterWidget(session_, recording, stimulus);
  raster->setObjectName("raster");
  right->addWidget(raster);
  auto* lower = new QTabWidget();
  lower->setDocumentMode(true);
  const auto table = std::dynamic_pointer_cast<const io::TableDataset>(session_.find(stimulus));
  if (table) {
    // Tune against a stimulus parameter: a numeric column with a few distinct
    // values — the known stimulus parameters first (Allen's orientation,
    // temporal frequency, frame…), never times, ids, blocks or indices.
    QString parameter;
    auto fewValues = [](const io::Column& column) {
      std::set<double> distinct;
      for (double v : column.numbers())
        if (std::isfinite(v) && distinct.insert(v).second && distinct.size() > 64) break;
      return distinct.size() >= 2 && distinct.size() <= 64;
    };
    for (const char* preferred :
         {"orientation", "direction", "temporal_frequency", "spatial_frequency", "frame",
          "image_index", "contrast", "phase", "size", "stimulus_condition_id"})
      if (const auto* column = table->column(preferred);
          column && column->isNumeric() && fewValues(*column)) {
        parameter = QString::fromLatin1(preferred);
        break;
      }
    for (const auto& column : table->columns()) {
      if (!parameter.isEmpty()) break;
      const std::string& name = column.name;
      if (!column.isNumeric() || name == "id" || name.find("time") != std::string::npos ||
          name.find("block") != std::string::npos || name.ends_with("index") ||
          name.ends_with("_id"))
        continue;
      if (fewValues(column)) parameter = QString::fromStdString(name);
    }
    if (!parameter.isEmpty()) {
      auto* tuning = new widgets::TuningView(session_, recording, stimulus, parameter);
      tuning->setObjectName("tuning");
      lower->addTab(tuning, tr("Tuning"));
    }
    auto* psth = new widgets::PsthView(session_, recording, stimulus, parameter);
    psth->setObjectName("psth");
    lower->addTab(psth, tr("PSTH"));
  }
  lower->addTab(makeRateHeatMap(spikes, recording), tr("Rate heat map"));
  if (const auto* units = spikes->units().get()) {
    const auto* rate = units->numericColumn("firing_rate");
    const auto* depth = units->numericColumn("probe_vertical_position");
    if (rate && depth) {
      // Units by depth and rate, coloured by area: brush (Shift+drag) to select.
      auto* scatter = new widgets::Chart();
      scatter->setObjectName("unitsScatter");
      std::map<std::string, widgets::ChartSeries> byArea;
      const io::Column* area = units->column("location");
      for (std::size_t u = 0; u < units->rowCount(); ++u) {
        const std::string name = area ? area->cellText(u) : "units";
        auto& series = byArea[name];
        series.name = QString::fromStdString(name);
        series.style = widgets::ChartSeries::Style::Scatter;
        series.color = widgets::areaColor(series.name);
        series.x.push_back((*rate)[u]);
        series.y.push_back((*depth)[u]);
        series.items.push_back(static_cast<std::int64_t>(u));
      }
      std::vector<widgets::ChartSeries> all;
      for (auto& [name, series] : byArea) all.push_back(std::move(series));
      scatter->setSeries(all);
      scatter->setTitle(tr("Units (Shift+drag to select)"));
      scatter->setAxisTitles(tr("firing rate (spikes/s)"), tr("distance from tip (µm)"));
      scatter->linkItems(&session_, recording);
      lower->addTab(scatter, tr("Units"));
      auto* unitTable = new widgets::TableView(session_, recording);
      unitTable->setObjectName("unitTable");
      lower->addTab(unitTable, tr("Unit table"));
    }
  }
  right->addWidget(lower);
  right->setSizes({600, 400});
  page->addWidget(right);
  if (page->count() == 2) page->setSizes({380, 720});
  if (table) {
    // Open on the first stimuli rather than the whole session.
    const auto& starts = *table->numericColumn("start_time");
    if (!starts.empty()) {
      const double first = *std::min_element(starts.begin(), starts.end());
      raster->setTimeWindow(first - 5.0, first + 40.0);
    }
  }
  const int index = tabs_->addTab(page, QString::fromStdString(spikes->name()));
  tabs_->setCurrentIndex(index);
}

void MainWindow::registerScene(QWidget* page, widgets::Scene* scene) {
  auto* list = new widgets::LayerList(scene);
  layers_->addWidget(list);
  page->setProperty("nl_layer_list", QVariant::fromValue<QWidget*>(list));
  connect(page, &QObject::destroyed, list, &QObject::deleteLater);
  connect(scene, &widgets::Scene::picked, this, [this](const widgets::PickHit& hit) {
    const QString instance = describeInstance(hit.dataset, hit.index);
    statusBar()->showMessage(instance.isEmpty() ? hit.description : instance, 8000);
  });
  if (tabs_->currentWidget() == page) layers_->setCurrentWidget(list);
}

void MainWindow::openVolumeView(io::DatasetId id,
                                const std::shared_ptr<const io::ArrayDataset>& volume,
                                bool makeCurrent) {
  auto* view = new widgets::VtkView();
  view->setObjectName("volume3d");
  // The scene belongs to the page (here the view itself is the page, so
  // parent it to the tab widget's page holder below).
  auto* page = new QWidget();
  page->setProperty(kViewType, "volume");
  page->setProperty(kViewDatasets, QVariantList{QVariant::fromValue<qulonglong>(id)});
  auto* layout = new QVBoxLayout(page);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(view);
  auto* scene = new widgets::Scene(view, session_, page);
  try {
    if (volume->kind() == io::DatasetKind::LabelVolume) {
      scene->addLayer(
          new widgets::LabelVolumeLayer(QString::fromStdString(volume->name()), id, volume));
    } else {
      // Slices first (one channel through the colormap, up to four as a
      // colour composite); the volume rendering is one click away.
      auto* rendering = new widgets::VolumeLayer(
          tr("%1 (volume)").arg(QString::fromStdString(volume->name())), id, volume);
      scene->addLayer(new widgets::SliceLayer(
          tr("%1 (slices)").arg(QString::fromStdString(volume->name())), id, volume));
      rendering->setVisible(false);
      scene->addLayer(rendering);
    }
  } catch (const std::exception& error) {
    delete page;
    report(tr("Cannot show volume"), QString::fromStdString(error.what()));
    return;
  }
  view->setStandardView(widgets::VtkView::StandardView::Anterior);
  view->orbit(35, 25);  // oblique: all three slices visible
  const int tab = tabs_->addTab(page, QString::fromStdString(volume->name()));
  if (makeCurrent) tabs_->setCurrentIndex(tab);
  registerScene(page, scene);
}

widgets::HeatMap* MainWindow::makeRateHeatMap(std::shared_ptr<const io::SpikeRecording> spikes,
                                              io::DatasetId recording) {
  auto* heat = new widgets::HeatMap(&session_, recording);
  heat->setObjectName("rates");
  heat->setColormap("magma");
  heat->setTitle(tr("firing rate: reading %1 spikes…").arg(spikes->spikeCount()));
  // Binning every unit reads every spike of a lazily opened file: do it off
  // the GUI thread and hand the matrix back queued.
  // The worker never touches the widget: results go to the window (alive
  // until it joins the worker) and are applied only if the view still exists.
  background_.emplace_back([this, spikes, closing = closing_, target = QPointer(heat)]() mutable {
    try {
      const auto [t0, t1] = spikes->timeRange();
      // About 300 bins across the recording, at a round width.
      const double span = std::max(1e-3, t1 - t0);
      double width = std::pow(10.0, std::floor(std::log10(span / 300.0)));
      for (double m : {1.0, 2.0, 5.0, 10.0})
        if (span / (m * width) <= 300.0) {
          width *= m;
          break;
        }
      std::vector<io::SpikeTrain> trains;
      std::vector<std::span<const double>> units;
      for (std::size_t u = 0; u < spikes->unitCount() && !*closing; ++u) {
        trains.push_back(spikes->spikesOfUnit(u));
        units.push_back(trains.back().times());
      }
      if (*closing) return;
      std::vector<QString> groups;
      if (const auto* area = spikes->units() ? spikes->units()->column("location") : nullptr)
        for (std::size_t u = 0; u < spikes->unitCount(); ++u)
          groups.push_back(QString::fromStdString(area->cellText(u)));
      auto rates = analysis::ephys::binnedRates(
          units, std::floor(t0), std::floor(t0) + std::ceil(span / width) * width, width);
      QMetaObject::invokeMethod(
          this,
          [target = std::move(target), rates = std::move(rates), width,
           groups = std::move(groups)] {
            if (!target) return;
            target->setMatrix(rates.ratesHz, rates.units, rates.bins);
            std::vector<QString> columns;
            for (std::size_t b = 0; b < rates.bins; ++b)
              columns.push_back(QString::number(rates.start + b * rates.binWidth, 'g', 5));
            target->setColumnLabels(columns);
            target->setColumnTimes(rates.start, rates.binWidth);
            target->setTitle(tr("firing rate (spikes/s), %1 s bins").arg(width));
            std::vector<QString> rows;
            for (std::size_t u = 0; u < rates.units; ++u) rows.push_back(tr("unit %1").arg(u));
            target->setRowLabels(rows);
            if (!groups.empty()) target->groupRowsBy(groups);
          },
          Qt::QueuedConnection);
    } catch (const std::exception& error) {
      const QString message = QString::fromStdString(error.what());
      QMetaObject::invokeMethod(
          this,
          [target = std::move(target), message] {
            if (target) target->setTitle(tr("firing rates unavailable: %1").arg(message));
          },
          Qt::QueuedConnection);
    }
  });
  return heat;
}

void MainWindow::openMicroscopyView(std::shared_ptr<const io::microscopy::VolumeDataset> volume) {
  // A chunked volume of up to billions of voxels: the views get a preview of
  // at most 16 M voxels (pooled over step³ blocks), read and decompressed off the
  // GUI thread; instance channels become label ids for the label view.
  auto step = io::microscopy::previewStep(volume->volumeShape(), std::size_t{16} << 20);
  // A second label volume of the same size as the labels on the current page
  // (a prediction beside its ground truth) is overlaid there, at that step.
  QPointer<widgets::Scene> overlayScene;
  if (volume->labelEncoding() != io::microscopy::LabelEncoding::None && tabs_->currentWidget())
    if (auto* scene = tabs_->currentWidget()->findChild<widgets::Scene*>())
      for (auto* layer : scene->layers())
        if (auto* labels = qobject_cast<widgets::LabelVolumeLayer*>(layer)) {
          const auto shown =
              std::dynamic_pointer_cast<const io::ArrayDataset>(session_.find(labels->dataset()));
          const auto it =
              shown ? shown->attributes().find("step") : io::Attributes::const_iterator{};
          if (!shown || it == shown->attributes().end()) continue;
          const std::size_t shownStep = std::stoul(it->second);
          const auto out = io::microscopy::Box::whole(volume->volumeShape()).outputShape(shownStep);
          if (shown->shape() == std::vector<std::size_t>{out.z, out.y, out.x}) {
            step = shownStep;
            overlayScene = scene;
          }
        }
  statusBar()->showMessage(
      tr("Reading a 1:%1 preview of %2…").arg(step).arg(QString::fromStdString(volume->name())));
  // A preview arriving later must not pull the user away from another page.
  const QPointer<QWidget> currentAtStart = tabs_->currentWidget();
  background_.emplace_back([this, volume, step, overlayScene, currentAtStart, closing = closing_] {
    std::shared_ptr<io::ArrayDataset> preview;
    QString failure;
    try {
      // Block maxima (intensity) or any label per block: thin neurites stay
      // visible at 1:4, where every step-th voxel would mostly miss them.
      preview = volume->labelEncoding() == io::microscopy::LabelEncoding::None
                    ? (step == 1 ? io::microscopy::toArrayDataset(*volume, step)
                                 : io::microscopy::toArrayDatasetMaxPooled(*volume, step))
                    : io::microscopy::toLabelIdArrayPooled(*volume, step);
    } catch (const std::exception& error) {
      failure = QString::fromStdString(error.what());
    }
    if (*closing) return;
    QMetaObject::invokeMethod(
        this,
        [this, preview, failure, step, volume, overlayScene, currentAtStart] {
          if (!preview) {
            report(tr("Cannot show volume"), failure);
            return;
          }
          const auto id = session_.add(preview);
          if (overlayScene) {
            auto* layer = new widgets::LabelVolumeLayer(
                QString::fromStdString(preview->name()) + tr(" (overlaid)"), id, preview);
            layer->setOpacity(0.4);
            overlayScene->addLayer(layer);
          } else {
            openVolumeView(id, preview, tabs_->currentWidget() == currentAtStart.data());
          }
          if (volume->labelEncoding() != io::microscopy::LabelEncoding::None)
            measureInstances(volume, id);
          statusBar()->showMessage(tr("%1: preview at 1:%2, pooled over blocks of %2 × %2 × %2 voxels")
                                       .arg(QString::fromStdString(preview->name()))
                                       .arg(step),
                                   8000);
        },
        Qt::QueuedConnection);
  });
}

void MainWindow::measureInstances(std::shared_ptr<const io::microscopy::VolumeDataset> volume,
                                  io::DatasetId preview) {
  // Voxel counts, boxes and skeletons at full resolution (seconds for FISBe
  // volumes): off the GUI thread; then clicks on an instance report them and
  // select its row in the instance table.
  statusBar()->showMessage(
      tr("Measuring the instances of %1…").arg(QString::fromStdString(volume->name())));
  background_.emplace_back([this, volume, preview, closing = closing_] {
    std::shared_ptr<io::TableDataset> table;
    QString failure;
    try {
      table = plugins::microscopy::instanceTable(*volume);
    } catch (const std::exception& error) {
      failure = QString::fromStdString(error.what());
    }
    if (*closing) return;
    QMetaObject::invokeMethod(
        this,
        [this, table, failure, preview] {
          if (!table) {
            jobs_->log(tr("instances not measured: %1").arg(failure));
            return;
          }
          const auto tableId = instanceTables_[preview] = session_.add(table);
          // The instances in 3D and the table's rows select each other.
          std::vector<std::pair<std::int64_t, std::int64_t>> labelRows;
          const auto& labels = *table->numericColumn("label");
          for (std::size_t row = 0; row < table->rowCount(); ++row)
            labelRows.emplace_back(static_cast<std::int64_t>(labels[row]),
                                   static_cast<std::int64_t>(row));
          for (auto* scene : tabs_->findChildren<widgets::Scene*>())
            for (auto* layer : scene->layers())
              if (layer->dataset() == preview) {
                layer->linkItemsToRows(tableId, labelRows);
                // The table under the 3D view of the page showing the instances.
                auto* page = qobject_cast<QWidget*>(scene->parent());
                auto* layout = page ? qobject_cast<QVBoxLayout*>(page->layout()) : nullptr;
                if (layout == nullptr) continue;
                auto* tables = page->findChild<QTabWidget*>("instanceTables");
                if (tables == nullptr) {
                  tables = new QTabWidget(page);
                  tables->setObjectName("instanceTables");
                  tables->setMaximumHeight(230);
                  layout->addWidget(tables);
                }
                tables->addTab(new widgets::TableView(session_, tableId),
                               layer->name() + tr(" — instances"));
              }
          statusBar()->showMessage(tr("%1: %2 instances measured; click one for its numbers")
                                       .arg(QString::fromStdString(table->name()))
                                       .arg(table->rowCount()),
                                   8000);
        },
        Qt::QueuedConnection);
  });
}

void MainWindow::readLabelPreview(
    std::shared_ptr<const io::Dataset> labels, std::size_t maxVoxels,
    std::function<void(std::shared_ptr<const io::ArrayDataset>, bool, QString)> done) {
  if (const auto array = std::dynamic_pointer_cast<const io::ArrayDataset>(labels)) {
    // Already in memory: one channel of ids as the label views take them.
    if (array->shape().size() == 3 && array->elementCount() <= maxVoxels)
      done(array, false, {});
    else
      done(nullptr, false,
           tr("%1: only 3-D label arrays of up to %2 voxels are shown")
               .arg(QString::fromStdString(array->name()))
               .arg(maxVoxels));
    return;
  }
  const auto volume = std::dynamic_pointer_cast<const io::microscopy::VolumeDataset>(labels);
  if (!volume) {
    done(nullptr, false, tr("%1 is not a volume").arg(QString::fromStdString(labels->name())));
    return;
  }
  const auto step = io::microscopy::previewStep(volume->volumeShape(), maxVoxels);
  const bool instanceChannels =
      volume->labelEncoding() == io::microscopy::LabelEncoding::InstanceChannels;
  background_.emplace_back([this, volume, step, instanceChannels, done = std::move(done),
                            closing = closing_] {
    std::shared_ptr<const io::ArrayDataset> preview;
    QString failure;
    try {
      preview = io::microscopy::toLabelIdArrayPooled(*volume, step);
    } catch (const std::exception& error) {
      failure = QString::fromStdString(error.what());
    }
    if (*closing) return;
    QMetaObject::invokeMethod(
        this,
        [done, preview, instanceChannels, failure] { done(preview, instanceChannels, failure); },
        Qt::QueuedConnection);
  });
}

void MainWindow::openFisbePage(io::DatasetId metricsId) {
  const auto metrics = session_.find(metricsId);
  if (!metrics) return;
  // The run's other outputs, and the volumes it scored (named in its provenance).
  const auto& run = metrics->provenance();
  io::DatasetId gtTable = io::kNoDataset, predTable = io::kNoDataset;
  std::shared_ptr<const io::Dataset> gtInput, predInput;
  for (const auto& entry : session_.entries()) {
    const auto& p = entry.dataset->provenance();
    if (p.pluginId == run.pluginId && p.createdUtc == run.createdUtc &&
        p.parametersJson == run.parametersJson) {
      if (entry.dataset->name() == "FISBe ground-truth instances") gtTable = entry.id;
      if (entry.dataset->name() == "FISBe predicted instances") predTable = entry.id;
    }
    const std::string description = p.describe() + " [" + entry.dataset->name() + "]";
    for (const auto& input : run.inputs) {
      if (input.describe() == "ground_truth=" + description && !gtInput) gtInput = entry.dataset;
      if (input.describe() == "prediction=" + description && !predInput) predInput = entry.dataset;
    }
  }
  widgets::FisbePage* page = nullptr;
  try {
    page = new widgets::FisbePage(session_, metricsId, gtTable, predTable);
  } catch (const std::exception& error) {
    report(tr("Cannot show the FISBe evaluation"), QString::fromStdString(error.what()));
    return;
  }
  page->setProperty(kViewType, "fisbe");
  page->setProperty(kViewDatasets, QVariantList{QVariant::fromValue<qulonglong>(metricsId)});
  tabs_->setCurrentIndex(tabs_->addTab(page, tr("FISBe evaluation")));
  const QPointer<widgets::FisbePage> target(page);
  auto show = [this, target](bool groundTruth) {
    return [this, target, groundTruth](std::shared_ptr<const io::ArrayDataset> preview,
                                       bool instanceChannels, const QString& failure) {
      if (!target) return;
      if (!preview) {
        jobs_->log(tr("FISBe page: %1 not shown in 3D: %2")
                       .arg(groundTruth ? tr("ground truth") : tr("prediction"), failure));
        return;
      }
      widgets::FisbePage::LabelPreview shown{session_.add(preview), preview, instanceChannels};
      try {
        if (groundTruth)
          target->setGroundTruth(shown);
        else
          target->setPrediction(shown);
      } catch (const std::exception& error) {
        jobs_->log(tr("FISBe page: %1").arg(QString::fromStdString(error.what())));
      }
    };
  };
  // Two label views on one page: 8 M voxels each.
  constexpr std::size_t kPreviewVoxels = std::size_t{8} << 20;
  if (gtInput) readLabelPreview(gtInput, kPreviewVoxels, show(true));
  if (predInput) readLabelPreview(predInput, kPreviewVoxels, show(false));
  if (!gtInput || !predInput)
    jobs_->log(tr("FISBe page: the scored volumes are not in the session; 3D views stay empty"));
}

QString MainWindow::describeInstance(io::DatasetId preview, std::int64_t label) {
  const auto it = instanceTables_.find(preview);
  if (it == instanceTables_.end()) return {};
  const auto table = std::dynamic_pointer_cast<const io::TableDataset>(session_.find(it->second));
  if (!table) return {};
  const auto& labels = *table->numericColumn("label");
  for (std::size_t row = 0; row < table->rowCount(); ++row) {
    if (static_cast<std::int64_t>(labels[row]) != label) continue;
    auto at = [&](const char* column) { return (*table->numericColumn(column))[row]; };
    const auto unit = table->attributes().count("length_unit")
                          ? table->attributes().at("length_unit")
                          : std::string("voxel");
    return tr("instance %1: %2 voxels, skeleton %3 voxels (≈ %4 %5), box z %6–%7, y %8–%9, x "
              "%10–%11")
        .arg(label)
        .arg(at("voxels"), 0, 'f', 0)
        .arg(at("skeleton_voxels"), 0, 'f', 0)
        .arg(at("skeleton_length"), 0, 'f', 0)
        .arg(QString::fromStdString(unit))
        .arg(at("z0"), 0, 'f', 0)
        .arg(at("z1"), 0, 'f', 0)
        .arg(at("y0"), 0, 'f', 0)
        .arg(at("y1"), 0, 'f', 0)
        .arg(at("x0"), 0, 'f', 0)
        .arg(at("x1"), 0, 'f', 0);
  }
  return {};
}

void MainWindow::openSurfaceView(io::DatasetId id) {
  const auto mesh = std::dynamic_pointer_cast<const io::SurfaceMeshDataset>(session_.find(id));
  if (!mesh) return;
  // The other hemisphere of an open page joins it (lh.* beside rh.*).
  const std::string name = mesh->name();
  for (int i = 0; i < tabs_->count(); ++i)
    if (auto* page = qobject_cast<widgets::SurfacePage*>(tabs_->widget(i))) {
      const auto other = page->layer(0) ? session_.find(page->layer(0)->dataset()) : nullptr;
      if (!other || page->layer(1) != nullptr) continue;
      const std::string otherName = other->name();
      const std::string swapped = widgets::SurfacePage::otherHemisphereName(otherName);
      if (swapped != otherName && swapped == name) {
        page->addHemisphere(id);
        tabs_->setCurrentWidget(page);
        return;
      }
    }
  try {
    auto* page = new widgets::SurfacePage(session_, id);
    page->setProperty(kViewType, "surface");
    page->setProperty(kViewDatasets, QVariantList{QVariant::fromValue<qulonglong>(id)});
    connect(page, &widgets::SurfacePage::message, this,
            [this](const QString& text) { statusBar()->showMessage(text, 8000); });
    tabs_->setCurrentIndex(tabs_->addTab(page, QString::fromStdString(name)));
    registerScene(page, page->scene());
  } catch (const std::exception& error) {
    report(tr("Cannot show surface"), QString::fromStdString(error.what()));
  }
}

void MainWindow::openView(io::DatasetId id) {
  const auto dataset = session_.find(id);
  if (!dataset) return;
  if (dataset->kind() == io::DatasetKind::SpikeRecording) {
    // Pair it with an intervals table of the session, if any.
    io::DatasetId stimulus = io::kNoDataset;
    for (const auto& entry : session_.entries())
      if (const auto t = std::dynamic_pointer_cast<const io::TableDataset>(entry.dataset);
          t && t->numericColumn("start_time") && t->numericColumn("stop_time"))
        stimulus = entry.id;
    openRecordingView(id, stimulus);
    return;
  }
  if (dataset->kind() == io::DatasetKind::SurfaceMesh) {
    openSurfaceView(id);
    return;
  }
  if (widgets::RsaPage::isLayerProfiles(*dataset)) {
    try {
      auto* page = new widgets::RsaPage(session_, id);
      page->setProperty(kViewType, "rsa_layers");
      page->setProperty(kViewDatasets, QVariantList{QVariant::fromValue<qulonglong>(id)});
      tabs_->setCurrentIndex(tabs_->addTab(page, tr("Layer mapping")));
    } catch (const std::exception& error) {
      report(tr("Cannot show layer mapping"), QString::fromStdString(error.what()));
    }
    return;
  }
  if (const auto array = std::dynamic_pointer_cast<const io::ArrayDataset>(dataset);
      array && array->attributes().contains("rdm_stack")) {
    // An RDM stack alone: the layer-mapping page of its run, if that is open.
    for (const auto& entry : session_.entries())
      if (widgets::RsaPage::isLayerProfiles(*entry.dataset) &&
          entry.dataset->provenance().createdUtc == dataset->provenance().createdUtc) {
        openView(entry.id);
        return;
      }
  }
  if (widgets::FisbePage::isFisbeMetrics(*dataset)) {
    openFisbePage(id);
    return;
  }
  if (const auto volume = std::dynamic_pointer_cast<const io::microscopy::VolumeDataset>(dataset)) {
    openMicroscopyView(volume);
    return;
  }
  if (const auto array = std::dynamic_pointer_cast<const io::ArrayDataset>(dataset);
      array && array->shape().size() == 4 &&
      (array->kind() == io::DatasetKind::VoxelSeries ||
       (array->kind() == io::DatasetKind::Volume && array->shape()[3] > 4))) {
    // A run (or a stack of statistic volumes): slices of one volume at a time.
    try {
      auto* page = new widgets::VolumeSeriesPage(session_, id);
      page->setProperty(kViewType, "volume_series");
      page->setProperty(kViewDatasets, QVariantList{QVariant::fromValue<qulonglong>(id)});
      tabs_->setCurrentIndex(tabs_->addTab(page, QString::fromStdString(dataset->name())));
      registerScene(page, page->scene());
    } catch (const std::exception& error) {
      report(tr("Cannot show run"), QString::fromStdString(error.what()));
    }
    return;
  }
  if (dataset->kind() == io::DatasetKind::SurfaceOverlay) {
    // On the surface it belongs to: the current page if it fits, else any.
    std::vector<widgets::SurfacePage*> pages;
    if (auto* current = qobject_cast<widgets::SurfacePage*>(tabs_->currentWidget()))
      pages.push_back(current);
    for (int i = 0; i < tabs_->count(); ++i)
      if (auto* page = qobject_cast<widgets::SurfacePage*>(tabs_->widget(i))) pages.push_back(page);
    for (auto* page : pages)
      if (page->accepts(id)) {
        try {
          page->showOverlay(id);
          tabs_->setCurrentWidget(page);
        } catch (const std::exception& error) {
          report(tr("Cannot show overlay"), QString::fromStdString(error.what()));
        }
        return;
      }
    if (!pages.empty())
      statusBar()->showMessage(tr("%1 fits none of the open surfaces; shown as a table")
                                   .arg(QString::fromStdString(dataset->name())),
                               8000);
  }
  if (const auto array = std::dynamic_pointer_cast<const io::ArrayDataset>(dataset);
      array && array->shape().size() == 3 && tabs_->currentWidget() != nullptr) {
    // A volume on the grid of the current page's slices (a statistic map on
    // its anatomical, a mask): overlaid there, thresholded, not a new tab.
    if (auto* scene = tabs_->currentWidget()->findChild<widgets::Scene*>())
      for (auto* layer : scene->layers())
        if (auto* slices = qobject_cast<widgets::SliceLayer*>(layer);
            slices && slices->dataset() != id && slices->fitsGrid(*array)) {
          const auto statistic = array->attributes().find("statistic");
          // z 2.3 (p < 0.01 one-sided, FSL's default); otherwise every non-zero voxel.
          const double threshold = statistic != array->attributes().end() &&
                                           (statistic->second == "z" || statistic->second == "t")
                                       ? 2.3
                                       : 0.0;
          slices->setOverlay(array, threshold);
          statusBar()->showMessage(
              tr("%1 overlaid on %2 (|value| ≥ %3; change it in the layer list)")
                  .arg(QString::fromStdString(dataset->name()), slices->name())
                  .arg(threshold),
              8000);
          return;
        }
  }
  if (const auto array = std::dynamic_pointer_cast<const io::ArrayDataset>(dataset);
      array && dataset->kind() != io::DatasetKind::SurfaceOverlay &&
      (array->shape().size() == 3 || (array->shape().size() == 4 && array->shape()[3] <= 4)) &&
      array->shape()[0] > 1 && array->shape()[1] > 1 && array->shape()[2] > 1) {
    openVolumeView(id, array);
    return;
  }
  if (const auto array = std::dynamic_pointer_cast<const io::ArrayDataset>(dataset);
      array && array->shape().size() == 2 && array->shape()[1] >= 2 &&
      array->attributes().contains("axes") &&
      array->attributes().at("axes") == "stimulus, dimension") {
    // MDS of an RDM: stimuli as points, one colour per stimulus label.
    std::vector<std::string> labels;
    if (const auto it = array->attributes().find("stimulus_labels");
        it != array->attributes().end()) {
      const auto json = nlohmann::json::parse(it->second, nullptr, false);
      if (json.is_array())
        for (const auto& label : json)
          labels.push_back(label.is_string() ? label.get<std::string>() : label.dump());
    }
    std::map<std::string, widgets::ChartSeries> byLabel;
    const std::size_t n = array->shape()[0], dims = array->shape()[1];
    for (std::size_t i = 0; i < n; ++i) {
      const std::string label = i < labels.size() ? labels[i] : "stimuli";
      auto& series = byLabel[label];
      series.name = QString::fromStdString(label);
      series.style = widgets::ChartSeries::Style::Scatter;
      series.x.push_back(array->values()[i * dims]);
      series.y.push_back(array->values()[i * dims + 1]);
      series.items.push_back(static_cast<std::int64_t>(i));
    }
    std::vector<widgets::ChartSeries> all;
    const QColor palette[] = {QColor(31, 119, 180), QColor(255, 127, 14),  QColor(44, 160, 44),
                              QColor(214, 39, 40),  QColor(148, 103, 189), QColor(140, 86, 75)};
    for (auto& [label, series] : byLabel) {
      series.color = palette[all.size() % std::size(palette)];
      all.push_back(std::move(series));
    }
    auto* chart = new widgets::Chart();
    chart->setObjectName("mds");
    chart->setSeries(all);
    chart->setTitle(tr("%1 (share of variance in these dimensions: %2)")
                        .arg(QString::fromStdString(dataset->name()))
                        .arg(QString::fromStdString(array->attributes().contains("explained")
                                                        ? array->attributes().at("explained")
                                                        : std::string("?"))));
    chart->setAxisTitles(tr("dimension 1"), tr("dimension 2"));
    chart->linkItems(&session_, id);
    chart->setProperty(kViewType, "mds");
    chart->setProperty(kViewDatasets, QVariantList{QVariant::fromValue<qulonglong>(id)});
    tabs_->setCurrentIndex(tabs_->addTab(chart, QString::fromStdString(dataset->name())));
    return;
  }
  if (const auto array = std::dynamic_pointer_cast<const io::ArrayDataset>(dataset);
      array && array->shape().size() == 2 && array->shape()[0] > 1 && array->shape()[1] > 1) {
    auto* heat = new widgets::HeatMap(&session_, id);
    heat->setMatrix(array->values(), array->shape()[0], array->shape()[1]);
    heat->setTitle(QString::fromStdString(dataset->name()));
    heat->setProperty(kViewType, "heatmap");
    heat->setProperty(kViewDatasets, QVariantList{QVariant::fromValue<qulonglong>(id)});
    tabs_->setCurrentIndex(tabs_->addTab(heat, QString::fromStdString(dataset->name())));
    return;
  }
  if (const auto table = std::dynamic_pointer_cast<const io::TableDataset>(dataset);
      table && widgets::isSwcTable(*table)) {
    // A neuron reconstruction as tubes, in the current 3D page when there is
    // one (same space as a microscopy volume), else on its own page.
    try {
      auto branches = widgets::swcBranches(*table);
      auto* layer = new widgets::LinesLayer(
          QString::fromStdString(dataset->name()), id, std::move(branches.polylines),
          // Real radii are often below a pixel at whole-cell zoom.
          std::max(branches.medianRadius, 0.0015 * branches.diagonal), QColor(200, 200, 200));
      layer->setColours(branches.colours);
      widgets::Scene* scene =
          tabs_->currentWidget() ? tabs_->currentWidget()->findChild<widgets::Scene*>() : nullptr;
      if (scene == nullptr) {
        auto* view = new widgets::VtkView();
        view->setObjectName("swc3d");
        auto* page = new QWidget();
        page->setProperty(kViewType, "swc");
        page->setProperty(kViewDatasets, QVariantList{QVariant::fromValue<qulonglong>(id)});
        auto* layout = new QVBoxLayout(page);
        layout->setContentsMargins(0, 0, 0, 0);
        layout->addWidget(view);
        scene = new widgets::Scene(view, session_, page);
        tabs_->setCurrentIndex(tabs_->addTab(page, QString::fromStdString(dataset->name())));
        registerScene(page, scene);
      }
      scene->addLayer(layer);
    } catch (const std::exception& error) {
      report(tr("Cannot show reconstruction"), QString::fromStdString(error.what()));
    }
    return;
  }
  auto* view = new widgets::TableView(session_, id);
  view->setProperty(kViewType, "table");
  tabs_->setCurrentIndex(tabs_->addTab(view, QString::fromStdString(dataset->name())));
}

void MainWindow::runAnalysis(const plugins::RunRequest& original) {
  plugins::RunRequest request = original;
  request.appVersion = appVersion();
  auto* job = new plugins::Job(plugins_, request, this);
  const auto* descriptor = plugins_.find(request.pluginId);
  const QString title = QString::fromStdString(descriptor ? descriptor->name : request.pluginId);
  jobs_->addJob(job, title);
  if (auto* dock = findChild<QDockWidget*>("JobsDock")) dock->show();
  connect(job, &plugins::Job::finished, this, [this, job, title](plugins::Job::State state) {
    if (state == plugins::Job::State::Succeeded) {
      io::DatasetId last = io::kNoDataset, page = io::kNoDataset;
      for (const auto& output : job->result().outputs) {
        last = session_.add(output.dataset);
        // A result with a page of its own is shown there, its siblings with it.
        if (page == io::kNoDataset && (widgets::RsaPage::isLayerProfiles(*output.dataset) ||
                                       widgets::FisbePage::isFisbeMetrics(*output.dataset)))
          page = last;
      }
      if (page != io::kNoDataset)
        openView(page);
      else if (last != io::kNoDataset)
        openView(last);
      statusBar()->showMessage(tr("%1 finished").arg(title), 5000);
    } else if (state == plugins::Job::State::Failed) {
      report(tr("Analysis failed"), job->errorMessage());
    }
    job->deleteLater();
  });
  job->start();
}

bool MainWindow::saveSession(const QString& path) {
  session_.setViewLayoutJson(layoutJson());
  try {
    io::SessionSaveOptions options;
    options.appVersion = appVersion();
    io::saveSession(session_, path.toStdString(), options);
  } catch (const io::FileError& error) {
    report(tr("Cannot save session"), QString::fromStdString(error.what()));
    return false;
  }
  sessionPath_ = path;
  addRecent(QFileInfo(path).absoluteFilePath());
  updateTitle();
  statusBar()->showMessage(tr("session saved to %1").arg(path), 5000);
  jobs_->log(tr("session saved to %1").arg(path));
  return true;
}

bool MainWindow::loadSession(const QString& path) {
  io::SessionLoadReport report;
  // Close views before the datasets they show go away.
  while (tabs_->count() > 0) {
    QWidget* page = tabs_->widget(0);
    tabs_->removeTab(0);
    delete page;
  }
  try {
    report = io::loadSession(session_, path.toStdString());
  } catch (const io::FileError& error) {
    this->report(tr("Cannot open session"), QString::fromStdString(error.what()));
    return false;
  }
  sessionPath_ = path;
  addRecent(QFileInfo(path).absoluteFilePath());
  for (const auto& notice : report.notices)
    jobs_->log(tr("session: %1").arg(QString::fromStdString(notice)));
  if (!report.notices.empty())
    this->report(tr("Session opened with problems"),
                 QString::fromStdString(report.notices.front()) +
                     (report.notices.size() > 1
                          ? tr(" (and %1 more, see the log)").arg(report.notices.size() - 1)
                          : QString()));
  restoreLayout(session_.viewLayoutJson());
  updateTitle();
  return true;
}

std::string MainWindow::layoutJson() const {
  // Views refer to datasets by their position in the session, which is what
  // survives a save and reload.
  auto position = [this](io::DatasetId id) -> int {
    for (std::size_t i = 0; i < session_.entries().size(); ++i)
      if (session_.entries()[i].id == id) return static_cast<int>(i);
    return -1;
  };
  nlohmann::json tabs = nlohmann::json::array();
  for (int i = 0; i < tabs_->count(); ++i) {
    QWidget* page = tabs_->widget(i);
    nlohmann::json tab{{"type", page->property(kViewType).toString().toStdString()}};
    auto& datasets = tab["datasets"] = nlohmann::json::array();
    for (const auto& v : page->property(kViewDatasets).toList())
      datasets.push_back(position(v.toULongLong()));
    if (auto* splitter = qobject_cast<QSplitter*>(page))
      tab["splitter"] = splitter->saveState().toBase64().toStdString();
    if (auto* raster = page->findChild<widgets::RasterWidget*>()) {
      const auto [t0, t1] = raster->timeWindow();
      tab["time_window"] = {t0, t1};
      tab["raster_order"] = static_cast<int>(raster->order());
    }
    tabs.push_back(tab);
  }
  return nlohmann::json{{"tabs", tabs}, {"current", tabs_->currentIndex()}}.dump();
}

void MainWindow::restoreLayout(const std::string& text) {
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("tabs")) return;
  auto idAt = [this](int position) -> io::DatasetId {
    if (position < 0 || static_cast<std::size_t>(position) >= session_.entries().size())
      return io::kNoDataset;
    return session_.entries()[static_cast<std::size_t>(position)].id;
  };
  for (const auto& tab : json["tabs"]) {
    const std::string type = tab.value("type", "");
    std::vector<io::DatasetId> ids;
    for (const auto& p : tab.value("datasets", nlohmann::json::array()))
      ids.push_back(idAt(p.get<int>()));
    if (ids.empty() || ids.front() == io::kNoDataset) continue;  // its data did not come back
    if (type == "recording")
      openRecordingView(ids[0], ids.size() > 1 ? ids[1] : io::kNoDataset);
    else
      openView(ids[0]);
    QWidget* page = tabs_->widget(tabs_->count() - 1);
    if (auto* splitter = qobject_cast<QSplitter*>(page); splitter && tab.contains("splitter"))
      splitter->restoreState(
          QByteArray::fromBase64(QByteArray::fromStdString(tab["splitter"].get<std::string>())));
    if (auto* raster = page->findChild<widgets::RasterWidget*>()) {
      if (tab.contains("raster_order"))
        raster->setOrder(static_cast<widgets::RasterWidget::Order>(tab["raster_order"].get<int>()));
      if (tab.contains("time_window"))
        raster->setTimeWindow(tab["time_window"][0].get<double>(),
                              tab["time_window"][1].get<double>());
    }
  }
  tabs_->setCurrentIndex(std::clamp(json.value("current", 0), 0, std::max(0, tabs_->count() - 1)));
}

void MainWindow::exportCurrentView() {
  QWidget* page = tabs_->currentWidget();
  if (!page) {
    report(tr("Export"), tr("there is no view to export"));
    return;
  }
  auto* table = qobject_cast<widgets::TableView*>(page);
  // The chart in front: the current tab of a lower tab widget, else the first.
  widgets::Chart* chart = nullptr;
  widgets::HeatMap* heat = qobject_cast<widgets::HeatMap*>(page);
  if (auto* lower = page->findChild<QTabWidget*>()) {
    if (QWidget* current = lower->currentWidget()) {
      chart = current->findChild<widgets::Chart*>();
      if (!heat) heat = qobject_cast<widgets::HeatMap*>(current);
    }
  }
  if (!chart && !heat) chart = page->findChild<widgets::Chart*>();
  QString filters = tr("PNG image (*.png)");
  if (chart || heat) filters += tr(";;SVG of the chart (*.svg);;CSV of the chart data (*.csv)");
  if (table) filters += tr(";;CSV table (*.csv)");
  QString selected;
  const QString path = QFileDialog::getSaveFileName(
      this, tr("Export view"), tabs_->tabText(tabs_->currentIndex()) + ".png", filters, &selected);
  if (path.isEmpty()) return;
  bool ok = false;
  if (path.endsWith(".svg", Qt::CaseInsensitive) && (chart || heat)) {
    ok = heat ? heat->exportSvg(path) : chart->exportSvg(path);
  } else if (path.endsWith(".csv", Qt::CaseInsensitive) && (chart || table || heat)) {
    QFile file(path);
    if (file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
      QTextStream(&file) << (table ? table->toCsv() : heat ? heat->toCsv() : chart->toCsv());
      ok = file.error() == QFile::NoError;
    }
  } else {
    ok = widgets::composeWindowImage(page, QSettings().value("export/scale", 2).toInt()).save(path);
  }
  if (ok)
    statusBar()->showMessage(tr("exported %1").arg(path), 5000);
  else
    report(tr("Export failed"), tr("could not write %1").arg(path));
}

void MainWindow::addRecent(const QString& path) {
  QSettings settings;
  QStringList recent = settings.value("recentFiles").toStringList();
  recent.removeAll(path);
  recent.prepend(path);
  while (recent.size() > kMaxRecent) recent.removeLast();
  settings.setValue("recentFiles", recent);
  rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
  recentMenu_->clear();
  const QStringList recent = QSettings().value("recentFiles").toStringList();
  for (const QString& path : recent) {
    recentMenu_
        ->addAction(QFileInfo(path).fileName(), this,
                    [this, path] {
                      if (path.endsWith(".nlsession"))
                        loadSession(path);
                      else
                        openFiles({path});
                    })
        ->setToolTip(path);
  }
  recentMenu_->setEnabled(!recent.isEmpty());
}

void MainWindow::updateTitle() {
  setWindowTitle(sessionPath_.isEmpty()
                     ? tr("NeuroLoupe")
                     : tr("%1 — NeuroLoupe").arg(QFileInfo(sessionPath_).fileName()));
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (jobs_->runningJobs() > 0 && interactive_) {
    const auto answer =
        QMessageBox::question(this, tr("Jobs are running"),
                              tr("%1 analysis job(s) are still running. Cancel them and quit?")
                                  .arg(jobs_->runningJobs()));
    if (answer != QMessageBox::Yes) {
      event->ignore();
      return;
    }
  }
  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/state", saveState());
  event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  QStringList paths, sessions;
  for (const QUrl& url : event->mimeData()->urls())
    if (url.isLocalFile())
      (url.toLocalFile().endsWith(".nlsession") ? sessions : paths) << url.toLocalFile();
  if (!sessions.isEmpty()) loadSession(sessions.front());
  if (!paths.isEmpty()) openFiles(paths);
  event->acceptProposedAction();
}

}  // namespace nl::app
