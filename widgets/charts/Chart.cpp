#include "widgets/charts/Chart.h"

#include <QAreaSeries>
#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMouseEvent>
#include <QPainter>
#include <QRubberBand>
#include <QScatterSeries>
#include <QSvgGenerator>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "widgets/AreaColors.h"

namespace nl::widgets {

namespace {
constexpr const char* kOrigin = "chart";
// Past this many points Qt Charts draws scatter and line series with OpenGL.
constexpr std::size_t kOpenGlThreshold = 10000;
// Ticks at round values (1, 2, 2.5 or 5 × 10^k apart, anchored at 0) about
// `ticks` to a span: a single value is shown ±1 around it, and ticks for a
// 1e-12 span over that would never end.
void roundTicks(QValueAxis* axis, double ticks = 6.0) {
  const double span = axis->max() - axis->min();
  if (!(span > 0)) return;
  const double raw = span / ticks, magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * magnitude;
  for (double m : {1.0, 2.0, 2.5, 5.0})
    if (raw <= m * magnitude) {
      step = m * magnitude;
      break;
    }
  axis->setTickType(QValueAxis::TicksDynamic);
  axis->setTickAnchor(0.0);
  axis->setTickInterval(step);
  axis->setLabelFormat("%g");
}

}  // namespace

// Mouse handling on top of QChartView: drag = zoom box, Shift+drag = brush,
// right-drag = pan, wheel = zoom, click = time cursor, double-click = reset.
class ChartViewInput : public QChartView {
 public:
  ChartViewInput(QChart* chart, Chart* owner) : QChartView(chart), owner_(owner) {
    setRenderHint(QPainter::Antialiasing);
    setMouseTracking(true);
  }

 protected:
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;

 private:
  Chart* owner_;
  QPoint origin_;
  QRubberBand* band_ = nullptr;
  bool brushing_ = false, panning_ = false, dragged_ = false;
  QPoint last_;
};

namespace {
// About as many x ticks as labels of the axis's width fit side by side in
// the plot (≈ 6 px a character and 10 between labels), at most six.
double xTickCount(double plotWidth, const QValueAxis& axis) {
  if (!(plotWidth > 0.0)) return 6.0;
  const auto characters = static_cast<double>(
      std::max(QString::number(axis.min(), 'g').size(), QString::number(axis.max(), 'g').size()));
  return std::clamp(std::floor(plotWidth / (6.0 * characters + 10.0)), 2.0, 6.0);
}
}  // namespace

struct Chart::Impl {
  double xTicks = 6.0;
  QChart* chart = nullptr;
  ChartViewInput* view = nullptr;
  QValueAxis* axisX = nullptr;
  QValueAxis* axisY = nullptr;
  std::vector<ChartSeries> data;
  io::Session* itemsSession = nullptr;
  io::DatasetId itemsDataset = io::kNoDataset;
  io::Session* timeSession = nullptr;
  QScatterSeries* selected = nullptr;
  QLineSeries* cursor = nullptr;
  std::vector<std::pair<io::Session*, std::uint64_t>> connections;
  std::vector<std::pair<io::Session*, std::uint64_t>> cursorConnections;
  // The data's bounds (xmin, xmax, ymin, ymax; infinite: no data) and the
  // ends fixed by setXRange/setYRange (NaN: from the data).
  std::array<double, 4> dataRange{INFINITY, -INFINITY, INFINITY, -INFINITY};
  std::array<double, 4> fixedRange{NAN, NAN, NAN, NAN};
};

void ChartViewInput::mousePressEvent(QMouseEvent* event) {
  origin_ = last_ = event->pos();
  dragged_ = false;
  if (event->button() == Qt::RightButton) {
    panning_ = true;
    return;
  }
  if (event->button() != Qt::LeftButton) return;
  brushing_ = event->modifiers() & Qt::ShiftModifier;
  if (!band_) band_ = new QRubberBand(QRubberBand::Rectangle, this);
  band_->setGeometry(QRect(origin_, QSize()));
  band_->show();
}

void ChartViewInput::mouseMoveEvent(QMouseEvent* event) {
  if ((event->pos() - origin_).manhattanLength() > 4) dragged_ = true;
  if (panning_) {
    const QPoint delta = event->pos() - last_;
    chart()->scroll(-delta.x(), delta.y());
    last_ = event->pos();
    return;
  }
  if (band_ && band_->isVisible()) band_->setGeometry(QRect(origin_, event->pos()).normalized());
  QChartView::mouseMoveEvent(event);
}

void ChartViewInput::mouseReleaseEvent(QMouseEvent* event) {
  if (panning_) {
    panning_ = false;
    return;
  }
  if (!band_ || !band_->isVisible()) return;
  band_->hide();
  const QRect rect = QRect(origin_, event->pos()).normalized();
  const QPointF a = chart()->mapToValue(mapToScene(rect.topLeft()));
  const QPointF b = chart()->mapToValue(mapToScene(rect.bottomRight()));
  const QRectF values = QRectF(a, b).normalized();
  if (!dragged_) {
    // A click: move the time cursor.
    if (owner_->impl_->timeSession && chart()->plotArea().contains(mapToScene(event->pos())))
      owner_->impl_->timeSession->selection().setTimeCursor(
          chart()->mapToValue(mapToScene(event->pos())).x(), kOrigin);
    return;
  }
  if (brushing_)
    owner_->brush(values, event->modifiers() & Qt::ControlModifier);
  else
    chart()->zoomIn(
        QRectF(mapToScene(rect.topLeft()), mapToScene(rect.bottomRight())).normalized());
}

void ChartViewInput::mouseDoubleClickEvent(QMouseEvent*) {
  chart()->zoomReset();
}

void ChartViewInput::wheelEvent(QWheelEvent* event) {
  chart()->zoom(event->angleDelta().y() > 0 ? 1.25 : 0.8);
  event->accept();
}

Chart::Chart(QWidget* parent) : QWidget(parent), impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  d.chart = new QChart();
  d.chart->setAnimationOptions(QChart::NoAnimation);
  d.chart->legend()->setAlignment(Qt::AlignBottom);
  d.chart->setMargins(QMargins(4, 4, 4, 4));
  d.axisX = new QValueAxis();
  d.axisY = new QValueAxis();
  d.chart->addAxis(d.axisX, Qt::AlignBottom);
  d.chart->addAxis(d.axisY, Qt::AlignLeft);
  d.view = new ChartViewInput(d.chart, this);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(d.view);
  // The x ticks follow the plot's width (set once it is laid out, and on
  // resizes); only a changed count re-ticks, so this cannot feed back.
  connect(d.chart, &QChart::plotAreaChanged, this, [this](const QRectF& area) {
    auto& c = *impl_;
    const double ticks = xTickCount(area.width(), *c.axisX);
    if (ticks == c.xTicks || !(c.axisX->max() > c.axisX->min())) return;
    c.xTicks = ticks;
    roundTicks(c.axisX, ticks);
  });
}

