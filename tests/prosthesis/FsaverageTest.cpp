// Plans on fsaverage5 (left hemisphere) with the Benson 2014 template and
// the braincharter MNI152 arterial atlas: the template's first 10,242 values
// belong to the fsaverage5 vertices; percept-aware placement beats the
// coverage baselines on held-out images; the hard vessel constraint leaves no
// electrode within the margin.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/prosthesis/Loaders.h"
#include "analysis/prosthesis/Planner.h"
#include "io/volume/Nifti.h"
#include "tests/prosthesis/ProsthesisTestSupport.h"

namespace pr = nl::analysis::prosthesis;
namespace tp = nl::test::prosthesis;

namespace {

const char* kFixtures[] = {"surface/fsaverage5/white_left.gii.gz",
                           "surface/fsaverage5/pial_left.gii.gz",
                           "surface/fsaverage5/sphere_left.gii.gz",
                           "surface/benson14_fsaverage/lh.benson14_varea.v4_0.mgz"};
const char* kVessels = "vasculature/braincharter_MNI/mean_Ved_ToF_Thresh.nii.gz";

// Field distance between two vertices relative to their eccentricities.
double relativeStep(const pr::VertexRetinotopy& r, int a, int b) {
  return std::hypot(r.x(a) - r.x(b), r.y(a) - r.y(b)) /
         (std::hypot(r.x(a), r.y(a)) + std::hypot(r.x(b), r.y(b)) + 1);
}

}  // namespace

TEST(ProsthesisFsaverage, BensonTemplateTruncatesOntoFsaverage5) {
  for (const char* f : kFixtures) NL_REQUIRE_FIXTURE(f);
  const auto& fs = tp::fsaverage5Left();
  const auto& mesh = *fs.mesh;
  const auto& ret = fs.retinotopy;
  // If the first 10,242 template values are the fsaverage5 vertices, the map
  // is smooth on the fsaverage5 mesh: across its edges inside V1 the
  // visual-field position changes little relative to the eccentricity (the
  // map is log-polar), far less than between random V1 vertex pairs (with
  // the values of another mesh's vertices the two would be alike); and V1
  // sits at the occipital pole. Measured: 0.14 vs 0.52.
  double edgeSum = 0, randomSum = 0;
  int edges = 0, pairs = 0;
  std::vector<int> v1;
  for (int v = 0; v < static_cast<int>(ret.size()); ++v)
    if (ret.area(v) == 1) v1.push_back(v);
  ASSERT_GT(v1.size(), 200u);
  for (int t = 0; t < static_cast<int>(mesh.triangleCount()); ++t)
    for (int c = 0; c < 3; ++c) {
      const int a = mesh.triangles(c, t), b = mesh.triangles((c + 1) % 3, t);
      if (ret.area(a) != 1 || ret.area(b) != 1) continue;
      edgeSum += relativeStep(ret, a, b);
      ++edges;
    }
  for (std::size_t i = 0; i < v1.size(); ++i) {
    const int a = v1[i], b = v1[(i * 131 + 17) % v1.size()];
    randomSum += relativeStep(ret, a, b);
    ++pairs;
  }
  EXPECT_LT(edgeSum / edges, 0.4 * randomSum / pairs);
  Eigen::Vector3d centroid = Eigen::Vector3d::Zero();
  for (int v : v1) centroid += mesh.pial.col(v);
  centroid /= static_cast<double>(v1.size());
  EXPECT_LT(centroid.y(), -70);  // occipital
  // Left hemisphere → right visual field.
  for (int v : v1) EXPECT_GE(ret.x(v), -1e-9);
}

TEST(ProsthesisFsaverage, PerceptAwareBeatsCoverageAndHardConstraintClearsVessels) {
  for (const char* f : kFixtures) NL_REQUIRE_FIXTURE(f);
  NL_REQUIRE_FIXTURE(kVessels);
  const auto& fs = tp::fsaverage5Left();
  const auto grid = pr::VisualFieldGrid::square(8, 0.5);
  auto retinotopy =
      pr::readBensonRetinotopy(nl::test::fixtures() / "surface" / "benson14_fsaverage",
                               pr::Hemisphere::Left, fs.mesh->vertexCount(), 8);
  auto chart = std::make_shared<pr::SurfaceChart>(fs.mesh, retinotopy, 0.5);
  pr::PhospheneModel model;
  model.magnification = pr::AnalyticMap(pr::MapParameters::pulse2percept());
  model.sizeFactor = 1.0;
  auto objective = std::make_shared<pr::PerceptObjective>(grid, model, pr::BrightnessCurve(),
                                                          pr::ObjectiveOptions{});
  // The vessel field around V1 (fsaverage = MNI305 → the atlas's MNI152).
  const auto volume = nl::io::volume::readNifti(nl::test::fixtures() / kVessels);
  Eigen::Matrix3Xd v1Points(3, 0);
  const auto region = chart->regionVertices(std::vector<int>{1});
  v1Points.resize(3, static_cast<Eigen::Index>(region.size()));
  for (std::size_t i = 0; i < region.size(); ++i)
    v1Points.col(static_cast<Eigen::Index>(i)) =
        0.5 * (fs.mesh->white.col(region[i]) + fs.mesh->pial.col(region[i]));
  const auto vessels = pr::vesselFieldAround(*volume, 0.5, pr::mni305ToMni152(), v1Points, 15);
  ASSERT_GT(vessels.vesselVoxelCount(), 0u);

  pr::PlanProblem problem;
  problem.chart = chart;
  problem.objective = objective;
  problem.training = pr::letterTaskSet(grid, 40, 21);
  problem.heldOut = pr::letterTaskSet(grid, 12, 22);
  problem.electrodes = 48;
  problem.vessels = &vessels;
  problem.vessel.mode = pr::ConstraintMode::Hard;
  problem.vessel.marginMm = 1.0;
  pr::OptimizerOptions options;
  options.iterations = 60;
  options.seed = 3;
  nl::analysis::NullProgress progress;
  const auto result = pr::optimizePlacement(problem, options, progress);
  ASSERT_EQ(result.baselines.size(), 3u);
  for (const auto& b : result.baselines)
    std::cout << "[plan] " << b.name << ": held-out MSE " << b.heldOutMse << ", SSIM "
              << b.heldOutSsim << ", loss " << b.heldOutLoss << ", coverage " << b.coverage
              << ", violations " << b.violations << ", min vessel distance "
              << b.minVesselDistanceMm << " mm\n";
  const auto& m = result.metrics;
  std::cout << "[plan] percept-aware: held-out MSE " << m.heldOutMse << ", SSIM " << m.heldOutSsim
            << ", loss " << m.heldOutLoss << ", coverage " << m.coverage << ", violations "
            << m.violations << ", min vessel distance " << m.minVesselDistanceMm << " mm\n";
  for (const auto& b : result.baselines) EXPECT_LT(m.heldOutLoss, b.heldOutLoss) << b.name;
  EXPECT_EQ(m.violations, 0);
  EXPECT_GE(m.minVesselDistanceMm, 1.0);
  EXPECT_EQ(m.outsideGrayMatter, 0);
  for (const auto& e : result.electrodes) {
    EXPECT_TRUE(e.retinotopic);
    EXPECT_EQ(e.area, 1);
    EXPECT_GE(e.vertex, 0);
  }
}

