// HRF samples against SPM's spm_hrf definition, design matrix columns
// against a NumPy implementation of nilearn's formulas (bench/fmri/reference.py,
// numbers printed by tests/fmri/reference_values.py), contrast parsing and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "analysis/fmri/Contrast.h"
#include "analysis/fmri/Design.h"
#include "analysis/fmri/Hrf.h"
#include "tests/fmri/FmriTestSupport.h"

namespace fm = nl::analysis::fmri;

namespace {

std::vector<fm::Event> haxbyEvents() {
  return {{15.0, 22.5, "scissors"}, {52.5, 22.5, "face"},   {87.5, 22.5, "cat"},
          {122.5, 22.5, "shoe"},    {157.5, 22.5, "house"}, {195.0, 22.5, "scrambledpix"},
          {230.0, 22.5, "bottle"},  {265.0, 22.5, "chair"}};
}

long columnOf(const fm::Design& design, const std::string& name) {
  const auto it = std::find(design.columns.begin(), design.columns.end(), name);
  EXPECT_NE(it, design.columns.end()) << name;
  return it - design.columns.begin();
}

}  // namespace

TEST(FmriHrf, SpmHrfAtScansMatchesSpm) {
  // spm_hrf(2) as SPM (and nipype's port of it) prints it.
  const double expected2[] = {0.0,
                              0.08656608099363565,
                              0.37488823647169,
                              0.3849233817454621,
                              0.21611731564655745,
                              0.07686956525508483,
                              0.00162017719800063,
                              -0.03060781173404514,
                              -0.03730607813299942,
                              -0.03083737159887311};
  const auto hrf2 = fm::spmHrfAtScans(2.0);
  ASSERT_EQ(hrf2.size(), 17u);
  for (std::size_t i = 0; i < std::size(expected2); ++i) EXPECT_NEAR(hrf2[i], expected2[i], 1e-15);
  const double expected25[] = {0.0,
                               0.19958914022155366,
                               0.52418655058249519,
                               0.32397698076925302,
                               0.095750446541479808,
                               -0.01201745987324453,
                               -0.045226196651260223,
                               -0.041252473154514989,
                               -0.025555353711853353,
                               -0.012329931450451297,
                               -0.0049220242105668865,
                               -0.0016884214485751153,
                               -0.00051125761431532863};
  const auto hrf25 = fm::spmHrfAtScans(2.5);
  ASSERT_EQ(hrf25.size(), std::size(expected25));
  for (std::size_t i = 0; i < hrf25.size(); ++i) EXPECT_NEAR(hrf25[i], expected25[i], 1e-15);
  EXPECT_NEAR(std::accumulate(hrf25.begin(), hrf25.end(), 0.0), 1.0, 1e-14);
}

TEST(FmriHrf, OversampledKernel) {
  const auto kernel = fm::hrfKernel(2.5, 50);
  ASSERT_EQ(kernel.size(), 640u);
  const std::pair<std::size_t, double> samples[] = {{0, 0.0},
                                                    {1, 1.4685974084470009e-24},
                                                    {50, 0.0038297074642071275},
                                                    {100, 0.010539774818280875},
                                                    {110, 0.010332399997124762},
                                                    {200, 0.001970830448764304},
                                                    {300, -0.0009074126448082704},
                                                    {639, -3.7622704833403757e-06}};
  for (auto [i, v] : samples) EXPECT_NEAR(kernel[i], v, 1e-14 * std::fabs(v)) << i;
  // The peak: gamma(6, 1) has its mode at 5 s, shifted by dt = 0.05 s.
  EXPECT_EQ(std::max_element(kernel.begin(), kernel.end()) - kernel.begin(), 101);
  EXPECT_THROW(fm::hrfKernel(0, 50), std::invalid_argument);
  EXPECT_THROW(fm::hrfKernel(2, 0), std::invalid_argument);
}

