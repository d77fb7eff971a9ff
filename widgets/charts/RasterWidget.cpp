#include "widgets/charts/RasterWidget.h"

#include <QElapsedTimer>
#include <QFontMetricsF>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "widgets/AreaColors.h"

namespace nl::widgets {

namespace {
constexpr const char* kOrigin = "raster";
constexpr int kRight = 12, kTop = 8, kBottom = 30;

double niceStep(double span, int targetTicks) {
  const double raw = span / std::max(1, targetTicks);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * magnitude) return m * magnitude;
  return 10 * magnitude;
}
}  // namespace

struct RasterWidget::Impl {
  io::Session* session = nullptr;
  io::DatasetId recordingId = io::kNoDataset;
  std::shared_ptr<const io::SpikeRecording> recording;
  std::shared_ptr<const io::TableDataset> stimulus;
  Order order = Order::Depth;
  std::vector<int> rowToUnit;  // display order
  std::vector<int> unitToRow;
  std::vector<QColor> unitColor;
  double t0 = 0, t1 = 1;  // visible window
  double fullT0 = 0, fullT1 = 1;
  QImage cache;  // plot area only
  bool dirty = true;
  double binningMs = 0;
  int left = 64;  // room for the longest area name
  bool dragging = false;
  QPointF pressPos;
  double pressT0 = 0, pressT1 = 0;
  io::Signal<const std::string&>::ConnectionId selectionConnection = 0;
  io::Signal<double, const std::string&>::ConnectionId cursorConnection = 0;
};

RasterWidget::RasterWidget(io::Session& session, io::DatasetId recording, io::DatasetId stimulus,
                           QWidget* parent)
    : QWidget(parent), impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  d.session = &session;
  d.recordingId = recording;
  d.recording = std::dynamic_pointer_cast<const io::SpikeRecording>(session.find(recording));
  if (!d.recording) throw std::invalid_argument("raster needs a spike recording");
  if (stimulus != io::kNoDataset)
    d.stimulus = std::dynamic_pointer_cast<const io::TableDataset>(session.find(stimulus));
  const auto [a, b] = d.recording->timeRange();
  d.fullT0 = std::min(0.0, a);
  d.fullT1 = std::max(d.fullT0 + 1e-3, b);
  d.t0 = d.fullT0;
  d.t1 = d.fullT1;
  const auto* units = d.recording->units().get();
  const io::Column* location = units ? units->column("location") : nullptr;
  for (std::size_t u = 0; u < d.recording->unitCount(); ++u)
    d.unitColor.push_back(
        areaColor(location ? QString::fromStdString(location->cellText(u)) : QString()));
  if (location != nullptr) {
    int widest = 0;
    for (std::size_t u = 0; u < d.recording->unitCount(); ++u)
      widest = std::max(
          widest, fontMetrics().horizontalAdvance(QString::fromStdString(location->cellText(u))));
    d.left = std::clamp(widest + 20, 64, 170);
  }
  setOrder(Order::Depth);
  setMinimumSize(200, 120);
  setFocusPolicy(Qt::StrongFocus);
  setMouseTracking(true);
  d.selectionConnection =
      session.selection().changed.connect([this](const std::string&) { update(); });
  // A time set in another view (amplitudes, a state of a bi-clustering run)
  // brings the window to it, keeping its span.
  d.cursorConnection = session.selection().timeCursorMoved.connect(
      [this](double seconds, const std::string& origin) {
        auto& w = *impl_;
        if (origin != kOrigin && std::isfinite(seconds) && (seconds < w.t0 || seconds > w.t1)) {
          const double span = w.t1 - w.t0;
          setTimeWindow(seconds - span / 2, seconds + span / 2);
        }
        update();
      });
}

RasterWidget::~RasterWidget() {
  impl_->session->selection().changed.disconnect(impl_->selectionConnection);
  impl_->session->selection().timeCursorMoved.disconnect(impl_->cursorConnection);
}

