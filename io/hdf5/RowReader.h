#pragma once
// Reads rows (ranges along the first axis) of one numeric HDF5 dataset,
// repeatedly, as fast as the storage allows and no more bytes than asked for:
// - contiguous and unfiltered chunked float data: pread() straight from the
//   file into the caller's buffer (the addresses come from H5Dget_offset /
//   H5Dget_chunk_info_by_coord), no HDF5 chunk cache, no intermediate copy;
// - deflate (+ shuffle) chunks, as h5py/pynwb and DANDI files write them: the
//   raw chunk read and inflated here, each chunk once per read, the last few
//   inflated chunks kept (bounded) so neighbouring reads do not inflate again;
// - anything else (other filters, integer types, a user block): H5Dread into
//   the caller's buffer, with no chunk cache for reads of a chunk or more.
// Single elements (readElements) are read as a few bytes each: a direct
// (O_DIRECT) sector read unless the page is already in the page cache, so
// probing the first and last spike of every unit does not pull the file in.
// Thread-safe; failures are FileErrors naming the file and the dataset.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "io/MappedSpikeTimes.h"
#include "io/hdf5/H5.h"

namespace nl::io::h5 {

struct RowReaderStats {
  std::uint64_t bytesRead = 0;       // bytes requested from the file by this reader
  std::uint64_t chunksInflated = 0;  // compressed chunks decompressed
  std::uint64_t elementProbes = 0;   // single elements read by readElements
};

class RowReader {
 public:
  enum class Path { Contiguous, Chunked, Deflate, Library };

  // Throws FileError when `name` is not a numeric dataset below `parent`.
  RowReader(const Location& parent, const std::string& name);
  ~RowReader();
  RowReader(const RowReader&) = delete;
  RowReader& operator=(const RowReader&) = delete;

  const std::vector<std::size_t>& shape() const { return shape_; }
  std::uint64_t rows() const { return shape_.empty() ? 0 : shape_[0]; }
  std::size_t rowElements() const { return rowElements_; }  // product of shape[1:]
  Path path() const { return path_; }
  std::string pathName() const;
  const std::filesystem::path& filePath() const { return filePath_; }
  const std::string& objectPath() const { return objectPath_; }
  // The dataset's attribute as text, if it has it (e.g. "unit", "sampling_rate").
  std::optional<std::string> stringAttribute(const std::string& name) const;
  std::optional<double> numberAttribute(const std::string& name) const;

  // Rows [begin, end) into out ((end - begin) * rowElements() values).
  void read(std::uint64_t begin, std::uint64_t end, double* out) const;
  void read(std::uint64_t begin, std::uint64_t end, float* out) const;
  // Elements of a 1-D dataset at `positions`: out[i] = element positions[i].
  void readElements(std::span<const std::uint64_t> positions, double* out) const;

  // A 1-D unfiltered native little-endian float64 dataset at an 8-byte aligned
  // file offset, stored contiguously or in chunks that lie back to back,
  // mapped read-only; nothing otherwise.
  std::optional<MappedDoubles> mapDoubles() const;

  RowReaderStats stats() const;

 private:
  friend struct RowReaderAccess;
  // The file offset of chunk 0 when every chunk is allocated, unfiltered and
  // directly follows the one before it.
  std::optional<haddr_t> backToBackChunksStart() const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<std::size_t> shape_;
  std::size_t rowElements_ = 1;
  Path path_ = Path::Library;
  std::filesystem::path filePath_;
  std::string objectPath_;
};

}  // namespace nl::io::h5
