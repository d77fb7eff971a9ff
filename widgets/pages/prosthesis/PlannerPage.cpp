#include "widgets/pages/prosthesis/PlannerPage.h"

#include <vtkCellArray.h>
#include <vtkCellLocator.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkNew.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkRenderer.h>
#include <vtkStaticCellLocator.h>

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMouseEvent>
#include <QMutex>
#include <QPushButton>
#include <QSplitter>
#include <QTimer>
#include <QUndoStack>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "plugins/Job.h"
#include "plugins/Runner.h"
#include "widgets/Screenshot.h"
#include "widgets/VtkView.h"
#include "widgets/charts/Chart.h"
#include "widgets/pages/prosthesis/VisualFieldView.h"
#include "widgets/scene/PointsLayer.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/SurfaceLayer.h"

namespace nl::widgets::prosthesis {

namespace {

// One manual edit: the plan before and after (a drag, an optimisation).
class PlanEdit final : public QUndoCommand {
 public:
  PlanEdit(PlannerPage* page, std::vector<PlanSite> before, std::vector<PlanSite> after,
           const QString& label)
      : QUndoCommand(label), page_(page), before_(std::move(before)), after_(std::move(after)) {}
  void undo() override { page_->setSites(before_); }
  void redo() override {
    // The first redo is the edit the user just made (already applied).
    if (first_) {
      first_ = false;
      return;
    }
    page_->setSites(after_);
  }

 private:
  PlannerPage* page_;
  std::vector<PlanSite> before_, after_;
  bool first_ = true;
};

// analysis::Progress over the job's reporter.
class JobProgress final : public analysis::Progress {
 public:
  explicit JobProgress(plugins::ProgressReporter& reporter) : reporter_(reporter) {}
  void update(double fraction, const std::string& message) override {
    reporter_.report(fraction, message);
  }
  bool cancelRequested() const override { return reporter_.cancelled(); }

