#include "io/volume/VoxelArray.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>
#include <cstring>
#include <fstream>

#include "io/Error.h"
#include "io/MappedFile.h"

namespace nl::io::volume {

namespace {

std::vector<std::size_t> volumeShape(const VolumeGrid& grid, const VoxelLayout& layout) {
  std::vector<std::size_t> shape;
  if (layout.frames > 1) shape.push_back(layout.frames);
  shape.insert(shape.end(), {grid.nz, grid.ny, grid.nx});
  if (layout.channels > 1) shape.push_back(layout.channels);
  return shape;
}

Attributes volumeAttributes(const VolumeGrid& grid, const VoxelLayout& layout, Attributes extra) {
  const bool series = layout.frames > 1;
  const bool channels = layout.channels > 1;
  Attributes attributes = std::move(extra);
  writeVolumeGrid(grid, attributes);
  const AxisOrder order = series ? (channels ? AxisOrder::TZYXC : AxisOrder::TZYX)
                                 : (channels ? AxisOrder::ZYXC : AxisOrder::ZYX);
  attributes["axis_order"] = axisOrderName(order);
  if (channels) attributes["channels"] = layout.channelNames;
  if (series) {
    if (layout.trSeconds > 0) {
      const double tr[1] = {layout.trSeconds};
      attributes["tr"] = formatNumbers(tr);
    }
    if (!layout.timeUnits.empty()) attributes["time_units"] = layout.timeUnits;
  }
  return attributes;
}

// A buffer of `count` values of the stored type, 16-byte aligned for any of them.
struct StoredBuffer {
  std::unique_ptr<std::max_align_t[]> storage;
  explicit StoredBuffer(std::size_t bytes)
      : storage(
            new std::max_align_t[(bytes + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t) +
                                 1]) {}
  unsigned char* bytes() { return reinterpret_cast<unsigned char*>(storage.get()); }
};

void swapBytes(unsigned char* data, std::size_t count, std::size_t size) {
  if (size == 1) return;
  for (std::size_t i = 0; i < count; ++i) std::reverse(data + i * size, data + (i + 1) * size);
}

// Inflates bytes [offset, offset + bytes) of a gzip file into `out`.
void inflateRange(const std::filesystem::path& path, std::size_t offset, std::size_t bytes,
                  unsigned char* out) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) throw FileError(path, "cannot be opened for reading");
  gzbuffer(file, 1u << 20);
  auto fail = [&](const std::string& what) {
    int code = 0;
    const char* message = gzerror(file, &code);
    const std::string detail = code != Z_OK && message != nullptr ? message : "";
    gzclose(file);
    throw FileError(path, what + (detail.empty() ? "" : " (" + detail + ")"));
  };
  std::size_t skipped = 0;
  std::vector<unsigned char> scratch(std::min<std::size_t>(offset, 1u << 16) + 1);
  while (skipped < offset) {
    const auto chunk = static_cast<unsigned>(std::min(offset - skipped, scratch.size()));
    const int got = gzread(file, scratch.data(), chunk);
    if (got <= 0) fail("file ends before the voxel data (offset " + std::to_string(offset) + ")");
    skipped += static_cast<std::size_t>(got);
  }
  std::size_t done = 0;
  while (done < bytes) {
    const auto chunk = static_cast<unsigned>(std::min<std::size_t>(bytes - done, 1u << 30));
    const int got = gzread(file, out + done, chunk);
    if (got < 0) fail("compressed voxel data is corrupted");
    if (got == 0)
      fail("voxel data is truncated (" + std::to_string(done) + " of " + std::to_string(bytes) +
           " bytes)");
    done += static_cast<std::size_t>(got);
  }
  // gzip's CRC-32 and length sit in the trailer after the last member; zlib
  // checks them only when the stream is read to its end. Without this a
  // damaged deflate stream that still decodes gives garbage voxels.
  std::vector<unsigned char> rest(1u << 16);
  for (;;) {
    const int got = gzread(file, rest.data(), static_cast<unsigned>(rest.size()));
    if (got < 0) fail("compressed data fails gzip's integrity check (CRC-32 or length)");
    if (got == 0) break;
  }
  // A trailer cut short reads as the end of the file; only gzerror tells.
  if (int code = Z_OK; gzerror(file, &code) != nullptr && code != Z_OK)
    fail("compressed data ends before gzip's trailer (CRC-32 and length)");
  gzclose(file);
}

