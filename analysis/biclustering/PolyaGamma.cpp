#include "analysis/biclustering/PolyaGamma.h"

#include <cmath>
#include <numbers>

namespace nl::analysis::biclustering {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kTruncation = 0.64;  // Devroye's switch point t (PSW 2013)

double normalCdf(double x) {
  return 0.5 * std::erfc(-x / std::numbers::sqrt2);
}

// P(IG(μ = 1/z, λ = 1) < t), written in z so that z = 0 (μ = ∞) works.
double inverseGaussianCdf(double t, double z) {
  const double root = std::sqrt(1.0 / t);
  const double lower = normalCdf(root * (t * z - 1.0));
  const double upper = normalCdf(-root * (t * z + 1.0));
  return lower + std::exp(2.0 * z) * upper;
}

// The n-th coefficient of the alternating series for J*(1, z) (PSW 2013, eq. 6).
double seriesCoefficient(int n, double x) {
  const double k = n + 0.5;
  if (x > kTruncation) return kPi * k * std::exp(-k * k * kPi * kPi * x / 2.0);
  return kPi * k * std::pow(2.0 / (kPi * x), 1.5) * std::exp(-2.0 * k * k / x);
}

// IG(μ = 1/z, 1) truncated to (0, t).
double truncatedInverseGaussian(Rng& rng, double z) {
  const double t = kTruncation;
  if (z < 1.0 / t) {
    // μ > t: proposals from the truncated Lévy (z = 0) law, accepted with exp(−z²x/2).
    for (;;) {
      double e1 = 0.0;
      double e2 = 0.0;
      do {
        e1 = rng.exponential();
        e2 = rng.exponential();
      } while (e1 * e1 > 2.0 * e2 / t);
      const double x = t / ((1.0 + t * e1) * (1.0 + t * e1));
      if (rng.uniform() <= std::exp(-0.5 * z * z * x)) return x;
    }
  }
  const double mu = 1.0 / z;
  for (;;) {
    const double n = rng.normal();
    const double y = n * n;
    double x = mu + 0.5 * mu * mu * y - 0.5 * mu * std::sqrt(4.0 * mu * y + (mu * y) * (mu * y));
    if (rng.uniform() > mu / (mu + x)) x = mu * mu / x;
    if (x < t) return x;
  }
}

double tanhOverX(double x) {  // tanh(x) / x, stable at 0
  if (std::abs(x) < 1e-4) return 1.0 - x * x / 3.0;
  return std::tanh(x) / x;
}

}  // namespace

double polyaGammaMean(double b, double c) {
  return b / 4.0 * tanhOverX(std::abs(c) / 2.0);
}

double polyaGammaVariance(double b, double c) {
  const double x = std::abs(c);
  if (x < 1e-3) return b * (1.0 / 24.0 - x * x / 240.0);
  // (sinh c − c) / (c³ cosh²(c/2)) with sinh c / cosh²(c/2) = 2 tanh(c/2): no overflow.
  const double coshHalf = std::cosh(x / 2.0);
  const double numerator =
      2.0 * std::tanh(x / 2.0) - (std::isfinite(coshHalf) ? x / (coshHalf * coshHalf) : 0.0);
  return b / 4.0 * numerator / (x * x * x);
}

double polyaGammaDevroye(Rng& rng, double c) {
  const double z = std::abs(c) / 2.0;
  const double t = kTruncation;
  const double k = kPi * kPi / 8.0 + z * z / 2.0;
  const double p = kPi / (2.0 * k) * std::exp(-k * t);
  const double q = 2.0 * std::exp(-z) * inverseGaussianCdf(t, z);
  for (;;) {
    const double x =
        rng.uniform() < p / (p + q) ? t + rng.exponential() / k : truncatedInverseGaussian(rng, z);
    double s = seriesCoefficient(0, x);
    const double y = rng.uniform() * s;
    for (int n = 1;; ++n) {
      if (n % 2 == 1) {
        s -= seriesCoefficient(n, x);
        if (y <= s) return x / 4.0;
      } else {
        s += seriesCoefficient(n, x);
        if (y > s) break;
      }
    }
  }
}

double polyaGammaGammaSum(Rng& rng, double b, double c, int terms) {
  const double shift = c * c / (4.0 * kPi * kPi);
  double sum = 0.0;
  double keptMean = 0.0;
  double keptVariance = 0.0;
  const GammaDraws gammaB(b);
  for (int term = 1; term <= terms; ++term) {
    const double half = term - 0.5;
    const double weight = 1.0 / (2.0 * kPi * kPi * (half * half + shift));
    sum += weight * gammaB(rng);
    keptMean += b * weight;
    keptVariance += b * weight * weight;
  }
  const double tailMean = polyaGammaMean(b, c) - keptMean;
  const double tailVariance = polyaGammaVariance(b, c) - keptVariance;
  if (tailMean <= 0.0) return sum;
  if (tailVariance <= 1e-14 * tailMean * tailMean) return sum + tailMean;
  const double shape = tailMean * tailMean / tailVariance;
  return sum + rng.gamma(shape) * (tailVariance / tailMean);
}

double polyaGamma(Rng& rng, double b, double c) {
  const double whole = std::round(b);
  if (std::abs(b - whole) < 1e-12 && whole >= 1.0 && whole <= kDevroyeMaxShape) {
    double sum = 0.0;
    for (int i = 0; i < static_cast<int>(whole); ++i) sum += polyaGammaDevroye(rng, c);
    return sum;
  }
  return polyaGammaGammaSum(rng, b, c);
}

}  // namespace nl::analysis::biclustering
