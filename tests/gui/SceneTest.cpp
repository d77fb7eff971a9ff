// 3D scene layers on real pixels: a known mesh lands where it should with the
// colormap's colours; clicks pick the right vertex and line.
#include <gtest/gtest.h>

#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkRenderer.h>
#include <QTest>

#include "GuiTestUtil.h"
#include "io/Session.h"
#include "widgets/Colormap.h"
#include "widgets/VtkView.h"
#include "widgets/scene/PointsLayer.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/SurfaceLayer.h"

using nl::test::waitUntil;

namespace {

// A flat 20 × 20 mm grid in the x-y plane, 21 × 21 vertices.
std::shared_ptr<const nl::io::SurfaceMeshDataset> flatGrid() {
  std::vector<float> vertices;
  std::vector<std::int32_t> triangles;
  const int n = 21;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      vertices.push_back(static_cast<float>(i - 10));
      vertices.push_back(static_cast<float>(j - 10));
      vertices.push_back(0.0f);
    }
  for (int j = 0; j + 1 < n; ++j)
    for (int i = 0; i + 1 < n; ++i) {
      const int a = j * n + i, b = a + 1, c = a + n, d = c + 1;
      triangles.insert(triangles.end(), {a, b, d, a, d, c});
    }
  return std::make_shared<nl::io::SurfaceMeshDataset>("grid", std::move(vertices),
                                                      std::move(triangles));
}

struct SceneFixture : ::testing::Test {
  void SetUp() override {
    mesh = flatGrid();
    meshId = session.add(mesh);
    view = std::make_unique<nl::widgets::VtkView>();
    view->resize(400, 400);
    scene = std::make_unique<nl::widgets::Scene>(view.get(), session);
    surface = new nl::widgets::SurfaceLayer("grid", meshId, mesh);
    std::vector<double> overlay;
    for (std::size_t v = 0; v < mesh->vertexCount(); ++v)
      overlay.push_back(mesh->vertices()[3 * v]);  // = x
    surface->setOverlay(overlay, "x");
    surface->setColormap("viridis");
    surface->setScalarRange(-10, 10);
    scene->addLayer(surface);
    view->show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(view.get()));
    view->setStandardView(nl::widgets::VtkView::StandardView::Dorsal);
    ASSERT_TRUE(waitUntil([&] { return view->framesRendered() > 1; }));
  }
  QImage frame() { return nl::test::freshFrame(*view); }

  nl::io::Session session;
  std::shared_ptr<const nl::io::SurfaceMeshDataset> mesh;
  nl::io::DatasetId meshId = 0;
  std::unique_ptr<nl::widgets::VtkView> view;
  std::unique_ptr<nl::widgets::Scene> scene;
  nl::widgets::SurfaceLayer* surface = nullptr;
};

TEST_F(SceneFixture, KnownMeshIsWhereItShouldBeInColormapColours) {
  const QImage image = frame();
  const double ratio = image.devicePixelRatio();
  auto pixelAt = [&](std::array<double, 3> world) {
    const auto p = view->worldToWidget(world);
    EXPECT_TRUE(p.has_value());
    return image.pixelColor(static_cast<int>(p->x() * ratio), static_cast<int>(p->y() * ratio));
  };
  const auto viridis = nl::widgets::Colormap::byName("viridis");
  // Facing the camera, lit head-on: drawn colours equal the colormap's
  // within lighting and specular tolerance.
  for (double x : {-8.0, 0.0, 8.0}) {
    const QColor expected = viridis.at((x + 10.0) / 20.0);
    const QColor drawn = pixelAt({x, 2.5, 0});
    EXPECT_NEAR(drawn.red(), expected.red(), 28) << "x = " << x;
    EXPECT_NEAR(drawn.green(), expected.green(), 28) << "x = " << x;
    EXPECT_NEAR(drawn.blue(), expected.blue(), 28) << "x = " << x;
  }
  // Outside the mesh there is only background (no viridis colour).
  const QColor outside = pixelAt({0, 14.5, 0});
  const QColor inside = pixelAt({0, 9, 0});
  EXPECT_GT(std::abs(outside.green() - inside.green()) + std::abs(outside.blue() - inside.blue()),
            40);
  // A threshold hides small values: the centre falls back to the grey underlay.
  surface->setThreshold(3.0);
  const QImage thresholded = frame();
  const auto centre = view->worldToWidget({0, 2.5, 0});
  const QColor grey = thresholded.pixelColor(static_cast<int>(centre->x() * ratio),
                                             static_cast<int>(centre->y() * ratio));
  EXPECT_LT(std::abs(grey.red() - grey.green()) + std::abs(grey.green() - grey.blue()), 12)
      << "not grey";
}

