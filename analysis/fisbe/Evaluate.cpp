#include "analysis/fisbe/Evaluate.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <queue>
#include <set>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <tuple>

#include "analysis/Progress.h"
#include "analysis/fisbe/NumpyArithmetic.h"
#include "io/Threads.h"

namespace nl::analysis::fisbe {

namespace {

struct ThresholdSpec {
  double value;
  const char* key;
};

// evaluate.py: ths = [0.1, …, 0.9, 0.55, …, 0.95]; the key is
// "th_" + str(th).replace(".", "_").
constexpr ThresholdSpec kThresholds[] = {
    {0.1, "th_0_1"},   {0.2, "th_0_2"},   {0.3, "th_0_3"},   {0.4, "th_0_4"},  {0.5, "th_0_5"},
    {0.6, "th_0_6"},   {0.7, "th_0_7"},   {0.8, "th_0_8"},   {0.9, "th_0_9"},  {0.55, "th_0_55"},
    {0.65, "th_0_65"}, {0.75, "th_0_75"}, {0.85, "th_0_85"}, {0.95, "th_0_95"}};

// NumPy compares a float32 matrix with a Python float in float32.
bool above(float value, double threshold) {
  return value > static_cast<float>(threshold);
}

// float32 ratio as the official code stores it: count / float(size) in
// double, assigned into a float32 matrix.
float ratio(std::int64_t count, std::int64_t size) {
  return static_cast<float>(static_cast<double>(count) / static_cast<double>(size));
}

// 2PR/(P+R) in float32, NaN (0/0) → 0, exactly as NumPy evaluates it.
float clDiceOf(float precision, float recall) {
  const float numerator = (2.0f * precision) * recall;
  const float denominator = precision + recall;
  const float value = numerator / denominator;
  return std::isnan(value) ? 0.0f : value;
}

void parallelFor(std::size_t count, unsigned threads, Progress* progress,
                 const std::function<void(std::size_t)>& body) {
  if (threads == 0) threads = static_cast<unsigned>(io::workerThreadCount());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, count));
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::exception_ptr failure;
  std::mutex failureMutex;
  auto worker = [&] {
    while (!stop.load()) {
      if (progress && progress->cancelRequested()) {
        stop = true;
        break;
      }
      const std::size_t i = next.fetch_add(1);
      if (i >= count) break;
      try {
        body(i);
      } catch (...) {
        std::lock_guard lock(failureMutex);
        if (!failure) failure = std::current_exception();
        stop = true;
      }
    }
  };
  if (threads <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  if (failure) std::rethrow_exception(failure);
  if (progress) progress->checkCancel();
}

// Skeleton of the voxels in `runs` (raster order), as voxel coordinates of
// the evaluation volume in raster order. The instance is thinned inside its
// bounding box plus a one-voxel zero border: the thinning only looks at 3×3×3
// neighbourhoods and visits voxels in raster order, so this equals thinning
// the whole volume.
std::vector<Voxel> skeletonOfRuns(std::span<const Run> runs, const ThinningOptions& thinning) {
  if (runs.empty()) return {};
  std::int32_t z0 = runs.front().z, z1 = runs.back().z + 1;
  std::int32_t y0 = runs.front().y, y1 = y0 + 1, x0 = runs.front().x0, x1 = runs.front().x1;
  for (const Run& r : runs) {
    y0 = std::min(y0, r.y);
    y1 = std::max(y1, r.y + 1);
    x0 = std::min(x0, r.x0);
    x1 = std::max(x1, r.x1);
  }
  const std::int64_t depth = z1 - z0 + 2, height = y1 - y0 + 2, width = x1 - x0 + 2;
  std::vector<std::uint8_t> box(static_cast<std::size_t>(depth * height * width), 0);
  for (const Run& r : runs) {
    const std::int64_t row = ((r.z - z0 + 1) * height + (r.y - y0 + 1)) * width - x0 + 1;
    std::fill(box.begin() + row + r.x0, box.begin() + row + r.x1, std::uint8_t{1});
  }
  thinPaddedVolume(box, depth, height, width, thinning);
  std::vector<Voxel> skeleton;
  for (std::int64_t z = 1; z < depth - 1; ++z)
    for (std::int64_t y = 1; y < height - 1; ++y) {
      const std::uint8_t* row = box.data() + (z * height + y) * width;
      for (std::int64_t x = 1; x < width - 1; ++x)
        if (row[x] != 0)
          skeleton.push_back({static_cast<std::int32_t>(z - 1 + z0),
                              static_cast<std::int32_t>(y - 1 + y0),
                              static_cast<std::int32_t>(x - 1 + x0)});
    }
  return skeleton;
}

bool masksOverlap(const InstanceMask& a, const InstanceMask& b) {
  if (!a.box().intersects(b.box())) return false;
  const InstanceMask& small = a.voxelCount() <= b.voxelCount() ? a : b;
  const InstanceMask& large = &small == &a ? b : a;
  for (const Run& r : small.runs())
    for (std::int32_t x = r.x0; x < r.x1; ++x)
      if (large.contains(r.z, r.y, x)) return true;
  return false;
}

// Greedy one-to-one matching (match.assign_labels, "greedy"): pairs with
// clDice > threshold, by descending clDice, ties by GT then prediction id.
std::vector<Match> greedyMatch(const ScoreMatrix& clDice, const std::vector<int>& gtRows,
                               double threshold) {
  std::vector<Match> pairs;
  for (std::size_t r = 0; r < gtRows.size(); ++r)
    for (int p = 1; p < clDice.cols; ++p) {
      const float value = clDice.at(gtRows[r], p);
      if (above(value, threshold)) pairs.push_back({static_cast<int>(r), p, value});
    }
  std::stable_sort(pairs.begin(), pairs.end(), [](const Match& a, const Match& b) {
    return std::tie(b.clDice, a.gt, a.pred) < std::tie(a.clDice, b.gt, b.pred);
  });
  std::vector<Match> matches;
  std::vector<char> gtUsed(gtRows.size(), 0), predUsed(static_cast<std::size_t>(clDice.cols), 0);
  for (const Match& m : pairs) {
    if (gtUsed[static_cast<std::size_t>(m.gt)] || predUsed[static_cast<std::size_t>(m.pred)])
      continue;
    gtUsed[static_cast<std::size_t>(m.gt)] = 1;
    predUsed[static_cast<std::size_t>(m.pred)] = 1;
    matches.push_back({gtRows[static_cast<std::size_t>(m.gt)], m.pred, m.clDice});
  }
  return matches;
}

// match.LazyHeap: a min-heap on (priority, insertion count) whose entries
// die when their key is pushed again or marked faulty.
class LazyHeap {
 public:
  using Key = std::pair<int, int>;
  void push(Key key, double priority) {
    auto it = version_.find(key);
    const int v = (it == version_.end() ? 0 : it->second) + 1;
    version_[key] = v;
    heap_.push({priority, counter_++, v, key});
  }
  void markFaulty(Key key) {
    auto it = version_.find(key);
    if (it != version_.end()) it->second = -1;
  }
  bool pop(Key& key) {
    while (!heap_.empty()) {
      const Entry e = heap_.top();
      heap_.pop();
      auto it = version_.find(e.key);
      if (it != version_.end() && it->second == e.version) {
        version_.erase(it);
        key = e.key;
        return true;
      }
    }
    return false;
  }

