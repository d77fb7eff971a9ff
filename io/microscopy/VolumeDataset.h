#pragma once
// Microscopy volumes too big for ArrayDataset (which widens every value to
// double and holds it all): a VolumeDataset keeps its voxels in their native
// type in a VolumeSource (zarr, HDF5, TIFF or memory) and reads boxes of them
// on request. Axes are always (channel, z, y, x); a file without a channel
// axis has one channel.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "io/Dataset.h"
#include "io/volume/VolumeGrid.h"

namespace nl::io::microscopy {

enum class VoxelType {
  Bool,
  UInt8,
  Int8,
  UInt16,
  Int16,
  UInt32,
  Int32,
  UInt64,
  Int64,
  Float32,
  Float64
};

std::size_t voxelTypeSize(VoxelType type);
std::string_view voxelTypeName(VoxelType type);  // NumPy names: "bool", "uint8", …, "float64"
bool isIntegerVoxelType(VoxelType type);         // bool counts as integer

template <typename T>
constexpr VoxelType voxelTypeOf() {
  if constexpr (std::is_same_v<T, bool>)
    return VoxelType::Bool;
  else if constexpr (std::is_same_v<T, std::uint8_t>)
    return VoxelType::UInt8;
  else if constexpr (std::is_same_v<T, std::int8_t>)
    return VoxelType::Int8;
  else if constexpr (std::is_same_v<T, std::uint16_t>)
    return VoxelType::UInt16;
  else if constexpr (std::is_same_v<T, std::int16_t>)
    return VoxelType::Int16;
  else if constexpr (std::is_same_v<T, std::uint32_t>)
    return VoxelType::UInt32;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return VoxelType::Int32;
  else if constexpr (std::is_same_v<T, std::uint64_t>)
    return VoxelType::UInt64;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return VoxelType::Int64;
  else if constexpr (std::is_same_v<T, float>)
    return VoxelType::Float32;
  else {
    static_assert(std::is_same_v<T, double>, "not a voxel type");
    return VoxelType::Float64;
  }
}

struct VolumeShape {
  std::size_t channels = 1, z = 1, y = 1, x = 1;
  std::size_t voxelsPerChannel() const { return z * y * x; }
  std::size_t voxelCount() const { return channels * z * y * x; }
  std::vector<std::size_t> asVector() const { return {channels, z, y, x}; }
  bool operator==(const VolumeShape&) const = default;
};

// Physical size of one voxel. `unit` is "micrometer", "nanometer",
// "millimeter", … (OME names) or "pixel" when the file does not say.
struct VoxelSize {
  double x = 1, y = 1, z = 1;
  std::string unit = "pixel";
  bool fromFile() const { return unit != "pixel"; }
};

// The grid of a volume of `shape` with voxels of `size` (axis-aligned, origin
// 0; "pixel" means no unit).
VolumeGrid voxelGrid(const VolumeShape& shape, const VoxelSize& size);

// Half-open box: channels [c0, c1), z [z0, z1), y [y0, y1), x [x0, x1).
struct Box {
  std::size_t c0 = 0, c1 = 1, z0 = 0, z1 = 0, y0 = 0, y1 = 0, x0 = 0, x1 = 0;
  static Box whole(const VolumeShape& shape) {
    return {0, shape.channels, 0, shape.z, 0, shape.y, 0, shape.x};
  }
  static Box channel(const VolumeShape& shape, std::size_t c) {
    return {c, c + 1, 0, shape.z, 0, shape.y, 0, shape.x};
  }
  // Voxels a read with `step` returns: channels × ceil(extent / step) per spatial axis.
  VolumeShape outputShape(std::size_t step = 1) const;
};

// How a LabelVolume encodes instances: label ids in one channel (0 is
// background), or one binary/constant mask channel per instance (FISBe
// gt_instances), where instances may overlap.
enum class LabelEncoding { None, LabelIds, InstanceChannels };
std::string_view labelEncodingName(
    LabelEncoding encoding);  // "none", "label_ids", "instance_channels"

struct ChunkCacheStats {
  std::size_t cachedChunks = 0, cachedBytes = 0, limitBytes = 0;
  std::size_t hits = 0, misses = 0;  // chunk look-ups by reads
};

// Where voxels come from. Implementations are safe to call from several
// threads and throw FileError (naming the file and the chunk) on bad data.
class VolumeSource {
 public:
  virtual ~VolumeSource() = default;
  virtual VolumeShape shape() const = 0;
  virtual VoxelType voxelType() const = 0;
  // The storage block (c, z, y, x), so callers can align their reads to it.
  virtual VolumeShape chunkShape() const = 0;
  // Reads `box` with every `step`-th voxel along z, y and x (all channels of
  // the box) into `out`, C order [c][z][y][x] of box.outputShape(step), as
  // `outType`, which is voxelType() or Float32. The box must lie inside shape().
  virtual void read(const Box& box, std::size_t step, VoxelType outType, void* out) const = 0;
  // As read(), for scans that visit each chunk once (a whole-volume pass such
  // as an evaluation or a pooled preview): chunks not cached already are
  // decoded into scratch memory and not kept, so the scan neither grows the
  // cache nor evicts the chunks the views are using.
  virtual void readOnce(const Box& box, std::size_t step, VoxelType outType, void* out) const {
    read(box, step, outType, out);
  }
  // What the source is, for summaries: "zarr", "hdf5", "tiff", "memory".
  virtual std::string format() const = 0;
  virtual ChunkCacheStats cacheStats() const { return {}; }
  virtual void setCacheLimitBytes(std::size_t) const {}
  // Decompression threads a read may use (0 = the hardware's count).
  virtual void setThreadCount(std::size_t) const {}
};

// A volume kept in memory (e.g. computed by an analysis), in native type.
template <typename T>
class InMemoryVolumeSource final : public VolumeSource {
 public:
  // `values` in C order [c][z][y][x]; throws std::invalid_argument on a size mismatch.
  InMemoryVolumeSource(VolumeShape shape, std::vector<T> values);
  VolumeShape shape() const override { return shape_; }
  VoxelType voxelType() const override { return voxelTypeOf<T>(); }
  VolumeShape chunkShape() const override { return shape_; }
  void read(const Box& box, std::size_t step, VoxelType outType, void* out) const override;
  std::string format() const override { return "memory"; }

