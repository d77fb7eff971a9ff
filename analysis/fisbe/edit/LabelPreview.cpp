#include "analysis/fisbe/edit/LabelPreview.h"

#include <algorithm>
#include <stdexcept>
#include <unordered_set>

namespace nl::analysis::fisbe::edit {

std::int64_t previewStepFor(Shape3 shape, std::int64_t maxVoxels) {
  for (std::int64_t step = 1;; ++step) {
    const auto n = [&](std::int64_t extent) { return (extent + step - 1) / step; };
    if (n(shape.depth) * n(shape.height) * n(shape.width) <= std::max<std::int64_t>(1, maxVoxels))
      return step;
  }
}

LabelPreview::LabelPreview(const LabelVolume& labels, std::int64_t step) : step_(step) {
  if (step < 1) throw std::invalid_argument("preview step must be at least 1");
  const Shape3 s = labels.shape();
  shape_ = {(s.depth + step - 1) / step, (s.height + step - 1) / step, (s.width + step - 1) / step};
  values_.assign(static_cast<std::size_t>(shape_.voxels()), 0);
  // One pass over the volume, row by row.
  std::vector<Label> row(static_cast<std::size_t>(s.width));
  for (std::int64_t z = 0; z < s.depth; ++z)
    for (std::int64_t y = 0; y < s.height; ++y) {
      labels.readRow(z, y, 0, s.width, row.data());
      Label* out = values_.data() + ((z / step) * shape_.height + y / step) * shape_.width;
      for (std::int64_t x = 0; x < s.width; ++x) {
        const Label v = row[static_cast<std::size_t>(x)];
        if (v > out[x / step]) out[x / step] = v;
      }
    }
}

Label LabelPreview::block(const LabelVolume& labels, std::int64_t bz, std::int64_t by,
                          std::int64_t bx) const {
  const Shape3 s = labels.shape();
  const std::int64_t x0 = bx * step_, x1 = std::min(s.width, x0 + step_);
  std::vector<Label> row(static_cast<std::size_t>(x1 - x0));
  Label best = 0;
  for (std::int64_t z = bz * step_; z < std::min(s.depth, (bz + 1) * step_); ++z)
    for (std::int64_t y = by * step_; y < std::min(s.height, (by + 1) * step_); ++y) {
      labels.readRow(z, y, x0, x1, row.data());
      for (const Label v : row) best = std::max(best, v);
    }
  return best;
}

std::set<Label> LabelPreview::update(const LabelVolume& labels, const LabelDiff& diff) {
  const Shape3 s = labels.shape();
  const auto plane = static_cast<std::uint64_t>(s.height * s.width);
  const auto width = static_cast<std::uint64_t>(s.width);
  std::unordered_set<std::uint64_t> blocks;
  for (const DiffRun& r : diff.runs)
    for (std::uint64_t i = r.start; i < r.start + r.length; ++i) {
      const auto z = static_cast<std::int64_t>(i / plane);
      const auto y = static_cast<std::int64_t>(i % plane / width);
      const auto x = static_cast<std::int64_t>(i % width);
      blocks.insert(static_cast<std::uint64_t>(
          ((z / step_) * shape_.height + y / step_) * shape_.width + x / step_));
    }
  std::set<Label> changed;
  for (const std::uint64_t b : blocks) {
    const auto bz = static_cast<std::int64_t>(b) / (shape_.height * shape_.width);
    const auto by = static_cast<std::int64_t>(b) / shape_.width % shape_.height;
    const auto bx = static_cast<std::int64_t>(b) % shape_.width;
    const Label now = block(labels, bz, by, bx);
    Label& stored = values_[b];
    if (now == stored) continue;
    if (stored != 0) changed.insert(stored);
    if (now != 0) changed.insert(now);
    stored = now;
  }
  return changed;
}

}  // namespace nl::analysis::fisbe::edit
