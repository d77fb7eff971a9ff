#include "analysis/connectome/NtfFactorization.h"

#include "analysis/connectome/NtfKernels.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <numeric>
#include <stdexcept>

#include "analysis/biclustering/Clustering.h"
#include "analysis/linalg/Linalg.h"
#include "analysis/rsa/Parallel.h"
#include "analysis/rsa/Random.h"

namespace nl::analysis::connectome {

namespace {

using Matrix = Eigen::MatrixXd;
using ConstMap = Eigen::Map<const Matrix, 0, Eigen::OuterStride<>>;

// Rows of the (I·J) × K unfolding per panel of X·C, and columns (k) per
// panel of Xᵀ·KR: fixed, so sums never depend on the thread count.
constexpr std::size_t kRowPanel = 256;
constexpr std::size_t kColumnPanel = 1024;
// Below this many entries a tensor is processed on the calling thread.
constexpr std::size_t kParallelEntries = std::size_t{1} << 18;

// R × R Hadamard product of the Gram matrices of the two modes other than `mode`.
Matrix otherGrams(const std::array<Matrix, 3>& grams, int mode) {
  const int a = mode == 0 ? 1 : 0;
  const int b = mode == 2 ? 1 : 2;
  return grams[static_cast<std::size_t>(a)].cwiseProduct(grams[static_cast<std::size_t>(b)]);
}

// tensortools' _hals_update: three passes over the columns,
// U[:, p] = max(0, (M[:, p] − U[:, ≠p] G[≠p, p]) / max(G[p, p], 1e-6));
// rank 1: U = max(0, M / G[0, 0]).
void halsUpdate(Matrix& u, const Matrix& g, const Matrix& m) {
  const Eigen::Index rank = u.cols();
  const Eigen::Index n = u.rows();
  if (rank == 1) {
    u = (m.array() / g(0, 0)).max(0.0).matrix();
    return;
  }
  Eigen::VectorXd cp(n);
  for (int pass = 0; pass < 3; ++pass)
    for (Eigen::Index p = 0; p < rank; ++p) {
      cp.setZero();
      for (Eigen::Index q = 0; q < rank; ++q)
        if (q != p) cp.noalias() += g(q, p) * u.col(q);
      const double scale = std::max(g(p, p), 1e-6);
      u.col(p) = ((m.col(p) - cp).array() / scale).max(0.0).matrix();
    }
}

// Largest eigenvalue of a symmetric positive semi-definite matrix (its 2-norm).
double spectralNorm(const Matrix& g) {
  Eigen::SelfAdjointEigenSolver<Matrix> solver(g, Eigen::EigenvaluesOnly);
  return solver.eigenvalues().cwiseAbs().maxCoeff();
}

// Watches for cancellation between sweeps.
void checkStop(const NtfOptions& options, Progress* progress) {
  if (options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed))
    throw Cancelled();
  if (progress != nullptr) progress->checkCancel();
}

// The tensor a fit reads: X itself, or a copy whose missing entries carry the
// current imputation (expectation-maximisation, as tensortools' ncp_hals with
// a mask: after every mode's update the missing entries take the model's values).
class Engine {
 public:
  Engine(const Tensor3& x, int threads, bool allowStreaming)
      : x_(x),
        i_(x.dim(0)),
        j_(x.dim(1)),
        k_(x.dim(2)),
        threads_(x.size() < kParallelEntries ? 1 : rsa::resolveThreadCount(threads)) {
    if (x.hasMissing()) {
      filled_ = x.values();
      const double mean = x.observedMean();
      for (const auto n : x.missing()) filled_[n] = mean;
      data_ = filled_.data();
    } else {
      data_ = x.data();
    }
    observedSquaredNorm_ = x.observedSquaredNorm();
    streaming_ = allowStreaming && streamingKernelsAvailable() && x.size() >= kParallelEntries;
  }

  double observedNorm() const { return std::sqrt(observedSquaredNorm_); }
  bool masked() const { return x_.hasMissing(); }

