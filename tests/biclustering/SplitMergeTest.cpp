// The split–merge pieces: the Kalman evidence, the O(2) average of the path
// proposal, the augmented (loadings-integrated) marginal against quadrature,
// and the reciprocity of a split and the merge that undoes it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numbers>

#include "analysis/biclustering/Clustering.h"
#include "analysis/biclustering/Kalman.h"
#include "analysis/biclustering/PolyaGamma.h"
#include "analysis/biclustering/Simulation.h"
#include "analysis/biclustering/SplitMerge.h"

namespace bc = nl::analysis::biclustering;

namespace {

bc::GaussianObservations randomObservations(int q, int T, bc::Rng& rng) {
  bc::GaussianObservations obs;
  obs.informationVector.resize(q, T);
  for (int t = 0; t < T; ++t) {
    Eigen::MatrixXd a(q, q);
    for (int u = 0; u < q; ++u)
      for (int v = 0; v < q; ++v) a(u, v) = 0.5 * rng.normal();
    obs.information.push_back(a * a.transpose());
    for (int u = 0; u < q; ++u) obs.informationVector(u, t) = rng.normal();
  }
  return obs;
}

}  // namespace

TEST(SplitMerge, KalmanEvidenceMatchesTheJointGaussian) {
  bc::Rng rng(5, 0);
  const int q = 2, T = 4;
  const auto obs = randomObservations(q, T, rng);
  bc::SwitchingDynamics dynamics;
  Eigen::MatrixXd A(2, 2);
  A << 0.9, 0.1, -0.2, 0.8;
  dynamics.A = {A};
  dynamics.b = {Eigen::Vector2d(0.1, -0.3)};
  dynamics.Q = {0.3 * Eigen::MatrixXd::Identity(2, 2)};
  const Eigen::VectorXd m0 = Eigen::Vector2d(0.5, 0.0);
  const Eigen::MatrixXd P0 = Eigen::MatrixXd::Identity(2, 2);
  // Joint prior mean and covariance of (x_0 … x_{T−1}).
  const int n = q * T;
  Eigen::VectorXd mean(n);
  Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(n, n);
  mean.head(q) = m0;
  cov.topLeftCorner(q, q) = P0;
  for (int t = 1; t < T; ++t) {
    mean.segment(q * t, q) = A * mean.segment(q * (t - 1), q) + dynamics.b[0];
    for (int u = 0; u < t; ++u) {
      cov.block(q * t, q * u, q, q) = A * cov.block(q * (t - 1), q * u, q, q);
      cov.block(q * u, q * t, q, q) = cov.block(q * t, q * u, q, q).transpose();
    }
    cov.block(q * t, q * t, q, q) =
        A * cov.block(q * (t - 1), q * (t - 1), q, q) * A.transpose() + dynamics.Q[0];
  }
  Eigen::MatrixXd J = Eigen::MatrixXd::Zero(n, n);
  Eigen::VectorXd h(n);
  for (int t = 0; t < T; ++t) {
    J.block(q * t, q * t, q, q) = obs.information[t];
    h.segment(q * t, q) = obs.informationVector.col(t);
  }
  // ∫ N(x; m, Σ) exp(hᵀx − ½xᵀJx) dx = |I + ΣJ|^{-½} exp(½gᵀ(Σ⁻¹+J)⁻¹g − ½mᵀΣ⁻¹m), g = Σ⁻¹m + h.
  const Eigen::MatrixXd precision = cov.inverse();
  const Eigen::VectorXd g = precision * mean + h;
  const double expected =
      -0.5 * std::log((Eigen::MatrixXd::Identity(n, n) + cov * J).determinant()) +
      0.5 * g.dot((precision + J).inverse() * g) - 0.5 * mean.dot(precision * mean);
  const std::vector<int> states(T, 0);
  EXPECT_NEAR(bc::gaussianLogEvidence(obs, states, dynamics, m0, P0), expected, 1e-9);
}

