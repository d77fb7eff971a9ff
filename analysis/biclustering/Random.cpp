#include "analysis/biclustering/Random.h"

#include <cmath>

namespace nl::analysis::biclustering {
namespace {

std::uint64_t splitMix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

Rng::Rng(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t mix = seed ^ (0x9e3779b97f4a7c15ULL * (stream + 1));
  for (auto& word : state_) word = splitMix64(mix);
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
