#include "widgets/pages/bicluster/BiclusterPage.h"

#include <Eigen/Core>
#include <QGridLayout>
#include <QLabel>
#include <QListWidget>
#include <QMouseEvent>
#include <QPainter>
#include <QSplitter>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>

#include "analysis/biclustering/Clustering.h"
#include "widgets/charts/Chart.h"
#include "widgets/charts/HeatMap.h"
#include "widgets/pages/ViewRegistry.h"
#include "widgets/pages/shared/Runs.h"

namespace nl::widgets {

namespace {

const QColor kPalette[] = {QColor(31, 119, 180),  QColor(255, 127, 14),  QColor(44, 160, 44),
                           QColor(214, 39, 40),   QColor(148, 103, 189), QColor(140, 86, 75),
                           QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34),
                           QColor(23, 190, 207)};

QColor paletteColour(int index) {
  return kPalette[static_cast<std::size_t>(index) % std::size(kPalette)];
}

// One coloured cell per time bin (its state); a click moves the time cursor.
class StateRibbon final : public QWidget {
 public:
  // `estimate` names the point estimate the states are (drawn in the left margin).
  StateRibbon(io::Session& session, std::vector<int> states, double start, double width,
              QString estimate)
      : session_(session),
        states_(std::move(states)),
        start_(start),
        width_(width),
        estimate_(std::move(estimate)) {
    setMinimumHeight(18);
    setMaximumHeight(24);
    setToolTip(tr("State of each time bin (%1); click to move the time cursor").arg(estimate_));
    connection_ = session_.selection().timeCursorMoved.connect(
        [this](double, const std::string&) { update(); });
  }
  ~StateRibbon() override { session_.selection().timeCursorMoved.disconnect(connection_); }
  // Left and right margins matching the heat map's matrix rectangle.
  void setMargins(double left, double right) {
    left_ = left;
    right_ = right;
    update();
  }

 protected:
  void paintEvent(QPaintEvent*) override {
    QPainter painter(this);
    painter.fillRect(rect(), palette().window());
    const double w = std::max(1.0, width() - left_ - right_);
    const auto n = static_cast<double>(states_.size());
    for (std::size_t t = 0; t < states_.size(); ++t) {
      const double x0 = left_ + w * static_cast<double>(t) / n;
      const double x1 = left_ + w * static_cast<double>(t + 1) / n;
      painter.fillRect(QRectF(x0, 0, x1 - x0 + 0.5, height()), paletteColour(states_[t]));
    }
    if (left_ > painter.fontMetrics().horizontalAdvance(estimate_) + 6) {
      painter.setPen(palette().windowText().color());
      painter.drawText(QRectF(0, 0, left_ - 4, height()), Qt::AlignRight | Qt::AlignVCenter,
                       estimate_);
    }
    if (session_.selection().hasTimeCursor() && width_ > 0.0) {
      const double bin = (session_.selection().timeCursor() - start_) / width_;
      if (bin >= 0 && bin < n) {
        painter.setPen(QPen(Qt::black, 2));
        const double x = left_ + w * bin / n;
        painter.drawLine(QPointF(x, 0), QPointF(x, height()));
      }
    }
  }
  void mousePressEvent(QMouseEvent* event) override {
    const double w = std::max(1.0, width() - left_ - right_);
    const double bin =
        std::floor((event->position().x() - left_) / w * static_cast<double>(states_.size()));
    if (bin < 0 || bin >= static_cast<double>(states_.size())) return;
    const double seconds = start_ + (bin + 0.5) * (width_ > 0.0 ? width_ : 1.0);
    session_.selection().setTimeCursor(seconds, "bicluster.ribbon");
  }

 private:
  io::Session& session_;
  std::vector<int> states_;
  double start_ = 0.0, width_ = 0.0, left_ = 0.0, right_ = 0.0;
  QString estimate_;
  io::Signal<double, const std::string&>::ConnectionId connection_{};
};

std::shared_ptr<const io::ArrayDataset> arrayOf(const io::Session& session, io::DatasetId id) {
  return std::dynamic_pointer_cast<const io::ArrayDataset>(session.find(id));
}

std::vector<int> column(const io::TableDataset& table, const char* name) {
  std::vector<int> out;
  if (const auto* values = table.numericColumn(name))
    for (const double v : *values) out.push_back(static_cast<int>(std::lround(v)));
  return out;
}

// Indices 0 … n−1 ordered by label (stable).
std::vector<std::size_t> orderBy(const std::vector<int>& labels) {
  std::vector<std::size_t> order(labels.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return labels[a] < labels[b]; });
  return order;
}

