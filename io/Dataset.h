#pragma once
// The data model: typed, immutable datasets with provenance. Big arrays may be
// loaded lazily, but once made a dataset never changes what it reports.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "io/Provenance.h"
#include "io/TypedArray.h"

namespace nl::io {

enum class DatasetKind {
  Array,           // an N-d numeric array with no further meaning
  Scalars,         // a handful of named numbers
  FeatureMatrix,   // stimuli x features (e.g. DNN activations)
  ResponseMatrix,  // stimuli x units, optionally trials x stimuli x units
  VoxelSeries,     // x y z t
  Volume,          // x y z [channels]
  LabelVolume,     // x y z integer labels
  SurfaceOverlay,  // vertices [x columns]
  Table,
  Electrodes,  // a table with x, y, z columns
  SpikeRecording,
  SurfaceMesh,
};

std::string_view kindName(DatasetKind kind);
std::optional<DatasetKind> kindFromName(std::string_view name);
std::vector<DatasetKind> allKinds();
bool isArrayKind(DatasetKind kind);
bool isTableKind(DatasetKind kind);

using Attributes = std::map<std::string, std::string>;

class Dataset {
 public:
  virtual ~Dataset() = default;
  Dataset(const Dataset&) = delete;
  Dataset& operator=(const Dataset&) = delete;

  DatasetKind kind() const { return kind_; }
  const std::string& name() const { return name_; }
  const Provenance& provenance() const { return provenance_; }
  const Attributes& attributes() const { return attributes_; }
  virtual std::vector<std::size_t> shape() const = 0;
  // Kind, name, shape, provenance and kind-specific counts: what `info` prints.
  virtual nlohmann::json summary() const;
  // The id that names this dataset across sessions (io/Provenance.h): a run's
  // output "run:<runId>/<outputName>", a file's object
  // "file:<absolute path>::<internal path>", else "memory:<uuid>" (one per
  // object, for this process only). Provenance inputs and Session look-ups
  // use this and nothing else.
  std::string datasetId() const;

 protected:
  Dataset(DatasetKind kind, std::string name, Provenance provenance, Attributes attributes);

 private:
  friend void stampOutputName(const Dataset& dataset, const std::string& outputName);

  DatasetKind kind_;
  std::string name_;
  Provenance provenance_;
  Attributes attributes_;
  mutable std::once_flag memoryIdOnce_;
  mutable std::string memoryId_;
};

// For plugins::runPlugin only: records which manifest output produced a
// dataset a plugin just made, before the run's result is handed to anyone.
// (Datasets are otherwise immutable; nothing else may call this.)
void stampOutputName(const Dataset& dataset, const std::string& outputName);

using DatasetPtr = std::shared_ptr<const Dataset>;

// A dense numeric array, row-major (C order). values() gives doubles; an
// array read in its stored type (a NIfTI run: int16 in a memory mapping)
// also offers typed(), and widens to doubles only when values() is asked
// for (docs/VOLUMES_IN_MEMORY.md).
class ArrayDataset final : public Dataset {
 public:
  using Loader = std::function<std::vector<double>()>;
  using TypedLoader = std::function<TypedArray()>;

  ArrayDataset(DatasetKind kind, std::string name, std::vector<std::size_t> shape,
               std::vector<double> values, Provenance provenance = {}, Attributes attributes = {},
               std::string sourceType = "float64");
  // Lazy: `loader` runs once, on first access to values(), and must return
  // exactly product(shape) values. A loader that throws leaves the array
  // unloaded so a later call may try again.
  ArrayDataset(DatasetKind kind, std::string name, std::vector<std::size_t> shape, Loader loader,
               Provenance provenance = {}, Attributes attributes = {},
               std::string sourceType = "float64");
  // Typed: `loader` runs once, on first access to typed() or values(), and
  // must return exactly product(shape) values (scaling pending in the
  // TypedArray). values() then widens them once, for callers that need doubles.
  ArrayDataset(DatasetKind kind, std::string name, std::vector<std::size_t> shape,
               TypedLoader loader, Provenance provenance = {}, Attributes attributes = {},
               std::string sourceType = "float64");

