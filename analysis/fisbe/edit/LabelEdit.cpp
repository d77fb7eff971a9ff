#include "analysis/fisbe/edit/LabelEdit.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace nl::analysis::fisbe::edit {

namespace {

std::string str(Label label) {
  return std::to_string(label);
}

const InstanceInfo& instanceOrThrow(const LabelVolume& labels, Label label) {
  const auto it = labels.instances().find(label);
  if (label == 0 || it == labels.instances().end())
    throw std::invalid_argument("there is no instance " + str(label));
  return it->second;
}

void checkNewLabel(const LabelVolume& labels, Label label) {
  if (label == 0) throw std::invalid_argument("a new instance needs a label above 0");
  if (label > labels.typeMaximum())
    throw std::invalid_argument("label " + str(label) + " does not fit the label type " +
                                labelTypeName(labels.type()));
}

std::uint64_t flatIndex(const Shape3& s, std::int64_t z, std::int64_t y, std::int64_t x) {
  return static_cast<std::uint64_t>((z * s.height + y) * s.width + x);
}

// Calls visit(flatIndex, z, y, x) for every voxel of `label` inside `box`, in raster order.
template <typename Visit>
void forEachVoxelOf(const LabelVolume& labels, Label label, const Box& box, Visit&& visit) {
  const Shape3 s = labels.shape();
  for (const Run& r : labels.runsOf(label, box))
    for (std::int32_t x = r.x0; x < r.x1; ++x) visit(flatIndex(s, r.z, r.y, x), r.z, r.y, x);
}

LabelDiff relabel(const LabelVolume& labels, Label from, Label to) {
  LabelDiff diff;
  const Shape3 s = labels.shape();
  const auto runs = labels.runsOf(from, instanceOrThrow(labels, from).box);
  diff.runs.reserve(runs.size());
  for (const Run& r : runs)
    diff.runs.push_back(
        {flatIndex(s, r.z, r.y, r.x0), static_cast<std::uint32_t>(r.x1 - r.x0), from, to});
  return diff;
}

LabelDiff merge(const LabelVolume& labels, const EditOperation& op) {
  if (op.labels.size() < 2) throw std::invalid_argument("a merge needs two instances");
  const Label kept = op.labels.front();
  instanceOrThrow(labels, kept);
  LabelDiff diff;
  for (std::size_t i = 1; i < op.labels.size(); ++i) {
    if (op.labels[i] == kept) continue;
    auto part = relabel(labels, op.labels[i], kept);
    diff.runs.insert(diff.runs.end(), part.runs.begin(), part.runs.end());
  }
  // Each part is sorted; the parts hold different voxels.
  std::sort(diff.runs.begin(), diff.runs.end(),
            [](const DiffRun& a, const DiffRun& b) { return a.start < b.start; });
  return diff;
}

LabelDiff paint(const LabelVolume& labels, const EditOperation& op) {
  if (op.labels.size() != 1) throw std::invalid_argument("painting needs one label");
  const Label value = op.labels.front();
  if (value > labels.typeMaximum())
    throw std::invalid_argument("label " + str(value) + " does not fit the label type " +
                                labelTypeName(labels.type()));
  if (!(op.radius > 0) || !std::isfinite(op.radius))
    throw std::invalid_argument("the brush radius must be positive");
  for (double s : op.spacing)
    if (!(s > 0)) throw std::invalid_argument("the voxel spacing must be positive");
  const Shape3 s = labels.shape();
  const double r2 = op.radius * op.radius;
  std::array<std::int64_t, 3> reach{};
  for (int a = 0; a < 3; ++a)
    reach[static_cast<std::size_t>(a)] =
        static_cast<std::int64_t>(std::floor(op.radius / op.spacing[static_cast<std::size_t>(a)]));
  std::vector<std::uint64_t> indices;
  for (const Voxel& c : op.points)
    for (std::int64_t dz = -reach[0]; dz <= reach[0]; ++dz)
      for (std::int64_t dy = -reach[1]; dy <= reach[1]; ++dy)
        for (std::int64_t dx = -reach[2]; dx <= reach[2]; ++dx) {
          const double d = std::pow(static_cast<double>(dz) * op.spacing[0], 2) +
                           std::pow(static_cast<double>(dy) * op.spacing[1], 2) +
                           std::pow(static_cast<double>(dx) * op.spacing[2], 2);
          if (d > r2) continue;
          const std::int64_t z = c.z + dz, y = c.y + dy, x = c.x + dx;
          if (!labels.inside(z, y, x)) continue;
          indices.push_back(static_cast<std::uint64_t>((z * s.height + y) * s.width + x));
        }
  std::sort(indices.begin(), indices.end());
  indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
  LabelDiff diff;
  for (const std::uint64_t index : indices) {
    const Label before = labels.at(index);
    if (before == value) continue;
    if (op.paintMode == EditOperation::PaintMode::BackgroundOnly && before != 0) continue;
    diff.append(index, before, value);
  }
  return diff;
}

LabelDiff splitByPlane(const LabelVolume& labels, const EditOperation& op) {
  if (op.labels.size() != 1 || op.points.size() != 1 || op.newLabels.size() != 1)
    throw std::invalid_argument("a split by a plane needs an instance, a point and a new label");
  const Label label = op.labels.front(), fresh = op.newLabels.front();
  checkNewLabel(labels, fresh);
  if (fresh != label && labels.hasInstance(fresh))
    throw std::invalid_argument("label " + str(fresh) + " is already an instance");
  const auto& [nz, ny, nx] = op.normal;
  if (!(nz * nz + ny * ny + nx * nx > 0)) throw std::invalid_argument("the plane needs a normal");
  const Voxel p = op.points.front();
  LabelDiff diff;
  std::int64_t total = 0;
  forEachVoxelOf(labels, label, instanceOrThrow(labels, label).box,
                 [&](std::uint64_t index, std::int64_t z, std::int64_t y, std::int64_t x) {
                   ++total;
                   const double side = static_cast<double>(z - p.z) * nz +
                                       static_cast<double>(y - p.y) * ny +
                                       static_cast<double>(x - p.x) * nx;
                   if (side > 0) diff.append(index, label, fresh);
                 });
  const std::int64_t moved = diff.voxelCount();
  if (moved == 0 || moved == total)
    throw std::invalid_argument("the plane does not cut instance " + str(label));
  return diff;
}

LabelDiff splitBySeeds(const LabelVolume& labels, const EditOperation& op) {
  if (op.labels.size() != 1) throw std::invalid_argument("a split needs one instance");
  if (op.points.size() < 2 || op.points.size() != op.newLabels.size())
    throw std::invalid_argument("a split by seeds needs at least two seeds, each with a label");
  if (op.points.size() > 254) throw std::invalid_argument("at most 254 seeds");
  const Label label = op.labels.front();
  const Box box = instanceOrThrow(labels, label).box;
  for (std::size_t i = 0; i < op.points.size(); ++i) {
    const Voxel& v = op.points[i];
    if (!labels.inside(v.z, v.y, v.x) || labels.at(v.z, v.y, v.x) != label)
      throw std::invalid_argument("seed " + std::to_string(i + 1) + " (z " + std::to_string(v.z) +
                                  ", y " + std::to_string(v.y) + ", x " + std::to_string(v.x) +
                                  ") is not in instance " + str(label));
    if (op.newLabels[i] != label) {
      checkNewLabel(labels, op.newLabels[i]);
      if (labels.hasInstance(op.newLabels[i]))
        throw std::invalid_argument("label " + str(op.newLabels[i]) + " is already an instance");
    }
  }
  const std::int64_t bz = box.z1 - box.z0, by = box.y1 - box.y0, bx = box.x1 - box.x0;
  const auto local = [&](std::int64_t z, std::int64_t y, std::int64_t x) {
    return static_cast<std::size_t>(((z - box.z0) * by + (y - box.y0)) * bx + (x - box.x0));
  };
  // kOutside: not the instance; kUnreached: the instance, no seed yet; k: reached
  // from seed k (1-based). Marked from the instance's runs, so the flood
  // never reads the (much larger) label volume.
  constexpr std::uint8_t kOutside = 0, kUnreached = 255;
  std::vector<std::uint8_t> region(static_cast<std::size_t>(bz * by * bx), kOutside);
  const auto runs = labels.runsOf(label, box);
  for (const Run& r : runs)
    std::fill_n(region.begin() + static_cast<std::ptrdiff_t>(local(r.z, r.y, r.x0)), r.x1 - r.x0,
                kUnreached);
  std::deque<Voxel> queue;
  for (std::size_t i = 0; i < op.points.size(); ++i) {
    const Voxel& v = op.points[i];
    auto& slot = region[local(v.z, v.y, v.x)];
    if (slot != kUnreached) continue;  // two seeds on one voxel: the earlier one
    slot = static_cast<std::uint8_t>(i + 1);
    queue.push_back(v);
  }
  // Breadth first from all seeds at once: each voxel goes to the seed
  // geodesically nearest inside the instance (26-neighbourhood).
  while (!queue.empty()) {
    const Voxel v = queue.front();
    queue.pop_front();
    const std::uint8_t from = region[local(v.z, v.y, v.x)];
    for (int dz = -1; dz <= 1; ++dz)
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          if (dz == 0 && dy == 0 && dx == 0) continue;
          const std::int64_t z = v.z + dz, y = v.y + dy, x = v.x + dx;
          if (!box.contains(z, y, x)) continue;
          auto& slot = region[local(z, y, x)];
          if (slot != kUnreached) continue;
          slot = from;
          queue.push_back({static_cast<std::int32_t>(z), static_cast<std::int32_t>(y),
                           static_cast<std::int32_t>(x)});
        }
  }
  LabelDiff diff;
  const Shape3 s = labels.shape();
  for (const Run& r : runs)
    for (std::int32_t x = r.x0; x < r.x1; ++x) {
      const std::uint8_t seed = region[local(r.z, r.y, x)];
      if (seed == kUnreached) continue;
      const Label to = op.newLabels[seed - 1u];
      if (to != label) diff.append(flatIndex(s, r.z, r.y, x), label, to);
    }
  if (diff.empty())
    throw std::invalid_argument("the seeds leave instance " + str(label) + " whole");
  return diff;
}

}  // namespace