TEST(FmriDesign, HaxbyCosineDesignMatchesNumPy) {
  fm::DesignOptions options;
  options.repetitionTime = 2.5;
  const auto design = fm::buildDesign(haxbyEvents(), 121, options);
  const std::vector<std::string> names{
      "bottle", "cat",      "chair",    "face",     "house",    "scissors", "scrambledpix",
      "shoe",   "cosine00", "cosine01", "cosine02", "cosine03", "constant"};
  EXPECT_EQ(design.columns, names);
  ASSERT_EQ(design.matrix.rows(), 121);
  const long face = columnOf(design, "face"), house = columnOf(design, "house");
  const long c0 = columnOf(design, "cosine00"), c3 = columnOf(design, "cosine03");
  const std::pair<long, double> faceValues[] = {
      {0, 0.0}, {21, 0.0}, {25, 1.1092438546373866}, {30, 1.012483489250153}, {60, 0.0}};
  for (auto [r, v] : faceValues) EXPECT_NEAR(design.matrix(r, face), v, 1e-12) << r;
  const std::pair<long, double> houseValues[] = {{63, 0.0},
                                                 {64, 0.04874084084762074},
                                                 {66, 0.9075132572464651},
                                                 {70, 1.0647636205889934},
                                                 {75, 0.09273786236003587},
                                                 {80, -0.031013105362633877}};
  for (auto [r, v] : houseValues) EXPECT_NEAR(design.matrix(r, house), v, 1e-12) << r;
  EXPECT_NEAR(design.matrix(0, c0), 0.12855403614480546, 1e-15);
  EXPECT_NEAR(design.matrix(30, c0), 0.09031709871712143, 1e-15);
  EXPECT_NEAR(design.matrix(120, c0), -0.12855403614480546, 1e-15);
  EXPECT_NEAR(design.matrix(21, c3), -0.07903547853675558, 1e-15);
  EXPECT_NEAR(design.matrix(60, c3), 0.128564869306645, 1e-15);
  EXPECT_DOUBLE_EQ(design.matrix(77, columnOf(design, "constant")), 1.0);
}

TEST(FmriDesign, PolynomialDriftIsOrthogonalisedLikeNilearn) {
  fm::DesignOptions options;
  options.repetitionTime = 2.5;
  options.drift = fm::DriftModel::Polynomial;
  options.polynomialOrder = 3;
  const auto design = fm::buildDesign(haxbyEvents(), 121, options);
  const long d1 = columnOf(design, "drift_1"), d2 = columnOf(design, "drift_2"),
             d3 = columnOf(design, "drift_3");
  EXPECT_NEAR(design.matrix(0, d1), -0.5, 1e-14);
  EXPECT_NEAR(design.matrix(30, d1), -0.25, 1e-14);
  EXPECT_NEAR(design.matrix(0, d2), 0.16527777777777777, 1e-14);
  EXPECT_NEAR(design.matrix(60, d2), -0.08472222222222242, 1e-14);
  EXPECT_NEAR(design.matrix(0, d3), -0.04875694444444425, 1e-14);
  EXPECT_NEAR(design.matrix(30, d3), 0.022496527777777817, 1e-14);
  EXPECT_NEAR(design.matrix.col(d1).dot(design.matrix.col(d3)), 0.0, 1e-12);
  EXPECT_EQ(design.columns.back(), "constant");
}

TEST(FmriDesign, ImpulsesModulationAndShortEvents) {
  const std::vector<double> frameTimes = [] {
    std::vector<double> t(40);
    for (std::size_t i = 0; i < t.size(); ++i) t[i] = 2.0 * static_cast<double>(i);
    return t;
  }();
  fm::DesignOptions options;
  options.repetitionTime = 2.0;
  options.oversampling = 16;
  const auto impulse = fm::conditionRegressor({{3.3, 0.0, "a"}}, frameTimes, options);
  const double expectedImpulse[] = {0.0,
                                    0.0,
                                    2.431124977434918e-05,
                                    0.010161704848575205,
                                    0.02577044746730358,
                                    0.021709529676690906,
                                    0.010820614922105072,
                                    0.0031960556025459872};
  for (std::size_t i = 0; i < std::size(expectedImpulse); ++i)
    EXPECT_NEAR(impulse[i], expectedImpulse[i], 1e-15) << i;
  fm::Event first{3.3, 1.0, "a", 2.0}, second{40.0, 5.0, "a", -1.0};
  const auto mixed = fm::conditionRegressor({first, second}, frameTimes, options);
  const std::pair<std::size_t, double> expectedMixed[] = {
      {2, 6.375753683461124e-05}, {3, 0.09969504890503016},  {4, 0.37973045755648305},
      {22, -0.2490940591208441},  {23, -0.6570181450220153}, {25, -0.6569290711114455}};
  for (auto [i, v] : expectedMixed) EXPECT_NEAR(mixed[i], v, 1e-14) << i;
}