void readRange(const std::filesystem::path& path, std::size_t offset, std::size_t bytes,
               unsigned char* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "cannot be opened for reading");
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(bytes));
  if (static_cast<std::size_t>(in.gcount()) != bytes)
    throw FileError(path, "voxel data is truncated (" + std::to_string(in.gcount()) + " of " +
                              std::to_string(bytes) + " bytes)");
}

}  // namespace

bool scalarTypeOfStored(surface::StoredType stored, ScalarType& type) {
  const char code = stored.code;
  const std::size_t size = stored.size;
  if (code == 'f' && size == 4)
    type = ScalarType::Float32;
  else if (code == 'f' && size == 8)
    type = ScalarType::Float64;
  else if (code == 'i' && size == 1)
    type = ScalarType::Int8;
  else if (code == 'i' && size == 2)
    type = ScalarType::Int16;
  else if (code == 'i' && size == 4)
    type = ScalarType::Int32;
  else if (code == 'i' && size == 8)
    type = ScalarType::Int64;
  else if (code == 'u' && size == 1)
    type = ScalarType::UInt8;
  else if (code == 'u' && size == 2)
    type = ScalarType::UInt16;
  else if (code == 'u' && size == 4)
    type = ScalarType::UInt32;
  else if (code == 'u' && size == 8)
    type = ScalarType::UInt64;
  else
    return false;
  return true;
}

TypedArray readStoredVoxels(const std::filesystem::path& path, std::size_t offset, ScalarType type,
                            std::size_t count, bool bigEndian, double slope, double inter) {
  const std::size_t size = scalarSize(type);
  const std::size_t bytes = surface::checkedMultiply(path, count, size, "the voxel data");
  const bool gz = surface::fileIsGzip(path);
  const bool swapped = bigEndian != (std::endian::native == std::endian::big);
  if (!gz && !swapped && offset % size == 0) {
    MappedRegion region = mapFileRegion(path, offset, bytes, "voxel data");
    prefetchInBackground(region);
    return TypedArray(type, region.data, count, std::move(region.owner), slope, inter);
  }
  auto buffer = std::make_shared<StoredBuffer>(bytes);
  if (gz)
    inflateRange(path, offset, bytes, buffer->bytes());
  else
    readRange(path, offset, bytes, buffer->bytes());
  if (swapped) swapBytes(buffer->bytes(), count, size);
  const unsigned char* data = buffer->bytes();
  return TypedArray(type, data, count, std::move(buffer), slope, inter);
}

std::shared_ptr<const ArrayDataset> makeVolumeDataset(std::string name, const VolumeGrid& grid,
                                                      const VoxelLayout& layout,
                                                      ArrayDataset::TypedLoader loader,
                                                      Provenance provenance, Attributes extra,
                                                      std::string sourceType) {
  const DatasetKind kind = layout.frames > 1 ? DatasetKind::VoxelSeries : DatasetKind::Volume;
  return std::make_shared<const ArrayDataset>(
      kind, std::move(name), volumeShape(grid, layout), std::move(loader), std::move(provenance),
      volumeAttributes(grid, layout, std::move(extra)), std::move(sourceType));
}

std::shared_ptr<const ArrayDataset> makeVolumeDataset(std::string name, const VolumeGrid& grid,
                                                      const VoxelLayout& layout,
                                                      ArrayDataset::Loader loader,
                                                      Provenance provenance, Attributes extra,
                                                      std::string sourceType) {
  const DatasetKind kind = layout.frames > 1 ? DatasetKind::VoxelSeries : DatasetKind::Volume;
  return std::make_shared<const ArrayDataset>(
      kind, std::move(name), volumeShape(grid, layout), std::move(loader), std::move(provenance),
      volumeAttributes(grid, layout, std::move(extra)), std::move(sourceType));
}

void requireFiniteAffine(const std::filesystem::path& path, const Affine& affine,
                         const std::string& which) {
  for (double v : affine)
    if (!std::isfinite(v)) throw FileError(path, which + " has a non-finite entry (NaN or inf)");
}

double usableSpacing(double stated, const Affine& affine, std::size_t axis) {
  if (std::isfinite(stated) && stated > 0) return stated;
  const double length = std::hypot(affine[axis], affine[4 + axis], affine[8 + axis]);
  return length > 0 ? length : 1.0;
}

}  // namespace nl::io::volume
