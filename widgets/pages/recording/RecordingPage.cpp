#include "widgets/pages/recording/RecordingPage.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "analysis/ephys/Tuning.h"
#include "analysis/ephys/Waveforms.h"
#include "plugins/Job.h"
#include "widgets/AreaColors.h"
#include "widgets/TableView.h"
#include "widgets/VtkView.h"
#include "widgets/charts/AmplitudeView.h"
#include "widgets/charts/Chart.h"
#include "widgets/charts/HeatMap.h"
#include "widgets/charts/PsthView.h"
#include "widgets/charts/RasterWidget.h"
#include "widgets/charts/TuningView.h"
#include "widgets/charts/WaveformView.h"
#include "widgets/pages/ViewRegistry.h"
#include "widgets/scene/ProbeScene.h"
#include "widgets/scene/Scene.h"

namespace nl::widgets {

RecordingPage::RecordingPage(io::Session& session, io::DatasetId recording, io::DatasetId stimulus,
                             PageHost* host, QWidget* parent)
    : Page(parent), session_(session), recording_(recording) {
  setHost(host);
  const auto spikes = std::dynamic_pointer_cast<const io::SpikeRecording>(session_.find(recording));
  if (!spikes) throw std::invalid_argument("not a spike recording");
  setShownDatasets({recording, stimulus});
  setWindowTitle(QString::fromStdString(spikes->name()));
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(0, 0, 0, 0);
  auto* page = new QSplitter(Qt::Horizontal);
  outer->addWidget(page);
  if (spikes->electrodes()) {
    auto* view3d = new VtkView();
    view3d->setObjectName("probe3d");
    // Scene objects are children of the page, not of the view: they hold the
    // view's props and must go after ~VtkView has run.
    scene_ = new Scene(view3d, session_, this);
    new ProbeScene(scene_, session_, recording, this);
    connect(scene_, &Scene::picked, this, [this](const PickHit& hit) { say(hit.description); });
    page->addWidget(view3d);
  }
  auto* right = new QWidget();
  auto* rightLayout = new QVBoxLayout(right);
  rightLayout->setContentsMargins(0, 0, 0, 0);
  auto* bar = new QHBoxLayout();
  bar->addWidget(new QLabel(tr("Raster order:")));
  order_ = new QComboBox();
  order_->setObjectName("rasterOrder");
  order_->addItem(tr("By depth"), static_cast<int>(RasterWidget::Order::Depth));
  order_->addItem(tr("By area"), static_cast<int>(RasterWidget::Order::Area));
  order_->addItem(tr("By firing rate"), static_cast<int>(RasterWidget::Order::FiringRate));
  order_->addItem(tr("By unit id"), static_cast<int>(RasterWidget::Order::Id));
  bar->addWidget(order_);
  bar->addStretch(1);
  rightLayout->addLayout(bar);
  auto* split = new QSplitter(Qt::Vertical);
  rightLayout->addWidget(split, 1);
  raster_ = new RasterWidget(session_, recording, stimulus);
  raster_->setObjectName("raster");
  order_->setCurrentIndex(order_->findData(static_cast<int>(raster_->order())));
  connect(order_, &QComboBox::currentIndexChanged, this, [this] {
    raster_->setOrder(static_cast<RasterWidget::Order>(order_->currentData().toInt()));
  });
  split->addWidget(raster_);
  auto* lower = new QTabWidget();
  lower->setDocumentMode(true);
  const auto table = std::dynamic_pointer_cast<const io::TableDataset>(session_.find(stimulus));
  if (table) {
    const QString parameter = QString::fromStdString(analysis::ephys::guessTuningParameter(*table));
    if (!parameter.isEmpty()) {
      auto* tuning = new TuningView(session_, recording, stimulus, parameter);
      tuning->setObjectName("tuning");
      lower->addTab(tuning, tr("Tuning"));
    }
    auto* psth = new PsthView(session_, recording, stimulus, parameter);
    psth->setObjectName("psth");
    lower->addTab(psth, tr("PSTH"));
  }
  rates_ = new HeatMap(&session_, recording);
  rates_->setObjectName("rates");
  rates_->setColormap("magma");
  lower->addTab(rates_, tr("Rate heat map"));
  if (const auto* units = spikes->units().get()) {
    const auto* rate = units->numericColumn("firing_rate");
    const auto* depth = units->numericColumn("probe_vertical_position");
    if (rate && depth) {
      // Units by depth and rate, coloured by area: brush (Shift+drag) to select.
      auto* scatter = new Chart();
      scatter->setObjectName("unitsScatter");
      std::map<std::string, ChartSeries> byArea;
      const io::Column* area = units->column("location");
      for (std::size_t u = 0; u < units->rowCount(); ++u) {
        const std::string name = area ? area->cellText(u) : "units";
        auto& series = byArea[name];
        series.name = QString::fromStdString(name);
        series.style = ChartSeries::Style::Scatter;
        series.color = areaColor(series.name);
        series.x.push_back((*rate)[u]);
        series.y.push_back((*depth)[u]);
        series.items.push_back(static_cast<std::int64_t>(u));
      }
      std::vector<ChartSeries> all;
      for (auto& [name, series] : byArea) all.push_back(std::move(series));
      scatter->setSeries(all);
      scatter->setTitle(tr("Units (Shift+drag to select)"));
      scatter->setAxisTitles(tr("firing rate (spikes/s)"), tr("distance from tip (µm)"));
      scatter->linkItems(&session_, recording);
      lower->addTab(scatter, tr("Units"));
      auto* unitTable = new TableView(session_, recording);
      unitTable->setObjectName("unitTable");
      lower->addTab(unitTable, tr("Unit table"));
      unitTable_ = unitTable;
    }
  }
  if (spikes->hasWaveforms()) {
    auto* waveforms = new WaveformView(session_, recording);
    waveforms->setObjectName("waveforms");
    lower->addTab(waveforms, tr("Waveforms"));
  }
  if (spikes->hasAmplitudes()) {
    auto* amplitudes = new AmplitudeView(session_, recording);
    amplitudes->setObjectName("amplitudes");
    lower->addTab(amplitudes, tr("Amplitudes"));
  }
  split->addWidget(lower);
  split->setSizes({600, 400});
  page->addWidget(right);
  if (page->count() == 2) page->setSizes({380, 720});
  if (table) {
    // Open on the first stimuli rather than the whole session.
    const auto& starts = *table->numericColumn("start_time");
    if (!starts.empty()) {
      const double first = *std::min_element(starts.begin(), starts.end());
      raster_->setTimeWindow(first - 5.0, first + 40.0);
    }
  }
  // Binning reads every spike of the file: only when the heat map is looked at.
  const auto binWhenShown = [this, lower] {
    if (lower->currentWidget() == rates_ && !ratesStarted_) {
      ratesStarted_ = true;
      binRates();
    }
    if (unitTable_ && lower->currentWidget() == unitTable_ && !waveformMetricsStarted_) {
      waveformMetricsStarted_ = true;
      measureWaveforms();
    }
  };
  connect(lower, &QTabWidget::currentChanged, this, binWhenShown);
  binWhenShown();
}

RecordingPage::~RecordingPage() = default;

std::vector<Scene*> RecordingPage::scenes() const {
  return scene_ ? std::vector<Scene*>{scene_} : std::vector<Scene*>{};
}

void RecordingPage::binRates() {
  const auto spikes =
      std::dynamic_pointer_cast<const io::SpikeRecording>(session_.find(recording_));
  rates_->setTitle(tr("firing rate: reading %1 spikes…").arg(spikes->spikeCount()));
  // Binning every unit reads every spike of a lazily opened file: a task.
  auto rates = std::make_shared<analysis::ephys::BinnedRates>();
  runTask(
      tr("Firing rates of %1").arg(QString::fromStdString(spikes->name())),
      [spikes, rates](plugins::ProgressReporter& progress) {
        const auto [t0, t1] = spikes->timeRange();
        const double span = std::max(1e-3, t1 - t0);
        const double width = analysis::ephys::roundBinWidth(span);
        std::vector<io::SpikeTrain> trains;
        std::vector<std::span<const double>> units;
        for (std::size_t u = 0; u < spikes->unitCount(); ++u) {
          if (progress.cancelled()) return;
          if (u % 64 == 0)
            progress.report(static_cast<double>(u) / static_cast<double>(spikes->unitCount()),
                            "reading spikes");
          trains.push_back(spikes->spikesOfUnit(u));
          units.push_back(trains.back().times());
        }
        *rates = analysis::ephys::binnedRates(
            units, std::floor(t0), std::floor(t0) + std::ceil(span / width) * width, width);
      },
      [this, rates, spikes](const QString& error) {
        if (!error.isEmpty()) {
          rates_->setTitle(tr("firing rates unavailable: %1").arg(error));
          return;
        }
        rates_->setMatrix(rates->ratesHz, rates->units, rates->bins);
        std::vector<QString> columns;
        for (std::size_t b = 0; b < rates->bins; ++b)
          columns.push_back(QString::number(rates->start + b * rates->binWidth, 'g', 5));
        rates_->setColumnLabels(columns);
        rates_->setColumnTimes(rates->start, rates->binWidth);
        rates_->setTitle(tr("firing rate (spikes/s), %1 s bins").arg(rates->binWidth));
        std::vector<QString> rows;
        for (std::size_t u = 0; u < rates->units; ++u) rows.push_back(tr("unit %1").arg(u));
        rates_->setRowLabels(rows);
        if (const auto* area = spikes->units() ? spikes->units()->column("location") : nullptr) {
          std::vector<QString> groups;
          for (std::size_t u = 0; u < spikes->unitCount(); ++u)
            groups.push_back(QString::fromStdString(area->cellText(u)));
          rates_->groupRowsBy(groups);
        }
      });
}

void RecordingPage::measureWaveforms() {
  const auto spikes =
      std::dynamic_pointer_cast<const io::SpikeRecording>(session_.find(recording_));
  if (!spikes || !spikes->hasWaveforms()) return;
  // Peak channel, duration and amplitude for files that lack them: every
  // unit's mean waveform is read (82 × 384 floats each), so as a task.
  auto columns = std::make_shared<std::vector<io::Column>>();
  runTask(
      tr("Waveform metrics of %1").arg(QString::fromStdString(spikes->name())),
      [spikes, columns](plugins::ProgressReporter& reporter) {
        plugins::ReporterProgress progress(reporter);
        *columns = analysis::ephys::derivedWaveformColumns(*spikes, progress);
      },
      [this, columns](const QString& error) {
        if (!error.isEmpty()) return say(tr("waveform metrics unavailable: %1").arg(error));
        if (unitTable_) unitTable_->appendColumns(std::move(*columns));
      });
}

std::string RecordingPage::saveState() const {
  auto json = nlohmann::json::parse(Page::saveState());
  const auto [t0, t1] = raster_->timeWindow();
  json["time_window"] = {t0, t1};
  json["raster_order"] = static_cast<int>(raster_->order());
  return json.dump();
}

void RecordingPage::restoreState(const std::string& text) {
  Page::restoreState(text);
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object()) return;
  if (json.contains("raster_order") && json["raster_order"].is_number_integer())
    order_->setCurrentIndex(order_->findData(json["raster_order"].get<int>()));
  if (json.contains("time_window") && json["time_window"].is_array() &&
      json["time_window"].size() == 2 && json["time_window"][0].is_number() &&
      json["time_window"][1].is_number())
    raster_->setTimeWindow(json["time_window"][0].get<double>(),
                           json["time_window"][1].get<double>());
}

