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

}  // namespace nl::widgets
