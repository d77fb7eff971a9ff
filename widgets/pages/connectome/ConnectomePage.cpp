#include "widgets/pages/connectome/ConnectomePage.h"

#include <QComboBox>
#include <QEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QShortcut>
#include <QSlider>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <limits>
#include <list>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>

#include "analysis/connectome/Affinity.h"
#include "io/ReaderRegistry.h"
#include "io/ResourceLimits.h"
#include "plugins/Runner.h"
#include "widgets/AreaColors.h"
#include "widgets/VtkView.h"
#include "widgets/charts/Chart.h"
#include "widgets/charts/HeatMap.h"
#include "widgets/pages/ViewRegistry.h"
#include "widgets/pages/connectome/ConnectomeLayout.h"
#include "widgets/pages/shared/Runs.h"
#include "widgets/scene/PointsLayer.h"
#include "widgets/scene/Scene.h"

namespace nl::widgets {

namespace {

constexpr const char* kOrigin = "connectome.page";

const QColor kPalette[] = {QColor(31, 119, 180),  QColor(255, 127, 14),  QColor(44, 160, 44),
                           QColor(214, 39, 40),   QColor(148, 103, 189), QColor(140, 86, 75),
                           QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34),
                           QColor(23, 190, 207)};

QColor paletteColour(int index) {
  if (index < 0) return QColor(170, 170, 170);
  return kPalette[static_cast<std::size_t>(index) % std::size(kPalette)];
}

std::shared_ptr<const io::ArrayDataset> arrayOf(const io::Session& session, io::DatasetId id) {
  return std::dynamic_pointer_cast<const io::ArrayDataset>(session.find(id));
}

nlohmann::json jsonAttribute(const io::Dataset& dataset, const char* key) {
  const auto it = dataset.attributes().find(key);
  if (it == dataset.attributes().end()) return nullptr;
  return nlohmann::json::parse(it->second, nullptr, false);
}

std::vector<double> numbersOf(const io::Dataset& dataset, const char* key) {
  std::vector<double> out;
  const auto json = jsonAttribute(dataset, key);
  if (json.is_array())
    for (const auto& v : json) out.push_back(v.is_number() ? v.get<double>() : NAN);
  return out;
}

std::vector<std::string> stringsOf(const io::Dataset& dataset, const char* key) {
  std::vector<std::string> out;
  const auto json = jsonAttribute(dataset, key);
  if (json.is_array())
    for (const auto& v : json) out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

std::vector<std::array<double, 3>> positionsOf(const io::Dataset& dataset) {
  std::vector<std::array<double, 3>> out;
  const auto json = jsonAttribute(dataset, "neuron_positions");
  if (!json.is_array()) return out;
  for (const auto& p : json) {
    if (!p.is_array() || p.size() < 2) return {};
    std::array<double, 3> q{0, 0, 0};
    for (std::size_t a = 0; a < 3 && a < p.size(); ++a)
      q[a] = p[a].is_number() ? p[a].get<double>() : NAN;
    if (!std::isfinite(q[0]) || !std::isfinite(q[1]) || !std::isfinite(q[2])) return {};
    out.push_back(q);
  }
  return out;
}

bool isNtfOutput(const io::Dataset& dataset) {
  return dataset.provenance().pluginId == "connectome.ntf";
}

// The run's rank_selection table, when it has the columns the panel charts.
std::shared_ptr<const io::TableDataset> rankSelectionOf(const io::Session& session,
                                                        io::DatasetId output) {
  const auto table = std::dynamic_pointer_cast<const io::TableDataset>(
      session.find(siblingOutput(session, output, "rank_selection")));
  if (!table || table->rowCount() == 0) return nullptr;
  for (const char* column : {"rank", "restart", "error", "similarity", "core_consistency"})
    if (!table->numericColumn(column)) return nullptr;
  return table;
}

bool isAnatomicalTable(const io::Dataset& dataset) {
  const auto* table = dynamic_cast<const io::TableDataset*>(&dataset);
  return table && table->column("pre") && table->column("post") &&
         !table->column("pre")->isNumeric() && !table->column("post")->isNumeric() &&
         table->numericColumn("synapses");
}

// The labels output of a connectome.communities run whose input is `pairs`.
io::DatasetId communitiesOf(const io::Session& session, io::DatasetId pairs) {
  const auto dataset = session.find(pairs);
  if (!dataset) return io::kNoDataset;
  const std::string pairsId = dataset->datasetId();
  for (const auto& entry : session.entries()) {
    const auto& p = entry.dataset->provenance();
    if (p.pluginId != "connectome.communities" || p.outputName != "labels") continue;
    for (const auto& input : p.inputs)
      if (input.datasetId == pairsId || session.findByDatasetId(input.datasetId) == pairs ||
          (!input.runId.empty() && input.runId == dataset->provenance().runId &&
           input.outputName == "pair_factors"))
        return entry.id;
  }
  return io::kNoDataset;
}

// The connectome.ntf run's time_factors for an output of it, or of a
// communities run on its pair_factors.
io::DatasetId timeFactorsFor(const io::Session& session, io::DatasetId id) {
  const auto dataset = session.find(id);
  if (!dataset) return io::kNoDataset;
  if (isNtfOutput(*dataset)) {
    const auto time = siblingOutput(session, id, "time_factors");
    if (time != io::kNoDataset && siblingOutput(session, id, "pair_factors") != io::kNoDataset &&
        siblingOutput(session, id, "animal_factors") != io::kNoDataset)
      return time;
    return io::kNoDataset;
  }
  if (dataset->provenance().pluginId == "connectome.communities") {
    for (const auto& input : dataset->provenance().inputs) {
      const auto found = session.findByDatasetId(input.datasetId);
      if (found == io::kNoDataset) continue;
      const auto other = session.find(found);
      if (other && isNtfOutput(*other) && other->provenance().outputName == "pair_factors")
        return timeFactorsFor(session, found);
    }
  }
  return io::kNoDataset;
}

// Draws the community blocks and the selected neurons over a heat map whose
// rows and columns are neurons in `order`.
class MatrixOverlay final : public QWidget {
 public:
  MatrixOverlay(HeatMap* map, io::Session& session, io::DatasetId items)
      : QWidget(map), map_(map), session_(session), items_(items) {
    setAttribute(Qt::WA_TransparentForMouseEvents);
    setAttribute(Qt::WA_NoSystemBackground);
    map->installEventFilter(this);
    setGeometry(map->rect());
    connection_ = session_.selection().changed.connect([this](const std::string&) { update(); });
  }
  ~MatrixOverlay() override { session_.selection().changed.disconnect(connection_); }
  void set(std::vector<std::size_t> order, std::vector<int> groups) {
    order_ = std::move(order);
    groups_ = std::move(groups);
    position_.assign(order_.size(), 0);
    for (std::size_t d = 0; d < order_.size(); ++d) position_[order_[d]] = d;
    update();
  }

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override {
    if (watched != map_) return false;
    if (event->type() == QEvent::Resize) {
      setGeometry(map_->rect());
    } else if (event->type() == QEvent::MouseButtonPress) {
      const auto* mouse = static_cast<QMouseEvent*>(event);
      if (mouse->button() == Qt::LeftButton) press_ = mouse->position();
    } else if (event->type() == QEvent::MouseButtonRelease) {
      const auto* mouse = static_cast<QMouseEvent*>(event);
      if (mouse->button() == Qt::LeftButton) select(mouse->position(), mouse->modifiers());
    }
    return false;
  }
  void paintEvent(QPaintEvent*) override {
    const std::size_t n = order_.size();
    if (n == 0) return;
    QPainter painter(this);
    const QRectF m = map_->matrixRect();
    const double cell = m.width() / static_cast<double>(n),
                 row = m.height() / static_cast<double>(n);
    // Blocks: boundaries across the matrix, each diagonal block outlined.
    std::size_t start = 0;
    for (std::size_t d = 1; d <= n; ++d) {
      if (d < n && groups_.size() == n && groups_[order_[d]] == groups_[order_[start]]) continue;
      if (groups_.size() == n && groups_[order_[start]] >= 0) {
        if (d < n) {
          painter.setPen(QPen(QColor(255, 255, 255, 150), 1.0));
          painter.drawLine(QPointF(m.left() + d * cell, m.top()),
                           QPointF(m.left() + d * cell, m.bottom()));
          painter.drawLine(QPointF(m.left(), m.top() + d * row),
                           QPointF(m.right(), m.top() + d * row));
        }
        const QRectF block(m.left() + start * cell, m.top() + start * row, (d - start) * cell,
                           (d - start) * row);
        painter.setPen(QPen(Qt::white, 2.0));
        painter.drawRect(block);
        // The community's colour as a strip above the matrix.
        painter.fillRect(QRectF(block.left(), m.top() - 5, block.width(), 4),
                         paletteColour(groups_[order_[start]]));
      }
      start = d;
    }
    if (session_.selection().dataset() != items_) return;
    painter.setPen(QPen(highlightColor(), 2.0));
    for (const auto index : session_.selection().indices()) {
      if (index < 0 || static_cast<std::size_t>(index) >= n) continue;
      const double d = static_cast<double>(position_[static_cast<std::size_t>(index)]);
      painter.drawRect(QRectF(m.left(), m.top() + d * row, m.width(), std::max(1.0, row)));
      painter.drawRect(QRectF(m.left() + d * cell, m.top(), std::max(1.0, cell), m.height()));
    }
  }

 private:
  // A click selects the neurons of the cell (row and column); a drag the rows.
  void select(QPointF release, Qt::KeyboardModifiers modifiers) {
    const std::size_t n = order_.size();
    const QRectF m = map_->matrixRect();
    if (n == 0 || !m.contains(press_)) return;
    auto displayRow = [&](double y) {
      return std::clamp(static_cast<std::size_t>(std::max(0.0, (y - m.top()) / m.height() * n)),
                        std::size_t{0}, n - 1);
    };
    std::vector<std::int64_t> indices;
    if ((modifiers & (Qt::ShiftModifier | Qt::ControlModifier)) &&
        session_.selection().dataset() == items_)
      indices = session_.selection().indices();
    const std::size_t a = displayRow(press_.y()), b = displayRow(release.y());
    if (a == b && std::abs(release.x() - press_.x()) < 4) {
      indices.push_back(static_cast<std::int64_t>(order_[a]));
      const auto column = static_cast<std::size_t>(
          std::clamp((press_.x() - m.left()) / m.width() * n, 0.0, n - 1.0));
      indices.push_back(static_cast<std::int64_t>(order_[column]));
    } else {
      for (std::size_t d = std::min(a, b); d <= std::max(a, b); ++d)
        indices.push_back(static_cast<std::int64_t>(order_[d]));
    }
    session_.selection().select(items_, indices, kOrigin);
  }

  HeatMap* map_;
  io::Session& session_;
  io::DatasetId items_;
  std::vector<std::size_t> order_, position_;
  std::vector<int> groups_;
  QPointF press_;
  io::Signal<const std::string&>::ConnectionId connection_{};
};

struct GraphEdge {
  std::size_t i, j;
  double w;  // 0…1 of the strongest
};

// The community graph in 2D: nodes coloured by community, edges by weight;
// a click selects the nearest node (Shift/Ctrl adds).
class GraphCanvas final : public QWidget {
 public:
  GraphCanvas(io::Session& session, io::DatasetId items) : session_(session), items_(items) {
    setObjectName("communityGraph");
    setMinimumSize(200, 200);
    setToolTip(tr("Community graph (force-directed layout); click a neuron to see its traces"));
    connection_ = session_.selection().changed.connect([this](const std::string&) { update(); });
  }
  ~GraphCanvas() override { session_.selection().changed.disconnect(connection_); }
  void set(std::vector<std::array<double, 2>> positions, std::vector<QColor> colours,
           std::vector<GraphEdge> edges, std::vector<std::string> names) {
    positions_ = std::move(positions);
    colours_ = std::move(colours);
    edges_ = std::move(edges);
    names_ = std::move(names);
    update();
  }
  QPointF nodePosition(std::size_t i) const {
    if (i >= positions_.size()) return {-1, -1};
    const QRectF area = rect().adjusted(20, 28, -20, -20);
    const double side = std::min(area.width(), area.height()) / 2.0;
    return {area.center().x() + positions_[i][0] * side,
            area.center().y() - positions_[i][1] * side};
  }

 protected:
  void paintEvent(QPaintEvent*) override {
    QPainter painter(this);
    painter.fillRect(rect(), Qt::white);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(QColor(40, 40, 40));
    painter.drawText(QRectF(0, 4, width(), 18), Qt::AlignCenter,
                     tr("Community graph (2D layout, no neuron positions)"));
    for (const auto& e : edges_) {
      QColor c = colours_.size() > e.i && colours_.size() > e.j && colours_[e.i] == colours_[e.j]
                     ? colours_[e.i]
                     : QColor(120, 120, 120);
      c.setAlphaF(0.15 + 0.6 * e.w);
      painter.setPen(QPen(c, 0.5 + 2.0 * e.w));
      painter.drawLine(nodePosition(e.i), nodePosition(e.j));
    }
    const bool mine = session_.selection().dataset() == items_;
    const double radius = std::clamp(std::min(width(), height()) / 60.0, 3.0, 8.0);
    for (std::size_t i = 0; i < positions_.size(); ++i) {
      const QPointF p = nodePosition(i);
      painter.setPen(QPen(QColor(30, 30, 30), 0.8));
      painter.setBrush(i < colours_.size() ? colours_[i] : QColor(150, 150, 150));
      painter.drawEllipse(p, radius, radius);
      if (mine && session_.selection().contains(items_, static_cast<std::int64_t>(i))) {
        painter.setPen(QPen(highlightColor(), 3.0));
        painter.setBrush(Qt::NoBrush);
        painter.drawEllipse(p, radius + 3, radius + 3);
        if (i < names_.size())
          painter.drawText(p + QPointF(radius + 4, -radius), QString::fromStdString(names_[i]));
      }
    }
  }
  void mousePressEvent(QMouseEvent* event) override {
    if (event->button() != Qt::LeftButton) return;
    double best = 12.0 * 12.0;
    std::int64_t hit = -1;
    for (std::size_t i = 0; i < positions_.size(); ++i) {
      const QPointF d = nodePosition(i) - event->position();
      const double d2 = d.x() * d.x() + d.y() * d.y();
      if (d2 < best) best = d2, hit = static_cast<std::int64_t>(i);
    }
    auto& selection = session_.selection();
    std::vector<std::int64_t> indices;
    const bool add = event->modifiers() & (Qt::ShiftModifier | Qt::ControlModifier);
    if (add && selection.dataset() == items_) indices = selection.indices();
    if (hit < 0) {
      if (!add) selection.clear(kOrigin);
      return;
    }
    indices.push_back(hit);
    selection.select(items_, indices, kOrigin);
  }

 private:
  io::Session& session_;
  io::DatasetId items_;
  std::vector<std::array<double, 2>> positions_;
  std::vector<QColor> colours_;
  std::vector<GraphEdge> edges_;
  std::vector<std::string> names_;
  io::Signal<const std::string&>::ConnectionId connection_{};
};

// What one component (at one level and edge threshold) shows.
struct ComponentView {
  std::vector<double> square;  // N×N pair factor, diagonal NaN
  connectome::Ordering ordering;
  bool hierarchical = false;  // ordering from the page's own clustering
  std::vector<std::array<double, 2>> layout;
  double maxWeight = 0.0;

  std::size_t bytes() const {
    return square.size() * sizeof(double) + ordering.order.size() * sizeof(std::size_t) +
           ordering.groups.size() * sizeof(int) + layout.size() * sizeof(layout[0]) +
           sizeof(ComponentView);
  }
};

// Component views computed so far (component, level, threshold), bounded in
// bytes (io::ResourceLimits::viewCacheBytes): the least recently shown go first.
class ComponentCache {
 public:
  using Key = std::tuple<int, int, int>;
  const ComponentView* find(const Key& key) {
    for (auto it = entries_.begin(); it != entries_.end(); ++it)
      if (it->first == key) {
        entries_.splice(entries_.begin(), entries_, it);
        return &entries_.front().second;
      }
    return nullptr;
  }
  void insert(const Key& key, const ComponentView& view) {
    const std::size_t cost = view.bytes(), limit = io::resourceLimits().viewCacheBytes;
    if (find(key) != nullptr || cost > limit) return;
    while (bytes_ + cost > limit && !entries_.empty()) {
      bytes_ -= entries_.back().second.bytes();
      entries_.pop_back();
    }
    entries_.emplace_front(key, view);
    bytes_ += cost;
  }

 private:
  std::list<std::pair<Key, ComponentView>> entries_;  // most recently used first
  std::size_t bytes_ = 0;
};

}  // namespace

struct ConnectomePage::Impl {
  io::Session* session = nullptr;
  io::DatasetId timeId = io::kNoDataset, animalId = io::kNoDataset, pairId = io::kNoDataset;
  io::DatasetId labelsId = io::kNoDataset, tracesId = io::kNoDataset, epochsId = io::kNoDataset;
  std::shared_ptr<const io::ArrayDataset> time, animal, pair, traces;
  std::shared_ptr<const io::TableDataset> epochs;
  std::shared_ptr<const io::TableDataset> rankSelection;
  std::size_t T = 0, A = 0, R = 0, N = 0, P = 0;
  std::vector<double> centres, weights;
  std::vector<std::string> animalNames, neuronNames;
  std::vector<std::array<double, 3>> positions;
  // component → level → community per node (−1: not labelled)
  std::map<int, std::vector<std::vector<int>>> communities;
  int component = 0, level = 0;
  int thresholdPercent = 40;
  ComponentCache cache;
  ComponentView current;
  int generation = 0;
  bool busy = false;
  io::DatasetId anatomy = io::kNoDataset;
  std::size_t anatomyMatched = 0;
  bool updatingChoices = false;

