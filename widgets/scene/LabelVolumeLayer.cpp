#include "widgets/scene/LabelVolumeLayer.h"

#include <vtkActor.h>
#include <vtkDataSetSurfaceFilter.h>
#include <vtkDiscreteFlyingEdges3D.h>
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkThreshold.h>
#include <vtkWindowedSincPolyDataFilter.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <vector>

#include "io/TypedArray.h"
#include "widgets/AreaColors.h"

namespace nl::widgets {

namespace {

struct LabelState {
  vtkSmartPointer<vtkActor> actor;
  bool visible = true;
  QColor colour;  // invalid: the palette's
  double opacity = 1;
};

vtkSmartPointer<vtkImageData> labelImage(const io::ArrayDataset& labels, const io::VolumeGrid& g) {
  auto image = vtkSmartPointer<vtkImageData>::New();
  image->SetDimensions(static_cast<int>(g.nx), static_cast<int>(g.ny), static_cast<int>(g.nz));
  image->SetSpacing(g.spacing.data());
  image->SetOrigin(g.origin().data());
  image->AllocateScalars(VTK_INT, 1);
  auto* out = static_cast<int*>(image->GetScalarPointer());
  // C order [z][y][x] is VTK's x-fastest point order. Read from the ids'
  // own type a block at a time, never the whole array as doubles.
  const io::TypedArray& ids = labels.typed();
  constexpr std::size_t kBlock = 1 << 16;
  std::vector<double> block(std::min(kBlock, g.voxelCount()));
  for (std::size_t begin = 0; begin < g.voxelCount(); begin += kBlock) {
    const std::size_t n = std::min(kBlock, g.voxelCount() - begin);
    ids.toDouble(begin, n, block.data());
    for (std::size_t i = 0; i < n; ++i)
      out[begin + i] = std::isfinite(block[i]) && block[i] > 0 ? static_cast<int>(block[i]) : 0;
  }
  return image;
}

}  // namespace

struct LabelVolumeLayer::Impl {
  std::map<int, LabelState> labels;
};

struct LabelVolumeLayer::Surfaces {
  io::VolumeGrid grid;
  std::map<int, vtkSmartPointer<vtkPolyData>> labels;
};

std::shared_ptr<const LabelVolumeLayer::Surfaces> LabelVolumeLayer::buildSurfaces(
    const io::ArrayDataset& labels) {
  auto out = std::make_shared<Surfaces>();
  std::size_t channels = 0;
  out->grid = shownGrid(labels, &channels);
  if (channels != 1) throw std::invalid_argument("a label volume has one channel");
  auto image = labelImage(labels, out->grid);
  std::set<int> present;
  {
    const auto* ids = static_cast<const int*>(image->GetScalarPointer());
    for (std::size_t i = 0; i < out->grid.voxelCount(); ++i)
      if (ids[i] > 0) present.insert(ids[i]);
  }
  // One extraction for all labels, then one surface per label.
  vtkNew<vtkDiscreteFlyingEdges3D> surfaces;
  surfaces->SetInputData(image);
  int n = 0;
  for (int label : present) surfaces->SetValue(n++, label);
  surfaces->ComputeScalarsOn();
  surfaces->ComputeNormalsOff();
  surfaces->Update();
  for (int label : present) {
    vtkNew<vtkThreshold> pick;
    pick->SetInputConnection(surfaces->GetOutputPort());
    pick->SetLowerThreshold(label - 0.5);
    pick->SetUpperThreshold(label + 0.5);
    pick->SetThresholdFunction(vtkThreshold::THRESHOLD_BETWEEN);
    pick->SetInputArrayToProcess(0, 0, 0, vtkDataObject::FIELD_ASSOCIATION_POINTS,
                                 vtkDataSetAttributes::SCALARS);
    pick->AllScalarsOn();
    vtkNew<vtkDataSetSurfaceFilter> surface;
    surface->SetInputConnection(pick->GetOutputPort());
    vtkNew<vtkWindowedSincPolyDataFilter> smooth;  // voxel staircases → smooth neurites
    smooth->SetInputConnection(surface->GetOutputPort());
    smooth->SetNumberOfIterations(12);
    smooth->SetPassBand(0.1);
    smooth->NormalizeCoordinatesOn();
    smooth->Update();
    auto mesh = vtkSmartPointer<vtkPolyData>::New();
    mesh->ShallowCopy(smooth->GetOutput());  // detached from the pipeline
    out->labels[label] = mesh;
  }
  return out;
}

LabelVolumeLayer::LabelVolumeLayer(QString name, io::DatasetId dataset,
                                   std::shared_ptr<const io::ArrayDataset> labels, QObject* parent)
    : LabelVolumeLayer(std::move(name), dataset, buildSurfaces(*labels), parent) {}

LabelVolumeLayer::LabelVolumeLayer(QString name, io::DatasetId dataset,
                                   std::shared_ptr<const Surfaces> surfaces, QObject* parent)
    : SceneLayer(std::move(name), dataset, parent), impl_(std::make_unique<Impl>()) {
  grid_ = surfaces->grid;
  for (const auto& [label, mesh] : surfaces->labels) {
    vtkNew<vtkPolyDataMapper> mapper;
    mapper->SetInputData(mesh);
    mapper->ScalarVisibilityOff();
    auto actor = vtkSmartPointer<vtkActor>::New();
    actor->SetMapper(mapper);
    impl_->labels[label].actor = actor;
  }
  applyAppearance();
}

LabelVolumeLayer::~LabelVolumeLayer() = default;

std::vector<int> LabelVolumeLayer::labels() const {
  std::vector<int> out;
  for (const auto& [label, state] : impl_->labels) out.push_back(label);
  return out;
}

void LabelVolumeLayer::setLabelVisible(int label, bool visible) {
  const auto it = impl_->labels.find(label);
  if (it == impl_->labels.end()) return;
  it->second.visible = visible;
  applyAppearance();
  emit changed();
}

bool LabelVolumeLayer::labelVisible(int label) const {
  const auto it = impl_->labels.find(label);
  return it != impl_->labels.end() && it->second.visible;
}

QColor LabelVolumeLayer::labelColour(int label) const {
  if (std::find(highlighted_.begin(), highlighted_.end(), label) != highlighted_.end())
    return highlightColor();
  const auto it = impl_->labels.find(label);
  if (it != impl_->labels.end() && it->second.colour.isValid()) return it->second.colour;
  return instanceColour(label);
}

void LabelVolumeLayer::setLabelColour(int label, const QColor& colour) {
  setLabelColours({{label, colour}});
}

void LabelVolumeLayer::setLabelColours(const std::map<int, QColor>& colours) {
  for (const auto& [label, colour] : colours)
    if (const auto it = impl_->labels.find(label); it != impl_->labels.end())
      it->second.colour = colour;
  applyAppearance();
  emit changed();
}

void LabelVolumeLayer::setLabelOpacity(int label, double opacity) {
  const auto it = impl_->labels.find(label);
  if (it == impl_->labels.end()) return;
  it->second.opacity = std::clamp(opacity, 0.0, 1.0);
  applyAppearance();
  emit changed();
}

double LabelVolumeLayer::labelOpacity(int label) const {
  const auto it = impl_->labels.find(label);
  return it == impl_->labels.end() ? 1.0 : it->second.opacity;
}

double LabelVolumeLayer::shownOpacity(int label) const {
  const auto it = impl_->labels.find(label);
  if (it == impl_->labels.end()) return 0;
  const bool selected =
      std::find(highlighted_.begin(), highlighted_.end(), label) != highlighted_.end();
  constexpr double kFadedWhileOthersSelected = 0.25;
  return opacity() * it->second.opacity *
         (highlighted_.empty() || selected ? 1.0 : kFadedWhileOthersSelected);
}

io::LayerState LabelVolumeLayer::displayState() const {
  io::LayerState state = SceneLayer::displayState();
  state.kind = "labels";
  for (const auto& [label, item] : impl_->labels) {
    if (!item.visible) state.itemVisible[label] = false;
    if (item.opacity != 1.0) state.itemOpacity[label] = item.opacity;
  }
  return state;
}

void LabelVolumeLayer::applyDisplayState(const io::LayerState& state) {
  // Every instance at once (one redraw), to exactly the state's picture.
  for (auto& [label, item] : impl_->labels) {
    const auto visible = state.itemVisible.find(label);
    item.visible = visible == state.itemVisible.end() || visible->second;
    const auto opacity = state.itemOpacity.find(label);
    item.opacity = opacity == state.itemOpacity.end() ? 1.0 : std::clamp(opacity->second, 0.0, 1.0);
  }
  applyAppearance();
  emit changed();
  SceneLayer::applyDisplayState(state);
}

void LabelVolumeLayer::applyAppearance() {
  for (auto& [label, state] : impl_->labels) {
    const QColor c = labelColour(label);
    state.actor->GetProperty()->SetColor(c.redF(), c.greenF(), c.blueF());
    state.actor->GetProperty()->SetOpacity(shownOpacity(label));
    state.actor->SetVisibility(isVisible() && state.visible && state.opacity > 0);
  }
}

void LabelVolumeLayer::attach(vtkRenderer* renderer) {
  for (auto& [label, state] : impl_->labels) renderer->AddActor(state.actor);
}

void LabelVolumeLayer::detach(vtkRenderer* renderer) {
  for (auto& [label, state] : impl_->labels) renderer->RemoveActor(state.actor);
}

bool LabelVolumeLayer::owns(vtkProp* prop) const {
  for (const auto& [label, state] : impl_->labels)
    if (prop == state.actor.GetPointer()) return true;
  return false;
}

std::optional<PickHit> LabelVolumeLayer::hitFromCellPick(vtkProp* prop, long long,
                                                         const double position[3]) const {
  for (const auto& [label, state] : impl_->labels)
    if (prop == state.actor.GetPointer()) {
      PickHit hit;
      hit.dataset = dataset();
      hit.index = label;
      hit.position = {position[0], position[1], position[2]};
      hit.description = tr("instance %1").arg(label);
      return hit;
    }
  return std::nullopt;
}

void LabelVolumeLayer::setHighlight(const std::vector<std::int64_t>& indices) {
  highlighted_ = indices;
  applyAppearance();
}

}  // namespace nl::widgets
