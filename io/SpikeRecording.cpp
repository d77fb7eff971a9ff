#include <algorithm>
#include <limits>
#include <list>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <unordered_map>

#include "io/Dataset.h"

namespace nl::io {

// Least-recently-used whole-unit trains, bounded in bytes. Trains handed out
// keep their storage alive, so eviction never invalidates a caller's train;
// the bound is on what the recording itself holds.
struct SpikeRecording::Cache {
  struct Entry {
    std::shared_ptr<const std::vector<double>> times;
    std::list<std::size_t>::iterator recency;
  };
  mutable std::mutex mutex;
  std::list<std::size_t> recency;  // front: most recently used
  std::unordered_map<std::size_t, Entry> entries;
  std::size_t bytes = 0;
  std::size_t limit = kDefaultCacheBytes;
  std::size_t hits = 0, misses = 0, rangeReads = 0;

  static std::size_t sizeOf(const std::vector<double>& times) {
    return times.size() * sizeof(double);
  }

  std::shared_ptr<const std::vector<double>> find(std::size_t unit) {
    const auto it = entries.find(unit);
    if (it == entries.end()) return nullptr;
    recency.splice(recency.begin(), recency, it->second.recency);
    ++hits;
    return it->second.times;
  }

  void insert(std::size_t unit, std::shared_ptr<const std::vector<double>> times) {
    if (entries.contains(unit)) return;  // another thread read it meanwhile
    recency.push_front(unit);
    bytes += sizeOf(*times);
    entries.emplace(unit, Entry{std::move(times), recency.begin()});
    evictTo(limit);
  }

