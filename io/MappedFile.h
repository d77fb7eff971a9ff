#pragma once
// Read-only memory mappings of a byte range of a file: the stored voxels of
// an uncompressed .nii (or any raw array) become addressable without being
// read; the kernel pages them in on first touch and may drop them again
// under memory pressure, so a run larger than RAM still opens.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

namespace nl::io {

struct MappedRegion {
  std::shared_ptr<const void> owner;  // unmaps when the last holder lets go
  const unsigned char* data = nullptr;
  std::size_t size = 0;
};

// Maps bytes [offset, offset + bytes) of `path`. The file's size is checked
// first: a file too short for the range (a truncated download) is a
// FileError naming the file and both sizes, never a SIGBUS later. A file
// that changes size after mapping is the caller's risk, as with any reader.
MappedRegion mapFileRegion(const std::filesystem::path& path, std::size_t offset, std::size_t bytes,
                           const char* what = "data");

// Asks the kernel, from a background thread, to read the region into the
// page cache (madvise MADV_WILLNEED). Opening stays instant, and reads that
// touch one page per volume (a voxel's time course) later find their pages
// cached instead of waiting for the disk each. The pages are page cache,
// not this process's memory, and the kernel may drop them again.
void prefetchInBackground(const MappedRegion& region);

// Up to `bytes` bytes at `offset` (fewer at the end of the file), read without
// kernel readahead; a FileError when the file cannot be opened. Format sniffing reads a
// few bytes at the start of every file it is shown: with readahead, those
// reads leave pages marked for more readahead, and a reader that later walks
// the file's metadata (HDF5) triggers it and pulls megabytes it never asked for.
std::vector<unsigned char> readWithoutReadahead(const std::filesystem::path& path,
                                                std::uint64_t offset, std::size_t bytes);

}  // namespace nl::io
