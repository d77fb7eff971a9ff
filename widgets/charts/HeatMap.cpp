#include "widgets/charts/HeatMap.h"

#include <QMouseEvent>
#include <QPainter>
#include <QSvgGenerator>
#include <QToolTip>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "widgets/AreaColors.h"
#include "widgets/Colormap.h"

namespace nl::widgets {

namespace {
constexpr int kLeft = 90, kTop = 26, kRight = 74, kBottom = 42;
constexpr const char* kOrigin = "heatmap";
}  // namespace

struct HeatMap::Impl {
  io::Session* session = nullptr;
  io::DatasetId rowsDataset = io::kNoDataset;
  std::vector<double> values;
  std::size_t rows = 0, columns = 0;
  std::vector<QString> rowLabels, columnLabels, groups;
  std::vector<std::size_t> order;  // display row → data row
  QString colormap = "viridis", title;
  double low = 0, high = 1;
  QImage cache;
  bool dirty = true;
  int brushStart = -1, brushEnd = -1;
  double pressX = 0;
  double timeStart = 0, timeWidth = 0;  // 0: columns are not time
  io::Signal<const std::string&>::ConnectionId connection = 0;
  io::Signal<double, const std::string&>::ConnectionId cursorConnection = 0;
};

HeatMap::HeatMap(io::Session* session, io::DatasetId rowsDataset, QWidget* parent)
    : QWidget(parent), impl_(std::make_unique<Impl>()) {
  impl_->session = session;
  impl_->rowsDataset = rowsDataset;
  setMouseTracking(true);
  setMinimumSize(200, 150);
  if (session) {
    impl_->connection =
        session->selection().changed.connect([this](const std::string&) { update(); });
    impl_->cursorConnection = session->selection().timeCursorMoved.connect(
        [this](double, const std::string&) { update(); });
  }
}

HeatMap::~HeatMap() {
  if (impl_->session) {
    impl_->session->selection().changed.disconnect(impl_->connection);
    impl_->session->selection().timeCursorMoved.disconnect(impl_->cursorConnection);
  }
}

void HeatMap::setColumnTimes(double start, double width) {
  impl_->timeStart = start;
  impl_->timeWidth = width;
  update();
}

void HeatMap::setMatrix(std::vector<double> values, std::size_t rows, std::size_t columns) {
  if (values.size() != rows * columns)
    throw std::invalid_argument("heat map: values do not fill rows × columns");
  auto& d = *impl_;
  d.values = std::move(values);
  d.rows = rows;
  d.columns = columns;
  d.order.resize(rows);
  std::iota(d.order.begin(), d.order.end(), 0);
  double low = std::numeric_limits<double>::infinity(), high = -low;
  for (double v : d.values)
    if (std::isfinite(v)) low = std::min(low, v), high = std::max(high, v);
  if (!std::isfinite(low)) low = 0, high = 1;
  if (low < 0 && high > 0) {  // signed data: symmetric, diverging
    const double extent = std::max(-low, high);
    low = -extent, high = extent;
    d.colormap = "RdBu_r";
  }
  d.low = low;
  d.high = high > low ? high : low + 1;
  d.dirty = true;
  update();
}

void HeatMap::setRowLabels(std::vector<QString> labels) {
  impl_->rowLabels = std::move(labels);
  update();
}
void HeatMap::setColumnLabels(std::vector<QString> labels) {
  impl_->columnLabels = std::move(labels);
  update();
}
void HeatMap::setTitle(const QString& title) {
  impl_->title = title;
  update();
}
std::pair<double, double> HeatMap::range() const {
  return {impl_->low, impl_->high};
}

void HeatMap::groupRowsBy(const std::vector<QString>& groups) {
  auto& d = *impl_;
  if (groups.size() != d.rows)
    throw std::invalid_argument("heat map: one group label per row needed");
  d.groups = groups;
  std::stable_sort(d.order.begin(), d.order.end(),
                   [&](std::size_t a, std::size_t b) { return groups[a] < groups[b]; });
  d.dirty = true;
  update();
}

void HeatMap::setColormap(const QString& name) {
  impl_->colormap = name;
  impl_->dirty = true;
  update();
}

void HeatMap::setRange(double low, double high) {
  impl_->low = low;
  impl_->high = high > low ? high : low + 1e-12;
  impl_->dirty = true;
  update();
}

QRectF HeatMap::matrixRect() const {
  return QRectF(kLeft, kTop, std::max(1, width() - kLeft - kRight),
                std::max(1, height() - kTop - kBottom));
}

int HeatMap::rowAt(double y) const {
  const QRectF r = matrixRect();
  if (impl_->rows == 0 || y < r.top() || y >= r.bottom()) return -1;
  const auto display =
      static_cast<std::size_t>((y - r.top()) / r.height() * static_cast<double>(impl_->rows));
  return display < impl_->rows ? static_cast<int>(impl_->order[display]) : -1;
}

int HeatMap::columnAt(double x) const {
  const QRectF r = matrixRect();
  if (impl_->columns == 0 || x < r.left() || x >= r.right()) return -1;
  const auto column =
      static_cast<std::size_t>((x - r.left()) / r.width() * static_cast<double>(impl_->columns));
  return column < impl_->columns ? static_cast<int>(column) : -1;
}

void HeatMap::resizeEvent(QResizeEvent*) {
  impl_->dirty = true;
}

void HeatMap::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  draw(painter, size());
}

