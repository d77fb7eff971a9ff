#include "widgets/charts/WaveformView.h"

#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "analysis/ephys/Waveforms.h"
#include "widgets/AreaColors.h"

#include "widgets/charts/ShownUnits.h"

namespace nl::widgets {

namespace {

constexpr const char* kOrigin = "waveforms";

// Neuropixels 1.0 site layout (µm): four columns in a checkerboard, 20 µm
// rows; used when the file gives no positions for a unit's channels.
QPointF neuropixelsSite(std::size_t channel) {
  static constexpr double kColumns[4] = {43, 11, 59, 27};
  return {kColumns[channel % 4], 20.0 * static_cast<double>(channel / 2)};
}

QColor unitColour(std::size_t index) {
  static const QColor kColours[] = {QColor(31, 119, 180), QColor(214, 39, 40),
                                    QColor(44, 160, 44),  QColor(148, 103, 189),
                                    QColor(255, 127, 14), QColor(23, 190, 207)};
  return kColours[index % std::size(kColours)];
}

}  // namespace

struct WaveformView::Impl {
  io::Session* session = nullptr;
  io::DatasetId recordingId = io::kNoDataset;
  std::shared_ptr<const io::SpikeRecording> recording;
  int channelCount = 16;
  std::vector<std::size_t> units;
  std::vector<io::WaveformMean> waveforms;
  std::vector<QPointF> sites;  // of the first unit's channels, µm
  int peak = -1;
  QString message;
  io::Signal<const std::string&>::ConnectionId selectionConnection = 0;

  // Site positions of the channels of `unit`: from the electrodes table when
  // it has the unit's probe (Allen: probe_id + local_index) or one row per
  // channel, else the Neuropixels 1.0 layout.
  std::vector<QPointF> sitesOf(std::size_t unit, std::size_t channels) const {
    std::vector<QPointF> result(channels);
    for (std::size_t c = 0; c < channels; ++c) result[c] = neuropixelsSite(c);
    const auto& electrodes = recording->electrodes();
    const auto* table = recording->units().get();
    if (!electrodes) return result;
    const auto* x = electrodes->numericColumn("probe_horizontal_position");
    const auto* y = electrodes->numericColumn("probe_vertical_position");
    if (!x || !y) return result;
    const io::Column* probe = electrodes->column("probe_id");
    const auto* local = electrodes->numericColumn("local_index");
    const io::Column* unitProbe = table ? table->column("probe_id") : nullptr;
    if (probe && local && unitProbe) {
      const std::string mine = unitProbe->cellText(unit);
      for (std::size_t r = 0; r < electrodes->rowCount(); ++r) {
        if (probe->cellText(r) != mine) continue;
        const double c = (*local)[r];
        if (c >= 0 && c < static_cast<double>(channels))
          result[static_cast<std::size_t>(c)] = QPointF((*x)[r], (*y)[r]);
      }
    } else if (electrodes->rowCount() == channels) {
      for (std::size_t c = 0; c < channels; ++c) result[c] = QPointF((*x)[c], (*y)[c]);
    }
    return result;
  }
};

WaveformView::WaveformView(io::Session& session, io::DatasetId recording, QWidget* parent)
    : QWidget(parent), impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  d.session = &session;
  d.recordingId = recording;
  d.recording = std::dynamic_pointer_cast<const io::SpikeRecording>(session.find(recording));
  if (!d.recording) throw std::invalid_argument("waveform view needs a spike recording");
  setMinimumSize(160, 160);
  d.selectionConnection = session.selection().changed.connect([this](const std::string& origin) {
    if (origin != kOrigin) refresh();
  });
  refresh();
}

WaveformView::~WaveformView() {
  impl_->session->selection().changed.disconnect(impl_->selectionConnection);
}

void WaveformView::setChannelCount(int channels) {
  impl_->channelCount = std::max(1, channels);
  update();
}

std::vector<std::size_t> WaveformView::shownUnits() const {
  return impl_->units;
}

int WaveformView::peakChannel() const {
  return impl_->peak;
}

void WaveformView::refresh() {
  auto& d = *impl_;
  d.units.clear();
  d.waveforms.clear();
  d.peak = -1;
  d.message.clear();
  if (!d.recording->hasWaveforms()) {
    d.message = tr("This recording has no mean waveforms (units/waveform_mean).");
    update();
    return;
  }
  d.units = unitsToShow(*d.session, d.recordingId, *d.recording, kMaxUnits);
  try {
    for (auto u : d.units) d.waveforms.push_back(d.recording->waveformMean(u));
  } catch (const std::exception& error) {
    d.units.clear();
    d.waveforms.clear();
    d.message = tr("Waveforms unreadable: %1").arg(QString::fromUtf8(error.what()));
    update();
    return;
  }
  const auto& first = d.waveforms.front();
  d.peak = static_cast<int>(analysis::ephys::waveformFeatures(first).peakChannel);
  d.sites = d.sitesOf(d.units.front(), first.channels);
  update();
}