  std::vector<std::size_t> shape() const override { return shape_; }
  nlohmann::json summary() const override;
  std::size_t elementCount() const;
  std::size_t rows() const { return shape_.empty() ? 1 : shape_.front(); }
  std::size_t columnsPerRow() const;  // product of all but the first dimension
  const std::string& sourceType() const { return sourceType_; }
  // True once values() (doubles) are in memory.
  bool isLoaded() const;
  const std::vector<double>& values() const;
  // True when the array is held in its stored type (typed() costs no copy
  // and values() would widen it).
  bool hasTypedStorage() const { return static_cast<bool>(typedLoader_); }
  // The values in their stored type, scaling pending: reads blocks, voxel
  // time courses and slices as doubles without widening the whole array.
  // For an array of doubles this is a view of values(). Thread-safe.
  const TypedArray& typed() const;

 private:
  std::vector<std::size_t> shape_;
  std::string sourceType_;
  mutable Loader loader_;
  TypedLoader typedLoader_;
  mutable std::once_flag loadOnce_;
  mutable std::once_flag typedOnce_;
  mutable std::vector<double> values_;
  mutable TypedArray typed_;
  mutable std::atomic<bool> loaded_{false};  // read by isLoaded() from any thread
};

struct Column {
  std::string name;
  std::variant<std::vector<double>, std::vector<std::string>> values;

  bool isNumeric() const { return std::holds_alternative<std::vector<double>>(values); }
  std::size_t size() const;
  const std::vector<double>& numbers() const { return std::get<std::vector<double>>(values); }
  const std::vector<std::string>& strings() const {
    return std::get<std::vector<std::string>>(values);
  }
  std::string cellText(std::size_t row) const;
};

class TableDataset final : public Dataset {
 public:
  // Throws std::invalid_argument when columns differ in length or names repeat.
  TableDataset(DatasetKind kind, std::string name, std::vector<Column> columns,
               Provenance provenance = {}, Attributes attributes = {});

  std::vector<std::size_t> shape() const override { return {rowCount_, columns_.size()}; }
  nlohmann::json summary() const override;
  std::size_t rowCount() const { return rowCount_; }
  const std::vector<Column>& columns() const { return columns_; }
  const Column* column(std::string_view name) const;
  const std::vector<double>* numericColumn(std::string_view name) const;

 private:
  std::vector<Column> columns_;
  std::size_t rowCount_ = 0;
};

// Spike times (seconds, ascending) of one unit or a window of it. It keeps
// its storage alive, so it stays valid after the recording's cache drops the
// unit; converts to std::span for the analysis functions.
class SpikeTrain {
 public:
  SpikeTrain() = default;
  SpikeTrain(std::shared_ptr<const void> owner, std::span<const double> times)
      : owner_(std::move(owner)), times_(times) {}

  std::span<const double> times() const { return times_; }
  operator std::span<const double>() const {
    return times_;
  }  // NOLINT(google-explicit-constructor)
  std::size_t size() const { return times_.size(); }
  bool empty() const { return times_.empty(); }
  auto begin() const { return times_.begin(); }
  auto end() const { return times_.end(); }
  double operator[](std::size_t i) const { return times_[i]; }
  double front() const { return times_.front(); }
  double back() const { return times_.back(); }
  SpikeTrain slice(std::size_t offset, std::size_t count) const {
    return {owner_, times_.subspan(offset, count)};
  }

