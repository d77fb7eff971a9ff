// What the user arranged comes back (issue #12, item 5): layer display state
// and the camera are captured from a scene, saved inside the view layout of a
// real session file, loaded into a fresh session and applied to a fresh view
// built from the reloaded datasets; the state read back equals the one saved
// and the picture matches the original (and differs from a default view).
// On the fsaverage5 surface page with an overlay, on a label volume
// (per-instance opacity, a hidden instance) and on multichannel slices and a
// rendering (channel looks).
#include <gtest/gtest.h>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QPainter>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <QWheelEvent>
#include <cmath>
#include <nlohmann/json.hpp>

#include "GuiTestUtil.h"
#include "io/ReaderRegistry.h"
#include "io/Session.h"
#include "io/SessionFile.h"
#include "io/ViewState.h"
#include "tests/support/TestSupport.h"
#include "widgets/VtkView.h"
#include "widgets/pages/surface/SurfacePage.h"
#include "widgets/scene/LabelVolumeLayer.h"
#include "widgets/scene/LayerList.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/SurfaceLayer.h"
#include "widgets/scene/VolumeLayers.h"

using nl::io::SceneState;
using nl::test::freshFrame;

namespace {

const std::filesystem::path kFixtures = NEUROLOUPE_FIXTURES_DIR;

void snapshot(const QImage& image, const char* name) {
  if (const char* dir = std::getenv("NL_TEST_SNAPSHOTS"))
    image.save(QString::fromLocal8Bit(dir) + "/" + name);
}

// Saves `session` with `state` inside its view layout (as a page would put
// it), loads the file into `reloaded` and returns the state read back.
SceneState saveAndReload(nl::io::Session& session, const SceneState& state,
                         nl::io::Session& reloaded) {
  QTemporaryDir dir;
  EXPECT_TRUE(dir.isValid());
  const std::filesystem::path path = dir.filePath("arranged.nlsession").toStdString();
  const nlohmann::json layout{{"tabs", {{{"type", "test"}, {"scene", nl::io::toJson(state)}}}},
                              {"current", 0}};
  session.setViewLayoutJson(layout.dump());
  nl::io::saveSession(session, path);
  const auto report = nl::io::loadSession(reloaded, path);
  EXPECT_TRUE(report.notices.empty()) << report.notices.front();
  const auto json = nlohmann::json::parse(reloaded.viewLayoutJson());
  std::vector<std::string> notices;
  SceneState back = nl::io::sceneStateFromJsonValue(json.at("tabs").at(0).at("scene"), &notices);
  EXPECT_TRUE(notices.empty()) << notices.front();
  return back;
}

nl::io::DatasetId byName(const nl::io::Session& session, const std::string& name) {
  for (const auto& entry : session.entries())
    if (entry.dataset->name() == name) return entry.id;
  ADD_FAILURE() << name << " did not come back";
  return nl::io::kNoDataset;
}

// A zoom as the user does it: one wheel step over the view.
void wheel(nl::widgets::VtkView& view, int steps) {
  const QPointF centre(view.width() / 2.0, view.height() / 2.0);
  QWheelEvent event(centre, view.mapToGlobal(centre), QPoint(), QPoint(0, 120 * steps),
                    Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
  QCoreApplication::sendEvent(&view, &event);
}

double distance(const nl::io::CameraState& c) {
  double d = 0;
  for (std::size_t i = 0; i < 3; ++i)
    d += (c.position[i] - c.focalPoint[i]) * (c.position[i] - c.focalPoint[i]);
  return std::sqrt(d);
}

void expectSameState(const SceneState& restored, const SceneState& saved) {
  EXPECT_EQ(restored.layers, saved.layers);
  EXPECT_EQ(restored.scalarBarLayer, saved.scalarBarLayer);
  ASSERT_TRUE(restored.camera && saved.camera);
  EXPECT_TRUE(nl::io::nearlyEqual(*restored.camera, *saved.camera, 1e-6))
      << nl::io::sceneStateToJson(restored) << "\nvs\n"
      << nl::io::sceneStateToJson(saved);
}

// ---------------------------------------------------------------------------
// The surface page: two fsaverage5 hemispheres, eccentricity on the left.

struct SurfaceSession {
  std::string left, right, overlay;
};

SurfaceSession loadSurfaces(nl::io::Session& session) {
  auto load = [&session](const std::string& relative) {
    const auto contents = nl::io::ReaderRegistry::builtin().open(kFixtures / relative);
    session.add(contents.datasets.at(0));
    return contents.datasets.at(0)->name();
  };
  SurfaceSession names;
  names.left = load("surface/fsaverage5/infl_left.gii.gz");
  names.right = load("surface/fsaverage5/infl_right.gii.gz");
  load("surface/fsaverage5/sulc_left.gii.gz");
  load("surface/fsaverage5/sulc_right.gii.gz");
  names.overlay = load("surface/benson14_fsaverage/lh.benson14_eccen.v4_0.mgz");
  return names;
}

// The page as the app opens it on these datasets (before any state).
std::unique_ptr<nl::widgets::SurfacePage> surfacePage(nl::io::Session& session,
                                                      const SurfaceSession& names) {
  auto page = std::make_unique<nl::widgets::SurfacePage>(session, byName(session, names.left));
  page->addHemisphere(byName(session, names.right));
  page->showOverlay(byName(session, names.overlay));
  page->resize(800, 600);
  page->show();
  EXPECT_TRUE(QTest::qWaitForWindowExposed(page.get()));
  return page;
}

TEST(RestoredView, SurfacePageComesBackFromASessionFile) {
  NL_REQUIRE_FIXTURE("surface/fsaverage5/infl_left.gii.gz");
  nl::io::Session session;
  const SurfaceSession names = loadSurfaces(session);
  auto page = surfacePage(session, names);
  (void)freshFrame(*page->view());  // framed as the user first sees it
  auto* left = page->layer(0);
  auto* right = page->layer(1);
  ASSERT_TRUE(left && right && left->hasScalars());
  // What a user does: colour map, range, threshold, opacity, hide the other
  // hemisphere, orbit and zoom.
  left->setColormap("hot");
  left->setScalarRange(2, 30);
  left->setThreshold(4);
  left->setOpacity(0.85);
  right->setVisible(false);
  const double before = distance(page->view()->cameraState());
  page->view()->orbit(-35, 20);
  wheel(*page->view(), 2);
  EXPECT_LT(distance(page->view()->cameraState()), 0.9 * before) << "the wheel did not zoom";
  const SceneState arranged = page->scene()->captureState();
  const QImage original = freshFrame(*page->view());
  snapshot(original, "viewstate_surface_original.png");
  ASSERT_EQ(arranged.layers.size(), 2u);
  EXPECT_EQ(arranged.layers[0].kind, "surface");
  EXPECT_EQ(arranged.layers[0].colormap, "hot");
  EXPECT_EQ(arranged.layers[0].range, (nl::io::ScalarRange{2, 30, false}));
  EXPECT_EQ(arranged.layers[0].threshold, 4.0);
  EXPECT_FALSE(arranged.layers[1].visible);

  nl::io::Session reloaded;
  const SceneState back = saveAndReload(session, arranged, reloaded);
  EXPECT_EQ(back, arranged) << "the state changed on its way through the session file";
  page.reset();

  // A page as the app opens it on the reloaded data, untouched: the default.
  auto untouched = surfacePage(reloaded, names);
  const QImage defaults = freshFrame(*untouched->view());
  untouched.reset();
  // The same page with the state applied, a layer list watching.
  auto restoredPage = surfacePage(reloaded, names);
  nl::widgets::LayerList list(restoredPage->scene());
  list.show();
  list.tree()->setCurrentItem(list.tree()->topLevelItem(1));  // row 1: the left hemisphere
  restoredPage->scene()->applyState(back);
  const QImage restored = freshFrame(*restoredPage->view());
  snapshot(restored, "viewstate_surface_restored.png");
  expectSameState(restoredPage->scene()->captureState(), arranged);
  EXPECT_LT(nl::test::differingFraction(restored, original, 24), 0.005);
  EXPECT_GT(nl::test::differingFraction(restored, defaults, 24), 0.05);

  // The layer list shows the restored values, not the ones it first read.
  EXPECT_EQ(list.tree()->topLevelItem(0)->checkState(0), Qt::Unchecked) << "right hidden";
  EXPECT_EQ(list.tree()->topLevelItem(1)->checkState(0), Qt::Checked);
  ASSERT_EQ(list.currentLayer(), restoredPage->layer(0));
  EXPECT_EQ(list.findChild<QComboBox*>()->currentText(), "hot");
  const auto boxes = list.findChildren<QDoubleSpinBox*>();
  ASSERT_GE(boxes.size(), 3);
  EXPECT_DOUBLE_EQ(boxes[0]->value(), 2.0);
  EXPECT_DOUBLE_EQ(boxes[1]->value(), 30.0);
  EXPECT_DOUBLE_EQ(boxes[2]->value(), 4.0);
}

TEST(RestoredView, LayersAreMatchedByNameAndMissingOnesAreSkipped) {
  NL_REQUIRE_FIXTURE("surface/fsaverage5/infl_left.gii.gz");
  nl::io::Session session;
  const SurfaceSession names = loadSurfaces(session);
  auto page = surfacePage(session, names);
  SceneState state = page->scene()->captureState();
  ASSERT_EQ(state.layers.size(), 2u);
  const auto leftBefore = page->layer(0)->displayState();
  // Saved in the other order, the right one hidden, a layer whose data did
  // not come back, and one of another kind under the left's name.
  std::swap(state.layers[0], state.layers[1]);
  state.layers[0].visible = false;
  state.layers[0].opacity = 0.3;
  nl::io::LayerState gone = state.layers[1];
  gone.name = "a mesh that is gone";
  gone.opacity = 0.1;
  nl::io::LayerState otherKind = state.layers[1];
  otherKind.kind = "points";
  otherKind.opacity = 0.2;
  state.layers.insert(state.layers.begin(), {gone, otherKind});
  state.scalarBarLayer = 2;  // the right hemisphere's entry
  state.camera.reset();
  const auto camera = page->view()->cameraState();
  page->scene()->applyState(state);
  const auto& layers = page->scene()->layers();
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0], page->layer(1)) << "the saved order: right first";
  EXPECT_EQ(layers[1], page->layer(0));
  EXPECT_FALSE(page->layer(1)->isVisible());
  EXPECT_DOUBLE_EQ(page->layer(1)->opacity(), 0.3);
  EXPECT_EQ(page->layer(0)->displayState(), leftBefore) << "the left took only its own entry";
  EXPECT_EQ(page->scene()->scalarBarLayer(), page->layer(1));
  EXPECT_TRUE(nl::io::nearlyEqual(page->view()->cameraState(), camera))
      << "a state without a camera leaves the camera";
  // A layer that arrives later under a skipped entry's name and kind takes it;
  // the entry of another kind stays unused.
  const auto mesh = byName(session, names.left);
  auto* late = new nl::widgets::SurfaceLayer(
      "a mesh that is gone", mesh,
      std::dynamic_pointer_cast<const nl::io::SurfaceMeshDataset>(session.find(mesh)));
  page->scene()->addLayer(late);
  EXPECT_DOUBLE_EQ(late->opacity(), 0.1);
  auto* again = new nl::widgets::SurfaceLayer(
      "a mesh that is gone", mesh,
      std::dynamic_pointer_cast<const nl::io::SurfaceMeshDataset>(session.find(mesh)));
  page->scene()->addLayer(again);
  EXPECT_DOUBLE_EQ(again->opacity(), 1.0) << "an entry is used once";
}

