#include "analysis/biclustering/Dynamics.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace nl::analysis::biclustering {

MniwPrior MniwPrior::standard(int dim, double psi) {
  MniwPrior prior;
  prior.M0 = Eigen::MatrixXd::Zero(dim, dim + 1);
  prior.M0.leftCols(dim).setIdentity();
  prior.K0 = Eigen::MatrixXd::Identity(dim + 1, dim + 1);
  prior.Psi0 = psi * Eigen::MatrixXd::Identity(dim, dim);
  prior.nu0 = dim + 2.0;
  return prior;
}

MniwPosterior mniwPosterior(const MniwPrior& prior, const Eigen::MatrixXd& path,
                            const std::vector<int>& bins) {
  const auto dim = path.rows();
  const Eigen::MatrixXd K0inv = prior.K0.inverse();
  Eigen::MatrixXd sxx = K0inv;
  Eigen::MatrixXd syx = prior.M0 * K0inv;
  Eigen::MatrixXd syy = prior.M0 * K0inv * prior.M0.transpose();
  Eigen::VectorXd regressor(dim + 1);
  for (const int t : bins) {
    if (t < 1) continue;
    regressor.head(dim) = path.col(t - 1);
    regressor[dim] = 1.0;
    const auto y = path.col(t);
    sxx.noalias() += regressor * regressor.transpose();
    syx.noalias() += y * regressor.transpose();
    syy.noalias() += y * y.transpose();
  }
  MniwPosterior posterior;
  Eigen::LLT<Eigen::MatrixXd> llt(sxx);
  posterior.K = llt.solve(Eigen::MatrixXd::Identity(dim + 1, dim + 1));
  posterior.K = 0.5 * (posterior.K + posterior.K.transpose());
  posterior.M = llt.solve(syx.transpose()).transpose();
  posterior.Psi = prior.Psi0 + syy - posterior.M * syx.transpose();
  posterior.Psi = 0.5 * (posterior.Psi + posterior.Psi.transpose());
  double count = 0.0;
  for (const int t : bins) count += t >= 1 ? 1.0 : 0.0;
  posterior.nu = prior.nu0 + count;
  return posterior;
}

Eigen::MatrixXd drawInverseWishart(const Eigen::MatrixXd& psi, double nu, Rng& rng) {
  const auto dim = psi.rows();
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(dim, dim);
  Eigen::LLT<Eigen::MatrixXd> psiFactor(psi);
  if (psiFactor.info() != Eigen::Success)
    throw std::runtime_error("IW scale not positive definite");
  // W = L B Bᵀ Lᵀ with L Lᵀ = Ψ⁻¹ (Bartlett); Q = W⁻¹.
  const Eigen::MatrixXd L = Eigen::LLT<Eigen::MatrixXd>(psiFactor.solve(identity)).matrixL();
  Eigen::MatrixXd bartlett = Eigen::MatrixXd::Zero(dim, dim);
  for (Eigen::Index i = 0; i < dim; ++i) {
    bartlett(i, i) = std::sqrt(rng.chiSquare(nu - static_cast<double>(i)));
    for (Eigen::Index j = 0; j < i; ++j) bartlett(i, j) = rng.normal();
  }
  const Eigen::MatrixXd factor = L * bartlett;
  const Eigen::MatrixXd wishart = factor * factor.transpose();
  Eigen::MatrixXd draw = wishart.llt().solve(identity);
  return 0.5 * (draw + draw.transpose());
}

VarDraw drawMniw(const MniwPosterior& posterior, Rng& rng) {
  const auto dim = posterior.M.rows();
  const auto columns = posterior.M.cols();
  const Eigen::MatrixXd Q = drawInverseWishart(posterior.Psi, posterior.nu, rng);
  const Eigen::MatrixXd rowFactor = Eigen::LLT<Eigen::MatrixXd>(Q).matrixL();
  const Eigen::MatrixXd columnFactor = Eigen::LLT<Eigen::MatrixXd>(posterior.K).matrixL();
  Eigen::MatrixXd noise(dim, columns);
  for (Eigen::Index j = 0; j < columns; ++j)
    for (Eigen::Index i = 0; i < dim; ++i) noise(i, j) = rng.normal();
  const Eigen::MatrixXd Ab = posterior.M + rowFactor * noise * columnFactor.transpose();
  return {Ab.leftCols(dim), Ab.col(dim), Q};
}

Eigen::VectorXd drawDirichlet(const Eigen::VectorXd& concentration, Rng& rng) {
  Eigen::VectorXd logs(concentration.size());
  for (Eigen::Index k = 0; k < logs.size(); ++k) logs[k] = rng.logGamma(concentration[k]);
  const double top = logs.maxCoeff();
  Eigen::VectorXd weights = (logs.array() - top).exp();
  return weights / weights.sum();
}

