// Phosphenes: dynaphos' brightness path against Fernández et al. 2021 fig. 6A
// (the data dynaphos calibrated its sigmoid on), its params.yaml, the size
// law, rendering and the scoreboard, SSIM, task images.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "analysis/prosthesis/Objective.h"
#include "tests/support/TestSupport.h"

namespace pr = nl::analysis::prosthesis;

TEST(ProsthesisPhosphene, BrightnessFollowsFernandez2021Figure6A) {
  const auto csv = nl::test::fixtures() / "prosthesis" / "dynaphos_Fernandez_2021_fig6A.csv";
  const auto yaml = nl::test::fixtures() / "prosthesis" / "dynaphos_params.yaml";
  NL_REQUIRE_FIXTURE_PATH(csv);
  NL_REQUIRE_FIXTURE_PATH(yaml);
  auto config = pr::readDynaphosParameters(yaml);
  EXPECT_DOUBLE_EQ(config.brightness.cpsHalf, 1.057631326853325e-07);
  EXPECT_DOUBLE_EQ(config.brightness.rheobase, 23.9e-6);
  EXPECT_DOUBLE_EQ(config.currentSpread, 675e-6);
  EXPECT_EQ(config.map.model, pr::MapModel::Dipole);
  EXPECT_DOUBLE_EQ(config.map.k, 17.3);
  config.brightness.useThreshold = false;  // as dynaphos' own test_brightness
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  double squared = 0, previous = -1;
  int rows = 0;
  while (std::getline(in, line)) {
    const double amplitude = std::stod(line.substr(0, line.find(',')));
    const double measured = std::stod(line.substr(line.find(',') + 1));
    const double b = pr::BrightnessCurve::simulate(config.brightness, amplitude);
    EXPECT_GE(b, previous);  // monotone in the amplitude
    previous = b;
    squared += (b - measured) * (b - measured);
    ++rows;
  }
  ASSERT_EQ(rows, 10);
  // dynaphos' calibration reproduces the figure to an RMS error of 0.064.
  EXPECT_LT(std::sqrt(squared / rows), 0.07);
  // The table agrees with the direct simulation; below threshold, no phosphene.
  const pr::BrightnessCurve table(config.brightness);
  EXPECT_NEAR(table(55e-6), pr::BrightnessCurve::simulate(config.brightness, 55e-6), 2e-3);
  pr::BrightnessParameters thresholded = config.brightness;
  thresholded.useThreshold = true;
  EXPECT_EQ(pr::BrightnessCurve::simulate(thresholded, 20e-6), 0.0);
  EXPECT_GT(pr::BrightnessCurve::simulate(thresholded, 80e-6), 0.8);
  EXPECT_NEAR(table.inverse(table(70e-6)), 70e-6, 1e-7);
}

TEST(ProsthesisPhosphene, ParameterFileErrorsNameFileAndKey) {
  nl::test::TempDir dir;
  const auto path = dir.path() / "params.yaml";
  std::ofstream(path) << "brightness_saturation:\n  cps_half: banana # oops\n";
  try {
    pr::readDynaphosParameters(path);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cps_half"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos);
  }
  EXPECT_THROW(pr::readDynaphosParameters(dir.path() / "missing.yaml"), std::runtime_error);
}

TEST(ProsthesisPhosphene, SizeLawAndRendering) {
  pr::PhospheneModel model;
  model.magnification = pr::AnalyticMap(pr::MapParameters::dynaphos());
  model.sizeFactor = 1.0;
  // σ = f·√(I/K)/M: 100 µA at 5° eccentricity.
  const double m = model.magnification.magnification(5);
  EXPECT_NEAR(pr::phospheneSigma(model, 100e-6, 5), std::sqrt(100e-6 / 675e-6) / m, 1e-12);
  // A Gaussian's integral on the grid is 2πσ² b.
  const auto grid = pr::VisualFieldGrid::square(5, 0.05);
  const pr::Phosphene p{{1.0, -0.5}, 0.4, 0.7};
  const auto image = pr::renderPercept(std::span(&p, 1), grid, 6);
  EXPECT_NEAR(image.sum() * 0.05 * 0.05, 2 * M_PI * 0.16 * 0.7, 1e-3);
  const int column = static_cast<int>(std::lround((1.0 - grid.xMin) / grid.step));
  const int row = static_cast<int>(std::lround((grid.yMax + 0.5) / grid.step));
  EXPECT_NEAR(image(row, column), 0.7, 1e-9);
}

TEST(ProsthesisPhosphene, ScoreboardOnTheMapIsCorticalGaussian) {
  const pr::AnalyticMap map(pr::MapParameters::pulse2percept());
  const auto grid = pr::VisualFieldGrid::square(6, 0.1);
  const auto w = map.toCortex({3, 1}, pr::Hemisphere::Left, 1);
  const double amplitude = 0.8;
  const auto image = pr::renderScoreboard(std::span(&w, 1), std::span(&amplitude, 1), map,
                                          pr::Hemisphere::Left, 1, 0.2, grid);
  Eigen::Index r, c;
  EXPECT_NEAR(image.maxCoeff(&r, &c), amplitude, 0.02);
  EXPECT_NEAR(grid.xOf(static_cast<int>(c)), 3, 0.1);
  EXPECT_NEAR(grid.yOf(static_cast<int>(r)), 1, 0.1);
  // Nothing in the other hemifield.
  EXPECT_EQ(image.leftCols(grid.width() / 2).maxCoeff(), 0.0);
}

TEST(ProsthesisPhosphene, SsimProperties) {
  const auto grid = pr::VisualFieldGrid::square(4, 0.25);
  const auto a = pr::renderText("E", grid, 5, 0.8);
  EXPECT_NEAR(pr::ssim(a, a), 1.0, 1e-12);
  const auto b = pr::renderText("F", grid, 5, 0.8);
  const double ab = pr::ssim(a, b), ba = pr::ssim(b, a);
  EXPECT_NEAR(ab, ba, 1e-12);
  EXPECT_LT(ab, 0.95);
  EXPECT_GT(ab, pr::ssim(a, pr::renderText("O", grid, 5, 0.8)));
}

TEST(ProsthesisPhosphene, TaskImagesAndFiles) {
  const auto grid = pr::VisualFieldGrid::square(8, 0.25);
  const auto set = pr::letterTaskSet(grid, 6, 3);
  ASSERT_EQ(set.size(), 6u);
  const auto again = pr::letterTaskSet(grid, 6, 3);
  for (std::size_t i = 0; i < set.size(); ++i) {
    EXPECT_EQ(set[i].name, again[i].name);
    EXPECT_TRUE(set[i].pixels.isApprox(again[i].pixels));
    EXPECT_GT(set[i].pixels.maxCoeff(), 0.99);
    EXPECT_GE(set[i].pixels.minCoeff(), 0.0);
  }
  EXPECT_THROW(pr::renderText("é", grid, 4, 0.5), std::invalid_argument);
  nl::test::TempDir dir;
  {
    std::ofstream out(dir.path() / "ramp.pgm", std::ios::binary);
    out << "P5\n# a comment\n4 2\n255\n";
    for (int i = 0; i < 8; ++i) out.put(static_cast<char>(i * 36));
  }
  std::ofstream(dir.path() / "bad.pgm") << "P9\n";
  std::vector<std::string> skipped;
  const auto images = pr::readTaskImageFolder(dir.path(), grid, &skipped);
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images[0].name, "ramp.pgm");
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].find("bad.pgm"), std::string::npos);
  EXPECT_GT(images[0].pixels.maxCoeff(), 0.5);
}
