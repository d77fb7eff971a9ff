#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <list>
#include <mutex>
#include <nlohmann/json.hpp>
#include <numeric>
#include <stdexcept>
#include <unordered_map>

#include "io/Dataset.h"
#include "io/MappedSpikeTimes.h"
#include "io/ResourceLimits.h"

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
    std::shared_ptr<const double[]> times;
    std::size_t count = 0;
    std::list<std::size_t>::iterator recency;
  };
  mutable std::mutex mutex;
  std::list<std::size_t> recency;  // front: most recently used
  std::unordered_map<std::size_t, Entry> entries;
  std::size_t bytes = 0;
  std::size_t limit = resourceLimits().spikeTrainCacheBytes;
  std::size_t hits = 0, misses = 0, rangeReads = 0;
  // First and last spike of each unit, read once (NaN for empty units).
  bool boundsKnown = false;
  std::vector<double> first, last;

  // Units whose order has been checked once (re-reads after eviction skip it).
  std::vector<bool> verified;

  const Entry* find(std::size_t unit) {
    const auto it = entries.find(unit);
    if (it == entries.end()) return nullptr;
    recency.splice(recency.begin(), recency, it->second.recency);
    ++hits;
    return &it->second;
  }

  void insert(std::size_t unit, std::shared_ptr<const double[]> times, std::size_t count) {
    if (entries.contains(unit)) return;  // another thread read it meanwhile
    recency.push_front(unit);
    bytes += count * sizeof(double);
    entries.emplace(unit, Entry{std::move(times), count, recency.begin()});
    evictTo(limit);
  }

  void evictTo(std::size_t target) {
    // The unit just inserted stays even when it alone exceeds the bound.
    while (bytes > target && entries.size() > 1) {
      const std::size_t oldest = recency.back();
      recency.pop_back();
      const auto it = entries.find(oldest);
      bytes -= it->second.count * sizeof(double);
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

namespace {

// Storage for `count` doubles that is not zeroed by us: the read fills it.
// Large buffers (a whole recording's spikes) are an anonymous mapping of 4 KB
// pages that the reading threads populate (io/hdf5/RowReader.cpp) before they
// copy into them. Not huge pages: those come from free 2 MB blocks, which on a
// machine that has not used much of its memory yet (a fresh VM) is memory
// touched for the first time, and the first touch there costs more than the
// faults saved (389 MB from the page cache on this 2-core VM: 0.21–0.26 s
// populated, 0.25–0.37 s faulted by the read, 0.07–0.84 s with huge pages
// faulted by it, 0.9–2.2 s for the whole split).
std::shared_ptr<double[]> uninitialised(std::size_t count) {
  constexpr std::size_t kLarge = std::size_t{32} << 20, kPage = 4096;
  const std::size_t bytes = std::max<std::size_t>(count, 1) * sizeof(double);
  if (bytes < kLarge) return std::shared_ptr<double[]>(new double[std::max<std::size_t>(count, 1)]);
  const std::size_t rounded = (bytes + kPage - 1) / kPage * kPage;
  void* memory =
      ::mmap(nullptr, rounded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw std::bad_alloc();
  (void)::madvise(memory, rounded, MADV_NOHUGEPAGE);
  return std::shared_ptr<double[]>(static_cast<double*>(memory),
                                   [rounded](double* p) { ::munmap(p, rounded); });
}

}  // namespace

SpikeTrain SpikeRecording::spikesOfUnit(std::size_t unit) const {
  const std::size_t count = spikeCountOfUnit(unit);
  if (inMemory_)
    return {inMemory_, std::span<const double>(*inMemory_).subspan(unitOffsets_[unit], count)};
  bool verified = source_->trustedSorted();
  {
    std::lock_guard lock(cache_->mutex);
    if (const auto* entry = cache_->find(unit))
      return {entry->times, std::span<const double>(entry->times.get(), entry->count)};
    ++cache_->misses;
    ++cache_->rangeReads;
    if (cache_->verified.size() != unitCount()) cache_->verified.assign(unitCount(), false);
    verified = verified || cache_->verified[unit];
  }
  // Read outside the lock, straight into the train's own storage.
  auto times = uninitialised(count);
  source_->readInto(unitOffsets_[unit], unitOffsets_[unit + 1], times.get());
  if (!verified) {
    // NWB promises ascending times per unit; check each unit once (the
    // data is still in cache right after the read) and sort one that is not.
    if (!std::is_sorted(times.get(), times.get() + count))
      std::sort(times.get(), times.get() + count);
  }
  std::shared_ptr<const double[]> shared = std::move(times);
  {
    std::lock_guard lock(cache_->mutex);
    if (!verified) cache_->verified[unit] = true;
    cache_->insert(unit, shared, count);
  }
  return {shared, std::span<const double>(shared.get(), count)};
}

std::vector<SpikeTrain> SpikeRecording::allTrains() const {
  std::vector<SpikeTrain> trains(unitCount());
  if (inMemory_) {
    for (std::size_t u = 0; u < unitCount(); ++u) trains[u] = spikesOfUnit(u);
    return trains;
  }
  const std::uint64_t total = unitOffsets_.back();
  const bool trusted = source_->trustedSorted();
  // Stored in place (contiguous float64): every train is a view of the file's
  // mapping, nothing copied. A unit stored out of order gets a sorted copy.
  if (const auto* mappable = dynamic_cast<const MappedSpikeTimes*>(source_.get())) {
    if (const auto mapped = mappable->mapAll(); mapped && mapped->values.size() >= total) {
      {
        std::lock_guard lock(cache_->mutex);
        ++cache_->rangeReads;
      }
      for (std::size_t u = 0; u < unitCount(); ++u) {
        const auto times =
            mapped->values.subspan(unitOffsets_[u], unitOffsets_[u + 1] - unitOffsets_[u]);
        if (trusted || std::is_sorted(times.begin(), times.end())) {
          trains[u] = SpikeTrain(mapped->owner, times);
          continue;
        }
        auto sorted = uninitialised(times.size());
        std::copy(times.begin(), times.end(), sorted.get());
        std::sort(sorted.get(), sorted.get() + times.size());
        std::shared_ptr<const double[]> owner = std::move(sorted);
        trains[u] = SpikeTrain(owner, std::span<const double>(owner.get(), times.size()));
      }
      return trains;
    }
  }
  // One read of the whole dataset (each compressed chunk inflated once) into
  // one buffer the trains share; units in the cache are not read again.
  auto all = uninitialised(static_cast<std::size_t>(total));
  source_->readInto(0, total, all.get());
  std::shared_ptr<const double[]> shared = all;
  {
    std::lock_guard lock(cache_->mutex);
    ++cache_->rangeReads;
  }
  for (std::size_t u = 0; u < unitCount(); ++u) {
    double* first = all.get() + unitOffsets_[u];
    double* last = all.get() + unitOffsets_[u + 1];
    if (!trusted && !std::is_sorted(first, last)) std::sort(first, last);
    trains[u] = SpikeTrain(shared, std::span<const double>(first, last));
  }
  return trains;
}

std::vector<SpikeTrain> SpikeRecording::spikesInWindow(std::span<const std::size_t> units,
                                                       double t0, double t1) const {
  // In file order, so the reads walk the file once front to back.
  std::vector<std::size_t> order(units.begin(), units.end());
  std::sort(order.begin(), order.end());
  std::vector<SpikeTrain> byUnit(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) byUnit[i] = spikesInWindow(order[i], t0, t1);
  std::vector<SpikeTrain> result(units.size());
  for (std::size_t i = 0; i < units.size(); ++i) {
    const auto at = std::lower_bound(order.begin(), order.end(), units[i]) - order.begin();
    result[i] = byUnit[static_cast<std::size_t>(at)];
  }
  return result;
}

SpikeTrain SpikeRecording::spikesInWindow(std::size_t unit, double t0, double t1) const {
  const std::size_t count = spikeCountOfUnit(unit);
  // Small units, cached units and in-memory recordings: cut from the whole train.
  constexpr std::size_t kWholeUnitBelow = 4096;
  bool cached = inMemory_ != nullptr;
  if (!cached) {
    std::lock_guard lock(cache_->mutex);
    cached = cache_->entries.contains(unit);
  }
  if (cached || count < kWholeUnitBelow || !(t1 > t0) || !source_->smallReadsAreCheap()) {
    if (!(t1 > t0) || count == 0) return {};
    const auto train = spikesOfUnit(unit);
    const auto first = std::lower_bound(train.begin(), train.end(), t0);
    const auto last = std::lower_bound(first, train.end(), t1);
    return train.slice(static_cast<std::size_t>(first - train.begin()),
                       static_cast<std::size_t>(last - first));
  }
  // The unit's ends bound the window for free once they are known.
  const auto [front, back] = firstAndLastSpike(unit);
  if (t1 <= front || t0 > back) return {};
  const std::uint64_t base = unitOffsets_[unit];
  std::size_t reads = 0;
  // Interpolation guess, then one block read around it; spike times are
  // close to uniform at this scale, so the window is nearly always in it.
  // Otherwise narrow by binary search on single elements.
  const double span = back - front;
  auto guess = [&, first = front](double t) {
    const double fraction = span > 0 ? std::clamp((t - first) / span, 0.0, 1.0) : 0.0;
    return static_cast<std::uint64_t>(fraction * static_cast<double>(count - 1));
  };
  const std::uint64_t g0 = guess(t0), g1 = guess(t1);
  const std::uint64_t margin =
      256 + 4 * static_cast<std::uint64_t>(std::sqrt(static_cast<double>(count)));
  const std::uint64_t blockBegin = g0 > margin ? g0 - margin : 0;
  const std::uint64_t blockEnd = std::min<std::uint64_t>(count, g1 + margin + 1);
  const std::size_t blockCount = static_cast<std::size_t>(blockEnd - blockBegin);
  auto block = uninitialised(blockCount);
  source_->readInto(base + blockBegin, base + blockEnd, block.get());
  ++reads;
  const double* bb = block.get();
  const double* be = bb + blockCount;
  if (!source_->trustedSorted() && !std::is_sorted(bb, be)) {
    // Out of order in the file: no search is valid; the whole unit is read and sorted.
    const auto train = spikesOfUnit(unit);
    const auto a = std::lower_bound(train.begin(), train.end(), t0);
    const auto b = std::lower_bound(a, train.end(), t1);
    return train.slice(static_cast<std::size_t>(a - train.begin()),
                       static_cast<std::size_t>(b - a));
  }
  auto single = [&](std::uint64_t i) {
    double v;
    source_->readInto(base + i, base + i + 1, &v);
    ++reads;
    return v;
  };
  // lower_bound of t over the unit, knowing the block [blockBegin, blockEnd).
  auto lowerBound = [&](double t) -> std::uint64_t {
    std::uint64_t lo = 0, hi = count;
    if (bb[0] < t)
      lo = blockBegin + 1;
    else
      hi = blockBegin;
    if (be[-1] < t)
      lo = std::max(lo, blockEnd);
    else
      hi = std::min(hi, blockEnd - 1);
    if (lo >= blockBegin && hi <= blockEnd)  // inside the block
      return blockBegin + static_cast<std::uint64_t>(std::lower_bound(bb, be, t) - bb);
    while (lo < hi) {
      const std::uint64_t mid = lo + (hi - lo) / 2;
      if (single(mid) < t)
        lo = mid + 1;
      else
        hi = mid;
    }
    return lo;
  };
  const std::uint64_t first = lowerBound(t0);
  const std::uint64_t last = std::max(first, lowerBound(t1));
  {
    std::lock_guard lock(cache_->mutex);
    cache_->rangeReads += reads;
  }
  if (first >= blockBegin && last <= blockEnd) {
    std::shared_ptr<const double[]> shared = std::move(block);
    return {shared, std::span<const double>(shared.get() + (first - blockBegin),
                                            static_cast<std::size_t>(last - first))};
  }
  auto times = uninitialised(static_cast<std::size_t>(last - first));
  source_->readInto(base + first, base + last, times.get());
  {
    std::lock_guard lock(cache_->mutex);
    ++cache_->rangeReads;
  }
  std::shared_ptr<const double[]> shared = std::move(times);
  return {shared, std::span<const double>(shared.get(), static_cast<std::size_t>(last - first))};
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
  // Opening a lazy recording reads no spike times, and neither does its
  // summary: the range costs a probe of every unit's first and last spike
  // (`neuroloupe-cli info --spike-range`), so it is given once known.
  bool known = !isLazy();
  if (!known) {
    std::lock_guard lock(cache_->mutex);
    known = cache_->boundsKnown;
  }
  if (known) {
    const auto [t0, t1] = timeRange();
    json["time_range_s"] = {t0, t1};
  } else {
    json["time_range_s"] = nullptr;
  }
  json["lazy"] = isLazy();
  if (electrodes_) json["electrodes"] = electrodes_->rowCount();
  if (hasWaveforms())
    json["waveform_mean"] = {features_->waveformSamples(), features_->waveformChannels()};
  if (hasAmplitudes()) json["spike_amplitudes"] = amplitudeUnit().empty() ? "yes" : amplitudeUnit();
  return json;
}

}  // namespace nl::io