namespace {

// Pairs the recording with an intervals table: one offered with it, else
// the last one in the session.
class RecordingProvider final : public ViewProvider {
 public:
  std::string id() const override { return "ephys.recording"; }
  ViewMatch match(const io::Session& session,
                  const std::vector<io::DatasetId>& offered) const override {
    io::DatasetId recording = io::kNoDataset, stimulus = io::kNoDataset;
    for (const auto id : offered) {
      const auto d = session.find(id);
      if (!d) continue;
      if (recording == io::kNoDataset && d->kind() == io::DatasetKind::SpikeRecording)
        recording = id;
      if (isIntervals(*d)) stimulus = id;
    }
    if (recording == io::kNoDataset) return {};
    if (stimulus == io::kNoDataset)
      for (const auto& entry : session.entries())
        if (isIntervals(*entry.dataset)) stimulus = entry.id;
    return {50, {recording, stimulus}};
  }
  Page* create(PageHost& host, const std::vector<io::DatasetId>& datasets) const override {
    return new RecordingPage(host.session(), datasets.at(0),
                             datasets.size() > 1 ? datasets[1] : io::kNoDataset, &host);
  }

 private:
  static bool isIntervals(const io::Dataset& dataset) {
    const auto* table = dynamic_cast<const io::TableDataset*>(&dataset);
    return table && table->numericColumn("start_time") && table->numericColumn("stop_time");
  }
};

}  // namespace

NL_REGISTER_VIEW_PROVIDER(RecordingProvider)

}  // namespace nl::widgets
