// Orthogonal slices of multichannel microscopy volumes on real pixels: the
// additive colour composite (napari/ImageJ) drawn on each of the three slices,
// per-channel looks that show up in the pixels, the crosshair and picking, two
// channels, and the >4-channel refusal.
#include <gtest/gtest.h>

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QTest>
#include <QTreeWidget>
#include <algorithm>
#include <cmath>

#include "GuiTestUtil.h"
#include "io/Session.h"
#include "widgets/VtkView.h"
#include "widgets/scene/LayerList.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/VolumeLayers.h"

using nl::test::waitUntil;
using nl::widgets::ChannelLook;
using nl::widgets::SliceLayer;

namespace {

// 48 × 40 × 32 voxels (x, y, z), three channels, each with its own structure
// and value range so no channel could stand in for another:
//  red:   a tube along z at (x, y) = (12, 28), radius 3.5, value 1000 + 50 z (background 100);
//  green: a ball at (34, 14, 20), radius 9, value 200 (background 10);
//  blue:  an oblique slab 53 ≤ x + z ≤ 55, value 600 (background 0) — it cuts the ball.
constexpr std::size_t kNx = 48, kNy = 40, kNz = 32;
constexpr std::array<double, 3> kSpacing{0.5, 0.5, 1.0}, kOrigin{1.0, -2.0, 3.0};

std::size_t flat(std::size_t i, std::size_t j, std::size_t k) {
  return i + kNx * (j + kNy * k);
}

std::shared_ptr<const nl::io::ArrayDataset> threeStructures() {
  std::vector<double> values(kNx * kNy * kNz * 3);
  for (std::size_t k = 0; k < kNz; ++k)
    for (std::size_t j = 0; j < kNy; ++j)
      for (std::size_t i = 0; i < kNx; ++i) {
        const double x = static_cast<double>(i), y = static_cast<double>(j),
                     z = static_cast<double>(k);
        double* v = &values[flat(i, j, k) * 3];
        v[0] = (x - 12) * (x - 12) + (y - 28) * (y - 28) <= 12.25 ? 1000 + 50 * z : 100;
        v[1] = (x - 34) * (x - 34) + (y - 14) * (y - 14) + (z - 20) * (z - 20) <= 81 ? 200 : 10;
        v[2] = x + z >= 53 && x + z <= 55 ? 600 : 0;
      }
  return std::make_shared<nl::io::ArrayDataset>(
      nl::io::DatasetKind::Volume, "three structures", std::vector<std::size_t>{kNz, kNy, kNx, 3},
      std::move(values), nl::io::Provenance{},
      nl::io::Attributes{{"spacing", "0.5,0.5,1"}, {"origin", "1,-2,3"}});
}

// The composite written out independently of the layer: Σ visible colour ·
// clamp((v − low)/(high − low), 0, 1)^gamma, clamped, in 8 bits.
QColor expectedColour(const nl::io::ArrayDataset& volume, const std::vector<ChannelLook>& looks,
                      std::size_t voxel) {
  const std::size_t channels = volume.shape().at(3);
  double rgb[3] = {0, 0, 0};
  for (std::size_t c = 0; c < channels; ++c) {
    const ChannelLook& look = looks[c];
    if (!look.visible) continue;
    const double t = std::clamp(
        (volume.values()[voxel * channels + c] - look.low) / (look.high - look.low), 0.0, 1.0);
    const double shown = std::pow(t, look.gamma);
    rgb[0] += shown * look.colour.redF();
    rgb[1] += shown * look.colour.greenF();
    rgb[2] += shown * look.colour.blueF();
  }
  auto byte = [](double x) { return static_cast<int>(std::lround(255 * std::min(1.0, x))); };
  return QColor(byte(rgb[0]), byte(rgb[1]), byte(rgb[2]));
}

std::vector<ChannelLook> looksOf(const SliceLayer& layer) {
  std::vector<ChannelLook> looks;
  for (std::size_t c = 0; c < layer.channelCount(); ++c) looks.push_back(layer.channelLook(c));
  return looks;
}

bool near(QColor a, QColor b, int tolerance) {
  return std::abs(a.red() - b.red()) <= tolerance && std::abs(a.green() - b.green()) <= tolerance &&
         std::abs(a.blue() - b.blue()) <= tolerance;
}

std::string text(QColor c) {
  return "(" + std::to_string(c.red()) + ", " + std::to_string(c.green()) + ", " +
         std::to_string(c.blue()) + ")";
}

TEST(ChannelSlices, LooksDefaultAsTheVolumeRenderingsAndComposeAdditively) {
  const auto volume = threeStructures();
  const SliceLayer slices("slices", 1, volume);
  const nl::widgets::VolumeLayer rendering("rendering", 1, volume);
  ASSERT_EQ(slices.channelCount(), 3u);
  EXPECT_FALSE(slices.hasScalars()) << "a colour composite has no single colormap";
  for (std::size_t c = 0; c < 3; ++c)
    EXPECT_TRUE(slices.channelLook(c) == rendering.channelLook(c)) << "channel " << c;
  // 0.5th and 99.5th percentiles (NumPy's np.percentile on the same arrays).
  EXPECT_DOUBLE_EQ(slices.channelLook(0).low, 100.0);
  EXPECT_DOUBLE_EQ(slices.channelLook(0).high, 2150.0);
  EXPECT_DOUBLE_EQ(slices.channelLook(1).low, 10.0);
  EXPECT_DOUBLE_EQ(slices.channelLook(1).high, 200.0);
  EXPECT_DOUBLE_EQ(slices.channelLook(2).low, 0.0);
  EXPECT_DOUBLE_EQ(slices.channelLook(2).high, 600.0);
  EXPECT_EQ(slices.channelLook(0).colour, QColor(255, 40, 40));
  EXPECT_EQ(slices.channelLook(1).colour, QColor(40, 255, 40));
  EXPECT_EQ(slices.channelLook(2).colour, QColor(60, 110, 255));

  // Known voxels: background black, the ball green, ball ∩ slab clamped cyan,
  // the tube red in proportion to its value.
  EXPECT_EQ(slices.displayedColour(2, 2, 2), QColor(0, 0, 0));
  EXPECT_EQ(slices.displayedColour(30, 14, 20), QColor(40, 255, 40));
  EXPECT_EQ(slices.displayedColour(34, 14, 20), QColor(100, 255, 255));
  EXPECT_EQ(slices.displayedColour(34, 30, 20), QColor(60, 110, 255));
  const double t = (2000.0 - 100.0) / (2150.0 - 100.0);
  EXPECT_EQ(slices.displayedColour(12, 28, 20),
            QColor(static_cast<int>(std::lround(255 * t)), static_cast<int>(std::lround(40 * t)),
                   static_cast<int>(std::lround(40 * t))));
  // Every voxel, displayed or not, agrees with the formula.
  const auto looks = looksOf(slices);
  int wrong = 0;
  for (std::size_t k = 0; k < kNz; ++k)
    for (std::size_t j = 0; j < kNy; ++j)
      for (std::size_t i = 0; i < kNx; ++i)
        wrong += slices.displayedColour(i, j, k) != expectedColour(*volume, looks, flat(i, j, k));
  EXPECT_EQ(wrong, 0);

  // One channel keeps its colormap and has no looks.
  const auto single = std::make_shared<nl::io::ArrayDataset>(nl::io::DatasetKind::Volume, "single",
                                                             std::vector<std::size_t>{4, 5, 6},
                                                             std::vector<double>(120, 1.0));
  SliceLayer grey("grey", 2, single);
  EXPECT_TRUE(grey.hasScalars());
  EXPECT_EQ(grey.channelCount(), 0u);
  EXPECT_THROW(grey.setChannelLook(0, ChannelLook{}), std::out_of_range);
  SliceLayer colour("colour", 1, volume);
  EXPECT_THROW(colour.setChannelLook(3, ChannelLook{}), std::out_of_range);
}

TEST(ChannelSlices, MoreThanFourChannelsIsAClearError) {
  const auto five = std::make_shared<nl::io::ArrayDataset>(
      nl::io::DatasetKind::Volume, "five colours", std::vector<std::size_t>{3, 4, 5, 5},
      std::vector<double>(300, 1.0));
  try {
    SliceLayer slices("slices", 1, five);
    ADD_FAILURE() << "five channels accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("five colours"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("more than 4 channels"), std::string::npos)
        << error.what();
  }
  const auto fiveD = std::make_shared<nl::io::ArrayDataset>(nl::io::DatasetKind::Volume, "5-D",
                                                            std::vector<std::size_t>{2, 3, 4, 5, 2},
                                                            std::vector<double>(240, 1.0));
  EXPECT_THROW(SliceLayer("slices", 1, fiveD), std::invalid_argument);
}

TEST(ChannelSlices, OverlayDrawsOverTheComposite) {
  const auto volume = threeStructures();
  SliceLayer slices("slices", 1, volume);
  std::vector<double> z(kNx * kNy * kNz, 0.0);
  z[flat(30, 14, 20)] = 5.0;
  const auto zmap = std::make_shared<nl::io::ArrayDataset>(
      nl::io::DatasetKind::Volume, "z", std::vector<std::size_t>{kNz, kNy, kNx}, z,
      nl::io::Provenance{}, volume->attributes());
  ASSERT_TRUE(slices.fitsGrid(*zmap));
  slices.setOverlay(zmap, 2.3);
  const QColor hot = slices.displayedColour(30, 14, 20);
  EXPECT_GT(hot.red(), hot.green() + 80) << "z = 5 at the top of RdBu_r: dark red";
  EXPECT_EQ(slices.displayedColour(34, 14, 20), QColor(100, 255, 255)) << "the composite beneath";
  slices.clearOverlay();
  EXPECT_EQ(slices.displayedColour(30, 14, 20), QColor(40, 255, 40));
}

struct ChannelSlicesView : ::testing::Test {
  void SetUp() override {
    view = std::make_unique<nl::widgets::VtkView>();
    view->resize(480, 480);
    scene = std::make_unique<nl::widgets::Scene>(view.get(), session);
  }
  QImage frame() { return nl::test::freshFrame(*view); }
  static std::array<double, 3> centre(std::size_t i, std::size_t j, std::size_t k) {
    return {kOrigin[0] + kSpacing[0] * static_cast<double>(i),
            kOrigin[1] + kSpacing[1] * static_cast<double>(j),
            kOrigin[2] + kSpacing[2] * static_cast<double>(k)};
  }
  QColor pixelAt(const QImage& image, std::array<double, 3> world) {
    const auto colour = nl::test::pixelAtWorld(*view, image, world);
    EXPECT_TRUE(colour.has_value());
    return colour.value_or(QColor());
  }
  QColor pixelOf(const QImage& image, std::size_t i, std::size_t j, std::size_t k) {
    return pixelAt(image, centre(i, j, k));
  }
  void show(nl::widgets::VtkView::StandardView side) {
    view->show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(view.get()));
    view->setStandardView(side);
  }
  // Compares the pixels of one slice (axis 0: x, 1: y, 2: z, at `index`)
  // with the layer's displayedColour and the independent formula, at every
  // `step`-th voxel away from the volume's border (the crosshair lies there).
  // Returns how many compared voxels are not black.
  int expectSliceMatches(const QImage& image, const SliceLayer& slices,
                         const nl::io::ArrayDataset& volume, int axis, std::size_t index,
                         std::size_t step = 2) {
    const std::array<std::size_t, 3> n{volume.shape()[2], volume.shape()[1], volume.shape()[0]};
    const auto looks = looksOf(slices);
    int compared = 0, lit = 0, wrong = 0;
    const std::size_t ua = axis == 0 ? 1 : 0, va = axis == 2 ? 1 : 2;
    for (std::size_t u = 2; u + 2 < n[ua]; u += step)
      for (std::size_t v = 2; v + 2 < n[va]; v += step) {
        std::array<std::size_t, 3> ijk{};
        ijk[static_cast<std::size_t>(axis)] = index, ijk[ua] = u, ijk[va] = v;
        const QColor shown = slices.displayedColour(ijk[0], ijk[1], ijk[2]);
        const std::size_t voxel = ijk[0] + n[0] * (ijk[1] + n[1] * ijk[2]);
        const QColor expected = expectedColour(volume, looks, voxel);
        const QColor pixel = pixelOf(image, ijk[0], ijk[1], ijk[2]);
        ++compared;
        lit += expected.red() + expected.green() + expected.blue() > 30;
        if (shown != expected || !near(pixel, expected, 3)) {
          if (++wrong <= 5)
            ADD_FAILURE() << "axis " << axis << " voxel (" << ijk[0] << ", " << ijk[1] << ", "
                          << ijk[2] << "): pixel " << text(pixel) << ", displayedColour "
                          << text(shown) << ", formula " << text(expected);
        }
      }
    EXPECT_EQ(wrong, 0) << "of " << compared << " voxels";
    return lit;
  }
  void snapshot(const QImage& image, const char* name) {
    if (const QByteArray dir = qgetenv("NL_TEST_SNAPSHOTS"); !dir.isEmpty())
      image.save(QString::fromUtf8(dir) + "/" + name + ".png");
  }
  nl::io::Session session;
  std::unique_ptr<nl::widgets::VtkView> view;
  std::unique_ptr<nl::widgets::Scene> scene;
};

