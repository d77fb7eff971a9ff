// The shared fixtures read through the registry; every expected number was
// read with nibabel 5.0.0 (Debian python3-nibabel) — see reference_values.py.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "io/ReaderRegistry.h"
#include "io/surface/Fsaverage.h"
#include "io/volume/VolumeGrid.h"
#include "tests/support/TestSupport.h"

namespace {

using nl::io::ArrayDataset;
using nl::io::DatasetKind;
using nl::io::FileContents;
using nl::io::ReaderRegistry;
using nl::io::SurfaceMeshDataset;
using nl::io::TableDataset;

FileContents openFixture(const std::string& relative) {
  return ReaderRegistry::builtin().open(nl::test::fixtures() / relative);
}

std::vector<double> parseNumbers(const std::string& text) {
  std::vector<double> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::stod(item));
  return out;
}

// The affine as every consumer reads it: through io::readVolumeGrid (a
// per-vertex MGH overlay has no voxel grid, so its attributes are read on a
// one-voxel one).
void expectAffine(const nl::io::Dataset& dataset, const std::vector<double>& expected,
                  double tolerance = 1e-5) {
  const bool volume =
      dataset.kind() == DatasetKind::Volume || dataset.kind() == DatasetKind::VoxelSeries;
  const std::vector<std::size_t> oneVoxel{1, 1, 1};
  const auto grid = volume
                        ? nl::io::readVolumeGrid(dataset, dataset.kind() == DatasetKind::VoxelSeries
                                                              ? nl::io::AxisOrder::TZYX
                                                              : nl::io::AxisOrder::ZYX)
                        : nl::io::readVolumeGrid(dataset.name(), oneVoxel, dataset.attributes(),
                                                 nl::io::AxisOrder::ZYX);
  ASSERT_EQ(expected.size(), 16u);
  for (std::size_t i = 0; i < 16; ++i) EXPECT_NEAR(grid.affine[i], expected[i], tolerance) << i;
}

// Value at voxel (i, j, k[, t]) of a C-order [t][z][y][x] array.
double voxel(const ArrayDataset& volume, std::size_t i, std::size_t j, std::size_t k,
             std::size_t t = 0) {
  const auto shape = volume.shape();
  const std::size_t offset = shape.size() == 4 ? 1 : 0;
  const std::size_t nz = shape[offset], ny = shape[offset + 1], nx = shape[offset + 2];
  return volume.values()[((t * nz + k) * ny + j) * nx + i];
}

TEST(SurfaceFixtures, Fsaverage5PialGiftiMatchesNibabel) {
  NL_REQUIRE_FIXTURE("surface/fsaverage5/pial_left.gii.gz");
  const auto contents = openFixture("surface/fsaverage5/pial_left.gii.gz");
  EXPECT_EQ(contents.readerName, "GIfTI");
  ASSERT_EQ(contents.datasets.size(), 1u);
  const auto& mesh = dynamic_cast<const SurfaceMeshDataset&>(*contents.datasets[0]);
  ASSERT_EQ(mesh.vertexCount(), 10242u);
  ASSERT_EQ(mesh.triangleCount(), 20480u);
  const auto& v = mesh.vertices();
  EXPECT_FLOAT_EQ(v[0], -38.735958099365234f);
  EXPECT_FLOAT_EQ(v[1], -19.343364715576172f);
  EXPECT_FLOAT_EQ(v[2], 67.22013854980469f);
  EXPECT_FLOAT_EQ(v[3 * 5000 + 0], -41.060585021972656f);
  EXPECT_FLOAT_EQ(v[3 * 5000 + 1], -7.1460065841674805f);
  EXPECT_FLOAT_EQ(v[3 * 10241 + 2], -24.645116806030273f);
  const auto& f = mesh.triangles();
  EXPECT_EQ((std::vector<int>{f[0], f[1], f[2]}), (std::vector<int>{0, 2564, 2562}));
  EXPECT_EQ((std::vector<int>{f[30000], f[30001], f[30002]}), (std::vector<int>{6280, 928, 6279}));
  EXPECT_EQ((std::vector<int>{f[3 * 20479], f[3 * 20479 + 1], f[3 * 20479 + 2]}),
            (std::vector<int>{10161, 11, 9918}));
  EXPECT_EQ(mesh.attributes().at("hemisphere"), "left");
  EXPECT_EQ(mesh.attributes().at("coordinate_space"), "NIFTI_XFORM_TALAIRACH");
}

