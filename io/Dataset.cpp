#include "io/Dataset.h"

#include "io/Error.h"
#include "io/ResourceLimits.h"
#include "io/UntrustedInput.h"

#include <algorithm>
#include <array>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>

namespace nl::io {

namespace {
constexpr std::array kKindNames = {
    std::pair{DatasetKind::Array, "Array"},
    std::pair{DatasetKind::Scalars, "Scalars"},
    std::pair{DatasetKind::FeatureMatrix, "FeatureMatrix"},
    std::pair{DatasetKind::ResponseMatrix, "ResponseMatrix"},
    std::pair{DatasetKind::VoxelSeries, "VoxelSeries"},
    std::pair{DatasetKind::Volume, "Volume"},
    std::pair{DatasetKind::LabelVolume, "LabelVolume"},
    std::pair{DatasetKind::SurfaceOverlay, "SurfaceOverlay"},
    std::pair{DatasetKind::Table, "Table"},
    std::pair{DatasetKind::Electrodes, "Electrodes"},
    std::pair{DatasetKind::SpikeRecording, "SpikeRecording"},
    std::pair{DatasetKind::SurfaceMesh, "SurfaceMesh"},
};

std::size_t product(const std::vector<std::size_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
}
}  // namespace

std::string_view kindName(DatasetKind kind) {
  for (const auto& [k, name] : kKindNames)
    if (k == kind) return name;
  return "Unknown";
}

std::optional<DatasetKind> kindFromName(std::string_view name) {
  for (const auto& [k, kname] : kKindNames)
    if (name == kname) return k;
  return std::nullopt;
}

std::vector<DatasetKind> allKinds() {
  std::vector<DatasetKind> kinds;
  for (const auto& entry : kKindNames) kinds.push_back(entry.first);
  return kinds;
}

bool isArrayKind(DatasetKind kind) {
  switch (kind) {
    case DatasetKind::Array:
    case DatasetKind::Scalars:
    case DatasetKind::FeatureMatrix:
    case DatasetKind::ResponseMatrix:
    case DatasetKind::VoxelSeries:
    case DatasetKind::Volume:
    case DatasetKind::LabelVolume:
    case DatasetKind::SurfaceOverlay:
      return true;
    default:
      return false;
  }
}

bool isTableKind(DatasetKind kind) {
  return kind == DatasetKind::Table || kind == DatasetKind::Electrodes;
}

Dataset::Dataset(DatasetKind kind, std::string name, Provenance provenance, Attributes attributes)
    : kind_(kind),
      name_(std::move(name)),
      provenance_(std::move(provenance)),
      attributes_(std::move(attributes)) {}

nlohmann::json Dataset::summary() const {
  nlohmann::json json{{"name", name_},
                      {"kind", std::string(kindName(kind_))},
                      {"shape", shape()},
                      {"provenance", toJson(provenance_)}};
  if (!attributes_.empty()) json["attributes"] = attributes_;
  return json;
}

std::string Dataset::datasetId() const {
  const Provenance& p = provenance_;
  if (p.isDerived()) {
    const std::string run =
        p.runId.empty() ? legacyRunId(p.pluginId, p.createdUtc, p.parametersJson) : p.runId;
    return runDatasetId(run, p.outputName.empty() ? name_ : p.outputName);
  }
  if (p.isFromFile()) return fileDatasetId(p.sourcePath, p.internalPath);
  std::call_once(memoryIdOnce_, [this] { memoryId_ = "memory:" + newUuid(); });
  return memoryId_;
}

void stampOutputName(const Dataset& dataset, const std::string& outputName) {
  // The dataset was made non-const by the plugin (make_shared<…>) and is not
  // yet shared with any reader: writing its provenance here is well defined.
  const_cast<Provenance&>(dataset.provenance_).outputName = outputName;
}

// ---------------------------------------------------------------- ArrayDataset

ArrayDataset::ArrayDataset(DatasetKind kind, std::string name, std::vector<std::size_t> shape,
                           std::vector<double> values, Provenance provenance, Attributes attributes,
                           std::string sourceType)
    : Dataset(kind, std::move(name), std::move(provenance), std::move(attributes)),
      shape_(std::move(shape)),
      sourceType_(std::move(sourceType)),
      values_(std::move(values)),
      loaded_(true) {
  if (!isArrayKind(kind)) throw std::invalid_argument("ArrayDataset: not an array kind");
  if (values_.size() != product(shape_))
    throw std::invalid_argument("ArrayDataset '" + this->name() +
                                "': " + std::to_string(values_.size()) + " values for shape of " +
                                std::to_string(product(shape_)));
  std::call_once(loadOnce_, [] {});
}

ArrayDataset::ArrayDataset(DatasetKind kind, std::string name, std::vector<std::size_t> shape,
                           Loader loader, Provenance provenance, Attributes attributes,
                           std::string sourceType)
    : Dataset(kind, std::move(name), std::move(provenance), std::move(attributes)),
      shape_(std::move(shape)),
      sourceType_(std::move(sourceType)),
      loader_(std::move(loader)) {
  if (!isArrayKind(kind)) throw std::invalid_argument("ArrayDataset: not an array kind");
}

ArrayDataset::ArrayDataset(DatasetKind kind, std::string name, std::vector<std::size_t> shape,
                           TypedLoader loader, Provenance provenance, Attributes attributes,
                           std::string sourceType)
    : Dataset(kind, std::move(name), std::move(provenance), std::move(attributes)),
      shape_(std::move(shape)),
      sourceType_(std::move(sourceType)),
      typedLoader_(std::move(loader)) {
  if (!isArrayKind(kind)) throw std::invalid_argument("ArrayDataset: not an array kind");
  if (!typedLoader_) throw std::invalid_argument("ArrayDataset '" + this->name() + "': no loader");
}

namespace {

// A reader's shape and its loader disagree: the file said one thing in its
// header and another in its data. Named by file when there is one.
[[noreturn]] void throwWrongValueCount(const Dataset& dataset, std::size_t got,
                                       std::size_t expected) {
  const std::string what = "dataset '" + dataset.name() + "': loader returned " +
                           std::to_string(got) + " values, expected " + std::to_string(expected);
  if (!dataset.provenance().sourcePath.empty())
    throw FileError(dataset.provenance().sourcePath, what);
  throw std::runtime_error(what);
}

}  // namespace

const TypedArray& ArrayDataset::typed() const {
  if (!typedLoader_) {
    // Doubles: a view of values(), which live as long as this dataset.
    const auto& doubles = values();
    std::call_once(typedOnce_, [this, &doubles] { typed_ = TypedArray::viewOf(doubles, nullptr); });
    return typed_;
  }
  std::call_once(typedOnce_, [this] {
    TypedArray loaded = typedLoader_();
    if (loaded.size() != product(shape_))
      throwWrongValueCount(*this, loaded.size(), product(shape_));
    typed_ = std::move(loaded);
  });
  return typed_;
}

std::size_t ArrayDataset::elementCount() const {
  return product(shape_);
}

std::size_t ArrayDataset::columnsPerRow() const {
  // The product of the trailing dimensions, not product / rows: a (0, 5)
  // array has 5 columns and no rows (dividing by rows was a division by zero).
  return std::accumulate(shape_.begin() + (shape_.empty() ? 0 : 1), shape_.end(), std::size_t{1},
                         std::multiplies<>());
}

bool ArrayDataset::isLoaded() const {
  // loaded_ is set inside call_once after values_ is filled; it is atomic so
  // that asking from another thread while a load runs is not a data race.
  return loaded_.load();
}

const std::vector<double>& ArrayDataset::values() const {
  std::call_once(loadOnce_, [this] {
    // A file larger than memory stays lazy; reading it whole as doubles is
    // refused before anything is allocated, naming the size.
    std::size_t bytes = 0;
    const std::size_t cap = maxArrayBytes();
    const bool overflow = __builtin_mul_overflow(product(shape_), sizeof(double), &bytes);
    if (overflow || bytes > cap) {
      const std::string what =
          "dataset '" + name() + "' would take " +
          (overflow ? std::string("more than 16 EiB") : byteSizeText(bytes)) +
          " in memory as doubles, more than the " + byteSizeText(cap) +
          " allowed for one array (setting memory/maxArrayMB, NEUROLOUPE_MAX_ARRAY_MB); it can "
          "only be read in parts";
      if (!provenance().sourcePath.empty()) throw FileError(provenance().sourcePath, what);
      throw std::runtime_error(what);
    }
    std::vector<double> loadedValues = typedLoader_ ? typed().toDoubles() : loader_();
    if (loadedValues.size() != product(shape_))
      throwWrongValueCount(*this, loadedValues.size(), product(shape_));
    values_ = std::move(loadedValues);
    loader_ = nullptr;  // release whatever the loader captured (file handles, paths)
    loaded_ = true;
  });
  return values_;
}

nlohmann::json ArrayDataset::summary() const {
  auto json = Dataset::summary();
  json["dtype"] = sourceType_;
  json["elements"] = elementCount();
  return json;
}

// ---------------------------------------------------------------- tables

std::size_t Column::size() const {
  return std::visit([](const auto& v) { return v.size(); }, values);
}

std::string Column::cellText(std::size_t row) const {
  if (isNumeric()) {
    std::ostringstream out;
    out.precision(std::numeric_limits<double>::max_digits10 - 2);
    out << numbers().at(row);
    return out.str();
  }
  return strings().at(row);
}

TableDataset::TableDataset(DatasetKind kind, std::string name, std::vector<Column> columns,
                           Provenance provenance, Attributes attributes)
    : Dataset(kind, std::move(name), std::move(provenance), std::move(attributes)),
      columns_(std::move(columns)) {
  if (!isTableKind(kind)) throw std::invalid_argument("TableDataset: not a table kind");
  std::set<std::string> names;
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (!names.insert(columns_[i].name).second)
      throw std::invalid_argument("table '" + this->name() + "': column '" + columns_[i].name +
                                  "' appears twice");
    if (i == 0) rowCount_ = columns_[i].size();
    if (columns_[i].size() != rowCount_)
      throw std::invalid_argument("table '" + this->name() + "': column '" + columns_[i].name +
                                  "' has " + std::to_string(columns_[i].size()) +
                                  " rows, expected " + std::to_string(rowCount_));
  }
  if (kind == DatasetKind::Electrodes)
    for (const char* axis : {"x", "y", "z"})
      if (numericColumn(axis) == nullptr)
        throw std::invalid_argument("electrodes table '" + this->name() +
                                    "' lacks a numeric column '" + axis + "'");
}