using Side = nl::widgets::VtkView::StandardView;

// Each slice is seen face-on with the crosshair at the volume's near edges,
// so the other two slices never stand between it and the camera.
TEST_F(ChannelSlicesView, EverySliceShowsTheComposite) {
  const auto volume = threeStructures();
  auto* slices = new SliceLayer("slices", session.add(volume), volume);
  scene->addLayer(slices);
  show(Side::Dorsal);
  slices->setCrosshair(0, 0, 20);  // axial slice z = 20: tube, ball, slab through the ball
  QImage image = frame();
  snapshot(image, "channel_slices_axial");
  EXPECT_GT(expectSliceMatches(image, *slices, *volume, 2, 20), 40);
  EXPECT_GT(pixelOf(image, 12, 28, 20).red(), 150) << "the red tube";
  EXPECT_TRUE(near(pixelOf(image, 30, 14, 20), QColor(40, 255, 40), 3)) << "the green ball";
  EXPECT_TRUE(near(pixelOf(image, 34, 14, 20), QColor(100, 255, 255), 3)) << "ball + slab";

  slices->setCrosshair(0, 16, 0);  // coronal y = 16: the ball and the slab
  view->setStandardView(Side::Posterior);
  image = frame();
  snapshot(image, "channel_slices_coronal");
  EXPECT_GT(expectSliceMatches(image, *slices, *volume, 1, 16), 20);

  slices->setCrosshair(34, 0, 0);  // sagittal x = 34: the ball cut by the slab at z 19–21
  view->setStandardView(Side::Lateral);
  image = frame();
  snapshot(image, "channel_slices_sagittal");
  EXPECT_GT(expectSliceMatches(image, *slices, *volume, 0, 34), 20);
  EXPECT_TRUE(near(pixelOf(image, 34, 14, 20), QColor(100, 255, 255), 3));
  EXPECT_TRUE(near(pixelOf(image, 34, 14, 14), QColor(40, 255, 40), 3));
}

