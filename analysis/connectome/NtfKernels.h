#pragma once
// The two passes over the tensor of a HALS sweep, as streaming kernels.
//
// A sweep of HALS reads the whole tensor twice (NtfFactorization.cpp); with
// rank R ≈ 10 both products are thin (N = R), where a general matrix
// multiply spends as long packing its operands as multiplying them. These
// kernels read each entry of X once from memory, keep the factor they
// multiply by in cache, and accumulate in registers. They exist for CPUs
// with AVX-512 (the x86-64 build machines and most servers since 2017);
// elsewhere `streamingKernelsAvailable()` is false and the caller uses BLAS.
//
// Sums are taken in a fixed order that depends on neither the thread count
// nor the panel a thread takes, so results are reproducible.
#include <Eigen/Core>
#include <cstddef>
#include <vector>

namespace nl::analysis::connectome {

bool streamingKernelsAvailable();

// The k × R factor c (column-major) in the layout rowsTimesFactor reads:
// for each run of 8 rows of c, its R columns' 8 values side by side, the last
// run padded with zeros.
void packForRows(const double* c, std::size_t k, Eigen::Index rank, std::vector<double>& packed);

// out(q, :) = Σ_k' x[q·k + k'] c(k', :) for q < rows: `rows` rows of a
// row-major rows × k matrix times the k × R matrix c, given packed by
// packForRows. out is column-major with leading dimension outStride.
void rowsTimesFactor(const double* x, std::size_t rows, std::size_t k, const double* packed,
                     Eigen::Index rank, double* out, Eigen::Index outStride);

// out(q, :) = Σ_row x[row·ld + k0 + q] kr(row, :) for q < width: columns
// k0 … k0 + width − 1 of the row-major rows × ld matrix x, transposed, times
// the rows × R matrix kr (row-major: kr[row·R + r]). out is column-major
// with leading dimension outStride; its row q is column k0 + q of x.
void columnsTimesFactor(const double* x, std::size_t rows, std::size_t ld, std::size_t k0,
                        std::size_t width, const double* krRowMajor, Eigen::Index rank, double* out,
                        Eigen::Index outStride);

}  // namespace nl::analysis::connectome