// ---------------------------------------------------------------------------
// Label volumes and multichannel images: a 3D view with its scene, as the
// volume page builds it.

struct VolumeView {
  explicit VolumeView(nl::io::Session& session)
      : view(std::make_unique<nl::widgets::VtkView>()),
        scene(std::make_unique<nl::widgets::Scene>(view.get(), session)) {
    view->resize(640, 480);
  }
  ~VolumeView() {
    scene.reset();  // layers hold actors of the view
    view.reset();
  }
  void show() {
    view->show();
    EXPECT_TRUE(QTest::qWaitForWindowExposed(view.get()));
  }
  std::unique_ptr<nl::widgets::VtkView> view;
  std::unique_ptr<nl::widgets::Scene> scene;
};

// 40 × 30 × 20 voxels: three boxes side by side along x, labels 1, 2, 3.
std::shared_ptr<nl::io::ArrayDataset> threeInstances() {
  const std::size_t nx = 40, ny = 30, nz = 20;
  std::vector<double> labels(nx * ny * nz, 0.0);
  for (std::size_t k = 5; k < 15; ++k)
    for (std::size_t j = 8; j < 22; ++j)
      for (std::size_t i = 3; i < 33; ++i)
        if (i % 12 < 9) labels[(k * ny + j) * nx + i] = static_cast<double>(1 + i / 12);
  return std::make_shared<nl::io::ArrayDataset>(
      nl::io::DatasetKind::LabelVolume, "instances", std::vector<std::size_t>{nz, ny, nx},
      std::move(labels), nl::io::Provenance{}, nl::io::Attributes{{"spacing", "1,1,1.5"}});
}