void WaveformView::paintEvent(QPaintEvent*) {
  auto& d = *impl_;
  QPainter painter(this);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.fillRect(rect(), Qt::white);
  if (d.waveforms.empty() || d.peak < 0) {
    painter.setPen(QColor(90, 90, 90));
    painter.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap,
                     d.message);
    return;
  }
  const auto& first = d.waveforms.front();
  // The channels nearest the peak site on the probe.
  std::vector<std::size_t> channels(first.channels);
  std::iota(channels.begin(), channels.end(), 0);
  const QPointF centre = d.sites[static_cast<std::size_t>(d.peak)];
  std::sort(channels.begin(), channels.end(), [&](std::size_t a, std::size_t b) {
    const QPointF da = d.sites[a] - centre, db = d.sites[b] - centre;
    const double ka = da.x() * da.x() + da.y() * da.y(), kb = db.x() * db.x() + db.y() * db.y();
    return ka != kb ? ka < kb : a < b;
  });
  channels.resize(std::min<std::size_t>(channels.size(), static_cast<std::size_t>(d.channelCount)));
  double x0 = std::numeric_limits<double>::max(), x1 = std::numeric_limits<double>::lowest();
  double y0 = x0, y1 = x1;
  std::vector<double> xs, ys;
  for (auto c : channels) {
    x0 = std::min(x0, d.sites[c].x());
    x1 = std::max(x1, d.sites[c].x());
    y0 = std::min(y0, d.sites[c].y());
    y1 = std::max(y1, d.sites[c].y());
    xs.push_back(d.sites[c].x());
    ys.push_back(d.sites[c].y());
  }
  // Site pitch: the smallest non-zero spacing along each axis.
  const auto pitch = [](std::vector<double> v, double fallback) {
    std::sort(v.begin(), v.end());
    double best = std::numeric_limits<double>::max();
    for (std::size_t i = 1; i < v.size(); ++i)
      if (v[i] - v[i - 1] > 1e-6) best = std::min(best, v[i] - v[i - 1]);
    return best == std::numeric_limits<double>::max() ? fallback : best;
  };
  const double dx = pitch(xs, 32), dy = pitch(ys, 20);
  const QFontMetrics metrics(font());
  const QRectF area = QRectF(rect()).adjusted(8, 8 + metrics.height() * 1.4, -8, -8);
  const double columns = (x1 - x0) / dx + 1, rows = (y1 - y0) / dy + 1;
  const double cellW = area.width() / columns, cellH = area.height() / rows;
  double amplitude = 1e-12;
  for (const auto& w : d.waveforms)
    for (auto c : channels)
      for (std::size_t s = 0; s < w.samples && c < w.channels; ++s)
        amplitude = std::max(amplitude, std::abs(static_cast<double>(w.at(s, c)) * w.toMicrovolts));
  // A trace spans two site rows at the peak: neighbours overlap a little, as in phy.
  const double yScale = cellH * 1.6 / amplitude;
  for (std::size_t i = 0; i < d.waveforms.size(); ++i) {
    const auto& w = d.waveforms[i];
    QColor colour = unitColour(i);
    painter.setPen(QPen(colour, i == 0 ? 1.6 : 1.2));
    for (auto c : channels) {
      if (c >= w.channels) continue;
      const double cx = area.left() + ((d.sites[c].x() - x0) / dx + 0.5) * cellW;
      const double cy = area.bottom() - ((d.sites[c].y() - y0) / dy + 0.5) * cellH;
      QPainterPath path;
      for (std::size_t s = 0; s < w.samples; ++s) {
        const double px =
            cx - 0.45 * cellW + 0.9 * cellW * s / std::max<std::size_t>(1, w.samples - 1);
        const double py = cy - static_cast<double>(w.at(s, c)) * w.toMicrovolts * yScale;
        if (s == 0)
          path.moveTo(px, py);
        else
          path.lineTo(px, py);
      }
      painter.drawPath(path);
    }
  }
  painter.setPen(QColor(60, 60, 60));
  QStringList names;
  for (std::size_t i = 0; i < d.units.size(); ++i) names << tr("unit %1").arg(d.units[i]);
  painter.drawText(QRectF(8, 4, width() - 16, metrics.height() * 1.3), Qt::AlignLeft,
                   tr("%1 · peak channel %2 · %3 µV full scale")
                       .arg(names.join(", "))
                       .arg(d.peak)
                       .arg(amplitude, 0, 'f', 0));
}

}  // namespace nl::widgets
