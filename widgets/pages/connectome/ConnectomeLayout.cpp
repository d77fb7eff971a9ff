#include "widgets/pages/connectome/ConnectomeLayout.h"

#include "analysis/connectome/Affinity.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>
#include <numeric>

namespace nl::widgets::connectome {

std::vector<double> pairColumnToSquare(const std::vector<double>& factors, std::size_t components,
                                       std::size_t r, std::size_t n) {
  std::vector<double> square(n * n, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      const double v = factors[analysis::connectome::pairIndex(i, j, n) * components + r];
      square[i * n + j] = square[j * n + i] = v;
    }
  return square;
}

namespace {
double weight(const std::vector<double>& square, std::size_t n, std::size_t i, std::size_t j) {
  const double v = square[i * n + j];
  return std::isfinite(v) ? v : 0.0;
}
}  // namespace

Ordering orderByLabels(const std::vector<int>& labels, const std::vector<double>& square,
                       std::size_t n) {
  Ordering out;
  std::vector<double> degree(n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      if (i != j) degree[i] += weight(square, n, i, j);
  // Renumber communities: largest first, ties by first appearance.
  std::map<int, std::pair<std::size_t, std::size_t>> sizes;  // label → (count, first)
  for (std::size_t i = 0; i < n && i < labels.size(); ++i) {
    auto [it, fresh] = sizes.try_emplace(labels[i], 0, i);
    ++it->second.first;
  }
  std::vector<std::pair<int, std::pair<std::size_t, std::size_t>>> ranked(sizes.begin(),
                                                                          sizes.end());
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.second.first != b.second.first ? a.second.first > b.second.first
                                            : a.second.second < b.second.second;
  });
  std::map<int, int> renumber;
  for (std::size_t k = 0; k < ranked.size(); ++k) renumber[ranked[k].first] = static_cast<int>(k);
  out.groups.assign(n, -1);
  for (std::size_t i = 0; i < n && i < labels.size(); ++i) out.groups[i] = renumber[labels[i]];
  out.groupCount = static_cast<int>(ranked.size());
  out.order.resize(n);
  std::iota(out.order.begin(), out.order.end(), std::size_t{0});
  std::stable_sort(out.order.begin(), out.order.end(), [&](std::size_t a, std::size_t b) {
    const int ga = out.groups[a] < 0 ? out.groupCount : out.groups[a];
    const int gb = out.groups[b] < 0 ? out.groupCount : out.groups[b];
    return ga != gb ? ga < gb : degree[a] > degree[b];
  });
  return out;
}

Ordering hierarchicalOrder(const std::vector<double>& square, std::size_t n, int maxGroups) {
  Ordering out;
  if (n == 0) return out;
  // Clusters: members in leaf order; similarity between live clusters.
  std::vector<std::vector<std::size_t>> members(n);
  for (std::size_t i = 0; i < n; ++i) members[i] = {i};
  std::vector<double> sim(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) sim[i * n + j] = i == j ? 0.0 : weight(square, n, i, j);
  std::vector<bool> alive(n, true);
  struct Merge {
    std::size_t a, b;
    double similarity;
  };
  std::vector<Merge> merges;
  for (std::size_t step = 0; step + 1 < n; ++step) {
    double best = -std::numeric_limits<double>::infinity();
    std::size_t ba = 0, bb = 0;
    for (std::size_t a = 0; a < n; ++a) {
      if (!alive[a]) continue;
      for (std::size_t b = a + 1; b < n; ++b)
        if (alive[b] && sim[a * n + b] > best) best = sim[a * n + b], ba = a, bb = b;
    }
    merges.push_back({ba, bb, best});
    const double na = static_cast<double>(members[ba].size()),
                 nb = static_cast<double>(members[bb].size());
    for (std::size_t c = 0; c < n; ++c)
      if (alive[c] && c != ba && c != bb)
        sim[ba * n + c] = sim[c * n + ba] =
            (na * sim[ba * n + c] + nb * sim[bb * n + c]) / (na + nb);
    members[ba].insert(members[ba].end(), members[bb].begin(), members[bb].end());
    members[bb].clear();
    alive[bb] = false;
  }
  for (std::size_t c = 0; c < n; ++c)
    if (alive[c]) out.order = members[c];
  // Cut: after merge m there are n−1−m clusters; cut where the next merge's
  // affinity falls most below this one's.
  std::size_t cut = merges.size();  // no merge replayed: every neuron alone
  double biggestDrop = -1.0;
  for (std::size_t m = 0; m + 1 < merges.size(); ++m) {
    const std::size_t clusters = n - 1 - m;
    if (clusters < 2 || clusters > static_cast<std::size_t>(maxGroups)) continue;
    const double drop = merges[m].similarity - merges[m + 1].similarity;
    if (drop > biggestDrop) biggestDrop = drop, cut = m;
  }
  std::vector<std::size_t> root(n);
  std::iota(root.begin(), root.end(), std::size_t{0});
  auto find = [&](std::size_t i) {
    while (root[i] != i) i = root[i] = root[root[i]];
    return i;
  };
  if (cut < merges.size())
    for (std::size_t m = 0; m <= cut; ++m) root[find(merges[m].b)] = find(merges[m].a);
  // Groups numbered in display order.
  std::map<std::size_t, int> number;
  out.groups.assign(n, -1);
  for (const auto i : out.order) {
    const auto [it, fresh] = number.try_emplace(find(i), static_cast<int>(number.size()));
    out.groups[i] = it->second;
  }
  out.groupCount = static_cast<int>(number.size());
  return out;
}

