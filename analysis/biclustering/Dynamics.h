#pragma once
// The switching VAR(1) part of the model: matrix-normal-inverse-Wishart draws of
// (A, b, Q) per state and the weak-limit sticky HDP-HMM over the states
// (Fox, Sudderth, Jordan & Willsky 2011).
#include <Eigen/Dense>
#include <vector>

#include "analysis/biclustering/Kalman.h"
#include "analysis/biclustering/Random.h"

namespace nl::analysis::biclustering {

// x_t = [A b] [x_{t−1}; 1] + N(0, Q) with [A b] | Q ~ MN(M0, Q, K0) (K0 the
// (D+1) × (D+1) column covariance) and Q ~ IW(ν0, Ψ0).
struct MniwPrior {
  Eigen::MatrixXd M0;    // D × (D+1)
  Eigen::MatrixXd K0;    // (D+1) × (D+1)
  Eigen::MatrixXd Psi0;  // D × D
  double nu0 = 0.0;
  // The reference's prior: M0 = [I 0], K0 = I, Ψ0 = psi·I, ν0 = D + 2.
  static MniwPrior standard(int dim, double psi);
};

struct MniwPosterior {
  Eigen::MatrixXd M;    // posterior mean of [A b]
  Eigen::MatrixXd K;    // column covariance
  Eigen::MatrixXd Psi;  // IW scale
  double nu = 0.0;
};

// The posterior given the pairs (x_{t−1}, x_t) of the listed bins t ≥ 1.
MniwPosterior mniwPosterior(const MniwPrior& prior, const Eigen::MatrixXd& path,
                            const std::vector<int>& bins);
struct VarDraw {
  Eigen::MatrixXd A;
  Eigen::VectorXd b;
  Eigen::MatrixXd Q;
};
VarDraw drawMniw(const MniwPosterior& posterior, Rng& rng);
// W ~ IW(nu, psi): W⁻¹ ~ Wishart(nu, psi⁻¹) by Bartlett's decomposition.
Eigen::MatrixXd drawInverseWishart(const Eigen::MatrixXd& psi, double nu, Rng& rng);

struct StickyHmmPrior {
  double alpha = 5.0;
  double gamma = 5.0;
  double kappa = 10.0;
  int states = 10;  // L, the weak-limit truncation
};

struct StickyHmmParameters {
  Eigen::VectorXd beta;        // global state weights, L
  Eigen::MatrixXd transition;  // L × L, rows sum to 1
};

// Draws from the prior (β ~ Dir(γ/L), π_j ~ Dir(αβ + κ e_j)).
StickyHmmParameters drawStickyHmmPrior(const StickyHmmPrior& prior, Rng& rng);
// β and π given a state sequence: auxiliary table counts m_jk, the sticky
// override w_j ~ Binomial(m_jj, ρ / (ρ + β_j (1 − ρ))), ρ = κ / (α + κ),
// β ~ Dir(γ/L + m̄), π_j ~ Dir(αβ + κ e_j + n_j).
StickyHmmParameters drawStickyHmmPosterior(const StickyHmmPrior& prior,
                                           const StickyHmmParameters& current,
                                           const std::vector<int>& states, Rng& rng);
// Forward filtering, backward sampling of the state sequence: logLikelihood is
// T × L (bin t's evidence for each state; row 0 is the first bin's), the
// initial distribution uniform (as the reference's init_state_distn).
std::vector<int> sampleStates(const Eigen::MatrixXd& logLikelihood,
                              const Eigen::MatrixXd& transition, Rng& rng);

// log N(x_t; A_s x_{t−1} + b_s, Q_s) for t ≥ 1 and every state; row 0 is zero
// (bin 0 has no dynamics, see Kalman.h).
Eigen::MatrixXd dynamicsLogLikelihood(const Eigen::MatrixXd& path,
                                      const SwitchingDynamics& dynamics);

// A `states`-state HMM with Gaussian emissions fitted to a scalar series by
// expectation–maximisation (Baum–Welch; means started at the quantiles,
// sticky start transitions), then the most probable state of each point
// (posterior marginals). States are numbered by increasing mean.
// Deterministic. Used for the chain's start states.
std::vector<int> gaussianHmmSegmentation(const Eigen::VectorXd& series, int states,
                                         int iterations = 50);

// A Dirichlet draw computed in log space (tiny concentrations do not underflow).
Eigen::VectorXd drawDirichlet(const Eigen::VectorXd& concentration, Rng& rng);

}  // namespace nl::analysis::biclustering