TEST(SurfaceFixtures, Fsaverage5FlatMeshHasItsOwnFaceCount) {
  NL_REQUIRE_FIXTURE("surface/fsaverage5/flat_left.gii.gz");
  const auto contents = openFixture("surface/fsaverage5/flat_left.gii.gz");
  const auto& mesh = dynamic_cast<const SurfaceMeshDataset&>(*contents.datasets.at(0));
  EXPECT_EQ(mesh.vertexCount(), 10242u);
  EXPECT_EQ(mesh.triangleCount(), 18654u);
}

TEST(SurfaceFixtures, Fsaverage5ShapeOverlaysMatchNibabel) {
  NL_REQUIRE_FIXTURE("surface/fsaverage5/sulc_left.gii.gz");
  struct Case {
    const char* file;
    double v0, v1, v777, v10241, sum;
  };
  const Case cases[] = {
      {"sulc_left", -0.781268835067749, -0.8170627355575562, -0.3344743549823761,
       0.4183805584907532, 304.6656569574261},
      {"curv_right", 0.035347867757081985, 0.05220799893140793, -0.26198238134384155,
       -0.02623925358057022, -294.4137100972822},
      {"thick_left", 2.901221513748169, 2.980487585067749, 2.874260425567627, 2.1534423828125,
       23292.86506811135},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    const auto contents = openFixture(std::string("surface/fsaverage5/") + c.file + ".gii.gz");
    ASSERT_EQ(contents.datasets.size(), 1u);
    const auto& overlay = dynamic_cast<const ArrayDataset&>(*contents.datasets[0]);
    EXPECT_EQ(overlay.kind(), DatasetKind::SurfaceOverlay);
    ASSERT_EQ(overlay.shape(), (std::vector<std::size_t>{10242}));
    const auto& x = overlay.values();
    EXPECT_EQ(x[0], c.v0);
    EXPECT_EQ(x[1], c.v1);
    EXPECT_EQ(x[777], c.v777);
    EXPECT_EQ(x[10241], c.v10241);
    double sum = 0;
    for (double value : x) sum += value;
    EXPECT_NEAR(sum, c.sum, 1e-9);
    EXPECT_EQ(overlay.attributes().at("intent"), "NIFTI_INTENT_SHAPE");
  }
}

TEST(SurfaceFixtures, Subject1WhiteSurfaceGzipWrapped) {
  NL_REQUIRE_FIXTURE("surface/freesurfer_subject1/lh.white.gz");
  const auto contents = openFixture("surface/freesurfer_subject1/lh.white.gz");
  EXPECT_EQ(contents.readerName, "FreeSurfer surface");
  const auto& mesh = dynamic_cast<const SurfaceMeshDataset&>(*contents.datasets.at(0));
  ASSERT_EQ(mesh.vertexCount(), 149244u);
  ASSERT_EQ(mesh.triangleCount(), 298484u);
  const auto& v = mesh.vertices();
  EXPECT_FLOAT_EQ(v[0], -1.8522323369979858f);
  EXPECT_FLOAT_EQ(v[1], -107.98274993896484f);
  EXPECT_FLOAT_EQ(v[2], 22.769729614257812f);
  EXPECT_FLOAT_EQ(v[3 * 100000 + 1], -11.20295238494873f);
  EXPECT_FLOAT_EQ(v[3 * 149243 + 2], 36.34779739379883f);
  const auto& f = mesh.triangles();
  EXPECT_EQ((std::vector<int>{f[0], f[1], f[2], f[3], f[4], f[5]}),
            (std::vector<int>{0, 1, 5, 6, 5, 1}));
  EXPECT_EQ((std::vector<int>{f[450000], f[450001], f[450002]}),
            (std::vector<int>{74704, 74725, 74705}));
  EXPECT_EQ(f[3 * 298483 + 2], 137808);
  EXPECT_EQ(mesh.attributes().at("created_by"),
            "created by timschaefer on Tue Mar 20 17:56:08 2018");
  const auto cras = parseNumbers(mesh.attributes().at("cras"));
  ASSERT_EQ(cras.size(), 3u);
  EXPECT_NEAR(cras[0], -0.49995422, 1e-6);
  EXPECT_NEAR(cras[1], 29.3727417, 1e-6);
  EXPECT_NEAR(cras[2], -48.90473175, 1e-6);
}

