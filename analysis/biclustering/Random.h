#pragma once
// Seeded random numbers for the bi-clustering sampler. The generator's whole
// state is four words that can be read and restored, so a chain saved with
// the session continues with exactly the numbers it would have drawn
// (analysis/rsa/Random.h has the same generator without that access).
#include <array>
#include <cmath>
#include <cstdint>

namespace nl::analysis::biclustering {

class Rng {
 public:
  using State = std::array<std::uint64_t, 4>;
  // `stream` separates independent sequences under one seed (the chain index).
  Rng(std::uint64_t seed, std::uint64_t stream);
  explicit Rng(const State& state) : state_(state) {}

  const State& state() const { return state_; }
  // The hot ones are inline (the sampler draws ~10⁵ of them per iteration).
  std::uint64_t next() {  // xoshiro256** (Blackman & Vigna)
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t shifted = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= shifted;
    state_[3] = rotl(state_[3], 45);
    return result;
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1), 53 bits
  double uniformPositive() {                                                  // (0, 1)
    for (;;) {
      const double u = uniform();
      if (u > 0.0) return u;
    }
  }
  std::size_t below(std::size_t bound);  // [0, bound), no modulo bias
  double normal() {                      // N(0, 1), Marsaglia's polar method
    for (;;) {
      const double u = 2.0 * uniform() - 1.0;
      const double v = 2.0 * uniform() - 1.0;
      const double s = u * u + v * v;
      if (s > 0.0 && s < 1.0) return u * std::sqrt(-2.0 * std::log(s) / s);
    }
  }
  double exponential();           // Exp(1)
  double gamma(double shape);     // Gamma(shape, scale 1); Marsaglia & Tsang
  double logGamma(double shape);  // log of a Gamma(shape) draw, safe for tiny shapes
  double chiSquare(double dof) { return 2.0 * gamma(0.5 * dof); }
  int binomial(int trials, double probability);

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  State state_{};
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
