#pragma once
// A 1:step preview of a LabelVolume for 3D views: each preview voxel holds
// the largest label of its step × step × step block (0 when the block is
// background), so thin neurites stay connected where striding would break
// them. After an edit only the blocks its voxels lie in are recomputed.
#include <set>
#include <vector>

#include "analysis/fisbe/edit/LabelVolume.h"

namespace nl::analysis::fisbe::edit {

class LabelPreview {
 public:
  LabelPreview(const LabelVolume& labels, std::int64_t step);
  std::int64_t step() const { return step_; }
  Shape3 shape() const { return shape_; }
  const std::vector<Label>& values() const { return values_; }  // C order z, y, x
  // Recomputes the blocks `diff` touched; returns the labels whose preview
  // voxels changed (0 excluded).
  std::set<Label> update(const LabelVolume& labels, const LabelDiff& diff);

 private:
  Label block(const LabelVolume& labels, std::int64_t bz, std::int64_t by, std::int64_t bx) const;
  std::int64_t step_;
  Shape3 shape_;
  std::vector<Label> values_;
};

// The smallest step whose preview has at most `maxVoxels` voxels.
std::int64_t previewStepFor(Shape3 shape, std::int64_t maxVoxels);

}  // namespace nl::analysis::fisbe::edit
