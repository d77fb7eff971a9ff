#include "analysis/fisbe/Instances.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <map>
#include <stdexcept>
#include <type_traits>
#include <unordered_map>

#include "analysis/Progress.h"

namespace nl::analysis::fisbe {

std::size_t labelTypeSize(LabelType type) {
  switch (type) {
    case LabelType::Bool:
    case LabelType::UInt8:
    case LabelType::Int8:
      return 1;
    case LabelType::UInt16:
    case LabelType::Int16:
      return 2;
    case LabelType::UInt32:
    case LabelType::Int32:
      return 4;
    case LabelType::UInt64:
    case LabelType::Int64:
      return 8;
  }
  return 1;
}

std::string labelTypeName(LabelType type) {
  switch (type) {
    case LabelType::Bool:
      return "bool";
    case LabelType::UInt8:
      return "uint8";
    case LabelType::Int8:
      return "int8";
    case LabelType::UInt16:
      return "uint16";
    case LabelType::Int16:
      return "int16";
    case LabelType::UInt32:
      return "uint32";
    case LabelType::Int32:
      return "int32";
    case LabelType::UInt64:
      return "uint64";
    case LabelType::Int64:
      return "int64";
  }
  return "?";
}

void LabelSource::readAllChannels(
    std::int64_t zBegin, std::int64_t zEnd,
    const std::function<void(std::int64_t, const PlaneBlock&)>& consume) const {
  for (std::int64_t c = 0; c < channels(); ++c)
    readPlanes(c, zBegin, zEnd, [&](const PlaneBlock& block) { consume(c, block); });
}

LabelBuffer::LabelBuffer(const void* data, LabelType type, std::int64_t channels, Shape3 shape)
    : data_(data), type_(type), channels_(channels), shape_(shape) {
  if (channels < 1 || shape.depth < 1 || shape.height < 1 || shape.width < 1)
    throw std::invalid_argument("label volume: every dimension must be at least 1, got " +
                                std::to_string(channels) + "×" + std::to_string(shape.depth) + "×" +
                                std::to_string(shape.height) + "×" + std::to_string(shape.width));
  if (data == nullptr) throw std::invalid_argument("label volume: no data");
}

void LabelBuffer::readPlanes(std::int64_t channel, std::int64_t zBegin, std::int64_t zEnd,
                             const std::function<void(const PlaneBlock&)>& consume) const {
  if (channel < 0 || channel >= channels_ || zBegin < 0 || zEnd > shape_.depth || zBegin > zEnd)
    throw std::out_of_range("label volume: planes outside the volume");
  const std::int64_t plane = shape_.height * shape_.width;
  const auto* base =
      static_cast<const unsigned char*>(data_) +
      static_cast<std::size_t>((channel * shape_.depth + zBegin) * plane) * labelTypeSize(type_);
  consume(PlaneBlock{base, type_, zBegin, zEnd - zBegin});
}

InstanceMask::InstanceMask(std::vector<Run> runs) : runs_(std::move(runs)) {
  if (runs_.empty()) throw std::invalid_argument("InstanceMask: no voxels");
  box_ = Box{runs_.front().z,
             std::numeric_limits<std::int64_t>::max(),
             std::numeric_limits<std::int64_t>::max(),
             runs_.back().z + 1,
             0,
             0};
  box_.y1 = std::numeric_limits<std::int64_t>::min();
  box_.x1 = std::numeric_limits<std::int64_t>::min();
  for (const Run& r : runs_) {
    box_.y0 = std::min<std::int64_t>(box_.y0, r.y);
    box_.y1 = std::max<std::int64_t>(box_.y1, r.y + 1);
    box_.x0 = std::min<std::int64_t>(box_.x0, r.x0);
    box_.x1 = std::max<std::int64_t>(box_.x1, r.x1);
    voxelCount_ += r.x1 - r.x0;
  }
  const std::int64_t height = box_.y1 - box_.y0, width = box_.x1 - box_.x0;
  bits_.assign(static_cast<std::size_t>((box_.voxels() + 63) / 64), 0);
  for (const Run& r : runs_) {
    const std::int64_t rowStart = ((r.z - box_.z0) * height + (r.y - box_.y0)) * width - box_.x0;
    for (std::int64_t x = r.x0; x < r.x1; ++x) {
      const auto bit = static_cast<std::uint64_t>(rowStart + x);
      bits_[bit >> 6] |= std::uint64_t{1} << (bit & 63);
    }
  }
}

void InstanceSet::instancesAt(const Voxel& v, std::vector<int>& ids) const {
  ids.clear();
  for (const Instance& instance : instances)
    if (instance.mask.contains(v)) ids.push_back(instance.id);
}

std::pair<CropWindow, CropWindow> centreCropWindows(Shape3 gt, Shape3 pred) {
  const CropWindow gtFull{{}, gt}, predFull{{}, pred};
  if (gt == pred) return {gtFull, predFull};
  auto crop = [](Shape3 big, Shape3 small) {
    return CropWindow{{(big.depth - small.depth) / 2, (big.height - small.height) / 2,
                       (big.width - small.width) / 2},
                      small};
  };
  const bool gtFits = gt.depth <= pred.depth && gt.height <= pred.height && gt.width <= pred.width;
  const bool predFits =
      pred.depth <= gt.depth && pred.height <= gt.height && pred.width <= gt.width;
  if (gtFits) return {gtFull, crop(pred, gt)};
  if (predFits) return {crop(gt, pred), predFull};
  throw std::invalid_argument(
      "ground truth is bigger in some spatial dimensions and the prediction in others (" +
      std::to_string(gt.depth) + "×" + std::to_string(gt.height) + "×" + std::to_string(gt.width) +
      " vs " + std::to_string(pred.depth) + "×" + std::to_string(pred.height) + "×" +
      std::to_string(pred.width) + "): unable to crop to one shape");
}

namespace {

struct Builder {
  std::int64_t channel = 0;
  std::int64_t label = 0;
  std::int64_t voxels = 0;
  std::vector<Run> runs;
};

// Collects the runs of every label of one channel.
class ChannelScanner {
 public:
  explicit ChannelScanner(std::int64_t channel) : channel_(channel) { small_.fill(-1); }

