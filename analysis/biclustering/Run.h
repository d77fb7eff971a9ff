#pragma once
// Several chains of the bi-clustering sampler in parallel, and the posterior
// summaries the plugin and the page show.
#include <Eigen/Dense>
#include <vector>

#include "analysis/Progress.h"
#include "analysis/biclustering/Sampler.h"
#include "analysis/biclustering/Summaries.h"

namespace nl::analysis::biclustering {

// Runs `iterations` more iterations of each chain: fresh chains 0 … chains−1
// when `resume` is empty, else the given chains continue. Chain c draws from
// its own stream (seed, c), so the numbers do not depend on `threads`
// (0: one thread per chain, up to the hardware's).
std::vector<Chain> runChains(const Eigen::MatrixXd& counts, const SamplerSettings& settings,
                             int chains, long iterations, int threads, std::vector<Chain> resume,
                             Progress& progress);

struct Trajectory {
  int slot = 0;
  double occupancy = 0.0;              // fraction of kept samples with the slot occupied
  Eigen::MatrixXd mean, lower, upper;  // (p+1) × T; 95 % HPD
  std::vector<int> neurons;            // members in the MAP sample
};

struct PosteriorSummary {
  int neurons = 0, bins = 0;
  long keptSamples = 0;
  Eigen::MatrixXd neuronSimilarity, timeSimilarity;
  PointEstimate neuronMaxPear, stateMaxPear;
  // minVI (Summaries.h): for the states it does not keep the few small
  // groups of bins of uncertain state that maxPEAR splits off
  // (docs/BICLUSTERING.md, "Point estimates of the states").
  PointEstimate neuronMinVi, stateMinVi;
  Partition neuronMap, stateMap;
  int mapChain = 0;
  long mapIteration = 0;
  std::vector<double> clusterCountHistogram, stateCountHistogram;  // index k: P(k)
  Eigen::VectorXd deltaMean, deltaLower, deltaUpper;
  Eigen::VectorXd dispersionMean, dispersionLower, dispersionUpper;
  std::vector<Trajectory> trajectories;  // from the chain of the MAP sample
  double rHatLogLikelihood = 0.0, essLogLikelihood = 0.0;
  double rHatClusters = 0.0, essClusters = 0.0;
  double rHatStates = 0.0, essStates = 0.0;
};

PosteriorSummary summarise(const std::vector<Chain>& chains, const SamplerSettings& settings,
                           int neurons, int bins);

}  // namespace nl::analysis::biclustering