  void evictTo(std::size_t target) {
    // The unit just inserted stays even when it alone exceeds the bound.
    while (bytes > target && entries.size() > 1) {
      const std::size_t oldest = recency.back();
      recency.pop_back();
      const auto it = entries.find(oldest);
      bytes -= sizeOf(*it->second.times);
      entries.erase(it);
    }
  }
};

SpikeRecording::SpikeRecording(std::string name, std::shared_ptr<const TableDataset> units,
                               std::vector<double> spikeTimes,
                               std::vector<std::uint64_t> unitOffsets,
                               std::shared_ptr<const TableDataset> electrodes,
                               Provenance provenance, Attributes attributes)
    : Dataset(DatasetKind::SpikeRecording, std::move(name), std::move(provenance),
              std::move(attributes)),
      units_(std::move(units)),
      unitOffsets_(std::move(unitOffsets)),
      electrodes_(std::move(electrodes)),
      cache_(std::make_unique<Cache>()) {
  if (unitOffsets_.empty()) unitOffsets_.push_back(0);
  if (unitOffsets_.back() != spikeTimes.size())
    throw std::invalid_argument("spike recording '" + this->name() +
                                "': unit offsets do not partition the spike times");
  validate();
  for (std::size_t u = 0; u < unitCount(); ++u) {
    const auto first = spikeTimes.begin() + static_cast<std::ptrdiff_t>(unitOffsets_[u]);
    const auto last = spikeTimes.begin() + static_cast<std::ptrdiff_t>(unitOffsets_[u + 1]);
    if (!std::is_sorted(first, last)) std::sort(first, last);
  }
  inMemory_ = std::make_shared<const std::vector<double>>(std::move(spikeTimes));
}

SpikeRecording::SpikeRecording(std::shared_ptr<const SpikeTimesSource> source, std::string name,
                               std::shared_ptr<const TableDataset> units,
                               std::vector<std::uint64_t> unitOffsets,
                               std::shared_ptr<const TableDataset> electrodes,
                               Provenance provenance, Attributes attributes)
    : Dataset(DatasetKind::SpikeRecording, std::move(name), std::move(provenance),
              std::move(attributes)),
      units_(std::move(units)),
      source_(std::move(source)),
      unitOffsets_(std::move(unitOffsets)),
      electrodes_(std::move(electrodes)),
      cache_(std::make_unique<Cache>()) {
  if (!source_) throw std::invalid_argument("spike recording '" + this->name() + "': no source");
  if (unitOffsets_.empty()) unitOffsets_.push_back(0);
  if (unitOffsets_.back() > source_->size())
    throw std::invalid_argument("spike recording '" + this->name() +
                                "': unit offsets point past the end of the spike times");
  validate();
}

SpikeRecording::~SpikeRecording() = default;

void SpikeRecording::validate() const {
  if (unitOffsets_.front() != 0 || !std::is_sorted(unitOffsets_.begin(), unitOffsets_.end()))
    throw std::invalid_argument("spike recording '" + name() +
                                "': unit offsets do not partition the spike times");
  if (units_ && units_->rowCount() != unitCount())
    throw std::invalid_argument("spike recording '" + name() + "': unit table has " +
                                std::to_string(units_->rowCount()) + " rows for " +
                                std::to_string(unitCount()) + " units");
}

std::size_t SpikeRecording::spikeCountOfUnit(std::size_t unit) const {
  if (unit >= unitCount()) throw std::out_of_range("unit index out of range");
  return static_cast<std::size_t>(unitOffsets_[unit + 1] - unitOffsets_[unit]);
}

SpikeTrain SpikeRecording::spikesOfUnit(std::size_t unit) const {
  const std::size_t count = spikeCountOfUnit(unit);
  if (inMemory_)
    return {inMemory_, std::span<const double>(*inMemory_).subspan(unitOffsets_[unit], count)};
  {
    std::lock_guard lock(cache_->mutex);
    if (auto times = cache_->find(unit)) return {times, *times};
    ++cache_->misses;
    ++cache_->rangeReads;
  }
  // Read outside the lock: other units stay available meanwhile.
  auto times = source_->read(unitOffsets_[unit], unitOffsets_[unit + 1]);
  if (times.size() != count)
    throw std::runtime_error("spike recording '" + name() + "': source returned " +
                             std::to_string(times.size()) + " spikes for unit " +
                             std::to_string(unit) + ", expected " + std::to_string(count));
  if (!std::is_sorted(times.begin(), times.end())) std::sort(times.begin(), times.end());
  auto shared = std::make_shared<const std::vector<double>>(std::move(times));
  {
    std::lock_guard lock(cache_->mutex);
    cache_->insert(unit, shared);
  }
  return {shared, *shared};
}

SpikeTrain SpikeRecording::spikesInWindow(std::size_t unit, double t0, double t1) const {
  const std::size_t count = spikeCountOfUnit(unit);
  // Small units, cached units and in-memory recordings: cut from the whole train.
  constexpr std::size_t kWholeUnitBelow = 1u << 15;
  bool cached = inMemory_ != nullptr;
  if (!cached) {
    std::lock_guard lock(cache_->mutex);
    cached = cache_->entries.contains(unit);
  }
  if (cached || count < kWholeUnitBelow || !(t1 > t0)) {
    const auto train = spikesOfUnit(unit);
    const auto first = std::lower_bound(train.begin(), train.end(), t0);
    const auto last = std::lower_bound(first, train.end(), t1);
    return train.slice(static_cast<std::size_t>(first - train.begin()),
                       static_cast<std::size_t>(last - first));
  }
  // Binary search in the file for both ends, then read just the window.
  const std::uint64_t base = unitOffsets_[unit];
  std::size_t probes = 0;
  auto lowerBound = [&](double t, std::uint64_t lo, std::uint64_t hi) {
    while (lo < hi) {
      const std::uint64_t mid = lo + (hi - lo) / 2;
      ++probes;
      if (source_->read(base + mid, base + mid + 1).front() < t)
        lo = mid + 1;
      else
        hi = mid;
    }
    return lo;
  };
  const std::uint64_t first = lowerBound(t0, 0, count);
  const std::uint64_t last = lowerBound(t1, first, count);
  auto times =
      std::make_shared<const std::vector<double>>(source_->read(base + first, base + last));
  {
    std::lock_guard lock(cache_->mutex);
    cache_->rangeReads += probes + 1;
  }
  return {times, *times};
}

std::vector<double> SpikeRecording::allSpikeTimes() const {
  if (inMemory_) return *inMemory_;
  std::vector<double> all = source_->read(0, unitOffsets_.back());
  for (std::size_t u = 0; u < unitCount(); ++u) {
    const auto first = all.begin() + static_cast<std::ptrdiff_t>(unitOffsets_[u]);
    const auto last = all.begin() + static_cast<std::ptrdiff_t>(unitOffsets_[u + 1]);
    if (!std::is_sorted(first, last)) std::sort(first, last);
  }
  return all;
}

std::pair<double, double> SpikeRecording::timeRange() const {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  for (std::size_t u = 0; u < unitCount(); ++u) {
    const std::size_t count = spikeCountOfUnit(u);
    if (count == 0) continue;
    bool cached = inMemory_ != nullptr;
    if (!cached) {
      std::lock_guard lock(cache_->mutex);
      cached = cache_->entries.contains(u);
    }
    if (cached || count < 64) {
      const auto train = spikesOfUnit(u);
      lo = std::min(lo, train.front());
      hi = std::max(hi, train.back());
    } else {
      const std::uint64_t base = unitOffsets_[u];
      lo = std::min(lo, source_->read(base, base + 1).front());
      hi = std::max(hi, source_->read(base + count - 1, base + count).front());
    }
  }
  if (lo > hi) return {0.0, 0.0};
  return {lo, hi};
}

void SpikeRecording::setCacheLimitBytes(std::size_t bytes) const {
  std::lock_guard lock(cache_->mutex);
  cache_->limit = bytes;
  cache_->evictTo(bytes);
}

SpikeCacheStats SpikeRecording::cacheStats() const {
  std::lock_guard lock(cache_->mutex);
  return {cache_->entries.size(), cache_->bytes,  cache_->limit,
          cache_->hits,           cache_->misses, cache_->rangeReads};
}

nlohmann::json SpikeRecording::summary() const {
  auto json = Dataset::summary();
  json["units"] = unitCount();
  json["spikes"] = spikeCount();
  const auto [t0, t1] = timeRange();
  json["time_range_s"] = {t0, t1};
  json["lazy"] = isLazy();
  if (electrodes_) json["electrodes"] = electrodes_->rowCount();
  return json;
}

}  // namespace nl::io
