// The cortical surface page on real fsaverage5 meshes (nilearn's GIfTI) and
// the Benson retinotopy template (neuropythy's MGZ, fsaverage size): overlays
// fit by fsaverage truncation, hemispheres side by side, vertex readout and
// time courses, sizes that fit nothing refused.
#include <gtest/gtest.h>

#include <QComboBox>
#include <QLabel>
#include <QTest>
#include <cmath>

#include "GuiTestUtil.h"
#include "io/ReaderRegistry.h"
#include "io/Session.h"
#include "tests/support/TestSupport.h"
#include "widgets/VtkView.h"
#include "widgets/charts/Chart.h"
#include "widgets/pages/surface/SurfacePage.h"
#include "widgets/scene/LayerList.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/SurfaceLayer.h"

using nl::test::waitUntil;

namespace {

const std::filesystem::path kFixtures = NEUROLOUPE_FIXTURES_DIR;

#define NL_REQUIRE_SURFACE_FIXTURES() NL_REQUIRE_FIXTURE("surface/fsaverage5/pial_left.gii.gz")

nl::io::DatasetId load(nl::io::Session& session, const std::string& relative) {
  const auto contents = nl::io::ReaderRegistry::builtin().open(kFixtures / relative);
  return session.add(contents.datasets.at(0));
}

// Non-background pixels (the background is a dark vertical gradient).
int meshPixels(const QImage& image, QRect area) {
  int n = 0;
  for (int y = area.top(); y <= area.bottom(); y += 2)
    for (int x = area.left(); x <= area.right(); x += 2) {
      const QColor c = image.pixelColor(x, y);
      if (c.red() > 90 || c.green() > 90 || std::abs(c.red() - c.blue()) > 30) ++n;
    }
  return n;
}

QImage frame(nl::widgets::VtkView* view) {
  return nl::test::freshFrame(*view);
}

TEST(SurfacePage, BensonAreasOnFsaverage5ByTruncation) {
  NL_REQUIRE_SURFACE_FIXTURES();
  nl::io::Session session;
  const auto pial = load(session, "surface/fsaverage5/pial_left.gii.gz");
  load(session, "surface/fsaverage5/sulc_left.gii.gz");
  const auto varea = load(session, "surface/benson14_fsaverage/lh.benson14_varea.v4_0.mgz");
  const auto subject = load(session, "surface/freesurfer_subject1/lh.sulc");
  nl::widgets::SurfacePage page(session, pial);
  page.resize(800, 600);
  page.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&page));
  EXPECT_EQ(page.findChild<QComboBox*>("underlayChoice")->currentText(), "sulc_left")
      << "sulcal depth is the default shading";
  ASSERT_TRUE(page.accepts(varea));
  page.showOverlay(varea);
  const auto& values = page.layer(0)->overlay();
  ASSERT_EQ(values.size(), 10242u);
  // V1 vertices among the first 10,242 of fsaverage (nibabel: 231).
  EXPECT_EQ(std::count(values.begin(), values.end(), 1.0), 231);
  EXPECT_FALSE(page.accepts(subject)) << "149,244 vertices fit no fsaverage mesh";
  EXPECT_THROW(page.showOverlay(subject), std::invalid_argument);
  const QImage image = frame(page.view());
  EXPECT_GT(meshPixels(image, image.rect()), 2000);
}

