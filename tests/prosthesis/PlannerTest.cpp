// The planner on a flat patch of V1 with an analytic map: a known optimum
// (one electrode, one blob image), determinism for a seed and any thread
// count, cancel, projection into the region, bad input.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/prosthesis/Planner.h"
#include "tests/prosthesis/ProsthesisTestSupport.h"

namespace pr = nl::analysis::prosthesis;
namespace tp = nl::test::prosthesis;

namespace {

struct Flat {
  std::shared_ptr<pr::SurfaceChart> chart;
  std::shared_ptr<pr::PerceptObjective> objective;
};

Flat flatSetup(int threads = 0) {
  const pr::AnalyticMap map(pr::MapParameters::pulse2percept());
  auto mesh = tp::flatPatch(5, 30, 1.0);
  Flat f;
  f.chart = std::make_shared<pr::SurfaceChart>(mesh, tp::flatRetinotopy(*mesh, map), 0.5);
  pr::PhospheneModel model;
  model.magnification = map;
  model.sizeFactor = 1.0;
  pr::ObjectiveOptions options;
  options.threads = threads;
  f.objective = std::make_shared<pr::PerceptObjective>(pr::VisualFieldGrid::square(6, 0.25), model,
                                                       pr::BrightnessCurve(), options);
  return f;
}

}  // namespace

class KnownOptimum : public ::testing::TestWithParam<pr::OptimizerMethod> {};

// One electrode, least-squares encoding, and a target that is exactly the
// phosphene the model draws at c*: the loss is ~0 there (ridge only) and
// larger anywhere else, so the optimizer must end at c*.
TEST_P(KnownOptimum, OneElectrodeFindsItsOwnPhosphene) {
  const pr::AnalyticMap map(pr::MapParameters::pulse2percept());
  auto mesh = tp::flatPatch(5, 30, 1.0);
  auto chart = std::make_shared<pr::SurfaceChart>(mesh, tp::flatRetinotopy(*mesh, map), 0.5);
  pr::PhospheneModel model;
  model.magnification = map;
  model.sizeFactor = 3.0;  // σ ≈ 0.3° near 3°: well resolved on a 0.1° grid
  pr::ObjectiveOptions options;
  options.encoding = pr::Encoding::LeastSquares;
  options.referenceAmplitude = 100e-6;
  options.ridge = 1e-6;
  const auto grid = pr::VisualFieldGrid::square(6, 0.1);
  auto objective =
      std::make_shared<pr::PerceptObjective>(grid, model, pr::BrightnessCurve(), options);
  pr::PlanProblem problem;
  problem.chart = chart;
  problem.objective = objective;
  problem.electrodes = 1;
  problem.training = {{"none", pr::Image::Zero(grid.height(), grid.width())}};
  const auto start = pr::placementCenters(problem, pr::uniformFieldPlacement(problem));
  const pr::VisualFieldPoint target{start(0, 0) + 0.25, start(1, 0) - 0.15};
  const double sigma = pr::phospheneSigma(model, 100e-6, pr::eccentricityOf(target));
  const double drawn = std::sqrt(sigma * sigma + grid.step * grid.step / 12);
  const pr::Phosphene dot{target, drawn, 0.8 * sigma * sigma / (drawn * drawn)};
  problem.training = {{"dot", pr::renderPercept(std::span(&dot, 1), grid, 3.5)}};
  pr::OptimizerOptions optimizer;
  optimizer.method = GetParam();
  optimizer.iterations = 100;
  optimizer.learningRate = 0.2;
  nl::analysis::NullProgress progress;
  const auto result = pr::optimizePlacement(problem, optimizer, progress, {}, false);
  ASSERT_EQ(result.electrodes.size(), 1u);
  EXPECT_NEAR(result.electrodes[0].field.x, target.x, 0.03);
  EXPECT_NEAR(result.electrodes[0].field.y, target.y, 0.03);
  EXPECT_LT(result.metrics.trainingLoss, 0.01 * result.history.front().loss);
  // The cortical position agrees with the analytic map's inverse.
  const auto w = map.toCortex(target, pr::Hemisphere::Left, 1);
  EXPECT_NEAR(result.electrodes[0].surfaceRas.x(), w.x, 0.1);
  EXPECT_NEAR(result.electrodes[0].surfaceRas.y(), w.y, 0.1);
  EXPECT_NEAR(result.electrodes[0].surfaceRas.z(), -0.5, 1e-9);  // mid-depth
}

