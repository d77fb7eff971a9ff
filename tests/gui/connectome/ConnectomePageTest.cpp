// The connectome.factors page on a planted factorization shaped as the
// connectome plugins' contract says (docs/CONNECTOME.md): an affinity run
// (tensor, aligned_traces, stimulus_epochs), an ntf run on its tensor (two
// components, each with its own planted 3-community pair factor) and a
// communities run on the ntf run's pair_factors, all linked by provenance.
// The registry picks the page; the affinity matrix shows the planted blocks
// (bright inside, dark between, boundaries drawn); the charts draw; stepping
// the component with ] changes the matrix and the ordering; matrix and graph
// clicks select neurons and the trace view follows; the White 1986
// connectome is drawn for the same neurons; saveState/restoreState bring
// the component and level back; without a communities run the page's own
// clustering finds the blocks; with neuron positions the graph is 3D.
// A real connectome.ntf run with rank_min … rank_max charts its
// rank_selection table (error, factor match score, core consistency against
// the rank, the kept rank marked); a run without one has no such panel.
// Set NEUROLOUPE_TEST_SCREENSHOTS=DIR to keep the pictures.
#include <gtest/gtest.h>

#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QTabWidget>
#include <QTest>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "GuiTestUtil.h"
#include "io/ReaderRegistry.h"
#include "io/Session.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"
#include "tests/support/TestSupport.h"
#include "widgets/VtkView.h"
#include "widgets/charts/Chart.h"
#include "widgets/charts/HeatMap.h"
#include "widgets/pages/ViewRegistry.h"
#include "widgets/pages/connectome/ConnectomePage.h"

using nl::io::ArrayDataset;
using nl::io::Column;
using nl::io::DatasetId;
using nl::io::DatasetKind;
using nl::io::Provenance;
using nl::io::TableDataset;
using nl::test::waitUntil;