TEST(SplitMerge, RotationAverageIsTheO2IntegralAndInvariant) {
  bc::Rng rng(6, 0);
  const int T = 30;
  const auto obs = randomObservations(3, T, rng);
  Eigen::MatrixXd path(3, T);
  for (int t = 0; t < T; ++t)
    for (int u = 0; u < 3; ++u) path(u, t) = rng.normal();
  auto ell = [&](const Eigen::MatrixXd& x) {
    double total = 0.0;
    for (int t = 0; t < T; ++t)
      total += obs.informationVector.col(t).dot(x.col(t)) -
               0.5 * x.col(t).dot(obs.information[t] * x.col(t));
    return total;
  };
  // Brute force: 200000 angles, both reflections.
  const int M = 200000;
  std::vector<double> values;
  double top = -1e300;
  for (int reflect = 0; reflect < 2; ++reflect)
    for (int k = 0; k < M; ++k) {
      const double a = 2.0 * std::numbers::pi * k / M;
      Eigen::MatrixXd x = path;
      if (reflect) x.row(2) *= -1.0;
      const Eigen::MatrixXd y = x;
      x.row(1) = std::cos(a) * y.row(1) - std::sin(a) * y.row(2);
      x.row(2) = std::sin(a) * y.row(1) + std::cos(a) * y.row(2);
      values.push_back(ell(x));
      top = std::max(top, values.back());
    }
  double sum = 0.0;
  for (const double v : values) sum += std::exp(v - top);
  const double expected = top + std::log(sum / (2.0 * M));
  const double got = bc::SplitMerge::logRotationAverage(obs, path);
  EXPECT_NEAR(got, expected, 1e-7 * std::abs(expected) + 1e-7);
  // Invariant under O(2) on the x rows (what makes it the density of an orbit).
  Eigen::MatrixXd turned = path;
  turned.row(1) = std::cos(1.1) * path.row(1) + std::sin(1.1) * path.row(2);
  turned.row(2) = std::sin(1.1) * path.row(1) - std::cos(1.1) * path.row(2);
  EXPECT_NEAR(bc::SplitMerge::logRotationAverage(obs, turned), got, 1e-7 * std::abs(got));
}

namespace {

struct Toy {
  bc::SimulatedData sim;
  Eigen::MatrixXd omega, logRates, profiles;
  std::vector<double> logV;
  bc::SplitMergeData data;
};

Toy toy() {
  Toy out;
  bc::SimulationSettings settings;
  settings.neuronsPerCluster = 4;
  settings.clusters = 2;
  settings.bins = 120;
  settings.seed = 9;
  out.sim = bc::simulateReference(settings);
  const auto& y = out.sim.counts;
  const auto N = y.rows(), T = y.cols();
  bc::Rng rng(3, 0);
  out.omega.resize(N, T);
  out.logRates = (y.array() + 0.5).log();
  out.profiles = y;
  for (Eigen::Index i = 0; i < N; ++i) {
    out.profiles.row(i).array() -= out.profiles.row(i).mean();
    out.profiles.row(i).normalize();
    for (Eigen::Index t = 0; t < T; ++t) out.omega(i, t) = bc::polyaGamma(rng, y(i, t) + 10.0, 0.0);
  }
  out.logV = bc::mfmLogCoefficients(static_cast<int>(N), 1.0, 0.2, static_cast<int>(N / 2) + 1);
  out.data.counts = &out.sim.counts;
  out.data.omega = &out.omega;
  out.data.logRates = &out.logRates;
  out.data.profiles = &out.profiles;
  out.data.delta = out.sim.delta;
  out.data.dispersion = Eigen::VectorXd::Constant(N, 10.0);
  out.data.logV = &out.logV;
  return out;
}

}  // namespace

