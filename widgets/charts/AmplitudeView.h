#pragma once
// Spike amplitude over the whole recording for the selected units (the drift
// view of spike sorting): each spike a point at (time, amplitude), binned per
// pixel so a unit of a million spikes draws as fast as one of a hundred. The
// session's time cursor is drawn; a click sets it (the raster follows).
#include <QWidget>
#include <memory>

#include "io/Session.h"

namespace nl::widgets {

class AmplitudeView : public QWidget {
  Q_OBJECT
 public:
  AmplitudeView(io::Session& session, io::DatasetId recording, QWidget* parent = nullptr);
  ~AmplitudeView() override;
  std::vector<std::size_t> shownUnits() const;
  QRectF plotRect() const;
  double timeAtX(double x) const;
  static constexpr std::size_t kMaxUnits = 4;

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  void refresh();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nl::widgets