namespace {

const std::vector<std::string> kNames = {
    "AVAL", "AVAR", "AVBR", "AVBL", "PVCR", "RIAL", "PVCL",  "RIAR", "DVA",  "AVEL",
    "AVER", "AVDR", "AVDL", "AIBR", "RIMR", "DVC",  "AIBL",  "AIZL", "AVKL", "RIH",
    "AVFL", "RIBL", "RIBR", "PVPR", "AIAR", "RIML", "RMDDR", "OLLR", "AVFR", "PVPL"};
constexpr std::size_t N = 30, R = 2, T = 60, A = 3, kFrames = 600;
constexpr double kRate = 2.0;

// The planted community of neuron i in component r.
int planted(std::size_t r, std::size_t i) {
  return r == 0 ? static_cast<int>(i % 3) : static_cast<int>((i * 7 % 30) / 10);
}

std::size_t pairOf(std::size_t i, std::size_t j) {
  if (i > j) std::swap(i, j);
  return i * N - i * (i + 1) / 2 + (j - i - 1);
}

void keep(QWidget& widget, const char* name) {
  if (const char* dir = std::getenv("NEUROLOUPE_TEST_SCREENSHOTS"))
    widget.grab().save(QString("%1/%2.png").arg(dir, name));
}

Provenance output(const std::string& run, const std::string& plugin, const std::string& name,
                  std::vector<nl::io::ProvenanceInput> inputs = {}) {
  Provenance p;
  p.runId = run;
  p.pluginId = plugin;
  p.outputName = name;
  p.pluginVersion = "1.0.0";
  p.inputs = std::move(inputs);
  return p;
}

nl::io::ProvenanceInput derivedInput(const std::string& port, const nl::io::Dataset& dataset) {
  nl::io::ProvenanceInput input;
  input.port = port;
  input.datasetId = dataset.datasetId();
  input.name = dataset.name();
  input.runId = dataset.provenance().runId;
  input.outputName = dataset.provenance().outputName;
  return input;
}

struct Planted {
  nl::io::Session session;
  DatasetId time = 0, animal = 0, pair = 0, labels = 0, traces = 0, tensor = 0;
};

// The three runs' outputs. `communities`: add the communities run;
// `positions`: the neurons have 3D positions.
std::unique_ptr<Planted> plantedSession(bool communities, bool positions) {
  auto s = std::make_unique<Planted>();
  std::mt19937 rng(17);
  std::uniform_real_distribution<double> noise(0.0, 1.0);
  const nlohmann::json names = kNames;
  nlohmann::json animals = {"worm 1", "worm 2", "worm 3"}, centres = nlohmann::json::array();
  for (std::size_t t = 0; t < T; ++t) centres.push_back(2.5 + 5.0 * static_cast<double>(t));
  nlohmann::json where = nlohmann::json::array();
  for (std::size_t i = 0; i < N; ++i)  // three clusters in space, by component 0's communities
    where.push_back({10.0 * planted(0, i) + noise(rng), 5.0 * std::sin(static_cast<double>(i)),
                     2.0 * std::cos(static_cast<double>(i))});
  // Stimulus: light 50–100 s and 150–200 s, odour 250–280 s.
  const std::vector<std::array<double, 2>> epochs = {{50, 100}, {150, 200}, {250, 280}};
  auto lit = [&](double seconds) {
    return (seconds >= 50 && seconds < 100) || (seconds >= 150 && seconds < 200);
  };

  // Affinity run.
  const std::size_t P = N * (N - 1) / 2;
  std::vector<double> tensor(T * A * P);
  for (std::size_t t = 0; t < T; ++t)
    for (std::size_t a = 0; a < A; ++a)
      for (std::size_t i = 0; i < N; ++i)
        for (std::size_t j = i + 1; j < N; ++j) {
          const double c = lit(2.5 + 5.0 * t) ? 0 : 1;
          tensor[(t * A + a) * P + pairOf(i, j)] =
              planted(static_cast<std::size_t>(c), i) == planted(static_cast<std::size_t>(c), j)
                  ? 0.8
                  : 0.1;
        }
  const auto tensorData = std::make_shared<ArrayDataset>(
      DatasetKind::Array, "tensor", std::vector<std::size_t>{T, A, P}, tensor,
      output("affinity-run", "connectome.affinity", "tensor"),
      nl::io::Attributes{{"axes", "window, animal, pair"},
                         {"neuron_names", names.dump()},
                         {"animal_names", animals.dump()},
                         {"window_centres", centres.dump()},
                         {"window_length", "5"},
                         {"method", "differential"}});
  s->tensor = s->session.add(tensorData);
  std::vector<double> traces(A * kFrames * N);
  for (std::size_t a = 0; a < A; ++a)
    for (std::size_t f = 0; f < kFrames; ++f)
      for (std::size_t i = 0; i < N; ++i) {
        const double seconds = static_cast<double>(f) / kRate;
        const int c = lit(seconds) ? planted(0, i) : planted(1, i);
        traces[(a * kFrames + f) * N + i] =
            (a == 2 && i == 29) ? NAN : std::sin(seconds * (0.3 + 0.2 * c)) + 0.2 * noise(rng);
      }
  s->traces = s->session.add(std::make_shared<ArrayDataset>(
      DatasetKind::Array, "aligned_traces", std::vector<std::size_t>{A, kFrames, N}, traces,
      output("affinity-run", "connectome.affinity", "aligned_traces"),
      nl::io::Attributes{{"axes", "animal, frame, neuron"},
                         {"frame_rate", "2"},
                         {"neuron_names", names.dump()},
                         {"animal_names", animals.dump()}}));
  std::vector<double> start, stop;
  std::vector<std::string> label;
  for (std::size_t e = 0; e < epochs.size(); ++e) {
    start.push_back(epochs[e][0]);
    stop.push_back(epochs[e][1]);
    label.push_back(e < 2 ? "light" : "odour");
  }
  s->session.add(std::make_shared<TableDataset>(
      DatasetKind::Table, "stimulus_epochs",
      std::vector<Column>{{"start", start}, {"stop", stop}, {"label", label}},
      output("affinity-run", "connectome.affinity", "stimulus_epochs")));

  // NTF run on the tensor.
  const std::vector<nl::io::ProvenanceInput> ntfInputs = {derivedInput("tensor", *tensorData)};
  std::vector<double> timeFactors(T * R), animalFactors(A * R), pairFactors(P * R);
  for (std::size_t t = 0; t < T; ++t) {
    const bool on = lit(2.5 + 5.0 * static_cast<double>(t));
    timeFactors[t * R + 0] = (on ? 1.0 : 0.1) + 0.05 * noise(rng);
    timeFactors[t * R + 1] = (on ? 0.1 : 0.8) + 0.05 * noise(rng);
  }
  for (std::size_t a = 0; a < A; ++a)
    for (std::size_t r = 0; r < R; ++r) animalFactors[a * R + r] = 0.5 + 0.2 * a + 0.3 * r;
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t j = i + 1; j < N; ++j)
      for (std::size_t r = 0; r < R; ++r)
        pairFactors[pairOf(i, j) * R + r] =
            planted(r, i) == planted(r, j) ? 0.9 + 0.1 * noise(rng) : 0.05 + 0.05 * noise(rng);
  nl::io::Attributes pairAttributes{{"neuron_names", names.dump()}};
  if (positions) pairAttributes["neuron_positions"] = where.dump();
  const nlohmann::json weights = {3.0, 2.0};
  s->time = s->session.add(std::make_shared<ArrayDataset>(
      DatasetKind::Array, "time_factors", std::vector<std::size_t>{T, R}, timeFactors,
      output("ntf-run", "connectome.ntf", "time_factors", ntfInputs),
      nl::io::Attributes{{"window_centres", centres.dump()},
                         {"component_weights", weights.dump()}}));
  s->animal = s->session.add(std::make_shared<ArrayDataset>(
      DatasetKind::Array, "animal_factors", std::vector<std::size_t>{A, R}, animalFactors,
      output("ntf-run", "connectome.ntf", "animal_factors", ntfInputs),
      nl::io::Attributes{{"animal_names", animals.dump()}}));
  const auto pairData = std::make_shared<ArrayDataset>(
      DatasetKind::Array, "pair_factors", std::vector<std::size_t>{P, R}, pairFactors,
      output("ntf-run", "connectome.ntf", "pair_factors", ntfInputs), pairAttributes);
  s->pair = s->session.add(pairData);

  if (communities) {
    // Level 0: the planted communities; level 1: communities 0 and 1 merged.
    std::vector<double> component, level, node, community;
    std::vector<std::string> name;
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t l = 0; l < 2; ++l)
        for (std::size_t i = 0; i < N; ++i) {
          component.push_back(static_cast<double>(r));
          level.push_back(static_cast<double>(l));
          node.push_back(static_cast<double>(i));
          name.push_back(kNames[i]);
          const int c = planted(r, i);
          community.push_back(l == 0 ? c : (c == 2 ? 1 : 0));
        }
    s->labels = s->session.add(
        std::make_shared<TableDataset>(DatasetKind::Table, "labels",
                                       std::vector<Column>{{"component", component},
                                                           {"level", level},
                                                           {"node", node},
                                                           {"name", name},
                                                           {"community", community}},
                                       output("communities-run", "connectome.communities", "labels",
                                              {derivedInput("pair_factors", *pairData)})));
  }
  return s;
}