TEST(SplitMerge, AugmentedMarginalMatchesQuadrature) {
  auto t = toy();
  const bc::SplitMerge moves(t.data);
  // p = 1: a path with one loading; integrate c over a fine grid.
  Eigen::MatrixXd path(2, t.sim.counts.cols());
  path.row(0) = t.sim.latent.row(0);
  path.row(1) = t.sim.latent.row(1);
  const int n = 2;
  const double r = 10.0, offset = t.sim.delta[n] - std::log(r);
  auto integrand = [&](double c) {
    double total = -0.5 * c * c - 0.5 * std::log(2.0 * std::numbers::pi);
    for (Eigen::Index s = 0; s < path.cols(); ++s) {
      const double psi = offset + path(0, s) + c * path(1, s);
      const double kappa = (t.sim.counts(n, s) - r) / 2.0;
      total += kappa * psi - 0.5 * t.omega(n, s) * psi * psi;
    }
    return total;
  };
  const int M = 400001;
  std::vector<double> v(M);
  double top = -1e300;
  for (int k = 0; k < M; ++k) {
    v[k] = integrand(-20.0 + 40.0 * k / (M - 1));
    top = std::max(top, v[k]);
  }
  double sum = 0.0;
  for (const double x : v) sum += std::exp(x - top);
  const double expected = top + std::log(sum * 40.0 / (M - 1));
  EXPECT_NEAR(moves.logMarginal(n, path), expected, 1e-6 * std::abs(expected));
}

TEST(SplitMerge, SplitAndItsMergeAreReciprocal) {
  auto t = toy();
  const bc::SplitMerge moves(t.data);
  // All 8 neurons in one cluster (its path: cluster 0's truth); split (i, j).
  std::vector<int> members(8);
  for (int n = 0; n < 8; ++n) members[n] = n;
  const Eigen::MatrixXd pathJ = t.sim.latent.topRows(3);
  const int i = 1, j = 6;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    bc::Rng rng(seed, 0);
    const auto launch = moves.launch(i, j, members, pathJ, rng);
    const auto split = moves.proposeSplit(i, j, launch, pathJ, 1, rng);
    ASSERT_TRUE(std::isfinite(split.logRatio));
    // The merge of the proposed state, with the same launch, has the opposite ratio.
    const double merge = -moves.splitLogRatio(i, j, launch, split.withI, split.pathI, pathJ, 1);
    EXPECT_NEAR(merge, -split.logRatio, 1e-9 * (1.0 + std::abs(merge)));
    // The drawn allocation's probability is the one evaluated.
    std::vector<char> drawn;
    bc::Rng again(seed + 100, 0);
    const double drawnLog = moves.allocationScan(launch, split.pathI, pathJ, drawn, &again);
    std::vector<char> given = drawn;
    EXPECT_NEAR(moves.allocationScan(launch, split.pathI, pathJ, given, nullptr), drawnLog, 1e-12);
    // A launch drawn with the same numbers is the same launch (it reads only what both share).
    bc::Rng replay(seed, 0);
    const auto launch2 = moves.launch(i, j, members, pathJ, replay);
    EXPECT_EQ(launch2.withI, launch.withI);
    EXPECT_DOUBLE_EQ(launch2.logEvidence, launch.logEvidence);
  }
}

