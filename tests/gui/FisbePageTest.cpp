// The FISBe evaluation page from a real run of fisbe.evaluate through the
// main window, on planted outcomes: a neuron predicted exactly, one split in
// two, one missed, two merged by one prediction, a prediction on background
// and one too small to be scored. The page must colour each instance by what
// happened to it, link its tables and 3D views, and share one camera.
#include <gtest/gtest.h>

#include <QPlainTextEdit>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include "GuiTestUtil.h"
#include "app/gui/MainWindow.h"
#include "io/ReaderRegistry.h"
#include "io/ResultFile.h"
#include "io/hdf5/H5.h"
#include "io/microscopy/VolumeDataset.h"
#include "plugins/Runner.h"
#include "widgets/JobsPanel.h"
#include "widgets/Screenshot.h"
#include "widgets/TableView.h"
#include "widgets/VtkView.h"
#include "widgets/charts/Chart.h"
#include "widgets/pages/fisbe/FisbePage.h"
#include "widgets/scene/LabelVolumeLayer.h"
#include "widgets/scene/Scene.h"

namespace {

namespace mi = nl::io::microscopy;
using Outcome = nl::widgets::FisbePage::Outcome;

constexpr std::size_t D = 20, H = 60, W = 100;

struct Block {
  std::size_t z0, z1, y0, y1, x0, x1;
};

void fill(std::vector<std::uint8_t>& values, std::size_t channel, const Block& b,
          std::uint8_t value) {
  for (std::size_t z = b.z0; z < b.z1; ++z)
    for (std::size_t y = b.y0; y < b.y1; ++y)
      for (std::size_t x = b.x0; x < b.x1; ++x) values[((channel * D + z) * H + y) * W + x] = value;
}

// Rods of 3 × 3 voxels along x (odd sections: Lee thinning keeps their axis).
Block rod(std::size_t y0, std::size_t x0 = 10, std::size_t x1 = 90) {
  return {8, 11, y0, y0 + 3, x0, x1};
}

std::shared_ptr<mi::VolumeDataset> volume(const std::string& name, std::size_t channels,
                                          std::vector<std::uint8_t> values,
                                          mi::LabelEncoding encoding) {
  return std::make_shared<mi::VolumeDataset>(
      name,
      std::make_shared<mi::InMemoryVolumeSource<std::uint8_t>>(mi::VolumeShape{channels, D, H, W},
                                                               std::move(values)),
      mi::VoxelSize{1, 1, 1, "micrometer"}, encoding);
}

nl::widgets::FisbePage* fisbePage(nl::app::MainWindow& window) {
  for (int i = 0; i < window.viewTabs()->count(); ++i)
    if (auto* page = qobject_cast<nl::widgets::FisbePage*>(window.viewTabs()->widget(i)))
      return page;
  return nullptr;
}

nl::widgets::LabelVolumeLayer* labels(nl::widgets::Scene* scene) {
  for (auto* layer : scene->layers())
    if (auto* l = qobject_cast<nl::widgets::LabelVolumeLayer*>(layer)) return l;
  return nullptr;
}

QImage frame(nl::widgets::VtkView* view) {
  return nl::test::freshFrame(*view);
}

}  // namespace

