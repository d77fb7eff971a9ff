#include "analysis/fmri/Distributions.h"

#include <cmath>
#include <limits>
#include <numbers>

namespace nl::analysis::fmri {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The continued fraction of I_x(a, b) (modified Lentz), which converges
// quickly for x < (a + 1) / (a + b + 2).
double betaContinuedFraction(double a, double b, double x) {
  constexpr double kTiny = 1e-300;
  constexpr double kEpsilon = 1e-16;
  const double qab = a + b, qap = a + 1.0, qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 10000; ++m) {
    const double md = m;
    const double m2 = 2.0 * md;
    double aa = md * (b - md) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + md) * (qab + md) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < kEpsilon) break;
  }
  return h;
}

// ln of the directly summed branch: x^a (1−x)^b / (a B(a,b)) · cf.
double logDirect(double a, double b, double x, double oneMinusX) {
  return a * std::log(x) + b * std::log(oneMinusX) - logBeta(a, b) - std::log(a) +
         std::log(betaContinuedFraction(a, b, x));
}

// Acklam's approximation of z with Q(z) = p for p ≤ 1/2, from ln p (the tail
// form needs only ln p, so p below the smallest double still works).
double acklamUpperQuantile(double logP) {
  constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                          1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                          6.680131188771972e+01, -1.328068155288572e+01};
  constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                          -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                          3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  if (logP < std::log(kLow)) {
    const double q = std::sqrt(-2.0 * logP);
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  }
  // Central region: the lower quantile of p is −z.
  const double q = std::exp(logP) - 0.5, r = q * q;
  return -(((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
}

}  // namespace

double logBeta(double a, double b) {
  return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
}

double logRegularizedIncompleteBeta(double a, double b, double x, double oneMinusX) {
  if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1)) return kNaN;
  if (x == 0) return -std::numeric_limits<double>::infinity();
  if (oneMinusX == 0) return 0.0;
  if (x < (a + 1.0) / (a + b + 2.0)) return logDirect(a, b, x, oneMinusX);
  // I_x(a, b) = 1 − I_{1−x}(b, a), and the second term is the small one here.
  return std::log1p(-std::exp(logDirect(b, a, oneMinusX, x)));
}

double regularizedIncompleteBeta(double a, double b, double x, double oneMinusX) {
  return std::exp(logRegularizedIncompleteBeta(a, b, x, oneMinusX));
}

double studentTLogSf(double t, double dof) {
  if (std::isnan(t) || !(dof > 0)) return kNaN;
  if (std::isinf(t)) return t > 0 ? -std::numeric_limits<double>::infinity() : 0.0;
  // P(|T| > |t|) = I_{ν/(ν+t²)}(ν/2, 1/2); 1 − x = t²/(ν+t²) keeps its digits.
  const double t2 = t * t;
  const double x = dof / (dof + t2);
  const double oneMinusX = t2 / (dof + t2);
  const double logTwoSided = logRegularizedIncompleteBeta(dof / 2.0, 0.5, x, oneMinusX);
  const double logHalf = logTwoSided - std::numbers::ln2;
  if (t >= 0) return logHalf;
  return std::log1p(-std::exp(logHalf));
}

double studentTSf(double t, double dof) {
  return std::exp(studentTLogSf(t, dof));
}

double normalLogSf(double z) {
  if (z < 30.0) return std::log(0.5 * std::erfc(z / std::numbers::sqrt2));
  // Mills-ratio series: Q(z) = φ(z)/z · (1 − 1/z² + 3/z⁴ − 15/z⁶ + 105/z⁸ − 945/z¹⁰ …).
  const double w = 1.0 / (z * z);
  const double series =
      1.0 - w * (1.0 - 3.0 * w * (1.0 - 5.0 * w * (1.0 - 7.0 * w * (1.0 - 9.0 * w))));
  return -0.5 * z * z - std::log(z) - 0.5 * std::log(2.0 * std::numbers::pi) + std::log(series);
}

double normalIsfFromLog(double logP) {
  if (std::isnan(logP) || logP > 0) return kNaN;
  if (logP == 0) return -std::numeric_limits<double>::infinity();
  if (std::isinf(logP)) return std::numeric_limits<double>::infinity();
  if (logP > std::log(0.5)) return -normalIsfFromLog(std::log1p(-std::exp(logP)));
  // Newton on g(z) = ln Q(z) − ln p, which is concave and decreasing: started
  // above the root it descends monotonically onto it. The start is Acklam's
  // rational approximation of the normal quantile (relative error < 1.2e-9),
  // nudged above the root, so one or two steps reach full precision instead
  // of the six to eight from sqrt(−2 ln p) (t → z is most of a contrast's cost).
  double z = acklamUpperQuantile(logP);
  z += 1e-8 * std::max(1.0, z);
  const double logSqrt2Pi = 0.5 * std::log(2.0 * std::numbers::pi);
  for (int iteration = 0; iteration < 200; ++iteration) {
    const double logQ = normalLogSf(z);
    const double hazard = std::exp(-0.5 * z * z - logSqrt2Pi - logQ);  // φ(z)/Q(z)
    const double step = (logQ - logP) / hazard;
    z += step;
    if (std::fabs(step) <= 1e-15 * std::max(1.0, std::fabs(z))) break;
  }
  return z;
}

double tToZ(double t, double dof) {
  if (std::isnan(t) || !(dof > 0)) return kNaN;
  if (std::isinf(t)) return t;
  if (t < 0) return -tToZ(-t, dof);
  return normalIsfFromLog(studentTLogSf(t, dof));
}

}  // namespace nl::analysis::fmri
