#pragma once
// Split–merge moves for the neuron clusters of the bi-clustering sampler
// (Jain & Neal 2004, 2007: restricted Gibbs launch states; non-conjugate
// cluster parameters), adapted to this model: a cluster's parameter is its
// latent path [μ_t; x_t] ((p+1) × T), every neuron has its loadings c.
//
// The move targets, with the Pólya-Gamma variables ω of the iteration held
// fixed, the conditional of (partition, paths) of the two clusters involved
// with the loadings integrated out. Given ω the NB likelihood of a neuron is
// a Gaussian kernel in its linear predictor ψ = δ − log r + μ_t + cᵀx_t,
//   Π_t exp(κ_t ψ_t − ½ ω_t ψ_t²),  κ_t = (y_t − r)/2   (Polson, Scott & Windle 2013),
// so with c ~ N(0, I) the marginal M(y | path) is an exact Gaussian integral.
// A cluster's path has the Gaussian random-walk prior G0 that a new cluster's
// path is drawn under (x_0 ~ N(0, I), steps N(0, ψ0 I)). docs/BICLUSTERING.md
// ("Split–merge moves") gives the ratio and what it leaves out.
#include <Eigen/Dense>
#include <map>
#include <tuple>
#include <vector>

#include "analysis/biclustering/Kalman.h"
#include "analysis/biclustering/Random.h"

namespace nl::analysis::biclustering {

struct SplitMergeData {
  const Eigen::MatrixXd* counts = nullptr;    // N × T
  const Eigen::MatrixXd* omega = nullptr;     // N × T, PG(y + r, ψ) of the iteration
  const Eigen::MatrixXd* logRates = nullptr;  // N × T, log(smoothed counts + ½): launch paths
  const Eigen::MatrixXd* profiles = nullptr;  // N × T, smoothed standardised rows: launch split
  Eigen::VectorXd delta;                      // δ, N
  Eigen::VectorXd dispersion;                 // r, N
  const std::vector<double>* logV = nullptr;  // MFM log V_n(t), t = 1 … K+1
  double dirichlet = 1.0;
  double psi = 0.01;  // random-walk step variance of G0
  int launchScans = 3;
  // The target's marginal of a neuron under a path. false: the ω-augmented
  // Gaussian kernel with c integrated exactly (ω a PG draw of the iteration,
  // held fixed). true: the NB likelihood itself with c integrated by
  // Laplace's method (laplaceLogMarginal, as the single-neuron cluster step);
  // ω then only shapes the proposals (pseudo-observations) and may be any
  // function of what the split and the merge share (the sampler: PG means at
  // the smoothed log rates).
  bool laplaceTarget = false;
};

class SplitMerge {
 public:
  explicit SplitMerge(SplitMergeData data);

  // log ∫ N(c; 0, I) Π_t exp(κ_t ψ_t − ½ ω_t ψ_t²) dc for neuron n under `path`.
  double logMarginal(int n, const Eigen::MatrixXd& path) const;
  // c ~ its Gaussian conditional given the path and ω.
  Eigen::VectorXd drawLoadings(int n, const Eigen::MatrixXd& path, Rng& rng) const;
  // Information-form observations of a path from `members` with loadings (rows).
  GaussianObservations observations(const std::vector<int>& members,
                                    const Eigen::MatrixXd& loadings) const;
  // G0 of the paths (a random walk with x_0 ~ N(0, I)).
  SwitchingDynamics walk(Eigen::Index q) const;
  // log E_g exp(ℓ(g·path)) over g uniform on O(p) acting on the x rows (p ≤ 2),
  // ℓ(path) = Σ_t h_tᵀx_t − ½ x_tᵀJ_t x_t. Trapezoid rule over the angle with
  // a spacing well inside the peak's width (p = 2); a two-point sum (p = 1).
  static double logRotationAverage(const GaussianObservations& observations,
                                   const Eigen::MatrixXd& path);

  struct Launch {
    std::vector<int> movable;  // S \ {i, j}, ascending
    std::vector<char> withI;   // launch allocation of each movable neuron
    GaussianObservations obs;  // of the i-part's members with the launch loadings
    double logEvidence = 0.0;  // log ∫ G0(φ) exp(ℓ(φ)) dφ
  };
  // The launch state for the pair (i, j) in S (i's and j's clusters, merged),
  // j's part keeping `pathJ`: an initial split by sequential allocation
  // (sequentialSplit), a pilot path from the i-part's pseudo-observations,
  // then `launchScans` deterministic restricted scans (loadings at their
  // conditional means, the i-part's path at its Kalman-smoothed mean under
  // G0, each neuron to its more probable side); it ends with the i-part's
  // loadings. It depends only on what a split and the reverse merge share.
  Launch launch(int i, int j, const std::vector<int>& members, const Eigen::MatrixXd& pathJ,
                Rng& rng) const;

  // The launch's initial split of the movable neurons (i's side: 1):
  // sequential allocation from the anchors by the principal subspaces of
  // dimension `dimension` (the path's rows) of their smoothed log rates, then
  // K-subspace passes. Deterministic; reads only the counts.
  std::vector<char> sequentialSplit(int i, int j, const std::vector<int>& movable,
                                    Eigen::Index dimension) const;

  // The final restricted Gibbs scan from the launch: with rng, draws each
  // movable neuron's side into withI; without, the log probability of the
  // given withI. Returns Σ log P.
  double allocationScan(const Launch& launch, const Eigen::MatrixXd& pathI,
                        const Eigen::MatrixXd& pathJ, std::vector<char>& withI, Rng* rng) const;

  // log of the Metropolis–Hastings ratio of the split of S (clustersBefore
  // clusters, S among them) into i's part (withI, pathI) and j's part (pathJ).
  // The reverse merge's ratio is its negative.
  double splitLogRatio(int i, int j, const Launch& launch, const std::vector<char>& withI,
                       const Eigen::MatrixXd& pathI, const Eigen::MatrixXd& pathJ,
                       int clustersBefore) const;

  struct Split {
    std::vector<char> withI;
    Eigen::MatrixXd pathI;
    double logRatio = 0.0;
  };
  // A split proposal: the i-part's path from the launch's FFBS conditional,
  // turned by a uniform element of O(p), then the final allocation scan.
  Split proposeSplit(int i, int j, const Launch& launch, const Eigen::MatrixXd& pathJ,
                     int clustersBefore, Rng& rng) const;

  // One move on the partition `labels` (cluster slots 0 … paths.size()−1;
  // an empty slot's path is unused) and the slots' paths: an ordered pair
  // (i, j), i ≠ j, uniformly; same cluster → a split proposal (a new slot, at
  // most maxClusters occupied), else a merge into j's cluster; accepted by
  // the Metropolis–Hastings test. The loadings are not touched (they are
  // integrated out in the target): the caller redraws them for `members`.
  struct Move {
    bool split = false, proposed = false, accepted = false;
    int newSlot = -1;          // an accepted split's slot
    std::vector<int> members;  // S, the neurons of the two clusters
  };
  Move move(std::vector<int>& labels, std::vector<Eigen::MatrixXd>& paths, int maxClusters,
            Rng& rng) const;

 private:
  struct Marginal {
    double logValue;
    Eigen::VectorXd mean;
    Eigen::MatrixXd covariance;
  };
  Marginal marginal(int n, const Eigen::MatrixXd& path, bool moments) const;

  SplitMergeData d_;
  int T_ = 0;
  // Laplace marginals already computed, by neuron and path fingerprint.
  mutable std::map<std::tuple<int, double, double, double>, double> laplaceMemo_;
};

}  // namespace nl::analysis::biclustering
