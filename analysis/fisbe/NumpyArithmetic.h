#pragma once
// NumPy's summation order, so means of float32 values come out bit-identical
// to the official evaluation's (np.sum / np.mean use pairwise summation with
// eight accumulators, in the array's own precision).
#include <cstddef>
#include <span>
#include <type_traits>

namespace nl::analysis::fisbe::numpy {

template <typename T>
T pairwiseSum(const T* a, std::size_t n) {
  static_assert(std::is_floating_point_v<T>);
  if (n < 8) {
    T sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += a[i];
    return sum;
  }
  if (n <= 128) {
    T r[8];
    for (std::size_t j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (std::size_t j = 0; j < 8; ++j) r[j] += a[i + j];
    T sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) sum += a[i];
    return sum;
  }
  std::size_t half = n / 2;
  half -= half % 8;
  return pairwiseSum(a, half) + pairwiseSum(a + half, n - half);
}

template <typename T>
T sum(std::span<const T> values) {
  return T{0} + pairwiseSum(values.data(), values.size());
}

// np.mean of a float64 array.
inline double mean(std::span<const double> values) {
  return sum(values) / static_cast<double>(values.size());
}

// np.mean of a float32 array: float32 sum, divided in double, rounded back.
inline float mean(std::span<const float> values) {
  return static_cast<float>(static_cast<double>(sum(values)) / static_cast<double>(values.size()));
}

}  // namespace nl::analysis::fisbe::numpy
