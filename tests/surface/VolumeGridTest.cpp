// io::VolumeGrid: the one voxel grid. Attributes round-trip and older
// spellings still read; malformed ones name the dataset and the attribute;
// voxel ↔ world through a rotated anisotropic affine; the NIfTI fixtures'
// grids against nibabel's numbers (img.affine as in FixtureTest.cpp, pixdim
// as header.get_zooms() reads it).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "io/ReaderRegistry.h"
#include "io/volume/VolumeGrid.h"
#include "tests/support/TestSupport.h"

namespace {

using nl::io::Attributes;
using nl::io::AxisOrder;
using nl::io::readVolumeGrid;
using nl::io::VolumeGrid;
using nl::io::VolumeGridError;

// 7 × 5 × 4 voxels of 2 × 3.5 × 1.25 mm, rotated 30° about z then 20° about
// x, translated: an affine with no zero entry in its 3 × 3 part.
VolumeGrid rotatedGrid() {
  const double a = 30.0 * M_PI / 180.0, b = 20.0 * M_PI / 180.0;
  const double rz[9] = {std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a), 0, 0, 0, 1};
  const double rx[9] = {1, 0, 0, 0, std::cos(b), -std::sin(b), 0, std::sin(b), std::cos(b)};
  const double zoom[3] = {2.0, 3.5, 1.25};
  nl::io::Affine affine = nl::io::kIdentityAffine;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) {
      double v = 0;
      for (int m = 0; m < 3; ++m) v += rz[3 * r + m] * rx[3 * m + c];
      affine[static_cast<std::size_t>(4 * r + c)] = v * zoom[c];
    }
  affine[3] = -40.0, affine[7] = 12.5, affine[11] = 7.0;
  return VolumeGrid::fromAffine({7, 5, 4}, affine, "mm");
}

std::string errorOf(const Attributes& attributes, AxisOrder order = AxisOrder::ZYX,
                    std::vector<std::size_t> shape = {4, 5, 6}) {
  try {
    readVolumeGrid("anatomy", shape, attributes, order);
  } catch (const VolumeGridError& error) {
    return error.what();
  }
  return "(no error)";
}

}  // namespace

TEST(VolumeGrid, AttributesRoundTrip) {
  const VolumeGrid grid = rotatedGrid();
  Attributes attributes{{"description", "kept"}};
  nl::io::writeVolumeGrid(grid, attributes);
  EXPECT_EQ(attributes.at("description"), "kept");
  EXPECT_EQ(attributes.at("spatial_units"), "mm");
  const auto back =
      readVolumeGrid("rotated", std::vector<std::size_t>{4, 5, 7}, attributes, AxisOrder::ZYX);
  EXPECT_TRUE(back.sameGrid(grid, 0.0)) << "round-trip precision: the affine comes back exactly";
  EXPECT_EQ(back.spacing, grid.spacing);
  EXPECT_EQ(back.unit, "mm");
  EXPECT_NEAR(back.spacing[0], 2.0, 1e-12);
  EXPECT_NEAR(back.spacing[1], 3.5, 1e-12);
  EXPECT_NEAR(back.spacing[2], 1.25, 1e-12);

  // An axis-aligned grid writes its diagonal affine; spacing and origin read
  // alone give the same grid.
  const auto aligned = VolumeGrid::axisAligned({6, 5, 4}, {0.5, 0.25, 2}, {1, -2, 3});
  Attributes written;
  nl::io::writeVolumeGrid(aligned, written);
  EXPECT_EQ(written.at("spacing"), "0.5,0.25,2");
  EXPECT_EQ(written.at("origin"), "1,-2,3");
  EXPECT_EQ(written.at("affine"), "0.5,0,0,1,0,0.25,0,-2,0,0,2,3,0,0,0,1");
  EXPECT_FALSE(written.contains("spatial_units"));
  const Attributes plain{{"spacing", "0.5,0.25,2"}, {"origin", "1,-2,3"}};
  EXPECT_TRUE(readVolumeGrid("plain", std::vector<std::size_t>{4, 5, 6}, plain, AxisOrder::ZYX)
                  .sameGrid(aligned, 0.0));
  // No attributes: unit voxels at the origin.
  const auto bare = readVolumeGrid("bare", std::vector<std::size_t>{4, 5, 6}, {}, AxisOrder::ZYX);
  EXPECT_EQ(bare.affine, nl::io::kIdentityAffine);
  EXPECT_EQ((std::array<std::size_t, 3>{bare.nx, bare.ny, bare.nz}),
            (std::array<std::size_t, 3>{6, 5, 4}));
}