std::string EditOperation::describe() const {
  std::ostringstream out;
  const auto first = labels.empty() ? Label{0} : labels.front();
  switch (kind) {
    case Kind::Merge: {
      out << "Merge ";
      for (std::size_t i = 1; i < labels.size(); ++i) out << (i > 1 ? ", " : "") << labels[i];
      out << " into " << first;
      break;
    }
    case Kind::Erase:
      out << (labels.size() == 1 ? "Erase instance " : "Erase instances ");
      for (std::size_t i = 0; i < labels.size(); ++i) out << (i ? ", " : "") << labels[i];
      break;
    case Kind::Paint:
      out << (first == 0 ? "Erase brush" : "Paint label " + str(first)) << " (" << points.size()
          << (points.size() == 1 ? " dab" : " dabs") << ", radius " << radius << ")";
      break;
    case Kind::SplitByPlane:
      out << "Split " << first << " by a plane (new " << (newLabels.empty() ? 0 : newLabels[0])
          << ")";
      break;
    case Kind::SplitBySeeds:
      out << "Split " << first << " at " << points.size() << " seeds";
      break;
  }
  return out.str();
}

EditOperation mergeOperation(Label kept, std::vector<Label> absorbed) {
  EditOperation op;
  op.kind = EditOperation::Kind::Merge;
  op.labels = {kept};
  op.labels.insert(op.labels.end(), absorbed.begin(), absorbed.end());
  return op;
}