 private:
  struct Entry {
    double priority;
    std::uint64_t order;
    int version;
    Key key;
    bool operator>(const Entry& o) const {
      return std::tie(priority, order) > std::tie(o.priority, o.order);
    }
  };
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap_;
  std::map<Key, int> version_;
  std::uint64_t counter_ = 0;
};

struct Skeletons {
  std::vector<std::vector<Voxel>> gt, pred;          // index id - 1
  std::vector<std::vector<Voxel>> gtWithoutOverlap;  // empty vector when same as gt
  std::vector<char> gtTouchesOverlap;
};

class Evaluator {
 public:
  Evaluator(const InstanceSet& gt, const InstanceSet& pred, const EvaluationOptions& options,
            Progress* progress, const PreparedOverlaps* prepared = nullptr)
      : gt_(gt), pred_(pred), options_(options), progress_(progress), prepared_(prepared) {}

  ImageMetrics run();
  GroundTruthSkeletons groundTruthOnly();

 private:
  void computeOverlapStructure();
  void computeSkeletons();
  void computeMatrices(ImageMetrics& m);
  void matricesFromCounts(ImageMetrics& m);
  void thresholdMetrics(ImageMetrics& m);
  std::vector<double> coverage(const std::vector<int>& subset, bool& float32Values) const;
  SubsetMetrics subsetMetrics(const std::vector<int>& subset, const ImageMetrics& m) const;
  std::map<int, std::vector<int>> manyToMany(double threshold) const;
  void fillRows(ImageMetrics& m) const;

  int predAssignedTo(int pred, const std::vector<int>& subset) const;

  const InstanceSet& gt_;
  const InstanceSet& pred_;
  const EvaluationOptions& options_;
  Progress* progress_;
  const PreparedOverlaps* prepared_;
  int numGt_ = 0, numPred_ = 0;
  std::vector<std::vector<char>> gtPairOverlap_;  // [i][j], ids - 1
  Skeletons skel_;
  ScoreMatrix recallWithoutOverlap_;
  bool useRecallWithoutOverlap_ = false;
  ScoreMatrix precision_, recall_, clDice_;
};

void Evaluator::computeOverlapStructure() {
  gtPairOverlap_.assign(static_cast<std::size_t>(numGt_),
                        std::vector<char>(static_cast<std::size_t>(numGt_), 0));
  skel_.gtTouchesOverlap.assign(static_cast<std::size_t>(numGt_), 0);
  for (int i = 0; i < numGt_; ++i)
    for (int j = i + 1; j < numGt_; ++j) {
      const Instance& a = gt_.instances[static_cast<std::size_t>(i)];
      const Instance& b = gt_.instances[static_cast<std::size_t>(j)];
      if (a.channel != b.channel && masksOverlap(a.mask, b.mask)) {
        gtPairOverlap_[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] = 1;
        gtPairOverlap_[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)] = 1;
        skel_.gtTouchesOverlap[static_cast<std::size_t>(i)] = 1;
        skel_.gtTouchesOverlap[static_cast<std::size_t>(j)] = 1;
      }
    }
}

