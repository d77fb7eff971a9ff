#include "widgets/scene/PointsLayer.h"

#include <vtkActor.h>
#include <vtkCellArray.h>
#include <vtkCellData.h>
#include <vtkFloatArray.h>
#include <vtkGlyph3DMapper.h>
#include <vtkIdTypeArray.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkSphereSource.h>
#include <vtkTubeFilter.h>
#include <vtkUnsignedCharArray.h>

#include <cmath>
#include <limits>

#include "widgets/AreaColors.h"
#include "widgets/Colormap.h"
#include "widgets/VtkView.h"

namespace nl::widgets {

namespace {
// Spheres with fewer facets the more of them there are: 3,920 probe sites and
// units at 14 × 10 were 940k triangles, three times a cortex, for dots a few
// pixels wide (the first frame of a 2,000-unit recording on software OpenGL).
std::pair<int, int> sphereResolution(std::size_t count) {
  return {count <= 500 ? 14 : count <= 1500 ? 10 : 8, count <= 500 ? 10 : count <= 1500 ? 7 : 5};
}
// While the view moves, dots a few pixels wide on llvmpipe, which pays for
// every triangle: 6 × 4 facets (36 triangles against 252 at 14 × 10), and
// octahedra (8) beyond 500 points (vessel voxels near a cortex: a thousand).
std::pair<int, int> interactiveResolution(std::size_t count) {
  return count <= 500 ? std::pair{6, 4} : std::pair{4, 3};
}

vtkSmartPointer<vtkGlyph3DMapper> sphereGlyphs(vtkPolyData* input, vtkSphereSource* sphere,
                                               double radius, std::size_t count) {
  sphere->SetRadius(radius);
  const auto [theta, phi] = sphereResolution(count);
  sphere->SetThetaResolution(theta);
  sphere->SetPhiResolution(phi);
  auto mapper = vtkSmartPointer<vtkGlyph3DMapper>::New();
  mapper->SetInputData(input);
  mapper->SetSourceConnection(sphere->GetOutputPort());
  return mapper;
}

void buildLines(const std::vector<LinesLayer::Polyline>& lines, vtkPolyData* data,
                std::vector<std::int64_t>& cellToLine) {
  vtkNew<vtkPoints> points;
  vtkNew<vtkCellArray> cells;
  vtkNew<vtkIdTypeArray> lineIndex;
  lineIndex->SetName("line_index");
  cellToLine.clear();
  for (std::size_t l = 0; l < lines.size(); ++l) {
    std::vector<vtkIdType> ids;
    for (const auto& p : lines[l]) ids.push_back(points->InsertNextPoint(p.data()));
    if (ids.size() >= 2) {
      cells->InsertNextCell(static_cast<vtkIdType>(ids.size()), ids.data());
      lineIndex->InsertNextValue(static_cast<vtkIdType>(l));
      // The tube filter emits many cells per line; remember which line each came from.
      cellToLine.push_back(static_cast<std::int64_t>(l));
    }
  }
  data->SetPoints(points);
  data->SetLines(cells);
  data->GetCellData()->RemoveArray("line_index");
  data->GetCellData()->AddArray(lineIndex);
}
}  // namespace

// ---------------------------------------------------------------- points

struct PointsLayer::Impl {
  vtkNew<vtkSphereSource> sphere, highlightSphere;
  std::pair<int, int> stillResolution;
  bool interactive = false;
  vtkNew<vtkPolyData> data;
  vtkNew<vtkUnsignedCharArray> colours;
  vtkNew<vtkFloatArray> scale;
  vtkNew<vtkActor> actor;
  vtkNew<vtkPolyData> highlightData;
  vtkNew<vtkActor> highlightActor;
};

PointsLayer::PointsLayer(QString name, io::DatasetId dataset,
                         std::vector<std::array<double, 3>> positions, double radius,
                         QObject* parent)
    : SceneLayer(std::move(name), dataset, parent),
      positions_(std::move(positions)),
      colours_(positions_.size(), QColor(200, 200, 200)),
      radius_(radius),
      impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  vtkNew<vtkPoints> points;
  for (const auto& p : positions_) points->InsertNextPoint(p.data());
  d.data->SetPoints(points);
  d.colours->SetName("colours");
  d.colours->SetNumberOfComponents(3);
  d.colours->SetNumberOfTuples(static_cast<vtkIdType>(positions_.size()));
  d.data->GetPointData()->AddArray(d.colours);
  d.scale->SetName("scale");
  d.scale->SetNumberOfTuples(static_cast<vtkIdType>(positions_.size()));
  d.scale->Fill(1.0);
  d.data->GetPointData()->AddArray(d.scale);
  auto mapper = sphereGlyphs(d.data, d.sphere, radius_, positions_.size());
  d.stillResolution = sphereResolution(positions_.size());
  mapper->SetScalarModeToUsePointFieldData();
  mapper->SelectColorArray("colours");
  mapper->SetColorModeToDirectScalars();
  mapper->ScalarVisibilityOn();
  mapper->SetScaleArray("scale");
  mapper->SetScaleModeToScaleByMagnitude();
  d.actor->SetMapper(mapper);
  d.actor->GetProperty()->SetSpecular(0.3);
  d.actor->GetProperty()->SetSpecularPower(20);