 private:
  plugins::ProgressReporter& reporter_;
};

pr::SurfacePoint barycentricOn(const io::SurfaceMeshDataset& mesh, int triangle,
                               const double x[3]) {
  const auto& v = mesh.vertices();
  Eigen::Vector3d corner[3];
  for (int c = 0; c < 3; ++c) {
    const auto vertex = static_cast<std::size_t>(
        mesh.triangles()[3 * static_cast<std::size_t>(triangle) + static_cast<std::size_t>(c)]);
    corner[c] = Eigen::Vector3d(v[3 * vertex], v[3 * vertex + 1], v[3 * vertex + 2]);
  }
  const Eigen::Vector3d p(x[0], x[1], x[2]);
  const Eigen::Vector3d e0 = corner[1] - corner[0], e1 = corner[2] - corner[0], e2 = p - corner[0];
  const double d00 = e0.dot(e0), d01 = e0.dot(e1), d11 = e1.dot(e1), d20 = e2.dot(e0),
               d21 = e2.dot(e1);
  const double denominator = d00 * d11 - d01 * d01;
  pr::SurfacePoint point;
  point.triangle = triangle;
  if (std::abs(denominator) < 1e-18) {
    point.barycentric << 1.0 / 3, 1.0 / 3, 1.0 / 3;
    return point;
  }
  const double b1 = (d11 * d20 - d01 * d21) / denominator;
  const double b2 = (d00 * d21 - d01 * d20) / denominator;
  point.barycentric << 1.0 - b1 - b2, b1, b2;
  point.barycentric = point.barycentric.cwiseMax(0.0);
  point.barycentric /= point.barycentric.sum();
  return point;
}

// Electrodes closer to a vessel than the margin, and the vessels themselves.
const QColor kViolationColour(255, 0, 255);
const QColor kVesselColour(200, 0, 30);

QColor threadColour(int thread) {
  static const QColor palette[] = {{230, 159, 0}, {86, 180, 233}, {0, 158, 115},  {240, 228, 66},
                                   {0, 114, 178}, {213, 94, 0},   {204, 121, 167}};
  if (thread < 0) return QColor(255, 120, 20);  // single electrodes: orange
  return palette[static_cast<std::size_t>(thread) % std::size(palette)];
}

}  // namespace

struct PlannerPage::Impl {
  // The shown surface for picking: a locator finds the triangle under the
  // mouse in microseconds (fsaverage has 327,680).
  vtkNew<vtkPolyData> pickMesh;
  vtkNew<vtkStaticCellLocator> locator;
  double diagonal = 1;  // of the shown surface's bounding box (glyph sizes)
  // A drag in progress.
  int dragged = -1;
  bool dragThread = false;
  std::vector<PlanSite> dragStart;
  // The optimizer's convergence, written by its thread, read by a timer
  // (shared: the job may outlive a closed page by an iteration).
  struct History {
    QMutex mutex;
    std::vector<pr::IterationRecord> records;
  };
  std::shared_ptr<History> history = std::make_shared<History>();
  QTimer chartTimer;
  std::function<void()> refreshChart;
  bool optimising = false;
};

PlannerPage::PlannerPage(io::Session& session, PlannerCortex cortex, std::vector<PlanSite> sites,
                         std::unique_ptr<PerceptAdapter> adapter, QWidget* parent)
    : Page(parent),
      session_(session),
      cortex_(std::move(cortex)),
      adapter_(std::move(adapter)),
      impl_(std::make_unique<Impl>()) {
  if (cortex_.shown.empty() && cortex_.pial) cortex_.shown.emplace_back("pial", cortex_.pial);
  if (cortex_.shown.empty()) throw std::invalid_argument("the planner needs a surface to show");
  if (!adapter_) adapter_ = std::make_unique<ChartPerceptAdapter>(cortex_);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* bar = new QHBoxLayout();
  bar->setContentsMargins(6, 4, 6, 0);
  bar->addWidget(new QLabel(tr("Surface"), this));
  surfaceChoice_ = new QComboBox(this);
  surfaceChoice_->setObjectName("plannerSurface");
  for (const auto& [name, mesh] : cortex_.shown)
    surfaceChoice_->addItem(QString::fromStdString(name));
  bar->addWidget(surfaceChoice_);
  bar->addWidget(new QLabel(tr("Colour"), this));
  colourChoice_ = new QComboBox(this);
  colourChoice_->setObjectName("plannerColour");
  colourChoice_->addItems({tr("polar angle"), tr("eccentricity"), tr("visual area")});
  bar->addWidget(colourChoice_);
  bar->addWidget(new QLabel(tr("Image"), this));
  imageText_ = new QLineEdit("E", this);
  imageText_->setObjectName("plannerImageText");
  imageText_->setToolTip(tr("Letters and digits to see through the implant"));
  imageText_->setMaximumWidth(120);
  bar->addWidget(imageText_);
  auto* openImage = new QPushButton(tr("Open image…"), this);
  bar->addWidget(openImage);
  auto* optimiseButton = new QPushButton(tr("Optimise"), this);
  optimiseButton->setObjectName("plannerOptimise");
  optimiseButton->setToolTip(
      tr("Percept-aware placement of the plan's electrodes (a background job)"));
  bar->addWidget(optimiseButton);
  auto* undoButton = new QPushButton(tr("Undo"), this);
  auto* redoButton = new QPushButton(tr("Redo"), this);
  bar->addWidget(undoButton);
  bar->addWidget(redoButton);
  auto* exportButton = new QPushButton(tr("Export…"), this);
  exportButton->setToolTip(tr("The plan as CSV or JSON"));
  bar->addWidget(exportButton);
  auto* screenshotButton = new QPushButton(tr("Screenshot…"), this);
  bar->addWidget(screenshotButton);
  bar->addStretch(1);
  layout->addLayout(bar);
  // Second row: the vessel map and its constraint, then the status.
  auto* vesselBar = new QHBoxLayout();
  vesselBar->setContentsMargins(6, 0, 6, 0);
  vesselToggle_ = new QCheckBox(tr("Vessels"), this);
  vesselToggle_->setObjectName("plannerVessels");
  vesselToggle_->setToolTip(tr("Draw the vessels within %1 mm of the cortex")
                                .arg(ChartPerceptAdapter::kVesselDrawDistanceMm));
  vesselBar->addWidget(vesselToggle_);
  vesselBar->addWidget(new QLabel(tr("Constraint"), this));
  vesselMode_ = new QComboBox(this);
  vesselMode_->setObjectName("plannerVesselMode");
  vesselMode_->addItems({"hard", "soft", "off"});
  vesselMode_->setToolTip(
      tr("Optimise: hard keeps every electrode clear of vessels by the margin (projection), soft "
         "penalises closer ones (hinge), off ignores vessels"));
  vesselBar->addWidget(vesselMode_);
  vesselBar->addWidget(new QLabel(tr("Margin"), this));
  vesselMargin_ = new QDoubleSpinBox(this);
  vesselMargin_->setObjectName("plannerVesselMargin");
  vesselMargin_->setRange(0.0, 20.0);
  vesselMargin_->setSingleStep(0.1);
  vesselMargin_->setDecimals(2);
  vesselMargin_->setSuffix(tr(" mm"));
  vesselBar->addWidget(vesselMargin_);
  vesselBar->addStretch(1);
  status_ = new QLabel(this);
  status_->setObjectName("plannerStatus");
  vesselBar->addWidget(status_);
  layout->addLayout(vesselBar);

  auto* split = new QSplitter(Qt::Horizontal, this);
  view_ = new VtkView();
  view_->setObjectName("planner3d");
  split->addWidget(view_);
  auto* right = new QSplitter(Qt::Vertical);
  field_ = new VisualFieldView();
  field_->setObjectName("plannerField");
  right->addWidget(field_);
  chart_ = new Chart();
  chart_->setObjectName("plannerConvergence");
  chart_->setTitle(tr("Optimisation"));
  chart_->setAxisTitles(tr("iteration"), tr("loss / violations"));
  right->addWidget(chart_);
  auto* violationPane = new QWidget();
  auto* violationLayout = new QVBoxLayout(violationPane);
  violationLayout->setContentsMargins(4, 2, 4, 2);
  violationTitle_ = new QLabel(violationPane);
  violationLayout->addWidget(violationTitle_);
  violationList_ = new QListWidget(violationPane);
  violationList_->setObjectName("plannerViolations");
  violationLayout->addWidget(violationList_, 1);
  right->addWidget(violationPane);
  right->setSizes({320, 220, 110});
  split->addWidget(right);
  split->setSizes({620, 560});
  layout->addWidget(split, 1);
  scene_ = new Scene(view_, session_, this);
  view_->installEventFilter(this);

  undo_ = new QUndoStack(this);
  QAction* undoAction = undo_->createUndoAction(this, tr("Undo"));
  undoAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Z));
  QAction* redoAction = undo_->createRedoAction(this, tr("Redo"));
  redoAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z));
  for (QAction* action : {undoAction, redoAction}) {
    action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    addAction(action);
  }
  connect(undoButton, &QPushButton::clicked, undoAction, &QAction::trigger);
  connect(redoButton, &QPushButton::clicked, redoAction, &QAction::trigger);
  connect(undo_, &QUndoStack::canUndoChanged, undoButton, &QWidget::setEnabled);
  connect(undo_, &QUndoStack::canRedoChanged, redoButton, &QWidget::setEnabled);
  connect(undo_, &QUndoStack::undoTextChanged, undoButton,
          [undoButton](const QString& text) { undoButton->setToolTip(text); });
  undoButton->setEnabled(false);
  redoButton->setEnabled(false);

  connect(surfaceChoice_, &QComboBox::activated, this,
          [this](int index) { showSurface(surfaceChoice_->itemText(index).toStdString()); });
  connect(colourChoice_, &QComboBox::activated, this, [this] { refreshOverlay(); });
  connect(vesselToggle_, &QCheckBox::toggled, this, [this](bool shown) { setVesselsShown(shown); });
  connect(vesselMargin_, &QDoubleSpinBox::valueChanged, this, [this] {
    if (surface_) refreshGlyphs();
  });
  connect(imageText_, &QLineEdit::editingFinished, this,
          [this] { setImageText(imageText_->text()); });
  connect(openImage, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Image to see"), {}, tr("Images (*.png *.jpg *.jpeg *.pgm *.ppm *.pnm *.npy)"));
    if (path.isEmpty()) return;
    try {
      setImageFile(path);
    } catch (const std::exception& error) {
      complain(tr("Image"), QString::fromStdString(error.what()));
    }
  });
  connect(optimiseButton, &QPushButton::clicked, this, [this] { optimise(); });
  connect(exportButton, &QPushButton::clicked, this, [this] {
    QString filter;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export plan"), "plan.csv",
                                                      tr("CSV (*.csv);;JSON (*.json)"), &filter);
    if (path.isEmpty()) return;
    try {
      if (path.endsWith(".json", Qt::CaseInsensitive))
        exportJson(path);
      else
        exportCsv(path);
      say(tr("plan written to %1").arg(path));
    } catch (const std::exception& error) {
      complain(tr("Export"), QString::fromStdString(error.what()));
    }
  });
  connect(screenshotButton, &QPushButton::clicked, this, [this] {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Screenshot"), "planner.png", tr("PNG (*.png)"));
    if (path.isEmpty()) return;
    try {
      exportScreenshot(path);
    } catch (const std::exception& error) {
      complain(tr("Screenshot"), QString::fromStdString(error.what()));
    }
  });
  impl_->chartTimer.setInterval(150);
  impl_->refreshChart = [this] {
    std::vector<pr::IterationRecord> history;
    {
      QMutexLocker lock(&impl_->history->mutex);
      history = impl_->history->records;
    }
    ChartSeries loss, violations;
    loss.name = tr("loss");
    violations.name = tr("vessel margin violations");
    loss.markers = violations.markers = false;
    double x = 0;
    for (const auto& record : history) {
      loss.x.push_back(x);
      loss.y.push_back(record.loss);
      violations.x.push_back(x);
      violations.y.push_back(record.violations);
      ++x;
    }
    chart_->setSeries({loss, violations});
  };
  connect(&impl_->chartTimer, &QTimer::timeout, this, [this] { impl_->refreshChart(); });

  // The vessel map: the constraint the plan was made with, drawn from the start.
  const bool vessels = hasVessels();
  for (QWidget* w : std::initializer_list<QWidget*>{vesselToggle_, vesselMode_, vesselMargin_})
    w->setEnabled(vessels);
  vesselMode_->setCurrentIndex(cortex_.vesselConstraint.mode == pr::ConstraintMode::Hard   ? 0
                               : cortex_.vesselConstraint.mode == pr::ConstraintMode::Soft ? 1
                                                                                           : 2);
  vesselMargin_->setValue(cortex_.vesselConstraint.marginMm);
  vesselToggle_->setChecked(vessels);
  if (vessels) {
    colourChoice_->addItem(tr("vessel distance"));
    // Mid-thickness distance of every vertex (saturated beyond a few mm).
    const auto field = adapter_->vessels();
    const auto& white = cortex_.white->vertices();
    const auto& pial = cortex_.pial->vertices();
    vertexVesselDistance_.resize(cortex_.pial->vertexCount());
    for (std::size_t v = 0; v < vertexVesselDistance_.size(); ++v) {
      const Eigen::Vector3d p(0.5 * (white[3 * v] + pial[3 * v]),
                              0.5 * (white[3 * v + 1] + pial[3 * v + 1]),
                              0.5 * (white[3 * v + 2] + pial[3 * v + 2]));
      vertexVesselDistance_[v] = field->distance(p);
    }
  } else {
    vesselToggle_->setToolTip(tr("The plan has no vessel map (open the vessel volume it used)"));
  }
  violationTitle_->setText(vessels ? tr("Vessel margin violations") : tr("No vessel map"));

  setImageText(imageText_->text());
  sites_ = std::move(sites);
  fields_.clear();
  for (const auto& site : sites_) fields_.push_back(adapter_->field(site));
  buildScene();
  refreshPercept();
  // The medial side, where V1 is (the calcarine sulcus): from +x for the
  // left hemisphere, from −x for the right.
  // Both hemispheres: from behind, both occipital poles in view.
  view_->setStandardView(cortex_.bilateral() ? VtkView::StandardView::Posterior
                         : cortex_.hemisphere == pr::Hemisphere::Left
                             ? VtkView::StandardView::Medial
                             : VtkView::StandardView::Lateral);
}