  QLabel* headline = nullptr;
  QComboBox *componentBox = nullptr, *levelBox = nullptr, *animalBox = nullptr;
  QComboBox *anatomyBox = nullptr, *anatomyTypeBox = nullptr;
  QSlider* threshold = nullptr;
  QLabel* thresholdLabel = nullptr;
  Chart *timeChart = nullptr, *animalChart = nullptr, *traceChart = nullptr;
  QTabWidget* bottomTabs = nullptr;  // factors | rank selection (with a rank_selection only)
  QWidget* rankPanel = nullptr;
  QLabel* rankHeadline = nullptr;
  Chart *rankErrorChart = nullptr, *rankSimilarityChart = nullptr, *rankCoreChart = nullptr;
  HeatMap *functional = nullptr, *anatomical = nullptr;
  MatrixOverlay *functionalOverlay = nullptr, *anatomicalOverlay = nullptr;
  GraphCanvas* canvas = nullptr;
  VtkView* view = nullptr;
  Scene* scene = nullptr;
  PointsLayer* points = nullptr;
  LinesLayer* lines = nullptr;
  io::Signal<const std::string&>::ConnectionId selectionConnection{};
  io::Signal<io::DatasetId>::ConnectionId addedConnection{}, removedConnection{};
};

ConnectomePage::ConnectomePage(io::Session& session, io::DatasetId timeFactors)
    : impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  d.session = &session;
  const io::DatasetId primary = timeFactorsFor(session, timeFactors);
  if (primary == io::kNoDataset)
    throw std::invalid_argument(
        "the outputs of this connectome.ntf run (time_factors, animal_factors, pair_factors) are "
        "not all in the session");
  d.timeId = primary;
  d.animalId = siblingOutput(session, primary, "animal_factors");
  d.pairId = siblingOutput(session, primary, "pair_factors");
  d.time = arrayOf(session, d.timeId);
  d.animal = arrayOf(session, d.animalId);
  d.pair = arrayOf(session, d.pairId);
  if (!d.time || !d.animal || !d.pair || d.time->shape().size() != 2 ||
      d.animal->shape().size() != 2 || d.pair->shape().size() != 2)
    throw std::invalid_argument("connectome.ntf factors must be 2-D arrays (T×R, A×R, P×R)");
  d.T = d.time->shape()[0];
  d.R = d.time->shape()[1];
  d.A = d.animal->shape()[0];
  d.P = d.pair->shape()[0];
  if (d.animal->shape()[1] != d.R || d.pair->shape()[1] != d.R || d.R == 0)
    throw std::invalid_argument("connectome.ntf factors disagree on the number of components");
  d.N = analysis::connectome::neuronsForPairs(d.P);
  if (d.N == 0)
    throw std::invalid_argument("pair_factors has " + std::to_string(d.P) +
                                " rows, not N(N−1)/2 neuron pairs for any N");
  d.centres = numbersOf(*d.time, "window_centres");
  if (d.centres.size() != d.T) d.centres.clear();
  d.weights = numbersOf(*d.time, "component_weights");
  d.animalNames = stringsOf(*d.animal, "animal_names");
  d.neuronNames = stringsOf(*d.pair, "neuron_names");
  if (d.neuronNames.size() != d.N) {
    d.neuronNames.clear();
    for (std::size_t i = 0; i < d.N; ++i) d.neuronNames.push_back(std::to_string(i));
  }
  d.positions = positionsOf(*d.pair);
  if (d.positions.size() != d.N) d.positions.clear();
  d.rankSelection = rankSelectionOf(session, d.timeId);

