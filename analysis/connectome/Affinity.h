#pragma once
// Pairwise affinities of calcium traces and the time × animal × pair tensor
// of Dyballa et al. 2024 (docs/CONNECTOME.md "## Affinity" has the formulas).
//
// The differential affinity of neurons i and j over a window: split the
// window into the maximal runs in which both derivatives keep one sign (a
// derivative below the flat threshold counts as sign 0); per run k let
// a_k = Σ|d_i| and b_k = Σ|d_j| (their absolute changes); then
//   A_ij = Σ_k min(a_k, b_k)² / (φ² · n + Σ_k max(a_k, b_k)²)
// with φ the noise floor per frame and n the window's valid frames. It is
// symmetric, in [0, 1), 0 for two silent neurons, the same for j and −j
// (opposite-sign co-changes count), and A_ij ≤ min(A_ii, A_jj).
#include <Eigen/Dense>
#include <cstddef>
#include <string>
#include <vector>

#include "analysis/Progress.h"
#include "analysis/connectome/Traces.h"

namespace nl::analysis::connectome {

enum class AffinityMethod { Differential, Correlation, Gaussian };
enum class Derivative { Central, Forward };
enum class Normalisation { Animal, Neuron, None };

struct AffinityOptions {
  AffinityMethod method = AffinityMethod::Differential;
  double smoothing = 2.0;  // s: σ of the Gaussian smoothing of the traces (0: none)
  Derivative derivative = Derivative::Central;
  Normalisation normalisation = Normalisation::Animal;
  double floor = 1.0;          // differential: noise floor φ per frame, in derivative scales
  double flatThreshold = 0.5;  // differential: |d| below this (derivative scales) is flat
  double sigma = 1.0;          // gaussian: kernel width, in derivative scales
  double windowLength = 60.0;  // s
  double windowStep = 15.0;    // s
  double minValid = 0.5;       // a window needs this fraction of frames valid in both neurons
  int threads = 0;             // 0: io::workerThreadCount(); the numbers do not depend on it
};

std::string methodName(AffinityMethod method);
AffinityMethod methodFromName(const std::string& name);  // throws std::invalid_argument

// Index of pair (i, j), i ≠ j, in the row-major upper triangle of n neurons:
// (0,1), (0,2), …, (0,n−1), (1,2), …
std::size_t pairIndex(std::size_t i, std::size_t j, std::size_t n);
// n with n(n−1)/2 = pairs, or 0 when `pairs` is not such a number.
std::size_t neuronsForPairs(std::size_t pairs);

// Smoothed traces and derivatives (frames × neurons, NaN kept), the
// derivatives divided by the normalisation scale (one per neuron).
struct Preprocessed {
  Eigen::MatrixXd smoothed, derivative;
  Eigen::VectorXd scale;
};
Preprocessed preprocess(const Eigen::MatrixXd& traces, double frameRate,
                        const AffinityOptions& options);

// The three pair affinities on n samples (NaN samples skipped; NaN when
// fewer than minValid · n are valid in both).
double differentialAffinity(const double* di, const double* dj, std::size_t n, double floor,
                            double flatThreshold, double minValid);
// |Pearson r| of the smoothed traces; 0 when either is constant.
double correlationAffinity(const double* xi, const double* xj, std::size_t n, double minValid);
// exp(−mean_t (|d_i| − |d_j|)² / (2σ²)).
double gaussianAffinity(const double* di, const double* dj, std::size_t n, double sigma,
                        double minValid);

// One window over all frames: N × N with the self-affinities on the diagonal.
Eigen::MatrixXd affinityMatrix(const Eigen::MatrixXd& traces, double frameRate,
                               const AffinityOptions& options);

struct AffinityTensor {
  std::size_t windows = 0, animals = 0, neurons = 0, pairs = 0;
  std::vector<double> values;   // {windows, animals, pairs} row-major, NaN = missing
  std::vector<double> centres;  // s on the aligned time base, one per window
  std::size_t windowFrames = 0, stepFrames = 0;
  double windowSeconds = 0.0;  // windowFrames / frame rate
  double at(std::size_t w, std::size_t a, std::size_t p) const {
    return values[(w * animals + a) * pairs + p];
  }
};

// Every pair's affinity in every window of every animal. Cancellable.
AffinityTensor affinityTensor(const Aligned& aligned, const AffinityOptions& options,
                              Progress& progress);

}  // namespace nl::analysis::connectome
