#pragma once
// Non-negative CP (PARAFAC) decomposition of a 3-D tensor, X ≈ Σ_r a_r ∘ b_r ∘ c_r,
// as tensortools fits it (Williams et al. 2018): HALS (`ncp_hals`, Cichocki &
// Phan 2009), block coordinate descent with extrapolation (`ncp_bcd`, Xu &
// Yin 2013) and Lee–Seung multiplicative updates. docs/CONNECTOME.md
// ("Non-negative tensor factorization") describes the steps, the masking and
// where we differ from tensortools.
//
// The tensor is read in place (row-major {I, J, K}); the matricized-tensor
// times Khatri–Rao products run as two OpenBLAS passes over it per sweep
// (X·C for modes 0 and 1, Xᵀ·(A ⊙ B) for mode 2), in fixed panels, so the
// numbers do not depend on the thread count.
#include <Eigen/Core>
#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/Progress.h"
#include "analysis/connectome/TensorData.h"

namespace nl::analysis::connectome {

enum class NtfMethod { Hals, Bcd, Multiplicative };
// "hals", "bcd", "mu"; throws std::invalid_argument otherwise.
NtfMethod parseNtfMethod(const std::string& name);
std::string ntfMethodName(NtfMethod method);

// One factor matrix per mode, dim(mode) × rank, column r is component r.
struct NtfFactors {
  std::array<Eigen::MatrixXd, 3> modes;
  int rank() const { return static_cast<int>(modes[0].cols()); }
};

struct NtfOptions {
  int rank = 1;
  NtfMethod method = NtfMethod::Hals;
  int maxSweeps = 500;      // at most this many sweeps (each updates modes 0, 1, 2 once)
  double tolerance = 1e-5;  // stop once objective(s−1) − objective(s) < tolerance; ≤ 0: never
  std::uint64_t seed = 0;   // random initial factors: stream `stream` of this seed
  std::uint64_t stream = 0;
  int threads = 0;  // ≤ 0: the app's setting (io::workerThreadCount()); results do not depend on it
  // With initial factors: missing entries start at the initial model's
  // values, so a fit continued from its factors goes on exactly as if it had
  // not stopped. Off (tensortools): they start at the observed mean.
  bool imputeFromInitial = false;
  // The two passes over the tensor in a sweep go through the streaming
  // kernels (NtfKernels.h) where the CPU has them and the tensor has at least
  // 2^18 entries; false: through BLAS always (the same sums in another order,
  // for comparisons).
  bool streamingKernels = true;
  // Polled once per sweep when set (for fits running on worker threads):
  // true throws Cancelled.
  const std::atomic<bool>* cancel = nullptr;
};

struct NtfResult {
  NtfFactors factors;
  std::vector<double> objective;  // ‖X − X̂‖ / ‖X‖ (observed entries) after each sweep
  int sweeps = 0;
  bool converged = false;  // stopped by the tolerance (not by maxSweeps)
};

// tensortools' rand_ktensor: entries uniform in [0, 1) (mode 0, 1, 2, each
// row-major, from analysis::rsa::Rng(seed, stream)), mode 0 scaled so the
// model's norm equals ‖X‖ (missing entries filled by the observed mean, as
// tensortools does), then rebalanced.
NtfFactors randomInitialFactors(const Tensor3& x, int rank, std::uint64_t seed,
                                std::uint64_t stream);
// Scales the columns so that component r has the same norm in every mode
// (the geometric mean of its three norms); the model is unchanged.
void rebalance(NtfFactors& factors);
// ‖X̂‖ from the Gram matrices.
double modelNorm(const NtfFactors& factors);

// Fits from `initial` (checked against the tensor's shape and options.rank)
// or, when null, from randomInitialFactors(x, rank, seed, stream).
// `progress` is told the sweep and objective and polled for cancellation
// between sweeps; pass nullptr from worker threads (use options.cancel).
NtfResult fitNtf(const Tensor3& x, const NtfOptions& options, const NtfFactors* initial = nullptr,
                 Progress* progress = nullptr);

// The model's value at every entry (a full reconstruction, for tests and
// small tensors).
Tensor3 reconstruct(const NtfFactors& factors);
// X with its missing entries replaced by the model's values.
Tensor3 imputed(const Tensor3& x, const NtfFactors& factors);

// Unit-norm columns in every mode and the weight λ_r = product of the three
// column norms, components sorted by decreasing weight.
struct NormalisedFactors {
  NtfFactors factors;
  Eigen::VectorXd weights;
};
NormalisedFactors normalise(const NtfFactors& factors);

// tensortools' kruskal_align score: the mean over modes of |cos| between
// matched columns, averaged over the components, under the permutation that
// maximises it (Hungarian algorithm). 1 = the same components up to scale and
// order. When the ranks differ, the mean is over the smaller rank's
// components (each matched to a distinct one of the other). A zero column
// has similarity 0 to everything.
double factorMatchScore(const NtfFactors& a, const NtfFactors& b);
// The permutation behind factorMatchScore: component of `b` matched to each
// component of `a` (same rank only).
std::vector<int> matchComponents(const NtfFactors& a, const NtfFactors& b);

// Core consistency diagnostic (CORCONDIA, Bro & Kiers 2003): the Tucker
// core G = X ×₁ A⁺ ×₂ B⁺ ×₃ C⁺ of the fitted factors against the
// superdiagonal identity T, 100 · (1 − ‖G − T‖² / R). 100 for an ideal
// trilinear model; low or negative values flag too many components.
// Missing entries take the model's values.
double coreConsistency(const Tensor3& x, const NtfFactors& factors, int threads = 0);

// Rank selection: for every rank in [rankMin, rankMax] and restart s in
// [0, restarts), a fit from stream s of options.seed. Fits run in parallel
// (one thread each); the numbers do not depend on the thread count.
struct RankSelectionRow {
  int rank = 0;
  int restart = 0;
  double error = 0.0;       // final objective
  double similarity = 0.0;  // factorMatchScore to the best (lowest-error) restart of this rank
  double coreConsistency = 0.0;
  int sweeps = 0;
  bool converged = false;
};
struct RankSelection {
  std::vector<RankSelectionRow> rows;  // by rank, then restart
  std::vector<NtfResult> best;         // the lowest-error fit of each rank, rankMin first
};
RankSelection selectRank(const Tensor3& x, int rankMin, int rankMax, int restarts,
                         const NtfOptions& options, Progress& progress);

}  // namespace nl::analysis::connectome
