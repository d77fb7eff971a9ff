#include "analysis/biclustering/Kalman.h"

#include <algorithm>
#include <cmath>
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
  // The information filter: no covariance is ever formed or inverted per bin.
  // With Λ_t, g_t the filtered precision and information vector of bin t
  // (posterior N(Λ_t⁻¹ g_t, Λ_t⁻¹)) and, for the step into t+1 under state s,
  // B = AᵀQ⁻¹ and Λ̃_t = Λ_t + B A = L Lᵀ:
  //   predicted precision  Y = Q⁻¹ − Bᵀ Λ̃_t⁻¹ B = Q⁻¹ − WᵀW,  W = L⁻¹ B,
  //   predicted vector     y = Y b + Wᵀ L⁻¹ g_t,
  // and Λ_{t+1} = Y + J_{t+1}, g_{t+1} = y + h_{t+1}. The same Λ̃_t is the
  // precision of x_t given x_{t+1} in the backward pass, with information
  // vector g_t + B (x_{t+1} − b), so each bin costs one Cholesky factor, one
  // triangular solve and one rank update of D × D matrices, and the backward
  // draws only triangular solves with the stored factors.
  const auto dim = m0.size();
  const auto bins = static_cast<Eigen::Index>(observations.information.size());
  if (observations.informationVector.rows() != dim ||
      observations.informationVector.cols() != bins ||
      static_cast<Eigen::Index>(states.size()) != bins)
    throw std::invalid_argument("FFBS: observation, state and latent sizes disagree");
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(dim, dim);
  // Per state used: Q⁻¹, B = AᵀQ⁻¹, B A and Q⁻¹ b.
  struct StateTerms {
    bool ready = false;
    Eigen::MatrixXd Qinv, B, BA;
  };
  std::vector<StateTerms> terms(dynamics.A.size());
  auto termsOf = [&](std::size_t s) -> const StateTerms& {
    StateTerms& out = terms[s];
    if (!out.ready) {
      Eigen::LLT<Eigen::MatrixXd> q(dynamics.Q[s]);
      if (q.info() != Eigen::Success) q.compute(dynamics.Q[s] + 1e-10 * identity);
      out.Qinv = symmetric(q.solve(identity));
      out.B = dynamics.A[s].transpose() * out.Qinv;
      out.BA = symmetric(out.B * dynamics.A[s]);
      out.ready = true;
    }
    return out;
  };
  auto factorOf = [&](const Eigen::MatrixXd& precision) {
    Eigen::LLT<Eigen::MatrixXd> llt(precision);
    double jitter = 1e-12 * std::max(1.0, precision.diagonal().cwiseAbs().maxCoeff());
    while (llt.info() != Eigen::Success) {
      if (jitter > 1e6) throw std::runtime_error("FFBS: precision is not positive definite");
      llt.compute(precision + jitter * identity);
      jitter *= 10.0;
    }
    return llt;
  };
  Eigen::MatrixXd g(dim, bins);  // filtered information vectors
  std::vector<Eigen::LLT<Eigen::MatrixXd>> backward(static_cast<std::size_t>(bins));
  Eigen::MatrixXd precision(dim, dim);
  {
    const Eigen::LLT<Eigen::MatrixXd> p0 = factorOf(P0);
    precision = symmetric(p0.solve(identity)) + observations.information[0];
    g.col(0) = p0.solve(m0) + observations.informationVector.col(0);
  }
  Eigen::MatrixXd W(dim, dim), Y(dim, dim);
  for (Eigen::Index t = 0; t + 1 < bins; ++t) {
    const auto s = static_cast<std::size_t>(states[static_cast<std::size_t>(t + 1)]);
    const StateTerms& st = termsOf(s);
    auto& L = backward[static_cast<std::size_t>(t)];
    L = factorOf(precision + st.BA);
    W = st.B;
    L.matrixL().solveInPlace(W);
    Y = st.Qinv;
    Y.selfadjointView<Eigen::Lower>().rankUpdate(W.transpose(), -1.0);
    Y.triangularView<Eigen::StrictlyUpper>() = Y.transpose();
    const Eigen::VectorXd whitened = L.matrixL().solve(g.col(t));
    g.col(t + 1) =
        Y * dynamics.b[s] + W.transpose() * whitened + observations.informationVector.col(t + 1);
    precision = Y + observations.information[static_cast<std::size_t>(t + 1)];
  }
  Eigen::MatrixXd path(dim, bins);
  Eigen::VectorXd noise(dim);
  auto draw = [&](const Eigen::LLT<Eigen::MatrixXd>& L, const Eigen::VectorXd& vector) {
    // x = L⁻ᵀ (L⁻¹ v + z): mean Λ⁻¹ v, covariance Λ⁻¹.
    for (Eigen::Index i = 0; i < dim; ++i) noise[i] = rng.normal();
    Eigen::VectorXd u = L.matrixL().solve(vector) + noise;
    L.matrixU().solveInPlace(u);
    return u;
  };
  path.col(bins - 1) = draw(factorOf(precision), g.col(bins - 1));
  for (Eigen::Index t = bins - 2; t >= 0; --t) {
    const auto s = static_cast<std::size_t>(states[static_cast<std::size_t>(t + 1)]);
    const StateTerms& st = termsOf(s);
    path.col(t) = draw(backward[static_cast<std::size_t>(t)],
                       g.col(t) + st.B * (path.col(t + 1) - dynamics.b[s]));
  }
  return path;
}

