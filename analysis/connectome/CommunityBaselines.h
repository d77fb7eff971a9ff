#pragma once
// Modularity baselines through the igraph C library: Leiden (modularity
// objective: node weights = strengths, resolution 1 / 2m) and Louvain
// (igraph_community_multilevel), both on the edge weights. Seeded through
// igraph's default RNG (not thread-safe: igraph's RNG is global).
#include <cstdint>
#include <vector>

#include "analysis/connectome/Graph.h"

namespace nl::analysis::connectome {

struct BaselineResult {
  std::vector<std::vector<int>> levels;  // Leiden: one level; Louvain: each aggregation level
  double modularity = 0.0;
  double seconds = 0.0;
};

BaselineResult leidenModularity(const WeightedGraph& graph, std::uint64_t seed);
BaselineResult louvain(const WeightedGraph& graph, std::uint64_t seed);

}  // namespace nl::analysis::connectome
