#pragma once
// Mapping brain populations onto network layers (Shi, Shea-Brown & Buice,
// NeurIPS 2019): for each population, its RDM similarity to every layer with
// bootstrap CIs and a noise ceiling, the best layer and the pseudo-depth.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "analysis/Progress.h"
#include "analysis/rsa/Compare.h"
#include "analysis/rsa/Inference.h"
#include "analysis/rsa/Rdm.h"

namespace nl::analysis::rsa {

struct NoiseCeilingRange {
  double lower = 0, upper = 0;  // split-half: mean ∓ SD; group: rsatoolbox's bounds
};

struct PopulationInput {
  std::string name;
  Matrix rdm;
  std::optional<NoiseCeilingRange> noiseCeiling;
};

struct LayerInput {
  std::string name;
  Matrix rdm;
};

struct LayerMappingOptions {
  InferenceOptions inference;  // comparison, bootstrap replicates, seed, threads, confidence
  bool bootstrap = true;       // false: point estimates only (no CIs)
};

struct PopulationProfile {
  std::string name;
  std::vector<double> similarity;     // per layer, on all stimuli
  std::vector<double> ciLow, ciHigh;  // per layer, percentile bootstrap CI (NaN without)
  std::vector<double> standardError;  // per layer, bootstrap SD (NaN without)
  std::optional<NoiseCeilingRange> noiseCeiling;
  std::size_t bestLayer = 0;  // argmax of similarity (first on ties)
  double pseudoDepth = 0;     // bestLayer / (layers − 1)
  Interval pseudoDepthCi;     // over the replicates' best layers
  // Σ max(sᵢ, 0) · i/(L−1) / Σ max(sᵢ, 0): a depth that uses the whole
  // profile, not just its peak (NaN when no layer has positive similarity).
  double weightedDepth = 0;
  // Fraction of replicates whose best layer is each layer.
  std::vector<double> bestLayerFrequency;
};

struct LayerMappingResult {
  std::vector<std::string> layerNames;
  std::vector<PopulationProfile> populations;
  PairwiseBootstrap bootstrap;  // rows: populations, columns: layers (empty without bootstrap)
};

// Needs ≥ 2 layers and ≥ 1 population, all on the same stimuli.
LayerMappingResult mapLayers(const std::vector<LayerInput>& layers,
                             const std::vector<PopulationInput>& populations,
                             const LayerMappingOptions& options, Progress& progress);

// Depth index helpers (also used by views): i / (layers − 1).
double pseudoDepth(std::size_t layer, std::size_t layerCount);
double similarityWeightedDepth(const std::vector<double>& similarity);

// How stable a population's RDM is under subsampling: for each stimulus count
// m and neuron count k, `repeats` random draws (without replacement) of m
// stimuli and k neurons; the RDM of the draw is compared with the
// full-population RDM restricted to the same m stimuli.
struct SubsamplingOptions {
  RdmOptions rdm;
  CompareOptions compare;
  std::vector<std::size_t> neuronCounts;    // each in [1, units]
  std::vector<std::size_t> stimulusCounts;  // each in [3, stimuli]; empty: all stimuli only
  std::size_t repeats = 20;
  std::uint64_t seed = 1;
  int threads = 0;
};
struct SubsamplingCurves {
  std::vector<std::size_t> neuronCounts, stimulusCounts;
  Matrix mean, standardDeviation;  // stimulusCounts × neuronCounts
};
SubsamplingCurves subsamplingCurves(const Eigen::Ref<const RowMatrix>& responses,
                                    const SubsamplingOptions& options, Progress& progress);

}  // namespace nl::analysis::rsa