class TestHost final : public nl::widgets::PageHost {
 public:
  explicit TestHost(nl::io::Session& session) : session_(session) {}
  nl::io::Session& session() override { return session_; }
  const nl::plugins::PluginManager& plugins() const override { return plugins_; }
  void showMessage(const QString&, int) override {}
  void report(const QString& title, const QString& message) override {
    reports.push_back((title + ": " + message).toStdString());
  }
  void log(const QString&) override {}
  void trackJob(nl::plugins::Job*, const QString&) override { ++jobs; }
  std::vector<nl::widgets::Page*> pages() const override { return {}; }
  nl::widgets::Page* currentPage() const override { return nullptr; }
  void openView(DatasetId) override {}
  std::vector<std::string> reports;
  int jobs = 0;

 private:
  nl::io::Session& session_;
  nl::plugins::PluginManager plugins_;
};

std::unique_ptr<nl::widgets::ConnectomePage> openPage(TestHost& host, DatasetId id) {
  const auto choice =
      nl::widgets::ViewRegistry::instance().best(host.session(), {id}, {"connectome.factors"});
  EXPECT_NE(choice.provider, nullptr);
  if (!choice.provider) return nullptr;
  EXPECT_EQ(choice.provider->id(), "connectome.factors");
  std::unique_ptr<nl::widgets::ConnectomePage> page(dynamic_cast<nl::widgets::ConnectomePage*>(
      choice.provider->create(host, choice.match.datasets)));
  EXPECT_TRUE(page);
  if (!page) return nullptr;
  page->resize(1600, 980);
  page->show();
  EXPECT_TRUE(QTest::qWaitForWindowExposed(page.get()));
  EXPECT_TRUE(waitUntil([&] { return !page->isBusy(); }));
  QCoreApplication::processEvents();
  return page;
}

// Whether the page's groups are the planted partition of component r (up to names).
bool samePartition(const std::vector<int>& groups, std::size_t r) {
  if (groups.size() != N) return false;
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t j = 0; j < N; ++j)
      if ((groups[i] == groups[j]) != (planted(r, i) == planted(r, j))) return false;
  return true;
}

// Mean brightness of the matrix cells inside the communities and between them.
std::pair<double, double> blockContrast(nl::widgets::HeatMap& map,
                                        const nl::widgets::ConnectomePage& page, std::size_t r) {
  const QImage image = map.grab().toImage();
  const QRectF m = map.matrixRect();
  const auto& order = page.neuronOrder();
  double inside = 0, between = 0;
  int nInside = 0, nBetween = 0;
  for (std::size_t a = 0; a < N; ++a)
    for (std::size_t b = 0; b < N; ++b) {
      if (a == b) continue;
      // The centre of the cell (a, b), a quarter cell in from any outline.
      const int x = static_cast<int>(m.left() + (b + 0.5) * m.width() / N);
      const int y = static_cast<int>(m.top() + (a + 0.5) * m.height() / N);
      const double v = QColor(image.pixel(x, y)).valueF();
      if (planted(r, order[a]) == planted(r, order[b]))
        inside += v, ++nInside;
      else
        between += v, ++nBetween;
    }
  return {inside / nInside, between / nBetween};
}

int paletteBlue(const QImage& image) {
  return nl::test::countNear(image, QColor(31, 119, 180), 20);
}

}  // namespace

TEST(ConnectomePage, TheRegistryPicksItForTheRunAndForItsCommunities) {
  auto s = plantedSession(true, false);
  auto& registry = nl::widgets::ViewRegistry::instance();
  for (const auto id : {s->time, s->animal, s->pair, s->labels}) {
    const auto choice = registry.best(s->session, {id}, {"connectome.factors"});
    ASSERT_NE(choice.provider, nullptr);
    EXPECT_EQ(choice.provider->id(), "connectome.factors");
    EXPECT_EQ(choice.match.score, 100);
    ASSERT_FALSE(choice.match.datasets.empty());
    EXPECT_EQ(choice.match.datasets.front(), s->time);
  }
  // Undeclared, it is still the page of the run (80), not a generic view.
  const auto plain = registry.best(s->session, {s->pair});
  ASSERT_NE(plain.provider, nullptr);
  EXPECT_EQ(plain.provider->id(), "connectome.factors");
  EXPECT_EQ(plain.match.score, 80);
  // The affinity run's outputs are not its to show.
  const auto tensor = registry.best(s->session, {s->tensor});
  EXPECT_TRUE(!tensor.provider || tensor.provider->id() != "connectome.factors");
}