  // The affinity run behind the tensor: aligned traces, stimulus epochs.
  for (const auto& input : inputsOfRun(session, d.timeId, false))
    if (input.port == "tensor" && input.id != io::kNoDataset) {
      d.tracesId = siblingOutput(session, input.id, "aligned_traces");
      d.epochsId = siblingOutput(session, input.id, "stimulus_epochs");
    }
  d.traces = arrayOf(session, d.tracesId);
  if (d.traces && (d.traces->shape().size() != 3 || d.traces->shape()[2] != d.N)) {
    d.traces.reset();
    d.tracesId = io::kNoDataset;
  }
  d.epochs = std::dynamic_pointer_cast<const io::TableDataset>(session.find(d.epochsId));
  if (d.epochs && (!d.epochs->numericColumn("start") || !d.epochs->numericColumn("stop")))
    d.epochs.reset();

  // Communities of this pair_factors.
  d.labelsId = communitiesOf(session, d.pairId);
  if (const auto labels =
          std::dynamic_pointer_cast<const io::TableDataset>(session.find(d.labelsId))) {
    const auto *component = labels->numericColumn("component"),
               *level = labels->numericColumn("level");
    const auto *node = labels->numericColumn("node"),
               *community = labels->numericColumn("community");
    if (component && level && node && community) {
      for (std::size_t row = 0; row < labels->rowCount(); ++row) {
        const int r = static_cast<int>(std::lround((*component)[row]));
        const auto l = static_cast<std::size_t>(std::max(0L, std::lround((*level)[row])));
        const auto i = static_cast<std::size_t>(std::max(0L, std::lround((*node)[row])));
        if (r < 0 || static_cast<std::size_t>(r) >= d.R || i >= d.N) continue;
        auto& levels = d.communities[r];
        if (levels.size() <= l) levels.resize(l + 1, std::vector<int>(d.N, -1));
        levels[l][i] = static_cast<int>(std::lround((*community)[row]));
      }
    }
    if (d.communities.empty()) d.labelsId = io::kNoDataset;
  } else {
    d.labelsId = io::kNoDataset;
  }

  // Layout: controls on top; matrices and graph above the charts.
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  d.headline = new QLabel;
  d.headline->setObjectName("connectomeHeadline");
  d.headline->setWordWrap(true);
  layout->addWidget(d.headline);
  auto* controls = new QHBoxLayout;
  layout->addLayout(controls);
  controls->addWidget(new QLabel(tr("Component")));
  d.componentBox = new QComboBox;
  d.componentBox->setObjectName("componentBox");
  d.componentBox->setToolTip(tr("The factor shown ([ and ] step through them)"));
  for (std::size_t r = 0; r < d.R; ++r)
    d.componentBox->addItem(r < d.weights.size() && std::isfinite(d.weights[r])
                                ? tr("%1 (weight %2)").arg(r + 1).arg(d.weights[r], 0, 'g', 3)
                                : QString::number(r + 1));
  controls->addWidget(d.componentBox);
  controls->addWidget(new QLabel(tr("Level")));
  d.levelBox = new QComboBox;
  d.levelBox->setObjectName("levelBox");
  d.levelBox->setToolTip(tr("Hierarchy level of the communities (0 = finest)"));
  controls->addWidget(d.levelBox);
  d.thresholdLabel = new QLabel;
  controls->addWidget(d.thresholdLabel);
  d.threshold = new QSlider(Qt::Horizontal);
  d.threshold->setObjectName("edgeThreshold");
  d.threshold->setRange(0, 95);
  d.threshold->setValue(d.thresholdPercent);
  d.threshold->setMaximumWidth(140);
  d.threshold->setToolTip(tr("Graph edges drawn: weight above this share of the strongest"));
  controls->addWidget(d.threshold);
  controls->addWidget(new QLabel(tr("Animal")));
  d.animalBox = new QComboBox;
  d.animalBox->setObjectName("animalBox");
  const std::size_t traceAnimals = d.traces ? d.traces->shape()[0] : 0;
  for (std::size_t a = 0; a < std::max(traceAnimals, std::size_t{1}); ++a)
    d.animalBox->addItem(a < d.animalNames.size() ? QString::fromStdString(d.animalNames[a])
                                                  : tr("animal %1").arg(a + 1));
  d.animalBox->setEnabled(traceAnimals > 0);
  controls->addWidget(d.animalBox);
  controls->addSpacing(12);
  controls->addWidget(new QLabel(tr("Anatomy")));
  d.anatomyBox = new QComboBox;
  d.anatomyBox->setObjectName("anatomyBox");
  d.anatomyBox->setMinimumContentsLength(18);
  d.anatomyBox->setToolTip(tr("An anatomical connectome (pre, post, synapses) to compare"));
  controls->addWidget(d.anatomyBox);
  d.anatomyTypeBox = new QComboBox;
  d.anatomyTypeBox->setObjectName("anatomyTypeBox");
  d.anatomyTypeBox->addItems({tr("all synapses"), tr("chemical"), tr("electrical")});
  controls->addWidget(d.anatomyTypeBox);
  controls->addStretch(1);