int collapsedStateSweep(const GaussianObservations& observations, std::vector<int>& states,
                        const SwitchingDynamics& dynamics, const Eigen::MatrixXd& transition,
                        const Eigen::VectorXd& m0, const Eigen::MatrixXd& P0, int window,
                        SweepDirection direction, Rng& rng) {
  const auto dim = m0.size();
  const auto bins = static_cast<Eigen::Index>(observations.information.size());
  if (observations.informationVector.rows() != dim ||
      observations.informationVector.cols() != bins ||
      static_cast<Eigen::Index>(states.size()) != bins)
    throw std::invalid_argument("state sweep: observation, state and latent sizes disagree");
  if (bins < 2) return 0;
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(dim, dim);
  auto factorOf = [&](const Eigen::MatrixXd& precision) {
    Eigen::LLT<Eigen::MatrixXd> llt(precision);
    double jitter = 1e-12 * std::max(1.0, precision.diagonal().cwiseAbs().maxCoeff());
    while (llt.info() != Eigen::Success) {
      if (jitter > 1e6) throw std::runtime_error("state sweep: precision is not positive definite");
      llt.compute(precision + jitter * identity);
      jitter *= 10.0;
    }
    return llt;
  };
  auto logDet = [](const Eigen::LLT<Eigen::MatrixXd>& llt) {
    return 2.0 * llt.matrixLLT().diagonal().array().log().sum();
  };
  struct StateTerms {
    bool ready = false;
    Eigen::MatrixXd Qinv, B, BA;
    double logDetQ = 0.0;
  };
  std::vector<StateTerms> terms(dynamics.A.size());
  auto termsOf = [&](std::size_t s) -> const StateTerms& {
    StateTerms& out = terms[s];
    if (!out.ready) {
      const Eigen::LLT<Eigen::MatrixXd> q = factorOf(dynamics.Q[s]);
      out.logDetQ = logDet(q);
      out.Qinv = symmetric(q.solve(identity));
      out.B = dynamics.A[s].transpose() * out.Qinv;
      out.BA = symmetric(out.B * dynamics.A[s]);
      out.ready = true;
    }
    return out;
  };
  // Forward messages. From the filtered message of bin t−1, (Λ, g), through
  // state l the predicted message of bin t is exp(−½ xᵀY x + yᵀx + k) times
  // |Q_l|^−½ |Λ̃|^−½ with Λ̃ = Λ + B A = L Lᵀ, W = L⁻¹B, Y = Q⁻¹ − WᵀW,
  // v = Wᵀ L⁻¹ g, y = Y b + v, k = ½‖L⁻¹g‖² − ½ bᵀY b − bᵀv (logScale holds
  // the log of that factor and k). The filtered message of bin t is then
  // (Y + J_t, y + h_t).
  struct Predicted {
    Eigen::MatrixXd Y;
    Eigen::VectorXd y;
    double logScale = 0.0;
  };
  auto predict = [&](const Eigen::MatrixXd& precision, const Eigen::VectorXd& g, std::size_t l,
                     bool withScale, Predicted& out) {
    const StateTerms& st = termsOf(l);
    const Eigen::LLT<Eigen::MatrixXd> factor = factorOf(precision + st.BA);
    Eigen::MatrixXd W = st.B;
    factor.matrixL().solveInPlace(W);
    out.Y = st.Qinv;
    out.Y.selfadjointView<Eigen::Lower>().rankUpdate(W.transpose(), -1.0);
    out.Y.triangularView<Eigen::StrictlyUpper>() = out.Y.transpose();
    const Eigen::VectorXd whitened = factor.matrixL().solve(g);
    const Eigen::VectorXd v = W.transpose() * whitened;
    const auto& b = dynamics.b[l];
    out.y = out.Y * b + v;
    if (withScale)
      out.logScale = -0.5 * st.logDetQ - 0.5 * logDet(factor) + 0.5 * whitened.squaredNorm() -
                     0.5 * b.dot(out.Y * b) - b.dot(v);
  };
  // Backward messages: β_t(x) ∝ exp(−½ xᵀΩ_t x + w_tᵀx) = p(observations of
  // bins ≥ t | x_t). Through the state l of bin t+1, with M = Q⁻¹ + Ω_{t+1} =
  // L Lᵀ, V = L⁻¹Q⁻¹, S = Q⁻¹ − VᵀV, r = Vᵀ L⁻¹ w_{t+1}: Ω_t = J_t + AᵀSA,
  // w_t = h_t + Aᵀ(r − S b). (The dropped normalisers depend on the states
  // after t only, so they are common to every candidate of a bin ≤ t.)
  auto retreat = [&](const Eigen::MatrixXd& omegaNext, const Eigen::VectorXd& wNext, std::size_t l,
                     Eigen::Index t, Eigen::MatrixXd& omegaOut, Eigen::VectorXd& wOut) {
    const StateTerms& st = termsOf(l);
    const Eigen::LLT<Eigen::MatrixXd> L = factorOf(st.Qinv + omegaNext);
    Eigen::MatrixXd V = st.Qinv;
    L.matrixL().solveInPlace(V);
    Eigen::MatrixXd S = st.Qinv;
    S.selfadjointView<Eigen::Lower>().rankUpdate(V.transpose(), -1.0);
    S.triangularView<Eigen::StrictlyUpper>() = S.transpose();
    const Eigen::VectorXd r = V.transpose() * L.matrixL().solve(wNext);
    const auto& A = dynamics.A[l];
    omegaOut = symmetric(A.transpose() * (S * A)) + observations.information[t];
    wOut = A.transpose() * (r - S * dynamics.b[l]) + observations.informationVector.col(t);
  };
  const auto L = static_cast<int>(dynamics.A.size());
  std::vector<char> present(static_cast<std::size_t>(L));
  // The states bin t may take: the Gibbs step's set, a function of s_−t.
  auto candidatesAt = [&](Eigen::Index t, std::vector<int>& candidates) {
    std::fill(present.begin(), present.end(), 0);
    for (Eigen::Index u = std::max<Eigen::Index>(0, t - window);
         u <= std::min<Eigen::Index>(bins - 1, t + window); ++u)
      if (u != t) present[static_cast<std::size_t>(states[static_cast<std::size_t>(u)])] = 1;
    const int current = states[static_cast<std::size_t>(t)];
    candidates.clear();
    int distinct = 0;
    for (int l = 0; l < L; ++l) distinct += present[l];
    if (window < 0) {
      for (int l = 0; l < L; ++l) candidates.push_back(l);
    } else if (distinct >= 2 && present[static_cast<std::size_t>(current)]) {
      for (int l = 0; l < L; ++l)
        if (present[l]) candidates.push_back(l);
    } else {
      candidates.push_back(current);
    }
  };
  // p(s_t = l | s_−t, observations) ∝ π(s_{t−1}, l) π(l, s_{t+1}) ∫ α_{t−1}
  // p_l(x_t | x_{t−1}) β_t: the predicted message joined with β_t integrates
  // to |Y + Ω_t|^−½ exp(½ (y + w)ᵀ(Y + Ω_t)⁻¹(y + w)).
  auto logWeightOf = [&](const Predicted& predicted, const Eigen::MatrixXd& omegaT,
                         const Eigen::VectorXd& wT, Eigen::Index t, int l) {
    const Eigen::LLT<Eigen::MatrixXd> joined = factorOf(predicted.Y + omegaT);
    const Eigen::VectorXd half = joined.matrixL().solve(predicted.y + wT);
    double logWeight = predicted.logScale - 0.5 * logDet(joined) + 0.5 * half.squaredNorm();
    logWeight += std::log(transition(states[static_cast<std::size_t>(t - 1)], l));
    if (t + 1 < bins) logWeight += std::log(transition(l, states[static_cast<std::size_t>(t + 1)]));
    return logWeight;
  };
  auto pick = [&](const std::vector<double>& logWeights) {
    const double top = *std::max_element(logWeights.begin(), logWeights.end());
    double sum = 0.0;
    for (const double lw : logWeights) sum += std::exp(lw - top);
    double u = rng.uniform() * sum;
    for (std::size_t c = 0; c < logWeights.size(); ++c) {
      u -= std::exp(logWeights[c] - top);
      if (u < 0.0) return c;
    }
    return logWeights.size() - 1;
  };
  std::vector<int> candidates;
  std::vector<double> logWeights;
  std::vector<Predicted> predicted;
  int changed = 0;
  Eigen::MatrixXd precision;
  Eigen::VectorXd g;
  {
    const Eigen::LLT<Eigen::MatrixXd> p0 = factorOf(P0);
    precision = symmetric(p0.solve(identity)) + observations.information[0];
    g = p0.solve(m0) + observations.informationVector.col(0);
  }
  if (direction == SweepDirection::Forward) {
    // β_t of the current sequence for every t ≥ 1, then t = 1 … T−1 in turn,
    // the forward message following the states drawn.
    std::vector<Eigen::MatrixXd> omega(static_cast<std::size_t>(bins));
    std::vector<Eigen::VectorXd> w(static_cast<std::size_t>(bins));
    omega[static_cast<std::size_t>(bins - 1)] = observations.information[bins - 1];
    w[static_cast<std::size_t>(bins - 1)] = observations.informationVector.col(bins - 1);
    for (Eigen::Index t = bins - 2; t >= 1; --t)
      retreat(omega[t + 1], w[t + 1], static_cast<std::size_t>(states[t + 1]), t, omega[t], w[t]);
    for (Eigen::Index t = 1; t < bins; ++t) {
      candidatesAt(t, candidates);
      const int current = states[static_cast<std::size_t>(t)];
      predicted.resize(candidates.size());
      logWeights.assign(candidates.size(), 0.0);
      std::size_t chosen = 0;
      if (candidates.size() == 1) {
        predict(precision, g, static_cast<std::size_t>(current), false, predicted[0]);
      } else {
        for (std::size_t c = 0; c < candidates.size(); ++c) {
          predict(precision, g, static_cast<std::size_t>(candidates[c]), true, predicted[c]);
          logWeights[c] = logWeightOf(predicted[c], omega[t], w[t], t, candidates[c]);
        }
        chosen = pick(logWeights);
      }
      if (candidates[chosen] != current) {
        states[static_cast<std::size_t>(t)] = candidates[chosen];
        ++changed;
      }
      precision = predicted[chosen].Y + observations.information[static_cast<std::size_t>(t)];
      g = predicted[chosen].y + observations.informationVector.col(t);
    }
    return changed;
  }
  // Backward: the filtered messages α_t of the current sequence for t ≤ T−2,
  // then t = T−1 … 1 in turn, the backward message following the states
  // drawn. A change point can so move left by many bins in one sweep, as
  // the forward sweep moves it right.
  std::vector<Eigen::MatrixXd> filteredPrecision(static_cast<std::size_t>(bins - 1));
  std::vector<Eigen::VectorXd> filteredVector(static_cast<std::size_t>(bins - 1));
  filteredPrecision[0] = precision;
  filteredVector[0] = g;
  Predicted step;
  for (Eigen::Index t = 1; t + 1 < bins; ++t) {
    predict(filteredPrecision[t - 1], filteredVector[t - 1], static_cast<std::size_t>(states[t]),
            false, step);
    filteredPrecision[t] = step.Y + observations.information[static_cast<std::size_t>(t)];
    filteredVector[t] = step.y + observations.informationVector.col(t);
  }
  Eigen::MatrixXd omegaT = observations.information[bins - 1];
  Eigen::VectorXd wT = observations.informationVector.col(bins - 1);
  Eigen::MatrixXd omegaPrevious;
  Eigen::VectorXd wPrevious;
  for (Eigen::Index t = bins - 1; t >= 1; --t) {
    candidatesAt(t, candidates);
    const int current = states[static_cast<std::size_t>(t)];
    std::size_t chosen = 0;
    if (candidates.size() > 1) {
      predicted.resize(candidates.size());
      logWeights.assign(candidates.size(), 0.0);
      for (std::size_t c = 0; c < candidates.size(); ++c) {
        predict(filteredPrecision[t - 1], filteredVector[t - 1],
                static_cast<std::size_t>(candidates[c]), true, predicted[c]);
        logWeights[c] = logWeightOf(predicted[c], omegaT, wT, t, candidates[c]);
      }
      chosen = pick(logWeights);
    }
    if (candidates[chosen] != current) {
      states[static_cast<std::size_t>(t)] = candidates[chosen];
      ++changed;
    }
    if (t > 1) {
      retreat(omegaT, wT, static_cast<std::size_t>(states[static_cast<std::size_t>(t)]), t - 1,
              omegaPrevious, wPrevious);
      std::swap(omegaT, omegaPrevious);
      std::swap(wT, wPrevious);
    }
  }
  return changed;
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