  // Matricized tensor times Khatri–Rao product of the other two modes,
  // unfold(X, mode) · khatri_rao([others in order]), dim(mode) × R. Call in
  // the order 0, 1, 2 within a sweep: modes 0 and 1 share Y = X ×₃ C.
  void mttkrp(int mode, const NtfFactors& f, Matrix& out) {
    const auto rank = f.modes[0].cols();
    const auto I = static_cast<Eigen::Index>(i_), J = static_cast<Eigen::Index>(j_);
    if (mode == 0) {
      computeY(f.modes[2]);
      const Matrix& b = f.modes[1];
      out.resize(I, rank);
      for (Eigen::Index r = 0; r < rank; ++r)
        for (Eigen::Index i = 0; i < I; ++i) out(i, r) = y_.col(r).segment(i * J, J).dot(b.col(r));
    } else if (mode == 1) {
      const Matrix& a = f.modes[0];
      out = Matrix::Zero(J, rank);
      for (Eigen::Index r = 0; r < rank; ++r)
        for (Eigen::Index i = 0; i < I; ++i) out.col(r) += a(i, r) * y_.col(r).segment(i * J, J);
    } else {
      // Xᵀ (K × IJ) · KR (IJ × R) with KR(i·J + j, r) = A(i, r) B(j, r).
      const Matrix& a = f.modes[0];
      const Matrix& b = f.modes[1];
      out.resize(static_cast<Eigen::Index>(k_), rank);
      const std::size_t panels = (k_ + kColumnPanel - 1) / kColumnPanel;
      if (streaming_) {
        krRows_.resize(I * J, rank);
        for (Eigen::Index i = 0; i < I; ++i)
          for (Eigen::Index j = 0; j < J; ++j)
            krRows_.row(i * J + j) = a.row(i).cwiseProduct(b.row(j));
        forPanels(panels, [&](std::size_t p) {
          const std::size_t k0 = p * kColumnPanel;
          columnsTimesFactor(data_, i_ * j_, k_, k0, std::min(kColumnPanel, k_ - k0),
                             krRows_.data(), rank, out.data() + static_cast<Eigen::Index>(k0),
                             out.outerStride());
        });
        return;
      }
      kr_.resize(I * J, rank);
      for (Eigen::Index r = 0; r < rank; ++r)
        for (Eigen::Index i = 0; i < I; ++i) kr_.col(r).segment(i * J, J) = a(i, r) * b.col(r);
      // As column-major, X is the K × IJ matrix with leading dimension K.
      forPanels(panels, [&](std::size_t p) {
        const std::size_t k0 = p * kColumnPanel;
        const auto width = static_cast<Eigen::Index>(std::min(kColumnPanel, k_ - k0));
        const ConstMap xs(data_ + k0, width, I * J,
                          Eigen::OuterStride<>(static_cast<Eigen::Index>(k_)));
        linalg::gemm(xs, false, kr_, false, out.middleRows(static_cast<Eigen::Index>(k0), width));
      });
    }
  }

  // After `mode`'s factor changed: the missing entries take the model's
  // values. Returns Σ (old − new)² over them; oldSquared receives Σ old².
  double impute(int mode, const NtfFactors& f, double* oldSquared = nullptr) {
    const Matrix& a = f.modes[0];
    const Matrix& b = f.modes[1];
    const Matrix& c = f.modes[2];
    const auto rank = a.cols();
    double change = 0.0, old2 = 0.0;
    for (const auto n : x_.missing()) {
      const auto k = static_cast<Eigen::Index>(n % k_);
      const auto j = static_cast<Eigen::Index>((n / k_) % j_);
      const auto i = static_cast<Eigen::Index>(n / (j_ * k_));
      double pred = 0.0;
      for (Eigen::Index r = 0; r < rank; ++r) pred += a(i, r) * b(j, r) * c(k, r);
      const double old = filled_[n];
      const double delta = pred - old;
      change += delta * delta;
      old2 += old * old;
      filled_[n] = pred;
      // Mode 1 reuses Y = X ×₃ C: keep it in step with the new values.
      if (mode == 0)
        for (Eigen::Index r = 0; r < rank; ++r)
          y_(i * static_cast<Eigen::Index>(j_) + j, r) += delta * c(k, r);
    }
    if (oldSquared != nullptr) *oldSquared = old2;
    return change;
  }

 private:
  template <typename Body>
  void forPanels(std::size_t panels, const Body& body) {
    if (threads_ <= 1 || panels <= 1) {
      for (std::size_t p = 0; p < panels; ++p) body(p);
      return;
    }
    NullProgress quiet;
    rsa::parallelFor(panels, threads_, body, quiet, std::string());
  }