nl::widgets::LabelVolumeLayer* addLabelsTo(nl::widgets::Scene& scene, nl::io::Session& session) {
  const auto id = byName(session, "instances");
  auto volume = std::dynamic_pointer_cast<const nl::io::ArrayDataset>(session.find(id));
  auto* layer = new nl::widgets::LabelVolumeLayer("instances", id, volume);
  scene.addLayer(layer);
  return layer;
}

nl::widgets::LabelVolumeLayer* addLabels(VolumeView& v, nl::io::Session& session) {
  return addLabelsTo(*v.scene, session);
}

// The picture of a view made by `build` on `session`, untouched: the default.
template <typename Build>
QImage defaultPicture(nl::io::Session& session, Build build) {
  VolumeView untouched(session);
  build(untouched, session);
  untouched.show();
  return freshFrame(*untouched.view);
}

TEST(RestoredView, LabelVolumeInstancesComeBack) {
  nl::io::Session session;
  session.add(threeInstances());
  VolumeView first(session);
  auto* labels = addLabels(first, session);
  ASSERT_EQ(labels->labels(), (std::vector<int>{1, 2, 3}));
  first.show();
  (void)freshFrame(*first.view);
  labels->setLabelOpacity(2, 0.35);
  labels->setLabelVisible(3, false);
  labels->setOpacity(0.9);
  first.view->orbit(30, -25);
  wheel(*first.view, 1);
  const SceneState arranged = first.scene->captureState();
  const QImage original = freshFrame(*first.view);
  snapshot(original, "viewstate_labels_original.png");
  ASSERT_EQ(arranged.layers.size(), 1u);
  EXPECT_EQ(arranged.layers[0].kind, "labels");
  EXPECT_EQ(arranged.layers[0].itemVisible, (std::map<std::int64_t, bool>{{3, false}}));
  EXPECT_EQ(arranged.layers[0].itemOpacity, (std::map<std::int64_t, double>{{2, 0.35}}));

  nl::io::Session reloaded;
  const SceneState back = saveAndReload(session, arranged, reloaded);
  EXPECT_EQ(back, arranged);
  const QImage defaults = defaultPicture(reloaded, addLabels);
  VolumeView restored(reloaded);
  auto* restoredLabels = addLabels(restored, reloaded);
  nl::widgets::LayerList list(restored.scene.get());
  list.show();
  restored.show();
  restored.scene->applyState(back);
  const QImage image = freshFrame(*restored.view);
  snapshot(image, "viewstate_labels_restored.png");
  expectSameState(restored.scene->captureState(), arranged);
  EXPECT_FALSE(restoredLabels->labelVisible(3));
  EXPECT_DOUBLE_EQ(restoredLabels->labelOpacity(2), 0.35);
  EXPECT_LT(nl::test::differingFraction(image, original, 24), 0.005);
  EXPECT_GT(nl::test::differingFraction(image, defaults, 24), 0.05);
  // A view restored before its layer arrives (a preview read in the
  // background): the layer and the camera take the state when it comes.
  {
    VolumeView late(reloaded);
    late.scene->applyState(back);
    addLabels(late, reloaded);
    late.show();
    const QImage lateImage = freshFrame(*late.view);
    expectSameState(late.scene->captureState(), arranged);
    EXPECT_LT(nl::test::differingFraction(lateImage, original, 24), 0.005);
  }
  // The layer list's instance list follows: instance 3 unchecked.
  auto* instances = list.findChild<QTreeWidget*>("instanceList");
  ASSERT_NE(instances, nullptr);
  ASSERT_EQ(instances->topLevelItemCount(), 3);
  EXPECT_EQ(instances->topLevelItem(0)->checkState(0), Qt::Checked);
  EXPECT_EQ(instances->topLevelItem(2)->checkState(0), Qt::Unchecked);
}

