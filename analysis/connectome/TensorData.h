#pragma once
// A dense 3-D tensor of doubles, row-major {I, J, K} like an ArrayDataset
// of shape {I, J, K}: entry (i, j, k) at (i · J + j) · K + k. An optional
// mask marks missing entries (NaN in the input); a masked entry's stored
// value is a placeholder that the factorizations overwrite by imputation.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nl::analysis::connectome {

class Tensor3 {
 public:
  Tensor3() = default;
  // Zeros, no entry missing.
  Tensor3(std::size_t i, std::size_t j, std::size_t k);
  // From row-major values; NaN entries become missing. Throws
  // std::invalid_argument (message prefixed by `what`) when the shape is not
  // 3-D or has a zero extent, the value count does not fit, an entry is
  // infinite, or (when `requireNonNegative`) negative, or every entry is NaN.
  static Tensor3 fromValues(const std::vector<std::size_t>& shape, std::vector<double> values,
                            const std::string& what = "tensor", bool requireNonNegative = true);

  std::size_t dim(int mode) const { return dims_[static_cast<std::size_t>(mode)]; }
  std::size_t size() const { return values_.size(); }
  double& operator()(std::size_t i, std::size_t j, std::size_t k) {
    return values_[(i * dims_[1] + j) * dims_[2] + k];
  }
  double operator()(std::size_t i, std::size_t j, std::size_t k) const {
    return values_[(i * dims_[1] + j) * dims_[2] + k];
  }
  const std::vector<double>& values() const { return values_; }
  std::vector<double>& values() { return values_; }
  const double* data() const { return values_.data(); }
  double* data() { return values_.data(); }

  bool hasMissing() const { return !missing_.empty(); }
  // Flat indices of the missing entries, ascending (empty: none missing).
  const std::vector<std::size_t>& missing() const { return missing_; }
  // Marks flat entries missing (sorted, de-duplicated); their values become 0.
  void setMissing(std::vector<std::size_t> flat);
  std::size_t observedCount() const { return values_.size() - missing_.size(); }
  // Σ x² over the observed entries.
  double observedSquaredNorm() const;
  // Mean of the observed entries.
  double observedMean() const;

 private:
  std::size_t dims_[3] = {0, 0, 0};
  std::vector<double> values_;
  std::vector<std::size_t> missing_;
};

}  // namespace nl::analysis::connectome
