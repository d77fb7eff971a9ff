#pragma once
// Noise ceilings: how well the best possible model could match a brain RDM
// given the noise in the data.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "analysis/Progress.h"
#include "analysis/rsa/Compare.h"
#include "analysis/rsa/Rdm.h"

namespace nl::analysis::rsa {

// A view of trials × stimuli × units responses stored C-order (as
// ephys.response_matrix keeps them). NaN marks a missing trial: a (trial,
// stimulus) with any NaN unit is left out for that stimulus.
struct TrialResponses {
  std::span<const double> values;
  std::size_t trials = 0, stimuli = 0, units = 0;
  double at(std::size_t trial, std::size_t stimulus, std::size_t unit) const {
    return values[(trial * stimuli + stimulus) * units + unit];
  }
};

// The Spearman–Brown prophecy: reliability of data `factor` times as long.
double spearmanBrown(double reliability, double factor = 2.0);

struct SplitHalfOptions {
  RdmOptions rdm;
  CompareOptions compare;
  std::size_t repeats = 100;
  std::uint64_t seed = 1;
  int threads = 0;
};

struct SplitHalfCeiling {
  double mean = 0;  // mean Spearman–Brown-corrected split-half similarity
  double standardDeviation = 0;
  std::vector<double> raw;        // per repeat, uncorrected
  std::vector<double> corrected;  // per repeat, 2r / (1 + r)
};

// Each repeat splits every stimulus's valid trials at random into two halves
// (sizes ⌊k/2⌋ and ⌈k/2⌉), averages each half, computes both RDMs and
// compares them; the Spearman–Brown correction estimates the similarity of
// two full data sets. Every stimulus needs ≥ 2 valid trials
// (std::invalid_argument naming the first that has fewer).
SplitHalfCeiling splitHalfNoiseCeiling(const TrialResponses& responses,
                                       const SplitHalfOptions& options, Progress& progress);

// rsatoolbox's pool_rdm: the average RDM that a comparison `method` would
// score best. Pearson: each vector z-scored, averaged, shifted to minimum 0;
// cosine: each scaled to unit root-mean-square, averaged; Spearman and
// Kendall: each rank-transformed (average ranks), averaged. Each input is an
// RDM's entry vector (all the same length). Unlike rsatoolbox, which keeps
// only the NaN positions of the first RDM, an entry is averaged over the
// RDMs where it is not NaN (NaN only where every RDM has NaN).
std::vector<double> poolRdmVectors(const std::vector<std::vector<double>>& vectors,
                                   CompareMethod method);

struct NoiseCeilingBounds {
  double lower = 0;  // mean over i of compare(pool(all RDMs but i), RDM i)
  double upper = 0;  // mean over i of compare(pool(all RDMs), RDM i)
};
// rsatoolbox's boot_noise_ceiling for several RDMs of one population
// (subjects, sessions): leave-one-out vs all. Needs ≥ 2 RDMs of one size.
NoiseCeilingBounds groupNoiseCeiling(const std::vector<Matrix>& rdms,
                                     const CompareOptions& options);

}  // namespace nl::analysis::rsa
