#pragma once
// A VolumeSource stored as a regular grid of chunks (zarr chunks, HDF5
// chunks, TIFF pages). Reads decode only the chunks the box touches, several
// at a time on worker threads, and keep decoded chunks in a least-recently-
// used cache bounded in bytes (io::resourceLimits().volumeChunkCacheBytes
// unless the opener or setCacheLimitBytes says otherwise).
#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "io/microscopy/VolumeDataset.h"

namespace nl::io::microscopy {

class ChunkedVolumeSource : public VolumeSource {
 public:
  using ChunkIndex = std::array<std::size_t, 4>;  // grid position (c, z, y, x)

  // `fillValue` is one voxel of `type` (native byte order): what absent chunks hold.
  ChunkedVolumeSource(VolumeShape shape, VolumeShape chunkShape, VoxelType type,
                      std::vector<unsigned char> fillValue);
  ~ChunkedVolumeSource() override;

  VolumeShape shape() const override { return shape_; }
  VoxelType voxelType() const override { return type_; }
  VolumeShape chunkShape() const override { return chunkShape_; }
  void read(const Box& box, std::size_t step, VoxelType outType, void* out) const override;
  void readOnce(const Box& box, std::size_t step, VoxelType outType, void* out) const override;
  ChunkCacheStats cacheStats() const override;
  void setCacheLimitBytes(std::size_t bytes) const override;
  void setThreadCount(std::size_t threads) const override;

  VolumeShape gridShape() const { return grid_; }
  std::size_t chunkBytes() const { return chunkShape_.voxelCount() * voxelTypeSize(type_); }

 protected:
  // Decodes one chunk into `out` (already chunkBytes() long): C order
  // [c][z][y][x] of the full chunk shape, native type and byte order; voxels
  // outside the volume (edge chunks) may hold anything. Returns false when the
  // chunk is absent (then it reads as the fill value). Called from several
  // threads at once; throws FileError naming the file and the chunk.
  virtual bool decodeChunk(const ChunkIndex& index, std::vector<unsigned char>& out) const = 0;

 private:
  struct Cache;
  std::shared_ptr<const std::vector<unsigned char>> chunk(
      const ChunkIndex& index, bool& absent, std::shared_ptr<std::vector<unsigned char>>& scratch,
      bool cacheDecoded) const;
  void readBox(const Box& box, std::size_t step, VoxelType outType, void* out,
               bool cacheDecoded) const;

  VolumeShape shape_, chunkShape_, grid_;
  VoxelType type_;
  std::vector<unsigned char> fillValue_;
  std::unique_ptr<Cache> cache_;
};

// Copies `in` (C order with `dims`, elements of `elementSize` bytes) into
// `out` so that out axis i is in axis axes[i]: out is C order with dims
// dims[axes[0]], dims[axes[1]], … (a NumPy transpose(axes)).
void transposeElements(const unsigned char* in, const std::vector<std::size_t>& dims,
                       const std::vector<std::size_t>& axes, std::size_t elementSize,
                       unsigned char* out);
// Reverses the byte order of each `elementSize`-byte element in place.
void swapByteOrder(unsigned char* data, std::size_t bytes, std::size_t elementSize);

}  // namespace nl::io::microscopy
