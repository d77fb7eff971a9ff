// analysis/stats/Descriptive.h against numbers computed independently
// (NumPy's default 'linear' quantiles, sample SD) and under cancellation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "analysis/stats/Descriptive.h"

using namespace nl::analysis;
using nl::analysis::stats::describe;
using nl::analysis::stats::describeColumns;
using nl::analysis::stats::quantileOfSorted;

namespace {
const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// Cancels once `allowed` cancellation checks have passed; counts updates.
class CountingProgress final : public Progress {
 public:
  explicit CountingProgress(int allowed) : allowed_(allowed) {}
  void update(double fraction, const std::string& message) override {
    fractions.push_back(fraction);
    messages.push_back(message);
  }
  bool cancelRequested() const override { return ++checks_ > allowed_; }
  std::vector<double> fractions;
  std::vector<std::string> messages;
  int checks() const { return checks_; }

 private:
  int allowed_;
  mutable int checks_ = 0;
};
}  // namespace

TEST(Quantile, MatchesNumpyLinearInterpolation) {
  // numpy.quantile(x, q) with method='linear' (the default), by hand:
  // position q·(n−1), interpolated between the neighbouring order statistics.
  EXPECT_DOUBLE_EQ(quantileOfSorted({1, 2, 3, 4}, 0.25), 1.75);
  EXPECT_DOUBLE_EQ(quantileOfSorted({1, 2, 3, 4}, 0.75), 3.25);
  const std::vector<double> x{1, 1, 2, 3, 4, 5, 6, 9};  // sorted [3,1,4,1,5,9,2,6]
  EXPECT_DOUBLE_EQ(quantileOfSorted(x, 0.1), 1.0);
  EXPECT_NEAR(quantileOfSorted(x, 0.33), 2.31, 1e-12);
  EXPECT_NEAR(quantileOfSorted(x, 0.9), 6.9, 1e-12);
  EXPECT_DOUBLE_EQ(quantileOfSorted(x, 0.5), 3.5);
  EXPECT_DOUBLE_EQ(quantileOfSorted({10, 20}, 0.3), 13.0);
  EXPECT_DOUBLE_EQ(quantileOfSorted({-5}, 0.0), -5.0);
  EXPECT_DOUBLE_EQ(quantileOfSorted({-5}, 0.7), -5.0);
  EXPECT_DOUBLE_EQ(quantileOfSorted({0, 100}, 1.0), 100.0);
  EXPECT_DOUBLE_EQ(quantileOfSorted({0, 100}, 0.0), 0.0);
  // With infinities at the ends the interior quantiles stay finite.
  EXPECT_DOUBLE_EQ(quantileOfSorted({-kInf, 1, 2, kInf}, 0.5), 1.5);
  EXPECT_THROW(quantileOfSorted({1, 2}, -0.01), std::invalid_argument);
  EXPECT_THROW(quantileOfSorted({1, 2}, kNan), std::invalid_argument);
  EXPECT_THROW(quantileOfSorted({}, 0.0), std::invalid_argument);
}

TEST(Quantile, AgreesWithABruteForceDefinitionOnRandomData) {
  std::mt19937 random(7);
  std::normal_distribution<double> normal(3.0, 2.0);
  for (int n : {2, 3, 10, 101}) {
    std::vector<double> v(static_cast<std::size_t>(n));
    for (auto& x : v) x = normal(random);
    std::sort(v.begin(), v.end());
    for (double q : {0.0, 0.05, 0.5, 0.731, 1.0}) {
      // R type 7: h = (n−1)q; x[floor h] + (h − floor h)(x[floor h + 1] − x[floor h]).
      const double h = (n - 1) * q;
      const auto lo = static_cast<std::size_t>(std::floor(h));
      const auto hi = std::min(lo + 1, v.size() - 1);
      EXPECT_NEAR(quantileOfSorted(v, q), v[lo] + (h - std::floor(h)) * (v[hi] - v[lo]), 1e-12)
          << n << " " << q;
    }
  }
}

TEST(Describe, CountsMissingValuesAndUsesTheSampleStandardDeviation) {
  const auto s = describe({kNan, 3, kNan, 1, 2, kNan}, 0.25, 0.75);
  EXPECT_EQ(s.count, 3u);
  EXPECT_EQ(s.missing, 3u);
  EXPECT_DOUBLE_EQ(s.mean, 2.0);
  EXPECT_DOUBLE_EQ(s.standardDeviation, 1.0) << "sample SD (n − 1) of 1, 2, 3";
  EXPECT_DOUBLE_EQ(s.minimum, 1);
  EXPECT_DOUBLE_EQ(s.lowerQuantile, 1.5);
  EXPECT_DOUBLE_EQ(s.median, 2);
  EXPECT_DOUBLE_EQ(s.upperQuantile, 2.5);
  EXPECT_DOUBLE_EQ(s.maximum, 3);

  const auto one = describe({4.0}, 0.1, 0.9);
  EXPECT_EQ(one.count, 1u);
  EXPECT_DOUBLE_EQ(one.mean, 4.0);
  EXPECT_TRUE(std::isnan(one.standardDeviation)) << "no SD from one value";
  EXPECT_DOUBLE_EQ(one.median, 4.0);

  const auto empty = describe({}, 0.25, 0.75);
  EXPECT_EQ(empty.count, 0u);
  EXPECT_EQ(empty.missing, 0u);
  EXPECT_TRUE(std::isnan(empty.median));
  EXPECT_TRUE(std::isnan(empty.minimum));
}