std::vector<std::array<double, 2>> forceLayout(const std::vector<double>& square, std::size_t n,
                                               double threshold, int iterations) {
  std::vector<std::array<double, 2>> p(n);
  if (n == 0) return p;
  for (std::size_t i = 0; i < n; ++i) {
    const double a = 2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(n);
    p[i] = {std::cos(a), std::sin(a)};
  }
  if (n == 1) return {{0.0, 0.0}};
  double maxWeight = 0.0;
  for (std::size_t i = 0; i < n * n; ++i)
    if (std::isfinite(square[i])) maxWeight = std::max(maxWeight, square[i]);
  struct Edge {
    std::size_t i, j;
    double w;
  };
  std::vector<Edge> edges;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      const double w = weight(square, n, i, j);
      if (w > threshold && maxWeight > 0) edges.push_back({i, j, w / maxWeight});
    }
  const double k = std::sqrt(4.0 / static_cast<double>(n));  // ideal distance in a 2×2 box
  double temperature = 0.2;
  std::vector<std::array<double, 2>> d(n);
  for (int it = 0; it < iterations; ++it) {
    for (auto& v : d) v = {0.0, 0.0};
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) {
        double dx = p[i][0] - p[j][0], dy = p[i][1] - p[j][1];
        const double dist2 = std::max(dx * dx + dy * dy, 1e-6);
        const double f = k * k / dist2;  // repulsion k²/d, along (dx, dy)/d
        d[i][0] += dx * f, d[i][1] += dy * f;
        d[j][0] -= dx * f, d[j][1] -= dy * f;
      }
    for (const auto& e : edges) {
      const double dx = p[e.i][0] - p[e.j][0], dy = p[e.i][1] - p[e.j][1];
      const double dist = std::sqrt(dx * dx + dy * dy);
      const double f = e.w * dist / k;  // attraction d²/k, along (dx, dy)/d
      d[e.i][0] -= dx * f, d[e.i][1] -= dy * f;
      d[e.j][0] += dx * f, d[e.j][1] += dy * f;
    }
    for (std::size_t i = 0; i < n; ++i) {
      // Gentle gravity keeps disconnected parts on screen.
      d[i][0] -= 0.6 * p[i][0] / k, d[i][1] -= 0.6 * p[i][1] / k;
      const double len = std::sqrt(d[i][0] * d[i][0] + d[i][1] * d[i][1]);
      if (len > 0) {
        const double step = std::min(len, temperature);
        p[i][0] += d[i][0] / len * step, p[i][1] += d[i][1] / len * step;
      }
    }
    temperature = std::max(0.002, temperature * 0.985);
  }
  double lo[2] = {1e300, 1e300}, hi[2] = {-1e300, -1e300};
  for (const auto& q : p)
    for (int a = 0; a < 2; ++a) lo[a] = std::min(lo[a], q[a]), hi[a] = std::max(hi[a], q[a]);
  const double span = std::max({hi[0] - lo[0], hi[1] - lo[1], 1e-9});
  for (auto& q : p)
    for (int a = 0; a < 2; ++a) q[a] = 2.0 * (q[a] - (lo[a] + hi[a]) / 2.0) / span;
  return p;
}

}  // namespace nl::widgets::connectome
