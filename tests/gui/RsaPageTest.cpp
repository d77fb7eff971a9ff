// The rsa.layer_mapping page from a real run of the plugin on a simulated
// network with planted correspondences: curves with CI bands, pseudo-depth
// bars, the RDMs side by side, reordered by stimulus label.
#include <gtest/gtest.h>

#include <QComboBox>
#include <QTabWidget>
#include <QTest>
#include <cmath>
#include <random>

#include "GuiTestUtil.h"
#include "app/gui/MainWindow.h"
#include "io/Session.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"
#include "tests/support/TestSupport.h"
#include "widgets/charts/Chart.h"
#include "widgets/pages/rsa/RsaPage.h"

namespace {

// Six stimuli in two categories; three "layers" and two "areas" built from
// them (area k copies layer 2k plus noise), as stimuli × features.
std::shared_ptr<const nl::io::ArrayDataset> features(const std::string& name,
                                                     nl::io::DatasetKind kind, int layer,
                                                     double noise, std::uint32_t seed) {
  const std::size_t stimuli = 12, features = 30;
  std::mt19937 random(seed);
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::vector<double> values(stimuli * features);
  for (std::size_t s = 0; s < stimuli; ++s)
    for (std::size_t f = 0; f < features; ++f) {
      const double x = static_cast<double>(s % 2 == 0 ? 1 : -1) * std::sin(0.3 * f * (layer + 1)) +
                       std::cos(0.7 * static_cast<double>(s) * (layer + 1) + f);
      values[s * features + f] = x + noise * gauss(random);
    }
  nl::io::Attributes attributes{
      {"stimulus_labels",
       R"(["animate","inanimate","animate","inanimate","animate","inanimate","animate","inanimate","animate","inanimate","animate","inanimate"])"}};
  return std::make_shared<nl::io::ArrayDataset>(kind, name,
                                                std::vector<std::size_t>{stimuli, features}, values,
                                                nl::io::Provenance{}, attributes);
}

TEST(RsaPage, LayerMappingResultOnOnePage) {
  nl::plugins::PluginManager plugins;
  plugins.discover({NEUROLOUPE_PLUGIN_DIR});
  const auto* descriptor = nl::test::requirePlugin(plugins, "rsa.layer_mapping");
  if (descriptor == nullptr) return;
  nl::plugins::RunRequest request;
  request.pluginId = "rsa.layer_mapping";
  request.parameters = descriptor->parameters.parse({{"replicates", "50"}});
  for (int l = 0; l < 3; ++l)
    request.inputs[nl::plugins::multipleInputKey("layers", static_cast<std::size_t>(l))] =
        features("layer" + std::to_string(l), nl::io::DatasetKind::FeatureMatrix, l, 0.0, 1);
  request.inputs["populations#0"] =
      features("VISp", nl::io::DatasetKind::ResponseMatrix, 0, 0.3, 2);
  request.inputs["populations#1"] =
      features("VISl", nl::io::DatasetKind::ResponseMatrix, 2, 0.3, 3);
  nl::plugins::ProgressReporter quiet;
  const auto result = nl::plugins::runPlugin(plugins, request, quiet);
  nl::io::Session session;
  nl::io::DatasetId profiles = nl::io::kNoDataset;
  for (const auto& output : result.outputs) {
    const auto id = session.add(output.dataset);
    if (nl::widgets::RsaPage::isLayerProfiles(*output.dataset)) profiles = id;
  }
  ASSERT_NE(profiles, nl::io::kNoDataset);
  nl::widgets::RsaPage page(session, profiles);
  page.resize(1000, 800);
  page.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&page));
  EXPECT_EQ(page.rdmCount(), 5u) << "2 populations + 3 layers";
  auto* order = page.findChild<QComboBox*>("stimulusOrder");
  ASSERT_NE(order, nullptr);
  order->setCurrentIndex(1);
  // Animate stimuli (even indices) first, each category in its original order.
  EXPECT_EQ(page.stimulusOrder(), (std::vector<std::size_t>{0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11}));
  QCoreApplication::processEvents();
  const QImage image = page.grab().toImage();
  EXPECT_GT(nl::test::distinctColours(image), 50);
  if (const char* dir = std::getenv("NL_TEST_SNAPSHOTS"))
    image.save(QString::fromLocal8Bit(dir) + "/rsa_page.png");

  // Choosing an area in a chart selects its units, which the probe view and
  // unit table follow: by name, by the unit filter it came from, by a click.
  auto units = std::make_shared<nl::io::TableDataset>(
      nl::io::DatasetKind::Table, "units",
      std::vector<nl::io::Column>{{"location", std::vector<std::string>{"VISp", "VISl", "VISp"}}});
  const auto recording = session.add(
      std::make_shared<nl::io::SpikeRecording>("units", units, std::vector<double>{1, 2, 3},
                                               std::vector<std::uint64_t>{0, 1, 2, 3}, nullptr));
  EXPECT_EQ(page.selectPopulation("VISp"), 2u);
  EXPECT_EQ(session.selection().dataset(), recording);
  EXPECT_EQ(session.selection().indices(), (std::vector<std::int64_t>{0, 2}));
  EXPECT_EQ(page.selectPopulation("location == VISl; snr > 1"), 1u);
  EXPECT_EQ(session.selection().indices(), (std::vector<std::int64_t>{1}));
  emit page.profileChart()->pointClicked(0, 0.0, 0.5);  // the VISp curve
  EXPECT_EQ(session.selection().indices(), (std::vector<std::int64_t>{0, 2}));
  EXPECT_EQ(page.selectPopulation("VISam"), 0u);
}

}  // namespace

namespace {

// rsa.mds coordinates open as a scatter of stimuli, one series per label.
TEST(MdsView, CoordinatesOpenAsAScatterByLabel) {
  nl::app::MainWindow window;
  window.setInteractive(false);
  const std::vector<double> xy{-1, 0, -0.9, 0.1, 1, 0, 1.1, -0.1, 0.95, 0.05};
  const auto id = window.session().add(std::make_shared<nl::io::ArrayDataset>(
      nl::io::DatasetKind::Array, "RDM MDS", std::vector<std::size_t>{5, 2}, xy,
      nl::io::Provenance{},
      nl::io::Attributes{
          {"axes", "stimulus, dimension"},
          {"explained", "0.97"},
          {"stimulus_labels", R"(["Animate","Animate","Inanimate","Inanimate","Inanimate"])"}}));
  window.openView(id);
  auto* chart = window.viewTabs()->currentWidget()->findChild<nl::widgets::Chart*>("mds");
  ASSERT_NE(chart, nullptr) << "an MDS result is a scatter, not a heat map";
  EXPECT_EQ(chart->objectName(), "mds");
  ASSERT_EQ(chart->series().size(), 2u) << "one series per stimulus label";
  EXPECT_EQ(chart->series()[0].name, "Animate");
  EXPECT_EQ(chart->series()[1].x, (std::vector<double>{1, 1.1, 0.95}));
}

}  // namespace
