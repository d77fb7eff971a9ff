#include "widgets/scene/Scene.h"

#include <vtkAxesActor.h>
#include <vtkCellPicker.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkLookupTable.h>
#include <vtkNew.h>
#include <vtkOrientationMarkerWidget.h>
#include <vtkProp.h>
#include <vtkRenderWindowInteractor.h>
#include <vtkRenderer.h>
#include <vtkScalarBarActor.h>
#include <vtkTextProperty.h>

#include <QPointer>
#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include "widgets/VtkView.h"
#include "widgets/scene/LookupTable.h"

namespace nl::widgets {

namespace {
constexpr const char* kOrigin = "scene3d";

// (kind, name, how many layers of that kind and name come before it): what
// identifies a layer across a reload, where dataset ids do not.
using LayerKey = std::tuple<std::string, std::string, int>;

std::vector<LayerKey> keysOf(const std::vector<std::pair<std::string, std::string>>& identities) {
  std::map<std::pair<std::string, std::string>, int> seen;
  std::vector<LayerKey> keys;
  for (const auto& [kind, name] : identities) keys.emplace_back(kind, name, seen[{kind, name}]++);
  return keys;
}

std::vector<LayerKey> keysOf(const std::vector<SceneLayer*>& layers) {
  std::vector<std::pair<std::string, std::string>> identities;
  for (const auto* layer : layers)
    identities.emplace_back(layer->displayState().kind, layer->name().toStdString());
  return keysOf(identities);
}
}  // namespace

struct Scene::Impl {
  QPointer<VtkView> view;
  io::Session* session = nullptr;
  std::vector<SceneLayer*> layers;
  SceneLayer* scalarBarLayer = nullptr;
  vtkNew<vtkScalarBarActor> scalarBar;
  vtkNew<vtkLookupTable> scalarBarTable;
  vtkNew<vtkAxesActor> axes;
  vtkNew<vtkOrientationMarkerWidget> axesWidget;
  vtkNew<vtkCellPicker> picker;
  io::Signal<const std::string&>::ConnectionId selectionConnection = 0;
  // From applyState: saved layers no current layer matched, for layers added
  // later (previews that arrive after the page was restored), and a camera
  // saved while the scene had no layer yet (the first layer would reframe).
  std::vector<std::pair<LayerKey, io::LayerState>> pendingLayers;
  std::optional<LayerKey> pendingScalarBar;
  std::optional<io::CameraState> pendingCamera;
};

Scene::Scene(VtkView* view, io::Session& session, QObject* parent)
    : QObject(parent), impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  d.view = view;
  d.session = &session;
  d.picker->SetTolerance(0.002);
  d.scalarBar->SetLookupTable(d.scalarBarTable);
  d.scalarBar->SetNumberOfLabels(5);
  // "180", "0.25": VTK's default "%-#6.3g" wrote "180." and "0.00".
  d.scalarBar->SetLabelFormat("%.4g");
  d.scalarBar->SetMaximumWidthInPixels(90);
  d.scalarBar->SetMaximumHeightInPixels(260);
  d.scalarBar->SetPosition(0.88, 0.08);
  d.scalarBar->SetWidth(0.1);
  d.scalarBar->SetHeight(0.5);
  d.scalarBar->GetLabelTextProperty()->SetFontSize(11);
  d.scalarBar->GetTitleTextProperty()->SetFontSize(12);
  d.scalarBar->VisibilityOff();
  view->renderer()->AddActor2D(d.scalarBar);
  d.axes->SetXAxisLabelText("R");
  d.axes->SetYAxisLabelText("A");
  d.axes->SetZAxisLabelText("S");
  d.axesWidget->SetOrientationMarker(d.axes);
  d.axesWidget->SetDefaultRenderer(view->renderer());
  d.axesWidget->SetInteractor(view->renderWindow()->GetInteractor());
  d.axesWidget->SetViewport(0.0, 0.0, 0.16, 0.2);
  d.axesWidget->SetEnabled(1);
  d.axesWidget->InteractiveOff();

  connect(view, &VtkView::clicked, this, [this](QPointF position, Qt::KeyboardModifiers modifiers) {
    auto& selection = impl_->session->selection();
    const auto hit = pickAt(position);
    if (!hit) {
      if (!(modifiers & Qt::ShiftModifier)) selection.clear(kOrigin);
      return;
    }
    // An item that is a table row selects the row (the table follows).
    io::DatasetId target = hit->dataset;
    std::int64_t index = hit->index;
    for (auto* layer : impl_->layers)
      if (layer->dataset() == hit->dataset && layer->rowTable() != io::kNoDataset)
        if (const auto row = layer->rowOfItem(hit->index)) {
          target = layer->rowTable();
          index = *row;
          break;
        }
    std::vector<std::int64_t> indices;
    if ((modifiers & (Qt::ShiftModifier | Qt::ControlModifier)) && selection.dataset() == target)
      indices = selection.indices();
    indices.push_back(index);
    selection.select(target, indices, kOrigin);
    emit picked(*hit);
  });
  d.selectionConnection =
      session.selection().changed.connect([this](const std::string&) { refreshHighlights(); });
  connect(view, &VtkView::interactionChanged, this, [this](bool interacting) {
    for (auto* layer : impl_->layers) layer->setInteractive(interacting);
  });
}

