// Skeleton length as a curve (analysis/fisbe/SkeletonLength.h) on shapes of
// known length, in isotropic and anisotropic voxels.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <set>
#include <tuple>
#include <vector>

#include "analysis/fisbe/Evaluate.h"
#include "analysis/fisbe/SkeletonLength.h"

namespace {

using nl::analysis::fisbe::skeletonLength;
using nl::analysis::fisbe::Voxel;
using nl::analysis::fisbe::VoxelSpacing;

TEST(SkeletonLength, StraightLineAlongEachAxisInAnisotropicVoxels) {
  const VoxelSpacing spacing{0.5, 0.75, 2.0};  // x, y, z
  std::vector<Voxel> alongX, alongY, alongZ;
  for (std::int32_t i = 0; i < 20; ++i) {
    alongX.push_back({3, 4, 5 + i});
    alongY.push_back({3, 4 + i, 5});
    alongZ.push_back({3 + i, 4, 5});
  }
  EXPECT_DOUBLE_EQ(skeletonLength(alongX, spacing), 19 * 0.5);
  EXPECT_DOUBLE_EQ(skeletonLength(alongY, spacing), 19 * 0.75);
  EXPECT_DOUBLE_EQ(skeletonLength(alongZ, spacing), 19 * 2.0);
  EXPECT_EQ(skeletonLength(std::vector<Voxel>{{1, 1, 1}}, spacing), 0.0) << "one voxel: no length";
  EXPECT_EQ(skeletonLength(std::vector<Voxel>{}, spacing), 0.0);
}

TEST(SkeletonLength, DiagonalLinesMeasureTheirEuclideanLength) {
  const VoxelSpacing spacing{0.44, 0.44, 1.5};
  std::vector<Voxel> face, space;
  for (std::int32_t i = 0; i < 31; ++i) {
    face.push_back({0, i, i});        // y = x
    space.push_back({i, 40 - i, i});  // through z, −y, x
  }
  EXPECT_NEAR(skeletonLength(face, spacing), 30 * std::sqrt(2 * 0.44 * 0.44), 1e-9);
  EXPECT_NEAR(skeletonLength(space, spacing), 30 * std::sqrt(2 * 0.44 * 0.44 + 1.5 * 1.5), 1e-9);
}

TEST(SkeletonLength, LShapeCountsTheCornerOnce) {
  // 10 voxels along x, then 9 more along y from the last one: 9 + 9 steps.
  // Summing all 26-neighbour edges would add the corner's diagonal (√2).
  std::vector<Voxel> shape;
  for (std::int32_t x = 0; x < 10; ++x) shape.push_back({2, 0, x});
  for (std::int32_t y = 1; y < 10; ++y) shape.push_back({2, y, 9});
  EXPECT_DOUBLE_EQ(skeletonLength(shape), 18.0);
  EXPECT_DOUBLE_EQ(skeletonLength(shape, {0.5, 2.0, 7.0}), 9 * 0.5 + 9 * 2.0);
  // The same corner cut diagonally (a 26-thin curve): 8 + √2 + 8.
  std::vector<Voxel> cut;
  for (std::int32_t x = 0; x < 9; ++x) cut.push_back({2, 0, x});
  for (std::int32_t y = 1; y < 10; ++y) cut.push_back({2, y, 9});
  EXPECT_NEAR(skeletonLength(cut), 8 + std::sqrt(2.0) + 8, 1e-12);
}

TEST(SkeletonLength, JunctionTriangleIsNotCountedTwice) {
  // A T: a bar along x (0..10) and a stem along y from its middle; the voxel
  // next to the junction on the stem is a neighbour of three bar voxels.
  std::vector<Voxel> t;
  for (std::int32_t x = 0; x <= 10; ++x) t.push_back({0, 0, x});
  for (std::int32_t y = 1; y <= 6; ++y) t.push_back({0, y, 5});
  EXPECT_DOUBLE_EQ(skeletonLength(t), 10.0 + 6.0);
}

TEST(SkeletonLength, DigitalCircleIsWithinSixPercentOfTwoPiR) {
  // An 8-connected, thin digital circle (midpoint algorithm) of radius 40.
  const int r = 40;
  std::set<std::tuple<int, int>> points;
  int x = r, y = 0, error = 1 - r;
  while (x >= y) {
    for (auto [a, b] :
         {std::pair{x, y}, {y, x}, {-y, x}, {-x, y}, {-x, -y}, {-y, -x}, {y, -x}, {x, -y}})
      points.insert({a, b});
    ++y;
    if (error < 0) {
      error += 2 * y + 1;
    } else {
      --x;
      error += 2 * (y - x) + 1;
    }
  }
  std::vector<Voxel> circle;
  for (auto [a, b] : points) circle.push_back({5, b + 50, a + 50});
  const double length = skeletonLength(circle);
  const double expected = 2 * std::numbers::pi * r;
  // The staircase of axis and diagonal steps overestimates curves of other
  // directions (Freeman chain-code bias, ≈ 5.5 % averaged over directions;
  // 5.9 % for this circle, 5.7 % for the ellipse below).
  EXPECT_GT(length, expected);
  EXPECT_LT(std::abs(length / expected - 1.0), 0.06) << length << " vs " << expected;
  // In anisotropic voxels (x twice as long) the circle is an ellipse with
  // semi-axes 2r and r: Ramanujan's perimeter, the same few percent.
  const double a = 2.0 * r, b = r;
  const double ellipse = std::numbers::pi * (3 * (a + b) - std::sqrt((3 * a + b) * (a + 3 * b)));
  EXPECT_LT(std::abs(skeletonLength(circle, {2.0, 1.0, 1.0}) / ellipse - 1.0), 0.06);
}

TEST(SkeletonLength, ThinnedRingMeasuresItsCircumference) {
  // A solid torus-like ring (annulus 3 voxels thick, 3 planes deep), thinned
  // by the FISBe skeletonization: the centre circle of radius 30 is left.
  const std::int32_t depth = 3, size = 80;
  std::vector<nl::analysis::fisbe::Run> runs;
  for (std::int32_t z = 0; z < depth; ++z)
    for (std::int32_t y = 0; y < size; ++y) {
      std::int32_t start = -1;
      for (std::int32_t x = 0; x <= size; ++x) {
        const double d = std::hypot(x - 40.0, y - 40.0);
        const bool in = x < size && d >= 28.5 && d <= 31.5;
        if (in && start < 0) start = x;
        if (!in && start >= 0) {
          runs.push_back({z, y, start, x});
          start = -1;
        }
      }
    }
  const nl::analysis::fisbe::InstanceMask mask(runs);
  const auto skeleton = nl::analysis::fisbe::instanceSkeleton(mask);
  ASSERT_GT(skeleton.size(), 100u);
  const double length = skeletonLength(skeleton);
  EXPECT_LT(std::abs(length / (2 * std::numbers::pi * 30) - 1.0), 0.08)
      << length << " for " << skeleton.size() << " voxels";
}

TEST(SkeletonLength, AThickPatchCountsOneStepPerVoxel) {
  // 2 × 2 voxels thick, 30 long: 120 voxels whose every 26-neighbour step
  // would sum to far more; the spanning forest takes 119 unit steps, whatever
  // the order of the voxels.
  std::vector<Voxel> bar;
  for (std::int32_t x = 29; x >= 0; --x)
    for (std::int32_t y = 0; y < 2; ++y)
      for (std::int32_t z = 0; z < 2; ++z) bar.push_back({z, y, x});
  EXPECT_DOUBLE_EQ(skeletonLength(bar), 119.0);
  // Two separate pieces: each its own tree, nothing joins them.
  std::vector<Voxel> two{{0, 0, 0}, {0, 0, 1}, {0, 0, 5}, {0, 1, 6}};
  EXPECT_NEAR(skeletonLength(two), 1.0 + std::sqrt(2.0), 1e-12);
}

TEST(SkeletonLength, RefusesBadSpacingAndCoordinates) {
  const std::vector<Voxel> line{{0, 0, 0}, {0, 0, 1}};
  EXPECT_THROW(skeletonLength(line, {0.0, 1.0, 1.0}), std::invalid_argument);
  EXPECT_THROW(skeletonLength(line, {1.0, std::nan(""), 1.0}), std::invalid_argument);
  EXPECT_THROW(skeletonLength(std::vector<Voxel>{{-1, 0, 0}}), std::invalid_argument);
}

}  // namespace
