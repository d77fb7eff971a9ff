#include <algorithm>
#include <cmath>
#include <limits>
#include <list>
#include <mutex>
#include <nlohmann/json.hpp>
#include <numeric>
#include <stdexcept>
#include <unordered_map>

#include "io/Dataset.h"

namespace nl::io {

void SpikeTimesSource::readInto(std::uint64_t begin, std::uint64_t end, double* out) const {
  const auto values = read(begin, end);
  std::copy(values.begin(), values.end(), out);
}

void SpikeTimesSource::readElements(std::span<const std::uint64_t> positions, double* out) const {
  for (std::size_t i = 0; i < positions.size(); ++i)
    readInto(positions[i], positions[i] + 1, out + i);
}

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
  // First and last spike of each unit, read once (NaN for empty units).
  bool boundsKnown = false;
  std::vector<double> first, last;

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

void SpikeRecording::ensureBounds() const {
  {
    std::lock_guard lock(cache_->mutex);
    if (cache_->boundsKnown) return;
  }
  const std::size_t units = unitCount();
  std::vector<double> first(units, std::numeric_limits<double>::quiet_NaN());
  std::vector<double> last(units, std::numeric_limits<double>::quiet_NaN());
  if (inMemory_) {
    for (std::size_t u = 0; u < units; ++u)
      if (spikeCountOfUnit(u) > 0) {
        first[u] = (*inMemory_)[unitOffsets_[u]];
        last[u] = (*inMemory_)[unitOffsets_[u + 1] - 1];
      }
  } else {
    // Both ends of every non-empty unit in one gather, so the source can
    // read a few bytes per unit (and merge a unit's last with the next
    // unit's first) instead of whole chunks.
    std::vector<std::uint64_t> positions;
    std::vector<std::size_t> owners;
    positions.reserve(2 * units);
    for (std::size_t u = 0; u < units; ++u) {
      if (spikeCountOfUnit(u) == 0) continue;
      positions.push_back(unitOffsets_[u]);
      positions.push_back(unitOffsets_[u + 1] - 1);
      owners.push_back(u);
    }
    std::vector<double> values(positions.size());
    if (!positions.empty()) source_->readElements(positions, values.data());
    const bool trusted = source_->trustedSorted();
    for (std::size_t i = 0; i < owners.size(); ++i) {
      const std::size_t u = owners[i];
      first[u] = values[2 * i];
      last[u] = values[2 * i + 1];
      // An unsorted unit's ends are not its extremes: read it (it is sorted then).
      if (!trusted && first[u] > last[u]) {
        const auto train = spikesOfUnit(u);
        first[u] = train.front();
        last[u] = train.back();
      }
    }
    std::lock_guard lock(cache_->mutex);
    cache_->rangeReads += positions.empty() ? 0 : 1;
  }
  std::lock_guard lock(cache_->mutex);
  if (cache_->boundsKnown) return;
  cache_->first = std::move(first);
  cache_->last = std::move(last);
  cache_->boundsKnown = true;
}

std::pair<double, double> SpikeRecording::firstAndLastSpike(std::size_t unit) const {
  (void)spikeCountOfUnit(unit);  // range check
  ensureBounds();
  std::lock_guard lock(cache_->mutex);
  return {cache_->first[unit], cache_->last[unit]};
}

std::pair<double, double> SpikeRecording::timeRange() const {
  ensureBounds();
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  std::lock_guard lock(cache_->mutex);
  for (std::size_t u = 0; u < cache_->first.size(); ++u) {
    if (std::isnan(cache_->first[u])) continue;
    lo = std::min(lo, cache_->first[u]);
    hi = std::max(hi, cache_->last[u]);
  }
  if (lo > hi) return {0.0, 0.0};
  return {lo, hi};
}

void SpikeRecording::setUnitFeatures(std::shared_ptr<const UnitFeatureSource> features) {
  features_ = std::move(features);
}

bool SpikeRecording::hasWaveforms() const {
  return features_ && features_->hasWaveforms();
}

WaveformMean SpikeRecording::waveformMean(std::size_t unit) const {
  (void)spikeCountOfUnit(unit);
  if (!hasWaveforms())
    throw std::logic_error("spike recording '" + name() + "' has no mean waveforms");
  return features_->waveformMean(unit);
}

bool SpikeRecording::hasAmplitudes() const {
  return features_ && features_->hasAmplitudes();
}

std::vector<float> SpikeRecording::amplitudesOfUnit(std::size_t unit) const {
  const std::size_t count = spikeCountOfUnit(unit);
  if (!hasAmplitudes())
    throw std::logic_error("spike recording '" + name() + "' has no spike amplitudes");
  auto amplitudes = features_->amplitudesOfUnit(unit);
  if (amplitudes.size() != count)
    throw std::runtime_error("spike recording '" + name() +
                             "': " + std::to_string(amplitudes.size()) + " amplitudes for unit " +
                             std::to_string(unit) + ", which has " + std::to_string(count) +
                             " spikes");
  // spikesOfUnit sorts a unit stored out of order; keep amplitudes beside their spikes.
  if (!inMemory_ && !source_->trustedSorted() && count > 1) {
    std::vector<double> times(count);
    source_->readInto(unitOffsets_[unit], unitOffsets_[unit + 1], times.data());
    if (!std::is_sorted(times.begin(), times.end())) {
      std::vector<std::size_t> order(count);
      std::iota(order.begin(), order.end(), std::size_t{0});
      std::stable_sort(order.begin(), order.end(),
                       [&](std::size_t a, std::size_t b) { return times[a] < times[b]; });
      std::vector<float> sorted(count);
      for (std::size_t i = 0; i < count; ++i) sorted[i] = amplitudes[order[i]];
      amplitudes = std::move(sorted);
    }
  }
  return amplitudes;
}

std::string SpikeRecording::amplitudeUnit() const {
  return features_ ? features_->amplitudeUnit() : std::string();
}

double SpikeRecording::amplitudeToMicrovolts() const {
  return features_ ? features_->amplitudeToMicrovolts() : 1.0;
}

void SpikeRecording::setCacheLimitBytes(std::size_t bytes) const {
  std::lock_guard lock(cache_->mutex);
  cache_->limit = bytes;
  cache_->evictTo(bytes);
}

SpikeCacheStats SpikeRecording::cacheStats() const {
  std::lock_guard lock(cache_->mutex);
  return {cache_->entries.size(),
          cache_->bytes,
          cache_->limit,
          cache_->hits,
          cache_->misses,
          cache_->rangeReads,
          source_ ? source_->bytesRead() : 0};
}

nlohmann::json SpikeRecording::summary() const {
  auto json = Dataset::summary();
  json["units"] = unitCount();
  json["spikes"] = spikeCount();
  const auto [t0, t1] = timeRange();
  json["time_range_s"] = {t0, t1};
  json["lazy"] = isLazy();
  if (electrodes_) json["electrodes"] = electrodes_->rowCount();
  if (hasWaveforms())
    json["waveform_mean"] = {features_->waveformSamples(), features_->waveformChannels()};
  if (hasAmplitudes()) json["spike_amplitudes"] = amplitudeUnit().empty() ? "yes" : amplitudeUnit();
  return json;
}

}  // namespace nl::io