TEST(SurfaceFixtures, Subject1CurvFilesMatchNibabel) {
  NL_REQUIRE_FIXTURE("surface/freesurfer_subject1/lh.sulc");
  const auto sulc = openFixture("surface/freesurfer_subject1/lh.sulc");
  EXPECT_EQ(sulc.readerName, "FreeSurfer curv");
  const auto& s = dynamic_cast<const ArrayDataset&>(*sulc.datasets.at(0));
  ASSERT_EQ(s.shape(), (std::vector<std::size_t>{149244}));
  EXPECT_EQ(s.values()[0], -7.3479743003845215);
  EXPECT_EQ(s.values()[777], -6.941318511962891);
  EXPECT_EQ(s.values()[149243], -4.9381303787231445);
  const auto thickness = openFixture("surface/freesurfer_subject1/lh.thickness");
  const auto& t = dynamic_cast<const ArrayDataset&>(*thickness.datasets.at(0));
  EXPECT_EQ(t.values()[1], 2.4003655910491943);
  EXPECT_EQ(t.values()[149243], 3.5108399391174316);
  double sum = 0;
  for (double value : t.values()) sum += value;
  EXPECT_NEAR(sum, 363777.1308954358, 1e-6);
}

TEST(SurfaceFixtures, Subject1AparcAnnotationMatchesNibabel) {
  NL_REQUIRE_FIXTURE("surface/freesurfer_subject1/lh.aparc.annot");
  const auto contents = openFixture("surface/freesurfer_subject1/lh.aparc.annot");
  EXPECT_EQ(contents.readerName, "FreeSurfer annot");
  ASSERT_EQ(contents.datasets.size(), 2u);
  const auto& labels = dynamic_cast<const ArrayDataset&>(*contents.datasets[0]);
  const auto& table = dynamic_cast<const TableDataset&>(*contents.datasets[1]);
  ASSERT_EQ(labels.shape(), (std::vector<std::size_t>{149244}));
  ASSERT_EQ(table.rowCount(), 36u);
  EXPECT_EQ(table.attributes().at("colortable_version"), "2");
  const auto& names = table.column("name")->strings();
  EXPECT_EQ(names[0], "unknown");
  EXPECT_EQ(names[1], "bankssts");
  EXPECT_EQ(names[11], "lateraloccipital");
  EXPECT_EQ(names[24], "precentral");
  EXPECT_EQ(names[35], "insula");
  const auto& r = *table.numericColumn("r");
  const auto& g = *table.numericColumn("g");
  const auto& b = *table.numericColumn("b");
  const auto& a = *table.numericColumn("a");
  EXPECT_EQ((std::vector<double>{r[0], g[0], b[0], a[0]}), (std::vector<double>{25, 5, 25, 255}));
  EXPECT_EQ((std::vector<double>{r[11], g[11], b[11]}), (std::vector<double>{20, 30, 140}));
  EXPECT_EQ((std::vector<double>{r[35], g[35], b[35]}), (std::vector<double>{255, 192, 32}));
  EXPECT_EQ(table.numericColumn("annot_value")->at(2), 10511485);
  const auto& x = labels.values();
  EXPECT_EQ(x[0], 11);
  EXPECT_EQ(x[1], 11);
  EXPECT_EQ(x[1000], 11);
  EXPECT_EQ(x[50000], 15);
  EXPECT_EQ(x[100000], -1);
  EXPECT_EQ(x[149243], 14);
  std::vector<std::size_t> counts(36, 0);
  std::size_t unlabelled = 0;
  for (double value : x) (value < 0 ? unlabelled : counts[static_cast<std::size_t>(value)]) += 1;
  EXPECT_EQ(unlabelled, 8394u);
  EXPECT_EQ(counts[8], 7930u);    // inferiorparietal
  EXPECT_EQ(counts[28], 12569u);  // superiorfrontal
  EXPECT_EQ(counts[4], 0u);       // corpuscallosum
}

