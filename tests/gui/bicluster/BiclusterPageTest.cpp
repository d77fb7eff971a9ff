// The ephys.bicluster page from a real (short) run of the plugin on the
// reference simulation's generator: the raster by cluster, the state ribbon,
// the similarity maps drawn; a cluster selects its units; the ribbon moves
// the session's time cursor.
#include <gtest/gtest.h>

#include <QLabel>
#include <QListWidget>
#include <QTest>
#include <algorithm>
#include <cmath>
#include <set>

#include "GuiTestUtil.h"
#include "analysis/biclustering/Simulation.h"
#include "io/Session.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"
#include "tests/support/TestSupport.h"
#include "widgets/charts/Chart.h"
#include "widgets/charts/HeatMap.h"
#include "widgets/pages/bicluster/BiclusterPage.h"
#include "widgets/pages/shared/Runs.h"

TEST(BiclusterPage, ShowsARunAndLinksClustersAndTime) {
  nl::plugins::PluginManager plugins;
  plugins.discover({NEUROLOUPE_PLUGIN_DIR});
  const auto* descriptor = nl::test::requirePlugin(plugins, "ephys.bicluster");
  if (descriptor == nullptr) return;
  const auto sim = nl::analysis::biclustering::simulateReference({6, 2, 2, 120, 10.0, 5});
  std::vector<double> rowMajor(static_cast<std::size_t>(sim.counts.size()));
  for (Eigen::Index i = 0; i < sim.counts.rows(); ++i)
    for (Eigen::Index t = 0; t < sim.counts.cols(); ++t)
      rowMajor[static_cast<std::size_t>(i * sim.counts.cols() + t)] = sim.counts(i, t);
  nl::plugins::RunRequest request;
  request.pluginId = "ephys.bicluster";
  request.parameters =
      descriptor->parameters.parse({{"iterations", "12"}, {"chains", "2"}, {"max_states", "3"}});
  request.inputs["counts"] = std::make_shared<nl::io::ArrayDataset>(
      nl::io::DatasetKind::Array, "simulated counts", std::vector<std::size_t>{12, 120}, rowMajor);
  nl::plugins::ProgressReporter quiet;
  const auto result = nl::plugins::runPlugin(plugins, request, quiet);
  nl::io::Session session;
  nl::io::DatasetId summary = nl::io::kNoDataset;
  for (const auto& output : result.outputs) {
    const auto id = session.add(output.dataset);
    if (nl::widgets::BiclusterPage::isBiclusterSummary(*output.dataset)) summary = id;
  }
  ASSERT_NE(summary, nl::io::kNoDataset);
  nl::widgets::BiclusterPage page(session, summary);
  page.resize(1500, 900);
  page.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&page));
  QCoreApplication::processEvents();

  // The raster draws counts (grey levels), the similarity map its diagonal of ones (viridis
  // yellow).
  auto* raster = page.findChild<nl::widgets::HeatMap*>("countsRaster");
  auto* similarity = page.findChild<nl::widgets::HeatMap*>("neuronSimilarity");
  ASSERT_TRUE(raster && similarity);
  const QImage rasterImage = raster->grab().toImage();
  EXPECT_GT(nl::test::distinctColours(rasterImage, raster->matrixRect().toRect()), 5);
  const QImage similarityImage = similarity->grab().toImage();
  EXPECT_GT(nl::test::countNear(similarityImage, QColor(253, 231, 37), 40,
                                similarity->matrixRect().toRect()),
            50);

  // The state ribbon is coloured by state.
  auto* ribbon = page.findChild<QWidget*>("stateRibbon");
  ASSERT_NE(ribbon, nullptr);
  const QImage ribbonImage = ribbon->grab().toImage();
  const int coloured = nl::test::countNear(ribbonImage, QColor(31, 119, 180), 10) +
                       nl::test::countNear(ribbonImage, QColor(255, 127, 14), 10) +
                       nl::test::countNear(ribbonImage, QColor(44, 160, 44), 10);
  EXPECT_GT(coloured, ribbonImage.width() * ribbonImage.height() / 4);

  // The headline gives both point estimates' counts, from the run's own tables.
  auto* headline = page.findChild<QLabel*>("biclusterHeadline");
  ASSERT_NE(headline, nullptr);
  const auto binsTable = std::dynamic_pointer_cast<const nl::io::TableDataset>(
      session.find(nl::widgets::siblingOutput(session, summary, "bins")));
  ASSERT_TRUE(binsTable);
  const auto* minVi = binsTable->numericColumn("minvi_state");
  ASSERT_NE(minVi, nullptr);
  const int minViStates = static_cast<int>(*std::max_element(minVi->begin(), minVi->end())) + 1;
  const auto* maxPear = binsTable->numericColumn("maxpear_state");
  ASSERT_NE(maxPear, nullptr);
  const int maxPearStates =
      static_cast<int>(*std::max_element(maxPear->begin(), maxPear->end())) + 1;
  EXPECT_TRUE(headline->text().contains(QString(", %1 states (maxPEAR)").arg(maxPearStates)))
      << headline->text().toStdString();
  EXPECT_TRUE(headline->text().contains(QString("minVI: ")) &&
              headline->text().contains(QString(", %1 states").arg(minViStates)))
      << headline->text().toStdString();

  // The count histograms hold each whole posterior (probabilities summing to
  // 1) on a value axis of counts.
  auto* histograms = page.findChild<nl::widgets::Chart*>("countHistograms");
  ASSERT_NE(histograms, nullptr);
  ASSERT_EQ(histograms->series().size(), 2u);
  for (const auto& series : histograms->series()) {
    double total = 0.0;
    for (const double p : series.y) total += p;
    EXPECT_NEAR(total, 1.0, 1e-9) << series.name.toStdString();
    for (const double x : series.x) EXPECT_EQ(x, std::round(x)) << series.name.toStdString();
  }

  // The minVI states in a second ribbon: every bin coloured, in no more
  // colours than minVI has states (the middle half, away from the label).
  auto* minViRibbon = page.findChild<QWidget*>("stateRibbonMinVi");
  ASSERT_NE(minViRibbon, nullptr);
  const QImage minViImage = minViRibbon->grab().toImage();
  const QRgb background = minViRibbon->palette().window().color().rgb();
  std::set<QRgb> colours;
  int painted = 0, columns = 0;
  for (int x = minViImage.width() / 4; x < minViImage.width() * 3 / 4; ++x, ++columns) {
    const QRgb pixel = minViImage.pixel(x, minViImage.height() / 2);
    if (pixel != background) ++painted;
    colours.insert(pixel);
  }
  EXPECT_EQ(painted, columns);
  EXPECT_LE(static_cast<int>(colours.size()), minViStates);

  // Choosing a cluster in the list selects its units.
  ASSERT_GE(page.clusterCount(), 1);
  auto* list = page.findChild<QListWidget*>("clusterList");
  ASSERT_NE(list, nullptr);
  list->setCurrentRow(0);
  EXPECT_EQ(session.selection().dataset(), page.unitsDataset());
  EXPECT_FALSE(session.selection().indices().empty());
  const auto neurons =
      std::dynamic_pointer_cast<const nl::io::TableDataset>(result.outputs.at(4).dataset);
  ASSERT_TRUE(neurons);
  const auto& labels = *neurons->numericColumn("maxpear_cluster");
  for (const auto unit : session.selection().indices())
    EXPECT_EQ(labels[static_cast<std::size_t>(unit)], 0.0);

  // A click on the ribbon moves the time cursor to that bin.
  EXPECT_FALSE(session.selection().hasTimeCursor());
  QTest::mouseClick(ribbon, Qt::LeftButton, {}, QPoint(ribbon->width() / 2, ribbon->height() / 2));
  EXPECT_TRUE(session.selection().hasTimeCursor());
  page.grab().save(QString::fromStdString(
      (std::filesystem::temp_directory_path() / "bicluster_page.png").string()));
}