  Builder& builderFor(std::int64_t label) {
    if (label == lastLabel_) return builders_[lastIndex_];
    std::size_t index;
    if (label < 256) {
      auto& slot = small_[static_cast<std::size_t>(label)];
      if (slot < 0) {
        slot = static_cast<std::int64_t>(builders_.size());
        builders_.push_back({channel_, label, 0, {}});
      }
      index = static_cast<std::size_t>(slot);
    } else {
      auto [it, inserted] = large_.try_emplace(label, builders_.size());
      if (inserted) builders_.push_back({channel_, label, 0, {}});
      index = it->second;
    }
    lastLabel_ = label;
    lastIndex_ = index;
    return builders_[index];
  }

  template <typename T>
  void scanRow(const T* row, std::int64_t x0, std::int64_t x1, std::int32_t z, std::int32_t y) {
    std::int64_t x = x0;
    while (x < x1) {
      // Most of a neuron channel is background: skip it eight bytes at a time.
      constexpr std::int64_t perWord = sizeof(T) < 8 ? 8 / static_cast<std::int64_t>(sizeof(T)) : 1;
      while (x + perWord <= x1) {
        std::uint64_t word;
        std::memcpy(&word, row + x, 8);
        if (word != 0) break;
        x += perWord;
      }
      if (x >= x1) break;
      const T value = row[x];
      if (value == T{}) {
        ++x;
        continue;
      }
      std::int64_t end = x + 1;
      while (end < x1 && row[end] == value) ++end;
      std::int64_t label;
      if constexpr (std::is_signed_v<T>) {
        if (value < 0)
          throw std::invalid_argument("label volume has a negative label (" +
                                      std::to_string(static_cast<long long>(value)) +
                                      ") in channel " + std::to_string(channel_));
        label = static_cast<std::int64_t>(value);
      } else {
        if (static_cast<std::uint64_t>(value) >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
          throw std::invalid_argument("label volume has a label above 2^63 in channel " +
                                      std::to_string(channel_));
        label = static_cast<std::int64_t>(value);
      }
      Builder& b = builderFor(label);
      b.runs.push_back({z, y, static_cast<std::int32_t>(x), static_cast<std::int32_t>(end)});
      b.voxels += end - x;
      x = end;
    }
  }

  std::vector<Builder> take() { return std::move(builders_); }

 private:
  std::int64_t channel_;
  std::vector<Builder> builders_;
  std::array<std::int64_t, 256> small_{};
  std::unordered_map<std::int64_t, std::size_t> large_;
  std::int64_t lastLabel_ = -1;
  std::size_t lastIndex_ = 0;
};

template <typename T>
void scanBlock(const PlaneBlock& block, const Shape3& source, const CropWindow& window,
               ChannelScanner& scanner) {
  const auto* data = static_cast<const T*>(block.data);
  const std::int64_t zFrom = std::max(block.firstPlane, window.offset.depth);
  const std::int64_t zTo =
      std::min(block.firstPlane + block.planes, window.offset.depth + window.shape.depth);
  for (std::int64_t z = zFrom; z < zTo; ++z) {
    for (std::int64_t y = window.offset.height; y < window.offset.height + window.shape.height;
         ++y) {
      const T* row =
          data + ((z - block.firstPlane) * source.height + y) * source.width + window.offset.width;
      scanner.scanRow(row, 0, window.shape.width,
                      static_cast<std::int32_t>(z - window.offset.depth),
                      static_cast<std::int32_t>(y - window.offset.height));
    }
  }
}

void scanPlaneBlock(const PlaneBlock& block, const Shape3& source, const CropWindow& window,
                    ChannelScanner& scanner) {
  switch (block.type) {
    case LabelType::Bool:
    case LabelType::UInt8:
      return scanBlock<std::uint8_t>(block, source, window, scanner);
    case LabelType::Int8:
      return scanBlock<std::int8_t>(block, source, window, scanner);
    case LabelType::UInt16:
      return scanBlock<std::uint16_t>(block, source, window, scanner);
    case LabelType::Int16:
      return scanBlock<std::int16_t>(block, source, window, scanner);
    case LabelType::UInt32:
      return scanBlock<std::uint32_t>(block, source, window, scanner);
    case LabelType::Int32:
      return scanBlock<std::int32_t>(block, source, window, scanner);
    case LabelType::UInt64:
      return scanBlock<std::uint64_t>(block, source, window, scanner);
    case LabelType::Int64:
      return scanBlock<std::int64_t>(block, source, window, scanner);
  }
}

bool instancesOverlap(const Instance& a, const Instance& b) {
  if (!a.mask.box().intersects(b.mask.box())) return false;
  const Instance& small = a.mask.voxelCount() <= b.mask.voxelCount() ? a : b;
  const Instance& large = &small == &a ? b : a;
  for (const Run& r : small.mask.runs())
    for (std::int32_t x = r.x0; x < r.x1; ++x)
      if (large.mask.contains(r.z, r.y, x)) return true;
  return false;
}

}  // namespace

InstanceSet loadInstances(const LabelSource& source, const CropWindow& window,
                          const LoadOptions& options, Progress* progress) {
  const Shape3 shape = source.shape();
  if (window.offset.depth < 0 || window.offset.height < 0 || window.offset.width < 0 ||
      window.shape.depth < 1 || window.shape.height < 1 || window.shape.width < 1 ||
      window.offset.depth + window.shape.depth > shape.depth ||
      window.offset.height + window.shape.height > shape.height ||
      window.offset.width + window.shape.width > shape.width)
    throw std::invalid_argument("crop window outside the label volume");
  if (window.shape.depth > std::numeric_limits<std::int32_t>::max() ||
      window.shape.height > std::numeric_limits<std::int32_t>::max() ||
      window.shape.width > std::numeric_limits<std::int32_t>::max())
    throw std::invalid_argument("label volume too large");

  InstanceSet set;
  set.shape = window.shape;
  set.inputChannels = source.channels();

  std::vector<ChannelScanner> scanners;
  for (std::int64_t c = 0; c < source.channels(); ++c) scanners.emplace_back(c);
  if (progress) progress->checkCancel();
  source.readAllChannels(window.offset.depth, window.offset.depth + window.shape.depth,
                         [&](std::int64_t channel, const PlaneBlock& block) {
                           if (progress) progress->checkCancel();
                           if (channel < 0 || channel >= source.channels())
                             throw std::out_of_range("label volume: block of a channel outside it");
                           scanPlaneBlock(block, shape, window,
                                          scanners[static_cast<std::size_t>(channel)]);
                         });
  std::vector<std::vector<Builder>> perChannel;
  for (auto& scanner : scanners) perChannel.push_back(scanner.take());

  // filter_components: voxel counts per label value over all channels together.
  if (options.removeUpToVoxels > 0) {
    std::map<std::int64_t, std::int64_t> pooled;
    for (const auto& builders : perChannel)
      for (const Builder& b : builders) pooled[b.label] += b.voxels;
    for (auto& builders : perChannel)
      std::erase_if(builders,
                    [&](const Builder& b) { return pooled[b.label] <= options.removeUpToVoxels; });
    for (const auto& [label, voxels] : pooled)
      if (voxels <= options.removeUpToVoxels) set.removedLabels.push_back(label);
  }

  // remove_empty_channels (a single channel stays), then one id per label.
  std::vector<std::vector<Builder>*> kept;
  for (auto& builders : perChannel)
    if (!builders.empty() || perChannel.size() == 1) kept.push_back(&builders);
  set.keptChannels = static_cast<std::int64_t>(kept.size());
  std::int64_t maxLabel = 0;
  for (const auto* builders : kept)
    for (const Builder& b : *builders) maxLabel = std::max(maxLabel, b.label);
  const bool binaryMasks = maxLabel == 1;  // binary_masks_to_uniq_ids

  int nextId = 1;
  for (std::size_t k = 0; k < kept.size(); ++k) {
    auto& builders = *kept[k];
    std::sort(builders.begin(), builders.end(),
              [](const Builder& a, const Builder& b) { return a.label < b.label; });
    for (Builder& b : builders) {
      Instance instance;
      instance.id = nextId++;
      instance.channel = b.channel;
      instance.label = b.label;
      instance.labelBeforeRelabel = binaryMasks ? static_cast<std::int64_t>(k) + 1 : b.label;
      instance.mask = InstanceMask(std::move(b.runs));
      set.instances.push_back(std::move(instance));
    }
    builders.clear();
  }

  if (set.keptChannels > 1) {
    for (std::size_t i = 0; i < set.instances.size() && !set.overlapping; ++i)
      for (std::size_t j = i + 1; j < set.instances.size() && !set.overlapping; ++j)
        if (set.instances[i].channel != set.instances[j].channel &&
            instancesOverlap(set.instances[i], set.instances[j]))
          set.overlapping = true;
  }
  return set;
}

}  // namespace nl::analysis::fisbe
