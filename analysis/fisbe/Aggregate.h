#pragma once
// Scores over a set of images, as evalinstseg.summarize does it for FISBe:
// counts are pooled per set (F1 per threshold from summed TP/FP/FN, C from
// all GT instances of the set), and a "combined" evaluation of completely and
// partly labelled images averages the two sets' S, avF1 and C and sums their
// counts.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/fisbe/Evaluate.h"

namespace nl::analysis::fisbe {

struct PooledThreshold {
  double threshold = 0;
  std::string key;
  std::int64_t tp = 0, fp = 0, fn = 0;
  double fscore = 0;
};

struct SetSummary {
  std::int64_t images = 0;
  std::int64_t numGt = 0, numPred = 0;
  std::vector<PooledThreshold> thresholds;  // 0.1 … 0.9
  double avFscore = 0;                      // avF1
  std::vector<float> gtCoverages;           // every GT instance's C (float32, as pooled)
  double averageGtCoverage = 0;             // C
  double score = 0;                         // S = 0.5·avF1 + 0.5·C
  std::int64_t falseMerges = 0, falseSplits = 0;
  std::int64_t tp05 = 0;
  double tp05Relative = 0;
  std::vector<float> tp05ClDice;
  double averageTp05ClDice = 0;
  // Dim and overlap subsets (summarize.average_flylight_score_over_instances
  // only; a combined summary leaves them out).
  bool hasSubsets = false;
  std::int64_t gtDim = 0, tp05Dim = 0;
  double tp05RelativeDim = 0, averageGtCoverageDim = 0;
  std::int64_t gtOverlap = 0, tp05Overlap = 0;
  double tp05RelativeOverlap = 0, averageGtCoverageOverlap = 0;
};

// One set of images pooled (average_flylight_score_over_instances).
SetSummary summarizeSet(std::span<const ImageMetrics* const> images);
// The combined evaluation of a complete and a partly labelled set (average_sets).
SetSummary combineSets(const SetSummary& complete, const SetSummary& partly);

struct EvaluationSummary {
  std::optional<SetSummary> complete, partly;  // only when both kinds occur
  SetSummary combined;                         // all images when only one kind occurs
};
// aggregate_and_report: splits by ImageMetrics::partlyLabelled.
EvaluationSummary summarize(std::span<const ImageMetrics* const> images);

}  // namespace nl::analysis::fisbe
