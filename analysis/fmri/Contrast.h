#pragma once
// Contrasts written the way people say them: "face - house",
// "2*face - house - cat", "0.5 face + 0.5 cat - shoe". Terms are an optional
// sign, an optional weight (with or without '*') and a design column name.
#include <Eigen/Core>
#include <string>
#include <vector>

#include "analysis/fmri/Design.h"

namespace nl::analysis::fmri {

// The weight vector over `columns`. Throws std::invalid_argument naming the
// problem: an unknown name (listing the known ones), a missing name, a
// dangling sign, a column given twice, or weights that are all zero.
Eigen::VectorXd parseContrast(const std::string& spec, const std::vector<std::string>& columns);

// A contrast over the design's trial types (the names a user may write),
// padded with zeros for the drift and constant columns.
Eigen::VectorXd conditionContrast(const std::string& spec, const Design& design);

}  // namespace nl::analysis::fmri