void RasterWidget::setOrder(Order order) {
  auto& d = *impl_;
  d.order = order;
  const std::size_t n = d.recording->unitCount();
  d.rowToUnit.resize(n);
  std::iota(d.rowToUnit.begin(), d.rowToUnit.end(), 0);
  const auto* units = d.recording->units().get();
  const std::vector<double>* key = nullptr;
  if (units && order == Order::Depth) key = units->numericColumn("probe_vertical_position");
  if (units && order == Order::FiringRate) key = units->numericColumn("firing_rate");
  const io::Column* area = units ? units->column("location") : nullptr;
  if (order == Order::Area && area) {
    std::stable_sort(d.rowToUnit.begin(), d.rowToUnit.end(), [&](int x, int y) {
      return area->cellText(static_cast<std::size_t>(x)) <
             area->cellText(static_cast<std::size_t>(y));
    });
  } else if (key) {
    // Most superficial (largest distance from the tip) on top; by depth
    // probe by probe, since equal depths on different probes are different
    // places (and areas).
    const io::Column* probe = nullptr;
    if (order == Order::Depth && units)
      for (const char* name : {"probe_id", "group_name"})
        if (!probe) probe = units->column(name);
    std::stable_sort(d.rowToUnit.begin(), d.rowToUnit.end(), [&](int x, int y) {
      const auto a = static_cast<std::size_t>(x), b = static_cast<std::size_t>(y);
      if (probe) {
        const std::string pa = probe->cellText(a), pb = probe->cellText(b);
        if (pa != pb) return pa < pb;
      }
      return (*key)[a] > (*key)[b];
    });
  }
  d.unitToRow.assign(n, 0);
  for (std::size_t r = 0; r < n; ++r)
    d.unitToRow[static_cast<std::size_t>(d.rowToUnit[r])] = static_cast<int>(r);
  d.dirty = true;
  update();
}

RasterWidget::Order RasterWidget::order() const {
  return impl_->order;
}

void RasterWidget::setTimeWindow(double start, double stop) {
  auto& d = *impl_;
  const double minimumSpan = 1e-3;
  if (stop - start < minimumSpan) stop = start + minimumSpan;
  const double span = std::min(stop - start, d.fullT1 - d.fullT0);
  start = std::clamp(start, d.fullT0, d.fullT1 - span);
  d.t0 = start;
  d.t1 = start + span;
  d.dirty = true;
  update();
}

std::pair<double, double> RasterWidget::timeWindow() const {
  return {impl_->t0, impl_->t1};
}
double RasterWidget::lastBinningMs() const {
  return impl_->binningMs;
}

QRectF RasterWidget::plotRect() const {
  const int kLeft = impl_->left;
  return QRectF(kLeft, kTop, std::max(1, width() - kLeft - kRight),
                std::max(1, height() - kTop - kBottom));
}

int RasterWidget::unitAtY(double y) const {
  const QRectF plot = plotRect();
  const auto n = impl_->rowToUnit.size();
  if (n == 0 || y < plot.top() || y >= plot.bottom()) return -1;
  const auto row =
      static_cast<std::size_t>((y - plot.top()) / plot.height() * static_cast<double>(n));
  return row < n ? impl_->rowToUnit[row] : -1;
}

double RasterWidget::timeAtX(double x) const {
  const QRectF plot = plotRect();
  return impl_->t0 + (x - plot.left()) / plot.width() * (impl_->t1 - impl_->t0);
}

void RasterWidget::resizeEvent(QResizeEvent*) {
  impl_->dirty = true;
}

QImage RasterWidget::render(QSize size) {
  QImage image(size, QImage::Format_ARGB32_Premultiplied);
  image.fill(palette().color(QPalette::Window));
  QPainter painter(&image);
  painter.setRenderHint(QPainter::Antialiasing, false);
  impl_->dirty = true;
  draw(painter, size);
  impl_->dirty = true;
  return image;
}

void RasterWidget::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  draw(painter, size());
}

