#include "analysis/biclustering/Clustering.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

namespace nl::analysis::biclustering {
namespace {

constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

double logSumExp(double a, double b) {
  const double top = std::max(a, b);
  if (top == kMinusInfinity) return kMinusInfinity;
  return top + std::log(std::exp(a - top) + std::exp(b - top));
}

}  // namespace

std::vector<double> mfmLogCoefficients(int n, double gamma, double geometricP, int upTo) {
  std::vector<double> out(static_cast<std::size_t>(upTo), kMinusInfinity);
  const double logP = std::log(geometricP);
  const double logQ = std::log1p(-geometricP);
  for (int t = 1; t <= upTo && t <= n; ++t) {
    double total = kMinusInfinity;
    for (int k = t;; ++k) {
      const double term = std::lgamma(k + 1.0) - std::lgamma(k - t + 1.0) -
                          (std::lgamma(k * gamma + n) - std::lgamma(k * gamma)) + logP +
                          (k - 1) * logQ;
      const double updated = logSumExp(total, term);
      // The terms decay geometrically once k ≫ t; stop when they no longer count.
      if (k > t + 10 && updated - total < 1e-14) {
        total = updated;
        break;
      }
      total = updated;
      if (k > t + 100000) break;
    }
    out[static_cast<std::size_t>(t - 1)] = total;
  }
  return out;
}

double laplaceLogMarginal(const Eigen::Ref<const Eigen::VectorXd>& counts, double dispersion,
                          const Eigen::Ref<const Eigen::MatrixXd>& regressors,
                          const Eigen::Ref<const Eigen::VectorXd>& offset,
                          const Eigen::VectorXd* start, Eigen::VectorXd* fitted) {
  using Small = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0, 8, 8>;
  using SmallVector = Eigen::Matrix<double, Eigen::Dynamic, 1, 0, 8, 1>;
  const auto bins = counts.size();
  const auto p = regressors.cols();
  if (p > 8) throw std::invalid_argument("laplaceLogMarginal: at most 8 loadings");
  const bool poisson = dispersion <= 0.0;
  const double r = dispersion;
  const double rLogR = poisson ? 0.0 : r * std::log(r);
  SmallVector c = start ? SmallVector(*start) : SmallVector(SmallVector::Zero(p));
  SmallVector previous = c;
  SmallVector step = SmallVector::Zero(p);
  Small information(p, p);
  SmallVector score(p);
  double previousLogLikelihood = kMinusInfinity;
  // Fisher scoring; one pass over the bins gives the log-likelihood, score and
  // expected information at c. A pass that lowers the log-likelihood halves the step.
  // The bins' terms as whole arrays (vectorised exp and log).
  Eigen::ArrayXd eta(bins), mu(bins), weight(bins), residual(bins);
  const Eigen::ArrayXd y = counts.array();
  for (int pass = 0; pass < 60; ++pass) {
    eta = offset.array();
    for (Eigen::Index j = 0; j < p; ++j) eta += regressors.col(j).array() * c[j];
    mu = eta.exp();
    double logLikelihood = 0.0;
    if (poisson) {
      logLikelihood = (y * eta - mu).sum();
      weight = mu;
      residual = y - mu;
    } else {
      logLikelihood =
          (y * eta - (y + r) * (r + mu).log()).sum() + static_cast<double>(bins) * rLogR;
      // Newton steps with the observed information (quadratic convergence;
      // the NB log link is not canonical, so Fisher scoring's is linear):
      // −∂²ℓ/∂η² = r μ (y + r) / (r + μ)² > 0, the likelihood is concave.
      weight = r * mu * (y + r) / ((r + mu) * (r + mu));
      residual = r * (y - mu) / (r + mu);
    }
    for (Eigen::Index j = 0; j < p; ++j) {
      score[j] = (residual * regressors.col(j).array()).sum();
      const Eigen::ArrayXd weighted = weight * regressors.col(j).array();
      for (Eigen::Index k = 0; k <= j; ++k)
        information(j, k) = (weighted * regressors.col(k).array()).sum();
    }
    // The expected information r μ / (r + μ), for the Laplace determinant at ĉ.
    auto expectedInformation = [&] {
      Small expected(p, p);
      const Eigen::ArrayXd w = poisson ? Eigen::ArrayXd(mu) : Eigen::ArrayXd(r * mu / (r + mu));
      for (Eigen::Index j = 0; j < p; ++j)
        for (Eigen::Index k = 0; k < p; ++k)
          expected(j, k) = (w * regressors.col(j).array() * regressors.col(k).array()).sum();
      return expected;
    };
    if (!std::isfinite(logLikelihood)) {
      if (pass == 0) return kMinusInfinity;
      step *= 0.5;
      c = previous + step;
      continue;
    }
    if (logLikelihood < previousLogLikelihood - 1e-9 * (1.0 + std::abs(previousLogLikelihood))) {
      if (step.norm() < 1e-10) return kMinusInfinity;
      step *= 0.5;
      c = previous + step;
      continue;
    }
    for (Eigen::Index j = 0; j < p; ++j)
      for (Eigen::Index k = j + 1; k < p; ++k) information(j, k) = information(k, j);
    const bool converged =
        pass > 0 &&
        std::abs(logLikelihood - previousLogLikelihood) < 1e-9 * (1.0 + std::abs(logLikelihood)) &&
        step.norm() < 1e-5 * (1.0 + c.norm());
    if (converged) {
      // Laplace at ĉ with the expected information I(ĉ).
      Eigen::LLT<Small> llt(expectedInformation());
      if (llt.info() != Eigen::Success) return kMinusInfinity;
      const double logDetInformation = 2.0 * Small(llt.matrixL()).diagonal().array().log().sum();
      // log N(ĉ; 0, I) + (p/2) log 2π − ½ log det I(ĉ): the 2π terms cancel.
      if (fitted) *fitted = c;
      return logLikelihood - 0.5 * c.squaredNorm() - 0.5 * logDetInformation;
    }
    previousLogLikelihood = logLikelihood;
    Eigen::LDLT<Small> ldlt(information);
    if (ldlt.info() != Eigen::Success) return kMinusInfinity;
    previous = c;
    step = ldlt.solve(score);
    if (!step.allFinite()) return kMinusInfinity;
    // Newton decrement λ² = scoreᵀ I⁻¹ score: once it is tiny the step lands
    // on ĉ to second order and ℓ(ĉ) = ℓ(c) + ½λ² + O(λ³), so the pass that
    // would only confirm convergence is skipped (the expected information is
    // taken at c, within O(|step|) of ĉ).
    const double decrement = score.dot(step);
    if (pass > 0 && decrement >= 0.0 && decrement < 1e-8) {
      Eigen::LLT<Small> llt(expectedInformation());
      if (llt.info() != Eigen::Success) return kMinusInfinity;
      const double logDetInformation = 2.0 * Small(llt.matrixL()).diagonal().array().log().sum();
      c += step;
      if (fitted) *fitted = c;
      return logLikelihood + 0.5 * decrement - 0.5 * c.squaredNorm() - 0.5 * logDetInformation;
    }
    c += step;
  }
  return kMinusInfinity;
}

std::vector<int> subspaceClustering(const Eigen::MatrixXd& rows, int clusters, int dimension,
                                    Rng& rng, int restarts) {
  const auto N = rows.rows();
  std::vector<int> labels(static_cast<std::size_t>(N), 0);
  const int K = std::max(1, std::min<int>(clusters, static_cast<int>(N)));
  if (K == 1) return labels;
  Eigen::MatrixXd u = rows;
  for (Eigen::Index i = 0; i < N; ++i) {
    u.row(i).array() -= u.row(i).mean();
    const double norm = u.row(i).norm();
    if (norm > 0.0) u.row(i) /= norm;
  }
  const Eigen::MatrixXd gram = u * u.transpose();
  Eigen::MatrixXd W = gram.cwiseAbs2();
  W.diagonal().setZero();
  const Eigen::VectorXd scale = W.rowwise().sum().cwiseMax(1e-12).cwiseSqrt().cwiseInverse();
  const Eigen::MatrixXd normalised = scale.asDiagonal() * W * scale.asDiagonal();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(normalised);
  Eigen::MatrixXd embedding = eigen.eigenvectors().rightCols(K);
  for (Eigen::Index i = 0; i < N; ++i) {
    const double norm = embedding.row(i).norm();
    if (norm > 0.0) embedding.row(i) /= norm;
  }
  // k-means++ on the embedding, the tightest of `restarts` starts.
  double bestCost = std::numeric_limits<double>::infinity();
  for (int restart = 0; restart < std::max(1, restarts); ++restart) {
    std::vector<Eigen::Index> centres{
        static_cast<Eigen::Index>(rng.below(static_cast<std::size_t>(N)))};
    Eigen::VectorXd nearest = Eigen::VectorXd::Constant(N, std::numeric_limits<double>::infinity());
    while (static_cast<int>(centres.size()) < K) {
      for (Eigen::Index i = 0; i < N; ++i)
        nearest[i] =
            std::min(nearest[i], (embedding.row(i) - embedding.row(centres.back())).squaredNorm());
      double pick = rng.uniform() * nearest.sum();
      Eigen::Index chosen = N - 1;
      for (Eigen::Index i = 0; i < N; ++i) {
        pick -= nearest[i];
        if (pick < 0.0) {
          chosen = i;
          break;
        }
      }
      centres.push_back(chosen);
    }
    Eigen::MatrixXd means(K, K);
    for (int k = 0; k < K; ++k) means.row(k) = embedding.row(centres[k]);
    std::vector<int> assign(static_cast<std::size_t>(N), 0);
    double cost = 0.0;
    for (int round = 0; round < 100; ++round) {
      bool changed = false;
      cost = 0.0;
      for (Eigen::Index i = 0; i < N; ++i) {
        int best = 0;
        double bestDistance = std::numeric_limits<double>::infinity();
        for (int k = 0; k < K; ++k) {
          const double distance = (embedding.row(i) - means.row(k)).squaredNorm();
          if (distance < bestDistance) {
            bestDistance = distance;
            best = k;
          }
        }
        cost += bestDistance;
        changed = changed || best != assign[i];
        assign[i] = best;
      }
      for (int k = 0; k < K; ++k) {
        Eigen::RowVectorXd sum = Eigen::RowVectorXd::Zero(K);
        int n = 0;
        for (Eigen::Index i = 0; i < N; ++i)
          if (assign[i] == k) {
            sum += embedding.row(i);
            ++n;
          }
        if (n > 0) means.row(k) = sum / n;
      }
      if (!changed && round > 0) break;
    }
    if (cost < bestCost) {
      bestCost = cost;
      labels = assign;
    }
  }
  // K-subspace passes on the Gram matrix.
  auto explained = [&](int k, Eigen::Index row) {
    std::vector<Eigen::Index> members;
    for (Eigen::Index i = 0; i < N; ++i)
      if (labels[i] == k && i != row) members.push_back(i);
    if (members.empty()) return 0.0;
    const Eigen::MatrixXd g = gram(members, members);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> part(g);
    const Eigen::VectorXd cross = gram(members, std::vector<Eigen::Index>{row});
    const double floor = 1e-10 * std::max(1e-300, g.trace());
    double total = 0.0;
    const auto size = static_cast<Eigen::Index>(members.size());
    for (Eigen::Index v = size - 1; v >= std::max<Eigen::Index>(0, size - dimension); --v) {
      const double value = part.eigenvalues()[v];
      if (value <= floor) continue;
      const double projection = part.eigenvectors().col(v).dot(cross);
      total += projection * projection / value;
    }
    return gram(row, row) > 0.0 ? total / gram(row, row) : 0.0;
  };
  for (int pass = 0; pass < 20; ++pass) {
    bool moved = false;
    for (Eigen::Index i = 0; i < N; ++i) {
      std::vector<int> sizes(static_cast<std::size_t>(K), 0);
      for (const int z : labels) ++sizes[z];
      if (sizes[labels[i]] <= 1) continue;  // keep every cluster occupied
      int best = labels[i];
      double bestShare = -1.0;
      for (int k = 0; k < K; ++k) {
        // Subspaces of equal dimension only: compare against clusters with
        // at least `dimension` other members (a smaller one explains less).
        if (sizes[k] - (k == labels[i] ? 1 : 0) < dimension) continue;
        const double share = explained(k, i);
        if (share > bestShare) {
          bestShare = share;
          best = k;
        }
      }
      if (best != labels[i]) {
        labels[i] = best;
        moved = true;
      }
    }
    if (!moved) break;
  }
  std::vector<int> slot(static_cast<std::size_t>(K), -1);
  int used = 0;
  for (auto& label : labels) {
    if (slot[label] < 0) slot[label] = used++;
    label = slot[label];
  }
  return labels;
}

long chineseRestaurantTables(const std::vector<int>& counts, double r, Rng& rng) {
  long tables = 0;
  for (const int y : counts)
    for (int j = 0; j < y; ++j) tables += rng.uniform() < r / (r + j) ? 1 : 0;
  return tables;
}

std::vector<int> hungarian(const Eigen::MatrixXd& cost) {
  // Jonker-Volgenant style potentials (e-maxx formulation), 1-based internally.
  const int n = static_cast<int>(cost.rows());
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> u(static_cast<std::size_t>(n + 1), 0.0);
  std::vector<double> v(static_cast<std::size_t>(n + 1), 0.0);
  std::vector<int> match(static_cast<std::size_t>(n + 1), 0);  // column → row
  std::vector<int> way(static_cast<std::size_t>(n + 1), 0);
  for (int row = 1; row <= n; ++row) {
    match[0] = row;
    int column0 = 0;
    std::vector<double> minimum(static_cast<std::size_t>(n + 1), inf);
    std::vector<char> used(static_cast<std::size_t>(n + 1), 0);
    do {
      used[static_cast<std::size_t>(column0)] = 1;
      const int row0 = match[static_cast<std::size_t>(column0)];
      double delta = inf;
      int column1 = 0;
      for (int column = 1; column <= n; ++column) {
        const auto j = static_cast<std::size_t>(column);
        if (used[j]) continue;
        const double reduced =
            cost(row0 - 1, column - 1) - u[static_cast<std::size_t>(row0)] - v[j];
        if (reduced < minimum[j]) {
          minimum[j] = reduced;
          way[j] = column0;
        }
        if (minimum[j] < delta) {
          delta = minimum[j];
          column1 = column;
        }
      }
      for (int column = 0; column <= n; ++column) {
        const auto j = static_cast<std::size_t>(column);
        if (used[j]) {
          u[static_cast<std::size_t>(match[j])] += delta;
          v[j] -= delta;
        } else {
          minimum[j] -= delta;
        }
      }
      column0 = column1;
    } while (match[static_cast<std::size_t>(column0)] != 0);
    do {
      const int column1 = way[static_cast<std::size_t>(column0)];
      match[static_cast<std::size_t>(column0)] = match[static_cast<std::size_t>(column1)];
      column0 = column1;
    } while (column0 != 0);
  }
  std::vector<int> assignment(static_cast<std::size_t>(n), 0);
  for (int column = 1; column <= n; ++column)
    assignment[static_cast<std::size_t>(match[static_cast<std::size_t>(column)] - 1)] = column - 1;
  return assignment;
}

}  // namespace nl::analysis::biclustering
