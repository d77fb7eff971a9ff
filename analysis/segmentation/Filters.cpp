#include "analysis/segmentation/Filters.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>

namespace nl::analysis::segmentation {

int gaussianRadius(double sigma) {
  return sigma <= 0 ? 0 : static_cast<int>(std::ceil(3 * sigma));
}

namespace {

std::vector<float> gaussianKernel(double sigma) {
  const int radius = gaussianRadius(sigma);
  std::vector<float> kernel(2 * radius + 1);
  double sum = 0;
  for (int t = -radius; t <= radius; ++t) sum += std::exp(-0.5 * t * t / (sigma * sigma));
  for (int t = -radius; t <= radius; ++t)
    kernel[t + radius] = static_cast<float>(std::exp(-0.5 * t * t / (sigma * sigma)) / sum);
  return kernel;
}

// Along x: each row padded by replication, then convolved.
void convolveX(std::vector<float>& values, Extent e, const std::vector<float>& kernel) {
  const int radius = static_cast<int>(kernel.size() / 2);
  std::vector<float> padded(e.x + 2 * radius);
  for (std::int64_t row = 0; row < e.z * e.y; ++row) {
    float* base = values.data() + row * e.x;
    std::copy(base, base + e.x, padded.begin() + radius);
    std::fill(padded.begin(), padded.begin() + radius, base[0]);
    std::fill(padded.end() - radius, padded.end(), base[e.x - 1]);
    for (std::int64_t t = 0; t < e.x; ++t) {
      float sum = 0;
      const float* p = padded.data() + t;
      for (std::size_t q = 0; q < kernel.size(); ++q) sum += kernel[q] * p[q];
      base[t] = sum;
    }
  }
}

// Along y or z: whole rows (planes) weighted and added, so the inner loop
// runs over contiguous x and vectorises; neighbours beyond the edge are the
// edge row (replication). Every voxel sums its taps in the same order.
void convolveOuter(std::vector<float>& values, std::int64_t outer, std::int64_t length,
                   std::int64_t inner, const std::vector<float>& kernel) {
  const int radius = static_cast<int>(kernel.size() / 2);
  std::vector<float> out(length * inner);
  for (std::int64_t o = 0; o < outer; ++o) {
    float* base = values.data() + o * length * inner;
    std::fill(out.begin(), out.end(), 0.0f);
    for (std::int64_t t = 0; t < length; ++t) {
      float* target = out.data() + t * inner;
      for (int q = -radius; q <= radius; ++q) {
        const std::int64_t from = std::clamp<std::int64_t>(t + q, 0, length - 1);
        const float w = kernel[q + radius];
        const float* source = base + from * inner;
        for (std::int64_t i = 0; i < inner; ++i) target[i] += w * source[i];
      }
    }
    std::copy(out.begin(), out.end(), base);
  }
}

}  // namespace

void gaussianBlur(std::vector<float>& values, Extent e, std::array<double, 3> sigma) {
  if (sigma[2] > 0) convolveX(values, e, gaussianKernel(sigma[2]));
  if (sigma[1] > 0) convolveOuter(values, e.z, e.y, e.x, gaussianKernel(sigma[1]));
  if (sigma[0] > 0) convolveOuter(values, 1, e.z, e.y * e.x, gaussianKernel(sigma[0]));
}

std::vector<float> maximumFilter(const std::vector<float>& values, Extent e, int radius) {
  std::vector<float> a = values, out(values.size());
  // x: per row; y and z: whole rows / planes, as the blur.
  for (std::int64_t row = 0; row < e.z * e.y; ++row) {
    const float* in = a.data() + row * e.x;
    float* target = out.data() + row * e.x;
    for (std::int64_t i = 0; i < e.x; ++i) {
      float best = in[i];
      for (std::int64_t t = std::max<std::int64_t>(0, i - radius);
           t <= std::min<std::int64_t>(e.x - 1, i + radius); ++t)
        best = std::max(best, in[t]);
      target[i] = best;
    }
  }
  auto outerPass = [&](std::vector<float>& from, std::vector<float>& to, std::int64_t outer,
                       std::int64_t length, std::int64_t inner) {
    for (std::int64_t o = 0; o < outer; ++o)
      for (std::int64_t t = 0; t < length; ++t) {
        float* target = to.data() + (o * length + t) * inner;
        const float* self = from.data() + (o * length + t) * inner;
        std::copy(self, self + inner, target);
        for (std::int64_t q = std::max<std::int64_t>(0, t - radius);
             q <= std::min<std::int64_t>(length - 1, t + radius); ++q) {
          const float* source = from.data() + (o * length + q) * inner;
          for (std::int64_t i = 0; i < inner; ++i) target[i] = std::max(target[i], source[i]);
        }
      }
  };
  outerPass(out, a, e.z, e.y, e.x);
  outerPass(a, out, 1, e.z, e.y * e.x);
  return out;
}

namespace {

// 1-D squared distance transform of f (Felzenszwalb & Huttenlocher), with
// the lower envelope built from the finite samples only.
void edt1d(const std::vector<float>& f, std::int64_t n, std::vector<float>& d,
           std::vector<std::int64_t>& v, std::vector<double>& z) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::int64_t k = -1;
  for (std::int64_t q = 0; q < n; ++q) {
    if (!std::isfinite(f[q])) continue;
    double s = 0;
    while (k >= 0) {
      const double p = static_cast<double>(v[k]);
      s = ((f[q] + double(q) * q) - (f[v[k]] + p * p)) / (2.0 * (q - p));
      if (s > z[k]) break;
      --k;
    }
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -kInf;
      z[1] = kInf;
      continue;
    }
    ++k;
    v[k] = q;
    z[k] = s;
    z[k + 1] = kInf;
  }
  if (k < 0) {
    for (std::int64_t q = 0; q < n; ++q) d[q] = std::numeric_limits<float>::infinity();
    return;
  }
  k = 0;
  for (std::int64_t q = 0; q < n; ++q) {
    while (z[k + 1] < q) ++k;
    const double dq = static_cast<double>(q - v[k]);
    d[q] = static_cast<float>(dq * dq + f[v[k]]);
  }
}

}  // namespace

