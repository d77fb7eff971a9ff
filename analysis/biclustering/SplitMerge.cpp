#include "analysis/biclustering/SplitMerge.h"

#include "analysis/biclustering/Clustering.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

namespace nl::analysis::biclustering {
namespace {

double logSumExp(double a, double b) {
  const double top = std::max(a, b);
  if (!std::isfinite(top)) return top;
  return top + std::log(std::exp(a - top) + std::exp(b - top));
}

// ℓ(path) = Σ_t h_tᵀx_t − ½ x_tᵀJ_t x_t.
double pseudoLogLikelihood(const GaussianObservations& obs, const Eigen::MatrixXd& path) {
  double total = 0.0;
  for (Eigen::Index t = 0; t < path.cols(); ++t) {
    const auto x = path.col(t);
    total += obs.informationVector.col(t).dot(x) -
             0.5 * x.dot(obs.information[static_cast<std::size_t>(t)] * x);
  }
  return total;
}

Eigen::MatrixXd rotated(const Eigen::MatrixXd& path, double angle) {
  Eigen::MatrixXd out = path;
  const double c = std::cos(angle);
  const double s = std::sin(angle);
  out.row(1) = c * path.row(1) - s * path.row(2);
  out.row(2) = s * path.row(1) + c * path.row(2);
  return out;
}

// log (1/2π) ∫ exp(ℓ(R_θ path)) dθ. ℓ(R_θ path) is a trigonometric polynomial
// of degree 2 in θ (ℓ is quadratic in the path, the path linear in cos θ,
// sin θ): five equally spaced values give its coefficients exactly, and the
// trapezoid rule on a periodic integrand with spacing h ≤ σ/1.3 (σ ≥
// 1/(2√amplitude) the narrowest peak width) has relative error < e⁻³⁰.
double logCircleAverage(const GaussianObservations& obs, const Eigen::MatrixXd& path) {
  double f[5];
  for (int k = 0; k < 5; ++k)
    f[k] = pseudoLogLikelihood(obs, rotated(path, 2.0 * std::numbers::pi * k / 5.0));
  double c0 = 0.0, c1 = 0.0, s1 = 0.0, c2 = 0.0, s2 = 0.0;
  for (int k = 0; k < 5; ++k) {
    const double a = 2.0 * std::numbers::pi * k / 5.0;
    c0 += f[k] / 5.0;
    c1 += 0.4 * f[k] * std::cos(a);
    s1 += 0.4 * f[k] * std::sin(a);
    c2 += 0.4 * f[k] * std::cos(2.0 * a);
    s2 += 0.4 * f[k] * std::sin(2.0 * a);
  }
  const double amplitude = std::abs(c1) + std::abs(s1) + std::abs(c2) + std::abs(s2);
  const auto M = static_cast<int>(std::min(4.0e6, 64.0 + std::ceil(24.0 * std::sqrt(amplitude))));
  std::vector<double> values(static_cast<std::size_t>(M));
  double top = -std::numeric_limits<double>::infinity();
  for (int k = 0; k < M; ++k) {
    const double a = 2.0 * std::numbers::pi * k / M;
    const double v =
        c1 * std::cos(a) + s1 * std::sin(a) + c2 * std::cos(2.0 * a) + s2 * std::sin(2.0 * a);
    values[static_cast<std::size_t>(k)] = v;
    top = std::max(top, v);
  }
  double sum = 0.0;
  for (const double v : values) sum += std::exp(v - top);
  return c0 + top + std::log(sum / M);
}

}  // namespace

SplitMerge::SplitMerge(SplitMergeData data) : d_(std::move(data)) {
  T_ = static_cast<int>(d_.counts->cols());
}

SplitMerge::Marginal SplitMerge::marginal(int n, const Eigen::MatrixXd& path, bool moments) const {
  const auto p = path.rows() - 1;
  const double r = d_.dispersion[n];
  const double offset = d_.delta[n] - std::log(r);
  double constant = 0.0;
  Eigen::VectorXd b = Eigen::VectorXd::Zero(p);
  Eigen::MatrixXd precision = Eigen::MatrixXd::Identity(p, p);
  for (int t = 0; t < T_; ++t) {
    const double w = (*d_.omega)(n, t);
    const double kappa = ((*d_.counts)(n, t) - r) / 2.0;
    const double a = offset + path(0, t);
    constant += kappa * a - 0.5 * w * a * a;
    const double residual = kappa - w * a;
    for (Eigen::Index u = 0; u < p; ++u) {
      const double xu = path(1 + u, t);
      b[u] += residual * xu;
      for (Eigen::Index v = 0; v <= u; ++v) precision(u, v) += w * xu * path(1 + v, t);
    }
  }
  for (Eigen::Index u = 0; u < p; ++u)
    for (Eigen::Index v = u + 1; v < p; ++v) precision(u, v) = precision(v, u);
  Eigen::LLT<Eigen::MatrixXd> llt(precision);
  const Eigen::VectorXd mean = llt.solve(b);
  const Eigen::MatrixXd L = llt.matrixL();
  Marginal out{constant + 0.5 * b.dot(mean) - L.diagonal().array().log().sum(), {}, {}};
  if (moments) {
    out.mean = mean;
    out.covariance = llt.solve(Eigen::MatrixXd::Identity(p, p));
  }
  return out;
}

double SplitMerge::logMarginal(int n, const Eigen::MatrixXd& path) const {
  if (!d_.laplaceTarget) return marginal(n, path, false).logValue;
  // ∫ NB(y | δ + μ + cᵀx) N(c; 0, I) dc without the path-free terms
  // (log Γ(y + r) − log Γ(r) − log y!), which cancel in every comparison of
  // one neuron under two paths.
  const double sum = path.sum();
  const double squares = path.squaredNorm();
  const double weighted =
      (path.row(0).array() * Eigen::ArrayXd::LinSpaced(T_, 1.0, 2.0).transpose()).sum();
  const auto key = std::make_tuple(n, sum, squares, weighted);
  if (const auto found = laplaceMemo_.find(key); found != laplaceMemo_.end()) return found->second;
  const Eigen::VectorXd y = d_.counts->row(n).transpose();
  const Eigen::MatrixXd regressors = path.bottomRows(path.rows() - 1).transpose();
  const Eigen::VectorXd offset = path.row(0).transpose().array() + d_.delta[n];
  const double value = laplaceLogMarginal(y, d_.dispersion[n], regressors, offset);
  laplaceMemo_.emplace(key, value);
  return value;
}

Eigen::VectorXd SplitMerge::drawLoadings(int n, const Eigen::MatrixXd& path, Rng& rng) const {
  const Marginal m = marginal(n, path, true);
  return drawGaussian(m.mean, m.covariance, rng);
}

GaussianObservations SplitMerge::observations(const std::vector<int>& members,
                                              const Eigen::MatrixXd& loadings) const {
  const auto q = loadings.cols() + 1;
  GaussianObservations obs;
  obs.information.assign(static_cast<std::size_t>(T_), Eigen::MatrixXd::Zero(q, q));
  obs.informationVector = Eigen::MatrixXd::Zero(q, T_);
  Eigen::VectorXd h(q);
  for (std::size_t m = 0; m < members.size(); ++m) {
    const int n = members[m];
    const double r = d_.dispersion[n];
    const double offset = d_.delta[n] - std::log(r);
    h[0] = 1.0;
    h.tail(q - 1) = loadings.row(static_cast<Eigen::Index>(m)).transpose();
    const Eigen::MatrixXd outer = h * h.transpose();
    for (int t = 0; t < T_; ++t) {
      const double w = (*d_.omega)(n, t);
      const double kappa = ((*d_.counts)(n, t) - r) / 2.0;
      obs.information[static_cast<std::size_t>(t)].noalias() += w * outer;
      obs.informationVector.col(t).noalias() += (kappa - w * offset) * h;
    }
  }
  return obs;
}

SwitchingDynamics SplitMerge::walk(Eigen::Index q) const {
  SwitchingDynamics out;
  out.A.push_back(Eigen::MatrixXd::Identity(q, q));
  out.b.push_back(Eigen::VectorXd::Zero(q));
  out.Q.push_back(d_.psi * Eigen::MatrixXd::Identity(q, q));
  return out;
}

double SplitMerge::logRotationAverage(const GaussianObservations& obs,
                                      const Eigen::MatrixXd& path) {
  const auto p = path.rows() - 1;
  if (p == 0) return pseudoLogLikelihood(obs, path);
  if (p == 1) {
    Eigen::MatrixXd flipped = path;
    flipped.row(1) *= -1.0;
    return logSumExp(pseudoLogLikelihood(obs, path), pseudoLogLikelihood(obs, flipped)) -
           std::log(2.0);
  }
  if (p != 2) throw std::invalid_argument("split–merge moves need a latent dimension p ≤ 2");
  Eigen::MatrixXd reflected = path;
  reflected.row(2) *= -1.0;
  return logSumExp(logCircleAverage(obs, path), logCircleAverage(obs, reflected)) - std::log(2.0);
}

std::vector<char> SplitMerge::sequentialSplit(int i, int j, const std::vector<int>& movable,
                                              Eigen::Index dimension) const {
  // Each part of a true split spans its own `dimension`-dimensional subspace
  // of the (centred) log-rate rows: μ with loading 1 and x with free loadings.
  // Sequential allocation (Dahl 2003) from the anchors {i} and {j}: the
  // unallocated neuron whose row one part's principal subspace explains
  // best relative to the other's goes first, to that part; then K-subspace
  // passes (each neuron, left out, to the part whose subspace explains more
  // of it) until nothing moves. All of it works on the Gram matrix of the
  // rows. It reads only the counts of S, so the split and the reverse merge
  // compute the same launch.
  const auto m = static_cast<Eigen::Index>(movable.size()) + 2;
  Eigen::MatrixXd rows(m, T_);
  for (Eigen::Index a = 0; a < m; ++a) {
    const int n = a == 0 ? i : a == 1 ? j : movable[static_cast<std::size_t>(a - 2)];
    rows.row(a) = d_.logRates->row(n);
    rows.row(a).array() -= rows.row(a).mean();
    const double norm = rows.row(a).norm();
    if (norm > 0.0) rows.row(a) /= norm;
  }
  const Eigen::MatrixXd gram = rows * rows.transpose();
  // side[a]: 1 = i's part, 0 = j's part, −1 = not yet allocated.
  std::vector<int> side(static_cast<std::size_t>(m), -1);
  side[0] = 1;
  side[1] = 0;
  // Fraction of row k's norm explained by the principal `dimension`-subspace
  // of the rows of part `part` (without k).
  struct Basis {
    std::vector<Eigen::Index> members;
    Eigen::MatrixXd vectors;  // |members| × d, each scaled by 1/√λ
  };
  auto partSize = [&](int part, Eigen::Index without) {
    Eigen::Index size = 0;
    for (Eigen::Index a = 0; a < m; ++a)
      size += side[static_cast<std::size_t>(a)] == part && a != without ? 1 : 0;
    return size;
  };
  auto basis = [&](int part, Eigen::Index without, Eigen::Index rank) {
    Basis out;
    for (Eigen::Index a = 0; a < m; ++a)
      if (side[static_cast<std::size_t>(a)] == part && a != without) out.members.push_back(a);
    const auto size = static_cast<Eigen::Index>(out.members.size());
    if (size == 0) return out;
    const Eigen::MatrixXd g = gram(out.members, out.members);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(g);
    const double floor = 1e-10 * std::max(1e-300, g.trace());
    std::vector<Eigen::Index> kept;
    for (Eigen::Index u = size - 1; u >= 0 && static_cast<Eigen::Index>(kept.size()) < rank; --u)
      if (eigen.eigenvalues()[u] > floor) kept.push_back(u);
    out.vectors.resize(size, static_cast<Eigen::Index>(kept.size()));
    for (std::size_t c = 0; c < kept.size(); ++c)
      out.vectors.col(static_cast<Eigen::Index>(c)) =
          eigen.eigenvectors().col(kept[c]) / std::sqrt(eigen.eigenvalues()[kept[c]]);
    return out;
  };
  auto explained = [&](const Basis& b, Eigen::Index k) {
    if (b.members.empty()) return 0.0;
    const Eigen::VectorXd cross = gram(b.members, std::vector<Eigen::Index>{k});
    const double diagonal = gram(k, k);
    return diagonal > 0.0 ? (b.vectors.transpose() * cross).squaredNorm() / diagonal : 0.0;
  };
  auto refine = [&] {
    for (int pass = 0; pass < 20; ++pass) {
      bool moved = false;
      for (Eigen::Index k = 2; k < m; ++k) {
        const int now = side[static_cast<std::size_t>(k)];
        const Eigen::Index d = std::min({dimension, partSize(1, k), partSize(0, k)});
        const int target = explained(basis(1, k, d), k) > explained(basis(0, k, d), k) ? 1 : 0;
        if (target != now) {
          side[static_cast<std::size_t>(k)] = target;
          moved = true;
        }
      }
      if (!moved) break;
    }
  };
  // How much of the rows the two parts' principal subspaces hold together.
  auto objective = [&] {
    double total = 0.0;
    for (const int part : {0, 1}) {
      std::vector<Eigen::Index> members;
      for (Eigen::Index a = 0; a < m; ++a)
        if (side[static_cast<std::size_t>(a)] == part) members.push_back(a);
      const Eigen::VectorXd values =
          Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(gram(members, members)).eigenvalues();
      for (Eigen::Index u = 0; u < std::min<Eigen::Index>(dimension, values.size()); ++u)
        total += values[values.size() - 1 - u];
    }
    return total;
  };
  // Start 1: sequential allocation from the anchors.
  for (Eigen::Index step = 2; step < m; ++step) {
    // Subspaces of equal dimension: a part spanning more dimensions would
    // explain more of every row, whichever cluster it is from.
    const Eigen::Index d = std::min({dimension, partSize(1, -1), partSize(0, -1)});
    const Basis bi = basis(1, -1, d), bj = basis(0, -1, d);
    Eigen::Index best = -1;
    double bestMargin = -1.0;
    int bestSide = 0;
    for (Eigen::Index k = 2; k < m; ++k) {
      if (side[static_cast<std::size_t>(k)] >= 0) continue;
      const double margin = explained(bi, k) - explained(bj, k);
      if (std::abs(margin) > bestMargin) {
        bestMargin = std::abs(margin);
        best = k;
        bestSide = margin > 0.0 ? 1 : 0;
      }
    }
    side[static_cast<std::size_t>(best)] = bestSide;
  }
  refine();
  std::vector<int> sequential = side;
  const double sequentialObjective = objective();
  // Start 2: the spectral bipartition (Shi & Malik 2000; the second
  // eigenvector of D^−½ W D^−½) of the affinities W = cos² between the rows,
  // the anchors on their own sides.
  if (m > 3) {
    Eigen::MatrixXd W = gram.cwiseAbs2();
    W.diagonal().setZero();
    const Eigen::VectorXd scale = W.rowwise().sum().cwiseMax(1e-12).cwiseSqrt().cwiseInverse();
    const Eigen::MatrixXd normalised = scale.asDiagonal() * W * scale.asDiagonal();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(normalised);
    const Eigen::VectorXd fiedler = scale.cwiseProduct(eigen.eigenvectors().col(m - 2));
    const double iSign = fiedler[0] >= 0.0 ? 1.0 : -1.0;
    for (Eigen::Index k = 2; k < m; ++k)
      side[static_cast<std::size_t>(k)] = fiedler[k] * iSign >= 0.0 ? 1 : 0;
    refine();
    if (!(objective() > sequentialObjective)) side = sequential;
  }
  std::vector<char> withI;
  for (Eigen::Index k = 2; k < m; ++k) withI.push_back(side[static_cast<std::size_t>(k)] == 1);
  return withI;
}

SplitMerge::Launch SplitMerge::launch(int i, int j, const std::vector<int>& members,
                                      const Eigen::MatrixXd& pathJ, Rng& rng) const {
  (void)rng;  // the launch below is deterministic; the parameter keeps room for random scans
  const auto q = pathJ.rows();
  const auto p = q - 1;
  Launch out;
  for (const int n : members)
    if (n != i && n != j) out.movable.push_back(n);
  std::sort(out.movable.begin(), out.movable.end());
  // Initial split: sequential allocation (Dahl 2003) of the co-members into
  // the two parts by the subspaces their smoothed log rates span
  // (sequentialSplit); the scans below refine it against φ_j.
  out.withI = sequentialSplit(i, j, out.movable, q);
  auto iPart = [&] {
    std::vector<int> part{i};
    for (std::size_t m = 0; m < out.movable.size(); ++m)
      if (out.withI[m]) part.push_back(out.movable[m]);
    return part;
  };
  // Pilot path of the i-part: the mean of its members' log rates (less δ) and
  // their leading principal components.
  std::vector<int> part = iPart();
  const auto m = static_cast<Eigen::Index>(part.size());
  Eigen::MatrixXd rates(m, T_);
  for (Eigen::Index a = 0; a < m; ++a) {
    // The Pólya-Gamma pseudo-observations ŷ = κ/ω − (δ − log r) of μ_t + cᵀx_t.
    const int n = part[static_cast<std::size_t>(a)];
    const double r = d_.dispersion[n];
    const double offset = d_.delta[n] - std::log(r);
    for (int t = 0; t < T_; ++t)
      rates(a, t) = ((*d_.counts)(n, t) - r) / 2.0 / (*d_.omega)(n, t) - offset;
  }
  Eigen::MatrixXd pilot = Eigen::MatrixXd::Zero(q, T_);
  pilot.row(0) = rates.colwise().mean();
  if (m >= 2) {
    const Eigen::MatrixXd residual = rates.rowwise() - pilot.row(0);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(residual * residual.transpose());
    for (Eigen::Index u = 0; u < std::min<Eigen::Index>(p, m); ++u)
      pilot.row(1 + u) = (residual.transpose() * eigen.eigenvectors().col(m - 1 - u)).transpose() /
                         std::sqrt(static_cast<double>(m));
  }
  const SwitchingDynamics dynamics = walk(q);
  const std::vector<int> oneState(static_cast<std::size_t>(T_), 0);
  const Eigen::VectorXd m0 = Eigen::VectorXd::Zero(q);
  const Eigen::MatrixXd P0 = Eigen::MatrixXd::Identity(q, q);
  std::vector<double> marginalJ;
  for (const int k : out.movable) marginalJ.push_back(logMarginal(k, pathJ));
  // The scans are deterministic (an EM-like alternation: loadings at their
  // conditional means, the path at its smoothed mean, each neuron to its more
  // probable side): the launch may be any function of what the split and the
  // merge share, and the means do not carry the sampling noise of the poorly
  // determined x directions into the pilot.
  auto partLoadings = [&] {
    part = iPart();
    Eigen::MatrixXd loadings(static_cast<Eigen::Index>(part.size()), p);
    for (std::size_t a = 0; a < part.size(); ++a)
      loadings.row(static_cast<Eigen::Index>(a)) = marginal(part[a], pilot, true).mean.transpose();
    return loadings;
  };
  int nI = static_cast<int>(part.size());
  int nJ = static_cast<int>(members.size()) - nI;
  for (int scan = 0; scan < d_.launchScans; ++scan) {
    for (int inner = 0; inner < 2; ++inner)
      pilot = kalmanSmoother(observations(part, partLoadings()), oneState, dynamics, m0, P0).mean;
    for (std::size_t a = 0; a < out.movable.size(); ++a) {
      (out.withI[a] ? nI : nJ) -= 1;
      const double wI = std::log(nI + d_.dirichlet) + logMarginal(out.movable[a], pilot);
      const double wJ = std::log(nJ + d_.dirichlet) + marginalJ[a];
      out.withI[a] = wI > wJ ? 1 : 0;
      (out.withI[a] ? nI : nJ) += 1;
    }
  }
  const Eigen::MatrixXd loadings = partLoadings();
  out.obs = observations(part, loadings);
  out.logEvidence = gaussianLogEvidence(out.obs, oneState, dynamics, m0, P0);
  return out;
}

double SplitMerge::allocationScan(const Launch& launch, const Eigen::MatrixXd& pathI,
                                  const Eigen::MatrixXd& pathJ, std::vector<char>& withI,
                                  Rng* rng) const {
  std::vector<char> current = launch.withI;
  int nI = 1, nJ = 1;
  for (const char c : current) (c ? nI : nJ) += 1;
  double logProbability = 0.0;
  for (std::size_t a = 0; a < launch.movable.size(); ++a) {
    const int k = launch.movable[a];
    (current[a] ? nI : nJ) -= 1;
    double mI = logMarginal(k, pathI), mJ = logMarginal(k, pathJ);
    if (!std::isfinite(mI) && !std::isfinite(mJ)) mI = mJ = 0.0;  // both fits failed: even
    const double wI = std::log(nI + d_.dirichlet) + mI;
    const double wJ = std::log(nJ + d_.dirichlet) + mJ;
    const double top = std::max(wI, wJ);
    const double logNormaliser = top + std::log(std::exp(wI - top) + std::exp(wJ - top));
    const char side = rng ? (rng->uniform() < std::exp(wI - logNormaliser) ? 1 : 0) : withI[a];
    logProbability += (side ? wI : wJ) - logNormaliser;
    current[a] = side;
    (side ? nI : nJ) += 1;
  }
  if (rng) withI = current;
  return logProbability;
}

double SplitMerge::splitLogRatio(int i, int j, const Launch& launch, const std::vector<char>& withI,
                                 const Eigen::MatrixXd& pathI, const Eigen::MatrixXd& pathJ,
                                 int clustersBefore) const {
  (void)j;
  const auto& logV = *d_.logV;
  if (clustersBefore < 1 || clustersBefore >= static_cast<int>(logV.size()))
    return -std::numeric_limits<double>::infinity();
  int nI = 1, nJ = 1;
  for (const char c : withI) (c ? nI : nJ) += 1;
  const double g = d_.dirichlet;
  // MFM: p(z) ∝ V_n(t) Π_k Γ(γ + n_k)/Γ(γ).
  const double prior = logV[static_cast<std::size_t>(clustersBefore)] -
                       logV[static_cast<std::size_t>(clustersBefore - 1)] + std::lgamma(g + nI) +
                       std::lgamma(g + nJ) - std::lgamma(g + nI + nJ) - std::lgamma(g);
  double likelihood = logMarginal(i, pathI) - logMarginal(i, pathJ);
  for (std::size_t a = 0; a < launch.movable.size(); ++a)
    if (withI[a])
      likelihood += logMarginal(launch.movable[a], pathI) - logMarginal(launch.movable[a], pathJ);
  // G0(φ_i) / q(φ_i | launch) with q the O(p)-averaged FFBS conditional:
  // q(φ) = G0(φ) E_g exp(ℓ(gφ)) / Z (G0 is invariant under g).
  const double path = launch.logEvidence - logRotationAverage(launch.obs, pathI);
  std::vector<char> given = withI;
  const double allocation = allocationScan(launch, pathI, pathJ, given, nullptr);
  return prior + likelihood + path - allocation;
}

SplitMerge::Split SplitMerge::proposeSplit(int i, int j, const Launch& launch,
                                           const Eigen::MatrixXd& pathJ, int clustersBefore,
                                           Rng& rng) const {
  const auto q = pathJ.rows();
  const std::vector<int> oneState(static_cast<std::size_t>(T_), 0);
  Split out;
  out.pathI = forwardFilterBackwardSample(launch.obs, oneState, walk(q), Eigen::VectorXd::Zero(q),
                                          Eigen::MatrixXd::Identity(q, q), rng);
  // A uniform element of O(p) on the x rows (the target and G0 are invariant).
  if (q == 2 && rng.uniform() < 0.5) out.pathI.row(1) *= -1.0;
  if (q == 3) {
    if (rng.uniform() < 0.5) out.pathI.row(2) *= -1.0;
    out.pathI = rotated(out.pathI, 2.0 * std::numbers::pi * rng.uniform());
  }
  allocationScan(launch, out.pathI, pathJ, out.withI, &rng);
  out.logRatio = splitLogRatio(i, j, launch, out.withI, out.pathI, pathJ, clustersBefore);
  return out;
}

SplitMerge::Move SplitMerge::move(std::vector<int>& labels, std::vector<Eigen::MatrixXd>& paths,
                                  int maxClusters, Rng& rng) const {
  const auto N = static_cast<int>(labels.size());
  const auto K = static_cast<int>(paths.size());
  Move out;
  const int i = static_cast<int>(rng.below(static_cast<std::size_t>(N)));
  int j = static_cast<int>(rng.below(static_cast<std::size_t>(N - 1)));
  if (j >= i) ++j;
  std::vector<int> sizes(static_cast<std::size_t>(K), 0);
  for (const int z : labels) ++sizes[static_cast<std::size_t>(z)];
  int clusters = 0;
  for (const int n : sizes) clusters += n > 0 ? 1 : 0;
  const int zi = labels[static_cast<std::size_t>(i)];
  const int zj = labels[static_cast<std::size_t>(j)];
  for (int n = 0; n < N; ++n)
    if (labels[static_cast<std::size_t>(n)] == zi || labels[static_cast<std::size_t>(n)] == zj)
      out.members.push_back(n);
  out.split = zi == zj;
  const Eigen::MatrixXd& pathJ = paths[static_cast<std::size_t>(zj)];
  if (out.split) {
    if (clusters >= std::min(K, maxClusters)) return out;  // no room for another cluster
    out.proposed = true;
    const auto launched = launch(i, j, out.members, pathJ, rng);
    auto split = proposeSplit(i, j, launched, pathJ, clusters, rng);
    if (std::log(rng.uniformPositive()) < split.logRatio) {
      out.accepted = true;
      out.newSlot = static_cast<int>(std::find(sizes.begin(), sizes.end(), 0) - sizes.begin());
      labels[static_cast<std::size_t>(i)] = out.newSlot;
      for (std::size_t a = 0; a < launched.movable.size(); ++a)
        if (split.withI[a]) labels[static_cast<std::size_t>(launched.movable[a])] = out.newSlot;
      paths[static_cast<std::size_t>(out.newSlot)] = std::move(split.pathI);
    }
  } else {
    out.proposed = true;
    const auto launched = launch(i, j, out.members, pathJ, rng);
    std::vector<char> withI;
    for (const int k : launched.movable) withI.push_back(labels[static_cast<std::size_t>(k)] == zi);
    const double logRatio = -splitLogRatio(
        i, j, launched, withI, paths[static_cast<std::size_t>(zi)], pathJ, clusters - 1);
    if (std::log(rng.uniformPositive()) < logRatio) {
      out.accepted = true;
      for (const int n : out.members) labels[static_cast<std::size_t>(n)] = zj;
    }
  }
  return out;
}

}  // namespace nl::analysis::biclustering