void Evaluator::computeSkeletons() {
  if (prepared_) {
    if (!prepared_->gt || prepared_->gt->skeletons.size() != static_cast<std::size_t>(numGt_) ||
        prepared_->predSkeletons.size() != static_cast<std::size_t>(numPred_))
      throw std::invalid_argument("prepared overlaps do not fit the instance sets");
    skel_.gt = prepared_->gt->skeletons;
    skel_.gtWithoutOverlap = prepared_->gt->withoutOverlap;
    skel_.pred = prepared_->predSkeletons;
    return;
  }
  const ThinningOptions thinning{options_.thinning, gt_.shape.depth == 1};
  skel_.gt.assign(static_cast<std::size_t>(numGt_), {});
  skel_.pred.assign(static_cast<std::size_t>(numPred_), {});
  skel_.gtWithoutOverlap.assign(static_cast<std::size_t>(numGt_), {});

  // Tasks: every GT and prediction instance, and the part of each GT neuron
  // outside the GT overlap (for the false-merge rule), largest first.
  struct Task {
    int kind;  // 0 GT, 1 prediction, 2 GT without overlap
    int index;
    std::int64_t voxels;
  };
  std::vector<Task> tasks;
  for (int i = 0; i < numGt_; ++i) {
    const auto voxels = gt_.instances[static_cast<std::size_t>(i)].mask.voxelCount();
    tasks.push_back({0, i, voxels});
    if (useRecallWithoutOverlap_ && skel_.gtTouchesOverlap[static_cast<std::size_t>(i)])
      tasks.push_back({2, i, voxels});
  }
  for (int i = 0; i < numPred_; ++i)
    tasks.push_back({1, i, pred_.instances[static_cast<std::size_t>(i)].mask.voxelCount()});
  std::stable_sort(tasks.begin(), tasks.end(),
                   [](const Task& a, const Task& b) { return a.voxels > b.voxels; });

  parallelFor(tasks.size(), options_.threads, progress_, [&](std::size_t t) {
    const Task& task = tasks[t];
    const auto index = static_cast<std::size_t>(task.index);
    if (task.kind == 0) {
      skel_.gt[index] = skeletonOfRuns(gt_.instances[index].mask.runs(), thinning);
    } else if (task.kind == 1) {
      skel_.pred[index] = skeletonOfRuns(pred_.instances[index].mask.runs(), thinning);
    } else {
      // The neuron minus every voxel another GT neuron also covers.
      const Instance& self = gt_.instances[index];
      std::vector<const Instance*> others;
      for (int j = 0; j < numGt_; ++j)
        if (gtPairOverlap_[index][static_cast<std::size_t>(j)])
          others.push_back(&gt_.instances[static_cast<std::size_t>(j)]);
      std::vector<Run> runs;
      for (const Run& r : self.mask.runs()) {
        std::int32_t start = -1;
        for (std::int32_t x = r.x0; x <= r.x1; ++x) {
          bool keep = x < r.x1;
          if (keep)
            for (const Instance* o : others)
              if (o->mask.contains(r.z, r.y, x)) {
                keep = false;
                break;
              }
          if (keep && start < 0) start = x;
          if (!keep && start >= 0) {
            runs.push_back({r.z, r.y, start, x});
            start = -1;
          }
        }
      }
      skel_.gtWithoutOverlap[index] = skeletonOfRuns(runs, thinning);
    }
  });
}

void Evaluator::computeMatrices(ImageMetrics& m) {
  auto zeros = [&] {
    return ScoreMatrix{numGt_ + 1, numPred_ + 1,
                       std::vector<float>(static_cast<std::size_t>((numGt_ + 1) * (numPred_ + 1)))};
  };
  precision_ = zeros();
  recall_ = zeros();
  clDice_ = zeros();
  recallWithoutOverlap_ = zeros();

  if (prepared_) {
    matricesFromCounts(m);
    return;
  }
  std::vector<int> ids;
  // clPrecision[g, p]: share of the skeleton of p inside GT g; row 0: outside all GT.
  for (int p = 1; p <= numPred_; ++p) {
    const auto& skeleton = skel_.pred[static_cast<std::size_t>(p - 1)];
    if (skeleton.empty()) continue;
    std::vector<std::int64_t> counts(static_cast<std::size_t>(numGt_ + 1), 0);
    for (const Voxel& v : skeleton) {
      gt_.instancesAt(v, ids);
      if (ids.empty()) ++counts[0];
      for (int g : ids) ++counts[static_cast<std::size_t>(g)];
    }
    const auto size = static_cast<std::int64_t>(skeleton.size());
    for (int g = 0; g <= numGt_; ++g)
      precision_.at(g, p) = ratio(counts[static_cast<std::size_t>(g)], size);
  }
  // clRecall[g, p]: share of the skeleton of g inside prediction p; column 0:
  // outside all predictions.
  auto recallRows = [&](const std::vector<std::vector<Voxel>>& skeletons, ScoreMatrix& out,
                        const std::vector<char>* onlyWhere) {
    for (int g = 1; g <= numGt_; ++g) {
      if (onlyWhere && !(*onlyWhere)[static_cast<std::size_t>(g - 1)]) continue;
      const auto& skeleton = skeletons[static_cast<std::size_t>(g - 1)];
      if (skeleton.empty()) continue;
      std::vector<std::int64_t> counts(static_cast<std::size_t>(numPred_ + 1), 0);
      for (const Voxel& v : skeleton) {
        pred_.instancesAt(v, ids);
        if (ids.empty()) ++counts[0];
        for (int p : ids) ++counts[static_cast<std::size_t>(p)];
      }
      const auto size = static_cast<std::int64_t>(skeleton.size());
      for (int p = 0; p <= numPred_; ++p)
        out.at(g, p) = ratio(counts[static_cast<std::size_t>(p)], size);
    }
  };
  recallRows(skel_.gt, recall_, nullptr);
  if (useRecallWithoutOverlap_) {
    recallWithoutOverlap_ = recall_;
    for (int g = 1; g <= numGt_; ++g)
      if (skel_.gtTouchesOverlap[static_cast<std::size_t>(g - 1)])
        for (int p = 0; p <= numPred_; ++p) recallWithoutOverlap_.at(g, p) = 0;
    recallRows(skel_.gtWithoutOverlap, recallWithoutOverlap_, &skel_.gtTouchesOverlap);
  }
  for (std::size_t i = 0; i < clDice_.values.size(); ++i)
    clDice_.values[i] = clDiceOf(precision_.values[i], recall_.values[i]);
  m.clPrecision = precision_;
  m.clRecall = recall_;
  m.clDice = clDice_;
}

