#include "widgets/charts/TuningView.h"

#include <QVBoxLayout>

#include "analysis/ephys/Tuning.h"
#include "widgets/AreaColors.h"
#include "widgets/charts/Chart.h"

namespace nl::widgets {

TuningView::TuningView(io::Session& session, io::DatasetId recording, io::DatasetId stimulus,
                       QString parameter, QWidget* parent)
    : QWidget(parent),
      session_(session),
      recording_(recording),
      stimulus_(stimulus),
      parameter_(std::move(parameter)) {
  chart_ = new Chart(this);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(chart_);
  connection_ = session_.selection().changed.connect([this](const std::string&) { refresh(); });
  refresh();
}

TuningView::~TuningView() {
  session_.selection().changed.disconnect(connection_);
}

void TuningView::refresh() {
  const auto recording =
      std::dynamic_pointer_cast<const io::SpikeRecording>(session_.find(recording_));
  const auto table = std::dynamic_pointer_cast<const io::TableDataset>(session_.find(stimulus_));
  if (!recording || !table) return;
  const auto* start = table->numericColumn("start_time");
  const auto* stop = table->numericColumn("stop_time");
  const auto* condition = table->numericColumn(parameter_.toStdString());
  if (!start || !condition) return;
  // The response window: the stimulus duration (median), at least 0.25 s.
  double window = 0.25;
  if (stop && !stop->empty()) {
    std::vector<double> durations;
    for (std::size_t i = 0; i < start->size(); ++i) durations.push_back((*stop)[i] - (*start)[i]);
    std::nth_element(durations.begin(), durations.begin() + durations.size() / 2, durations.end());
    window = std::max(window, durations[durations.size() / 2]);
  }

  std::vector<std::int64_t> units;
  const auto& selection = session_.selection();
  if (selection.dataset() == recording_) units = selection.indices();
  if (units.empty()) {
    // Nothing selected: the unit with the most spikes, so the view is never empty.
    std::size_t best = 0;
    for (std::size_t u = 0; u < recording->unitCount(); ++u)
      if (recording->spikeCountOfUnit(u) > recording->spikeCountOfUnit(best)) best = u;
    if (recording->unitCount() > 0) units.push_back(static_cast<std::int64_t>(best));
  }
  if (units.size() > 8) units.resize(8);

  const io::Column* area = recording->units() ? recording->units()->column("location") : nullptr;
  std::vector<ChartSeries> series;
  for (auto unit : units) {
    const auto curve = analysis::ephys::tuningCurve(
        recording->spikesOfUnit(static_cast<std::size_t>(unit)), *start, *condition, 0.0, window);
    ChartSeries s;
    const QString areaName =
        area ? QString::fromStdString(area->cellText(static_cast<std::size_t>(unit))) : QString();
    s.name = tr("unit %1 %2").arg(unit).arg(areaName);
    s.x = curve.conditions;
    s.y = curve.meanRateHz;
    for (std::size_t i = 0; i < curve.conditions.size(); ++i) {
      s.lower.push_back(curve.meanRateHz[i] - curve.semHz[i]);
      s.upper.push_back(curve.meanRateHz[i] + curve.semHz[i]);
    }
    s.color = units.size() == 1 ? areaColor(areaName).darker(115) : QColor();
    series.push_back(std::move(s));
  }
  chart_->setTitle(tr("Tuning: mean rate in %1 s after onset").arg(window, 0, 'g', 3));
  chart_->setAxisTitles(parameter_, tr("rate (spikes/s)"));
  chart_->setSeries(series);
}

}  // namespace nl::widgets
