#include "widgets/charts/LineChart.h"

#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPainter>
#include <QScatterSeries>
#include <QSvgGenerator>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <limits>

namespace nl::widgets {

struct LineChart::Impl {
  QChart* chart = nullptr;
  QChartView* view = nullptr;
  QValueAxis* axisX = nullptr;
  QValueAxis* axisY = nullptr;
  std::vector<LineSeries> data;
};

LineChart::LineChart(QWidget* parent) : QWidget(parent), impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  d.chart = new QChart();
  d.chart->setAnimationOptions(QChart::NoAnimation);
  d.chart->legend()->setAlignment(Qt::AlignBottom);
  d.chart->setMargins(QMargins(4, 4, 4, 4));
  d.axisX = new QValueAxis();
  d.axisY = new QValueAxis();
  d.chart->addAxis(d.axisX, Qt::AlignBottom);
  d.chart->addAxis(d.axisY, Qt::AlignLeft);
  d.view = new QChartView(d.chart, this);
  d.view->setRenderHint(QPainter::Antialiasing);
  d.view->setRubberBand(QChartView::RectangleRubberBand);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(d.view);
}

LineChart::~LineChart() = default;

void LineChart::setTitle(const QString& title) {
  impl_->chart->setTitle(title);
}

void LineChart::setAxisTitles(const QString& x, const QString& y) {
  impl_->axisX->setTitleText(x);
  impl_->axisY->setTitleText(y);
}

const std::vector<LineSeries>& LineChart::series() const {
  return impl_->data;
}

void LineChart::setSeries(const std::vector<LineSeries>& series) {
  auto& d = *impl_;
  d.data = series;
  d.chart->removeAllSeries();
  double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymin = xmin, ymax = -xmin;
  for (std::size_t s = 0; s < series.size(); ++s) {
    const auto& in = series[s];
    const QColor color =
        in.color.isValid() ? in.color : QColor::fromHsv(static_cast<int>(s * 67 % 360), 180, 200);
    const bool hasBand =
        in.lower.size() == in.x.size() && in.upper.size() == in.x.size() && !in.x.empty();
    if (hasBand) {
      auto* lower = new QLineSeries();
      auto* upper = new QLineSeries();
      for (std::size_t i = 0; i < in.x.size(); ++i) {
        lower->append(in.x[i], in.lower[i]);
        upper->append(in.x[i], in.upper[i]);
        ymin = std::min(ymin, in.lower[i]);
        ymax = std::max(ymax, in.upper[i]);
      }
      auto* band = new QAreaSeries(upper, lower);
      QColor fill = color;
      fill.setAlpha(60);
      band->setBrush(fill);
      band->setPen(Qt::NoPen);
      band->setName(in.name + tr(" ± SEM"));
      d.chart->addSeries(band);
      band->attachAxis(d.axisX);
      band->attachAxis(d.axisY);
      d.chart->legend()->markers(band).front()->setVisible(false);
    }
    auto* line = new QLineSeries();
    line->setName(in.name);
    line->setPen(QPen(color, 2.0));
    line->setPointsVisible(in.markers);
    for (std::size_t i = 0; i < in.x.size() && i < in.y.size(); ++i) {
      line->append(in.x[i], in.y[i]);
      xmin = std::min(xmin, in.x[i]);
      xmax = std::max(xmax, in.x[i]);
      ymin = std::min(ymin, in.y[i]);
      ymax = std::max(ymax, in.y[i]);
    }
    d.chart->addSeries(line);
    line->attachAxis(d.axisX);
    line->attachAxis(d.axisY);
    const int index = static_cast<int>(s);
    connect(line, &QLineSeries::clicked, this,
            [this, index](const QPointF& p) { emit pointClicked(index, p.x(), p.y()); });
    connect(
        line, &QLineSeries::hovered, this, [this, name = in.name](const QPointF& p, bool state) {
          if (state)
            QToolTip::showText(QCursor::pos(),
                               QString("%1: x = %2, y = %3").arg(name).arg(p.x()).arg(p.y()), this);
        });
  }
  if (std::isfinite(xmin) && std::isfinite(ymin)) {
    const double padX = xmax > xmin ? 0.03 * (xmax - xmin) : 1.0;
    const double padY = ymax > ymin ? 0.08 * (ymax - ymin) : 1.0;
    d.axisX->setRange(xmin - padX, xmax + padX);
    d.axisY->setRange(std::min(0.0, ymin - padY), ymax + padY);
    d.axisY->applyNiceNumbers();
    // x keeps the data's range, with ticks at round values inside it.
    const double span = std::max(1e-12, xmax - xmin);
    const double raw = span / 6.0, magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = 10 * magnitude;
    for (double m : {1.0, 2.0, 2.5, 5.0})
      if (raw <= m * magnitude) {
        step = m * magnitude;
        break;
      }
    d.axisX->setTickType(QValueAxis::TicksDynamic);
    d.axisX->setTickAnchor(0.0);
    d.axisX->setTickInterval(step);
    d.axisX->setLabelFormat("%g");
  }
}

QString LineChart::toCsv() const {
  QString csv;
  const auto& data = impl_->data;
  if (!data.empty()) csv += "series,x,y,lower,upper\n";
  for (const auto& s : data)
    for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      QString name = s.name;
      name.replace('"', "\"\"");
      csv += QString("\"%1\",%2,%3,%4,%5\n")
                 .arg(name)
                 .arg(s.x[i], 0, 'g', 12)
                 .arg(s.y[i], 0, 'g', 12)
                 .arg(i < s.lower.size() ? QString::number(s.lower[i], 'g', 12) : QString())
                 .arg(i < s.upper.size() ? QString::number(s.upper[i], 'g', 12) : QString());
    }
  return csv;
}

bool LineChart::exportSvg(const QString& path) {
  QSvgGenerator generator;
  generator.setFileName(path);
  generator.setSize(impl_->view->size());
  generator.setViewBox(QRect(QPoint(0, 0), impl_->view->size()));
  generator.setTitle(impl_->chart->title());
  QPainter painter;
  if (!painter.begin(&generator)) return false;
  impl_->view->render(&painter);
  return painter.end();
}

QImage LineChart::render(QSize size) {
  QImage image(size, QImage::Format_ARGB32_Premultiplied);
  image.fill(Qt::white);
  QPainter painter(&image);
  painter.setRenderHint(QPainter::Antialiasing);
  impl_->view->render(&painter, QRectF(QPointF(0, 0), size));
  return image;
}

}  // namespace nl::widgets