TEST(SurfaceFixtures, BrainMgzShapeAffineAndVoxels) {
  NL_REQUIRE_FIXTURE("surface/freesurfer_subject1/brain.mgz");
  const auto contents = openFixture("surface/freesurfer_subject1/brain.mgz");
  EXPECT_EQ(contents.readerName, "FreeSurfer MGH/MGZ");
  const auto& volume = dynamic_cast<const ArrayDataset&>(*contents.datasets.at(0));
  EXPECT_EQ(volume.kind(), DatasetKind::Volume);
  EXPECT_EQ(volume.shape(), (std::vector<std::size_t>{256, 256, 256}));
  EXPECT_FALSE(volume.isLoaded());  // lazy: only the header was read
  expectAffine(volume, {-1, 0, 0, 127.50004577636719, 0, 0, 1, -98.62725830078125, 0, -1, 0,
                        79.09526824951172, 0, 0, 0, 1});
  EXPECT_EQ(volume.attributes().at("spacing"), "1,1,1");
  EXPECT_EQ(voxel(volume, 100, 120, 140), 65);
  EXPECT_EQ(voxel(volume, 150, 90, 170), 59);
  EXPECT_EQ(voxel(volume, 128, 128, 128), 0);
  double sum = 0, nonzero = 0;
  for (double v : volume.values()) {
    sum += v;
    nonzero += v != 0;
  }
  EXPECT_EQ(sum, 121035479.0);
  EXPECT_EQ(nonzero, 1735552.0);
}

TEST(SurfaceFixtures, BensonMghPerVertexOverlays) {
  NL_REQUIRE_FIXTURE("surface/benson14_fsaverage/lh.benson14_varea.v4_0.mgz");
  const auto varea = openFixture("surface/benson14_fsaverage/lh.benson14_varea.v4_0.mgz");
  const auto& area = dynamic_cast<const ArrayDataset&>(*varea.datasets.at(0));
  EXPECT_EQ(area.kind(), DatasetKind::SurfaceOverlay);
  ASSERT_EQ(area.shape(), (std::vector<std::size_t>{163842}));
  std::size_t v1 = 0, v2 = 0;
  double sum = 0;
  for (double value : area.values()) {
    v1 += value == 1;
    v2 += value == 2;
    sum += value;
  }
  EXPECT_EQ(v1, 3701u);
  EXPECT_EQ(v2, 2945u);
  EXPECT_EQ(sum, 87167.0);
  EXPECT_EQ(area.values()[6], 7);
  EXPECT_EQ(area.values()[87417], 1);
  EXPECT_EQ(area.values()[163021], 6);
  expectAffine(area, {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1});

  const auto rh = openFixture("surface/benson14_fsaverage/rh.benson14_varea.v4_0.mgz");
  std::size_t rhV1 = 0;
  for (double value : dynamic_cast<const ArrayDataset&>(*rh.datasets.at(0)).values())
    rhV1 += value == 1;
  EXPECT_EQ(rhV1, 3822u);

  const auto angle = openFixture("surface/benson14_fsaverage/lh.benson14_angle.v4_0.mgz");
  const auto& a = dynamic_cast<const ArrayDataset&>(*angle.datasets.at(0));
  EXPECT_EQ(a.values()[6], 34.76406478881836);
  EXPECT_EQ(a.values()[163021], 176.52635192871094);
}