 private:
  std::shared_ptr<const void> owner_;
  std::span<const double> times_;
};

// Where lazily read spike times come from: the flat spike-time array of a
// file (e.g. NWB units/spike_times), read by element range. Implementations
// must be safe to call from several threads and throw FileError on failure.
class SpikeTimesSource {
 public:
  virtual ~SpikeTimesSource() = default;
  virtual std::uint64_t size() const = 0;
  virtual std::vector<double> read(std::uint64_t begin, std::uint64_t end) const = 0;
  // Elements [begin, end) into `out` (end - begin doubles, uninitialised is
  // fine). The default copies from read(); file sources read straight into it.
  virtual void readInto(std::uint64_t begin, std::uint64_t end, double* out) const;
  // The elements at `positions` (any order), out[i] = element positions[i].
  // Sources that can read a few bytes without pulling whole chunks override it.
  virtual void readElements(std::span<const std::uint64_t> positions, double* out) const;
  // True when the file's format promises ascending times per unit and the
  // caller asked to trust it (no per-unit check).
  virtual bool trustedSorted() const { return false; }
  // Bytes this source has read from its file so far (0 when it does not count).
  virtual std::uint64_t bytesRead() const { return 0; }
  // How the times are stored and read ("contiguous, direct", …), for info and benchmarks.
  virtual std::string storage() const { return {}; }
  // False when a read of a few elements costs a whole chunk (compressed
  // storage): windows then read whole units, which the cache keeps.
  virtual bool smallReadsAreCheap() const { return true; }
};

// The mean waveform of one unit: samples × channels, sample-major as NWB
// stores units/waveform_mean ([unit][sample][electrode]).
struct WaveformMean {
  std::size_t samples = 0;
  std::size_t channels = 0;
  std::vector<float> values;  // values[sample * channels + channel], in `unit`
  double samplingRateHz = 0;  // 0 when the file does not say
  std::string unit;           // as the file says ("volts"); empty when unknown
  double toMicrovolts = 1.0;  // multiply values by this for µV (1 when unknown)
  float at(std::size_t sample, std::size_t channel) const {
    return values[sample * channels + channel];
  }
};

// Per-unit data stored beside the spike times, read lazily per unit: mean
// waveforms (units/waveform_mean) and one amplitude per spike
// (units/spike_amplitudes, ragged through spike_amplitudes_index, aligned
// with spike_times). Implementations are thread-safe and throw FileError
// (naming the file) when the data is unreadable.
class UnitFeatureSource {
 public:
  virtual ~UnitFeatureSource() = default;
  virtual bool hasWaveforms() const = 0;
  virtual std::size_t waveformSamples() const = 0;
  virtual std::size_t waveformChannels() const = 0;
  virtual WaveformMean waveformMean(std::size_t unit) const = 0;
  virtual bool hasAmplitudes() const = 0;
  // Amplitudes of the spikes of `unit`, in file order, as stored.
  virtual std::vector<float> amplitudesOfUnit(std::size_t unit) const = 0;
  virtual std::string amplitudeUnit() const = 0;     // "volts", "µV", or "" when unknown
  virtual double amplitudeToMicrovolts() const = 0;  // 1 when unknown
};

struct SpikeCacheStats {
  std::size_t cachedUnits = 0;
  std::size_t cachedBytes = 0;
  std::size_t limitBytes = 0;
  std::size_t hits = 0;
  std::size_t misses = 0;       // whole-unit reads from the source
  std::size_t rangeReads = 0;   // every read from the source (units, windows, probes)
  std::uint64_t bytesRead = 0;  // bytes the source read from its file
};

// Sorted spike times (seconds) of each unit, its unit table and, optionally,
// the electrodes table the units refer to. Spike times live either in memory
// or in a SpikeTimesSource; then units are read on first use and kept in a
// least-recently-used cache bounded in bytes
// (io::resourceLimits().spikeTrainCacheBytes when the recording is made).
class SpikeRecording final : public Dataset {
 public:
  // unitOffsets has unitCount + 1 entries: unit i owns
  // spikeTimes[unitOffsets[i], unitOffsets[i + 1]). Each unit's times are
  // sorted here if they are not already.
  SpikeRecording(std::string name, std::shared_ptr<const TableDataset> units,
                 std::vector<double> spikeTimes, std::vector<std::uint64_t> unitOffsets,
                 std::shared_ptr<const TableDataset> electrodes, Provenance provenance = {},
                 Attributes attributes = {});
  // Lazy: nothing is read until a unit is asked for. (The source comes first
  // so that `{}` spike times in the constructor above stay unambiguous.)
  SpikeRecording(std::shared_ptr<const SpikeTimesSource> source, std::string name,
                 std::shared_ptr<const TableDataset> units, std::vector<std::uint64_t> unitOffsets,
                 std::shared_ptr<const TableDataset> electrodes, Provenance provenance = {},
                 Attributes attributes = {});
  ~SpikeRecording() override;