  vtkNew<vtkPoints> none;
  d.highlightData->SetPoints(none);
  auto highlightMapper = sphereGlyphs(d.highlightData, d.highlightSphere, radius_ * 2.2, 1);
  highlightMapper->SetScaling(false);
  highlightMapper->ScalarVisibilityOff();
  d.highlightActor->SetMapper(highlightMapper);
  const QColor h = highlightColor();
  d.highlightActor->GetProperty()->SetColor(h.redF(), h.greenF(), h.blueF());
  d.highlightActor->GetProperty()->SetAmbient(0.6);
  d.highlightActor->PickableOff();
  applyAppearance();
}

PointsLayer::~PointsLayer() = default;

void PointsLayer::setInteractive(bool interactive) {
  auto& d = *impl_;
  if (interactive == d.interactive) return;
  d.interactive = interactive;
  const auto [theta, phi] = d.stillResolution;
  const auto [movingTheta, movingPhi] = interactiveResolution(positions_.size());
  d.sphere->SetThetaResolution(interactive ? std::min(theta, movingTheta) : theta);
  d.sphere->SetPhiResolution(interactive ? std::min(phi, movingPhi) : phi);
}

std::size_t PointsLayer::glyphTriangles() const {
  impl_->sphere->Update();
  return static_cast<std::size_t>(impl_->sphere->GetOutput()->GetNumberOfPolys());
}

void PointsLayer::setPositions(std::vector<std::array<double, 3>> positions) {
  if (positions.size() != positions_.size())
    throw std::invalid_argument("setPositions keeps the number of points");
  positions_ = std::move(positions);
  vtkPoints* points = impl_->data->GetPoints();
  for (std::size_t i = 0; i < positions_.size(); ++i)
    points->SetPoint(static_cast<vtkIdType>(i), positions_[i].data());
  points->Modified();
  impl_->data->Modified();
  emit changed();
}

void PointsLayer::setColours(const std::vector<QColor>& colours) {
  if (colours.size() != positions_.size())
    throw std::invalid_argument("one colour per point needed");
  colours_ = colours;
  values_.clear();
  applyAppearance();
  emit changed();
}

void PointsLayer::setValues(std::vector<double> values) {
  if (values.size() != positions_.size()) throw std::invalid_argument("one value per point needed");
  values_ = std::move(values);
  initialiseRange();
  applyAppearance();
  emit changed();
}

void PointsLayer::setAttributes(std::map<QString, std::vector<double>> attributes) {
  for (const auto& [name, values] : attributes)
    if (values.size() != positions_.size())
      throw std::invalid_argument("attribute " + name.toStdString() + " has the wrong length");
  attributes_ = std::move(attributes);
}

void PointsLayer::colourBy(const QString& attribute) {
  colourAttribute_ = attribute;
  if (attribute.isEmpty()) {
    values_.clear();
    applyAppearance();
    emit changed();
    return;
  }
  setValues(attributes_.at(attribute));
}

void PointsLayer::sizeBy(const QString& attribute) {
  sizeAttribute_ = attribute;
  if (attribute.isEmpty()) {
    setSizes(defaultSizes_.empty() ? std::vector<double>(positions_.size(), 1.0) : defaultSizes_);
    return;
  }
  // Square-root scaling between 0.5 and 2 times the radius: area follows the value.
  const auto& values = attributes_.at(attribute);
  double low = std::numeric_limits<double>::infinity(), high = -low;
  for (double v : values)
    if (std::isfinite(v)) low = std::min(low, v), high = std::max(high, v);
  std::vector<double> scale(values.size(), 1.0);
  for (std::size_t i = 0; i < values.size(); ++i)
    if (std::isfinite(values[i]) && high > low)
      scale[i] = 0.5 + 1.5 * std::sqrt((values[i] - low) / (high - low));
  const auto keep = defaultSizes_;
  setSizes(scale);
  defaultSizes_ = keep;
}

void PointsLayer::setSizes(const std::vector<double>& scale) {
  if (scale.size() != positions_.size()) throw std::invalid_argument("one size per point needed");
  if (sizeAttribute_.isEmpty()) defaultSizes_ = scale;
  for (std::size_t i = 0; i < scale.size(); ++i)
    impl_->scale->SetValue(static_cast<vtkIdType>(i), static_cast<float>(scale[i]));
  impl_->scale->Modified();
  emit changed();
}

