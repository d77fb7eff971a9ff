#pragma once
// A weighted undirected simple graph for community detection (connectome.communities):
// an edge list with one entry per unordered pair i < j and a CSR adjacency built from it.
#include <cstdint>
#include <string>
#include <vector>

namespace nl::analysis::connectome {

struct WeightedEdge {
  int i = 0;
  int j = 0;
  double w = 0.0;
};

class WeightedGraph {
 public:
  WeightedGraph() = default;
  // Edges with i == j are rejected, as are negative or non-finite weights and
  // node indices outside [0, nodes). Duplicate pairs (either orientation) have
  // their weights summed. Edges of weight 0 are dropped.
  WeightedGraph(int nodes, const std::vector<WeightedEdge>& edges);

  // From an N × N adjacency (row-major, N*N values): the upper triangle is
  // read; the matrix must be symmetric (to 1e-9 relative), non-negative and
  // finite off the diagonal (NaN counts as no edge); the diagonal is ignored.
  static WeightedGraph fromAdjacency(int nodes, const std::vector<double>& values);

  int nodes() const { return nodes_; }
  std::size_t edgeCount() const { return edges_.size(); }
  const std::vector<WeightedEdge>& edges() const { return edges_; }
  int degree(int v) const { return offsets_[v + 1] - offsets_[v]; }
  double strength(int v) const { return strength_[v]; }
  double totalWeight() const { return totalWeight_; }
  // Neighbours of v: indices [offsets(v), offsets(v+1)) into neighbours()/weights().
  const std::vector<int>& offsets() const { return offsets_; }
  const std::vector<int>& neighbours() const { return neighbours_; }
  const std::vector<double>& weights() const { return weights_; }

 private:
  int nodes_ = 0;
  std::vector<WeightedEdge> edges_;  // i < j, sorted
  std::vector<int> offsets_{0};
  std::vector<int> neighbours_;
  std::vector<double> weights_;
  std::vector<double> strength_;
  double totalWeight_ = 0.0;
};

}  // namespace nl::analysis::connectome
