#pragma once
// Inference on RDM comparisons: bootstrap over stimuli and over neurons with
// percentile confidence intervals, permutation nulls, and Shi et al.'s
// contiguous stimulus folds. Every resampling analysis is deterministic for a
// given seed, whatever the thread count: replicate r always draws from the
// random stream (seed, r).
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "analysis/Progress.h"
#include "analysis/rsa/Compare.h"
#include "analysis/rsa/Rdm.h"

namespace nl::analysis::rsa {

struct Interval {
  double low = std::numeric_limits<double>::quiet_NaN();
  double high = std::numeric_limits<double>::quiet_NaN();
};

// The central `confidence` percentile interval of the samples (NumPy's
// default linear interpolation); NaN samples are ignored; all-NaN → NaN bounds.
Interval percentileInterval(std::span<const double> samples, double confidence = 0.95);
// Sample standard deviation (n − 1) of the non-NaN samples; NaN when fewer than 2.
double standardDeviation(std::span<const double> samples);

struct InferenceOptions {
  CompareOptions compare;
  std::size_t replicates = 1000;  // bootstrap replicates or permutations
  std::uint64_t seed = 1;
  int threads = 0;  // 0: one per core
  double confidence = 0.95;
};

// The stimuli drawn (with replacement) by bootstrap replicate `replicate`.
std::vector<std::size_t> bootstrapStimulusSample(std::uint64_t seed, std::size_t replicate,
                                                 std::size_t stimuli);
// rsatoolbox's RDMs.subsample_pattern: rows and columns `sample`, with NaN
// wherever both indices refer to the same original stimulus (the diagonal
// and the copies), so that trivially zero dissimilarities are not compared.
Matrix resampleRdm(const Matrix& rdm, std::span<const std::size_t> sample);

// The statistic of x and y in which entry i appears weights[i] times
// (non-negative integers; 0 leaves it out); NaN entries are dropped. A
// bootstrap replicate of an RDM comparison is exactly this with
// weights = cᵢ·cⱼ (c = how often each stimulus was drawn), which is how the
// replicates are computed without building resampled matrices.
double weightedCompare(std::span<const double> x, std::span<const double> y,
                       std::span<const double> weights, CompareMethod method);

// Comparisons of every row RDM (e.g. brain populations) with every column
// RDM (e.g. network layers), with their bootstrap distribution.
struct PairwiseBootstrap {
  std::size_t rowCount = 0, columnCount = 0, replicateCount = 0;
  Matrix estimate;  // on the original stimuli (compareRdms)
  Matrix ciLow, ciHigh, standardError;
  // samples[(r · rowCount + row) · columnCount + column]
  std::vector<double> samples;
  double sample(std::size_t replicate, std::size_t row, std::size_t column) const {
    return samples[(replicate * rowCount + row) * columnCount + column];
  }
};

// Bootstrap over stimuli (rsatoolbox's bootstrap_sample_pattern): each
// replicate draws n stimuli with replacement; pairs of copies of one
// stimulus are excluded. In FullMatrix mode this also excludes the diagonal
// from the replicates (the point estimate keeps it). The RDMs are never
// recomputed: each RDM is sorted once, and a replicate ranks it in O(entries).
// All RDMs must have the same number of stimuli (std::invalid_argument).
PairwiseBootstrap bootstrapStimuli(const std::vector<Matrix>& rowRdms,
                                   const std::vector<Matrix>& columnRdms,
                                   const InferenceOptions& options, Progress& progress);

// Bootstrap over neurons: each replicate draws the units (columns of
// `responses`, stimuli × units) with replacement, recomputes that RDM and
// compares it with every target. One row (the population).
PairwiseBootstrap bootstrapNeurons(const Eigen::Ref<const RowMatrix>& responses,
                                   const RdmOptions& rdmOptions, const std::vector<Matrix>& targets,
                                   const InferenceOptions& options, Progress& progress);

enum class PermutationScheme {
  // One permutation of the stimulus labels of the first RDM (rows and
  // columns together: the classic Mantel-type RSA test).
  StimulusLabels,
  // Rows and columns of each matrix shuffled by independent permutations
  // (the null). It destroys the matrices' symmetry, so it belongs
  // with EntrySelection::FullMatrix — but there the two intact diagonals
  // (zeros, or ones for RSMs) agree perfectly while the shuffled ones do not,
  // so even unrelated RDMs beat this null. Prefer StimulusLabels for p-values.
  RowsAndColumnsIndependently,
};

struct PermutationResult {
  double observed = 0;
  std::vector<double> null;  // one value per permutation, in permutation order
  double pValue = 1;         // one-sided, (1 + #null ≥ observed) / (1 + #null)
};
PermutationResult permutationTest(const Matrix& a, const Matrix& b, const InferenceOptions& options,
                                  PermutationScheme scheme, Progress& progress);

// Shi et al.: the stimuli split into `folds` contiguous blocks in their
// given order; the comparison on each block's sub-RDMs, their mean and
// standard error (SD / √folds).
struct FoldResult {
  std::vector<double> values;
  double mean = 0, standardError = 0;
};
FoldResult contiguousFolds(const Matrix& a, const Matrix& b, const CompareOptions& options,
                           std::size_t folds = 4);

}  // namespace nl::analysis::rsa
