// t → z and the incomplete beta function against mpmath (50 digits; numbers
// from tests/fmri/reference_values.py) and closed forms.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "analysis/fmri/Distributions.h"

namespace fm = nl::analysis::fmri;

TEST(FmriDistributions, IncompleteBetaClosedForms) {
  for (double x : {0.0, 1e-9, 0.1, 0.37, 0.5, 0.9, 0.999999, 1.0}) {
    EXPECT_NEAR(fm::regularizedIncompleteBeta(1, 1, x, 1 - x), x, 1e-14);
    EXPECT_NEAR(fm::regularizedIncompleteBeta(3.5, 1, x, 1 - x), std::pow(x, 3.5), 1e-14);
    EXPECT_NEAR(fm::regularizedIncompleteBeta(1, 2.5, x, 1 - x), 1 - std::pow(1 - x, 2.5), 1e-14);
    // I_x(a, b) + I_{1−x}(b, a) = 1
    EXPECT_NEAR(fm::regularizedIncompleteBeta(4.2, 0.5, x, 1 - x) +
                    fm::regularizedIncompleteBeta(0.5, 4.2, 1 - x, x),
                1.0, 1e-13);
  }
  EXPECT_TRUE(std::isnan(fm::regularizedIncompleteBeta(-1, 1, 0.5, 0.5)));
  EXPECT_TRUE(std::isnan(fm::regularizedIncompleteBeta(1, 1, 1.5, -0.5)));
}

TEST(FmriDistributions, StudentTTailAgainstMpmath) {
  struct Case {
    double t, dof, logSf, z;
  };
  // mpmath.betainc at 50 digits; z = −√2 erfinv(2p − 1).
  const Case cases[] = {
      {0, 10, -0.69314718055994531, 0.0},
      {1, 5, -1.705900720223827, 0.90925134379124037},
      {2.5, 20, -4.5453201963978666, 2.3038058349911762},
      {-3, 7, -0.010021107054400556, -2.3274349741046801},
      {10, 100, -37.544388414365013, 8.3059584414520647},
      {40, 10, -27.499616721161003, 7.016137394477692},
      {1000, 3, -20.62554599789672, 5.9819139580997569},
      {8, 113, -28.146073873003738, 7.1059544594613651},
      {0.3, 1, -0.89838593146404099, 0.23468550121245291},
      {5, 2.5, -4.4459812209111877, 2.2660031567309168},
  };
  for (const auto& c : cases) {
    EXPECT_NEAR(fm::studentTLogSf(c.t, c.dof), c.logSf, 1e-12 * std::fabs(c.logSf) + 1e-15)
        << "t " << c.t << " dof " << c.dof;
    EXPECT_NEAR(fm::tToZ(c.t, c.dof), c.z, 1e-12 * std::max(1.0, std::fabs(c.z)))
        << "t " << c.t << " dof " << c.dof;
  }
}

TEST(FmriDistributions, ExtremeTailsStayFiniteAndMonotone) {
  // Far beyond where P(T > t) underflows a double (t = 1e6, dof 100: p ≈ 1e-500).
  double previous = 0;
  for (double t : {5.0, 20.0, 60.0, 200.0, 1e3, 1e4, 1e6, 1e12}) {
    const double z = fm::tToZ(t, 100);
    EXPECT_TRUE(std::isfinite(z)) << t;
    EXPECT_GT(z, previous) << t;
    EXPECT_NEAR(fm::tToZ(-t, 100), -z, 1e-12 * z);
    previous = z;
  }
  // Large dof: t approaches z.
  EXPECT_NEAR(fm::tToZ(3.0, 1e7), 3.0, 1e-5);
  // Normal quantile round trip far out in the tail, through the Mills-ratio branch.
  for (double z : {0.5, 3.0, 12.0, 29.9, 30.1, 45.0, 80.0})
    EXPECT_NEAR(fm::normalIsfFromLog(fm::normalLogSf(z)), z, 1e-10 * z) << z;
  EXPECT_TRUE(std::isnan(fm::tToZ(std::numeric_limits<double>::quiet_NaN(), 10)));
  EXPECT_TRUE(std::isnan(fm::tToZ(1.0, 0)));
  EXPECT_EQ(fm::tToZ(std::numeric_limits<double>::infinity(), 10),
            std::numeric_limits<double>::infinity());
}