io::LayerState PointsLayer::displayState() const {
  io::LayerState state = SceneLayer::displayState();
  state.kind = "points";
  if (!attributes_.empty()) {
    state.extras["colour_by"] = colourAttribute_.toStdString();
    state.extras["size_by"] = sizeAttribute_.toStdString();
  }
  return state;
}

void PointsLayer::applyDisplayState(const io::LayerState& state) {
  // Colouring by an attribute resets the range: choose it before the mapping.
  auto attribute = [&](const char* key) -> std::optional<QString> {
    const auto it = state.extras.find(key);
    if (it == state.extras.end()) return std::nullopt;
    const QString name = QString::fromStdString(it->second);
    if (!name.isEmpty() && !attributes_.contains(name)) return std::nullopt;
    return name;
  };
  if (const auto colour = attribute("colour_by"); colour && *colour != colourAttribute_)
    colourBy(*colour);
  if (const auto size = attribute("size_by"); size && *size != sizeAttribute_) sizeBy(*size);
  SceneLayer::applyDisplayState(state);
}

std::pair<double, double> PointsLayer::dataRange() const {
  double low = std::numeric_limits<double>::infinity(), high = -low;
  for (double v : values_)
    if (std::isfinite(v)) low = std::min(low, v), high = std::max(high, v);
  return std::isfinite(low) ? std::pair{low, high} : std::pair{0.0, 1.0};
}

void PointsLayer::applyAppearance() {
  auto& d = *impl_;
  const auto map = Colormap::byName(colormap());
  const auto [low, high] = scalarRange();
  for (std::size_t i = 0; i < positions_.size(); ++i) {
    const QColor c = values_.empty() ? colours_[i] : map.at((values_[i] - low) / (high - low));
    const unsigned char rgb[3] = {static_cast<unsigned char>(c.red()),
                                  static_cast<unsigned char>(c.green()),
                                  static_cast<unsigned char>(c.blue())};
    d.colours->SetTypedTuple(static_cast<vtkIdType>(i), rgb);
  }
  d.colours->Modified();
  d.actor->SetVisibility(isVisible());
  d.highlightActor->SetVisibility(isVisible());
  d.actor->GetProperty()->SetOpacity(opacity());
}

void PointsLayer::attach(vtkRenderer* renderer) {
  renderer->AddActor(impl_->actor);
  renderer->AddActor(impl_->highlightActor);
}

void PointsLayer::detach(vtkRenderer* renderer) {
  renderer->RemoveActor(impl_->actor);
  renderer->RemoveActor(impl_->highlightActor);
}

bool PointsLayer::owns(vtkProp* prop) const {
  return prop == impl_->actor.GetPointer();
}

std::optional<PickHit> PointsLayer::pickNear(const VtkView& view, QPointF widgetPosition) const {
  std::int64_t best = -1;
  double bestDistance = pickRadius_;
  for (std::size_t i = 0; i < positions_.size(); ++i) {
    const auto screen = view.worldToWidget(positions_[i]);
    if (!screen) continue;
    const double distance =
        std::hypot(screen->x() - widgetPosition.x(), screen->y() - widgetPosition.y());
    if (distance < bestDistance) bestDistance = distance, best = static_cast<std::int64_t>(i);
  }
  if (best < 0) return std::nullopt;
  PickHit hit;
  hit.dataset = dataset();
  hit.index = best;
  hit.position = positions_[static_cast<std::size_t>(best)];
  hit.description = tr("%1 #%2").arg(name()).arg(best);
  if (!values_.empty()) hit.description += tr(": %1").arg(values_[static_cast<std::size_t>(best)]);
  return hit;
}

void PointsLayer::setHighlight(const std::vector<std::int64_t>& indices) {
  vtkNew<vtkPoints> points;
  for (auto index : indices)
    if (index >= 0 && static_cast<std::size_t>(index) < positions_.size())
      points->InsertNextPoint(positions_[static_cast<std::size_t>(index)].data());
  impl_->highlightData->SetPoints(points);
  impl_->highlightData->Modified();
}

// ---------------------------------------------------------------- lines

namespace {
constexpr int kStillTubeSides = 12, kInteractiveTubeSides = 5;
}

struct LinesLayer::Impl {
  vtkNew<vtkPolyData> data;
  vtkNew<vtkUnsignedCharArray> colours;
  // Two tessellations of the same lines: 12 sides when still, 5 while the
  // view moves; the mapper draws one, so only that one runs (and each keeps
  // its output until the lines change: no re-tessellation per switch).
  vtkNew<vtkTubeFilter> tubes, movingTubes;
  bool interactive = false;
  vtkNew<vtkPolyDataMapper> mapper;
  vtkNew<vtkActor> actor;
};

