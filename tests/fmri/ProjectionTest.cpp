// Volume → surface sampling: a linear field in world mm (value = x + 2y − z)
// must come back exactly from trilinear sampling at any point inside, for a
// rotated, anisotropic, translated affine; nearest picks the rounded voxel;
// white→pial averaging; NaN outside; bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "analysis/fmri/Projection.h"
#include "analysis/fmri/VolumeGrid.h"

namespace fm = nl::analysis::fmri;

namespace {

struct Field {
  fm::VolumeGrid grid;
  std::vector<double> values;
};

// A 7 × 5 × 4 grid, voxel sizes 2, 3.5, 1.25 mm, rotated 30° about z and 20°
// about x, translated; each voxel holds x + 2y − z of its centre in mm.
Field linearField() {
  Field f;
  const double a = 30.0 * M_PI / 180.0, b = 20.0 * M_PI / 180.0;
  Eigen::Matrix3d rz, rx;
  rz << std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a), 0, 0, 0, 1;
  rx << 1, 0, 0, 0, std::cos(b), -std::sin(b), 0, std::sin(b), std::cos(b);
  Eigen::Matrix<double, 4, 4, Eigen::RowMajor> affine = Eigen::Matrix4d::Identity();
  affine.topLeftCorner<3, 3>() = rz * rx * Eigen::Vector3d(2.0, 3.5, 1.25).asDiagonal();
  affine.topRightCorner<3, 1>() = Eigen::Vector3d(-40.0, 12.5, 7.0);
  nl::io::Affine entries{};
  std::copy(affine.data(), affine.data() + 16, entries.begin());
  f.grid = fm::VolumeGrid::fromAffine({7, 5, 4}, entries);
  f.values.resize(f.grid.voxelCount());
  for (std::size_t k = 0; k < f.grid.nz; ++k)
    for (std::size_t j = 0; j < f.grid.ny; ++j)
      for (std::size_t i = 0; i < f.grid.nx; ++i) {
        const auto w = f.grid.voxelToWorld(
            {static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)});
        f.values[(k * f.grid.ny + j) * f.grid.nx + i] = w[0] + 2 * w[1] - w[2];
      }
  return f;
}

Eigen::Vector3d world(const fm::VolumeGrid& grid, double i, double j, double k) {
  return (fm::affineMatrix(grid) * Eigen::Vector4d(i, j, k, 1.0)).head<3>();
}

}  // namespace

TEST(FmriProjection, TrilinearIsExactForLinearField) {
  const auto field = linearField();
  std::mt19937_64 engine(5);
  std::uniform_real_distribution<double> ui(0.0, 6.0), uj(0.0, 4.0), uk(0.0, 3.0);
  std::vector<float> vertices;
  std::vector<double> expected;
  for (int n = 0; n < 500; ++n) {
    const auto p = world(field.grid, ui(engine), uj(engine), uk(engine));
    const Eigen::Vector3f pf = p.cast<float>();  // meshes store float
    vertices.insert(vertices.end(), {pf[0], pf[1], pf[2]});
    expected.push_back(double(pf[0]) + 2 * double(pf[1]) - double(pf[2]));
  }
  // Corners and faces of the grid are inside too.
  for (auto [i, j, k] : {std::tuple{0.0, 0.0, 0.0}, {6.0, 4.0, 3.0}, {6.0, 0.0, 1.5}}) {
    const auto p = world(field.grid, i, j, k);
    vertices.insert(vertices.end(), {float(p[0]), float(p[1]), float(p[2])});
    expected.push_back(double(float(p[0])) + 2 * double(float(p[1])) - double(float(p[2])));
  }
  fm::ProjectionOptions options;
  const auto out = fm::projectToSurface(field.grid, field.values, 1, vertices, {}, options);
  ASSERT_EQ(out.size(), expected.size());
  for (std::size_t v = 0; v < out.size(); ++v) EXPECT_NEAR(out[v], expected[v], 1e-9) << v;
}