// computeMatrices from counts a caller kept (PreparedOverlaps).
void Evaluator::matricesFromCounts(ImageMetrics& m) {
  const auto& counts = *prepared_;
  const auto gtRows = static_cast<std::size_t>(numGt_),
             predRows = static_cast<std::size_t>(numPred_);
  if (counts.precisionCounts.size() != predRows || counts.recallCounts.size() != gtRows)
    throw std::invalid_argument("prepared overlaps do not fit the instance sets");
  for (int p = 1; p <= numPred_; ++p) {
    const auto size = static_cast<std::int64_t>(skel_.pred[static_cast<std::size_t>(p - 1)].size());
    const auto& row = counts.precisionCounts[static_cast<std::size_t>(p - 1)];
    if (size == 0) continue;
    for (int g = 0; g <= numGt_; ++g)
      precision_.at(g, p) = ratio(row.at(static_cast<std::size_t>(g)), size);
  }
  for (int g = 1; g <= numGt_; ++g) {
    const auto size = static_cast<std::int64_t>(skel_.gt[static_cast<std::size_t>(g - 1)].size());
    const auto& row = counts.recallCounts[static_cast<std::size_t>(g - 1)];
    if (size == 0) continue;
    for (int p = 0; p <= numPred_; ++p)
      recall_.at(g, p) = ratio(row.at(static_cast<std::size_t>(p)), size);
  }
  if (useRecallWithoutOverlap_) {
    recallWithoutOverlap_ = recall_;
    for (int g = 1; g <= numGt_; ++g) {
      const auto index = static_cast<std::size_t>(g - 1);
      if (!skel_.gtTouchesOverlap[index]) continue;
      for (int p = 0; p <= numPred_; ++p) recallWithoutOverlap_.at(g, p) = 0;
      const auto size = static_cast<std::int64_t>(skel_.gtWithoutOverlap[index].size());
      if (size == 0) continue;
      const auto& row = counts.recallWithoutOverlapCounts.at(index);
      for (int p = 0; p <= numPred_; ++p)
        recallWithoutOverlap_.at(g, p) = ratio(row.at(static_cast<std::size_t>(p)), size);
    }
  }
  for (std::size_t i = 0; i < clDice_.values.size(); ++i)
    clDice_.values[i] = clDiceOf(precision_.values[i], recall_.values[i]);
  m.clPrecision = precision_;
  m.clRecall = recall_;
  m.clDice = clDice_;
}

GroundTruthSkeletons Evaluator::groundTruthOnly() {
  numGt_ = gt_.size();
  numPred_ = 0;
  useRecallWithoutOverlap_ = true;  // every instance touching the overlap gets both skeletons
  computeOverlapStructure();
  computeSkeletons();
  return {std::move(skel_.gt), std::move(skel_.gtWithoutOverlap), skel_.gtTouchesOverlap};
}

// np.argmax over the rows [0] + subset of clPrecision restricted to the
// subset's GT instances (the first maximum wins; 0 is background).
int Evaluator::predAssignedTo(int pred, const std::vector<int>& subset) const {
  const auto& skeleton = skel_.pred[static_cast<std::size_t>(pred - 1)];
  if (skeleton.empty()) return 0;
  std::vector<std::int64_t> counts(subset.size() + 1, 0);
  for (const Voxel& v : skeleton) {
    bool any = false;
    for (std::size_t j = 0; j < subset.size(); ++j)
      if (gt_.byId(subset[j]).mask.contains(v)) {
        ++counts[j + 1];
        any = true;
      }
    if (!any) ++counts[0];
  }
  const auto size = static_cast<std::int64_t>(skeleton.size());
  int best = 0;
  float bestValue = ratio(counts[0], size);
  for (std::size_t j = 1; j < counts.size(); ++j) {
    const float value = ratio(counts[j], size);
    if (value > bestValue) {
      bestValue = value;
      best = static_cast<int>(j);
    }
  }
  return best;
}

