#pragma once
// Weighted LFR benchmark graphs without overlap (Lancichinetti & Fortunato,
// PRE 80, 016118, 2009): power-law degrees (exponent τ₁, mean ⟨k⟩, maximum
// k_max) and community sizes (τ₂), a fraction μ_t of each node's edges leaving
// its community, strengths s_i = k_i^β of which a fraction μ_w leaves, the
// weights found by minimising Σ_i (s_i − ρ_i)² + (s_i^in − ρ_i^in)² + (s_i^out − ρ_i^out)²
// node by node as the paper describes.
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/connectome/Graph.h"

namespace nl::analysis::connectome {

struct LfrSettings {
  int nodes = 125;
  double averageDegree = 25.0;
  int maxDegree = 100;
  double tau1 = 2.0;            // degree exponent
  double tau2 = 1.0;            // community-size exponent
  double mixingTopology = 0.5;  // μ_t
  double mixingWeights = 0.5;   // μ_w
  double beta = 2.0;            // s_i = k_i^β
  int minCommunity = 0;         // 0: the smallest degree (as LFR's default)
  int maxCommunity = 0;         // 0: the largest degree
  std::uint64_t seed = 1;
  int weightSweeps = 200;
};

struct LfrGraph {
  WeightedGraph graph;
  std::vector<int> community;  // per node, 0 … C − 1
  // Measured: the average fraction of each node's edges (weights) leaving its community.
  double measuredMixingTopology = 0.0;
  double measuredMixingWeights = 0.0;
  double weightError = 0.0;  // final Σ of squared strength errors / Σ s_i²
};

LfrGraph generateLfr(const LfrSettings& settings);

// network.dat: "i\tj\tw" per line, 1-based, every edge in both directions (as
// LFR's own program); community.dat: "i\tc", both 1-based.
void writeLfrFiles(const LfrGraph& lfr, const std::string& networkPath,
                   const std::string& communityPath);

}  // namespace nl::analysis::connectome