TEST(ConnectomePage, ShowsThePlantedBlocksAndFollowsTheComponent) {
  auto s = plantedSession(true, false);
  const auto white = nl::test::fixtures() / "calcium/celegans_flavell/white_1986_whole.json";
  const bool haveWhite = std::filesystem::exists(white);
  if (haveWhite)
    for (const auto& d : nl::io::ReaderRegistry::builtin().open(white).datasets) s->session.add(d);
  TestHost host(s->session);
  auto page = openPage(host, s->time);
  ASSERT_TRUE(page);
  EXPECT_TRUE(host.reports.empty()) << host.reports.front();
  EXPECT_TRUE(page->hasCommunities());
  EXPECT_TRUE(page->hasTraces());
  EXPECT_TRUE(page->hasStimulusEpochs());
  EXPECT_FALSE(page->hasPositions());
  EXPECT_EQ(page->componentCount(), 2);
  EXPECT_EQ(page->levelCount(), 2);
  EXPECT_EQ(page->neuronCount(), N);
  EXPECT_TRUE(samePartition(page->neuronGroups(), 0));

  // The functional matrix: bright blocks on the diagonal, dark between.
  auto* functional = page->findChild<nl::widgets::HeatMap*>("functionalMatrix");
  ASSERT_NE(functional, nullptr);
  const auto [inside, between] = blockContrast(*functional, *page, 0);
  EXPECT_GT(inside, 0.8);
  EXPECT_LT(between, 0.45);
  // Block outlines (white) are drawn.
  const QImage before = functional->grab().toImage();
  EXPECT_GT(nl::test::countNear(before, Qt::white, 10, functional->matrixRect().toRect()), 300);
  keep(*page, "connectome_page");

  // The temporal factors chart draws component 1 (blue) and the epochs.
  auto* timeChart = page->findChild<nl::widgets::Chart*>("timeFactors");
  ASSERT_NE(timeChart, nullptr);
  EXPECT_GT(paletteBlue(timeChart->grab().toImage()), 200);
  ASSERT_GE(timeChart->series().size(), 4u);  // two epoch bands + two components
  EXPECT_EQ(timeChart->series().back().name, "component 1");
  auto* animalChart = page->findChild<nl::widgets::Chart*>("animalFactors");
  ASSERT_NE(animalChart, nullptr);
  EXPECT_GT(paletteBlue(animalChart->grab().toImage()), 200);

  // The graph: nodes in the community colours.
  auto* graph = page->findChild<QWidget*>("communityGraph");
  ASSERT_NE(graph, nullptr);
  const QImage graphImage = graph->grab().toImage();
  EXPECT_GT(paletteBlue(graphImage), 30);
  EXPECT_GT(nl::test::countNear(graphImage, QColor(255, 127, 14), 20), 30);
  EXPECT_GT(nl::test::countNear(graphImage, QColor(44, 160, 44), 20), 30);
  keep(*graph, "connectome_graph_component1");

  // The anatomical connectome of the same neurons in the same order.
  if (haveWhite) {
    EXPECT_NE(page->anatomy(), nl::io::kNoDataset);
    EXPECT_EQ(page->anatomyMatched(), N);
    auto* anatomical = page->findChild<nl::widgets::HeatMap*>("anatomicalMatrix");
    ASSERT_NE(anatomical, nullptr);
    const QImage anatomy = anatomical->grab().toImage();
    EXPECT_GT(nl::test::distinctColours(anatomy, anatomical->matrixRect().toRect()), 8);
    // AVAL → AVAR: 2 chemical + 5 electrical synapses in White 1986.
    const auto& order = page->neuronOrder();
    const auto rowOf = [&](std::size_t neuron) {
      return static_cast<std::size_t>(std::find(order.begin(), order.end(), neuron) -
                                      order.begin());
    };
    const auto csv = anatomical->toCsv().split('\n');
    const auto cells = csv.at(static_cast<int>(rowOf(0)) + 1).split(',');
    EXPECT_EQ(cells.at(static_cast<int>(rowOf(1)) + 1).toDouble(), 7.0);
  }

  // ] steps to component 2: another ordering, another picture.
  page->activateWindow();
  ASSERT_TRUE(QTest::qWaitForWindowActive(page.get()));
  QTest::keyClick(page.get(), Qt::Key_BracketRight);
  EXPECT_EQ(page->component(), 1);
  ASSERT_TRUE(waitUntil([&] { return !page->isBusy(); }));
  QCoreApplication::processEvents();
  EXPECT_TRUE(samePartition(page->neuronGroups(), 1));
  const QImage after = functional->grab().toImage();
  EXPECT_GT(nl::test::differingFraction(before, after, 30), 0.05);
  const auto [inside2, between2] = blockContrast(*functional, *page, 1);
  EXPECT_GT(inside2, 0.8);
  EXPECT_LT(between2, 0.45);
  EXPECT_EQ(timeChart->series().back().name, "component 2");
  keep(*page, "connectome_page_component2");
  QTest::keyClick(page.get(), Qt::Key_BracketLeft);
  EXPECT_EQ(page->component(), 0);
  ASSERT_TRUE(waitUntil([&] { return !page->isBusy(); }));
  QTest::keyClick(page.get(), Qt::Key_BracketRight);
  ASSERT_TRUE(waitUntil([&] { return !page->isBusy(); }));

  // A click on a matrix cell selects its two neurons; the traces follow.
  const QRectF m = functional->matrixRect();
  const auto& order = page->neuronOrder();
  QTest::mouseClick(functional, Qt::LeftButton, {},
                    QPoint(static_cast<int>(m.left() + 1.5 * m.width() / N),
                           static_cast<int>(m.top() + 0.5 * m.height() / N)));
  EXPECT_EQ(s->session.selection().dataset(), page->neuronItems());
  EXPECT_EQ(s->session.selection().indices().size(), 2u);
  EXPECT_TRUE(
      s->session.selection().contains(page->neuronItems(), static_cast<std::int64_t>(order[0])));
  EXPECT_TRUE(
      s->session.selection().contains(page->neuronItems(), static_cast<std::int64_t>(order[1])));
  auto* traces = page->findChild<nl::widgets::Chart*>("traces");
  ASSERT_NE(traces, nullptr);
  ASSERT_EQ(traces->series().size(), 2u);
  EXPECT_EQ(traces->series()[0].x.size(), kFrames);
  // The selected rows are outlined in the highlight colour.
  QCoreApplication::processEvents();
  EXPECT_GT(nl::test::countHighlight(functional->grab().toImage()), 100);

  // A click on a graph node selects that neuron.
  const QPointF node = page->graphNodePosition(5);
  ASSERT_GE(node.x(), 0);
  QTest::mouseClick(graph, Qt::LeftButton, {}, graph->mapFrom(page.get(), node.toPoint()));
  ASSERT_EQ(s->session.selection().indices().size(), 1u);
  EXPECT_EQ(s->session.selection().indices()[0], 5);
  ASSERT_EQ(traces->series().size(), 1u);
  EXPECT_EQ(traces->series()[0].name.toStdString(), kNames[5]);
  // Neuron 29 is missing in the third animal.
  page->findChild<QComboBox*>("animalBox")->setCurrentIndex(2);
  s->session.selection().select(page->neuronItems(), {29}, "test");
  ASSERT_EQ(traces->series().size(), 1u);
  EXPECT_TRUE(traces->series()[0].x.empty());
  s->session.selection().select(page->neuronItems(), {3, 4, 5}, "test");
  QCoreApplication::processEvents();
  EXPECT_GT(nl::test::countHighlight(graph->grab().toImage()), 30);
  keep(*page, "connectome_page_selected");

  // Level 1 merges two communities.
  page->setLevel(1);
  ASSERT_TRUE(waitUntil([&] { return !page->isBusy(); }));
  std::set<int> distinct(page->neuronGroups().begin(), page->neuronGroups().end());
  EXPECT_EQ(distinct.size(), 2u);

  // A connectome file opened from the page joins the session and is shown.
  const auto witvliet = nl::test::fixtures() / "calcium/celegans_flavell/witvliet_2020_8.json";
  if (std::filesystem::exists(witvliet)) {
    const auto shownBefore = page->anatomy();
    page->loadAnatomyFile(QString::fromStdString(witvliet.string()));
    ASSERT_TRUE(waitUntil([&] { return page->anatomy() != shownBefore; }));
    EXPECT_EQ(s->session.find(page->anatomy())->name(), "witvliet_2020_8");
    EXPECT_EQ(page->anatomyMatched(), N);
    EXPECT_EQ(page->findChild<QComboBox*>("anatomyBox")->currentText(), "witvliet_2020_8");
  }
  page->loadAnatomyFile("/nonexistent/connectome.json");
  ASSERT_TRUE(waitUntil([&] { return !host.reports.empty(); }));
  EXPECT_NE(host.reports.back().find("does not exist"), std::string::npos) << host.reports.back();

  // The component and level come back with the saved state.
  const std::string state = page->saveState();
  auto again = openPage(host, s->pair);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->component(), 0);
  again->restoreState(state);
  ASSERT_TRUE(waitUntil([&] { return !again->isBusy(); }));
  EXPECT_EQ(again->component(), 1);
  EXPECT_EQ(again->level(), 1);
  EXPECT_EQ(again->findChild<QComboBox*>("animalBox")->currentIndex(), 2);
  EXPECT_EQ(again->anatomy(), page->anatomy());
}