Scene::~Scene() {
  impl_->session->selection().changed.disconnect(impl_->selectionConnection);
  if (impl_->view) {
    impl_->axesWidget->SetEnabled(0);
    for (auto* layer : impl_->layers) layer->detach(impl_->view->renderer());
    impl_->view->renderer()->RemoveActor2D(impl_->scalarBar);
  }
}

VtkView* Scene::view() const {
  return impl_->view;
}
const std::vector<SceneLayer*>& Scene::layers() const {
  return impl_->layers;
}
SceneLayer* Scene::scalarBarLayer() const {
  return impl_->scalarBarLayer;
}

void Scene::addLayer(SceneLayer* layer) {
  auto& d = *impl_;
  layer->setParent(this);
  const bool first = d.layers.empty();
  d.layers.push_back(layer);
  layer->attach(d.view->renderer());
  layer->setInteractive(d.view->isInteracting());
  connect(layer, &SceneLayer::changed, this, [this, layer] {
    if (layer == impl_->scalarBarLayer) refreshScalarBar();
    impl_->view->requestRender();
  });
  if (layer->hasScalars() && d.scalarBarLayer == nullptr) setScalarBarLayer(layer);
  if (!d.pendingLayers.empty()) {
    const LayerKey key = keysOf(d.layers).back();
    const auto it = std::find_if(d.pendingLayers.begin(), d.pendingLayers.end(),
                                 [&key](const auto& entry) { return entry.first == key; });
    if (it != d.pendingLayers.end()) {
      layer->applyDisplayState(it->second);
      if (d.pendingScalarBar == key) {
        d.pendingScalarBar.reset();
        setScalarBarLayer(layer);
      }
      d.pendingLayers.erase(it);
    }
  }
  refreshHighlights();
  if (first && d.pendingCamera) {
    d.view->setCameraState(*d.pendingCamera);
    d.pendingCamera.reset();
  } else if (first) {
    d.view->resetCamera();
  }
  d.view->requestRender();
  emit layersChanged();
}

void Scene::removeLayer(SceneLayer* layer) {
  auto& d = *impl_;
  const auto it = std::find(d.layers.begin(), d.layers.end(), layer);
  if (it == d.layers.end()) return;
  layer->detach(d.view->renderer());
  d.layers.erase(it);
  if (d.scalarBarLayer == layer) {
    d.scalarBarLayer = nullptr;
    for (auto* other : d.layers)
      if (other->hasScalars()) setScalarBarLayer(other);
    refreshScalarBar();
  }
  layer->deleteLater();
  d.view->requestRender();
  emit layersChanged();
}

void Scene::moveLayer(int from, int to) {
  auto& d = *impl_;
  const int n = static_cast<int>(d.layers.size());
  if (from < 0 || from >= n || to < 0 || to >= n || from == to) return;
  SceneLayer* layer = d.layers[static_cast<std::size_t>(from)];
  d.layers.erase(d.layers.begin() + from);
  d.layers.insert(d.layers.begin() + to, layer);
  // Re-add in order: for translucent props VTK draws in insertion order.
  for (auto* l : d.layers) l->detach(d.view->renderer());
  for (auto* l : d.layers) l->attach(d.view->renderer());
  d.view->requestRender();
  emit layersChanged();
}

void Scene::setScalarBarLayer(SceneLayer* layer) {
  impl_->scalarBarLayer = layer;
  refreshScalarBar();
}

void Scene::refreshScalarBar() {
  auto& d = *impl_;
  SceneLayer* layer = d.scalarBarLayer;
  if (layer == nullptr || !layer->hasScalars() || !layer->isVisible()) {
    d.scalarBar->VisibilityOff();
    return;
  }
  fillLookupTable(d.scalarBarTable, *layer);
  d.scalarBar->SetTitle(layer->scalarTitle().left(24).toUtf8().constData());
  d.scalarBar->VisibilityOn();
}

