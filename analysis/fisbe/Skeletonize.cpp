#include "analysis/fisbe/Skeletonize.h"

#include <array>
#include <bit>
#include <stdexcept>
#include <string>

namespace nl::analysis::fisbe {
namespace {

// The 3×3×3 neighbourhood is numbered as in Lee et al.'s Fig. 1a extended by
// the centre (13), the numbering scikit-image and Skeletonize3D use: index =
// 9·(dz+1) + 3·(dx+1) + (dy+1). The tables below are written in it.
constexpr int kCentre = 13;

constexpr int neighbourIndex(int dz, int dy, int dx) {
  return 9 * (dz + 1) + 3 * (dx + 1) + (dy + 1);
}

// Lee et al. 1994, Table 2, column δG26: the change of the Euler
// characteristic contributed by one octant, for the 128 configurations of its
// seven non-centre voxels (the index has the centre as bit 0, so only odd
// indices occur).
constexpr std::array<int, 128> kEulerDelta = {
    1,  -1, -1, 1,  -3, -1, -1, 1,  -1, 1,  1,  -1, 3,  1,  1,  -1, -3, -1, 3,  1,  1,  -1,
    3,  1,  -1, 1,  1,  -1, 3,  1,  1,  -1, -3, 3,  -1, 1,  1,  3,  -1, 1,  -1, 1,  1,  -1,
    3,  1,  1,  -1, 1,  3,  3,  1,  5,  3,  3,  1,  -1, 1,  1,  -1, 3,  1,  1,  -1, -7, -1,
    -1, 1,  -3, -1, -1, 1,  -1, 1,  1,  -1, 3,  1,  1,  -1, -3, -1, 3,  1,  1,  -1, 3,  1,
    -1, 1,  1,  -1, 3,  1,  1,  -1, -3, 3,  -1, 1,  1,  3,  -1, 1,  -1, 1,  1,  -1, 3,  1,
    1,  -1, 1,  3,  3,  1,  5,  3,  3,  1,  -1, 1,  1,  -1, 3,  1,  1,  -1};

// For each of the eight octants (2×2×2 cubes holding the centre), its seven
// other voxels in the order that gives them bits 7, 6, …, 1 of the table
// index — the vertex order of Lee et al.'s octant configurations.
constexpr std::array<std::array<int, 7>, 8> kOctantVoxels = {{
    {2, 1, 11, 10, 5, 4, 14},
    {0, 9, 3, 12, 1, 10, 4},
    {8, 7, 17, 16, 5, 4, 14},
    {6, 15, 7, 16, 3, 12, 4},
    {20, 23, 19, 22, 11, 14, 10},
    {18, 21, 9, 12, 19, 22, 10},
    {26, 23, 17, 14, 25, 22, 16},
    {24, 25, 15, 16, 21, 22, 12},
}};

using Neighbourhood = std::array<std::uint8_t, 27>;

bool eulerInvariant(const Neighbourhood& n) {
  int change = 0;
  for (const auto& octant : kOctantVoxels) {
    unsigned index = 1;
    for (int j = 0; j < 7; ++j)
      if (n[static_cast<std::size_t>(octant[static_cast<std::size_t>(j)])] == 1)
        index |= 1u << (7 - j);
    change += kEulerDelta[index >> 1];
  }
  return change == 0;
}

// One foreground neighbour only (the centre itself is foreground).
bool isEndPoint(const Neighbourhood& n) {
  int sum = 0;
  for (std::uint8_t v : n) sum += v;
  return sum == 2;
}

// Bit k of kAdjacency[k'] is set when neighbours k and k' (numbered 0..25,
// the centre left out) touch each other (26-adjacency). Two neighbours touch
// exactly when some octant holds both, which is how Lee et al. label the
// neighbourhood (octree labelling); the result is the same components.
struct Adjacency {
  std::array<std::uint32_t, 26> masks{};
  std::array<int, 27> compact{};  // neighbourhood index -> 0..25, centre -> -1
};

Adjacency makeAdjacency() {
  Adjacency a;
  std::array<std::array<int, 3>, 26> position{};
  int k = 0;
  for (int dz = -1; dz <= 1; ++dz)
    for (int dx = -1; dx <= 1; ++dx)
      for (int dy = -1; dy <= 1; ++dy) {
        const int index = neighbourIndex(dz, dy, dx);
        if (index == kCentre) {
          a.compact[static_cast<std::size_t>(index)] = -1;
          continue;
        }
        a.compact[static_cast<std::size_t>(index)] = k;
        position[static_cast<std::size_t>(k)] = {dz, dy, dx};
        ++k;
      }
  for (std::size_t i = 0; i < 26; ++i)
    for (std::size_t j = 0; j < 26; ++j) {
      if (i == j) continue;
      bool touching = true;
      for (std::size_t axis = 0; axis < 3; ++axis) {
        const int d = position[i][axis] - position[j][axis];
        if (d < -1 || d > 1) touching = false;
      }
      if (touching) a.masks[i] |= 1u << j;
    }
  return a;
}

const Adjacency& adjacency() {
  static const Adjacency a = makeAdjacency();
  return a;
}

// Deleting the centre keeps the neighbourhood's foreground in one piece
// (Lee et al.'s conditions 2 and 3 as scikit-image checks them: at most one
// 26-connected component among the 26 neighbours).
bool isSimple(const Neighbourhood& n) {
  const Adjacency& a = adjacency();
  std::uint32_t foreground = 0;
  for (std::size_t i = 0; i < 27; ++i)
    if (n[i] == 1 && i != kCentre) foreground |= 1u << a.compact[i];
  if (foreground == 0) return true;
  std::uint32_t component = foreground & (~foreground + 1);  // lowest set bit
  std::uint32_t frontier = component;
  while (frontier != 0) {
    std::uint32_t reached = 0;
    while (frontier != 0) {
      const int bit = std::countr_zero(frontier);
      frontier &= frontier - 1;
      reached |= a.masks[static_cast<std::size_t>(bit)];
    }
    frontier = reached & foreground & ~component;
    component |= frontier;
  }
  return component == foreground;
}

struct Strides {
  std::int64_t plane, row;
};

void gather(const std::uint8_t* volume, std::int64_t at, const Strides& s, Neighbourhood& n) {
  std::size_t k = 0;
  for (int dz = -1; dz <= 1; ++dz)
    for (int dx = -1; dx <= 1; ++dx)
      for (int dy = -1; dy <= 1; ++dy) n[k++] = volume[at + dz * s.plane + dy * s.row + dx];
}

// Border directions as scikit-image numbers them: 1 = x−1 ("N"), 2 = x+1
// ("S"), 3 = y+1 ("E"), 4 = y−1 ("W"), 5 = z+1 ("U"), 6 = z−1 ("B").
std::int64_t borderOffset(int border, const Strides& s) {
  switch (border) {
    case 1:
      return -1;
    case 2:
      return 1;
    case 3:
      return s.row;
    case 4:
      return -s.row;
    case 5:
      return s.plane;
    default:
      return -s.plane;
  }
}

}  // namespace

void thinPaddedVolume(std::span<std::uint8_t> volume, std::int64_t depth, std::int64_t height,
                      std::int64_t width, const ThinningOptions& options) {
  if (depth < 3 || height < 3 || width < 3)
    throw std::invalid_argument("thinPaddedVolume: a padded volume is at least 3×3×3, got " +
                                std::to_string(depth) + "×" + std::to_string(height) + "×" +
                                std::to_string(width));
  if (static_cast<std::int64_t>(volume.size()) != depth * height * width)
    throw std::invalid_argument("thinPaddedVolume: buffer size does not match its shape");
  const Strides strides{height * width, width};
  std::uint8_t* data = volume.data();

  // Foreground voxels in raster order. Only they can become candidates, so
  // scanning them instead of the whole box visits candidates in the same
  // order as a full raster scan does.
  std::vector<std::int64_t> foreground;
  for (std::int64_t z = 0; z < depth; ++z)
    for (std::int64_t y = 0; y < height; ++y)
      for (std::int64_t x = 0; x < width; ++x) {
        const std::int64_t at = z * strides.plane + y * strides.row + x;
        if (data[at] == 0) continue;
        if (z == 0 || y == 0 || x == 0 || z == depth - 1 || y == height - 1 || x == width - 1)
          throw std::invalid_argument("thinPaddedVolume: foreground touches the padding border");
        data[at] = 1;
        foreground.push_back(at);
      }

  const bool newer = options.variant == ThinningVariant::Skimage026;
  const std::array<int, 6> borders =
      newer ? std::array<int, 6>{4, 2, 5, 3, 1, 6} : std::array<int, 6>{4, 3, 2, 1, 5, 6};
  const int borderCount = options.singlePlaneImage ? 4 : 6;

  std::vector<std::int64_t> candidates;
  Neighbourhood n{};
  int unchangedBorders = 0;
  while (unchangedBorders < borderCount) {
    unchangedBorders = 0;
    for (int j = 0; j < borderCount; ++j) {
      const std::int64_t outward = borderOffset(borders[static_cast<std::size_t>(j)], strides);
      candidates.clear();
      for (std::int64_t at : foreground) {
        if (data[at + outward] != 0) continue;
        gather(data, at, strides, n);
        if (isEndPoint(n) || !eulerInvariant(n) || !isSimple(n)) continue;
        candidates.push_back(at);
      }
      // Sequential re-check: earlier deletions in this pass may have made a
      // candidate essential for connectivity.
      bool changed = false;
      for (std::int64_t at : candidates) {
        gather(data, at, strides, n);
        const bool deletable =
            newer ? (isSimple(n) && eulerInvariant(n) && !isEndPoint(n)) : isSimple(n);
        if (deletable) {
          data[at] = 0;
          changed = true;
        }
      }
      if (changed) {
        std::erase_if(foreground, [data](std::int64_t at) { return data[at] == 0; });
      } else {
        ++unchangedBorders;
      }
    }
  }
}

std::vector<std::uint8_t> skeletonize(std::span<const std::uint8_t> volume, std::int64_t depth,
                                      std::int64_t height, std::int64_t width,
                                      ThinningVariant variant) {
  if (depth < 1 || height < 1 || width < 1) throw std::invalid_argument("skeletonize: empty shape");
  if (static_cast<std::int64_t>(volume.size()) != depth * height * width)
    throw std::invalid_argument("skeletonize: buffer size " + std::to_string(volume.size()) +
                                " does not match the shape");
  const std::int64_t pd = depth + 2, ph = height + 2, pw = width + 2;
  std::vector<std::uint8_t> padded(static_cast<std::size_t>(pd * ph * pw), 0);
  for (std::int64_t z = 0; z < depth; ++z)
    for (std::int64_t y = 0; y < height; ++y)
      for (std::int64_t x = 0; x < width; ++x)
        padded[static_cast<std::size_t>(((z + 1) * ph + (y + 1)) * pw + x + 1)] =
            volume[static_cast<std::size_t>((z * height + y) * width + x)] != 0 ? 1 : 0;
  thinPaddedVolume(padded, pd, ph, pw, {variant, depth == 1});
  std::vector<std::uint8_t> out(volume.size());
  for (std::int64_t z = 0; z < depth; ++z)
    for (std::int64_t y = 0; y < height; ++y)
      for (std::int64_t x = 0; x < width; ++x)
        out[static_cast<std::size_t>((z * height + y) * width + x)] =
            padded[static_cast<std::size_t>(((z + 1) * ph + (y + 1)) * pw + x + 1)];
  return out;
}

}  // namespace nl::analysis::fisbe
