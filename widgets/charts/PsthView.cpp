#include "widgets/charts/PsthView.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QSplitter>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "analysis/ephys/EventAligned.h"
#include "widgets/AreaColors.h"
#include "widgets/charts/Chart.h"
#include "widgets/charts/ShownUnits.h"

namespace nl::widgets {

namespace {

// Spikes of one unit around each event, one row per trial, grouped by
// condition. With more trials than pixel rows (5,960 natural-scene flashes in
// a strip of 100 px) the spikes are binned per pixel into a density image,
// so the strip shows where the unit fires instead of a solid block.
class TrialRaster : public QWidget {
 public:
  void set(std::vector<std::vector<double>> rows, std::vector<QColor> colours, double from,
           double to) {
    rows_ = std::move(rows);
    colours_ = std::move(colours);
    from_ = from;
    to_ = to;
    update();
  }
  QSize minimumSizeHint() const override { return {160, 70}; }

 protected:
  void paintEvent(QPaintEvent*) override {
    QPainter painter(this);
    painter.fillRect(rect(), Qt::white);
    const QFontMetrics metrics(painter.font());
    const int axis = metrics.height() + 6;
    const QRectF plot(50, 4, std::max(1, width() - 62), std::max(1, height() - 8 - axis));
    painter.setPen(QColor(60, 60, 60));
    painter.drawText(QRectF(0, plot.top(), 46, 2 * metrics.height()), Qt::AlignRight,
                     tr("trials\n%1").arg(rows_.size()));
    drawTimeAxis(painter, plot);
    painter.setPen(QColor(120, 120, 120));
    painter.drawRect(plot);
    if (rows_.empty() || to_ <= from_) return;
    const double zero = plot.left() + (0 - from_) / (to_ - from_) * plot.width();
    if (static_cast<double>(rows_.size()) <= plot.height()) {
      const double rowHeight = plot.height() / static_cast<double>(rows_.size());
      for (std::size_t r = 0; r < rows_.size(); ++r) {
        painter.setPen(QPen(colours_[r], std::max(1.0, std::min(2.0, rowHeight * 0.8))));
        const double y0 = plot.top() + r * rowHeight, y1 = y0 + std::max(1.0, rowHeight * 0.8);
        for (double t : rows_[r]) {
          const double x = plot.left() + (t - from_) / (to_ - from_) * plot.width();
          painter.drawLine(QPointF(x, y0), QPointF(x, y1));
        }
      }
    } else {
      const int w = std::max(1, static_cast<int>(plot.width()));
      const int h = std::max(1, static_cast<int>(plot.height()));
      std::vector<float> counts(static_cast<std::size_t>(w) * static_cast<std::size_t>(h), 0.0f);
      std::vector<QColor> rowColour(static_cast<std::size_t>(h));
      for (std::size_t r = 0; r < rows_.size(); ++r) {
        const auto y = static_cast<std::size_t>(
            std::min<double>(h - 1, std::floor(r * static_cast<double>(h) / rows_.size())));
        if (!rowColour[y].isValid()) rowColour[y] = colours_[r];
        for (double t : rows_[r]) {
          const auto x = static_cast<std::ptrdiff_t>((t - from_) / (to_ - from_) * w);
          if (x >= 0 && x < w) counts[y * static_cast<std::size_t>(w) + x] += 1.0f;
        }
      }
      const float peak = *std::max_element(counts.begin(), counts.end());
      QImage image(w, h, QImage::Format_ARGB32_Premultiplied);
      image.fill(Qt::transparent);
      if (peak > 0)
        for (int y = 0; y < h; ++y) {
          const QColor c = rowColour[static_cast<std::size_t>(y)].isValid()
                               ? rowColour[static_cast<std::size_t>(y)]
                               : QColor(40, 90, 160);
          auto* line = reinterpret_cast<QRgb*>(image.scanLine(y));
          for (int x = 0; x < w; ++x) {
            const float k = counts[static_cast<std::size_t>(y) * w + x];
            if (k <= 0) continue;
            const double alpha = 0.15 + 0.85 * std::log1p(k) / std::log1p(peak);
            line[x] = qPremultiply(
                qRgba(c.red(), c.green(), c.blue(), static_cast<int>(std::min(1.0, alpha) * 255)));
          }
        }
      painter.drawImage(plot.topLeft(), image);
    }
    painter.setPen(QPen(QColor(200, 60, 60, 140), 1.0, Qt::DashLine));
    painter.drawLine(QPointF(zero, plot.top()), QPointF(zero, plot.bottom()));
  }

