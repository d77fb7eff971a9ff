// Visuotopic maps: dynaphos' expected cortical coordinates for its monopole,
// dipole and wedge-dipole maps (test/data/coordinates_*.npz, read with our NPZ
// reader), both directions, the Polimeni V1–V3 arrangement, Jacobians.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "analysis/prosthesis/Retinotopy.h"
#include "io/ReaderRegistry.h"
#include "tests/support/TestSupport.h"

namespace pr = nl::analysis::prosthesis;

namespace {

std::vector<double> npzMember(const std::filesystem::path& path, const std::string& name) {
  const auto contents = nl::io::ReaderRegistry::builtin().open(path);
  for (const auto& d : contents.datasets) {
    const auto array = std::dynamic_pointer_cast<const nl::io::ArrayDataset>(d);
    if (array && (array->name() == name || array->provenance().internalPath == name ||
                  array->provenance().internalPath == "/" + name))
      return array->values();
  }
  ADD_FAILURE() << path << " has no member " << name;
  return {};
}

// dynaphos' get_visual_field_coordinates_grid: eccentricities 0..89 (inner)
// × 10 angles from −π/2 to π/2 (outer), as complex hemifield positions.
std::vector<std::complex<double>> dynaphosFieldGrid() {
  std::vector<std::complex<double>> z;
  for (int a = 0; a < 10; ++a) {
    const double phi = -std::numbers::pi / 2 + std::numbers::pi * a / 9;
    for (int r = 0; r < 90; ++r) z.push_back(std::polar(static_cast<double>(r), phi));
  }
  return z;
}

}  // namespace

class DynaphosMaps : public ::testing::TestWithParam<const char*> {};

TEST_P(DynaphosMaps, MatchExpectedCorticalCoordinates) {
  const std::string model = GetParam();
  const auto path =
      nl::test::fixtures() / "prosthesis" / ("dynaphos_coordinates_" + model + ".npz");
  NL_REQUIRE_FIXTURE_PATH(path);
  const auto x = npzMember(path, "x"), y = npzMember(path, "y");
  ASSERT_EQ(x.size(), 900u);
  ASSERT_EQ(y.size(), 900u);
  auto params = pr::MapParameters::dynaphos();
  params.model = pr::parseMapModel(model);
  const pr::AnalyticMap map(params);
  const auto field = dynaphosFieldGrid();
  double worst = 0, worstBack = 0;
  for (std::size_t i = 0; i < field.size(); ++i) {
    const auto w = map.fieldToCortex(field[i]);
    worst = std::max({worst, std::abs(w.real() - x[i]), std::abs(w.imag() - y[i])});
    // And back: cortex → field returns the grid (dynaphos' own round-trip test).
    worstBack = std::max(worstBack, std::abs(map.cortexToField(w) - field[i]));
  }
  EXPECT_LT(worst, 1e-9) << model;
  EXPECT_LT(worstBack, 1e-8) << model;
}

INSTANTIATE_TEST_SUITE_P(Prosthesis, DynaphosMaps,
                         ::testing::Values("monopole", "dipole", "wedge-dipole"));

TEST(ProsthesisMaps, PolimeniAreasRoundTripAndTile) {
  const pr::AnalyticMap map(pr::MapParameters::pulse2percept());
  for (auto hemisphere : {pr::Hemisphere::Left, pr::Hemisphere::Right})
    for (int area = 1; area <= 3; ++area)
      for (double ecc : {0.5, 2.0, 7.0, 30.0})
        for (double angle : {10.0, 45.0, 80.0, 100.0, 135.0, 170.0}) {
          const double side = hemisphere == pr::Hemisphere::Left ? 1 : -1;
          const auto p = pr::fromPolar(ecc, side * angle);
          const auto w = map.toCortex(p, hemisphere, area);
          const auto back = map.toVisualField(w, hemisphere, area);
          EXPECT_NEAR(back.x, p.x, 1e-9 * (1 + ecc)) << area << " " << ecc << " " << angle;
          EXPECT_NEAR(back.y, p.y, 1e-9 * (1 + ecc)) << area << " " << ecc << " " << angle;
        }
  // V1 upper field maps to y > 0, V2 and V3 lie beyond V1's border at the
  // vertical meridian (larger |arg w|), in order.
  const auto p = pr::fromPolar(5, 30);  // upper right, near the upper vertical meridian
  const auto v1 = map.toCortex(p, pr::Hemisphere::Left, 1),
             v2 = map.toCortex(p, pr::Hemisphere::Left, 2),
             v3 = map.toCortex(p, pr::Hemisphere::Left, 3);
  EXPECT_GT(v1.y, 0);
  EXPECT_GT(std::atan2(v2.y, v2.x), std::atan2(v1.y, v1.x));
  EXPECT_GT(std::atan2(v3.y, v3.x), std::atan2(v2.y, v2.x));
}

