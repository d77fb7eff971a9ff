#include "analysis/fisbe/SkeletonLength.h"

#include <array>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <algorithm>
#include <unordered_map>
#include <vector>

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
  for (const Voxel& v : voxels) {
    if (v.z < 0 || v.y < 0 || v.x < 0 || v.z > kLimit || v.y > kLimit || v.x > kLimit)
      throw std::invalid_argument("skeletonLength: voxel coordinates outside 0…2^21");
  }
  const auto length = [&](int dz, int dy, int dx) {
    return std::sqrt(dz * dz * spacing.z * spacing.z + dy * dy * spacing.y * spacing.y +
                     dx * dx * spacing.x * spacing.x);
  };
  // The 13 neighbour offsets after zero (lexicographically) visit every
  // pair of 26-neighbours once.
  std::array<Offset, 13> forward{};
  std::size_t f = 0;
  for (int dz = -1; dz <= 1; ++dz)
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        if (dz == 0 && dy == 0 && dx == 0) continue;
        if (dz > 0 || (dz == 0 && (dy > 0 || (dy == 0 && dx > 0)))) forward[f++] = {dz, dy, dx};
      }

  // Minimum spanning forest (Kruskal): every 26-neighbour step, shortest
  // first, joins two pieces not yet connected. On a thin curve or tree this
  // keeps exactly the steps along it; where thinning left a patch two voxels
  // thick it counts one step per voxel instead of every step of the patch.
  std::unordered_map<std::uint64_t, std::uint32_t> index;
  index.reserve(voxels.size() * 2);  // keys + 1: neighbours at -1 stay valid keys
  for (const Voxel& v : voxels)
    index.emplace(keyOf(v.z + 1, v.y + 1, v.x + 1), static_cast<std::uint32_t>(index.size()));
  std::vector<std::uint32_t> parent(index.size());
  for (std::uint32_t n = 0; n < parent.size(); ++n) parent[n] = n;
  const auto root = [&](std::uint32_t n) {
    while (parent[n] != n) n = parent[n] = parent[parent[n]];
    return n;
  };
  std::array<std::size_t, 13> order{};
  for (std::size_t n = 0; n < order.size(); ++n) order[n] = n;
  std::sort(order.begin(), order.end(), [&](std::size_t l, std::size_t r) {
    return length(forward[l].dz, forward[l].dy, forward[l].dx) <
           length(forward[r].dz, forward[r].dy, forward[r].dx);
  });
  double total = 0;
  for (const std::size_t direction : order) {
    const Offset& d = forward[direction];
    const double edge = length(d.dz, d.dy, d.dx);
    for (const Voxel& u : voxels) {
      const auto other = index.find(keyOf(u.z + d.dz + 1, u.y + d.dy + 1, u.x + d.dx + 1));
      if (other == index.end()) continue;
      const auto a = root(index.at(keyOf(u.z + 1, u.y + 1, u.x + 1))), b = root(other->second);
      if (a == b) continue;
      parent[a] = b;
      total += edge;
    }
  }
  return total;
}

}  // namespace nl::analysis::fisbe