TEST(FisbePage, PlantedOutcomesAreColouredLinkedAndSeenThroughOneCamera) {
  // Ground truth, one channel per neuron: A, B, C, D, E.
  std::vector<std::uint8_t> gt(5 * D * H * W, 0);
  fill(gt, 0, rod(5), 1);   // A: predicted exactly
  fill(gt, 1, rod(15), 1);  // B: predicted in two halves
  fill(gt, 2, rod(25), 1);  // C: missed
  fill(gt, 3, rod(35), 1);  // D ┐ merged by one prediction
  fill(gt, 4, rod(45), 1);  // E ┘
  // Prediction, label ids.
  std::vector<std::uint8_t> pred(D * H * W, 0);
  fill(pred, 0, rod(5), 1);
  fill(pred, 0, rod(15, 10, 50), 2);
  fill(pred, 0, rod(15, 50, 90), 3);
  fill(pred, 0, {4, 16, 52, 58, 40, 52}, 4);  // on background: a false positive
  fill(pred, 0, {2, 5, 55, 58, 80, 83}, 5);   // 27 voxels: removed before scoring
  fill(pred, 0, rod(35), 6);
  fill(pred, 0, rod(45), 6);
  fill(pred, 0, {8, 11, 38, 45, 48, 51}, 6);  // the bridge that merges D and E

  nl::app::MainWindow window;
  window.setInteractive(false);
  window.resize(1400, 900);
  window.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
  window.plugins().discover({NEUROLOUPE_PLUGIN_DIR});
  auto& session = window.session();
  auto gtVolume = volume("planted gt", 5, gt, mi::LabelEncoding::InstanceChannels);
  auto predVolume = volume("planted prediction", 1, pred, mi::LabelEncoding::LabelIds);
  session.add(gtVolume);
  session.add(predVolume);
  const auto* descriptor = window.plugins().find("fisbe.evaluate");
  ASSERT_NE(descriptor, nullptr);
  ASSERT_TRUE(descriptor->loaded) << descriptor->failure;
  nl::plugins::RunRequest request;
  request.pluginId = "fisbe.evaluate";
  request.inputs["ground_truth"] = gtVolume;
  request.inputs["prediction"] = predVolume;
  request.parameters = descriptor->parameters.parse({{"remove_small", "100"}});
  window.runAnalysis(request);
  ASSERT_TRUE(nl::test::waitUntil([&] { return fisbePage(window) != nullptr; }, 30000));
  auto* page = fisbePage(window);
  EXPECT_EQ(window.viewTabs()->currentWidget(), page);
  ASSERT_TRUE(nl::test::waitUntil(
      [&] { return labels(page->groundTruthScene()) && labels(page->predictionScene()); }));
  auto* gtLayer = labels(page->groundTruthScene());
  auto* predLayer = labels(page->predictionScene());

  // Headline: A, B (by one half) and D (by the merger) are matched at 0.5.
  EXPECT_TRUE(page->summaryText().contains("3 of 5 neurons")) << page->summaryText().toStdString();
  EXPECT_TRUE(page->summaryText().contains("<b>FM</b> 1")) << page->summaryText().toStdString();

  // Every instance coloured by its planted outcome (preview ids: channel + 1 / label).
  using P = nl::widgets::FisbePage;
  EXPECT_EQ(gtLayer->labelColour(1), P::outcomeColour(Outcome::Matched));
  EXPECT_EQ(gtLayer->labelColour(2), P::outcomeColour(Outcome::Matched));
  EXPECT_EQ(gtLayer->labelColour(3), P::outcomeColour(Outcome::Missed));
  EXPECT_EQ(gtLayer->labelColour(4), P::outcomeColour(Outcome::Merged));
  EXPECT_EQ(gtLayer->labelColour(5), P::outcomeColour(Outcome::Merged));
  EXPECT_EQ(predLayer->labelColour(1), P::outcomeColour(Outcome::Matched));
  // One half of B is the match, the other a false split (which is which is
  // the greedy order's business).
  const bool secondHalfMatched = predLayer->labelColour(2) == P::outcomeColour(Outcome::Matched);
  EXPECT_EQ(predLayer->labelColour(secondHalfMatched ? 3 : 2),
            P::outcomeColour(Outcome::FalseSplit));
  EXPECT_EQ(predLayer->labelColour(secondHalfMatched ? 2 : 3), P::outcomeColour(Outcome::Matched));
  EXPECT_EQ(predLayer->labelColour(4), P::outcomeColour(Outcome::FalsePositive));
  EXPECT_EQ(predLayer->labelColour(5), P::outcomeColour(Outcome::Removed));
  EXPECT_LT(predLayer->labelOpacity(5), 1.0);
  EXPECT_EQ(predLayer->labelColour(6), P::outcomeColour(Outcome::Merged));

  // The colours are on screen.
  auto* gtView = page->groundTruthScene()->view();
  auto* predView = page->predictionScene()->view();
  const QImage gtImage = frame(gtView);
  EXPECT_GT(nl::test::countNear(gtImage, P::outcomeColour(Outcome::Missed), 60), 30);
  EXPECT_GT(nl::test::countNear(gtImage, P::outcomeColour(Outcome::Matched), 60), 30);
  const QImage predImage = frame(predView);
  EXPECT_GT(nl::test::countNear(predImage, P::outcomeColour(Outcome::FalsePositive), 60), 30);
  EXPECT_EQ(nl::test::countNear(predImage, P::outcomeColour(Outcome::Missed), 30), 0)
      << "no prediction is 'missed'";

  // Chart: F1 at 0.5 equals the official 2TP / (2TP + FP + FN) of the run.
  const auto& series = page->chart()->series();
  ASSERT_EQ(series.size(), 3u);
  const auto& f1 = series[2];
  const auto at05 = std::find(f1.x.begin(), f1.x.end(), 0.5);
  ASSERT_NE(at05, f1.x.end());
  // TP 3; FN 2 (C, E); FP: the false-positive blob and the false split = 2.
  EXPECT_NEAR(f1.y[static_cast<std::size_t>(at05 - f1.x.begin())], 6.0 / (6 + 2 + 2), 1e-9);

  // A table row selects its instance in 3D; a click on an instance its row.
  auto* predTable = page->predictionTable()->view();
  predTable->selectRow(3);  // rows follow the prediction ids: the 4th is label 4
  EXPECT_EQ(predLayer->highlighted(), std::vector<std::int64_t>{4});
  EXPECT_TRUE(gtLayer->highlighted().empty()) << "a false positive lies on no neuron";
  // A neuron lights up the predictions covering it in the other view: B's halves.
  page->groundTruthTable()->view()->selectRow(1);
  EXPECT_EQ(gtLayer->highlighted(), std::vector<std::int64_t>{2});
  EXPECT_EQ(predLayer->highlighted(), (std::vector<std::int64_t>{2, 3}));
  predTable->selectRow(0);  // prediction 1 → neuron A
  EXPECT_EQ(gtLayer->highlighted(), std::vector<std::int64_t>{1});
  EXPECT_FALSE(page->groundTruthTable()->view()->selectionModel()->hasSelection())
      << "one selection: the neuron table lets go when a prediction is chosen";
  if (const QString dir = qEnvironmentVariable("NL_TEST_SNAPSHOTS"); !dir.isEmpty())
    nl::widgets::composeWindowImage(page).save(dir + "/fisbe_page_selection.png");
  const auto where = predView->worldToWidget({20.0, 16.0, 9.0});  // B's first half, in µm
  ASSERT_TRUE(where.has_value());
  QTest::mouseClick(predView, Qt::LeftButton, Qt::NoModifier, where->toPoint());
  EXPECT_EQ(predLayer->highlighted(), std::vector<std::int64_t>{2});
  EXPECT_TRUE(page->readoutText().startsWith("prediction 2 (label 2)"))
      << page->readoutText().toStdString();

  // One camera: turning the ground truth turns the prediction.
  const int before = predView->framesRendered();
  gtView->orbit(40, 10);
  ASSERT_TRUE(nl::test::waitUntil([&] { return predView->framesRendered() > before; }));
  // The same camera: the same point lands on the same pixel, within the half
  // pixel by which two side-by-side views of odd and even width differ
  // (x 161.02 vs 160.52 seen in a clean-clone CI run; a 40° orbit moves it
  // by tens of pixels).
  const auto inGt = gtView->worldToWidget({50, 30, 10});
  const auto inPred = predView->worldToWidget({50, 30, 10});
  ASSERT_TRUE(inGt.has_value() && inPred.has_value());
  EXPECT_NEAR(inGt->x(), inPred->x(), 1.0);
  EXPECT_NEAR(inGt->y(), inPred->y(), 1.0);
}