StickyHmmParameters drawStickyHmmPrior(const StickyHmmPrior& prior, Rng& rng) {
  const int L = prior.states;
  StickyHmmParameters out;
  out.beta = drawDirichlet(Eigen::VectorXd::Constant(L, prior.gamma / L), rng);
  out.transition.resize(L, L);
  for (int j = 0; j < L; ++j) {
    Eigen::VectorXd concentration = prior.alpha * out.beta;
    concentration[j] += prior.kappa;
    out.transition.row(j) = drawDirichlet(concentration, rng).transpose();
  }
  return out;
}

StickyHmmParameters drawStickyHmmPosterior(const StickyHmmPrior& prior,
                                           const StickyHmmParameters& current,
                                           const std::vector<int>& states, Rng& rng) {
  const int L = prior.states;
  Eigen::MatrixXi counts = Eigen::MatrixXi::Zero(L, L);
  for (std::size_t t = 1; t < states.size(); ++t) ++counts(states[t - 1], states[t]);
  // Table counts: m_jk = Σ_{l<n_jk} Bernoulli(a / (a + l)), a = αβ_k + κ δ_jk.
  Eigen::MatrixXd tables = Eigen::MatrixXd::Zero(L, L);
  for (int j = 0; j < L; ++j)
    for (int k = 0; k < L; ++k) {
      const double a = prior.alpha * current.beta[k] + (j == k ? prior.kappa : 0.0);
      int m = 0;
      for (int l = 0; l < counts(j, k); ++l) m += rng.uniform() < a / (a + l) ? 1 : 0;
      tables(j, k) = m;
    }
  const double rho = prior.kappa / (prior.alpha + prior.kappa);
  for (int j = 0; j < L; ++j) {
    const int m = static_cast<int>(tables(j, j));
    if (m == 0) continue;
    const double overrideProbability = rho / (rho + current.beta[j] * (1.0 - rho));
    tables(j, j) -= rng.binomial(m, overrideProbability);
  }
  StickyHmmParameters out;
  const Eigen::VectorXd betaConcentration =
      Eigen::VectorXd::Constant(L, prior.gamma / L) + tables.colwise().sum().transpose();
  out.beta = drawDirichlet(betaConcentration, rng);
  out.transition.resize(L, L);
  for (int j = 0; j < L; ++j) {
    Eigen::VectorXd concentration =
        prior.alpha * out.beta + counts.row(j).transpose().cast<double>();
    concentration[j] += prior.kappa;
    out.transition.row(j) = drawDirichlet(concentration, rng).transpose();
  }
  return out;
}

std::vector<int> sampleStates(const Eigen::MatrixXd& logLikelihood,
                              const Eigen::MatrixXd& transition, Rng& rng) {
  const auto bins = logLikelihood.rows();
  const auto L = logLikelihood.cols();
  // Scaled forward messages: alpha_t(k) ∝ p(s_t = k | evidence up to t).
  Eigen::MatrixXd forward(bins, L);
  Eigen::RowVectorXd message = Eigen::RowVectorXd::Constant(L, 1.0 / static_cast<double>(L));
  for (Eigen::Index t = 0; t < bins; ++t) {
    if (t > 0) message = forward.row(t - 1) * transition;
    const double top = logLikelihood.row(t).maxCoeff();
    for (Eigen::Index k = 0; k < L; ++k) message[k] *= std::exp(logLikelihood(t, k) - top);
    const double total = message.sum();
    if (!(total > 0.0) || !std::isfinite(total))
      throw std::runtime_error("state sampling: every state has zero probability");
    forward.row(t) = message / total;
  }
  std::vector<int> states(static_cast<std::size_t>(bins));
  auto pick = [&](const Eigen::RowVectorXd& weights) {
    double u = rng.uniform() * weights.sum();
    for (Eigen::Index k = 0; k < L; ++k) {
      u -= weights[k];
      if (u < 0.0) return static_cast<int>(k);
    }
    return static_cast<int>(L - 1);
  };
  states[static_cast<std::size_t>(bins - 1)] = pick(forward.row(bins - 1));
  for (Eigen::Index t = bins - 2; t >= 0; --t) {
    const int next = states[static_cast<std::size_t>(t + 1)];
    const Eigen::RowVectorXd weights =
        forward.row(t).array() * transition.col(next).transpose().array();
    states[static_cast<std::size_t>(t)] = pick(weights);
  }
  return states;
}