LinesLayer::LinesLayer(QString name, io::DatasetId dataset, std::vector<Polyline> lines,
                       double radius, QColor colour, QObject* parent)
    : SceneLayer(std::move(name), dataset, parent),
      lines_(std::move(lines)),
      colours_(lines_.size(), colour),
      impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  buildLines(lines_, d.data, cellToLine_);
  d.colours->SetName("colours");
  d.colours->SetNumberOfComponents(3);
  d.data->GetCellData()->SetScalars(d.colours);
  for (vtkTubeFilter* filter : {d.tubes.GetPointer(), d.movingTubes.GetPointer()}) {
    filter->SetInputData(d.data);
    filter->SetRadius(radius);
    filter->CappingOn();
  }
  d.tubes->SetNumberOfSides(kStillTubeSides);
  d.movingTubes->SetNumberOfSides(kInteractiveTubeSides);
  d.mapper->SetInputConnection(d.tubes->GetOutputPort());
  d.mapper->SetScalarModeToUseCellData();
  d.mapper->SetColorModeToDirectScalars();
  d.actor->SetMapper(d.mapper);
  applyAppearance();
}

LinesLayer::~LinesLayer() = default;

void LinesLayer::setLines(std::vector<Polyline> lines) {
  if (lines.size() != lines_.size())
    colours_.resize(lines.size(), colours_.empty() ? QColor(200, 200, 200) : colours_.front());
  lines_ = std::move(lines);
  buildLines(lines_, impl_->data, cellToLine_);
  impl_->data->Modified();
  applyAppearance();
  emit changed();
}

void LinesLayer::setInteractive(bool interactive) {
  auto& d = *impl_;
  if (interactive == d.interactive) return;
  d.interactive = interactive;
  d.mapper->SetInputConnection((interactive ? d.movingTubes : d.tubes)->GetOutputPort());
}

io::LayerState LinesLayer::displayState() const {
  io::LayerState state = SceneLayer::displayState();
  state.kind = "lines";
  return state;
}

void LinesLayer::setColours(const std::vector<QColor>& perLine) {
  if (perLine.size() != lines_.size()) throw std::invalid_argument("one colour per line needed");
  colours_ = perLine;
  applyAppearance();
  emit changed();
}

void LinesLayer::applyAppearance() {
  auto& d = *impl_;
  d.colours->SetNumberOfTuples(static_cast<vtkIdType>(cellToLine_.size()));
  for (std::size_t c = 0; c < cellToLine_.size(); ++c) {
    const auto line = static_cast<std::int64_t>(cellToLine_[c]);
    const bool lit =
        std::find(highlighted_.begin(), highlighted_.end(), line) != highlighted_.end();
    const QColor colour = lit ? highlightColor() : colours_[static_cast<std::size_t>(line)];
    const unsigned char rgb[3] = {static_cast<unsigned char>(colour.red()),
                                  static_cast<unsigned char>(colour.green()),
                                  static_cast<unsigned char>(colour.blue())};
    d.colours->SetTypedTuple(static_cast<vtkIdType>(c), rgb);
  }
  d.colours->Modified();
  d.actor->SetVisibility(isVisible());
  d.actor->GetProperty()->SetOpacity(opacity());
}

void LinesLayer::attach(vtkRenderer* renderer) {
  renderer->AddActor(impl_->actor);
}
void LinesLayer::detach(vtkRenderer* renderer) {
  renderer->RemoveActor(impl_->actor);
}
bool LinesLayer::owns(vtkProp* prop) const {
  return prop == impl_->actor.GetPointer();
}

std::optional<PickHit> LinesLayer::hitFromCellPick(vtkProp*, long long cellId,
                                                   const double position[3]) const {
  // vtkTubeFilter copies input cell data to every output cell of a line.
  auto* output = (impl_->interactive ? impl_->movingTubes : impl_->tubes)->GetOutput();
  auto* lineIndex = vtkIdTypeArray::SafeDownCast(output->GetCellData()->GetArray("line_index"));
  if (lineIndex == nullptr || cellId < 0 || cellId >= lineIndex->GetNumberOfTuples())
    return std::nullopt;
  PickHit hit;
  hit.dataset = dataset();
  hit.index = lineIndex->GetValue(cellId);
  hit.position = {position[0], position[1], position[2]};
  hit.description = tr("%1 line %2").arg(name()).arg(hit.index);
  return hit;
}

void LinesLayer::setHighlight(const std::vector<std::int64_t>& indices) {
  highlighted_ = indices;
  applyAppearance();
}

}  // namespace nl::widgets
