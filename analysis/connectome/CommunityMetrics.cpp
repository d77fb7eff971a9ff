#include "analysis/connectome/CommunityMetrics.h"

#include <cmath>
#include <map>
#include <stdexcept>
#include <string>

namespace nl::analysis::connectome {

double normalizedMutualInformation(const std::vector<int>& a, const std::vector<int>& b) {
  if (a.size() != b.size())
    throw std::invalid_argument("NMI of partitions of different sizes (" +
                                std::to_string(a.size()) + " and " + std::to_string(b.size()) +
                                ")");
  if (a.empty()) throw std::invalid_argument("NMI of empty partitions");
  const double n = static_cast<double>(a.size());
  std::map<int, double> ca, cb;
  std::map<std::pair<int, int>, double> joint;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ca[a[i]] += 1.0;
    cb[b[i]] += 1.0;
    joint[{a[i], b[i]}] += 1.0;
  }
  auto entropy = [&](const std::map<int, double>& c) {
    double h = 0.0;
    for (const auto& [k, v] : c) h -= v / n * std::log(v / n);
    return h;
  };
  const double ha = entropy(ca), hb = entropy(cb);
  if (ha + hb <= 0.0) return 1.0;
  double mi = 0.0;
  for (const auto& [key, v] : joint)
    mi += v / n * std::log(v * n / (ca[key.first] * cb[key.second]));
  return std::max(0.0, std::min(1.0, 2.0 * mi / (ha + hb)));
}

double modularity(const WeightedGraph& graph, const std::vector<int>& labels) {
  if (labels.size() != static_cast<std::size_t>(graph.nodes()))
    throw std::invalid_argument("modularity: " + std::to_string(labels.size()) + " labels for " +
                                std::to_string(graph.nodes()) + " nodes");
  const double m = graph.totalWeight();
  if (m <= 0.0) return 0.0;
  std::map<int, double> inside, strength;
  for (const auto& e : graph.edges())
    if (labels[e.i] == labels[e.j]) inside[labels[e.i]] += e.w;
  for (int v = 0; v < graph.nodes(); ++v) strength[labels[v]] += graph.strength(v);
  double q = 0.0;
  for (const auto& [g, s] : strength) q += inside[g] / m - (s / (2.0 * m)) * (s / (2.0 * m));
  return q;
}

}  // namespace nl::analysis::connectome