 private:
  VolumeShape shape_;
  std::vector<T> values_;
};

// Choices every volume reader accepts.
struct VolumeOpenOptions {
  // Label encoding; unset: guessed from the name and type (integer arrays
  // named *instances* with several channels → InstanceChannels, integer
  // arrays named *label*, *seg* or *instances* → LabelIds, else a Volume).
  std::optional<LabelEncoding> labels;
  // OME-Zarr multiscales: the level to open (0 = finest). Unset: the finest
  // level whose voxels take at most `levelBudgetBytes`, or the finest when
  // the budget is 0 (the data stays lazy either way).
  std::optional<std::size_t> level;
  std::size_t levelBudgetBytes = 0;
  // Where the channels are in 4-D arrays without axis names (HDF5): Auto
  // takes the last axis when it has at most 4 entries and the first more
  // (an RGB (z, y, x, 3) image), else the first.
  enum class ChannelAxis { Auto, First, Last } channelAxis = ChannelAxis::Auto;
  // Decoded-chunk cache of this volume; unset: io::resourceLimits().volumeChunkCacheBytes.
  std::optional<std::size_t> cacheBytes;
  std::size_t threads = 0;  // decompression threads (0: all cores)
};

// The encoding `options` ask for; else the one the array's own attributes
// name ("label_encoding", as NeuroLoupe writes it: "instance_channels" for
// one channel per instance, "label_ids", "none") when it fits the type and
// channel count; else the guess described there.
LabelEncoding chooseLabelEncoding(const VolumeOpenOptions& options, const std::string& name,
                                  VoxelType type, std::size_t channels,
                                  const Attributes* stored = nullptr);

// A Volume or LabelVolume over a VolumeSource. shape() is {c, z, y, x}
// (AxisOrder::CZYX). Attributes (set by the readers): "dtype", "chunks"
// ("c,z,y,x"), the grid's (spacing, origin, affine, spatial_units:
// io/volume/VolumeGrid.h), "label_encoding", and the file's own metadata
// (zarr .zattrs keys as JSON).
class VolumeDataset final : public Dataset {
 public:
  VolumeDataset(std::string name, std::shared_ptr<const VolumeSource> source, VoxelSize voxelSize,
                LabelEncoding labels = LabelEncoding::None, Provenance provenance = {},
                Attributes attributes = {});

  std::vector<std::size_t> shape() const override { return shape_.asVector(); }
  nlohmann::json summary() const override;
  const VolumeShape& volumeShape() const { return shape_; }
  VoxelType voxelType() const { return source_->voxelType(); }
  VolumeShape chunkShape() const { return source_->chunkShape(); }
  const VoxelSize& voxelSize() const { return voxelSize_; }
  VolumeGrid grid() const { return voxelGrid(shape_, voxelSize_); }
  LabelEncoding labelEncoding() const { return labels_; }
  const std::shared_ptr<const VolumeSource>& source() const { return source_; }

  // Reads a box in the native type T (std::invalid_argument when T is not
  // voxelType() — bool volumes also read as uint8_t 0/1 — the box is outside the volume, step is 0
  // or `out` has not box.outputShape(step).voxelCount() elements).
  template <typename T>
  void read(const Box& box, std::span<T> out, std::size_t step = 1) const {
    checkRead(box, step, out.size(), voxelTypeOf<T>(), /*asFloat=*/false);
    source_->read(box, step, voxelTypeOf<T>(), out.data());
  }
  template <typename T>
  std::vector<T> read(const Box& box, std::size_t step = 1) const {
    std::vector<T> out(box.outputShape(step).voxelCount());
    read<T>(box, std::span<T>(out), step);
    return out;
  }
  // Any voxel type, converted to float.
  void readFloat(const Box& box, std::span<float> out, std::size_t step = 1) const;
  std::vector<float> readFloat(const Box& box, std::size_t step = 1) const;
  // One whole channel [z][y][x] in the native type.
  template <typename T>
  std::vector<T> readChannel(std::size_t c) const {
    return read<T>(Box::channel(shape_, c));
  }

