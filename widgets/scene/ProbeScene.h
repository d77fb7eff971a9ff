#pragma once
// The probe in 3D, built from scene layers: electrode sites coloured by brain
// area, the shank as a tube, units beside their peak channel (coloured by
// area, sized by firing rate). Units are the selectable items.
#include <QObject>
#include <array>

#include "io/Session.h"

namespace nl::widgets {

class Scene;
class PointsLayer;

class ProbeScene : public QObject {
  Q_OBJECT
 public:
  // `recording` must be a SpikeRecording with an electrodes table.
  ProbeScene(Scene* scene, io::Session& session, io::DatasetId recording,
             QObject* parent = nullptr);

  int unitAt(QPointF widgetPosition, double radiusPx = 12.0) const;
  std::array<double, 3> unitPosition(int unit) const;
  PointsLayer* unitsLayer() const { return units_; }

 private:
  Scene* scene_;
  PointsLayer* units_ = nullptr;
};

}  // namespace nl::widgets
