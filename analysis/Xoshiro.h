#pragma once
// xoshiro256** (Blackman & Vigna), seeded by SplitMix64 from (seed, stream):
// the one generator behind the analyses' seeded random numbers (rsa::Rng,
// biclustering::Rng), the same on every platform and thread count. Its whole
// state is four words, so a saved chain resumes exactly.
#include <array>
#include <cstdint>

namespace nl::analysis {

struct Xoshiro256 {
  using State = std::array<std::uint64_t, 4>;
  State state{};

  // `stream` separates independent sequences under one seed (a replicate,
  // a chain).
  static Xoshiro256 seeded(std::uint64_t seed, std::uint64_t stream) {
    Xoshiro256 generator;
    std::uint64_t mix = seed ^ (0x9e3779b97f4a7c15ULL * (stream + 1));
    for (auto& word : generator.state) {
      std::uint64_t z = (mix += 0x9e3779b97f4a7c15ULL);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
    return generator;
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(state[1] * 5, 7) * 9;
    const std::uint64_t shifted = state[1] << 17;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= shifted;
    state[3] = rotl(state[3], 45);
    return result;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
};

}  // namespace nl::analysis
