#include "analysis/connectome/NtfKernels.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <stdexcept>
#include <utility>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define NL_NTF_AVX512 1
#endif

namespace nl::analysis::connectome {

namespace {

// Measured on the 2,000 × 10 × 10,000 rank-10 tensor (bench/connectome):
// pass 1 takes 4 rows of x against 5 columns of the factor at a time (20
// accumulators; a second group of columns re-reads the rows from L1), over
// 1,024 entries of depth; pass 2 takes strips of 16 columns of x against up
// to 12 columns of kr (24 accumulators) down blocks of 32 rows. Both read x
// ahead with software prefetches: without them the hardware prefetcher
// keeps too few lines in flight and each pass took twice as long.
constexpr int kRowsTogether = 4;
constexpr int kFactorColumnsPass1 = 5;
constexpr std::size_t kDepthBlock = 1024;
constexpr std::size_t kPrefetchPass1 = 256;  // doubles ahead in a row of x
constexpr int kFactorColumnsPass2 = 12;
constexpr std::size_t kRowBlock = 32;
constexpr std::size_t kPrefetchPass2 = 64;

}  // namespace

#ifdef NL_NTF_AVX512

namespace {

#define NL_AVX512 __attribute__((target("avx512f,avx512dq,fma")))

NL_AVX512 inline __mmask8 tailMask(std::size_t n) {
  return n >= 8 ? static_cast<__mmask8>(0xFF) : static_cast<__mmask8>((1u << n) - 1u);
}

// Through memory: GCC 12's _mm512_reduce_add_pd trips its own
// maybe-uninitialized warning.
NL_AVX512 inline double horizontalSum(__m512d v) {
  alignas(64) double lanes[8];
  _mm512_store_pd(lanes, v);
  return ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) +
         ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
}

// NR rows of x (x points at the first, rows k apart) times NC columns of
// the packed factor (its run width `rank`, first column c0) over depth
// [d0, d1), added to out (column-major, out points at (first row, c0)).
template <int NR, int NC>
NL_AVX512 void rowsGroup(const double* x, std::size_t k, const double* packed, Eigen::Index rank,
                         Eigen::Index c0, std::size_t d0, std::size_t d1, bool prefetch,
                         double* out, Eigen::Index outStride) {
  __m512d acc[NR][NC];
#pragma GCC unroll 8
  for (int r = 0; r < NR; ++r)
#pragma GCC unroll 8
    for (int c = 0; c < NC; ++c) acc[r][c] = _mm512_setzero_pd();
  const auto run = static_cast<std::size_t>(rank) * 8;
  std::size_t d = d0;
  for (; d + 8 <= d1; d += 8) {
    __m512d v[NR];
#pragma GCC unroll 8
    for (int r = 0; r < NR; ++r) {
      const double* row = x + static_cast<std::size_t>(r) * k + d;
      if (prefetch) _mm_prefetch(reinterpret_cast<const char*>(row + kPrefetchPass1), _MM_HINT_T0);
      v[r] = _mm512_loadu_pd(row);
    }
    const double* w = packed + (d / 8) * run + static_cast<std::size_t>(c0) * 8;
#pragma GCC unroll 8
    for (int c = 0; c < NC; ++c) {
      const __m512d wc = _mm512_loadu_pd(w + static_cast<std::ptrdiff_t>(c) * 8);
#pragma GCC unroll 8
      for (int r = 0; r < NR; ++r) acc[r][c] = _mm512_fmadd_pd(v[r], wc, acc[r][c]);
    }
  }
  if (d < d1) {
    // The packed factor's last run is zero-padded; x is not read past d1.
    const __mmask8 m = tailMask(d1 - d);
    const double* w = packed + (d / 8) * run + static_cast<std::size_t>(c0) * 8;
    __m512d v[NR];
#pragma GCC unroll 8
    for (int r = 0; r < NR; ++r)
      v[r] = _mm512_maskz_loadu_pd(m, x + static_cast<std::size_t>(r) * k + d);
#pragma GCC unroll 8
    for (int c = 0; c < NC; ++c) {
      const __m512d wc = _mm512_loadu_pd(w + static_cast<std::ptrdiff_t>(c) * 8);
#pragma GCC unroll 8
      for (int r = 0; r < NR; ++r) acc[r][c] = _mm512_fmadd_pd(v[r], wc, acc[r][c]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < NR; ++r)
#pragma GCC unroll 8
    for (int c = 0; c < NC; ++c) out[r + c * outStride] += horizontalSum(acc[r][c]);
}

using RowsGroupFn = void (*)(const double*, std::size_t, const double*, Eigen::Index, Eigen::Index,
                             std::size_t, std::size_t, bool, double*, Eigen::Index);

template <int NR, int... C>
constexpr std::array<RowsGroupFn, sizeof...(C)> rowsGroupRow(std::integer_sequence<int, C...>) {
  return {&rowsGroup<NR, C + 1>...};
}

template <int... R>
constexpr auto rowsGroupTable(std::integer_sequence<int, R...>) {
  return std::array<std::array<RowsGroupFn, kFactorColumnsPass1>, sizeof...(R)>{
      rowsGroupRow<R + 1>(std::make_integer_sequence<int, kFactorColumnsPass1>{})...};
}

NL_AVX512 void rowsTimesFactorAvx512(const double* x, std::size_t rows, std::size_t k,
                                     const double* packed, Eigen::Index rank, double* out,
                                     Eigen::Index outStride) {
  static constexpr auto table = rowsGroupTable(std::make_integer_sequence<int, kRowsTogether>{});
  for (Eigen::Index c = 0; c < rank; ++c)
    std::fill_n(out + c * outStride, static_cast<std::size_t>(rows), 0.0);
  for (std::size_t q = 0; q < rows; q += kRowsTogether) {
    const auto nr = static_cast<int>(std::min<std::size_t>(kRowsTogether, rows - q));
    const double* xq = x + q * k;
    for (std::size_t d0 = 0; d0 < k; d0 += kDepthBlock) {
      const std::size_t d1 = std::min(k, d0 + kDepthBlock);
      for (Eigen::Index c0 = 0; c0 < rank; c0 += kFactorColumnsPass1) {
        const auto nc = static_cast<int>(std::min<Eigen::Index>(kFactorColumnsPass1, rank - c0));
        table[static_cast<std::size_t>(nr - 1)][static_cast<std::size_t>(nc - 1)](
            xq, k, packed, rank, c0, d0, d1, c0 == 0,
            out + c0 * outStride + static_cast<Eigen::Index>(q), outStride);
      }
    }
  }
}

// Columns [s, s + n) (n ≤ 16) of rows [r0, r1) of x, transposed, times NC
// columns of kr, added to out (rows s − k0 …).
template <int NC>
NL_AVX512 void columnsGroup(const double* x, std::size_t r0, std::size_t r1, std::size_t ld,
                            std::size_t s, std::size_t n, const double* kr, Eigen::Index rank,
                            double* out, Eigen::Index outStride) {
  const __mmask8 m0 = tailMask(n);
  const __mmask8 m1 = tailMask(n > 8 ? n - 8 : 0);
  __m512d a0[NC], a1[NC];
#pragma GCC unroll 16
  for (int c = 0; c < NC; ++c) {
    a0[c] = _mm512_maskz_loadu_pd(m0, out + c * outStride);
    a1[c] = _mm512_maskz_loadu_pd(m1, out + c * outStride + 8);
  }
  for (std::size_t row = r0; row < r1; ++row) {
    const double* xr = x + row * ld + s;
    _mm_prefetch(reinterpret_cast<const char*>(xr + kPrefetchPass2), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(xr + kPrefetchPass2 + 8), _MM_HINT_T0);
    const __m512d v0 = _mm512_maskz_loadu_pd(m0, xr);
    const __m512d v1 = _mm512_maskz_loadu_pd(m1, xr + 8);
    const double* w = kr + row * static_cast<std::size_t>(rank);
#pragma GCC unroll 16
    for (int c = 0; c < NC; ++c) {
      const __m512d b = _mm512_set1_pd(w[c]);
      a0[c] = _mm512_fmadd_pd(v0, b, a0[c]);
      a1[c] = _mm512_fmadd_pd(v1, b, a1[c]);
    }
  }
#pragma GCC unroll 16
  for (int c = 0; c < NC; ++c) {
    _mm512_mask_storeu_pd(out + c * outStride, m0, a0[c]);
    _mm512_mask_storeu_pd(out + c * outStride + 8, m1, a1[c]);
  }
}

using ColumnsGroupFn = void (*)(const double*, std::size_t, std::size_t, std::size_t, std::size_t,
                                std::size_t, const double*, Eigen::Index, double*, Eigen::Index);

template <int... N>
constexpr auto columnsGroupTable(std::integer_sequence<int, N...>) {
  return std::array<ColumnsGroupFn, sizeof...(N)>{&columnsGroup<N + 1>...};
}

NL_AVX512 void columnsTimesFactorAvx512(const double* x, std::size_t rows, std::size_t ld,
                                        std::size_t k0, std::size_t width, const double* kr,
                                        Eigen::Index rank, double* out, Eigen::Index outStride) {
  static constexpr auto table =
      columnsGroupTable(std::make_integer_sequence<int, kFactorColumnsPass2>{});
  for (Eigen::Index c = 0; c < rank; ++c) std::fill_n(out + c * outStride, width, 0.0);
  for (std::size_t r0 = 0; r0 < rows; r0 += kRowBlock) {
    const std::size_t r1 = std::min(rows, r0 + kRowBlock);
    for (std::size_t s = 0; s < width; s += 16) {
      const std::size_t n = std::min<std::size_t>(16, width - s);
      for (Eigen::Index c0 = 0; c0 < rank; c0 += kFactorColumnsPass2) {
        const auto nc = static_cast<int>(std::min<Eigen::Index>(kFactorColumnsPass2, rank - c0));
        table[static_cast<std::size_t>(nc - 1)](x, r0, r1, ld, k0 + s, n, kr + c0, rank,
                                                out + c0 * outStride + static_cast<Eigen::Index>(s),
                                                outStride);
      }
    }
  }
}

}  // namespace

bool streamingKernelsAvailable() {
  static const bool available = __builtin_cpu_supports("avx512f") != 0 &&
                                __builtin_cpu_supports("avx512dq") != 0 &&
                                __builtin_cpu_supports("fma") != 0;
  return available;
}

void rowsTimesFactor(const double* x, std::size_t rows, std::size_t k, const double* packed,
                     Eigen::Index rank, double* out, Eigen::Index outStride) {
  if (!streamingKernelsAvailable())
    throw std::logic_error("rowsTimesFactor: this CPU has no AVX-512; use BLAS");
  rowsTimesFactorAvx512(x, rows, k, packed, rank, out, outStride);
}

void columnsTimesFactor(const double* x, std::size_t rows, std::size_t ld, std::size_t k0,
                        std::size_t width, const double* krRowMajor, Eigen::Index rank, double* out,
                        Eigen::Index outStride) {
  if (!streamingKernelsAvailable())
    throw std::logic_error("columnsTimesFactor: this CPU has no AVX-512; use BLAS");
  columnsTimesFactorAvx512(x, rows, ld, k0, width, krRowMajor, rank, out, outStride);
}

#else

bool streamingKernelsAvailable() {
  return false;
}

void rowsTimesFactor(const double*, std::size_t, std::size_t, const double*, Eigen::Index, double*,
                     Eigen::Index) {
  throw std::logic_error("rowsTimesFactor: not built for this CPU; use BLAS");
}

void columnsTimesFactor(const double*, std::size_t, std::size_t, std::size_t, std::size_t,
                        const double*, Eigen::Index, double*, Eigen::Index) {
  throw std::logic_error("columnsTimesFactor: not built for this CPU; use BLAS");
}

#endif

void packForRows(const double* c, std::size_t k, Eigen::Index rank, std::vector<double>& packed) {
  const auto columns = static_cast<std::size_t>(rank);
  const std::size_t runs = (k + 7) / 8;
  packed.assign(runs * columns * 8, 0.0);
  for (std::size_t col = 0; col < columns; ++col)
    for (std::size_t d = 0; d < k; ++d)
      packed[((d / 8) * columns + col) * 8 + d % 8] = c[col * k + d];
}

}  // namespace nl::analysis::connectome