INSTANTIATE_TEST_SUITE_P(Prosthesis, KnownOptimum,
                         ::testing::Values(pr::OptimizerMethod::Adam, pr::OptimizerMethod::Lbfgs),
                         [](const auto& param) {
                           return std::string(param.param == pr::OptimizerMethod::Adam ? "Adam"
                                                                                       : "Lbfgs");
                         });

TEST(ProsthesisPlanner, DeterministicForASeedAndAnyThreadCount) {
  auto run = [](int threads) {
    const auto f = flatSetup(threads);
    pr::PlanProblem problem;
    problem.chart = f.chart;
    problem.objective = f.objective;
    problem.training = pr::letterTaskSet(f.objective->grid(), 3, 9);
    problem.heldOut = pr::letterTaskSet(f.objective->grid(), 2, 10);
    problem.electrodes = 12;
    pr::OptimizerOptions options;
    options.iterations = 8;
    options.starts = 2;
    options.seed = 5;
    nl::analysis::NullProgress progress;
    return pr::optimizePlacement(problem, options, progress, {}, true);
  };
  const auto a = run(1), b = run(1), c = run(2);
  ASSERT_EQ(a.placement.directions.size(), 12u);
  for (std::size_t i = 0; i < 12; ++i) {
    EXPECT_EQ(a.placement.directions[i], b.placement.directions[i]);
    EXPECT_EQ(a.placement.directions[i], c.placement.directions[i]);
  }
  ASSERT_EQ(a.history.size(), c.history.size());
  for (std::size_t i = 0; i < a.history.size(); ++i)
    EXPECT_EQ(a.history[i].loss, c.history[i].loss);
  EXPECT_EQ(a.baselines.size(), 3u);
  EXPECT_EQ(a.history.front().start, 0);
  EXPECT_EQ(a.history.back().start, 1);
}

TEST(ProsthesisPlanner, CancelStopsAndReturnsThePlanSoFar) {
  const auto f = flatSetup();
  pr::PlanProblem problem;
  problem.chart = f.chart;
  problem.objective = f.objective;
  problem.training = pr::letterTaskSet(f.objective->grid(), 2, 1);
  problem.electrodes = 5;
  pr::OptimizerOptions options;
  options.iterations = 1000;
  int calls = 0;
  nl::analysis::NullProgress progress;
  const auto result = pr::optimizePlacement(
      problem, options, progress, [&](const pr::IterationRecord&) { return ++calls < 4; });
  EXPECT_TRUE(result.cancelled);
  EXPECT_EQ(result.history.size(), 4u);
  EXPECT_EQ(result.electrodes.size(), 5u);
}

TEST(ProsthesisPlanner, ProjectionKeepsElectrodesInTheRegionAndBadInputIsRefused) {
  const auto f = flatSetup();
  pr::PlanProblem problem;
  problem.chart = f.chart;
  problem.objective = f.objective;
  problem.training = pr::letterTaskSet(f.objective->grid(), 1, 1);
  problem.electrodes = 3;
  pr::Placement outside;
  outside.directions = {Eigen::Vector3d(0, 0, -1), Eigen::Vector3d(1, 0, 0),
                        Eigen::Vector3d::Zero()};
  const auto projected = pr::projectPlacement(problem, outside);
  std::vector<std::uint8_t> active;
  pr::placementCenters(problem, projected, &active);
  for (auto a : active) EXPECT_TRUE(a);
  problem.electrodes = 0;
  EXPECT_THROW(pr::randomPlacement(problem, 1), std::invalid_argument);
  problem.electrodes = 2;
  problem.threads = 1;  // threads need the ribbon
  EXPECT_THROW(pr::randomPlacement(problem, 1), std::invalid_argument);
  problem.threads = 0;
  problem.areas = {3};  // no V3 on the patch
  EXPECT_THROW(pr::randomPlacement(problem, 1), std::invalid_argument);
}

