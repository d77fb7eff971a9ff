#include "analysis/segmentation/Segment.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <mutex>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "analysis/Progress.h"
#include "analysis/segmentation/Gmm.h"
#include "io/microscopy/VolumeDataset.h"

namespace nl::analysis::segmentation {

namespace {

using io::microscopy::Box;
using io::microscopy::VolumeDataset;

class UnionFind {
 public:
  explicit UnionFind(std::size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  std::uint32_t find(std::uint32_t a) {
    while (parent_[a] != a) {
      parent_[a] = parent_[parent_[a]];
      a = parent_[a];
    }
    return a;
  }
  // The smaller root stays the root, so results do not depend on argument order.
  std::uint32_t unite(std::uint32_t a, std::uint32_t b) {
    a = find(a);
    b = find(b);
    if (a == b) return a;
    if (b < a) std::swap(a, b);
    parent_[b] = a;
    return a;
  }

 private:
  std::vector<std::uint32_t> parent_;
};

struct Supervoxel {
  double count = 0;
  std::array<double, 3> colour{};    // Σ colour (ours: noise units; baseline: scaled RGB)
  std::array<double, 3> position{};  // Σ (z, y, x)
  std::array<double, 6> tensor{};    // Σ V · a aᵀ (zz, zy, zx, yy, yx, xx)
  float brightest = 0;
  std::int64_t first = -1;  // volume index of its first voxel in raster order
  std::array<std::int64_t, 6> bounds{std::numeric_limits<std::int64_t>::max(), 0,
                                     std::numeric_limits<std::int64_t>::max(), 0,
                                     std::numeric_limits<std::int64_t>::max(), 0};
  void add(std::int64_t z, std::int64_t y, std::int64_t x) {
    count += 1;
    position[0] += z;
    position[1] += y;
    position[2] += x;
    bounds[0] = std::min(bounds[0], z);
    bounds[1] = std::max(bounds[1], z);
    bounds[2] = std::min(bounds[2], y);
    bounds[3] = std::max(bounds[3], y);
    bounds[4] = std::min(bounds[4], x);
    bounds[5] = std::max(bounds[5], x);
  }
  std::array<double, 3> centroid() const {
    return {position[0] / count, position[1] / count, position[2] / count};
  }
};

struct BlockBox {
  std::int64_t z0, z1, y0, y1, x0, x1;        // core
  std::int64_t hz0, hz1, hy0, hy1, hx0, hx1;  // with halo, clamped to the volume
};

struct BlockResult {
  std::vector<Supervoxel> supervoxels;  // local id − 1
  std::int64_t foreground = 0;
};

std::int64_t roundUp(std::int64_t value, std::int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Per-channel background level on a coarse grid (median of a 1:2 sample in
// 16³ cells, trilinear between cell centres) and noise (MAD of the sample
// around it): read once before the blocks, so every block sees the same model.
struct BackgroundModel {
  // Interpolation along one axis: lower cell and weight of the upper one.
  static void weights(std::int64_t v, std::int64_t n, std::int64_t& i0, float& t) {
    const float p = (v + 0.5f) / kCell - 0.5f;
    const auto f = static_cast<std::int64_t>(std::floor(p));
    t = p - f;
    i0 = std::clamp<std::int64_t>(f, 0, n - 1);
    if (f < 0 || f >= n - 1) t = 0;
  }
  static constexpr std::int64_t kCell = 16, kStep = 2;
  Extent cells;
  std::array<std::vector<float>, 3> level;
  std::array<float, 3> noise{1, 1, 1};          // raw voxels
  std::array<float, 3> smoothedNoise{1, 1, 1};  // after the denoising blur, measured

  float at(int c, std::int64_t z, std::int64_t y, std::int64_t x) const {
    const auto axis = &BackgroundModel::weights;
    std::int64_t k, j, i;
    float tz, ty, tx;
    axis(z, cells.z, k, tz);
    axis(y, cells.y, j, ty);
    axis(x, cells.x, i, tx);
    const auto& g = level[c];
    auto v = [&](std::int64_t a, std::int64_t b, std::int64_t d) {
      return g[cells.index(std::min(a, cells.z - 1), std::min(b, cells.y - 1),
                           std::min(d, cells.x - 1))];
    };
    const float c00 = v(k, j, i) * (1 - tx) + v(k, j, i + 1) * tx;
    const float c01 = v(k, j + 1, i) * (1 - tx) + v(k, j + 1, i + 1) * tx;
    const float c10 = v(k + 1, j, i) * (1 - tx) + v(k + 1, j, i + 1) * tx;
    const float c11 = v(k + 1, j + 1, i) * (1 - tx) + v(k + 1, j + 1, i + 1) * tx;
    return (c00 * (1 - ty) + c01 * ty) * (1 - tz) + (c10 * (1 - ty) + c11 * ty) * tz;
  }

  // at() for every voxel of a box, row by row with the x weights computed once
  // (the same arithmetic, so the same values).
  void fill(int c, std::int64_t z0, std::int64_t y0, std::int64_t x0, Extent box,
            float* out) const {
    std::vector<std::int64_t> ix(box.x);
    std::vector<float> tx(box.x);
    for (std::int64_t i = 0; i < box.x; ++i) weights(x0 + i, cells.x, ix[i], tx[i]);
    const auto& g = level[c];
    for (std::int64_t k = 0; k < box.z; ++k) {
      std::int64_t iz;
      float tz;
      weights(z0 + k, cells.z, iz, tz);
      for (std::int64_t j = 0; j < box.y; ++j) {
        std::int64_t iy;
        float ty;
        weights(y0 + j, cells.y, iy, ty);
        const std::int64_t z1 = std::min(iz + 1, cells.z - 1), y1 = std::min(iy + 1, cells.y - 1);
        const float* r00 = &g[cells.index(iz, iy, 0)];
        const float* r01 = &g[cells.index(iz, y1, 0)];
        const float* r10 = &g[cells.index(z1, iy, 0)];
        const float* r11 = &g[cells.index(z1, y1, 0)];
        float* row = out + box.index(k, j, 0);
        for (std::int64_t i = 0; i < box.x; ++i) {
          const std::int64_t a = ix[i], b = std::min(ix[i] + 1, cells.x - 1);
          const float t = tx[i];
          const float c00 = r00[a] * (1 - t) + r00[b] * t;
          const float c01 = r01[a] * (1 - t) + r01[b] * t;
          const float c10 = r10[a] * (1 - t) + r10[b] * t;
          const float c11 = r11[a] * (1 - t) + r11[b] * t;
          row[i] = (c00 * (1 - ty) + c01 * ty) * (1 - tz) + (c10 * (1 - ty) + c11 * ty) * tz;
        }
      }
    }
  }
};

BackgroundModel backgroundModel(const VolumeDataset& volume, double clip) {
  const auto shape = volume.volumeShape();
  const auto samples = volume.readFloat(Box::whole(shape), BackgroundModel::kStep);
  const auto sampled = Box::whole(shape).outputShape(BackgroundModel::kStep);
  BackgroundModel model;
  model.cells = {roundUp(shape.z, BackgroundModel::kCell) / BackgroundModel::kCell,
                 roundUp(shape.y, BackgroundModel::kCell) / BackgroundModel::kCell,
                 roundUp(shape.x, BackgroundModel::kCell) / BackgroundModel::kCell};
  const std::int64_t perCell = BackgroundModel::kCell / BackgroundModel::kStep;
  for (int c = 0; c < 3; ++c) {
    std::vector<std::vector<float>> byCell(model.cells.voxels());
    const float* values = samples.data() + c * sampled.voxelsPerChannel();
    for (std::size_t k = 0; k < sampled.z; ++k)
      for (std::size_t j = 0; j < sampled.y; ++j)
        for (std::size_t i = 0; i < sampled.x; ++i)
          byCell[model.cells.index(k / perCell, j / perCell, i / perCell)].push_back(
              std::min<float>(values[(k * sampled.y + j) * sampled.x + i], clip));
    model.level[c].resize(byCell.size());
    std::vector<float> deviations;
    for (std::size_t n = 0; n < byCell.size(); ++n) {
      auto& cell = byCell[n];
      if (cell.empty()) continue;
      std::nth_element(cell.begin(), cell.begin() + cell.size() / 2, cell.end());
      model.level[c][n] = cell[cell.size() / 2];
      for (float v : cell) deviations.push_back(std::abs(v - model.level[c][n]));
    }
    if (!deviations.empty()) {
      std::nth_element(deviations.begin(), deviations.begin() + deviations.size() / 2,
                       deviations.end());
      // Integer data cannot resolve less than about one unit of noise.
      model.noise[c] = std::max(1.0f, 1.4826f * deviations[deviations.size() / 2]);
    }
  }
  return model;
}

// The noise of the denoised image, measured rather than derived from the raw
// noise (real noise is not white: smoothing reduces it far less than theory):
// MAD of blurred, background-subtracted boxes on a lattice over the volume.
void measureSmoothedNoise(const VolumeDataset& volume, BackgroundModel& model, double clip,
                          double sigma) {
  const auto shape = volume.volumeShape();
  const std::int64_t radius = gaussianRadius(sigma), inner = 16;
  const std::int64_t side = inner + 2 * radius;
  std::array<std::vector<float>, 3> deviations;
  const std::int64_t dims[3] = {std::int64_t(shape.z), std::int64_t(shape.y),
                                std::int64_t(shape.x)};
  std::array<std::vector<std::int64_t>, 3> starts;
  for (int a = 0; a < 3; ++a) {
    const std::int64_t extent = std::min(side, dims[a]);
    const std::int64_t span = dims[a] - extent;
    for (int t = 0; t < 4; ++t) starts[a].push_back(span * t / 3);
    std::sort(starts[a].begin(), starts[a].end());
    starts[a].erase(std::unique(starts[a].begin(), starts[a].end()), starts[a].end());
  }
  for (auto z0 : starts[0])
    for (auto y0 : starts[1])
      for (auto x0 : starts[2]) {
        const Extent e{std::min(side, dims[0]), std::min(side, dims[1]), std::min(side, dims[2])};
        const Box box{0,
                      3,
                      std::size_t(z0),
                      std::size_t(z0 + e.z),
                      std::size_t(y0),
                      std::size_t(y0 + e.y),
                      std::size_t(x0),
                      std::size_t(x0 + e.x)};
        const auto raw = volume.readFloat(box);
        for (int c = 0; c < 3; ++c) {
          std::vector<float> values(e.voxels());
          for (std::int64_t k = 0; k < e.z; ++k)
            for (std::int64_t j = 0; j < e.y; ++j)
              for (std::int64_t i = 0; i < e.x; ++i) {
                const auto q = e.index(k, j, i);
                values[q] = std::min<float>(raw[c * e.voxels() + q], clip) -
                            model.at(c, z0 + k, y0 + j, x0 + i);
              }
          gaussianBlur(values, e, {sigma, sigma, sigma});
          const auto lo = [&](std::int64_t n) {
            return n > side - radius ? 0 : std::min(radius, n);
          };
          for (std::int64_t k = lo(e.z); k < e.z - lo(e.z); ++k)
            for (std::int64_t j = lo(e.y); j < e.y - lo(e.y); ++j)
              for (std::int64_t i = lo(e.x); i < e.x - lo(e.x); ++i)
                deviations[c].push_back(values[e.index(k, j, i)]);
        }
      }
  for (int c = 0; c < 3; ++c) {
    auto& d = deviations[c];
    if (d.empty()) continue;
    // Neurons and specks in the boxes sit on the bright side: the median of
    // |v − median| of the whole sample is a robust noise level.
    std::nth_element(d.begin(), d.begin() + d.size() / 2, d.end());
    const float centre = d[d.size() / 2];
    for (auto& v : d) v = std::abs(v - centre);
    std::nth_element(d.begin(), d.begin() + d.size() / 2, d.end());
    model.smoothedNoise[c] = std::max(0.05f, 1.4826f * d[d.size() / 2]);
  }
}

const std::array<std::array<int, 3>, 13> kForward26 = {{{0, 0, 1},
                                                        {0, 1, -1},
                                                        {0, 1, 0},
                                                        {0, 1, 1},
                                                        {1, -1, -1},
                                                        {1, -1, 0},
                                                        {1, -1, 1},
                                                        {1, 0, -1},
                                                        {1, 0, 0},
                                                        {1, 0, 1},
                                                        {1, 1, -1},
                                                        {1, 1, 0},
                                                        {1, 1, 1}}};

double angleBetween(const std::array<double, 3>& a, const std::array<double, 3>& b) {
  const double na = std::sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
  const double nb = std::sqrt(b[0] * b[0] + b[1] * b[1] + b[2] * b[2]);
  if (na <= 0 || nb <= 0) return std::numbers::pi / 2;
  const double cosine = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (na * nb);
  return std::acos(std::clamp(cosine, -1.0, 1.0));
}

// ---------------------------------------------------------------- blocks ---

struct Context {
  const VolumeDataset& volume;
  const SegmentOptions& options;
  Extent extent;
  BackgroundModel background;
  std::int64_t halo = 0;
};

// The three channels of the halo box of `b` in noise units: clipped,
// background subtracted, denoised (Gaussian), divided by the noise.
std::array<std::vector<float>, 3> noiseUnits(const Context& ctx, const BlockBox& b) {
  const auto& o = ctx.options;
  const Extent h{b.hz1 - b.hz0, b.hy1 - b.hy0, b.hx1 - b.hx0};
  const Box box{0,
                3,
                static_cast<std::size_t>(b.hz0),
                static_cast<std::size_t>(b.hz1),
                static_cast<std::size_t>(b.hy0),
                static_cast<std::size_t>(b.hy1),
                static_cast<std::size_t>(b.hx0),
                static_cast<std::size_t>(b.hx1)};
  const auto raw = ctx.volume.readFloat(box);
  const std::int64_t n = h.voxels();
  std::array<std::vector<float>, 3> channel;
  for (int c = 0; c < 3; ++c) {
    channel[c].resize(n);
    ctx.background.fill(c, b.hz0, b.hy0, b.hx0, h, channel[c].data());
    const float inverseNoise = 1.0f / ctx.background.smoothedNoise[c];
    const float clip = static_cast<float>(o.clip);
    for (std::int64_t q = 0; q < n; ++q)
      channel[c][q] = (std::min(raw[c * n + q], clip) - channel[c][q]) * inverseNoise;
    gaussianBlur(channel[c], h, {o.denoiseSigma, o.denoiseSigma, o.denoiseSigma});
  }
  return channel;
}

BlockBox withHalo(BlockBox b, std::int64_t halo, const Extent& e) {
  b.hz0 = std::max<std::int64_t>(0, b.z0 - halo);
  b.hz1 = std::min(e.z, b.z1 + halo);
  b.hy0 = std::max<std::int64_t>(0, b.y0 - halo);
  b.hy1 = std::min(e.y, b.y1 + halo);
  b.hx0 = std::max<std::int64_t>(0, b.x0 - halo);
  b.hx1 = std::min(e.x, b.x1 + halo);
  return b;
}

// Ours: colour-coherent supervoxels inside grid cells of the block core.
BlockResult tubularBlock(const Context& ctx, const BlockBox& b, std::uint32_t* supervoxels) {
  const auto& o = ctx.options;
  const Extent h{b.hz1 - b.hz0, b.hy1 - b.hy0, b.hx1 - b.hx0};
  const std::int64_t n = h.voxels();
  const auto channel = noiseUnits(ctx, b);
  std::vector<float> brightest(n), grey(n);
  for (std::int64_t q = 0; q < n; ++q) {
    brightest[q] = std::max({channel[0][q], channel[1][q], channel[2][q]});
    grey[q] = std::max(0.0f, channel[0][q]) + std::max(0.0f, channel[1][q]) +
              std::max(0.0f, channel[2][q]);
  }
  // Multi-scale vesselness where a voxel is at least dim-bright (core only).
  const Extent core{b.z1 - b.z0, b.y1 - b.y0, b.x1 - b.x0};
  std::vector<float> vessel(core.voxels(), 0.0f);
  std::vector<std::array<float, 3>> axis(core.voxels(), {0, 0, 0});
  for (double sigma : o.scales) {
    std::vector<float> smooth = grey;
    if (sigma > o.denoiseSigma) {
      const double extra = std::sqrt(sigma * sigma - o.denoiseSigma * o.denoiseSigma);
      gaussianBlur(smooth, h, {extra, extra, extra});
    }
    for (std::int64_t k = 0; k < core.z; ++k)
      for (std::int64_t j = 0; j < core.y; ++j)
        for (std::int64_t i = 0; i < core.x; ++i) {
          const std::int64_t hk = k + b.z0 - b.hz0, hj = j + b.y0 - b.hy0, hi = i + b.x0 - b.hx0;
          if (brightest[h.index(hk, hj, hi)] < o.dimSnr) continue;
          const auto eigen = hessianEigen(smooth, h, hk, hj, hi, static_cast<float>(sigma * sigma));
          const float v = frangiVesselness(eigen, 0.5f, 0.5f, 2.0f);
          const auto c = core.index(k, j, i);
          if (v > vessel[c]) {
            vessel[c] = v;
            axis[c] = eigen.axis;
          }
        }
  }
  // Foreground and supervoxels (union-find within cells).
  std::vector<std::uint8_t> foreground(core.voxels(), 0);
  BlockResult result;
  for (std::int64_t k = 0; k < core.z; ++k)
    for (std::int64_t j = 0; j < core.y; ++j)
      for (std::int64_t i = 0; i < core.x; ++i) {
        const float m = brightest[h.index(k + b.z0 - b.hz0, j + b.y0 - b.hy0, i + b.x0 - b.hx0)];
        const auto c = core.index(k, j, i);
        foreground[c] = m >= o.foregroundSnr || (m >= o.dimSnr && vessel[c] >= o.vesselness);
        result.foreground += foreground[c];
      }
  auto colourAt = [&](std::int64_t k, std::int64_t j, std::int64_t i) {
    const auto q = h.index(k + b.z0 - b.hz0, j + b.y0 - b.hy0, i + b.x0 - b.hx0);
    return std::array<double, 3>{std::max(0.0f, channel[0][q]), std::max(0.0f, channel[1][q]),
                                 std::max(0.0f, channel[2][q])};
  };
  const double cosLimit = std::cos(o.voxelAngle);
  UnionFind sets(core.voxels());
  for (std::int64_t k = 0; k < core.z; ++k)
    for (std::int64_t j = 0; j < core.y; ++j)
      for (std::int64_t i = 0; i < core.x; ++i) {
        const auto p = core.index(k, j, i);
        if (!foreground[p]) continue;
        const auto a = colourAt(k, j, i);
        const double na = std::sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
        for (const auto& d : kForward26) {
          const std::int64_t kk = k + d[0], jj = j + d[1], ii = i + d[2];
          if (kk >= core.z || jj < 0 || jj >= core.y || ii < 0 || ii >= core.x) continue;
          if ((kk + b.z0) / o.cell != (k + b.z0) / o.cell ||
              (jj + b.y0) / o.cell != (j + b.y0) / o.cell ||
              (ii + b.x0) / o.cell != (i + b.x0) / o.cell)
            continue;
          const auto q = core.index(kk, jj, ii);
          if (!foreground[q]) continue;
          const auto c = colourAt(kk, jj, ii);
          const double nc = std::sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
          if (na <= 0 || nc <= 0) continue;
          if ((a[0] * c[0] + a[1] * c[1] + a[2] * c[2]) >= cosLimit * na * nc) sets.unite(p, q);
        }
      }
  std::unordered_map<std::uint32_t, std::uint32_t> localOf;
  for (std::int64_t k = 0; k < core.z; ++k)
    for (std::int64_t j = 0; j < core.y; ++j)
      for (std::int64_t i = 0; i < core.x; ++i) {
        const auto p = core.index(k, j, i);
        const auto global = ctx.extent.index(k + b.z0, j + b.y0, i + b.x0);
        if (!foreground[p]) {
          supervoxels[global] = 0;
          continue;
        }
        const auto root = sets.find(p);
        auto [it, fresh] =
            localOf.try_emplace(root, static_cast<std::uint32_t>(result.supervoxels.size() + 1));
        if (fresh) {
          result.supervoxels.emplace_back();
          result.supervoxels.back().first = global;
        }
        supervoxels[global] = it->second;
        auto& sv = result.supervoxels[it->second - 1];
        sv.add(k + b.z0, j + b.y0, i + b.x0);
        const auto colour = colourAt(k, j, i);
        for (int c = 0; c < 3; ++c) sv.colour[c] += colour[c];
        sv.brightest = std::max(
            sv.brightest, brightest[h.index(k + b.z0 - b.hz0, j + b.y0 - b.hy0, i + b.x0 - b.hx0)]);
        const auto& a = axis[p];
        const double v = vessel[p];
        sv.tensor[0] += v * a[0] * a[0];
        sv.tensor[1] += v * a[0] * a[1];
        sv.tensor[2] += v * a[0] * a[2];
        sv.tensor[3] += v * a[1] * a[1];
        sv.tensor[4] += v * a[1] * a[2];
        sv.tensor[5] += v * a[2] * a[2];
      }
  return result;
}

// Baseline: distance-transform watershed supervoxels of grey > 0.2.
BlockResult baselineBlock(const Context& ctx, const BlockBox& b, std::uint32_t* supervoxels) {
  const auto& o = ctx.options;
  const Extent h{b.hz1 - b.hz0, b.hy1 - b.hy0, b.hx1 - b.hx0};
  const Box box{0,
                3,
                static_cast<std::size_t>(b.hz0),
                static_cast<std::size_t>(b.hz1),
                static_cast<std::size_t>(b.hy0),
                static_cast<std::size_t>(b.hy1),
                static_cast<std::size_t>(b.hx0),
                static_cast<std::size_t>(b.hx1)};
  const auto raw = ctx.volume.readFloat(box);
  const std::int64_t n = h.voxels();
  std::array<std::vector<float>, 3> channel;
  for (int c = 0; c < 3; ++c) {
    channel[c].assign(raw.begin() + c * n, raw.begin() + (c + 1) * n);
    for (auto& v : channel[c])
      v = std::clamp(v, 0.0f, static_cast<float>(o.clip)) / static_cast<float>(o.clip);
    gaussianBlur(channel[c], h, {o.denoiseSigma, o.denoiseSigma, o.denoiseSigma});
  }
  std::vector<std::uint8_t> mask(n);
  for (std::int64_t q = 0; q < n; ++q)
    mask[q] = 0.2125f * channel[0][q] + 0.7154f * channel[1][q] + 0.0721f * channel[2][q] >
              o.foregroundGrey;
  const auto distance = distanceTransform(mask, h);
  const auto peaks = maximumFilter(distance, h, o.seedMinDistance);
  // Markers: 26-connected plateaus of local maxima.
  std::vector<std::uint32_t> markers(n, 0);
  UnionFind plateaus(n);
  std::vector<std::uint8_t> isPeak(n);
  for (std::int64_t q = 0; q < n; ++q) isPeak[q] = mask[q] && distance[q] >= peaks[q];
  for (std::int64_t k = 0; k < h.z; ++k)
    for (std::int64_t j = 0; j < h.y; ++j)
      for (std::int64_t i = 0; i < h.x; ++i) {
        const auto p = h.index(k, j, i);
        if (!isPeak[p]) continue;
        for (const auto& d : kForward26) {
          const std::int64_t kk = k + d[0], jj = j + d[1], ii = i + d[2];
          if (kk >= h.z || jj < 0 || jj >= h.y || ii < 0 || ii >= h.x) continue;
          const auto q = h.index(kk, jj, ii);
          if (isPeak[q]) plateaus.unite(p, q);
        }
      }
  for (std::int64_t q = 0; q < n; ++q)
    if (isPeak[q]) markers[q] = plateaus.find(q) + 1;
  std::vector<float> elevation(n);
  for (std::int64_t q = 0; q < n; ++q) elevation[q] = -distance[q];
  const auto basins = watershed(elevation, std::move(markers), mask, h);
  BlockResult result;
  std::unordered_map<std::uint32_t, std::uint32_t> localOf;
  for (std::int64_t k = b.z0; k < b.z1; ++k)
    for (std::int64_t j = b.y0; j < b.y1; ++j)
      for (std::int64_t i = b.x0; i < b.x1; ++i) {
        const auto q = h.index(k - b.hz0, j - b.hy0, i - b.hx0);
        const auto global = ctx.extent.index(k, j, i);
        if (!mask[q] || basins[q] == 0) {
          supervoxels[global] = 0;
          continue;
        }
        ++result.foreground;
        auto [it, fresh] = localOf.try_emplace(
            basins[q], static_cast<std::uint32_t>(result.supervoxels.size() + 1));
        if (fresh) {
          result.supervoxels.emplace_back();
          result.supervoxels.back().first = global;
        }
        supervoxels[global] = it->second;
        auto& sv = result.supervoxels[it->second - 1];
        sv.add(k, j, i);
        for (int c = 0; c < 3; ++c) sv.colour[c] += channel[c][q];
      }
  return result;
}

// ------------------------------------------------------------ the graph ---

struct Edge {
  std::uint32_t a, b;  // a < b, supervoxel ids (1-based)
  std::uint32_t contacts;
};

// Pairs of supervoxels with voxels at the given forward offsets of each other.
std::vector<Edge> supervoxelEdges(const std::vector<std::uint32_t>& sv, Extent e,
                                  const std::vector<std::array<int, 3>>& offsets,
                                  Progress* progress) {
  std::vector<std::uint64_t> keys;
  for (std::int64_t k = 0; k < e.z; ++k) {
    if (progress && k % 16 == 0) progress->checkCancel();
    for (std::int64_t j = 0; j < e.y; ++j)
      for (std::int64_t i = 0; i < e.x; ++i) {
        const auto a = sv[e.index(k, j, i)];
        if (a == 0) continue;
        for (const auto& d : offsets) {
          const std::int64_t kk = k + d[0], jj = j + d[1], ii = i + d[2];
          if (kk < 0 || kk >= e.z || jj < 0 || jj >= e.y || ii < 0 || ii >= e.x) continue;
          const auto b = sv[e.index(kk, jj, ii)];
          if (b == 0 || b == a) continue;
          keys.push_back((std::uint64_t{std::min(a, b)} << 32) | std::max(a, b));
        }
      }
  }
  std::sort(keys.begin(), keys.end());
  std::vector<Edge> edges;
  for (std::size_t s = 0; s < keys.size();) {
    std::size_t t = s;
    while (t < keys.size() && keys[t] == keys[s]) ++t;
    edges.push_back({static_cast<std::uint32_t>(keys[s] >> 32),
                     static_cast<std::uint32_t>(keys[s] & 0xffffffffu),
                     static_cast<std::uint32_t>(t - s)});
    s = t;
  }
  return edges;
}

std::array<double, 3> principalAxis(const Supervoxel& sv) {
  const auto& t = sv.tensor;
  if (t[0] + t[3] + t[5] <= 0) return {0, 0, 0};
  Eigen::Matrix3d m;
  m << t[0], t[1], t[2], t[1], t[3], t[4], t[2], t[4], t[5];
  Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> solver;
  solver.computeDirect(m);
  const auto v = solver.eigenvectors().col(2);
  return {v(0), v(1), v(2)};
}

// The colour `c` as α·â + β·b̂ (â, b̂ the unit colours of two clusters), by
// least squares: the share α / (α + β) and the angle between c and the fit.
// `brightA`, `brightB`: the brightest channel of each part α·â, β·b̂ (the
// brightness each neuron alone gives the voxel).
struct ColourMix {
  double share = 0, residual = std::numbers::pi;
  double brightA = 0, brightB = 0;
};
ColourMix mixOf(const std::array<double, 3>& c, std::array<double, 3> a, std::array<double, 3> b) {
  auto dot = [](const auto& u, const auto& v) { return u[0] * v[0] + u[1] * v[1] + u[2] * v[2]; };
  const double na = std::sqrt(dot(a, a)), nb = std::sqrt(dot(b, b));
  if (na <= 0 || nb <= 0) return {};
  for (int i = 0; i < 3; ++i) {
    a[i] /= na;
    b[i] /= nb;
  }
  const double ab = dot(a, b), det = 1 - ab * ab;
  if (det < 1e-9) return {};
  const double ca = dot(c, a), cb = dot(c, b);
  const double alpha = (ca - ab * cb) / det, beta = (cb - ab * ca) / det;
  if (alpha <= 0 || beta <= 0) return {};
  const std::array<double, 3> fit{alpha * a[0] + beta * b[0], alpha * a[1] + beta * b[1],
                                  alpha * a[2] + beta * b[2]};
  return {alpha / (alpha + beta), angleBetween(c, fit), alpha * std::max({a[0], a[1], a[2]}),
          beta * std::max({b[0], b[1], b[2]})};
}

// A voxel of colour `c` (noise units) of the instance coloured `own` belongs
// to the instance coloured `other` as well when its colour is a mix of both
// (each with at least overlapShare, fitted within mergeAngle) and each part
// alone is foreground-bright (foregroundSnr): both neurons are really there,
// not a rim of one blurred into the other or a colour that drifts.
bool sharedVoxel(const std::array<double, 3>& c, const std::array<double, 3>& own,
                 const std::array<double, 3>& other, const SegmentOptions& o) {
  const auto mix = mixOf(c, own, other);
  return mix.share >= o.overlapShare && mix.share <= 1 - o.overlapShare &&
         mix.residual < o.mergeAngle && mix.brightA >= o.foregroundSnr &&
         mix.brightB >= o.foregroundSnr;
}

// Ours: merge by colour continuity, absorb fragments, bridge gaps along the
// tube direction, keep clusters with a bright supervoxel. Returns the root of
// each supervoxel (index 0 unused) and whether each root is kept; `shared`
// gets, per supervoxel of a crossing, a supervoxel of the second cluster it
// belongs to (0: none).
std::vector<std::uint32_t> clusterTubular(const std::vector<Supervoxel>& svs,
                                          const std::vector<Edge>& edges, const SegmentOptions& o,
                                          std::vector<std::uint8_t>& keep,
                                          std::vector<std::uint32_t>& shared) {
  const std::size_t count = svs.size();
  UnionFind sets(count + 1);
  std::vector<std::array<double, 3>> colour(count + 1);
  std::vector<double> voxels(count + 1, 0);
  for (std::size_t s = 1; s <= count; ++s) {
    colour[s] = svs[s - 1].colour;
    voxels[s] = svs[s - 1].count;
  }
  auto unite = [&](std::uint32_t a, std::uint32_t b) {
    a = sets.find(a);
    b = sets.find(b);
    if (a == b) return;
    const auto root = sets.unite(a, b);
    const auto other = root == a ? b : a;
    for (int c = 0; c < 3; ++c) colour[root][c] += colour[other][c];
    voxels[root] += voxels[other];
  };
  // 1. Along contacts, most similar colours first, comparing whole clusters.
  std::vector<std::pair<double, std::size_t>> order;
  order.reserve(edges.size());
  for (std::size_t e = 0; e < edges.size(); ++e)
    order.push_back({angleBetween(svs[edges[e].a - 1].colour, svs[edges[e].b - 1].colour), e});
  std::sort(order.begin(), order.end());
  for (const auto& [angle, e] : order) {
    if (angle >= o.mergeAngle) break;
    const auto a = sets.find(edges[e].a), b = sets.find(edges[e].b);
    if (a != b && angleBetween(colour[a], colour[b]) < o.mergeAngle) unite(a, b);
  }
  std::vector<std::vector<std::size_t>> edgesOf(count + 1);
  for (std::size_t e = 0; e < edges.size(); ++e) {
    edgesOf[edges[e].a].push_back(e);
    edgesOf[edges[e].b].push_back(e);
  }
  std::vector<std::vector<std::uint32_t>> members(count + 1);
  for (std::uint32_t s = 1; s <= count; ++s) members[sets.find(s)].push_back(s);
  // 2. Crossings. Where two neurons of different colour cross, the voxels
  // carry both colours: a cluster whose colour is a mix of the colours of
  // two clusters it touches belongs to both. Both tubes continue through it:
  // the pieces of either colour that touch it join (the far side of a
  // crossing is the same neuron as the near side).
  shared.assign(count + 1, 0);
  if (o.overlapShare > 0) {
    auto contactsOf = [&](std::uint32_t r) {
      std::map<std::uint32_t, double> contact;  // ordered: deterministic
      for (const auto s : members[r])
        for (const auto e : edgesOf[s]) {
          const auto other = sets.find(edges[e].a == s ? edges[e].b : edges[e].a);
          if (other != r) contact[other] += edges[e].contacts;
        }
      return contact;
    };
    std::vector<std::uint32_t> crossings;
    for (std::uint32_t r = 1; r <= count; ++r)
      if (!members[r].empty() && voxels[r] <= o.overlapBelow) crossings.push_back(r);
    for (const auto f : crossings) {
      if (sets.find(f) != f) continue;  // joined a tube meanwhile
      const auto contact = contactsOf(f);
      std::uint32_t bestA = 0, bestB = 0;
      double bestResidual = o.mergeAngle;
      for (auto a = contact.begin(); a != contact.end(); ++a) {
        if (voxels[a->first] < o.absorbBelow ||
            angleBetween(colour[f], colour[a->first]) < o.mergeAngle)
          continue;
        for (auto b = std::next(a); b != contact.end(); ++b) {
          if (voxels[b->first] < o.absorbBelow ||
              angleBetween(colour[f], colour[b->first]) < o.mergeAngle ||
              angleBetween(colour[a->first], colour[b->first]) < o.mergeAngle)
            continue;
          // The crossing's mean colour (noise units) as a confident mix: each
          // neuron's part alone foreground-bright (as sharedVoxel asks of a voxel).
          const std::array<double, 3> mean{colour[f][0] / voxels[f], colour[f][1] / voxels[f],
                                           colour[f][2] / voxels[f]};
          const auto mix = mixOf(mean, colour[a->first], colour[b->first]);
          if (mix.share >= o.overlapShare && mix.share <= 1 - o.overlapShare &&
              mix.brightA >= o.foregroundSnr && mix.brightB >= o.foregroundSnr &&
              mix.residual < bestResidual) {
            bestResidual = mix.residual;
            // The tube with the larger part first: the crossing joins it.
            bestA = mix.share >= 0.5 ? a->first : b->first;
            bestB = mix.share >= 0.5 ? b->first : a->first;
          }
        }
      }
      if (bestA == 0) continue;
      if (std::getenv("NL_SEGMENT_DEBUG")) {
        const auto m = mixOf(colour[f], colour[bestA], colour[bestB]);
        std::int64_t lo[3] = {1 << 30, 1 << 30, 1 << 30}, hi[3] = {0, 0, 0};
        for (const auto s : members[f])
          for (int d = 0; d < 3; ++d) {
            lo[d] = std::min(lo[d], svs[s - 1].bounds[2 * d]);
            hi[d] = std::max(hi[d], svs[s - 1].bounds[2 * d + 1]);
          }
        auto norm = [&](std::uint32_t r) {
          const auto& c = colour[r];
          return std::sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]) / voxels[r];
        };
        std::fprintf(stderr,
                     "crossing %u voxels %.0f box %lld-%lld %lld-%lld %lld-%lld share %.2f res "
                     "%.3f |f| %.1f a %u (%.0f vox |a| %.1f) b %u (%.0f vox |b| %.1f)\n",
                     f, voxels[f], (long long)lo[0], (long long)hi[0], (long long)lo[1],
                     (long long)hi[1], (long long)lo[2], (long long)hi[2], m.share, m.residual,
                     norm(f), bestA, voxels[bestA], norm(bestA), bestB, voxels[bestB], norm(bestB));
      }
      // The pieces of each colour on every side of the crossing join.
      for (const auto& [other, c] : contact) {
        (void)c;
        if (voxels[other] < o.absorbBelow) continue;
        for (const auto tube : {bestA, bestB}) {
          const auto t = sets.find(tube), x = sets.find(other);
          if (t != x && angleBetween(colour[t], colour[x]) < o.mergeAngle) {
            unite(t, x);
            const auto root = sets.find(t), gone = root == t ? x : t;
            members[root].insert(members[root].end(), members[gone].begin(), members[gone].end());
            members[gone].clear();
          }
        }
      }
      // The crossing joins the tube with the larger part of its colour
      // without changing that tube's colour, and its supervoxels belong to
      // the other as well.
      const auto a = sets.find(bestA), b = sets.find(bestB);
      if (a == b) continue;
      const auto kept = colour[a];
      unite(f, a);
      const auto root = sets.find(a), gone = root == a ? f : a;
      colour[root] = kept;
      for (const auto s : members[f]) shared[s] = b;
      members[root].insert(members[root].end(), members[gone].begin(), members[gone].end());
      members[gone].clear();
    }
  }
  // 3. Fragments (rims, noisy bits) join the cluster they touch most.
  std::vector<std::uint32_t> small;
  for (std::uint32_t r = 1; r <= count; ++r)
    if (!members[r].empty() && voxels[r] < o.absorbBelow) small.push_back(r);
  std::stable_sort(small.begin(), small.end(),
                   [&](auto x, auto y) { return voxels[x] < voxels[y]; });
  for (const auto r0 : small) {
    const auto r = sets.find(r0);
    if (voxels[r] >= o.absorbBelow) continue;
    std::unordered_map<std::uint32_t, double> contact;
    for (const auto s : members[r0])
      for (const auto e : edgesOf[s]) {
        const auto other = sets.find(edges[e].a == s ? edges[e].b : edges[e].a);
        if (other != r) contact[other] += edges[e].contacts;
      }
    std::uint32_t best = 0;
    double most = 0;
    for (const auto& [other, c] : contact)
      if (c > most || (c == most && other < best)) {
        best = other;
        most = c;
      }
    if (best != 0) {
      // The fragment (often a crossing, coloured by both neurons) must not
      // pull the colour of the cluster it joins: keep the receiver's.
      const auto kept = colour[sets.find(best)];
      unite(r, best);
      colour[sets.find(r)] = kept;
      const auto root = sets.find(r);
      if (root != r0)
        members[root].insert(members[root].end(), members[r0].begin(), members[r0].end());
    }
  }
  // 4. Gap bridging: supervoxels of different clusters with matching colour,
  // close, and lying along each other's tube direction.
  std::vector<std::array<double, 3>> centre(count + 1), direction(count + 1);
  for (std::size_t s = 1; s <= count; ++s) {
    centre[s] = svs[s - 1].centroid();
    direction[s] = principalAxis(svs[s - 1]);
  }
  const double cellSize = std::max(1.0, o.bridgeGap);
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> grid;
  auto key = [](std::int64_t a, std::int64_t b, std::int64_t c) {
    return (std::uint64_t(a + 1) << 42) | (std::uint64_t(b + 1) << 21) | std::uint64_t(c + 1);
  };
  for (std::uint32_t s = 1; s <= count; ++s)
    grid[key(std::int64_t(centre[s][0] / cellSize), std::int64_t(centre[s][1] / cellSize),
             std::int64_t(centre[s][2] / cellSize))]
        .push_back(s);
  struct Candidate {
    double distance;
    std::uint32_t a, b;
  };
  std::vector<Candidate> candidates;
  for (std::uint32_t a = 1; a <= count; ++a) {
    if (direction[a][0] == 0 && direction[a][1] == 0 && direction[a][2] == 0) continue;
    const auto ca = std::array<std::int64_t, 3>{std::int64_t(centre[a][0] / cellSize),
                                                std::int64_t(centre[a][1] / cellSize),
                                                std::int64_t(centre[a][2] / cellSize)};
    for (int dz = -1; dz <= 1; ++dz)
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          if (ca[0] + dz < 0 || ca[1] + dy < 0 || ca[2] + dx < 0) continue;
          const auto it = grid.find(key(ca[0] + dz, ca[1] + dy, ca[2] + dx));
          if (it == grid.end()) continue;
          for (const auto b : it->second) {
            if (b <= a || sets.find(a) == sets.find(b)) continue;
            const auto& db = direction[b];
            if (db[0] == 0 && db[1] == 0 && db[2] == 0) continue;
            std::array<double, 3> u{centre[b][0] - centre[a][0], centre[b][1] - centre[a][1],
                                    centre[b][2] - centre[a][2]};
            const double d = std::sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
            if (d <= 0 || d > o.bridgeGap) continue;
            for (auto& x : u) x /= d;
            const double ua =
                std::abs(u[0] * direction[a][0] + u[1] * direction[a][1] + u[2] * direction[a][2]);
            const double ub = std::abs(u[0] * db[0] + u[1] * db[1] + u[2] * db[2]);
            if (ua >= o.bridgeCosine && ub >= o.bridgeCosine) candidates.push_back({d, a, b});
          }
        }
  }
  std::sort(candidates.begin(), candidates.end(), [](const auto& x, const auto& y) {
    return x.distance != y.distance ? x.distance < y.distance
                                    : (x.a != y.a ? x.a < y.a : x.b < y.b);
  });
  for (const auto& c : candidates) {
    const auto a = sets.find(c.a), b = sets.find(c.b);
    if (a != b && angleBetween(colour[a], colour[b]) < o.mergeAngle) unite(a, b);
  }
  // 5. An instance needs one clearly bright supervoxel, and must be tubular
  // on average (the mean vesselness of its voxels): what a smooth rise of
  // the background or a blob lets through is not.
  std::vector<std::uint32_t> root(count + 1, 0);
  std::vector<double> vesselSum(count + 1, 0);
  std::vector<std::uint8_t> bright(count + 1, 0);
  keep.assign(count + 1, 0);
  for (std::uint32_t s = 1; s <= count; ++s) {
    root[s] = sets.find(s);
    const auto& t = svs[s - 1].tensor;
    vesselSum[root[s]] += t[0] + t[3] + t[5];
    if (svs[s - 1].brightest >= o.seedSnr) bright[root[s]] = 1;
  }
  for (std::uint32_t r = 1; r <= count; ++r)
    if (root[r] == r) {
      keep[r] = bright[r] && vesselSum[r] >= o.instanceVesselness * voxels[r];
      if (std::getenv("NL_SEGMENT_DEBUG") && voxels[r] > o.removeSmall)
        std::fprintf(
            stderr, "cluster %u voxels %.0f mean vesselness %.3f bright %d colour %.0f %.0f %.0f\n",
            r, voxels[r], vesselSum[r] / voxels[r], int(bright[r]), colour[r][0] / voxels[r],
            colour[r][1] / voxels[r], colour[r][2] / voxels[r]);
    }
  return root;
}

std::array<double, 3> rgbToLuv(std::array<double, 3> rgb) {
  for (auto& c : rgb) {
    c = std::clamp(c, 0.0, 1.0);
    c = c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
  }
  const double x = 0.412453 * rgb[0] + 0.357580 * rgb[1] + 0.180423 * rgb[2];
  const double y = 0.212671 * rgb[0] + 0.715160 * rgb[1] + 0.072169 * rgb[2];
  const double z = 0.019334 * rgb[0] + 0.119193 * rgb[1] + 0.950227 * rgb[2];
  const double xn = 0.95047, yn = 1.0, zn = 1.08883;
  const double yr = y / yn;
  const double l = yr > 0.008856 ? 116 * std::cbrt(yr) - 16 : 903.3 * yr;
  const double eps = std::numeric_limits<double>::epsilon();
  const double d = x + 15 * y + 3 * z + eps, dn = xn + 15 * yn + 3 * zn;
  const double u = 13 * l * (4 * x / d - 4 * xn / dn);
  const double v = 13 * l * (9 * y / d - 9 * yn / dn);
  return {l, u, v};
}

// Baseline: links, affinities, GMM by BIC, connected pieces joined within
// joinDistance. Returns the piece (root) of each supervoxel.
std::vector<std::uint32_t> clusterBaseline(const std::vector<Supervoxel>& svs,
                                           const std::vector<Edge>& contacts,
                                           const std::vector<Edge>& nearby, const SegmentOptions& o,
                                           SegmentResult& result, Progress* progress) {
  const std::size_t count = svs.size();
  std::vector<std::array<double, 3>> luv(count);
  for (std::size_t s = 0; s < count; ++s) {
    std::array<double, 3> mean{};
    for (int c = 0; c < 3; ++c) mean[c] = svs[s].colour[c] / svs[s].count;
    luv[s] = rgbToLuv(mean);
  }
  auto luvDistance = [&](std::size_t a, std::size_t b) {
    const double d0 = luv[a][0] - luv[b][0], d1 = luv[a][1] - luv[b][1], d2 = luv[a][2] - luv[b][2];
    return std::sqrt(d0 * d0 + d1 * d1 + d2 * d2);
  };
  std::vector<std::vector<std::pair<std::int32_t, float>>> links(count);
  auto link = [&](std::size_t a, std::size_t b) {
    const double d = luvDistance(a, b);
    const auto affinity = static_cast<float>(std::exp(-o.affinityScale * d * d));
    links[a].push_back({static_cast<std::int32_t>(b), affinity});
    links[b].push_back({static_cast<std::int32_t>(a), affinity});
  };
  for (const auto& e : nearby) link(e.a - 1, e.b - 1);
  // Colour links: the nearest supervoxels in Luv closer than linkLuv (grid search).
  const double cell = std::max(1e-6, o.linkLuv);
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> grid;
  auto cellOf = [&](std::size_t s) {
    return std::array<std::int64_t, 3>{std::int64_t(std::floor(luv[s][0] / cell)),
                                       std::int64_t(std::floor(luv[s][1] / cell)),
                                       std::int64_t(std::floor(luv[s][2] / cell))};
  };
  auto key = [](std::int64_t a, std::int64_t b, std::int64_t c) {
    return (std::uint64_t(a + 4096) << 42) | (std::uint64_t(b + 4096) << 21) |
           std::uint64_t(c + 4096);
  };
  for (std::size_t s = 0; s < count; ++s) {
    const auto c = cellOf(s);
    grid[key(c[0], c[1], c[2])].push_back(static_cast<std::uint32_t>(s));
  }
  for (std::size_t a = 0; a < count; ++a) {
    if (progress && a % 4096 == 0) progress->checkCancel();
    const auto c = cellOf(a);
    std::vector<std::pair<double, std::uint32_t>> near;
    for (int dz = -1; dz <= 1; ++dz)
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          const auto it = grid.find(key(c[0] + dz, c[1] + dy, c[2] + dx));
          if (it == grid.end()) continue;
          for (const auto b : it->second)
            if (b != a) {
              const double d = luvDistance(a, b);
              if (d < o.linkLuv) near.push_back({d, b});
            }
        }
    const auto keepCount = std::min<std::size_t>(near.size(), o.colourNeighbours);
    std::partial_sort(near.begin(), near.begin() + keepCount, near.end());
    for (std::size_t t = 0; t < keepCount; ++t)
      if (near[t].second > a) link(a, near[t].second);
  }
  SparseRows rows;
  rows.dimensions = static_cast<std::int64_t>(count);
  rows.offsets.assign(1, 0);
  for (std::size_t a = 0; a < count; ++a) {
    auto& row = links[a];
    row.push_back({static_cast<std::int32_t>(a), 1.0f});
    std::sort(row.begin(), row.end());
    row.erase(std::unique(row.begin(), row.end(),
                          [](const auto& x, const auto& y) { return x.first == y.first; }),
              row.end());
    for (const auto& [column, value] : row) {
      rows.columns.push_back(column);
      rows.values.push_back(value);
    }
    rows.offsets.push_back(static_cast<std::int64_t>(rows.columns.size()));
  }
  const auto fit = fitGmmByBic(rows, o.minClusters, o.maxClusters, o.seed, progress);
  result.diagnostics["gmm_components"] = fit.components;
  // Each cluster split into 26-connected pieces …
  UnionFind pieces(count + 1);
  for (const auto& e : contacts)
    if (fit.assignment[e.a - 1] == fit.assignment[e.b - 1]) pieces.unite(e.a, e.b);
  // … and pieces of one cluster closer than joinDistance joined (box gaps).
  const double joinCell = 32;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> boxes;
  auto boxKey = [](std::int64_t a, std::int64_t b, std::int64_t c) {
    return (std::uint64_t(a + 1) << 42) | (std::uint64_t(b + 1) << 21) | std::uint64_t(c + 1);
  };
  const double half = o.joinDistance / 2;
  for (std::uint32_t s = 1; s <= count; ++s) {
    const auto& bd = svs[s - 1].bounds;
    for (auto z = std::int64_t((bd[0] - half) / joinCell);
         z <= std::int64_t((bd[1] + half) / joinCell); ++z)
      for (auto y = std::int64_t((bd[2] - half) / joinCell);
           y <= std::int64_t((bd[3] + half) / joinCell); ++y)
        for (auto x = std::int64_t((bd[4] - half) / joinCell);
             x <= std::int64_t((bd[5] + half) / joinCell); ++x)
          boxes[boxKey(std::max<std::int64_t>(z, -1), std::max<std::int64_t>(y, -1),
                       std::max<std::int64_t>(x, -1))]
              .push_back(s);
  }
  auto gap = [&](std::uint32_t a, std::uint32_t b) {
    const auto& p = svs[a - 1].bounds;
    const auto& q = svs[b - 1].bounds;
    double squares = 0;
    for (int axis = 0; axis < 3; ++axis) {
      const double g = std::max<double>(
          {0.0, double(q[2 * axis] - p[2 * axis + 1]), double(p[2 * axis] - q[2 * axis + 1])});
      squares += g * g;
    }
    return std::sqrt(squares);
  };
  for (const auto& [cellKey, list] : boxes) {
    if (progress) progress->checkCancel();
    for (std::size_t s = 0; s < list.size(); ++s)
      for (std::size_t t = s + 1; t < list.size(); ++t) {
        const auto a = list[s], b = list[t];
        if (fit.assignment[a - 1] != fit.assignment[b - 1]) continue;
        if (pieces.find(a) == pieces.find(b)) continue;
        if (gap(a, b) < o.joinDistance) pieces.unite(a, b);
      }
  }
  std::vector<std::uint32_t> root(count + 1, 0);
  for (std::uint32_t s = 1; s <= count; ++s) root[s] = pieces.find(s);
  return root;
}

// Σ colour of each instance's supervoxels (index 0 unused).
std::vector<std::array<double, 3>> instanceColours(const std::vector<Supervoxel>& svs,
                                                   const std::vector<std::uint32_t>& label,
                                                   std::int64_t instances) {
  std::vector<std::array<double, 3>> colour(static_cast<std::size_t>(instances) + 1, {0, 0, 0});
  for (std::size_t s = 1; s < label.size(); ++s)
    if (label[s] != 0)
      for (int c = 0; c < 3; ++c) colour[label[s]][c] += svs[s - 1].colour[c];
  return colour;
}

// The crossing clusters' voxels (clusterTubular step 2) that belong to their
// second instance too: a crossing cluster decides that two tubes pass through
// it, but only its voxels whose own colour is a confident mix of both
// instances' colours (sharedVoxel) are shared — not its rims, which are one
// neuron blurred by the PSF. `voxels` holds (supervoxel, volume index) of the
// crossing supervoxels' voxels, sorted; `second` the second instance of each
// supervoxel. Each supervoxel's box is read again (channels in noise units as
// the blocks made them).
void shareCrossingVoxels(const Context& ctx, const std::vector<Supervoxel>& svs,
                         const std::vector<std::uint32_t>& label,
                         const std::vector<std::uint32_t>& second,
                         const std::vector<std::pair<std::uint32_t, std::uint64_t>>& voxels,
                         SegmentResult& result) {
  const auto& o = ctx.options;
  const auto& e = ctx.extent;
  const auto colour = instanceColours(svs, label, result.instances);
  for (std::size_t begin = 0; begin < voxels.size();) {
    const auto s = voxels[begin].first;
    std::size_t end = begin;
    while (end < voxels.size() && voxels[end].first == s) ++end;
    const auto& bd = svs[s - 1].bounds;
    const BlockBox b0{bd[0], bd[1] + 1, bd[2], bd[3] + 1, bd[4], bd[5] + 1, 0, 0, 0, 0, 0, 0};
    const auto box = withHalo(b0, gaussianRadius(o.denoiseSigma), e);
    const Extent h{box.hz1 - box.hz0, box.hy1 - box.hy0, box.hx1 - box.hx0};
    const auto channel = noiseUnits(ctx, box);
    for (std::size_t t = begin; t < end; ++t) {
      const auto q = static_cast<std::int64_t>(voxels[t].second);
      const std::int64_t k = q / (e.y * e.x), j = q / e.x % e.y, i = q % e.x;
      const auto p = h.index(k - box.hz0, j - box.hy0, i - box.hx0);
      const std::array<double, 3> c{std::max(0.0f, channel[0][p]), std::max(0.0f, channel[1][p]),
                                    std::max(0.0f, channel[2][p])};
      if (sharedVoxel(c, colour[label[s]], colour[second[s]], o))
        result.overlaps.push_back({voxels[t].second, second[s]});
    }
    begin = end;
  }
}

// Crossings seen voxel by voxel. Where two kept instances A and B of
// different colour touch, the voxels of either whose own colours are mixes
// of both instances' colours (each with at least overlapShare, fitted
// within mergeAngle) form regions; a region is a crossing when both tubes
// pass through it — without it, A and B each fall apart into two or more
// pieces that it touches — and then its voxels belong to both. A mixed rim
// where two neurons merely run side by side cuts neither and stays as it
// is. Only boxes around the
// touching supervoxels are read again (channels in noise units exactly as
// the blocks made them); the boxes of one pair of instances that meet are
// joined, so a crossing's box holds both sides of it.
void shareMixedVoxels(const Context& ctx, const std::vector<Supervoxel>& svs,
                      const std::vector<Edge>& contacts, const std::vector<std::uint32_t>& label,
                      SegmentResult& result) {
  const auto& o = ctx.options;
  const auto& e = ctx.extent;
  const auto colour = instanceColours(svs, label, result.instances);
  // Boxes (z0, z1, y0, y1, x0, x1) per pair of instances, joined while they meet.
  using Bounds = std::array<std::int64_t, 6>;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<Bounds>> boxes;
  const std::int64_t margin = 2;
  for (const auto& edge : contacts) {
    const auto a = label[edge.a], b = label[edge.b];
    if (a == 0 || b == 0 || a == b || angleBetween(colour[a], colour[b]) < o.mergeAngle) continue;
    const auto& p = svs[edge.a - 1].bounds;
    const auto& q = svs[edge.b - 1].bounds;
    boxes[{std::min(a, b), std::max(a, b)}].push_back(
        {std::max<std::int64_t>(0, std::min(p[0], q[0]) - margin),
         std::min(e.z, std::max(p[1], q[1]) + 1 + margin),
         std::max<std::int64_t>(0, std::min(p[2], q[2]) - margin),
         std::min(e.y, std::max(p[3], q[3]) + 1 + margin),
         std::max<std::int64_t>(0, std::min(p[4], q[4]) - margin),
         std::min(e.x, std::max(p[5], q[5]) + 1 + margin)});
  }
  auto meet = [](const Bounds& u, const Bounds& v) {
    return u[0] < v[1] && v[0] < u[1] && u[2] < v[3] && v[2] < u[3] && u[4] < v[5] && v[4] < u[5];
  };
  std::vector<std::pair<std::uint64_t, std::uint32_t>> found;
  for (auto& [pair, list] : boxes) {
    for (bool joined = true; joined;) {
      joined = false;
      for (std::size_t i = 0; i < list.size(); ++i)
        for (std::size_t j = i + 1; j < list.size(); ++j)
          if (meet(list[i], list[j])) {
            for (int d = 0; d < 6; d += 2) {
              list[i][d] = std::min(list[i][d], list[j][d]);
              list[i][d + 1] = std::max(list[i][d + 1], list[j][d + 1]);
            }
            list[j] = list.back();
            list.pop_back();
            joined = true;
            --j;
          }
    }
    const auto [a, b] = pair;
    for (const auto& bounds : list) {
      const BlockBox b0{bounds[0], bounds[1], bounds[2], bounds[3], bounds[4], bounds[5],
                        0,         0,         0,         0,         0,         0};
      const auto box = withHalo(b0, gaussianRadius(o.denoiseSigma), e);
      const Extent h{box.hz1 - box.hz0, box.hy1 - box.hy0, box.hx1 - box.hx0};
      const Extent core{box.z1 - box.z0, box.y1 - box.y0, box.x1 - box.x0};
      const auto channel = noiseUnits(ctx, box);
      const std::int64_t n = core.voxels();
      std::vector<std::uint32_t> own(n);
      for (std::int64_t k = 0; k < core.z; ++k)
        for (std::int64_t j = 0; j < core.y; ++j)
          for (std::int64_t i = 0; i < core.x; ++i)
            own[core.index(k, j, i)] = result.labels[e.index(k + box.z0, j + box.y0, i + box.x0)];
      // 1: a voxel of `a` mixed towards b, 2: a voxel of `b` mixed towards a.
      std::vector<std::uint8_t> mixed(n, 0);
      for (std::int64_t k = 0; k < core.z; ++k)
        for (std::int64_t j = 0; j < core.y; ++j)
          for (std::int64_t i = 0; i < core.x; ++i) {
            const auto p = core.index(k, j, i);
            if (own[p] != a && own[p] != b) continue;
            const auto other = own[p] == a ? b : a;
            const auto q =
                h.index(k + box.z0 - box.hz0, j + box.y0 - box.hy0, i + box.x0 - box.hx0);
            const std::array<double, 3> c{std::max(0.0f, channel[0][q]),
                                          std::max(0.0f, channel[1][q]),
                                          std::max(0.0f, channel[2][q])};
            if (sharedVoxel(c, colour[own[p]], colour[other], o)) mixed[p] = own[p] == a ? 1 : 2;
          }
      // visit(u) for each of p's 26 neighbours inside the box.
      auto forEachNeighbour = [&](std::int64_t p, const auto& visit) {
        const std::int64_t k = p / (core.y * core.x), j = p / core.x % core.y, i = p % core.x;
        for (int dz = -1; dz <= 1; ++dz)
          for (int dy = -1; dy <= 1; ++dy)
            for (int dx = -1; dx <= 1; ++dx) {
              const std::int64_t kk = k + dz, jj = j + dy, ii = i + dx;
              if (kk < 0 || jj < 0 || ii < 0 || kk >= core.z || jj >= core.y || ii >= core.x)
                continue;
              visit(core.index(kk, jj, ii));
            }
      };
      // 26-connected pieces of a set of voxels of the box.
      auto pieces = [&](const auto& inside, std::vector<std::int32_t>& piece) {
        piece.assign(n, -1);
        std::int32_t count = 0;
        std::vector<std::int64_t> stack;
        for (std::int64_t p = 0; p < n; ++p) {
          if (piece[p] >= 0 || !inside(p)) continue;
          piece[p] = count;
          stack.push_back(p);
          while (!stack.empty()) {
            const auto t = stack.back();
            stack.pop_back();
            forEachNeighbour(t, [&](std::int64_t u) {
              if (piece[u] < 0 && inside(u) && inside(t) == inside(u)) {
                piece[u] = count;
                stack.push_back(u);
              }
            });
          }
          ++count;
        }
        return count;
      };
      // The mixed voxels of both as crossing regions; one is a crossing
      // when both tubes pass through it: without it, each falls apart into
      // two or more pieces that it touches.
      std::vector<std::int32_t> region, pieceA, pieceB;
      const auto regions = pieces([&](std::int64_t p) { return mixed[p] != 0; }, region);
      pieces([&](std::int64_t p) { return own[p] == a && mixed[p] == 0; }, pieceA);
      pieces([&](std::int64_t p) { return own[p] == b && mixed[p] == 0; }, pieceB);
      std::vector<std::vector<std::int32_t>> touchedA(static_cast<std::size_t>(regions)),
          touchedB(static_cast<std::size_t>(regions));
      for (std::int64_t p = 0; p < n; ++p) {
        if (region[p] < 0) continue;
        forEachNeighbour(p, [&](std::int64_t u) {
          if (pieceA[u] >= 0) touchedA[region[p]].push_back(pieceA[u]);
          if (pieceB[u] >= 0) touchedB[region[p]].push_back(pieceB[u]);
        });
      }
      auto distinct = [](std::vector<std::int32_t>& t) {
        std::sort(t.begin(), t.end());
        return std::unique(t.begin(), t.end()) - t.begin();
      };
      std::vector<std::uint8_t> crossing(static_cast<std::size_t>(regions), 0);
      for (std::int32_t r = 0; r < regions; ++r)
        crossing[r] = distinct(touchedA[r]) >= 2 && distinct(touchedB[r]) >= 2;
      for (std::int64_t p = 0; p < n; ++p)
        if (region[p] >= 0 && crossing[region[p]]) {
          const std::int64_t k = p / (core.y * core.x), j = p / core.x % core.y, i = p % core.x;
          found.push_back({static_cast<std::uint64_t>(e.index(k + box.z0, j + box.y0, i + box.x0)),
                           own[p] == a ? b : a});
        }
    }
  }
  found.insert(found.end(), result.overlaps.begin(), result.overlaps.end());
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  result.overlaps = std::move(found);
}

std::vector<std::array<int, 3>> forwardOffsetsWithin(double gap) {
  std::vector<std::array<int, 3>> offsets;
  const int r = static_cast<int>(std::ceil(gap)) - 1;
  for (int dz = 0; dz <= r; ++dz)
    for (int dy = -r; dy <= r; ++dy)
      for (int dx = -r; dx <= r; ++dx) {
        if (dz == 0 && (dy < 0 || (dy == 0 && dx <= 0))) continue;
        if (dz * dz + dy * dy + dx * dx < gap * gap) offsets.push_back({dz, dy, dx});
      }
  return offsets;
}

}  // namespace

