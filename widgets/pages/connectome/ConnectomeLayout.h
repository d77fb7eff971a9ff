#pragma once
// Plain arithmetic behind the connectome page (no Qt, no VTK): a neuron-pair
// factor as an N×N matrix, orderings of its neurons (by community labels, or
// by average-linkage clustering when no communities run is at hand) and a
// deterministic force-directed 2D layout of its graph.
#include <array>
#include <cstddef>
#include <vector>

namespace nl::widgets::connectome {

// (Pair indices and N from P: analysis/connectome/Affinity.h, pairIndex and neuronsForPairs.)
// Column `r` of a P×R row-major factor as a symmetric N×N matrix; the
// diagonal is NaN (no self-pair).
std::vector<double> pairColumnToSquare(const std::vector<double>& factors, std::size_t components,
                                       std::size_t r, std::size_t n);

struct Ordering {
  std::vector<std::size_t> order;  // display position → neuron
  std::vector<int> groups;         // per neuron: its community (or cluster), −1 none
  int groupCount = 0;
};

// Neurons by community (communities numbered by first appearance in size
// order, largest first), strongest (weighted degree) first inside one.
Ordering orderByLabels(const std::vector<int>& labels, const std::vector<double>& square,
                       std::size_t n);
// Average-linkage agglomerative clustering of the affinities (NaN counts as
// 0): the dendrogram's leaf order, and clusters cut where the merge affinity
// drops most (between 2 and `maxGroups` clusters).
Ordering hierarchicalOrder(const std::vector<double>& square, std::size_t n, int maxGroups = 12);

// Fruchterman–Reingold layout of the weighted graph (edges with weight above
// `threshold`), started from a circle in neuron order, so it is the same on
// every run; positions in [−1, 1]².
std::vector<std::array<double, 2>> forceLayout(const std::vector<double>& square, std::size_t n,
                                               double threshold, int iterations = 300);

}  // namespace nl::widgets::connectome
