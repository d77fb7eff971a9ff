// Both hemispheres in one plan: fsaverage5 left + right with their Benson
// 2014 templates joined into one chart. Each hemisphere keeps its own
// visual-field convention (docs/PROSTHESIS.md: the left hemisphere sees the
// right hemifield), the two hemispheres' charts do not overlap, and a plan
// over both puts electrodes in both, its metrics counting every electrode.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/prosthesis/Loaders.h"
#include "analysis/prosthesis/Planner.h"
#include "tests/prosthesis/ProsthesisTestSupport.h"

namespace pr = nl::analysis::prosthesis;
namespace tp = nl::test::prosthesis;

namespace {

const char* kFixtures[] = {"surface/fsaverage5/white_left.gii.gz",
                           "surface/fsaverage5/white_right.gii.gz",
                           "surface/fsaverage5/pial_right.gii.gz",
                           "surface/fsaverage5/sphere_right.gii.gz",
                           "surface/benson14_fsaverage/lh.benson14_varea.v4_0.mgz",
                           "surface/benson14_fsaverage/rh.benson14_varea.v4_0.mgz"};

struct Both {
  std::shared_ptr<pr::CorticalMesh> left, right;
  pr::BilateralCortex joined;
};

Both bothHemispheres(double maxEccentricity) {
  const auto dir = nl::test::fixtures() / "surface" / "fsaverage5";
  const auto benson = nl::test::fixtures() / "surface" / "benson14_fsaverage";
  Both b;
  b.left = tp::fsaverage5Left().mesh;
  b.right = pr::makeCorticalMesh(*pr::readSurfaceMesh(dir / "white_right.gii.gz"),
                                 *pr::readSurfaceMesh(dir / "pial_right.gii.gz"),
                                 *pr::readSurfaceMesh(dir / "sphere_right.gii.gz"),
                                 pr::Hemisphere::Right);
  const auto l = pr::readBensonRetinotopy(benson, pr::Hemisphere::Left, b.left->vertexCount(),
                                          maxEccentricity);
  const auto r = pr::readBensonRetinotopy(benson, pr::Hemisphere::Right, b.right->vertexCount(),
                                          maxEccentricity);
  b.joined = pr::joinHemispheres(*b.left, l, *b.right, r);
  return b;
}

}  // namespace

TEST(ProsthesisBilateral, EachHemisphereSeesTheOppositeVisualField) {
  for (const char* f : kFixtures) NL_REQUIRE_FIXTURE(f);
  const auto b = bothHemispheres(10);
  const auto& mesh = *b.joined.mesh;
  ASSERT_TRUE(mesh.bilateral());
  ASSERT_EQ(mesh.vertexCount(), b.left->vertexCount() + b.right->vertexCount());
  EXPECT_EQ(mesh.rightVertexStart, b.left->vertexCount());
  const pr::SurfaceChart chart(b.joined.mesh, b.joined.retinotopy, 0.5);
  // Every V1 vertex of either hemisphere, located through the joined chart
  // at a point inside one of its triangles, lands on its own hemisphere, at
  // its own position, in the opposite visual hemifield.
  int left = 0, right = 0;
  for (int t : chart.regionTriangles(std::vector<int>{1})) {
    const pr::SurfacePoint inside{t, Eigen::Vector3d(0.5, 0.25, 0.25)};
    const auto s = chart.sample(chart.directionOf(inside));
    ASSERT_TRUE(s.point.valid());
    ASSERT_EQ(s.point.triangle, t) << "the hemispheres' charts overlap";
    const auto v = static_cast<std::size_t>(mesh.triangles(0, t));
    const auto side = mesh.hemisphereOf(v);
    const auto own = mesh.vertexInHemisphere(v);
    const auto& own3d = side == pr::Hemisphere::Left ? b.left->pial : b.right->pial;
    EXPECT_EQ(
        (mesh.pial.col(static_cast<Eigen::Index>(v)) - own3d.col(static_cast<Eigen::Index>(own)))
            .norm(),
        0.0);
    if (side == pr::Hemisphere::Left) {
      ++left;
      EXPECT_GT(s.field.x, -0.3) << "a left-hemisphere electrode sees the right visual field";
      EXPECT_LT(s.position.x(), 0.0) << "on the left hemisphere (MNI305 x < 0)";
    } else {
      ++right;
      EXPECT_LT(s.field.x, 0.3) << "a right-hemisphere electrode sees the left visual field";
      EXPECT_GT(s.position.x(), 0.0);
    }
  }
  EXPECT_GT(left, 150);  // V1 within 10°: 182 left, 210 right triangles
  EXPECT_GT(right, 150);
  // A left-hemisphere vertex far from its V1 (its rotated sphere direction
  // towards +x, where the right hemisphere's cap is) is never located on a
  // left-hemisphere triangle: the chart holds only each occipital cap.
  int far = 0;
  for (std::size_t v = 0; v < mesh.rightVertexStart; v += 7) {
    const Eigen::Vector3d u = chart.vertexDirection(static_cast<int>(v));
    if (u.x() < 0.3) continue;
    ++far;
    const auto p = chart.locate(u);
    if (p.valid()) {
      EXPECT_EQ(mesh.hemisphereOf(static_cast<std::size_t>(mesh.triangles(0, p.triangle))),
                pr::Hemisphere::Right);
    }
  }
  EXPECT_GT(far, 50);
  EXPECT_THROW(pr::joinHemispheres(*b.left, b.joined.retinotopy, *b.right, b.joined.retinotopy),
               std::invalid_argument)
      << "a retinotopy of the wrong size is refused";
}