TEST(ProsthesisPlanner, ThreadsRunAlongTheirDirectionAndStayInTheCone) {
  const auto f = flatSetup();
  auto mesh = std::make_shared<pr::CorticalMesh>(f.chart->mesh());
  pr::PlanProblem problem;
  problem.chart = f.chart;
  problem.objective = f.objective;
  problem.training = pr::letterTaskSet(f.objective->grid(), 2, 1);
  problem.electrodes = 0;
  problem.threads = 2;
  problem.thread.electrodes = 8;
  problem.thread.spacingMm = 0.1;
  problem.thread.firstDepthMm = 0.1;
  problem.ribbon = std::make_shared<pr::GrayMatterRibbon>(mesh);
  auto placement = pr::randomPlacement(problem, 3);
  placement.threads[0].tilt = {2.0, 0.0};  // far outside a 20° cone
  placement = pr::projectPlacement(problem, placement);
  EXPECT_NEAR(placement.threads[0].tilt.norm(), std::tan(20 * M_PI / 180), 1e-12);
  const auto electrodes = pr::describePlacement(problem, placement);
  ASSERT_EQ(electrodes.size(), 16u);
  // Pial at z = 0, white at z = −1: 8 electrodes from 0.1 to 0.8 mm deep
  // along a tilted line, all inside the 1 mm ribbon.
  EXPECT_NEAR(electrodes[0].surfaceRas.z(), -0.1 * std::cos(20 * M_PI / 180), 1e-9);
  for (const auto& e : electrodes) EXPECT_TRUE(e.insideGrayMatter) << e.index;
  const auto metrics = pr::evaluatePlacement(problem, placement, "threads");
  EXPECT_EQ(metrics.outsideGrayMatter, 0);
  EXPECT_EQ(metrics.electrodes, 16);
  // Deeper than the ribbon: outside gray matter.
  problem.thread.spacingMm = 0.3;
  const auto deep = pr::evaluatePlacement(problem, placement, "deep");
  EXPECT_GT(deep.outsideGrayMatter, 0);
  // The loss penalises leaving the ribbon, and its gradient with respect to
  // insertion and tilt matches finite differences.
  placement.threads[0].tilt = {0.15, -0.1};
  const auto loss = pr::planLoss(problem, placement, true);
  EXPECT_GT(loss.penalty, 0);
  const Eigen::VectorXd x = pr::packPlacement(placement);
  ASSERT_EQ(x.size(), 10);
  for (Eigen::Index k = 0; k < x.size(); ++k) {
    const double h = 1e-7;
    Eigen::VectorXd p = x, m = x;
    p(k) += h;
    m(k) -= h;
    const double fd = (pr::planLoss(problem, pr::unpackPlacement(p, placement), false).loss -
                       pr::planLoss(problem, pr::unpackPlacement(m, placement), false).loss) /
                      (2 * h);
    EXPECT_NEAR(loss.gradient(k), fd, 2e-3 * (std::abs(fd) + 1e-3)) << "parameter " << k;
  }
}

TEST(ProsthesisPlanner, VesselModesOnAPlaneOfVessels) {
  // A vessel sheet across the patch at x = 20 mm; 3 mm margin.
  const auto f = flatSetup();
  const std::size_t nx = 80, ny = 80, nz = 8;
  std::vector<double> vessel(nx * ny * nz, 0.0);
  for (std::size_t k = 0; k < nz; ++k)
    for (std::size_t j = 0; j < ny; ++j) vessel[(k * ny + j) * nx + 30] = 1.0;
  Eigen::Matrix4d affine = Eigen::Matrix4d::Identity();
  affine.topLeftCorner<3, 3>() *= 0.5;
  affine.topRightCorner<3, 1>() << 5, -20, -2;
  const pr::VesselDistanceField field(vessel, {nx, ny, nz}, affine, 0.5, "vessel sheet");
  EXPECT_NEAR(field.distance({23, 0, -0.5}), 3.0, 1e-6);  // 3 mm from the sheet at x = 20
  pr::PlanProblem problem;
  problem.chart = f.chart;
  problem.objective = f.objective;
  problem.training = pr::letterTaskSet(f.objective->grid(), 3, 2);
  problem.electrodes = 16;
  problem.vessels = &field;
  problem.vessel.marginMm = 3.0;
  pr::OptimizerOptions options;
  options.iterations = 25;
  nl::analysis::NullProgress progress;
  const int before =
      pr::evaluatePlacement(problem, pr::randomPlacement(problem, 1), "random").violations;
  ASSERT_GT(before, 0) << "the sheet should cut through a random layout";
  problem.vessel.mode = pr::ConstraintMode::Hard;
  const auto hard = pr::optimizePlacement(problem, options, progress);
  EXPECT_EQ(hard.metrics.violations, 0);
  EXPECT_GE(hard.metrics.minVesselDistanceMm, 3.0);
  for (const auto& r : hard.history) EXPECT_EQ(r.violations, 0);  // projected at every step
  problem.vessel.mode = pr::ConstraintMode::Soft;
  problem.vessel.softWeight = 1.0;
  const auto soft = pr::optimizePlacement(problem, options, progress, {}, false);
  EXPECT_LE(soft.history.back().penalty, soft.history.front().penalty);
  ASSERT_GT(soft.history.front().violations, 0);
  EXPECT_LT(soft.history.back().violations, soft.history.front().violations);
  // Violations are reported with their distances.
  problem.vessel.mode = pr::ConstraintMode::Off;
  const auto off = pr::evaluatePlacement(problem, pr::randomPlacement(problem, 1), "random");
  ASSERT_EQ(off.violationList.size(), static_cast<std::size_t>(off.violations));
  for (const auto& v : off.violationList) EXPECT_LT(v.distanceMm, 3.0);
}

