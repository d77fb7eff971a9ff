#include "widgets/pages/rsa/RsaPage.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSplitter>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>

#include "widgets/AreaColors.h"
#include "widgets/charts/Chart.h"
#include "widgets/charts/HeatMap.h"

namespace nl::widgets {

namespace {

std::vector<std::string> jsonStrings(const io::Attributes& attributes, const std::string& key) {
  const auto it = attributes.find(key);
  if (it == attributes.end()) return {};
  const auto json = nlohmann::json::parse(it->second, nullptr, false);
  std::vector<std::string> out;
  if (json.is_array())
    for (const auto& v : json) out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

std::vector<double> jsonNumbers(const io::Attributes& attributes, const std::string& key) {
  const auto it = attributes.find(key);
  if (it == attributes.end()) return {};
  const auto json = nlohmann::json::parse(it->second, nullptr, false);
  std::vector<double> out;
  if (json.is_array())
    for (const auto& v : json) out.push_back(v.is_number() ? v.get<double>() : std::nan(""));
  return out;
}

}  // namespace

bool RsaPage::isLayerProfiles(const io::Dataset& dataset) {
  const auto& a = dataset.attributes();
  return dataset.shape().size() == 3 && dataset.shape()[2] == 3 && a.contains("population_names") &&
         a.contains("layer_names");
}

RsaPage::RsaPage(io::Session& session, io::DatasetId profilesId, QWidget* parent)
    : Page(parent), session_(session) {
  const auto profiles =
      std::dynamic_pointer_cast<const io::ArrayDataset>(session_.find(profilesId));
  if (!profiles || !isLayerProfiles(*profiles))
    throw std::invalid_argument("not an rsa.layer_mapping profiles array");
  const auto populations = jsonStrings(profiles->attributes(), "population_names");
  const auto layers = jsonStrings(profiles->attributes(), "layer_names");
  const std::size_t P = profiles->shape()[0], L = profiles->shape()[1];
  const auto ceilingLow = jsonNumbers(profiles->attributes(), "noise_ceiling_lower");
  const auto ceilingHigh = jsonNumbers(profiles->attributes(), "noise_ceiling_upper");
  const auto& v = profiles->values();

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* split = new QSplitter(Qt::Vertical, this);
  auto* top = new QSplitter(Qt::Horizontal);
  profiles_ = new Chart();
  profiles_->setObjectName("layerProfiles");
  profiles_->setMinimumHeight(260);
  std::vector<ChartSeries> curves;
  for (std::size_t p = 0; p < P; ++p) {
    const QString name = p < populations.size() ? QString::fromStdString(populations[p])
                                                : tr("population %1").arg(p);
    ChartSeries s;
    s.name = name;
    s.color = areaColor(name);
    for (std::size_t l = 0; l < L; ++l) {
      s.x.push_back(static_cast<double>(l));
      s.y.push_back(v[(p * L + l) * 3]);
      s.lower.push_back(v[(p * L + l) * 3 + 1]);
      s.upper.push_back(v[(p * L + l) * 3 + 2]);
    }
    curves.push_back(s);
    seriesPopulation_.push_back(name);
    // The noise ceiling as a flat band in the population's colour.
    if (p < ceilingLow.size() && p < ceilingHigh.size() && std::isfinite(ceilingLow[p]) &&
        std::isfinite(ceilingHigh[p])) {
      ChartSeries ceiling;
      ceiling.name = tr("%1 noise ceiling").arg(name);
      ceiling.color = s.color.lighter(150);
      ceiling.markers = false;
      ceiling.x = {0.0, static_cast<double>(L - 1)};
      const double mid = 0.5 * (ceilingLow[p] + ceilingHigh[p]);
      ceiling.y = {mid, mid};
      ceiling.lower = {ceilingLow[p], ceilingLow[p]};
      ceiling.upper = {ceilingHigh[p], ceilingHigh[p]};
      curves.push_back(ceiling);
      seriesPopulation_.push_back(name);
    }
  }
  profiles_->setSeries(curves);
  QStringList layerList;
  for (std::size_t l = 0; l < L; ++l)
    layerList << QString("%1 %2").arg(l).arg(l < layers.size() ? QString::fromStdString(layers[l])
                                                               : QString());
  profiles_->setTitle(tr("Similarity to each layer (layers: %1)").arg(layerList.join(", ")));
  profiles_->setAxisTitles(tr("layer"),
                           QString::fromStdString(profiles->attributes().contains("compare")
                                                      ? profiles->attributes().at("compare")
                                                      : std::string("similarity")));
  top->addWidget(profiles_);

  // Pseudo-depth bars from the depths table of the same run.
  depths_ = new Chart();
  depths_->setObjectName("pseudoDepths");
  depths_->setMinimumHeight(260);
  std::shared_ptr<const io::ArrayDataset> rdms;
  for (const io::DatasetId sibling : session_.outputsOfRun(profiles->provenance().runId)) {
    const auto dataset = session_.find(sibling);
    if (const auto table = std::dynamic_pointer_cast<const io::TableDataset>(dataset);
        table && table->numericColumn("pseudo_depth")) {
      ChartSeries bars;
      bars.name = tr("pseudo-depth");
      bars.style = ChartSeries::Style::Bars;
      const auto& depth = *table->numericColumn("pseudo_depth");
      const auto* low = table->numericColumn("pseudo_depth_ci_low");
      const auto* high = table->numericColumn("pseudo_depth_ci_high");
      for (std::size_t row = 0; row < table->rowCount(); ++row) {
        bars.x.push_back(static_cast<double>(row));
        bars.y.push_back(depth[row]);
        if (low && high) {
          bars.lower.push_back((*low)[row]);
          bars.upper.push_back((*high)[row]);
        }
      }
      depths_->setSeries({bars});
      QStringList names;
      if (const auto* population = table->column("population"))
        for (std::size_t row = 0; row < table->rowCount(); ++row) {
          names << QString("%1 %2").arg(row).arg(QString::fromStdString(population->cellText(row)));
          barPopulation_.push_back(QString::fromStdString(population->cellText(row)));
        }
      depths_->setTitle(tr("Pseudo-depth (best layer / (layers − 1)): %1").arg(names.join(", ")));
      depths_->setAxisTitles(tr("population"), tr("pseudo-depth"));
    }
    if (const auto array = std::dynamic_pointer_cast<const io::ArrayDataset>(dataset);
        array && array->attributes().contains("rdm_stack"))
      rdms = array;
  }
  top->addWidget(depths_);
  connect(profiles_, &Chart::pointClicked, this, [this](int series, double, double) {
    if (series >= 0 && static_cast<std::size_t>(series) < seriesPopulation_.size())
      selectPopulation(seriesPopulation_[static_cast<std::size_t>(series)]);
  });
  connect(depths_, &Chart::pointClicked, this, [this](int, double x, double) {
    const auto bar = static_cast<long>(std::lround(x));
    if (bar >= 0 && static_cast<std::size_t>(bar) < barPopulation_.size())
      selectPopulation(barPopulation_[static_cast<std::size_t>(bar)]);
  });
  split->addWidget(top);

  // The RDMs side by side, with an ordering by stimulus label when known.
  if (rdms && rdms->shape().size() == 3) {
    auto* bottom = new QWidget();
    auto* bottomLayout = new QVBoxLayout(bottom);
    const auto names = jsonStrings(rdms->attributes(), "names");
    const auto labels = jsonStrings(rdms->attributes(), "stimulus_labels");
    const std::size_t count = rdms->shape()[0], n = rdms->shape()[1];
    if (!labels.empty()) {
      auto* bar = new QHBoxLayout();
      bar->addWidget(new QLabel(tr("Stimulus order")));
      auto* order = new QComboBox();
      order->setObjectName("stimulusOrder");
      order->addItems({tr("as given"), tr("by label")});
      bar->addWidget(order);
      bar->addStretch(1);
      bottomLayout->addLayout(bar);
      connect(order, &QComboBox::currentIndexChanged, this, [this, labels, n](int index) {
        std::vector<QString> keys;
        for (std::size_t i = 0; i < n; ++i)
          keys.push_back(index == 1 && i < labels.size() ? QString::fromStdString(labels[i])
                                                         : QString("%1").arg(i, 6, 10, QChar('0')));
        orderStimuliBy(keys);
      });
    }
    auto* grid = new QGridLayout();
    const int columns = static_cast<int>(std::min<std::size_t>(count, 4));
    for (std::size_t r = 0; r < count; ++r) {
      auto* heat = new HeatMap();
      heat->setMinimumSize(180, 180);
      std::vector<double> matrix(
          rdms->values().begin() + static_cast<std::ptrdiff_t>(r * n * n),
          rdms->values().begin() + static_cast<std::ptrdiff_t>((r + 1) * n * n));
      heat->setMatrix(std::move(matrix), n, n);
      heat->setColormap("viridis");
      heat->setTitle(r < names.size() ? QString::fromStdString(names[r]) : tr("RDM %1").arg(r));
      grid->addWidget(heat, static_cast<int>(r) / columns, static_cast<int>(r) % columns);
      heatMaps_.push_back(heat);
    }
    auto* holder = new QWidget();
    holder->setLayout(grid);
    auto* scroll = new QScrollArea();
    scroll->setWidgetResizable(true);
    scroll->setWidget(holder);
    bottomLayout->addWidget(scroll, 1);
    split->addWidget(bottom);
    rdmStack_ = rdms;
    split->setSizes({420, 480});
  }
  layout->addWidget(split);
}

std::size_t RsaPage::selectPopulation(const QString& name) {
  // "location == VISp; snr > 1" → VISp; a plain name is the area itself.
  QString area = name.trimmed();
  static const QRegularExpression filter(QStringLiteral("location\\s*==\\s*([^;]+)"));
  if (const auto match = filter.match(name); match.hasMatch()) area = match.captured(1).trimmed();
  std::size_t selected = 0;
  for (const auto& entry : session_.entries()) {
    const auto recording = std::dynamic_pointer_cast<const io::SpikeRecording>(entry.dataset);
    const io::Column* location =
        recording && recording->units() ? recording->units()->column("location") : nullptr;
    if (!location) continue;
    std::vector<std::int64_t> rows;
    for (std::size_t u = 0; u < recording->unitCount(); ++u)
      if (QString::fromStdString(location->cellText(u)) == area)
        rows.push_back(static_cast<std::int64_t>(u));
    if (rows.empty()) continue;
    selected += rows.size();
    session_.selection().select(entry.id, std::move(rows), "rsa-page");
    break;  // one selection at a time: the first recording that has the area
  }
  return selected;
}

void RsaPage::orderStimuliBy(const std::vector<QString>& keys) {
  if (!rdmStack_) return;
  const std::size_t n = rdmStack_->shape()[1];
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&keys](std::size_t a, std::size_t b) {
    return (a < keys.size() ? keys[a] : QString()) < (b < keys.size() ? keys[b] : QString());
  });
  std::vector<QString> labels;
  for (auto i : order) labels.push_back(i < keys.size() ? keys[i] : QString());
  for (std::size_t r = 0; r < heatMaps_.size(); ++r) {
    const double* m = rdmStack_->values().data() + r * n * n;
    std::vector<double> permuted(n * n);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) permuted[i * n + j] = m[order[i] * n + order[j]];
    heatMaps_[r]->setMatrix(std::move(permuted), n, n);
    heatMaps_[r]->setRowLabels(labels);
    heatMaps_[r]->setColumnLabels(labels);
  }
  order_ = order;
}

}  // namespace nl::widgets