// Groups 0 … max + 1 of non-negative labels (0 without any).
int groupCount(const std::vector<int>& labels) {
  return labels.empty() ? 0 : *std::max_element(labels.begin(), labels.end()) + 1;
}

// `labels` renumbered to agree with `reference` on as many items as any
// renumbering can (the assignment of most shared items, Hungarian); groups
// without a partner take the numbers past the reference's.
std::vector<int> matchLabels(const std::vector<int>& labels, const std::vector<int>& reference) {
  const int n = std::max(groupCount(labels), groupCount(reference));
  Eigen::MatrixXd cost = Eigen::MatrixXd::Zero(n, n);
  for (std::size_t t = 0; t < labels.size() && t < reference.size(); ++t)
    cost(labels[t], reference[t]) -= 1.0;
  const std::vector<int> to = analysis::biclustering::hungarian(cost);
  std::vector<int> out(labels.size());
  for (std::size_t t = 0; t < labels.size(); ++t) out[t] = to[static_cast<std::size_t>(labels[t])];
  return out;
}

std::vector<double> permuted(const std::vector<double>& square, std::size_t n,
                             const std::vector<std::size_t>& order) {
  std::vector<double> out(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) out[i * n + j] = square[order[i] * n + order[j]];
  return out;
}

}  // namespace

struct BiclusterPage::Impl {
  io::Session* session = nullptr;
  io::DatasetId units = io::kNoDataset;
  std::vector<int> clusters;            // maxPEAR label per neuron
  std::vector<std::int64_t> unitIndex;  // row → item index in `units`
  int clusterCount = 0;
};