  // Y = X_(IJ × K) · C, (I·J) × R.
  void computeY(const Matrix& c) {
    const auto rows = static_cast<Eigen::Index>(i_ * j_);
    y_.resize(rows, c.cols());
    const std::size_t panels = (i_ * j_ + kRowPanel - 1) / kRowPanel;
    if (streaming_) packForRows(c.data(), k_, c.cols(), packed_);
    forPanels(panels, [&](std::size_t p) {
      const std::size_t r0 = p * kRowPanel;
      const auto height = static_cast<Eigen::Index>(std::min(kRowPanel, i_ * j_ - r0));
      if (streaming_) {
        rowsTimesFactor(data_ + r0 * k_, static_cast<std::size_t>(height), k_, packed_.data(),
                        c.cols(), y_.data() + static_cast<Eigen::Index>(r0), y_.outerStride());
        return;
      }
      // Rows r0 … of the row-major unfolding = columns of the K × IJ column-major matrix.
      const ConstMap xs(data_ + r0 * k_, static_cast<Eigen::Index>(k_), height,
                        Eigen::OuterStride<>(static_cast<Eigen::Index>(k_)));
      linalg::gemm(xs, true, c, false, y_.middleRows(static_cast<Eigen::Index>(r0), height));
    });
  }

  const Tensor3& x_;
  std::size_t i_, j_, k_;
  int threads_;
  std::vector<double> filled_;
  const double* data_ = nullptr;
  double observedSquaredNorm_ = 0.0;
  Matrix y_, kr_;
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> krRows_;
  std::vector<double> packed_;
  // The tensor's two passes through NtfKernels (one read of each entry)
  // instead of BLAS, where the CPU has them and the tensor is large enough
  // for the difference to matter.
  bool streaming_ = false;
};

void checkFactors(const Tensor3& x, const NtfFactors& f, int rank) {
  for (int m = 0; m < 3; ++m) {
    const auto& u = f.modes[static_cast<std::size_t>(m)];
    if (u.rows() != static_cast<Eigen::Index>(x.dim(m)) || u.cols() != rank)
      throw std::invalid_argument("initial factors of mode " + std::to_string(m) + " are " +
                                  std::to_string(u.rows()) + " × " + std::to_string(u.cols()) +
                                  ", the tensor needs " + std::to_string(x.dim(m)) + " × " +
                                  std::to_string(rank));
    if (!u.allFinite())
      throw std::invalid_argument("initial factors of mode " + std::to_string(m) +
                                  " are not all finite");
    if ((u.array() < 0.0).any())
      throw std::invalid_argument("initial factors of mode " + std::to_string(m) +
                                  " have negative entries");
  }
}

}  // namespace

NtfMethod parseNtfMethod(const std::string& name) {
  if (name == "hals") return NtfMethod::Hals;
  if (name == "bcd") return NtfMethod::Bcd;
  if (name == "mu") return NtfMethod::Multiplicative;
  throw std::invalid_argument("unknown factorization method '" + name + "' (hals, bcd or mu)");
}

std::string ntfMethodName(NtfMethod method) {
  switch (method) {
    case NtfMethod::Hals:
      return "hals";
    case NtfMethod::Bcd:
      return "bcd";
    case NtfMethod::Multiplicative:
      return "mu";
  }
  return "hals";
}

double modelNorm(const NtfFactors& f) {
  const Matrix g = (f.modes[0].transpose() * f.modes[0])
                       .cwiseProduct(f.modes[1].transpose() * f.modes[1])
                       .cwiseProduct(f.modes[2].transpose() * f.modes[2]);
  return std::sqrt(std::max(0.0, g.sum()));
}

void rebalance(NtfFactors& f) {
  const auto rank = f.modes[0].cols();
  for (Eigen::Index r = 0; r < rank; ++r) {
    double norms[3];
    double product = 1.0;
    for (int m = 0; m < 3; ++m) {
      norms[m] = f.modes[static_cast<std::size_t>(m)].col(r).norm();
      product *= norms[m];
    }
    if (!(product > 0.0)) continue;  // a zero component stays as it is
    const double lambda = std::cbrt(product);
    for (int m = 0; m < 3; ++m) f.modes[static_cast<std::size_t>(m)].col(r) *= lambda / norms[m];
  }
}

