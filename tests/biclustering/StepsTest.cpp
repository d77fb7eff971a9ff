// Each sampler step against a conditional known in closed form.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <numbers>
#include <numeric>
#include <vector>

#include "analysis/biclustering/Clustering.h"
#include "analysis/biclustering/Dynamics.h"
#include "analysis/biclustering/Kalman.h"
#include "analysis/biclustering/PolyaGamma.h"
#include "analysis/biclustering/Summaries.h"

namespace bc = nl::analysis::biclustering;

namespace {

// The n-th cumulant of PG(b, c) from its sum-of-gammas form: b (n−1)! Σ_k w_k^n,
// w_k = 1 / (2π² ((k − ½)² + c²/(4π²))).
double polyaGammaCumulant(int n, double b, double c) {
  double sum = 0.0;
  for (int k = 1; k <= 200000; ++k) {
    const double half = k - 0.5;
    const double w = 1.0 / (2.0 * std::numbers::pi * std::numbers::pi *
                            (half * half + c * c / (4.0 * std::numbers::pi * std::numbers::pi)));
    sum += std::pow(w, n);
  }
  return b * std::tgamma(n) * sum;
}

struct Moments {
  double mean = 0.0, variance = 0.0, third = 0.0;
};

Moments moments(const std::vector<double>& x) {
  Moments m;
  const double n = static_cast<double>(x.size());
  for (const double v : x) m.mean += v / n;
  for (const double v : x) {
    const double d = v - m.mean;
    m.variance += d * d / (n - 1.0);
    m.third += d * d * d / n;
  }
  return m;
}

double ksStatistic(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  std::size_t i = 0;
  std::size_t j = 0;
  double worst = 0.0;
  while (i < a.size() && j < b.size()) {
    if (a[i] <= b[j])
      ++i;
    else
      ++j;
    worst = std::max(worst, std::abs(static_cast<double>(i) / static_cast<double>(a.size()) -
                                     static_cast<double>(j) / static_cast<double>(b.size())));
  }
  return worst;
}

}  // namespace

TEST(PolyaGamma, ClosedFormMomentsMatchTheSeries) {
  for (const double b : {1.0, 3.7}) {
    for (const double c : {0.0, 0.5, 3.0, 12.0}) {
      EXPECT_NEAR(bc::polyaGammaMean(b, c), polyaGammaCumulant(1, b, c), 1e-5 * b) << b << " " << c;
      EXPECT_NEAR(bc::polyaGammaVariance(b, c), polyaGammaCumulant(2, b, c), 1e-8 * b)
          << b << " " << c;
    }
  }
}

TEST(PolyaGamma, DevroyeDrawsHaveTheExactMomentsAndSkew) {
  bc::Rng rng(7, 0);
  for (const double c : {0.0, 1.5, 6.0}) {
    std::vector<double> x(40000);
    for (auto& v : x) v = bc::polyaGammaDevroye(rng, c);
    const Moments m = moments(x);
    const double sd = std::sqrt(bc::polyaGammaVariance(1.0, c));
    EXPECT_NEAR(m.mean, bc::polyaGammaMean(1.0, c), 4.0 * sd / std::sqrt(40000.0)) << c;
    EXPECT_NEAR(m.variance / bc::polyaGammaVariance(1.0, c), 1.0, 0.05) << c;
    EXPECT_NEAR(m.third / polyaGammaCumulant(3, 1.0, c), 1.0, 0.15) << c;
  }
}

TEST(PolyaGamma, GammaSumMatchesMomentsAndTheExactSampler) {
  bc::Rng rng(11, 0);
  for (const double b : {0.6, 2.0, 13.4, 40.0}) {
    for (const double c : {0.0, 2.0, 7.0}) {
      std::vector<double> x(20000);
      for (auto& v : x) v = bc::polyaGamma(rng, b, c);
      const Moments m = moments(x);
      const double variance = bc::polyaGammaVariance(b, c);
      EXPECT_NEAR(m.mean, bc::polyaGammaMean(b, c), 4.0 * std::sqrt(variance / 20000.0))
          << b << " " << c;
      EXPECT_NEAR(m.variance / variance, 1.0, 0.06) << b << " " << c;
      EXPECT_NEAR(m.third / polyaGammaCumulant(3, b, c), 1.0, 0.25) << b << " " << c;
    }
  }
  // b = 2: the gamma-sum approximation and the exact sum of two Devroye draws
  // cannot be told apart by a two-sample Kolmogorov–Smirnov test (α = 0.001).
  for (const double c : {0.0, 3.0}) {
    std::vector<double> exact(20000);
    std::vector<double> approximate(20000);
    for (auto& v : exact) v = bc::polyaGammaDevroye(rng, c) + bc::polyaGammaDevroye(rng, c);
    for (auto& v : approximate) v = bc::polyaGammaGammaSum(rng, 2.0, c);
    EXPECT_LT(ksStatistic(exact, approximate), 1.95 * std::sqrt(2.0 / 20000.0)) << c;
  }
}