 private:
  void drawTimeAxis(QPainter& painter, const QRectF& plot) const {
    const double span = to_ - from_;
    if (span <= 0) return;
    const double raw = span / std::max(2.0, plot.width() / 70);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = 10 * magnitude;
    for (double m : {1.0, 2.0, 5.0})
      if (raw <= m * magnitude) {
        step = m * magnitude;
        break;
      }
    for (double t = std::ceil(from_ / step) * step; t <= to_ + 1e-9; t += step) {
      const double x = plot.left() + (t - from_) / span * plot.width();
      painter.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 3));
      painter.drawText(QRectF(x - 30, plot.bottom() + 3, 60, 14), Qt::AlignHCenter | Qt::AlignTop,
                       QString::number(std::abs(t) < 1e-12 ? 0.0 : t, 'g', 4));
    }
  }

  std::vector<std::vector<double>> rows_;
  std::vector<QColor> colours_;
  double from_ = 0, to_ = 1;
};

}  // namespace

PsthView::PsthView(io::Session& session, io::DatasetId recording, io::DatasetId intervals,
                   QString groupBy, QWidget* parent)
    : QWidget(parent), session_(session), recording_(recording), intervals_(intervals) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* controls = new QHBoxLayout();
  groupBy_ = new QComboBox();
  groupBy_->addItem(tr("(all events)"), QString());
  if (const auto table = std::dynamic_pointer_cast<const io::TableDataset>(session.find(intervals)))
    for (const auto& column : table->columns())
      if (column.name != "start_time" && column.name != "stop_time" && column.name != "id")
        groupBy_->addItem(QString::fromStdString(column.name), QString::fromStdString(column.name));
  groupBy_->setCurrentIndex(std::max(0, groupBy_->findData(groupBy)));
  binWidth_ = new QDoubleSpinBox();
  binWidth_->setRange(0.001, 1.0);
  binWidth_->setDecimals(3);
  binWidth_->setSingleStep(0.005);
  binWidth_->setValue(0.02);
  binWidth_->setSuffix(" s");
  smoothing_ = new QDoubleSpinBox();
  smoothing_->setRange(0.0, 1.0);
  smoothing_->setDecimals(3);
  smoothing_->setSingleStep(0.01);
  smoothing_->setValue(0.03);
  smoothing_->setSuffix(" s");
  controls->addWidget(new QLabel(tr("Group by")));
  controls->addWidget(groupBy_, 1);
  controls->addWidget(new QLabel(tr("Bin")));
  controls->addWidget(binWidth_);
  controls->addWidget(new QLabel(tr("σ")));
  controls->addWidget(smoothing_);
  layout->addLayout(controls);
  split_ = new QSplitter(Qt::Vertical);
  chart_ = new Chart();
  chart_->setObjectName("psthChart");
  // Below this the chart elides its tick labels to "…".
  chart_->setMinimumSize(220, 170);
  split_->addWidget(chart_);
  trialRaster_ = new TrialRaster();
  trialRaster_->setObjectName("trialRaster");
  split_->addWidget(trialRaster_);
  split_->setSizes({300, 160});
  layout->addWidget(split_, 1);
  connect(groupBy_, &QComboBox::currentIndexChanged, this, &PsthView::refresh);
  connect(binWidth_, &QDoubleSpinBox::valueChanged, this, &PsthView::refresh);
  connect(smoothing_, &QDoubleSpinBox::valueChanged, this, &PsthView::refresh);
  connection_ = session_.selection().changed.connect([this](const std::string&) { refresh(); });
  refresh();
}

void PsthView::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  // Short and wide (the usual lower half of the recording page): the trial
  // raster beside the PSTH, so the chart keeps its height.
  const auto orientation =
      height() < 380 && width() > 1.4 * height() ? Qt::Horizontal : Qt::Vertical;
  if (split_->orientation() != orientation) {
    split_->setOrientation(orientation);
    split_->setSizes(orientation == Qt::Horizontal
                         ? QList<int>{3 * width() / 5, 2 * width() / 5}
                         : QList<int>{3 * height() / 5, 2 * height() / 5});
  }
}

PsthView::~PsthView() {
  session_.selection().changed.disconnect(connection_);
}