TEST(ProsthesisFsaverage, ThreadRetinotopyIsInterpolatedAlongTheThread) {
  for (const char* f : kFixtures) NL_REQUIRE_FIXTURE(f);
  const auto& fs = tp::fsaverage5Left();
  auto chart = std::make_shared<pr::SurfaceChart>(fs.mesh, fs.retinotopy, 0.5);
  pr::PhospheneModel model;
  model.magnification = pr::AnalyticMap(pr::MapParameters::pulse2percept());
  auto objective = std::make_shared<pr::PerceptObjective>(
      pr::VisualFieldGrid::square(10, 0.5), model, pr::BrightnessCurve(), pr::ObjectiveOptions{});
  pr::PlanProblem problem;
  problem.chart = chart;
  problem.objective = objective;
  problem.training = pr::letterTaskSet(objective->grid(), 2, 1);
  problem.electrodes = 0;
  problem.threads = 1;
  problem.thread.electrodes = 16;
  problem.thread.spacingMm = 0.1;
  problem.ribbon = std::make_shared<pr::GrayMatterRibbon>(fs.mesh);
  const auto region = chart->regionTriangles(std::vector<int>{1});
  ASSERT_GT(region.size(), 100u);
  int checked = 0;
  for (std::size_t r = 0; r < region.size(); r += region.size() / 12) {
    const pr::SurfacePoint inside{region[r], Eigen::Vector3d(0.4, 0.3, 0.3)};
    pr::Placement placement;
    placement.threads.push_back({chart->directionOf(inside), Eigen::Vector2d::Zero()});
    // Along the column: every electrode has the entry's field exactly.
    const auto straight = pr::placementCenters(problem, placement);
    for (Eigen::Index j = 1; j < straight.cols(); ++j)
      EXPECT_LT((straight.col(j) - straight.col(0)).norm(), 1e-9);
    const auto entry = chart->sample(placement.threads[0].insertion).field;
    EXPECT_NEAR(straight(0, 0), entry.x, 1e-9);
    EXPECT_NEAR(straight(1, 0), entry.y, 1e-9);
    // Tilted: evenly spaced field positions (a straight line through the
    // entry triangle's field gradient), no jump between electrodes.
    placement.threads[0].tilt = {0.3, -0.1};
    const auto tilted = pr::placementCenters(problem, placement);
    for (Eigen::Index j = 2; j < tilted.cols(); ++j)
      EXPECT_LT((tilted.col(j) - 2 * tilted.col(j - 1) + tilted.col(j - 2)).norm(), 1e-9);
    ++checked;
  }
  EXPECT_GE(checked, 12);
  // The loss gradient with respect to insertion and tilt on the folded
  // cortex matches central differences.
  const pr::SurfacePoint inside{region[region.size() / 3], Eigen::Vector3d(0.4, 0.3, 0.3)};
  pr::Placement placement;
  placement.threads.push_back({chart->directionOf(inside), Eigen::Vector2d(0.1, 0.05)});
  problem.training = {
      {"bright", pr::Image::Constant(objective->grid().height(), objective->grid().width(), 1.0)}};
  problem.thread.electrodes = 6;  // 0.3–0.8 mm deep: inside the ribbon, no penalty
  problem.grayMatterWeight = 0;
  const auto loss = pr::planLoss(problem, placement, true);
  const Eigen::VectorXd x = pr::packPlacement(placement);
  for (Eigen::Index k = 0; k < x.size(); ++k) {
    const double h = 1e-6;
    Eigen::VectorXd p = x, m = x;
    p(k) += h;
    m(k) -= h;
    const double fd = (pr::planLoss(problem, pr::unpackPlacement(p, placement), false).loss -
                       pr::planLoss(problem, pr::unpackPlacement(m, placement), false).loss) /
                      (2 * h);
    EXPECT_NEAR(loss.gradient(k), fd, 2e-3 * (std::abs(fd) + 1e-4)) << "parameter " << k;
  }
}