void RasterWidget::draw(QPainter& painter, QSize size) {
  auto& d = *impl_;
  const int kLeft = d.left;
  const QRectF plot(kLeft, kTop, std::max(1, size.width() - kLeft - kRight),
                    std::max(1, size.height() - kTop - kBottom));
  const int W = static_cast<int>(plot.width()), H = static_cast<int>(plot.height());
  const std::size_t n = d.rowToUnit.size();

  if (d.dirty || d.cache.size() != QSize(W, H)) {
    QElapsedTimer timer;
    timer.start();
    // Bin: spikes per (pixel column, pixel row); rows may hold several units.
    std::vector<float> counts(static_cast<std::size_t>(W) * static_cast<std::size_t>(H), 0.0f);
    std::vector<int> rowUnit(static_cast<std::size_t>(H), -1);
    const double scale = W / (d.t1 - d.t0);
    for (std::size_t r = 0; r < n; ++r) {
      const int unit = d.rowToUnit[r];
      const int y0 =
          static_cast<int>(std::floor(static_cast<double>(r) * H / static_cast<double>(n)));
      const int y1 = std::max(y0 + 1, static_cast<int>(std::floor(static_cast<double>(r + 1) * H /
                                                                  static_cast<double>(n))));
      const auto spikes = d.recording->spikesInWindow(static_cast<std::size_t>(unit), d.t0, d.t1);
      auto it = spikes.begin();
      const auto end = spikes.end();
      // Thin rows get the whole row; thick rows a tick in the middle 70 %.
      const int pad = (y1 - y0) >= 5 ? (y1 - y0) * 15 / 100 : 0;
      for (int y = y0; y < std::min(y1, H); ++y) rowUnit[static_cast<std::size_t>(y)] = unit;
      for (; it != end; ++it) {
        const int x = std::min(W - 1, static_cast<int>((*it - d.t0) * scale));
        for (int y = y0 + pad; y < std::min(y1 - pad, H); ++y)
          counts[static_cast<std::size_t>(y) * W + x] += 1.0f;
      }
    }
    d.cache = QImage(W, H, QImage::Format_ARGB32_Premultiplied);
    d.cache.fill(Qt::transparent);
    // Density → opacity on a log scale relative to the 95th percentile of
    // occupied pixels, so zoomed-out views still show where rates change.
    std::vector<float> occupied;
    for (float k : counts)
      if (k > 0) occupied.push_back(k);
    float reference = 1.0f;
    if (!occupied.empty()) {
      auto nth = occupied.begin() + static_cast<std::ptrdiff_t>(occupied.size() * 95 / 100);
      std::nth_element(occupied.begin(), nth, occupied.end());
      reference = std::max(1.0f, *nth);
    }
    const double logReference = std::log1p(reference);
    for (int y = 0; y < H; ++y) {
      const int unit = rowUnit[static_cast<std::size_t>(y)];
      if (unit < 0) continue;
      const QColor c = d.unitColor[static_cast<std::size_t>(unit)].darker(140);
      auto* line = reinterpret_cast<QRgb*>(d.cache.scanLine(y));
      for (int x = 0; x < W; ++x) {
        const float k = counts[static_cast<std::size_t>(y) * W + x];
        if (k <= 0) continue;
        const double alpha =
            reference <= 1.0f ? 1.0 : std::min(1.0, 0.2 + 0.8 * std::log1p(k) / logReference);
        line[x] = qPremultiply(qRgba(c.red(), c.green(), c.blue(), static_cast<int>(alpha * 255)));
      }
    }
    d.binningMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    d.dirty = false;
  }

  painter.fillRect(QRectF(0, 0, size.width(), size.height()), QColor(250, 250, 252));
  painter.fillRect(plot, Qt::white);
  // Stimulus epochs behind the spikes.
  if (d.stimulus) {
    const auto* start = d.stimulus->numericColumn("start_time");
    const auto* stop = d.stimulus->numericColumn("stop_time");
    if (start && stop) {
      for (std::size_t i = 0; i < start->size(); ++i) {
        if ((*stop)[i] < d.t0 || (*start)[i] > d.t1) continue;
        const double xa = plot.left() + ((*start)[i] - d.t0) / (d.t1 - d.t0) * plot.width();
        const double xb = plot.left() + ((*stop)[i] - d.t0) / (d.t1 - d.t0) * plot.width();
        painter.fillRect(QRectF(QPointF(std::max(xa, plot.left()), plot.top()),
                                QPointF(std::min(xb, plot.right()), plot.bottom())),
                         QColor(120, 140, 220, 38));
      }
    }
  }
  // Selected units: a highlight band behind their rows.
  const auto& selection = d.session->selection();
  if (selection.dataset() == d.recordingId && n > 0) {
    for (auto unit : selection.indices()) {
      if (unit < 0 || static_cast<std::size_t>(unit) >= n) continue;
      const int row = d.unitToRow[static_cast<std::size_t>(unit)];
      const double y0 = plot.top() + row * plot.height() / static_cast<double>(n);
      const double h = std::max(2.0, plot.height() / static_cast<double>(n));
      QColor band = highlightColor();
      band.setAlpha(150);
      painter.fillRect(QRectF(plot.left(), y0, plot.width(), h), band);
    }
  }
  painter.drawImage(plot.topLeft(), d.cache);

  // Area labels on the left. With thousands of units a row is a fraction of
  // a pixel and the areas of units at equal depth on different probes
  // interleave, so runs of equal areas are far shorter than a label: each
  // pixel row takes the area most of its units are in, and runs of pixel
  // rows get the band and, when tall enough, the name.
  const auto* units = d.recording->units().get();
  const io::Column* area = units ? units->column("location") : nullptr;
  QFont small = painter.font();
  small.setPointSizeF(std::max(7.0, small.pointSizeF() - 1));
  painter.setFont(small);
  if (area && n > 0) {
    const int rows = std::max(1, static_cast<int>(std::ceil(plot.height())));
    std::vector<QString> rowArea(static_cast<std::size_t>(rows));
    std::map<QString, int> votes;
    for (int y = 0; y < rows; ++y) {
      const auto first = static_cast<std::size_t>(std::floor(y * static_cast<double>(n) / rows));
      const auto last = std::max(
          first + 1, static_cast<std::size_t>(std::floor((y + 1) * static_cast<double>(n) / rows)));
      votes.clear();
      for (std::size_t r = first; r < std::min(last, n); ++r)
        ++votes[QString::fromStdString(area->cellText(static_cast<std::size_t>(d.rowToUnit[r])))];
      if (votes.empty()) continue;
      rowArea[static_cast<std::size_t>(y)] =
          std::max_element(votes.begin(), votes.end(), [](const auto& a, const auto& b) {
            return a.second < b.second;
          })->first;
    }
    const double labelHeight = QFontMetricsF(small).height();
    const double yScale = plot.height() / rows;
    int runStart = 0;
    for (int y = 1; y <= rows; ++y) {
      if (y < rows &&
          rowArea[static_cast<std::size_t>(y)] == rowArea[static_cast<std::size_t>(runStart)])
        continue;
      const QString& name = rowArea[static_cast<std::size_t>(runStart)];
      const double ya = plot.top() + runStart * yScale, yb = plot.top() + y * yScale;
      painter.fillRect(QRectF(kLeft - 8, ya, 6, yb - ya), areaColor(name));
      if (yb - ya >= labelHeight * 0.9 && !name.isEmpty()) {
        painter.setPen(QColor(50, 50, 50));
        painter.drawText(QRectF(2, ya, kLeft - 12, yb - ya), Qt::AlignRight | Qt::AlignVCenter,
                         name);
      }
      runStart = y;
    }
  }

  // Time axis.
  painter.setPen(QColor(90, 90, 90));
  painter.drawRect(plot);
  const double step = niceStep(d.t1 - d.t0, std::max(2, static_cast<int>(plot.width() / 90)));
  for (double t = std::ceil(d.t0 / step) * step; t <= d.t1; t += step) {
    const double x = plot.left() + (t - d.t0) / (d.t1 - d.t0) * plot.width();
    painter.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 4));
    painter.drawText(QRectF(x - 40, plot.bottom() + 4, 80, 14), Qt::AlignHCenter | Qt::AlignTop,
                     QString::number(t, 'g', 6));
  }
  painter.drawText(QRectF(plot.left(), plot.bottom() + 16, plot.width(), 14), Qt::AlignHCenter,
                   tr("time (s)"));

  // Time cursor.
  if (selection.hasTimeCursor() && selection.timeCursor() >= d.t0 &&
      selection.timeCursor() <= d.t1) {
    const double x = plot.left() + (selection.timeCursor() - d.t0) / (d.t1 - d.t0) * plot.width();
    painter.setPen(QPen(QColor(220, 40, 40), 1.5));
    painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
  }
}