TEST(PolyaGamma, SameSeedSameDraws) {
  bc::Rng a(3, 1);
  bc::Rng b(3, 1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(bc::polyaGamma(a, 7.3, 1.2), bc::polyaGamma(b, 7.3, 1.2));
}

TEST(Random, ZigguratNormalsFollowTheNormalLaw) {
  // KS distance to Φ over 200 000 draws, the moments, and the tail beyond the
  // ziggurat's base (|x| > 3.4426: probability 5.76e-4) and beyond 4.
  bc::Rng rng(8, 3);
  const int n = 200000;
  std::vector<double> x(n);
  double sum = 0.0, squares = 0.0, fourth = 0.0;
  int beyondBase = 0, beyond4 = 0;
  for (auto& v : x) {
    v = rng.normal();
    sum += v;
    squares += v * v;
    fourth += v * v * v * v;
    beyondBase += std::abs(v) > 3.442619855899 ? 1 : 0;
    beyond4 += std::abs(v) > 4.0 ? 1 : 0;
  }
  std::sort(x.begin(), x.end());
  double ks = 0.0;
  for (int i = 0; i < n; ++i) {
    const double cdf = 0.5 * std::erfc(-x[i] / std::sqrt(2.0));
    ks = std::max({ks, std::abs(cdf - static_cast<double>(i) / n),
                   std::abs(cdf - static_cast<double>(i + 1) / n)});
  }
  EXPECT_LT(ks, 1.63 / std::sqrt(static_cast<double>(n)));  // 1 % level
  EXPECT_NEAR(sum / n, 0.0, 4.0 / std::sqrt(static_cast<double>(n)));
  EXPECT_NEAR(squares / n, 1.0, 0.015);
  EXPECT_NEAR(fourth / n, 3.0, 0.1);
  EXPECT_NEAR(beyondBase, 5.76e-4 * n, 4.0 * std::sqrt(5.76e-4 * n));
  EXPECT_NEAR(beyond4, 6.334e-5 * n, 4.0 * std::sqrt(6.334e-5 * n) + 1.0);
}

TEST(Random, RepeatedGammaDrawsAreRngGammaDrawForDraw) {
  // GammaDraws (the Pólya-Gamma sums' Gamma(b) terms) precomputes Marsaglia &
  // Tsang's constants; it must give exactly Rng::gamma's numbers.
  for (const double shape : {0.3, 1.0, 2.5, 11.7}) {
    bc::Rng a(4, 2), b(4, 2);
    const bc::GammaDraws draws(shape);
    for (int i = 0; i < 200; ++i) ASSERT_EQ(draws(a), b.gamma(shape)) << shape;
    EXPECT_EQ(a.state(), b.state());
  }
}

namespace {

// A two-state switching linear-Gaussian model with Gaussian observations.
struct LinearGaussianCase {
  bc::SwitchingDynamics dynamics;
  bc::GaussianObservations observations;
  std::vector<int> states;
  Eigen::VectorXd m0;
  Eigen::MatrixXd P0;
};

LinearGaussianCase linearGaussianCase() {
  LinearGaussianCase out;
  const int D = 2;
  const int T = 40;
  out.dynamics.A = {0.95 * Eigen::MatrixXd::Identity(D, D), Eigen::MatrixXd(D, D)};
  out.dynamics.A[1] << 0.9, -0.3, 0.3, 0.9;
  out.dynamics.b = {Eigen::VectorXd::Zero(D), Eigen::VectorXd::Constant(D, 0.2)};
  out.dynamics.Q = {0.05 * Eigen::MatrixXd::Identity(D, D), Eigen::MatrixXd(D, D)};
  out.dynamics.Q[1] << 0.1, 0.03, 0.03, 0.08;
  out.m0 = Eigen::VectorXd::Zero(D);
  out.P0 = Eigen::MatrixXd::Identity(D, D);
  bc::Rng rng(5, 0);
  Eigen::MatrixXd H(3, D);
  H << 1.0, 0.0, 0.5, 1.0, -0.3, 0.8;
  const Eigen::Vector3d noise(0.5, 1.0, 2.0);  // observation variances
  Eigen::VectorXd x = Eigen::VectorXd::Zero(D);
  out.observations.informationVector.resize(D, T);
  for (int t = 0; t < T; ++t) {
    out.states.push_back((t / 10) % 2);
    const int s = out.states.back();
    x = t == 0
            ? Eigen::VectorXd(Eigen::Vector2d(rng.normal(), rng.normal()))
            : Eigen::VectorXd(out.dynamics.A[s] * x + out.dynamics.b[s] +
                              bc::drawGaussian(Eigen::VectorXd::Zero(D), out.dynamics.Q[s], rng));
    Eigen::VectorXd y = H * x;
    for (int i = 0; i < 3; ++i) y[i] += std::sqrt(noise[i]) * rng.normal();
    const Eigen::MatrixXd W = noise.cwiseInverse().asDiagonal();
    out.observations.information.push_back(H.transpose() * W * H);
    out.observations.informationVector.col(t) = H.transpose() * W * y;
  }
  return out;
}

}  // namespace

TEST(Ffbs, DrawsMatchTheKalmanSmoother) {
  const auto model = linearGaussianCase();
  const auto smoothed =
      bc::kalmanSmoother(model.observations, model.states, model.dynamics, model.m0, model.P0);
  bc::Rng rng(9, 0);
  const int draws = 4000;
  const int T = static_cast<int>(model.states.size());
  Eigen::MatrixXd sum = Eigen::MatrixXd::Zero(2, T);
  std::vector<Eigen::Matrix2d> outer(T, Eigen::Matrix2d::Zero());
  for (int d = 0; d < draws; ++d) {
    const Eigen::MatrixXd path = bc::forwardFilterBackwardSample(
        model.observations, model.states, model.dynamics, model.m0, model.P0, rng);
    sum += path;
    for (int t = 0; t < T; ++t) outer[t] += path.col(t) * path.col(t).transpose();
  }
  for (int t = 0; t < T; ++t) {
    const Eigen::Vector2d mean = sum.col(t) / draws;
    const Eigen::Matrix2d covariance = outer[t] / draws - mean * mean.transpose();
    const Eigen::Matrix2d& exact = smoothed.covariance[t];
    for (int i = 0; i < 2; ++i) {
      EXPECT_NEAR(mean[i], smoothed.mean(i, t), 4.5 * std::sqrt(exact(i, i) / draws)) << t;
      EXPECT_NEAR(covariance(i, i) / exact(i, i), 1.0, 0.12) << t;
    }
  }
}

namespace {

// The linear-Gaussian case cut to its first six bins, and the posterior of
// the 2⁵ state sequences s_1 … s_5 (s_0 = 0 fixed) ∝ Π π(s_{t−1}, s_t) ·
// exp(gaussianLogEvidence(s)), enumerated; code bit t−1 is s_t.
struct EnumeratedStates {
  LinearGaussianCase model;
  Eigen::MatrixXd transition;
  std::vector<double> exact, prior;
  int T = 6;
};

EnumeratedStates enumeratedStates() {
  EnumeratedStates out;
  out.model = linearGaussianCase();
  out.model.observations.information.resize(out.T);
  out.model.observations.informationVector.conservativeResize(Eigen::NoChange, out.T);
  out.transition.resize(2, 2);
  out.transition << 0.7, 0.3, 0.4, 0.6;
  const int codes = 1 << (out.T - 1);
  out.exact.resize(codes);
  out.prior.resize(codes);
  double total = 0.0, priorTotal = 0.0;
  for (int code = 0; code < codes; ++code) {
    std::vector<int> states(out.T, 0);
    for (int t = 1; t < out.T; ++t) states[t] = (code >> (t - 1)) & 1;
    double logPrior = 0.0;
    for (int t = 1; t < out.T; ++t) logPrior += std::log(out.transition(states[t - 1], states[t]));
    out.prior[code] = std::exp(logPrior);
    out.exact[code] = std::exp(logPrior + bc::gaussianLogEvidence(out.model.observations, states,
                                                                  out.model.dynamics, out.model.m0,
                                                                  out.model.P0));
    total += out.exact[code];
    priorTotal += out.prior[code];
  }
  for (auto& e : out.exact) e /= total;
  for (auto& p : out.prior) p /= priorTotal;
  return out;
}

int codeOf(const std::vector<int>& states) {
  int code = 0;
  for (std::size_t t = 1; t < states.size(); ++t) code |= states[t] << (t - 1);
  return code;
}

double totalVariation(const std::vector<double>& a, const std::vector<double>& b) {
  double tv = 0.0;
  for (std::size_t k = 0; k < a.size(); ++k) tv += 0.5 * std::abs(a[k] - b[k]);
  return tv;
}

}  // namespace

TEST(Ffbs, CollapsedStateSweepKeepsTheEnumeratedPosterior) {
  // The chain of collapsed single-site sweeps (every bin, every state) must
  // visit the 2⁵ sequences with their enumerated posterior probabilities,
  // forward, backward and alternating; the prior alone (the evidence
  // ignored) must not match, so the test can fail.
  const EnumeratedStates e = enumeratedStates();
  using Direction = bc::SweepDirection;
  for (const int order : {0, 1, 2}) {  // forward, backward, alternating
    bc::Rng rng(17, static_cast<std::uint64_t>(order));
    std::vector<int> states(e.T, 0);
    std::vector<double> visits(e.exact.size(), 0.0);
    const int sweeps = 40000;
    long changed = 0;
    for (int sweep = 0; sweep < sweeps; ++sweep) {
      const Direction direction = order == 0   ? Direction::Forward
                                  : order == 1 ? Direction::Backward
                                  : sweep % 2  ? Direction::Backward
                                               : Direction::Forward;
      changed += bc::collapsedStateSweep(e.model.observations, states, e.model.dynamics,
                                         e.transition, e.model.m0, e.model.P0, -1, direction, rng);
      visits[codeOf(states)] += 1.0 / sweeps;
    }
    const double tv = totalVariation(visits, e.exact);
    const double tvPrior = totalVariation(e.prior, e.exact);
    std::printf(
        "collapsed sweeps (order %d): TV %.4f to the enumeration (prior alone %.4f), %ld "
        "changes\n",
        order, tv, tvPrior, changed);
    EXPECT_GT(changed, sweeps / 10) << order;
    EXPECT_LT(tv, 0.02) << order;
    EXPECT_GT(tvPrior, 0.1);
  }
}

TEST(Ffbs, WindowedSweepsInEitherDirectionKeepThePosterior) {
  // The sampler's sweeps are restricted (window 1: a bin moves only among
  // the states of its neighbours), so they are not irreducible on their
  // own; what they must do is keep the posterior. Exact draws from the
  // enumerated posterior, one sweep each: the sequences after the sweep
  // must still follow the posterior. The same sweep with the wrong target
  // (transitions that favour state 1) must move them away.
  const EnumeratedStates e = enumeratedStates();
  const int draws = 40000;
  std::vector<double> cumulative(e.exact.size());
  std::partial_sum(e.exact.begin(), e.exact.end(), cumulative.begin());
  Eigen::MatrixXd towardOne(2, 2);
  towardOne << 0.2, 0.8, 0.2, 0.8;
  for (const bc::SweepDirection direction :
       {bc::SweepDirection::Forward, bc::SweepDirection::Backward}) {
    bc::Rng rng(23, direction == bc::SweepDirection::Forward ? 0 : 1);
    std::vector<double> after(e.exact.size(), 0.0), afterWrong(e.exact.size(), 0.0);
    long changed = 0;
    for (int d = 0; d < draws; ++d) {
      const double u = rng.uniform();
      const int code = static_cast<int>(std::lower_bound(cumulative.begin(), cumulative.end(), u) -
                                        cumulative.begin());
      std::vector<int> states(e.T, 0);
      for (int t = 1; t < e.T; ++t)
        states[t] = (std::min(code, static_cast<int>(e.exact.size()) - 1) >> (t - 1)) & 1;
      std::vector<int> wrong = states;
      changed += bc::collapsedStateSweep(e.model.observations, states, e.model.dynamics,
                                         e.transition, e.model.m0, e.model.P0, 1, direction, rng);
      bc::collapsedStateSweep(e.model.observations, wrong, e.model.dynamics, towardOne, e.model.m0,
                              e.model.P0, 1, direction, rng);
      after[codeOf(states)] += 1.0 / draws;
      afterWrong[codeOf(wrong)] += 1.0 / draws;
    }
    const double tv = totalVariation(after, e.exact);
    const double tvWrong = totalVariation(afterWrong, e.exact);
    std::printf("windowed %s sweep from exact draws: TV %.4f (wrong target %.4f), %ld changes\n",
                direction == bc::SweepDirection::Forward ? "forward" : "backward", tv, tvWrong,
                changed);
    EXPECT_GT(changed, draws / 10);
    EXPECT_LT(tv, 0.02);
    EXPECT_GT(tvWrong, 0.05);
  }
}

TEST(Ffbs, BackwardSweepMovesAChangePointFartherLeft) {
  // The 40-bin linear-Gaussian case has its first change of state at bin 10;
  // started with it at bin 15 (states 0 until 14, the truth after), a
  // forward sweep moves it left by about one bin (bin 14 first; bins 12, 13
  // could only flip alone, between two bins of state 0), a backward sweep
  // carries it bin by bin toward the truth in one go (measured: 14.05 and
  // 12.36 on average).
  const auto model = linearGaussianCase();
  const int T = static_cast<int>(model.states.size());
  Eigen::MatrixXd transition(2, 2);
  transition << 0.95, 0.05, 0.05, 0.95;
  std::vector<int> late = model.states;
  for (int t = 10; t < 15; ++t) late[t] = 0;
  auto firstChange = [](const std::vector<int>& states) {
    for (std::size_t t = 1; t < states.size(); ++t)
      if (states[t] != states[0]) return static_cast<int>(t);
    return static_cast<int>(states.size());
  };
  bc::Rng rng(31, 0);
  const int repeats = 200;
  double forward = 0.0, backward = 0.0;
  int forwardLowest = T;
  for (int r = 0; r < repeats; ++r) {
    std::vector<int> states = late;
    bc::collapsedStateSweep(model.observations, states, model.dynamics, transition, model.m0,
                            model.P0, 3, bc::SweepDirection::Forward, rng);
    forward += firstChange(states) / static_cast<double>(repeats);
    forwardLowest = std::min(forwardLowest, firstChange(states));
    states = late;
    bc::collapsedStateSweep(model.observations, states, model.dynamics, transition, model.m0,
                            model.P0, 3, bc::SweepDirection::Backward, rng);
    backward += firstChange(states) / static_cast<double>(repeats);
  }
  std::printf(
      "first change after one sweep from bin 15 (truth 10): forward %.2f (lowest %d), "
      "backward %.2f\n",
      forward, forwardLowest, backward);
  EXPECT_GE(forwardLowest, 12);  // the window (3) bounds any move within one sweep
  EXPECT_GT(forward, 13.5);
  EXPECT_LT(backward, 13.0);
  EXPECT_LT(backward, forward - 1.0);
}

TEST(StickyHmm, GaussianSegmentationFindsTwoLevels) {
  // A series that alternates between two levels in runs of 40, with noise:
  // the fitted two-state HMM recovers the runs (state 0 the lower level).
  bc::Rng rng(3, 0);
  const int n = 400;
  Eigen::VectorXd series(n);
  std::vector<int> truth(n);
  for (int t = 0; t < n; ++t) {
    truth[t] = (t / 40) % 2;
    series[t] = (truth[t] ? 1.5 : 0.0) + 0.7 * rng.normal();
  }
  const std::vector<int> found = bc::gaussianHmmSegmentation(series, 2);
  int wrong = 0;
  for (int t = 0; t < n; ++t) wrong += found[t] != truth[t];
  EXPECT_LT(wrong, 20);
  EXPECT_EQ(bc::gaussianHmmSegmentation(series, 1), std::vector<int>(n, 0));
}

TEST(Clustering, SubspaceClusteringSeparatesRowsByTheirSubspaces) {
  // 3 groups of 8 rows, each row a random combination (free signs, as the
  // loadings) of its group's 3 random series plus noise: the rows of a group
  // need not be close to one another, but they share a subspace, which
  // subspaceClustering recovers exactly.
  bc::Rng rng(11, 0);
  const int T = 300, groups = 3, per = 8;
  std::vector<Eigen::MatrixXd> bases(groups, Eigen::MatrixXd(3, T));
  for (auto& b : bases)
    for (int j = 0; j < 3; ++j)
      for (int t = 0; t < T; ++t) b(j, t) = rng.normal();
  Eigen::MatrixXd rows(groups * per, T);
  std::vector<int> truth;
  for (int g = 0; g < groups; ++g)
    for (int i = 0; i < per; ++i) {
      Eigen::RowVector3d w(rng.normal(), rng.normal(), rng.normal());
      rows.row(g * per + i) = w * bases[g];
      for (int t = 0; t < T; ++t) rows(g * per + i, t) += 0.5 * rng.normal();
      truth.push_back(g);
    }
  const std::vector<int> found = bc::subspaceClustering(rows, groups, 3, rng);
  EXPECT_DOUBLE_EQ(bc::adjustedRandIndex(found, truth), 1.0);
}

TEST(Mniw, PosteriorOnSimulatedVarData) {
  const int D = 2;
  const int T = 3000;
  Eigen::MatrixXd A(D, D);
  A << 0.8, 0.1, -0.2, 0.7;
  const Eigen::Vector2d b(0.3, -0.1);
  Eigen::MatrixXd Q(D, D);
  Q << 0.05, 0.01, 0.01, 0.03;
  bc::Rng rng(21, 0);
  Eigen::MatrixXd path(D, T);
  path.col(0).setZero();
  for (int t = 1; t < T; ++t)
    path.col(t) = A * path.col(t - 1) + b + bc::drawGaussian(Eigen::VectorXd::Zero(D), Q, rng);
  std::vector<int> bins(T - 1);
  std::iota(bins.begin(), bins.end(), 1);
  const auto prior = bc::MniwPrior::standard(D, 0.01);
  const auto posterior = bc::mniwPosterior(prior, path, bins);
  EXPECT_EQ(posterior.nu, D + 2.0 + (T - 1));
  // The posterior concentrates on the truth.
  EXPECT_LT((posterior.M.leftCols(D) - A).cwiseAbs().maxCoeff(), 0.05);
  EXPECT_LT((posterior.M.col(D) - b).cwiseAbs().maxCoeff(), 0.05);
  const Eigen::MatrixXd meanQ = posterior.Psi / (posterior.nu - D - 1.0);
  EXPECT_LT((meanQ - Q).cwiseAbs().maxCoeff(), 0.005);
  // Draws have the posterior's moments: E[Q] = Ψ/(ν − D − 1), E[[A b]] = M.
  Eigen::MatrixXd sumQ = Eigen::MatrixXd::Zero(D, D);
  Eigen::MatrixXd sumAb = Eigen::MatrixXd::Zero(D, D + 1);
  const int draws = 3000;
  for (int d = 0; d < draws; ++d) {
    const auto draw = bc::drawMniw(posterior, rng);
    sumQ += draw.Q;
    sumAb.leftCols(D) += draw.A;
    sumAb.col(D) += draw.b;
  }
  EXPECT_LT(((sumQ / draws) - meanQ).cwiseAbs().maxCoeff(),
            0.01 * meanQ.cwiseAbs().maxCoeff() + 2e-4);
  EXPECT_LT(((sumAb / draws) - posterior.M).cwiseAbs().maxCoeff(), 0.01);
  // A small sample: the inverse-Wishart mean from draws matches the closed form.
  const Eigen::MatrixXd psi = (Eigen::MatrixXd(2, 2) << 2.0, 0.5, 0.5, 1.0).finished();
  Eigen::MatrixXd iwSum = Eigen::MatrixXd::Zero(2, 2);
  for (int d = 0; d < 20000; ++d) iwSum += bc::drawInverseWishart(psi, 7.0, rng);
  EXPECT_LT((iwSum / 20000.0 - psi / (7.0 - 3.0)).cwiseAbs().maxCoeff(), 0.02);
}

TEST(Crt, MatchesTheExactDistribution) {
  // P(L = l | n, r) = |s(n, l)| r^l Γ(r) / Γ(n + r), unsigned Stirling numbers of the first kind.
  const int n = 7;
  const double r = 2.5;
  std::vector<std::vector<double>> stirling(n + 1, std::vector<double>(n + 1, 0.0));
  stirling[0][0] = 1.0;
  for (int i = 1; i <= n; ++i)
    for (int l = 1; l <= i; ++l)
      stirling[i][l] = stirling[i - 1][l - 1] + (i - 1) * stirling[i - 1][l];
  std::vector<double> exact(n + 1);
  for (int l = 0; l <= n; ++l)
    exact[l] = stirling[n][l] * std::pow(r, l) * std::exp(std::lgamma(r) - std::lgamma(n + r));
  EXPECT_NEAR(std::accumulate(exact.begin(), exact.end(), 0.0), 1.0, 1e-12);
  bc::Rng rng(4, 0);
  const int draws = 50000;
  std::vector<double> observed(n + 1, 0.0);
  for (int d = 0; d < draws; ++d) observed[bc::chineseRestaurantTables({n}, r, rng)] += 1.0;
  double chiSquare = 0.0;
  int cells = 0;
  for (int l = 0; l <= n; ++l) {
    if (exact[l] * draws < 5.0) continue;
    chiSquare += std::pow(observed[l] - exact[l] * draws, 2) / (exact[l] * draws);
    ++cells;
  }
  EXPECT_LT(chiSquare, 22.5);  // χ²(6) 0.999 quantile; cells − 1 ≤ 6
  EXPECT_GE(cells, 5);
}

TEST(StickyHmm, StateDrawsMatchEnumeration) {
  const int T = 4;
  const int L = 2;
  Eigen::MatrixXd logLikelihood(T, L);
  logLikelihood << 0.0, 0.0, 0.5, -0.3, -1.0, 0.8, 0.2, 0.1;
  Eigen::MatrixXd transition(L, L);
  transition << 0.8, 0.2, 0.35, 0.65;
  // Exact posterior of every sequence (uniform initial distribution).
  std::vector<double> exact(16, 0.0);
  for (int code = 0; code < 16; ++code) {
    double logp = -std::log(2.0);
    for (int t = 0; t < T; ++t) {
      const int s = (code >> t) & 1;
      logp += logLikelihood(t, s);
      if (t > 0) logp += std::log(transition((code >> (t - 1)) & 1, s));
    }
    exact[code] = std::exp(logp);
  }
  const double total = std::accumulate(exact.begin(), exact.end(), 0.0);
  bc::Rng rng(13, 0);
  const int draws = 40000;
  std::vector<double> observed(16, 0.0);
  for (int d = 0; d < draws; ++d) {
    const auto states = bc::sampleStates(logLikelihood, transition, rng);
    int code = 0;
    for (int t = 0; t < T; ++t) code |= states[t] << t;
    observed[code] += 1.0;
  }
  double chiSquare = 0.0;
  for (int code = 0; code < 16; ++code) {
    const double expected = exact[code] / total * draws;
    chiSquare += std::pow(observed[code] - expected, 2) / expected;
  }
  EXPECT_LT(chiSquare, 37.7);  // χ²(15) 0.999 quantile
}

TEST(StickyHmm, PosteriorFollowsTransitionCounts) {
  // A long sequence that stays 90 % of the time: the posterior transition
  // rows concentrate near the empirical frequencies (the sticky prior adds κ).
  bc::Rng rng(17, 0);
  std::vector<int> states{0};
  for (int t = 1; t < 5000; ++t)
    states.push_back(rng.uniform() < 0.9 ? states.back() : 1 - states.back());
  const bc::StickyHmmPrior prior{5.0, 5.0, 10.0, 4};
  auto parameters = bc::drawStickyHmmPrior(prior, rng);
  Eigen::MatrixXd mean = Eigen::MatrixXd::Zero(4, 4);
  for (int d = 0; d < 200; ++d) {
    parameters = bc::drawStickyHmmPosterior(prior, parameters, states, rng);
    if (d >= 50) mean += parameters.transition / 150.0;
  }
  EXPECT_NEAR(mean(0, 0), 0.9, 0.02);
  EXPECT_NEAR(mean(1, 1), 0.9, 0.02);
  EXPECT_NEAR(mean(0, 1), 0.1, 0.02);
  for (int j = 0; j < 4; ++j) EXPECT_NEAR(mean.row(j).sum(), 1.0, 1e-9);
  // Unvisited states keep their prior stickiness κ/(α + κ) on average.
  EXPECT_GT(mean(2, 2), 0.3);
}

TEST(Mfm, PartitionProbabilitiesSumToOne) {
  // Σ over all partitions of n = 5 of V_n(t) Π_c γ^(|c|) = 1 (Miller & Harrison 2018).
  const int n = 5;
  const double gamma = 1.0;
  const auto logV = bc::mfmLogCoefficients(n, gamma, 0.2, n);
  // Count partitions by block sizes through restricted growth strings.
  double total = 0.0;
  std::vector<int> labels(n, 0);
  std::function<void(int, int)> visit = [&](int i, int blocks) {
    if (i == n) {
      std::vector<int> sizes(blocks, 0);
      for (const int z : labels) ++sizes[z];
      double logp = logV[blocks - 1];
      for (const int s : sizes) logp += std::lgamma(s + gamma) - std::lgamma(gamma);
      total += std::exp(logp);
      return;
    }
    for (int z = 0; z <= blocks; ++z) {
      labels[i] = z;
      visit(i + 1, std::max(blocks, z + 1));
    }
  };
  labels[0] = 0;
  visit(1, 1);
  EXPECT_NEAR(total, 1.0, 1e-10);
}

TEST(Laplace, MarginalMatchesQuadratureOnSmallData) {
  // One loading (p = 1): the Laplace approximation of ∫ NB(y | c) N(c) dc
  // against a fine quadrature, both without the y-only terms.
  bc::Rng rng(23, 0);
  const int T = 300;
  Eigen::VectorXd y(T);
  Eigen::MatrixXd x(T, 1);
  Eigen::VectorXd offset(T);
  for (int t = 0; t < T; ++t) {
    x(t, 0) = std::sin(t / 15.0) * 0.8;
    offset[t] = 0.3;
    y[t] = std::round(std::exp(0.3 + 0.7 * x(t, 0)) + rng.normal() * 0.8);
    if (y[t] < 0) y[t] = 0;
  }
  for (const double r : {-1.0, 4.0}) {
    auto logLikelihood = [&](double c) {
      double total = 0.0;
      for (int t = 0; t < T; ++t) {
        const double eta = offset[t] + c * x(t, 0);
        total += r <= 0.0 ? y[t] * eta - std::exp(eta)
                          : y[t] * eta - (y[t] + r) * std::log(r + std::exp(eta)) + r * std::log(r);
      }
      return total;
    };
    double top = -1e300;
    for (double c = -3.0; c <= 3.0; c += 1e-3) top = std::max(top, logLikelihood(c) - 0.5 * c * c);
    double integral = 0.0;
    for (double c = -3.0; c <= 3.0; c += 1e-3)
      integral +=
          std::exp(logLikelihood(c) - 0.5 * c * c - top) * 1e-3 / std::sqrt(2.0 * std::numbers::pi);
    const double exact = top + std::log(integral);
    const double laplace = bc::laplaceLogMarginal(y, r, x, offset);
    // Laplace at the MLE with the expected information: close, not exact.
    EXPECT_NEAR(laplace, exact, 0.05) << r;
  }
}

TEST(Hungarian, MatchesBruteForce) {
  bc::Rng rng(31, 0);
  for (int trial = 0; trial < 20; ++trial) {
    Eigen::MatrixXd cost(5, 5);
    for (int i = 0; i < 25; ++i) cost.data()[i] = std::floor(rng.uniform() * 10.0);
    const auto assignment = bc::hungarian(cost);
    double found = 0.0;
    for (int i = 0; i < 5; ++i) found += cost(i, assignment[i]);
    std::vector<int> permutation{0, 1, 2, 3, 4};
    double best = 1e300;
    do {
      double total = 0.0;
      for (int i = 0; i < 5; ++i) total += cost(i, permutation[i]);
      best = std::min(best, total);
    } while (std::next_permutation(permutation.begin(), permutation.end()));
    EXPECT_EQ(found, best);
    std::vector<int> sorted = assignment;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, (std::vector<int>{0, 1, 2, 3, 4}));
  }
}
