// Analytic gradients against central finite differences: SSIM, the percept
// objective (sampled and least-squares encodings, MSE + SSIM), and the full
// plan loss through the surface chart with vessel and spacing penalties.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/prosthesis/Objective.h"
#include "analysis/prosthesis/Planner.h"
#include "tests/prosthesis/ProsthesisTestSupport.h"

namespace pr = nl::analysis::prosthesis;

namespace {

pr::PerceptObjective smallObjective(pr::Encoding encoding) {
  pr::PhospheneModel model;
  model.magnification = pr::AnalyticMap(pr::MapParameters::pulse2percept());
  model.sizeFactor = 1.0;
  pr::ObjectiveOptions options;
  options.encoding = encoding;
  options.ssimWeight = 0.5;
  options.threads = 2;
  return pr::PerceptObjective(pr::VisualFieldGrid::square(3, 0.25), model, pr::BrightnessCurve(),
                              options);
}

double relativeError(double a, double b) {
  return std::abs(a - b) / std::max(1e-6, std::abs(a) + std::abs(b));
}

}  // namespace

TEST(ProsthesisGradient, SsimMatchesFiniteDifferences) {
  const auto grid = pr::VisualFieldGrid::square(2, 0.25);
  pr::Image x = pr::renderText("A", grid, 3, 0.6) * 0.7;
  const pr::Image y = pr::renderText("R", grid, 3, 0.6);
  x.array() += 0.05;
  pr::Image gradient;
  pr::ssim(x, y, &gradient);
  for (auto [r, c] : {std::pair{3, 4}, std::pair{8, 8}, std::pair{0, 16}, std::pair{12, 2}}) {
    const double h = 1e-6;
    pr::Image a = x, b = x;
    a(r, c) += h;
    b(r, c) -= h;
    EXPECT_NEAR(gradient(r, c), (pr::ssim(a, y) - pr::ssim(b, y)) / (2 * h), 1e-6);
  }
}

class ObjectiveGradient : public ::testing::TestWithParam<pr::Encoding> {};

TEST_P(ObjectiveGradient, MatchesFiniteDifferences) {
  const auto objective = smallObjective(GetParam());
  const auto& grid = objective.grid();
  std::vector<pr::TaskImage> images{{"T", pr::renderText("T", grid, 4, 1.0) * 0.8},
                                    {"O", pr::renderText("O", grid, 4, 1.0) * 0.6}};
  Eigen::Matrix2Xd centers(2, 5);
  centers << 0.37, 1.13, -0.61, 1.71, 0.23,  //
      0.52, -0.88, 1.27, 0.31, -1.46;
  const auto value = objective.evaluate(centers, images, true);
  ASSERT_GT(value.gradient.norm(), 1e-6);
  for (int i = 0; i < centers.cols(); ++i)
    for (int a = 0; a < 2; ++a) {
      const double h = 1e-6;
      Eigen::Matrix2Xd p = centers, m = centers;
      p(a, i) += h;
      m(a, i) -= h;
      const double fd =
          (objective.evaluate(p, images, false).loss - objective.evaluate(m, images, false).loss) /
          (2 * h);
      EXPECT_LT(relativeError(value.gradient(a, i), fd), 2e-3)
          << "electrode " << i << " axis " << a << ": analytic " << value.gradient(a, i) << " fd "
          << fd;
    }
}

INSTANTIATE_TEST_SUITE_P(Prosthesis, ObjectiveGradient,
                         ::testing::Values(pr::Encoding::Sampled, pr::Encoding::LeastSquares),
                         [](const auto& param) {
                           return std::string(
                               param.param == pr::Encoding::Sampled ? "Sampled" : "LeastSquares");
                         });

TEST(ProsthesisGradient, PlanLossThroughTheChartMatchesFiniteDifferences) {
  namespace tp = nl::test::prosthesis;
  const pr::AnalyticMap map(pr::MapParameters::pulse2percept());
  auto mesh = tp::flatPatch(5, 30, 1.0);  // 5–35 mm from the foveal confluence
  auto chart = std::make_shared<pr::SurfaceChart>(mesh, tp::flatRetinotopy(*mesh, map), 0.5);
  pr::PhospheneModel model;
  model.magnification = map;
  model.sizeFactor = 1.0;
  pr::ObjectiveOptions options;
  options.ssimWeight = 0.2;
  auto objective = std::make_shared<pr::PerceptObjective>(pr::VisualFieldGrid::square(8, 0.25),
                                                          model, pr::BrightnessCurve(), options);
  // A vessel plane at x = 20 mm (voxels of 0.5 mm) for the soft penalty.
  const std::size_t nx = 80, ny = 80, nz = 8;
  std::vector<double> vessel(nx * ny * nz, 0.0);
  for (std::size_t k = 0; k < nz; ++k)
    for (std::size_t j = 0; j < ny; ++j) vessel[(k * ny + j) * nx + 30] = 1.0;
  Eigen::Matrix4d affine = Eigen::Matrix4d::Identity();
  affine.topLeftCorner<3, 3>() *= 0.5;
  affine.topRightCorner<3, 1>() << 5, -20, -2;
  pr::VesselDistanceField field(vessel, {nx, ny, nz}, affine, 0.5, "test vessels");
  pr::PlanProblem problem;
  problem.chart = chart;
  problem.objective = objective;
  problem.training = {{"E", pr::renderText("E", objective->grid(), 6, 1.2)}};
  problem.electrodes = 6;
  problem.vessels = &field;
  problem.vessel.mode = pr::ConstraintMode::Soft;
  problem.vessel.marginMm = 3.0;
  problem.minSpacingMm = 4.0;
  const auto placement = pr::randomPlacement(problem, 11);
  const auto loss = pr::planLoss(problem, placement, true);
  ASSERT_GT(loss.penalty, 0) << "the test should exercise the penalties";
  const Eigen::VectorXd x = pr::packPlacement(placement);
  int checked = 0;
  for (Eigen::Index k = 0; k < x.size(); ++k) {
    const double h = 1e-7;
    Eigen::VectorXd p = x, m = x;
    p(k) += h;
    m(k) -= h;
    const double fd = (pr::planLoss(problem, pr::unpackPlacement(p, placement), false).loss -
                       pr::planLoss(problem, pr::unpackPlacement(m, placement), false).loss) /
                      (2 * h);
    EXPECT_LT(relativeError(loss.gradient(k), fd), 5e-3)
        << "parameter " << k << ": " << loss.gradient(k) << " vs " << fd;
    checked += std::abs(fd) > 1e-6;
  }
  EXPECT_GT(checked, 6);
}