void RasterWidget::mousePressEvent(QMouseEvent* event) {
  auto& d = *impl_;
  d.pressPos = event->position();
  d.pressT0 = d.t0;
  d.pressT1 = d.t1;
  d.dragging = false;
}

void RasterWidget::mouseMoveEvent(QMouseEvent* event) {
  auto& d = *impl_;
  if (!(event->buttons() & Qt::LeftButton)) {
    const int unit = unitAtY(event->position().y());
    if (unit >= 0 && plotRect().contains(event->position()))
      setToolTip(tr("unit %1 · %2 s").arg(unit).arg(timeAtX(event->position().x()), 0, 'f', 3));
    return;
  }
  const double dx = event->position().x() - d.pressPos.x();
  if (std::abs(dx) > 3) d.dragging = true;
  if (d.dragging) {
    const double shift = -dx / plotRect().width() * (d.pressT1 - d.pressT0);
    setTimeWindow(d.pressT0 + shift, d.pressT1 + shift);
  }
}

void RasterWidget::mouseReleaseEvent(QMouseEvent* event) {
  auto& d = *impl_;
  if (d.dragging || event->button() != Qt::LeftButton) return;
  if (!plotRect().contains(event->position())) return;
  auto& selection = d.session->selection();
  selection.setTimeCursor(timeAtX(event->position().x()), kOrigin);
  const int unit = unitAtY(event->position().y());
  if (unit < 0) return;
  std::vector<std::int64_t> indices;
  if ((event->modifiers() & (Qt::ShiftModifier | Qt::ControlModifier)) &&
      selection.dataset() == d.recordingId)
    indices = selection.indices();
  indices.push_back(unit);
  selection.select(d.recordingId, indices, kOrigin);
}

