// Volume layers on real pixels: MIP of a bright ball, slices that pick and
// follow voxels, label surfaces that toggle and pick.
#include <gtest/gtest.h>

#include <QSlider>
#include <QTest>
#include <QToolButton>
#include <QTreeWidget>

#include "GuiTestUtil.h"
#include "io/Session.h"
#include "widgets/VtkView.h"
#include "widgets/scene/LabelVolumeLayer.h"
#include "widgets/scene/LayerList.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/VolumeLayers.h"

using nl::test::waitUntil;

namespace {

// 40³ volume: a bright ball of radius 10 voxels at (24, 20, 16), dim noise-free background.
std::shared_ptr<const nl::io::ArrayDataset> ballVolume(double inside = 1000.0) {
  const std::size_t n = 40;
  std::vector<double> values(n * n * n, 10.0);
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t i = 0; i < n; ++i) {
        const double dx = i - 24.0, dy = j - 20.0, dz = k - 16.0;
        if (dx * dx + dy * dy + dz * dz <= 100.0) values[(k * n + j) * n + i] = inside;
      }
  return std::make_shared<nl::io::ArrayDataset>(
      nl::io::DatasetKind::Volume, "ball", std::vector<std::size_t>{n, n, n}, std::move(values),
      nl::io::Provenance{}, nl::io::Attributes{{"spacing", "0.5,0.5,0.5"}});
}

struct View : ::testing::Test {
  void SetUp() override {
    view = std::make_unique<nl::widgets::VtkView>();
    view->resize(360, 360);
    scene = std::make_unique<nl::widgets::Scene>(view.get(), session);
  }
  QImage frame() { return nl::test::freshFrame(*view); }
  QColor pixelAt(const QImage& image, std::array<double, 3> world) {
    const auto colour = nl::test::pixelAtWorld(*view, image, world);
    EXPECT_TRUE(colour.has_value());
    return colour.value_or(QColor());
  }
  nl::io::Session session;
  std::unique_ptr<nl::widgets::VtkView> view;
  std::unique_ptr<nl::widgets::Scene> scene;
};

TEST_F(View, MaximumIntensityProjectionShowsTheBallWhereItIs) {
  const auto volume = ballVolume();
  const auto id = session.add(volume);
  auto* layer = new nl::widgets::VolumeLayer("ball", id, volume);
  layer->setMode(nl::widgets::VolumeLayer::Mode::MaximumIntensity);
  scene->addLayer(layer);
  view->show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(view.get()));
  view->setStandardView(nl::widgets::VtkView::StandardView::Dorsal);
  const QImage image = frame();
  const QColor centre = pixelAt(image, {24 * 0.5, 20 * 0.5, 16 * 0.5});
  const QColor corner = pixelAt(image, {3 * 0.5, 3 * 0.5, 16 * 0.5});
  EXPECT_GT(centre.lightness(), 200) << "the ball's projection is not bright";
  EXPECT_LT(corner.lightness(), centre.lightness() - 100)
      << "the background is as bright as the ball";
}

TEST_F(View, SlicesPickVoxelsAndFollowTheSelection) {
  const auto volume = ballVolume();
  const auto id = session.add(volume);
  auto* slices = new nl::widgets::SliceLayer("slices", id, volume);
  scene->addLayer(slices);
  view->show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(view.get()));
  view->setStandardView(nl::widgets::VtkView::StandardView::Dorsal);
  frame();
  // Selecting a voxel moves the crosshair there.
  const std::size_t n = 40, i = 24, j = 20, k = 16;
  session.selection().select(id, {static_cast<std::int64_t>((k * n + j) * n + i)}, "test");
  EXPECT_EQ(slices->crosshair(), (std::array<std::size_t, 3>{i, j, k}));
  const QImage image = frame();
  EXPECT_GT(pixelAt(image, {i * 0.5, j * 0.5, k * 0.5 + 0.1}).lightness(),
            200);  // the axial slice cuts the ball
  // Clicking on the axial slice picks the voxel under the mouse.
  const auto where = view->worldToWidget({30 * 0.5, 10 * 0.5, k * 0.5});
  ASSERT_TRUE(where.has_value());
  QTest::mouseClick(view.get(), Qt::LeftButton, Qt::NoModifier, where->toPoint());
  ASSERT_EQ(session.selection().dataset(), id);
  ASSERT_EQ(session.selection().indices().size(), 1u);
  const auto flat = static_cast<std::size_t>(session.selection().indices().front());
  EXPECT_NEAR(static_cast<double>(flat % n), 30.0, 1.0);
  EXPECT_NEAR(static_cast<double>((flat / n) % n), 10.0, 1.0);
}

