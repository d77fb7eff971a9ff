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
#include "widgets/VolumeSeriesPage.h"
#include "widgets/VtkView.h"
#include "widgets/charts/Chart.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/VolumeLayers.h"

using nl::test::waitUntil;

namespace {

const std::filesystem::path kRun = std::filesystem::path(NEUROLOUPE_FIXTURES_DIR) /
                                   "nifti/haxby2001/BOLD_task001_run001_bold_25mm.nii.gz";

TEST(VolumeSeriesPage, HaxbyRunVolumesVoxelCourseAndWorldCoordinates) {
  if (!std::filesystem::exists(kRun))
    GTEST_SKIP() << kRun.string() << " is absent (../shared/fixtures not next to the project)";
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
  const auto centre = slices.geometry().centreOf(flat);
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
