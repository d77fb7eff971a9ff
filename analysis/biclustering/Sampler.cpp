#include "analysis/biclustering/Sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numbers>
#include <stdexcept>
#include <string>

#include "analysis/biclustering/Clustering.h"
#include "analysis/biclustering/Kalman.h"
#include "analysis/biclustering/PolyaGamma.h"
#include "analysis/biclustering/SplitMerge.h"

namespace nl::analysis::biclustering {
namespace {

constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

double logNormalDensity(double x) {
  return -0.5 * x * x - 0.5 * std::log(2.0 * std::numbers::pi);
}

// log NB(y | r, mean μ) without the log y! term; η = log μ.
double negativeBinomialLogPmf(double y, double r, double eta) {
  const double logR = std::log(r);
  const double logRPlusMu =
      eta > logR ? eta + std::log1p(std::exp(logR - eta)) : logR + std::log1p(std::exp(eta - logR));
  return std::lgamma(y + r) - std::lgamma(r) + r * (logR - logRPlusMu) + y * (eta - logRPlusMu);
}

double poissonLogPmf(double y, double eta) {
  return y * eta - std::exp(eta);
}  // without log y!

// Natural cubic spline through (x_k, y_k), evaluated at `at` (all in [0, 1]).
Eigen::VectorXd naturalSpline(const Eigen::VectorXd& x, const Eigen::VectorXd& y,
                              const Eigen::VectorXd& at) {
  const auto n = x.size();
  Eigen::VectorXd second = Eigen::VectorXd::Zero(n);
  if (n > 2) {
    // Tridiagonal system for the second derivatives (zero at both ends).
    const auto m = n - 2;
    Eigen::VectorXd diag(m), upper(m), rhs(m);
    for (Eigen::Index i = 1; i <= m; ++i) {
      const double h0 = x[i] - x[i - 1];
      const double h1 = x[i + 1] - x[i];
      diag[i - 1] = 2.0 * (h0 + h1);
      upper[i - 1] = h1;
      rhs[i - 1] = 6.0 * ((y[i + 1] - y[i]) / h1 - (y[i] - y[i - 1]) / h0);
    }
    for (Eigen::Index i = 1; i < m; ++i) {  // Thomas algorithm (lower = h0 of row i = upper[i−1])
      const double factor = upper[i - 1] / diag[i - 1];
      diag[i] -= factor * upper[i - 1];
      rhs[i] -= factor * rhs[i - 1];
    }
    Eigen::VectorXd solution(m);
    solution[m - 1] = rhs[m - 1] / diag[m - 1];
    for (Eigen::Index i = m - 2; i >= 0; --i)
      solution[i] = (rhs[i] - upper[i] * solution[i + 1]) / diag[i];
    second.segment(1, m) = solution;
  }
  Eigen::VectorXd out(at.size());
  Eigen::Index k = 0;
  for (Eigen::Index j = 0; j < at.size(); ++j) {
    while (k < n - 2 && at[j] > x[k + 1]) ++k;
    const double h = x[k + 1] - x[k];
    const double a = (x[k + 1] - at[j]) / h;
    const double b = (at[j] - x[k]) / h;
    out[j] = a * y[k] + b * y[k + 1] +
             ((a * a * a - a) * second[k] + (b * b * b - b) * second[k + 1]) * h * h / 6.0;
  }
  return out;
}

}  // namespace

long SamplerSettings::thin() const {
  const long kept = std::max<long>(1, iterations - burnIn());
  return std::max<long>(1, (kept + keptSamples - 1) / std::max(1, keptSamples));
}

long SamplerSettings::latentThin() const {
  const long kept = std::max<long>(1, iterations - burnIn());
  const long every =
      std::max<long>(1, (kept + keptLatentSamples - 1) / std::max(1, keptLatentSamples));
  return ((every + thin() - 1) / thin()) * thin();  // a multiple of thin
}

long SamplerSettings::referenceIterations() const {
  return std::max<long>(
      1, static_cast<long>(std::ceil(referenceFraction * static_cast<double>(iterations))));
}

ChainSampler::ChainSampler(const Eigen::MatrixXd& counts, const SamplerSettings& settings,
                           int chainIndex)
    : counts_(counts),
      settings_(settings),
      rng_(settings.seed, static_cast<std::uint64_t>(chainIndex)) {
  chain_.index = chainIndex;
  initialise();
}

ChainSampler::ChainSampler(const Eigen::MatrixXd& counts, const SamplerSettings& settings,
                           Chain chain)
    : counts_(counts), settings_(settings), chain_(std::move(chain)), rng_(chain_.state.rng) {
  N_ = static_cast<int>(counts.rows());
  T_ = static_cast<int>(counts.cols());
  p_ = settings.latentDim;
  q_ = p_ + 1;
  L_ = settings.maxStates;
  K_ = settings.maxClusters > 0 ? settings.maxClusters : std::max(1, N_ / 2);
  if (static_cast<int>(chain_.state.labels.size()) != N_ ||
      static_cast<int>(chain_.state.states.size()) != T_)
    throw std::invalid_argument("the saved chain was run on counts of another size");
  logV_ = mfmLogCoefficients(N_, settings.dirichlet, settings.geometricP, K_ + 1);
  countRows_.assign(static_cast<std::size_t>(N_), std::vector<int>(static_cast<std::size_t>(T_)));
  for (int i = 0; i < N_; ++i)
    for (int t = 0; t < T_; ++t) countRows_[i][t] = static_cast<int>(counts(i, t));
  prepareRows();
}

void ChainSampler::prepareRows() {
  // Rows smoothed by a centred 5-bin box filter; z-scored (profiles) and logged.
  profiles_.resize(N_, T_);
  logRates_.resize(N_, T_);
  for (int i = 0; i < N_; ++i) {
    for (int t = 0; t < T_; ++t) {
      double sum = 0.0;
      int n = 0;
      for (int u = std::max(0, t - 2); u <= std::min(T_ - 1, t + 2); ++u, ++n) sum += counts_(i, u);
      profiles_(i, t) = sum / n;
      logRates_(i, t) = std::log(sum / n + 0.5);
    }
    profiles_.row(i).array() -= profiles_.row(i).mean();
    const double norm = profiles_.row(i).norm();
    if (norm > 0.0) profiles_.row(i) /= norm;
  }
}

void ChainSampler::initialise() {
  N_ = static_cast<int>(counts_.rows());
  T_ = static_cast<int>(counts_.cols());
  if (N_ < 2 || T_ < 3)
    throw std::invalid_argument("bi-clustering needs at least 2 neurons and 3 bins");
  if ((counts_.array() < 0).any() || !counts_.allFinite() ||
      (counts_.array() != counts_.array().round()).any())
    throw std::invalid_argument("counts must be non-negative integers");
  p_ = settings_.latentDim;
  q_ = p_ + 1;
  L_ = settings_.maxStates;
  K_ = settings_.maxClusters > 0 ? std::min(settings_.maxClusters, N_) : std::max(1, N_ / 2);
  if (p_ < 1 || L_ < 1) throw std::invalid_argument("latent dimension and states must be ≥ 1");
  logV_ = mfmLogCoefficients(N_, settings_.dirichlet, settings_.geometricP, K_ + 1);
  countRows_.assign(static_cast<std::size_t>(N_), std::vector<int>(static_cast<std::size_t>(T_)));
  for (int i = 0; i < N_; ++i)
    for (int t = 0; t < T_; ++t) countRows_[i][t] = static_cast<int>(counts_(i, t));
  prepareRows();

  auto& s = chain_.state;
  // As the reference: one cluster, δ and c from their priors, every slot a
  // smooth random path, r = 1, all bins in state 0, A = I, Q = 0.01 I.
  s.labels.assign(static_cast<std::size_t>(N_), 0);
  s.delta.resize(N_);
  s.loadings.resize(N_, p_);
  for (int i = 0; i < N_; ++i) {
    s.delta[i] = rng_.normal();
    for (int j = 0; j < p_; ++j) s.loadings(i, j) = rng_.normal();
  }
  s.dispersion = Eigen::VectorXd::Ones(N_);
  if (settings_.likelihood == Likelihood::Poisson)
    s.dispersion.setConstant(settings_.poissonProposalDispersion);
  s.latents.assign(static_cast<std::size_t>(K_), Eigen::MatrixXd());
  for (int k = 0; k < K_; ++k) s.latents[k] = freshPath(true);
  s.states.assign(static_cast<std::size_t>(T_), 0);
  const int dim = K_ * q_;
  s.A.assign(static_cast<std::size_t>(L_), Eigen::MatrixXd::Identity(dim, dim));
  s.Q.assign(static_cast<std::size_t>(L_),
             settings_.dynamicsPsi * Eigen::MatrixXd::Identity(dim, dim));
  s.b.assign(static_cast<std::size_t>(L_), Eigen::VectorXd::Zero(dim));
  s.hmm =
      drawStickyHmmPrior({settings_.hmmAlpha, settings_.hmmGamma, settings_.hmmKappa, L_}, rng_);
  s.referenceLatents.assign(static_cast<std::size_t>(K_), Eigen::MatrixXd());
  // Start from k-means++ clusters (seeded by the chain) of the neurons'
  // smoothed, standardised count series, with paths drawn from their
  // members' counts. (The reference starts from one cluster; with the
  // marginal in the model's own scale a neuron then rarely leaves it, since a
  // new cluster's path is a prior draw, and random starts merge into one.)
  const int initial = std::min(
      K_, std::max(1, settings_.initialClusters > 0 ? settings_.initialClusters : (N_ + 9) / 10));
  if (settings_.initialLabels.empty()) {
    switch (settings_.clusterStart) {
      case SamplerSettings::ClusterStart::Subspace:
        s.labels = subspaceClustering(logRates_, initial, q_, rng_);
        break;
      case SamplerSettings::ClusterStart::KMeans:
        s.labels = initialPartition(initial);
        break;
      case SamplerSettings::ClusterStart::One:
        s.labels.assign(static_cast<std::size_t>(N_), 0);
        break;
    }
  } else {
    if (static_cast<int>(settings_.initialLabels.size()) != N_)
      throw std::invalid_argument("the start partition has " +
                                  std::to_string(settings_.initialLabels.size()) + " labels for " +
                                  std::to_string(N_) + " neurons");
    // Compact onto slots 0, 1, … in order of first appearance.
    std::vector<int> slot;
    s.labels.clear();
    for (const int label : settings_.initialLabels) {
      if (label < 0) throw std::invalid_argument("start partition labels must be ≥ 0");
      if (label >= static_cast<int>(slot.size()))
        slot.resize(static_cast<std::size_t>(label) + 1, -1);
      if (slot[static_cast<std::size_t>(label)] < 0) {
        const int used =
            static_cast<int>(std::count_if(slot.begin(), slot.end(), [](int v) { return v >= 0; }));
        if (used >= K_)
          throw std::invalid_argument("the start partition has more than the " +
                                      std::to_string(K_) + " clusters allowed");
        slot[static_cast<std::size_t>(label)] = used;
      }
      s.labels.push_back(slot[static_cast<std::size_t>(label)]);
    }
  }
  const std::vector<int> initialSlots = occupied().used;
  refreshNewClusters(initialSlots);
  constrain();
  if (settings_.stateStart == SamplerSettings::StateStart::Fitted) fitStartLatents();
  if (settings_.stateStart == SamplerSettings::StateStart::Fitted ||
      !settings_.initialStates.empty())
    startStatesAndDynamics();
  s.referenceLabels = s.labels;
  for (const int k : initialSlots) s.referenceLatents[k] = s.latents[k];
  s.logLikelihood = logLikelihood();
  s.logPosterior = logPosterior();
  s.rng = rng_.state();
}

void ChainSampler::fitStartLatents() {
  // Each start cluster's latent fitted under one random-walk state (A = I,
  // b = 0, Q = psi·I), deterministically: Pólya-Gamma weights at their means
  // E PG(y + r, η − log r), the Kalman-smoothed mean path, then the members'
  // (δ, c) at their conditional means; a few passes. The smoothed path keeps
  // the slow structure the counts determine and none of a draw's
  // step-by-step roughness, which would mirror the dynamics assumed.
  auto& s = chain_.state;
  const bool poisson = settings_.likelihood == Likelihood::Poisson;
  SwitchingDynamics walk;
  walk.A.assign(1, Eigen::MatrixXd::Identity(q_, q_));
  walk.b.assign(1, Eigen::VectorXd::Zero(q_));
  walk.Q.assign(1, settings_.dynamicsPsi * Eigen::MatrixXd::Identity(q_, q_));
  const std::vector<int> oneState(static_cast<std::size_t>(T_), 0);
  Eigen::VectorXd h(q_), z(q_), rhs(q_);
  Eigen::MatrixXd precision(q_, q_);
  // Fits `latent` to `members` (and their δ, c).
  auto fit = [&](const std::vector<int>& members, Eigen::MatrixXd& latent, int sweeps) {
    for (int sweep = 0; sweep < sweeps; ++sweep) {
      GaussianObservations observations;
      observations.information.assign(static_cast<std::size_t>(T_), Eigen::MatrixXd::Zero(q_, q_));
      observations.informationVector = Eigen::MatrixXd::Zero(q_, T_);
      for (const int i : members) {
        const double r = poisson ? settings_.poissonProposalDispersion : s.dispersion[i];
        const double logR = std::log(r);
        h[0] = 1.0;
        h.tail(p_) = s.loadings.row(i).transpose();
        const Eigen::MatrixXd outer = h * h.transpose();
        for (int t = 0; t < T_; ++t) {
          const double y = counts_(i, t);
          const double w = polyaGammaMean(y + r, s.delta[i] + h.dot(latent.col(t)) - logR);
          observations.information[t].noalias() += w * outer;
          observations.informationVector.col(t).noalias() +=
              ((y - r) / 2.0 - w * (s.delta[i] - logR)) * h;
        }
      }
      latent = kalmanSmoother(observations, oneState, walk, Eigen::VectorXd::Zero(q_),
                              Eigen::MatrixXd::Identity(q_, q_))
                   .mean;
      for (const int i : members) {
        const double r = poisson ? settings_.poissonProposalDispersion : s.dispersion[i];
        const double logR = std::log(r);
        precision.setIdentity();
        rhs.setZero();
        for (int t = 0; t < T_; ++t) {
          z[0] = 1.0;
          z.tail(p_) = latent.col(t).tail(p_);
          const double mu = latent(0, t);
          const double y = counts_(i, t);
          const double w =
              polyaGammaMean(y + r, s.delta[i] + s.loadings.row(i).dot(z.tail(p_)) + mu - logR);
          precision.noalias() += w * z * z.transpose();
          rhs.noalias() += ((y - r) / 2.0 + w * (logR - mu)) * z;
        }
        const Eigen::VectorXd mean = precision.llt().solve(rhs);
        s.delta[i] = mean[0];
        s.loadings.row(i) = mean.tail(p_).transpose();
      }
    }
  };
  auto membersOf = [&](int slot, int without) {
    std::vector<int> members;
    for (int i = 0; i < N_; ++i)
      if (s.labels[i] == slot && i != without) members.push_back(i);
    return members;
  };
  // Rounds of leave-one-out classification: each neuron goes to the cluster
  // of the largest (n_k + γ) m(y_i | latent_k), m the Laplace marginal of the
  // cluster step, its own cluster's latent refitted without it (a latent
  // fitted to a neuron's own counts would keep it wherever it started);
  // then every latent is refitted. No cluster is emptied.
  for (int round = 0;; ++round) {
    for (const int slot : occupied().used)
      fit(membersOf(slot, -1), s.latents[slot], settings_.startFitSweeps);
    constrain();
    // The start states come from the first fit (startStatesAndDynamics):
    // measured on the reference simulation, the segmentation of the later,
    // better-fitted latents follows their amplitude more than their regime
    // (docs/BICLUSTERING.md).
    if (round == 0) startSegmentation_ = segmentByIncrements();
    if (round >= settings_.startReassignRounds) break;
    const std::vector<int> used = occupied().used;
    int moved = 0;
    for (int i = 0; i < N_; ++i) {
      const int own = s.labels[i];
      std::vector<int> rest = membersOf(own, i);
      if (rest.empty()) continue;
      const Eigen::VectorXd savedDelta = s.delta;
      const Eigen::MatrixXd savedLoadings = s.loadings;
      Eigen::MatrixXd without = s.latents[own];
      fit(rest, without, 2);  // from the full fit: two passes
      without.colwise() -= Eigen::VectorXd(without.rowwise().mean());
      s.delta = savedDelta;
      s.loadings = savedLoadings;
      const double r = poisson ? -1.0 : s.dispersion[i];
      const Eigen::VectorXd y = counts_.row(i).transpose();
      int best = own;
      double bestWeight = -std::numeric_limits<double>::infinity();
      for (const int k : used) {
        const Eigen::MatrixXd& latent = k == own ? without : s.latents[k];
        const Eigen::VectorXd offset = latent.row(0).transpose().array() + s.delta[i];
        const double weight =
            std::log(static_cast<double>(k == own ? rest.size() : membersOf(k, -1).size()) +
                     settings_.dirichlet) +
            laplaceLogMarginal(y, r, latent.bottomRows(p_).transpose(), offset);
        if (weight > bestWeight) {
          bestWeight = weight;
          best = k;
        }
      }
      if (best != own) {
        s.labels[i] = best;
        ++moved;
      }
    }
    if (moved == 0) break;
  }
}

std::vector<int> ChainSampler::segmentByIncrements() const {
  // log ‖x̂_t − x̂_{t−1}‖² / D of the stacked latent, segmented by a Gaussian HMM.
  const Occupied occ = occupied();
  const Eigen::MatrixXd x = stackedLatent(occ);
  const auto D = static_cast<double>(occ.dims.size());
  Eigen::VectorXd speed(T_ - 1);
  for (int t = 1; t < T_; ++t)
    speed[t - 1] = std::log((x.col(t) - x.col(t - 1)).squaredNorm() / D + 1e-12);
  const std::vector<int> segments =
      gaussianHmmSegmentation(speed, std::max(1, std::min(settings_.startStates, L_)));
  std::vector<int> states(static_cast<std::size_t>(T_));
  for (int t = 1; t < T_; ++t) states[t] = segments[static_cast<std::size_t>(t - 1)];
  states[0] = states[1];
  return states;
}

void ChainSampler::startStatesAndDynamics() {
  // The start states: given (initialStates), or a segmentation of the
  // smoothed latent by how fast it moves, log ‖x̂_t − x̂_{t−1}‖² / D, with a
  // Gaussian HMM; then the dynamics drawn from their MNIW posterior given the
  // latent and those states, and the sticky HMM given the states.
  auto& s = chain_.state;
  const Occupied occ = occupied();
  const Eigen::MatrixXd x = stackedLatent(occ);
  const auto D = static_cast<int>(occ.dims.size());
  if (!settings_.initialStates.empty()) {
    if (static_cast<int>(settings_.initialStates.size()) != T_)
      throw std::invalid_argument("the start state sequence has " +
                                  std::to_string(settings_.initialStates.size()) + " states for " +
                                  std::to_string(T_) + " bins");
    for (const int st : settings_.initialStates)
      if (st < 0 || st >= L_)
        throw std::invalid_argument("start states must lie in 0 … " + std::to_string(L_ - 1));
    s.states = settings_.initialStates;
  } else {
    s.states = startSegmentation_.empty() ? segmentByIncrements() : startSegmentation_;
  }
  const MniwPrior prior = MniwPrior::standard(D, settings_.dynamicsPsi);
  std::vector<std::vector<int>> bins(static_cast<std::size_t>(L_));
  for (int t = 1; t < T_; ++t) bins[s.states[t]].push_back(t);
  SwitchingDynamics dynamics;
  for (int l = 0; l < L_; ++l) {
    const VarDraw draw = drawMniw(mniwPosterior(prior, x, bins[l]), rng_);
    dynamics.A.push_back(draw.A);
    dynamics.b.push_back(draw.b);
    dynamics.Q.push_back(draw.Q);
  }
  storeDynamics(occ, dynamics);
  s.hmm = drawStickyHmmPosterior({settings_.hmmAlpha, settings_.hmmGamma, settings_.hmmKappa, L_},
                                 s.hmm, s.states, rng_);
}

std::vector<int> ChainSampler::initialPartition(int clusters) {
  const Eigen::MatrixXd& z = profiles_;
  std::vector<int> centres{static_cast<int>(rng_.below(static_cast<std::size_t>(N_)))};
  Eigen::VectorXd nearest = Eigen::VectorXd::Constant(N_, std::numeric_limits<double>::infinity());
  while (static_cast<int>(centres.size()) < clusters) {
    for (int i = 0; i < N_; ++i)
      nearest[i] = std::min(nearest[i], (z.row(i) - z.row(centres.back())).squaredNorm());
    double u = rng_.uniform() * nearest.sum();
    int pick = N_ - 1;
    for (int i = 0; i < N_; ++i) {
      u -= nearest[i];
      if (u < 0.0) {
        pick = i;
        break;
      }
    }
    centres.push_back(pick);
  }
  Eigen::MatrixXd means(clusters, T_);
  for (int k = 0; k < clusters; ++k) means.row(k) = z.row(centres[k]);
  std::vector<int> labels(static_cast<std::size_t>(N_), 0);
  for (int round = 0; round < 50; ++round) {
    bool changed = false;
    for (int i = 0; i < N_; ++i) {
      int best = 0;
      for (int k = 1; k < clusters; ++k)
        if ((z.row(i) - means.row(k)).squaredNorm() < (z.row(i) - means.row(best)).squaredNorm())
          best = k;
      changed = changed || best != labels[i];
      labels[i] = best;
    }
    for (int k = 0; k < clusters; ++k) {
      Eigen::RowVectorXd sum = Eigen::RowVectorXd::Zero(T_);
      int n = 0;
      for (int i = 0; i < N_; ++i)
        if (labels[i] == k) {
          sum += z.row(i);
          ++n;
        }
      if (n > 0) means.row(k) = sum / n;
    }
    if (!changed) break;
  }
  // Compact the labels onto slots 0, 1, … (a centre may have lost every member).
  std::vector<int> slot(static_cast<std::size_t>(clusters), -1);
  int used = 0;
  for (auto& label : labels) {
    if (slot[label] < 0) slot[label] = used++;
    label = slot[label];
  }
  return labels;
}

ChainSampler::Occupied ChainSampler::occupied() const {
  Occupied occ;
  occ.position.assign(static_cast<std::size_t>(K_), -1);
  std::vector<char> used(static_cast<std::size_t>(K_), 0);
  for (const int z : chain_.state.labels) used[static_cast<std::size_t>(z)] = 1;
  for (int k = 0; k < K_; ++k)
    if (used[k]) {
      occ.position[k] = static_cast<int>(occ.used.size());
      occ.used.push_back(k);
      for (int j = 0; j < q_; ++j) occ.dims.push_back(static_cast<Eigen::Index>(k * q_ + j));
    }
  return occ;
}

SwitchingDynamics ChainSampler::subDynamics(const Occupied& occ) const {
  const auto& s = chain_.state;
  SwitchingDynamics out;
  for (int l = 0; l < L_; ++l) {
    out.A.push_back(s.A[l](occ.dims, occ.dims));
    out.Q.push_back(s.Q[l](occ.dims, occ.dims));
    out.b.push_back(s.b[l](occ.dims));
  }
  return out;
}

void ChainSampler::storeDynamics(const Occupied& occ, const SwitchingDynamics& dynamics) {
  auto& s = chain_.state;
  for (int l = 0; l < L_; ++l) {
    s.A[l](occ.dims, occ.dims) = dynamics.A[l];
    s.Q[l](occ.dims, occ.dims) = dynamics.Q[l];
    s.b[l](occ.dims) = dynamics.b[l];
  }
}

Eigen::MatrixXd ChainSampler::stackedLatent(const Occupied& occ) const {
  Eigen::MatrixXd x(static_cast<Eigen::Index>(occ.used.size()) * q_, T_);
  for (std::size_t k = 0; k < occ.used.size(); ++k)
    x.middleRows(static_cast<Eigen::Index>(k) * q_, q_) = chain_.state.latents[occ.used[k]];
  return x;
}

Eigen::MatrixXd ChainSampler::linearPredictor() const {
  const auto& s = chain_.state;
  Eigen::MatrixXd eta(N_, T_);
  Eigen::RowVectorXd h(q_);
  for (int i = 0; i < N_; ++i) {
    h[0] = 1.0;
    h.tail(p_) = s.loadings.row(i);
    eta.row(i) = (h * s.latents[s.labels[i]]).array() + s.delta[i];
  }
  return eta;
}

double ChainSampler::logLikelihood() const {
  const auto& s = chain_.state;
  const Eigen::MatrixXd eta = linearPredictor();
  double total = 0.0;
  for (int i = 0; i < N_; ++i)
    for (int t = 0; t < T_; ++t) {
      const double y = counts_(i, t);
      total += settings_.likelihood == Likelihood::Poisson
                   ? poissonLogPmf(y, eta(i, t))
                   : negativeBinomialLogPmf(y, s.dispersion[i], eta(i, t));
      total -= std::lgamma(y + 1.0);
    }
  return total;
}

double ChainSampler::logPosterior() const {
  const auto& s = chain_.state;
  double total = s.logLikelihood;
  for (int i = 0; i < N_; ++i) {
    total += logNormalDensity(s.delta[i]);
    for (int j = 0; j < p_; ++j) total += logNormalDensity(s.loadings(i, j));
    if (settings_.likelihood == Likelihood::NegativeBinomial)
      total += (settings_.dispersionShape - 1.0) * std::log(s.dispersion[i]) -
               settings_.dispersionRate * s.dispersion[i];
  }
  std::vector<int> sizes(static_cast<std::size_t>(K_), 0);
  for (const int z : s.labels) ++sizes[z];
  int clusters = 0;
  for (const int n : sizes)
    if (n > 0) {
      ++clusters;
      total += std::lgamma(n + settings_.dirichlet) - std::lgamma(settings_.dirichlet);
    }
  total += logV_[static_cast<std::size_t>(clusters - 1)];
  total -= std::log(static_cast<double>(L_));
  for (int t = 1; t < T_; ++t) total += std::log(s.hmm.transition(s.states[t - 1], s.states[t]));
  return total;
}

Eigen::MatrixXd ChainSampler::freshPath(bool spline) {
  Eigen::MatrixXd path(q_, T_);
  if (spline) {
    // A smooth random path: a natural cubic spline through 11–35 uniform(−0.2, 0.2) knots.
    Eigen::VectorXd at = Eigen::VectorXd::LinSpaced(T_, 0.0, 1.0);
    for (int row = 0; row < q_; ++row) {
      const int knots = 11 + static_cast<int>(rng_.below(25));
      Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(knots, 0.0, 1.0);
      Eigen::VectorXd y(knots);
      for (int k = 0; k < knots; ++k) y[k] = -0.2 + 0.4 * rng_.uniform();
      path.row(row) = naturalSpline(x, y, at).transpose();
    }
  } else {
    // A stationary AR(1) path, x_t = 0.95 x_{t−1} + N(0, 0.01 I), started
    // from its stationary law N(0, 0.01 / (1 − 0.95²)) (exactly stationary,
    // half the draws of a burn-in of T steps).
    const double stationary = 0.1 / std::sqrt(1.0 - 0.95 * 0.95);
    for (int row = 0; row < q_; ++row) path(row, 0) = stationary * rng_.normal();
    for (int t = 1; t < T_; ++t)
      for (int row = 0; row < q_; ++row)
        path(row, t) = 0.95 * path(row, t - 1) + 0.1 * rng_.normal();
  }
  path.colwise() -= path.rowwise().mean();
  return path;
}

void ChainSampler::sampleLatents(const Occupied& occ, Eigen::MatrixXd& omega) {
  auto& s = chain_.state;
  const bool poisson = settings_.likelihood == Likelihood::Poisson;
  const auto K = static_cast<Eigen::Index>(occ.used.size());
  const Eigen::Index D = K * q_;
  const Eigen::MatrixXd eta = linearPredictor();
  GaussianObservations observations;
  observations.information.assign(static_cast<std::size_t>(T_), Eigen::MatrixXd::Zero(D, D));
  observations.informationVector = Eigen::MatrixXd::Zero(D, T_);
  omega.resize(N_, T_);
  Eigen::VectorXd h(q_);
  for (int i = 0; i < N_; ++i) {
    const double r = poisson ? settings_.poissonProposalDispersion : s.dispersion[i];
    const double logR = std::log(r);
    const Eigen::Index block = occ.position[s.labels[i]] * q_;
    h[0] = 1.0;
    h.tail(p_) = s.loadings.row(i).transpose();
    const Eigen::MatrixXd outer = h * h.transpose();
    for (int t = 0; t < T_; ++t) {
      const double y = counts_(i, t);
      const double w = polyaGamma(rng_, y + r, eta(i, t) - logR);
      omega(i, t) = w;
      // ŷ = κ/ω with κ = (y − r)/2 − ω(δ − log r): information ω h hᵀ and κ h.
      const double kappa = (y - r) / 2.0 - w * (s.delta[i] - logR);
      observations.information[t].block(block, block, q_, q_).noalias() += w * outer;
      observations.informationVector.col(t).segment(block, q_).noalias() += kappa * h;
    }
  }
  const SwitchingDynamics dynamics = subDynamics(occ);
  const Eigen::VectorXd m0 = Eigen::VectorXd::Zero(D);
  const Eigen::MatrixXd P0 = Eigen::MatrixXd::Identity(D, D);
  // (s, x) | ω as a block: s by collapsed single-site Gibbs updates with x
  // integrated out, then x | s. (Poisson: the ω belong to the NB(r0)
  // proposal model, not the target, so only x moves.)
  // Each sweep keeps p(s | ω, dynamics), so any fixed order of them does; the
  // direction follows the iteration count, which a resumed chain keeps.
  if (settings_.collapsedStateWindow > 0 && !poisson) {
    using Order = SamplerSettings::StateSweepOrder;
    const bool odd = s.iteration % 2 == 1;
    std::vector<SweepDirection> sweeps;
    switch (settings_.stateSweepOrder) {
      case Order::Alternate:
        sweeps = {odd ? SweepDirection::Backward : SweepDirection::Forward};
        break;
      case Order::Forward:
        sweeps = {SweepDirection::Forward};
        break;
      case Order::Both:
        sweeps = {SweepDirection::Forward, SweepDirection::Backward};
        break;
    }
    for (const SweepDirection direction : sweeps)
      collapsedStateSweep(observations, s.states, dynamics, s.hmm.transition, m0, P0,
                          settings_.collapsedStateWindow, direction, rng_);
  }
  const Eigen::MatrixXd proposal =
      forwardFilterBackwardSample(observations, s.states, dynamics, m0, P0, rng_);
  if (poisson) {
    // The NB(r0) data-augmentation kernel is reversible for the NB(r0)
    // posterior; the Metropolis–Hastings ratio Poisson/NB(r0) makes it exact
    // for the Poisson posterior (the priors cancel).
    const Eigen::MatrixXd before = stackedLatent(occ);
    double logRatio = 0.0;
    const double r0 = settings_.poissonProposalDispersion;
    Eigen::RowVectorXd hr(q_);
    for (int i = 0; i < N_; ++i) {
      const Eigen::Index block = occ.position[s.labels[i]] * q_;
      hr[0] = 1.0;
      hr.tail(p_) = s.loadings.row(i);
      const Eigen::RowVectorXd etaNew = (hr * proposal.middleRows(block, q_)).array() + s.delta[i];
      const Eigen::RowVectorXd etaOld = (hr * before.middleRows(block, q_)).array() + s.delta[i];
      for (int t = 0; t < T_; ++t) {
        const double y = counts_(i, t);
        logRatio += poissonLogPmf(y, etaNew[t]) - poissonLogPmf(y, etaOld[t]) +
                    negativeBinomialLogPmf(y, r0, etaOld[t]) -
                    negativeBinomialLogPmf(y, r0, etaNew[t]);
      }
    }
    if (!(std::log(rng_.uniformPositive()) < logRatio)) return;
  }
  for (Eigen::Index k = 0; k < K; ++k) s.latents[occ.used[k]] = proposal.middleRows(k * q_, q_);
}

void ChainSampler::sampleDynamicsAndStates(const Occupied& occ) {
  auto& s = chain_.state;
  const auto D = static_cast<int>(occ.dims.size());
  const Eigen::MatrixXd x = stackedLatent(occ);
  const MniwPrior prior = MniwPrior::standard(D, settings_.dynamicsPsi);
  const StickyHmmPrior hmmPrior{settings_.hmmAlpha, settings_.hmmGamma, settings_.hmmKappa, L_};
  // Burn-in only (so the posterior is untouched): as the reference, while one
  // state holds more than 70 % of the bins — and throughout the reference span
  // — the states restart from a sequence drawn from the sticky HMM prior. A
  // chain started with every bin in one state would otherwise rarely leave it,
  // since the unused states' dynamics are prior draws far from any path.
  std::vector<int> occupancy(static_cast<std::size_t>(L_), 0);
  for (const int st : s.states) ++occupancy[st];
  const int largest = *std::max_element(occupancy.begin(), occupancy.end());
  const bool restarts =
      settings_.stateStart == SamplerSettings::StateStart::Prior && settings_.initialStates.empty();
  if (restarts && (s.iteration < settings_.referenceIterations() ||
                   (s.iteration < settings_.burnIn() && largest > 0.7 * T_))) {
    s.hmm = drawStickyHmmPrior(hmmPrior, rng_);
    s.states[0] = static_cast<int>(rng_.below(static_cast<std::size_t>(L_)));
    for (int t = 1; t < T_; ++t) {
      double u = rng_.uniform();
      int next = L_ - 1;
      for (int l = 0; l < L_; ++l) {
        u -= s.hmm.transition(s.states[t - 1], l);
        if (u < 0.0) {
          next = l;
          break;
        }
      }
      s.states[t] = next;
    }
  }
  for (int sweep = 0; sweep < std::max(1, settings_.stateSweeps); ++sweep) {
    SwitchingDynamics dynamics;
    std::vector<std::vector<int>> bins(static_cast<std::size_t>(L_));
    for (int t = 1; t < T_; ++t) bins[s.states[t]].push_back(t);
    for (int l = 0; l < L_; ++l) {
      const VarDraw draw = drawMniw(mniwPosterior(prior, x, bins[l]), rng_);
      dynamics.A.push_back(draw.A);
      dynamics.b.push_back(draw.b);
      dynamics.Q.push_back(draw.Q);
    }
    storeDynamics(occ, dynamics);
    s.hmm = drawStickyHmmPosterior(hmmPrior, s.hmm, s.states, rng_);
    s.states = sampleStates(dynamicsLogLikelihood(x, dynamics), s.hmm.transition, rng_);
  }
}

void ChainSampler::sampleLoadings(const std::vector<int>& neurons, const Eigen::MatrixXd* omega) {
  auto& s = chain_.state;
  const bool poisson = settings_.likelihood == Likelihood::Poisson;
  Eigen::MatrixXd precision(q_, q_);
  Eigen::VectorXd rhs(q_);
  Eigen::VectorXd z(q_);
  for (const int i : neurons) {
    const auto& latent = s.latents[s.labels[i]];
    const double r = poisson ? settings_.poissonProposalDispersion : s.dispersion[i];
    const double logR = std::log(r);
    precision.setIdentity();  // prior N(0, I) on (δ, c)
    rhs.setZero();
    Eigen::VectorXd before(q_);
    before[0] = s.delta[i];
    before.tail(p_) = s.loadings.row(i).transpose();
    for (int t = 0; t < T_; ++t) {
      z[0] = 1.0;
      z.tail(p_) = latent.col(t).tail(p_);
      const double mu = latent(0, t);
      const double y = counts_(i, t);
      double w = 0.0;
      if (omega) {
        w = (*omega)(i, t);
      } else {
        w = polyaGamma(rng_, y + r, z.dot(before) + mu - logR);
      }
      // κ = (y − r)/2 + ω(log r − μ_t): ŷ = κ/ω ~ N(zᵀβ, 1/ω).
      const double kappa = (y - r) / 2.0 + w * (logR - mu);
      for (int a = 0; a < q_; ++a) {
        rhs[a] += kappa * z[a];
        for (int b = 0; b <= a; ++b) precision(a, b) += w * z[a] * z[b];
      }
    }
    Eigen::LLT<Eigen::MatrixXd> llt(precision);  // reads the lower triangle only
    const Eigen::VectorXd mean = llt.solve(rhs);
    const Eigen::MatrixXd covariance = llt.solve(Eigen::MatrixXd::Identity(q_, q_));
    const Eigen::VectorXd draw = drawGaussian(mean, covariance, rng_);
    if (poisson) {
      double logRatio = 0.0;
      for (int t = 0; t < T_; ++t) {
        z[0] = 1.0;
        z.tail(p_) = latent.col(t).tail(p_);
        const double etaNew = z.dot(draw) + latent(0, t);
        const double etaOld = z.dot(before) + latent(0, t);
        const double y = counts_(i, t);
        logRatio += poissonLogPmf(y, etaNew) - poissonLogPmf(y, etaOld) +
                    negativeBinomialLogPmf(y, r, etaOld) - negativeBinomialLogPmf(y, r, etaNew);
      }
      if (!(std::log(rng_.uniformPositive()) < logRatio)) continue;
    }
    s.delta[i] = draw[0];
    s.loadings.row(i) = draw.tail(p_).transpose();
  }
}

void ChainSampler::splitMerge(const Eigen::MatrixXd& omega) {
  // Jain & Neal split–merge moves (analysis/biclustering/SplitMerge.h,
  // docs/BICLUSTERING.md). Under Poisson the ω belong to the NB(r0) proposal
  // model, not the target, so the moves are NB only; p ≤ 2.
  if (settings_.splitMergeMoves <= 0 || settings_.likelihood == Likelihood::Poisson || p_ > 2 ||
      N_ < 2)
    return;
  (void)omega;
  auto& s = chain_.state;
  // The move targets the NB likelihood with the loadings integrated by
  // Laplace's method (the cluster step's marginal). Its proposals use the
  // Pólya-Gamma means at the smoothed log rates as fixed weights: a function
  // of the counts alone, so the split and the reverse merge share them.
  Eigen::MatrixXd weights(N_, T_);
  for (int i = 0; i < N_; ++i) {
    const double r = s.dispersion[i];
    for (int t = 0; t < T_; ++t)
      weights(i, t) = polyaGammaMean(counts_(i, t) + r, logRates_(i, t) - std::log(r));
  }
  auto prepare = [&] {
    SplitMergeData data;
    data.laplaceTarget = true;
    data.counts = &counts_;
    data.omega = &weights;
    data.logRates = &logRates_;
    data.profiles = &profiles_;
    data.delta = s.delta;
    data.dispersion = s.dispersion;
    data.logV = &logV_;
    data.dirichlet = settings_.dirichlet;
    data.psi = settings_.dynamicsPsi;
    data.launchScans = settings_.splitMergeLaunchScans;
    return std::make_unique<SplitMerge>(std::move(data));
  };
  auto moves = prepare();
  for (int move = 0; move < settings_.splitMergeMoves; ++move) {
    const SplitMerge::Move done = moves->move(s.labels, s.latents, K_, rng_);
    if (done.proposed) {
      (done.split ? s.splitsProposed : s.mergesProposed) += 1;
      if (done.accepted) (done.split ? s.splitsAccepted : s.mergesAccepted) += 1;
    }
    if (done.split && done.accepted) resetSlotDynamics(done.newSlot);
    // The loadings were integrated out: a Gibbs draw given the paths (fresh
    // ω at the current loadings, then c | ω).
    // (δ moves with c: the next move's marginals need the new δ.)
    if (done.accepted) {
      sampleLoadings(done.members, nullptr);
      moves = prepare();
    }
  }
}

void ChainSampler::sampleDispersion() {
  if (settings_.likelihood == Likelihood::Poisson) return;
  auto& s = chain_.state;
  const Eigen::MatrixXd eta = linearPredictor();
  for (int i = 0; i < N_; ++i) {
    const double r = s.dispersion[i];
    // CRT augmentation (Zhou & Carin 2015) with the NB probabilities
    // p_t = μ_t / (r + μ_t) held fixed: L = Σ CRT(y_t, r), r' ~ Gamma(a + L,
    // h − Σ log(1 − p_t)), and δ moves to δ + log(r'/r) so that p_t stays
    // put. Under fixed p this draw is the exact conditional of the likelihood
    // and r's prior; the remaining factor, δ's N(0, 1) prior, enters through a
    // Metropolis–Hastings test (docs/BICLUSTERING.md).
    const long tables = chineseRestaurantTables(countRows_[i], r, rng_);
    double rate = settings_.dispersionRate;
    for (int t = 0; t < T_; ++t) {
      const double logR = std::log(r);
      const double e = eta(i, t);
      rate += e > logR ? e - logR + std::log1p(std::exp(logR - e)) : std::log1p(std::exp(e - logR));
    }
    const double proposal =
        rng_.gamma(settings_.dispersionShape + static_cast<double>(tables)) / rate;
    if (!(proposal > 1e-8) || !std::isfinite(proposal)) continue;
    const double shifted = s.delta[i] + std::log(proposal / r);
    const double logRatio = logNormalDensity(shifted) - logNormalDensity(s.delta[i]);
    if (std::log(rng_.uniformPositive()) < logRatio) {
      s.dispersion[i] = proposal;
      s.delta[i] = shifted;
    }
  }
}

void ChainSampler::constrain() {
  auto& s = chain_.state;
  const Occupied occ = occupied();
  const auto D = static_cast<Eigen::Index>(occ.dims.size());
  Eigen::VectorXd translation = Eigen::VectorXd::Zero(D);
  Eigen::MatrixXd rotation = Eigen::MatrixXd::Identity(D, D);
  for (std::size_t k = 0; k < occ.used.size(); ++k) {
    const int slot = occ.used[k];
    auto& latent = s.latents[slot];
    // (1) centre: the mean of [μ; x] moves into δ.
    const Eigen::VectorXd mean = latent.rowwise().mean();
    latent.colwise() -= mean;
    for (int i = 0; i < N_; ++i)
      if (s.labels[i] == slot) s.delta[i] += mean[0] + s.loadings.row(i).dot(mean.tail(p_));
    translation.segment(static_cast<Eigen::Index>(k) * q_, q_) = mean;
    // (2) rotate x onto its principal axes: x' = M x with M = Vᵀ from the SVD
    // xᵀ = U S Vᵀ, rows ordered and signed to match the reference latent.
    const Eigen::MatrixXd xc = latent.bottomRows(p_);
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(xc.transpose(),
                                          Eigen::ComputeThinU | Eigen::ComputeThinV);
    Eigen::MatrixXd M = svd.matrixV().transpose();
    const Eigen::MatrixXd& reference = s.referenceLatents[slot];
    if (reference.size() > 0) {
      const Eigen::MatrixXd candidates = M * xc;  // rows: principal components
      std::vector<char> taken(static_cast<std::size_t>(p_), 0);
      Eigen::MatrixXd matched(p_, p_);
      for (int row = 0; row < p_; ++row) {
        double best = std::numeric_limits<double>::infinity();
        int bestColumn = 0;
        double bestSign = 1.0;
        for (int column = 0; column < p_; ++column) {
          if (taken[column]) continue;
          for (const double sign : {1.0, -1.0}) {
            const double mse =
                (reference.row(1 + row) - sign * candidates.row(column)).squaredNorm();
            if (mse < best) {
              best = mse;
              bestColumn = column;
              bestSign = sign;
            }
          }
        }
        taken[bestColumn] = 1;
        matched.row(row) = bestSign * M.row(bestColumn);
      }
      M = matched;
    }
    latent.bottomRows(p_) = M * xc;
    for (int i = 0; i < N_; ++i)
      if (s.labels[i] == slot) s.loadings.row(i) = s.loadings.row(i) * M.transpose();
    rotation.block(static_cast<Eigen::Index>(k) * q_ + 1, static_cast<Eigen::Index>(k) * q_ + 1, p_,
                   p_) = M;
  }
  // The dynamics follow: x̃' = R(x̃ − m) gives b' = R(b + (A − I)m), A' = R A Rᵀ, Q' = R Q Rᵀ.
  SwitchingDynamics dynamics = subDynamics(occ);
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(D, D);
  for (int l = 0; l < L_; ++l) {
    dynamics.b[l] = rotation * (dynamics.b[l] + (dynamics.A[l] - identity) * translation);
    dynamics.A[l] = rotation * dynamics.A[l] * rotation.transpose();
    dynamics.Q[l] = rotation * dynamics.Q[l] * rotation.transpose();
  }
  storeDynamics(occ, dynamics);
}

void ChainSampler::resetSlotDynamics(int slot) {
  auto& s = chain_.state;
  const Eigen::Index start = static_cast<Eigen::Index>(slot) * q_;
  for (int l = 0; l < L_; ++l) {
    s.A[l].middleRows(start, q_).setZero();
    s.A[l].middleCols(start, q_).setZero();
    s.A[l].block(start, start, q_, q_).setIdentity();
    s.Q[l].middleRows(start, q_).setZero();
    s.Q[l].middleCols(start, q_).setZero();
    s.Q[l].block(start, start, q_, q_) = settings_.dynamicsPsi * Eigen::MatrixXd::Identity(q_, q_);
    s.b[l].segment(start, q_).setZero();
  }
}

void ChainSampler::sampleClusters(std::vector<int>& newSlots) {
  auto& s = chain_.state;
  std::vector<int> sizes(static_cast<std::size_t>(K_), 0);
  for (const int z : s.labels) ++sizes[z];
  int clusters = 0;
  for (const int n : sizes) clusters += n > 0 ? 1 : 0;
  const bool spline =
      settings_.splineProposalEvery > 0 && (s.iteration + 1) % settings_.splineProposalEvery == 1;
  std::vector<char> fresh(static_cast<std::size_t>(K_), 0);
  // unitScaleMarginal (the reference's contraint_ortho): an occupied
  // cluster's marginal is taken with its x rows scaled to unit norm, which
  // widens the N(0, I) loading prior by the rows' norms; a new cluster's fresh
  // path keeps its own scale. Otherwise every latent is taken in the model's
  // own scale, the one the prior refers to (docs/BICLUSTERING.md compares them).
  std::vector<Eigen::MatrixXd> regressorsOf(static_cast<std::size_t>(K_));
  std::vector<Eigen::VectorXd> rowNorms(static_cast<std::size_t>(K_), Eigen::VectorXd::Ones(p_));
  auto cacheRegressors = [&](int k) {
    regressorsOf[k] = s.latents[k].bottomRows(p_).transpose();
    if (!settings_.unitScaleMarginal) return;
    for (int j = 0; j < p_; ++j) {
      rowNorms[k][j] = regressorsOf[k].col(j).norm();
      if (rowNorms[k][j] > 0.0) regressorsOf[k].col(j) /= rowNorms[k][j];
    }
  };
  for (int k = 0; k < K_; ++k)
    if (sizes[k] > 0) cacheRegressors(k);
  std::vector<double> logWeights;
  std::vector<int> choices;
  for (int i = 0; i < N_; ++i) {
    const int current = s.labels[i];
    --sizes[current];
    int proposalSlot = current;
    Eigen::MatrixXd proposalPath;
    if (sizes[current] > 0) {
      proposalSlot = static_cast<int>(std::find(sizes.begin(), sizes.end(), 0) - sizes.begin());
      if (proposalSlot < K_) proposalPath = freshPath(spline);
    } else {
      --clusters;  // i was alone: its own latent is the new-cluster candidate
      proposalPath = s.latents[current];
    }
    const double r = settings_.likelihood == Likelihood::Poisson ? -1.0 : s.dispersion[i];
    const Eigen::VectorXd y = counts_.row(i).transpose();
    auto marginal = [&](const Eigen::MatrixXd& latent, const Eigen::MatrixXd& regressors,
                        const Eigen::VectorXd* start = nullptr) {
      const Eigen::VectorXd offset = latent.row(0).transpose().array() + s.delta[i];
      return laplaceLogMarginal(y, r, regressors, offset, start);
    };
    // The scoring iterations for i's own cluster start from its loadings.
    const Eigen::VectorXd ownStart = s.loadings.row(i).transpose().cwiseProduct(rowNorms[current]);
    logWeights.clear();
    choices.clear();
    for (int k = 0; k < K_; ++k) {
      if (sizes[k] == 0) continue;
      logWeights.push_back(
          std::log(sizes[k] + settings_.dirichlet) +
          marginal(s.latents[k], regressorsOf[k], k == current ? &ownStart : nullptr));
      choices.push_back(k);
    }
    if (clusters < K_ && proposalSlot < K_) {
      // MFM: a new cluster has weight V_n(t+1)/V_n(t) · γ (Miller & Harrison 2018, eq. 3.6).
      logWeights.push_back(logV_[clusters] - logV_[clusters - 1] + std::log(settings_.dirichlet) +
                           marginal(proposalPath, proposalPath.bottomRows(p_).transpose()));
      choices.push_back(-1);
    }
    const double top = *std::max_element(logWeights.begin(), logWeights.end());
    int chosen = choices.back();
    if (std::isfinite(top)) {
      double total = 0.0;
      for (const double w : logWeights) total += std::exp(w - top);
      double u = rng_.uniform() * total;
      for (std::size_t c = 0; c < logWeights.size(); ++c) {
        u -= std::exp(logWeights[c] - top);
        if (u < 0.0) {
          chosen = choices[c];
          break;
        }
      }
    } else {
      chosen = current;  // nothing fits (every GLM failed): stay
      if (sizes[current] == 0) ++clusters;
      s.labels[i] = current;
      ++sizes[current];
      continue;
    }
    if (chosen < 0) {
      chosen = proposalSlot;
      s.latents[chosen] = proposalPath;
      cacheRegressors(chosen);
      ++clusters;
      if (chosen != current) {
        fresh[chosen] = 1;
        resetSlotDynamics(chosen);
      }
    }
    s.labels[i] = chosen;
    ++sizes[chosen];
  }
  newSlots.clear();
  for (int k = 0; k < K_; ++k)
    if (sizes[k] > 0 && fresh[k]) newSlots.push_back(k);
}

void ChainSampler::refreshNewClusters(const std::vector<int>& newSlots) {
  // A new cluster's path is drawn from its members' counts under a random walk
  // (A = I, b = 0, Q = psi·I), then its members' (δ, c), as the reference does.
  auto& s = chain_.state;
  const bool poisson = settings_.likelihood == Likelihood::Poisson;
  for (const int slot : newSlots) {
    std::vector<int> members;
    for (int i = 0; i < N_; ++i)
      if (s.labels[i] == slot) members.push_back(i);
    GaussianObservations observations;
    observations.information.assign(static_cast<std::size_t>(T_), Eigen::MatrixXd::Zero(q_, q_));
    observations.informationVector = Eigen::MatrixXd::Zero(q_, T_);
    const auto& latent = s.latents[slot];
    Eigen::VectorXd h(q_);
    for (const int i : members) {
      const double r = poisson ? settings_.poissonProposalDispersion : s.dispersion[i];
      const double logR = std::log(r);
      h[0] = 1.0;
      h.tail(p_) = s.loadings.row(i).transpose();
      const Eigen::MatrixXd outer = h * h.transpose();
      for (int t = 0; t < T_; ++t) {
        const double y = counts_(i, t);
        const double eta = s.delta[i] + h.dot(latent.col(t));
        const double w = polyaGamma(rng_, y + r, eta - logR);
        observations.information[t].noalias() += w * outer;
        observations.informationVector.col(t).noalias() +=
            ((y - r) / 2.0 - w * (s.delta[i] - logR)) * h;
      }
    }
    SwitchingDynamics walk;
    walk.A.assign(static_cast<std::size_t>(L_), Eigen::MatrixXd::Identity(q_, q_));
    walk.b.assign(static_cast<std::size_t>(L_), Eigen::VectorXd::Zero(q_));
    walk.Q.assign(static_cast<std::size_t>(L_),
                  settings_.dynamicsPsi * Eigen::MatrixXd::Identity(q_, q_));
    const std::vector<int> oneState(static_cast<std::size_t>(T_), 0);
    s.latents[slot] =
        forwardFilterBackwardSample(observations, oneState, walk, Eigen::VectorXd::Zero(q_),
                                    Eigen::MatrixXd::Identity(q_, q_), rng_);
    sampleLoadings(members, nullptr);
  }
}

void ChainSampler::relabel() {
  auto& s = chain_.state;
  int top = 0;
  for (std::size_t i = 0; i < s.labels.size(); ++i)
    top = std::max({top, s.labels[i], s.referenceLabels[i]});
  const int n = top + 1;
  Eigen::MatrixXd cost = Eigen::MatrixXd::Zero(n, n);
  for (std::size_t i = 0; i < s.labels.size(); ++i) {
    cost.row(s.labels[i]).array() += 1.0;
    cost(s.labels[i], s.referenceLabels[i]) -= 1.0;
  }
  const std::vector<int> to = hungarian(cost);  // label a → to[a]
  bool identity = true;
  for (int a = 0; a < n; ++a) identity = identity && to[a] == a;
  if (identity) return;
  for (auto& z : s.labels) z = to[z];
  std::vector<Eigen::MatrixXd> latents = s.latents;
  for (int a = 0; a < n; ++a) latents[to[a]] = s.latents[a];
  s.latents = std::move(latents);
  // Permute the dynamics blocks of the first n slots alike.
  std::vector<Eigen::Index> order(static_cast<std::size_t>(K_) * q_);
  for (int k = 0; k < K_; ++k)
    for (int j = 0; j < q_; ++j) order[k * q_ + j] = k * q_ + j;
  for (int a = 0; a < n; ++a)
    for (int j = 0; j < q_; ++j) order[to[a] * q_ + j] = a * q_ + j;  // new dim ← old dim
  for (int l = 0; l < L_; ++l) {
    s.A[l] = Eigen::MatrixXd(s.A[l](order, order));
    s.Q[l] = Eigen::MatrixXd(s.Q[l](order, order));
    s.b[l] = Eigen::VectorXd(s.b[l](order));
  }
}

void ChainSampler::iterate() {
  auto& s = chain_.state;
  Occupied occ = occupied();
  Eigen::MatrixXd omega;
  sampleLatents(occ, omega);
  sampleDynamicsAndStates(occ);
  std::vector<int> all(static_cast<std::size_t>(N_));
  for (int i = 0; i < N_; ++i) all[i] = i;
  // The ω drawn for the latents are a draw from their full conditional given
  // (δ, c); (δ, c) | ω, x is then an exact Gibbs step of the augmented model.
  // Under Poisson the MH test needs ω drawn at the current (δ, c, x).
  sampleLoadings(all, settings_.likelihood == Likelihood::Poisson ? nullptr : &omega);
  // The same ω: (x, δ, c) were just drawn given them, so they are a draw from
  // their conditional given the current state.
  splitMerge(omega);
  sampleDispersion();
  constrain();
  std::vector<int> newSlots;
  sampleClusters(newSlots);
  refreshNewClusters(newSlots);
  relabel();
  constrain();
  ++s.iteration;
  if (s.iteration <= settings_.referenceIterations()) {
    s.referenceLabels = s.labels;
    for (int k = 0; k < K_; ++k) s.referenceLatents[k].resize(0, 0);
    for (const int slot : occupied().used) s.referenceLatents[slot] = s.latents[slot];
  }
  s.logLikelihood = logLikelihood();
  s.logPosterior = logPosterior();
  s.rng = rng_.state();
  record();
}

void ChainSampler::record() {
  const auto& s = chain_.state;
  auto& trace = chain_.trace;
  trace.logLikelihood.push_back(s.logLikelihood);
  trace.logPosterior.push_back(s.logPosterior);
  const Occupied occ = occupied();
  trace.clusterCount.push_back(static_cast<int>(occ.used.size()));
  std::vector<int> states = s.states;
  std::sort(states.begin(), states.end());
  trace.stateCount.push_back(
      static_cast<int>(std::unique(states.begin(), states.end()) - states.begin()));
  const long after = s.iteration - settings_.burnIn();
  if (after <= 0 || after % settings_.thin() != 0) return;
  trace.keptIterations.push_back(s.iteration);
  trace.labels.push_back(s.labels);
  trace.states.push_back(s.states);
  trace.delta.push_back(s.delta);
  trace.dispersion.push_back(s.dispersion);
  if (after % settings_.latentThin() == 0) {
    trace.latentIterations.push_back(s.iteration);
    std::vector<KeptLatent> kept;
    for (const int slot : occ.used) kept.push_back({slot, s.latents[slot].cast<float>()});
    trace.latents.push_back(std::move(kept));
  }
}

}  // namespace nl::analysis::biclustering
