// The remaining layer features on pixels: surface labels with their colour
// table, points coloured by an attribute, tube picking, RGB volumes, and the
// layer list hiding a layer.
#include <gtest/gtest.h>

#include <QTest>
#include <QTreeWidget>

#include "GuiTestUtil.h"
#include "io/Session.h"
#include "widgets/Colormap.h"
#include "widgets/VtkView.h"
#include "widgets/scene/LayerList.h"
#include "widgets/scene/PointsLayer.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/SurfaceLayer.h"
#include "widgets/scene/VolumeLayers.h"

using nl::test::waitUntil;

namespace {

struct LayerFixture : ::testing::Test {
  void SetUp() override {
    view = std::make_unique<nl::widgets::VtkView>();
    view->resize(360, 360);
    scene = std::make_unique<nl::widgets::Scene>(view.get(), session);
  }
  void showFrom(nl::widgets::VtkView::StandardView direction) {
    view->show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(view.get()));
    view->setStandardView(direction);
  }
  QImage frame() { return nl::test::freshFrame(*view); }
  QColor at(const QImage& image, std::array<double, 3> world) {
    return nl::test::pixelAtWorld(*view, image, world).value_or(QColor());
  }
  static int distance(QColor a, QColor b) {
    return std::abs(a.red() - b.red()) + std::abs(a.green() - b.green()) +
           std::abs(a.blue() - b.blue());
  }
  nl::io::Session session;
  std::unique_ptr<nl::widgets::VtkView> view;
  std::unique_ptr<nl::widgets::Scene> scene;
};

TEST_F(LayerFixture, SurfaceLabelsUseTheirColourTable) {
  // Two triangles side by side: left labelled 1 (red), right labelled 2 (blue).
  auto mesh = std::make_shared<nl::io::SurfaceMeshDataset>(
      "quad", std::vector<float>{-2, -1, 0, 0, -1, 0, 0, 1, 0, -2, 1, 0, 2, -1, 0, 2, 1, 0},
      std::vector<std::int32_t>{0, 1, 2, 0, 2, 3, 1, 4, 5, 1, 5, 2});
  auto* layer = new nl::widgets::SurfaceLayer("labels", session.add(mesh), mesh);
  nl::widgets::SurfaceLabels labels;
  labels.perVertex = {1, 1, 1, 1, 2, 2};
  labels.colours = {{1, QColor(220, 30, 30)}, {2, QColor(30, 30, 220)}};
  layer->setLabels(labels);
  scene->addLayer(layer);
  showFrom(nl::widgets::VtkView::StandardView::Dorsal);
  const QImage image = frame();
  EXPECT_LT(distance(at(image, {-1.5, 0, 0}), QColor(220, 30, 30)), 70);
  EXPECT_LT(distance(at(image, {1.7, 0, 0}), QColor(30, 30, 220)), 70);
  layer->setLabelsVisible(false);
  const QColor plain = at(frame(), {-1.5, 0, 0});
  EXPECT_LT(std::abs(plain.red() - plain.blue()), 20) << "labels hidden: the neutral surface shows";
}

TEST_F(LayerFixture, PointsColouredByAttributeAndHiddenFromTheLayerList) {
  std::vector<std::array<double, 3>> positions{{-10, 0, 0}, {10, 0, 0}};
  auto* points = new nl::widgets::PointsLayer("units", 1, positions, 3.0);
  points->setAttributes({{"firing_rate", {1.0, 30.0}}});
  points->colourBy("firing_rate");
  points->setColormap("viridis");
  scene->addLayer(points);
  showFrom(nl::widgets::VtkView::StandardView::Dorsal);
  QImage image = frame();
  // Lit spheres have a specular spot at the centre: compare hues, not RGB.
  const QColor low = at(image, {-10, 1.5, 0}), high = at(image, {10, 1.5, 0});
  EXPECT_GT(low.blue(), low.green()) << "low rate should be viridis purple";
  EXPECT_GT(high.green(), high.blue() + 40) << "high rate should be viridis yellow";
  EXPECT_GT(high.red(), high.blue() + 40);
  const QColor background = at(image, {0, 0, 0});  // same screen row: the gradient does not matter
  nl::widgets::LayerList list(scene.get());
  auto* item = list.tree()->topLevelItem(0);
  ASSERT_NE(item, nullptr);
  item->setCheckState(0, Qt::Unchecked);
  EXPECT_FALSE(points->isVisible());
  image = frame();
  EXPECT_LT(distance(at(image, {10, 0, 0}), background), 30) << "hidden layer still drawn";
}

