#pragma once
// An editable instance label volume for proofreading: one channel of ids
// (0 = background) held in the integer type the file stores (uint8 … int64),
// never widened to doubles. Every edit is a LabelDiff — the changed voxels as
// runs of consecutive flat indices with their label before and after — so
// undo and redo apply a diff backwards or forwards without volume copies.
//
// Per instance the volume keeps its voxel count and a bounding box that
// contains it (boxes grow with edits and are not shrunk, so an edit scans
// at most the box of the instance it touches, not the volume).
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "analysis/fisbe/Instances.h"

namespace nl::analysis {
class Progress;
}

namespace nl::analysis::fisbe::edit {

using Label = std::uint64_t;

// `length` consecutive voxels from flat index `start` (C order z, y, x) that
// all went from `before` to `after`.
struct DiffRun {
  std::uint64_t start = 0;
  std::uint32_t length = 0;
  Label before = 0, after = 0;
  bool operator==(const DiffRun&) const = default;
};

// The voxels one edit changed, runs in increasing `start`, disjoint.
struct LabelDiff {
  std::vector<DiffRun> runs;
  bool empty() const { return runs.empty(); }
  std::int64_t voxelCount() const;
  std::size_t bytes() const { return runs.capacity() * sizeof(DiffRun) + sizeof(LabelDiff); }
  // Every label the edit took voxels from or gave voxels to (0 excluded).
  std::set<Label> touchedLabels() const;
  // Appends voxel `index` (indices must come in increasing order); merges it
  // into the last run when it continues it with the same labels.
  void append(std::uint64_t index, Label before, Label after);
};

struct InstanceInfo {
  std::int64_t voxels = 0;
  Box box;  // contains every voxel of the instance (may be larger after edits)
};

class LabelVolume {
 public:
  LabelVolume() = default;
  // A volume of zeros; integer types only (Bool is stored as UInt8).
  LabelVolume(Shape3 shape, LabelType type);
  // One channel of ids is copied in its own type. Several channels (FISBe's
  // one channel per instance) become ids channel + 1 in the smallest unsigned
  // type that holds them; a voxel in several instances takes the highest
  // channel, and overlapVoxels() counts such voxels (this editor holds one
  // label per voxel). Throws std::invalid_argument for negative labels.
  static LabelVolume fromSource(const LabelSource& source, Progress* progress = nullptr);

  Shape3 shape() const { return shape_; }
  LabelType type() const { return type_; }
  std::int64_t voxelCount() const { return shape_.voxels(); }
  const void* data() const { return data_.data(); }
  // The volume as the evaluation reads it (no copy; valid while this lives unchanged).
  LabelBuffer buffer() const { return LabelBuffer(data_.data(), type_, 1, shape_); }
  std::int64_t overlapVoxels() const { return overlapVoxels_; }

  Label at(std::uint64_t flatIndex) const;
  Label at(std::int64_t z, std::int64_t y, std::int64_t x) const {
    return at(static_cast<std::uint64_t>((z * shape_.height + y) * shape_.width + x));
  }
  bool inside(std::int64_t z, std::int64_t y, std::int64_t x) const {
    return z >= 0 && y >= 0 && x >= 0 && z < shape_.depth && y < shape_.height && x < shape_.width;
  }
  // The largest value the stored type holds.
  Label typeMaximum() const;
  // A label no instance uses (above every label ever used); throws
  // std::overflow_error naming the type when it is full.
  Label unusedLabel() const;

  const std::map<Label, InstanceInfo>& instances() const { return instances_; }
  bool hasInstance(Label label) const { return instances_.count(label) > 0; }

  // Writes the diff's `after` labels (apply) or its `before` labels (revert).
  // Throws std::invalid_argument when a run lies outside the volume or a
  // label does not fit the type.
  void apply(const LabelDiff& diff) { write(diff, true); }
  void revert(const LabelDiff& diff) { write(diff, false); }

  // The voxels of `label` inside `box` as row runs in raster order. Scans the
  // rows in the stored type, 16 voxels at a time (what merges, splits and
  // the rescoring of a big, sparse neuron spend their time on).
  std::vector<Run> runsOf(Label label, const Box& box) const;

  // Voxels [x0, x1) of row (z, y) as 64-bit ids into out[0 … x1 − x0)
  // (edits and views work on rows: one type switch per row, not per voxel).
  void readRow(std::int64_t z, std::int64_t y, std::int64_t x0, std::int64_t x1, Label* out) const;

 private:
  void write(const LabelDiff& diff, bool forward);
  void measure();
  Shape3 shape_;
  LabelType type_ = LabelType::UInt32;
  std::vector<unsigned char> data_;
  std::map<Label, InstanceInfo> instances_;
  Label highestEverUsed_ = 0;
  std::int64_t overlapVoxels_ = 0;
};

}  // namespace nl::analysis::fisbe::edit
