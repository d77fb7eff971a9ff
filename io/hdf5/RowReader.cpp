#include "io/hdf5/RowReader.h"

#include "io/MappedFile.h"
#include "io/ResourceLimits.h"
#include "io/Threads.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <list>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <unordered_map>

namespace nl::io::h5 {

namespace {

constexpr std::size_t kSector = 512;  // O_DIRECT alignment (logical block size)
constexpr std::size_t kPage = 4096;   // page-cache granularity
constexpr std::size_t kLibraryCacheBytes = std::size_t{4} << 20;

struct AlignedFree {
  void operator()(void* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<unsigned char, AlignedFree>;

AlignedBuffer alignedBuffer(std::size_t bytes) {
  void* p = nullptr;
  if (posix_memalign(&p, kPage, std::max(bytes, kSector)) != 0) throw std::bad_alloc();
  return AlignedBuffer(static_cast<unsigned char*>(p));
}

// Reads exactly `bytes` at `offset` (pread may return less); false at end of file.
bool preadFully(int fd, void* out, std::size_t bytes, std::uint64_t offset) {
  auto* p = static_cast<unsigned char*>(out);
  while (bytes > 0) {
    const ssize_t got = ::pread(fd, p, bytes, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    p += got;
    bytes -= static_cast<std::size_t>(got);
    offset += static_cast<std::uint64_t>(got);
  }
  return true;
}

// Part of a read: `bytes` at file offset `offset` into `into`.
struct Segment {
  std::uint64_t offset;
  std::size_t bytes;
  unsigned char* into;
};

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14
#endif
// The pages a read will write, made present in one call instead of one fault
// per 4 KB inside the read's copy (best effort: older kernels fault them).
void populate(unsigned char* from, std::size_t bytes) {
  const std::size_t lead = (kPage - reinterpret_cast<std::uintptr_t>(from) % kPage) % kPage;
  if (bytes <= lead) return;
  const std::size_t whole = (bytes - lead) / kPage * kPage;  // madvise takes whole pages
  if (whole > 0) (void)::madvise(from + lead, whole, MADV_POPULATE_WRITE);
}

// A large read (one range, or every chunk of a dataset) split over the worker
// threads in about equal shares of bytes, each populating the memory it
// writes: from the page cache one core copies (and zeroes fresh pages) at a
// fraction of the memory bandwidth.
bool preadSegments(int fd, std::span<const Segment> segments) {
  constexpr std::size_t kPerThread = std::size_t{32} << 20;
  constexpr std::size_t kPopulateFrom = std::size_t{4} << 20;
  std::size_t total = 0;
  for (const auto& segment : segments) total += segment.bytes;
  const std::size_t threads = std::clamp<std::size_t>(
      total / kPerThread, 1, static_cast<std::size_t>(std::max(1, workerThreadCount())));
  // Each thread's share, cut at page multiples of the total.
  const std::size_t share = (total / threads + kPage - 1) / kPage * kPage;
  std::vector<std::vector<Segment>> parts(threads);
  std::size_t t = 0, room = share;
  for (Segment rest : segments) {
    while (rest.bytes > 0) {
      if (room == 0 && t + 1 < threads) ++t, room = share;
      const std::size_t n = t + 1 == threads ? rest.bytes : std::min(rest.bytes, room);
      parts[t].push_back({rest.offset, n, rest.into});
      rest.offset += n, rest.into += n, rest.bytes -= n;
      room -= std::min(room, n);
    }
  }
  std::atomic<bool> ok{true};
  auto read = [&](std::size_t part) {
    for (const auto& segment : parts[part]) {
      if (segment.bytes >= kPopulateFrom) populate(segment.into, segment.bytes);
      if (!preadFully(fd, segment.into, segment.bytes, segment.offset)) ok = false;
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t p = 1; p < threads; ++p) pool.emplace_back(read, p);
  read(0);
  for (auto& thread : pool) thread.join();
  return ok;
}

bool preadParallel(int fd, void* out, std::size_t bytes, std::uint64_t offset) {
  const Segment whole{offset, bytes, static_cast<unsigned char*>(out)};
  return preadSegments(fd, std::span<const Segment>(&whole, 1));
}

template <typename T>
void decode(const unsigned char* src, std::size_t count, std::size_t elementSize, bool bigEndian,
            T* out) {
  const bool swap = bigEndian != (std::endian::native == std::endian::big);
  if (elementSize == 8) {
    for (std::size_t i = 0; i < count; ++i) {
      std::uint64_t bits;
      std::memcpy(&bits, src + 8 * i, 8);
      if (swap) bits = __builtin_bswap64(bits);
      out[i] = static_cast<T>(std::bit_cast<double>(bits));
    }
  } else {
    for (std::size_t i = 0; i < count; ++i) {
      std::uint32_t bits;
      std::memcpy(&bits, src + 4 * i, 4);
      if (swap) bits = __builtin_bswap32(bits);
      out[i] = static_cast<T>(std::bit_cast<float>(bits));
    }
  }
}

// The HDF5 shuffle filter stores byte k of element i at k * n + i.
void unshuffle(const unsigned char* in, std::size_t n, std::size_t elementSize,
               unsigned char* out) {
  for (std::size_t k = 0; k < elementSize; ++k) {
    const unsigned char* plane = in + k * n;
    for (std::size_t i = 0; i < n; ++i) out[i * elementSize + k] = plane[i];
  }
}

}  // namespace

struct RowReader::Impl {
  std::shared_ptr<Handle> file;
  Handle dataset;         // small chunk cache: attributes, small library reads
  Handle datasetNoCache;  // no chunk cache: library reads of a chunk or more
  hid_t memDouble = H5T_NATIVE_DOUBLE;
  int fd = -1;
  std::size_t elementSize = 8;
  bool bigEndian = false;
  bool isFloat = false;
  std::size_t rowBytes = 8;
  // Contiguous.
  haddr_t address = HADDR_UNDEF;
  // Chunked: chunks span whole rows (chunk dims[1:] == shape[1:]).
  std::uint64_t chunkRows = 0;
  std::uint64_t libraryChunkRows = 0;  // chunk rows whatever the path (0: not chunked)
  std::size_t chunkBytes = 0;
  bool shuffle = false, deflate = false;
  std::vector<int> pipeline;  // filter ids in pipeline order
  struct ChunkLocation {
    bool known = false;
    haddr_t address = HADDR_UNDEF;
    hsize_t size = 0;
    unsigned filterMask = 0;
  };
  mutable std::mutex chunkMutex;
  mutable std::vector<ChunkLocation> chunks;
  // Inflated (and unshuffled) chunks kept for neighbouring reads.
  mutable std::mutex inflatedMutex;
  mutable std::list<std::pair<std::uint64_t, std::shared_ptr<const std::vector<unsigned char>>>>
      inflated;
  mutable std::size_t inflatedBytes = 0;
  // Single-element probes.
  mutable std::once_flag probeSetup;
  mutable int directFd = -1;
  mutable int randomFd = -1;
  mutable void* mapping = MAP_FAILED;
  mutable std::size_t mappingBytes = 0;
  mutable std::atomic<std::uint64_t> bytesRead{0}, chunksInflated{0}, elementProbes{0};

  ~Impl() {
    if (fd >= 0) ::close(fd);
    if (directFd >= 0) ::close(directFd);
    if (randomFd >= 0) ::close(randomFd);
    if (mapping != MAP_FAILED) ::munmap(mapping, mappingBytes);
  }
};

RowReader::RowReader(const Location& parent, const std::string& name)
    : impl_(std::make_unique<Impl>()),
      filePath_(parent.filePath()),
      objectPath_(parent.objectPath() + (parent.objectPath().ends_with('/') ? "" : "/") + name) {
  auto& d = *impl_;
  d.file = parent.file_;
  if (!parent.isDataset(name)) parent.fail("no dataset '" + name + "'");
  if (!parent.datasetIsNumeric(name)) parent.fail("dataset '" + name + "' is not numeric");
  {
    Handle access(H5Pcreate(H5P_DATASET_ACCESS));
    H5Pset_chunk_cache(access.id(), 521,
                       std::min(kLibraryCacheBytes, resourceLimits().hdf5ChunkCacheBytes), 0.75);
    d.dataset = Handle(H5Dopen2(parent.id(), name.c_str(), access.id()));
    Handle none(H5Pcreate(H5P_DATASET_ACCESS));
    H5Pset_chunk_cache(none.id(), 0, 0, 1.0);
    d.datasetNoCache = Handle(H5Dopen2(parent.id(), name.c_str(), none.id()));
  }
  if (!d.dataset.valid() || !d.datasetNoCache.valid())
    parent.fail("cannot open dataset '" + name + "'");
  Handle space(H5Dget_space(d.dataset.id()));
  if (H5Sget_simple_extent_type(space.id()) == H5S_NULL) {
    shape_ = {0};
  } else {
    const int rank = H5Sget_simple_extent_ndims(space.id());
    if (rank < 1) parent.fail("dataset '" + name + "' is a scalar, not rows");
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
    shape_.assign(dims.begin(), dims.end());
  }
  for (std::size_t i = 1; i < shape_.size(); ++i) rowElements_ *= shape_[i];

  Handle type(H5Dget_type(d.dataset.id()));
  d.isFloat = H5Tget_class(type.id()) == H5T_FLOAT;
  d.elementSize = H5Tget_size(type.id());
  d.bigEndian = H5Tget_order(type.id()) == H5T_ORDER_BE;
  d.rowBytes = d.elementSize * rowElements_;
  const bool decodable =
      d.isFloat && (d.elementSize == 4 || d.elementSize == 8) &&
      (H5Tequal(type.id(), H5T_IEEE_F64LE) > 0 || H5Tequal(type.id(), H5T_IEEE_F64BE) > 0 ||
       H5Tequal(type.id(), H5T_IEEE_F32LE) > 0 || H5Tequal(type.id(), H5T_IEEE_F32BE) > 0);

  // Addresses from HDF5 are relative to the superblock; with a user block in
  // front they are not file offsets, so such files take the library path.
  hsize_t userBlock = 0;
  {
    Handle fileCreate(H5Fget_create_plist(d.file->id()));
    if (fileCreate.valid()) H5Pget_userblock(fileCreate.id(), &userBlock);
  }
  Handle create(H5Dget_create_plist(d.dataset.id()));
  const H5D_layout_t layout = H5Pget_layout(create.id());
  bool direct = decodable && userBlock == 0;
  if (direct) {
    d.fd = ::open(filePath_.c_str(), O_RDONLY | O_CLOEXEC);
    direct = d.fd >= 0;
  }
  if (direct && layout == H5D_CONTIGUOUS && H5Pget_nfilters(create.id()) == 0) {
    d.address = H5Dget_offset(d.dataset.id());
    // Unallocated storage (nothing written) reads as the fill value via the library.
    if (d.address != HADDR_UNDEF) path_ = Path::Contiguous;
  } else if (layout == H5D_CHUNKED && !direct) {
    std::vector<hsize_t> chunk(shape_.size());
    H5Pget_chunk(create.id(), static_cast<int>(chunk.size()), chunk.data());
    d.libraryChunkRows = chunk.empty() ? 0 : chunk[0];
  } else if (direct && layout == H5D_CHUNKED) {
    std::vector<hsize_t> chunk(shape_.size());
    H5Pget_chunk(create.id(), static_cast<int>(chunk.size()), chunk.data());
    d.libraryChunkRows = chunk[0];
    bool wholeRows = true;
    for (std::size_t i = 1; i < shape_.size(); ++i) wholeRows = wholeRows && chunk[i] == shape_[i];
    const int filters = H5Pget_nfilters(create.id());
    bool known = true;
    for (int i = 0; i < filters; ++i) {
      unsigned flags = 0, config = 0;
      std::size_t values = 4;
      unsigned cd[4] = {};
      char filterName[64];
      const H5Z_filter_t id = H5Pget_filter2(create.id(), static_cast<unsigned>(i), &flags, &values,
                                             cd, sizeof filterName, filterName, &config);
      if (id == H5Z_FILTER_DEFLATE)
        d.deflate = true;
      else if (id == H5Z_FILTER_SHUFFLE)
        d.shuffle = true;
      else
        known = false;  // fletcher32, szip, blosc, zstd, …: the library decodes them
      d.pipeline.push_back(static_cast<int>(id));
    }
    if (wholeRows && known && chunk[0] > 0) {
      d.chunkRows = chunk[0];
      d.chunkBytes = static_cast<std::size_t>(chunk[0]) * d.rowBytes;
      const std::uint64_t count = rows() == 0 ? 0 : (rows() + d.chunkRows - 1) / d.chunkRows;
      d.chunks.resize(static_cast<std::size_t>(count));
      path_ = filters == 0 ? Path::Chunked : Path::Deflate;
    }
  }
}

RowReader::~RowReader() = default;

std::string RowReader::pathName() const {
  switch (path_) {
    case Path::Contiguous:
      return "contiguous, direct";
    case Path::Chunked:
      return "chunked, direct";
    case Path::Deflate:
      return "chunked deflate, inflated here";
    case Path::Library:
      return "HDF5 library";
  }
  return {};
}

std::optional<std::string> RowReader::stringAttribute(const std::string& name) const {
  const Location self(impl_->file, impl_->dataset.id(), filePath_, objectPath_);
  return self.stringAttribute(name);
}

std::optional<double> RowReader::numberAttribute(const std::string& name) const {
  const Location self(impl_->file, impl_->dataset.id(), filePath_, objectPath_);
  return self.numberAttribute(name);
}

RowReaderStats RowReader::stats() const {
  return {impl_->bytesRead.load(), impl_->chunksInflated.load(), impl_->elementProbes.load()};
}

namespace {

[[noreturn]] void failRead(const std::filesystem::path& file, const std::string& object,
                           std::uint64_t begin, std::uint64_t end, const std::string& why) {
  throw FileError(file, object + ": cannot read rows [" + std::to_string(begin) + ", " +
                            std::to_string(end) + ") (" + why + ")");
}

}  // namespace

// Implementation shared by the double and float overloads.
struct RowReaderAccess {
  template <typename T>
  static void library(const RowReader& r, const RowReader::Impl& d, std::uint64_t begin,
                      std::uint64_t end, T* out) {
    const std::size_t rank = r.shape().size();
    std::vector<hsize_t> start(rank, 0), count(r.shape().begin(), r.shape().end());
    start[0] = begin;
    count[0] = end - begin;
    const bool big = d.libraryChunkRows == 0 || (end - begin) >= d.libraryChunkRows;
    const hid_t dataset = big ? d.datasetNoCache.id() : d.dataset.id();
    Handle space(H5Dget_space(dataset));
    H5Sselect_hyperslab(space.id(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
    Handle memory(H5Screate_simple(static_cast<int>(rank), count.data(), nullptr));
    const hid_t memType = std::is_same_v<T, double> ? H5T_NATIVE_DOUBLE : H5T_NATIVE_FLOAT;
    if (H5Dread(dataset, memType, memory.id(), space.id(), H5P_DEFAULT, out) < 0) {
      H5Eclear2(H5E_DEFAULT);
      failRead(r.filePath(), r.objectPath(), begin, end, "file truncated or corrupt?");
    }
    d.bytesRead += (end - begin) * d.rowBytes;
  }

  static RowReader::Impl::ChunkLocation chunkAt(const RowReader& r, const RowReader::Impl& d,
                                                std::uint64_t chunk) {
    std::lock_guard lock(d.chunkMutex);
    auto& location = d.chunks[static_cast<std::size_t>(chunk)];
    if (!location.known) {
      std::vector<hsize_t> offset(r.shape().size(), 0);
      offset[0] = chunk * d.chunkRows;
      if (H5Dget_chunk_info_by_coord(d.dataset.id(), offset.data(), &location.filterMask,
                                     &location.address, &location.size) < 0) {
        H5Eclear2(H5E_DEFAULT);
        throw FileError(r.filePath(), r.objectPath() + ": cannot locate chunk " +
                                          std::to_string(chunk) + " (file corrupt?)");
      }
      location.known = true;
    }
    return location;
  }

  // The chunk's bytes after every filter is undone (chunkBytes long).
  static std::shared_ptr<const std::vector<unsigned char>> inflatedChunk(const RowReader& r,
                                                                         const RowReader::Impl& d,
                                                                         std::uint64_t chunk) {
    {
      std::lock_guard lock(d.inflatedMutex);
      for (auto it = d.inflated.begin(); it != d.inflated.end(); ++it)
        if (it->first == chunk) {
          d.inflated.splice(d.inflated.begin(), d.inflated, it);
          return d.inflated.front().second;
        }
    }
    auto bytes = std::make_shared<std::vector<unsigned char>>();
    inflateInto(r, d, chunk, *bytes);
    std::lock_guard lock(d.inflatedMutex);
    d.inflated.emplace_front(chunk, bytes);
    d.inflatedBytes += bytes->size();
    // Bounded by the HDF5 chunk-cache cap; the chunk just read stays for its caller.
    const std::size_t keep = resourceLimits().hdf5ChunkCacheBytes;
    while (d.inflatedBytes > keep && d.inflated.size() > 1) {
      d.inflatedBytes -= d.inflated.back().second->size();
      d.inflated.pop_back();
    }
    return bytes;
  }

  static void inflateInto(const RowReader& r, const RowReader::Impl& d, std::uint64_t chunk,
                          std::vector<unsigned char>& result) {
    const auto location = chunkAt(r, d, chunk);
    const std::uint64_t first = chunk * d.chunkRows;
    const std::uint64_t last = std::min<std::uint64_t>(first + d.chunkRows, r.rows());
    if (location.address == HADDR_UNDEF) {  // never written: the fill value (0)
      result.assign(d.chunkBytes, 0);
      return;
    }
    std::vector<unsigned char> stored(static_cast<std::size_t>(location.size));
    if (!preadFully(d.fd, stored.data(), stored.size(), location.address))
      failRead(r.filePath(), r.objectPath(), first, last,
               "chunk " + std::to_string(chunk) + " lies past the end of the file: truncated?");
    d.bytesRead += stored.size();
    ++d.chunksInflated;
    // Undo the filters in reverse pipeline order; a set mask bit means skipped.
    for (std::size_t i = d.pipeline.size(); i-- > 0;) {
      if (location.filterMask & (1u << i)) continue;
      std::vector<unsigned char> next(d.chunkBytes);
      if (d.pipeline[i] == H5Z_FILTER_DEFLATE) {
        z_stream z{};
        if (inflateInit(&z) != Z_OK)
          failRead(r.filePath(), r.objectPath(), first, last, "zlib cannot start");
        z.next_in = stored.data();
        z.avail_in = static_cast<uInt>(stored.size());
        z.next_out = next.data();
        z.avail_out = static_cast<uInt>(next.size());
        const int status = ::inflate(&z, Z_FINISH);
        const std::size_t produced = next.size() - z.avail_out;
        inflateEnd(&z);
        if (status != Z_STREAM_END || produced != next.size())
          failRead(r.filePath(), r.objectPath(), first, last,
                   "chunk " + std::to_string(chunk) + " does not inflate (corrupt)");
      } else {  // shuffle
        if (stored.size() != d.chunkBytes)
          failRead(r.filePath(), r.objectPath(), first, last, "shuffled chunk has the wrong size");
        unshuffle(stored.data(), d.chunkBytes / d.elementSize, d.elementSize, next.data());
      }
      stored.swap(next);
    }
    if (stored.size() != d.chunkBytes)
      failRead(r.filePath(), r.objectPath(), first, last, "chunk has the wrong size");
    result = std::move(stored);
  }

  template <typename T>
  static void rows(const RowReader& r, const RowReader::Impl& d, std::uint64_t begin,
                   std::uint64_t end, T* out) {
    if (begin > end || end > r.rows())
      throw FileError(r.filePath(), r.objectPath() + ": rows [" + std::to_string(begin) + ", " +
                                        std::to_string(end) + ") lie beyond its " +
                                        std::to_string(r.rows()) + " rows");
    if (begin == end) return;
    const std::size_t perRow = r.rowElements();
    const bool raw = d.elementSize == sizeof(T) && !d.bigEndian;  // bytes are the values
    // Reads `rowsToRead` rows at file offset `offset` into `into`.
    auto readStored = [&](std::uint64_t offset, std::uint64_t rowsToRead, T* into) {
      const std::size_t bytes = static_cast<std::size_t>(rowsToRead) * d.rowBytes;
      if (raw) {
        if (!preadParallel(d.fd, into, bytes, offset))
          failRead(r.filePath(), r.objectPath(), begin, end, "file truncated");
      } else {
        constexpr std::size_t kBlock = std::size_t{1} << 20;
        std::vector<unsigned char> scratch(std::min(bytes, kBlock));
        for (std::size_t done = 0; done < bytes;) {
          const std::size_t n = std::min(kBlock, bytes - done);
          if (!preadFully(d.fd, scratch.data(), n, offset + done))
            failRead(r.filePath(), r.objectPath(), begin, end, "file truncated");
          decode(scratch.data(), n / d.elementSize, d.elementSize, d.bigEndian,
                 into + done / d.elementSize);
          done += n;
        }
      }
      d.bytesRead += bytes;
    };
    switch (r.path()) {
      case RowReader::Path::Library:
        library(r, d, begin, end, out);
        return;
      case RowReader::Path::Contiguous:
        readStored(d.address + begin * d.rowBytes, end - begin, out);
        return;
      case RowReader::Path::Chunked:
        if (raw) {
          // Every chunk's part located first, then read as one parallel read.
          std::vector<Segment> segments;
          for (std::uint64_t chunk = begin / d.chunkRows; chunk * d.chunkRows < end; ++chunk) {
            const std::uint64_t chunkFirst = chunk * d.chunkRows;
            const std::uint64_t lo = std::max(begin, chunkFirst);
            const std::uint64_t hi = std::min(end, chunkFirst + d.chunkRows);
            T* into = out + (lo - begin) * perRow;
            const auto location = chunkAt(r, d, chunk);
            if (location.address == HADDR_UNDEF)
              std::fill(into, into + (hi - lo) * perRow, T{0});
            else
              segments.push_back({location.address + (lo - chunkFirst) * d.rowBytes,
                                  static_cast<std::size_t>(hi - lo) * d.rowBytes,
                                  reinterpret_cast<unsigned char*>(into)});
          }
          if (!preadSegments(d.fd, segments))
            failRead(r.filePath(), r.objectPath(), begin, end, "file truncated");
          for (const auto& segment : segments) d.bytesRead += segment.bytes;
          return;
        }
        break;
      case RowReader::Path::Deflate:
        break;
    }
    for (std::uint64_t chunk = begin / d.chunkRows; chunk * d.chunkRows < end; ++chunk) {
      const std::uint64_t chunkFirst = chunk * d.chunkRows;
      const std::uint64_t lo = std::max(begin, chunkFirst);
      const std::uint64_t hi = std::min(end, chunkFirst + d.chunkRows);
      T* into = out + (lo - begin) * perRow;
      if (r.path() == RowReader::Path::Chunked) {
        const auto location = chunkAt(r, d, chunk);
        if (location.address == HADDR_UNDEF)
          std::fill(into, into + (hi - lo) * perRow, T{0});
        else
          readStored(location.address + (lo - chunkFirst) * d.rowBytes, hi - lo, into);
        continue;
      }
      // A chunk read whole is inflated for this read only; a partly read one
      // is kept, since the neighbouring unit starts in it.
      const bool whole = lo == chunkFirst && hi == chunkFirst + d.chunkRows;
      std::shared_ptr<const std::vector<unsigned char>> bytes;
      std::vector<unsigned char> once;
      if (whole) {
        inflateInto(r, d, chunk, once);
      } else {
        bytes = inflatedChunk(r, d, chunk);
      }
      const unsigned char* src =
          (whole ? once.data() : bytes->data()) + (lo - chunkFirst) * d.rowBytes;
      const std::size_t count = static_cast<std::size_t>(hi - lo) * perRow;
      if (raw)
        std::memcpy(into, src, count * sizeof(T));
      else
        decode(src, count, d.elementSize, d.bigEndian, into);
    }
  }

  static void setupProbes(const RowReader& r, const RowReader::Impl& d) {
    d.directFd = ::open(r.filePath().c_str(), O_RDONLY | O_CLOEXEC | O_DIRECT);
    d.randomFd = ::open(r.filePath().c_str(), O_RDONLY | O_CLOEXEC);
    if (d.randomFd >= 0) posix_fadvise(d.randomFd, 0, 0, POSIX_FADV_RANDOM);
    const off_t size = ::lseek(d.fd, 0, SEEK_END);
    if (size > 0) {
      d.mappingBytes = static_cast<std::size_t>(size);
      d.mapping = ::mmap(nullptr, d.mappingBytes, PROT_READ, MAP_SHARED, d.fd, 0);
    }
  }

  // Whether the page holding `offset` is in the page cache (reading it costs no I/O).
  static bool resident(const RowReader::Impl& d, std::uint64_t offset) {
    if (d.mapping == MAP_FAILED || offset >= d.mappingBytes) return false;
    unsigned char in = 0;
    const std::uint64_t page = offset / kPage * kPage;
    return ::mincore(static_cast<unsigned char*>(d.mapping) + page, 1, &in) == 0 && (in & 1);
  }

  // Elements at byte offsets in the file (8-byte-or-less values, not crossing runs).
  static void probeOffsets(const RowReader& r, const RowReader::Impl& d,
                           const std::vector<std::uint64_t>& offsets, unsigned char* out) {
    std::call_once(d.probeSetup, [&] { setupProbes(r, d); });
    const std::size_t es = d.elementSize;
    // Sorted order, so a unit's last spike and the next unit's first share a read.
    std::vector<std::size_t> order(offsets.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return offsets[a] < offsets[b]; });
    struct Run {
      std::uint64_t begin, end;           // sector-aligned file range
      std::size_t firstIndex, lastIndex;  // into order
    };
    std::vector<Run> runs;
    constexpr std::uint64_t kMaxRun = std::uint64_t{64} * 1024;
    for (std::size_t k = 0; k < order.size(); ++k) {
      const std::uint64_t o = offsets[order[k]];
      const std::uint64_t lo = o / kSector * kSector;
      const std::uint64_t hi = (o + es + kSector - 1) / kSector * kSector;
      if (!runs.empty() && lo <= runs.back().end && hi - runs.back().begin <= kMaxRun) {
        runs.back().end = std::max(runs.back().end, hi);
        runs.back().lastIndex = k;
      } else {
        runs.push_back({lo, hi, k, k});
      }
    }
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    auto work = [&] {
      AlignedBuffer buffer = alignedBuffer(kMaxRun + kSector);
      for (std::size_t i = next++; i < runs.size() && !failed; i = next++) {
        const Run& run = runs[i];
        const std::size_t bytes = static_cast<std::size_t>(run.end - run.begin);
        bool ok = false;
        if (d.directFd >= 0 && !resident(d, run.begin))
          ok = preadFully(d.directFd, buffer.get(), bytes, run.begin);
        if (!ok) {  // cached page, no O_DIRECT here, or the last sector short: read just the values
          ok = true;
          for (std::size_t k = run.firstIndex; k <= run.lastIndex && ok; ++k) {
            const std::uint64_t o = offsets[order[k]];
            ok = preadFully(d.randomFd >= 0 ? d.randomFd : d.fd, buffer.get() + (o - run.begin), es,
                            o);
          }
        }
        if (!ok) {
          failed = true;
          break;
        }
        d.bytesRead += bytes;
        for (std::size_t k = run.firstIndex; k <= run.lastIndex; ++k) {
          const std::size_t index = order[k];
          std::memcpy(out + index * es, buffer.get() + (offsets[index] - run.begin), es);
        }
      }
    };
    // Several reads in flight: a cold disk answers many small reads at once
    // about as fast as one.
    const std::size_t threads = std::min<std::size_t>(runs.size() / 64, 8);
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (failed)
      throw FileError(r.filePath(), r.objectPath() + ": cannot read elements (file truncated?)");
  }

  static void elements(const RowReader& r, const RowReader::Impl& d,
                       std::span<const std::uint64_t> positions, double* out) {
    if (r.shape().size() != 1)
      throw std::logic_error(r.objectPath() + ": element probes need a 1-D dataset");
    for (auto p : positions)
      if (p >= r.rows())
        throw FileError(r.filePath(), r.objectPath() + ": element " + std::to_string(p) +
                                          " lies beyond its " + std::to_string(r.rows()) +
                                          " elements");
    d.elementProbes += positions.size();
    if (r.path() == RowReader::Path::Contiguous || r.path() == RowReader::Path::Chunked) {
      std::vector<std::uint64_t> offsets(positions.size());
      for (std::size_t i = 0; i < positions.size(); ++i) {
        if (r.path() == RowReader::Path::Contiguous) {
          offsets[i] = d.address + positions[i] * d.elementSize;
        } else {
          const auto location = chunkAt(r, d, positions[i] / d.chunkRows);
          if (location.address == HADDR_UNDEF)
            throw FileError(r.filePath(), r.objectPath() + ": element " +
                                              std::to_string(positions[i]) +
                                              " lies in a chunk that was never written");
          offsets[i] = location.address + (positions[i] % d.chunkRows) * d.elementSize;
        }
      }
      std::vector<unsigned char> bytes(positions.size() * d.elementSize);
      probeOffsets(r, d, offsets, bytes.data());
      decode(bytes.data(), positions.size(), d.elementSize, d.bigEndian, out);
      return;
    }
    if (r.path() == RowReader::Path::Deflate) {
      // Each chunk that holds a wanted element is inflated once.
      std::vector<std::size_t> order(positions.size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::sort(order.begin(), order.end(),
                [&](std::size_t a, std::size_t b) { return positions[a] < positions[b]; });
      std::uint64_t current = ~std::uint64_t{0};
      std::shared_ptr<const std::vector<unsigned char>> bytes;
      for (auto i : order) {
        const std::uint64_t chunk = positions[i] / d.chunkRows;
        if (chunk != current) {
          bytes = inflatedChunk(r, d, chunk);
          current = chunk;
        }
        decode(bytes->data() + (positions[i] % d.chunkRows) * d.elementSize, 1, d.elementSize,
               d.bigEndian, out + i);
      }
      return;
    }
    for (std::size_t i = 0; i < positions.size(); ++i)
      library(r, d, positions[i], positions[i] + 1, out + i);
  }
};

std::optional<haddr_t> RowReader::backToBackChunksStart() const {
  const auto& d = *impl_;
  // Locating each chunk is a B-tree lookup; beyond this many, reading is cheaper.
  constexpr std::size_t kMaxChunksToLocate = 1 << 16;
  if (d.chunks.empty() || d.chunks.size() > kMaxChunksToLocate) return std::nullopt;
  const auto first = RowReaderAccess::chunkAt(*this, d, 0);
  if (first.address == HADDR_UNDEF || first.size != d.chunkBytes) return std::nullopt;
  for (std::uint64_t chunk = 1; chunk < d.chunks.size(); ++chunk) {
    const auto location = RowReaderAccess::chunkAt(*this, d, chunk);
    if (location.address != first.address + chunk * d.chunkBytes || location.size != d.chunkBytes)
      return std::nullopt;
  }
  return first.address;
}

std::optional<MappedDoubles> RowReader::mapDoubles() const {
  const auto& d = *impl_;
  if (shape_.size() != 1 || d.elementSize != 8 || d.bigEndian || !d.isFloat) return std::nullopt;
  // Contiguous storage, or unfiltered chunks that lie back to back in chunk
  // order (as a writer appending chunk after chunk leaves them): the same bytes
  // as contiguous storage, so one mapping covers the dataset.
  haddr_t start = HADDR_UNDEF;
  if (path_ == Path::Contiguous) {
    start = d.address;
  } else if (path_ == Path::Chunked) {
    start = backToBackChunksStart().value_or(HADDR_UNDEF);
  }
  if (start == HADDR_UNDEF || start % alignof(double) != 0) return std::nullopt;
  const auto bytes = static_cast<std::size_t>(rows()) * sizeof(double);
  MappedRegion region =
      mapFileRegion(filePath_, static_cast<std::size_t>(start), bytes, objectPath_.c_str());
  // Fill the page tables at once (one call instead of a fault per page: 0.1 s
  // instead of 2 s for 480 MB in the page cache); pages not yet cached are read.
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
  if (bytes > 0) {
    const std::size_t lead = static_cast<std::size_t>(start % kPage);
    (void)::madvise(const_cast<unsigned char*>(region.data) - lead, bytes + lead,
                    MADV_POPULATE_READ);  // best effort: older kernels fault on touch
  }
  return MappedDoubles{
      region.owner, std::span<const double>(reinterpret_cast<const double*>(region.data), rows())};
}

void RowReader::read(std::uint64_t begin, std::uint64_t end, double* out) const {
  RowReaderAccess::rows(*this, *impl_, begin, end, out);
}

void RowReader::read(std::uint64_t begin, std::uint64_t end, float* out) const {
  RowReaderAccess::rows(*this, *impl_, begin, end, out);
}

void RowReader::readElements(std::span<const std::uint64_t> positions, double* out) const {
  RowReaderAccess::elements(*this, *impl_, positions, out);
}

}  // namespace nl::io::h5