TEST_F(LayerFixture, ClickOnATubePicksItsLine) {
  std::vector<nl::widgets::LinesLayer::Polyline> lines{{{-10, -5, 0}, {10, -5, 0}},
                                                       {{-10, 5, 0}, {0, 6, 0}, {10, 5, 0}}};
  auto* tubes = new nl::widgets::LinesLayer("threads", 9, lines, 1.0, QColor(200, 200, 200));
  scene->addLayer(tubes);
  showFrom(nl::widgets::VtkView::StandardView::Dorsal);
  frame();
  const auto where = view->worldToWidget({5, 5.5, 0});
  QTest::mouseClick(view.get(), Qt::LeftButton, Qt::NoModifier, where->toPoint());
  EXPECT_EQ(session.selection().dataset(), 9u);
  EXPECT_EQ(session.selection().indices(), std::vector<std::int64_t>{1});
  EXPECT_TRUE(nl::test::isHighlightYellow(at(frame(), {5, 5.5, 0})))
      << "the picked thread is highlighted";
}

TEST_F(LayerFixture, RgbVolumeShowsEachChannelInItsColour) {
  // 30³ × 3 channels: a red block on the left, a green block on the right.
  const std::size_t n = 30;
  std::vector<double> values(n * n * n * 3, 0.0);
  for (std::size_t k = 5; k < 25; ++k)
    for (std::size_t j = 5; j < 25; ++j)
      for (std::size_t i = 0; i < n; ++i)
        values[((k * n + j) * n + i) * 3 + (i < 15 ? 0 : 1)] = 255;
  auto volume = std::make_shared<nl::io::ArrayDataset>(
      nl::io::DatasetKind::Volume, "rgb", std::vector<std::size_t>{n, n, n, 3}, std::move(values));
  auto* layer = new nl::widgets::VolumeLayer("rgb", session.add(volume), volume);
  layer->setMode(nl::widgets::VolumeLayer::Mode::MaximumIntensity);
  scene->addLayer(layer);
  showFrom(nl::widgets::VtkView::StandardView::Dorsal);
  const QImage image = frame();
  const QColor left = at(image, {7, 15, 15}), right = at(image, {22, 15, 15});
  EXPECT_GT(left.red(), left.green() + 60) << "left block should be red";
  EXPECT_GT(right.green(), right.red() + 60) << "right block should be green";

  // Per-channel looks: limits from the data, gamma, colour and hiding.
  ASSERT_EQ(layer->channelCount(), 3u);
  auto red = layer->channelLook(0);
  EXPECT_DOUBLE_EQ(red.high, 255.0);
  EXPECT_GT(layer->channelColourAt(0, 255).red(), 240);
  red.low = 0;
  red.gamma = 2.0;
  layer->setChannelLook(0, red);
  // Half-way up the limits, gamma 2 shows a quarter of the colour.
  EXPECT_NEAR(layer->channelColourAt(0, 127.5).redF(), 0.25, 0.03);
  red.colour = QColor(255, 255, 0);
  red.gamma = 1.0;
  layer->setChannelLook(0, red);
  const QColor yellow = layer->channelColourAt(0, 255);
  EXPECT_GT(yellow.green(), 240);
  EXPECT_GT(yellow.red(), 240);
  auto green = layer->channelLook(1);
  green.visible = false;
  layer->setChannelLook(1, green);
  const QColor hidden = at(frame(), {22, 15, 15});
  EXPECT_LT(hidden.green(), right.green() - 60) << "the hidden green channel is gone";
}

}  // namespace