NtfFactors randomInitialFactors(const Tensor3& x, int rank, std::uint64_t seed,
                                std::uint64_t stream) {
  if (rank < 1) throw std::invalid_argument("the rank must be at least 1");
  rsa::Rng rng(seed, stream);
  NtfFactors f;
  for (int m = 0; m < 3; ++m) {
    auto& u = f.modes[static_cast<std::size_t>(m)];
    u.resize(static_cast<Eigen::Index>(x.dim(m)), rank);
    for (Eigen::Index i = 0; i < u.rows(); ++i)
      for (Eigen::Index r = 0; r < rank; ++r) u(i, r) = rng.uniform();
  }
  // ‖X‖ with missing entries at the observed mean (tensortools fills them before measuring).
  double norm2 = x.observedSquaredNorm();
  if (x.hasMissing()) {
    const double mean = x.observedMean();
    norm2 += static_cast<double>(x.missing().size()) * mean * mean;
  }
  const double model = modelNorm(f);
  if (model > 0.0 && norm2 > 0.0) f.modes[0] *= std::sqrt(norm2) / model;
  rebalance(f);
  return f;
}

NtfResult fitNtf(const Tensor3& x, const NtfOptions& options, const NtfFactors* initial,
                 Progress* progress) {
  if (x.size() == 0) throw std::invalid_argument("the tensor is empty");
  if (options.rank < 1) throw std::invalid_argument("the rank must be at least 1");
  if (options.maxSweeps < 1) throw std::invalid_argument("at least one sweep is needed");
  NtfResult result;
  if (initial != nullptr) {
    checkFactors(x, *initial, options.rank);
    result.factors = *initial;
  } else {
    result.factors = randomInitialFactors(x, options.rank, options.seed, options.stream);
  }
  Engine engine(x, options.threads, options.streamingKernels);
  const double normX = engine.observedNorm();
  if (!(normX > 0.0))
    throw std::invalid_argument("the tensor's observed entries are all zero: nothing to factorize");
  const double normX2 = normX * normX;
  auto& f = result.factors;
  if (initial != nullptr && options.imputeFromInitial && engine.masked()) engine.impute(1, f);
  std::array<Matrix, 3> grams;
  for (int m = 0; m < 3; ++m)
    grams[static_cast<std::size_t>(m)] =
        f.modes[static_cast<std::size_t>(m)].transpose() * f.modes[static_cast<std::size_t>(m)];

  // BCD state (tensortools' ncp_bcd): extrapolated factors, weights, Lipschitz constants.
  NtfFactors extrapolated = f, previous;
  double extraw = 1.0;
  double bcdObjective = 0.5 * normX2;
  std::array<double, 3> lipschitz{1.0, 1.0, 1.0};

  const std::string name = ntfMethodName(options.method);
  Matrix m, g;
  double previousObjective = std::numeric_limits<double>::infinity();
  for (int sweep = 0; sweep < options.maxSweeps; ++sweep) {
    checkStop(options, progress);
    if (options.method == NtfMethod::Bcd) previous = f;
    double missingOld2 = 0.0, missingChange = 0.0;
    for (int mode = 0; mode < 3; ++mode) {
      const auto sm = static_cast<std::size_t>(mode);
      g = otherGrams(grams, mode);
      engine.mttkrp(mode, f, m);
      auto& u = f.modes[sm];
      switch (options.method) {
        case NtfMethod::Hals:
          halsUpdate(u, g, m);
          break;
        case NtfMethod::Bcd: {
          // Projected gradient step from the extrapolated point, step 1 / L.
          lipschitz[sm] = spectralNorm(g);
          const Matrix& um = extrapolated.modes[sm];
          u = (um - (um * g - m) / lipschitz[sm]).cwiseMax(0.0);
          break;
        }
        case NtfMethod::Multiplicative: {
          const Matrix denominator = u * g;
          u = u.cwiseProduct(m).cwiseQuotient((denominator.array() + 1e-12).matrix());
          break;
        }
      }
      grams[sm] = u.transpose() * u;
      if (engine.masked()) {
        double old2 = 0.0;
        const double change = engine.impute(mode, f, &old2);
        if (mode == 2) {
          missingOld2 = old2;
          missingChange = change;
        }
      }
    }
    // ‖X − X̂‖² = ‖X̂‖² − 2⟨X, X̂⟩ + ‖X‖² from the last mode's Grams and MTTKRP
    // (no reconstruction). With missing entries, X is the filled tensor the
    // last MTTKRP read; the observed residual removes their part.
    const double fit = g.cwiseProduct(grams[2]).sum();
    const double cross = f.modes[2].cwiseProduct(m).sum();
    double residual2 = fit - 2.0 * cross + normX2;
    if (engine.masked()) residual2 += missingOld2 - missingChange;
    const double objective = std::sqrt(std::max(residual2, 0.0)) / normX;
    result.objective.push_back(objective);
    result.sweeps = sweep + 1;

    if (options.method == NtfMethod::Bcd) {
      // tensortools' correction and extrapolation. (There L0 aliases L, so
      // the weight bound sqrt(L0 / L) is 1 and the weight is (t_old − 1) / t.)
      const double bcdOld = bcdObjective;
      bcdObjective = 0.5 * residual2;
      const double extrawOld = extraw;
      extraw = (1.0 + std::sqrt(1.0 + 4.0 * extrawOld * extrawOld)) / 2.0;
      if (bcdObjective >= bcdOld) {
        extrapolated = previous;
      } else {
        const double w = std::min((extrawOld - 1.0) / extraw, 1.0);
        for (std::size_t mode = 0; mode < 3; ++mode)
          extrapolated.modes[mode] = f.modes[mode] + w * (f.modes[mode] - previous.modes[mode]);
      }
    }

    if (progress != nullptr)
      progress->update(static_cast<double>(sweep + 1) / options.maxSweeps,
                       name + " sweep " + std::to_string(sweep + 1) + ", objective " +
                           std::to_string(objective));
    const double improvement = previousObjective - objective;
    previousObjective = objective;
    if (options.tolerance > 0.0 && improvement < options.tolerance) {
      result.converged = true;
      break;
    }
  }
  return result;
}