Chart::~Chart() {
  for (auto& [session, id] : impl_->connections) session->selection().changed.disconnect(id);
  for (auto& [session, id] : impl_->cursorConnections)
    session->selection().timeCursorMoved.disconnect(id);
}

void Chart::setTitle(const QString& title) {
  impl_->chart->setTitle(title);
}

void Chart::setAxisTitles(const QString& x, const QString& y) {
  impl_->axisX->setTitleText(x);
  impl_->axisY->setTitleText(y);
}

const std::vector<ChartSeries>& Chart::series() const {
  return impl_->data;
}

void Chart::linkItems(io::Session* session, io::DatasetId dataset) {
  impl_->itemsSession = session;
  impl_->itemsDataset = dataset;
  impl_->connections.emplace_back(session, session->selection().changed.connect(
                                               [this](const std::string&) { refreshOverlays(); }));
  refreshOverlays();
}

void Chart::linkTimeCursor(io::Session* session) {
  impl_->timeSession = session;
  impl_->cursorConnections.emplace_back(
      session, session->selection().timeCursorMoved.connect(
                   [this](double, const std::string&) { refreshOverlays(); }));
  refreshOverlays();
}

QPointF Chart::mapToValue(QPointF widgetPosition) const {
  const QPointF inView = impl_->view->mapFrom(this, widgetPosition.toPoint());
  return impl_->chart->mapToValue(impl_->view->mapToScene(inView.toPoint()));
}

QPointF Chart::mapToPosition(QPointF value) const {
  const QPointF scene = impl_->chart->mapToPosition(value);
  return impl_->view->mapTo(this, impl_->view->mapFromScene(scene));
}