BiclusterPage::BiclusterPage(io::Session& session, io::DatasetId summaryId)
    : impl_(std::make_unique<Impl>()) {
  impl_->session = &session;
  auto sibling = [&](const char* name) { return siblingOutput(session, summaryId, name); };
  const auto counts = arrayOf(session, sibling("counts"));
  const auto neurons =
      std::dynamic_pointer_cast<const io::TableDataset>(session.find(sibling("neurons")));
  const auto bins =
      std::dynamic_pointer_cast<const io::TableDataset>(session.find(sibling("bins")));
  const auto neuronSimilarity = arrayOf(session, sibling("neuron_similarity"));
  const auto timeSimilarity = arrayOf(session, sibling("time_similarity"));
  const auto trajectories = arrayOf(session, sibling("trajectories"));
  const auto histograms =
      std::dynamic_pointer_cast<const io::TableDataset>(session.find(sibling("histograms")));
  const auto traces = arrayOf(session, sibling("traces"));
  const auto summary = arrayOf(session, summaryId);
  if (!counts || !neurons || !bins || !neuronSimilarity || !timeSimilarity)
    throw std::invalid_argument(
        "the outputs of this ephys.bicluster run are not all in the session");
  const std::size_t N = counts->shape()[0];
  const std::size_t T = counts->shape()[1];
  impl_->clusters = column(*neurons, "maxpear_cluster");
  const std::vector<int> states = column(*bins, "maxpear_state");
  impl_->clusterCount = groupCount(impl_->clusters);
  double binWidth = 0.0;
  double windowStart = 0.0;
  if (const auto it = counts->attributes().find("bin_width"); it != counts->attributes().end())
    binWidth = std::stod(it->second);
  if (const auto it = counts->attributes().find("window_start"); it != counts->attributes().end())
    windowStart = std::stod(it->second);

  // Units: the run's recording when it had one (its rows are the recording's
  // units in the unit table's order only without a unit filter), else the counts.
  impl_->units = counts ? sibling("counts") : io::kNoDataset;
  for (const auto& input : inputsOfRun(session, summaryId, false))
    if (input.port == "recording" && input.id != io::kNoDataset) {
      const auto recording =
          std::dynamic_pointer_cast<const io::SpikeRecording>(session.find(input.id));
      if (recording && recording->unitCount() == N) impl_->units = input.id;
    }
  impl_->unitIndex.resize(N);
  std::iota(impl_->unitIndex.begin(), impl_->unitIndex.end(), std::int64_t{0});

  const auto neuronOrder = orderBy(impl_->clusters);
  const auto binOrder = orderBy(states);
  std::vector<QString> neuronGroups;
  for (const int z : impl_->clusters) neuronGroups.push_back(tr("cluster %1").arg(z + 1));

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  QString headline = tr("%1 neuron clusters, %2 states (maxPEAR)")
                         .arg(impl_->clusterCount)
                         .arg(groupCount(states));
  // maxPEAR splits off a few wandering bins as small states for a PEAR gain
  // in the third decimal; the minVI estimate (another loss) often keeps the
  // main states only. Both counts are shown; the views follow maxPEAR.
  const std::vector<int> minViClusters = column(*neurons, "minvi_cluster");
  const std::vector<int> minViStates = column(*bins, "minvi_state");
  if (!minViClusters.empty() && !minViStates.empty())
    headline += tr(" · minVI: %1 clusters, %2 states")
                    .arg(groupCount(minViClusters))
                    .arg(groupCount(minViStates));
  if (summary) {
    const auto names = nlohmann::json::parse(summary->attributes().at("names"), nullptr, false);
    for (std::size_t i = 0; names.is_array() && i < names.size() && i < summary->values().size();
         ++i) {
      const auto name = names[i].get<std::string>();
      if (name.rfind("ari_", 0) == 0 || name.rfind("rhat_log", 0) == 0 ||
          name == "iterations_per_chain" || name == "chains") {
        // Counts as integers (10,000 iterations, not 1e+04), the rest to 3 digits.
        const double value = summary->values()[i];
        const bool whole = std::isfinite(value) && value == std::round(value);
        headline += QStringLiteral(" · %1 %2")
                        .arg(QString::fromStdString(name))
                        .arg(whole ? QString::number(static_cast<long long>(value))
                                   : QString::number(value, 'g', 3));
      }
    }
  }
  auto* title = new QLabel(headline);
  title->setObjectName("biclusterHeadline");
  title->setWordWrap(true);
  layout->addWidget(title);

  auto* columns = new QSplitter(Qt::Horizontal);
  layout->addWidget(columns, 1);

  // Left: the raster, the state ribbon, the cluster list.
  auto* left = new QWidget;
  auto* leftLayout = new QVBoxLayout(left);
  leftLayout->setContentsMargins(0, 0, 0, 0);
  auto* raster = new HeatMap(&session, impl_->units);
  raster->setObjectName("countsRaster");
  raster->setTitle(tr("Counts by neuron cluster (rows) over time"));
  raster->setColormap("gray");
  raster->setMatrix(counts->values(), N, T);
  std::vector<QString> rowLabels;
  for (std::size_t i = 0; i < N; ++i) rowLabels.push_back(QString::number(i));
  raster->setRowLabels(rowLabels);
  raster->groupRowsBy(neuronGroups);
  {
    std::vector<double> sorted = counts->values();
    std::sort(sorted.begin(), sorted.end());
    raster->setRange(
        0.0,
        std::max(1.0,
                 sorted[static_cast<std::size_t>(0.99 * static_cast<double>(sorted.size() - 1))]));
  }
  if (binWidth > 0.0) raster->setColumnTimes(windowStart, binWidth);
  leftLayout->addWidget(raster, 1);
  auto* ribbon = new StateRibbon(session, states, windowStart, binWidth, tr("maxPEAR"));
  ribbon->setObjectName("stateRibbon");
  leftLayout->addWidget(ribbon);
  // The minVI states under it, renumbered to agree with maxPEAR's on as
  // many bins as possible (the two estimates number their groups
  // independently), so a shared state has one colour.
  StateRibbon* minViRibbon = nullptr;
  if (minViStates.size() == states.size() && !states.empty()) {
    minViRibbon = new StateRibbon(session, matchLabels(minViStates, states), windowStart, binWidth,
                                  tr("minVI"));
    minViRibbon->setObjectName("stateRibbonMinVi");
    leftLayout->addWidget(minViRibbon);
  }
  auto* clusterList = new QListWidget;
  clusterList->setObjectName("clusterList");
  clusterList->setMaximumHeight(120);
  for (int k = 0; k < impl_->clusterCount; ++k) {
    const auto n = std::count(impl_->clusters.begin(), impl_->clusters.end(), k);
    auto* item = new QListWidgetItem(tr("Cluster %1 — %2 neurons").arg(k + 1).arg(n));
    clusterList->addItem(item);
  }
  connect(clusterList, &QListWidget::currentRowChanged, this, [this](int row) {
    if (row >= 0) selectCluster(row);
  });
  leftLayout->addWidget(clusterList);
  columns->addWidget(left);

  // Middle: the two similarity matrices, reordered.
  auto* middle = new QSplitter(Qt::Vertical);
  auto* neuronMap = new HeatMap(&session, impl_->units);
  neuronMap->setObjectName("neuronSimilarity");
  neuronMap->setTitle(tr("P(same cluster), neurons by cluster"));
  neuronMap->setMatrix(permuted(neuronSimilarity->values(), N, neuronOrder), N, N);
  std::vector<QString> orderedLabels;
  for (const auto i : neuronOrder) orderedLabels.push_back(QString::number(i));
  neuronMap->setRowLabels(orderedLabels);
  neuronMap->setColumnLabels(orderedLabels);
  neuronMap->setRange(0.0, 1.0);
  middle->addWidget(neuronMap);
  auto* timeMap = new HeatMap();
  timeMap->setObjectName("timeSimilarity");
  timeMap->setTitle(tr("P(same state), time bins by state"));
  timeMap->setMatrix(permuted(timeSimilarity->values(), T, binOrder), T, T);
  timeMap->setRange(0.0, 1.0);
  middle->addWidget(timeMap);
  columns->addWidget(middle);

  // Right: trajectories, histograms, traces.
  auto* right = new QSplitter(Qt::Vertical);
  if (trajectories && trajectories->shape().size() == 4) {
    const auto shape = trajectories->shape();
    const std::size_t K = shape[0], q = shape[2], length = shape[3];
    auto* chart = new Chart;
    chart->setObjectName("trajectories");
    chart->setTitle(tr("Latent μ of each cluster (MAP sample's chain), 95 % HPD"));
    chart->setAxisTitles(binWidth > 0.0 ? tr("time (s)") : tr("bin"), tr("μ"));
    std::vector<ChartSeries> series;
    const auto& v = trajectories->values();
    for (std::size_t k = 0; k < K; ++k) {
      ChartSeries s;
      s.name = tr("cluster %1").arg(k + 1);
      s.color = paletteColour(static_cast<int>(k));
      s.markers = false;
      for (std::size_t t = 0; t < length; ++t) {
        s.x.push_back(binWidth > 0.0 ? windowStart + (static_cast<double>(t) + 0.5) * binWidth
                                     : static_cast<double>(t));
        s.y.push_back(v[((k * 3 + 0) * q + 0) * length + t]);
        s.lower.push_back(v[((k * 3 + 1) * q + 0) * length + t]);
        s.upper.push_back(v[((k * 3 + 2) * q + 0) * length + t]);
      }
      series.push_back(std::move(s));
    }
    chart->setSeries(series);
    if (binWidth > 0.0) chart->linkTimeCursor(&session);
    right->addWidget(chart);
  }
  if (histograms) {
    auto* chart = new Chart;
    chart->setObjectName("countHistograms");
    chart->setTitle(tr("Posterior of the number of clusters and of states"));
    chart->setAxisTitles(tr("count"), tr("probability"));
    const auto* count = histograms->numericColumn("count");
    std::vector<ChartSeries> series;
    const char* columnsOf[] = {"clusters_probability", "states_probability"};
    const QString namesOf[] = {tr("clusters"), tr("states")};
    // Points on a value axis (Chart's bars sit on category slots and ignore
    // x): the axis spans the counts the posterior visits, not the table's
    // whole range up to N/2 clusters, so a narrow chart keeps its labels.
    double lowest = std::numeric_limits<double>::infinity(), highest = -lowest, top = 0.0;
    for (int h = 0; h < 2; ++h) {
      const auto* p = histograms->numericColumn(columnsOf[h]);
      if (!count || !p) continue;
      for (std::size_t i = 0; i < count->size() && i < p->size(); ++i)
        if ((*p)[i] > 0.0) {
          lowest = std::min(lowest, (*count)[i]);
          highest = std::max(highest, (*count)[i]);
          top = std::max(top, (*p)[i]);
        }
    }
    for (int h = 0; h < 2; ++h) {
      const auto* p = histograms->numericColumn(columnsOf[h]);
      if (!count || !p) continue;
      ChartSeries s;
      s.name = namesOf[h];
      s.style = ChartSeries::Style::Line;
      s.color = h == 0 ? QColor(31, 119, 180) : QColor(255, 127, 14);
      for (std::size_t i = 0; i < count->size() && i < p->size(); ++i) {
        if ((*count)[i] < lowest - 1.0 || (*count)[i] > highest + 1.0) continue;
        s.x.push_back((*count)[i]);
        s.y.push_back((*p)[i]);
        s.tips.push_back(tr("%1 %2: posterior probability %3")
                             .arg((*count)[i])
                             .arg(namesOf[h])
                             .arg((*p)[i], 0, 'f', 3));
      }
      series.push_back(std::move(s));
    }
    if (lowest <= highest) {
      chart->setXRange(lowest - 0.5, highest + 0.5);
      chart->setYRange(0.0, std::min(1.0, top * 1.1));
    }
    chart->setSeries(series);
    right->addWidget(chart);
  }
  if (traces && traces->shape().size() == 3) {
    const std::size_t chains = traces->shape()[1], length = traces->shape()[2];
    auto* chart = new Chart;
    chart->setObjectName("traces");
    chart->setTitle(tr("Log-likelihood trace of each chain"));
    chart->setAxisTitles(tr("iteration"), tr("log-likelihood"));
    std::vector<ChartSeries> series;
    for (std::size_t c = 0; c < chains; ++c) {
      ChartSeries s;
      s.name = tr("chain %1").arg(c + 1);
      s.color = paletteColour(static_cast<int>(c));
      s.markers = false;
      for (std::size_t it = 0; it < length; ++it) {
        const double value = traces->values()[c * length + it];
        if (!std::isfinite(value)) continue;
        s.x.push_back(static_cast<double>(it + 1));
        s.y.push_back(value);
      }
      series.push_back(std::move(s));
    }
    chart->setSeries(series);
    right->addWidget(chart);
  }
  columns->addWidget(right);
  columns->setSizes({700, 450, 500});
  // The ribbon lines up with the raster's matrix once both are laid out.
  QMetaObject::invokeMethod(
      this,
      [raster, ribbon, minViRibbon] {
        const QRectF m = raster->matrixRect();
        ribbon->setMargins(m.left(), raster->width() - m.right());
        if (minViRibbon) minViRibbon->setMargins(m.left(), raster->width() - m.right());
      },
      Qt::QueuedConnection);
}