PlannerPage::~PlannerPage() = default;

std::vector<Scene*> PlannerPage::scenes() const {
  return {scene_};
}

std::string PlannerPage::shownSurface() const {
  return cortex_.shown[shownIndex_].first;
}

void PlannerPage::showSurface(const std::string& name) {
  for (std::size_t i = 0; i < cortex_.shown.size(); ++i)
    if (cortex_.shown[i].first == name) {
      if (i == shownIndex_ && surface_) return;
      shownIndex_ = i;
      surfaceChoice_->setCurrentIndex(static_cast<int>(i));
      buildScene();
      view_->resetCamera();
      return;
    }
  throw std::invalid_argument("the planner has no " + name + " surface");
}

void PlannerPage::buildScene() {
  const auto& mesh = cortex_.shown[shownIndex_].second;
  for (SceneLayer* layer : std::vector<SceneLayer*>{surface_, electrodes_, threads_, vesselPoints_})
    if (layer) scene_->removeLayer(layer);
  electrodes_ = nullptr;
  threads_ = nullptr;
  vesselPoints_ = nullptr;
  // The mesh's id in the session (the layer's dataset); a mesh the provider
  // opened beside the plan is there already.
  io::DatasetId meshId = io::kNoDataset;
  for (const auto& entry : session_.entries())
    if (entry.dataset == mesh) meshId = entry.id;
  if (meshId == io::kNoDataset) meshId = session_.add(mesh);
  surface_ =
      new SurfaceLayer(QString::fromStdString(cortex_.shown[shownIndex_].first), meshId, mesh);
  scene_->addLayer(surface_);
  scene_->setScalarBarLayer(surface_);
  refreshOverlay();

  // Glyph sizes follow the shown surface's bounding-box diagonal.
  float lo[3] = {1e30f, 1e30f, 1e30f}, hi[3] = {-1e30f, -1e30f, -1e30f};
  for (std::size_t i = 0; i < mesh->vertexCount(); ++i)
    for (int k = 0; k < 3; ++k)
      lo[k] = std::min(lo[k], mesh->vertices()[3 * i + k]),
      hi[k] = std::max(hi[k], mesh->vertices()[3 * i + k]);
  impl_->diagonal = std::sqrt(std::pow(hi[0] - lo[0], 2) + std::pow(hi[1] - lo[1], 2) +
                              std::pow(hi[2] - lo[2], 2));
  // The picking copy of the shown surface.
  vtkNew<vtkPoints> points;
  const auto& v = mesh->vertices();
  points->SetNumberOfPoints(static_cast<vtkIdType>(mesh->vertexCount()));
  for (std::size_t i = 0; i < mesh->vertexCount(); ++i)
    points->SetPoint(static_cast<vtkIdType>(i), v[3 * i], v[3 * i + 1], v[3 * i + 2]);
  vtkNew<vtkCellArray> cells;
  for (std::size_t t = 0; t < mesh->triangleCount(); ++t) {
    const vtkIdType ids[3] = {mesh->triangles()[3 * t], mesh->triangles()[3 * t + 1],
                              mesh->triangles()[3 * t + 2]};
    cells->InsertNextCell(3, ids);
  }
  impl_->pickMesh->SetPoints(points);
  impl_->pickMesh->SetPolys(cells);
  impl_->locator->SetDataSet(impl_->pickMesh);
  impl_->locator->BuildLocator();
  refreshVessels();
  refreshGlyphs();
}

