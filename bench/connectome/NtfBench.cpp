// HALS sweeps per second on a generated rank-R tensor (default the issue's
// 2,000 × 10 × 10,000, rank 10), printed as one JSON line; run_ntf.sh runs
// it beside the NumPy peer (ntf_hals_numpy.py bench) and prints the ratio.
//   neuroloupe_bench_connectome_ntf [I J K RANK SWEEPS THREADS [METHOD [blas]]]
// `blas`: the tensor's two passes through BLAS instead of the streaming kernels.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "analysis/connectome/NtfFactorization.h"
#include "analysis/connectome/NtfKernels.h"
#include "analysis/linalg/Linalg.h"
#include "analysis/rsa/Random.h"

namespace cn = nl::analysis::connectome;

int main(int argc, char** argv) {
  std::size_t dims[3] = {2000, 10, 10000};
  int rank = 10, sweeps = 5, threads = 0;
  std::string method = "hals";
  if (argc >= 7) {
    for (int m = 0; m < 3; ++m) dims[m] = std::strtoul(argv[1 + m], nullptr, 10);
    rank = std::atoi(argv[4]);
    sweeps = std::atoi(argv[5]);
    threads = std::atoi(argv[6]);
    if (argc >= 8) method = argv[7];
  }
  const bool blas = argc >= 9 && std::string(argv[8]) == "blas";
  const auto t0 = std::chrono::steady_clock::now();
  // X = Σ_r a_r ∘ b_r ∘ c_r + 0.1 · U[0, 1): as the K × IJ column-major
  // matrix, C · KR(A, B)ᵀ.
  nl::analysis::rsa::Rng rng(1, 0);
  Eigen::MatrixXd f[3];
  for (int m = 0; m < 3; ++m) {
    f[m].resize(static_cast<Eigen::Index>(dims[m]), rank);
    for (Eigen::Index i = 0; i < f[m].rows(); ++i)
      for (Eigen::Index r = 0; r < rank; ++r) f[m](i, r) = rng.uniform();
  }
  const auto IJ = static_cast<Eigen::Index>(dims[0] * dims[1]);
  Eigen::MatrixXd kr(IJ, rank);
  for (Eigen::Index r = 0; r < rank; ++r)
    for (Eigen::Index i = 0; i < f[0].rows(); ++i)
      kr.col(r).segment(i * f[1].rows(), f[1].rows()) = f[0](i, r) * f[1].col(r);
  cn::Tensor3 x(dims[0], dims[1], dims[2]);
  Eigen::Map<Eigen::MatrixXd> xs(x.data(), static_cast<Eigen::Index>(dims[2]), IJ);
  nl::analysis::linalg::gemm(f[2], false, kr, true, xs);
  for (auto& v : x.values()) v += 0.1 * rng.uniform();
  const double generate =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  cn::NtfOptions options;
  options.rank = rank;
  options.method = cn::parseNtfMethod(method);
  options.tolerance = 0.0;
  options.threads = threads;
  options.seed = 1;
  options.streamingKernels = !blas;
  auto init = cn::randomInitialFactors(x, rank, 1, 0);
  options.maxSweeps = 1;
  cn::fitNtf(x, options, &init);  // warm-up
  options.maxSweeps = sweeps;
  const auto t1 = std::chrono::steady_clock::now();
  const auto result = cn::fitNtf(x, options, &init);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  std::printf(
      "{\"implementation\": \"neuroloupe\", \"method\": \"%s\", \"shape\": [%zu, %zu, %zu], "
      "\"rank\": %d, \"threads\": %d, \"sweeps\": %d, \"seconds\": %.4f, "
      "\"sweeps_per_second\": %.4f, \"objective\": %.10g, \"generate_seconds\": %.2f, "
      "\"products\": \"%s\"}\n",
      method.c_str(), dims[0], dims[1], dims[2], rank, threads, result.sweeps, seconds,
      result.sweeps / seconds, result.objective.back(), generate,
      blas || !cn::streamingKernelsAvailable() ? "blas" : "streaming");
  return 0;
}
