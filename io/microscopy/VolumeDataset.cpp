#include "io/microscopy/VolumeDataset.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <system_error>
#include <thread>

#include "io/Threads.h"
#include "io/microscopy/VolumeCopy.h"

namespace nl::io::microscopy {

std::size_t voxelTypeSize(VoxelType type) {
  return detail::visitVoxelType(type, [](auto v) { return sizeof(v); });
}

std::string_view voxelTypeName(VoxelType type) {
  switch (type) {
    case VoxelType::Bool:
      return "bool";
    case VoxelType::UInt8:
      return "uint8";
    case VoxelType::Int8:
      return "int8";
    case VoxelType::UInt16:
      return "uint16";
    case VoxelType::Int16:
      return "int16";
    case VoxelType::UInt32:
      return "uint32";
    case VoxelType::Int32:
      return "int32";
    case VoxelType::UInt64:
      return "uint64";
    case VoxelType::Int64:
      return "int64";
    case VoxelType::Float32:
      return "float32";
    case VoxelType::Float64:
      return "float64";
  }
  return "?";
}

bool isIntegerVoxelType(VoxelType type) {
  return type != VoxelType::Float32 && type != VoxelType::Float64;
}

std::string_view labelEncodingName(LabelEncoding encoding) {
  switch (encoding) {
    case LabelEncoding::None:
      return "none";
    case LabelEncoding::LabelIds:
      return "label_ids";
    case LabelEncoding::InstanceChannels:
      return "instance_channels";
  }
  return "none";
}

LabelEncoding chooseLabelEncoding(const VolumeOpenOptions& options, const std::string& name,
                                  VoxelType type, std::size_t channels, const Attributes* stored) {
  if (options.labels) return *options.labels;
  if (!isIntegerVoxelType(type)) return LabelEncoding::None;
  if (stored)
    if (const auto it = stored->find("label_encoding"); it != stored->end()) {
      if (it->second == "instance_channels" && channels > 1) return LabelEncoding::InstanceChannels;
      if (it->second == "label_ids") return LabelEncoding::LabelIds;
      if (it->second == "none") return LabelEncoding::None;
    }
  std::string leaf =
      name.substr(name.find_last_of('/') == std::string::npos ? 0 : name.find_last_of('/') + 1);
  std::transform(leaf.begin(), leaf.end(), leaf.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  const auto has = [&leaf](const char* word) { return leaf.find(word) != std::string::npos; };
  if (has("instance") && channels > 1) return LabelEncoding::InstanceChannels;
  if (has("label") || has("seg") || has("instance")) return LabelEncoding::LabelIds;
  return LabelEncoding::None;
}

VolumeShape Box::outputShape(std::size_t step) const {
  const auto count = [step](std::size_t a, std::size_t b) {
    return b > a ? (b - a + step - 1) / step : 0;
  };
  if (step == 0) return {0, 0, 0, 0};
  return {c1 > c0 ? c1 - c0 : 0, count(z0, z1), count(y0, y1), count(x0, x1)};
}

template <typename T>
InMemoryVolumeSource<T>::InMemoryVolumeSource(VolumeShape shape, std::vector<T> values)
    : shape_(shape), values_(std::move(values)) {
  if (values_.size() != shape_.voxelCount())
    throw std::invalid_argument("in-memory volume: " + std::to_string(values_.size()) +
                                " values for a shape of " + std::to_string(shape_.voxelCount()));
}

template <typename T>
void InMemoryVolumeSource<T>::read(const Box& box, std::size_t step, VoxelType outType,
                                   void* out) const {
  const detail::Block block{values_.data(), nullptr, shape_, {0, 0, 0, 0}};
  detail::copyBlock(voxelTypeOf<T>(), block, box, step, outType, out);
}

template class InMemoryVolumeSource<std::uint8_t>;
template class InMemoryVolumeSource<std::int8_t>;
template class InMemoryVolumeSource<std::uint16_t>;
template class InMemoryVolumeSource<std::int16_t>;
template class InMemoryVolumeSource<std::uint32_t>;
template class InMemoryVolumeSource<std::int32_t>;
template class InMemoryVolumeSource<std::uint64_t>;
template class InMemoryVolumeSource<std::int64_t>;
template class InMemoryVolumeSource<float>;
template class InMemoryVolumeSource<double>;

VolumeDataset::VolumeDataset(std::string name, std::shared_ptr<const VolumeSource> source,
                             VoxelSize voxelSize, LabelEncoding labels, Provenance provenance,
                             Attributes attributes)
    : Dataset(labels == LabelEncoding::None ? DatasetKind::Volume : DatasetKind::LabelVolume,
              std::move(name), std::move(provenance), std::move(attributes)),
      source_(std::move(source)),
      voxelSize_(std::move(voxelSize)),
      labels_(labels) {
  if (!source_) throw std::invalid_argument("volume '" + this->name() + "' has no source");
  shape_ = source_->shape();
  if (labels_ != LabelEncoding::None && !isIntegerVoxelType(source_->voxelType()))
    throw std::invalid_argument("label volume '" + this->name() +
                                "' must have an integer type, not " +
                                std::string(voxelTypeName(source_->voxelType())));
}

nlohmann::json VolumeDataset::summary() const {
  nlohmann::json out = Dataset::summary();
  out["dtype"] = voxelTypeName(voxelType());
  out["format"] = source_->format();
  const VolumeShape chunks = chunkShape();
  out["chunks"] = chunks.asVector();
  out["voxel_size"] = {
      {"x", voxelSize_.x}, {"y", voxelSize_.y}, {"z", voxelSize_.z}, {"unit", voxelSize_.unit}};
  out["label_encoding"] = labelEncodingName(labels_);
  return out;
}

void VolumeDataset::checkRead(const Box& box, std::size_t step, std::size_t outSize, VoxelType type,
                              bool asFloat) const {
  const auto where = [this] { return "volume '" + name() + "': "; };
  const bool boolAsBytes = type == VoxelType::UInt8 && voxelType() == VoxelType::Bool;
  if (!asFloat && type != voxelType() && !boolAsBytes)
    throw std::invalid_argument(where() + "read as " + std::string(voxelTypeName(type)) +
                                " but the voxels are " + std::string(voxelTypeName(voxelType())));
  if (step == 0) throw std::invalid_argument(where() + "step must be at least 1");
  if (box.c0 > box.c1 || box.z0 > box.z1 || box.y0 > box.y1 || box.x0 > box.x1 ||
      box.c1 > shape_.channels || box.z1 > shape_.z || box.y1 > shape_.y || box.x1 > shape_.x) {
    std::ostringstream s;
    s << where() << "box c[" << box.c0 << "," << box.c1 << ") z[" << box.z0 << "," << box.z1
      << ") y[" << box.y0 << "," << box.y1 << ") x[" << box.x0 << "," << box.x1
      << ") is not inside the shape (" << shape_.channels << ", " << shape_.z << ", " << shape_.y
      << ", " << shape_.x << ")";
    throw std::invalid_argument(s.str());
  }
  if (outSize != box.outputShape(step).voxelCount())
    throw std::invalid_argument(where() + "output buffer holds " + std::to_string(outSize) +
                                " voxels, the read needs " +
                                std::to_string(box.outputShape(step).voxelCount()));
}

void VolumeDataset::readFloat(const Box& box, std::span<float> out, std::size_t step) const {
  checkRead(box, step, out.size(), VoxelType::Float32, /*asFloat=*/true);
  source_->read(box, step, VoxelType::Float32, out.data());
}

std::vector<float> VolumeDataset::readFloat(const Box& box, std::size_t step) const {
  std::vector<float> out(box.outputShape(step).voxelCount());
  readFloat(box, std::span<float>(out), step);
  return out;
}

namespace {
// The volume's attributes, with the grid and step of a preview.
Attributes previewAttributes(const VolumeDataset& volume, std::size_t step) {
  Attributes attributes = volume.attributes();
  writeVolumeGrid(volume.grid().subsampled(step), attributes);
  attributes["step"] = std::to_string(step);
  return attributes;
}

// The shape of a preview at `step` (every channel, or voxels per channel for
// label ids), or a message saying which step would fit.
VolumeShape previewShapeOrThrow(const VolumeDataset& volume, std::size_t step,
                                std::size_t maxVoxels, bool countPerChannel, const char* function) {
  if (step == 0) throw std::invalid_argument(std::string(function) + ": step must be at least 1");
  const VolumeShape out = previewShape(volume, step);
  const std::size_t voxels = countPerChannel ? out.voxelsPerChannel() : out.voxelCount();
  if (voxels > maxVoxels)
    throw std::invalid_argument("volume '" + volume.name() + "' has " + std::to_string(voxels) +
                                " voxels at step " + std::to_string(step) + ", more than " +
                                std::to_string(maxVoxels) + "; use step " +
                                std::to_string(previewStep(volume.volumeShape(), maxVoxels)));
  return out;
}
}  // namespace

Attributes volumeAttributes(const VolumeSource& source, const VoxelSize& voxelSize,
                            LabelEncoding labels, Attributes extra) {
  const VolumeShape chunks = source.chunkShape();
  extra["dtype"] = voxelTypeName(source.voxelType());
  extra["chunks"] = std::to_string(chunks.channels) + "," + std::to_string(chunks.z) + "," +
                    std::to_string(chunks.y) + "," + std::to_string(chunks.x);
  writeVolumeGrid(voxelGrid(source.shape(), voxelSize), extra);
  extra["label_encoding"] = labelEncodingName(labels);
  return extra;
}

VolumeGrid voxelGrid(const VolumeShape& shape, const VoxelSize& size) {
  return VolumeGrid::axisAligned({shape.x, shape.y, shape.z}, {size.x, size.y, size.z}, {0, 0, 0},
                                 size.fromFile() ? size.unit : std::string());
}

VolumeShape previewShape(const VolumeDataset& volume, std::size_t step) {
  const VolumeGrid grid = volume.grid().subsampled(step);
  return {volume.volumeShape().channels, grid.nz, grid.ny, grid.nx};
}

std::size_t previewStep(const VolumeShape& shape, std::size_t maxVoxels) {
  const VolumeGrid grid = voxelGrid(shape, {});
  for (std::size_t step = 1;; ++step) {
    const std::size_t voxels = grid.subsampled(step).voxelCount() * shape.channels;
    if (voxels <= maxVoxels || step >= std::max({shape.z, shape.y, shape.x})) return step;
  }
}

namespace {

// A preview in the ArrayDataset convention, held in the volume's own voxel
// type (uint16 stays uint16: a quarter of the doubles' memory); values()
// widens only for callers that ask for doubles.
template <typename T>
std::shared_ptr<ArrayDataset> typedPreview(const VolumeDataset& volume, const VolumeShape& out,
                                           std::vector<T> interleaved, Attributes attributes) {
  std::vector<std::size_t> arrayShape{out.z, out.y, out.x};
  if (out.channels > 1) arrayShape.push_back(out.channels);
  auto typed = std::make_shared<TypedArray>(TypedArray::fromVector(std::move(interleaved)));
  return std::make_shared<ArrayDataset>(volume.kind(), volume.name(), std::move(arrayShape),
                                        ArrayDataset::TypedLoader([typed] { return *typed; }),
                                        volume.provenance(), std::move(attributes),
                                        std::string(voxelTypeName(volume.voxelType())));
}

// [c][z][y][x] → the views' [z][y][x][c].
template <typename T>
std::vector<T> interleaveChannels(const std::vector<T>& czyx, const VolumeShape& out) {
  if (out.channels == 1) return czyx;
  std::vector<T> interleaved(czyx.size());
  const std::size_t perChannel = out.voxelsPerChannel();
  for (std::size_t c = 0; c < out.channels; ++c)
    for (std::size_t v = 0; v < perChannel; ++v)
      interleaved[v * out.channels + c] = czyx[c * perChannel + v];
  return interleaved;
}

}  // namespace

std::shared_ptr<ArrayDataset> toArrayDataset(const VolumeDataset& volume, std::size_t step,
                                             std::size_t maxVoxels) {
  const Box whole = Box::whole(volume.volumeShape());
  const VolumeShape out = previewShapeOrThrow(volume, step, maxVoxels, false, "toArrayDataset");
  return detail::visitVoxelType(volume.voxelType(), [&](auto zero) {
    using T = decltype(zero);
    return typedPreview(volume, out, interleaveChannels(volume.read<T>(whole, step), out),
                        previewAttributes(volume, step));
  });
}

namespace {

// Runs work(item) for items 0…count-1 on all cores (items must not share
// outputs).
template <typename Work>
void parallelItems(std::size_t count, const Work& work) {
  std::atomic<std::size_t> next{0};
  const auto worker = [&] {
    for (std::size_t item = next++; item < count; item = next++) work(item);
  };
  const auto threads = static_cast<std::size_t>(io::workerThreadCount());
  std::vector<std::thread> workers;
  for (std::size_t t = 1; t < std::min(threads, count); ++t) {
    try {
      workers.emplace_back(worker);
    } catch (const std::system_error&) {
      break;  // the threads running (and this one) do the rest
    }
  }
  worker();
  for (auto& w : workers) w.join();
}

// Reads the whole volume once, all channels, in its native type T, in boxes
// of whole step-blocks (no block straddles two boxes) and, where that fits,
// of whole chunks (least common multiple of step and chunk), so each chunk is
// decoded once; else at least a chunk deep and high, so a chunk on a box
// boundary is decoded twice at most. Calls visit(values, box) per box
// (values C order [c][z][y][x], whole rows).
template <typename T, typename Visit>
void forEachBlockBox(const VolumeDataset& volume, std::size_t step, const Visit& visit) {
  const VolumeShape& shape = volume.volumeShape();
  const VolumeShape chunk = volume.chunkShape();
  const auto wholeBlocks = [step](std::size_t extent) {
    return step * ((std::max<std::size_t>(1, extent) + step - 1) / step);
  };
  const auto aligned = [step](std::size_t chunkExtent, std::size_t extent) {
    return std::min(std::lcm(step, std::max<std::size_t>(1, chunkExtent)),
                    step * ((extent + step - 1) / step));
  };
  constexpr std::size_t kBoxBytes = std::size_t{256} << 20;
  const std::size_t rowBytes = shape.channels * shape.x * sizeof(T);
  std::size_t slabDepth = aligned(chunk.z, shape.z), bandHeight = aligned(chunk.y, shape.y);
  if (slabDepth * bandHeight * rowBytes > kBoxBytes) bandHeight = wholeBlocks(chunk.y);
  if (slabDepth * bandHeight * rowBytes > kBoxBytes) slabDepth = wholeBlocks(chunk.z);
  std::vector<T> values;
  for (std::size_t z0 = 0; z0 < shape.z; z0 += slabDepth)
    for (std::size_t y0 = 0; y0 < shape.y; y0 += bandHeight) {
      const Box box{0,  shape.channels,
                    z0, std::min(shape.z, z0 + slabDepth),
                    y0, std::min(shape.y, y0 + bandHeight),
                    0,  shape.x};
      values.resize(box.outputShape().voxelCount());
      volume.source()->readOnce(box, 1, volume.voxelType(), values.data());
      visit(static_cast<const T*>(values.data()), box);
    }
}

// Row y of plane z of channel c inside a box's values.
template <typename T>
const T* boxRow(const T* values, const Box& box, std::size_t c, std::size_t z, std::size_t y) {
  return values + ((c * (box.z1 - box.z0) + (z - box.z0)) * (box.y1 - box.y0) + (y - box.y0)) *
                      (box.x1 - box.x0);
}

// Block maxima per channel ([c][z][y][x] of the preview), then interleaved
// into the views' [z][y][x][c] doubles. Work items are (channel, preview
// plane) pairs, each writing its own preview rows.
template <typename T>
std::vector<T> maxPooled(const VolumeDataset& volume, std::size_t step, const VolumeShape& out) {
  std::vector<T> maxima(out.voxelCount(), std::is_floating_point_v<T>
                                              ? std::numeric_limits<T>::quiet_NaN()
                                              : std::numeric_limits<T>::lowest());
  forEachBlockBox<T>(volume, step, [&](const T* values, const Box& box) {
    const std::size_t width = box.x1 - box.x0;
    const std::size_t firstPlane = box.z0 / step, planes = (box.z1 - 1) / step - firstPlane + 1;
    parallelItems(out.channels * planes, [&](std::size_t item) {
      const std::size_t c = item / planes, zOut = firstPlane + item % planes;
      for (std::size_t z = std::max(box.z0, zOut * step); z < std::min(box.z1, (zOut + 1) * step);
           ++z)
        for (std::size_t y = box.y0; y < box.y1; ++y) {
          const T* row = boxRow(values, box, c, z, y);
          T* target = maxima.data() + ((c * out.z + zOut) * out.y + y / step) * out.x;
          for (std::size_t xOut = 0, x = 0; x < width; ++xOut) {
            T m = target[xOut];
            for (const std::size_t xEnd = std::min(width, x + step); x < xEnd; ++x) {
              if constexpr (std::is_floating_point_v<T>) {
                // NaN maxima (nothing seen yet) take any number; NaN voxels are skipped.
                if (!std::isnan(row[x]) && !(row[x] <= m)) m = row[x];
              } else {
                m = std::max(m, row[x]);
              }
            }
            target[xOut] = m;
          }
        }
    });
  });
  return interleaveChannels(maxima, out);
}

// One channel of ids: each preview voxel takes a label of its block — the
// last non-zero in channel then raster order (instance channels: c + 1 of the
// highest channel present). Work items are preview planes, each covering
// every channel, so the order within a block is kept.
template <typename T, typename Id>
std::vector<Id> labelPooled(const VolumeDataset& volume, std::size_t step, const VolumeShape& out,
                            bool perChannel) {
  std::vector<Id> ids(out.voxelsPerChannel(), Id{0});
  forEachBlockBox<T>(volume, step, [&](const T* values, const Box& box) {
    const std::size_t width = box.x1 - box.x0;
    const std::size_t firstPlane = box.z0 / step, planes = (box.z1 - 1) / step - firstPlane + 1;
    parallelItems(planes, [&](std::size_t item) {
      const std::size_t zOut = firstPlane + item;
      for (std::size_t c = box.c0; c < box.c1; ++c)
        for (std::size_t z = std::max(box.z0, zOut * step); z < std::min(box.z1, (zOut + 1) * step);
             ++z)
          for (std::size_t y = box.y0; y < box.y1; ++y) {
            const T* row = boxRow(values, box, c, z, y);
            Id* target = ids.data() + (zOut * out.y + y / step) * out.x;
            for (std::size_t x = 0; x < width; ++x)
              if (row[x] != T{})
                target[x / step] = perChannel ? static_cast<Id>(c + 1) : static_cast<Id>(row[x]);
          }
    });
  });
  return ids;
}

}  // namespace

std::shared_ptr<ArrayDataset> toArrayDatasetMaxPooled(const VolumeDataset& volume, std::size_t step,
                                                      std::size_t maxVoxels) {
  const VolumeShape out =
      previewShapeOrThrow(volume, step, maxVoxels, false, "toArrayDatasetMaxPooled");
  Attributes attributes = previewAttributes(volume, step);
  attributes["preview"] = "max_pooled";
  return detail::visitVoxelType(volume.voxelType(), [&](auto zero) {
    using T = decltype(zero);
    return typedPreview(volume, out, maxPooled<T>(volume, step, out), std::move(attributes));
  });
}

namespace {

// One channel of label ids kept in `Id` (the volume's own type, or uint32
// for instance channels' c + 1), not widened to doubles.
template <typename Id>
std::shared_ptr<ArrayDataset> labelIdPreview(const VolumeDataset& volume, const VolumeShape& out,
                                             std::vector<Id> ids, Attributes attributes) {
  auto typed = std::make_shared<TypedArray>(TypedArray::fromVector(std::move(ids)));
  return std::make_shared<ArrayDataset>(
      DatasetKind::LabelVolume, volume.name(), std::vector<std::size_t>{out.z, out.y, out.x},
      ArrayDataset::TypedLoader([typed] { return *typed; }), volume.provenance(),
      std::move(attributes), std::string(voxelTypeName(volume.voxelType())));
}

}  // namespace

std::shared_ptr<ArrayDataset> toLabelIdArray(const VolumeDataset& volume, std::size_t step,
                                             std::size_t maxVoxels) {
  if (volume.labelEncoding() == LabelEncoding::None)
    throw std::invalid_argument("volume '" + volume.name() + "' is not a label volume");
  if (volume.labelEncoding() == LabelEncoding::LabelIds && volume.volumeShape().channels == 1)
    return toArrayDataset(volume, step, maxVoxels);
  const Box whole = Box::whole(volume.volumeShape());
  const VolumeShape out = previewShapeOrThrow(volume, step, maxVoxels, true, "toLabelIdArray");
  std::vector<std::uint32_t> ids(out.voxelsPerChannel(), 0);
  std::vector<unsigned char> seen(ids.size(), 0);
  std::size_t overlap = 0;
  // One channel at a time keeps the memory at one float channel.
  for (std::size_t c = 0; c < volume.volumeShape().channels; ++c) {
    Box box = whole;
    box.c0 = c, box.c1 = c + 1;
    const std::vector<float> mask = volume.readFloat(box, step);
    for (std::size_t v = 0; v < mask.size(); ++v) {
      if (mask[v] == 0) continue;
      if (seen[v] == 1) ++overlap;
      if (seen[v] < 2) ++seen[v];
      ids[v] = static_cast<std::uint32_t>(c + 1);
    }
  }
  Attributes attributes = previewAttributes(volume, step);
  attributes["label_encoding"] = "label_ids";
  attributes["overlap_voxels"] = std::to_string(overlap);
  return labelIdPreview(volume, out, std::move(ids), std::move(attributes));
}

std::shared_ptr<ArrayDataset> toLabelIdArrayPooled(const VolumeDataset& volume, std::size_t step,
                                                   std::size_t maxVoxels) {
  if (volume.labelEncoding() == LabelEncoding::None)
    throw std::invalid_argument("volume '" + volume.name() + "' is not a label volume");
  const VolumeShape out =
      previewShapeOrThrow(volume, step, maxVoxels, true, "toLabelIdArrayPooled");
  const bool perChannel = volume.labelEncoding() == LabelEncoding::InstanceChannels;
  // A preview voxel takes any label inside its block (read at full
  // resolution), so neurites thinner than the step stay connected.
  Attributes attributes = previewAttributes(volume, step);
  attributes["label_encoding"] = "label_ids";
  attributes["preview"] = "pooled";
  return detail::visitVoxelType(volume.voxelType(), [&](auto zero) {
    using T = decltype(zero);
    if (perChannel)
      return labelIdPreview(volume, out, labelPooled<T, std::uint32_t>(volume, step, out, true),
                            std::move(attributes));
    return labelIdPreview(volume, out, labelPooled<T, T>(volume, step, out, false),
                          std::move(attributes));
  });
}

}  // namespace nl::io::microscopy