Tensor3 reconstruct(const NtfFactors& f) {
  const auto I = static_cast<std::size_t>(f.modes[0].rows());
  const auto J = static_cast<std::size_t>(f.modes[1].rows());
  const auto K = static_cast<std::size_t>(f.modes[2].rows());
  Tensor3 out(I, J, K);
  const auto rank = f.modes[0].cols();
  std::vector<double> ab(static_cast<std::size_t>(rank));
  for (std::size_t i = 0; i < I; ++i)
    for (std::size_t j = 0; j < J; ++j) {
      for (Eigen::Index r = 0; r < rank; ++r)
        ab[static_cast<std::size_t>(r)] = f.modes[0](static_cast<Eigen::Index>(i), r) *
                                          f.modes[1](static_cast<Eigen::Index>(j), r);
      for (std::size_t k = 0; k < K; ++k) {
        double v = 0.0;
        for (Eigen::Index r = 0; r < rank; ++r)
          v += ab[static_cast<std::size_t>(r)] * f.modes[2](static_cast<Eigen::Index>(k), r);
        out(i, j, k) = v;
      }
    }
  return out;
}

Tensor3 imputed(const Tensor3& x, const NtfFactors& f) {
  Tensor3 out = x;
  const std::size_t J = x.dim(1), K = x.dim(2);
  const auto rank = f.modes[0].cols();
  for (const auto n : x.missing()) {
    const auto k = static_cast<Eigen::Index>(n % K);
    const auto j = static_cast<Eigen::Index>((n / K) % J);
    const auto i = static_cast<Eigen::Index>(n / (J * K));
    double pred = 0.0;
    for (Eigen::Index r = 0; r < rank; ++r)
      pred += f.modes[0](i, r) * f.modes[1](j, r) * f.modes[2](k, r);
    out.values()[n] = pred;
  }
  out.setMissing({});
  return out;
}