// Label ids [z][y][x] painted into a box.
static void paint(std::vector<std::int32_t>& v, const Block& b, std::int32_t label) {
  for (std::size_t z = b.z0; z < b.z1; ++z)
    for (std::size_t y = b.y0; y < b.y1; ++y)
      for (std::size_t x = b.x0; x < b.x1; ++x) v[(z * H + y) * W + x] = label;
}

// The page comes back with a saved session: the scored volumes are files the
// session points at (here small HDF5 label arrays), the results are stored in
// it, and the page finds both again.
TEST(FisbePage, ComesBackWithTheSessionFromFiles) {
  std::vector<std::int32_t> gt(D * H * W, 0), pred(D * H * W, 0);
  paint(gt, rod(5), 1);
  paint(gt, rod(25), 2);  // missed
  paint(pred, rod(5), 7);
  paint(pred, {4, 16, 52, 58, 40, 52}, 9);  // a false positive
  QTemporaryDir dir;
  const std::string file = dir.filePath("planted.h5").toStdString();
  {
    auto h5 = nl::io::h5::File::create(file);
    h5.root().writeInt32("gt", gt, {D, H, W});
    h5.root().writeInt32("pred", pred, {D, H, W});
  }
  auto window = std::make_unique<nl::app::MainWindow>();
  window->setInteractive(false);
  window->resize(1400, 900);
  window->show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(window.get()));
  window->plugins().discover({NEUROLOUPE_PLUGIN_DIR});
  ASSERT_EQ(window->openFiles({QString::fromStdString(file)}), 2);
  nl::plugins::RunRequest request;
  request.pluginId = "fisbe.evaluate";
  for (const auto& entry : window->session().entries())
    request.inputs[entry.dataset->name() == "/gt" ? "ground_truth" : "prediction"] = entry.dataset;
  // The rods (720 voxels) are below the flylight preset's 800-voxel limit.
  request.parameters =
      window->plugins().find("fisbe.evaluate")->parameters.parse({{"remove_small", "100"}});
  window->runAnalysis(request);
  ASSERT_TRUE(nl::test::waitUntil([&] { return fisbePage(*window) != nullptr; }, 30000));
  ASSERT_TRUE(nl::test::waitUntil([&] {
    auto* page = fisbePage(*window);
    return labels(page->groundTruthScene()) && labels(page->predictionScene());
  }));
  const QString path = dir.filePath("scored.nlsession");
  ASSERT_TRUE(window->saveSession(path));
  window.reset();

  nl::app::MainWindow other;
  other.setInteractive(false);
  other.resize(1400, 900);
  other.show();
  ASSERT_TRUE(other.loadSession(path));
  ASSERT_TRUE(nl::test::waitUntil([&] { return fisbePage(other) != nullptr; }))
      << other.jobsPanel()->logView()->toPlainText().toStdString();
  auto* page = fisbePage(other);
  ASSERT_TRUE(nl::test::waitUntil([&] {
    return labels(page->groundTruthScene()) && labels(page->predictionScene());
  })) << other.jobsPanel()->logView()->toPlainText().toStdString();
  using P = nl::widgets::FisbePage;
  EXPECT_TRUE(page->summaryText().contains("1 of 2 neurons")) << page->summaryText().toStdString();
  EXPECT_EQ(labels(page->groundTruthScene())->labelColour(1), P::outcomeColour(Outcome::Matched));
  EXPECT_EQ(labels(page->groundTruthScene())->labelColour(2), P::outcomeColour(Outcome::Missed));
  EXPECT_EQ(labels(page->predictionScene())->labelColour(7), P::outcomeColour(Outcome::Matched));
  EXPECT_EQ(labels(page->predictionScene())->labelColour(9),
            P::outcomeColour(Outcome::FalsePositive));
}

