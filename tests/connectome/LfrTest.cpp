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

// The paper's Table 1 nets at N = 125: the measured mixing is the requested
// one (averaged over 10 graphs, as the table is). Before sizes and
// memberships were checked for wireability, one community took ~70 of the
// 125 nodes, its external edges were dropped and μ_t came out at 0.38 for
// 0.5 (0.37 with ⟨k⟩ = 10, where rounding k/2 up also biased it).
TEST(Lfr, Table1NetsHaveTheRequestedMixing) {
  struct Net {
    double mut, muw, k;
  };
  for (const Net net : {Net{0.5, 0.5, 25}, Net{0.75, 0.5, 25}, Net{0.5, 0.5, 10},
                        Net{0.5, 0.25, 25}, Net{0.5, 0.75, 25}}) {
    double mut = 0, muw = 0;
    for (int g = 0; g < 10; ++g) {
      cn::LfrSettings s;
      s.mixingTopology = net.mut;
      s.mixingWeights = net.muw;
      s.averageDegree = net.k;
      s.seed = 1 + g;
      const auto lfr = cn::generateLfr(s);
      mut += lfr.measuredMixingTopology / 10;
      muw += lfr.measuredMixingWeights / 10;
      // No community is so large that its external edges cannot leave it.
      std::map<int, int> sizes;
      for (const int c : lfr.community) ++sizes[c];
      EXPECT_GE(sizes.size(), 2u);
    }
    EXPECT_NEAR(mut, net.mut, 0.02) << "μ_t " << net.mut << ", ⟨k⟩ " << net.k;
    // With μ_t = 0.75 a node keeps few internal edges, which must then carry
    // half its strength against their other ends' own targets: the weight fit
    // lands near 0.55 (the strength error stays small).
    EXPECT_NEAR(muw, net.muw, net.mut > 0.6 ? 0.07 : 0.03)
        << "μ_w " << net.muw << ", μ_t " << net.mut;
  }
  // μ_t = 0.25 at N = 125 cannot be wired exactly (the degree-100 node needs
  // a community of more than 75 nodes, whose external edges outnumber all
  // the others'): the closest draw is kept, and the shortfall is measured.
  cn::LfrSettings s;
  s.mixingTopology = 0.25;
  const auto lfr = cn::generateLfr(s);
  EXPECT_GT(lfr.measuredMixingTopology, 0.1);
  EXPECT_LT(lfr.measuredMixingTopology, 0.25);
}