TEST(FmriDesign, BadInputGivesClearErrors) {
  fm::DesignOptions options;
  options.repetitionTime = 2.5;
  auto message = [&](const std::vector<fm::Event>& events, std::size_t scans,
                     const fm::DesignOptions& o) {
    try {
      fm::buildDesign(events, scans, o);
    } catch (const std::invalid_argument& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({{400.0, 10, "late"}}, 121, options).find("after the run ends"),
            std::string::npos);
  EXPECT_NE(message({{-30.0, 10, "early"}}, 121, options).find("before the first scan"),
            std::string::npos);
  EXPECT_NE(message(haxbyEvents(), 1, options).find("at least 2 scans"), std::string::npos);
  auto noTr = options;
  noTr.repetitionTime = 0;
  EXPECT_NE(message(haxbyEvents(), 121, noTr).find("TR"), std::string::npos);
  auto badOrder = options;
  badOrder.drift = fm::DriftModel::Polynomial;
  badOrder.polynomialOrder = 0;
  EXPECT_NE(message(haxbyEvents(), 121, badOrder).find("polynomial"), std::string::npos);
  EXPECT_NE(message({{10.0, 5, "constant"}}, 121, options).find("drift column"), std::string::npos);
  EXPECT_THROW(fm::parseDriftModel("spline"), std::invalid_argument);
}

TEST(FmriDesign, EventsFromTable) {
  using nl::io::Column;
  nl::io::TableDataset good(
      nl::io::DatasetKind::Table, "events",
      {Column{"onset", std::vector<double>{1, 2}}, Column{"duration", std::vector<double>{0.5, 0}},
       Column{"trial_type", std::vector<std::string>{"a", "b"}},
       Column{"modulation", std::vector<double>{2, 1}}});
  const auto events = fm::eventsFromTable(good);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].trialType, "b");
  EXPECT_EQ(events[0].modulation, 2.0);
  nl::io::TableDataset noDuration(nl::io::DatasetKind::Table, "events",
                                  {Column{"onset", std::vector<double>{1}}});
  EXPECT_THROW(fm::eventsFromTable(noDuration), std::invalid_argument);
  nl::io::TableDataset textOnset(nl::io::DatasetKind::Table, "events",
                                 {Column{"onset", std::vector<std::string>{"soon"}},
                                  Column{"duration", std::vector<double>{1}}});
  try {
    fm::eventsFromTable(textOnset);
    FAIL();
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("'soon'"), std::string::npos) << error.what();
  }
  nl::io::TableDataset negative(
      nl::io::DatasetKind::Table, "events",
      {Column{"onset", std::vector<double>{1}}, Column{"duration", std::vector<double>{-1}}});
  EXPECT_THROW(fm::eventsFromTable(negative), std::invalid_argument);
}

TEST(FmriContrast, ParsesWeightsAndNamesProblems) {
  const std::vector<std::string> names{"face", "house", "cat", "face-1", "1back"};
  auto c = fm::parseContrast("face - house", names);
  EXPECT_EQ(c, (Eigen::VectorXd(5) << 1, -1, 0, 0, 0).finished());
  c = fm::parseContrast("2*face-house - 0.5 cat", names);
  EXPECT_EQ(c, (Eigen::VectorXd(5) << 2, -1, -0.5, 0, 0).finished());
  c = fm::parseContrast("-face-1 + 1back", names);
  EXPECT_EQ(c, (Eigen::VectorXd(5) << 0, 0, 0, -1, 1).finished());
  c = fm::parseContrast("  cat ", names);
  EXPECT_EQ(c, (Eigen::VectorXd(5) << 0, 0, 1, 0, 0).finished());
  auto error = [&](const std::string& spec) {
    try {
      fm::parseContrast(spec, names);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error("face - dog").find("unknown condition 'dog' (known: face, house"),
            std::string::npos);
  EXPECT_NE(error("").find("empty"), std::string::npos);
  EXPECT_NE(error("face -").find("ends with a sign"), std::string::npos);
  EXPECT_NE(error("face house").find("expected '+' or '-'"), std::string::npos);
  EXPECT_NE(error("face - face").find("twice"), std::string::npos);
  EXPECT_NE(error("0*face").find("all weights are zero"), std::string::npos);
}