NormalisedFactors normalise(const NtfFactors& f) {
  const auto rank = f.modes[0].cols();
  Eigen::VectorXd weights = Eigen::VectorXd::Ones(rank);
  for (const auto& u : f.modes)
    for (Eigen::Index r = 0; r < rank; ++r) weights(r) *= u.col(r).norm();
  std::vector<Eigen::Index> order(static_cast<std::size_t>(rank));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](Eigen::Index a, Eigen::Index b) { return weights(a) > weights(b); });
  NormalisedFactors out;
  out.weights.resize(rank);
  for (std::size_t m = 0; m < 3; ++m) out.factors.modes[m].resize(f.modes[m].rows(), rank);
  for (Eigen::Index r = 0; r < rank; ++r) {
    const Eigen::Index from = order[static_cast<std::size_t>(r)];
    out.weights(r) = weights(from);
    for (std::size_t m = 0; m < 3; ++m) {
      const double norm = f.modes[m].col(from).norm();
      out.factors.modes[m].col(r) = norm > 0.0 ? Eigen::VectorXd(f.modes[m].col(from) / norm)
                                               : Eigen::VectorXd(f.modes[m].col(from));
    }
  }
  return out;
}

namespace {

// Mean over modes of |cos| between columns p of a and q of b (rows of the result: a's components).
Matrix similarityMatrix(const NtfFactors& a, const NtfFactors& b) {
  Matrix s = Matrix::Zero(a.rank(), b.rank());
  for (std::size_t m = 0; m < 3; ++m) {
    if (a.modes[m].rows() != b.modes[m].rows())
      throw std::invalid_argument(
          "factorMatchScore: the factors belong to tensors of different shapes");
    Matrix ua = a.modes[m], ub = b.modes[m];
    for (Eigen::Index r = 0; r < ua.cols(); ++r) {
      const double n = ua.col(r).norm();
      ua.col(r) = n > 0.0 ? Eigen::VectorXd(ua.col(r) / n) : Eigen::VectorXd::Zero(ua.rows());
    }
    for (Eigen::Index r = 0; r < ub.cols(); ++r) {
      const double n = ub.col(r).norm();
      ub.col(r) = n > 0.0 ? Eigen::VectorXd(ub.col(r) / n) : Eigen::VectorXd::Zero(ub.rows());
    }
    s += (ua.transpose() * ub).cwiseAbs();
  }
  return s / 3.0;
}

std::vector<int> bestAssignment(const Matrix& similarity) {
  const auto n = std::max(similarity.rows(), similarity.cols());
  Matrix cost = Matrix::Ones(n, n);
  cost.topLeftCorner(similarity.rows(), similarity.cols()) = (1.0 - similarity.array()).matrix();
  return biclustering::hungarian(cost);
}

}  // namespace

std::vector<int> matchComponents(const NtfFactors& a, const NtfFactors& b) {
  if (a.rank() != b.rank()) throw std::invalid_argument("matchComponents: the ranks differ");
  return bestAssignment(similarityMatrix(a, b));
}

double factorMatchScore(const NtfFactors& a, const NtfFactors& b) {
  const Matrix s = similarityMatrix(a, b);
  const auto assignment = bestAssignment(s);
  double sum = 0.0;
  const auto matched = std::min(s.rows(), s.cols());
  for (Eigen::Index r = 0; r < s.rows(); ++r) {
    const int c = assignment[static_cast<std::size_t>(r)];
    if (c < s.cols()) sum += s(r, c);
  }
  return matched > 0 ? sum / static_cast<double>(matched) : 0.0;
}