bool PlannerPage::hasVessels() const {
  return adapter_->vessels() != nullptr;
}

bool PlannerPage::vesselsShown() const {
  return vesselPoints_ && vesselPoints_->isVisible();
}

void PlannerPage::setVesselsShown(bool shown) {
  if (vesselToggle_->isChecked() != shown) vesselToggle_->setChecked(shown);  // comes back here
  if (vesselPoints_) vesselPoints_->setVisible(shown);
  view_->requestRender();
}

void PlannerPage::setVesselConstraint(pr::ConstraintMode mode, double marginMm) {
  vesselMode_->setCurrentIndex(mode == pr::ConstraintMode::Hard   ? 0
                               : mode == pr::ConstraintMode::Soft ? 1
                                                                  : 2);
  vesselMargin_->setValue(marginMm);  // refreshes the glyphs and the list
}

pr::VesselConstraint PlannerPage::vesselConstraint() const {
  pr::VesselConstraint c = cortex_.vesselConstraint;
  c.mode = pr::parseConstraintMode(vesselMode_->currentText().toStdString());
  c.marginMm = vesselMargin_->value();
  return c;
}

std::vector<pr::Violation> PlannerPage::violations() const {
  std::vector<pr::Violation> out;
  if (!hasVessels()) return out;
  const double margin = vesselMargin_->value();
  for (std::size_t i = 0; i < fields_.size(); ++i)
    if (fields_[i].vesselDistanceMm < margin)
      out.push_back({static_cast<int>(i), fields_[i].vesselDistanceMm});
  std::stable_sort(out.begin(), out.end(), [](const pr::Violation& a, const pr::Violation& b) {
    return a.distanceMm < b.distanceMm;
  });
  return out;
}