std::vector<float> distanceTransform(const std::vector<std::uint8_t>& mask, Extent e) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  std::vector<float> dist(mask.size());
  for (std::size_t n = 0; n < mask.size(); ++n) dist[n] = mask[n] ? kInf : 0.0f;
  const std::int64_t longest = std::max({e.z, e.y, e.x});
  std::vector<float> f(longest), d(longest);
  std::vector<double> z(longest + 1);
  std::vector<std::int64_t> v(longest);
  auto pass = [&](std::int64_t lines, std::int64_t length, std::int64_t stride, auto lineStart) {
    for (std::int64_t line = 0; line < lines; ++line) {
      const std::int64_t base = lineStart(line);
      for (std::int64_t t = 0; t < length; ++t) f[t] = dist[base + t * stride];
      edt1d(f, length, d, v, z);
      for (std::int64_t t = 0; t < length; ++t) dist[base + t * stride] = d[t];
    }
  };
  pass(e.z * e.y, e.x, 1, [&](std::int64_t n) { return n * e.x; });
  pass(e.z * e.x, e.y, e.x, [&](std::int64_t n) { return (n / e.x) * e.y * e.x + n % e.x; });
  pass(e.y * e.x, e.z, e.y * e.x, [&](std::int64_t n) { return n; });
  // A line without any background stays infinite: the nearest background is
  // outside the volume; give it the distance to the nearest face instead.
  for (std::int64_t k = 0; k < e.z; ++k)
    for (std::int64_t j = 0; j < e.y; ++j)
      for (std::int64_t i = 0; i < e.x; ++i) {
        float& value = dist[e.index(k, j, i)];
        if (value == kInf) {
          const auto face = std::min({k + 1, e.z - k, j + 1, e.y - j, i + 1, e.x - i});
          value = static_cast<float>(face * face);
        }
        value = std::sqrt(value);
      }
  return dist;
}