TEST(ConnectomePage, WithoutCommunitiesItClustersAndWithPositionsItDraws3D) {
  auto s = plantedSession(false, true);
  // Without an affinity run the page still opens (no traces, no epochs).
  s->session.remove(s->traces);
  TestHost host(s->session);
  auto page = openPage(host, s->time);
  ASSERT_TRUE(page);
  EXPECT_FALSE(page->hasCommunities());
  EXPECT_FALSE(page->hasTraces());
  EXPECT_TRUE(page->hasPositions());
  EXPECT_EQ(page->levelCount(), 1);
  // Average-linkage clusters recover the planted communities.
  EXPECT_TRUE(samePartition(page->neuronGroups(), 0));
  auto* functional = page->findChild<nl::widgets::HeatMap*>("functionalMatrix");
  ASSERT_NE(functional, nullptr);
  const auto [inside, between] = blockContrast(*functional, *page, 0);
  EXPECT_GT(inside, 0.8);
  EXPECT_LT(between, 0.45);
  page->setComponent(1);
  ASSERT_TRUE(waitUntil([&] { return !page->isBusy(); }));
  EXPECT_TRUE(samePartition(page->neuronGroups(), 1));

  // The 3D graph draws the neurons in their community colours.
  auto* view = page->findChild<nl::widgets::VtkView*>("communityScene");
  ASSERT_NE(view, nullptr);
  const QImage frame = nl::test::freshFrame(*view);
  int coloured = 0;
  for (const QColor c : {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44)})
    coloured += nl::test::countNear(frame, c, 45) > 20 ? 1 : 0;
  EXPECT_GE(coloured, 2);
  // The neurons are on screen.
  const QPointF p = page->graphNodePosition(4);
  ASSERT_GE(p.x(), 0);
  keep(*page, "connectome_page_3d");
}

