#include "io/readers/NwbReader.h"

#include <fcntl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>
#include <unordered_map>

#include "io/hdf5/H5.h"
#include "io/hdf5/RowReader.h"
#include "io/readers/Hdf5Reader.h"

namespace nl::io::readers {

namespace {

std::string baseName(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The nwb_version root attribute; NWB 1.x kept it as a dataset.
std::optional<std::string> nwbVersion(const h5::Group& root) {
  if (auto version = root.stringAttribute("nwb_version")) return version;
  if (root.isDataset("nwb_version")) {
    const auto values = root.readStrings("nwb_version");
    if (!values.empty()) return values.front();
  }
  return std::nullopt;
}

std::vector<std::uint64_t> readIndex(const h5::Group& table, const std::string& name,
                                     std::uint64_t dataLength) {
  const auto index = table.readUInt64(name);
  std::uint64_t previous = 0;
  for (std::size_t i = 0; i < index.size(); ++i) {
    if (index[i] < previous)
      table.fail("'" + name + "' decreases at row " + std::to_string(i) + " (" +
                 std::to_string(previous) + " → " + std::to_string(index[i]) + ")");
    if (index[i] > dataLength)
      table.fail("'" + name + "' points past the end of its data at row " + std::to_string(i) +
                 " (" + std::to_string(index[i]) + " > " + std::to_string(dataLength) + ")");
    previous = index[i];
  }
  return index;
}

// Columns of an hdmf DynamicTable, in colnames order. Ragged text columns
// (tags) are joined with "; "; object references become the referenced
// object's name; columns that do not fit a table (multi-dimensional, ragged
// numbers such as spike times) are listed in `skipped`.
std::vector<Column> readDynamicTable(const h5::Group& table, std::vector<std::string>& skipped,
                                     const std::vector<std::string>& exclude = {}) {
  std::vector<Column> columns;
  std::size_t rows = 0;
  if (table.isDataset("id")) {
    const auto ids = table.readDoubles("id");
    rows = ids.size();
    columns.push_back({"id", ids});
  }
  auto names = table.stringArrayAttribute("colnames");
  if (names.empty())
    for (const auto& child : table.children())
      if (table.isDataset(child) && child != "id" && !child.ends_with("_index"))
        names.push_back(child);
  for (const auto& name : names) {
    if (name == "id" || std::find(exclude.begin(), exclude.end(), name) != exclude.end()) continue;
    if (!table.isDataset(name)) continue;
    const std::string type = table.datasetTypeName(name);
    const auto shape = table.datasetShape(name);
    const bool ragged = table.isDataset(name + "_index");
    if (ragged) {
      if (type != "string") {
        skipped.push_back(name + " (ragged numbers)");
        continue;
      }
      const auto values = table.readStrings(name);
      const auto index = readIndex(table, name + "_index", values.size());
      std::vector<std::string> joined;
      std::uint64_t start = 0;
      for (auto end : index) {
        std::string text;
        for (auto i = start; i < end; ++i)
          text += (i > start ? "; " : "") + values[static_cast<std::size_t>(i)];
        joined.push_back(std::move(text));
        start = end;
      }
      columns.push_back({name, std::move(joined)});
      continue;
    }
    if (shape.size() != 1) {
      skipped.push_back(name + " (" + std::to_string(shape.size()) + "-D)");
      continue;
    }
    if (rows == 0 && columns.empty()) rows = shape[0];
    if (shape[0] != rows) {
      skipped.push_back(name + " (length " + std::to_string(shape[0]) + " ≠ " +
                        std::to_string(rows) + " rows)");
      continue;
    }
    if (type == "string") {
      columns.push_back({name, table.readStrings(name)});
    } else if (type == "reference") {
      auto paths = table.readObjectReferencePaths(name);
      for (auto& p : paths) p = baseName(p);
      columns.push_back({name, std::move(paths)});
    } else if (table.datasetIsNumeric(name)) {
      columns.push_back({name, table.readDoubles(name)});
    } else {
      skipped.push_back(name + " (" + type + ")");
    }
  }
  return columns;
}

// units/spike_times, kept open for per-unit and per-window reads straight
// from the file (io/hdf5/RowReader.h).
class NwbSpikeTimes final : public SpikeTimesSource, public MappedSpikeTimes {
 public:
  explicit NwbSpikeTimes(const h5::Group& units) : reader_(units, "spike_times") {
    if (reader_.shape().size() != 1) units.fail("spike_times is not one-dimensional");
  }
  std::uint64_t size() const override { return reader_.rows(); }
  std::vector<double> read(std::uint64_t begin, std::uint64_t end) const override {
    if (begin > end) begin = end;
    std::vector<double> values(static_cast<std::size_t>(end - begin));
    reader_.read(begin, end, values.data());
    return values;
  }
  void readInto(std::uint64_t begin, std::uint64_t end, double* out) const override {
    reader_.read(begin, end, out);
  }
  void readElements(std::span<const std::uint64_t> positions, double* out) const override {
    reader_.readElements(positions, out);
  }
  std::optional<MappedDoubles> mapAll() const override { return reader_.mapDoubles(); }
  std::uint64_t bytesRead() const override { return reader_.stats().bytesRead; }
  std::string storage() const override { return reader_.pathName(); }
  bool smallReadsAreCheap() const override {
    return reader_.path() == h5::RowReader::Path::Contiguous ||
           reader_.path() == h5::RowReader::Path::Chunked;
  }

 private:
  h5::RowReader reader_;
};

// "volts" and its spellings → factor to µV; 1 (and unknown) otherwise.
double microvoltsPer(const std::string& unit) {
  std::string u;
  for (char c : unit) u += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (u == "volts" || u == "volt" || u == "v") return 1e6;
  if (u == "millivolts" || u == "mv") return 1e3;
  return 1.0;  // microvolts (uV, µV, μV) or unknown
}

// units/waveform_mean ([unit][sample][electrode] float) and
// units/spike_amplitudes (ragged like spike_times through
// spike_amplitudes_index), both read per unit on demand.
class NwbUnitFeatures final : public UnitFeatureSource {
 public:
  NwbUnitFeatures(const h5::Group& units, std::size_t unitCount,
                  const std::vector<std::uint64_t>& spikeIndex) {
    if (units.isDataset("waveform_mean")) {
      waveforms_ = std::make_unique<h5::RowReader>(units, "waveform_mean");
      const auto& shape = waveforms_->shape();
      if (shape.size() != 2 && shape.size() != 3)
        units.fail("waveform_mean has " + std::to_string(shape.size()) +
                   " dimensions; NWB stores [unit][sample] or [unit][sample][electrode]");
      if (units.isDataset("waveform_mean_index"))
        units.fail(
            "waveform_mean is ragged (waveform_mean_index); only one mean waveform per "
            "unit is read");
      if (shape[0] != unitCount)
        units.fail("waveform_mean has " + std::to_string(shape[0]) + " rows for " +
                   std::to_string(unitCount) + " units");
      samples_ = shape[1];
      channels_ = shape.size() == 3 ? shape[2] : 1;
      samplingRate_ = waveforms_->numberAttribute("sampling_rate").value_or(0.0);
      waveformUnit_ = waveforms_->stringAttribute("unit").value_or("");
    }
    if (units.isDataset("spike_amplitudes")) {
      amplitudes_ = std::make_unique<h5::RowReader>(units, "spike_amplitudes");
      if (amplitudes_->shape().size() != 1) units.fail("spike_amplitudes is not one-dimensional");
      if (!units.isDataset("spike_amplitudes_index"))
        units.fail("has spike_amplitudes but no spike_amplitudes_index to split them into units");
      const auto index = units.readUInt64("spike_amplitudes_index");
      if (index.size() != spikeIndex.size())
        units.fail("spike_amplitudes_index has " + std::to_string(index.size()) +
                   " rows, spike_times_index " + std::to_string(spikeIndex.size()));
      for (std::size_t i = 0; i < index.size(); ++i)
        if (index[i] != spikeIndex[i])
          units.fail("spike_amplitudes_index differs from spike_times_index at row " +
                     std::to_string(i) + " (" + std::to_string(index[i]) + " ≠ " +
                     std::to_string(spikeIndex[i]) + "): amplitudes do not match spikes");
      if (!index.empty() && index.back() > amplitudes_->rows())
        units.fail("spike_amplitudes_index points past the end of spike_amplitudes (" +
                   std::to_string(index.back()) + " > " + std::to_string(amplitudes_->rows()) +
                   ")");
      offsets_.assign(1, 0);
      offsets_.insert(offsets_.end(), index.begin(), index.end());
      // Allen's files give spike_amplitudes no unit; the AllenSDK documents
      // them in volts (as waveform_mean's default unit is).
      amplitudeUnit_ = amplitudes_->stringAttribute("unit").value_or("volts");
    }
  }
  bool hasWaveforms() const override { return waveforms_ != nullptr; }
  std::size_t waveformSamples() const override { return samples_; }
  std::size_t waveformChannels() const override { return channels_; }
  WaveformMean waveformMean(std::size_t unit) const override {
    WaveformMean w;
    w.samples = samples_;
    w.channels = channels_;
    w.values.resize(samples_ * channels_);
    waveforms_->read(unit, unit + 1, w.values.data());
    w.samplingRateHz = samplingRate_;
    w.unit = waveformUnit_;
    w.toMicrovolts = microvoltsPer(waveformUnit_);
    return w;
  }
  bool hasAmplitudes() const override { return amplitudes_ != nullptr; }
  std::vector<float> amplitudesOfUnit(std::size_t unit) const override {
    std::vector<float> values(static_cast<std::size_t>(offsets_[unit + 1] - offsets_[unit]));
    amplitudes_->read(offsets_[unit], offsets_[unit + 1], values.data());
    return values;
  }
  std::string amplitudeUnit() const override { return amplitudeUnit_; }
  double amplitudeToMicrovolts() const override { return microvoltsPer(amplitudeUnit_); }

 private:
  std::unique_ptr<h5::RowReader> waveforms_, amplitudes_;
  std::size_t samples_ = 0, channels_ = 0;
  double samplingRate_ = 0;
  std::string waveformUnit_, amplitudeUnit_;
  std::vector<std::uint64_t> offsets_;
};

// Every attribute of a location as text.
nlohmann::json attributesOf(const h5::Location& location) {
  nlohmann::json attributes = nlohmann::json::object();
  for (const auto& name : location.attributeNames())
    attributes[name] = location.attributeText(name);
  return attributes;
}

// One row per object of `group` (devices, electrode groups): its name, then
// every attribute and scalar text dataset as a column.
std::vector<Column> objectsTable(const h5::Group& group, const std::set<std::string>& skip) {
  std::vector<std::string> names;
  std::vector<std::map<std::string, std::string>> rows;
  std::vector<std::string> keys;
  for (const auto& child : group.children()) {
    if (!group.isGroup(child) || skip.contains(child)) continue;
    const auto object = group.openGroup(child);
    std::map<std::string, std::string> row;
    const auto attributes = attributesOf(object);
    for (const auto& [key, value] : attributes.items())
      if (key != "namespace" && key != "object_id") row[key] = value.get<std::string>();
    for (const auto& inner : object.children()) {
      if (auto target = object.softLinkTarget(inner)) {
        row[inner] = baseName(*target);  // e.g. an electrode group's device
        continue;
      }
      if (!object.isDataset(inner)) continue;
      const auto shape = object.datasetShape(inner);
      if (!(shape.empty() || shape == std::vector<std::size_t>{1})) continue;
      if (object.datasetTypeName(inner) == "string")
        row[inner] = object.readStrings(inner).front();
      else if (object.datasetIsNumeric(inner))
        row[inner] = std::to_string(object.readDoubles(inner).front());
    }
    for (const auto& [key, value] : row)
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    names.push_back(child);
    rows.push_back(std::move(row));
  }
  std::vector<Column> columns{{"name", names}};
  for (const auto& key : keys) {
    std::vector<std::string> values;
    for (auto& row : rows) values.push_back(row.contains(key) ? row[key] : "");
    columns.push_back({key, std::move(values)});
  }
  return columns;
}

// Objects with a neurodata_type that no dataset above stands for, so nothing
// in the file is silently dropped: their path, type and attributes, and the
// datasets they hold (name, shape, type).
void collectOtherObjects(const h5::Group& group, const std::string& path,
                         const std::set<std::string>& consumed, std::set<haddr_t>& visited,
                         int depth, nlohmann::json& out) {
  if (depth > 24) return;
  for (const auto& child : group.children()) {
    const std::string childPath = (path == "/" ? "" : path) + "/" + child;
    if (!group.isGroup(child) || consumed.contains(childPath)) continue;
    if (!visited.insert(h5::objectAddress(group, child)).second) continue;
    const auto object = group.openGroup(child);
    if (auto type = object.stringAttribute("neurodata_type")) {
      nlohmann::json node{{"path", childPath}, {"neurodata_type", *type}};
      auto attributes = attributesOf(object);
      attributes.erase("neurodata_type");
      attributes.erase("namespace");
      attributes.erase("object_id");
      node["attributes"] = std::move(attributes);
      auto& datasets = node["datasets"] = nlohmann::json::array();
      for (const auto& inner : object.children())
        if (object.isDataset(inner)) {
          nlohmann::json shape = object.datasetShape(inner);
          datasets.push_back({{"name", inner},
                              {"shape", std::move(shape)},
                              {"type", object.datasetTypeName(inner)}});
        }
      out.push_back(std::move(node));
    }
    collectOtherObjects(object, childPath, consumed, visited, depth + 1, out);
  }
}

// The reader touches small metadata blocks scattered over the file; the
// kernel's readahead would pull 128 KB around each (14 MB cold on a 1.2 GB
// Allen file). Bulk data goes through RowReader's own descriptor, which keeps
// normal readahead.
void adviseRandomAccess(const h5::Group& root) {
  const hid_t file = H5Iget_file_id(root.id());
  if (file < 0) return;
  const hid_t access = H5Fget_access_plist(file);
  if (access >= 0 && H5Pget_driver(access) == H5FD_SEC2) {
    void* handle = nullptr;
    if (H5Fget_vfd_handle(file, access, &handle) >= 0 && handle)
      posix_fadvise(*static_cast<int*>(handle), 0, 0, POSIX_FADV_RANDOM);
  }
  if (access >= 0) H5Pclose(access);
  H5Fclose(file);
}

std::string scalarText(const h5::Group& group, const std::string& name) {
  if (!group.isDataset(name)) return {};
  if (group.datasetTypeName(name) == "string") {
    const auto values = group.readStrings(name);
    return values.empty() ? std::string() : values.front();
  }
  return {};
}

// ---- Optical physiology (calcium traces) -------------------------------

// The object that attribute `attribute` of dataset `child` references
// ("/processing/ophys/ImageSegmentation/PlaneSegmentation"), e.g. a
// DynamicTableRegion's `table`.
std::optional<std::string> referencedObject(const h5::Group& group, const std::string& child,
                                            const std::string& attribute) {
  const hid_t object = H5Oopen(group.id(), child.c_str(), H5P_DEFAULT);
  if (object < 0) {
    H5Eclear2(H5E_DEFAULT);
    return std::nullopt;
  }
  std::optional<std::string> out;
  if (H5Aexists(object, attribute.c_str()) > 0) {
    const hid_t attr = H5Aopen(object, attribute.c_str(), H5P_DEFAULT);
    const hid_t type = attr >= 0 ? H5Aget_type(attr) : -1;
    hobj_ref_t reference{};
    if (type >= 0 && H5Tget_class(type) == H5T_REFERENCE &&
        H5Aread(attr, H5T_STD_REF_OBJ, &reference) >= 0) {
      const ssize_t length = H5Rget_name(object, H5R_OBJECT, &reference, nullptr, 0);
      if (length > 0) {
        std::string path(static_cast<std::size_t>(length) + 1, '\0');
        H5Rget_name(object, H5R_OBJECT, &reference, path.data(), path.size());
        path.resize(static_cast<std::size_t>(length));
        out = std::move(path);
      }
    }
    if (type >= 0) H5Tclose(type);
    if (attr >= 0) H5Aclose(attr);
  }
  H5Oclose(object);
  H5Eclear2(H5E_DEFAULT);
  return out;
}

// Reads the named double fields of a compound dataset (pixel_mask: x, y,
// weight; voxel_mask: x, y, z, weight), row after row.
std::vector<double> readCompoundFields(const h5::Group& table, const std::string& name,
                                       const std::vector<std::string>& fields) {
  const hid_t dataset = H5Dopen2(table.id(), name.c_str(), H5P_DEFAULT);
  if (dataset < 0) table.fail("cannot open '" + name + "'");
  const hid_t fileType = H5Dget_type(dataset);
  for (const auto& field : fields)
    if (H5Tget_member_index(fileType, field.c_str()) < 0) {
      H5Tclose(fileType);
      H5Dclose(dataset);
      H5Eclear2(H5E_DEFAULT);
      return {};
    }
  H5Tclose(fileType);
  const hid_t memory = H5Tcreate(H5T_COMPOUND, fields.size() * sizeof(double));
  for (std::size_t f = 0; f < fields.size(); ++f)
    H5Tinsert(memory, fields[f].c_str(), f * sizeof(double), H5T_NATIVE_DOUBLE);
  const hid_t space = H5Dget_space(dataset);
  const auto count =
      static_cast<std::size_t>(std::max<hssize_t>(0, H5Sget_simple_extent_npoints(space)));
  std::vector<double> values(count * fields.size());
  const herr_t status =
      count == 0 ? 0 : H5Dread(dataset, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  H5Sclose(space);
  H5Tclose(memory);
  H5Dclose(dataset);
  if (status < 0) table.fail("cannot read the fields of '" + name + "'");
  return values;
}

// Weighted centroid of each ROI of a PlaneSegmentation ([x, y, z]; z = 0 for
// a plane), from pixel_mask, voxel_mask or image_mask; empty when it has none.
std::vector<std::array<double, 3>> roiCentroids(const h5::Group& table, std::size_t rows) {
  std::vector<std::array<double, 3>> centroids;
  for (const bool voxels : {false, true}) {
    const std::string name = voxels ? "voxel_mask" : "pixel_mask";
    if (!table.isDataset(name) || !table.isDataset(name + "_index")) continue;
    const std::vector<std::string> fields = voxels
                                                ? std::vector<std::string>{"x", "y", "z", "weight"}
                                                : std::vector<std::string>{"x", "y", "weight"};
    const auto values = readCompoundFields(table, name, fields);
    if (values.empty()) continue;
    const std::size_t width = fields.size();
    const auto index = readIndex(table, name + "_index", values.size() / width);
    if (index.size() != rows) continue;
    std::uint64_t begin = 0;
    for (const auto end : index) {
      double sx = 0, sy = 0, sz = 0, sw = 0;
      for (auto k = begin; k < end; ++k) {
        const double* v = &values[static_cast<std::size_t>(k) * width];
        const double w = v[width - 1];
        sx += w * v[0];
        sy += w * v[1];
        if (voxels) sz += w * v[2];
        sw += w;
      }
      const double nan = std::numeric_limits<double>::quiet_NaN();
      centroids.push_back(sw != 0 ? std::array<double, 3>{sx / sw, sy / sw, sz / sw}
                                  : std::array<double, 3>{nan, nan, nan});
      begin = end;
    }
    return centroids;
  }
  if (table.isDataset("image_mask")) {
    const auto shape = table.datasetShape("image_mask");
    std::size_t total = 1;
    for (auto n : shape) total *= n;
    if ((shape.size() != 3 && shape.size() != 4) || shape[0] != rows ||
        total > (std::size_t{1} << 26))
      return {};  // larger masks are not read just for centroids
    const auto values = table.readDoubles("image_mask");
    const std::size_t depth = shape.size() == 4 ? shape[1] : 1;
    const std::size_t height = shape[shape.size() - 2], width = shape.back();
    const std::size_t per = depth * height * width;
    for (std::size_t r = 0; r < rows; ++r) {
      double sx = 0, sy = 0, sz = 0, sw = 0;
      for (std::size_t k = 0; k < per; ++k) {
        const double w = values[r * per + k];
        if (w == 0) continue;
        sx += w * static_cast<double>(k % width);
        sy += w * static_cast<double>((k / width) % height);
        sz += w * static_cast<double>(k / (width * height));
        sw += w;
      }
      const double nan = std::numeric_limits<double>::quiet_NaN();
      centroids.push_back(sw != 0 ? std::array<double, 3>{sx / sw, sy / sw, sz / sw}
                                  : std::array<double, 3>{nan, nan, nan});
    }
  }
  return centroids;
}

// Names of the ROIs of a PlaneSegmentation: a text column that names them
// (neuron_name, name, label, roi_name, cell_name, …) when it has one, else
// their ids.
std::vector<std::string> roiNames(const h5::Group& table, std::size_t rows) {
  for (const char* column : {"neuron_name", "neuron_names", "name", "label", "labels", "roi_name",
                             "roi_names", "cell_name", "cell_id", "ID"})
    if (table.isDataset(column) && !table.isDataset(std::string(column) + "_index") &&
        table.datasetTypeName(column) == "string") {
      auto names = table.readStrings(column);
      if (names.size() == rows) return names;
    }
  std::vector<std::string> names;
  if (table.isDataset("id"))
    for (const double id : table.readDoubles("id")) {
      const auto whole = static_cast<long long>(std::llround(id));
      names.push_back(static_cast<double>(whole) == id ? std::to_string(whole)
                                                       : std::to_string(id));
    }
  if (names.size() != rows) {
    names.clear();
    for (std::size_t r = 0; r < rows; ++r) names.push_back(std::to_string(r));
  }
  return names;
}

std::string jsonText(double v) {
  return std::isfinite(v) ? nlohmann::json(v).dump() : std::string("null");
}

// frame_rate and start_time of a TimeSeries: starting_time + rate, or
// timestamps (rate = (n − 1) / (last − first)).
void addTiming(const h5::Group& series, std::size_t frames, Attributes& attributes) {
  if (series.isDataset("starting_time")) {
    if (auto rate = series.childStringAttribute("starting_time", "rate")) {
      attributes["frame_rate"] = *rate;
    } else {
      const hid_t d = H5Dopen2(series.id(), "starting_time", H5P_DEFAULT);
      if (d >= 0) {
        if (H5Aexists(d, "rate") > 0) {
          double value = 0;
          const hid_t a = H5Aopen(d, "rate", H5P_DEFAULT);
          if (a >= 0 && H5Aread(a, H5T_NATIVE_DOUBLE, &value) >= 0)
            attributes["frame_rate"] = jsonText(value);
          if (a >= 0) H5Aclose(a);
        }
        H5Dclose(d);
      }
      H5Eclear2(H5E_DEFAULT);
    }
    attributes["start_time"] = jsonText(series.readDoubles("starting_time").front());
  } else if (series.isDataset("timestamps") && frames >= 2) {
    const auto first = series.readDoubleRange("timestamps", 0, 1);
    const auto last = series.readDoubleRange("timestamps", frames - 1, 1);
    if (!first.empty() && !last.empty() && last[0] > first[0]) {
      attributes["frame_rate"] = jsonText(static_cast<double>(frames - 1) / (last[0] - first[0]));
      attributes["start_time"] = jsonText(first[0]);
    }
  }
}

// A RoiResponseSeries (or any series with a `rois` region): the contract's
// calcium-trace attributes — axes, neuron_names, neuron_positions, frame_rate.
void addRoiAttributes(const h5::Group& root, const h5::Group& series,
                      const std::vector<std::size_t>& shape, Attributes& attributes) {
  const std::size_t frames = shape.empty() ? 0 : shape[0];
  const std::size_t neurons = shape.size() >= 2 ? shape[1] : 1;
  attributes["axes"] = "frame, neuron";
  addTiming(series, frames, attributes);
  std::vector<std::string> names;
  std::vector<std::array<double, 3>> positions;
  if (series.isDataset("rois")) {
    const auto rows = series.readDoubles("rois");
    const auto tablePath = referencedObject(series, "rois", "table");
    if (tablePath && rows.size() == neurons && root.isGroup(tablePath->substr(1))) {
      const auto table = root.openGroup(tablePath->substr(1));
      const std::size_t count = table.isDataset("id") ? table.datasetShape("id").front() : 0;
      const auto all = roiNames(table, count);
      std::vector<std::array<double, 3>> centroids;
      try {
        centroids = roiCentroids(table, count);
      } catch (const FileError&) {
        centroids.clear();  // positions are optional; the traces still read
      }
      for (const double row : rows) {
        const auto r = static_cast<std::size_t>(std::llround(row));
        if (row < 0 || r >= count)
          series.fail("rois refers to row " + std::to_string(r) + " of " + *tablePath +
                      ", which has " + std::to_string(count) + " rows");
        names.push_back(all[r]);
        if (!centroids.empty()) positions.push_back(centroids[r]);
      }
      attributes["roi_table"] = *tablePath;
    } else {
      for (const double row : rows) names.push_back(std::to_string(std::llround(row)));
    }
  }
  if (names.size() != neurons) {
    names.clear();
    for (std::size_t n = 0; n < neurons; ++n) names.push_back(std::to_string(n));
  }
  attributes["neuron_names"] = nlohmann::json(names).dump();
  if (!positions.empty()) {
    nlohmann::json p = nlohmann::json::array();
    for (const auto& xyz : positions)
      p.push_back({std::isfinite(xyz[0]) ? nlohmann::json(xyz[0]) : nlohmann::json(),
                   std::isfinite(xyz[1]) ? nlohmann::json(xyz[1]) : nlohmann::json(),
                   std::isfinite(xyz[2]) ? nlohmann::json(xyz[2]) : nlohmann::json()});
    attributes["neuron_positions"] = p.dump();
  }
}

// A one-dimensional TimeSeries, candidate for "one TimeSeries per neuron".
struct SingleSeries {
  std::string path, name, type, unit, timing;
  std::size_t length = 0;
};

std::string timingKey(const h5::Group& series, std::size_t length) {
  Attributes timing;
  addTiming(series, length, timing);
  return (timing.count("frame_rate") ? timing["frame_rate"] : "?") + "@" +
         (timing.count("start_time") ? timing["start_time"] : "?");
}

}  // namespace

int NwbReader::confidence(const std::filesystem::path& path,
                          std::span<const unsigned char> head) const {
  static constexpr unsigned char kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  const bool hdf5 =
      (head.size() >= 8 && std::memcmp(head.data(), kSignature, 8) == 0) || h5::isHdf5File(path);
  if (!hdf5) return 0;
  // An .nwb name on an HDF5 file is enough: open() explains when it is not NWB,
  // and not opening the file twice saves a third of the metadata time.
  if (hasExtension(path, extensions())) return 100;
  try {
    const auto root = h5::File::openReadOnly(path).root();
    if (nwbVersion(root) || root.stringAttribute("neurodata_type") == "NWBFile") return 100;
  } catch (const FileError&) {
    return hasExtension(path, extensions()) ? 60 : 0;  // let open() explain what is broken
  }
  // An .nwb name on an HDF5 file that is not NWB: claim it to say so.
  return hasExtension(path, extensions()) ? 60 : 0;
}

FileContents NwbReader::open(const std::filesystem::path& path,
                             const std::string& internalPath) const {
  auto file = h5::File::openReadOnly(path);
  const auto root = file.root();
  adviseRandomAccess(root);
  const auto version = nwbVersion(root);
  if (!version) throw FileError(path, "an HDF5 file but not NWB (no nwb_version attribute)");
  if (version->starts_with("NWB-1") || version->starts_with("1."))
    throw FileError(path,
                    "NWB " + *version +
                        " is NWB 1.x, which this reader does not read; convert it to NWB 2 first");
  if (!version->starts_with("2."))
    throw FileError(path, "unsupported NWB version '" + *version + "' (this reader reads NWB 2.x)");

  // FILE.nwb::/some/dataset: that array itself, read lazily like any HDF5 array.
  if (!internalPath.empty()) {
    const std::string relative =
        internalPath.starts_with('/') ? internalPath.substr(1) : internalPath;
    if (root.isDataset(relative)) {
      auto contents = Hdf5Reader().open(path, internalPath);
      contents.metadata["nwb_version"] = *version;
      return contents;
    }
  }

  FileContents contents;
  auto& meta = contents.metadata.json();
  meta["nwb_version"] = *version;
  for (const char* key :
       {"identifier", "session_description", "session_start_time", "timestamps_reference_time"})
    if (auto text = scalarText(root, key); !text.empty()) meta[key] = text;
  if (root.isGroup("general/subject")) {
    const auto subject = root.openGroup("general/subject");
    for (const auto& child : subject.children())
      if (auto text = scalarText(subject, child); !text.empty()) meta["subject"][child] = text;
  }
  if (root.isGroup("general/devices"))
    meta["devices"] = root.openGroup("general/devices").children();
  nlohmann::json skippedColumns = nlohmann::json::object();
  std::set<std::string> consumed;  // objects that a dataset below stands for
  const auto want = [&internalPath](const std::string& objectPath) {
    return internalPath.empty() || internalPath == objectPath ||
           internalPath == objectPath.substr(1);
  };

  // Electrodes.
  std::shared_ptr<const TableDataset> electrodes;
  const std::string electrodesPath = "/general/extracellular_ephys/electrodes";
  if (root.isGroup(electrodesPath.substr(1))) {
    std::vector<std::string> skipped;
    auto columns = readDynamicTable(root.openGroup(electrodesPath.substr(1)), skipped);
    auto isNumeric = [&columns](const char* name) {
      return std::any_of(columns.begin(), columns.end(),
                         [&](const Column& c) { return c.name == name && c.isNumeric(); });
    };
    const auto kind = isNumeric("x") && isNumeric("y") && isNumeric("z") ? DatasetKind::Electrodes
                                                                         : DatasetKind::Table;
    electrodes =
        std::make_shared<TableDataset>(kind, "electrodes", std::move(columns),
                                       Provenance::fromFile(path.string(), electrodesPath, name()));
    if (!skipped.empty()) skippedColumns[electrodesPath] = skipped;
    consumed.insert(electrodesPath);
    if (want(electrodesPath)) contents.datasets.push_back(electrodes);
  }

  // Units and their spike times.
  if (root.isGroup("units") && want("/units")) {
    const auto units = root.openGroup("units");
    std::vector<std::string> skipped;
    auto columns = readDynamicTable(
        units, skipped,
        {"spike_times", "obs_intervals", "waveform_mean", "waveform_sd", "spike_amplitudes"});
    std::shared_ptr<const SpikeTimesSource> spikeSource;
    std::shared_ptr<const UnitFeatureSource> features;
    std::vector<std::uint64_t> offsets{0};
    const std::size_t unitCount = columns.empty() ? 0 : columns.front().size();
    if (units.isDataset("spike_times")) {
      if (!units.isDataset("spike_times_index"))
        units.fail("has spike_times but no spike_times_index to split them into units");
      if (!units.datasetIsNumeric("spike_times")) units.fail("spike_times is not numeric");
      const auto length = units.datasetShape("spike_times");
      if (length.size() != 1) units.fail("spike_times is not one-dimensional");
      const auto index = readIndex(units, "spike_times_index", length[0]);
      if (unitCount != 0 && index.size() != unitCount)
        units.fail("spike_times_index has " + std::to_string(index.size()) + " rows, the table " +
                   std::to_string(unitCount));
      // Spike times stay in the file; units are read on first use.
      spikeSource = std::make_shared<NwbSpikeTimes>(units);
      offsets.insert(offsets.end(), index.begin(), index.end());
      if (units.isDataset("waveform_mean") || units.isDataset("spike_amplitudes"))
        features = std::make_shared<NwbUnitFeatures>(units, index.size(), index);
      std::vector<double> counts;
      for (std::size_t u = 0; u + 1 < offsets.size(); ++u)
        counts.push_back(static_cast<double>(offsets[u + 1] - offsets[u]));
      columns.push_back({"spike_count", counts});
    } else {
      offsets.assign(unitCount + 1, 0);
    }
    // Units refer to electrodes: `electrodes` (a DynamicTableRegion) by row,
    // Allen's `peak_channel_id` by the electrode's id. Each unit gets its
    // electrode's area, probe and depth unless it has its own.
    if (electrodes) {
      const Column* region = nullptr;
      bool byId = false;
      for (const auto& c : columns)
        if ((c.name == "electrodes" || c.name == "peak_channel_id") && c.isNumeric()) {
          region = &c;
          byId = c.name == "peak_channel_id";
        }
      const Column* ids = electrodes->column("id");
      std::unordered_map<std::int64_t, std::size_t> rowOfId;
      if (byId && ids && ids->isNumeric())
        for (std::size_t r = 0; r < electrodes->rowCount(); ++r)
          rowOfId.emplace(static_cast<std::int64_t>(std::llround(ids->numbers()[r])), r);
      std::vector<std::ptrdiff_t> rows;
      if (region)
        for (double value : region->numbers()) {
          std::ptrdiff_t row = -1;
          if (byId && !rowOfId.empty()) {
            const auto it = rowOfId.find(static_cast<std::int64_t>(std::llround(value)));
            if (it != rowOfId.end()) row = static_cast<std::ptrdiff_t>(it->second);
          } else if (value >= 0 && value < static_cast<double>(electrodes->rowCount())) {
            row = static_cast<std::ptrdiff_t>(value);
          }
          rows.push_back(row);
        }
      const auto hasColumn = [&columns](const std::string& name) {
        return std::any_of(columns.begin(), columns.end(),
                           [&](const Column& c) { return c.name == name; });
      };
      for (const char* name : {"location", "group_name", "probe_id", "probe_vertical_position",
                               "probe_horizontal_position"}) {
        const Column* source = electrodes->column(name);
        if (!region || !source || hasColumn(name)) continue;
        if (source->isNumeric()) {
          std::vector<double> values;
          for (auto row : rows)
            values.push_back(row < 0 ? std::numeric_limits<double>::quiet_NaN()
                                     : source->numbers()[static_cast<std::size_t>(row)]);
          columns.push_back({name, std::move(values)});
        } else {
          std::vector<std::string> values;
          for (auto row : rows)
            values.push_back(row < 0 ? "" : source->cellText(static_cast<std::size_t>(row)));
          columns.push_back({name, std::move(values)});
        }
      }
    }
    auto table =
        std::make_shared<TableDataset>(DatasetKind::Table, "units", std::move(columns),
                                       Provenance::fromFile(path.string(), "/units", name()));
    if (!skipped.empty()) skippedColumns["/units"] = skipped;
    consumed.insert("/units");
    const Attributes attributes{{"nwb_version", *version},
                                {"session", meta.value("identifier", "")}};
    const auto provenance = Provenance::fromFile(path.string(), "/units", name());
    if (spikeSource) {
      auto recording = std::make_shared<SpikeRecording>(
          spikeSource, "units", table, std::move(offsets), electrodes, provenance, attributes);
      if (features) recording->setUnitFeatures(features);
      contents.datasets.push_back(std::move(recording));
    } else
      contents.datasets.push_back(
          std::make_shared<SpikeRecording>("units", table, std::vector<double>{},
                                           std::move(offsets), electrodes, provenance, attributes));
  }

  // Every TimeIntervals table (trials, epochs, *_presentations, …).
  if (root.isGroup("intervals")) {
    const auto intervals = root.openGroup("intervals");
    for (const auto& child : intervals.children()) {
      const std::string objectPath = "/intervals/" + child;
      if (!intervals.isGroup(child) || !want(objectPath)) continue;
      std::vector<std::string> skipped;
      auto columns = readDynamicTable(intervals.openGroup(child), skipped);
      if (!skipped.empty()) skippedColumns[objectPath] = skipped;
      consumed.insert(objectPath);
      contents.datasets.push_back(
          std::make_shared<TableDataset>(DatasetKind::Table, child, std::move(columns),
                                         Provenance::fromFile(path.string(), objectPath, name())));
    }
  }

  // TimeSeries in acquisition and processing modules, read when first used.
  std::map<std::string, std::vector<SingleSeries>> singles;  // parent path → its 1-D series
  auto addTimeSeries = [&](const h5::Group& group, const std::string& objectPath) {
    if (!group.isDataset("data") || !group.datasetIsNumeric("data")) return;
    if (const auto shape = group.datasetShape("data"); shape.size() == 1 && shape[0] >= 2) {
      const auto slash = objectPath.find_last_of('/');
      singles[objectPath.substr(0, slash)].push_back(
          {objectPath, objectPath.substr(slash + 1),
           group.stringAttribute("neurodata_type").value_or(""),
           group.childStringAttribute("data", "unit").value_or(""), timingKey(group, shape[0]),
           shape[0]});
    }
    if (!want(objectPath)) return;
    Attributes attributes;
    if (auto type = group.stringAttribute("neurodata_type")) attributes["neurodata_type"] = *type;
    if (group.isDataset("starting_time")) {
      attributes["starting_time"] = std::to_string(group.readDoubles("starting_time").front());
      if (auto rate = group.childStringAttribute("starting_time", "unit"))
        attributes["starting_time_unit"] = *rate;
    }
    if (auto unit = group.childStringAttribute("data", "unit")) attributes["unit"] = *unit;
    if (group.isDataset("timestamps")) attributes["timestamps"] = objectPath + "/timestamps";
    consumed.insert(objectPath);
    auto shape = group.datasetShape("data");
    const auto type = attributes.find("neurodata_type");
    if ((type != attributes.end() && type->second == "RoiResponseSeries") ||
        group.isDataset("rois")) {
      if (shape.size() == 1) shape.push_back(1);  // one ROI: frames × 1
      if (shape.size() == 2) addRoiAttributes(root, group, shape, attributes);
    }
    const std::string relative = objectPath.substr(1) + "/data";
    auto loader = [path, relative] {
      return h5::File::openReadOnly(path).root().readDoubles(relative);
    };
    contents.datasets.push_back(std::make_shared<ArrayDataset>(
        DatasetKind::Array, objectPath.substr(1), shape, loader,
        Provenance::fromFile(path.string(), objectPath + "/data", name()), std::move(attributes),
        group.datasetTypeName("data")));
  };
  for (const char* top : {"acquisition", "processing"}) {
    if (!root.isGroup(top)) continue;
    const auto group = root.openGroup(top);
    for (const auto& child : group.children()) {
      if (!group.isGroup(child)) continue;
      const auto object = group.openGroup(child);
      const std::string objectPath = std::string("/") + top + "/" + child;
      if (object.isDataset("data")) {
        addTimeSeries(object, objectPath);
        continue;
      }
      for (const auto& grandchild :
           object.children())  // processing modules and containers nest one level
        if (object.isGroup(grandchild)) {
          const auto inner = object.openGroup(grandchild);
          if (inner.isDataset("data"))
            addTimeSeries(inner, objectPath + "/" + grandchild);
          else
            for (const auto& leaf : inner.children())
              if (inner.isGroup(leaf) && inner.openGroup(leaf).isDataset("data"))
                addTimeSeries(inner.openGroup(leaf), objectPath + "/" + grandchild + "/" + leaf);
        }
    }
  }
  // One TimeSeries per neuron (real calcium files store them so: pynwb
  // conversions of Kato 2015 and Triplett 2018 put one series per cell in
  // acquisition): three or more one-dimensional series of one group with the
  // same length, timing, unit and type also read as one frames × neurons
  // array named after the group, each series a neuron named after it.
  for (const auto& [parent, series] : singles) {
    if (series.size() < 3 || !want(parent)) continue;
    // The largest set of alike series (a stimulus series of another length
    // beside the neurons' stays out); ties go to the first.
    std::map<std::string, std::vector<SingleSeries>> alike;
    std::vector<std::string> keys;
    for (const auto& s : series) {
      const std::string key =
          std::to_string(s.length) + "|" + s.timing + "|" + s.unit + "|" + s.type;
      if (!alike.contains(key)) keys.push_back(key);
      alike[key].push_back(s);
    }
    const std::vector<SingleSeries>* best = nullptr;
    for (const auto& key : keys)
      if (!best || alike[key].size() > best->size()) best = &alike[key];
    if (best->size() < 3) continue;
    const auto& group = *best;
    const auto& first = group.front();
    Attributes attributes{{"axes", "frame, neuron"}, {"nwb_version", *version}};
    addTiming(root.openGroup(first.path.substr(1)), first.length, attributes);
    std::vector<std::string> names, paths;
    for (const auto& s : group) {
      names.push_back(s.name);
      paths.push_back(s.path.substr(1) + "/data");
    }
    attributes["neuron_names"] = nlohmann::json(names).dump();
    attributes["series"] = nlohmann::json(paths).dump();
    if (!first.unit.empty()) attributes["unit"] = first.unit;
    const std::size_t frames = first.length, neurons = group.size();
    auto loader = [path, paths, frames, neurons] {
      const auto opened = h5::File::openReadOnly(path);
      const auto top = opened.root();
      std::vector<double> values(frames * neurons);
      for (std::size_t n = 0; n < neurons; ++n) {
        const auto column = top.readDoubles(paths[n]);
        if (column.size() != frames)
          throw FileError(path, "'" + paths[n] + "' changed length while being read");
        for (std::size_t t = 0; t < frames; ++t) values[t * neurons + n] = column[t];
      }
      return values;
    };
    const std::string label = parent.substr(parent.find_last_of('/') + 1);
    contents.datasets.push_back(std::make_shared<ArrayDataset>(
        DatasetKind::Array, label + " (" + std::to_string(neurons) + " series as traces)",
        std::vector<std::size_t>{frames, neurons}, loader,
        Provenance::fromFile(path.string(), parent, name()), std::move(attributes)));
  }
  // Probes and shanks: devices and electrode groups as tables of their attributes.
  auto addObjectsTable = [&](const std::string& groupPath, const std::string& tableName) {
    if (!root.isGroup(groupPath.substr(1)) || !want(groupPath)) return;
    const auto group = root.openGroup(groupPath.substr(1));
    auto columns = objectsTable(group, {"electrodes"});
    if (columns.front().size() == 0) return;
    for (const auto& object : columns.front().strings()) consumed.insert(groupPath + "/" + object);
    contents.datasets.push_back(
        std::make_shared<TableDataset>(DatasetKind::Table, tableName, std::move(columns),
                                       Provenance::fromFile(path.string(), groupPath, name())));
  };
  addObjectsTable("/general/devices", "devices");
  addObjectsTable("/general/extracellular_ephys", "electrode groups");

  // Everything else with a neurodata_type, as a browsable tree.
  if (internalPath.empty()) {
    nlohmann::json others = nlohmann::json::array();
    std::set<haddr_t> visited{h5::objectAddress(root, ".")};
    collectOtherObjects(root, "/", consumed, visited, 0, others);
    if (!others.empty()) {
      std::vector<std::string> paths, types, attributeText, datasetText;
      for (const auto& node : others) {
        paths.push_back(node["path"]);
        types.push_back(node["neurodata_type"]);
        std::string a, d;
        for (const auto& [key, value] : node["attributes"].items())
          a += (a.empty() ? "" : "; ") + key + " = " + value.get<std::string>();
        for (const auto& dataset : node["datasets"]) {
          std::string shape;
          for (const auto& n : dataset["shape"])
            shape += (shape.empty() ? "" : "×") + std::to_string(n.get<std::size_t>());
          d += (d.empty() ? "" : "; ") + dataset["name"].get<std::string>() + " [" + shape + "] " +
               dataset["type"].get<std::string>();
        }
        attributeText.push_back(std::move(a));
        datasetText.push_back(std::move(d));
      }
      contents.datasets.push_back(
          std::make_shared<TableDataset>(DatasetKind::Table, "other NWB objects",
                                         std::vector<Column>{{"path", paths},
                                                             {"neurodata_type", types},
                                                             {"attributes", attributeText},
                                                             {"datasets", datasetText}},
                                         Provenance::fromFile(path.string(), "/", name()),
                                         Attributes{{"object_tree", others.dump()}}));
    }
  }
  if (!skippedColumns.empty()) meta["columns_not_shown_as_table_columns"] = skippedColumns;
  if (!internalPath.empty() && contents.datasets.empty())
    throw FileError(path, "no table, units or time series at '" + internalPath + "'");
  return contents;
}

}  // namespace nl::io::readers
