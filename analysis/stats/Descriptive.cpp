#include "analysis/stats/Descriptive.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace nl::analysis::stats {

double quantileOfSorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) throw std::invalid_argument("quantile of no values");
  if (!(q >= 0.0 && q <= 1.0)) throw std::invalid_argument("quantile outside [0, 1]");
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const auto above = std::min(below + 1, sorted.size() - 1);
  const double weight = position - static_cast<double>(below);
  if (weight == 0.0) return sorted[below];
  return sorted[below] + weight * (sorted[above] - sorted[below]);
}

Summary describe(std::vector<double> values, double lowerQ, double upperQ) {
  Summary s;
  const auto nan = std::numeric_limits<double>::quiet_NaN();
  const auto firstMissing =
      std::partition(values.begin(), values.end(), [](double v) { return !std::isnan(v); });
  s.missing = static_cast<std::size_t>(values.end() - firstMissing);
  values.erase(firstMissing, values.end());
  s.count = values.size();
  if (values.empty()) {
    s.mean = s.standardDeviation = s.minimum = s.lowerQuantile = s.median = s.upperQuantile =
        s.maximum = nan;
    return s;
  }
  // Welford: stable for long recordings with a large offset.
  double mean = 0, m2 = 0;
  std::size_t n = 0;
  for (double v : values) {
    ++n;
    const double delta = v - mean;
    mean += delta / static_cast<double>(n);
    m2 += delta * (v - mean);
  }
  s.mean = mean;
  s.standardDeviation = n > 1 ? std::sqrt(m2 / static_cast<double>(n - 1)) : nan;
  if (std::any_of(values.begin(), values.end(), [](double v) { return std::isinf(v); })) {
    // Welford's update turns inf into NaN or not depending on where the
    // infinity sits ([1, inf, 2] gave NaN, [1, 2, inf] inf); a plain sum gives
    // NumPy's answer in any order: ±inf, or NaN when both signs occur.
    double sum = 0;
    for (double v : values) sum += v;
    s.mean = sum / static_cast<double>(n);
    s.standardDeviation = nan;
  }
  std::sort(values.begin(), values.end());
  s.minimum = values.front();
  s.maximum = values.back();
  s.lowerQuantile = quantileOfSorted(values, lowerQ);
  s.median = quantileOfSorted(values, 0.5);
  s.upperQuantile = quantileOfSorted(values, upperQ);
  return s;
}

std::vector<Summary> describeColumns(const Eigen::Ref<const Eigen::MatrixXd>& data, double lowerQ,
                                     double upperQ, Progress& progress) {
  if (!(lowerQ >= 0 && lowerQ <= upperQ && upperQ <= 1))
    throw std::invalid_argument("quantiles must satisfy 0 <= lower <= upper <= 1");
  std::vector<Summary> result;
  result.reserve(static_cast<std::size_t>(data.cols()));
  std::vector<double> column(static_cast<std::size_t>(data.rows()));
  for (Eigen::Index c = 0; c < data.cols(); ++c) {
    progress.checkCancel();
    for (Eigen::Index r = 0; r < data.rows(); ++r) column[static_cast<std::size_t>(r)] = data(r, c);
    result.push_back(describe(column, lowerQ, upperQ));
    if ((c & 63) == 0)
      progress.update(static_cast<double>(c + 1) / static_cast<double>(data.cols()),
                      "column " + std::to_string(c + 1) + " of " + std::to_string(data.cols()));
  }
  return result;
}

}  // namespace nl::analysis::stats
