#pragma once
// Spike raster of every unit of a recording over time, drawn on a QImage.
// Spikes are binned into the pixels they fall in, so the cost is one pass
// over the visible spikes whatever the zoom (5 M spikes stay interactive).
// Rows are coloured by brain area; stimulus epochs are shaded behind; the
// shared time cursor and the selected units are shown and can be set here.
#include <QWidget>
#include <memory>

#include "io/Session.h"

namespace nl::widgets {

class RasterWidget : public QWidget {
  Q_OBJECT
 public:
  enum class Order { Depth, Area, FiringRate, Id };

  // `stimulus` (optional) is a table with start_time / stop_time columns.
  RasterWidget(io::Session& session, io::DatasetId recording,
               io::DatasetId stimulus = io::kNoDataset, QWidget* parent = nullptr);
  ~RasterWidget() override;

  void setOrder(Order order);
  Order order() const;
  void setTimeWindow(double start, double stop);
  std::pair<double, double> timeWindow() const;
  // Unit drawn at a widget y (or -1), and the row of a unit.
  int unitAtY(double y) const;
  double timeAtX(double x) const;
  QRectF plotRect() const;
  // The picture at any size, for export.
  QImage render(QSize size);
  // Milliseconds the last spike binning took (benchmarks, status bar).
  double lastBinningMs() const;

 protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

 private:
  void draw(QPainter& painter, QSize size);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nl::widgets