TEST_F(ChannelSlicesView, ChannelLooksShowInThePixels) {
  const auto volume = threeStructures();
  auto* slices = new SliceLayer("slices", session.add(volume), volume);
  scene->addLayer(slices);
  show(Side::Dorsal);
  slices->setCrosshair(0, 0, 20);
  frame();
  const std::array<std::size_t, 3> tube{12, 28, 20}, ball{30, 14, 20}, both{34, 14, 20},
      slab{34, 30, 20};
  auto pixel = [&](const QImage& image, std::array<std::size_t, 3> v) {
    return pixelOf(image, v[0], v[1], v[2]);
  };

  ChannelLook green = slices->channelLook(1);
  green.visible = false;
  slices->setChannelLook(1, green);
  QImage image = frame();
  EXPECT_TRUE(near(pixel(image, ball), QColor(0, 0, 0), 3)) << text(pixel(image, ball));
  EXPECT_TRUE(near(pixel(image, both), QColor(60, 110, 255), 3)) << "only the slab is left";
  EXPECT_TRUE(near(pixel(image, slab), QColor(60, 110, 255), 3));
  expectSliceMatches(image, *slices, *volume, 2, 20, 3);

  ChannelLook red = slices->channelLook(0);
  red.colour = QColor(255, 0, 255);
  red.low = 1000, red.high = 3000, red.gamma = 2;  // value 2000: t = 0.5, shown 0.25
  slices->setChannelLook(0, red);
  image = frame();
  EXPECT_TRUE(near(pixel(image, tube), QColor(64, 0, 64), 3)) << text(pixel(image, tube));
  red.gamma = 0.5;  // shown √0.5
  slices->setChannelLook(0, red);
  image = frame();
  EXPECT_TRUE(near(pixel(image, tube), QColor(180, 0, 180), 3)) << text(pixel(image, tube));

  green.visible = true;
  green.high = 400;  // 200 − 10 over 400 − 10
  slices->setChannelLook(1, green);
  image = frame();
  const double t = 190.0 / 390.0;
  EXPECT_TRUE(
      near(pixel(image, ball),
           QColor(static_cast<int>(std::lround(40 * t)), static_cast<int>(std::lround(255 * t)),
                  static_cast<int>(std::lround(40 * t))),
           3))
      << text(pixel(image, ball));
  expectSliceMatches(image, *slices, *volume, 2, 20, 3);
}