SegmentResult segmentNeurons(const VolumeDataset& volume, const SegmentOptions& options,
                             Progress* progress) {
  const auto shape = volume.volumeShape();
  if (shape.channels != 3)
    throw std::invalid_argument("'" + volume.name() + "' has " + std::to_string(shape.channels) +
                                " channel(s); segmenting MCFO neurons needs the 3 colour "
                                "channels (c, z, y, x)");
  if (shape.voxelsPerChannel() >= (std::size_t{1} << 32))
    throw std::invalid_argument("'" + volume.name() + "' has more than 2^32 voxels per channel");
  if (options.cell < 1 || options.blockZ < 1 || options.blockY < 1 || options.blockX < 1)
    throw std::invalid_argument("block and cell sizes must be positive");
  const bool tubular = options.method == Method::Tubular;
  auto report = [&](double fraction, const std::string& message) {
    if (progress) {
      progress->update(fraction, message);
      progress->checkCancel();
    }
  };
  // Every chunk decoded once: the halos of the next z-row of blocks reach back
  // into chunks of the previous one, so keep up to the whole decoded volume
  // (at most 1.5 GB) cached while segmenting; the old limit comes back after.
  struct CacheScope {
    const VolumeDataset& volume;
    std::size_t previous;
    ~CacheScope() { volume.setCacheLimitBytes(previous); }
  } cacheScope{volume, volume.cacheStats().limitBytes};
  if (cacheScope.previous > 0)
    volume.setCacheLimitBytes(std::max(
        cacheScope.previous,
        std::min<std::size_t>(
            shape.voxelCount() * io::microscopy::voxelTypeSize(volume.voxelType()) * 21 / 20,
            std::size_t{1536} << 20)));
  SegmentResult result;
  const auto started = std::chrono::steady_clock::now();
  auto lap = [&, last = started](const std::string& phase) mutable {
    const auto now = std::chrono::steady_clock::now();
    result.diagnostics["seconds_" + phase] = std::chrono::duration<double>(now - last).count();
    last = now;
  };
  Context ctx{volume,
              options,
              {std::int64_t(shape.z), std::int64_t(shape.y), std::int64_t(shape.x)},
              {},
              0};
  result.extent = ctx.extent;
  if (tubular) {
    report(0.0, "background and noise");
    ctx.background = backgroundModel(volume, options.clip);
    measureSmoothedNoise(volume, ctx.background, options.clip, options.denoiseSigma);
    const double maxScale = *std::max_element(options.scales.begin(), options.scales.end());
    const double extra =
        maxScale > options.denoiseSigma
            ? std::sqrt(maxScale * maxScale - options.denoiseSigma * options.denoiseSigma)
            : 0.0;
    ctx.halo = gaussianRadius(options.denoiseSigma) + gaussianRadius(extra) + 1;
    for (int c = 0; c < 3; ++c) {
      result.diagnostics[std::string("noise_") + "rgb"[c]] = ctx.background.noise[c];
      result.diagnostics[std::string("smoothed_noise_") + "rgb"[c]] =
          ctx.background.smoothedNoise[c];
    }
  } else {
    // The distance transform and the watershed see this far beyond the block.
    ctx.halo = gaussianRadius(options.denoiseSigma) + 2 * options.seedMinDistance + 4;
  }
  lap("noise_model");
  const std::int64_t cell = tubular ? options.cell : 1;
  const std::int64_t bz = roundUp(options.blockZ, cell), by = roundUp(options.blockY, cell),
                     bx = roundUp(options.blockX, cell);
  std::vector<BlockBox> blocks;
  const auto& e = ctx.extent;
  for (std::int64_t z0 = 0; z0 < e.z; z0 += bz)
    for (std::int64_t y0 = 0; y0 < e.y; y0 += by)
      for (std::int64_t x0 = 0; x0 < e.x; x0 += bx) {
        BlockBox b{z0, std::min(z0 + bz, e.z),
                   y0, std::min(y0 + by, e.y),
                   x0, std::min(x0 + bx, e.x),
                   0,  0,
                   0,  0,
                   0,  0};
        blocks.push_back(withHalo(b, ctx.halo, e));
      }
  result.labels.assign(e.voxels(), 0);
  std::vector<BlockResult> outputs(blocks.size());
  {
    const unsigned threads = std::max(
        1u, std::min<unsigned>(options.threads ? options.threads
                                               : std::max(1u, std::thread::hardware_concurrency()),
                               static_cast<unsigned>(blocks.size())));
    std::atomic<std::size_t> next{0}, done{0};
    std::atomic<bool> stop{false};
    std::exception_ptr failure;
    std::mutex failureMutex;
    auto worker = [&] {
      while (!stop) {
        const std::size_t b = next++;
        if (b >= blocks.size()) return;
        try {
          outputs[b] = tubular ? tubularBlock(ctx, blocks[b], result.labels.data())
                               : baselineBlock(ctx, blocks[b], result.labels.data());
        } catch (...) {
          std::lock_guard lock(failureMutex);
          if (!failure) failure = std::current_exception();
          stop = true;
        }
        ++done;
      }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
    // The calling thread reports progress and watches for cancel while the
    // pool works (Progress is not asked to be thread-safe).
    std::thread last(worker);
    while (done < blocks.size() && !stop) {
      if (progress) {
        progress->update(0.05 + 0.8 * double(done) / blocks.size(),
                         "block " + std::to_string(done) + " of " + std::to_string(blocks.size()));
        if (progress->cancelRequested()) stop = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    last.join();
    for (auto& t : pool) t.join();
    if (failure) std::rethrow_exception(failure);
    if (stop && done < blocks.size()) throw Cancelled();
  }
  // Block-local supervoxel ids → volume-wide ids in the raster order of their
  // first voxels, so the numbering (and all that follows) does not depend on
  // how the volume was cut into blocks.
  std::vector<Supervoxel> svs;
  std::vector<std::pair<std::int64_t, std::pair<std::uint32_t, std::uint32_t>>> order;
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    result.foregroundVoxels += outputs[b].foreground;
    for (std::size_t s = 0; s < outputs[b].supervoxels.size(); ++s)
      order.push_back({outputs[b].supervoxels[s].first,
                       {static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(s)}});
  }
  std::sort(order.begin(), order.end());
  std::vector<std::vector<std::uint32_t>> globalId(blocks.size());
  for (std::size_t b = 0; b < blocks.size(); ++b) globalId[b].resize(outputs[b].supervoxels.size());
  svs.reserve(order.size());
  for (const auto& [first, where] : order) {
    svs.push_back(outputs[where.first].supervoxels[where.second]);
    globalId[where.first][where.second] = static_cast<std::uint32_t>(svs.size());
  }
  std::vector<BlockResult>().swap(outputs);
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    const auto& bb = blocks[b];
    const auto& ids = globalId[b];
    for (auto k = bb.z0; k < bb.z1; ++k)
      for (auto j = bb.y0; j < bb.y1; ++j)
        for (auto i = bb.x0; i < bb.x1; ++i) {
          auto& v = result.labels[e.index(k, j, i)];
          if (v != 0) v = ids[v - 1];
        }
  }
  result.supervoxels = static_cast<std::int64_t>(svs.size());
  lap("blocks");
  report(0.86, "supervoxel graph (" + std::to_string(svs.size()) + " supervoxels)");
  const std::vector<std::array<int, 3>> touching(kForward26.begin(), kForward26.end());
  const auto contacts = supervoxelEdges(result.labels, e, touching, progress);
  std::vector<std::uint32_t> root;
  std::vector<std::uint8_t> keep(svs.size() + 1, 1);
  std::vector<std::uint32_t> shared;
  if (tubular) {
    report(0.9, "merging along neurites");
    root = clusterTubular(svs, contacts, options, keep, shared);
  } else {
    report(0.88, "links within " + std::to_string(options.linkGap) + " voxels");
    const auto nearby =
        supervoxelEdges(result.labels, e, forwardOffsetsWithin(options.linkGap), progress);
    report(0.9, "Gaussian mixture on affinities");
    root = clusterBaseline(svs, contacts, nearby, options, result, progress);
  }
  lap("graph");
  // Instances: sizes, removal of small ones, sequential ids in order of first supervoxel.
  std::vector<double> size(svs.size() + 1, 0);
  for (std::size_t s = 1; s <= svs.size(); ++s) size[root[s]] += svs[s - 1].count;
  std::vector<std::uint32_t> label(svs.size() + 1, 0);
  std::uint32_t next = 0;
  for (std::size_t s = 1; s <= svs.size(); ++s) {
    const auto r = root[s];
    if (label[r] == 0 && keep[r] && size[r] > options.removeSmall) label[r] = ++next;
  }
  for (std::size_t s = 1; s <= svs.size(); ++s) label[s] = label[root[s]];
  // Crossing supervoxels: their second instance, when it is kept too.
  std::vector<std::uint32_t> second(svs.size() + 1, 0);
  for (std::size_t s = 1; s < shared.size(); ++s)
    if (shared[s] != 0 && label[s] != 0) {
      const auto other = label[root[shared[s]]];
      if (other != 0 && other != label[s]) second[s] = other;
    }
  const bool anyShared = std::any_of(second.begin(), second.end(), [](auto l) { return l != 0; });
  report(0.97, "labelling " + std::to_string(next) + " instances");
  std::vector<std::pair<std::uint32_t, std::uint64_t>> crossingVoxels;
  for (std::size_t q = 0; q < result.labels.size(); ++q) {
    auto& v = result.labels[q];
    if (anyShared && second[v] != 0) crossingVoxels.push_back({v, q});
    v = label[v];
  }
  result.instances = next;
  std::sort(crossingVoxels.begin(), crossingVoxels.end());
  result.diagnostics["crossing_cluster_voxels"] = static_cast<double>(crossingVoxels.size());
  shareCrossingVoxels(ctx, svs, label, second, crossingVoxels, result);
  std::sort(result.overlaps.begin(), result.overlaps.end());
  result.diagnostics["overlap_voxels_clusters"] = static_cast<double>(result.overlaps.size());
  if (tubular && options.overlapShare > 0 && next > 1) {
    report(0.98, "crossings");
    shareMixedVoxels(ctx, svs, contacts, label, result);
  }
  result.diagnostics["overlap_voxels"] = static_cast<double>(result.overlaps.size());
  report(1.0, "done");
  return result;
}

void instanceMask(const SegmentResult& result, std::uint32_t instance, std::int64_t z0,
                  std::int64_t z1, std::uint8_t* out) {
  const auto plane = static_cast<std::uint64_t>(result.extent.y * result.extent.x);
  const std::uint64_t begin = static_cast<std::uint64_t>(z0) * plane,
                      end = static_cast<std::uint64_t>(z1) * plane;
  for (std::uint64_t q = begin; q < end; ++q) out[q - begin] = result.labels[q] == instance;
  auto it = std::lower_bound(result.overlaps.begin(), result.overlaps.end(),
                             std::pair<std::uint64_t, std::uint32_t>{begin, 0});
  for (; it != result.overlaps.end() && it->first < end; ++it)
    if (it->second == instance) out[it->first - begin] = 1;
}

std::string describe(const SegmentOptions& o) {
  std::ostringstream out;
  out << "method=" << (o.method == Method::Tubular ? "tubular" : "baseline") << " clip=" << o.clip
      << " remove_small=" << o.removeSmall << " block=" << o.blockZ << "x" << o.blockY << "x"
      << o.blockX << " seed=" << o.seed;
  return out.str();
}

}  // namespace nl::analysis::segmentation