void PlannerPage::refreshViolations() {
  if (!hasVessels()) return;
  const auto list = violations();
  violationList_->clear();
  for (const auto& v : list) {
    const auto& site = sites_[static_cast<std::size_t>(v.electrode)];
    const QString where = site.thread >= 0 ? tr(" (thread %1)").arg(site.thread) : QString();
    violationList_->addItem(tr("electrode %1%2: %3 mm from a vessel")
                                .arg(v.electrode)
                                .arg(where)
                                .arg(v.distanceMm, 0, 'f', 2));
  }
  violationTitle_->setText(tr("Vessel margin violations: %1 of %2 electrodes closer than %3 mm")
                               .arg(list.size())
                               .arg(sites_.size())
                               .arg(vesselMargin_->value(), 0, 'f', 2));
}

void PlannerPage::refreshVessels() {
  const auto* near = adapter_->vesselsNearCortex();
  if (!near || near->positions.cols() == 0) return;
  // On the pial and white surfaces the voxels where they are; on the
  // inflated and flat ones at their nearest pial vertex's place there.
  const auto& mesh = *cortex_.shown[shownIndex_].second;
  const std::string shown = shownSurface();
  const bool inPlace = shown == "pial" || shown == "white";
  // One glyph per 1.2 mm cell (2 × 2 × 2 atlas voxels) of where it is drawn,
  // on any mesh resolution: thousands of spheres would slow software OpenGL
  // down (per vertex, an fsaverage-size inflated surface had 16 times more).
  std::vector<std::array<double, 3>> positions;
  std::set<std::array<long, 3>> seen;
  for (Eigen::Index i = 0; i < near->positions.cols(); ++i) {
    std::array<double, 3> p;
    std::array<long, 3> key;
    if (inPlace) {
      p = {near->positions(0, i), near->positions(1, i), near->positions(2, i)};
    } else {
      const auto v = static_cast<std::size_t>(near->nearest[static_cast<std::size_t>(i)]);
      p = {mesh.vertices()[3 * v], mesh.vertices()[3 * v + 1], mesh.vertices()[3 * v + 2]};
    }
    for (int k = 0; k < 3; ++k) key[k] = static_cast<long>(std::floor(p[k] / 1.2));
    if (seen.insert(key).second) positions.push_back(p);
  }
  const double diagonal = impl_->diagonal;
  vesselPoints_ =
      new PointsLayer(tr("vessels"), io::kNoDataset, std::move(positions), diagonal * 0.0035);
  vesselPoints_->setColours(std::vector<QColor>(vesselPoints_->positions().size(), kVesselColour));
  vesselPoints_->setPickRadius(0);
  scene_->addLayer(vesselPoints_);
  vesselPoints_->setVisible(vesselToggle_->isChecked());
}

void PlannerPage::refreshOverlay() {
  if (!surface_) return;
  const int choice = colourChoice_->currentIndex();
  if (choice == 3 && !vertexVesselDistance_.empty()) {
    surface_->setColormap("magma");
    surface_->setOverlay(vertexVesselDistance_, colourChoice_->currentText());
    surface_->setScalarRange(0, 5);  // mm: the margins that matter
    return;
  }
  const auto& overlay = choice == 0   ? cortex_.angle
                        : choice == 1 ? cortex_.eccentricity
                                      : cortex_.area;
  if (!overlay) return;
  const std::size_t n = cortex_.shown[shownIndex_].second->vertexCount();
  if (overlay->values().size() < n) return;
  std::vector<double> values(overlay->values().begin(),
                             overlay->values().begin() + static_cast<std::ptrdiff_t>(n));
  // Benson's maps are 0 outside V1–V3: leave that cortex to the shading.
  std::vector<double> areas(n, 1.0);
  if (cortex_.area)
    for (std::size_t i = 0; i < n && i < cortex_.area->values().size(); ++i)
      areas[i] = cortex_.area->values()[i];
  for (std::size_t i = 0; i < n; ++i)
    if (!(areas[i] > 0)) values[i] = std::nan("");
  surface_->setColormap(choice == 2 ? "plasma" : choice == 1 ? "viridis" : "coolwarm");
  surface_->setOverlay(std::move(values), colourChoice_->currentText());
  if (choice == 0) surface_->setScalarRange(0, 180);  // Benson: 0 upper, 90 horizontal, 180 lower
  if (choice == 1) surface_->setScalarRange(0, 10);
}

std::array<double, 3> PlannerPage::glyphPosition(std::size_t index) const {
  return positionOn(*cortex_.shown[shownIndex_].second, sites_.at(index).point);
}

