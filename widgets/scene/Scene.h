#pragma once
// A 3D scene: one VtkView, an ordered list of layers, a scalar bar for the
// current scalar layer, orientation axes, and the link to the shared
// Selection (a click picks through the layers; the selection highlights).
#include <QObject>
#include <memory>
#include <vector>

#include "io/Session.h"
#include "widgets/scene/SceneLayer.h"

namespace nl::widgets {

class VtkView;

class Scene : public QObject {
  Q_OBJECT
 public:
  Scene(VtkView* view, io::Session& session, QObject* parent = nullptr);
  ~Scene() override;

  VtkView* view() const;
  // Takes ownership. The first layer added resets the camera.
  void addLayer(SceneLayer* layer);
  void removeLayer(SceneLayer* layer);
  void moveLayer(int from, int to);
  const std::vector<SceneLayer*>& layers() const;
  // The layer whose colormap the scalar bar shows.
  void setScalarBarLayer(SceneLayer* layer);
  SceneLayer* scalarBarLayer() const;

  // What the user arranged: the camera (once the view has drawn) and every
  // layer's display state, in drawing order.
  io::SceneState captureState() const;
  // Puts a captured state back. Saved layers are matched to the current ones
  // by kind, name and position among the layers of that kind and name;
  // matched layers take the saved order among themselves and their display
  // state. Saved layers without a match (their data did not come back) are
  // skipped but kept: a layer added later under their key (a preview that
  // arrives after the page was restored) takes its saved state then; a
  // camera applied to a
  // scene without layers waits for the first layer (instead of its reset).
  // Current layers not in the state keep their defaults. Emits layersChanged,
  // so a LayerList shows the restored values.
  void applyState(const io::SceneState& state);

  // Front-most item under a widget position, across visible layers.
  std::optional<PickHit> pickAt(QPointF widgetPosition) const;

 signals:
  void layersChanged();
  void picked(const nl::widgets::PickHit& hit);

 private:
  void refreshHighlights();
  void refreshScalarBar();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A page's 3D views at once: every Scene under `page` (depth-first, in the
// order they were made, as QObject::findChildren lists them), for pages that
// have nothing of their own to add to their saved layout. applyScenes gives
// states[i] to the i-th scene and returns how many scenes it restored.
std::vector<io::SceneState> captureScenes(const QObject& page);
std::size_t applyScenes(const QObject& page, const std::vector<io::SceneState>& states);

}  // namespace nl::widgets