io::SceneState Scene::captureState() const {
  const auto& d = *impl_;
  io::SceneState state;
  if (d.view && d.view->cameraFramed()) state.camera = d.view->cameraState();
  for (std::size_t i = 0; i < d.layers.size(); ++i) {
    state.layers.push_back(d.layers[i]->displayState());
    if (d.layers[i] == d.scalarBarLayer) state.scalarBarLayer = static_cast<int>(i);
  }
  return state;
}

void Scene::applyState(const io::SceneState& state) {
  auto& d = *impl_;
  std::vector<std::pair<std::string, std::string>> saved;
  for (const auto& layer : state.layers) saved.emplace_back(layer.kind, layer.name);
  const auto currentKeys = keysOf(d.layers), savedKeys = keysOf(saved);
  // target[i]: the current layer that saved layer i restores, or none.
  std::vector<SceneLayer*> target(state.layers.size(), nullptr);
  std::vector<std::size_t> places;  // where the matched layers are now
  std::vector<bool> taken(d.layers.size(), false);
  for (std::size_t i = 0; i < state.layers.size(); ++i)
    for (std::size_t j = 0; j < d.layers.size(); ++j)
      if (!taken[j] && currentKeys[j] == savedKeys[i]) {
        target[i] = d.layers[j];
        taken[j] = true;
        places.push_back(j);
        break;
      }
  // Order: the matched layers take the places they occupy now, in saved order;
  // the others stay where they are.
  std::sort(places.begin(), places.end());
  bool reordered = false;
  std::size_t next = 0;
  for (SceneLayer* layer : target)
    if (layer) {
      reordered = reordered || d.layers[places[next]] != layer;
      d.layers[places[next++]] = layer;
    }
  if (reordered && d.view) {
    // Re-add in order: for translucent props VTK draws in insertion order.
    for (auto* layer : d.layers) layer->detach(d.view->renderer());
    for (auto* layer : d.layers) layer->attach(d.view->renderer());
  }
  for (std::size_t i = 0; i < state.layers.size(); ++i)
    if (target[i]) target[i]->applyDisplayState(state.layers[i]);
  d.pendingLayers.clear();
  for (std::size_t i = 0; i < state.layers.size(); ++i)
    if (!target[i]) d.pendingLayers.emplace_back(savedKeys[i], state.layers[i]);
  d.pendingScalarBar.reset();
  if (state.scalarBarLayer >= 0 && static_cast<std::size_t>(state.scalarBarLayer) < target.size()) {
    const auto bar = static_cast<std::size_t>(state.scalarBarLayer);
    if (target[bar])
      d.scalarBarLayer = target[bar];
    else
      d.pendingScalarBar = savedKeys[bar];
  }
  refreshScalarBar();
  d.pendingCamera.reset();
  if (d.view && state.camera) {
    if (d.layers.empty())
      d.pendingCamera = state.camera;
    else
      d.view->setCameraState(*state.camera);
  }
  refreshHighlights();
  emit layersChanged();
}

std::optional<PickHit> Scene::pickAt(QPointF widgetPosition) const {
  auto& d = *impl_;
  // Screen-space layers first: their items are small and drawn on top.
  for (auto it = d.layers.rbegin(); it != d.layers.rend(); ++it)
    if ((*it)->isVisible())
      if (auto hit = (*it)->pickNear(*d.view, widgetPosition)) return hit;
  const double ratio = d.view->devicePixelRatioF();
  const double x = widgetPosition.x() * ratio;
  const double y = (d.view->height() - widgetPosition.y() - 1) * ratio;
  if (d.picker->Pick(x, y, 0, d.view->renderer()) == 0) return std::nullopt;
  vtkProp* prop = d.picker->GetViewProp();
  for (auto* layer : d.layers)
    if (layer->isVisible() && layer->owns(prop))
      return layer->hitFromCellPick(prop, d.picker->GetCellId(), d.picker->GetPickPosition());
  return std::nullopt;
}

void Scene::refreshHighlights() {
  const auto& selection = impl_->session->selection();
  for (auto* layer : impl_->layers) layer->setHighlight(layer->selectedItems(selection));
  if (impl_->view) impl_->view->requestRender();
}

std::vector<io::SceneState> captureScenes(const QObject& page) {
  std::vector<io::SceneState> states;
  for (const auto* scene : page.findChildren<Scene*>()) states.push_back(scene->captureState());
  return states;
}

std::size_t applyScenes(const QObject& page, const std::vector<io::SceneState>& states) {
  const auto scenes = page.findChildren<Scene*>();
  const std::size_t n = std::min(states.size(), static_cast<std::size_t>(scenes.size()));
  for (std::size_t i = 0; i < n; ++i) scenes[static_cast<qsizetype>(i)]->applyState(states[i]);
  return n;
}

}  // namespace nl::widgets