void PlannerPage::refreshGlyphs() {
  std::vector<std::array<double, 3>> positions;
  std::vector<QColor> colours;
  for (std::size_t i = 0; i < sites_.size(); ++i) {
    positions.push_back(glyphPosition(i));
    colours.push_back(fields_[i].active ? threadColour(sites_[i].thread) : QColor(150, 150, 150));
  }
  // Closer to a vessel than the margin: magenta and larger.
  std::vector<double> sizes(sites_.size(), 1.0);
  for (const auto& v : violations()) {
    colours[static_cast<std::size_t>(v.electrode)] = kViolationColour;
    sizes[static_cast<std::size_t>(v.electrode)] = 1.5;
  }
  // Threads: their electrodes in order, as one tube each.
  std::map<int, LinesLayer::Polyline> lines;
  for (std::size_t i = 0; i < sites_.size(); ++i)
    if (sites_[i].thread >= 0) lines[sites_[i].thread].push_back(positions[i]);
  const double diagonal = impl_->diagonal;
  if (!electrodes_ || electrodes_->positions().size() != positions.size()) {
    if (electrodes_) scene_->removeLayer(electrodes_);
    electrodes_ = new PointsLayer(tr("electrodes"), io::kNoDataset, positions, diagonal * 0.007);
    electrodes_->setPickRadius(14);
    scene_->addLayer(electrodes_);
  } else {
    electrodes_->setPositions(positions);
  }
  electrodes_->setColours(colours);
  electrodes_->setSizes(sizes);
  refreshViolations();
  std::vector<LinesLayer::Polyline> polylines;
  std::vector<QColor> lineColours;
  for (auto& [thread, line] : lines)
    if (line.size() >= 2) {
      polylines.push_back(std::move(line));
      lineColours.push_back(threadColour(thread));
    }
  // The same threads (a drag): their layer keeps its pipeline and actor.
  if (threads_ && threads_->lines().size() == polylines.size()) {
    threads_->setLines(std::move(polylines));
    threads_->setColours(lineColours);
  } else {
    if (threads_) scene_->removeLayer(threads_);
    threads_ = nullptr;
    if (!polylines.empty()) {
      threads_ = new LinesLayer(tr("threads"), io::kNoDataset, polylines, diagonal * 0.002,
                                QColor(230, 159, 0));
      threads_->setColours(lineColours);
      scene_->addLayer(threads_);
    }
  }
  view_->requestRender();
}

void PlannerPage::setImageText(const QString& text) {
  const QString shown = text.trimmed().toUpper();
  const auto& grid = adapter_->grid();
  try {
    // In the hemifield this hemisphere sees (left hemisphere: right field),
    // where the implant can draw it.
    const double half = 0.5 * (grid.xMax - grid.xMin);
    // Both hemispheres see the whole field: the text in its middle.
    const double cx = cortex_.bilateral()
                          ? 0.0
                          : (cortex_.hemisphere == pr::Hemisphere::Left ? 0.5 : -0.5) * half;
    const double height = std::min(
        0.8 * half, 0.9 * half / static_cast<double>(std::max<qsizetype>(1, shown.size())));
    target_ = pr::renderText(shown.isEmpty() ? std::string(" ") : shown.toStdString(), grid, height,
                             std::max(grid.step, 0.15 * height), cx, 0.0);
  } catch (const std::exception& error) {
    complain(tr("Image"), QString::fromStdString(error.what()));
    return;
  }
  if (imageText_->text() != text) imageText_->setText(text);
  if (!sites_.empty() || !fields_.empty()) refreshPercept();
}

void PlannerPage::setImageFile(const QString& path) {
  target_ = pr::readTaskImage(path.toStdString(), adapter_->grid());
  imageText_->setText(QString());
  refreshPercept();
}

void PlannerPage::refreshPercept() {
  QElapsedTimer timer;
  timer.start();
  frame_ = adapter_->render(fields_, target_);
  field_->setFrame(frame_, adapter_->grid());
  const double ms = static_cast<double>(timer.nsecsElapsed()) / 1e6;
  lastUpdateMs_ += ms;  // applySites started the clock with the fields' time
  int active = 0;
  double nearest = std::numeric_limits<double>::infinity();
  for (const auto& f : fields_) {
    active += f.active ? 1 : 0;
    if (f.vesselDistanceMm < nearest) nearest = f.vesselDistanceMm;
  }
  QString text = tr("%1 electrodes, %2 in the visual field · percept %3 ms")
                     .arg(sites_.size())
                     .arg(active)
                     .arg(lastUpdateMs_, 0, 'f', 1);
  if (std::isfinite(nearest)) text += tr(" · nearest vessel %1 mm").arg(nearest, 0, 'f', 2);
  status_->setText(text);
}

void PlannerPage::applySites(std::vector<PlanSite> sites, const std::vector<std::size_t>& changed) {
  QElapsedTimer timer;
  timer.start();
  const bool all = sites.size() != sites_.size();
  sites_ = std::move(sites);
  if (all) {
    fields_.clear();
    for (const auto& site : sites_) fields_.push_back(adapter_->field(site));
  } else {
    for (std::size_t i : changed) fields_[i] = adapter_->field(sites_[i]);
  }
  lastUpdateMs_ = static_cast<double>(timer.nsecsElapsed()) / 1e6;
  refreshPercept();
  refreshGlyphs();
}

void PlannerPage::setSites(std::vector<PlanSite> sites, const QString& undoLabel) {
  std::vector<std::size_t> changed;
  for (std::size_t i = 0; i < sites.size() && i < sites_.size(); ++i)
    if (!(sites[i] == sites_[i])) changed.push_back(i);
  std::vector<PlanSite> before = sites_;
  applySites(std::move(sites), changed);
  if (!undoLabel.isEmpty()) undo_->push(new PlanEdit(this, std::move(before), sites_, undoLabel));
}