// compute.get_gt_coverage for the GT instances `subset` (evaluation ids).
std::vector<double> Evaluator::coverage(const std::vector<int>& subset, bool& float32Values) const {
  std::vector<int> assigned(static_cast<std::size_t>(numPred_ + 1), 0);
  for (int p = 1; p <= numPred_; ++p)
    assigned[static_cast<std::size_t>(p)] = predAssignedTo(p, subset);

  bool subsetOverlaps = false;
  for (std::size_t i = 0; i < subset.size(); ++i)
    for (std::size_t j = i + 1; j < subset.size(); ++j)
      if (gtPairOverlap_[static_cast<std::size_t>(subset[i] - 1)]
                        [static_cast<std::size_t>(subset[j] - 1)])
        subsetOverlaps = true;

  std::vector<double> result;
  if (subsetOverlaps && pred_.overlapping) {
    // Predictions may overlap each other: recall against their union.
    float32Values = false;
    for (std::size_t j = 0; j < subset.size(); ++j) {
      std::vector<const Instance*> union_;
      for (int p = 1; p <= numPred_; ++p)
        if (assigned[static_cast<std::size_t>(p)] == static_cast<int>(j) + 1)
          union_.push_back(&pred_.byId(p));
      if (union_.empty()) {
        result.push_back(0.0);
        continue;
      }
      const auto& skeleton = skel_.gt[static_cast<std::size_t>(subset[j] - 1)];
      std::int64_t covered = 0;
      for (const Voxel& v : skeleton)
        for (const Instance* p : union_)
          if (p->mask.contains(v)) {
            ++covered;
            break;
          }
      result.push_back(skeleton.empty()
                           ? 0.0
                           : static_cast<double>(covered) / static_cast<double>(skeleton.size()));
    }
  } else {
    // Sum of clRecall over the predictions assigned to each GT (float32).
    float32Values = true;
    for (std::size_t j = 0; j < subset.size(); ++j) {
      std::vector<float> values;
      for (int p = 0; p <= numPred_; ++p)
        if (assigned[static_cast<std::size_t>(p)] == static_cast<int>(j) + 1)
          values.push_back(recall_.at(subset[j], p));
      result.push_back(static_cast<double>(numpy::sum(std::span<const float>(values))));
    }
  }
  return result;
}

double meanCoverage(const std::vector<double>& values, bool float32Values) {
  if (values.empty()) return 0.0;
  if (float32Values) {
    std::vector<float> f(values.begin(), values.end());
    return static_cast<double>(numpy::mean(std::span<const float>(f)));
  }
  return numpy::mean(std::span<const double>(values));
}

SubsetMetrics Evaluator::subsetMetrics(const std::vector<int>& subset,
                                       const ImageMetrics& m) const {
  SubsetMetrics s;
  s.gtIds = subset;
  if (subset.empty()) return s;
  if (numPred_ == 0) return s;  // as compute.get_gt_coverage_dim: nothing to cover with
  bool float32Values = true;
  s.coverage = coverage(subset, float32Values);
  s.averageCoverage = meanCoverage(s.coverage, float32Values);
  s.tp05 = static_cast<std::int64_t>(greedyMatch(m.clDice, subset, 0.5).size());
  s.tp05Relative = static_cast<double>(s.tp05) / static_cast<double>(subset.size());
  return s;
}

// match.greedy_many_to_many_matching on clRecall (or plain thresholding when
// nothing overlaps), as get_m2m_matches runs it.
std::map<int, std::vector<int>> Evaluator::manyToMany(double threshold) const {
  std::map<int, std::vector<int>> matches;
  const bool overlaps = gt_.overlapping || pred_.overlapping;
  if (!overlaps) {
    for (int g = 1; g <= numGt_; ++g)
      for (int p = 1; p <= numPred_; ++p)
        if (above(recall_.at(g, p), threshold)) matches[g].push_back(p);
    return matches;
  }
  LazyHeap heap;
  for (int g = 1; g <= numGt_; ++g)
    for (int p = 1; p <= numPred_; ++p)
      if (above(recall_.at(g, p), threshold))
        heap.push({g, p}, -static_cast<double>(recall_.at(g, p)));

  // Skeleton voxels of each GT not yet claimed by a prediction matched to it,
  // and for each prediction the GT neurons whose voxels it has given away.
  std::vector<std::vector<char>> gtAvailable(static_cast<std::size_t>(numGt_ + 1));
  for (int g = 1; g <= numGt_; ++g)
    gtAvailable[static_cast<std::size_t>(g)].assign(
        skel_.gt[static_cast<std::size_t>(g - 1)].size(), 1);
  std::vector<std::vector<int>> consumedBy(static_cast<std::size_t>(numPred_ + 1));

  LazyHeap::Key key;
  while (heap.pop(key)) {
    const auto [g, p] = key;
    matches[g].push_back(p);
    const auto& gtSkeleton = skel_.gt[static_cast<std::size_t>(g - 1)];
    auto& available = gtAvailable[static_cast<std::size_t>(g)];
    const InstanceMask& predMask = pred_.byId(p).mask;
    for (std::size_t i = 0; i < gtSkeleton.size(); ++i)
      if (predMask.contains(gtSkeleton[i])) available[i] = 0;
    consumedBy[static_cast<std::size_t>(p)].push_back(g);

    const double gtDenominator = gtSkeleton.empty() ? 1.0 : static_cast<double>(gtSkeleton.size());
    for (int other = 1; other <= numPred_; ++other) {
      if (!above(recall_.at(g, other), threshold)) continue;
      const InstanceMask& otherMask = pred_.byId(other).mask;
      std::int64_t shared = 0;
      for (std::size_t i = 0; i < gtSkeleton.size(); ++i)
        if (available[i] && otherMask.contains(gtSkeleton[i])) ++shared;
      const double value = static_cast<double>(shared) / gtDenominator;
      if (value > threshold)
        heap.push({g, other}, -value);
      else
        heap.markFaulty({g, other});
    }
    for (int other = 1; other <= numGt_; ++other) {
      if (!above(recall_.at(other, p), threshold)) continue;
      const auto& otherSkeleton = skel_.gt[static_cast<std::size_t>(other - 1)];
      const double denominator =
          otherSkeleton.empty() ? 1.0 : static_cast<double>(otherSkeleton.size());
      std::int64_t shared = 0;
      for (const Voxel& v : otherSkeleton) {
        if (!predMask.contains(v)) continue;
        bool consumed = false;
        for (int c : consumedBy[static_cast<std::size_t>(p)])
          if (gt_.byId(c).mask.contains(v)) {
            consumed = true;
            break;
          }
        if (!consumed) ++shared;
      }
      const double value = static_cast<double>(shared) / denominator;
      if (value > threshold)
        heap.push({other, p}, -value);
      else
        heap.markFaulty({other, p});
    }
  }
  return matches;
}

