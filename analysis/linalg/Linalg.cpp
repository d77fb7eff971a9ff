#include "analysis/linalg/Linalg.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "analysis/rsa/Parallel.h"

// OpenBLAS's own entry points (declared in its cblas.h, not in netlib's).
extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
}

namespace nl::analysis::linalg {

namespace {

// Columns per panel of gram() and product(): wide enough for the BLAS
// kernels to run at speed, narrow enough that a panel stays in cache.
constexpr Eigen::Index kPanelColumns = 4096;

int blasSize(Eigen::Index n) {
  return static_cast<int>(n);
}

void requireProduct(Eigen::Index aRows, Eigen::Index aCols, Eigen::Index bRows, Eigen::Index bCols,
                    Eigen::Index cRows, Eigen::Index cCols) {
  if (aCols != bRows || cRows != aRows || cCols != bCols)
    throw std::invalid_argument("gemm: (" + std::to_string(aRows) + " × " + std::to_string(aCols) +
                                ") · (" + std::to_string(bRows) + " × " + std::to_string(bCols) +
                                ") does not fit a " + std::to_string(cRows) + " × " +
                                std::to_string(cCols) + " result");
}

}  // namespace

void configureBlasThreads() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

int blasThreads() {
  return openblas_get_num_threads();
}

void gemm(const Eigen::Ref<const Matrix>& a, bool transposeA, const Eigen::Ref<const Matrix>& b,
          bool transposeB, Eigen::Ref<Matrix> c, double alpha, double beta) {
  configureBlasThreads();
  const Eigen::Index m = transposeA ? a.cols() : a.rows();
  const Eigen::Index k = transposeA ? a.rows() : a.cols();
  const Eigen::Index kb = transposeB ? b.cols() : b.rows();
  const Eigen::Index n = transposeB ? b.rows() : b.cols();
  requireProduct(m, k, kb, n, c.rows(), c.cols());
  if (m == 0 || n == 0) return;
  if (k == 0) {
    c *= beta;
    return;
  }
  cblas_dgemm(CblasColMajor, transposeA ? CblasTrans : CblasNoTrans,
              transposeB ? CblasTrans : CblasNoTrans, blasSize(m), blasSize(n), blasSize(k), alpha,
              a.data(), blasSize(std::max<Eigen::Index>(1, a.outerStride())), b.data(),
              blasSize(std::max<Eigen::Index>(1, b.outerStride())), beta, c.data(),
              blasSize(std::max<Eigen::Index>(1, c.outerStride())));
}

void gemm(const Eigen::Ref<const RowMatrix>& a, bool transposeA,
          const Eigen::Ref<const RowMatrix>& b, bool transposeB, Eigen::Ref<RowMatrix> c,
          double alpha, double beta) {
  configureBlasThreads();
  const Eigen::Index m = transposeA ? a.cols() : a.rows();
  const Eigen::Index k = transposeA ? a.rows() : a.cols();
  const Eigen::Index kb = transposeB ? b.cols() : b.rows();
  const Eigen::Index n = transposeB ? b.rows() : b.cols();
  requireProduct(m, k, kb, n, c.rows(), c.cols());
  if (m == 0 || n == 0) return;
  if (k == 0) {
    c *= beta;
    return;
  }
  cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
              transposeB ? CblasTrans : CblasNoTrans, blasSize(m), blasSize(n), blasSize(k), alpha,
              a.data(), blasSize(std::max<Eigen::Index>(1, a.outerStride())), b.data(),
              blasSize(std::max<Eigen::Index>(1, b.outerStride())), beta, c.data(),
              blasSize(std::max<Eigen::Index>(1, c.outerStride())));
}

