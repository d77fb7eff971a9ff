#pragma once
// Internal: copying the part of one stored block that a (strided) box read
// needs into the caller's buffer, converting to the requested type. Shared by
// every VolumeSource so that all of them agree on layout and conversion.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "io/microscopy/VolumeDataset.h"

namespace nl::io::microscopy::detail {

// A block of voxels, C order [c][z][y][x] with `dims`, whose first voxel is
// at `origin` (c, z, y, x) in the volume.
struct Block {
  const void* data = nullptr;  // null: every voxel is `fill`
  const void* fill = nullptr;  // one voxel of the block's type
  VolumeShape dims;
  std::array<std::size_t, 4> origin{};
};

// Output indices [begin, end) along one axis whose sample position
// b0 + k*step falls in the block's [o, o + n).
struct AxisRange {
  std::size_t begin = 0, end = 0;
  bool empty() const { return begin >= end; }
};
inline AxisRange sampledRange(std::size_t b0, std::size_t b1, std::size_t step, std::size_t o,
                              std::size_t n) {
  const std::size_t lo = o > b0 ? o : b0;
  const std::size_t hi = o + n < b1 ? o + n : b1;
  if (lo >= hi) return {};
  return {(lo - b0 + step - 1) / step, (hi - b0 + step - 1) / step};
}

// Storage type of a voxel type (bool is kept as one byte holding 0 or 1).
template <VoxelType V>
struct StorageOf;
template <>
struct StorageOf<VoxelType::Bool> {
  using type = std::uint8_t;
};
template <>
struct StorageOf<VoxelType::UInt8> {
  using type = std::uint8_t;
};
template <>
struct StorageOf<VoxelType::Int8> {
  using type = std::int8_t;
};
template <>
struct StorageOf<VoxelType::UInt16> {
  using type = std::uint16_t;
};
template <>
struct StorageOf<VoxelType::Int16> {
  using type = std::int16_t;
};
template <>
struct StorageOf<VoxelType::UInt32> {
  using type = std::uint32_t;
};
template <>
struct StorageOf<VoxelType::Int32> {
  using type = std::int32_t;
};
template <>
struct StorageOf<VoxelType::UInt64> {
  using type = std::uint64_t;
};
template <>
struct StorageOf<VoxelType::Int64> {
  using type = std::int64_t;
};
template <>
struct StorageOf<VoxelType::Float32> {
  using type = float;
};
template <>
struct StorageOf<VoxelType::Float64> {
  using type = double;
};

// Calls f(Storage{}) with a value of the storage type of `type`.
template <typename F>
decltype(auto) visitVoxelType(VoxelType type, F&& f) {
  switch (type) {
    case VoxelType::Bool:
      return f(std::uint8_t{});
    case VoxelType::UInt8:
      return f(std::uint8_t{});
    case VoxelType::Int8:
      return f(std::int8_t{});
    case VoxelType::UInt16:
      return f(std::uint16_t{});
    case VoxelType::Int16:
      return f(std::int16_t{});
    case VoxelType::UInt32:
      return f(std::uint32_t{});
    case VoxelType::Int32:
      return f(std::int32_t{});
    case VoxelType::UInt64:
      return f(std::uint64_t{});
    case VoxelType::Int64:
      return f(std::int64_t{});
    case VoxelType::Float32:
      return f(float{});
    case VoxelType::Float64:
      return f(double{});
  }
  return f(std::uint8_t{});
}

template <typename Src, typename Dst>
void copyBlockTyped(const Block& block, const Box& box, std::size_t step, Dst* out) {
  const VolumeShape outShape = box.outputShape(step);
  const AxisRange rc = sampledRange(box.c0, box.c1, 1, block.origin[0], block.dims.channels);
  const AxisRange rz = sampledRange(box.z0, box.z1, step, block.origin[1], block.dims.z);
  const AxisRange ry = sampledRange(box.y0, box.y1, step, block.origin[2], block.dims.y);
  const AxisRange rx = sampledRange(box.x0, box.x1, step, block.origin[3], block.dims.x);
  if (rc.empty() || rz.empty() || ry.empty() || rx.empty()) return;
  const auto* src = static_cast<const Src*>(block.data);
  Src fill{};
  if (block.fill != nullptr) std::memcpy(&fill, block.fill, sizeof(Src));
  const std::size_t rowLength = rx.end - rx.begin;
  for (std::size_t c = rc.begin; c < rc.end; ++c) {
    const std::size_t bc = box.c0 + c - block.origin[0];
    for (std::size_t kz = rz.begin; kz < rz.end; ++kz) {
      const std::size_t bz = box.z0 + kz * step - block.origin[1];
      for (std::size_t ky = ry.begin; ky < ry.end; ++ky) {
        const std::size_t by = box.y0 + ky * step - block.origin[2];
        Dst* target = out + ((c * outShape.z + kz) * outShape.y + ky) * outShape.x + rx.begin;
        if (src == nullptr) {
          for (std::size_t i = 0; i < rowLength; ++i) target[i] = static_cast<Dst>(fill);
          continue;
        }
        const std::size_t bx = box.x0 + rx.begin * step - block.origin[3];
        const Src* row = src + ((bc * block.dims.z + bz) * block.dims.y + by) * block.dims.x + bx;
        if constexpr (std::is_same_v<Src, Dst>) {
          if (step == 1) {
            std::memcpy(target, row, rowLength * sizeof(Src));
            continue;
          }
        }
        for (std::size_t i = 0; i < rowLength; ++i) target[i] = static_cast<Dst>(row[i * step]);
      }
    }
  }
}

// Copies into `out` (box.outputShape(step), C order) as `outType`, which is
// `blockType` or Float32.
inline void copyBlock(VoxelType blockType, const Block& block, const Box& box, std::size_t step,
                      VoxelType outType, void* out) {
  visitVoxelType(blockType, [&](auto src) {
    using Src = decltype(src);
    if (outType == VoxelType::Float32)
      copyBlockTyped<Src, float>(block, box, step, static_cast<float*>(out));
    else
      copyBlockTyped<Src, Src>(block, box, step, static_cast<Src*>(out));
  });
}

}  // namespace nl::io::microscopy::detail
