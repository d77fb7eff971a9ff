#pragma once
// The one room that knows Qt Charts (deprecated from Qt 6.10): line/scatter
// series with optional error bands, axes, legend, hover readout, export.
// A move to Qt Graphs touches LineChart.cpp only.
#include <QColor>
#include <QString>
#include <QWidget>
#include <memory>
#include <vector>

namespace nl::widgets {

struct LineSeries {
  QString name;
  std::vector<double> x, y;
  std::vector<double> lower, upper;  // optional error band (same length as x)
  QColor color;
  bool markers = true;
};

class LineChart : public QWidget {
  Q_OBJECT
 public:
  explicit LineChart(QWidget* parent = nullptr);
  ~LineChart() override;

  void setTitle(const QString& title);
  void setAxisTitles(const QString& x, const QString& y);
  void setSeries(const std::vector<LineSeries>& series);
  const std::vector<LineSeries>& series() const;
  // CSV of the data behind the chart: x, then y/lower/upper per series.
  QString toCsv() const;
  bool exportSvg(const QString& path);
  QImage render(QSize size);

 signals:
  void pointClicked(int seriesIndex, double x, double y);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nl::widgets
