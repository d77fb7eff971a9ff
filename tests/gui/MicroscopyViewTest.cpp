// Microscopy label volumes in the main window: a chunked ground truth (one
// channel per neuron) is previewed off the GUI thread, its instances are
// measured (a click reports them), and a prediction of the same size opened
// next is overlaid on the same page.
#include <gtest/gtest.h>

#include <QItemSelectionModel>
#include <QTabWidget>
#include <QTableView>
#include <QTest>

#include "GuiTestUtil.h"
#include "app/gui/MainWindow.h"
#include "io/microscopy/VolumeDataset.h"
#include "widgets/TableView.h"
#include "widgets/VtkView.h"
#include "widgets/pages/volume/VolumePage.h"
#include "widgets/scene/LabelVolumeLayer.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/VolumeLayers.h"

namespace {

namespace mi = nl::io::microscopy;

std::shared_ptr<const mi::VolumeDataset> rods(const std::string& name, std::size_t channels,
                                              mi::LabelEncoding encoding) {
  const std::size_t D = 10, H = 24, W = 40;
  std::vector<std::uint8_t> values(channels * D * H * W, 0);
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t z = 3; z < 7; ++z)
      for (std::size_t y = 4 + 8 * c; y < 8 + 8 * c; ++y)
        for (std::size_t x = 4; x < 36; ++x)
          values[((c * D + z) * H + y) * W + x] = static_cast<std::uint8_t>(
              encoding == mi::LabelEncoding::InstanceChannels ? 1 : c + 1);
  return std::make_shared<mi::VolumeDataset>(
      name,
      std::make_shared<mi::InMemoryVolumeSource<std::uint8_t>>(mi::VolumeShape{channels, D, H, W},
                                                               values),
      mi::VoxelSize{0.44, 0.44, 0.44, "micrometer"}, encoding);
}

std::vector<nl::widgets::LabelVolumeLayer*> labelLayers(nl::app::MainWindow& window) {
  std::vector<nl::widgets::LabelVolumeLayer*> out;
  if (auto* page = window.viewTabs()->currentWidget())
    if (auto* scene = page->findChild<nl::widgets::Scene*>())
      for (auto* layer : scene->layers())
        if (auto* labels = qobject_cast<nl::widgets::LabelVolumeLayer*>(layer))
          out.push_back(labels);
  return out;
}

TEST(MicroscopyView, PreviewInstancesAndOverlaidPrediction) {
  nl::app::MainWindow window;
  window.setInteractive(false);
  window.resize(1200, 800);
  window.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
  auto& session = window.session();
  window.openView(session.add(rods("gt", 2, mi::LabelEncoding::InstanceChannels)));
  ASSERT_TRUE(nl::test::waitUntil([&] { return labelLayers(window).size() == 1; }));
  const auto preview = labelLayers(window).front()->dataset();
  // Measured at full resolution: 4 × 4 × 32 voxels each.
  auto* volumePage = qobject_cast<nl::widgets::VolumePage*>(window.viewTabs()->currentWidget());
  ASSERT_NE(volumePage, nullptr);
  ASSERT_TRUE(
      nl::test::waitUntil([&] { return !volumePage->describeInstance(preview, 2).isEmpty(); }));
  EXPECT_TRUE(volumePage->describeInstance(preview, 2).startsWith("instance 2: 512 voxels"))
      << volumePage->describeInstance(preview, 2).toStdString();
  EXPECT_TRUE(volumePage->describeInstance(preview, 9).isEmpty());

  // The instance table sits under the 3D view; its rows and the instances
  // select each other.
  auto* page = window.viewTabs()->currentWidget();
  auto* tables = page->findChild<QTabWidget*>("instanceTables");
  ASSERT_NE(tables, nullptr);
  auto* table = qobject_cast<nl::widgets::TableView*>(tables->widget(0));
  ASSERT_NE(table, nullptr);
  ASSERT_EQ(table->view()->model()->rowCount(), 2);
  auto* layer = labelLayers(window).front();
  table->view()->selectRow(0);
  EXPECT_EQ(layer->highlighted(), std::vector<std::int64_t>{1}) << "row 0 is instance 1";
  EXPECT_NE(layer->labelColour(1), nl::widgets::instanceColour(1));
  EXPECT_DOUBLE_EQ(layer->shownOpacity(1), 1.0);
  EXPECT_LT(layer->shownOpacity(2), 0.5) << "the others fade: selection is not colour alone";
  auto* view = page->findChild<nl::widgets::VtkView*>();
  auto* scene = page->findChild<nl::widgets::Scene*>();
  // Instance 2 lies at y 12–16, z 3–7 voxels (0.44 µm); click its middle.
  ASSERT_TRUE(nl::test::waitUntil([&] { return view->framesRendered() > 0; }));
  const auto where = view->worldToWidget({20 * 0.44, 14 * 0.44, 5 * 0.44});
  ASSERT_TRUE(where.has_value());
  const auto hit = scene->pickAt(*where);
  ASSERT_TRUE(hit.has_value());
  ASSERT_EQ(hit->index, 2);
  QTest::mouseClick(view, Qt::LeftButton, Qt::NoModifier, where->toPoint());
  EXPECT_EQ(layer->highlighted(), std::vector<std::int64_t>{2});
  const auto rows = table->view()->selectionModel()->selectedRows();
  ASSERT_EQ(rows.size(), 1);
  EXPECT_EQ(table->view()->model()->index(rows.front().row(), 0).data().toString(), "2")
      << "the clicked instance's row is selected in the table";

  const int tabs = window.viewTabs()->count();
  window.openView(session.add(rods("prediction", 1, mi::LabelEncoding::LabelIds)));
  ASSERT_TRUE(nl::test::waitUntil([&] { return labelLayers(window).size() == 2; }));
  EXPECT_EQ(window.viewTabs()->count(), tabs) << "overlaid on the same page, not a new tab";
  EXPECT_DOUBLE_EQ(labelLayers(window).back()->opacity(), 0.4);
}

}  // namespace