TEST(VolumeGrid, AxisOrdersFindTheSpatialAxes) {
  const Attributes none;
  const auto expectSize = [&](std::vector<std::size_t> shape, AxisOrder order) {
    const auto grid = readVolumeGrid("v", shape, none, order);
    EXPECT_EQ((std::array<std::size_t, 3>{grid.nx, grid.ny, grid.nz}),
              (std::array<std::size_t, 3>{6, 5, 4}))
        << nl::io::axisOrderName(order);
  };
  expectSize({4, 5, 6}, AxisOrder::ZYX);
  expectSize({9, 4, 5, 6}, AxisOrder::TZYX);
  expectSize({4, 5, 6, 3}, AxisOrder::ZYXC);
  expectSize({9, 4, 5, 6, 2}, AxisOrder::TZYXC);
  expectSize({3, 4, 5, 6}, AxisOrder::CZYX);
  EXPECT_NE(errorOf({}, AxisOrder::TZYX).find("has 3 axes; a volume laid out as [t,z,y,x] has 4"),
            std::string::npos);
  EXPECT_NE(errorOf({}, AxisOrder::ZYX, {4, 0, 6}).find("has no voxels"), std::string::npos);
  const VolumeGrid g = VolumeGrid::axisAligned({6, 5, 4}, {1, 1, 1});
  EXPECT_EQ(g.flatIndex(5, 4, 3), 119u);
  EXPECT_EQ(g.indicesOf(119), (std::array<std::size_t, 3>{5, 4, 3}));
  EXPECT_EQ(g.shapeZyx(), (std::array<std::size_t, 3>{4, 5, 6}));
}

TEST(VolumeGrid, RotatedAnisotropicVoxelWorldRoundTrip) {
  const VolumeGrid grid = rotatedGrid();
  // A known point: voxel (1, 0, 0) is the origin plus the first column.
  const auto w100 = grid.voxelToWorld({1, 0, 0});
  EXPECT_NEAR(w100[0], -40.0 + 2.0 * std::cos(M_PI / 6), 1e-12);
  EXPECT_NEAR(w100[1], 12.5 + 2.0 * std::sin(M_PI / 6), 1e-12);
  EXPECT_NEAR(w100[2], 7.0, 1e-12);
  std::mt19937_64 engine(11);
  std::uniform_real_distribution<double> u(-3.0, 9.0);
  for (int n = 0; n < 200; ++n) {
    const std::array<double, 3> ijk{u(engine), u(engine), u(engine)};
    const auto back = grid.worldToVoxel(grid.voxelToWorld(ijk));
    for (std::size_t a = 0; a < 3; ++a) EXPECT_NEAR(back[a], ijk[a], 1e-10);
  }
  // The inverse times the affine is the identity.
  const auto inverse = grid.inverseAffine();
  for (std::size_t r = 0; r < 4; ++r)
    for (std::size_t c = 0; c < 4; ++c) {
      double v = 0;
      for (std::size_t m = 0; m < 4; ++m) v += inverse[4 * r + m] * grid.affine[4 * m + c];
      EXPECT_NEAR(v, r == c ? 1.0 : 0.0, 1e-12) << r << "," << c;
    }
  // Grids: same when the affines agree within the tolerance.
  VolumeGrid shifted = grid;
  shifted.affine[3] += 1e-4;
  EXPECT_TRUE(grid.sameGrid(shifted));
  shifted.affine[3] += 0.01;
  EXPECT_FALSE(grid.sameGrid(shifted));
  VolumeGrid wider = grid;
  wider.nx += 1;
  EXPECT_FALSE(grid.sameGrid(wider));
  VolumeGrid flat = grid;
  flat.affine[8] = flat.affine[9] = flat.affine[10] = 0;
  EXPECT_THROW(flat.worldToVoxel({0, 0, 0}), VolumeGridError);
}