double coreConsistency(const Tensor3& xIn, const NtfFactors& f, int threads) {
  const Tensor3 filled = xIn.hasMissing() ? imputed(xIn, f) : Tensor3();
  const Tensor3& x = xIn.hasMissing() ? filled : xIn;
  const auto rank = f.modes[0].cols();
  const auto I = static_cast<Eigen::Index>(x.dim(0)), J = static_cast<Eigen::Index>(x.dim(1)),
             K = static_cast<Eigen::Index>(x.dim(2));
  auto pinv = [](const Matrix& u) -> Matrix {
    Eigen::CompleteOrthogonalDecomposition<Matrix> cod(u);
    return cod.pseudoInverse();  // R × n
  };
  const Matrix ap = pinv(f.modes[0]), bp = pinv(f.modes[1]), cp = pinv(f.modes[2]);
  // Y(i·J + j, t) = Σ_k X(i, j, k) C⁺(t, k): (IJ) × R.
  Matrix y(I * J, rank);
  const std::size_t panels = (static_cast<std::size_t>(I * J) + kRowPanel - 1) / kRowPanel;
  const Matrix cpt = cp.transpose();
  auto body = [&](std::size_t p) {
    const auto r0 = static_cast<Eigen::Index>(p * kRowPanel);
    const auto height = std::min<Eigen::Index>(static_cast<Eigen::Index>(kRowPanel), I * J - r0);
    const ConstMap xs(x.data() + r0 * K, K, height, Eigen::OuterStride<>(K));
    linalg::gemm(xs, true, cpt, false, y.middleRows(r0, height));
  };
  if (x.size() < kParallelEntries) {
    for (std::size_t p = 0; p < panels; ++p) body(p);
  } else {
    NullProgress quiet;
    rsa::parallelFor(panels, threads, body, quiet, std::string());
  }
  // Z(i, s, t) = Σ_j B⁺(s, j) Y(i·J + j, t), then G(q, s, t) = Σ_i A⁺(q, i) Z(i, s, t).
  std::vector<Matrix> z(static_cast<std::size_t>(I));
  for (Eigen::Index i = 0; i < I; ++i) z[static_cast<std::size_t>(i)] = bp * y.middleRows(i * J, J);
  double sum = 0.0;
  for (Eigen::Index q = 0; q < rank; ++q) {
    Matrix gq = Matrix::Zero(rank, rank);
    for (Eigen::Index i = 0; i < I; ++i) gq += ap(q, i) * z[static_cast<std::size_t>(i)];
    for (Eigen::Index s = 0; s < rank; ++s)
      for (Eigen::Index t = 0; t < rank; ++t) {
        const double target = (q == s && s == t) ? 1.0 : 0.0;
        sum += (gq(s, t) - target) * (gq(s, t) - target);
      }
  }
  return 100.0 * (1.0 - sum / static_cast<double>(rank));
}

RankSelection selectRank(const Tensor3& x, int rankMin, int rankMax, int restarts,
                         const NtfOptions& options, Progress& progress) {
  if (rankMin < 1 || rankMax < rankMin)
    throw std::invalid_argument("rank selection needs 1 ≤ rank_min ≤ rank_max (got " +
                                std::to_string(rankMin) + " … " + std::to_string(rankMax) + ")");
  if (restarts < 1) throw std::invalid_argument("rank selection needs at least one restart");
  const int ranks = rankMax - rankMin + 1;
  const auto count = static_cast<std::size_t>(ranks * restarts);
  std::vector<NtfResult> fits(count);
  std::vector<double> cores(count);
  std::atomic<bool> cancel{false};
  // Forwards progress and turns a cancel request into the flag the fits poll.
  class Watch final : public Progress {
   public:
    Watch(Progress& inner, std::atomic<bool>& flag) : inner_(inner), flag_(flag) {}
    void update(double fraction, const std::string& message) override {
      inner_.update(fraction, message);
    }
    bool cancelRequested() const override {
      const bool yes = inner_.cancelRequested();
      if (yes) flag_ = true;
      return yes;
    }

   private:
    Progress& inner_;
    std::atomic<bool>& flag_;
  } watch(progress, cancel);
  rsa::parallelFor(
      count, options.threads,
      [&](std::size_t item) {
        NtfOptions o = options;
        o.rank = rankMin + static_cast<int>(item) / restarts;
        o.stream = static_cast<std::uint64_t>(static_cast<int>(item) % restarts);
        o.threads = 1;
        o.cancel = &cancel;
        fits[item] = fitNtf(x, o);
        cores[item] = coreConsistency(x, fits[item].factors, 1);
      },
      watch,
      "rank selection: fitting ranks " + std::to_string(rankMin) + "–" + std::to_string(rankMax));
  RankSelection out;
  for (int r = 0; r < ranks; ++r) {
    std::size_t best = static_cast<std::size_t>(r * restarts);
    for (int s = 1; s < restarts; ++s) {
      const auto item = static_cast<std::size_t>(r * restarts + s);
      if (fits[item].objective.back() < fits[best].objective.back()) best = item;
    }
    for (int s = 0; s < restarts; ++s) {
      const auto item = static_cast<std::size_t>(r * restarts + s);
      RankSelectionRow row;
      row.rank = rankMin + r;
      row.restart = s;
      row.error = fits[item].objective.back();
      row.similarity = factorMatchScore(fits[item].factors, fits[best].factors);
      row.coreConsistency = cores[item];
      row.sweeps = fits[item].sweeps;
      row.converged = fits[item].converged;
      out.rows.push_back(row);
    }
    out.best.push_back(fits[best]);
  }
  return out;
}

}  // namespace nl::analysis::connectome
