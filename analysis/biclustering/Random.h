#pragma once
// Seeded random numbers for the bi-clustering sampler. The generator's whole
// state is four words that can be read and restored, so a chain saved with
// the session continues with exactly the numbers it would have drawn
// (analysis/Xoshiro.h, the generator rsa::Rng uses too).
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "analysis/Xoshiro.h"

namespace nl::analysis::biclustering {

// The layers of the normal ziggurat (Rng::normal).
struct ZigguratTable {
  ZigguratTable();
  double x[129];      // layer edges, x[0] = V / f(R), x[1] = R, x[128] = 0
  double ratio[128];  // x[i + 1] / x[i]
};
extern const ZigguratTable kZiggurat;

class Rng {
 public:
  using State = Xoshiro256::State;
  // `stream` separates independent sequences under one seed (the chain index).
  Rng(std::uint64_t seed, std::uint64_t stream) : generator_(Xoshiro256::seeded(seed, stream)) {}
  explicit Rng(const State& state) { generator_.state = state; }

  const State& state() const { return generator_.state; }
  // The hot ones are inline (the sampler draws ~10⁵ of them per iteration).
  std::uint64_t next() { return generator_.next(); }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1), 53 bits
  double uniformPositive() {                                                  // (0, 1)
    for (;;) {
      const double u = uniform();
      if (u > 0.0) return u;
    }
  }
  std::size_t below(std::size_t bound);  // [0, bound), no modulo bias
  // N(0, 1): the ziggurat of Marsaglia & Tsang (2000) in Doornik's (2005)
  // form, 128 layers; one 64-bit draw per normal in ≈ 99 % of cases (the
  // layer from its low 7 bits, the abscissa from its top 53).
  double normal() {
    for (;;) {
      const std::uint64_t bits = next();
      const auto layer = static_cast<std::size_t>(bits & 0x7F);
      const double u = 2.0 * (static_cast<double>(bits >> 11) * 0x1.0p-53) - 1.0;
      if (std::abs(u) < kZiggurat.ratio[layer]) return u * kZiggurat.x[layer];
      const double edge = normalEdge(layer, u);
      if (!std::isnan(edge)) return edge;
    }
  }
  double exponential();           // Exp(1)
  double gamma(double shape);     // Gamma(shape, scale 1); Marsaglia & Tsang
  double logGamma(double shape);  // log of a Gamma(shape) draw, safe for tiny shapes
  double chiSquare(double dof) { return 2.0 * gamma(0.5 * dof); }
  int binomial(int trials, double probability);

 private:
  double normalEdge(std::size_t layer, double u);  // the tail and wedges; NaN: reject
  Xoshiro256 generator_;
};

// Repeated Gamma(shape) draws with Marsaglia & Tsang's constants computed
// once: the same numbers as Rng::gamma(shape), draw for draw.
class GammaDraws {
 public:
  explicit GammaDraws(double shape);
  double operator()(Rng& rng) const;

 private:
  bool boosted_;    // shape < 1: Gamma(shape + 1) · U^(1/shape)
  double inverse_;  // 1 / shape
  double d_, c_;
};

}  // namespace nl::analysis::biclustering