TEST(ProsthesisMaps, JacobianMatchesFiniteDifferences) {
  for (auto model : {pr::MapModel::Monopole, pr::MapModel::Dipole, pr::MapModel::WedgeDipole}) {
    auto params = pr::MapParameters::pulse2percept();
    params.model = model;
    const pr::AnalyticMap map(params);
    for (int area = 1; area <= 3; ++area)
      for (auto hemisphere : {pr::Hemisphere::Left, pr::Hemisphere::Right}) {
        const double side = hemisphere == pr::Hemisphere::Left ? 1 : -1;
        const auto w = map.toCortex(pr::fromPolar(4.0, side * 60), hemisphere, area);
        Eigen::Matrix2d j;
        map.toVisualField(w, hemisphere, area, &j);
        const double h = 1e-6;
        for (int c = 0; c < 2; ++c) {
          pr::CorticalPoint a = w, b = w;
          (c == 0 ? a.x : a.y) += h;
          (c == 0 ? b.x : b.y) -= h;
          const auto fa = map.toVisualField(a, hemisphere, area),
                     fb = map.toVisualField(b, hemisphere, area);
          EXPECT_NEAR(j(0, c), (fa.x - fb.x) / (2 * h), 1e-6) << pr::mapModelName(model) << area;
          EXPECT_NEAR(j(1, c), (fa.y - fb.y) / (2 * h), 1e-6) << pr::mapModelName(model) << area;
        }
      }
  }
}

TEST(ProsthesisMaps, MagnificationIsTheMapsDerivative) {
  // |dw/dz| of the dipole along the horizontal meridian is M(r).
  const pr::AnalyticMap map(pr::MapParameters::dynaphos());
  for (double r : {0.5, 3.0, 20.0}) {
    const double h = 1e-6;
    const double dw =
        std::abs(map.fieldToCortex({r + h, 0}) - map.fieldToCortex({r - h, 0})) / (2 * h);
    EXPECT_NEAR(map.magnification(r), dw, 1e-6 * dw);
    EXPECT_NEAR(map.magnificationDerivative(r),
                (map.magnification(r + h) - map.magnification(r - h)) / (2 * h), 1e-5);
  }
  EXPECT_THROW(pr::AnalyticMap(pr::MapParameters{pr::MapModel::Dipole, 15, 2, 1, {1, 1, 1}}),
               std::invalid_argument);
  EXPECT_THROW(pr::parseMapModel("banana"), std::invalid_argument);
}

TEST(ProsthesisMaps, PolarAngleConvention) {
  EXPECT_NEAR(pr::polarAngleOf({0, 1}), 0, 1e-12);     // upper vertical meridian
  EXPECT_NEAR(pr::polarAngleOf({1, 0}), 90, 1e-12);    // right horizontal meridian
  EXPECT_NEAR(pr::polarAngleOf({-1, 0}), -90, 1e-12);  // left
  EXPECT_NEAR(std::abs(pr::polarAngleOf({0, -1})), 180, 1e-12);
  const auto p = pr::fromPolar(3, 90);
  EXPECT_NEAR(p.x, 3, 1e-12);
  EXPECT_NEAR(p.y, 0, 1e-12);
}
