#pragma once
// Seeded random numbers that are the same on every platform and for every
// thread count: each replicate r of an analysis draws from its own stream
// Rng(seed, r), so results never depend on which thread ran which replicate.
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

#include "analysis/Xoshiro.h"

namespace nl::analysis::rsa {

class Rng {
 public:
  // `stream` separates independent sequences under one seed (e.g. the replicate index).
  Rng(std::uint64_t seed, std::uint64_t stream) : generator_(Xoshiro256::seeded(seed, stream)) {}

  std::uint64_t next() { return generator_.next(); }

  // Uniform in [0, bound) without modulo bias; bound > 0.
  std::size_t below(std::size_t bound) {
    const auto range = static_cast<std::uint64_t>(bound);
    const std::uint64_t threshold = (0 - range) % range;
    for (;;) {
      const std::uint64_t value = next();
      if (value >= threshold) return static_cast<std::size_t>(value % range);
    }
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  template <typename T>
  void shuffle(std::vector<T>& values) {
    for (std::size_t i = values.size(); i > 1; --i) std::swap(values[i - 1], values[below(i)]);
  }

 private:
  Xoshiro256 generator_;
};

// 0, 1, …, count − 1 in a random order.
inline std::vector<std::size_t> randomPermutation(Rng& rng, std::size_t count) {
  std::vector<std::size_t> order(count);
  std::iota(order.begin(), order.end(), std::size_t{0});
  rng.shuffle(order);
  return order;
}

}  // namespace nl::analysis::rsa
