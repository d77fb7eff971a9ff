#pragma once
// Classical (Torgerson) multidimensional scaling of an RDM, for display.
#include <Eigen/Core>

#include "analysis/rsa/Rdm.h"

namespace nl::analysis::rsa {

struct MdsResult {
  RowMatrix coordinates;        // stimuli × dimensions
  Eigen::VectorXd eigenvalues;  // of the kept dimensions, largest first
  double explained = 0;         // kept positive eigenvalues / all positive eigenvalues
};

// Treats entries as distances d (B = −½ J D⁽²⁾ J with D⁽²⁾ = d²); set
// `entriesAreSquared` for RDMs that already hold squared distances (the
// Euclidean RDM). Negative eigenvalues (non-Euclidean RDMs) are dropped: a
// dimension without positive eigenvalue gets coordinate 0. Signs are fixed
// so that each axis's largest-magnitude coordinate is positive. NaN entries
// or a non-square input are std::invalid_argument.
MdsResult classicalMds(const Matrix& rdm, int dimensions = 2, bool entriesAreSquared = false);

}  // namespace nl::analysis::rsa