TEST_F(ChannelSlicesView, CrosshairFollowsTheSelectionAndClicksPickEveryChannel) {
  const auto volume = threeStructures();
  const auto id = session.add(volume);
  auto* slices = new SliceLayer("slices", id, volume);
  scene->addLayer(slices);
  QString picked;
  QObject::connect(scene.get(), &nl::widgets::Scene::picked,
                   [&](const nl::widgets::PickHit& hit) { picked = hit.description; });
  show(Side::Dorsal);
  slices->setCrosshair(0, 0, 20);
  QImage image = frame();
  EXPECT_TRUE(near(pixelOf(image, 34, 30, 20), QColor(60, 110, 255), 3)) << "slab at x 33–35";

  // Selecting a voxel moves the slices there; the composite follows.
  session.selection().select(id, {static_cast<std::int64_t>(flat(5, 3, 26))}, "test");
  EXPECT_EQ(slices->crosshair(), (std::array<std::size_t, 3>{5, 3, 26}));
  image = frame();
  EXPECT_TRUE(near(pixelOf(image, 28, 30, 26), QColor(60, 110, 255), 3))
      << "at z = 26 the slab is at x 27–29: " << text(pixelOf(image, 28, 30, 26));
  EXPECT_TRUE(near(pixelOf(image, 34, 30, 26), QColor(0, 0, 0), 3));
  const double t = (2300.0 - 100.0) / (2150.0 - 100.0);  // above the limit: full red
  EXPECT_GE(t, 1.0);
  EXPECT_TRUE(near(pixelOf(image, 12, 28, 26), QColor(255, 40, 40), 3));
  // The sagittal (x = 5) and coronal (y = 3) slices stand up on the left and
  // front; compare the axial slice beyond them.
  int wrong = 0;
  const auto looks = looksOf(*slices);
  for (std::size_t j = 6; j + 2 < kNy; j += 3)
    for (std::size_t i = 8; i + 2 < kNx; i += 3)
      wrong += !near(pixelOf(image, i, j, 26), expectedColour(*volume, looks, flat(i, j, 26)), 3);
  EXPECT_EQ(wrong, 0);

  // A click on the slice picks the voxel and reports every channel's value.
  const auto where = view->worldToWidget(centre(40, 20, 26));
  ASSERT_TRUE(where.has_value());
  QTest::mouseClick(view.get(), Qt::LeftButton, Qt::NoModifier, where->toPoint());
  ASSERT_EQ(session.selection().dataset(), id);
  ASSERT_EQ(session.selection().indices().size(), 1u);
  EXPECT_EQ(session.selection().indices().front(), static_cast<std::int64_t>(flat(40, 20, 26)));
  EXPECT_TRUE(picked.startsWith("voxel (40, 20, 26) = (100, 10, 0)")) << picked.toStdString();
  EXPECT_EQ(slices->crosshair(), (std::array<std::size_t, 3>{40, 20, 26}));
}

