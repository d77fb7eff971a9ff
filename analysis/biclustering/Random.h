#pragma once
// Seeded random numbers for the bi-clustering sampler. The generator's whole
// state is four words that can be read and restored, so a chain saved with
// the session continues with exactly the numbers it would have drawn
// (analysis/rsa/Random.h has the same generator without that access).
#include <array>
#include <cstdint>

namespace nl::analysis::biclustering {

class Rng {
 public:
  using State = std::array<std::uint64_t, 4>;
  // `stream` separates independent sequences under one seed (the chain index).
  Rng(std::uint64_t seed, std::uint64_t stream);
  explicit Rng(const State& state) : state_(state) {}

  const State& state() const { return state_; }
  std::uint64_t next();                  // xoshiro256** (Blackman & Vigna)
  double uniform();                      // [0, 1), 53 bits
  double uniformPositive();              // (0, 1)
  std::size_t below(std::size_t bound);  // [0, bound), no modulo bias
  double normal();                       // N(0, 1), Marsaglia's polar method
  double exponential();                  // Exp(1)
  double gamma(double shape);            // Gamma(shape, scale 1); Marsaglia & Tsang
  double logGamma(double shape);         // log of a Gamma(shape) draw, safe for tiny shapes
  double chiSquare(double dof) { return 2.0 * gamma(0.5 * dof); }
  int binomial(int trials, double probability);

 private:
  State state_{};
};

}  // namespace nl::analysis::biclustering