QImage HeatMap::render(QSize size) {
  QImage image(size, QImage::Format_ARGB32_Premultiplied);
  image.fill(Qt::white);
  QPainter painter(&image);
  draw(painter, size);
  return image;
}

bool HeatMap::exportSvg(const QString& path) {
  QSvgGenerator generator;
  generator.setFileName(path);
  generator.setSize(size());
  generator.setViewBox(rect());
  generator.setTitle(impl_->title);
  QPainter painter;
  if (!painter.begin(&generator)) return false;
  draw(painter, size());
  return painter.end();
}

QString HeatMap::toCsv() const {
  const auto& d = *impl_;
  QString csv = "row";
  for (std::size_t c = 0; c < d.columns; ++c)
    csv += "," + (c < d.columnLabels.size() ? d.columnLabels[c] : QString::number(c));
  csv += "\n";
  for (std::size_t r = 0; r < d.rows; ++r) {
    csv += r < d.rowLabels.size() ? d.rowLabels[r] : QString::number(r);
    for (std::size_t c = 0; c < d.columns; ++c)
      csv += "," + QString::number(d.values[r * d.columns + c], 'g', 12);
    csv += "\n";
  }
  return csv;
}

void HeatMap::draw(QPainter& painter, QSize size) {
  auto& d = *impl_;
  const QRectF matrix(kLeft, kTop, std::max(1, size.width() - kLeft - kRight),
                      std::max(1, size.height() - kTop - kBottom));
  painter.fillRect(QRectF(0, 0, size.width(), size.height()), Qt::white);
  if (d.rows == 0 || d.columns == 0) {
    painter.drawText(matrix, Qt::AlignCenter, tr("no data"));
    return;
  }
  const auto map = Colormap::byName(d.colormap);
  if (d.dirty || d.cache.size() != QSize(static_cast<int>(d.columns), static_cast<int>(d.rows))) {
    // One pixel per cell; Qt scales it without smoothing, so cells stay crisp.
    d.cache = QImage(static_cast<int>(d.columns), static_cast<int>(d.rows), QImage::Format_RGB32);
    const auto table = map.table(256);
    for (std::size_t display = 0; display < d.rows; ++display) {
      auto* line = reinterpret_cast<QRgb*>(d.cache.scanLine(static_cast<int>(display)));
      const std::size_t r = d.order[display];
      for (std::size_t c = 0; c < d.columns; ++c) {
        const double v = d.values[r * d.columns + c];
        if (!std::isfinite(v)) {
          line[c] = qRgb(225, 225, 225);
          continue;
        }
        const double t = std::clamp((v - d.low) / (d.high - d.low), 0.0, 1.0);
        const auto& rgb = table[static_cast<std::size_t>(std::lround(t * 255))];
        line[c] = qRgb(rgb[0], rgb[1], rgb[2]);
      }
    }
    d.dirty = false;
  }
  painter.drawImage(matrix, d.cache);
  painter.setPen(QColor(80, 80, 80));
  painter.drawRect(matrix);
  if (!d.title.isEmpty())
    painter.drawText(QRectF(0, 2, size.width(), kTop - 4), Qt::AlignCenter, d.title);

  // Selected rows: outlined in the highlight colour.
  const double rowHeight = matrix.height() / static_cast<double>(d.rows);
  if (d.session && d.session->selection().dataset() == d.rowsDataset) {
    QPen pen(highlightColor(), 2.0);
    painter.setPen(pen);
    for (std::size_t display = 0; display < d.rows; ++display)
      if (d.session->selection().contains(d.rowsDataset,
                                          static_cast<std::int64_t>(d.order[display])))
        painter.drawRect(QRectF(matrix.left(), matrix.top() + display * rowHeight, matrix.width(),
                                std::max(1.0, rowHeight)));
  }
  if (d.brushStart >= 0 && d.brushEnd >= 0) {
    QColor brush = highlightColor();
    brush.setAlpha(70);
    const int a = std::min(d.brushStart, d.brushEnd), b = std::max(d.brushStart, d.brushEnd);
    painter.fillRect(QRectF(matrix.left(), matrix.top() + a * rowHeight, matrix.width(),
                            (b - a + 1) * rowHeight),
                     brush);
  }

  // The shared time cursor, when columns are time bins.
  if (d.session && d.timeWidth > 0 && d.session->selection().hasTimeCursor()) {
    const double column = (d.session->selection().timeCursor() - d.timeStart) / d.timeWidth;
    if (column >= 0 && column <= static_cast<double>(d.columns)) {
      const double x = matrix.left() + column / static_cast<double>(d.columns) * matrix.width();
      painter.setPen(QPen(QColor(220, 40, 40), 1.5));
      painter.drawLine(QPointF(x, matrix.top()), QPointF(x, matrix.bottom()));
    }
  }

  // Labels: groups (or rows) on the left, columns below — thinned to fit.
  QFont small = painter.font();
  small.setPointSizeF(std::max(7.0, small.pointSizeF() - 1.5));
  painter.setFont(small);
  painter.setPen(QColor(40, 40, 40));
  if (!d.groups.empty()) {
    std::size_t start = 0;
    for (std::size_t display = 1; display <= d.rows; ++display) {
      if (display < d.rows && d.groups[d.order[display]] == d.groups[d.order[start]]) continue;
      const QString name = d.groups[d.order[start]];
      const QRectF band(kLeft - 10, matrix.top() + start * rowHeight, 7,
                        (display - start) * rowHeight);
      painter.fillRect(band, areaColor(name));
      if (band.height() >= 10)
        painter.drawText(QRectF(2, band.top(), kLeft - 14, band.height()),
                         Qt::AlignRight | Qt::AlignVCenter, name);
      start = display;
    }
  } else if (!d.rowLabels.empty()) {
    const std::size_t step = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::ceil(14.0 / std::max(rowHeight, 1e-3))));
    for (std::size_t display = 0; display < d.rows; display += step)
      painter.drawText(QRectF(2, matrix.top() + display * rowHeight, kLeft - 6,
                              std::max(rowHeight * step, 12.0)),
                       Qt::AlignRight | Qt::AlignTop, d.rowLabels[d.order[display]]);
  }
  const double columnWidth = matrix.width() / static_cast<double>(d.columns);
  const std::size_t columnStep =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(50.0 / columnWidth)));
  for (std::size_t c = 0; c < d.columns; c += columnStep) {
    const QString text = c < d.columnLabels.size() ? d.columnLabels[c] : QString::number(c);
    painter.drawText(
        QRectF(matrix.left() + c * columnWidth - 25 + columnWidth / 2, matrix.bottom() + 3, 50, 14),
        Qt::AlignHCenter, text);
  }

  // Colour bar with its range.
  const QRectF bar(matrix.right() + 14, matrix.top(), 14, matrix.height());
  for (int y = 0; y < static_cast<int>(bar.height()); ++y)
    painter.fillRect(QRectF(bar.left(), bar.bottom() - y - 1, bar.width(), 1),
                     map.at(y / std::max(1.0, bar.height() - 1)));
  painter.setPen(QColor(80, 80, 80));
  painter.drawRect(bar);
  painter.drawText(QRectF(bar.right() + 3, bar.top() - 2, kRight - 30, 14), Qt::AlignLeft,
                   QString::number(d.high, 'g', 4));
  painter.drawText(QRectF(bar.right() + 3, bar.bottom() - 12, kRight - 30, 14), Qt::AlignLeft,
                   QString::number(d.low, 'g', 4));
}

