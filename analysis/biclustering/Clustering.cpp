#include "analysis/biclustering/Clustering.h"

#include <cmath>
#include <limits>
#include <numbers>

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
                          const Eigen::Ref<const Eigen::VectorXd>& offset) {
  const auto bins = counts.size();
  const auto p = regressors.cols();
  const bool poisson = dispersion <= 0.0;
  const double r = dispersion;
  Eigen::VectorXd c = Eigen::VectorXd::Zero(p);
  Eigen::MatrixXd information(p, p);
  Eigen::VectorXd score(p);
  auto logLikelihood = [&](const Eigen::VectorXd& coefficients) {
    double total = 0.0;
    for (Eigen::Index t = 0; t < bins; ++t) {
      const double eta = offset[t] + regressors.row(t).dot(coefficients);
      const double y = counts[t];
      if (poisson) {
        total += y * eta - std::exp(eta);
      } else {
        // y log μ − (y + r) log(r + μ) + r log r, with log(r + μ) computed stably.
        const double logRPlusMu = eta > std::log(r) ? eta + std::log1p(r * std::exp(-eta))
                                                    : std::log(r) + std::log1p(std::exp(eta) / r);
        total += y * eta - (y + r) * logRPlusMu + r * std::log(r);
      }
    }
    return total;
  };
  double current = logLikelihood(c);
  bool converged = false;
  for (int iteration = 0; iteration < 50; ++iteration) {
    information.setZero();
    score.setZero();
    for (Eigen::Index t = 0; t < bins; ++t) {
      const double mu = std::exp(offset[t] + regressors.row(t).dot(c));
      const double y = counts[t];
      const double weight = poisson ? mu : r * mu / (r + mu);
      const double residual = poisson ? y - mu : r * (y - mu) / (r + mu);
      score.noalias() += residual * regressors.row(t).transpose();
      information.noalias() += weight * regressors.row(t).transpose() * regressors.row(t);
    }
    Eigen::LDLT<Eigen::MatrixXd> ldlt(information);
    if (ldlt.info() != Eigen::Success) return kMinusInfinity;
    Eigen::VectorXd step = ldlt.solve(score);
    // Step halving keeps the scoring iterations ascending.
    double next = kMinusInfinity;
    for (int halving = 0; halving < 30; ++halving) {
      next = logLikelihood(c + step);
      if (std::isfinite(next) && next >= current - 1e-10) break;
      step *= 0.5;
    }
    if (!std::isfinite(next)) return kMinusInfinity;
    c += step;
    const double change = next - current;
    current = next;
    if (std::abs(change) < 1e-8 * (1.0 + std::abs(current)) && step.norm() < 1e-6) {
      converged = true;
      break;
    }
  }
  if (!converged || !c.allFinite()) return kMinusInfinity;
  // Expected information at ĉ.
  information.setZero();
  for (Eigen::Index t = 0; t < bins; ++t) {
    const double mu = std::exp(offset[t] + regressors.row(t).dot(c));
    const double weight = poisson ? mu : r * mu / (r + mu);
    information.noalias() += weight * regressors.row(t).transpose() * regressors.row(t);
  }
  Eigen::LLT<Eigen::MatrixXd> llt(information);
  if (llt.info() != Eigen::Success) return kMinusInfinity;
  const double logDetInformation =
      2.0 * Eigen::MatrixXd(llt.matrixL()).diagonal().array().log().sum();
  const double logPrior =
      -0.5 * c.squaredNorm() - 0.5 * static_cast<double>(p) * std::log(2.0 * std::numbers::pi);
  return current + logPrior - 0.5 * logDetInformation +
         0.5 * static_cast<double>(p) * std::log(2.0 * std::numbers::pi);
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
        const double reduced = cost(row0 - 1, column - 1) - u[static_cast<std::size_t>(row0)] - v[j];
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