// A page with two views through one camera (as the FISBe page shows ground
// truth and prediction), saved and restored by the page-level helpers.
struct TwoViewPage : QWidget {
  explicit TwoViewPage(nl::io::Session& session) {
    resize(900, 420);
    auto* layout = new QHBoxLayout(this);
    for (auto*& view : views) {
      view = new nl::widgets::VtkView();
      layout->addWidget(view);
    }
    views[1]->shareCameraWith(views[0]);
    for (std::size_t i = 0; i < 2; ++i) {
      scenes[i] = new nl::widgets::Scene(views[i], session, this);
      layers[i] = addLabelsTo(*scenes[i], session);
    }
  }
  QImage grabViews() {
    // Both views, side by side, each drawn afresh.
    const QImage a = freshFrame(*views[0]), b = freshFrame(*views[1]);
    QImage both(a.width() + b.width(), std::max(a.height(), b.height()), QImage::Format_RGB32);
    both.fill(Qt::black);
    QPainter painter(&both);
    painter.drawImage(0, 0, a);
    painter.drawImage(a.width(), 0, b);
    return both;
  }
  std::array<nl::widgets::VtkView*, 2> views{};
  std::array<nl::widgets::Scene*, 2> scenes{};
  std::array<nl::widgets::LabelVolumeLayer*, 2> layers{};
};