TEST_F(ChannelSlicesView, TwoChannelsAreRedAndGreen) {
  // 30 × 24 × 20: red rises along x (integers), green along y (fractions), so
  // every pixel's hue says where it is.
  const std::size_t nx = 30, ny = 24, nz = 20;
  std::vector<double> values(nx * ny * nz * 2);
  for (std::size_t k = 0; k < nz; ++k)
    for (std::size_t j = 0; j < ny; ++j)
      for (std::size_t i = 0; i < nx; ++i) {
        const std::size_t v = i + nx * (j + ny * k);
        values[2 * v] = 7.0 * static_cast<double>(i);
        values[2 * v + 1] = 300.25 + 11.5 * static_cast<double>(j);  // not integers
      }
  const auto volume = std::make_shared<nl::io::ArrayDataset>(
      nl::io::DatasetKind::Volume, "two", std::vector<std::size_t>{nz, ny, nx, 2},
      std::move(values));
  auto* slices = new SliceLayer("slices", session.add(volume), volume);
  ASSERT_EQ(slices->channelCount(), 2u);
  EXPECT_EQ(slices->channelLook(0).colour, QColor(255, 40, 40));
  EXPECT_EQ(slices->channelLook(1).colour, QColor(40, 255, 40));
  scene->addLayer(slices);
  show(Side::Dorsal);
  slices->setCrosshair(0, 0, 12);
  const QImage image = frame();
  snapshot(image, "channel_slices_two");
  std::vector<ChannelLook> looks = looksOf(*slices);
  int compared = 0, wrong = 0;
  for (std::size_t j = 2; j + 2 < ny; j += 2)
    for (std::size_t i = 2; i + 2 < nx; i += 2) {
      const QColor expected = expectedColour(*volume, looks, i + nx * (j + ny * 12));
      const QColor pixel = pixelAt(image, {static_cast<double>(i), static_cast<double>(j), 12.0});
      ++compared;
      if (!near(pixel, expected, 3) || slices->displayedColour(i, j, 12) != expected)
        if (++wrong <= 5)
          ADD_FAILURE() << "(" << i << ", " << j << "): pixel " << text(pixel) << ", formula "
                        << text(expected);
    }
  EXPECT_EQ(wrong, 0) << "of " << compared;
  const QColor left = pixelAt(image, {3, 20, 12}), right = pixelAt(image, {26, 3, 12});
  EXPECT_GT(left.green(), left.red() + 100) << "low x, high y: green";
  EXPECT_GT(right.red(), right.green() + 100) << "high x, low y: red";
}