BiclusterPage::~BiclusterPage() = default;

bool BiclusterPage::isBiclusterSummary(const io::Dataset& dataset) {
  return dataset.provenance().pluginId == "ephys.bicluster" &&
         dataset.provenance().outputName == "summary";
}

void BiclusterPage::selectCluster(int cluster) {
  std::vector<std::int64_t> members;
  for (std::size_t i = 0; i < impl_->clusters.size(); ++i)
    if (impl_->clusters[i] == cluster) members.push_back(impl_->unitIndex[i]);
  impl_->session->selection().select(impl_->units, std::move(members), "bicluster.clusters");
}

int BiclusterPage::clusterCount() const {
  return impl_->clusterCount;
}

io::DatasetId BiclusterPage::unitsDataset() const {
  return impl_->units;
}

namespace {

class BiclusterProvider final : public ViewProvider {
 public:
  std::string id() const override { return "ephys.bicluster"; }
  ViewMatch match(const io::Session& session,
                  const std::vector<io::DatasetId>& offered) const override {
    for (const auto id : offered) {
      const auto dataset = session.find(id);
      if (!dataset || dataset->provenance().pluginId != "ephys.bicluster") continue;
      if (BiclusterPage::isBiclusterSummary(*dataset)) return {80, {id}};
      const auto summary = siblingOutput(session, id, "summary");
      if (summary != io::kNoDataset) return {80, {summary}};
    }
    return {};
  }
  Page* create(PageHost& host, const std::vector<io::DatasetId>& datasets) const override {
    auto* page = new BiclusterPage(host.session(), datasets.at(0));
    page->setHost(&host);
    page->setWindowTitle(QObject::tr("Bi-clustering"));
    return page;
  }
};

}  // namespace

NL_REGISTER_VIEW_PROVIDER(BiclusterProvider)

}  // namespace nl::widgets