TEST(ProsthesisBilateral, APlanOverBothHemispheresUsesBothFields) {
  for (const char* f : kFixtures) NL_REQUIRE_FIXTURE(f);
  const auto b = bothHemispheres(8);
  const auto grid = pr::VisualFieldGrid::square(8, 0.5);
  auto chart = std::make_shared<pr::SurfaceChart>(b.joined.mesh, b.joined.retinotopy, 0.5);
  pr::PhospheneModel model;
  model.magnification = pr::AnalyticMap(pr::MapParameters::pulse2percept());
  model.sizeFactor = 1.0;
  auto objective = std::make_shared<pr::PerceptObjective>(grid, model, pr::BrightnessCurve(),
                                                          pr::ObjectiveOptions{});
  pr::PlanProblem problem;
  problem.chart = chart;
  problem.objective = objective;
  problem.training = pr::letterTaskSet(grid, 12, 21);
  problem.heldOut = pr::letterTaskSet(grid, 6, 22);
  problem.electrodes = 40;
  pr::OptimizerOptions options;
  options.iterations = 15;
  options.seed = 3;
  nl::analysis::NullProgress progress;
  const auto result = pr::optimizePlacement(problem, options, progress);
  ASSERT_EQ(result.electrodes.size(), 40u);
  int left = 0, right = 0;
  for (const auto& e : result.electrodes) {
    ASSERT_TRUE(e.retinotopic);
    ASSERT_GE(e.vertex, 0);
    ASSERT_LT(static_cast<std::size_t>(e.vertex), b.left->vertexCount());
    if (e.hemisphere == pr::Hemisphere::Left) {
      ++left;
      EXPECT_GE(e.field.x, -0.3) << "left hemisphere → right visual field";
      EXPECT_LT(e.surfaceRas.x(), 0.0);
    } else {
      ++right;
      EXPECT_LE(e.field.x, 0.3) << "right hemisphere → left visual field";
      EXPECT_GT(e.surfaceRas.x(), 0.0);
    }
  }
  std::cout << "[bilateral] " << left << " left, " << right << " right electrodes; held-out loss "
            << result.metrics.heldOutLoss << ", coverage " << result.metrics.coverage << "\n";
  EXPECT_GE(left, 12) << "letters span both hemifields, so both hemispheres get electrodes";
  EXPECT_GE(right, 12);
  EXPECT_EQ(result.metrics.electrodes, 40) << "metrics over both hemispheres";
  // A bright field: the plan over both draws on both halves of it, the
  // same number of electrodes on the left hemisphere alone only on the right.
  const auto& lh = tp::fsaverage5Left();
  pr::PlanProblem single = problem;
  single.chart = std::make_shared<pr::SurfaceChart>(
      lh.mesh,
      pr::readBensonRetinotopy(nl::test::fixtures() / "surface" / "benson14_fsaverage",
                               pr::Hemisphere::Left, lh.mesh->vertexCount(), 8),
      0.5);
  const auto alone = pr::optimizePlacement(single, options, progress, {}, false);
  const pr::Image bright = pr::Image::Ones(grid.height(), grid.width());
  auto leftShare = [&](const pr::PlanProblem& p, const pr::Placement& placement) {
    std::vector<std::uint8_t> active;
    const auto centers = pr::placementCenters(p, placement, &active);
    const pr::Image percept = objective->percept(centers, bright, nullptr, active);
    double leftHalf = 0;
    for (int c = 0; c < grid.width(); ++c)
      if (grid.xOf(c) < 0) leftHalf += percept.col(c).sum();
    return leftHalf / percept.sum();
  };
  const double both = leftShare(problem, result.placement);
  const double leftOnly = leftShare(single, alone.placement);
  std::cout << "[bilateral] share of the percept in the left visual field: " << both
            << " (both hemispheres), " << leftOnly << " (left hemisphere alone); held-out loss "
            << result.metrics.heldOutLoss << " vs " << alone.metrics.heldOutLoss << "\n";
  EXPECT_GT(both, 0.25);
  EXPECT_LT(both, 0.75);
  EXPECT_LT(leftOnly, 0.05);
}