void PsthView::refresh() {
  const auto recording =
      std::dynamic_pointer_cast<const io::SpikeRecording>(session_.find(recording_));
  const auto table = std::dynamic_pointer_cast<const io::TableDataset>(session_.find(intervals_));
  if (!recording || !table || !table->numericColumn("start_time") || recording->unitCount() == 0)
    return;
  const std::size_t unit = unitsToShow(session_, recording_, *recording, 1).front();

  // Window: half a second before to the median event duration (≥ 0.5 s) after.
  const auto& starts = *table->numericColumn("start_time");
  double after = 0.5;
  if (const auto* stops = table->numericColumn("stop_time"); stops && !stops->empty()) {
    std::vector<double> durations;
    for (std::size_t i = 0; i < starts.size(); ++i) durations.push_back((*stops)[i] - starts[i]);
    std::nth_element(durations.begin(),
                     durations.begin() + static_cast<std::ptrdiff_t>(durations.size() / 2),
                     durations.end());
    after = std::clamp(durations[durations.size() / 2] * 1.25, 0.5, 10.0);
  }
  const double before = -0.5;
  const std::string column = groupBy_->currentData().toString().toStdString();
  analysis::ephys::Conditions conditions;
  if (column.empty()) {
    conditions = analysis::ephys::Conditions::eachEvent(starts);
    conditions.conditionOf.assign(conditions.eventTimes.size(), 0);
    conditions.labels = {"all"};
  } else if (const auto* c = table->column(column)) {
    conditions = c->isNumeric() ? analysis::ephys::Conditions::fromNumbers(starts, c->numbers())
                                : analysis::ephys::Conditions::fromText(starts, c->strings());
  }
  if (conditions.count() == 0) return;
  if (conditions.count() > 12) {  // too many lines to read: pool them
    conditions.conditionOf.assign(conditions.eventTimes.size(), 0);
    conditions.labels = {tr("all %1 conditions").arg(conditions.count()).toStdString()};
  }
  analysis::NullProgress progress;
  const auto spikes = recording->spikesOfUnit(unit);
  const auto p = analysis::ephys::psth({spikes}, conditions, before, after, binWidth_->value(),
                                       smoothing_->value(), progress);
  const auto centres = p.binCentres();
  std::vector<ChartSeries> series;
  std::vector<QColor> palette;
  for (std::size_t c = 0; c < p.conditions; ++c) {
    ChartSeries s;
    s.name = QString::fromStdString(conditions.labels[c]);
    s.x = centres;
    s.markers = false;
    s.color = p.conditions == 1
                  ? QColor(40, 90, 160)
                  : QColor::fromHsv(static_cast<int>(c * 360 / p.conditions), 200, 200);
    palette.push_back(s.color);
    for (std::size_t b = 0; b < p.bins; ++b) {
      const double r = p.rate[c * p.bins + b], e = p.sem[c * p.bins + b];
      s.y.push_back(r);
      s.lower.push_back(r - e);
      s.upper.push_back(r + e);
    }
    series.push_back(std::move(s));
  }
  const io::Column* area = recording->units() ? recording->units()->column("location") : nullptr;
  chart_->setTitle(tr("PSTH of unit %1 %2 (± SEM, %3 events)")
                       .arg(unit)
                       .arg(area ? QString::fromStdString(area->cellText(unit)) : QString())
                       .arg(conditions.eventTimes.size()));
  chart_->setAxisTitles(tr("time from %1 onset (s)").arg(QString::fromStdString(table->name())),
                        tr("rate (spikes/s)"));
  chart_->setSeries(series);

  // Trial raster, trials sorted by condition.
  std::vector<std::size_t> order(conditions.eventTimes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return conditions.conditionOf[a] < conditions.conditionOf[b];
  });
  std::vector<std::vector<double>> rows;
  std::vector<QColor> colours;
  for (auto e : order) {
    const double onset = conditions.eventTimes[e];
    auto it = std::lower_bound(spikes.begin(), spikes.end(), onset + before);
    std::vector<double> row;
    for (; it != spikes.end() && *it < onset + after; ++it) row.push_back(*it - onset);
    rows.push_back(std::move(row));
    colours.push_back(palette[conditions.conditionOf[e]]);
  }
  static_cast<TrialRaster*>(trialRaster_)->set(std::move(rows), std::move(colours), before, after);
}

}  // namespace nl::widgets
