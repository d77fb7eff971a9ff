#pragma once
// A matrix drawn as an image: colormap with a colour bar, row and column
// labels, hover readout, rows reordered (grouped) by a label, export to PNG,
// SVG and CSV. Clicking or dragging over rows selects them in the shared
// Selection (rows are the items, e.g. units of a units × time matrix).
#include <QWidget>
#include <memory>
#include <vector>

#include "io/Session.h"

namespace nl::widgets {

class HeatMap : public QWidget {
  Q_OBJECT
 public:
  HeatMap(io::Session* session = nullptr, io::DatasetId rowsDataset = io::kNoDataset,
          QWidget* parent = nullptr);
  ~HeatMap() override;

  // Row-major rows × columns; NaN cells are drawn as missing (light grey).
  void setMatrix(std::vector<double> values, std::size_t rows, std::size_t columns);
  void setRowLabels(std::vector<QString> labels);
  void setColumnLabels(std::vector<QString> labels);
  // Rows with equal group labels are drawn together (stable order inside a group).
  void groupRowsBy(const std::vector<QString>& groups);
  void setColormap(const QString& name);
  void setRange(double low, double high);
  void setTitle(const QString& title);
  // Columns are time bins from `start` in steps of `width` seconds: the
  // session's time cursor is drawn, and a click moves it.
  void setColumnTimes(double start, double width);
  std::pair<double, double> range() const;

  // Row index (of the data) at a widget y, or -1; column likewise.
  int rowAt(double y) const;
  int columnAt(double x) const;
  QRectF matrixRect() const;
  QString toCsv() const;
  bool exportSvg(const QString& path);
  QImage render(QSize size);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  void draw(QPainter& painter, QSize size);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nl::widgets