void Evaluator::thresholdMetrics(ImageMetrics& m) {
  std::vector<int> allGt;
  for (int g = 1; g <= numGt_; ++g) allGt.push_back(g);
  std::vector<int> allGtAssigned(static_cast<std::size_t>(numPred_ + 1), 0);
  for (int p = 1; p <= numPred_; ++p)
    allGtAssigned[static_cast<std::size_t>(p)] = predAssignedTo(p, allGt);

  std::vector<double> aps, fscores;
  for (const ThresholdSpec& spec : kThresholds) {
    ThresholdMetrics t;
    t.threshold = spec.value;
    t.key = spec.key;
    if (std::min(numGt_, numPred_) > 0) t.matches = greedyMatch(clDice_, allGt, spec.value);
    t.tp = static_cast<std::int64_t>(t.matches.size());

    std::vector<char> predMatched(static_cast<std::size_t>(numPred_ + 1), 0),
        gtMatched(static_cast<std::size_t>(numGt_ + 1), 0);
    for (const Match& match : t.matches) {
      predMatched[static_cast<std::size_t>(match.pred)] = 1;
      gtMatched[static_cast<std::size_t>(match.gt)] = 1;
    }
    for (int p = 1; p <= numPred_; ++p) {
      if (predMatched[static_cast<std::size_t>(p)]) continue;
      if (allGtAssigned[static_cast<std::size_t>(p)] > 0)
        t.unmatchedOnGt.push_back(p);
      else
        t.unmatchedOnBackground.push_back(p);
    }
    for (int g = 1; g <= numGt_; ++g)
      if (!gtMatched[static_cast<std::size_t>(g)]) t.falseNegatives.push_back(g);

    // False merges: predictions with clRecall > threshold for several GT
    // neurons, also when the GT overlap is ignored.
    for (int p = 1; p <= numPred_; ++p) {
      std::int64_t covered = 0;
      for (int g = 1; g <= numGt_; ++g)
        if (above(recall_.at(g, p), spec.value) &&
            (!useRecallWithoutOverlap_ || above(recallWithoutOverlap_.at(g, p), spec.value)))
          ++covered;
      if (covered > 1) {
        t.falseMerge += covered - 1;
        t.mergingPredictions.push_back(p);
      }
    }
    t.falseSplit = static_cast<std::int64_t>(t.unmatchedOnGt.size());

    if (options_.partlyLabelled) {
      t.falsePositives = t.unmatchedOnGt;
    } else {
      for (int p = 1; p <= numPred_; ++p)
        if (!predMatched[static_cast<std::size_t>(p)]) t.falsePositives.push_back(p);
    }
    t.fp = static_cast<std::int64_t>(t.falsePositives.size());
    t.fn = numGt_ - t.tp;

    t.precision = 1.0 * static_cast<double>(t.tp) /
                  static_cast<double>(std::max<std::int64_t>(1, t.tp + t.fp));
    t.recall = 1.0 * static_cast<double>(t.tp) /
               static_cast<double>(std::max<std::int64_t>(1, t.tp + t.fn));
    t.ap = t.precision * t.recall;
    t.fscore = (t.precision + t.recall) > 0
                   ? (2.0 * t.precision * t.recall) / (t.precision + t.recall)
                   : 0.0;
    aps.push_back(t.ap);
    fscores.push_back(t.fscore);
    if (spec.value == 0.5) {
      m.tp05 = t.tp;
      for (const Match& match : t.matches) m.tp05ClDice.push_back(match.clDice);
    }
    m.thresholds.push_back(std::move(t));
  }
  m.avAP19 = numpy::mean(std::span<const double>(aps.data(), 9));
  m.avAP59 = numpy::mean(std::span<const double>(aps.data() + 4, aps.size() - 4));
  m.avFscore19 = numpy::mean(std::span<const double>(fscores.data(), 9));
  m.avFscore59 = numpy::mean(std::span<const double>(fscores.data() + 4, fscores.size() - 4));
}