std::optional<pr::SurfacePoint> PlannerPage::surfacePointAt(QPointF widgetPosition) const {
  vtkRenderer* renderer = view_->renderer();
  const double ratio = view_->devicePixelRatioF();
  view_->renderWindow()->SetSize(static_cast<int>(view_->width() * ratio),
                                 static_cast<int>(view_->height() * ratio));
  const double x = widgetPosition.x() * ratio;
  const double y = (view_->height() - widgetPosition.y() - 1) * ratio;
  double nearPoint[4], farPoint[4];
  renderer->SetDisplayPoint(x, y, 0.0);
  renderer->DisplayToWorld();
  renderer->GetWorldPoint(nearPoint);
  renderer->SetDisplayPoint(x, y, 1.0);
  renderer->DisplayToWorld();
  renderer->GetWorldPoint(farPoint);
  for (int k = 0; k < 3; ++k) nearPoint[k] /= nearPoint[3], farPoint[k] /= farPoint[3];
  double t = 0, hit[3], parametric[3];
  int subId = 0;
  vtkIdType cell = -1;
  if (impl_->locator->IntersectWithLine(nearPoint, farPoint, 0.0, t, hit, parametric, subId,
                                        cell) == 0 ||
      cell < 0)
    return std::nullopt;
  return barycentricOn(*cortex_.shown[shownIndex_].second, static_cast<int>(cell), hit);
}

bool PlannerPage::eventFilter(QObject* watched, QEvent* event) {
  if (watched != view_) return Page::eventFilter(watched, event);
  auto& d = *impl_;
  const auto type = event->type();
  if (type == QEvent::MouseButtonPress) {
    auto* mouse = static_cast<QMouseEvent*>(event);
    if (mouse->button() != Qt::LeftButton || !electrodes_ || d.optimising) return false;
    const auto hit = electrodes_->pickNear(*view_, mouse->position());
    if (!hit || hit->index < 0) return false;  // the camera's drag
    d.dragged = static_cast<int>(hit->index);
    d.dragThread = (mouse->modifiers() & Qt::ShiftModifier) &&
                   sites_[static_cast<std::size_t>(d.dragged)].thread >= 0;
    d.dragStart = sites_;
    slowestDragMs_ = 0;
    view_->beginInteraction();  // the coarse cortex while dragging
    return true;
  }
  if (type == QEvent::MouseMove && d.dragged >= 0) {
    auto* mouse = static_cast<QMouseEvent*>(event);
    const auto point = surfacePointAt(mouse->position());
    if (!point) return true;
    const auto index = static_cast<std::size_t>(d.dragged);
    std::vector<PlanSite> next = sites_;
    std::vector<std::size_t> changed;
    if (!d.dragThread) {
      next[index].point = *point;
      changed.push_back(index);
    } else {
      // The whole thread moves by the dragged electrode's displacement,
      // each electrode put back onto the surface.
      const auto& mesh = *cortex_.shown[shownIndex_].second;
      const auto from = positionOn(mesh, sites_[index].point);
      const auto to = positionOn(mesh, *point);
      for (std::size_t i = 0; i < next.size(); ++i) {
        if (next[i].thread != sites_[index].thread) continue;
        const auto p = positionOn(mesh, sites_[i].point);
        double target[3] = {p[0] + to[0] - from[0], p[1] + to[1] - from[1], p[2] + to[2] - from[2]};
        double closest[3], distance2 = 0;
        vtkIdType cell = -1;
        int subId = 0;
        d.locator->FindClosestPoint(target, closest, cell, subId, distance2);
        if (cell < 0) continue;
        next[i].point = barycentricOn(mesh, static_cast<int>(cell), closest);
        changed.push_back(i);
      }
    }
    applySites(std::move(next), changed);
    slowestDragMs_ = std::max(slowestDragMs_, lastUpdateMs_);
    return true;
  }
  if (type == QEvent::MouseButtonRelease && d.dragged >= 0) {
    const int index = d.dragged;
    d.dragged = -1;
    view_->endInteraction();
    if (!(d.dragStart == sites_)) {
      const QString label =
          d.dragThread ? tr("Move thread %1").arg(sites_[static_cast<std::size_t>(index)].thread)
                       : tr("Move electrode %1").arg(index);
      undo_->push(new PlanEdit(this, d.dragStart, sites_, label));
    }
    return true;
  }
  return false;
}

std::vector<PlanRow> PlannerPage::rows() const {
  return planRows(cortex_, *cortex_.shown[shownIndex_].second, sites_, fields_, frame_.amplitudes);
}

void PlannerPage::exportCsv(const QString& path) const {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
    throw std::runtime_error("cannot write " + path.toStdString() + ": " +
                             file.errorString().toStdString());
  file.write(QByteArray::fromStdString(planCsv(rows())));
}

void PlannerPage::exportJson(const QString& path) const {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
    throw std::runtime_error("cannot write " + path.toStdString() + ": " +
                             file.errorString().toStdString());
  file.write(QByteArray::fromStdString(
      planJson(rows(), cortex_.hemisphereName(), imageText_->text().toStdString())));
}

void PlannerPage::exportScreenshot(const QString& path) {
  const QImage image = composeWindowImage(this, 1);
  if (!image.save(path)) throw std::runtime_error("cannot write " + path.toStdString());
}

bool PlannerPage::optimising() const {
  return impl_->optimising;
}

