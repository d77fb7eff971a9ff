#include "analysis/fisbe/edit/IncrementalScore.h"

#include <algorithm>
#include <iterator>
#include <stdexcept>

#include "analysis/Progress.h"

namespace nl::analysis::fisbe::edit {

LabelDiff reversed(const LabelDiff& diff) {
  LabelDiff out = diff;
  for (DiffRun& r : out.runs) std::swap(r.before, r.after);
  return out;
}

IncrementalScore::IncrementalScore(InstanceSet groundTruth, EvaluationOptions options,
                                   Progress* progress)
    : gt_(std::move(groundTruth)), options_(std::move(options)) {
  if (progress) progress->update(0.0, "thinning the ground truth");
  gtSkeletons_ = groundTruthSkeletons(gt_, options_, progress);
}

IncrementalScore::IncrementalScore(InstanceSet groundTruth, const LabelVolume& labels,
                                   EvaluationOptions options, Progress* progress)
    : IncrementalScore(std::move(groundTruth), std::move(options), progress) {
  collect(labels);
  thin(progress);
}

IncrementalScore::~IncrementalScore() = default;

void IncrementalScore::collect(const LabelVolume& labels) {
  if (!(gt_.shape == labels.shape()))
    throw std::invalid_argument("the ground truth (" + std::to_string(gt_.shape.depth) + " × " +
                                std::to_string(gt_.shape.height) + " × " +
                                std::to_string(gt_.shape.width) + ") and the labels (" +
                                std::to_string(labels.shape().depth) + " × " +
                                std::to_string(labels.shape().height) + " × " +
                                std::to_string(labels.shape().width) + ") differ in shape");
  const Shape3 s = gt_.shape;
  onSkeleton_.clear();
  skeletonBits_.assign(static_cast<std::size_t>((s.voxels() + 63) / 64), 0);
  for (int kind = 0; kind < 2; ++kind)
    recall_[kind].assign(static_cast<std::size_t>(gt_.size()), {});
  for (int g = 0; g < gt_.size(); ++g)
    for (int kind = 0; kind < 2; ++kind) {
      const auto index = static_cast<std::size_t>(g);
      if (kind == 1 && !gtSkeletons_.touchesOverlap[index]) continue;
      const auto& skeleton =
          kind == 0 ? gtSkeletons_.skeletons[index] : gtSkeletons_.withoutOverlap[index];
      auto& counts = recall_[kind][index];
      for (const Voxel& v : skeleton) {
        const auto flat = static_cast<std::uint64_t>((v.z * s.height + v.y) * s.width + v.x);
        skeletonBits_[flat >> 6] |= std::uint64_t{1} << (flat & 63);
        onSkeleton_.emplace(flat, static_cast<std::uint32_t>(g * 2 + kind));
        ++counts[labels.at(flat)];
      }
    }
  predictions_.clear();
  gathered_.clear();
  for (const auto& [label, info] : labels.instances()) gather(labels, label);
  collected_ = true;
}

void IncrementalScore::gather(const LabelVolume& labels, Label label) {
  const auto it = labels.instances().find(label);
  if (it == labels.instances().end()) {
    gathered_[label] = InstanceMask();
    return;
  }
  auto runs = labels.runsOf(label, it->second.box);
  gathered_[label] = runs.empty() ? InstanceMask() : InstanceMask(std::move(runs));
}

void IncrementalScore::collect(const LabelVolume& labels, const LabelDiff& diff) {
  if (!collected_) {
    collect(labels);
    return;
  }
  for (const DiffRun& r : diff.runs)
    for (std::uint64_t i = r.start; i < r.start + r.length; ++i) {
      if (!((skeletonBits_[i >> 6] >> (i & 63)) & 1u)) continue;
      const auto [first, last] = onSkeleton_.equal_range(i);
      for (auto it = first; it != last; ++it) {
        auto& counts = recall_[it->second & 1u][it->second >> 1];
        if (--counts[r.before] == 0) counts.erase(r.before);
        ++counts[r.after];
      }
    }
  // The touched instances' new voxels: their last known runs minus what the
  // diff took, plus what it gave (no scan of their boxes).
  const Shape3 s = gt_.shape;
  const auto width = static_cast<std::uint64_t>(s.width);
  for (const Label label : diff.touchedLabels()) {
    const InstanceMask* known = nullptr;
    if (const auto it = gathered_.find(label); it != gathered_.end())
      known = &it->second;
    else if (const auto p = predictions_.find(label); p != predictions_.end())
      known = &p->second.mask;
    using Interval = std::pair<std::uint64_t, std::uint64_t>;  // flat [begin, end)
    std::vector<Interval> base, removed, added;
    if (known)
      for (const Run& r : known->runs()) {
        const auto row = static_cast<std::uint64_t>((r.z * s.height + r.y) * s.width);
        base.emplace_back(row + static_cast<std::uint64_t>(r.x0),
                          row + static_cast<std::uint64_t>(r.x1));
      }
    for (const DiffRun& r : diff.runs) {
      if (r.before == label) removed.emplace_back(r.start, r.start + r.length);
      if (r.after == label) added.emplace_back(r.start, r.start + r.length);
    }
    // base \ removed (both sorted, each disjoint).
    std::vector<Interval> kept;
    std::size_t k = 0;
    for (auto [begin, end] : base) {
      while (k < removed.size() && removed[k].second <= begin) ++k;
      std::size_t j = k;
      while (begin < end) {
        if (j >= removed.size() || removed[j].first >= end) {
          kept.emplace_back(begin, end);
          break;
        }
        if (removed[j].first > begin) kept.emplace_back(begin, removed[j].first);
        begin = std::max(begin, removed[j].second);
        ++j;
      }
    }
    // ∪ added, coalesced, then cut at row ends into runs.
    std::vector<Interval> all;
    std::merge(kept.begin(), kept.end(), added.begin(), added.end(), std::back_inserter(all));
    std::vector<Run> runs;
    std::uint64_t begin = 0, end = 0;
    auto flush = [&] {
      for (std::uint64_t from = begin; from < end;) {
        const std::uint64_t rowStart = from / width * width;
        const std::uint64_t to = std::min(end, rowStart + width);
        const auto z = static_cast<std::int64_t>(from / width) / s.height;
        const auto y = static_cast<std::int64_t>(from / width) % s.height;
        runs.push_back({static_cast<std::int32_t>(z), static_cast<std::int32_t>(y),
                        static_cast<std::int32_t>(from - rowStart),
                        static_cast<std::int32_t>(to - rowStart)});
        from = to;
      }
    };
    bool open = false;
    for (const auto& [b, e] : all) {
      if (open && b <= end) {
        end = std::max(end, e);
        continue;
      }
      if (open) flush();
      begin = b, end = e, open = true;
    }
    if (open) flush();
    (void)labels;
    gathered_[label] = runs.empty() ? InstanceMask() : InstanceMask(std::move(runs));
  }
}

void IncrementalScore::thin(Progress* progress) {
  lastThinned_ = 0;
  std::size_t done = 0;
  const auto total = gathered_.size();
  for (auto& [label, mask] : gathered_) {
    if (progress) {
      progress->checkCancel();
      progress->update(
          static_cast<double>(done++) / static_cast<double>(std::max<std::size_t>(1, total)),
          "thinning the edited instances");
    }
    if (mask.voxelCount() == 0) {
      predictions_.erase(label);
      continue;
    }
    Prediction& p = predictions_[label];
    p.mask = std::move(mask);
    p.skeleton.clear();
    p.inGt.assign(static_cast<std::size_t>(gt_.size() + 1), 0);
    // Predictions the evaluation removes as too small are never thinned.
    if (p.mask.voxelCount() <= options_.removeSmallPredictions) continue;
    p.skeleton = instanceSkeleton(p.mask, {options_.thinning, gt_.shape.depth == 1});
    ++lastThinned_;
    std::vector<int> ids;
    for (const Voxel& v : p.skeleton) {
      gt_.instancesAt(v, ids);
      if (ids.empty()) ++p.inGt[0];
      for (int g : ids) ++p.inGt[static_cast<std::size_t>(g)];
    }
  }
  gathered_.clear();
}

void IncrementalScore::update(const LabelVolume& labels, const LabelDiff& diff,
                              Progress* progress) {
  collect(labels, diff);
  thin(progress);
}

ImageMetrics IncrementalScore::metrics(Progress* progress) const {
  // The prediction as loadInstances would read it: one channel, small
  // instances removed, ids in label order.
  InstanceSet pred;
  pred.shape = gt_.shape;
  pred.inputChannels = 1;
  pred.keptChannels = 1;
  PreparedOverlaps prepared;
  prepared.gt = &gtSkeletons_;
  std::unordered_map<Label, int> idOf;
  Label maxLabel = 0;
  for (const auto& [label, p] : predictions_)
    if (p.mask.voxelCount() > options_.removeSmallPredictions) maxLabel = label;
  for (const auto& [label, p] : predictions_) {
    if (p.mask.voxelCount() <= options_.removeSmallPredictions) {
      pred.removedLabels.push_back(static_cast<std::int64_t>(label));
      continue;
    }
    Instance instance;
    instance.id = pred.size() + 1;
    instance.channel = 0;
    instance.label = static_cast<std::int64_t>(label);
    instance.labelBeforeRelabel = maxLabel == 1 ? 1 : static_cast<std::int64_t>(label);
    instance.mask = p.mask;
    idOf[label] = instance.id;
    pred.instances.push_back(std::move(instance));
    prepared.predSkeletons.push_back(p.skeleton);
    prepared.precisionCounts.push_back(p.inGt);
  }
  const auto columns = static_cast<std::size_t>(pred.size() + 1);
  auto recallRows = [&](int kind) {
    std::vector<std::vector<std::int64_t>> rows(static_cast<std::size_t>(gt_.size()));
    for (std::size_t g = 0; g < rows.size(); ++g) {
      if (kind == 1 && !gtSkeletons_.touchesOverlap[g]) continue;
      rows[g].assign(columns, 0);
      for (const auto& [label, count] : recall_[kind][g]) {
        const auto it = label == 0 ? idOf.end() : idOf.find(label);
        // Background and removed predictions count as "in no prediction".
        rows[g][it == idOf.end() ? 0 : static_cast<std::size_t>(it->second)] += count;
      }
    }
    return rows;
  };
  prepared.recallCounts = recallRows(0);
  prepared.recallWithoutOverlapCounts = recallRows(1);
  return evaluatePrepared(gt_, pred, options_, prepared, progress);
}

}  // namespace nl::analysis::fisbe::edit
