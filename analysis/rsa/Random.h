#pragma once
// Seeded random numbers that are the same on every platform and for every
// thread count: each replicate r of an analysis draws from its own stream
// Rng(seed, r), so results never depend on which thread ran which replicate.
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

namespace nl::analysis::rsa {

class Rng {
 public:
  // `stream` separates independent sequences under one seed (e.g. the replicate index).
  Rng(std::uint64_t seed, std::uint64_t stream) {
    std::uint64_t mix = seed ^ (0x9e3779b97f4a7c15ULL * (stream + 1));
    for (auto& word : state_) word = splitMix64(mix);
  }

  // xoshiro256** (Blackman & Vigna).
  std::uint64_t next() {
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
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitMix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t state_[4]{};
};

// 0, 1, …, count − 1 in a random order.
inline std::vector<std::size_t> randomPermutation(Rng& rng, std::size_t count) {
  std::vector<std::size_t> order(count);
  std::iota(order.begin(), order.end(), std::size_t{0});
  rng.shuffle(order);
  return order;
}

}  // namespace nl::analysis::rsa
