// Microscopy label volumes in the main window: a chunked ground truth (one
// channel per neuron) is previewed off the GUI thread, its instances are
// measured (a click reports them), and a prediction of the same size opened
// next is overlaid on the same page.
#include <gtest/gtest.h>

#include <QTabWidget>
#include <QTest>

#include "GuiTestUtil.h"
#include "app/gui/MainWindow.h"
#include "io/microscopy/VolumeDataset.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/LabelVolumeLayer.h"
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
  ASSERT_TRUE(nl::test::waitUntil([&] { return !window.describeInstance(preview, 2).isEmpty(); }));
  EXPECT_TRUE(window.describeInstance(preview, 2).startsWith("instance 2: 512 voxels"))
      << window.describeInstance(preview, 2).toStdString();
  EXPECT_TRUE(window.describeInstance(preview, 9).isEmpty());

  const int tabs = window.viewTabs()->count();
  window.openView(session.add(rods("prediction", 1, mi::LabelEncoding::LabelIds)));
  ASSERT_TRUE(nl::test::waitUntil([&] { return labelLayers(window).size() == 2; }));
  EXPECT_EQ(window.viewTabs()->count(), tabs) << "overlaid on the same page, not a new tab";
  EXPECT_DOUBLE_EQ(labelLayers(window).back()->opacity(), 0.4);
}

}  // namespace
