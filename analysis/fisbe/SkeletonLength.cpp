#include "analysis/fisbe/SkeletonLength.h"

#include <array>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <unordered_set>

namespace nl::analysis::fisbe {

namespace {

// Coordinates are below 2^21 (the evaluation volumes are int32-indexed but
// far smaller); a key packs them into 63 bits.
std::uint64_t keyOf(std::int64_t z, std::int64_t y, std::int64_t x) {
  return (static_cast<std::uint64_t>(z) << 42) | (static_cast<std::uint64_t>(y) << 21) |
         static_cast<std::uint64_t>(x);
}

struct Offset {
  int dz, dy, dx;
};

}  // namespace

double skeletonLength(std::span<const Voxel> voxels, const VoxelSpacing& spacing) {
  if (!(spacing.x > 0) || !(spacing.y > 0) || !(spacing.z > 0))
    throw std::invalid_argument("skeletonLength: voxel sizes must be positive");
  constexpr std::int32_t kLimit = (1 << 21) - 2;
  std::unordered_set<std::uint64_t> present;
  present.reserve(voxels.size() * 2);
  for (const Voxel& v : voxels) {
    if (v.z < 0 || v.y < 0 || v.x < 0 || v.z > kLimit || v.y > kLimit || v.x > kLimit)
      throw std::invalid_argument("skeletonLength: voxel coordinates outside 0…2^21");
    present.insert(keyOf(v.z + 1, v.y + 1, v.x + 1));  // + 1: neighbours at -1 stay valid keys
  }
  const auto has = [&](std::int64_t z, std::int64_t y, std::int64_t x) {
    return present.count(keyOf(z + 1, y + 1, x + 1)) != 0;
  };
  const auto length = [&](int dz, int dy, int dx) {
    return std::sqrt(dz * dz * spacing.z * spacing.z + dy * dy * spacing.y * spacing.y +
                     dx * dx * spacing.x * spacing.x);
  };
  // The 26 neighbour offsets; the first 13 (lexicographically after zero)
  // visit every pair once.
  std::array<Offset, 26> all{};
  std::array<Offset, 13> forward{};
  std::size_t a = 0, f = 0;
  for (int dz = -1; dz <= 1; ++dz)
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        if (dz == 0 && dy == 0 && dx == 0) continue;
        all[a++] = {dz, dy, dx};
        if (dz > 0 || (dz == 0 && (dy > 0 || (dy == 0 && dx > 0)))) forward[f++] = {dz, dy, dx};
      }

  double total = 0;
  for (const Voxel& u : voxels)
    for (const Offset& d : forward) {
      if (!has(u.z + d.dz, u.y + d.dy, u.x + d.dx)) continue;
      const double edge = length(d.dz, d.dy, d.dx);
      bool dropped = false;
      // w = u + e, a neighbour of both u and v = u + d.
      for (const Offset& e : all) {
        const int rz = d.dz - e.dz, ry = d.dy - e.dy, rx = d.dx - e.dx;
        if ((rz == 0 && ry == 0 && rx == 0) || std::abs(rz) > 1 || std::abs(ry) > 1 ||
            std::abs(rx) > 1)
          continue;
        if (length(e.dz, e.dy, e.dx) < edge && length(rz, ry, rx) < edge &&
            has(u.z + e.dz, u.y + e.dy, u.x + e.dx)) {
          dropped = true;
          break;
        }
      }
      if (!dropped) total += edge;
    }
  return total;
}

}  // namespace nl::analysis::fisbe