TEST(VolumeGrid, PreviewGridHasStepTimesTheSpacing) {
  const auto grid = VolumeGrid::axisAligned({686, 685, 385}, {0.44, 0.44, 2.0}, {5, 6, 7}, "um");
  const auto preview = grid.subsampled(4);
  EXPECT_EQ((std::array<std::size_t, 3>{preview.nx, preview.ny, preview.nz}),
            (std::array<std::size_t, 3>{172, 172, 97}));
  EXPECT_DOUBLE_EQ(preview.spacing[0], 1.76);
  EXPECT_DOUBLE_EQ(preview.spacing[2], 8.0);
  EXPECT_EQ(preview.origin(), grid.origin());
  // Preview voxel (i, j, k) sits on source voxel (4i, 4j, 4k).
  const auto a = preview.voxelToWorld({3, 2, 1}), b = grid.voxelToWorld({12, 8, 4});
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(a[i], b[i], 1e-12);
  EXPECT_TRUE(grid.subsampled(1).sameGrid(grid, 0.0));
  EXPECT_THROW(grid.subsampled(0), std::invalid_argument);
}

TEST(VolumeGrid, OldSpellingsStillRead) {
  const std::vector<std::size_t> shape{4, 5, 6};
  // Space-separated and bracketed lists (older sessions, hand-written files).
  const auto spaced = readVolumeGrid("v", shape, {{"spacing", "0.5 0.25 2"}}, AxisOrder::ZYX);
  EXPECT_EQ(spaced.spacing, (std::array<double, 3>{0.5, 0.25, 2}));
  const auto bracketed =
      readVolumeGrid("v", shape, {{"spacing", "[0.5, 0.25, 2]"}}, AxisOrder::ZYX);
  EXPECT_EQ(bracketed.spacing, spaced.spacing);
  // "voxel_size" (x, y, z) and HDF5's element_size_um (z, y, x, micrometres).
  EXPECT_EQ(readVolumeGrid("v", shape, {{"voxel_size", "0.5,0.25,2"}}, AxisOrder::ZYX).spacing,
            spaced.spacing);
  const auto ilastik =
      readVolumeGrid("v", shape, {{"element_size_um", "2, 0.25, 0.5"}}, AxisOrder::ZYX);
  EXPECT_EQ(ilastik.spacing, spaced.spacing);
  EXPECT_EQ(ilastik.unit, "micrometer");
  EXPECT_EQ(ilastik.affine[0], 0.5);
  EXPECT_EQ(ilastik.affine[10], 2.0);
  // The microscopy readers' unit attribute before spatial_units; "pixel" is no unit.
  EXPECT_EQ(readVolumeGrid("v", shape, {{"voxel_size_unit", "nanometer"}}, AxisOrder::ZYX).unit,
            "nanometer");
  EXPECT_EQ(readVolumeGrid("v", shape, {{"voxel_size_unit", "pixel"}}, AxisOrder::ZYX).unit, "");
  // Writing replaces the old spellings by the canonical ones.
  Attributes attributes{{"voxel_size", "1,1,1"}, {"voxel_size_unit", "pixel"}};
  nl::io::writeVolumeGrid(spaced, attributes);
  EXPECT_FALSE(attributes.contains("voxel_size"));
  EXPECT_FALSE(attributes.contains("voxel_size_unit"));
  EXPECT_EQ(attributes.at("spacing"), "0.5,0.25,2");
}

TEST(VolumeGrid, MalformedAttributesNameTheDatasetAndTheAttribute) {
  const auto expectError = [](const Attributes& attributes, const std::string& attribute,
                              const std::string& problem) {
    const std::string message = errorOf(attributes);
    EXPECT_NE(message.find("dataset 'anatomy'"), std::string::npos) << message;
    EXPECT_NE(message.find("attribute '" + attribute + "'"), std::string::npos) << message;
    EXPECT_NE(message.find(problem), std::string::npos) << message;
  };
  expectError({{"spacing", "1,2"}}, "spacing", "has 2 numbers; expected 3");
  expectError({{"spacing", "a,b,c"}}, "spacing", "is not a list of numbers");
  expectError({{"spacing", "1,-2,3"}}, "spacing", "not positive");
  expectError({{"spacing", "0,1,1"}}, "spacing", "not positive");
  expectError({{"spacing", "nan,1,1"}}, "spacing", "non-finite");
  expectError({{"spacing", "1,,2"}}, "spacing", "is not a list of numbers");
  expectError({{"spacing", "1,2,3,"}}, "spacing", "is not a list of numbers");
  expectError({{"spacing", "1,2,3mm"}}, "spacing", "is not a list of numbers");
  expectError({{"voxel_size", "1;2;3"}}, "voxel_size", "is not a list of numbers");
  expectError({{"element_size_um", "1,2"}}, "element_size_um", "has 2 numbers");
  expectError({{"origin", "1,2"}}, "origin", "has 2 numbers; expected 3");
  expectError({{"origin", "inf,0,0"}}, "origin", "non-finite");
  expectError({{"affine", "1,0,0,0,0,1,0,0,0,0,1,0,0,0,0"}}, "affine", "has 15 numbers");
  expectError({{"affine", "1,0,0,0,0,1,0,0,0,0,1,0,0,0,1,1"}}, "affine", "row 0,0,0,1");
  expectError({{"affine", "1,0,0,0,0,nan,0,0,0,0,1,0,0,0,0,1"}}, "affine", "non-finite");
  // Errors are std::invalid_argument, as the callers (plugins, layers) expect.
  EXPECT_THROW(readVolumeGrid("anatomy", std::vector<std::size_t>{4, 5, 6}, {{"spacing", "1,2"}},
                              AxisOrder::ZYX),
               std::invalid_argument);
}

