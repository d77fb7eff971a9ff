#pragma once
// The FISBe instance-segmentation evaluation (Mais, Hirsch et al., CVPR 2024),
// reproducing Kainmueller-Lab/evaluate-instance-segmentation with its
// "flylight" preset number for number: clDice localization on Lee '94
// skeletons, greedy one-to-one matching at 14 thresholds, GT coverage,
// false splits and merges by consuming many-to-many matching, and the dim and
// overlapping-neuron subsets. docs/FISBE_METRICS.md describes every number.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "analysis/fisbe/Instances.h"
#include "analysis/fisbe/Skeletonize.h"

namespace nl::analysis {
class Progress;
}

namespace nl::analysis::fisbe {

struct EvaluationOptions {
  // Predicted labels with at most this many voxels are removed (flylight: 800).
  std::int64_t removeSmallPredictions = 800;
  // Partly labelled ground truth: unmatched predictions count as false
  // positives only when they lie mainly on a labelled neuron.
  bool partlyLabelled = false;
  double falseMergeThreshold = 0.1;
  double falseSplitThreshold = 0.05;
  // The ground truth's `dim_neurons` attribute: ids as the official code reads
  // them (1-based channel numbers for FISBe's one-channel-per-neuron GT).
  std::vector<std::int64_t> dimNeurons;
  ThinningVariant thinning = ThinningVariant::Skimage019;
  // Skeletonization threads (0: one per hardware thread); with 1, evaluate()
  // also reads the ground truth and the prediction one after the other.
  unsigned threads = 0;
};

// (rows × cols) float32 matrix, row-major; rows are GT ids 0..N (0 =
// background), columns prediction ids 0..M, as in the official code.
struct ScoreMatrix {
  int rows = 0, cols = 0;
  std::vector<float> values;
  float at(int gt, int pred) const {
    return values[static_cast<std::size_t>(gt) * static_cast<std::size_t>(cols) +
                  static_cast<std::size_t>(pred)];
  }
  float& at(int gt, int pred) {
    return values[static_cast<std::size_t>(gt) * static_cast<std::size_t>(cols) +
                  static_cast<std::size_t>(pred)];
  }
};

struct Match {
  int gt = 0, pred = 0;
  float clDice = 0;
};

struct ThresholdMetrics {
  double threshold = 0;
  std::string key;  // "th_0_5", as in the official TOML
  std::int64_t tp = 0, fp = 0, fn = 0;
  double precision = 0, recall = 0, ap = 0, fscore = 0;
  std::int64_t falseSplit = 0, falseMerge = 0;
  std::vector<Match> matches;              // in matching order (descending clDice)
  std::vector<int> falsePositives;         // unmatched predictions that count as FP
  std::vector<int> falseNegatives;         // unmatched GT
  std::vector<int> unmatchedOnGt;          // unmatched predictions mainly on a GT neuron (fs_ind)
  std::vector<int> unmatchedOnBackground;  // … mainly on background (fp_ind_only_bg)
  std::vector<int> mergingPredictions;     // predictions over > 1 GT (clRecall > threshold)
};

struct SubsetMetrics {
  std::vector<int> gtIds;  // evaluation ids of the subset's GT instances
  std::int64_t tp05 = 0;   // greedy matches with clDice > 0.5 within the subset
  double tp05Relative = 0;
  std::vector<double> coverage;  // per subset instance
  double averageCoverage = 0;
};

struct GtInstanceRow {
  int id = 0;
  std::int64_t channel = 0, label = 0, voxels = 0, skeletonVoxels = 0;
  Box box;
  bool dim = false, overlapping = false;
  int matchedPred05 = 0;  // 0: none
  float matchedClDice05 = 0;
  int bestPred = 0;  // highest clDice (ties: lowest id), 0 when all are 0
  float bestClDice = 0;
  double coverage = 0;                   // C of this GT instance
  std::vector<int> coveringPredictions;  // assigned to it by argmax clPrecision
  std::vector<int> splitPredictions;     // many-to-many matches at the false-split threshold
};

struct PredInstanceRow {
  int id = 0;
  std::int64_t channel = 0, label = 0, voxels = 0, skeletonVoxels = 0;
  Box box;
  int matchedGt05 = 0;  // 0: none
  float matchedClDice05 = 0;
  int assignedGt = 0;  // argmax clPrecision (0: background)
  bool falsePositive05 = false;
  bool falseSplit05 = false;   // unmatched at 0.5 and mainly on a GT neuron
  std::vector<int> mergedGts;  // many-to-many matches at the false-merge threshold (if > 1)
};

struct ImageMetrics {
  bool partlyLabelled = false;
  std::int64_t numGt = 0, numPred = 0;
  bool gtOverlaps = false, predOverlaps = false;
  Shape3 evaluatedShape;

