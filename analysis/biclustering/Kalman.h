#pragma once
// Forward filtering, backward sampling (Carter & Kohn 1994; Frühwirth-Schnatter
// 1994) of a switching linear-Gaussian latent path, and the Rauch–Tung–Striebel
// smoother for tests.
//
// Convention (documented in docs/BICLUSTERING.md): bins t = 0 … T−1;
// x_0 ~ N(m0, P0); for t ≥ 1, x_t = A_{s_t} x_{t−1} + b_{s_t} + N(0, Q_{s_t}),
// so the state s_t of bin t governs the step INTO bin t, in the forward pass
// and in the backward pass alike (s_0 has no dynamics of its own).
//
// Observations enter in information form: bin t contributes J_t (D × D) and
// h_t (D), i.e. the log-likelihood −½ xᵀ J_t x + h_tᵀ x + const. For pseudo
// observations ŷ = H x + N(0, diag(1/ω)): J_t = Hᵀ diag(ω) H, h_t = Hᵀ diag(ω) ŷ.
#include <Eigen/Dense>
#include <vector>

#include "analysis/biclustering/Random.h"

namespace nl::analysis::biclustering {

struct SwitchingDynamics {
  std::vector<Eigen::MatrixXd> A;  // per state, D × D
  std::vector<Eigen::VectorXd> b;  // per state, D
  std::vector<Eigen::MatrixXd> Q;  // per state, D × D
};

struct GaussianObservations {
  std::vector<Eigen::MatrixXd> information;  // J_t, T of them
  Eigen::MatrixXd informationVector;         // h, D × T
};

// One draw of x (D × T) from p(x | observations, states, dynamics).
Eigen::MatrixXd forwardFilterBackwardSample(const GaussianObservations& observations,
                                            const std::vector<int>& states,
                                            const SwitchingDynamics& dynamics,
                                            const Eigen::VectorXd& m0, const Eigen::MatrixXd& P0,
                                            Rng& rng);

// One sweep of collapsed single-site Gibbs updates of the states with the
// latent path integrated out: for t = 1 … T−1 in turn (Forward) or
// t = T−1 … 1 (Backward), s_t is drawn from p(s_t | s_−t, observations,
// dynamics) ∝ π(s_{t−1}, s_t) π(s_t, s_{t+1}) Z(s), Z the evidence of the
// observations under the whole sequence (gaussianLogEvidence), computed in
// O(D³) per candidate from the forward (information-filter) message of the
// bins before t and a backward message of the bins from t on. A forward
// sweep carries a change point right by many bins at once but left by at
// most one; a backward sweep the other way round. Bin t is updated only
// when the states of bins t−window … t+window other than t hold at least
// two values, among those values (a Gibbs step on a set that depends on
// s_−t alone; s_t outside it stays); window < 0: every bin, among every
// state (plain single-site Gibbs). Either direction leaves the posterior
// of s invariant. Returns the number of bins whose state changed.
enum class SweepDirection { Forward, Backward };
int collapsedStateSweep(const GaussianObservations& observations, std::vector<int>& states,
                        const SwitchingDynamics& dynamics, const Eigen::MatrixXd& transition,
                        const Eigen::VectorXd& m0, const Eigen::MatrixXd& P0, int window,
                        SweepDirection direction, Rng& rng);

// log ∫ p(x | states, dynamics) Π_t exp(h_tᵀx_t − ½ x_tᵀJ_t x_t) dx: the evidence of the
// (unnormalised) information-form observations, by the prediction-error decomposition.
double gaussianLogEvidence(const GaussianObservations& observations, const std::vector<int>& states,
                           const SwitchingDynamics& dynamics, const Eigen::VectorXd& m0,
                           const Eigen::MatrixXd& P0);

struct SmoothedPath {
  Eigen::MatrixXd mean;                     // D × T
  std::vector<Eigen::MatrixXd> covariance;  // T of D × D
};
SmoothedPath kalmanSmoother(const GaussianObservations& observations,
                            const std::vector<int>& states, const SwitchingDynamics& dynamics,
                            const Eigen::VectorXd& m0, const Eigen::MatrixXd& P0);

// x ~ N(mean, covariance); a tiny jitter is added when the Cholesky fails.
Eigen::VectorXd drawGaussian(const Eigen::VectorXd& mean, const Eigen::MatrixXd& covariance,
                             Rng& rng);

}  // namespace nl::analysis::biclustering