namespace tp = nl::test::prosthesis;

namespace {

// outsideBy's gradient against central differences at points whose nearest
// mid-thickness triangle stays the same within the step (a change of
// triangle is a kink of the distance, where no derivative exists).
// Returns how many points were compared.
int compareRibbonGradient(const pr::GrayMatterRibbon& ribbon,
                          const std::vector<Eigen::Vector3d>& points) {
  constexpr double h = 1e-6;
  int compared = 0;
  for (const auto& p : points) {
    pr::SurfacePoint at;
    Eigen::Vector3d gradient;
    const double value = ribbon.outsideBy(p, &at, &gradient);
    if (!std::isfinite(value)) continue;
    Eigen::Vector3d numeric;
    bool stable = true;
    for (int axis = 0; axis < 3 && stable; ++axis) {
      Eigen::Vector3d step = Eigen::Vector3d::Zero();
      step[axis] = h;
      pr::SurfacePoint plus, minus;
      const double up = ribbon.outsideBy(p + step, &plus);
      const double down = ribbon.outsideBy(p - step, &minus);
      stable = plus.triangle == at.triangle && minus.triangle == at.triangle;
      numeric[axis] = (up - down) / (2 * h);
    }
    if (!stable) continue;
    EXPECT_LT((gradient - numeric).norm(), 1e-5 * std::max(1.0, numeric.norm()))
        << "at (" << p.transpose() << "): analytic " << gradient.transpose() << ", numeric "
        << numeric.transpose();
    ++compared;
  }
  return compared;
}

}  // namespace

TEST(ProsthesisGradient, GrayMatterHingeFollowsTheLocalThickness) {
  // A patch whose thickness varies from 0.6 to 2.4 mm: the half-thickness
  // term moves with the nearest point, so the gradient is not just the
  // direction away from the mid surface.
  auto mesh = tp::flatPatch(5, 12, 1.0);
  for (Eigen::Index v = 0; v < mesh->white.cols(); ++v) {
    const double px = mesh->pial(0, v), py = mesh->pial(1, v);
    mesh->white(2, v) = -(1.5 + 0.6 * std::sin(px / 2.0) + 0.3 * std::cos(py / 1.5));
  }
  const pr::GrayMatterRibbon ribbon(mesh);
  std::vector<Eigen::Vector3d> points;
  for (int i = 0; i < 60; ++i) {
    // Deterministic spread over the patch, above, inside and below the ribbon.
    const double x = 6.3 + 0.17 * i, y = -5.1 + 0.161 * ((i * 7) % 60),
                 z = -3.0 + 0.091 * ((i * 13) % 60);
    points.emplace_back(x, y, z);
  }
  EXPECT_GE(compareRibbonGradient(ribbon, points), 40);
}

TEST(ProsthesisGradient, GrayMatterHingeOnFsaverage5MatchesFiniteDifferences) {
  for (const char* f :
       {"surface/fsaverage5/white_left.gii.gz", "surface/fsaverage5/pial_left.gii.gz",
        "surface/fsaverage5/sphere_left.gii.gz", "surface/benson14_fsaverage"})
    NL_REQUIRE_FIXTURE(f);
  const auto& fs = tp::fsaverage5Left();
  const pr::GrayMatterRibbon ribbon(fs.mesh);
  // Points along the inward normal of occipital vertices, 0 to 2 mm below the
  // pial surface: where thread electrodes sit (the old gradient failed here).
  std::vector<Eigen::Vector3d> points;
  const auto& pial = fs.mesh->pial;
  const auto& white = fs.mesh->white;
  for (Eigen::Index v = 0; v < pial.cols() && points.size() < 300; v += 37) {
    if (pial(1, v) > -70) continue;  // occipital pole: y < −70 mm
    const Eigen::Vector3d inward = (white.col(v) - pial.col(v)).normalized();
    for (const double depth : {0.3, 1.1, 1.8}) points.push_back(pial.col(v) + depth * inward);
  }
  ASSERT_GE(points.size(), 30u);
  EXPECT_GE(compareRibbonGradient(ribbon, points), 20);
}
