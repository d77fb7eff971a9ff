#include "analysis/fmri/RoiPatterns.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace nl::analysis::fmri {

RoiPatterns roiPatterns(std::span<const double> betas, std::size_t conditions,
                        std::span<const double> mask) {
  const std::size_t voxels = mask.size();
  if (conditions == 0 || voxels == 0 || betas.size() != conditions * voxels)
    throw std::invalid_argument("the betas hold " + std::to_string(betas.size()) +
                                " values, not conditions (" + std::to_string(conditions) +
                                ") × mask voxels (" + std::to_string(voxels) + ")");
  RoiPatterns out;
  out.conditions = conditions;
  for (std::size_t v = 0; v < voxels; ++v) {
    if (!(mask[v] != 0) || std::isnan(mask[v])) continue;
    bool finite = true;
    for (std::size_t c = 0; c < conditions && finite; ++c)
      finite = std::isfinite(betas[c * voxels + v]);
    if (finite) out.voxels.push_back(v);
  }
  if (out.voxels.empty())
    throw std::invalid_argument(
        "no voxel of the mask has betas (the mask is empty or lies "
        "outside the GLM's mask)");
  out.values.resize(conditions * out.voxels.size());
  for (std::size_t c = 0; c < conditions; ++c)
    for (std::size_t j = 0; j < out.voxels.size(); ++j)
      out.values[c * out.voxels.size() + j] = betas[c * voxels + out.voxels[j]];
  return out;
}

}  // namespace nl::analysis::fmri