// A result written by the command line (`neuroloupe-cli run fisbe.evaluate
// --out r.h5`: runPlugin + writeResultFile) and opened alone reopens the two
// volumes its provenance names; when one moved, the page names the missing
// file and the user locates it.
TEST(FisbePage, ResultFileOpenedAloneReopensOrLocatesTheScoredVolumes) {
  std::vector<std::int32_t> gt(D * H * W, 0), pred(D * H * W, 0);
  paint(gt, rod(5), 1);
  paint(gt, rod(25), 2);
  paint(pred, rod(5), 7);
  QTemporaryDir dir;
  const std::string gtFile = dir.filePath("gt.h5").toStdString();
  const std::string predFile = dir.filePath("pred.h5").toStdString();
  {
    nl::io::h5::File h5 = nl::io::h5::File::create(gtFile);
    h5.root().writeInt32("labels", gt, {D, H, W});
  }
  {
    nl::io::h5::File h5 = nl::io::h5::File::create(predFile);
    h5.root().writeInt32("labels", pred, {D, H, W});
  }
  const std::string result = dir.filePath("r.h5").toStdString();
  {
    nl::plugins::PluginManager plugins;
    plugins.discover({NEUROLOUPE_PLUGIN_DIR});
    nl::plugins::RunRequest request;
    request.pluginId = "fisbe.evaluate";
    request.inputs["ground_truth"] = nl::io::ReaderRegistry::builtin().open(gtFile).datasets.at(0);
    request.inputs["prediction"] = nl::io::ReaderRegistry::builtin().open(predFile).datasets.at(0);
    request.parameters =
        plugins.find("fisbe.evaluate")->parameters.parse({{"remove_small", "100"}});
    nl::plugins::ProgressReporter progress;
    const auto run = nl::plugins::runPlugin(plugins, request, progress);
    nl::io::writeResultFile(result, run.outputs, run.provenance);
  }
  auto openResult = [&](nl::app::MainWindow& window) {
    window.setInteractive(false);
    window.resize(1400, 900);
    window.show();
    EXPECT_TRUE(QTest::qWaitForWindowExposed(&window));
    EXPECT_EQ(window.openFiles({QString::fromStdString(result)}), 3);
    return fisbePage(window);
  };
  {
    nl::app::MainWindow window;
    auto* page = openResult(window);
    ASSERT_NE(page, nullptr);
    ASSERT_TRUE(nl::test::waitUntil([&] {
      return labels(page->groundTruthScene()) && labels(page->predictionScene());
    })) << window.jobsPanel()->logView()->toPlainText().toStdString();
    EXPECT_TRUE(page->missingInputsText().isEmpty());
    // Real pixels: the matched neuron is drawn in its outcome colour.
    auto* view = page->findChildren<nl::widgets::VtkView*>().front();
    const QImage frame = nl::test::freshFrame(*view);
    EXPECT_GT(
        nl::test::countNear(frame, nl::widgets::FisbePage::outcomeColour(Outcome::Matched), 40),
        50);
  }
  // The ground truth moves away: the page says which file is missing.
  const std::string moved = dir.filePath("moved-gt.h5").toStdString();
  std::filesystem::rename(gtFile, moved);
  nl::app::MainWindow window;
  auto* page = openResult(window);
  ASSERT_NE(page, nullptr);
  ASSERT_TRUE(nl::test::waitUntil([&] { return labels(page->predictionScene()) != nullptr; }));
  EXPECT_EQ(labels(page->groundTruthScene()), nullptr);
  EXPECT_TRUE(page->missingInputsText().contains(QString::fromStdString(gtFile)))
      << page->missingInputsText().toStdString();
  EXPECT_TRUE(page->findChild<QWidget*>("fisbeMissingInputs")->isVisibleTo(page));
  // Located: the ground truth comes back on the page.
  page->locateInput(0, QString::fromStdString(moved));
  ASSERT_TRUE(nl::test::waitUntil([&] { return labels(page->groundTruthScene()) != nullptr; }));
  EXPECT_TRUE(page->missingInputsText().isEmpty());
  EXPECT_FALSE(page->findChild<QWidget*>("fisbeMissingInputs")->isVisibleTo(page));
}