TEST(FmriProjection, NearestOutsideAndDepthAverage) {
  const auto field = linearField();
  const auto& g = field.grid;
  auto at = [&](double i, double j, double k) {
    const auto p = world(g, i, j, k);
    return std::vector<float>{float(p[0]), float(p[1]), float(p[2])};
  };
  fm::ProjectionOptions nearest;
  nearest.interpolation = fm::Interpolation::Nearest;
  // (2.4, 1.6, 0.51) rounds to voxel (2, 2, 1).
  auto out = fm::projectToSurface(g, field.values, 1, at(2.4, 1.6, 0.51), {}, nearest);
  EXPECT_DOUBLE_EQ(out[0], field.values[(1 * g.ny + 2) * g.nx + 2]);
  // Just outside: trilinear NaN beyond the last voxel centre; nearest still
  // inside up to half a voxel.
  out = fm::projectToSurface(g, field.values, 1, at(6.3, 1, 1), {}, nearest);
  EXPECT_DOUBLE_EQ(out[0], field.values[(1 * g.ny + 1) * g.nx + 6]);
  out = fm::projectToSurface(g, field.values, 1, at(6.3, 1, 1), {}, {});
  EXPECT_TRUE(std::isnan(out[0]));
  out = fm::projectToSurface(g, field.values, 1, at(-0.6, 1, 1), {}, nearest);
  EXPECT_TRUE(std::isnan(out[0]));

  // White at k = 1, pial at k = 2 of the same (i, j): mean over 5 depths of
  // a linear field equals the field at the midpoint; with the pial surface
  // half outside only the inside samples count.
  const auto white = at(3.2, 2.1, 1.0), pial = at(3.2, 2.1, 2.0);
  fm::ProjectionOptions depth;
  out = fm::projectToSurface(g, field.values, 1, white, pial, depth);
  const auto mid = world(g, 3.2, 2.1, 1.5);
  EXPECT_NEAR(out[0], mid[0] + 2 * mid[1] - mid[2], 1e-4);
  const auto outsidePial = at(3.2, 2.1, 5.0);  // fractions 0, .25, .5 inside (k ≤ 3)
  out = fm::projectToSurface(g, field.values, 1, white, outsidePial, depth);
  const auto inner = world(g, 3.2, 2.1, 2.0);  // mean of k = 1, 2, 3
  EXPECT_NEAR(out[0], inner[0] + 2 * inner[1] - inner[2], 1e-4);
}

TEST(FmriProjection, SeriesAndBadInput) {
  auto field = linearField();
  const std::size_t n = field.grid.voxelCount();
  std::vector<double> series(field.values);
  for (double v : field.values) series.push_back(2 * v);  // two volumes
  const auto p = world(field.grid, 1.5, 1.5, 1.5);
  const std::vector<float> vertex{float(p[0]), float(p[1]), float(p[2])};
  const auto out = fm::projectToSurface(field.grid, series, 2, vertex, {}, {});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NEAR(out[1], 2 * out[0], 1e-9);
  // A NaN voxel next to the point poisons a trilinear sample.
  field.values[(1 * field.grid.ny + 1) * field.grid.nx + 1] = std::nan("");
  EXPECT_TRUE(std::isnan(fm::projectToSurface(field.grid, field.values, 1, vertex, {}, {})[0]));
  EXPECT_THROW(fm::projectToSurface(field.grid, std::vector<double>(n - 1), 1, vertex, {}, {}),
               std::invalid_argument);
  const std::vector<float> two{0, 0, 0, 1, 1, 1};
  EXPECT_THROW(fm::projectToSurface(field.grid, series, 2, vertex, two, {}), std::invalid_argument);
  const std::vector<float> bad{0, std::nanf(""), 0};
  EXPECT_THROW(fm::projectToSurface(field.grid, series, 2, bad, {}, {}), std::invalid_argument);
  fm::ProjectionOptions badFractions;
  badFractions.fractions = {0.5, 1.5};
  EXPECT_THROW(fm::projectToSurface(field.grid, series, 2, vertex, vertex, badFractions),
               std::invalid_argument);
  auto singular = field.grid;
  singular.affine[8] = singular.affine[9] = singular.affine[10] = 0;  // row z of the 3 × 3 part
  EXPECT_THROW(fm::projectToSurface(singular, series, 2, vertex, {}, {}), std::invalid_argument);
  EXPECT_THROW(fm::parseInterpolation("cubic"), std::invalid_argument);
}

TEST(FmriProjection, SingleSliceVolume) {
  // One slice (like the one-slice Haxby run): trilinear works within the
  // slice plane, NaN off it; nearest accepts half a voxel either side.
  const auto grid = fm::VolumeGrid::axisAligned({3, 2, 1}, {2.0, 2.0, 5.0});
  const std::vector<double> values{0, 1, 2, 10, 11, 12};
  const std::vector<float> inPlane{1.0f, 1.0f, 0.0f}, offPlane{1.0f, 1.0f, 2.0f};
  EXPECT_NEAR(fm::projectToSurface(grid, values, 1, inPlane, {}, {})[0], 5.5, 1e-12);
  EXPECT_TRUE(std::isnan(fm::projectToSurface(grid, values, 1, offPlane, {}, {})[0]));
  fm::ProjectionOptions nearest;
  nearest.interpolation = fm::Interpolation::Nearest;
  EXPECT_EQ(fm::projectToSurface(grid, values, 1, offPlane, {}, nearest)[0], 11.0);
}