  auto* rows = new QSplitter(Qt::Vertical);
  layout->addWidget(rows, 1);
  auto* top = new QSplitter(Qt::Horizontal);
  rows->addWidget(top);
  d.functional = new HeatMap;
  d.functional->setObjectName("functionalMatrix");
  d.functional->setColormap("viridis");
  top->addWidget(d.functional);
  d.functionalOverlay = new MatrixOverlay(d.functional, session, d.pairId);
  d.anatomical = new HeatMap;
  d.anatomical->setObjectName("anatomicalMatrix");
  d.anatomical->setColormap("magma");
  top->addWidget(d.anatomical);
  d.anatomicalOverlay = new MatrixOverlay(d.anatomical, session, d.pairId);
  if (!d.positions.empty()) {
    d.view = new VtkView;
    d.view->setObjectName("communityScene");
    d.view->setMinimumSize(200, 200);
    d.scene = new Scene(d.view, session, this);
    top->addWidget(d.view);
  } else {
    d.canvas = new GraphCanvas(session, d.pairId);
    top->addWidget(d.canvas);
  }
  auto* bottom = new QSplitter(Qt::Horizontal);
  d.timeChart = new Chart;
  d.timeChart->setObjectName("timeFactors");
  d.timeChart->setAxisTitles(d.centres.empty() ? tr("window") : tr("time (s)"), tr("loading"));
  if (!d.centres.empty()) d.timeChart->linkTimeCursor(&session);
  bottom->addWidget(d.timeChart);
  d.animalChart = new Chart;
  d.animalChart->setObjectName("animalFactors");
  d.animalChart->setAxisTitles(tr("animal"), tr("loading"));
  bottom->addWidget(d.animalChart);
  d.traceChart = new Chart;
  d.traceChart->setObjectName("traces");
  d.traceChart->setAxisTitles(tr("time (s)"), tr("ΔF/F, z-scored, offset"));
  d.traceChart->linkTimeCursor(&session);
  bottom->addWidget(d.traceChart);
  top->setSizes({520, 520, 460});
  bottom->setSizes({600, 360, 540});
  if (d.rankSelection) {
    d.rankPanel = new QWidget;
    d.rankPanel->setObjectName("rankSelection");
    auto* panel = new QVBoxLayout(d.rankPanel);
    panel->setContentsMargins(0, 2, 0, 0);
    d.rankHeadline = new QLabel;
    d.rankHeadline->setObjectName("rankSelectionHeadline");
    d.rankHeadline->setWordWrap(true);
    panel->addWidget(d.rankHeadline);
    auto* charts = new QSplitter(Qt::Horizontal);
    panel->addWidget(charts, 1);
    d.rankErrorChart = new Chart;
    d.rankErrorChart->setObjectName("rankError");
    d.rankSimilarityChart = new Chart;
    d.rankSimilarityChart->setObjectName("rankSimilarity");
    d.rankCoreChart = new Chart;
    d.rankCoreChart->setObjectName("rankCoreConsistency");
    // Below ~220 pixels Qt Charts elides every axis label; the splitter
    // takes the room from the matrices instead.
    for (auto* chart : {d.rankErrorChart, d.rankSimilarityChart, d.rankCoreChart}) {
      chart->setMinimumHeight(220);
      charts->addWidget(chart);
    }
    charts->setSizes({500, 500, 500});
    // A tab beside the factors, not a third row: the page is read at 880
    // pixels high too, and three rows of charts leave none readable.
    d.bottomTabs = new QTabWidget;
    d.bottomTabs->setObjectName("bottomTabs");
    d.bottomTabs->setDocumentMode(true);
    d.bottomTabs->addTab(bottom, tr("Factors and traces"));
    d.bottomTabs->addTab(d.rankPanel, tr("Rank selection"));
    rows->addWidget(d.bottomTabs);
    showRankSelection();
  } else {
    rows->addWidget(bottom);
  }
  rows->setSizes({560, 340});

  connect(d.componentBox, &QComboBox::currentIndexChanged, this, [this](int index) {
    if (index >= 0 && index != impl_->component) setComponent(index);
  });
  connect(d.levelBox, &QComboBox::currentIndexChanged, this, [this](int index) {
    if (!impl_->updatingChoices && index >= 0 && index != impl_->level) setLevel(index);
  });
  connect(d.threshold, &QSlider::valueChanged, this, [this](int value) {
    impl_->thresholdPercent = value;
    refresh();
  });
  connect(d.animalBox, &QComboBox::currentIndexChanged, this, [this](int) { refreshTraces(); });
  connect(d.anatomyBox, &QComboBox::activated, this, [this](int index) {
    const auto data = impl_->anatomyBox->itemData(index);
    if (data.toString() == "open") {
      openAnatomyFile();
      refreshAnatomyChoices();
      return;
    }
    setAnatomy(static_cast<io::DatasetId>(data.toULongLong()));
  });
  connect(d.anatomyTypeBox, &QComboBox::currentIndexChanged, this,
          [this](int) { refreshAnatomy(); });
  auto* next = new QShortcut(QKeySequence(Qt::Key_BracketRight), this);
  next->setContext(Qt::WidgetWithChildrenShortcut);
  connect(next, &QShortcut::activated, this,
          [this] { setComponent((impl_->component + 1) % static_cast<int>(impl_->R)); });
  auto* previous = new QShortcut(QKeySequence(Qt::Key_BracketLeft), this);
  previous->setContext(Qt::WidgetWithChildrenShortcut);
  connect(previous, &QShortcut::activated, this, [this] {
    const int r = static_cast<int>(impl_->R);
    setComponent((impl_->component + r - 1) % r);
  });

  d.selectionConnection =
      session.selection().changed.connect([this](const std::string&) { refreshTraces(); });
  d.addedConnection = session.datasetAdded.connect([this](io::DatasetId) {
    QMetaObject::invokeMethod(
        this, [this] { refreshAnatomyChoices(); }, Qt::QueuedConnection);
  });
  d.removedConnection = session.datasetRemoved.connect([this](io::DatasetId id) {
    if (id == impl_->anatomy) impl_->anatomy = io::kNoDataset;
    QMetaObject::invokeMethod(
        this,
        [this] {
          refreshAnatomyChoices();
          refreshAnatomy();
        },
        Qt::QueuedConnection);
  });

  // The first anatomical connectome of the session, if one is open.
  for (const auto& entry : session.entries())
    if (isAnatomicalTable(*entry.dataset)) {
      d.anatomy = entry.id;
      break;
    }
  refreshAnatomyChoices();
  refresh();
  refreshTraces();
  // Traces read lazily (an HDF5 result) load off the GUI thread.
  if (d.traces && !d.traces->isLoaded()) {
    const auto traces = d.traces;
    runTask(
        tr("Loading aligned traces"), [traces](plugins::ProgressReporter&) { traces->values(); },
        [this](const QString& error) {
          if (!error.isEmpty()) complain(tr("Aligned traces"), error);
          refreshTraces();
        });
  }
}

ConnectomePage::~ConnectomePage() {
  auto& d = *impl_;
  d.session->selection().changed.disconnect(d.selectionConnection);
  d.session->datasetAdded.disconnect(d.addedConnection);
  d.session->datasetRemoved.disconnect(d.removedConnection);
}

