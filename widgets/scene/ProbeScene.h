#pragma once
// The probe in 3D: electrode sites as small glyphs coloured by brain area,
// units as larger glyphs at their peak channel, the selected units
// highlighted. Clicking a unit selects it in the shared Selection.
#include <QObject>
#include <memory>

#include "io/Session.h"

namespace nl::widgets {

class VtkView;

class ProbeScene : public QObject {
  Q_OBJECT
 public:
  // `recording` must be a SpikeRecording with an electrodes table.
  ProbeScene(VtkView* view, io::Session& session, io::DatasetId recording,
             QObject* parent = nullptr);
  ~ProbeScene() override;

  // The unit drawn nearest to a widget position (within `radiusPx`), or -1.
  int unitAt(QPointF widgetPosition, double radiusPx = 12.0) const;
  // The world position of a unit's glyph.
  std::array<double, 3> unitPosition(int unit) const;

 private:
  void refreshHighlight();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nl::widgets