TEST(VolumeGrid, NiftiFixtureGridsMatchNibabel) {
  NL_REQUIRE_FIXTURE("nifti/functional.nii");
  // nibabel: img.affine, img.header.get_zooms()[:3], img.shape[:3].
  const auto functional =
      nl::io::ReaderRegistry::builtin().open(nl::test::fixtures() / "nifti/functional.nii");
  const auto grid = readVolumeGrid(*functional.datasets.at(0), AxisOrder::TZYX);
  EXPECT_EQ((std::array<std::size_t, 3>{grid.nx, grid.ny, grid.nz}),
            (std::array<std::size_t, 3>{17, 21, 3}));
  EXPECT_EQ(grid.affine, (nl::io::Affine{-4, 0, 0, 32, 0, 4, 0, -40, 0, 0, 8, 0, 0, 0, 0, 1}));
  EXPECT_EQ(grid.spacing, (std::array<double, 3>{4, 4, 8}));
  EXPECT_EQ(grid.unit, "mm");
  // img.affine @ [16, 20, 2, 1] = [-32, 40, 16].
  EXPECT_EQ(grid.voxelToWorld({16, 20, 2}), (std::array<double, 3>{-32, 40, 16}));
  const auto ijk = grid.worldToVoxel({-32, 40, 16});
  EXPECT_NEAR(ijk[0], 16, 1e-12);
  EXPECT_NEAR(ijk[1], 20, 1e-12);
  EXPECT_NEAR(ijk[2], 2, 1e-12);

  NL_REQUIRE_FIXTURE("nifti/example4d.nii.gz");
  const auto example =
      nl::io::ReaderRegistry::builtin().open(nl::test::fixtures() / "nifti/example4d.nii.gz");
  const auto oblique = readVolumeGrid(*example.datasets.at(0), AxisOrder::TZYX);
  const nl::io::Affine nibabel{-2.0,
                               6.714715653593746e-19,
                               9.081024511081715e-18,
                               117.8551025390625,
                               -6.714715653593746e-19,
                               1.9737114906311035,
                               -0.35552823543548584,
                               -35.72294235229492,
                               8.25548088896093e-18,
                               0.3232076168060303,
                               2.171081781387329,
                               -7.248798370361328,
                               0,
                               0,
                               0,
                               1};
  for (std::size_t i = 0; i < 16; ++i) EXPECT_NEAR(oblique.affine[i], nibabel[i], 1e-12) << i;
  // get_zooms() (pixdim), not the column lengths of the sform.
  EXPECT_NEAR(oblique.spacing[0], 2.0, 1e-6);
  EXPECT_NEAR(oblique.spacing[1], 2.0, 1e-6);
  EXPECT_NEAR(oblique.spacing[2], 2.1999990940093994, 1e-12);
  // apply_affine(img.affine, [64, 48, 12]) with nibabel's affine above, in
  // double precision (Python).
  const auto world = oblique.voxelToWorld({64, 48, 12});
  EXPECT_NEAR(world[0], -10.1448974609375, 1e-9);
  EXPECT_NEAR(world[1], 54.74887037277222, 1e-9);
  EXPECT_NEAR(world[2], 34.318148612976074, 1e-9);
  EXPECT_EQ(oblique.unit, "mm");
  // What the reader wrote is the canonical form: writing the grid again
  // gives the same strings.
  Attributes again;
  nl::io::writeVolumeGrid(oblique, again);
  for (const char* key : {"spacing", "origin", "affine", "spatial_units"})
    EXPECT_EQ(again.at(key), example.datasets.at(0)->attributes().at(key)) << key;
}
