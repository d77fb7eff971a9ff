#pragma once
// Descriptive statistics of the columns of a matrix, NaN-aware.
#include <Eigen/Core>
#include <cstddef>
#include <vector>

#include "analysis/Progress.h"

namespace nl::analysis::stats {

struct Summary {
  std::size_t count = 0;                   // finite values used
  std::size_t missing = 0;                 // NaN values skipped
  double mean = 0, standardDeviation = 0;  // sample SD (n − 1); NaN when count < 2
  double minimum = 0, lowerQuantile = 0, median = 0, upperQuantile = 0, maximum = 0;
};

// Quantile of sorted values with linear interpolation between order
// statistics (NumPy's default, R type 7). `sorted` must be non-empty.
double quantileOfSorted(const std::vector<double>& sorted, double q);

// One Summary per column. Infinite values count as values; NaN as missing.
std::vector<Summary> describeColumns(const Eigen::Ref<const Eigen::MatrixXd>& data, double lowerQ,
                                     double upperQ, Progress& progress);
Summary describe(std::vector<double> values, double lowerQ, double upperQ);

}  // namespace nl::analysis::stats
