#pragma once
// The bi-clustering sampler of Wei (2023, arXiv 2309.02213): neurons are
// clustered by a mixture of finite mixtures, each cluster has a (p+1)-dim
// latent [μ_t, x_t], the stacked latents of the occupied clusters follow one
// switching VAR(1) whose state (a weak-limit sticky HDP-HMM) is shared by all
// clusters, and y_it ~ NB(r_i, exp(δ_i + μ_t^(z_i) + c_iᵀ x_t^(z_i))) (or Poisson).
// One chain is a ChainSampler; docs/BICLUSTERING.md gives every step, its
// conventions and where it departs from the reference code.
#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "analysis/biclustering/Dynamics.h"
#include "analysis/biclustering/Random.h"

namespace nl::analysis::biclustering {

enum class Likelihood { NegativeBinomial, Poisson };

struct SamplerSettings {
  Likelihood likelihood = Likelihood::NegativeBinomial;
  int latentDim = 2;   // p
  int maxStates = 10;  // L (the reference: 10 for simulations, 20 for data)
  double hmmAlpha = 5.0;
  double hmmGamma = 5.0;
  double hmmKappa = 10.0;
  double geometricP = 0.2;       // K ~ Geometric (0.415 on the reference's data fit)
  double dirichlet = 1.0;        // MFM Dirichlet(γ)
  int maxClusters = 0;           // 0: N / 2
  double dynamicsPsi = 0.01;     // Ψ0 = psi · I
  double dispersionShape = 1.0;  // r ~ Gamma(shape, rate)
  double dispersionRate = 1.0;
  double poissonProposalDispersion = 100.0;  // NB(r) proposals for the Poisson model
  long iterations = 10000;  // planned length: sets burn-in, thinning and the reference span
  double burnInFraction = 0.25;
  double referenceFraction = 0.01;  // label/rotation reference follows the chain this long
  int keptSamples = 1000;           // thinned post-burn-in samples kept per chain
  int keptLatentSamples = 200;      // of which latents are kept (for the HPD bands)
  int splineProposalEvery = 10;
  // How the start partition is made: Subspace — spectral clustering of the
  // smoothed log-rate rows by the (p+1)-dimensional subspaces they span,
  // refined by K-subspace passes (subspaceClustering); KMeans — k-means++ of
  // the smoothed standardised count rows; One — every neuron in one cluster
  // (the reference's start).
  enum class ClusterStart { Subspace, KMeans, One };
  ClusterStart clusterStart = ClusterStart::Subspace;
  int initialClusters = 0;  // k-means clusters a chain starts from (0: ⌈N / 10⌉); the reference: 1
  // A given start partition (one label ≥ 0 per neuron) instead of k-means;
  // its clusters' paths are drawn from their members' counts as for k-means.
  std::vector<int> initialLabels;
  // Split–merge moves of the neuron clusters per iteration (Jain & Neal; NB
  // likelihood, p ≤ 2; 0: none) and restricted scans of their launch states.
  // Off by default: their launch paths are still too poor to be accepted
  // (docs/BICLUSTERING.md, "Split–merge moves").
  int splitMergeMoves = 0;
  // How a chain's state sequence starts. Fitted: the latents are first fitted
  // under one random-walk state (Pólya-Gamma means, Kalman-smoothed means),
  // then a `startStates`-state Gaussian HMM on the log squared increments of
  // that smoothed latent gives the start states, and the dynamics are drawn
  // given both. Prior (the reference): every bin in state 0, restarted from a
  // sticky-HMM prior sequence during the reference span and, in burn-in,
  // while one state holds > 70 % of the bins.
  enum class StateStart { Fitted, Prior };
  StateStart stateStart = StateStart::Fitted;
  int startStates = 2;
  int startFitSweeps = 5;       // Fitted: passes of the one-state latent fit
  int startReassignRounds = 3;  // Fitted: leave-one-out rounds moving neurons to their best cluster
  // A given start state sequence (one state in 0 … L−1 per bin) instead.
  std::vector<int> initialStates;
  int stateSweeps = 1;  // (dynamics, HMM, states) sweeps per latent draw
  // Before each latent draw, one sweep of collapsed single-site Gibbs
  // updates of the states near a change of state (within this many bins),
  // the latent integrated out (collapsedStateSweep); 0: none. NB only.
  int collapsedStateWindow = 3;
  // The direction of that sweep: Forward always forward; Alternate forward
  // on even iterations and backward on odd ones (a change point moves far in
  // either direction within two iterations); Both a forward then a backward
  // sweep every iteration. Forward is the default: on the reference
  // simulation the alternating kernel left more bins off per sample on 7 of
  // 8 seeds (48–78 against 43–56; docs/BICLUSTERING.md).
  enum class StateSweepOrder { Alternate, Forward, Both };
  StateSweepOrder stateSweepOrder = StateSweepOrder::Forward;
  int splitMergeLaunchScans = 3;
  bool unitScaleMarginal = false;  // the reference's unit-norm latents in the cluster marginal //
                                   // every n-th iteration new clusters propose spline paths
  std::uint64_t seed = 1;