void HeatMap::mouseMoveEvent(QMouseEvent* event) {
  auto& d = *impl_;
  const int r = rowAt(event->position().y()), c = columnAt(event->position().x());
  if ((event->buttons() & Qt::LeftButton) && d.brushStart >= 0) {
    const QRectF m = matrixRect();
    d.brushEnd = std::clamp(static_cast<int>((event->position().y() - m.top()) / m.height() *
                                             static_cast<double>(d.rows)),
                            0, static_cast<int>(d.rows) - 1);
    update();
  }
  if (r >= 0 && c >= 0) {
    const QString rowName = static_cast<std::size_t>(r) < d.rowLabels.size()
                                ? d.rowLabels[static_cast<std::size_t>(r)]
                                : QString::number(r);
    const QString columnName = static_cast<std::size_t>(c) < d.columnLabels.size()
                                   ? d.columnLabels[static_cast<std::size_t>(c)]
                                   : QString::number(c);
    QToolTip::showText(
        event->globalPosition().toPoint(),
        tr("%1 · %2: %3")
            .arg(rowName, columnName)
            .arg(d.values[static_cast<std::size_t>(r) * d.columns + static_cast<std::size_t>(c)], 0,
                 'g', 5),
        this);
  }
}

void HeatMap::mousePressEvent(QMouseEvent* event) {
  auto& d = *impl_;
  const QRectF m = matrixRect();
  if (event->button() != Qt::LeftButton || !m.contains(event->position())) return;
  d.brushStart = d.brushEnd = static_cast<int>((event->position().y() - m.top()) / m.height() *
                                               static_cast<double>(d.rows));
  d.pressX = event->position().x();
}