  std::vector<std::size_t> shape() const override { return {unitCount(), spikeCount()}; }
  nlohmann::json summary() const override;
  std::size_t unitCount() const { return unitOffsets_.size() - 1; }
  std::size_t spikeCount() const { return static_cast<std::size_t>(unitOffsets_.back()); }
  std::size_t spikeCountOfUnit(std::size_t unit) const;
  bool isLazy() const { return source_ != nullptr; }
  // Throws std::out_of_range for a bad unit, FileError when the source fails.
  SpikeTrain spikesOfUnit(std::size_t unit) const;
  // Spikes of `unit` in [t0, t1). For a lazy recording and a unit not in the
  // cache, only the window is read (binary search in the file, which NWB
  // requires to hold each unit's times in ascending order).
  SpikeTrain spikesInWindow(std::size_t unit, double t0, double t1) const;
  // The window of several units (result[i] for units[i]), read in file order.
  std::vector<SpikeTrain> spikesInWindow(std::span<const std::size_t> units, double t0,
                                         double t1) const;
  // Every unit's train from one read of the whole spike-time array into one
  // buffer the trains share (each compressed chunk inflated once). The
  // caller holds that memory; the cache is not filled.
  std::vector<SpikeTrain> allTrains() const;
  // Every spike time, unit after unit (reads the whole source when lazy).
  std::vector<double> allSpikeTimes() const;
  const std::vector<std::uint64_t>& unitOffsets() const { return unitOffsets_; }
  const std::shared_ptr<const TableDataset>& units() const { return units_; }
  const std::shared_ptr<const TableDataset>& electrodes() const { return electrodes_; }
  // First and last spike over all units. Lazy recordings read the first and
  // last element of each unit once (a few bytes each, never whole chunks) and
  // remember them; firstAndLastSpike(unit) is NaN, NaN for an empty unit.
  std::pair<double, double> timeRange() const;
  std::pair<double, double> firstAndLastSpike(std::size_t unit) const;

  // Mean waveforms and per-spike amplitudes, when the file has them (Allen
  // NWB: units/waveform_mean, units/spike_amplitudes). Read per unit on
  // first use and kept in the same byte-bounded cache as the spike times.
  bool hasWaveforms() const;
  WaveformMean waveformMean(std::size_t unit) const;  // throws std::logic_error without
  bool hasAmplitudes() const;
  // One amplitude per spike of spikesOfUnit(unit), in the same order (as
  // stored; amplitudeUnit() says in what, amplitudeToMicrovolts() converts).
  std::vector<float> amplitudesOfUnit(std::size_t unit) const;
  std::string amplitudeUnit() const;
  double amplitudeToMicrovolts() const;
  // Set by readers before the recording is shared.
  void setUnitFeatures(std::shared_ptr<const UnitFeatureSource> features);
  const std::shared_ptr<const UnitFeatureSource>& unitFeatures() const { return features_; }

  void setCacheLimitBytes(std::size_t bytes) const;
  SpikeCacheStats cacheStats() const;

 private:
  struct Cache;
  void validate() const;
  void ensureBounds() const;

  std::shared_ptr<const TableDataset> units_;
  std::shared_ptr<const std::vector<double>> inMemory_;
  std::shared_ptr<const SpikeTimesSource> source_;
  std::shared_ptr<const UnitFeatureSource> features_;
  std::vector<std::uint64_t> unitOffsets_;
  std::shared_ptr<const TableDataset> electrodes_;
  std::unique_ptr<Cache> cache_;
};

class SurfaceMeshDataset final : public Dataset {
 public:
  // vertices: 3 per vertex (x, y, z in mm); triangles: 3 vertex indices each.
  // Throws std::invalid_argument on an index out of range.
  SurfaceMeshDataset(std::string name, std::vector<float> vertices,
                     std::vector<std::int32_t> triangles, Provenance provenance = {},
                     Attributes attributes = {});

  std::vector<std::size_t> shape() const override {
    return {vertices_.size() / 3, triangles_.size() / 3};
  }
  nlohmann::json summary() const override;
  std::size_t vertexCount() const { return vertices_.size() / 3; }
  std::size_t triangleCount() const { return triangles_.size() / 3; }
  const std::vector<float>& vertices() const { return vertices_; }
  const std::vector<std::int32_t>& triangles() const { return triangles_; }

 private:
  std::vector<float> vertices_;
  std::vector<std::int32_t> triangles_;
};

}  // namespace nl::io
