#pragma once
// The one room that knows Qt Charts (deprecated from Qt 6.10): line, scatter
// and bar series with optional error bands, axes, legend, zoom (drag), pan
// (right-drag), hover readout, a time cursor, brushing (Shift+drag selects the
// scatter points inside the rectangle) and export. A move to Qt Graphs
// touches Chart.cpp only.
#include <QColor>
#include <QString>
#include <QWidget>
#include <memory>
#include <vector>

#include "io/Session.h"

namespace nl::widgets {

struct ChartSeries {
  enum class Style { Line, Scatter, Bars };
  QString name;
  Style style = Style::Line;
  std::vector<double> x, y;
  std::vector<double> lower, upper;  // optional error band (same length as x)
  QColor color;
  bool markers = true;
  // Scatter: the selectable item behind each point (default: its index).
  std::vector<std::int64_t> items;
  // Hover readout of each point (same length as x; default: name, x and y).
  std::vector<QString> tips;
};

class Chart : public QWidget {
  Q_OBJECT
 public:
  explicit Chart(QWidget* parent = nullptr);
  ~Chart() override;

  void setTitle(const QString& title);
  void setAxisTitles(const QString& x, const QString& y);
  void setSeries(const std::vector<ChartSeries>& series);
  // Fixes an axis's ends instead of fitting them to the data (NaN: that end
  // from the data), for this and later series; a fixed y axis gets ticks at
  // round values.
  void setXRange(double low, double high);
  void setYRange(double low, double high);
  const std::vector<ChartSeries>& series() const;
  // Scatter points are items of `dataset`: brushing selects them and the
  // selection is drawn on top in the highlight colour.
  void linkItems(io::Session* session, io::DatasetId dataset);
  // The x axis is time: show the session's time cursor; clicking moves it.
  void linkTimeCursor(io::Session* session);

  // Plot-area conversions (widget pixels ↔ data), for tests and tools.
  QPointF mapToValue(QPointF widgetPosition) const;
  QPointF mapToPosition(QPointF value) const;
  // Selects the scatter items inside a rectangle in data coordinates.
  void brush(QRectF valueRect, bool add = false);
  // What hovering series `series` at `value` shows: the tip of its point
  // nearest to `value` on screen when the series has tips.
  QString hoverText(int series, QPointF value) const;

  QString toCsv() const;
  bool exportSvg(const QString& path);
  QImage render(QSize size);

 signals:
  void pointClicked(int seriesIndex, double x, double y);

 private:
  friend class ChartViewInput;
  void applyRanges();
  void refreshOverlays();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nl::widgets
