#include "analysis/biclustering/Random.h"

#include <cmath>
#include <limits>

namespace nl::analysis::biclustering {
namespace {

constexpr int kLayers = 128;
constexpr double kTailStart = 3.442619855899;       // R of the 128-layer ziggurat
constexpr double kLayerArea = 9.91256303526217e-3;  // V

}  // namespace

ZigguratTable::ZigguratTable() {
  double f = std::exp(-0.5 * kTailStart * kTailStart);
  x[0] = kLayerArea / f;
  x[1] = kTailStart;
  x[kLayers] = 0.0;
  for (int i = 2; i < kLayers; ++i) {
    x[i] = std::sqrt(-2.0 * std::log(kLayerArea / x[i - 1] + f));
    f = std::exp(-0.5 * x[i] * x[i]);
  }
  for (int i = 0; i < kLayers; ++i) ratio[i] = x[i + 1] / x[i];
}

const ZigguratTable kZiggurat;

double Rng::normalEdge(std::size_t layer, double u) {
  if (layer == 0) {
    // The tail beyond R (Marsaglia 1964).
    double x = 0.0, y = 0.0;
    do {
      x = std::log(uniformPositive()) / kTailStart;
      y = std::log(uniformPositive());
    } while (-2.0 * y < x * x);
    return u < 0.0 ? x - kTailStart : kTailStart - x;
  }
  // A wedge: accept under the density between the layer's two edges.
  const double x = u * kZiggurat.x[layer];
  const double f0 = std::exp(-0.5 * (kZiggurat.x[layer] * kZiggurat.x[layer] - x * x));
  const double f1 = std::exp(-0.5 * (kZiggurat.x[layer + 1] * kZiggurat.x[layer + 1] - x * x));
  if (f1 + uniform() * (f0 - f1) < 1.0) return x;
  return std::numeric_limits<double>::quiet_NaN();
}

std::size_t Rng::below(std::size_t bound) {
  const auto range = static_cast<std::uint64_t>(bound);
  const std::uint64_t threshold = (0 - range) % range;
  for (;;) {
    const std::uint64_t value = next();
    if (value >= threshold) return static_cast<std::size_t>(value % range);
  }
}

double Rng::exponential() {
  return -std::log(uniformPositive());
}

double Rng::gamma(double shape) {
  if (shape < 1.0) {
    // Gamma(a) = Gamma(a + 1) · U^(1/a) (Marsaglia & Tsang 2000, §6).
    return gamma(shape + 1.0) * std::pow(uniformPositive(), 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = 0.0;
    double v = 0.0;
    do {
      x = normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = uniformPositive();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

GammaDraws::GammaDraws(double shape)
    : boosted_(shape < 1.0),
      inverse_(1.0 / shape),
      d_((shape < 1.0 ? shape + 1.0 : shape) - 1.0 / 3.0),
      c_(1.0 / std::sqrt(9.0 * d_)) {}

double GammaDraws::operator()(Rng& rng) const {
  // Rng::gamma's steps in its order, with d and c precomputed.
  double draw = 0.0;
  for (;;) {
    double x = 0.0;
    double v = 0.0;
    do {
      x = rng.normal();
      v = 1.0 + c_ * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = rng.uniformPositive();
    if (u < 1.0 - 0.0331 * x * x * x * x ||
        std::log(u) < 0.5 * x * x + d_ * (1.0 - v + std::log(v))) {
      draw = d_ * v;
      break;
    }
  }
  return boosted_ ? draw * std::pow(rng.uniformPositive(), inverse_) : draw;
}

double Rng::logGamma(double shape) {
  if (shape >= 1.0) return std::log(gamma(shape));
  // log Gamma(a) = log Gamma(a + 1) + log(U) / a: no underflow for a → 0.
  return std::log(gamma(shape + 1.0)) + std::log(uniformPositive()) / shape;
}

int Rng::binomial(int trials, double probability) {
  int successes = 0;
  for (int i = 0; i < trials; ++i) successes += uniform() < probability ? 1 : 0;
  return successes;
}

}  // namespace nl::analysis::biclustering