  long burnIn() const {
    return static_cast<long>(burnInFraction * static_cast<double>(iterations));
  }
  long thin() const;
  long latentThin() const;
  long referenceIterations() const;
};

// Everything a chain needs to continue: saved with the session, restored by
// deserialiseChain, the next iteration draws exactly what it would have.
struct ChainState {
  long iteration = 0;                    // completed iterations
  std::vector<int> labels;               // neuron → cluster slot (0 … maxClusters−1)
  std::vector<Eigen::MatrixXd> latents;  // per slot, (p+1) × T ([μ; x])
  Eigen::VectorXd delta;                 // N
  Eigen::MatrixXd loadings;              // N × p
  Eigen::VectorXd dispersion;            // r, N
  std::vector<int> states;               // T
  // Per HMM state, over all slots (maxClusters·(p+1) dims); the sampler uses
  // the occupied slots' sub-blocks.
  std::vector<Eigen::MatrixXd> A, Q;
  std::vector<Eigen::VectorXd> b;
  StickyHmmParameters hmm;
  std::vector<int> referenceLabels;
  std::vector<Eigen::MatrixXd> referenceLatents;  // empty matrix: no reference for the slot
  Rng::State rng{};
  double logLikelihood = 0.0;
  double logPosterior = 0.0;
  // Split–merge bookkeeping: proposed and accepted splits and merges.
  long splitsProposed = 0, splitsAccepted = 0, mergesProposed = 0, mergesAccepted = 0;
};

struct KeptLatent {
  int slot = 0;
  Eigen::MatrixXf path;  // (p+1) × T
};

struct ChainTrace {
  // Every iteration.
  std::vector<double> logLikelihood, logPosterior;
  std::vector<int> clusterCount, stateCount;
  // Thinned, after burn-in.
  std::vector<long> keptIterations;
  std::vector<std::vector<int>> labels, states;
  std::vector<Eigen::VectorXd> delta, dispersion;
  std::vector<long> latentIterations;
  std::vector<std::vector<KeptLatent>> latents;
};

struct Chain {
  int index = 0;
  ChainState state;
  ChainTrace trace;
};

class ChainSampler {
 public:
  // counts: N × T non-negative integers.
  ChainSampler(const Eigen::MatrixXd& counts, const SamplerSettings& settings, int chainIndex);
  ChainSampler(const Eigen::MatrixXd& counts, const SamplerSettings& settings, Chain chain);

  void iterate();
  const Chain& chain() const { return chain_; }
  Chain release() { return std::move(chain_); }

  // Exposed for tests: the log-likelihood of the counts under the current state.
  double logLikelihood() const;

 private:
  struct Occupied {
    std::vector<int> used;           // sorted slots
    std::vector<int> position;       // slot → index in slots, −1 if empty
    std::vector<Eigen::Index> dims;  // global latent dims of the occupied slots
  };
  Occupied occupied() const;
  SwitchingDynamics subDynamics(const Occupied& occ) const;
  void storeDynamics(const Occupied& occ, const SwitchingDynamics& dynamics);
  Eigen::MatrixXd stackedLatent(const Occupied& occ) const;
  Eigen::MatrixXd linearPredictor() const;  // N × T, δ + μ + cᵀx

  void initialise();
  void fitStartLatents();
  void startStatesAndDynamics();
  std::vector<int> segmentByIncrements() const;
  void prepareRows();
  std::vector<int> initialPartition(int clusters);
  void sampleLatents(const Occupied& occ, Eigen::MatrixXd& omega);
  void sampleDynamicsAndStates(const Occupied& occ);
  void sampleLoadings(const std::vector<int>& neurons, const Eigen::MatrixXd* omega);
  void splitMerge(const Eigen::MatrixXd& omega);
  void sampleDispersion();
  void constrain();
  void sampleClusters(std::vector<int>& newSlots);
  void refreshNewClusters(const std::vector<int>& newSlots);
  void relabel();
  void resetSlotDynamics(int slot);
  Eigen::MatrixXd freshPath(bool spline);
  double logPosterior() const;
  void record();

  const Eigen::MatrixXd& counts_;
  SamplerSettings settings_;
  Chain chain_;
  Rng rng_;
  int N_ = 0, T_ = 0, p_ = 0, q_ = 0, L_ = 0, K_ = 0;
  std::vector<double> logV_;                 // MFM log V_n(t), t = 1 … K+1
  std::vector<std::vector<int>> countRows_;  // integer counts per neuron
  std::vector<double> logFactorialSum_;      // Σ_t log y_it! per neuron
  Eigen::MatrixXd profiles_;  // smoothed, centred, unit-norm count rows (start, launch splits)
  Eigen::MatrixXd logRates_;  // log(smoothed counts + ½) (launch paths)
  std::vector<int> startSegmentation_;  // start states from the first one-state fit
};

// The planned number of thinned samples etc. follow from the settings; a chain
// resumed for more iterations keeps its burn-in and thinning.
std::vector<double> serialiseChain(const Chain& chain, const SamplerSettings& settings, int N,
                                   int T);
Chain deserialiseChain(const std::vector<double>& words, const SamplerSettings& settings, int N,
                       int T);

}  // namespace nl::analysis::biclustering
