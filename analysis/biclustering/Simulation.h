#pragma once
// The simulation of Wei (2023, §4.1) written from its description: N = 30
// neurons in 3 clusters of 10, p = 2, T = 500 bins, NB counts with r = 10,
// δ and C each 0.5·N(0, 1); two dynamical states, A = 0.01·I and A = 1.01 ×
// (a rotation by π/20 about a random axis) in each cluster's block, b = 0,
// Q = 0.01·I; the states alternate (a hidden semi-Markov chain) with durations
// 1 + Poisson(λ_s), λ_s ~ Gamma(100, rate 2) (mean 50). Latents are generated
// for 2T bins and the last T kept, then centred and rotated (Sampler's
// identifiability constraint).
#include <Eigen/Dense>
#include <cstdint>
#include <vector>

namespace nl::analysis::biclustering {

struct SimulationSettings {
  int neuronsPerCluster = 10;
  int clusters = 3;
  int latentDim = 2;
  int bins = 500;
  double dispersion = 10.0;  // ≤ 0: Poisson counts
  std::uint64_t seed = 0;
};

struct SimulatedData {
  Eigen::MatrixXd counts;         // N × T
  std::vector<int> neuronLabels;  // N
  std::vector<int> stateLabels;   // T
  Eigen::MatrixXd latent;         // clusters·(p+1) × T
  Eigen::VectorXd delta;
  Eigen::MatrixXd loadings;
};

SimulatedData simulateReference(const SimulationSettings& settings);

}  // namespace nl::analysis::biclustering
