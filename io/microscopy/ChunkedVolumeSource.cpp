#include "io/microscopy/ChunkedVolumeSource.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <list>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "io/ResourceLimits.h"
#include "io/Threads.h"
#include "io/microscopy/VolumeCopy.h"

namespace nl::io::microscopy {

namespace {
std::size_t ceilDiv(std::size_t a, std::size_t b) {
  return (a + b - 1) / b;
}
}  // namespace

struct ChunkedVolumeSource::Cache {
  struct Entry {
    std::shared_ptr<const std::vector<unsigned char>> data;  // null: absent chunk
    std::size_t bytes = 0;
    std::list<std::size_t>::iterator position;
  };
  std::mutex mutex;
  std::list<std::size_t> recent;  // most recently used first
  std::unordered_map<std::size_t, Entry> entries;
  std::size_t bytes = 0, limit = resourceLimits().volumeChunkCacheBytes, hits = 0, misses = 0;
  std::atomic<std::size_t> threads{0};

  bool find(std::size_t key, std::shared_ptr<const std::vector<unsigned char>>& data) {
    std::lock_guard lock(mutex);
    const auto it = entries.find(key);
    if (it == entries.end()) {
      ++misses;
      return false;
    }
    ++hits;
    recent.splice(recent.begin(), recent, it->second.position);
    data = it->second.data;
    return true;
  }
  void evictToLimit() {
    while (bytes > limit && !recent.empty()) {
      const auto it = entries.find(recent.back());
      bytes -= it->second.bytes;
      entries.erase(it);
      recent.pop_back();
    }
  }
  bool wouldKeep(std::size_t cost) {
    std::lock_guard lock(mutex);
    return cost <= limit;
  }
  void insert(std::size_t key, std::shared_ptr<const std::vector<unsigned char>> data) {
    // An absent chunk costs its bookkeeping only; count it so that a volume
    // of nothing but absent chunks still cannot grow the cache without end.
    const std::size_t cost = (data ? data->size() : 0) + 64;
    std::lock_guard lock(mutex);
    if (cost > limit || entries.count(key) != 0) return;
    recent.push_front(key);
    entries[key] = Entry{std::move(data), cost, recent.begin()};
    bytes += cost;
    evictToLimit();
  }
};

ChunkedVolumeSource::ChunkedVolumeSource(VolumeShape shape, VolumeShape chunkShape, VoxelType type,
                                         std::vector<unsigned char> fillValue)
    : shape_(shape),
      chunkShape_(chunkShape),
      type_(type),
      fillValue_(std::move(fillValue)),
      cache_(std::make_unique<Cache>()) {
  if (chunkShape_.channels == 0 || chunkShape_.z == 0 || chunkShape_.y == 0 || chunkShape_.x == 0)
    throw std::invalid_argument("chunk shape must be positive on every axis");
  if (fillValue_.size() != voxelTypeSize(type_))
    throw std::invalid_argument("fill value must be one voxel of the volume's type");
  grid_ = {ceilDiv(shape_.channels, chunkShape_.channels), ceilDiv(shape_.z, chunkShape_.z),
           ceilDiv(shape_.y, chunkShape_.y), ceilDiv(shape_.x, chunkShape_.x)};
}

ChunkedVolumeSource::~ChunkedVolumeSource() = default;

ChunkCacheStats ChunkedVolumeSource::cacheStats() const {
  std::lock_guard lock(cache_->mutex);
  return {cache_->entries.size(), cache_->bytes, cache_->limit, cache_->hits, cache_->misses};
}

void ChunkedVolumeSource::setCacheLimitBytes(std::size_t bytes) const {
  std::lock_guard lock(cache_->mutex);
  cache_->limit = bytes;
  cache_->evictToLimit();
}

void ChunkedVolumeSource::setThreadCount(std::size_t threads) const {
  cache_->threads = threads;
}

std::shared_ptr<const std::vector<unsigned char>> ChunkedVolumeSource::chunk(
    const ChunkIndex& index, bool& absent, std::shared_ptr<std::vector<unsigned char>>& scratch,
    bool cacheDecoded) const {
  const std::size_t key =
      ((index[0] * grid_.z + index[1]) * grid_.y + index[2]) * grid_.x + index[3];
  std::shared_ptr<const std::vector<unsigned char>> data;
  if (cache_->find(key, data)) {
    absent = data == nullptr;
    return data;
  }
  // A chunk the cache will not keep (streaming reads) is decoded into the
  // worker's scratch buffer: no fresh pages to fault in for every chunk.
  const bool keep = cacheDecoded && cache_->wouldKeep(chunkBytes() + 64);
  std::shared_ptr<std::vector<unsigned char>> decoded;
  if (!keep && scratch && scratch.use_count() == 1) {
    decoded = scratch;
  } else {
    decoded = std::make_shared<std::vector<unsigned char>>(chunkBytes());
    if (!keep) scratch = decoded;
  }
  absent = !decodeChunk(index, *decoded);
  if (keep) cache_->insert(key, absent ? nullptr : decoded);
  if (absent) return nullptr;
  return decoded;
}

void ChunkedVolumeSource::read(const Box& box, std::size_t step, VoxelType outType,
                               void* out) const {
  readBox(box, step, outType, out, true);
}

void ChunkedVolumeSource::readOnce(const Box& box, std::size_t step, VoxelType outType,
                                   void* out) const {
  readBox(box, step, outType, out, false);
}

void ChunkedVolumeSource::readBox(const Box& box, std::size_t step, VoxelType outType, void* out,
                                  bool cacheDecoded) const {
  if (step == 0) throw std::invalid_argument("step must be at least 1");
  // The chunks along each axis that hold at least one sampled voxel.
  const auto chunksAlong = [](std::size_t b0, std::size_t b1, std::size_t axisStep,
                              std::size_t chunk) {
    std::vector<std::size_t> along;
    for (std::size_t k = b0 / chunk; k * chunk < b1; ++k)
      if (!detail::sampledRange(b0, b1, axisStep, k * chunk, chunk).empty()) along.push_back(k);
    return along;
  };
  if (box.outputShape(step).voxelCount() == 0) return;
  const auto cs = chunksAlong(box.c0, box.c1, 1, chunkShape_.channels);
  const auto zs = chunksAlong(box.z0, box.z1, step, chunkShape_.z);
  const auto ys = chunksAlong(box.y0, box.y1, step, chunkShape_.y);
  const auto xs = chunksAlong(box.x0, box.x1, step, chunkShape_.x);
  std::vector<ChunkIndex> tasks;
  tasks.reserve(cs.size() * zs.size() * ys.size() * xs.size());
  for (auto c : cs)
    for (auto z : zs)
      for (auto y : ys)
        for (auto x : xs) tasks.push_back({c, z, y, x});

  // Each chunk fills its own part of `out`, so workers copy without locks.
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex errorMutex;
  const auto work = [&] {
    std::shared_ptr<std::vector<unsigned char>> scratch;
    for (std::size_t t = next++; t < tasks.size() && !failed; t = next++) {
      try {
        const ChunkIndex& index = tasks[t];
        bool absent = false;
        const auto data = chunk(index, absent, scratch, cacheDecoded);
        const detail::Block block{absent ? nullptr : data->data(),
                                  fillValue_.data(),
                                  chunkShape_,
                                  {index[0] * chunkShape_.channels, index[1] * chunkShape_.z,
                                   index[2] * chunkShape_.y, index[3] * chunkShape_.x}};
        detail::copyBlock(type_, block, box, step, outType, out);
      } catch (...) {
        std::lock_guard lock(errorMutex);
        if (!error) error = std::current_exception();
        failed = true;
      }
    }
  };
  std::size_t threads = cache_->threads.load();
  if (threads == 0) threads = static_cast<std::size_t>(io::workerThreadCount());
  threads = std::min(threads, tasks.size());
  std::vector<std::thread> workers;
  for (std::size_t i = 1; i < threads; ++i) {
    try {
      workers.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: the ones running (and this one) do the rest
    }
  }
  work();
  for (auto& worker : workers) worker.join();
  if (error) std::rethrow_exception(error);
}

void transposeElements(const unsigned char* in, const std::vector<std::size_t>& dims,
                       const std::vector<std::size_t>& axes, std::size_t elementSize,
                       unsigned char* out) {
  const std::size_t rank = dims.size();
  if (axes.size() != rank) throw std::invalid_argument("transpose: axes do not match the rank");
  // Input strides (in elements), taken in output axis order.
  std::vector<std::size_t> inStride(rank, 1), stride(rank), outDims(rank);
  for (std::size_t i = rank; i-- > 1;) inStride[i - 1] = inStride[i] * dims[i];
  std::size_t total = 1;
  for (std::size_t i = 0; i < rank; ++i) {
    stride[i] = inStride[axes[i]];
    outDims[i] = dims[axes[i]];
    total *= outDims[i];
  }
  if (total == 0) return;
  std::vector<std::size_t> position(rank, 0);
  std::size_t source = 0;
  for (std::size_t o = 0; o < total; ++o) {
    std::memcpy(out + o * elementSize, in + source * elementSize, elementSize);
    for (std::size_t i = rank; i-- > 0;) {
      source += stride[i];
      if (++position[i] < outDims[i]) break;
      source -= stride[i] * outDims[i];
      position[i] = 0;
    }
  }
}

void swapByteOrder(unsigned char* data, std::size_t bytes, std::size_t elementSize) {
  if (elementSize <= 1) return;
  for (std::size_t i = 0; i + elementSize <= bytes; i += elementSize)
    std::reverse(data + i, data + i + elementSize);
}

}  // namespace nl::io::microscopy