void Evaluator::fillRows(ImageMetrics& m) const {
  const ThresholdMetrics& at05 = m.at(0.5);
  std::set<int> dimIds(m.dim.gtIds.begin(), m.dim.gtIds.end());
  std::set<int> overlapIds(m.overlap.gtIds.begin(), m.overlap.gtIds.end());
  std::vector<int> allGt;
  for (int g = 1; g <= numGt_; ++g) allGt.push_back(g);
  for (int g = 1; g <= numGt_; ++g) {
    const Instance& instance = gt_.byId(g);
    GtInstanceRow row;
    row.id = g;
    row.channel = instance.channel;
    row.label = instance.label;
    row.voxels = instance.mask.voxelCount();
    row.skeletonVoxels =
        static_cast<std::int64_t>(skel_.gt[static_cast<std::size_t>(g - 1)].size());
    row.box = instance.mask.box();
    row.dim = dimIds.count(g) > 0;
    row.overlapping = overlapIds.count(g) > 0;
    for (const Match& match : at05.matches)
      if (match.gt == g) {
        row.matchedPred05 = match.pred;
        row.matchedClDice05 = match.clDice;
      }
    for (int p = 1; p <= numPred_; ++p)
      if (clDice_.at(g, p) > row.bestClDice) {
        row.bestClDice = clDice_.at(g, p);
        row.bestPred = p;
      }
    row.coverage = m.gtCoverage[static_cast<std::size_t>(g - 1)];
    if (auto it = m.falseSplitMatches.find(g); it != m.falseSplitMatches.end())
      row.splitPredictions = it->second;
    m.gtInstances.push_back(std::move(row));
  }
  for (int p = 1; p <= numPred_; ++p) {
    const Instance& instance = pred_.byId(p);
    PredInstanceRow row;
    row.id = p;
    row.channel = instance.channel;
    row.label = instance.label;
    row.voxels = instance.mask.voxelCount();
    row.skeletonVoxels =
        static_cast<std::int64_t>(skel_.pred[static_cast<std::size_t>(p - 1)].size());
    row.box = instance.mask.box();
    row.assignedGt = predAssignedTo(p, allGt);
    if (row.assignedGt > 0)
      m.gtInstances[static_cast<std::size_t>(row.assignedGt - 1)].coveringPredictions.push_back(p);
    for (const Match& match : at05.matches)
      if (match.pred == p) {
        row.matchedGt05 = match.gt;
        row.matchedClDice05 = match.clDice;
      }
    row.falsePositive05 = std::find(at05.falsePositives.begin(), at05.falsePositives.end(), p) !=
                          at05.falsePositives.end();
    row.falseSplit05 = std::find(at05.unmatchedOnGt.begin(), at05.unmatchedOnGt.end(), p) !=
                       at05.unmatchedOnGt.end();
    std::vector<int> merged;
    for (const auto& [g, preds] : m.falseMergeMatches)
      if (std::find(preds.begin(), preds.end(), p) != preds.end()) merged.push_back(g);
    if (merged.size() > 1) row.mergedGts = merged;
    m.predInstances.push_back(std::move(row));
  }
}

