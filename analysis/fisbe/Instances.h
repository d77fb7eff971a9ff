#pragma once
// Instance label volumes as the FISBe evaluation sees them, and the
// preprocessing it applies before scoring (evalinstseg.util:
// check_and_fix_sizes, check_fix_and_unify_ids): centre crop to the common
// shape, removal of small predicted instances, dropping empty channels and
// numbering every (channel, label) pair with its own sequential id.
//
// Label volumes are read channel by channel and plane block by plane block
// through LabelSource, so a reader that decodes chunks lazily can feed the
// evaluation without the whole volume in memory; each instance is kept as a
// run-length list plus a bit mask over its bounding box.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace nl::analysis {
class Progress;
}

namespace nl::analysis::fisbe {

enum class LabelType { Bool, UInt8, Int8, UInt16, Int16, UInt32, Int32, UInt64, Int64 };
std::size_t labelTypeSize(LabelType type);
std::string labelTypeName(LabelType type);

struct Shape3 {
  std::int64_t depth = 0, height = 0, width = 0;  // z, y, x
  std::int64_t voxels() const { return depth * height * width; }
  bool operator==(const Shape3&) const = default;
};

// `planes` consecutive z-planes (planes × height × width values, C order) of
// one channel, starting at plane `firstPlane` of the source.
struct PlaneBlock {
  const void* data = nullptr;
  LabelType type = LabelType::UInt8;
  std::int64_t firstPlane = 0;
  std::int64_t planes = 0;
};

// A label volume of channels × depth × height × width. Either one channel per
// instance (binary or labelled masks, overlap allowed; FISBe ground truth) or
// one channel of instance ids (typical predictions); several channels of ids
// work too.
class LabelSource {
 public:
  virtual ~LabelSource() = default;
  virtual std::int64_t channels() const = 0;
  virtual Shape3 shape() const = 0;
  // Calls `consume` with blocks that together cover planes [zBegin, zEnd) of
  // `channel` in increasing z. Blocks may be released after the call.
  virtual void readPlanes(std::int64_t channel, std::int64_t zBegin, std::int64_t zEnd,
                          const std::function<void(const PlaneBlock&)>& consume) const = 0;
  // Calls `consume(channel, block)` with blocks that together cover planes
  // [zBegin, zEnd) of every channel, each channel's blocks in increasing z.
  // The default reads one channel after the other; a chunked source whose
  // chunks hold several channels reads all channels of a slab at once, so
  // each chunk is decoded once without caching the volume.
  virtual void readAllChannels(
      std::int64_t zBegin, std::int64_t zEnd,
      const std::function<void(std::int64_t channel, const PlaneBlock&)>& consume) const;
};

// A label volume already in memory (C order, channels first); nothing is copied.
class LabelBuffer final : public LabelSource {
 public:
  LabelBuffer(const void* data, LabelType type, std::int64_t channels, Shape3 shape);
  std::int64_t channels() const override { return channels_; }
  Shape3 shape() const override { return shape_; }
  void readPlanes(std::int64_t channel, std::int64_t zBegin, std::int64_t zEnd,
                  const std::function<void(const PlaneBlock&)>& consume) const override;

 private:
  const void* data_;
  LabelType type_;
  std::int64_t channels_;
  Shape3 shape_;
};

// Half-open box in voxel coordinates of the (cropped) evaluation volume.
struct Box {
  std::int64_t z0 = 0, y0 = 0, x0 = 0, z1 = 0, y1 = 0, x1 = 0;
  bool contains(std::int64_t z, std::int64_t y, std::int64_t x) const {
    return z >= z0 && z < z1 && y >= y0 && y < y1 && x >= x0 && x < x1;
  }
  bool intersects(const Box& o) const {
    return z0 < o.z1 && o.z0 < z1 && y0 < o.y1 && o.y0 < y1 && x0 < o.x1 && o.x0 < x1;
  }
  std::int64_t voxels() const { return (z1 - z0) * (y1 - y0) * (x1 - x0); }
};

// A row segment [x0, x1) of plane z, row y.
struct Run {
  std::int32_t z = 0, y = 0, x0 = 0, x1 = 0;
};

struct Voxel {
  std::int32_t z = 0, y = 0, x = 0;
  bool operator==(const Voxel&) const = default;
};

// The voxels of one instance: runs in raster order and a bit per voxel of the
// bounding box for constant-time membership tests.
class InstanceMask {
 public:
  InstanceMask() = default;
  explicit InstanceMask(std::vector<Run> runs);  // runs in raster order, non-empty

  const Box& box() const { return box_; }
  std::int64_t voxelCount() const { return voxelCount_; }
  std::span<const Run> runs() const { return runs_; }
  bool contains(std::int64_t z, std::int64_t y, std::int64_t x) const {
    if (!box_.contains(z, y, x)) return false;
    const auto bit = static_cast<std::uint64_t>(
        ((z - box_.z0) * (box_.y1 - box_.y0) + (y - box_.y0)) * (box_.x1 - box_.x0) +
        (x - box_.x0));
    return (bits_[bit >> 6] >> (bit & 63)) & 1u;
  }
  bool contains(const Voxel& v) const { return contains(v.z, v.y, v.x); }

 private:
  std::vector<Run> runs_;
  std::vector<std::uint64_t> bits_;
  Box box_;
  std::int64_t voxelCount_ = 0;
};

struct Instance {
  int id = 0;                           // 1-based, as the official evaluation numbers it
  std::int64_t channel = 0;             // channel of the input
  std::int64_t label = 0;               // value in that channel
  std::int64_t labelBeforeRelabel = 0;  // what ids such as dim_neurons refer to
  InstanceMask mask;
};

// The evaluation's view of one side (ground truth or prediction).
struct InstanceSet {
  Shape3 shape;  // after the centre crop
  std::int64_t inputChannels = 0;
  std::int64_t keptChannels = 0;            // non-empty channels (all of them if there is one)
  std::vector<Instance> instances;          // instances[i].id == i + 1
  std::vector<std::int64_t> removedLabels;  // labels removed as too small
  bool overlapping = false;                 // some voxel belongs to two instances

  const Instance& byId(int id) const { return instances[static_cast<std::size_t>(id - 1)]; }
  int size() const { return static_cast<int>(instances.size()); }
  // Ids of the instances containing the voxel, ascending.
  void instancesAt(const Voxel& v, std::vector<int>& ids) const;
};

// Window of a source that the evaluation reads: `offset` + `shape`.
struct CropWindow {
  Shape3 offset;
  Shape3 shape;
};

// The official centre crop: when the shapes differ, the larger one (larger or
// equal in every axis) is cropped to the smaller, offset (big − small) / 2.
// Throws std::invalid_argument when neither fits inside the other.
std::pair<CropWindow, CropWindow> centreCropWindows(Shape3 groundTruth, Shape3 prediction);

struct LoadOptions {
  // Labels with at most this many voxels (counted over all channels together,
  // as the official filter_components does) are removed; 0 keeps everything.
  std::int64_t removeUpToVoxels = 0;
};

// Reads `window` of every channel once and returns the instances.
// Throws std::invalid_argument for negative labels.
InstanceSet loadInstances(const LabelSource& source, const CropWindow& window,
                          const LoadOptions& options = {}, Progress* progress = nullptr);

}  // namespace nl::analysis::fisbe