const Column* TableDataset::column(std::string_view name) const {
  for (const auto& c : columns_)
    if (c.name == name) return &c;
  return nullptr;
}

const std::vector<double>* TableDataset::numericColumn(std::string_view name) const {
  const Column* c = column(name);
  return c != nullptr && c->isNumeric() ? &c->numbers() : nullptr;
}

nlohmann::json TableDataset::summary() const {
  auto json = Dataset::summary();
  json["rows"] = rowCount_;
  auto& cols = json["columns"] = nlohmann::json::array();
  for (const auto& c : columns_)
    cols.push_back({{"name", c.name}, {"type", c.isNumeric() ? "number" : "string"}});
  return json;
}

// ---------------------------------------------------------------- meshes

SurfaceMeshDataset::SurfaceMeshDataset(std::string name, std::vector<float> vertices,
                                       std::vector<std::int32_t> triangles, Provenance provenance,
                                       Attributes attributes)
    : Dataset(DatasetKind::SurfaceMesh, std::move(name), std::move(provenance),
              std::move(attributes)),
      vertices_(std::move(vertices)),
      triangles_(std::move(triangles)) {
  if (vertices_.size() % 3 != 0 || triangles_.size() % 3 != 0)
    throw std::invalid_argument("surface mesh '" + this->name() + "': ragged coordinates");
  const auto n = static_cast<std::int64_t>(vertexCount());
  for (auto index : triangles_)
    if (index < 0 || index >= n)
      throw std::invalid_argument("surface mesh '" + this->name() + "': vertex index " +
                                  std::to_string(index) + " out of range");
}

nlohmann::json SurfaceMeshDataset::summary() const {
  auto json = Dataset::summary();
  json["vertices"] = vertexCount();
  json["triangles"] = triangleCount();
  return json;
}

}  // namespace nl::io