TEST_F(SceneFixture, ClickOnKnownVertexSelectsIt) {
  surface->setColormap("coolwarm");         // viridis ends in the highlight's yellow
  const std::int64_t vertex = 7 * 21 + 13;  // (x = 3, y = -3)
  const auto where = view->worldToWidget({3.0, -3.0, 0.0});
  ASSERT_TRUE(where.has_value());
  // Nudge by a fraction of a grid cell: the nearest vertex must still win.
  QTest::mouseClick(view.get(), Qt::LeftButton, Qt::NoModifier, (*where + QPointF(2, 1)).toPoint());
  ASSERT_EQ(session.selection().dataset(), meshId);
  ASSERT_EQ(session.selection().indices(), std::vector<std::int64_t>{vertex});
  // And the highlight appears there.
  const QImage image = frame();
  const QPointF centroid = nl::test::highlightCentroid(image);
  ASSERT_GE(centroid.x(), 0);
  EXPECT_NEAR(centroid.x() / image.devicePixelRatio(), where->x(), 6);
  EXPECT_NEAR(centroid.y() / image.devicePixelRatio(), where->y(), 6);
}

TEST_F(SceneFixture, RenderToImageAtTwiceTheScale) {
  const QImage big = view->renderToImage(2);
  const QImage normal = view->grabFramebuffer();
  EXPECT_EQ(big.width(), normal.width() * 2);
  EXPECT_EQ(big.height(), normal.height() * 2);
  EXPECT_GT(nl::test::distinctColours(big), 50);
}

TEST_F(SceneFixture, RepaintsOfAnUnchangedSceneCopyTheLastImage) {
  // The first image's multisampled refinement has come.
  ASSERT_TRUE(waitUntil([&] { return view->imagesRendered() >= 2; }));
  QTest::qWait(200);
  auto paint = [&] {  // one paint as Qt makes it (expose, a shown tab, a grab)
    const int before = view->framesRendered();
    view->update();
    return waitUntil([&] { return view->framesRendered() > before; });
  };
  const int images = view->imagesRendered();
  const QImage before = view->grabFramebuffer();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(paint());
  EXPECT_EQ(view->imagesRendered(), images);
  EXPECT_EQ(view->grabFramebuffer(), before);
  // A change made straight through VTK, without asking for a render, is seen
  // in the scene's modification times.
  view->renderer()->GradientBackgroundOff();
  view->renderer()->SetBackground(1.0, 0.0, 0.0);
  ASSERT_TRUE(paint());
  EXPECT_EQ(view->imagesRendered(), images + 1);
  EXPECT_EQ(view->grabFramebuffer().pixelColor(2, 2), QColor(255, 0, 0));
  // Asking draws anew even when nothing changed that VTK would see.
  view->requestRender();
  ASSERT_TRUE(paint());
  EXPECT_EQ(view->imagesRendered(), images + 2);
  // So does a new size.
  view->resize(300, 300);
  ASSERT_TRUE(paint());
  EXPECT_EQ(view->imagesRendered(), images + 3);
}

TEST(VtkViewFirstImage, IsDrawnWithoutMultisamplingThenRefined) {
  nl::io::Session session;
  const auto mesh = flatGrid();
  nl::widgets::VtkView view;
  view.resize(200, 200);
  nl::widgets::Scene scene(&view, session);
  scene.addLayer(new nl::widgets::SurfaceLayer("grid", session.add(mesh), mesh));
  const int samples = view.renderWindow()->GetMultiSamples();
  view.show();
  ASSERT_TRUE(waitUntil([&] { return view.imagesRendered() >= 1; }));
  EXPECT_EQ(view.renderWindow()->GetMultiSamples(), samples);  // restored after the draft
  if (samples == 0) GTEST_SKIP() << "this OpenGL has no multisampling: no draft, no refinement";
  ASSERT_TRUE(waitUntil([&] { return view.imagesRendered() >= 2; }));
  QTest::qWait(300);
  EXPECT_EQ(view.imagesRendered(), 2);  // refined once, then still
}

TEST(TwoViews, RenderIndependentlyAtOnce) {
  nl::io::Session session;
  const auto mesh = flatGrid();
  const auto id = session.add(mesh);
  nl::widgets::VtkView a, b;
  a.resize(200, 200);
  b.resize(200, 200);
  nl::widgets::Scene sa(&a, session), sb(&b, session);
  auto* la = new nl::widgets::SurfaceLayer("a", id, mesh);
  auto* lb = new nl::widgets::SurfaceLayer("b", id, mesh);
  std::vector<double> values(mesh->vertexCount(), 1.0);
  la->setOverlay(values);
  la->setColormap("gray");
  la->setScalarRange(0, 1);  // white
  lb->setOverlay(values);
  lb->setColormap("viridis");
  lb->setScalarRange(0, 1);  // yellow
  sa.addLayer(la);
  sb.addLayer(lb);
  a.show();
  b.show();
  ASSERT_TRUE(waitUntil([&] { return a.framesRendered() > 0 && b.framesRendered() > 0; }));
  const QImage ia = a.grabFramebuffer(), ib = b.grabFramebuffer();
  const QColor ca = ia.pixelColor(ia.width() / 2, ia.height() / 2),
               cb = ib.pixelColor(ib.width() / 2, ib.height() / 2);
  EXPECT_GT(ca.blue(), 180);  // white-ish
  EXPECT_LT(cb.blue(), 90);   // yellow
}

}  // namespace