void rankUpdateLower(const Eigen::Ref<const Matrix>& a, Eigen::Ref<Matrix> gram, double alpha) {
  configureBlasThreads();
  if (gram.rows() != a.rows() || gram.cols() != a.rows())
    throw std::invalid_argument("rankUpdateLower: a has " + std::to_string(a.rows()) +
                                " rows but the Gram matrix is " + std::to_string(gram.rows()) +
                                " × " + std::to_string(gram.cols()));
  if (a.rows() == 0 || a.cols() == 0) return;
  cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, blasSize(a.rows()), blasSize(a.cols()),
              alpha, a.data(), blasSize(std::max<Eigen::Index>(1, a.outerStride())), 1.0,
              gram.data(), blasSize(std::max<Eigen::Index>(1, gram.outerStride())));
}

Matrix gram(const Eigen::Ref<const RowMatrix>& a, int threads) {
  const Eigen::Index rows = a.rows();
  const Eigen::Index columns = a.cols();
  const auto panels = static_cast<std::size_t>((columns + kPanelColumns - 1) / kPanelColumns);
  std::vector<Matrix> partial(panels);
  NullProgress quiet;
  rsa::parallelFor(
      panels, threads,
      [&](std::size_t panel) {
        const Eigen::Index first = static_cast<Eigen::Index>(panel) * kPanelColumns;
        const Eigen::Index width = std::min(kPanelColumns, columns - first);
        const Matrix block = a.middleCols(first, width);  // column-major copy for dsyrk
        partial[panel] = Matrix::Zero(rows, rows);
        rankUpdateLower(block, partial[panel]);
      },
      quiet, "Gram matrix");
  Matrix out = Matrix::Zero(rows, rows);
  for (const auto& part : partial) out += part;  // in panel order: thread-count independent
  out.triangularView<Eigen::StrictlyUpper>() = out.transpose();
  return out;
}

Matrix product(const Eigen::Ref<const Matrix>& a, const Eigen::Ref<const Matrix>& b, int threads) {
  Matrix out(a.rows(), b.cols());
  requireProduct(a.rows(), a.cols(), b.rows(), b.cols(), out.rows(), out.cols());
  const auto panels = static_cast<std::size_t>((b.cols() + kPanelColumns - 1) / kPanelColumns);
  NullProgress quiet;
  rsa::parallelFor(
      panels, threads,
      [&](std::size_t panel) {
        const Eigen::Index first = static_cast<Eigen::Index>(panel) * kPanelColumns;
        const Eigen::Index width = std::min(kPanelColumns, b.cols() - first);
        gemm(a, false, b.middleCols(first, width), false, out.middleCols(first, width));
      },
      quiet, "matrix product");
  return out;
}

Matrix leastSquares(const Eigen::Ref<const Matrix>& x, const Eigen::Ref<const Matrix>& y,
                    double rcond, long* rank) {
  if (y.rows() != x.rows())
    throw std::invalid_argument("leastSquares: x has " + std::to_string(x.rows()) +
                                " rows but y has " + std::to_string(y.rows()));
  configureBlasThreads();
  const Eigen::Index m = x.rows(), n = x.cols(), columns = y.cols();
  Matrix work = x;  // dgelsd overwrites both
  Matrix rhs = Matrix::Zero(std::max(m, n), columns);
  rhs.topRows(m) = y;
  std::vector<double> singular(static_cast<std::size_t>(std::max<Eigen::Index>(1, std::min(m, n))));
  if (rcond < 0) rcond = Eigen::NumTraits<double>::epsilon() * static_cast<double>(std::max(m, n));
  lapack_int effectiveRank = 0;
  const lapack_int info =
      LAPACKE_dgelsd(LAPACK_COL_MAJOR, static_cast<lapack_int>(m), static_cast<lapack_int>(n),
                     static_cast<lapack_int>(columns), work.data(),
                     static_cast<lapack_int>(std::max<Eigen::Index>(1, m)), rhs.data(),
                     static_cast<lapack_int>(std::max<Eigen::Index>(1, rhs.rows())),
                     singular.data(), rcond, &effectiveRank);
  if (info != 0)
    throw std::runtime_error("leastSquares: LAPACK dgelsd failed (info " + std::to_string(info) +
                             (info > 0 ? ": the SVD did not converge)" : ")"));
  if (rank != nullptr) *rank = effectiveRank;
  return rhs.topRows(n);
}

}  // namespace nl::analysis::linalg
