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

// Updates come in two steps so that a view can keep the labels on its own
// thread: collect() reads the labels (fast: the diff's voxels and the boxes
// of the instances it touched), thin() does the slow part without them and
// may run in the background — never at the same time as collect().
class IncrementalScore {
 public:
  // Thins the ground truth (seconds on a FISBe volume; run it as a task).
  IncrementalScore(InstanceSet groundTruth, EvaluationOptions options,
                   Progress* progress = nullptr);
  // All of it at once: the ground truth, then collect(labels) and thin().
  IncrementalScore(InstanceSet groundTruth, const LabelVolume& labels, EvaluationOptions options,
                   Progress* progress = nullptr);
  ~IncrementalScore();

  // Everything from scratch: every instance of `labels`. Throws
  // std::invalid_argument when the labels and the ground truth differ in shape.
  void collect(const LabelVolume& labels);
  // After `diff` was applied to `labels` (or reverted: pass reversed(diff)).
  void collect(const LabelVolume& labels, const LabelDiff& diff);
  // Thins the instances collected since the last thin().
  void thin(Progress* progress = nullptr);
  // collect(labels, diff) then thin().
  void update(const LabelVolume& labels, const LabelDiff& diff, Progress* progress = nullptr);
  // The metrics of the labels as last collected and thinned.
  ImageMetrics metrics(Progress* progress = nullptr) const;
  bool collected() const { return collected_; }

  const InstanceSet& groundTruth() const { return gt_; }
  const EvaluationOptions& options() const { return options_; }
  // FISBe's partly-labelled rules (only the matching changes: nothing is thinned again).
  void setPartlyLabelled(bool partly) { options_.partlyLabelled = partly; }
  // Predictions thinned by the last update (tests, status line).
  std::size_t lastThinned() const { return lastThinned_; }

 private:
  struct Prediction {
    InstanceMask mask;
    std::vector<Voxel> skeleton;
    std::vector<std::int64_t> inGt;  // skeleton voxels per GT id (0: in none)
  };
  void gather(const LabelVolume& labels, Label label);
  // GT skeleton voxels at a flat index: (GT id - 1) × 2 + (0: skeleton, 1: without overlap).
  std::unordered_multimap<std::uint64_t, std::uint32_t> onSkeleton_;
  std::vector<std::uint64_t> skeletonBits_;  // a bit per voxel: on some GT skeleton
  InstanceSet gt_;
  EvaluationOptions options_;
  GroundTruthSkeletons gtSkeletons_;
  // [kind][GT id - 1][prediction label]: skeleton voxels of that GT inside it.
  std::vector<std::unordered_map<Label, std::int64_t>> recall_[2];
  std::map<Label, Prediction> predictions_;
  std::map<Label, InstanceMask> gathered_;  // collected, not thinned (empty mask: gone)
  std::size_t lastThinned_ = 0;
  bool collected_ = false;
};

// The diff that undoes `diff` (before and after swapped).
LabelDiff reversed(const LabelDiff& diff);

}  // namespace nl::analysis::fisbe::edit