TEST(RestoredView, BothScenesOfATwoViewPageComeBackInOrder) {
  nl::io::Session session;
  session.add(threeInstances());
  auto page = std::make_unique<TwoViewPage>(session);
  page->show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(page.get()));
  (void)page->grabViews();
  // Different choices in each view; the camera moved through one of them.
  page->layers[0]->setLabelVisible(1, false);
  page->layers[1]->setLabelOpacity(3, 0.3);
  page->layers[1]->setOpacity(0.8);
  page->views[1]->orbit(-40, 15);
  const auto arranged = nl::widgets::captureScenes(*page);
  ASSERT_EQ(arranged.size(), 2u);
  EXPECT_EQ(arranged[0].layers[0].itemVisible, (std::map<std::int64_t, bool>{{1, false}}));
  EXPECT_EQ(arranged[1].layers[0].itemOpacity, (std::map<std::int64_t, double>{{3, 0.3}}));
  ASSERT_TRUE(arranged[0].camera && arranged[1].camera);
  EXPECT_TRUE(nl::io::nearlyEqual(*arranged[0].camera, *arranged[1].camera)) << "one camera";
  const QImage original = page->grabViews();

  // Through a session file, as the page's entry in the view layout.
  QTemporaryDir dir;
  const std::filesystem::path path = dir.filePath("two.nlsession").toStdString();
  session.setViewLayoutJson(
      nlohmann::json{{"tabs", {{{"scenes", nl::io::toJson(arranged)}}}}}.dump());
  nl::io::saveSession(session, path);
  page.reset();
  nl::io::Session reloaded;
  nl::io::loadSession(reloaded, path);
  const auto back = nl::io::sceneStatesFromJsonValue(
      nlohmann::json::parse(reloaded.viewLayoutJson())["tabs"][0]["scenes"]);
  ASSERT_EQ(back.size(), 2u);

  TwoViewPage defaults(reloaded);
  defaults.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&defaults));
  const QImage untouched = defaults.grabViews();
  TwoViewPage restored(reloaded);
  restored.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&restored));
  EXPECT_EQ(nl::widgets::applyScenes(restored, back), 2u);
  const QImage image = restored.grabViews();
  snapshot(image, "viewstate_two_views_restored.png");
  const auto again = nl::widgets::captureScenes(restored);
  ASSERT_EQ(again.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) expectSameState(again[i], arranged[i]);
  EXPECT_LT(nl::test::differingFraction(image, original, 24), 0.005);
  EXPECT_GT(nl::test::differingFraction(image, untouched, 24), 0.05);
}

// 36 × 28 × 24 voxels, three channels with different structures:
// red a slab along x, green a ball, blue a gradient along z.
std::shared_ptr<nl::io::ArrayDataset> threeChannels() {
  const std::size_t nx = 36, ny = 28, nz = 24;
  std::vector<double> values(nx * ny * nz * 3);
  for (std::size_t k = 0; k < nz; ++k)
    for (std::size_t j = 0; j < ny; ++j)
      for (std::size_t i = 0; i < nx; ++i) {
        const double x = static_cast<double>(i), y = static_cast<double>(j),
                     z = static_cast<double>(k);
        double* v = &values[((k * ny + j) * nx + i) * 3];
        v[0] = std::abs(y - 8) < 3 ? 800 : 50;
        v[1] = (x - 24) * (x - 24) + (y - 18) * (y - 18) + (z - 12) * (z - 12) < 49 ? 300 : 20;
        v[2] = 10 * z + x;
      }
  return std::make_shared<nl::io::ArrayDataset>(
      nl::io::DatasetKind::Volume, "raw", std::vector<std::size_t>{nz, ny, nx, 3},
      std::move(values), nl::io::Provenance{}, nl::io::Attributes{{"spacing", "1,1,1"}});
}

