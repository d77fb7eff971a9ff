// The weighted LFR generator: sizes, degrees, mixing (topology and weights)
// measured against the requested values, strengths k^β, determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "analysis/connectome/Lfr.h"

namespace cn = nl::analysis::connectome;

TEST(Lfr, StatisticsMatchTheRequest) {
  cn::LfrSettings s;
  s.nodes = 500;
  s.averageDegree = 20;
  s.maxDegree = 50;
  s.mixingTopology = 0.3;
  s.mixingWeights = 0.2;
  s.beta = 1.5;
  s.tau1 = 2.0;
  s.tau2 = 1.0;
  s.seed = 8;
  const auto lfr = cn::generateLfr(s);
  const auto& g = lfr.graph;
  ASSERT_EQ(g.nodes(), 500);
  double mean = 0.0;
  int maxK = 0;
  for (int v = 0; v < g.nodes(); ++v) {
    mean += g.degree(v);
    maxK = std::max(maxK, g.degree(v));
  }
  mean /= g.nodes();
  EXPECT_NEAR(mean, 20.0, 2.0);
  EXPECT_LE(maxK, 51);
  EXPECT_NEAR(lfr.measuredMixingTopology, 0.3, 0.05);
  EXPECT_NEAR(lfr.measuredMixingWeights, 0.2, 0.05);
  // Communities: every node in one, each larger than its members' internal degrees.
  std::map<int, int> sizes;
  for (const int c : lfr.community) ++sizes[c];
  for (const auto& [c, n] : sizes) EXPECT_GE(n, 2);
  EXPECT_GE(sizes.size(), 3u);
  // Strengths close to k^β.
  double err = 0.0, norm = 0.0;
  for (int v = 0; v < g.nodes(); ++v) {
    const double target = std::pow(g.degree(v), 1.5);
    err += std::pow(g.strength(v) - target, 2);
    norm += target * target;
  }
  EXPECT_LT(std::sqrt(err / norm), 0.1);
  // The degree distribution is heavy-tailed: the median is below the mean.
  std::vector<int> k;
  for (int v = 0; v < g.nodes(); ++v) k.push_back(g.degree(v));
  std::nth_element(k.begin(), k.begin() + 250, k.end());
  EXPECT_LT(k[250], mean);
}

TEST(Lfr, SeededAndTable1Parameters) {
  cn::LfrSettings s;  // the paper's default net
  const auto a = cn::generateLfr(s);
  const auto b = cn::generateLfr(s);
  EXPECT_EQ(a.community, b.community);
  EXPECT_EQ(a.graph.edgeCount(), b.graph.edgeCount());
  EXPECT_EQ(a.graph.nodes(), 125);
  EXPECT_THROW(
      [] {
        cn::LfrSettings bad;
        bad.mixingTopology = 1.5;
        cn::generateLfr(bad);
      }(),
      std::invalid_argument);
}