namespace {

// A planted rank-2 tensor {T, A, P} of 8 neurons: component 1 on in the
// first half of the windows over neurons 0–3, component 2 in the second half
// over neurons 4–7, both in every animal, 1 % noise.
std::shared_ptr<ArrayDataset> plantedRankTwoTensor() {
  constexpr std::size_t kT = 24, kA = 3, kN = 8, kP = kN * (kN - 1) / 2;
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> jitter(0.0, 0.01);
  std::vector<double> values(kT * kA * kP);
  std::size_t p = 0;
  std::vector<std::array<double, 2>> pair(kP);
  for (std::size_t i = 0; i < kN; ++i)
    for (std::size_t j = i + 1; j < kN; ++j, ++p)
      pair[p] = {i < 4 && j < 4 ? 1.0 : 0.05, i >= 4 && j >= 4 ? 1.0 : 0.05};
  for (std::size_t t = 0; t < kT; ++t)
    for (std::size_t a = 0; a < kA; ++a)
      for (std::size_t q = 0; q < kP; ++q) {
        const double time0 = t < kT / 2 ? 1.0 : 0.1, time1 = t < kT / 2 ? 0.1 : 1.0;
        values[(t * kA + a) * kP + q] = time0 * (0.6 + 0.2 * a) * pair[q][0] +
                                        time1 * (1.0 - 0.2 * a) * pair[q][1] + jitter(rng);
      }
  return std::make_shared<ArrayDataset>(DatasetKind::Array, "planted rank-2 tensor",
                                        std::vector<std::size_t>{kT, kA, kP}, values);
}

// connectome.ntf on it through plugins::runPlugin, its outputs in `session`;
// returns the time_factors.
DatasetId runNtf(nl::io::Session& session, const std::map<std::string, std::string>& parameters) {
  const auto& plugins = nl::test::builtinPlugins();
  const auto* descriptor = plugins.find("connectome.ntf");
  if (descriptor == nullptr) return nl::io::kNoDataset;
  nl::plugins::RunRequest request;
  request.pluginId = "connectome.ntf";
  request.parameters = descriptor->parameters.parse(parameters);
  request.inputs["tensor"] = plantedRankTwoTensor();
  nl::plugins::ProgressReporter quiet;
  const auto result = nl::plugins::runPlugin(plugins, request, quiet);
  DatasetId time = nl::io::kNoDataset;
  for (const auto& o : result.outputs) {
    const auto id = session.add(o.dataset);
    if (o.name == "time_factors") time = id;
  }
  return time;
}

// Red pixels of the chosen-rank line in a narrow column at rank `rank`,
// between the chart's values `low` and `high`.
int redColumnAt(nl::widgets::Chart& chart, const QImage& image, double rank, double low,
                double high) {
  const QPointF top = chart.mapToPosition(QPointF(rank, high)),
                bottom = chart.mapToPosition(QPointF(rank, low));
  const QRect column(static_cast<int>(top.x()) - 2, static_cast<int>(top.y()), 5,
                     static_cast<int>(bottom.y() - top.y()));
  return nl::test::countNear(image, QColor(214, 39, 40), 40, column);
}

}  // namespace