int ConnectomePage::componentCount() const {
  return static_cast<int>(impl_->R);
}
int ConnectomePage::component() const {
  return impl_->component;
}
void ConnectomePage::setComponent(int component) {
  auto& d = *impl_;
  component = std::clamp(component, 0, static_cast<int>(d.R) - 1);
  d.component = component;
  d.level = std::clamp(d.level, 0, levelCount() - 1);
  if (d.componentBox->currentIndex() != component) d.componentBox->setCurrentIndex(component);
  refresh();
}
int ConnectomePage::levelCount() const {
  const auto it = impl_->communities.find(impl_->component);
  return it == impl_->communities.end() ? 1 : std::max(1, static_cast<int>(it->second.size()));
}
int ConnectomePage::level() const {
  return impl_->level;
}
void ConnectomePage::setLevel(int level) {
  impl_->level = std::clamp(level, 0, levelCount() - 1);
  refresh();
}
bool ConnectomePage::hasCommunities() const {
  return impl_->labelsId != io::kNoDataset;
}
bool ConnectomePage::hasTraces() const {
  return static_cast<bool>(impl_->traces);
}
bool ConnectomePage::hasStimulusEpochs() const {
  return static_cast<bool>(impl_->epochs);
}
bool ConnectomePage::hasPositions() const {
  return !impl_->positions.empty();
}
bool ConnectomePage::hasRankSelection() const {
  return static_cast<bool>(impl_->rankSelection);
}
std::size_t ConnectomePage::neuronCount() const {
  return impl_->N;
}
const std::vector<std::size_t>& ConnectomePage::neuronOrder() const {
  return impl_->current.ordering.order;
}
const std::vector<int>& ConnectomePage::neuronGroups() const {
  return impl_->current.ordering.groups;
}
io::DatasetId ConnectomePage::neuronItems() const {
  return impl_->pairId;
}
io::DatasetId ConnectomePage::anatomy() const {
  return impl_->anatomy;
}
std::size_t ConnectomePage::anatomyMatched() const {
  return impl_->anatomyMatched;
}
bool ConnectomePage::isBusy() const {
  return impl_->busy;
}

QPointF ConnectomePage::graphNodePosition(std::size_t neuron) const {
  auto& d = *impl_;
  if (d.canvas) return d.canvas->mapTo(this, d.canvas->nodePosition(neuron));
  if (d.view && neuron < d.positions.size())
    if (const auto p = d.view->worldToWidget(d.positions[neuron])) return d.view->mapTo(this, *p);
  return {-1, -1};
}

void ConnectomePage::refresh() {
  auto& d = *impl_;
  const int r = d.component;
  // Headline.
  QString text = tr("Non-negative CP factors: rank %1 · %2 windows · %3 %4 · %5 neurons")
                     .arg(d.R)
                     .arg(d.T)
                     .arg(d.A)
                     .arg(d.A == 1 ? tr("animal") : tr("animals"))
                     .arg(d.N);
  text += hasCommunities() ? tr(" · communities from connectome.communities")
                           : tr(" · no communities run on these pair factors: neurons ordered by "
                                "average-linkage clusters");
  if (!hasTraces()) text += tr(" · no aligned traces (the affinity run is not in the session)");
  d.headline->setText(text);

  // Levels of this component.
  d.updatingChoices = true;
  d.levelBox->clear();
  const auto it = d.communities.find(r);
  for (int l = 0; l < levelCount(); ++l) {
    if (it == d.communities.end()) {
      d.levelBox->addItem(tr("clusters"));
      continue;
    }
    std::set<int> distinct(it->second[static_cast<std::size_t>(l)].begin(),
                           it->second[static_cast<std::size_t>(l)].end());
    distinct.erase(-1);
    d.levelBox->addItem(tr("%1 (%2 communities)").arg(l).arg(distinct.size()));
  }
  d.levelBox->setCurrentIndex(d.level);
  d.levelBox->setEnabled(levelCount() > 1);
  d.updatingChoices = false;
  d.thresholdLabel->setText(tr("Edges > %1 %").arg(d.thresholdPercent));

  // Temporal factors: every component, the chosen one in full colour.
  const auto& tv = d.time->values();
  std::vector<ChartSeries> series;
  double high = 0.0;
  for (const double v : tv)
    if (std::isfinite(v)) high = std::max(high, v);
  if (d.epochs) {
    const auto& start = *d.epochs->numericColumn("start");
    const auto& stop = *d.epochs->numericColumn("stop");
    const auto* label = d.epochs->column("label");
    std::map<std::string, ChartSeries> bands;
    for (std::size_t e = 0; e < d.epochs->rowCount(); ++e) {
      const std::string name = label ? label->cellText(e) : "stimulus";
      auto& band = bands[name];
      for (const double x : {start[e], start[e], stop[e], stop[e]}) band.x.push_back(x);
      for (const double y : {0.0, high * 1.05, high * 1.05, 0.0}) band.upper.push_back(y);
      band.lower.insert(band.lower.end(), 4, 0.0);
    }
    int k = 0;
    for (auto& [name, band] : bands) {
      band.name = QString::fromStdString(name);
      band.color = QColor::fromHsv((40 + 70 * k++) % 360, 90, 235);
      band.markers = false;
      series.push_back(std::move(band));
    }
  }
  for (std::size_t c = 0; c < d.R; ++c) {
    ChartSeries s;
    s.name = tr("component %1").arg(c + 1);
    s.color = paletteColour(static_cast<int>(c));
    if (static_cast<int>(c) != r) s.color.setAlpha(70);
    s.markers = false;
    for (std::size_t t = 0; t < d.T; ++t) {
      s.x.push_back(d.centres.empty() ? static_cast<double>(t) : d.centres[t]);
      s.y.push_back(tv[t * d.R + c]);
    }
    series.push_back(std::move(s));
  }
  // The chosen component drawn last (on top).
  std::stable_partition(series.begin(), series.end(), [&](const ChartSeries& s) {
    return s.name != tr("component %1").arg(r + 1);
  });
  d.timeChart->setSeries(series);
  d.timeChart->setTitle(tr("Temporal factors (component %1 highlighted)%2")
                            .arg(r + 1)
                            .arg(d.epochs ? tr(", stimulus epochs shaded") : QString()));
  d.timeChart->setAxisTitles(d.centres.empty() ? tr("window") : tr("time (s)"),
                             tr("temporal factor"));

  // Animal factors.
  std::vector<ChartSeries> bars;
  const auto& av = d.animal->values();
  for (std::size_t c = 0; c < d.R; ++c) {
    ChartSeries s;
    s.name = tr("component %1").arg(c + 1);
    s.style = ChartSeries::Style::Bars;
    s.color = paletteColour(static_cast<int>(c));
    if (static_cast<int>(c) != r) s.color.setAlpha(60);
    for (std::size_t a = 0; a < d.A; ++a) {
      s.x.push_back(static_cast<double>(a + 1));
      s.y.push_back(std::isfinite(av[a * d.R + c]) ? av[a * d.R + c] : 0.0);
    }
    bars.push_back(std::move(s));
  }
  d.animalChart->setSeries(bars);
  QString animals;
  for (std::size_t a = 0; a < d.animalNames.size() && a < 6; ++a)
    animals +=
        (a ? ", " : "") + QString("%1 %2").arg(a + 1).arg(QString::fromStdString(d.animalNames[a]));
  d.animalChart->setTitle(tr("Animal factors (component %1 highlighted)%2")
                              .arg(r + 1)
                              .arg(animals.isEmpty() ? QString() : tr(" · %1").arg(animals)));
  d.animalChart->setAxisTitles(tr("animal"), tr("animal factor"));

  // Ordering and layout: cached, else computed off the GUI thread.
  const auto key = std::make_tuple(r, d.level, d.positions.empty() ? d.thresholdPercent : -1);
  if (const auto* cached = d.cache.find(key)) {
    d.current = *cached;
    ++d.generation;  // a pending computation of another key no longer applies
    d.busy = false;
    applyComponentView();
    return;
  }
  std::vector<int> labels;
  if (it != d.communities.end()) labels = it->second[static_cast<std::size_t>(d.level)];
  const auto result = std::make_shared<ComponentView>();
  const int generation = ++d.generation;
  d.busy = true;
  const auto pair = d.pair;
  const std::size_t n = d.N, components = d.R;
  const bool wantLayout = d.positions.empty();
  const double fraction = d.thresholdPercent / 100.0;
  runTask(
      tr("Connectome component %1").arg(r + 1),
      [=](plugins::ProgressReporter&) {
        result->square = connectome::pairColumnToSquare(pair->values(), components,
                                                        static_cast<std::size_t>(r), n);
        for (const double v : result->square)
          if (std::isfinite(v)) result->maxWeight = std::max(result->maxWeight, v);
        if (!labels.empty()) {
          result->ordering = connectome::orderByLabels(labels, result->square, n);
        } else {
          result->ordering = connectome::hierarchicalOrder(result->square, n);
          result->hierarchical = true;
        }
        if (wantLayout)
          result->layout = connectome::forceLayout(result->square, n, fraction * result->maxWeight);
      },
      [this, generation, key, result](const QString& error) {
        auto& state = *impl_;
        if (generation != state.generation) return;
        state.busy = false;
        if (!error.isEmpty()) {
          complain(tr("Connectome page"), error);
          return;
        }
        state.cache.insert(key, *result);
        state.current = *result;
        applyComponentView();
      });
}