struct ChannelLayers {
  nl::widgets::SliceLayer* slices;
  nl::widgets::VolumeLayer* rendering;
};

ChannelLayers addChannels(VolumeView& v, nl::io::Session& session) {
  const auto id = byName(session, "raw");
  auto volume = std::dynamic_pointer_cast<const nl::io::ArrayDataset>(session.find(id));
  auto* rendering = new nl::widgets::VolumeLayer("raw rendering", id, volume);
  auto* slices = new nl::widgets::SliceLayer("raw", id, volume);
  v.scene->addLayer(rendering);
  v.scene->addLayer(slices);
  return {slices, rendering};
}

TEST(RestoredView, MultichannelLooksComeBack) {
  nl::io::Session session;
  session.add(threeChannels());
  VolumeView first(session);
  auto [slices, rendering] = addChannels(first, session);
  ASSERT_EQ(slices->channelCount(), 3u);
  ASSERT_EQ(rendering->channelCount(), 3u);
  first.show();
  (void)freshFrame(*first.view);
  // Magenta red channel with a tighter contrast and gamma, green dimmer,
  // blue hidden; the slices moved; the rendering a MIP; the same looks on
  // both (as the layer list sets them).
  std::vector<nl::widgets::ChannelLook> looks;
  for (std::size_t c = 0; c < 3; ++c) looks.push_back(slices->channelLook(c));
  looks[0].colour = QColor(255, 0, 255);
  looks[0].low = 100, looks[0].high = 600, looks[0].gamma = 0.6;
  looks[1].high *= 3;
  looks[2].visible = false;
  for (std::size_t c = 0; c < 3; ++c) {
    slices->setChannelLook(c, looks[c]);
    rendering->setChannelLook(c, looks[c]);
  }
  slices->setCrosshair(10, 20, 6);
  rendering->setMode(nl::widgets::VolumeLayer::Mode::MaximumIntensity);
  rendering->setOpacity(0.7);
  first.view->orbit(40, 30);
  wheel(*first.view, -1);
  const SceneState arranged = first.scene->captureState();
  const QImage original = freshFrame(*first.view);
  snapshot(original, "viewstate_channels_original.png");
  ASSERT_EQ(arranged.layers.size(), 2u);
  EXPECT_EQ(arranged.layers[1].kind, "slices");
  ASSERT_EQ(arranged.layers[1].channels.size(), 3u);
  EXPECT_EQ(arranged.layers[1].channels[0].rgb, (std::array<int, 3>{255, 0, 255}));
  EXPECT_DOUBLE_EQ(arranged.layers[1].channels[0].gamma, 0.6);
  EXPECT_FALSE(arranged.layers[1].channels[2].visible);
  EXPECT_EQ(arranged.layers[1].extras.at("crosshair"), "10,20,6");
  EXPECT_EQ(arranged.layers[0].extras.at("mode"), "mip");

  nl::io::Session reloaded;
  const SceneState back = saveAndReload(session, arranged, reloaded);
  EXPECT_EQ(back, arranged);
  const QImage defaults = defaultPicture(reloaded, addChannels);
  VolumeView restored(reloaded);
  const auto restoredLayers = addChannels(restored, reloaded);
  restored.show();
  restored.scene->applyState(back);
  const QImage image = freshFrame(*restored.view);
  snapshot(image, "viewstate_channels_restored.png");
  expectSameState(restored.scene->captureState(), arranged);
  for (std::size_t c = 0; c < 3; ++c) {
    EXPECT_EQ(restoredLayers.slices->channelLook(c), looks[c]) << "channel " << c;
    EXPECT_EQ(restoredLayers.rendering->channelLook(c), looks[c]) << "channel " << c;
  }
  EXPECT_EQ(restoredLayers.slices->crosshair(), (std::array<std::size_t, 3>{10, 20, 6}));
  EXPECT_LT(nl::test::differingFraction(image, original, 24), 0.005);
  EXPECT_GT(nl::test::differingFraction(image, defaults, 24), 0.05);
}

}  // namespace