TEST(ConnectomePage, ChartsTheRankSelectionOfARealRun) {
  if (!nl::test::requirePlugin(nl::test::builtinPlugins(), "connectome.ntf")) return;
  nl::io::Session session;
  const DatasetId time = runNtf(session, {{"rank", "2"},
                                          {"rank_min", "1"},
                                          {"rank_max", "4"},
                                          {"restarts", "2"},
                                          {"seed", "0"},
                                          {"threads", "1"}});
  ASSERT_NE(time, nl::io::kNoDataset);
  std::shared_ptr<const TableDataset> table;
  for (const auto& entry : session.entries())
    if (entry.dataset->provenance().outputName == "rank_selection")
      table = std::dynamic_pointer_cast<const TableDataset>(entry.dataset);
  ASSERT_TRUE(table);
  ASSERT_EQ(table->rowCount(), 8u);  // 4 ranks × 2 restarts
  const auto& rank = *table->numericColumn("rank");
  const auto& restart = *table->numericColumn("restart");
  const auto& error = *table->numericColumn("error");

  TestHost host(session);
  auto page = openPage(host, time);
  ASSERT_TRUE(page);
  EXPECT_TRUE(host.reports.empty()) << host.reports.front();
  EXPECT_TRUE(page->hasRankSelection());
  // A tab beside the factors, which stay the first thing shown.
  auto* tabs = page->findChild<QTabWidget*>("bottomTabs");
  ASSERT_NE(tabs, nullptr);
  ASSERT_EQ(tabs->count(), 2);
  EXPECT_EQ(tabs->currentIndex(), 0);
  EXPECT_EQ(tabs->tabText(1), "Rank selection");
  auto* panel = page->findChild<QWidget*>("rankSelection");
  ASSERT_NE(panel, nullptr);
  EXPECT_EQ(tabs->widget(1), panel);
  tabs->setCurrentWidget(panel);
  QCoreApplication::processEvents();
  EXPECT_TRUE(panel->isVisible());
  auto* headline = page->findChild<QLabel*>("rankSelectionHeadline");
  ASSERT_NE(headline, nullptr);
  EXPECT_TRUE(headline->text().contains("ranks 1–4, 2 restarts")) << headline->text().toStdString();
  EXPECT_TRUE(headline->text().contains("keeps rank 2")) << headline->text().toStdString();

  // Each chart: every restart a point with the table's values (a core
  // consistency below −100 % drawn off the scale, its tip saying the value),
  // one line point per rank, the kept rank's vertical line under them.
  const std::map<std::string, std::string> columns = {{"rankError", "error"},
                                                      {"rankSimilarity", "similarity"},
                                                      {"rankCoreConsistency", "core_consistency"}};
  for (const auto& [name, column] : columns) {
    SCOPED_TRACE(name);
    auto* chart = page->findChild<nl::widgets::Chart*>(QString::fromStdString(name));
    ASSERT_NE(chart, nullptr);
    EXPECT_TRUE(chart->isVisible());
    const auto& series = chart->series();
    ASSERT_GE(series.size(), 3u);
    // Marker first, then (core consistency) the bound, then the points and line.
    const auto& marker = series[0];
    const std::size_t firstPoints = series[1].name.startsWith("bound") ? 2 : 1;
    const auto& points = series[firstPoints];
    EXPECT_EQ(points.name, "restarts");
    EXPECT_EQ(points.style, nl::widgets::ChartSeries::Style::Scatter);
    const nl::widgets::ChartSeries* below = nullptr;
    for (const auto& other : series)
      if (other.name.startsWith("off scale")) below = &other;
    ASSERT_EQ(points.x.size() + (below ? below->x.size() : 0), table->rowCount());
    const auto& values = *table->numericColumn(column);
    std::size_t shown = 0, off = 0;
    for (std::size_t row = 0; row < table->rowCount(); ++row) {
      if (below && values[row] < -100.0) {
        ASSERT_EQ(column, "core_consistency");
        ASSERT_LT(off, below->x.size());
        EXPECT_EQ(below->x[off], rank[row]);
        EXPECT_LT(below->y[off], -100.0);
        EXPECT_TRUE(below->tips[off].contains(QString::number(values[row], 'f', 1)))
            << below->tips[off].toStdString();
        ++off;
        continue;
      }
      ASSERT_LT(shown, points.x.size());
      EXPECT_EQ(points.x[shown], rank[row]);
      EXPECT_EQ(points.y[shown], values[row]);
      ++shown;
    }
    EXPECT_EQ(series[firstPoints + 1].x, (std::vector<double>{1, 2, 3, 4}));
    EXPECT_EQ(marker.name, "kept rank");
    EXPECT_EQ(marker.x, (std::vector<double>{2, 2}));

    // Real pixels: the restarts' points (blue), the line (orange) and the
    // red line at rank 2 only.
    const QImage image = chart->grab().toImage();
    keep(*chart, ("connectome_" + name).c_str());
    EXPECT_GT(paletteBlue(image), 40);
    EXPECT_GT(nl::test::countNear(image, QColor(255, 127, 14), 20), 40);
    const double low = marker.y.front(), high = marker.y.back();
    ASSERT_LT(low, high);
    EXPECT_GT(redColumnAt(*chart, image, 2.0, low, high), 40);
    EXPECT_EQ(redColumnAt(*chart, image, 3.5, low, high), 0);
  }

  // Three animals cap core consistency at 100·3/rank: the bound is drawn and
  // the table keeps to it.
  auto* coreChart = page->findChild<nl::widgets::Chart*>("rankCoreConsistency");
  const auto& bound = coreChart->series().at(1);
  EXPECT_EQ(bound.name, "bound");
  EXPECT_TRUE(bound.tips.at(3).endsWith("cannot exceed 75.0 % with 3 animals"))
      << bound.tips.at(3).toStdString();
  EXPECT_EQ(bound.y, (std::vector<double>{100, 100, 100, 75}));
  const auto& core = *table->numericColumn("core_consistency");
  for (std::size_t row = 0; row < table->rowCount(); ++row)
    EXPECT_LE(core[row], std::min(100.0, 300.0 / rank[row]) + 1e-6) << "row " << row;
  EXPECT_TRUE(headline->text().contains("With 3 animals")) << headline->text().toStdString();

  // The tab comes back with the saved state.
  const std::string state = page->saveState();
  auto again = openPage(host, time);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->findChild<QTabWidget*>("bottomTabs")->currentIndex(), 0);
  again->restoreState(state);
  EXPECT_EQ(again->findChild<QTabWidget*>("bottomTabs")->currentIndex(), 1);
  again.reset();

  // Error: the line is each rank's lowest error; the planted rank 2 fits to
  // the noise and far below rank 1.
  auto* errorChart = page->findChild<nl::widgets::Chart*>("rankError");
  const auto& best = errorChart->series()[2];
  for (std::size_t k = 0; k < 4; ++k) {
    double lowest = INFINITY;
    for (std::size_t row = 0; row < table->rowCount(); ++row)
      if (rank[row] == static_cast<double>(k + 1)) lowest = std::min(lowest, error[row]);
    EXPECT_EQ(best.y[k], lowest);
  }
  EXPECT_LT(best.y[1], 0.05);
  EXPECT_GT(best.y[0], 5 * best.y[1]);
  // Hovering a point names its rank, restart and value (of the nearest point
  // on screen: two restarts that reached the same error share a pixel).
  for (std::size_t row = 0; row < table->rowCount(); ++row) {
    const QString tip = errorChart->hoverText(1, QPointF(rank[row], error[row]));
    const QString prefix = QString("rank %1, restart ").arg(std::lround(rank[row]));
    ASSERT_TRUE(tip.startsWith(prefix)) << tip.toStdString();
    const int named = tip.mid(prefix.size()).section(':', 0, 0).toInt();
    std::size_t same = row;
    for (std::size_t other = 0; other < table->rowCount(); ++other)
      if (rank[other] == rank[row] && restart[other] == named) same = other;
    EXPECT_LT(std::abs(error[same] - error[row]), 0.01 * (best.y[0] - best.y[1]))
        << tip.toStdString();
    EXPECT_TRUE(tip.startsWith(
        QString("%1%2: error %3").arg(prefix).arg(named).arg(error[same], 0, 'f', 4)))
        << tip.toStdString();
  }
  const QString lineTip = errorChart->hoverText(2, QPointF(1.0, best.y[0]));
  EXPECT_TRUE(lineTip.startsWith("rank 1, best restart ")) << lineTip.toStdString();
  EXPECT_TRUE(lineTip.endsWith(QString(": error %1").arg(best.y[0], 0, 'f', 4)))
      << lineTip.toStdString();
  keep(*page, "connectome_page_rank_selection");

  // The same tensor without rank selection: no panel.
  nl::io::Session plain;
  const DatasetId plainTime = runNtf(plain, {{"rank", "2"}, {"seed", "0"}, {"threads", "1"}});
  ASSERT_NE(plainTime, nl::io::kNoDataset);
  TestHost plainHost(plain);
  auto plainPage = openPage(plainHost, plainTime);
  ASSERT_TRUE(plainPage);
  EXPECT_FALSE(plainPage->hasRankSelection());
  EXPECT_EQ(plainPage->findChild<QWidget*>("rankSelection"), nullptr);
  EXPECT_EQ(plainPage->findChild<nl::widgets::Chart*>("rankError"), nullptr);
}