void PlannerPage::optimise() {
  auto& d = *impl_;
  const auto* chartAdapter = dynamic_cast<const ChartPerceptAdapter*>(adapter_.get());
  if (!chartAdapter || d.optimising) return;
  pr::PlanProblem problem;
  problem.chart = chartAdapter->chart();
  problem.objective = chartAdapter->objective();
  const auto& grid = adapter_->grid();
  problem.training = pr::letterTaskSet(grid, 8, 21);
  problem.heldOut = pr::letterTaskSet(grid, 6, 22);
  problem.electrodes = static_cast<int>(std::max<std::size_t>(1, sites_.size()));
  // The vessel constraint as the page sets it; the field lives as long as the job.
  const auto vessels = adapter_->vessels();
  problem.vessels = vessels.get();
  problem.vessel = vesselConstraint();
  pr::OptimizerOptions options;
  options.iterations = optimiserIterations_;
  options.seed = 1;
  {
    QMutexLocker lock(&d.history->mutex);
    d.history->records.clear();
  }
  d.optimising = true;
  d.chartTimer.start();
  auto result = std::make_shared<pr::PlanResult>();
  plugins::Job* job = runTask(
      tr("Optimise electrode plan"),
      [history = d.history, problem, vessels, options,
       result](plugins::ProgressReporter& reporter) {
        JobProgress progress(reporter);
        *result = pr::optimizePlacement(
            problem, options, progress,
            [history, &reporter](const pr::IterationRecord& record) {
              QMutexLocker lock(&history->mutex);
              history->records.push_back(record);
              return !reporter.cancelled();
            },
            false);
      },
      [this, result](const QString& error) {
        if (!error.isEmpty()) {
          complain(tr("Optimise"), error);
          return;
        }
        std::vector<PlanSite> optimised;
        for (const auto& e : result->electrodes) optimised.push_back({e.point, e.thread});
        setSites(std::move(optimised), tr("Optimise %1 electrodes").arg(result->electrodes.size()));
      });
  // Done, failed or cancelled: the chart shows the last iteration and stops.
  connect(job, &plugins::Job::finished, this, [this] {
    impl_->optimising = false;
    impl_->chartTimer.stop();
    impl_->refreshChart();
    emit optimisationFinished();
  });
}

std::vector<pr::IterationRecord> PlannerPage::convergence() const {
  QMutexLocker lock(&impl_->history->mutex);
  return impl_->history->records;
}

std::string PlannerPage::saveState() const {
  auto json = nlohmann::json::parse(Page::saveState());
  json["surface"] = shownSurface();
  json["colour"] = colourChoice_->currentText().toStdString();
  json["image"] = imageText_->text().toStdString();
  json["vessels_shown"] = vesselToggle_->isChecked();
  json["vessel_mode"] = vesselMode_->currentText().toStdString();
  json["vessel_margin_mm"] = vesselMargin_->value();
  nlohmann::json sites = nlohmann::json::array();
  for (const auto& s : sites_)
    sites.push_back({s.point.triangle, s.point.barycentric(0), s.point.barycentric(1),
                     s.point.barycentric(2), s.thread});
  json["sites"] = sites;
  return json.dump();
}

void PlannerPage::restoreState(const std::string& text) {
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_object()) {
    if (json.contains("surface") && json["surface"].is_string()) try {
        showSurface(json["surface"].get<std::string>());
      } catch (const std::invalid_argument& error) {
        note(tr("planner state: %1").arg(error.what()));
      }
    if (json.contains("colour") && json["colour"].is_string()) {
      const int index =
          colourChoice_->findText(QString::fromStdString(json["colour"].get<std::string>()));
      if (index >= 0) colourChoice_->setCurrentIndex(index), refreshOverlay();
    }
    if (json.contains("vessels_shown") && json["vessels_shown"].is_boolean() && hasVessels())
      setVesselsShown(json["vessels_shown"].get<bool>());
    if (json.contains("vessel_mode") && json["vessel_mode"].is_string()) {
      const int index =
          vesselMode_->findText(QString::fromStdString(json["vessel_mode"].get<std::string>()));
      if (index >= 0) vesselMode_->setCurrentIndex(index);
    }
    if (json.contains("vessel_margin_mm") && json["vessel_margin_mm"].is_number())
      vesselMargin_->setValue(json["vessel_margin_mm"].get<double>());
    if (json.contains("image") && json["image"].is_string())
      setImageText(QString::fromStdString(json["image"].get<std::string>()));
    if (json.contains("sites") && json["sites"].is_array()) {
      std::vector<PlanSite> restored;
      const auto triangles = static_cast<int>(cortex_.shown.front().second->triangleCount());
      bool valid = true;
      for (const auto& entry : json["sites"]) {
        if (!entry.is_array() || entry.size() != 5 || !entry[0].is_number_integer()) {
          valid = false;
          break;
        }
        PlanSite site;
        site.point.triangle = entry[0].get<int>();
        site.point.barycentric << entry[1].get<double>(), entry[2].get<double>(),
            entry[3].get<double>();
        site.thread = entry[4].get<int>();
        if (site.point.triangle < 0 || site.point.triangle >= triangles) valid = false;
        restored.push_back(site);
      }
      if (valid)
        setSites(std::move(restored));
      else
        note(tr("planner state: the saved electrodes do not fit this cortex; the plan is kept"));
    }
  }
  Page::restoreState(text);
}

}  // namespace nl::widgets::prosthesis