  ChunkCacheStats cacheStats() const { return source_->cacheStats(); }
  void setCacheLimitBytes(std::size_t bytes) const { source_->setCacheLimitBytes(bytes); }
  void setThreadCount(std::size_t threads) const { source_->setThreadCount(threads); }

 private:
  void checkRead(const Box& box, std::size_t step, std::size_t outSize, VoxelType type,
                 bool asFloat) const;

  std::shared_ptr<const VolumeSource> source_;
  VolumeShape shape_;
  VoxelSize voxelSize_;
  LabelEncoding labels_;
};

// Streams a whole volume (all channels) in z slabs aligned to the chunk grid,
// so each chunk is decoded once however the channels are chunked — the way to
// scan a FISBe volume without holding it (one slab of about `slabBytes` at a
// time, at least one chunk layer). `visit(box, values)` gets each slab's box
// and its voxels, C order [c][z][y][x].
template <typename T, typename Visit>
void forEachZSlab(const VolumeDataset& volume, Visit&& visit,
                  std::size_t slabBytes = std::size_t{256} << 20) {
  const VolumeShape shape = volume.volumeShape();
  const std::size_t layer = std::max<std::size_t>(1, volume.chunkShape().z);
  const std::size_t layerBytes =
      std::max<std::size_t>(1, shape.channels * shape.y * shape.x * layer * sizeof(T));
  const std::size_t thickness = layer * std::max<std::size_t>(1, slabBytes / layerBytes);
  std::vector<T> values;
  for (std::size_t z0 = 0; z0 < shape.z; z0 += thickness) {
    const Box box{0, shape.channels, z0, std::min(z0 + thickness, shape.z), 0, shape.y, 0, shape.x};
    values.resize(box.outputShape().voxelCount());
    volume.read<T>(box, std::span<T>(values));
    visit(box, std::span<const T>(values));
  }
}

// Attributes every VolumeDataset reader sets ("dtype", "chunks", the grid's
// attributes, "label_encoding"), merged over `extra`.
Attributes volumeAttributes(const VolumeSource& source, const VoxelSize& voxelSize,
                            LabelEncoding labels, Attributes extra = {});

// The ArrayDataset convention the existing volume views read: C order
// doubles [z][y][x] (one channel) or [z][y][x][c], the grid of the preview
// (volume.grid().subsampled(step)), "step", and the volume's other
// attributes. Reads every `step`-th
// voxel; throws std::invalid_argument when more than `maxVoxels` values would
// result (pick a larger step).
std::shared_ptr<ArrayDataset> toArrayDataset(const VolumeDataset& volume, std::size_t step = 1,
                                             std::size_t maxVoxels = std::size_t{64} << 20);

// toArrayDataset's preview, but each output voxel is the maximum of its
// step × step × step block (per channel; blocks at the far edges are partial)
// instead of the block's first voxel: sparse, thin structures such as
// neurites stay visible at 1:4 where a strided preview mostly misses them.
// Reads the volume once at full resolution, a chunk layer and band of rows at
// a time (decoded on the source's threads, not kept in its cache). NaN voxels
// are skipped; a block of nothing but NaN stays NaN. Attribute "preview" =
// "max_pooled".
std::shared_ptr<ArrayDataset> toArrayDatasetMaxPooled(const VolumeDataset& volume, std::size_t step,
                                                      std::size_t maxVoxels = std::size_t{64}
                                                                              << 20);

// A LabelVolume as one channel of label ids in the ArrayDataset convention
// ([z][y][x], "spacing"), for the label views that take ids, held typed: in
// the volume's voxel type, or uint32 for instance channels. Label-id
// volumes are copied; for instance channels each voxel gets c + 1 of the
// highest-numbered channel set there, and the attribute "overlap_voxels"
// counts the voxels where several instances meet (they show the last one).
std::shared_ptr<ArrayDataset> toLabelIdArray(const VolumeDataset& volume, std::size_t step = 1,
                                             std::size_t maxVoxels = std::size_t{64} << 20);

// The same, but each preview voxel takes any label of its step³ block
// (read at full resolution, slab by slab): thin neurites stay connected where
// a strided preview breaks them into specks.
std::shared_ptr<ArrayDataset> toLabelIdArrayPooled(const VolumeDataset& volume, std::size_t step,
                                                   std::size_t maxVoxels = std::size_t{64} << 20);

// The smallest step for which toArrayDataset stays within maxVoxels.
std::size_t previewStep(const VolumeShape& shape, std::size_t maxVoxels);

// The shape of a 1:step preview of every channel (the spatial part is
// volume.grid().subsampled(step)); step 0 gives std::invalid_argument.
VolumeShape previewShape(const VolumeDataset& volume, std::size_t step);

}  // namespace nl::io::microscopy
