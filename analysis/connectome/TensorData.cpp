#include "analysis/connectome/TensorData.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace nl::analysis::connectome {

Tensor3::Tensor3(std::size_t i, std::size_t j, std::size_t k)
    : dims_{i, j, k}, values_(i * j * k, 0.0) {}

Tensor3 Tensor3::fromValues(const std::vector<std::size_t>& shape, std::vector<double> values,
                            const std::string& what, bool requireNonNegative) {
  if (shape.size() != 3) {
    std::string dims;
    for (std::size_t d = 0; d < shape.size(); ++d)
      dims += (d ? " × " : "") + std::to_string(shape[d]);
    throw std::invalid_argument(
        what + " must be a 3-D array (e.g. window × animal × pair), it has " +
        std::to_string(shape.size()) + " dimension" + (shape.size() == 1 ? "" : "s") +
        (dims.empty() ? "" : " (" + dims + ")"));
  }
  if (shape[0] == 0 || shape[1] == 0 || shape[2] == 0)
    throw std::invalid_argument(what + " has an empty dimension (" + std::to_string(shape[0]) +
                                " × " + std::to_string(shape[1]) + " × " +
                                std::to_string(shape[2]) + ")");
  if (values.size() != shape[0] * shape[1] * shape[2])
    throw std::invalid_argument(what + " holds " + std::to_string(values.size()) +
                                " values, its shape needs " +
                                std::to_string(shape[0] * shape[1] * shape[2]));
  Tensor3 out;
  out.dims_[0] = shape[0];
  out.dims_[1] = shape[1];
  out.dims_[2] = shape[2];
  std::vector<std::size_t> missing;
  const auto at = [&](std::size_t flat) {
    const std::size_t k = flat % shape[2];
    const std::size_t j = (flat / shape[2]) % shape[1];
    const std::size_t i = flat / (shape[1] * shape[2]);
    return "(" + std::to_string(i) + ", " + std::to_string(j) + ", " + std::to_string(k) + ")";
  };
  for (std::size_t n = 0; n < values.size(); ++n) {
    const double v = values[n];
    if (std::isnan(v)) {
      missing.push_back(n);
      values[n] = 0.0;
    } else if (std::isinf(v)) {
      throw std::invalid_argument(what + ": entry " + at(n) + " is infinite");
    } else if (requireNonNegative && v < 0.0) {
      throw std::invalid_argument(what + ": entry " + at(n) + " is " + std::to_string(v) +
                                  "; a non-negative factorization needs non-negative data");
    }
  }
  if (missing.size() == values.size())
    throw std::invalid_argument(what + ": every entry is missing (NaN)");
  out.values_ = std::move(values);
  out.missing_ = std::move(missing);
  return out;
}

void Tensor3::setMissing(std::vector<std::size_t> flat) {
  std::sort(flat.begin(), flat.end());
  flat.erase(std::unique(flat.begin(), flat.end()), flat.end());
  for (const auto n : flat) {
    if (n >= values_.size()) throw std::out_of_range("Tensor3::setMissing: index out of range");
    values_[n] = 0.0;
  }
  missing_ = std::move(flat);
}

namespace {

// Σ over the observed entries of x (Square: of x²), run by run between the
// missing ones, each run as one vectorised Eigen reduction.
template <bool Square>
double sumObserved(const std::vector<double>& values, const std::vector<std::size_t>& missing) {
  double sum = 0.0;
  std::size_t start = 0;
  auto run = [&](std::size_t end) {
    if (end <= start) return;
    const Eigen::Map<const Eigen::VectorXd> segment(values.data() + start,
                                                    static_cast<Eigen::Index>(end - start));
    sum += Square ? segment.squaredNorm() : segment.sum();
  };
  for (const auto n : missing) {
    run(n);
    start = n + 1;
  }
  run(values.size());
  return sum;
}

}  // namespace

double Tensor3::observedSquaredNorm() const {
  return sumObserved<true>(values_, missing_);
}

double Tensor3::observedMean() const {
  return sumObserved<false>(values_, missing_) / static_cast<double>(observedCount());
}

}  // namespace nl::analysis::connectome