ImageMetrics Evaluator::run() {
  if (!(gt_.shape == pred_.shape))
    throw std::invalid_argument("ground truth and prediction differ in shape after cropping");
  ImageMetrics m;
  m.partlyLabelled = options_.partlyLabelled;
  m.evaluatedShape = gt_.shape;
  numGt_ = gt_.size();
  numPred_ = pred_.size();
  m.numGt = numGt_;
  m.numPred = numPred_;
  m.gtOverlaps = gt_.overlapping;
  m.predOverlaps = pred_.overlapping;
  useRecallWithoutOverlap_ = gt_.overlapping || pred_.overlapping;

  if (progress_) progress_->update(0.0, "overlaps");
  computeOverlapStructure();
  if (progress_) progress_->update(0.05, "skeletons");
  computeSkeletons();
  if (progress_) progress_->update(0.8, "clDice");
  computeMatrices(m);
  thresholdMetrics(m);

  m.tp05Relative = numGt_ > 0 ? static_cast<double>(m.tp05) / static_cast<double>(numGt_) : 0.0;
  m.averageTp05ClDice =
      m.tp05ClDice.empty() ? 0.0
                           : static_cast<double>(numpy::mean(std::span<const float>(m.tp05ClDice)));

  std::vector<int> allGt;
  for (int g = 1; g <= numGt_; ++g) allGt.push_back(g);
  bool float32Coverage = true;
  m.gtCoverage = coverage(allGt, float32Coverage);
  m.averageGtCoverage = meanCoverage(m.gtCoverage, float32Coverage);
  m.score = 0.5 * m.avFscore19 + 0.5 * m.averageGtCoverage;

  if (progress_) progress_->update(0.9, "false splits and merges");
  auto countMatches = [&](const std::map<int, std::vector<int>>& matches, std::int64_t& merges,
                          std::int64_t& splits) {
    merges = splits = 0;
    std::vector<std::int64_t> perPred(static_cast<std::size_t>(numPred_ + 1), 0);
    for (const auto& [g, preds] : matches) {
      splits += std::max<std::int64_t>(0, static_cast<std::int64_t>(preds.size()) - 1);
      for (int p : preds) ++perPred[static_cast<std::size_t>(p)];
    }
    for (int p = 1; p <= numPred_; ++p)
      merges += std::max<std::int64_t>(0, perPred[static_cast<std::size_t>(p)] - 1);
  };
  std::int64_t unused = 0;
  m.falseMergeMatches = manyToMany(options_.falseMergeThreshold);
  countMatches(m.falseMergeMatches, m.falseMerges, unused);
  m.falseSplitMatches = options_.falseSplitThreshold == options_.falseMergeThreshold
                            ? m.falseMergeMatches
                            : manyToMany(options_.falseSplitThreshold);
  countMatches(m.falseSplitMatches, unused, m.falseSplits);

  // Subsets: dim neurons (ids as the GT attribute gives them, mapped like the
  // official relabelling map does) and neurons touching the GT overlap.
  std::vector<int> dim;
  for (std::int64_t id : options_.dimNeurons) {
    int found = 0;
    for (const Instance& instance : gt_.instances)
      if (instance.labelBeforeRelabel == id) {
        found = instance.id;
        break;
      }
    if (found == 0)
      m.warnings.push_back("dim neuron " + std::to_string(id) +
                           " is not a ground-truth instance; ignored");
    else
      dim.push_back(found);
  }
  m.dim = subsetMetrics(dim, m);
  std::vector<int> overlapping;
  for (int g = 1; g <= numGt_; ++g)
    if (skel_.gtTouchesOverlap[static_cast<std::size_t>(g - 1)]) overlapping.push_back(g);
  m.overlap = subsetMetrics(overlapping, m);

  fillRows(m);
  if (progress_) progress_->update(1.0, "done");
  return m;
}

}  // namespace

std::vector<Voxel> instanceSkeleton(const InstanceMask& mask, const ThinningOptions& options) {
  return skeletonOfRuns(mask.runs(), options);
}

const std::vector<double>& evaluationThresholds() {
  static const std::vector<double> values = [] {
    std::vector<double> v;
    for (const ThresholdSpec& spec : kThresholds) v.push_back(spec.value);
    return v;
  }();
  return values;
}

const ThresholdMetrics& ImageMetrics::at(double threshold) const {
  for (const ThresholdMetrics& t : thresholds)
    if (t.threshold == threshold) return t;
  throw std::out_of_range("no metrics at threshold " + std::to_string(threshold));
}

GroundTruthSkeletons groundTruthSkeletons(const InstanceSet& gt, const EvaluationOptions& options,
                                          Progress* progress) {
  const InstanceSet none{gt.shape, 1, 1, {}, {}, false};
  return Evaluator(gt, none, options, progress).groundTruthOnly();
}

ImageMetrics evaluatePrepared(const InstanceSet& gt, const InstanceSet& pred,
                              const EvaluationOptions& options, const PreparedOverlaps& prepared,
                              Progress* progress) {
  return Evaluator(gt, pred, options, progress, &prepared).run();
}

ImageMetrics evaluateInstances(const InstanceSet& gt, const InstanceSet& pred,
                               const EvaluationOptions& options, Progress* progress) {
  return Evaluator(gt, pred, options, progress).run();
}

ImageMetrics evaluate(const LabelSource& gt, const LabelSource& pred,
                      const EvaluationOptions& options, Progress* progress) {
  const auto [gtWindow, predWindow] = centreCropWindows(gt.shape(), pred.shape());
  const LoadOptions predOptions{options.removeSmallPredictions};
  InstanceSet gtSet, predSet;
  if (options.threads == 1) {
    if (progress) progress->update(0.0, "reading ground truth");
    gtSet = loadInstances(gt, gtWindow, {}, progress);
    if (progress) progress->update(0.0, "reading prediction");
    predSet = loadInstances(pred, predWindow, predOptions, progress);
  } else {
    // Both volumes at once: each reader has serial stretches (scanning a
    // decoded slab, HDF5's library lock) that the other one fills.
    if (progress) progress->update(0.0, "reading ground truth and prediction");
    std::exception_ptr predFailure;
    const auto readPrediction = [&] {
      try {
        predSet = loadInstances(pred, predWindow, predOptions, progress);
      } catch (...) {
        predFailure = std::current_exception();
      }
    };
    std::thread predReader;
    try {
      predReader = std::thread(readPrediction);
    } catch (const std::system_error&) {
      // No thread to be had: the prediction is read after the ground truth.
    }
    try {
      gtSet = loadInstances(gt, gtWindow, {}, progress);
    } catch (...) {
      if (predReader.joinable()) predReader.join();
      throw;
    }
    if (predReader.joinable())
      predReader.join();
    else
      readPrediction();
    if (predFailure) std::rethrow_exception(predFailure);
  }
  return evaluateInstances(gtSet, predSet, options, progress);
}

}  // namespace nl::analysis::fisbe
