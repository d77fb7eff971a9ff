// A real 4-D fMRI run (Haxby 2001, 6 × 10 × 10 voxels at 25 mm, 121 volumes,
// TR 2.5 s) in the volume-series page: the slider walks volumes and moves the
// time cursor, a clicked voxel gives its time course and world coordinates as
// nibabel computes them, and the slices are drawn.
#include <gtest/gtest.h>

#include <QLabel>
#include <QSlider>
#include <QTest>

#include "GuiTestUtil.h"
#include "io/ReaderRegistry.h"
#include "io/Session.h"
#include "tests/support/TestSupport.h"
#include "widgets/VtkView.h"
#include "widgets/charts/Chart.h"
#include "widgets/pages/volume_series/VolumeSeriesPage.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/VolumeLayers.h"

using nl::test::waitUntil;

namespace {

const std::filesystem::path kRun = std::filesystem::path(NEUROLOUPE_FIXTURES_DIR) /
                                   "nifti/haxby2001/BOLD_task001_run001_bold_25mm.nii.gz";

TEST(VolumeSeriesPage, HaxbyRunVolumesVoxelCourseAndWorldCoordinates) {
  NL_REQUIRE_FIXTURE_PATH(kRun);
  nl::io::Session session;
  const auto contents = nl::io::ReaderRegistry::builtin().open(kRun);
  const auto id = session.add(contents.datasets.at(0));
  nl::widgets::VolumeSeriesPage page(session, id);
  page.resize(800, 700);
  page.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&page));
  EXPECT_EQ(page.volumeCount(), 121u);

  page.findChild<QSlider*>("timeSlider")->setValue(10);
  EXPECT_EQ(page.currentVolume(), 10u);
  EXPECT_DOUBLE_EQ(session.selection().timeCursor(), 25.0) << "volume 10 at TR 2.5 s";

  // nibabel: data[3, 4, 2, 10] = 1330; affine diag(-25, 25, 25) + (62.5, -112.5, -112.5).
  page.selectVoxel(3, 4, 2);
  const auto world = page.worldOf(3, 4, 2);
  EXPECT_DOUBLE_EQ(world[0], -12.5);
  EXPECT_DOUBLE_EQ(world[1], -12.5);
  EXPECT_DOUBLE_EQ(world[2], -62.5);
  EXPECT_TRUE(page.readout().contains("= 1330")) << page.readout().toStdString();
  EXPECT_TRUE(page.readout().contains("(-12.5, -12.5, -62.5) mm"));
  EXPECT_TRUE(page.findChild<nl::widgets::Chart*>("voxelCourse")->isVisible());

  // A pick on the slices reaches the same voxel through its flat index.
  nl::widgets::PickHit hit;
  hit.dataset = id;
  hit.index = (1 * 10 + 2) * 6 + 5;  // (i, j, k) = (5, 2, 1)
  emit page.scene()->picked(hit);
  EXPECT_TRUE(page.readout().startsWith("voxel (5, 2, 1)")) << page.readout().toStdString();

  // A plain 3-D volume's slices say where a picked voxel is in the world too.
  const auto volume = std::make_shared<nl::io::ArrayDataset>(
      nl::io::DatasetKind::Volume, "frame", std::vector<std::size_t>{10, 10, 6},
      std::vector<double>(600, 1.0), nl::io::Provenance{}, contents.datasets.at(0)->attributes());
  const nl::widgets::SliceLayer slices("frame", id, volume);
  const std::size_t flat = (2 * 10 + 4) * 6 + 3;  // (i, j, k) = (3, 4, 2)
  const auto centre = nl::widgets::sceneCentre(slices.grid(), flat);
  const auto sliceHit = slices.hitFromCellPick(nullptr, 0, centre.data());
  ASSERT_TRUE(sliceHit);
  EXPECT_TRUE(sliceHit->description.contains("(-12.5, -12.5, -62.5) mm"))
      << sliceHit->description.toStdString();

  auto* view = page.view();
  const int before = view->framesRendered();
  view->update();
  waitUntil([&] { return view->framesRendered() > before; });
  const QImage image = view->grabFramebuffer();
  EXPECT_GT(nl::test::distinctColours(image), 40) << "grey-level slices are drawn";
}

}  // namespace

namespace {

// A statistic map overlaid on an anatomical of the same grid (here the Haxby
// run's first volume): supra-threshold voxels take the overlay's colours, the
// rest show the volume beneath; another grid is refused.
TEST(SliceOverlay, ThresholdedMapOverTheVolumeOfTheSameGrid) {
  NL_REQUIRE_FIXTURE_PATH(kRun);
  const auto run = std::dynamic_pointer_cast<const nl::io::ArrayDataset>(
      nl::io::ReaderRegistry::builtin().open(kRun).datasets.at(0));
  const std::size_t n = 10 * 10 * 6;
  const std::vector<double> first(run->values().begin(), run->values().begin() + n);
  auto attributes = run->attributes();
  const auto anatomy = std::make_shared<nl::io::ArrayDataset>(
      nl::io::DatasetKind::Volume, "anatomy", std::vector<std::size_t>{10, 10, 6}, first,
      nl::io::Provenance{}, attributes);
  std::vector<double> z(n, 1.0);
  z[(2 * 10 + 4) * 6 + 3] = 5.0;   // (3, 4, 2): above threshold
  z[(2 * 10 + 4) * 6 + 4] = -4.0;  // (4, 4, 2): negative, above |threshold|
  attributes["statistic"] = "z";
  const auto zmap = std::make_shared<nl::io::ArrayDataset>(nl::io::DatasetKind::Volume, "z map",
                                                           std::vector<std::size_t>{10, 10, 6}, z,
                                                           nl::io::Provenance{}, attributes);
  nl::widgets::SliceLayer slices("anatomy", 1, anatomy);
  const QColor beneath = slices.displayedColour(5, 5, 2);
  ASSERT_TRUE(slices.fitsGrid(*zmap));
  slices.setOverlay(zmap, 2.3);
  EXPECT_TRUE(slices.hasOverlay());
  const QColor hot = slices.displayedColour(3, 4, 2), cold = slices.displayedColour(4, 4, 2);
  EXPECT_GT(hot.red(), hot.blue() + 50) << "z = 5 at the top of RdBu_r: dark red";
  EXPECT_LT(hot.green(), 40);
  EXPECT_GT(cold.blue(), cold.red() + 60) << "z = -4: blue";
  EXPECT_EQ(slices.displayedColour(5, 5, 2), beneath) << "z = 1 < 2.3 shows the anatomy";
  slices.setOverlayThreshold(0.5);
  EXPECT_NE(slices.displayedColour(5, 5, 2), beneath) << "z = 1 ≥ 0.5 is drawn";
  slices.clearOverlay();
  EXPECT_EQ(slices.displayedColour(5, 5, 2), beneath);

  attributes["affine"] = "2,0,0,0,0,2,0,0,0,0,2,0,0,0,0,1";
  const auto elsewhere = std::make_shared<nl::io::ArrayDataset>(
      nl::io::DatasetKind::Volume, "other grid", std::vector<std::size_t>{10, 10, 6}, z,
      nl::io::Provenance{}, attributes);
  EXPECT_FALSE(slices.fitsGrid(*elsewhere));
  EXPECT_THROW(slices.setOverlay(elsewhere, 2.3), std::invalid_argument);
}

}  // namespace
