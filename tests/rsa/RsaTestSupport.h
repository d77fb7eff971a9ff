#pragma once
// Inputs shared by the RSA tests: the closed-form response matrices that
// reference_values.py also builds, and seeded Gaussian data.
#include <cmath>
#include <random>

#include "analysis/rsa/Rdm.h"

namespace nl::test {

// responses(s, u) = sin(1.7 s + 0.3 u² + phase) + 0.1 u + 0.05 s cos(u + phase)
inline analysis::rsa::RowMatrix formulaResponses(int stimuli, int units, double phase) {
  analysis::rsa::RowMatrix x(stimuli, units);
  for (int s = 0; s < stimuli; ++s)
    for (int u = 0; u < units; ++u)
      x(s, u) = std::sin(1.7 * s + 0.3 * u * u + phase) + 0.1 * u + 0.05 * s * std::cos(u + phase);
  return x;
}

inline analysis::rsa::RowMatrix gaussian(Eigen::Index rows, Eigen::Index columns,
                                         std::mt19937_64& rng, double sd = 1.0) {
  std::normal_distribution<double> normal(0.0, sd);
  analysis::rsa::RowMatrix x(rows, columns);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = normal(rng);
  return x;
}

}  // namespace nl::test