// The zebrafish tectum (Triplett 2018: 75 neurons, 5,660 frames, one animal)
// as docs/CONNECTOME.md runs it: connectome.affinity (500-frame windows, the
// cell coordinates) → connectome.ntf with ranks 1–6 × 3 restarts, kept rank
// 4. One animal caps core consistency at 100/rank: the page draws that bound
// and says so. NEUROLOUPE_TEST_SCREENSHOTS keeps the rank selection tab.
TEST(ConnectomePage, ZebrafishRankSelectionFromTheAffinityRun) {
  for (const char* plugin : {"connectome.affinity", "connectome.ntf"})
    if (!nl::test::requirePlugin(nl::test::builtinPlugins(), plugin)) return;
  NL_REQUIRE_FIXTURE("calcium/zebrafish_tectum_triplett2018");
  const auto folder = nl::test::fixtures() / "calcium/zebrafish_tectum_triplett2018";
  auto read = [](const std::filesystem::path& path) {
    return nl::io::ReaderRegistry::builtin().open(path).datasets.at(0);
  };
  nl::io::Session session;
  const auto affinity = nl::test::runBuiltinPlugin(
      "connectome.affinity",
      {{"traces", read(folder / "zf_20170215-f3_activity_matrix.csv")},
       {"positions", read(folder / "zf_20170215-f3_cell_coordinates.csv")}},
      {{"window_length", "500"}, {"window_step", "500"}});
  std::shared_ptr<const nl::io::Dataset> tensor;
  for (const auto& o : affinity.outputs) {
    session.add(o.dataset);
    if (o.name == "tensor") tensor = o.dataset;
  }
  ASSERT_TRUE(tensor);
  const auto ntf = nl::test::runBuiltinPlugin(
      "connectome.ntf", {{"tensor", tensor}},
      {{"rank", "4"}, {"rank_min", "1"}, {"rank_max", "6"}, {"restarts", "3"}, {"seed", "0"}});
  DatasetId time = nl::io::kNoDataset;
  std::shared_ptr<const TableDataset> table;
  for (const auto& o : ntf.outputs) {
    const auto id = session.add(o.dataset);
    if (o.name == "time_factors") time = id;
    if (o.name == "rank_selection")
      table = std::dynamic_pointer_cast<const TableDataset>(o.dataset);
  }
  ASSERT_NE(time, nl::io::kNoDataset);
  ASSERT_TRUE(table);
  ASSERT_EQ(table->rowCount(), 18u);

  TestHost host(session);
  auto page = openPage(host, time);
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->hasTraces());
  EXPECT_TRUE(page->hasPositions());
  ASSERT_TRUE(page->hasRankSelection());
  auto* tabs = page->findChild<QTabWidget*>("bottomTabs");
  ASSERT_NE(tabs, nullptr);
  tabs->setCurrentIndex(1);
  QCoreApplication::processEvents();
  auto* headline = page->findChild<QLabel*>("rankSelectionHeadline");
  ASSERT_NE(headline, nullptr);
  EXPECT_TRUE(headline->text().contains("ranks 1–6, 3 restarts each"))
      << headline->text().toStdString();
  EXPECT_TRUE(headline->text().contains("keeps rank 4")) << headline->text().toStdString();
  EXPECT_TRUE(headline->text().contains("With 1 animal,")) << headline->text().toStdString();

  // The best error falls with every added component; core consistency keeps
  // under 100/rank, the drawn bound.
  auto* errorChart = page->findChild<nl::widgets::Chart*>("rankError");
  ASSERT_NE(errorChart, nullptr);
  const auto& best = errorChart->series().at(2);
  ASSERT_EQ(best.y.size(), 6u);
  for (std::size_t k = 1; k < 6; ++k) EXPECT_LT(best.y[k], best.y[k - 1]) << "rank " << k + 1;
  auto* coreChart = page->findChild<nl::widgets::Chart*>("rankCoreConsistency");
  ASSERT_NE(coreChart, nullptr);
  const auto& bound = coreChart->series().at(1);
  EXPECT_EQ(bound.name, "bound");
  EXPECT_TRUE(bound.tips.at(5).endsWith("cannot exceed 16.7 % with 1 animal"))
      << bound.tips.at(5).toStdString();
  const auto& rank = *table->numericColumn("rank");
  const auto& core = *table->numericColumn("core_consistency");
  for (std::size_t row = 0; row < table->rowCount(); ++row)
    EXPECT_LE(core[row], 100.0 / rank[row] + 1e-6) << "row " << row;

  // Real pixels: the kept rank's red line at 4 in each chart, none at 5.5.
  for (auto* chart :
       {errorChart, page->findChild<nl::widgets::Chart*>("rankSimilarity"), coreChart}) {
    ASSERT_NE(chart, nullptr);
    const auto& marker = chart->series().front();
    EXPECT_EQ(marker.x, (std::vector<double>{4, 4}));
    const QImage image = chart->grab().toImage();
    EXPECT_GT(redColumnAt(*chart, image, 4.0, marker.y.front(), marker.y.back()), 40);
    EXPECT_EQ(redColumnAt(*chart, image, 5.5, marker.y.front(), marker.y.back()), 0);
  }
  keep(*page, "connectome_zebrafish_rank_selection");
  // At the size the app's window gives the page (1400 × 880 less the docks)
  // the charts keep a readable height.
  page->resize(1060, 650);
  QCoreApplication::processEvents();
  EXPECT_GE(errorChart->height(), 220);
  keep(*page, "connectome_zebrafish_rank_selection_small");
}
