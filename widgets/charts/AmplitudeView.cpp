#include "widgets/charts/AmplitudeView.h"

#include <QMouseEvent>
#include <QPainter>
#include <algorithm>
#include <cmath>
#include <limits>

#include "widgets/charts/ShownUnits.h"

namespace nl::widgets {

namespace {
constexpr const char* kOrigin = "amplitudes";
constexpr int kLeft = 56, kRight = 10, kTop = 22, kBottom = 30;

QColor unitColour(std::size_t index) {
  static const QColor kColours[] = {QColor(31, 119, 180), QColor(214, 39, 40), QColor(44, 160, 44),
                                    QColor(148, 103, 189)};
  return kColours[index % std::size(kColours)];
}

double niceStep(double span, int ticks) {
  const double raw = span / std::max(1, ticks);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (raw <= m * magnitude) return m * magnitude;
  return 10 * magnitude;
}
}  // namespace

struct AmplitudeView::Impl {
  io::Session* session = nullptr;
  io::DatasetId recordingId = io::kNoDataset;
  std::shared_ptr<const io::SpikeRecording> recording;
  std::vector<std::size_t> units;
  std::vector<io::SpikeTrain> trains;
  std::vector<std::vector<float>> amplitudes;  // µV
  double t0 = 0, t1 = 1, a0 = 0, a1 = 1;
  QString message;
  io::Signal<const std::string&>::ConnectionId selectionConnection = 0;
  io::Signal<double, const std::string&>::ConnectionId cursorConnection = 0;
};

AmplitudeView::AmplitudeView(io::Session& session, io::DatasetId recording, QWidget* parent)
    : QWidget(parent), impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  d.session = &session;
  d.recordingId = recording;
  d.recording = std::dynamic_pointer_cast<const io::SpikeRecording>(session.find(recording));
  if (!d.recording) throw std::invalid_argument("amplitude view needs a spike recording");
  setMinimumSize(200, 140);
  d.selectionConnection = session.selection().changed.connect([this](const std::string& origin) {
    if (origin != kOrigin) refresh();
  });
  d.cursorConnection =
      session.selection().timeCursorMoved.connect([this](double, const std::string&) { update(); });
  refresh();
}

AmplitudeView::~AmplitudeView() {
  impl_->session->selection().changed.disconnect(impl_->selectionConnection);
  impl_->session->selection().timeCursorMoved.disconnect(impl_->cursorConnection);
}

std::vector<std::size_t> AmplitudeView::shownUnits() const {
  return impl_->units;
}

QRectF AmplitudeView::plotRect() const {
  return QRectF(kLeft, kTop, std::max(1, width() - kLeft - kRight),
                std::max(1, height() - kTop - kBottom));
}

double AmplitudeView::timeAtX(double x) const {
  const QRectF plot = plotRect();
  return impl_->t0 + (x - plot.left()) / plot.width() * (impl_->t1 - impl_->t0);
}

void AmplitudeView::refresh() {
  auto& d = *impl_;
  d.units.clear();
  d.trains.clear();
  d.amplitudes.clear();
  d.message.clear();
  if (!d.recording->hasAmplitudes()) {
    d.message = tr("This recording has no spike amplitudes (units/spike_amplitudes).");
    update();
    return;
  }
  d.units = unitsToShow(*d.session, d.recordingId, *d.recording, kMaxUnits);
  const auto [first, last] = d.recording->timeRange();
  d.t0 = std::min(0.0, first);
  d.t1 = std::max(d.t0 + 1e-3, last);
  d.a0 = 0;
  d.a1 = 1e-9;
  const double scale = d.recording->amplitudeToMicrovolts();
  try {
    for (auto u : d.units) {
      d.trains.push_back(d.recording->spikesOfUnit(u));
      auto values = d.recording->amplitudesOfUnit(u);
      if (values.size() != d.trains.back().times().size())
        throw std::runtime_error("unit " + std::to_string(u) + " has " +
                                 std::to_string(values.size()) + " amplitudes for " +
                                 std::to_string(d.trains.back().times().size()) + " spikes");
      for (auto& v : values) {
        v = static_cast<float>(v * scale);
        if (std::isfinite(v)) {
          d.a0 = std::min<double>(d.a0, v);
          d.a1 = std::max<double>(d.a1, v);
        }
      }
      d.amplitudes.push_back(std::move(values));
    }
  } catch (const std::exception& error) {
    d.units.clear();
    d.trains.clear();
    d.amplitudes.clear();
    d.message = tr("Amplitudes unreadable: %1").arg(QString::fromUtf8(error.what()));
  }
  d.a1 += 0.05 * (d.a1 - d.a0);
  update();
}