TEST(SurfacePage, BothHemispheresSideBySideWithTheirOwnOverlays) {
  NL_REQUIRE_SURFACE_FIXTURES();
  nl::io::Session session;
  const auto left = load(session, "surface/fsaverage5/infl_left.gii.gz");
  const auto right = load(session, "surface/fsaverage5/infl_right.gii.gz");
  const auto leftAngle = load(session, "surface/benson14_fsaverage/lh.benson14_angle.v4_0.mgz");
  const auto rightAngle = load(session, "surface/benson14_fsaverage/rh.benson14_angle.v4_0.mgz");
  // As the application does it: both hemispheres before the page is shown,
  // with a layer list watching (it once hid layers when a second arrived).
  nl::widgets::SurfacePage page(session, left);
  nl::widgets::LayerList layers(page.scene());
  layers.show();
  page.addHemisphere(right);
  page.resize(800, 600);
  page.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&page));
  page.showOverlay(leftAngle);
  page.showOverlay(rightAngle);
  ASSERT_NE(page.layer(1), nullptr);
  // Each hemisphere got its own map (they differ), not the other's.
  EXPECT_EQ(page.layer(0)->overlay().size(), 10242u);
  EXPECT_EQ(page.layer(1)->overlay().size(), 10242u);
  EXPECT_NE(page.layer(0)->overlay(), page.layer(1)->overlay());
  const QImage image = frame(page.view());
  EXPECT_TRUE(page.layer(0)->isVisible() && page.layer(1)->isVisible())
      << "a layer list rebuilt for the second layer must not hide the first";
  const int w = image.width(), h = image.height();
  EXPECT_GT(meshPixels(image, QRect(0, 0, w / 2, h)), 1000) << "left half shows a hemisphere";
  EXPECT_GT(meshPixels(image, QRect(w / 2, 0, w / 2, h)), 1000) << "right half too";
  if (const char* dir = std::getenv("NL_TEST_SNAPSHOTS"))
    image.save(QString::fromLocal8Bit(dir) + "/surface_hemispheres.png");

  // Switching to pial keeps both maps, and the right hemisphere follows.
  const auto pialLeft = load(session, "surface/fsaverage5/pial_left.gii.gz");
  const auto pialRight = load(session, "surface/fsaverage5/pial_right.gii.gz");
  const auto leftMap = page.layer(0)->overlay(), rightMap = page.layer(1)->overlay();
  auto* meshes = page.findChild<QComboBox*>("meshChoice");
  const int pial = meshes->findData(QVariant::fromValue<qulonglong>(pialLeft));
  ASSERT_GE(pial, 0) << "only left meshes are offered for the left hemisphere";
  EXPECT_LT(meshes->findData(QVariant::fromValue<qulonglong>(pialRight)), 0);
  meshes->setCurrentIndex(pial);
  emit meshes->activated(pial);
  EXPECT_EQ(page.layer(0)->dataset(), pialLeft);
  EXPECT_EQ(page.layer(1)->dataset(), pialRight);
  EXPECT_EQ(page.layer(0)->overlay(), leftMap);
  EXPECT_EQ(page.layer(1)->overlay(), rightMap);
  EXPECT_TRUE(page.layer(0)->isVisible() && page.layer(1)->isVisible());
}

TEST(SurfacePage, ClickedVertexShowsItsValueAndTimeCourse) {
  NL_REQUIRE_SURFACE_FIXTURES();
  nl::io::Session session;
  const auto pial = load(session, "surface/fsaverage5/pial_left.gii.gz");
  // Three columns (time points): value = vertex + 1000 × column.
  std::vector<double> series;
  for (std::size_t v = 0; v < 10242; ++v)
    for (int c = 0; c < 3; ++c) series.push_back(static_cast<double>(v) + 1000.0 * c);
  const auto overlay = session.add(
      std::make_shared<nl::io::ArrayDataset>(nl::io::DatasetKind::SurfaceOverlay, "bold_left",
                                             std::vector<std::size_t>{10242, 3}, series));
  nl::widgets::SurfacePage page(session, pial);
  page.resize(800, 600);
  page.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&page));
  page.showOverlay(overlay);
  nl::widgets::PickHit hit;
  hit.dataset = pial;
  hit.index = 42;
  emit page.scene()->picked(hit);
  EXPECT_EQ(page.chartedVertex(), 42);
  EXPECT_TRUE(page.findChild<QLabel*>("vertexReadout")->text().contains("= 42"));
  EXPECT_TRUE(page.findChild<nl::widgets::Chart*>("vertexCourse")->isVisible());
}

}  // namespace