TEST(ProsthesisPlanner, HardModeReaimsAThreadThatAVesselCrosses) {
  // A vessel running along y 0.7 mm under the pial plane at x = 20 mm: a
  // thread inserted straight down at (20, 2) hits it; tilted within its 20°
  // cone it passes beside it. Hard mode keeps the insertion and re-aims.
  const auto f = flatSetup();
  auto mesh = std::make_shared<pr::CorticalMesh>(f.chart->mesh());
  const std::size_t nx = 80, ny = 80, nz = 30;
  std::vector<double> vessel(nx * ny * nz, 0.0);
  for (std::size_t j = 0; j < ny; ++j) vessel[(16 * ny + j) * nx + 40] = 1.0;  // z = −0.7, x = 20
  Eigen::Matrix4d affine = Eigen::Matrix4d::Identity();
  affine.topLeftCorner<3, 3>() *= 0.05;
  affine.topRightCorner<3, 1>() << 18, 0, -1.5;
  const pr::VesselDistanceField field(vessel, {nx, ny, nz}, affine, 0.5,
                                      "vessel under the insertion");
  EXPECT_NEAR(field.distance({20, 2, -0.7}), 0.0, 1e-9);
  pr::PlanProblem problem;
  problem.chart = f.chart;
  problem.objective = f.objective;
  problem.training = pr::letterTaskSet(f.objective->grid(), 2, 1);
  problem.electrodes = 0;
  problem.threads = 1;
  problem.thread.electrodes = 8;
  problem.thread.spacingMm = 0.1;
  problem.thread.firstDepthMm = 0.1;
  problem.ribbon = std::make_shared<pr::GrayMatterRibbon>(mesh);
  problem.vessels = &field;
  problem.vessel.marginMm = 0.15;
  // The vertex at (20, 2) of the 1 mm patch (x from 5, y from −15, 31 a row).
  const int vertex = 17 * 31 + 15;
  ASSERT_NEAR(mesh->pial(0, vertex), 20.0, 1e-12);
  ASSERT_NEAR(mesh->pial(1, vertex), 2.0, 1e-12);
  pr::Placement straight;
  straight.threads.push_back({f.chart->vertexDirection(vertex), Eigen::Vector2d::Zero()});
  problem.vessel.mode = pr::ConstraintMode::Off;
  const auto before = pr::evaluatePlacement(problem, straight, "straight");
  ASSERT_GT(before.violations, 0) << "straight down, the thread crosses the vessel";
  problem.vessel.mode = pr::ConstraintMode::Hard;
  const auto aimed = pr::projectPlacement(problem, straight);
  ASSERT_EQ(aimed.threads.size(), 1u);
  EXPECT_LT((aimed.threads[0].insertion - straight.threads[0].insertion).norm(), 1e-12)
      << "the insertion stays";
  EXPECT_GT(aimed.threads[0].tilt.norm(), 0.0) << "the thread is re-aimed";
  EXPECT_LE(aimed.threads[0].tilt.norm(), std::tan(20 * M_PI / 180) + 1e-12) << "within the cone";
  const auto after = pr::evaluatePlacement(problem, aimed, "aimed");
  EXPECT_EQ(after.violations, 0);
  EXPECT_GE(after.minVesselDistanceMm, 0.15);
  EXPECT_EQ(after.outsideGrayMatter, 0);
}
