#include "analysis/connectome/Graph.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

namespace nl::analysis::connectome {

WeightedGraph::WeightedGraph(int nodes, const std::vector<WeightedEdge>& edges) : nodes_(nodes) {
  if (nodes < 0) throw std::invalid_argument("a graph cannot have a negative number of nodes");
  std::map<std::pair<int, int>, double> merged;
  for (const auto& e : edges) {
    if (e.i < 0 || e.j < 0 || e.i >= nodes || e.j >= nodes)
      throw std::invalid_argument("edge (" + std::to_string(e.i) + ", " + std::to_string(e.j) +
                                  ") names a node outside 0…" + std::to_string(nodes - 1));
    if (e.i == e.j)
      throw std::invalid_argument("edge (" + std::to_string(e.i) + ", " + std::to_string(e.j) +
                                  ") is a self-loop; the graph must be simple");
    if (!std::isfinite(e.w) || e.w < 0.0)
      throw std::invalid_argument("edge (" + std::to_string(e.i) + ", " + std::to_string(e.j) +
                                  ") has weight " + std::to_string(e.w) +
                                  "; weights must be finite and non-negative");
    merged[{std::min(e.i, e.j), std::max(e.i, e.j)}] += e.w;
  }
  std::vector<int> degree(static_cast<std::size_t>(nodes), 0);
  for (const auto& [pair, w] : merged) {
    if (w <= 0.0) continue;
    edges_.push_back({pair.first, pair.second, w});
    ++degree[pair.first];
    ++degree[pair.second];
  }
  offsets_.assign(static_cast<std::size_t>(nodes) + 1, 0);
  for (int v = 0; v < nodes; ++v) offsets_[v + 1] = offsets_[v] + degree[v];
  neighbours_.resize(2 * edges_.size());
  weights_.resize(2 * edges_.size());
  strength_.assign(static_cast<std::size_t>(nodes), 0.0);
  std::vector<int> fill(offsets_.begin(), offsets_.end() - 1);
  for (const auto& e : edges_) {
    neighbours_[fill[e.i]] = e.j;
    weights_[fill[e.i]++] = e.w;
    neighbours_[fill[e.j]] = e.i;
    weights_[fill[e.j]++] = e.w;
    strength_[e.i] += e.w;
    strength_[e.j] += e.w;
    totalWeight_ += e.w;
  }
}

WeightedGraph WeightedGraph::fromAdjacency(int nodes, const std::vector<double>& values) {
  if (nodes < 0 || values.size() != static_cast<std::size_t>(nodes) * nodes)
    throw std::invalid_argument("an adjacency of " + std::to_string(nodes) + " nodes needs " +
                                std::to_string(static_cast<long>(nodes) * nodes) +
                                " values, it has " + std::to_string(values.size()));
  std::vector<WeightedEdge> edges;
  for (int i = 0; i < nodes; ++i)
    for (int j = i + 1; j < nodes; ++j) {
      const double a = values[static_cast<std::size_t>(i) * nodes + j];
      const double b = values[static_cast<std::size_t>(j) * nodes + i];
      const bool na = std::isnan(a), nb = std::isnan(b);
      if (na != nb || (!na && std::abs(a - b) > 1e-9 * std::max({1.0, std::abs(a), std::abs(b)})))
        throw std::invalid_argument("the adjacency is not symmetric: (" + std::to_string(i) + ", " +
                                    std::to_string(j) + ") = " + std::to_string(a) + " but (" +
                                    std::to_string(j) + ", " + std::to_string(i) +
                                    ") = " + std::to_string(b));
      if (na) continue;
      if (!std::isfinite(a) || a < 0.0)
        throw std::invalid_argument("adjacency entry (" + std::to_string(i) + ", " +
                                    std::to_string(j) + ") is " + std::to_string(a) +
                                    "; weights must be finite and non-negative");
      if (a > 0.0) edges.push_back({i, j, a});
    }
  return WeightedGraph(nodes, edges);
}

}  // namespace nl::analysis::connectome
