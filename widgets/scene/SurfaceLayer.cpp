#include "widgets/scene/SurfaceLayer.h"

#include <vtkActor.h>
#include <vtkCellArray.h>
#include <vtkFloatArray.h>
#include <vtkGlyph3DMapper.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkPolyDataNormals.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkSphereSource.h>
#include <vtkUnsignedCharArray.h>

#include <QFutureWatcher>
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "widgets/AreaColors.h"
#include "widgets/Colormap.h"
#include "widgets/scene/SurfaceDetail.h"

namespace nl::widgets {

namespace {

// Points, triangles and vertex normals, computed once: colour changes then
// touch only the colour array (not the normals, which took longer).
void shadedMesh(vtkPolyData* target, const std::vector<float>& v,
                const std::vector<std::int32_t>& t) {
  vtkNew<vtkPoints> points;
  points->SetDataTypeToFloat();
  const vtkIdType n = static_cast<vtkIdType>(v.size() / 3);
  points->SetNumberOfPoints(n);
  for (vtkIdType i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(i);
    points->SetPoint(i, v[3 * k], v[3 * k + 1], v[3 * k + 2]);
  }
  vtkNew<vtkCellArray> triangles;
  for (std::size_t i = 0; i + 2 < t.size(); i += 3) {
    const vtkIdType ids[3] = {t[i], t[i + 1], t[i + 2]};
    triangles->InsertNextCell(3, ids);
  }
  vtkNew<vtkPolyData> mesh;
  mesh->SetPoints(points);
  mesh->SetPolys(triangles);
  vtkNew<vtkPolyDataNormals> normals;
  normals->SetInputData(mesh);
  normals->SplittingOff();
  normals->ConsistencyOff();
  normals->Update();
  target->ShallowCopy(normals->GetOutput());
}

}  // namespace

struct SurfaceLayer::Impl {
  vtkNew<vtkPolyData> polyData;  // with normals
  vtkNew<vtkUnsignedCharArray> colours;
  vtkNew<vtkPolyDataMapper> mapper;
  vtkNew<vtkActor> actor;
  // The level of detail drawn while the view is interactive.
  std::shared_ptr<const CoarseMesh> coarse;
  vtkNew<vtkPolyData> coarseData;
  vtkNew<vtkUnsignedCharArray> coarseColours;
  vtkNew<vtkPolyDataMapper> coarseMapper;
  vtkNew<vtkActor> coarseActor;
  QFutureWatcher<std::shared_ptr<const CoarseMesh>>* watcher = nullptr;
  vtkNew<vtkPolyData> highlightPoints;
  vtkNew<vtkActor> highlightActor;
  double diagonal = 1.0;
};

SurfaceLayer::SurfaceLayer(QString name, io::DatasetId dataset,
                           std::shared_ptr<const io::SurfaceMeshDataset> mesh, QObject* parent)
    : SceneLayer(std::move(name), dataset, parent),
      mesh_(std::move(mesh)),
      impl_(std::make_unique<Impl>()) {
  if (!mesh_) throw std::invalid_argument("SurfaceLayer needs a mesh");
  auto& d = *impl_;
  shadedMesh(d.polyData, mesh_->vertices(), mesh_->triangles());
  d.colours->SetName("colours");
  d.colours->SetNumberOfComponents(3);
  d.colours->SetNumberOfTuples(static_cast<vtkIdType>(mesh_->vertexCount()));
  d.polyData->GetPointData()->SetScalars(d.colours);
  double bounds[6];
  d.polyData->GetBounds(bounds);
  d.diagonal = std::sqrt(std::pow(bounds[1] - bounds[0], 2) + std::pow(bounds[3] - bounds[2], 2) +
                         std::pow(bounds[5] - bounds[4], 2));

  for (auto* mapper : {d.mapper.GetPointer(), d.coarseMapper.GetPointer()}) {
    mapper->SetScalarModeToUsePointData();
    mapper->SetColorModeToDirectScalars();
    mapper->ScalarVisibilityOn();
  }
  d.mapper->SetInputData(d.polyData);
  d.actor->SetMapper(d.mapper);
  d.actor->GetProperty()->SetAmbient(0.15);
  d.actor->GetProperty()->SetDiffuse(0.85);
  d.actor->GetProperty()->SetSpecular(0.05);
  // One look for both levels; picking always hits the full mesh (the coarse
  // one is drawn only while the camera moves).
  d.coarseActor->SetProperty(d.actor->GetProperty());
  d.coarseActor->SetMapper(d.coarseMapper);
  d.coarseActor->PickableOff();
  d.coarseActor->VisibilityOff();
  d.coarseColours->SetName("colours");
  d.coarseColours->SetNumberOfComponents(3);

  vtkNew<vtkPoints> none;
  d.highlightPoints->SetPoints(none);
  vtkNew<vtkSphereSource> sphere;
  sphere->SetRadius(d.diagonal * 0.008);
  sphere->SetThetaResolution(16);
  sphere->SetPhiResolution(12);
  vtkNew<vtkGlyph3DMapper> glyphs;
  glyphs->SetInputData(d.highlightPoints);
  glyphs->SetSourceConnection(sphere->GetOutputPort());
  glyphs->SetScaling(false);
  glyphs->ScalarVisibilityOff();
  d.highlightActor->SetMapper(glyphs);
  const QColor h = highlightColor();
  d.highlightActor->GetProperty()->SetColor(h.redF(), h.greenF(), h.blueF());
  d.highlightActor->GetProperty()->SetAmbient(0.6);
  d.highlightActor->PickableOff();
  applyAppearance();
  requestCoarseMesh();
}

SurfaceLayer::~SurfaceLayer() = default;

void SurfaceLayer::setDetailBudget(std::size_t triangles) {
  if (triangles == detailBudget_) return;
  detailBudget_ = triangles;
  impl_->coarse.reset();
  requestCoarseMesh();
  showLevel();
}

bool SurfaceLayer::hasCoarseMesh() const {
  return impl_->coarse && impl_->coarse->triangleCount() > 0;
}

std::size_t SurfaceLayer::drawnTriangles() const {
  return impl_->coarseActor->GetVisibility() ? impl_->coarse->triangleCount()
                                             : mesh_->triangleCount();
}

void SurfaceLayer::requestCoarseMesh() {
  auto& d = *impl_;
  delete d.watcher;  // a pending copy for another budget is no longer wanted here
  d.watcher = nullptr;
  if (detailBudget_ == 0 || mesh_->triangleCount() <= 2 * detailBudget_) return;
  d.watcher = new QFutureWatcher<std::shared_ptr<const CoarseMesh>>(this);
  connect(d.watcher, &QFutureWatcherBase::finished, this, [this] {
    auto& state = *impl_;
    const auto future = state.watcher->future();
    if (future.resultCount() == 0) return;
    state.coarse = future.result();
    if (!hasCoarseMesh()) return;
    shadedMesh(state.coarseData, state.coarse->vertices, state.coarse->triangles);
    state.coarseColours->SetNumberOfTuples(
        static_cast<vtkIdType>(state.coarse->sourceVertex.size()));
    state.coarseData->GetPointData()->SetScalars(state.coarseColours);
    state.coarseMapper->SetInputData(state.coarseData);
    applyAppearance();
    emit changed();
  });
  d.watcher->setFuture(coarseSurface(mesh_, detailBudget_));
}

QString SurfaceLayer::scalarTitle() const {
  return overlayName_.isEmpty() ? name() : overlayName_;
}

void SurfaceLayer::setInteractive(bool interactive) {
  if (interactive == interactive_) return;
  interactive_ = interactive;
  showLevel();
}

void SurfaceLayer::showLevel() {
  auto& d = *impl_;
  const bool coarse = interactive_ && hasCoarseMesh();
  d.actor->SetVisibility(isVisible() && !coarse);
  d.coarseActor->SetVisibility(isVisible() && coarse);
}

void SurfaceLayer::setOverlay(std::vector<double> values, QString overlayName) {
  if (!values.empty() && values.size() != mesh_->vertexCount())
    throw std::invalid_argument("overlay has " + std::to_string(values.size()) + " values for " +
                                std::to_string(mesh_->vertexCount()) + " vertices");
  overlay_ = std::move(values);
  overlayName_ = std::move(overlayName);
  initialiseRange();
  applyAppearance();
  emit changed();
}

io::LayerState SurfaceLayer::displayState() const {
  io::LayerState state = SceneLayer::displayState();
  state.kind = "surface";
  if (!labels_.perVertex.empty()) state.extras["labels_visible"] = showLabels_ ? "true" : "false";
  return state;
}

void SurfaceLayer::applyDisplayState(const io::LayerState& state) {
  if (const auto it = state.extras.find("labels_visible");
      it != state.extras.end() && !labels_.perVertex.empty() &&
      (it->second == "true" || it->second == "false"))
    setLabelsVisible(it->second == "true");
  SceneLayer::applyDisplayState(state);
}

void SurfaceLayer::setUnderlay(std::vector<double> curvature) {
  if (!curvature.empty() && curvature.size() != mesh_->vertexCount())
    throw std::invalid_argument("underlay size does not match the mesh");
  underlay_ = std::move(curvature);
  applyAppearance();
  emit changed();
}

void SurfaceLayer::setLabels(SurfaceLabels labels) {
  if (!labels.perVertex.empty() && labels.perVertex.size() != mesh_->vertexCount())
    throw std::invalid_argument("label count does not match the mesh");
  labels_ = std::move(labels);
  applyAppearance();
  emit changed();
}

void SurfaceLayer::setLabelsVisible(bool visible) {
  showLabels_ = visible;
  applyAppearance();
  emit changed();
}

std::pair<double, double> SurfaceLayer::dataRange() const {
  double low = std::numeric_limits<double>::infinity(), high = -low;
  for (double v : overlay_)
    if (std::isfinite(v)) low = std::min(low, v), high = std::max(high, v);
  if (!std::isfinite(low)) return {0.0, 1.0};
  return {low, high};
}

std::array<unsigned char, 3> SurfaceLayer::colourOf(std::size_t vertex,
                                                    const ColourTable& table) const {
  const double value = overlay_.empty() ? std::nan("") : overlay_[vertex];
  if (std::isfinite(value) && std::abs(value) >= threshold()) {
    const auto [low, high] = scalarRange();
    const double t = std::clamp((value - low) / (high - low), 0.0, 1.0);
    const auto& c =
        table[static_cast<std::size_t>(std::lround(t * static_cast<double>(table.size() - 1)))];
    return {c[0], c[1], c[2]};
  }
  // Underlay: binary sulcal shading, as FreeSurfer and Workbench draw it.
  QColor c(175, 175, 175);
  if (!underlay_.empty()) c = underlay_[vertex] > 0 ? QColor(115, 115, 115) : QColor(190, 190, 190);
  if (showLabels_ && !labels_.perVertex.empty()) {
    const auto it = labels_.colours.find(labels_.perVertex[vertex]);
    if (it != labels_.colours.end() && it->second.alpha() > 0) c = it->second;
  }
  return {static_cast<unsigned char>(c.red()), static_cast<unsigned char>(c.green()),
          static_cast<unsigned char>(c.blue())};
}

QColor SurfaceLayer::vertexColour(std::size_t vertex) const {
  const auto rgb = colourOf(vertex, Colormap::byName(colormap()).table(1024));
  return QColor(rgb[0], rgb[1], rgb[2]);
}

void SurfaceLayer::applyAppearance() {
  auto& d = *impl_;
  const auto table = Colormap::byName(colormap()).table(1024);
  for (std::size_t i = 0; i < mesh_->vertexCount(); ++i)
    d.colours->SetTypedTuple(static_cast<vtkIdType>(i), colourOf(i, table).data());
  d.colours->Modified();
  if (hasCoarseMesh()) {
    // Each coarse vertex shows its full-mesh vertex's colour.
    const unsigned char* full = d.colours->GetPointer(0);
    unsigned char* coarse = d.coarseColours->GetPointer(0);
    const auto& source = d.coarse->sourceVertex;
    for (std::size_t i = 0; i < source.size(); ++i)
      std::copy_n(full + 3 * static_cast<std::size_t>(source[i]), 3, coarse + 3 * i);
    d.coarseColours->Modified();
  }
  showLevel();
  d.highlightActor->SetVisibility(isVisible());
  d.actor->GetProperty()->SetOpacity(opacity());
}

void SurfaceLayer::attach(vtkRenderer* renderer) {
  renderer->AddActor(impl_->actor);
  renderer->AddActor(impl_->coarseActor);
  renderer->AddActor(impl_->highlightActor);
}

void SurfaceLayer::detach(vtkRenderer* renderer) {
  renderer->RemoveActor(impl_->actor);
  renderer->RemoveActor(impl_->coarseActor);
  renderer->RemoveActor(impl_->highlightActor);
}

bool SurfaceLayer::owns(vtkProp* prop) const {
  return prop == impl_->actor.GetPointer();
}

std::optional<PickHit> SurfaceLayer::hitFromCellPick(vtkProp*, long long cellId,
                                                     const double position[3]) const {
  if (cellId < 0 || static_cast<std::size_t>(cellId) >= mesh_->triangleCount()) return std::nullopt;
  const auto& t = mesh_->triangles();
  const auto& v = mesh_->vertices();
  std::int64_t best = -1;
  double bestDistance = std::numeric_limits<double>::infinity();
  for (int k = 0; k < 3; ++k) {
    const auto vertex = static_cast<std::size_t>(t[3 * static_cast<std::size_t>(cellId) + k]);
    const double dx = v[3 * vertex] - position[0], dy = v[3 * vertex + 1] - position[1],
                 dz = v[3 * vertex + 2] - position[2];
    const double distance = dx * dx + dy * dy + dz * dz;
    if (distance < bestDistance) bestDistance = distance, best = static_cast<std::int64_t>(vertex);
  }
  PickHit hit;
  hit.dataset = dataset();
  hit.index = best;
  const auto b = static_cast<std::size_t>(best);
  hit.position = {v[3 * b], v[3 * b + 1], v[3 * b + 2]};
  hit.description = tr("vertex %1").arg(best);
  if (!overlay_.empty()) hit.description += tr(": %1 = %2").arg(overlayName_).arg(overlay_[b]);
  if (!labels_.perVertex.empty()) {
    const auto it = labels_.names.find(labels_.perVertex[b]);
    if (it != labels_.names.end()) hit.description += " (" + it->second + ")";
  }
  return hit;
}

void SurfaceLayer::setHighlight(const std::vector<std::int64_t>& indices) {
  vtkNew<vtkPoints> points;
  const auto& v = mesh_->vertices();
  for (auto index : indices)
    if (index >= 0 && static_cast<std::size_t>(index) < mesh_->vertexCount()) {
      const auto i = static_cast<std::size_t>(index);
      points->InsertNextPoint(v[3 * i], v[3 * i + 1], v[3 * i + 2]);
    }
  impl_->highlightPoints->SetPoints(points);
  impl_->highlightPoints->Modified();
}

}  // namespace nl::widgets
