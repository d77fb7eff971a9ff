#pragma once
// Small MCFO-like volumes with planted neurons (tubes along polylines, one
// colour each) on a noisy background, for the segmentation tests.
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "io/microscopy/VolumeDataset.h"

namespace nl::test {

struct Tube {
  std::vector<std::array<double, 3>> points;  // z, y, x polyline
  std::array<double, 3> colour;               // R, G, B amplitude above background
  double radius = 2.0;
  std::vector<std::array<double, 2>> gaps;  // fractions [from, to) of the length left dark
};

struct Planted {
  std::int64_t z, y, x;
  std::vector<std::uint16_t> raw;                // [c][z][y][x]
  std::vector<std::vector<std::uint8_t>> masks;  // per tube, [z][y][x]
  std::shared_ptr<io::microscopy::VolumeDataset> volume;
};

inline Planted plant(std::int64_t z, std::int64_t y, std::int64_t x, const std::vector<Tube>& tubes,
                     std::uint64_t seed = 7) {
  Planted p{z, y, x, std::vector<std::uint16_t>(3 * z * y * x), {}, {}};
  const std::int64_t n = z * y * x;
  std::vector<double> signal(3 * n, 0.0);
  for (const auto& tube : tubes) {
    std::vector<std::uint8_t> mask(n, 0);
    double total = 0;
    for (std::size_t s = 0; s + 1 < tube.points.size(); ++s) {
      const auto& a = tube.points[s];
      const auto& b = tube.points[s + 1];
      total +=
          std::sqrt(std::pow(b[0] - a[0], 2) + std::pow(b[1] - a[1], 2) + std::pow(b[2] - a[2], 2));
    }
    for (std::int64_t k = 0; k < z; ++k)
      for (std::int64_t j = 0; j < y; ++j)
        for (std::int64_t i = 0; i < x; ++i) {
          double best = 1e9, at = 0, run = 0;
          for (std::size_t s = 0; s + 1 < tube.points.size(); ++s) {
            const auto& a = tube.points[s];
            const auto& b = tube.points[s + 1];
            const double d[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]};
            const double len2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            const double t = std::clamp(
                ((k - a[0]) * d[0] + (j - a[1]) * d[1] + (i - a[2]) * d[2]) / len2, 0.0, 1.0);
            const double q[3] = {a[0] + t * d[0] - k, a[1] + t * d[1] - j, a[2] + t * d[2] - i};
            const double dist = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
            if (dist < best) {
              best = dist;
              at = (run + t * std::sqrt(len2)) / total;
            }
            run += std::sqrt(len2);
          }
          if (best > tube.radius) continue;
          bool dark = false;
          for (const auto& g : tube.gaps) dark |= at >= g[0] && at < g[1];
          if (dark) continue;
          const auto q = (k * y + j) * x + i;
          mask[q] = 1;
          for (int c = 0; c < 3; ++c) signal[c * n + q] += tube.colour[c];
        }
    p.masks.push_back(std::move(mask));
  }
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, 6.0);
  const double background[3] = {21, 17, 12};
  for (int c = 0; c < 3; ++c)
    for (std::int64_t q = 0; q < n; ++q)
      p.raw[c * n + q] = static_cast<std::uint16_t>(
          std::clamp(std::round(background[c] + signal[c * n + q] + noise(rng)), 0.0, 65535.0));
  const io::microscopy::VolumeShape shape{3, std::size_t(z), std::size_t(y), std::size_t(x)};
  p.volume = std::make_shared<io::microscopy::VolumeDataset>(
      "planted",
      std::make_shared<io::microscopy::InMemoryVolumeSource<std::uint16_t>>(shape, p.raw),
      io::microscopy::VoxelSize{});
  return p;
}

// The label covering most of `mask` and the fraction of the mask it covers.
inline std::pair<std::uint32_t, double> dominantLabel(const std::vector<std::uint32_t>& labels,
                                                      const std::vector<std::uint8_t>& mask) {
  std::vector<std::int64_t> counts;
  std::int64_t total = 0;
  for (std::size_t q = 0; q < mask.size(); ++q) {
    if (!mask[q]) continue;
    ++total;
    if (labels[q] >= counts.size()) counts.resize(labels[q] + 1, 0);
    ++counts[labels[q]];
  }
  std::uint32_t best = 0;
  for (std::uint32_t l = 1; l < counts.size(); ++l)
    if (counts[l] > (best ? counts[best] : 0)) best = l;
  return {best, total ? double(best ? counts[best] : 0) / total : 0.0};
}

}  // namespace nl::test
