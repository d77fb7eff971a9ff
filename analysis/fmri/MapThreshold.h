#pragma once
// Where a statistic map starts being shown over its anatomy.
#include <string_view>

namespace nl::analysis::fmri {

// z or t maps: 2.3 (p < 0.01 one-sided, FSL's cluster-forming default);
// anything else (a mask, betas): every non-zero voxel.
inline double defaultMapThreshold(std::string_view statistic) {
  return statistic == "z" || statistic == "t" ? 2.3 : 0.0;
}

}  // namespace nl::analysis::fmri
