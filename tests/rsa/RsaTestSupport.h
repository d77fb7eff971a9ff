#pragma once
// Inputs shared by the RSA tests: the closed-form response matrices that
// reference_values.py also builds, and seeded Gaussian data.
#include <cmath>
#include <random>
#include <vector>

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

// A simulated network: each layer a random tanh transform of the previous
// one, from a 6-D Gaussian latent (stimuli × width per layer).
struct SimulatedNetwork {
  std::vector<analysis::rsa::RowMatrix> layers;
};

inline SimulatedNetwork simulateNetwork(int stimuli, int layerCount, int width,
                                        std::mt19937_64& rng) {
  SimulatedNetwork net;
  analysis::rsa::RowMatrix h = gaussian(stimuli, 6, rng);
  for (int d = 0; d < layerCount; ++d) {
    const double gain = 2.5 / std::sqrt(static_cast<double>(h.cols()));
    const analysis::rsa::RowMatrix weights = gaussian(h.cols(), width, rng, gain);
    const Eigen::RowVectorXd bias = gaussian(1, width, rng, 0.5);
    analysis::rsa::RowMatrix next = (h * weights).rowwise() + bias;
    h = next.array().tanh().matrix();
    net.layers.push_back(h);
  }
  return net;
}

// A brain area read out from one layer: positive rates exp(layer · mixing) plus noise.
inline analysis::rsa::RowMatrix areaFromLayer(const analysis::rsa::RowMatrix& layer, int neurons,
                                              double noise, std::mt19937_64& rng) {
  const analysis::rsa::RowMatrix mixing =
      gaussian(layer.cols(), neurons, rng, 1.0 / std::sqrt(static_cast<double>(layer.cols())));
  analysis::rsa::RowMatrix rates =
      (layer * mixing).array().exp().matrix();  // positive firing rates
  return rates + gaussian(layer.rows(), neurons, rng, noise);
}
}  // namespace nl::test