void ConnectomePage::applyComponentView() {
  auto& d = *impl_;
  const auto& view = d.current;
  const std::size_t n = d.N;
  const auto& order = view.ordering.order;
  if (order.size() != n || view.square.size() != n * n) return;
  std::vector<double> shown(n * n);
  for (std::size_t a = 0; a < n; ++a)
    for (std::size_t b = 0; b < n; ++b) shown[a * n + b] = view.square[order[a] * n + order[b]];
  std::vector<QString> names;
  for (const auto i : order) names.push_back(QString::fromStdString(d.neuronNames[i]));
  d.functional->setMatrix(std::move(shown), n, n);
  d.functional->setColormap("viridis");
  d.functional->setRange(0.0, view.maxWeight > 0 ? view.maxWeight : 1.0);
  d.functional->setRowLabels(names);
  d.functional->setColumnLabels(names);
  d.functional->setTitle(tr("Functional: pair factor of component %1, %2 %3")
                             .arg(d.component + 1)
                             .arg(view.ordering.groupCount)
                             .arg(view.hierarchical ? tr("clusters (average linkage)")
                                                    : tr("communities (level %1)").arg(d.level)));
  d.functionalOverlay->set(order, view.ordering.groups);
  refreshAnatomy();

  // The graph: nodes by community, edges above the threshold (strongest 3000).
  std::vector<GraphEdge> edges;
  const double cutoff = d.thresholdPercent / 100.0 * view.maxWeight;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      const double w = view.square[i * n + j];
      if (std::isfinite(w) && w > cutoff && view.maxWeight > 0)
        edges.push_back({i, j, w / view.maxWeight});
    }
  std::sort(edges.begin(), edges.end(), [](const auto& a, const auto& b) { return a.w > b.w; });
  if (edges.size() > 3000) edges.resize(3000);
  std::vector<QColor> colours;
  for (std::size_t i = 0; i < n; ++i)
    colours.push_back(
        paletteColour(view.ordering.groups.size() == n ? view.ordering.groups[i] : -1));
  if (d.canvas) {
    d.canvas->set(view.layout, colours, edges, d.neuronNames);
  } else if (d.scene) {
    double lo[3] = {1e300, 1e300, 1e300}, hi[3] = {-1e300, -1e300, -1e300};
    for (const auto& p : d.positions)
      for (int a = 0; a < 3; ++a) lo[a] = std::min(lo[a], p[a]), hi[a] = std::max(hi[a], p[a]);
    const double diagonal = std::max(
        1e-6, std::sqrt((hi[0] - lo[0]) * (hi[0] - lo[0]) + (hi[1] - lo[1]) * (hi[1] - lo[1]) +
                        (hi[2] - lo[2]) * (hi[2] - lo[2])));
    if (!d.points) {
      d.points = new PointsLayer(tr("neurons"), d.pairId, d.positions, diagonal * 0.02);
      d.scene->addLayer(d.points);
    }
    d.points->setColours(colours);
    if (d.lines) d.scene->removeLayer(d.lines);
    std::vector<LinesLayer::Polyline> polylines;
    std::vector<QColor> lineColours;
    for (const auto& e : edges) {
      polylines.push_back({d.positions[e.i], d.positions[e.j]});
      QColor c = colours[e.i] == colours[e.j] ? colours[e.i] : QColor(150, 150, 150);
      lineColours.push_back(c.lighter(static_cast<int>(100 + 60 * (1.0 - e.w))));
    }
    d.lines = new LinesLayer(tr("edges"), io::kNoDataset, polylines, diagonal * 0.0025,
                             QColor(150, 150, 150));
    d.lines->setColours(lineColours);
    d.scene->addLayer(d.lines);
    d.view->requestRender();
  }
}

void ConnectomePage::refreshTraces() {
  auto& d = *impl_;
  if (!d.traces) {
    d.traceChart->setSeries({});
    d.traceChart->setTitle(tr("Traces: no aligned_traces of the affinity run in the session"));
    return;
  }
  if (!d.traces->isLoaded()) {
    d.traceChart->setSeries({});
    d.traceChart->setTitle(tr("Traces: loading…"));
    return;
  }
  std::vector<std::int64_t> chosen;
  if (d.session->selection().dataset() == d.pairId) chosen = d.session->selection().indices();
  if (chosen.size() > 8) chosen.resize(8);
  const std::size_t animals = d.traces->shape()[0], frames = d.traces->shape()[1];
  const auto a = static_cast<std::size_t>(std::max(0, d.animalBox->currentIndex()));
  double rate = 1.0;
  if (const auto it = d.traces->attributes().find("frame_rate"); it != d.traces->attributes().end())
    try {
      rate = std::stod(it->second);
    } catch (const std::exception&) {
      rate = 1.0;
    }
  if (!(rate > 0)) rate = 1.0;
  std::vector<ChartSeries> series;
  QStringList names;
  const auto& v = d.traces->values();
  for (std::size_t k = 0; k < chosen.size() && a < animals; ++k) {
    const auto i = static_cast<std::size_t>(chosen[k]);
    if (i >= d.N) continue;
    double sum = 0, sum2 = 0;
    std::size_t count = 0;
    for (std::size_t f = 0; f < frames; ++f) {
      const double x = v[(a * frames + f) * d.N + i];
      if (std::isfinite(x)) sum += x, sum2 += x * x, ++count;
    }
    ChartSeries s;
    s.name = QString::fromStdString(d.neuronNames[i]);
    names << s.name;
    s.color = paletteColour(d.current.ordering.groups.size() == d.N ? d.current.ordering.groups[i]
                                                                    : static_cast<int>(k));
    s.markers = false;
    if (count == 0) {
      s.name += tr(" (missing in this animal)");
      series.push_back(std::move(s));
      continue;
    }
    const double mean = sum / static_cast<double>(count);
    const double sd = std::sqrt(std::max(1e-12, sum2 / static_cast<double>(count) - mean * mean));
    for (std::size_t f = 0; f < frames; ++f) {
      const double x = v[(a * frames + f) * d.N + i];
      if (!std::isfinite(x)) continue;
      s.x.push_back(static_cast<double>(f) / rate);
      s.y.push_back((x - mean) / sd + 4.0 * static_cast<double>(k));
    }
    series.push_back(std::move(s));
  }
  d.traceChart->setSeries(series);
  d.traceChart->setTitle(
      chosen.empty() ? tr("Traces: choose neurons in the matrix or the graph")
                     : tr("Traces of %1 in %2").arg(names.join(", "), d.animalBox->currentText()));
}