TEST_F(View, LabelSurfacesToggleAndPick) {
  const std::size_t n = 30;
  std::vector<double> labels(n * n * n, 0.0);
  for (std::size_t k = 10; k < 20; ++k)
    for (std::size_t j = 10; j < 20; ++j) {
      for (std::size_t i = 3; i < 12; ++i)
        labels[(k * n + j) * n + i] = 3;  // instance 3 on the left
      for (std::size_t i = 18; i < 27; ++i)
        labels[(k * n + j) * n + i] = 7;  // instance 7 on the right
    }
  const auto volume =
      std::make_shared<nl::io::ArrayDataset>(nl::io::DatasetKind::LabelVolume, "labels",
                                             std::vector<std::size_t>{n, n, n}, std::move(labels));
  const auto id = session.add(volume);
  auto* layer = new nl::widgets::LabelVolumeLayer("instances", id, volume);
  EXPECT_EQ(layer->labels(), (std::vector<int>{3, 7}));
  scene->addLayer(layer);
  view->show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(view.get()));
  view->setStandardView(nl::widgets::VtkView::StandardView::Dorsal);
  QImage image = frame();
  const std::array<double, 3> left{7, 15, 19}, right{22, 15, 19};
  const QColor background = pixelAt(image, {15, 3, 19});
  auto differs = [](QColor a, QColor b) {
    return std::abs(a.red() - b.red()) + std::abs(a.green() - b.green()) +
               std::abs(a.blue() - b.blue()) >
           60;
  };
  EXPECT_TRUE(differs(pixelAt(image, left), background));
  EXPECT_TRUE(differs(pixelAt(image, right), background));
  layer->setLabelVisible(7, false);
  image = frame();
  EXPECT_FALSE(differs(pixelAt(image, right), background)) << "hidden instance still drawn";
  EXPECT_TRUE(differs(pixelAt(image, left), background));
  // Clicking instance 3 selects it and paints it in the highlight colour.
  const auto where = view->worldToWidget(left);
  QTest::mouseClick(view.get(), Qt::LeftButton, Qt::NoModifier, where->toPoint());
  EXPECT_EQ(session.selection().indices(), std::vector<std::int64_t>{3});
  image = frame();
  EXPECT_TRUE(nl::test::isHighlightYellow(pixelAt(image, left)));

  // The layer list isolates the chosen instance and shows all again.
  layer->setLabelVisible(7, true);
  nl::widgets::LayerList list(scene.get());
  auto* instances = list.findChild<QTreeWidget*>("instanceList");
  ASSERT_NE(instances, nullptr);
  instances->setCurrentItem(instances->topLevelItem(1));  // instance 7
  QTest::mouseClick(list.findChild<QToolButton*>("isolateInstance"), Qt::LeftButton);
  EXPECT_FALSE(layer->labelVisible(3));
  EXPECT_TRUE(layer->labelVisible(7));
  QTest::mouseClick(list.findChild<QToolButton*>("showAllInstances"), Qt::LeftButton);
  EXPECT_TRUE(layer->labelVisible(3) && layer->labelVisible(7));

  // Per-instance opacity: instance 7 fades to the background, 3 stays.
  session.selection().clear();
  auto* opacity = list.findChild<QSlider*>("instanceOpacity");
  ASSERT_NE(opacity, nullptr);
  instances->clearSelection();
  EXPECT_FALSE(opacity->isEnabled());
  instances->topLevelItem(1)->setSelected(true);
  ASSERT_TRUE(opacity->isEnabled());
  EXPECT_EQ(opacity->value(), 100);
  opacity->setValue(0);
  EXPECT_DOUBLE_EQ(layer->labelOpacity(7), 0.0);
  EXPECT_DOUBLE_EQ(layer->labelOpacity(3), 1.0);
  image = frame();
  EXPECT_FALSE(differs(pixelAt(image, right), background)) << "transparent instance drawn";
  EXPECT_TRUE(differs(pixelAt(image, left), background));
  opacity->setValue(100);
  const QColor full = pixelAt(frame(), right);
  opacity->setValue(50);
  const QColor half = pixelAt(frame(), right);
  EXPECT_TRUE(differs(half, background));
  // A closed surface at 0.5 is two translucent sheets: 75 % of the colour.
  auto distance = [](QColor a, QColor b) {
    return std::abs(a.red() - b.red()) + std::abs(a.green() - b.green()) +
           std::abs(a.blue() - b.blue());
  };
  EXPECT_GT(distance(half, full), 25)
      << "half opacity blends with the background: " << half.name().toStdString() << " vs "
      << full.name().toStdString() << " over " << background.name().toStdString();
}

}  // namespace
