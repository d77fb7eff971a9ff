// The nested SBM's description length against graph-tool 2.45's
// NestedBlockState.entropy() on a fixed 16-node weighted graph and a fixed
// four-level hierarchy (5, 3, 2, 1 groups). The reference numbers were
// computed once with Debian's python3-graph-tool by
// bench/connectome/sbm_entropy_fixture.py (graph-tool is not needed to run
// this test):
//   NestedBlockState(g, bs=[b0, b1, b2, top],
//                    state_args=dict(recs=[w], rec_types=["real-exponential"],
//                                    deg_corr=...)).entropy()
// The plain (non-degree-corrected) model must agree to rounding. For the
// degree-corrected model graph-tool counts the partitions q(e_r, n_r) of the
// degree prior with a table that misses the partitions whose parts would
// exceed the remainder (its recursion reads q[n−k][k] for k > n − k as 0),
// so its Σ_r ln q is smaller than the exact count; ours uses the exact count.
// The test checks ours = graph-tool's − graph-tool's Σ_r ln q + the exact
// Σ_r ln q (counted here independently), i.e. every other term equal.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

#include "analysis/connectome/Sbm.h"

namespace cn = nl::analysis::connectome;

namespace {

const std::vector<cn::WeightedEdge> kEdges = {
    {0, 2, 0.781},   {0, 3, 0.703},   {0, 8, 0.266},   {0, 10, 0.052},  {0, 13, 0.143},
    {1, 2, 2.117},   {2, 3, 1.522},   {2, 7, 2.296},   {2, 8, 0.229},   {3, 7, 0.288},
    {3, 8, 0.415},   {3, 9, 0.401},   {4, 5, 0.310},   {4, 6, 12.230},  {4, 7, 3.588},
    {4, 13, 0.316},  {4, 15, 1.034},  {5, 6, 0.039},   {5, 7, 2.758},   {7, 10, 0.280},
    {8, 9, 1.512},   {8, 10, 0.123},  {8, 11, 1.934},  {9, 11, 0.511},  {9, 12, 0.238},
    {9, 15, 0.083},  {11, 15, 0.802}, {12, 13, 2.888}, {12, 14, 0.908}, {12, 15, 1.173},
    {13, 14, 0.823}, {13, 15, 0.250}};

const std::vector<int> kB0{0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4, 0, 1, 4, 3};
const std::vector<int> kB1{0, 1, 1, 2, 2};  // of the 5 level-0 groups
const std::vector<int> kB2{0, 1, 1};        // of the 3 level-1 groups

// graph-tool 2.45 (bench/connectome/sbm_entropy_fixture.py).
constexpr double kGtPlainWeighted = 181.440686691542;
constexpr double kGtPlainUnweighted = 118.589259747408;
constexpr double kGtDcWeighted = 185.155822879681;
constexpr double kGtDcUnweighted = 122.304395935546;
constexpr double kGtSumLogQ = 14.085842992081;  // Σ_r libinference.log_q(e_r, n_r)

std::vector<std::vector<int>> partitions() {
  const int N = 16;
  auto pad = [&](std::vector<int> b) {
    b.resize(N, 0);
    return b;
  };
  return {kB0, pad(kB1), pad(kB2), std::vector<int>(N, 0)};
}

// ln of the number of partitions of m into at most n parts, by the exact
// recursion p(m, n) = p(m, n − 1) + p(m − n, n).
double exactLogQ(int m, int n) {
  std::vector<std::vector<double>> p(m + 1, std::vector<double>(n + 1, 0.0));
  for (int j = 0; j <= n; ++j) p[0][j] = 1.0;
  for (int i = 1; i <= m; ++i)
    for (int j = 1; j <= n; ++j) p[i][j] = p[i][j - 1] + (i >= j ? p[i - j][j] : 0.0);
  return std::log(p[m][n]);
}

double exactSumLogQ() {
  std::map<int, int> e, n;
  for (const int g : kB0) ++n[g];
  for (const auto& edge : kEdges) {
    ++e[kB0[edge.i]];
    ++e[kB0[edge.j]];
  }
  double sum = 0.0;
  for (const auto& [r, size] : n) sum += exactLogQ(e[r], size);
  return sum;
}

}  // namespace

TEST(SbmGraphTool, PlainDescriptionLengthEqualsGraphToolEntropy) {
  const cn::WeightedGraph g(16, kEdges);
  ASSERT_EQ(g.edgeCount(), 32u);
  const cn::NestedSbmState weighted(g, false, true, partitions());
  EXPECT_NEAR(weighted.descriptionLength(), kGtPlainWeighted, 1e-9);
  const cn::NestedSbmState unweighted(g, false, false, partitions());
  EXPECT_NEAR(unweighted.descriptionLength(), kGtPlainUnweighted, 1e-9);
}

TEST(SbmGraphTool, DegreeCorrectedEqualsGraphToolUpToItsPartitionCountTable) {
  const cn::WeightedGraph g(16, kEdges);
  const double correction = exactSumLogQ() - kGtSumLogQ;
  EXPECT_GT(correction, 1.0);  // the table difference is real on this graph
  const cn::NestedSbmState weighted(g, true, true, partitions());
  EXPECT_NEAR(weighted.descriptionLength(), kGtDcWeighted + correction, 1e-9);
  const cn::NestedSbmState unweighted(g, true, false, partitions());
  EXPECT_NEAR(unweighted.descriptionLength(), kGtDcUnweighted + correction, 1e-9);
}
