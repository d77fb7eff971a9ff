#include "analysis/biclustering/Simulation.h"

#include <cmath>
#include <numbers>

#include "analysis/biclustering/Random.h"

namespace nl::analysis::biclustering {
namespace {

int poisson(Rng& rng, double mean) {
  // Count unit-rate arrivals before `mean` (exact; means here are ≤ a few hundred).
  int count = 0;
  double time = rng.exponential();
  while (time < mean) {
    ++count;
    time += rng.exponential();
  }
  return count;
}

// Rotation by theta in a random plane of R^n: Q R Qᵀ with Q a random orthogonal matrix.
Eigen::MatrixXd randomRotation(int n, double theta, Rng& rng) {
  Eigen::MatrixXd gaussian(n, n);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) gaussian(i, j) = rng.normal();
  const Eigen::MatrixXd q = Eigen::HouseholderQR<Eigen::MatrixXd>(gaussian).householderQ();
  Eigen::MatrixXd rotation = Eigen::MatrixXd::Identity(n, n);
  rotation(0, 0) = std::cos(theta);
  rotation(0, 1) = -std::sin(theta);
  rotation(1, 0) = std::sin(theta);
  rotation(1, 1) = std::cos(theta);
  return q * rotation * q.transpose();
}

}  // namespace

SimulatedData simulateReference(const SimulationSettings& settings) {
  Rng rng(settings.seed, 0);
  const int n = settings.neuronsPerCluster;
  const int K = settings.clusters;
  const int p = settings.latentDim;
  const int q = p + 1;
  const int N = n * K;
  const int T = settings.bins;
  const int D = K * q;
  SimulatedData out;
  out.neuronLabels.resize(static_cast<std::size_t>(N));
  for (int i = 0; i < N; ++i) out.neuronLabels[i] = i / n;
  out.delta.resize(N);
  out.loadings.resize(N, p);
  for (int i = 0; i < N; ++i) {
    out.delta[i] = 0.5 * rng.normal();
    for (int j = 0; j < p; ++j) out.loadings(i, j) = 0.5 * rng.normal();
  }
  std::vector<Eigen::MatrixXd> A(2, Eigen::MatrixXd::Zero(D, D));
  for (int k = 0; k < K; ++k) {
    A[0].block(k * q, k * q, q, q) = 0.01 * Eigen::MatrixXd::Identity(q, q);
    A[1].block(k * q, k * q, q, q) = 1.01 * randomRotation(q, std::numbers::pi / 20.0, rng);
  }
  const double noise = std::sqrt(0.01);
  // Semi-Markov states over 2T bins: alternate, each stay 1 + Poisson(λ_s).
  const double rates[2] = {rng.gamma(100.0) / 2.0, rng.gamma(100.0) / 2.0};
  std::vector<int> states;
  int state = static_cast<int>(rng.below(2));
  while (static_cast<int>(states.size()) < 2 * T) {
    const int duration = 1 + poisson(rng, rates[state]);
    for (int d = 0; d < duration && static_cast<int>(states.size()) < 2 * T; ++d)
      states.push_back(state);
    state = 1 - state;
  }
  Eigen::MatrixXd x(D, 2 * T);
  for (int i = 0; i < D; ++i) x(i, 0) = noise * rng.normal();
  for (int t = 1; t < 2 * T; ++t) {
    x.col(t) = A[states[t]] * x.col(t - 1);
    for (int i = 0; i < D; ++i) x(i, t) += noise * rng.normal();
  }
  out.latent = x.rightCols(T);
  out.stateLabels.assign(states.end() - T, states.end());
  // Identifiability as the sampler: centre into δ, rotate x onto its principal axes.
  for (int k = 0; k < K; ++k) {
    auto block = out.latent.middleRows(k * q, q);
    const Eigen::VectorXd mean = block.rowwise().mean();
    block.colwise() -= mean;
    for (int i = k * n; i < (k + 1) * n; ++i)
      out.delta[i] += mean[0] + out.loadings.row(i).dot(mean.tail(p));
    const Eigen::MatrixXd xc = block.bottomRows(p);
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(xc.transpose(),
                                          Eigen::ComputeThinU | Eigen::ComputeThinV);
    const Eigen::MatrixXd M = svd.matrixV().transpose();
    block.bottomRows(p) = M * xc;
    for (int i = k * n; i < (k + 1) * n; ++i)
      out.loadings.row(i) = out.loadings.row(i) * M.transpose();
  }
  out.counts.resize(N, T);
  for (int i = 0; i < N; ++i) {
    const int k = out.neuronLabels[i];
    for (int t = 0; t < T; ++t) {
      const double eta = out.delta[i] + out.latent(k * q, t) +
                         out.loadings.row(i).dot(out.latent.col(t).segment(k * q + 1, p));
      const double mean = std::exp(eta);
      const double rate = settings.dispersion > 0.0
                              ? rng.gamma(settings.dispersion) * mean / settings.dispersion
                              : mean;
      out.counts(i, t) = poisson(rng, rate);
    }
  }
  return out;
}

}  // namespace nl::analysis::biclustering
