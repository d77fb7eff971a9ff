// Level of detail on surface pages: while the user drags (or turns the
// wheel) the layers draw their decimated copy with the overlay's colours;
// once the view is still they draw the full mesh, pixel for pixel what a
// view without any level of detail draws.
#include <gtest/gtest.h>

#include <QMouseEvent>
#include <QTest>
#include <QWheelEvent>
#include <cmath>

#include "GuiTestUtil.h"
#include "io/ReaderRegistry.h"
#include "io/Session.h"
#include "tests/support/TestSupport.h"
#include "widgets/VtkView.h"
#include "widgets/pages/surface/SurfacePage.h"
#include "widgets/scene/SurfaceDetail.h"
#include "widgets/scene/SurfaceLayer.h"

using nl::test::waitUntil;

namespace {

const std::filesystem::path kFixtures = NEUROLOUPE_FIXTURES_DIR;

nl::io::DatasetId load(nl::io::Session& session, const std::string& relative) {
  return session.add(nl::io::ReaderRegistry::builtin().open(kFixtures / relative).datasets.at(0));
}

void mouse(QWidget& widget, QEvent::Type type, QPointF position) {
  const Qt::MouseButtons buttons =
      type == QEvent::MouseButtonRelease ? Qt::NoButton : Qt::MouseButtons(Qt::LeftButton);
  QMouseEvent event(type, position, widget.mapToGlobal(position), Qt::LeftButton, buttons,
                    Qt::NoModifier);
  QApplication::sendEvent(&widget, &event);
}

// Pixels in the colours of the overlay (saturated), not the grey shading.
int overlayPixels(const QImage& image) {
  int n = 0;
  for (int y = 0; y < image.height(); y += 2)
    for (int x = 0; x < image.width(); x += 2) n += image.pixelColor(x, y).saturation() > 90;
  return n;
}

TEST(SurfaceDetail, DecimatedCopyKeepsTheShapeAndNamesItsVertices) {
  NL_REQUIRE_FIXTURE("surface/fsaverage5/pial_left.gii.gz");
  const auto mesh = std::dynamic_pointer_cast<const nl::io::SurfaceMeshDataset>(
      nl::io::ReaderRegistry::builtin()
          .open(kFixtures / "surface/fsaverage5/pial_left.gii.gz")
          .datasets.at(0));
  ASSERT_TRUE(mesh);
  const auto coarse = nl::widgets::decimateSurface(*mesh, 4000);
  EXPECT_NEAR(static_cast<double>(coarse.triangleCount()), 4000.0, 400.0);
  ASSERT_EQ(coarse.sourceVertex.size() * 3, coarse.vertices.size());
  // Each coarse vertex shows a full-mesh vertex close to it (fsaverage5's
  // edges are ~2-4 mm; a collapse moves points by about one edge).
  double worst = 0;
  for (std::size_t i = 0; i < coarse.sourceVertex.size(); ++i) {
    const auto s = static_cast<std::size_t>(coarse.sourceVertex[i]);
    ASSERT_LT(s, mesh->vertexCount());
    double d2 = 0;
    for (int k = 0; k < 3; ++k)
      d2 += std::pow(coarse.vertices[3 * i + k] - mesh->vertices()[3 * s + k], 2);
    worst = std::max(worst, std::sqrt(d2));
  }
  EXPECT_LT(worst, 8.0) << "mm";
  for (auto index : coarse.triangles)
    ASSERT_LT(static_cast<std::size_t>(index), coarse.sourceVertex.size());
  // Small meshes and budgets above the mesh get no copy.
  EXPECT_EQ(nl::widgets::decimateSurface(*mesh, 1'000'000).triangleCount(), 0u);
}

TEST(SurfaceDetail, DragDrawsTheCoarseMeshAndStillDrawsTheFullOne) {
  NL_REQUIRE_FIXTURE("surface/fsaverage5/pial_left.gii.gz");
  nl::io::Session session;
  const auto pial = load(session, "surface/fsaverage5/pial_left.gii.gz");
  const auto angle = load(session, "surface/benson14_fsaverage/lh.benson14_angle.v4_0.mgz");
  nl::widgets::SurfacePage page(session, pial);
  page.resize(800, 600);
  page.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&page));
  page.showOverlay(angle);
  auto* layer = page.layer(0);
  auto* view = page.view();
  EXPECT_FALSE(layer->hasCoarseMesh()) << "20,480 triangles need no level of detail by default";
  layer->setDetailBudget(4000);
  ASSERT_TRUE(waitUntil([&] { return layer->hasCoarseMesh(); }, 20000));
  const std::size_t full = layer->drawnTriangles();
  EXPECT_EQ(full, 20480u);

  const QPointF centre(view->width() / 2.0, view->height() / 2.0);
  mouse(*view, QEvent::MouseButtonPress, centre);
  for (int i = 1; i <= 5; ++i) mouse(*view, QEvent::MouseMove, centre + QPointF(8.0 * i, 2.0 * i));
  ASSERT_TRUE(view->isInteracting()) << "a drag makes the view interactive";
  EXPECT_LT(layer->drawnTriangles(), 4400u) << "the coarse copy is drawn while dragging";
  const QImage dragging = nl::test::freshFrame(*view);
  // The same camera with the full mesh: the coarse frame is really another mesh...
  layer->setInteractive(false);
  const QImage fullAtDragCamera = nl::test::freshFrame(*view);
  layer->setInteractive(true);
  EXPECT_GT(nl::test::differingFraction(dragging, fullAtDragCamera, 24), 0.002);
  // ...in the overlay's colours, not bare shading.
  const int coarseColoured = overlayPixels(dragging),
            fullColoured = overlayPixels(fullAtDragCamera);
  ASSERT_GT(fullColoured, 500);
  EXPECT_NEAR(static_cast<double>(coarseColoured) / fullColoured, 1.0, 0.15);

  mouse(*view, QEvent::MouseButtonRelease, centre + QPointF(40, 10));
  EXPECT_FALSE(view->isInteracting());
  EXPECT_EQ(layer->drawnTriangles(), full) << "still: the full mesh";
  const QImage still = nl::test::freshFrame(*view);
  // Exactly what a view without a level of detail draws at this camera.
  layer->setDetailBudget(0);
  const QImage reference = nl::test::freshFrame(*view);
  EXPECT_EQ(nl::test::differingFraction(still, reference, 0), 0.0);
  if (const char* dir = std::getenv("NL_TEST_SNAPSHOTS")) {
    dragging.save(QString::fromLocal8Bit(dir) + "/lod_dragging.png");
    still.save(QString::fromLocal8Bit(dir) + "/lod_still.png");
  }
}

TEST(SurfaceDetail, WheelStaysCoarseUntilItRests) {
  NL_REQUIRE_FIXTURE("surface/fsaverage5/pial_left.gii.gz");
  nl::io::Session session;
  const auto pial = load(session, "surface/fsaverage5/pial_left.gii.gz");
  nl::widgets::SurfacePage page(session, pial);
  page.resize(600, 500);
  page.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&page));
  auto* layer = page.layer(0);
  layer->setDetailBudget(4000);
  ASSERT_TRUE(waitUntil([&] { return layer->hasCoarseMesh(); }, 20000));
  auto* view = page.view();
  const QPointF centre(view->width() / 2.0, view->height() / 2.0);
  QWheelEvent wheel(centre, view->mapToGlobal(centre), QPoint(), QPoint(0, 120), Qt::NoButton,
                    Qt::NoModifier, Qt::NoScrollPhase, false);
  QApplication::sendEvent(view, &wheel);
  EXPECT_TRUE(view->isInteracting());
  EXPECT_LT(layer->drawnTriangles(), 4400u);
  EXPECT_TRUE(waitUntil([&] { return !view->isInteracting(); }, 3000));
  EXPECT_EQ(layer->drawnTriangles(), 20480u);
}

}  // namespace
