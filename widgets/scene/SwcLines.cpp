#include "widgets/scene/SwcLines.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <unordered_map>

namespace nl::widgets {

bool isSwcTable(const io::TableDataset& table) {
  for (const char* column : {"id", "type", "x", "y", "z", "radius", "parent"})
    if (table.numericColumn(column) == nullptr) return false;
  return true;
}

QColor swcTypeColour(int type) {
  switch (type) {
    case 1:
      return {220, 40, 40};  // soma
    case 2:
      return {60, 110, 230};  // axon
    case 3:
      return {50, 180, 80};  // basal dendrite
    case 4:
      return {200, 70, 200};  // apical dendrite
    default:
      return {200, 200, 200};  // undefined, custom
  }
}

SwcBranches swcBranches(const io::TableDataset& table) {
  if (!isSwcTable(table)) throw std::invalid_argument("'" + table.name() + "' is not an SWC table");
  const auto& id = *table.numericColumn("id");
  const auto& type = *table.numericColumn("type");
  const auto& x = *table.numericColumn("x");
  const auto& y = *table.numericColumn("y");
  const auto& z = *table.numericColumn("z");
  const auto& radius = *table.numericColumn("radius");
  const auto& parent = *table.numericColumn("parent");
  const std::size_t n = table.rowCount();
  std::unordered_map<long long, std::size_t> rowOf;
  for (std::size_t r = 0; r < n; ++r) rowOf[std::llround(id[r])] = r;
  std::vector<std::vector<std::size_t>> children(n);
  std::vector<std::size_t> roots;
  for (std::size_t r = 0; r < n; ++r) {
    const long long p = std::llround(parent[r]);
    if (p < 0) {
      roots.push_back(r);
      continue;
    }
    const auto it = rowOf.find(p);
    if (it == rowOf.end())
      throw std::invalid_argument("node " + std::to_string(std::llround(id[r])) + " has a parent " +
                                  std::to_string(p) + " that is not in '" + table.name() + "'");
    children[it->second].push_back(r);
  }
  SwcBranches out;
  auto point = [&](std::size_t r) { return std::array<double, 3>{x[r], y[r], z[r]}; };
  // Each branch starts at a root or a branch point and follows single children.
  std::vector<std::pair<std::size_t, std::size_t>> starts;  // (from node, first node)
  for (auto root : roots)
    for (auto child : children[root]) starts.emplace_back(root, child);
  std::vector<bool> visited(n, false);  // a cycle (not a tree) must not loop forever
  while (!starts.empty()) {
    auto [from, node] = starts.back();
    starts.pop_back();
    if (visited[node]) continue;
    visited[node] = true;
    std::vector<std::array<double, 3>> line{point(from), point(node)};
    while (children[node].size() == 1 && !visited[children[node].front()]) {
      node = children[node].front();
      visited[node] = true;
      line.push_back(point(node));
    }
    for (auto child : children[node]) starts.emplace_back(node, child);
    out.polylines.push_back(std::move(line));
    out.colours.push_back(swcTypeColour(static_cast<int>(std::lround(type[node]))));
  }
  if (n > 0) {
    double lo[3] = {x[0], y[0], z[0]}, hi[3] = {x[0], y[0], z[0]};
    for (std::size_t r = 0; r < n; ++r) {
      const double p[3] = {x[r], y[r], z[r]};
      for (int a = 0; a < 3; ++a) lo[a] = std::min(lo[a], p[a]), hi[a] = std::max(hi[a], p[a]);
    }
    out.diagonal = std::hypot(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]);
  }
  std::vector<double> radii(radius.begin(), radius.end());
  if (!radii.empty()) {
    std::nth_element(radii.begin(), radii.begin() + static_cast<std::ptrdiff_t>(radii.size() / 2),
                     radii.end());
    out.medianRadius = radii[radii.size() / 2];
  }
  return out;
}

}  // namespace nl::widgets
