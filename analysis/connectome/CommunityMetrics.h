#pragma once
// Comparing partitions: normalized mutual information with the arithmetic
// normalisation, NMI = 2 I(X; Y) / (H(X) + H(Y)) (1 when both partitions have
// a single group), and modularity of a weighted partition.
#include <vector>

#include "analysis/connectome/Graph.h"

namespace nl::analysis::connectome {

double normalizedMutualInformation(const std::vector<int>& a, const std::vector<int>& b);

// Newman's weighted modularity Q at resolution 1.
double modularity(const WeightedGraph& graph, const std::vector<int>& labels);

}  // namespace nl::analysis::connectome