TEST(SurfaceFixtures, BensonOverlayTruncatesToFsaverage5Mesh) {
  NL_REQUIRE_FIXTURE("surface/benson14_fsaverage/lh.benson14_varea.v4_0.mgz");
  NL_REQUIRE_FIXTURE("surface/fsaverage5/pial_left.gii.gz");
  const auto varea = openFixture("surface/benson14_fsaverage/lh.benson14_varea.v4_0.mgz");
  const auto mesh = openFixture("surface/fsaverage5/pial_left.gii.gz");
  const auto overlay = std::dynamic_pointer_cast<const ArrayDataset>(varea.datasets.at(0));
  const auto& surface = dynamic_cast<const SurfaceMeshDataset&>(*mesh.datasets.at(0));
  const auto fitted = nl::io::surface::fitOverlayToMesh(overlay, surface.vertexCount());
  ASSERT_EQ(fitted->shape(), (std::vector<std::size_t>{10242}));
  std::size_t v1 = 0;
  for (double value : fitted->values()) v1 += value == 1;
  EXPECT_EQ(v1, 231u);  // nibabel: (varea[:10242] == 1).sum()
  EXPECT_EQ(fitted->attributes().at("truncated_from"), "163842");
}

TEST(SurfaceFixtures, Example4dNiftiMatchesNibabel) {
  NL_REQUIRE_FIXTURE("nifti/example4d.nii.gz");
  const auto contents = openFixture("nifti/example4d.nii.gz");
  EXPECT_EQ(contents.readerName, "NIfTI");
  const auto& run = dynamic_cast<const ArrayDataset&>(*contents.datasets.at(0));
  EXPECT_EQ(run.kind(), DatasetKind::VoxelSeries);
  EXPECT_EQ(run.shape(), (std::vector<std::size_t>{2, 24, 96, 128}));
  EXPECT_FALSE(run.isLoaded());
  EXPECT_EQ(run.attributes().at("affine_source"), "sform");
  expectAffine(
      run,
      {-2.0, 6.714715653593746e-19, 9.081024511081715e-18, 117.8551025390625,
       -6.714715653593746e-19, 1.9737114906311035, -0.35552823543548584, -35.72294235229492,
       8.25548088896093e-18, 0.3232076168060303, 2.171081781387329, -7.248798370361328, 0, 0, 0, 1},
      1e-12);
  // The qform differs slightly from the sform in this file (nibabel get_qform).
  const auto qform = parseNumbers(run.attributes().at("qform"));
  EXPECT_NEAR(qform[0], -1.999999995978187, 1e-6);
  EXPECT_NEAR(qform[1], 1.0282396754185892e-05, 1e-7);
  EXPECT_NEAR(qform[2], 0.00013905980362440367, 1e-7);
  EXPECT_NEAR(qform[5], 1.9737114380364735, 1e-6);
  EXPECT_NEAR(qform[8], 0.00012641805535562603, 1e-7);
  EXPECT_NEAR(qform[10], 2.1710816833341227, 1e-6);
  // pixdim[4] is 2000 with xyzt_units saying seconds: we report what the header says, as nibabel.
  EXPECT_EQ(run.attributes().at("tr"), "2000");
  EXPECT_EQ(run.attributes().at("time_units"), "s");
  EXPECT_EQ(voxel(run, 64, 48, 12, 1), 266);
  EXPECT_EQ(voxel(run, 85, 64, 16, 1), 535);
  double sum = 0;
  for (double v : run.values()) sum += v;
  EXPECT_EQ(sum, 101985356.0);
}

