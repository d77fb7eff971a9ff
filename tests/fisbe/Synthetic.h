#pragma once
// Deterministic test volumes, generated the same way by the Python script
// that produced the scikit-image reference skeletons (splitmix64, integer
// geometry only, so both languages make identical voxels).
#include <cstdint>
#include <vector>

namespace nl::test::fisbe {

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::int64_t below(std::int64_t n) {
    return static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(n));
  }

 private:
  std::uint64_t state_;
};

// Balls (radius 2–5) and tubes (radius 1–2 around a segment), in this order.
inline std::vector<std::uint8_t> blobs(std::uint64_t seed, std::int64_t d, std::int64_t h,
                                       std::int64_t w, int balls, int tubes) {
  SplitMix64 r(seed);
  std::vector<std::uint8_t> v(static_cast<std::size_t>(d * h * w), 0);
  auto at = [&](std::int64_t z, std::int64_t y, std::int64_t x) -> std::uint8_t& {
    return v[static_cast<std::size_t>((z * h + y) * w + x)];
  };
  for (int i = 0; i < balls; ++i) {
    const std::int64_t cz = r.below(d), cy = r.below(h), cx = r.below(w), rad = r.below(4) + 2;
    for (std::int64_t z = 0; z < d; ++z)
      for (std::int64_t y = 0; y < h; ++y)
        for (std::int64_t x = 0; x < w; ++x)
          if ((z - cz) * (z - cz) + (y - cy) * (y - cy) + (x - cx) * (x - cx) <= rad * rad)
            at(z, y, x) = 1;
  }
  for (int i = 0; i < tubes; ++i) {
    const std::int64_t a[3] = {r.below(d), r.below(h), r.below(w)};
    const std::int64_t b[3] = {r.below(d), r.below(h), r.below(w)};
    const std::int64_t rad = r.below(2) + 1;
    const std::int64_t dd[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]};
    const std::int64_t length = dd[0] * dd[0] + dd[1] * dd[1] + dd[2] * dd[2];
    for (std::int64_t z = 0; z < d; ++z)
      for (std::int64_t y = 0; y < h; ++y)
        for (std::int64_t x = 0; x < w; ++x) {
          const std::int64_t p[3] = {z - a[0], y - a[1], x - a[2]};
          const std::int64_t ww = p[0] * p[0] + p[1] * p[1] + p[2] * p[2];
          const std::int64_t s = p[0] * dd[0] + p[1] * dd[1] + p[2] * dd[2];
          const std::int64_t pb =
              (z - b[0]) * (z - b[0]) + (y - b[1]) * (y - b[1]) + (x - b[2]) * (x - b[2]);
          bool inside;
          if (length == 0)
            inside = ww <= rad * rad;
          else if (s <= 0)
            inside = ww <= rad * rad;
          else if (s >= length)
            inside = pb <= rad * rad;
          else
            inside = ww * length - s * s <= rad * rad * length;
          if (inside) at(z, y, x) = 1;
        }
  }
  return v;
}

inline std::vector<std::uint8_t> noise(std::uint64_t seed, std::int64_t d, std::int64_t h,
                                       std::int64_t w) {
  SplitMix64 r(seed);
  std::vector<std::uint8_t> v(static_cast<std::size_t>(d * h * w));
  for (auto& value : v) value = static_cast<std::uint8_t>(r.below(2));
  return v;
}

// FNV-1a 64 over the little-endian bytes of each index.
inline std::uint64_t fnv1a(const std::vector<std::uint64_t>& indices) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (std::uint64_t v : indices)
    for (int k = 0; k < 8; ++k) {
      h ^= (v >> (8 * k)) & 0xff;
      h *= 0x100000001b3ULL;
    }
  return h;
}

}  // namespace nl::test::fisbe
