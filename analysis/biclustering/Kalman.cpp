#include "analysis/biclustering/Kalman.h"

#include <stdexcept>

namespace nl::analysis::biclustering {
namespace {

Eigen::MatrixXd symmetric(const Eigen::MatrixXd& m) {
  return 0.5 * (m + m.transpose());
}

Eigen::MatrixXd choleskyFactor(const Eigen::MatrixXd& covariance) {
  Eigen::LLT<Eigen::MatrixXd> llt(covariance);
  double jitter = 1e-12 * std::max(1.0, covariance.diagonal().cwiseAbs().maxCoeff());
  while (llt.info() != Eigen::Success) {
    if (jitter > 1e6) throw std::runtime_error("covariance is not positive definite");
    llt.compute(covariance +
                jitter * Eigen::MatrixXd::Identity(covariance.rows(), covariance.cols()));
    jitter *= 10.0;
  }
  return llt.matrixL();
}

struct Filtered {
  Eigen::MatrixXd mean;
  std::vector<Eigen::MatrixXd> covariance;
  // The one-step predicted covariance of bin t (t ≥ 1) and its Cholesky
  // factor as first computed: the backward passes need exactly these.
  std::vector<Eigen::MatrixXd> predicted;
  std::vector<Eigen::LLT<Eigen::MatrixXd>> predictedFactor;
};

Filtered filter(const GaussianObservations& observations, const std::vector<int>& states,
                const SwitchingDynamics& dynamics, const Eigen::VectorXd& m0,
                const Eigen::MatrixXd& P0, double* logEvidence = nullptr) {
  const auto dim = m0.size();
  const auto bins = static_cast<Eigen::Index>(observations.information.size());
  if (observations.informationVector.rows() != dim ||
      observations.informationVector.cols() != bins ||
      static_cast<Eigen::Index>(states.size()) != bins)
    throw std::invalid_argument("FFBS: observation, state and latent sizes disagree");
  Filtered out{Eigen::MatrixXd(dim, bins),
               std::vector<Eigen::MatrixXd>(static_cast<std::size_t>(bins)),
               std::vector<Eigen::MatrixXd>(static_cast<std::size_t>(bins)),
               std::vector<Eigen::LLT<Eigen::MatrixXd>>(static_cast<std::size_t>(bins))};
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(dim, dim);
  Eigen::VectorXd predictedMean = m0;
  Eigen::MatrixXd predictedCovariance = P0;
  for (Eigen::Index t = 0; t < bins; ++t) {
    if (t > 0) {
      const auto s = static_cast<std::size_t>(states[static_cast<std::size_t>(t)]);
      const auto& A = dynamics.A[s];
      predictedMean = A * out.mean.col(t - 1) + dynamics.b[s];
      predictedCovariance = symmetric(
          A * out.covariance[static_cast<std::size_t>(t - 1)] * A.transpose() + dynamics.Q[s]);
    }
    // Posterior precision = P⁻¹ + J; mean = Σ (P⁻¹ m + h).
    Eigen::LLT<Eigen::MatrixXd> prior(predictedCovariance);
    if (t > 0) {
      out.predicted[static_cast<std::size_t>(t)] = predictedCovariance;
      out.predictedFactor[static_cast<std::size_t>(t)] = prior;
    }
    if (prior.info() != Eigen::Success) prior.compute(predictedCovariance + 1e-10 * identity);
    const Eigen::MatrixXd priorPrecision = prior.solve(identity);
    const Eigen::MatrixXd precision =
        priorPrecision + observations.information[static_cast<std::size_t>(t)];
    Eigen::LLT<Eigen::MatrixXd> posterior(precision);
    const Eigen::MatrixXd covariance = symmetric(posterior.solve(identity));
    const Eigen::VectorXd g =
        priorPrecision * predictedMean + observations.informationVector.col(t);
    out.mean.col(t) = covariance * g;
    out.covariance[static_cast<std::size_t>(t)] = covariance;
    if (logEvidence) {
      // log ∫ N(x; m⁻, P⁻) exp(hᵀx − ½ xᵀJx) dx
      //   = −½ log|P⁻| − ½ log|P⁻¹ + J| + ½ gᵀ(P⁻¹ + J)⁻¹g − ½ m⁻ᵀP⁻¹m⁻, g = P⁻¹m⁻ + h.
      const Eigen::MatrixXd Lp = prior.matrixL();
      const Eigen::MatrixXd Lq = posterior.matrixL();
      *logEvidence += -Lp.diagonal().array().log().sum() - Lq.diagonal().array().log().sum() +
                      0.5 * g.dot(out.mean.col(t)) -
                      0.5 * predictedMean.dot(priorPrecision * predictedMean);
    }
  }
  return out;
}

}  // namespace

Eigen::VectorXd drawGaussian(const Eigen::VectorXd& mean, const Eigen::MatrixXd& covariance,
                             Rng& rng) {
  const Eigen::MatrixXd factor = choleskyFactor(covariance);
  Eigen::VectorXd noise(mean.size());
  for (Eigen::Index i = 0; i < noise.size(); ++i) noise[i] = rng.normal();
  return mean + factor * noise;
}

Eigen::MatrixXd forwardFilterBackwardSample(const GaussianObservations& observations,
                                            const std::vector<int>& states,
                                            const SwitchingDynamics& dynamics,
                                            const Eigen::VectorXd& m0, const Eigen::MatrixXd& P0,
                                            Rng& rng) {
  const Filtered filtered = filter(observations, states, dynamics, m0, P0);
  const auto dim = m0.size();
  const auto bins = filtered.mean.cols();
  Eigen::MatrixXd path(dim, bins);
  path.col(bins - 1) = drawGaussian(filtered.mean.col(bins - 1),
                                    filtered.covariance[static_cast<std::size_t>(bins - 1)], rng);
  for (Eigen::Index t = bins - 2; t >= 0; --t) {
    // The step t → t+1 is governed by the state of bin t + 1 (see the header).
    const auto s = static_cast<std::size_t>(states[static_cast<std::size_t>(t + 1)]);
    const auto& A = dynamics.A[s];
    const auto& P = filtered.covariance[static_cast<std::size_t>(t)];
    // P Aᵀ S⁻¹ with S = A P Aᵀ + Q, the forward pass's prediction of bin t + 1.
    const Eigen::MatrixXd gain =
        filtered.predictedFactor[static_cast<std::size_t>(t + 1)].solve(A * P).transpose();
    const Eigen::VectorXd mean =
        filtered.mean.col(t) + gain * (path.col(t + 1) - A * filtered.mean.col(t) - dynamics.b[s]);
    const Eigen::MatrixXd covariance = symmetric(P - gain * A * P);
    path.col(t) = drawGaussian(mean, covariance, rng);
  }
  return path;
}

double gaussianLogEvidence(const GaussianObservations& observations, const std::vector<int>& states,
                           const SwitchingDynamics& dynamics, const Eigen::VectorXd& m0,
                           const Eigen::MatrixXd& P0) {
  double logEvidence = 0.0;
  filter(observations, states, dynamics, m0, P0, &logEvidence);
  return logEvidence;
}

SmoothedPath kalmanSmoother(const GaussianObservations& observations,
                            const std::vector<int>& states, const SwitchingDynamics& dynamics,
                            const Eigen::VectorXd& m0, const Eigen::MatrixXd& P0) {
  const Filtered filtered = filter(observations, states, dynamics, m0, P0);
  const auto bins = filtered.mean.cols();
  SmoothedPath out{filtered.mean, filtered.covariance};
  for (Eigen::Index t = bins - 2; t >= 0; --t) {
    const auto s = static_cast<std::size_t>(states[static_cast<std::size_t>(t + 1)]);
    const auto& A = dynamics.A[s];
    const auto& P = filtered.covariance[static_cast<std::size_t>(t)];
    const Eigen::MatrixXd& predicted = filtered.predicted[static_cast<std::size_t>(t + 1)];
    const Eigen::MatrixXd gain =
        filtered.predictedFactor[static_cast<std::size_t>(t + 1)].solve(A * P).transpose();
    out.mean.col(t) = filtered.mean.col(t) +
                      gain * (out.mean.col(t + 1) - A * filtered.mean.col(t) - dynamics.b[s]);
    out.covariance[static_cast<std::size_t>(t)] =
        symmetric(P + gain * (out.covariance[static_cast<std::size_t>(t + 1)] - predicted) *
                          gain.transpose());
  }
  return out;
}

}  // namespace nl::analysis::biclustering