void RasterWidget::wheelEvent(QWheelEvent* event) {
  auto& d = *impl_;
  const double factor = event->angleDelta().y() > 0 ? 0.8 : 1.25;
  const double anchor = timeAtX(event->position().x());
  setTimeWindow(anchor - (anchor - d.t0) * factor, anchor + (d.t1 - anchor) * factor);
  event->accept();
}

void RasterWidget::keyPressEvent(QKeyEvent* event) {
  auto& d = *impl_;
  const double span = d.t1 - d.t0;
  switch (event->key()) {
    case Qt::Key_Left:
      setTimeWindow(d.t0 - span * 0.2, d.t1 - span * 0.2);
      break;
    case Qt::Key_Right:
      setTimeWindow(d.t0 + span * 0.2, d.t1 + span * 0.2);
      break;
    case Qt::Key_Plus:
    case Qt::Key_Equal:
      setTimeWindow(d.t0 + span * 0.25, d.t1 - span * 0.25);
      break;
    case Qt::Key_Minus:
      setTimeWindow(d.t0 - span * 0.5, d.t1 + span * 0.5);
      break;
    case Qt::Key_Home:
      setTimeWindow(d.fullT0, d.fullT1);
      break;
    default:
      QWidget::keyPressEvent(event);
  }
}

}  // namespace nl::widgets