TEST(SplitMerge, TargetFavoursTheTrueSplit) {
  // On the reference simulation, with ω drawn at the truth: cluster 0's
  // neurons gain far more from their own true path than a new path costs
  // under G0 (log Z − ℓ(path), the path term of the ratio at the true
  // loadings), so the move's target does prefer the true split to the merge
  // of clusters 0 and 1; what is missing is a launch that proposes such a path.
  const auto sim = bc::simulateReference({});
  const auto N = sim.counts.rows(), T = sim.counts.cols();
  bc::Rng rng(3, 0);
  Eigen::MatrixXd omega(N, T), logRates = (sim.counts.array() + 0.5).log(), profiles = sim.counts;
  for (Eigen::Index i = 0; i < N; ++i) {
    const int k = sim.neuronLabels[i];
    for (Eigen::Index t = 0; t < T; ++t) {
      const double eta = sim.delta[i] + sim.latent(3 * k, t) +
                         sim.loadings.row(i).dot(sim.latent.block(3 * k + 1, t, 2, 1).col(0));
      omega(i, t) = bc::polyaGamma(rng, sim.counts(i, t) + 10.0, eta - std::log(10.0));
    }
  }
  std::vector<double> logV = bc::mfmLogCoefficients(30, 1.0, 0.2, 16);
  bc::SplitMergeData data;
  data.counts = &sim.counts;
  data.omega = &omega;
  data.logRates = &logRates;
  data.profiles = &profiles;
  data.delta = sim.delta;
  data.dispersion = Eigen::VectorXd::Constant(N, 10.0);
  data.logV = &logV;
  const bc::SplitMerge moves(data);
  const Eigen::MatrixXd A = sim.latent.topRows(3), B = sim.latent.middleRows(3, 3);
  double gain = 0.0;
  std::vector<int> members;
  for (Eigen::Index i = 0; i < N; ++i)
    if (sim.neuronLabels[i] == 0) {
      gain += moves.logMarginal(static_cast<int>(i), A) - moves.logMarginal(static_cast<int>(i), B);
      members.push_back(static_cast<int>(i));
    }
  Eigen::MatrixXd c(members.size(), 2);
  for (std::size_t a = 0; a < members.size(); ++a) c.row(a) = sim.loadings.row(members[a]);
  const auto obs = moves.observations(members, c);
  const std::vector<int> one(T, 0);
  const double logZ = bc::gaussianLogEvidence(obs, one, moves.walk(3), Eigen::VectorXd::Zero(3),
                                              Eigen::MatrixXd::Identity(3, 3));
  double ell = 0.0;
  for (Eigen::Index t = 0; t < T; ++t)
    ell += obs.informationVector.col(t).dot(A.col(t)) -
           0.5 * A.col(t).dot(obs.information[t] * A.col(t));
  EXPECT_GT(gain, 1000.0);
  EXPECT_GT(gain + (logZ - ell), 500.0);
}

TEST(SplitMerge, DISABLED_DiagnoseLaunchFromTheTruth) {
  const auto sim = bc::simulateReference({});
  const auto N = sim.counts.rows(), T = sim.counts.cols();
  bc::Rng rng(3, 0);
  Eigen::MatrixXd omega(N, T), logRates = (sim.counts.array() + 0.5).log();
  Eigen::MatrixXd profiles = Eigen::MatrixXd::Zero(N, T);
  for (Eigen::Index i = 0; i < N; ++i) {
    const int k = sim.neuronLabels[i];
    profiles(i, k) = 1.0;
    for (Eigen::Index t = 0; t < T; ++t) {
      const double eta = sim.delta[i] + sim.latent(3 * k, t) +
                         sim.loadings.row(i).dot(sim.latent.block(3 * k + 1, t, 2, 1).col(0));
      omega(i, t) = bc::polyaGamma(rng, sim.counts(i, t) + 10.0, eta - std::log(10.0));
    }
  }
  std::vector<double> logV = bc::mfmLogCoefficients(30, 1.0, 0.2, 16);
  bc::SplitMergeData data;
  data.counts = &sim.counts;
  data.omega = &omega;
  data.logRates = &logRates;
  data.profiles = &profiles;
  data.delta = sim.delta;
  data.dispersion = Eigen::VectorXd::Constant(N, 10.0);
  data.logV = &logV;
  const bc::SplitMerge moves(data);
  const Eigen::MatrixXd A = sim.latent.topRows(3), B = sim.latent.middleRows(3, 3);
  std::vector<int> members, zeros;
  int i = -1, j = -1;
  for (int n = 0; n < N; ++n)
    if (sim.neuronLabels[n] <= 1) {
      members.push_back(n);
      if (sim.neuronLabels[n] == 0 && i < 0) i = n;
      if (sim.neuronLabels[n] == 1 && j < 0) j = n;
    }
  const auto launch = moves.launch(i, j, members, B, rng);
  int right = 0;
  for (std::size_t a = 0; a < launch.movable.size(); ++a)
    right += launch.withI[a] == (sim.neuronLabels[launch.movable[a]] == 0);
  const auto split = moves.proposeSplit(i, j, launch, B, 3, rng);
  double gainProposal = 0.0, gainTruth = 0.0;
  for (int n : members)
    if (sim.neuronLabels[n] == 0) {
      gainProposal += moves.logMarginal(n, split.pathI) - moves.logMarginal(n, B);
      gainTruth += moves.logMarginal(n, A) - moves.logMarginal(n, B);
    }
  std::printf("launch right %d/%zu; ratio %.1f; gain of proposal %.1f, of the truth %.1f\n", right,
              launch.movable.size(), split.logRatio, gainProposal, gainTruth);
}