void AmplitudeView::paintEvent(QPaintEvent*) {
  auto& d = *impl_;
  QPainter painter(this);
  painter.fillRect(rect(), Qt::white);
  if (d.units.empty()) {
    painter.setPen(QColor(90, 90, 90));
    painter.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap,
                     d.message);
    return;
  }
  const QRectF plot = plotRect();
  const int w = std::max(1, static_cast<int>(plot.width()));
  const int h = std::max(1, static_cast<int>(plot.height()));
  QImage image(w, h, QImage::Format_ARGB32_Premultiplied);
  image.fill(Qt::transparent);
  for (std::size_t i = 0; i < d.units.size(); ++i) {
    std::vector<float> counts(static_cast<std::size_t>(w) * static_cast<std::size_t>(h), 0.0f);
    const auto times = d.trains[i].times();
    const auto& values = d.amplitudes[i];
    // Few spikes for the area: 2 × 2 px dots, so a quiet unit is still seen.
    const int dot = times.size() * 40 < static_cast<std::size_t>(w) * h ? 2 : 1;
    for (std::size_t k = 0; k < times.size(); ++k) {
      if (!std::isfinite(values[k])) continue;
      const auto x = static_cast<long>((times[k] - d.t0) / (d.t1 - d.t0) * w);
      const auto y = static_cast<long>((d.a1 - values[k]) / (d.a1 - d.a0) * h);
      for (long yy = y; yy < y + dot; ++yy)
        for (long xx = x; xx < x + dot; ++xx)
          if (xx >= 0 && xx < w && yy >= 0 && yy < h)
            counts[static_cast<std::size_t>(yy * w + xx)] += 1;
    }
    const float peak = *std::max_element(counts.begin(), counts.end());
    if (peak <= 0) continue;
    const QColor c = unitColour(i);
    for (int y = 0; y < h; ++y) {
      auto* line = reinterpret_cast<QRgb*>(image.scanLine(y));
      for (int x = 0; x < w; ++x) {
        const float k = counts[static_cast<std::size_t>(y) * w + x];
        if (k <= 0) continue;
        const double alpha = std::min(1.0, 0.3 + 0.7 * std::log1p(k) / std::log1p(peak));
        line[x] = qPremultiply(qRgba(c.red(), c.green(), c.blue(), static_cast<int>(alpha * 255)));
      }
    }
  }
  painter.drawImage(plot.topLeft(), image);
  painter.setPen(QColor(90, 90, 90));
  painter.drawRect(plot);
  const QFontMetrics metrics(font());
  const double tStep = niceStep(d.t1 - d.t0, std::max(2, w / 90));
  for (double t = std::ceil(d.t0 / tStep) * tStep; t <= d.t1; t += tStep) {
    const double x = plot.left() + (t - d.t0) / (d.t1 - d.t0) * plot.width();
    painter.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 3));
    painter.drawText(QRectF(x - 40, plot.bottom() + 3, 80, 14), Qt::AlignHCenter,
                     QString::number(t, 'g', 6));
  }
  painter.drawText(QRectF(plot.left(), plot.bottom() + 15, plot.width(), 14), Qt::AlignHCenter,
                   tr("time (s)"));
  const double aStep = niceStep(d.a1 - d.a0, std::max(2, h / 40));
  for (double a = std::ceil(d.a0 / aStep) * aStep; a <= d.a1; a += aStep) {
    const double y = plot.bottom() - (a - d.a0) / (d.a1 - d.a0) * plot.height();
    painter.drawLine(QPointF(plot.left() - 3, y), QPointF(plot.left(), y));
    painter.drawText(QRectF(0, y - 7, kLeft - 6, 14), Qt::AlignRight | Qt::AlignVCenter,
                     QString::number(a, 'g', 4));
  }
  QString title = tr("spike amplitude (µV) of");
  for (std::size_t i = 0; i < d.units.size(); ++i) title += tr(" unit %1").arg(d.units[i]);
  painter.drawText(QRectF(kLeft, 2, plot.width(), metrics.height() + 2), Qt::AlignLeft, title);
  const auto& selection = d.session->selection();
  if (selection.hasTimeCursor() && selection.timeCursor() >= d.t0 &&
      selection.timeCursor() <= d.t1) {
    const double x = plot.left() + (selection.timeCursor() - d.t0) / (d.t1 - d.t0) * plot.width();
    painter.setPen(QPen(QColor(220, 40, 40), 1.5));
    painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
  }
}

void AmplitudeView::mousePressEvent(QMouseEvent* event) {
  if (impl_->units.empty() || !plotRect().contains(event->position())) return;
  impl_->session->selection().setTimeCursor(timeAtX(event->position().x()), kOrigin);
}

}  // namespace nl::widgets