// The layer list's per-channel editor, on either layer of one image, drives
// the slices and the volume rendering together (as MainWindow shows them).
// DISABLED until widgets/scene/LayerList.cpp edits SliceLayer looks too (the
// change is in the multichannel-slices report); enable it with that change.
TEST_F(ChannelSlicesView, LayerListLooksDriveSlicesAndRenderingTogether) {
  const auto volume = threeStructures();
  const auto id = session.add(volume);
  auto* slices = new SliceLayer("slices", id, volume);
  auto* rendering = new nl::widgets::VolumeLayer("rendering", id, volume);
  rendering->setVisible(false);
  scene->addLayer(slices);
  scene->addLayer(rendering);
  show(Side::Dorsal);
  slices->setCrosshair(0, 0, 20);
  EXPECT_TRUE(near(pixelOf(frame(), 30, 14, 20), QColor(40, 255, 40), 3));

  nl::widgets::LayerList list(scene.get());
  list.tree()->setCurrentItem(list.tree()->topLevelItem(1));  // top row draws last: slices
  ASSERT_EQ(list.currentLayer(), slices);
  auto* green = list.findChild<QWidget*>("channel1");
  ASSERT_NE(green, nullptr) << "no channel editor for multichannel slices";
  green->findChild<QCheckBox*>()->setChecked(false);
  EXPECT_FALSE(slices->channelLook(1).visible);
  EXPECT_FALSE(rendering->channelLook(1).visible) << "the rendering follows the slices";
  EXPECT_TRUE(near(pixelOf(frame(), 30, 14, 20), QColor(0, 0, 0), 3));

  list.tree()->setCurrentItem(list.tree()->topLevelItem(0));  // the rendering
  auto* red = list.findChild<QWidget*>("channel0");
  ASSERT_NE(red, nullptr);
  const auto boxes = red->findChildren<QDoubleSpinBox*>();  // low, high, gamma
  ASSERT_EQ(boxes.size(), 3);
  boxes[2]->setValue(2.0);
  EXPECT_DOUBLE_EQ(rendering->channelLook(0).gamma, 2.0);
  EXPECT_DOUBLE_EQ(slices->channelLook(0).gamma, 2.0) << "the slices follow the rendering";
  const QColor tube = pixelOf(frame(), 12, 28, 20);
  const double t = (2000.0 - 100.0) / (2150.0 - 100.0);
  EXPECT_NEAR(tube.red(), 255 * t * t, 3);
}

}  // namespace