TEST(Describe, InfinitiesAreValuesNotMissingWhateverTheirPosition) {
  // numpy.mean([1, inf, 2]) is inf and numpy.std(..., ddof=1) is nan, in any order.
  for (const auto& values :
       std::vector<std::vector<double>>{{1, kInf, 2}, {1, 2, kInf}, {kInf, 1, 2}}) {
    const auto s = describe(values, 0.25, 0.75);
    EXPECT_EQ(s.count, 3u);
    EXPECT_EQ(s.missing, 0u);
    EXPECT_EQ(s.maximum, kInf);
    EXPECT_EQ(s.mean, kInf) << values[0] << " " << values[1] << " " << values[2];
    EXPECT_TRUE(std::isnan(s.standardDeviation));
    EXPECT_DOUBLE_EQ(s.median, 2.0);
  }
  const auto negative = describe({-kInf, 5, 6}, 0.25, 0.75);
  EXPECT_EQ(negative.mean, -kInf);
  EXPECT_EQ(negative.minimum, -kInf);
  const auto both = describe({kInf, 0, -kInf}, 0.25, 0.75);
  EXPECT_TRUE(std::isnan(both.mean)) << "inf − inf has no mean";
  EXPECT_DOUBLE_EQ(both.median, 0.0);
}

TEST(Describe, WelfordStaysAccurateFarFromZero) {
  // Values 1e9 + {4, 7, 13, 16}: mean 1e9 + 10, sample variance 30. The
  // textbook sum-of-squares formula loses every digit here.
  const auto s = describe({1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16}, 0.25, 0.75);
  EXPECT_DOUBLE_EQ(s.mean, 1e9 + 10);
  EXPECT_NEAR(s.standardDeviation, std::sqrt(30.0), 1e-7);
  // 200,000 values ±1 around 1e9: sample SD sqrt(n / (n − 1)).
  std::vector<double> v;
  v.reserve(200'000);
  for (int i = 0; i < 200'000; ++i) v.push_back(1e9 + ((i % 2) ? 1.0 : -1.0));
  const auto big = describe(v, 0.25, 0.75);
  EXPECT_NEAR(big.mean, 1e9, 1e-6);
  EXPECT_NEAR(big.standardDeviation, std::sqrt(200'000.0 / 199'999.0), 1e-9);
}

TEST(DescribeColumns, OneSummaryPerColumnInOrder) {
  Eigen::MatrixXd m(4, 3);
  m << 1, -1, kNan,  //
      2, -2, kNan,   //
      3, -3, 7,      //
      4, -4, kNan;
  NullProgress none;
  const auto s = describeColumns(m, 0.25, 0.75, none);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_DOUBLE_EQ(s[0].lowerQuantile, 1.75);
  EXPECT_DOUBLE_EQ(s[1].mean, -2.5);
  EXPECT_DOUBLE_EQ(s[1].upperQuantile, -1.75);
  EXPECT_EQ(s[2].count, 1u);
  EXPECT_EQ(s[2].missing, 3u);
  EXPECT_TRUE(std::isnan(s[2].standardDeviation));
  // Quantile limits are checked before any work.
  EXPECT_THROW(describeColumns(m, 0.8, 0.2, none), std::invalid_argument);
  EXPECT_THROW(describeColumns(m, -0.1, 0.5, none), std::invalid_argument);
  EXPECT_THROW(describeColumns(m, 0.5, 1.1, none), std::invalid_argument);
  // No rows: every column is all missing, nothing throws.
  const auto empty = describeColumns(Eigen::MatrixXd(0, 2), 0.25, 0.75, none);
  ASSERT_EQ(empty.size(), 2u);
  EXPECT_EQ(empty[1].count, 0u);
}

TEST(DescribeColumns, CancellationIsCheckedPerColumnAndProgressIsReported) {
  Eigen::MatrixXd wide = Eigen::MatrixXd::Ones(3, 200);
  CountingProgress never(1'000'000);
  ASSERT_EQ(describeColumns(wide, 0.25, 0.75, never).size(), 200u);
  EXPECT_GE(never.checks(), 200) << "at least one cancellation check per column";
  ASSERT_FALSE(never.fractions.empty());
  EXPECT_TRUE(std::is_sorted(never.fractions.begin(), never.fractions.end()));
  for (double f : never.fractions) EXPECT_TRUE(f > 0 && f <= 1) << f;
  EXPECT_EQ(never.messages.front(), "column 1 of 200");

  CountingProgress stopsAtOnce(0);
  EXPECT_THROW(describeColumns(wide, 0.25, 0.75, stopsAtOnce), Cancelled);
  CountingProgress stopsLater(50);
  EXPECT_THROW(describeColumns(wide, 0.25, 0.75, stopsLater), Cancelled);
  EXPECT_EQ(stopsLater.checks(), 51) << "the 51st check cancels; no work after it";
  EXPECT_STREQ(Cancelled().what(), "cancelled");
}
