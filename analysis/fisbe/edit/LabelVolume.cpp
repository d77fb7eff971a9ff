#include "analysis/fisbe/edit/LabelVolume.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <unordered_map>

#include "analysis/Progress.h"

namespace nl::analysis::fisbe::edit {

namespace {

template <typename F>
decltype(auto) withType(LabelType type, F&& f) {
  switch (type) {
    case LabelType::Bool:
    case LabelType::UInt8:
      return f(std::uint8_t{});
    case LabelType::Int8:
      return f(std::int8_t{});
    case LabelType::UInt16:
      return f(std::uint16_t{});
    case LabelType::Int16:
      return f(std::int16_t{});
    case LabelType::UInt32:
      return f(std::uint32_t{});
    case LabelType::Int32:
      return f(std::int32_t{});
    case LabelType::UInt64:
      return f(std::uint64_t{});
    case LabelType::Int64:
      return f(std::int64_t{});
  }
  throw std::invalid_argument("unknown label type");
}

void extend(Box& box, std::int64_t z0, std::int64_t z1, std::int64_t y0, std::int64_t y1,
            std::int64_t x0, std::int64_t x1) {
  if (box.voxels() <= 0 || box.z1 <= box.z0) {
    box = {z0, y0, x0, z1, y1, x1};
    return;
  }
  box.z0 = std::min(box.z0, z0);
  box.y0 = std::min(box.y0, y0);
  box.x0 = std::min(box.x0, x0);
  box.z1 = std::max(box.z1, z1);
  box.y1 = std::max(box.y1, y1);
  box.x1 = std::max(box.x1, x1);
}

}  // namespace

std::int64_t LabelDiff::voxelCount() const {
  std::int64_t n = 0;
  for (const DiffRun& r : runs) n += r.length;
  return n;
}

std::set<Label> LabelDiff::touchedLabels() const {
  std::set<Label> labels;
  for (const DiffRun& r : runs) {
    if (r.before != 0) labels.insert(r.before);
    if (r.after != 0) labels.insert(r.after);
  }
  return labels;
}

void LabelDiff::append(std::uint64_t index, Label before, Label after) {
  if (!runs.empty()) {
    DiffRun& last = runs.back();
    if (last.start + last.length == index && last.before == before && last.after == after &&
        last.length < std::numeric_limits<std::uint32_t>::max()) {
      ++last.length;
      return;
    }
  }
  runs.push_back({index, 1, before, after});
}

LabelVolume::LabelVolume(Shape3 shape, LabelType type)
    : shape_(shape), type_(type == LabelType::Bool ? LabelType::UInt8 : type) {
  if (shape.depth < 1 || shape.height < 1 || shape.width < 1)
    throw std::invalid_argument("label volume: empty shape");
  if (shape.voxels() >= (std::int64_t{1} << 40))
    throw std::invalid_argument("label volume: too large to edit in memory");
  data_.assign(static_cast<std::size_t>(shape.voxels()) * labelTypeSize(type_), 0);
}

LabelVolume LabelVolume::fromSource(const LabelSource& source, Progress* progress) {
  const Shape3 shape = source.shape();
  const std::int64_t channels = source.channels();
  if (channels < 1) throw std::invalid_argument("label volume without channels");
  const std::int64_t planeVoxels = shape.height * shape.width;
  if (channels == 1) {
    // Read the first block to learn the stored type, then copy block by block.
    LabelVolume volume;
    bool made = false;
    source.readPlanes(0, 0, shape.depth, [&](const PlaneBlock& block) {
      if (progress) {
        progress->checkCancel();
        progress->update(
            0.8 * static_cast<double>(block.firstPlane) / static_cast<double>(shape.depth),
            "reading labels");
      }
      if (!made) {
        volume = LabelVolume(shape, block.type);
        made = true;
      }
      const std::size_t size = labelTypeSize(volume.type_);
      if (labelTypeSize(block.type) != size)
        throw std::invalid_argument("label volume: blocks of different types");
      const auto count = static_cast<std::size_t>(block.planes * planeVoxels);
      std::memcpy(
          volume.data_.data() + static_cast<std::size_t>(block.firstPlane * planeVoxels) * size,
          block.data, count * size);
    });
    if (!made) throw std::invalid_argument("label volume: no planes read");
    volume.measure();
    return volume;
  }
  const LabelType type = channels <= 255     ? LabelType::UInt8
                         : channels <= 65535 ? LabelType::UInt16
                                             : LabelType::UInt32;
  LabelVolume volume(shape, type);
  std::vector<bool> shared(static_cast<std::size_t>(shape.voxels()), false);
  for (std::int64_t c = 0; c < channels; ++c) {
    if (progress) {
      progress->checkCancel();
      progress->update(0.8 * static_cast<double>(c) / static_cast<double>(channels),
                       "reading instance channel " + std::to_string(c + 1));
    }
    const auto id = static_cast<std::uint64_t>(c + 1);
    source.readPlanes(c, 0, shape.depth, [&](const PlaneBlock& block) {
      withType(block.type, [&](auto inputZero) {
        using In = decltype(inputZero);
        const auto* in = static_cast<const In*>(block.data);
        const auto count = static_cast<std::size_t>(block.planes * planeVoxels);
        const auto offset = static_cast<std::size_t>(block.firstPlane * planeVoxels);
        withType(volume.type_, [&](auto outputZero) {
          using Out = decltype(outputZero);
          auto* out = reinterpret_cast<Out*>(volume.data_.data()) + offset;
          for (std::size_t i = 0; i < count; ++i) {
            if (in[i] == In{}) continue;
            if constexpr (std::is_signed_v<In>)
              if (in[i] < 0)
                throw std::invalid_argument("label volume has a negative value in channel " +
                                            std::to_string(c));
            if (out[i] != Out{} && !shared[offset + i]) {
              shared[offset + i] = true;
              ++volume.overlapVoxels_;
            }
            out[i] = static_cast<Out>(id);
          }
        });
      });
    });
  }
  volume.measure();
  return volume;
}

Label LabelVolume::at(std::uint64_t flatIndex) const {
  return withType(type_, [&](auto zero) -> Label {
    using T = decltype(zero);
    return static_cast<Label>(reinterpret_cast<const T*>(data_.data())[flatIndex]);
  });
}

Label LabelVolume::typeMaximum() const {
  return withType(type_, [](auto zero) -> Label {
    return static_cast<Label>(std::numeric_limits<decltype(zero)>::max());
  });
}

Label LabelVolume::unusedLabel() const {
  const Label next =
      std::max(highestEverUsed_, instances_.empty() ? 0 : instances_.rbegin()->first) + 1;
  if (next > typeMaximum())
    throw std::overflow_error("the label type " + labelTypeName(type_) + " holds no label above " +
                              std::to_string(typeMaximum()) + "; save the labels as a wider type");
  return next;
}

void LabelVolume::readRow(std::int64_t z, std::int64_t y, std::int64_t x0, std::int64_t x1,
                          Label* out) const {
  const auto offset = static_cast<std::size_t>((z * shape_.height + y) * shape_.width + x0);
  withType(type_, [&](auto zero) {
    using T = decltype(zero);
    const T* row = reinterpret_cast<const T*>(data_.data()) + offset;
    for (std::int64_t i = 0; i < x1 - x0; ++i) out[i] = static_cast<Label>(row[i]);
  });
}

std::vector<Run> LabelVolume::runsOf(Label label, const Box& box) const {
  std::vector<Run> runs;
  if (label > typeMaximum()) return runs;
  withType(type_, [&](auto zero) {
    using T = decltype(zero);
    const T value = static_cast<T>(label);
    const T* values = reinterpret_cast<const T*>(data_.data());
    // Background dominates a neuron's box: skip 32 bytes of zeros at a time.
    constexpr std::int64_t kBlock = static_cast<std::int64_t>(32 / sizeof(T));
    for (std::int64_t z = box.z0; z < box.z1; ++z)
      for (std::int64_t y = box.y0; y < box.y1; ++y) {
        const T* row = values + (z * shape_.height + y) * shape_.width;
        std::int64_t x = box.x0;
        while (x < box.x1) {
          if (x + kBlock <= box.x1) {
            std::uint64_t words[4];
            std::memcpy(words, row + x, 32);
            if ((words[0] | words[1] | words[2] | words[3]) == 0) {
              x += kBlock;
              continue;
            }
            const std::int64_t blockEnd = x + kBlock;
            while (x < blockEnd && row[x] != value) ++x;
            if (x == blockEnd) continue;
          } else {
            while (x < box.x1 && row[x] != value) ++x;
            if (x >= box.x1) break;
          }
          std::int64_t end = x + 1;
          while (end < box.x1 && row[end] == value) ++end;
          runs.push_back({static_cast<std::int32_t>(z), static_cast<std::int32_t>(y),
                          static_cast<std::int32_t>(x), static_cast<std::int32_t>(end)});
          x = end;
        }
      }
  });
  return runs;
}

void LabelVolume::measure() {
  instances_.clear();
  std::vector<Label> row(static_cast<std::size_t>(shape_.width));
  std::unordered_map<Label, InstanceInfo> found;
  for (std::int64_t z = 0; z < shape_.depth; ++z)
    for (std::int64_t y = 0; y < shape_.height; ++y) {
      readRow(z, y, 0, shape_.width, row.data());
      // Signed types: a negative id reads as a huge unsigned one.
      for (std::int64_t x = 0; x < shape_.width;) {
        const Label value = row[static_cast<std::size_t>(x)];
        if (value == 0) {
          ++x;
          continue;
        }
        std::int64_t end = x + 1;
        while (end < shape_.width && row[static_cast<std::size_t>(end)] == value) ++end;
        InstanceInfo& info = found[value];
        info.voxels += end - x;
        extend(info.box, z, z + 1, y, y + 1, x, end);
        x = end;
      }
    }
  const Label maximum = typeMaximum();
  for (auto& [label, info] : found) {
    if (label > maximum)
      throw std::invalid_argument("label volume has a negative label (" +
                                  std::to_string(static_cast<std::int64_t>(label)) + ")");
    instances_.emplace(label, info);
  }
  highestEverUsed_ = instances_.empty() ? 0 : instances_.rbegin()->first;
}

void LabelVolume::write(const LabelDiff& diff, bool forward) {
  const auto total = static_cast<std::uint64_t>(shape_.voxels());
  const Label maximum = typeMaximum();
  for (const DiffRun& r : diff.runs) {
    if (r.start + r.length > total) throw std::invalid_argument("label edit outside the volume");
    if ((forward ? r.after : r.before) > maximum)
      throw std::invalid_argument("label " + std::to_string(forward ? r.after : r.before) +
                                  " does not fit " + labelTypeName(type_));
  }
  const std::int64_t plane = shape_.height * shape_.width;
  withType(type_, [&](auto zero) {
    using T = decltype(zero);
    T* values = reinterpret_cast<T*>(data_.data());
    for (const DiffRun& r : diff.runs) {
      const Label from = forward ? r.before : r.after;
      const Label to = forward ? r.after : r.before;
      std::fill(values + r.start, values + r.start + r.length, static_cast<T>(to));
      if (from != 0)
        if (auto it = instances_.find(from); it != instances_.end()) {
          it->second.voxels -= r.length;
          if (it->second.voxels <= 0) instances_.erase(it);
        }
      if (to != 0) {
        InstanceInfo& info = instances_[to];
        info.voxels += r.length;
        const auto first = static_cast<std::int64_t>(r.start);
        const auto last = first + r.length - 1;
        const std::int64_t z0 = first / plane, z1 = last / plane;
        const std::int64_t y0 = first % plane / shape_.width, y1 = last % plane / shape_.width;
        if (z0 == z1 && y0 == y1)
          extend(info.box, z0, z0 + 1, y0, y0 + 1, first % shape_.width, last % shape_.width + 1);
        else if (z0 == z1)
          extend(info.box, z0, z0 + 1, y0, y1 + 1, 0, shape_.width);
        else
          extend(info.box, z0, z1 + 1, 0, shape_.height, 0, shape_.width);
        highestEverUsed_ = std::max(highestEverUsed_, to);
      }
    }
  });
}

}  // namespace nl::analysis::fisbe::edit
