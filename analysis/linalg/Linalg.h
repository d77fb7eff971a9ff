#pragma once
// Dense algebra through the system's optimized BLAS/LAPACK (Debian's
// OpenBLAS): the products the analyses spend their time in, for Eigen
// matrices. Eigen keeps its own kernels everywhere else (no EIGEN_USE_BLAS:
// it would have to be defined alike in every translation unit that shares
// Eigen types across our libraries and plugins).
//
// Threads. NeuroLoupe's one thread setting (io::workerThreadCount(),
// NEUROLOUPE_THREADS) decides how many worker threads run; OpenBLAS runs
// single-threaded inside each of them (openblas_set_num_threads(1), set on
// first use), so blocks of an analysis never oversubscribe the cores and
// results do not depend on the thread count. Functions taking `threads`
// split their work into fixed panels over that many workers (≤ 0: the
// setting); the rest are single calls for use inside a worker.
// docs/VOLUMES_IN_MEMORY.md ("Dense algebra") has the measurements.
#include <Eigen/Core>

namespace nl::analysis::linalg {

using Matrix = Eigen::MatrixXd;
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Makes sure OpenBLAS runs one thread per caller (idempotent, thread-safe).
void configureBlasThreads();
// The number of threads OpenBLAS reports using (1 after configureBlasThreads).
int blasThreads();

// c = alpha · op(a) · op(b) + beta · c (dgemm, one call, this thread).
// Sizes must agree (std::invalid_argument otherwise).
void gemm(const Eigen::Ref<const Matrix>& a, bool transposeA, const Eigen::Ref<const Matrix>& b,
          bool transposeB, Eigen::Ref<Matrix> c, double alpha = 1.0, double beta = 0.0);
void gemm(const Eigen::Ref<const RowMatrix>& a, bool transposeA,
          const Eigen::Ref<const RowMatrix>& b, bool transposeB, Eigen::Ref<RowMatrix> c,
          double alpha = 1.0, double beta = 0.0);

// The lower triangle of gram += alpha · a · aᵀ (dsyrk, one call, this thread);
// the strict upper triangle is left as it was.
void rankUpdateLower(const Eigen::Ref<const Matrix>& a, Eigen::Ref<Matrix> gram,
                     double alpha = 1.0);

// a · aᵀ (rows × rows, symmetric, both triangles filled): columns in fixed
// panels on `threads` workers, panels summed in order, so the result is the
// same for every thread count.
Matrix gram(const Eigen::Ref<const RowMatrix>& a, int threads = 0);

// a · b with b's columns in fixed panels on `threads` workers.
Matrix product(const Eigen::Ref<const Matrix>& a, const Eigen::Ref<const Matrix>& b,
               int threads = 0);

// The minimum-norm least-squares solution of x · beta ≈ y for every column
// of y (LAPACK dgelsd: SVD, singular values below rcond · σ_max treated as 0;
// rcond < 0: machine precision × max(rows, cols)). `rank` receives the
// effective rank. A rank-deficient x still solves.
Matrix leastSquares(const Eigen::Ref<const Matrix>& x, const Eigen::Ref<const Matrix>& y,
                    double rcond = -1.0, long* rank = nullptr);

}  // namespace nl::analysis::linalg
