#pragma once
// The FISBe evaluation of a LabelVolume against a ground truth, kept up to
// date edit by edit. The costly parts of fisbe::evaluate are thinning every
// instance and looking every skeleton voxel up in the other side's masks;
// here the ground truth is thinned once, and after an edit
//  - the GT-skeleton-in-prediction counts (clRecall) change only at the
//    edit's changed voxels that lie on a GT skeleton: updated from the diff;
//  - only the predictions the edit touched are measured and thinned again,
//    and their skeleton-in-GT counts (clPrecision) recounted;
// then matching, coverage and the split/merge counts run on the counts
// (fisbe::evaluatePrepared). The numbers equal fisbe::evaluate on the same
// labels (tests/proofread).
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <vector>

#include "analysis/fisbe/Evaluate.h"
#include "analysis/fisbe/edit/LabelVolume.h"

namespace nl::analysis {
class Progress;
}

namespace nl::analysis::fisbe::edit {

class IncrementalScore {
 public:
  // `groundTruth` must have the labels' shape (no centre crop here);
  // throws std::invalid_argument otherwise. Thins the ground truth and every
  // prediction once (seconds on a FISBe volume; run it as a task).
  IncrementalScore(InstanceSet groundTruth, const LabelVolume& labels, EvaluationOptions options,
                   Progress* progress = nullptr);
  ~IncrementalScore();

  // After `diff` was applied to `labels` (or reverted: pass the reverse,
  // reversed(diff)). Thins again only the predictions the diff touched.
  void update(const LabelVolume& labels, const LabelDiff& diff, Progress* progress = nullptr);
  // The metrics of the current labels.
  ImageMetrics metrics(Progress* progress = nullptr) const;

  const InstanceSet& groundTruth() const { return gt_; }
  const EvaluationOptions& options() const { return options_; }
  // Predictions thinned by the last update (tests, status line).
  std::size_t lastThinned() const { return lastThinned_; }

 private:
  struct Prediction {
    InstanceMask mask;
    std::vector<Voxel> skeleton;
    std::vector<std::int64_t> inGt;  // skeleton voxels per GT id (0: in none)
  };
  void measure(const LabelVolume& labels, Label label);
  // GT skeleton voxels at a flat index: (GT id - 1) × 2 + (0: skeleton, 1: without overlap).
  std::unordered_multimap<std::uint64_t, std::uint32_t> onSkeleton_;
  std::vector<std::uint64_t> skeletonBits_;  // a bit per voxel: on some GT skeleton
  InstanceSet gt_;
  EvaluationOptions options_;
  GroundTruthSkeletons gtSkeletons_;
  // [kind][GT id - 1][prediction label]: skeleton voxels of that GT inside it.
  std::vector<std::unordered_map<Label, std::int64_t>> recall_[2];
  std::map<Label, Prediction> predictions_;
  std::size_t lastThinned_ = 0;
};

// The diff that undoes `diff` (before and after swapped).
LabelDiff reversed(const LabelDiff& diff);

}  // namespace nl::analysis::fisbe::edit
