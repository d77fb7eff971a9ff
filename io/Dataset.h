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

 protected:
  Dataset(DatasetKind kind, std::string name, Provenance provenance, Attributes attributes);

 private:
  DatasetKind kind_;
  std::string name_;
  Provenance provenance_;
  Attributes attributes_;
};

using DatasetPtr = std::shared_ptr<const Dataset>;

// A dense numeric array, row-major (C order), values widened to double.
class ArrayDataset final : public Dataset {
 public:
  using Loader = std::function<std::vector<double>()>;

  ArrayDataset(DatasetKind kind, std::string name, std::vector<std::size_t> shape,
               std::vector<double> values, Provenance provenance = {}, Attributes attributes = {},
               std::string sourceType = "float64");
  // Lazy: `loader` runs once, on first access to values(), and must return
  // exactly product(shape) values. A loader that throws leaves the array
  // unloaded so a later call may try again.
  ArrayDataset(DatasetKind kind, std::string name, std::vector<std::size_t> shape, Loader loader,
               Provenance provenance = {}, Attributes attributes = {},
               std::string sourceType = "float64");

  std::vector<std::size_t> shape() const override { return shape_; }
  nlohmann::json summary() const override;
  std::size_t elementCount() const;
  std::size_t rows() const { return shape_.empty() ? 1 : shape_.front(); }
  std::size_t columnsPerRow() const;  // product of all but the first dimension
  const std::string& sourceType() const { return sourceType_; }
  bool isLoaded() const;
  const std::vector<double>& values() const;

 private:
  std::vector<std::size_t> shape_;
  std::string sourceType_;
  mutable Loader loader_;
  mutable std::once_flag loadOnce_;
  mutable std::vector<double> values_;
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

// Sorted spike times (seconds) of each unit, its unit table and, optionally,
// the electrodes table the units refer to.
class SpikeRecording final : public Dataset {
 public:
  // unitOffsets has unitCount + 1 entries: unit i owns
  // spikeTimes[unitOffsets[i], unitOffsets[i + 1]).
  SpikeRecording(std::string name, std::shared_ptr<const TableDataset> units,
                 std::vector<double> spikeTimes, std::vector<std::uint64_t> unitOffsets,
                 std::shared_ptr<const TableDataset> electrodes, Provenance provenance = {},
                 Attributes attributes = {});

  std::vector<std::size_t> shape() const override { return {unitCount(), spikeTimes_.size()}; }
  nlohmann::json summary() const override;
  std::size_t unitCount() const { return unitOffsets_.size() - 1; }
  std::size_t spikeCount() const { return spikeTimes_.size(); }
  std::span<const double> spikesOfUnit(std::size_t unit) const;
  const std::vector<double>& allSpikeTimes() const { return spikeTimes_; }
  const std::vector<std::uint64_t>& unitOffsets() const { return unitOffsets_; }
  const std::shared_ptr<const TableDataset>& units() const { return units_; }
  const std::shared_ptr<const TableDataset>& electrodes() const { return electrodes_; }
  std::pair<double, double> timeRange() const;

 private:
  std::shared_ptr<const TableDataset> units_;
  std::vector<double> spikeTimes_;
  std::vector<std::uint64_t> unitOffsets_;
  std::shared_ptr<const TableDataset> electrodes_;
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