namespace {

// Restricted-growth code of a partition (labels renumbered by first appearance).
int partitionCode(const std::vector<int>& labels) {
  std::vector<int> renumber(labels.size() + 8, -1);
  int next = 0, code = 0;
  for (const int z : labels) {
    if (renumber[static_cast<std::size_t>(z)] < 0) renumber[static_cast<std::size_t>(z)] = next++;
    code = code * 10 + renumber[static_cast<std::size_t>(z)];
  }
  return code;
}

}  // namespace

namespace {

// A chain of split–merge moves and exact Gibbs draws of the paths on 4
// neurons with one-row paths (p = 0, so nothing is integrated approximately)
// against the enumerated posterior of the 15 partitions. `laplace`: the
// target is the NB likelihood itself (T = 2, its evidence by quadrature on a
// grid); otherwise the ω-augmented Gaussian kernel (T = 5, its evidence
// from the joint covariance of the random walk, not by the Kalman filter).
// Returns the total variation distance; prints both distributions.
double enumeratedPosteriorDistance(bool laplace, int iterations, bool breakRatio = false) {
  const int N = 4, T = laplace ? 2 : 5;
  bc::Rng rng(11, 0);
  Eigen::MatrixXd counts(N, T), omega(N, T);
  for (int n = 0; n < N; ++n)
    for (int t = 0; t < T; ++t) {
      counts(n, t) = static_cast<double>(rng.below(4));
      omega(n, t) = 0.3 + rng.uniform();
    }
  const Eigen::MatrixXd logRates = (counts.array() + 0.5).log();
  const std::vector<double> logV = bc::mfmLogCoefficients(N, 1.0, 0.2, N + 1);
  bc::SplitMergeData data;
  data.laplaceTarget = laplace;
  data.counts = &counts;
  data.omega = &omega;
  data.logRates = &logRates;
  data.profiles = &logRates;
  data.delta = Eigen::Vector4d(0.2, -0.3, 0.5, 0.0);
  data.dispersion = Eigen::VectorXd::Constant(N, 2.0);
  data.logV = &logV;
  data.psi = 0.5;
  const bc::SplitMerge moves(data);
  const double r = 2.0;
  Eigen::MatrixXd walkCovariance(T, T);
  for (int s = 0; s < T; ++s)
    for (int t = 0; t < T; ++t) walkCovariance(s, t) = 1.0 + data.psi * std::min(s, t);
  const Eigen::MatrixXd walkPrecision = walkCovariance.inverse();
  // log Z_c = log E_G0 Π_{n ∈ c} (likelihood of n), up to a factor per neuron.
  auto logEvidence = [&](const std::vector<int>& members) {
    if (!laplace) {
      Eigen::MatrixXd J = Eigen::MatrixXd::Zero(T, T);
      Eigen::VectorXd h = Eigen::VectorXd::Zero(T);
      for (const int n : members)
        for (int t = 0; t < T; ++t) {
          const double offset = data.delta[n] - std::log(r);
          J(t, t) += omega(n, t);
          h[t] += (counts(n, t) - r) / 2.0 - omega(n, t) * offset;
        }
      return -0.5 * std::log((Eigen::MatrixXd::Identity(T, T) + walkCovariance * J).determinant()) +
             0.5 * h.dot((walkPrecision + J).inverse() * h);
    }
    // T = 2: a grid over (φ_0, φ_1) ∈ [−8, 8]².
    const int M = 321;
    const double lo = -8.0, step = 16.0 / (M - 1);
    std::vector<double> values;
    values.reserve(static_cast<std::size_t>(M * M));
    double top = -1e300;
    for (int a = 0; a < M; ++a)
      for (int b = 0; b < M; ++b) {
        const Eigen::Vector2d phi(lo + a * step, lo + b * step);
        double v = -0.5 * phi.dot(walkPrecision * phi);
        for (const int n : members)
          for (int t = 0; t < T; ++t) {
            const double eta = data.delta[n] + phi[t];
            const double y = counts(n, t);
            v += y * eta - (y + r) * std::log(r + std::exp(eta));
          }
        values.push_back(v);
        top = std::max(top, v);
      }
    double sum = 0.0;
    for (const double v : values) sum += std::exp(v - top);
    // × the grid cell and G0's normaliser: a per-cluster factor.
    return top + std::log(sum) + 2.0 * std::log(step) -
           0.5 * std::log((2.0 * std::numbers::pi * walkCovariance).determinant());
  };
  std::map<int, double> exact;
  double total = 0.0;
  for (int code = 0; code < 10000; ++code) {
    std::vector<int> labels(N);
    int c = code, top = -1;
    bool valid = true;
    for (int n = N - 1; n >= 0; --n, c /= 10) labels[n] = c % 10;
    for (int n = 0; n < N; ++n) {
      valid = valid && labels[n] <= top + 1;
      top = std::max(top, labels[n]);
    }
    if (!valid) continue;
    double logP = logV[static_cast<std::size_t>(top)];
    for (int k = 0; k <= top; ++k) {
      std::vector<int> members;
      for (int n = 0; n < N; ++n)
        if (labels[n] == k) members.push_back(n);
      logP += std::lgamma(1.0 + static_cast<double>(members.size())) + logEvidence(members);
    }
    exact[code] = logP;
  }
  EXPECT_EQ(exact.size(), 15u);
  double top = -1e300;
  for (const auto& [code, logP] : exact) top = std::max(top, logP);
  for (auto& [code, p] : exact) total += (p = std::exp(p - top));
  for (auto& [code, p] : exact) p /= total;
  // The chain: all in one cluster; each path redrawn given its members —
  // exactly (FFBS) for the Gaussian kernel; for the NB target by a
  // random-walk Metropolis step on each bin.
  std::vector<int> labels(N, 0);
  std::vector<Eigen::MatrixXd> paths(N, Eigen::MatrixXd::Zero(1, T));
  const std::vector<int> oneState(T, 0);
  const Eigen::VectorXd m0 = Eigen::VectorXd::Zero(1);
  const Eigen::MatrixXd P0 = Eigen::MatrixXd::Identity(1, 1);
  std::map<int, double> visits;
  bc::Rng chain(12, 0);
  long accepted = 0;
  auto logTarget = [&](const Eigen::MatrixXd& path, const std::vector<int>& members) {
    const Eigen::VectorXd phi = path.row(0).transpose();
    double v = -0.5 * phi.dot(walkPrecision * phi);
    for (const int n : members) v += moves.logMarginal(n, path);
    return v;
  };
  for (int it = 0; it < iterations; ++it) {
    for (int k = 0; k < N; ++k) {
      std::vector<int> members;
      for (int n = 0; n < N; ++n)
        if (labels[n] == k) members.push_back(n);
      if (members.empty()) continue;
      if (!laplace) {
        const Eigen::MatrixXd noLoadings(static_cast<Eigen::Index>(members.size()), 0);
        paths[k] = bc::forwardFilterBackwardSample(moves.observations(members, noLoadings),
                                                   oneState, moves.walk(1), m0, P0, chain);
        continue;
      }
      for (int sweep = 0; sweep < 3; ++sweep)
        for (int t = 0; t < T; ++t) {
          Eigen::MatrixXd proposal = paths[k];
          proposal(0, t) += 0.8 * chain.normal();
          if (std::log(chain.uniformPositive()) <
              logTarget(proposal, members) - logTarget(paths[k], members))
            paths[k] = proposal;
        }
    }
    if (breakRatio) {
      // A deliberately wrong kernel for the test of the test: every
      // proposed split is accepted once in four.
      std::vector<int> before = labels;
      std::vector<Eigen::MatrixXd> beforePaths = paths;
      const auto done = moves.move(labels, paths, N, chain);
      if (done.split && done.proposed && !done.accepted && chain.uniform() < 0.25) {
        labels = before;
        paths = beforePaths;
        int fresh = 0;
        while (std::find(labels.begin(), labels.end(), fresh) != labels.end()) ++fresh;
        labels[static_cast<std::size_t>(done.members.back())] = fresh;
        paths[static_cast<std::size_t>(fresh)] = paths[labels[done.members.front()]];
      }
      accepted += done.accepted ? 1 : 0;
    } else {
      accepted += moves.move(labels, paths, N, chain).accepted ? 1 : 0;
    }
    visits[partitionCode(labels)] += 1.0 / iterations;
  }
  double distance = 0.0;
  for (const auto& [code, p] : exact) {
    std::printf("partition %04d: exact %.4f, chain %.4f\n", code, p, visits[code]);
    distance += 0.5 * std::abs(p - visits[code]);
  }
  std::printf("total variation %.4f, %ld moves accepted\n", distance, accepted);
  EXPECT_GT(accepted, iterations / 20);
  return distance;
}

}  // namespace