void ConnectomePage::showRankSelection() {
  auto& d = *impl_;
  const auto& table = *d.rankSelection;
  const std::size_t rows = table.rowCount();
  const auto& rank = *table.numericColumn("rank");
  const auto& restart = *table.numericColumn("restart");
  const auto& error = *table.numericColumn("error");
  const auto& similarity = *table.numericColumn("similarity");
  const auto& core = *table.numericColumn("core_consistency");
  const auto* sweeps = table.numericColumn("sweeps");
  const auto* converged = table.numericColumn("converged");
  // Rows of each rank; its best restart is the first with the lowest error,
  // the one selectRank keeps and compares the others with.
  std::map<int, std::vector<std::size_t>> byRank;
  for (std::size_t row = 0; row < rows; ++row)
    if (std::isfinite(rank[row])) byRank[static_cast<int>(std::lround(rank[row]))].push_back(row);
  std::map<int, std::size_t> best;
  std::size_t restarts = 0;
  for (const auto& [r, members] : byRank) {
    std::size_t b = members.front();
    for (const auto m : members)
      if (error[m] < error[b]) b = m;
    best[r] = b;
    restarts = std::max(restarts, members.size());
  }
  const int chosen = static_cast<int>(d.R);
  const QColor restartColour(31, 119, 180), lineColour(255, 127, 14), chosenColour(214, 39, 40);
  auto rowName = [&](std::size_t row) {
    return tr("rank %1, restart %2").arg(std::lround(rank[row])).arg(std::lround(restart[row]));
  };
  auto fitNote = [&](std::size_t row) {
    QString note;
    if (sweeps && std::isfinite((*sweeps)[row]))
      note += tr(", %1 sweeps").arg(std::lround((*sweeps)[row]));
    if (converged && (*converged)[row] == 0.0) note += tr(", not converged");
    return note;
  };
  const int first = byRank.empty() ? chosen : std::min(chosen, byRank.begin()->first);
  const int last = byRank.empty() ? chosen : std::max(chosen, byRank.rbegin()->first);
  // Every restart as a point, `line` through one value per rank and the
  // rank this run keeps as a vertical line over the y axis. Values below
  // `floor` (CORCONDIA of an overfit rank can be −10⁹ %) are drawn just under
  // it, off the scale, so that they do not flatten the rest; their tips say
  // the value.
  auto draw = [&](Chart* chart, const std::vector<double>& value, const QString& quantity,
                  const QString& unit, int decimals, ChartSeries line, double yLow, double yHigh,
                  double floor, std::vector<ChartSeries> extra = {}) {
    const double offScale = floor - 15.0;
    ChartSeries points, below;
    points.name = tr("restarts");
    points.style = below.style = ChartSeries::Style::Scatter;
    points.color = restartColour;
    below.name = tr("off scale");  // (a "<" would start rich text in the legend)
    below.color = QColor(120, 120, 120);
    auto tip = [&](double v) {
      return tr("%1 %2%3%4")
          .arg(quantity)
          .arg(v, 0, 'f', decimals)
          .arg(unit)
          .arg(v < floor ? tr(" (off scale)") : QString());
    };
    for (std::size_t row = 0; row < rows; ++row) {
      if (!std::isfinite(rank[row]) || !std::isfinite(value[row])) continue;
      auto& into = value[row] < floor ? below : points;
      into.x.push_back(rank[row]);
      into.y.push_back(value[row] < floor ? offScale : value[row]);
      into.tips.push_back(tr("%1: %2%3").arg(rowName(row), tip(value[row]), fitNote(row)));
    }
    for (auto& y : line.y)
      if (y < floor) y = offScale;
    double low = 0.0, high = -std::numeric_limits<double>::infinity();
    for (const auto* ys : {&points.y, &below.y, &line.y})
      for (const double y : *ys) low = std::min(low, y), high = std::max(high, y);
    if (!std::isfinite(high)) high = 1.0;
    if (!below.x.empty() && !std::isfinite(yLow)) yLow = offScale - 10.0;
    if (!std::isfinite(yLow) && low >= 0.0) yLow = 0.0;  // no negative axis for none
    ChartSeries marker;
    // Short legend names: four fit in a third of an 1060-pixel page; the
    // tips and the headline say the rest.
    marker.name = tr("kept rank");
    marker.color = chosenColour;
    marker.markers = false;
    marker.x = {static_cast<double>(chosen), static_cast<double>(chosen)};
    marker.y = {std::isfinite(yLow) ? yLow : low, std::isfinite(yHigh) ? yHigh : high};
    marker.tips.assign(2, tr("rank %1: the factors of this run").arg(chosen));
    line.color = lineColour;
    // The marker and `extra` (the core consistency bound) first: under the
    // points and the line, which stay readable on them.
    std::vector<ChartSeries> series{std::move(marker)};
    for (auto& more : extra) series.push_back(std::move(more));
    series.push_back(std::move(points));
    if (!line.x.empty()) series.push_back(std::move(line));
    if (!below.x.empty()) series.push_back(std::move(below));
    chart->setXRange(first - 0.5, last + 0.5);
    chart->setYRange(yLow, yHigh);
    chart->setSeries(series);
  };
  constexpr double kNoFloor = -std::numeric_limits<double>::infinity();

  // The best restart of every rank, as a line over the restarts' points.
  const auto bestLine = [&](const std::vector<double>& values, const QString& what, int decimals,
                            const QString& unit) {
    ChartSeries line;
    line.name = tr("best");
    for (const auto& [r, b] : best) {
      if (!std::isfinite(values[b])) continue;
      line.x.push_back(r);
      line.y.push_back(values[b]);
      line.tips.push_back(tr("rank %1, best restart %2: %3 %4%5")
                              .arg(r)
                              .arg(std::lround(restart[b]))
                              .arg(what)
                              .arg(values[b], 0, 'f', decimals)
                              .arg(unit));
    }
    return line;
  };
  draw(d.rankErrorChart, error, tr("error"), QString(), 4, bestLine(error, tr("error"), 4, {}), 0.0,
       NAN, kNoFloor);
  d.rankErrorChart->setTitle(tr("Reconstruction error ‖X − X̂‖ / ‖X‖"));
  d.rankErrorChart->setAxisTitles(tr("rank (components)"), tr("rel. error"));

  // Stability: how well the other restarts match the best one (the best
  // matches itself, 1, and is left out of the mean).
  ChartSeries stability;
  stability.name = tr("mean of others");
  for (const auto& [r, members] : byRank) {
    double sum = 0.0;
    int count = 0;
    for (const auto m : members)
      if (m != best[r] && std::isfinite(similarity[m])) sum += similarity[m], ++count;
    if (count == 0) continue;
    stability.x.push_back(r);
    stability.y.push_back(sum / count);
    stability.tips.push_back(tr("rank %1: mean factor match score %2 of the %3 other restarts")
                                 .arg(r)
                                 .arg(sum / count, 0, 'f', 3)
                                 .arg(count));
  }
  draw(d.rankSimilarityChart, similarity, tr("factor match score"), QString(), 3, stability, 0.0,
       1.05, kNoFloor);
  d.rankSimilarityChart->setTitle(restarts > 1
                                      ? tr("Stability: factor match score to the best restart")
                                      : tr("Stability: one restart, nothing to compare"));
  d.rankSimilarityChart->setAxisTitles(tr("rank (components)"), tr("match score"));

  ChartSeries kept = bestLine(core, tr("core consistency"), 1, tr(" %"));
  // A mode with m < R entries caps CORCONDIA at 100·m/R (the core's unfolding
  // along it has rank ≤ m, the identity's R), whatever the fit: one animal
  // gives 100/R. Drawn so that following it is not read as overfitting.
  const std::pair<std::size_t, QString> modes[] = {
      {d.T, d.T == 1 ? tr("window") : tr("windows")},
      {d.A, d.A == 1 ? tr("animal") : tr("animals")},
      {d.P, d.P == 1 ? tr("neuron pair") : tr("neuron pairs")}};
  const auto& shortest =
      *std::min_element(std::begin(modes), std::end(modes),
                        [](const auto& a, const auto& b) { return a.first < b.first; });
  QString boundNote;
  std::vector<ChartSeries> bounds;
  if (static_cast<int>(shortest.first) < last) {
    ChartSeries bound;
    const double m = static_cast<double>(shortest.first);
    bound.name = tr("bound");
    bound.color = QColor(150, 150, 150);
    bound.markers = false;
    for (int r = first; r <= last; ++r) {
      bound.x.push_back(r);
      bound.y.push_back(std::min(100.0, 100.0 * m / r));
      bound.tips.push_back(tr("rank %1: core consistency cannot exceed %2 % with %3 %4")
                               .arg(r)
                               .arg(bound.y.back(), 0, 'f', 1)
                               .arg(shortest.first)
                               .arg(shortest.second));
    }
    boundNote = tr(" With %1 %2, core consistency cannot exceed 100·%1/rank (grey line): past rank "
                   "%1 it cannot flag too many components.")
                    .arg(shortest.first)
                    .arg(shortest.second);
    bounds.push_back(std::move(bound));
  }
  draw(d.rankCoreChart, core, tr("core consistency"), tr(" %"), 1, kept, NAN, 110.0, -100.0,
       std::move(bounds));
  d.rankCoreChart->setTitle(tr("Core consistency (CORCONDIA)"));
  d.rankCoreChart->setAxisTitles(tr("rank (components)"), tr("percent"));

  const int rangeFirst = byRank.empty() ? 0 : byRank.begin()->first;
  const int rangeLast = byRank.empty() ? 0 : byRank.rbegin()->first;
  d.rankHeadline->setText(
      tr("Rank selection over ranks %1–%2, %3 restarts each: this run keeps rank %4 (red "
         "line)%5.%6")
          .arg(rangeFirst)
          .arg(rangeLast)
          .arg(restarts)
          .arg(chosen)
          .arg(chosen < rangeFirst || chosen > rangeLast ? tr(", outside the range: fitted anew")
                                                         : QString())
          .arg(boundNote));
  d.rankHeadline->setToolTip(
      tr("Read together: the rank where the error stops falling, the match "
         "score stays near 1 and core consistency stays high."));
}