  ScoreMatrix clPrecision, clRecall, clDice;
  std::vector<ThresholdMetrics> thresholds;  // 0.1…0.9, then 0.55…0.95 (official order)
  double avAP59 = 0, avAP19 = 0, avFscore59 = 0, avFscore19 = 0;

  std::int64_t tp05 = 0;
  double tp05Relative = 0;
  std::vector<float> tp05ClDice;  // clDice of each TP at 0.5, matching order
  double averageTp05ClDice = 0;

  std::vector<double> gtCoverage;  // C per GT instance
  double averageGtCoverage = 0;    // C
  double score = 0;                // S = 0.5·avF1 + 0.5·C (avg_f1_cov_score)

  std::int64_t falseMerges = 0, falseSplits = 0;                         // FM, FS
  std::map<int, std::vector<int>> falseSplitMatches, falseMergeMatches;  // gt -> preds

  SubsetMetrics dim, overlap;
  std::vector<GtInstanceRow> gtInstances;
  std::vector<PredInstanceRow> predInstances;
  std::vector<std::string> warnings;

  const ThresholdMetrics& at(double threshold) const;  // throws std::out_of_range
};

// Skeleton of one instance (thinned inside its bounding box, which equals
// thinning the whole volume), as voxel coordinates in raster order.
std::vector<Voxel> instanceSkeleton(const InstanceMask& mask, const ThinningOptions& options = {});

// The fourteen thresholds in the official order.
const std::vector<double>& evaluationThresholds();

// Scores prepared instance sets (see loadInstances; the prediction already
// filtered). Both must have the same shape.
ImageMetrics evaluateInstances(const InstanceSet& gt, const InstanceSet& pred,
                               const EvaluationOptions& options, Progress* progress = nullptr);

// The ground truth's skeletons as the evaluation thins them: every
// instance, and for instances that touch another GT instance (FISBe's
// overlapping neurons) the instance minus the shared voxels (the false-merge
// rule). Computed once by an incremental scorer (analysis/fisbe/edit/).
struct GroundTruthSkeletons {
  std::vector<std::vector<Voxel>> skeletons;       // by id - 1
  std::vector<std::vector<Voxel>> withoutOverlap;  // by id - 1; empty unless touchesOverlap
  std::vector<char> touchesOverlap;                // by id - 1
};
GroundTruthSkeletons groundTruthSkeletons(const InstanceSet& gt, const EvaluationOptions& options,
                                          Progress* progress = nullptr);

// What evaluateInstances derives from skeletons and voxel lookups, supplied
// by a caller that keeps it up to date (the proofreading scorer updates the
// counts from each edit's changed voxels instead of scoring again).
struct PreparedOverlaps {
  const GroundTruthSkeletons* gt = nullptr;
  std::vector<std::vector<Voxel>> predSkeletons;  // by prediction id - 1
  // [p - 1][g]: skeleton voxels of prediction p inside GT g (g = 0: inside none).
  std::vector<std::vector<std::int64_t>> precisionCounts;
  // [g - 1][p]: skeleton voxels of GT g inside prediction p (p = 0: inside none).
  std::vector<std::vector<std::int64_t>> recallCounts;
  // The same for gt->withoutOverlap (rows of instances touching the overlap).
  std::vector<std::vector<std::int64_t>> recallWithoutOverlapCounts;
};
// evaluateInstances with the skeletons and counts given: the same numbers
// as evaluateInstances when they are what it would compute.
ImageMetrics evaluatePrepared(const InstanceSet& gt, const InstanceSet& pred,
                              const EvaluationOptions& options, const PreparedOverlaps& prepared,
                              Progress* progress = nullptr);

// The whole evaluation from label volumes: centre crop, preprocessing, scoring.
ImageMetrics evaluate(const LabelSource& gt, const LabelSource& pred,
                      const EvaluationOptions& options, Progress* progress = nullptr);

}  // namespace nl::analysis::fisbe