TEST(SplitMerge, MovesKeepTheEnumeratedPosterior) {
  // Detailed balance of the whole move (launch, path proposal, restricted
  // scan, Hastings ratio) under the ω-augmented target.
  EXPECT_LT(enumeratedPosteriorDistance(false, 15000), 0.025);
}

TEST(SplitMerge, MovesKeepTheEnumeratedNegativeBinomialPosterior) {
  // The same under the sampler's target (the NB likelihood; with p = 0 its
  // Laplace marginal is the likelihood itself, so nothing is approximate).
  EXPECT_LT(enumeratedPosteriorDistance(true, 12000), 0.025);
}

TEST(SplitMerge, TheEnumerationTestCatchesAWrongKernel) {
  // The test of the test: a kernel that accepts some rejected splits anyway
  // is far from the posterior.
  EXPECT_GT(enumeratedPosteriorDistance(false, 8000, true), 0.08);
}

TEST(SplitMerge, SequentialLaunchSeparatesTwoTrueClusters) {
  // The reference simulation, clusters 0 and 1 taken together, anchors one
  // neuron of each: the launch's sequential subspace allocation of the 18
  // others (from the 5-bin smoothed log rates, as the sampler keeps them)
  // puts nearly all on their true side, for every choice of anchors tried.
  const auto sim = bc::simulateReference({});
  const auto N = sim.counts.rows(), T = sim.counts.cols();
  Eigen::MatrixXd logRates(N, T), omega = Eigen::MatrixXd::Ones(N, T);
  for (Eigen::Index n = 0; n < N; ++n)
    for (Eigen::Index t = 0; t < T; ++t) {
      const Eigen::Index from = std::max<Eigen::Index>(0, t - 2), to = std::min(T - 1, t + 2);
      logRates(n, t) = std::log(sim.counts.row(n).segment(from, to - from + 1).mean() + 0.5);
    }
  std::vector<double> logV = bc::mfmLogCoefficients(30, 1.0, 0.2, 16);
  bc::SplitMergeData data;
  data.counts = &sim.counts;
  data.omega = &omega;
  data.logRates = &logRates;
  data.profiles = &logRates;
  data.delta = sim.delta;
  data.dispersion = Eigen::VectorXd::Constant(N, 10.0);
  data.logV = &logV;
  const bc::SplitMerge moves(data);
  int worst = 20;
  for (const auto& [i, j] :
       {std::pair{0, 10}, std::pair{3, 17}, std::pair{9, 12}, std::pair{15, 4}}) {
    std::vector<int> movable;
    for (int n = 0; n < 20; ++n)
      if (n != i && n != j) movable.push_back(n);
    const auto withI = moves.sequentialSplit(i, j, movable, 3);
    int right = 0;
    for (std::size_t a = 0; a < movable.size(); ++a)
      right += (withI[a] != 0) == (sim.neuronLabels[movable[a]] == sim.neuronLabels[i]) ? 1 : 0;
    std::printf("anchors (%d, %d): %d of %zu on their true side\n", i, j, right, movable.size());
    worst = std::min(worst, right);
  }
  EXPECT_GE(worst, 16);
}