std::vector<int> gaussianHmmSegmentation(const Eigen::VectorXd& series, int states,
                                         int iterations) {
  const auto n = series.size();
  const int M = std::max(1, states);
  std::vector<int> out(static_cast<std::size_t>(n), 0);
  if (n < 2 || M == 1) return out;
  std::vector<double> sorted(series.data(), series.data() + n);
  std::sort(sorted.begin(), sorted.end());
  const double overall = (series.array() - series.mean()).square().mean();
  const double floor = 1e-4 * std::max(overall, 1e-12);
  Eigen::VectorXd mean(M), variance = Eigen::VectorXd::Constant(M, std::max(overall, floor));
  for (int k = 0; k < M; ++k)
    mean[k] = sorted[static_cast<std::size_t>((k + 0.5) / M * static_cast<double>(n - 1))];
  Eigen::MatrixXd transition = Eigen::MatrixXd::Constant(M, M, 0.05 / (M - 1));
  transition.diagonal().setConstant(0.95);
  Eigen::RowVectorXd initial = Eigen::RowVectorXd::Constant(M, 1.0 / M);
  Eigen::MatrixXd emission(n, M), forward(n, M), backward(n, M), posterior(n, M);
  Eigen::VectorXd scale(n);
  for (int iteration = 0; iteration <= iterations; ++iteration) {
    for (Eigen::Index t = 0; t < n; ++t)
      for (int k = 0; k < M; ++k) {
        const double z = series[t] - mean[k];
        emission(t, k) = -0.5 * z * z / variance[k] - 0.5 * std::log(variance[k]);
      }
    for (Eigen::Index t = 0; t < n; ++t) {
      const double top = emission.row(t).maxCoeff();
      emission.row(t) = (emission.row(t).array() - top).exp().matrix();
    }
    for (Eigen::Index t = 0; t < n; ++t) {
      const Eigen::RowVectorXd prior = t == 0 ? initial : forward.row(t - 1) * transition;
      forward.row(t) = prior.cwiseProduct(emission.row(t));
      scale[t] = forward.row(t).sum();
      forward.row(t) /= scale[t];
    }
    backward.row(n - 1).setOnes();
    for (Eigen::Index t = n - 2; t >= 0; --t) {
      backward.row(t) =
          (transition * emission.row(t + 1).cwiseProduct(backward.row(t + 1)).transpose())
              .transpose() /
          scale[t + 1];
    }
    posterior = forward.cwiseProduct(backward);
    for (Eigen::Index t = 0; t < n; ++t) posterior.row(t) /= posterior.row(t).sum();
    if (iteration == iterations) break;
    // M step.
    Eigen::MatrixXd pairs = Eigen::MatrixXd::Zero(M, M);
    for (Eigen::Index t = 0; t + 1 < n; ++t) {
      Eigen::MatrixXd xi =
          forward.row(t).transpose() * emission.row(t + 1).cwiseProduct(backward.row(t + 1));
      xi = xi.cwiseProduct(transition);
      pairs += xi / xi.sum();
    }
    for (int k = 0; k < M; ++k) {
      const double total = pairs.row(k).sum();
      if (total > 0.0) transition.row(k) = pairs.row(k) / total;
      const double weight = posterior.col(k).sum();
      if (weight <= 1e-9) continue;
      mean[k] = posterior.col(k).dot(series) / weight;
      variance[k] = std::max(
          floor, posterior.col(k).dot((series.array() - mean[k]).square().matrix()) / weight);
    }
    initial = posterior.row(0);
  }
  std::vector<int> order(static_cast<std::size_t>(M));
  for (int k = 0; k < M; ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](int a, int b) { return mean[a] < mean[b]; });
  std::vector<int> rank(static_cast<std::size_t>(M));
  for (int k = 0; k < M; ++k) rank[order[k]] = k;
  for (Eigen::Index t = 0; t < n; ++t) {
    Eigen::Index best = 0;
    posterior.row(t).maxCoeff(&best);
    out[static_cast<std::size_t>(t)] = rank[static_cast<std::size_t>(best)];
  }
  return out;
}

Eigen::MatrixXd dynamicsLogLikelihood(const Eigen::MatrixXd& path,
                                      const SwitchingDynamics& dynamics) {
  const auto dim = path.rows();
  const auto bins = path.cols();
  const auto L = static_cast<Eigen::Index>(dynamics.A.size());
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(bins, L);
  if (bins < 2) return out;
  const double constant = -0.5 * static_cast<double>(dim) * std::log(2.0 * std::numbers::pi);
  for (Eigen::Index s = 0; s < L; ++s) {
    const auto k = static_cast<std::size_t>(s);
    Eigen::LLT<Eigen::MatrixXd> llt(dynamics.Q[k]);
    const Eigen::MatrixXd factor = llt.matrixL();
    const double logDet = 2.0 * factor.diagonal().array().log().sum();
    Eigen::MatrixXd residual = path.rightCols(bins - 1) - dynamics.A[k] * path.leftCols(bins - 1);
    residual.colwise() -= dynamics.b[k];
    const Eigen::MatrixXd whitened = factor.triangularView<Eigen::Lower>().solve(residual);
    out.col(s).tail(bins - 1) =
        (constant - 0.5 * logDet - 0.5 * whitened.colwise().squaredNorm().array()).transpose();
  }
  return out;
}

}  // namespace nl::analysis::biclustering