std::vector<std::uint32_t> watershed(const std::vector<float>& elevation,
                                     std::vector<std::uint32_t> labels,
                                     const std::vector<std::uint8_t>& mask, Extent e) {
  struct Item {
    float value;
    std::uint64_t age;
    std::int64_t index;
    bool operator>(const Item& other) const {
      return value != other.value ? value > other.value : age > other.age;
    }
  };
  std::priority_queue<Item, std::vector<Item>, std::greater<>> queue;
  std::uint64_t age = 0;
  std::vector<std::uint8_t> queued(labels.size(), 0);
  for (std::int64_t n = 0; n < e.voxels(); ++n)
    if (labels[n] != 0 && mask[n]) {
      queue.push({elevation[n], age++, n});
      queued[n] = 1;
    }
  while (!queue.empty()) {
    const Item item = queue.top();
    queue.pop();
    const std::int64_t k = item.index / (e.y * e.x), j = (item.index / e.x) % e.y,
                       i = item.index % e.x;
    for (int dz = -1; dz <= 1; ++dz)
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          const std::int64_t kk = k + dz, jj = j + dy, ii = i + dx;
          if (kk < 0 || jj < 0 || ii < 0 || kk >= e.z || jj >= e.y || ii >= e.x) continue;
          const std::int64_t m = e.index(kk, jj, ii);
          if (queued[m] || !mask[m]) continue;
          queued[m] = 1;
          labels[m] = labels[item.index];
          queue.push({std::max(elevation[m], item.value), age++, m});
        }
  }
  return labels;
}

HessianEigen hessianEigen(const std::vector<float>& s, Extent e, std::int64_t k, std::int64_t j,
                          std::int64_t i, float scale) {
  auto at = [&](std::int64_t kk, std::int64_t jj, std::int64_t ii) {
    kk = std::clamp<std::int64_t>(kk, 0, e.z - 1);
    jj = std::clamp<std::int64_t>(jj, 0, e.y - 1);
    ii = std::clamp<std::int64_t>(ii, 0, e.x - 1);
    return s[e.index(kk, jj, ii)];
  };
  const float c = at(k, j, i);
  Eigen::Matrix3f h;
  h(0, 0) = at(k + 1, j, i) - 2 * c + at(k - 1, j, i);
  h(1, 1) = at(k, j + 1, i) - 2 * c + at(k, j - 1, i);
  h(2, 2) = at(k, j, i + 1) - 2 * c + at(k, j, i - 1);
  h(0, 1) = h(1, 0) = 0.25f * (at(k + 1, j + 1, i) - at(k + 1, j - 1, i) - at(k - 1, j + 1, i) +
                               at(k - 1, j - 1, i));
  h(0, 2) = h(2, 0) = 0.25f * (at(k + 1, j, i + 1) - at(k + 1, j, i - 1) - at(k - 1, j, i + 1) +
                               at(k - 1, j, i - 1));
  h(1, 2) = h(2, 1) = 0.25f * (at(k, j + 1, i + 1) - at(k, j + 1, i - 1) - at(k, j - 1, i + 1) +
                               at(k, j - 1, i - 1));
  h *= scale;
  Eigen::SelfAdjointEigenSolver<Eigen::Matrix3f> solver;
  solver.computeDirect(h);
  std::array<int, 3> order{0, 1, 2};
  const auto values = solver.eigenvalues();
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return std::abs(values(a)) < std::abs(values(b)); });
  HessianEigen result;
  for (int q = 0; q < 3; ++q) result.lambda[q] = values(order[q]);
  const auto axis = solver.eigenvectors().col(order[0]);
  result.axis = {axis(0), axis(1), axis(2)};
  return result;
}

float frangiVesselness(const HessianEigen& eigen, float alpha, float beta, float c) {
  const float l1 = eigen.lambda[0], l2 = eigen.lambda[1], l3 = eigen.lambda[2];
  if (l2 >= 0 || l3 >= 0) return 0;
  const float ra = std::abs(l2) / std::abs(l3);
  const float rb = std::abs(l1) / std::sqrt(std::abs(l2 * l3));
  const float s2 = l1 * l1 + l2 * l2 + l3 * l3;
  return (1 - std::exp(-ra * ra / (2 * alpha * alpha))) * std::exp(-rb * rb / (2 * beta * beta)) *
         (1 - std::exp(-s2 / (2 * c * c)));
}

}  // namespace nl::analysis::segmentation
