#include "analysis/fmri/RoiPatterns.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace nl::analysis::fmri {

RoiPatterns roiPatterns(std::span<const double> betas, std::size_t conditions,
                        std::span<const double> mask) {
  return roiPatterns(io::TypedArray::viewOf(betas, nullptr), conditions,
                     io::TypedArray::viewOf(mask, nullptr));
}

RoiPatterns roiPatterns(const io::TypedArray& betas, std::size_t conditions,
                        const io::TypedArray& mask) {
  const std::size_t voxels = mask.size();
  if (conditions == 0 || voxels == 0 || betas.size() != conditions * voxels)
    throw std::invalid_argument("the betas hold " + std::to_string(betas.size()) +
                                " values, not conditions (" + std::to_string(conditions) +
                                ") × mask voxels (" + std::to_string(voxels) + ")");
  const std::vector<double> maskValues = mask.toDoubles();  // one volume
  std::vector<std::size_t> candidates;
  for (std::size_t v = 0; v < voxels; ++v)
    if (maskValues[v] != 0 && !std::isnan(maskValues[v])) candidates.push_back(v);
  // Condition by condition, only the mask's voxels: conditions × candidates.
  std::vector<double> gathered(conditions * candidates.size());
  std::vector<char> finite(candidates.size(), 1);
  for (std::size_t c = 0; c < conditions; ++c) {
    double* row = gathered.data() + c * candidates.size();
    betas.gather(c * voxels, candidates, row);
    for (std::size_t j = 0; j < candidates.size(); ++j)
      if (!std::isfinite(row[j])) finite[j] = 0;
  }
  RoiPatterns out;
  out.conditions = conditions;
  std::vector<std::size_t> kept;
  for (std::size_t j = 0; j < candidates.size(); ++j)
    if (finite[j]) {
      out.voxels.push_back(candidates[j]);
      kept.push_back(j);
    }
  if (out.voxels.empty())
    throw std::invalid_argument(
        "no voxel of the mask has betas (the mask is empty or lies "
        "outside the GLM's mask)");
  out.values.resize(conditions * kept.size());
  for (std::size_t c = 0; c < conditions; ++c)
    for (std::size_t j = 0; j < kept.size(); ++j)
      out.values[c * kept.size() + j] = gathered[c * candidates.size() + kept[j]];
  return out;
}

}  // namespace nl::analysis::fmri