void ConnectomePage::refreshAnatomyChoices() {
  auto& d = *impl_;
  d.anatomyBox->clear();
  d.anatomyBox->addItem(tr("(none)"), QVariant::fromValue<qulonglong>(io::kNoDataset));
  for (const auto& entry : d.session->entries())
    if (isAnatomicalTable(*entry.dataset))
      d.anatomyBox->addItem(QString::fromStdString(entry.dataset->name()),
                            QVariant::fromValue<qulonglong>(entry.id));
  d.anatomyBox->addItem(tr("Open connectome file…"), QString("open"));
  const int index = d.anatomyBox->findData(QVariant::fromValue<qulonglong>(d.anatomy));
  d.anatomyBox->setCurrentIndex(std::max(0, index));
}

void ConnectomePage::setAnatomy(io::DatasetId table) {
  auto& d = *impl_;
  const auto dataset = d.session->find(table);
  d.anatomy = dataset && isAnatomicalTable(*dataset) ? table : io::kNoDataset;
  const int index = d.anatomyBox->findData(QVariant::fromValue<qulonglong>(d.anatomy));
  if (index >= 0) d.anatomyBox->setCurrentIndex(index);
  refreshAnatomy();
}

void ConnectomePage::openAnatomyFile() {
  const QString path =
      QFileDialog::getOpenFileName(this, tr("Open an anatomical connectome"), QString(),
                                   tr("Connectome edge lists (*.json *.csv *.tsv);;All files (*)"));
  if (!path.isEmpty()) loadAnatomyFile(path);
}

void ConnectomePage::loadAnatomyFile(const QString& path) {
  auto read = std::make_shared<io::FileContents>();
  const std::string file = path.toStdString();
  runTask(
      tr("Reading %1").arg(path),
      [read, file](plugins::ProgressReporter&) {
        *read = io::ReaderRegistry::builtin().open(file);
      },
      [this, read, path](const QString& error) {
        if (!error.isEmpty()) {
          complain(tr("Anatomical connectome"), error);
          return;
        }
        for (const auto& dataset : read->datasets)
          if (isAnatomicalTable(*dataset)) {
            const auto id = impl_->session->add(dataset);
            refreshAnatomyChoices();
            setAnatomy(id);
            return;
          }
        complain(tr("Anatomical connectome"),
                 tr("%1 holds no table with pre, post and synapses columns").arg(path));
      });
}

void ConnectomePage::refreshAnatomy() {
  auto& d = *impl_;
  const std::size_t n = d.N;
  const auto& order = d.current.ordering.order;
  const auto table = std::dynamic_pointer_cast<const io::TableDataset>(d.session->find(d.anatomy));
  d.anatomyMatched = 0;
  d.anatomicalOverlay->set(table ? order : std::vector<std::size_t>{},
                           table ? d.current.ordering.groups : std::vector<int>{});
  if (!table || order.size() != n) {
    d.anatomical->setMatrix({}, 0, 0);
    d.anatomical->setTitle(table ? tr("Anatomical") : tr("Anatomical: choose a connectome above"));
    return;
  }
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < n; ++i) index[d.neuronNames[i]] = i;
  const auto& pre = table->column("pre")->strings();
  const auto& post = table->column("post")->strings();
  const auto& synapses = *table->numericColumn("synapses");
  const auto* type = table->column("type");
  const int filter = d.anatomyTypeBox->currentIndex();  // 0 all, 1 chemical, 2 electrical
  std::vector<double> counts(n * n, 0.0);
  std::vector<bool> named(n, false);
  for (std::size_t row = 0; row < table->rowCount(); ++row) {
    const auto a = index.find(pre[row]), b = index.find(post[row]);
    if (a != index.end()) named[a->second] = true;
    if (b != index.end()) named[b->second] = true;
    if (a == index.end() || b == index.end()) continue;
    if (filter > 0 && type) {
      const std::string t = type->cellText(row);
      if ((filter == 1 && t != "chemical") || (filter == 2 && t != "electrical")) continue;
    }
    counts[a->second * n + b->second] += synapses[row];
  }
  d.anatomyMatched = static_cast<std::size_t>(std::count(named.begin(), named.end(), true));
  std::vector<double> shown(n * n);
  std::vector<double> nonzero;
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t c = 0; c < n; ++c) {
      const std::size_t i = order[r], j = order[c];
      shown[r * n + c] = named[i] && named[j] ? counts[i * n + j] : NAN;
      if (shown[r * n + c] > 0) nonzero.push_back(shown[r * n + c]);
    }
  std::sort(nonzero.begin(), nonzero.end());
  const double high =
      nonzero.empty()
          ? 1.0
          : std::max(
                1.0,
                nonzero[static_cast<std::size_t>(0.95 * static_cast<double>(nonzero.size() - 1))]);
  std::vector<QString> names;
  for (const auto i : order) names.push_back(QString::fromStdString(d.neuronNames[i]));
  d.anatomical->setMatrix(std::move(shown), n, n);
  d.anatomical->setColormap("magma");
  d.anatomical->setRange(0.0, high);
  d.anatomical->setRowLabels(names);
  d.anatomical->setColumnLabels(names);
  d.anatomical->setTitle(tr("Anatomical: %1 synapses pre (rows) → post, %2 of %3 neurons named")
                             .arg(QString::fromStdString(table->name()))
                             .arg(d.anatomyMatched)
                             .arg(n));
}

std::string ConnectomePage::saveState() const {
  auto json = nlohmann::json::parse(Page::saveState(), nullptr, false);
  if (!json.is_object()) json = nlohmann::json::object();
  const auto& d = *impl_;
  json["component"] = d.component;
  json["level"] = d.level;
  json["edge_threshold_percent"] = d.thresholdPercent;
  json["animal"] = d.animalBox->currentIndex();
  json["anatomy_type"] = d.anatomyTypeBox->currentIndex();
  if (d.bottomTabs) json["bottom_tab"] = d.bottomTabs->currentIndex();
  if (const auto anatomy = d.session->find(d.anatomy)) json["anatomy"] = anatomy->datasetId();
  return json.dump();
}

void ConnectomePage::restoreState(const std::string& text) {
  Page::restoreState(text);
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object()) return;
  auto& d = *impl_;
  auto integer = [&](const char* key, int fallback) {
    return json.contains(key) && json[key].is_number_integer() ? json[key].get<int>() : fallback;
  };
  if (json.contains("anatomy") && json["anatomy"].is_string()) {
    const auto id = d.session->findByDatasetId(json["anatomy"].get<std::string>());
    if (id != io::kNoDataset) setAnatomy(id);
  }
  d.anatomyTypeBox->setCurrentIndex(std::clamp(integer("anatomy_type", 0), 0, 2));
  if (d.bottomTabs)
    d.bottomTabs->setCurrentIndex(
        std::clamp(integer("bottom_tab", 0), 0, d.bottomTabs->count() - 1));
  const int animal = integer("animal", 0);
  if (animal >= 0 && animal < d.animalBox->count()) d.animalBox->setCurrentIndex(animal);
  d.threshold->blockSignals(true);
  d.thresholdPercent = std::clamp(integer("edge_threshold_percent", d.thresholdPercent), 0, 95);
  d.threshold->setValue(d.thresholdPercent);
  d.threshold->blockSignals(false);
  d.component = std::clamp(integer("component", d.component), 0, static_cast<int>(d.R) - 1);
  d.level = std::clamp(integer("level", 0), 0, levelCount() - 1);
  d.componentBox->blockSignals(true);
  d.componentBox->setCurrentIndex(d.component);
  d.componentBox->blockSignals(false);
  refresh();
}

namespace {

class ConnectomeProvider final : public ViewProvider {
 public:
  std::string id() const override { return "connectome.factors"; }
  ViewMatch match(const io::Session& session,
                  const std::vector<io::DatasetId>& offered) const override {
    for (const auto id : offered) {
      const auto time = timeFactorsFor(session, id);
      if (time == io::kNoDataset) continue;
      std::vector<io::DatasetId> shown{time, siblingOutput(session, time, "animal_factors"),
                                       siblingOutput(session, time, "pair_factors")};
      return {80, shown};
    }
    return {};
  }
  Page* create(PageHost& host, const std::vector<io::DatasetId>& datasets) const override {
    auto* page = new ConnectomePage(host.session(), datasets.at(0));
    page->setHost(&host);
    page->setWindowTitle(QObject::tr("Connectome factors"));
    return page;
  }
};

}  // namespace

NL_REGISTER_VIEW_PROVIDER(ConnectomeProvider)

}  // namespace nl::widgets
