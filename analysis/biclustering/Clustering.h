#pragma once
// Neuron clustering pieces: the mixture-of-finite-mixtures coefficients (Miller
// & Harrison 2018), the Laplace-approximated marginal likelihood of a neuron's
// counts under a cluster's latent, the Chinese-restaurant-table count, and the
// Hungarian assignment used against label switching.
#include <Eigen/Dense>
#include <vector>

#include "analysis/biclustering/Random.h"

namespace nl::analysis::biclustering {

// log V_n(t) for t = 1 … upTo (index t − 1): log Σ_{k≥t} k_(t) / (γk)^(n) p(k)
// with K ~ Geometric(p) on {1, 2, …}; −∞ for t > n.
std::vector<double> mfmLogCoefficients(int n, double gamma, double geometricP, int upTo);

// log ∫ NB(y | r, exp(offset + X c)) N(c; 0, I) dc by Laplace's method at the
// maximum-likelihood c (Newton–Raphson / Fisher scoring) with the expected
// information, as llf(ĉ) + log N(ĉ; 0, I) + ½ log det(I(ĉ)⁻¹) (+ p/2 log 2π).
// dispersion ≤ 0 means Poisson. Terms of y alone (log y!, log Γ(y + r) − log Γ(r))
// are left out: they are the same for every cluster a neuron could join.
// `start` is where the scoring iterations begin (default 0; the likelihood is
// concave in c, so the start changes only how many passes it takes);
// `fitted`, when given, receives ĉ. Returns −∞ when the fit does not converge.
double laplaceLogMarginal(const Eigen::Ref<const Eigen::VectorXd>& counts, double dispersion,
                          const Eigen::Ref<const Eigen::MatrixXd>& regressors,  // T × p
                          const Eigen::Ref<const Eigen::VectorXd>& offset,
                          const Eigen::VectorXd* start = nullptr,
                          Eigen::VectorXd* fitted = nullptr);

// Clusters the rows of `rows` (N × T) by the subspaces they span: rows
// centred and normalised, affinities cos² between them, the leading
// `clusters` eigenvectors of D^−½ W D^−½ (Ng, Jordan & Weiss 2002) clustered
// by k-means++ (`restarts` seeded starts, the tightest kept), then
// K-subspace passes (each row, left out, to the cluster whose principal
// `dimension`-subspace explains the largest share of it). Labels 0 … K'−1,
// K' ≤ clusters, in order of first appearance.
std::vector<int> subspaceClustering(const Eigen::MatrixXd& rows, int clusters, int dimension,
                                    Rng& rng, int restarts = 10);

// Σ_t CRT(y_t, r): the number of tables of Chinese restaurants with y_t
// customers and concentration r (Zhou & Carin 2015).
long chineseRestaurantTables(const std::vector<int>& counts, double r, Rng& rng);

// Hungarian algorithm (Kuhn–Munkres, O(n³)) on a square cost matrix: the
// column assigned to each row, minimising the total cost.
std::vector<int> hungarian(const Eigen::MatrixXd& cost);

}  // namespace nl::analysis::biclustering