EditOperation eraseOperation(Label label) {
  return eraseOperation(std::vector<Label>{label});
}

EditOperation eraseOperation(std::vector<Label> labels) {
  EditOperation op;
  op.kind = EditOperation::Kind::Erase;
  op.labels = std::move(labels);
  return op;
}

EditOperation paintOperation(Label value, std::vector<Voxel> centres, double radius,
                             std::array<double, 3> spacing, EditOperation::PaintMode mode) {
  EditOperation op;
  op.kind = EditOperation::Kind::Paint;
  op.labels = {value};
  op.points = std::move(centres);
  op.radius = radius;
  op.spacing = spacing;
  op.paintMode = mode;
  return op;
}

EditOperation splitByPlaneOperation(Label label, Voxel point, std::array<double, 3> normal,
                                    Label newLabel) {
  EditOperation op;
  op.kind = EditOperation::Kind::SplitByPlane;
  op.labels = {label};
  op.points = {point};
  op.normal = normal;
  op.newLabels = {newLabel};
  return op;
}

EditOperation splitBySeedsOperation(Label label, std::vector<Voxel> seeds,
                                    std::vector<Label> seedLabels) {
  EditOperation op;
  op.kind = EditOperation::Kind::SplitBySeeds;
  op.labels = {label};
  op.points = std::move(seeds);
  op.newLabels = std::move(seedLabels);
  return op;
}

LabelDiff computeEdit(const LabelVolume& labels, const EditOperation& op) {
  switch (op.kind) {
    case EditOperation::Kind::Merge:
      return merge(labels, op);
    case EditOperation::Kind::Erase: {
      if (op.labels.empty()) throw std::invalid_argument("erasing needs an instance");
      LabelDiff diff;
      for (const Label label : std::set<Label>(op.labels.begin(), op.labels.end())) {
        auto part = relabel(labels, label, 0);
        diff.runs.insert(diff.runs.end(), part.runs.begin(), part.runs.end());
      }
      std::sort(diff.runs.begin(), diff.runs.end(),
                [](const DiffRun& a, const DiffRun& b) { return a.start < b.start; });
      return diff;
    }
    case EditOperation::Kind::Paint:
      return paint(labels, op);
    case EditOperation::Kind::SplitByPlane:
      return splitByPlane(labels, op);
    case EditOperation::Kind::SplitBySeeds:
      return splitBySeeds(labels, op);
  }
  throw std::invalid_argument("unknown edit");
}

LabelDiff applyEdit(LabelVolume& labels, const EditOperation& operation) {
  LabelDiff diff = computeEdit(labels, operation);
  labels.apply(diff);
  return diff;
}

}  // namespace nl::analysis::fisbe::edit