void HeatMap::mouseReleaseEvent(QMouseEvent* event) {
  auto& d = *impl_;
  if (d.brushStart < 0) return;
  const int a = std::min(d.brushStart, d.brushEnd), b = std::max(d.brushStart, d.brushEnd);
  const bool click = a == b && std::abs(event->position().x() - d.pressX) < 4;
  d.brushStart = d.brushEnd = -1;
  update();
  if (d.session && click && d.timeWidth > 0) {
    const QRectF m = matrixRect();
    d.session->selection().setTimeCursor(d.timeStart + (d.pressX - m.left()) / m.width() *
                                                           static_cast<double>(d.columns) *
                                                           d.timeWidth,
                                         kOrigin);
  }
  if (!d.session || d.rowsDataset == io::kNoDataset) return;
  std::vector<std::int64_t> rows;
  if ((event->modifiers() & (Qt::ShiftModifier | Qt::ControlModifier)) &&
      d.session->selection().dataset() == d.rowsDataset)
    rows = d.session->selection().indices();
  for (int display = a; display <= b && display < static_cast<int>(d.rows); ++display)
    rows.push_back(static_cast<std::int64_t>(d.order[static_cast<std::size_t>(display)]));
  d.session->selection().select(d.rowsDataset, rows, kOrigin);
}

}  // namespace nl::widgets