void Chart::setSeries(const std::vector<ChartSeries>& series) {
  auto& d = *impl_;
  d.data = series;
  d.chart->removeAllSeries();
  d.selected = nullptr;
  d.cursor = nullptr;
  for (auto* axis : d.chart->axes())
    if (axis != d.axisX && axis != d.axisY) {
      d.chart->removeAxis(axis);
      delete axis;
    }
  double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymin = xmin, ymax = -xmin;
  auto grow = [&](double x, double y) {
    if (std::isfinite(x)) xmin = std::min(xmin, x), xmax = std::max(xmax, x);
    if (std::isfinite(y)) ymin = std::min(ymin, y), ymax = std::max(ymax, y);
  };
  QBarSeries* bars = nullptr;
  for (std::size_t s = 0; s < series.size(); ++s) {
    const auto& in = series[s];
    const QColor color =
        in.color.isValid() ? in.color : QColor::fromHsv(static_cast<int>(s * 67 % 360), 180, 200);
    const bool hasBand =
        in.lower.size() == in.x.size() && in.upper.size() == in.x.size() && !in.x.empty();
    if (hasBand && in.style != ChartSeries::Style::Bars) {
      auto* lower = new QLineSeries();
      auto* upper = new QLineSeries();
      for (std::size_t i = 0; i < in.x.size(); ++i) {
        lower->append(in.x[i], in.lower[i]);
        upper->append(in.x[i], in.upper[i]);
        grow(in.x[i], in.lower[i]);
        grow(in.x[i], in.upper[i]);
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
    if (in.style == ChartSeries::Style::Bars) {
      if (!bars) bars = new QBarSeries();
      auto* set = new QBarSet(in.name);
      set->setColor(color);
      for (std::size_t i = 0; i < in.y.size(); ++i) {
        *set << in.y[i];
        grow(static_cast<double>(i), in.y[i]);
      }
      bars->append(set);
      continue;
    }
    QXYSeries* xy = nullptr;
    if (in.style == ChartSeries::Style::Scatter) {
      auto* scatter = new QScatterSeries();
      scatter->setMarkerSize(in.x.size() > kOpenGlThreshold ? 4.0 : 8.0);
      scatter->setBorderColor(Qt::transparent);
      xy = scatter;
    } else {
      auto* line = new QLineSeries();
      line->setPointsVisible(in.markers && in.x.size() < 200);
      xy = line;
    }
    xy->setName(in.name);
    xy->setColor(color);
    if (in.style == ChartSeries::Style::Line) xy->setPen(QPen(color, 2.0));
    xy->setUseOpenGL(in.x.size() > kOpenGlThreshold);
    QList<QPointF> points;
    points.reserve(static_cast<qsizetype>(in.x.size()));
    for (std::size_t i = 0; i < in.x.size() && i < in.y.size(); ++i) {
      points.append(QPointF(in.x[i], in.y[i]));
      grow(in.x[i], in.y[i]);
    }
    xy->replace(points);
    d.chart->addSeries(xy);
    xy->attachAxis(d.axisX);
    xy->attachAxis(d.axisY);
    const int index = static_cast<int>(s);
    connect(xy, &QXYSeries::clicked, this,
            [this, index](const QPointF& p) { emit pointClicked(index, p.x(), p.y()); });
    connect(xy, &QXYSeries::hovered, this, [this, index](const QPointF& p, bool state) {
      if (state) QToolTip::showText(QCursor::pos(), hoverText(index, p), this);
    });
  }
  if (bars) {
    auto* categories = new QBarCategoryAxis();
    const auto& first = series.front();
    for (std::size_t i = 0; i < first.y.size(); ++i)
      categories->append(i < first.x.size() ? QString::number(first.x[i], 'g', 4)
                                            : QString::number(i));
    d.chart->addSeries(bars);
    d.axisX->setVisible(false);
    d.chart->addAxis(categories, Qt::AlignBottom);
    bars->attachAxis(categories);
    bars->attachAxis(d.axisY);
  } else {
    d.axisX->setVisible(true);
  }
  d.dataRange = {xmin, xmax, ymin, ymax};
  applyRanges();
  refreshOverlays();
}

void Chart::setXRange(double low, double high) {
  impl_->fixedRange[0] = low;
  impl_->fixedRange[1] = high;
  applyRanges();
  refreshOverlays();
}

void Chart::setYRange(double low, double high) {
  impl_->fixedRange[2] = low;
  impl_->fixedRange[3] = high;
  applyRanges();
  refreshOverlays();
}

void Chart::applyRanges() {
  auto& d = *impl_;
  const auto [xmin, xmax, ymin, ymax] = d.dataRange;
  const auto& fixed = d.fixedRange;
  if (!std::isfinite(xmin) || !std::isfinite(ymin)) return;
  const double padX = xmax > xmin ? 0.03 * (xmax - xmin) : 1.0;
  const double padY = ymax > ymin ? 0.08 * (ymax - ymin) : 1.0;
  d.axisX->setRange(std::isfinite(fixed[0]) ? fixed[0] : xmin - padX,
                    std::isfinite(fixed[1]) ? fixed[1] : xmax + padX);
  d.axisY->setRange(std::min(0.0, ymin - padY), ymax + padY);
  d.axisY->applyNiceNumbers();
  const bool fixedY = std::isfinite(fixed[2]) || std::isfinite(fixed[3]);
  if (fixedY) {
    d.axisY->setRange(std::isfinite(fixed[2]) ? fixed[2] : d.axisY->min(),
                      std::isfinite(fixed[3]) ? fixed[3] : d.axisY->max());
    roundTicks(d.axisY);
  }
  // x keeps the data's range, with ticks at round values inside it, no more
  // than fit: labels such as "1000" ran into each other in a narrow chart.
  d.xTicks = xTickCount(d.chart->plotArea().width(), *d.axisX);
  roundTicks(d.axisX, d.xTicks);
}

void Chart::refreshOverlays() {
  auto& d = *impl_;
  // Selected scatter items, drawn on top in the one highlight colour.
  if (d.itemsSession) {
    if (!d.selected) {
      d.selected = new QScatterSeries();
      d.selected->setName(tr("selected"));
      d.selected->setColor(highlightColor());
      d.selected->setBorderColor(QColor(90, 70, 0));
      d.selected->setMarkerSize(12.0);
      d.chart->addSeries(d.selected);
      d.selected->attachAxis(d.axisX);
      d.selected->attachAxis(d.axisY);
      d.chart->legend()->markers(d.selected).front()->setVisible(false);
    }
    QList<QPointF> points;
    const auto& selection = d.itemsSession->selection();
    if (selection.dataset() == d.itemsDataset)
      for (const auto& s : d.data) {
        if (s.style != ChartSeries::Style::Scatter) continue;
        for (std::size_t i = 0; i < s.x.size(); ++i) {
          const std::int64_t item = i < s.items.size() ? s.items[i] : static_cast<std::int64_t>(i);
          if (selection.contains(d.itemsDataset, item)) points.append(QPointF(s.x[i], s.y[i]));
        }
      }
    d.selected->replace(points);
  }
  if (d.timeSession) {
    if (!d.cursor) {
      d.cursor = new QLineSeries();
      d.cursor->setPen(QPen(QColor(220, 40, 40), 1.5));
      d.chart->addSeries(d.cursor);
      d.cursor->attachAxis(d.axisX);
      d.cursor->attachAxis(d.axisY);
      d.chart->legend()->markers(d.cursor).front()->setVisible(false);
    }
    QList<QPointF> line;
    const auto& selection = d.timeSession->selection();
    if (selection.hasTimeCursor())
      line = {QPointF(selection.timeCursor(), d.axisY->min()),
              QPointF(selection.timeCursor(), d.axisY->max())};
    d.cursor->replace(line);
  }
}

void Chart::brush(QRectF values, bool add) {
  auto& d = *impl_;
  if (!d.itemsSession || d.itemsDataset == io::kNoDataset) return;
  std::vector<std::int64_t> items;
  if (add && d.itemsSession->selection().dataset() == d.itemsDataset)
    items = d.itemsSession->selection().indices();
  for (const auto& s : d.data) {
    if (s.style != ChartSeries::Style::Scatter) continue;
    for (std::size_t i = 0; i < s.x.size(); ++i)
      if (values.contains(QPointF(s.x[i], s.y[i])))
        items.push_back(i < s.items.size() ? s.items[i] : static_cast<std::int64_t>(i));
  }
  d.itemsSession->selection().select(d.itemsDataset, items, kOrigin);
}

QString Chart::hoverText(int series, QPointF value) const {
  const auto& d = *impl_;
  if (series < 0 || static_cast<std::size_t>(series) >= d.data.size()) return {};
  const auto& s = d.data[static_cast<std::size_t>(series)];
  if (s.tips.empty() || s.tips.size() != s.x.size() || s.x.size() != s.y.size())
    return QString("%1: x = %2, y = %3").arg(s.name).arg(value.x()).arg(value.y());
  // Nearest on screen: x and y are in different units.
  const QPointF at = d.chart->mapToPosition(value);
  std::size_t nearest = 0;
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < s.x.size(); ++i) {
    const QPointF p = d.chart->mapToPosition(QPointF(s.x[i], s.y[i]));
    const double distance =
        (p.x() - at.x()) * (p.x() - at.x()) + (p.y() - at.y()) * (p.y() - at.y());
    if (distance < best) best = distance, nearest = i;
  }
  return s.tips[nearest];
}

QString Chart::toCsv() const {
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

bool Chart::exportSvg(const QString& path) {
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

QImage Chart::render(QSize size) {
  QImage image(size, QImage::Format_ARGB32_Premultiplied);
  image.fill(Qt::white);
  QPainter painter(&image);
  painter.setRenderHint(QPainter::Antialiasing);
  impl_->view->render(&painter, QRectF(QPointF(0, 0), size));
  return image;
}

}  // namespace nl::widgets