TEST(SurfaceFixtures, FunctionalNiftiAppliesSlopeAndIntercept) {
  NL_REQUIRE_FIXTURE("nifti/functional.nii");
  const auto contents = openFixture("nifti/functional.nii");
  const auto& run = dynamic_cast<const ArrayDataset&>(*contents.datasets.at(0));
  EXPECT_EQ(run.shape(), (std::vector<std::size_t>{20, 3, 21, 17}));
  EXPECT_EQ(run.sourceType(), "float64");
  EXPECT_NEAR(voxel(run, 0, 0, 0, 0), 4004.137202501297, 1e-9);
  EXPECT_NEAR(voxel(run, 8, 10, 1, 10), 3937.251221358776, 1e-9);
  EXPECT_NEAR(voxel(run, 16, 20, 2, 19), 3129.3409598469734, 1e-9);
  EXPECT_NEAR(voxel(run, 11, 14, 2, 13), 4125.919456779957, 1e-9);
  double sum = 0;
  for (double v : run.values()) sum += v;
  EXPECT_NEAR(sum, 77913290.36292362, 1e-4);
  expectAffine(run, {-4, 0, 0, 32, 0, 4, 0, -40, 0, 0, 8, 0, 0, 0, 0, 1});
  EXPECT_EQ(run.attributes().at("tr"), "2");
  EXPECT_EQ(run.attributes().at("spacing"), "4,4,8");
}

TEST(SurfaceFixtures, HaxbyRunsAndMask) {
  NL_REQUIRE_FIXTURE("nifti/haxby2001/BOLD_task001_run001_bold_25mm.nii.gz");
  const auto run25 = openFixture("nifti/haxby2001/BOLD_task001_run001_bold_25mm.nii.gz");
  const auto& r = dynamic_cast<const ArrayDataset&>(*run25.datasets.at(0));
  EXPECT_EQ(r.shape(), (std::vector<std::size_t>{121, 10, 10, 6}));
  EXPECT_EQ(r.attributes().at("tr"), "2.5");
  expectAffine(r, {-25, 0, 0, 62.5, 0, 25, 0, -112.5, 0, 0, 25, -112.5, 0, 0, 0, 1});
  EXPECT_EQ(voxel(r, 0, 0, 0, 0), 19);
  EXPECT_EQ(voxel(r, 3, 5, 5, 60), 1705);
  EXPECT_EQ(voxel(r, 5, 9, 9, 120), 14);
  EXPECT_EQ(voxel(r, 4, 6, 6, 80), 763);

  const auto slice = openFixture("nifti/haxby2001/BOLD_task001_run001_bold_1slice.nii.gz");
  const auto& s = dynamic_cast<const ArrayDataset&>(*slice.datasets.at(0));
  EXPECT_EQ(s.shape(), (std::vector<std::size_t>{121, 1, 20, 40}));
  expectAffine(s, {-3.0999999046325684, 0, 0, 60.44999694824219, 0, 3.75, 0, -35.625, 0, 0, 3.75, 0,
                   0, 0, 0, 1});
  EXPECT_EQ(voxel(s, 20, 10, 0, 60), 1095);
  EXPECT_EQ(voxel(s, 26, 13, 0, 80), 1812);

  const auto mask = openFixture("nifti/haxby2001/masks_25mm_vt.nii.gz");
  const auto& m = dynamic_cast<const ArrayDataset&>(*mask.datasets.at(0));
  EXPECT_EQ(m.kind(), DatasetKind::Volume);
  EXPECT_EQ(m.shape(), (std::vector<std::size_t>{10, 10, 6}));
  EXPECT_EQ(voxel(m, 4, 3, 4), 1);
  double sum = 0;
  for (double v : m.values()) sum += v;
  EXPECT_EQ(sum, 1);
}

}  // namespace
