#include "io/readers/CalciumReaders.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "io/hdf5/H5.h"
#include "io/readers/Hdf5Reader.h"
#include "io/readers/NpyReader.h"

namespace nl::io::readers {

namespace {

bool isHdf5(const std::filesystem::path& path, std::span<const unsigned char> head) {
  static constexpr unsigned char kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  return (head.size() >= 8 && std::memcmp(head.data(), kSignature, 8) == 0) || h5::isHdf5File(path);
}

std::string number(double v) {
  return nlohmann::json(v).dump();
}

// Copy of `array` with more attributes (and, when given, a new provenance
// reader name); still lazy.
DatasetPtr annotated(const std::shared_ptr<const ArrayDataset>& array, Attributes extra,
                     const std::string& readerName) {
  Attributes attributes = array->attributes();
  for (auto& [key, value] : extra) attributes[key] = value;
  auto provenance = array->provenance();
  provenance.readerName = readerName;
  return std::make_shared<ArrayDataset>(
      DatasetKind::Array, array->name(), array->shape(), [array] { return array->values(); },
      provenance, std::move(attributes), array->sourceType());
}

}  // namespace

// ---- Flavell lab HDF5 ------------------------------------------------------

int FlavellHdf5Reader::confidence(const std::filesystem::path& path,
                                  std::span<const unsigned char> head) const {
  if (hasExtension(path, {".nwb"}) || !isHdf5(path, head)) return 0;
  try {
    const auto root = h5::File::openReadOnly(path).root();
    if (root.isDataset("gcamp/trace_array") && root.datasetShape("gcamp/trace_array").size() == 2)
      return 80;  // above the plain HDF5 reader (50), below NWB (100)
  } catch (const FileError&) {
  }
  return 0;
}

FileContents FlavellHdf5Reader::open(const std::filesystem::path& path,
                                     const std::string& internalPath) const {
  auto contents = Hdf5Reader().open(path, internalPath);
  contents.readerName = name();
  const auto root = h5::File::openReadOnly(path).root();
  const auto shape = root.datasetShape("gcamp/trace_array");
  const std::size_t frames = shape[0], neurons = shape[1];
  Attributes extra{{"axes", "frame, neuron"}, {"start_time", "0"}};
  // Frame times: timing/timestamp_confocal, one per frame (s).
  if (root.isDataset("timing/timestamp_confocal")) {
    const auto times = root.readDoubles("timing/timestamp_confocal");
    if (times.size() != frames)
      throw FileError(path, "timing/timestamp_confocal has " + std::to_string(times.size()) +
                                " times for the " + std::to_string(frames) +
                                " frames of gcamp/trace_array");
    if (frames >= 2 && !(times.back() > times.front()))
      throw FileError(path, "timing/timestamp_confocal does not increase");
    if (frames >= 2)
      extra["frame_rate"] =
          number(static_cast<double>(frames - 1) / (times.back() - times.front()));
    extra["clock_start"] = number(times.front());
    double jitter = 0;
    const double period = (times.back() - times.front()) / static_cast<double>(frames - 1);
    for (std::size_t t = 1; t < frames; ++t)
      jitter = std::max(jitter, std::abs(times[t] - times[t - 1] - period));
    extra["frame_interval_jitter"] = number(jitter);
  }
  // Names: the lab's 1-based trace index. The file holds no NeuroPAL class
  // labels (those are in the lab's separate label sheets); the NeuroPAL ROI
  // registered to each trace (roi_match[r] = trace, 1-based, 0 = none) is
  // kept per neuron as neuropal_roi.
  std::vector<std::string> names;
  for (std::size_t n = 0; n < neurons; ++n) names.push_back(std::to_string(n + 1));
  extra["neuron_names"] = nlohmann::json(names).dump();
  if (root.isDataset("neuropal_registration/roi_match")) {
    const auto match = root.readDoubles("neuropal_registration/roi_match");
    std::vector<double> confidence;
    if (root.isDataset("neuropal_registration/roi_match_confidence"))
      confidence = root.readDoubles("neuropal_registration/roi_match_confidence");
    nlohmann::json roi(neurons, nullptr), score(neurons, nullptr);
    for (std::size_t r = 0; r < match.size(); ++r) {
      const auto trace = static_cast<long long>(std::llround(match[r]));
      if (trace < 1 || trace > static_cast<long long>(neurons)) continue;
      roi[static_cast<std::size_t>(trace - 1)] = r + 1;
      if (r < confidence.size()) score[static_cast<std::size_t>(trace - 1)] = confidence[r];
    }
    extra["neuropal_roi"] = roi.dump();
    extra["neuropal_confidence"] = score.dump();
  }
  for (auto& dataset : contents.datasets) {
    const auto array = std::dynamic_pointer_cast<const ArrayDataset>(dataset);
    if (!array) continue;
    const auto& internal = array->provenance().internalPath;
    const auto s = array->shape();
    if (internal.starts_with("/gcamp/") && s == std::vector<std::size_t>{frames, neurons})
      dataset = annotated(array, extra, name());
  }
  return contents;
}

// ---- suite2p ----------------------------------------------------------------

namespace {

std::filesystem::path suite2pPlane(const std::filesystem::path& folder) {
  auto has = [](const std::filesystem::path& p) {
    return std::filesystem::is_regular_file(p / "F.npy") &&
           std::filesystem::is_regular_file(p / "iscell.npy");
  };
  if (has(folder)) return folder;
  if (has(folder / "plane0")) return folder / "plane0";
  if (has(folder / "suite2p" / "plane0")) return folder / "suite2p" / "plane0";
  return {};
}

struct Npy {
  std::vector<std::size_t> shape;
  std::vector<double> values;
};

Npy readNpy(const std::filesystem::path& path) {
  const auto header = parseNpyHeader(path, readNpyHead(path));
  return {header.shape, readNpyValues(path, header)};
}

}  // namespace

std::optional<double> pickledNumber(const std::string& bytes, const std::string& key) {
  // The key as SHORT_BINUNICODE (0x8c, protocol 4), BINUNICODE ('X') or
  // SHORT_BINSTRING ('U'), then an optional memo opcode, then the value.
  std::vector<std::string> patterns;
  patterns.push_back(std::string("\x8c") + static_cast<char>(key.size()) + key);
  std::string x = "X";
  const auto n = static_cast<std::uint32_t>(key.size());
  for (int b = 0; b < 4; ++b) x += static_cast<char>((n >> (8 * b)) & 0xff);
  patterns.push_back(x + key);
  patterns.push_back(std::string("U") + static_cast<char>(key.size()) + key);
  for (const auto& pattern : patterns) {
    for (std::size_t at = bytes.find(pattern); at != std::string::npos;
         at = bytes.find(pattern, at + 1)) {
      std::size_t p = at + pattern.size();
      if (p < bytes.size() && bytes[p] == '\x94')
        ++p;  // MEMOIZE
      else if (p + 1 < bytes.size() && bytes[p] == 'q')
        p += 2;  // BINPUT
      else if (p + 4 < bytes.size() && bytes[p] == 'r')
        p += 5;  // LONG_BINPUT
      if (p >= bytes.size()) continue;
      const auto u = [&](std::size_t k) { return static_cast<unsigned char>(bytes[p + 1 + k]); };
      switch (bytes[p]) {
        case 'G':
          if (p + 8 < bytes.size()) {
            std::uint64_t bits = 0;
            for (int k = 0; k < 8; ++k) bits = (bits << 8) | u(static_cast<std::size_t>(k));
            return std::bit_cast<double>(bits);
          }
          break;
        case 'K':
          if (p + 1 < bytes.size()) return u(0);
          break;
        case 'M':
          if (p + 2 < bytes.size()) return u(0) | (u(1) << 8);
          break;
        case 'J':
          if (p + 4 < bytes.size())
            return static_cast<std::int32_t>(u(0) | (u(1) << 8) | (u(2) << 16) |
                                             (static_cast<std::uint32_t>(u(3)) << 24));
          break;
        default:
          break;
      }
    }
  }
  return std::nullopt;
}

int Suite2pReader::confidence(const std::filesystem::path& path,
                              std::span<const unsigned char>) const {
  return std::filesystem::is_directory(path) && !suite2pPlane(path).empty() ? 90 : 0;
}

FileContents Suite2pReader::open(const std::filesystem::path& path,
                                 const std::string& internalPath) const {
  const auto plane = suite2pPlane(path);
  if (plane.empty())
    throw FileError(path,
                    "not a suite2p output folder (no F.npy and iscell.npy here or in plane0/)");
  const auto F = readNpy(plane / "F.npy");
  if (F.shape.size() != 2)
    throw FileError(plane / "F.npy", "F must be 2-D (ROIs × frames), it has " +
                                         std::to_string(F.shape.size()) + " dimensions");
  const std::size_t rois = F.shape[0], frames = F.shape[1];
  const auto iscell = readNpy(plane / "iscell.npy");
  if (iscell.shape.empty() || iscell.shape[0] != rois)
    throw FileError(
        plane / "iscell.npy",
        "iscell has " +
            (iscell.shape.empty() ? std::string("no") : std::to_string(iscell.shape[0])) +
            " rows for the " + std::to_string(rois) + " ROIs of F.npy");
  const std::size_t stride = iscell.shape.size() == 2 ? iscell.shape[1] : 1;
  std::vector<std::size_t> cells;
  for (std::size_t r = 0; r < rois; ++r)
    if (iscell.values[r * stride] > 0.5) cells.push_back(r);
  Npy Fneu;
  if (std::filesystem::is_regular_file(plane / "Fneu.npy")) {
    Fneu = readNpy(plane / "Fneu.npy");
    if (Fneu.shape != F.shape) throw FileError(plane / "Fneu.npy", "Fneu's shape differs from F's");
  }
  Npy spks;
  if (std::filesystem::is_regular_file(plane / "spks.npy")) {
    spks = readNpy(plane / "spks.npy");
    if (spks.shape != F.shape) throw FileError(plane / "spks.npy", "spks' shape differs from F's");
  }
  Attributes common{
      {"axes", "frame, neuron"}, {"start_time", "0"}, {"suite2p_plane", plane.string()}};
  if (std::filesystem::is_regular_file(plane / "ops.npy")) {
    std::ifstream in(plane / "ops.npy", std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (const auto fs = pickledNumber(bytes, "fs"); fs && *fs > 0)
      common["frame_rate"] = number(*fs);
  }
  auto traces = [&](const std::vector<std::size_t>& rows, auto value) {
    std::vector<double> out(frames * rows.size());
    for (std::size_t c = 0; c < rows.size(); ++c)
      for (std::size_t t = 0; t < frames; ++t)
        out[t * rows.size() + c] = value(rows[c] * frames + t);
    return out;
  };
  auto namesOf = [](const std::vector<std::size_t>& rows) {
    std::vector<std::string> names;
    for (auto r : rows) names.push_back(std::to_string(r));  // suite2p's ROI index
    return nlohmann::json(names).dump();
  };
  FileContents contents;
  contents.readerName = name();
  contents.metadata["rois"] = rois;
  contents.metadata["cells"] = cells.size();
  contents.metadata["frames"] = frames;
  auto add = [&](const std::string& datasetName, const std::string& internal,
                 const std::vector<std::size_t>& rows, std::vector<double> values,
                 Attributes extra) {
    if (!internalPath.empty() && internalPath != internal) return;
    Attributes attributes = common;
    for (auto& [k, v] : extra) attributes[k] = v;
    attributes["neuron_names"] = namesOf(rows);
    contents.datasets.push_back(std::make_shared<ArrayDataset>(
        DatasetKind::Array, datasetName, std::vector<std::size_t>{frames, rows.size()},
        std::move(values), Provenance::fromFile(path.string(), internal, name()),
        std::move(attributes)));
  };
  const double coefficient = 0.7;  // suite2p's default neuropil coefficient
  if (!Fneu.values.empty())
    add("F - 0.7 Fneu (cells)", "/cells_corrected", cells,
        traces(cells, [&](std::size_t k) { return F.values[k] - coefficient * Fneu.values[k]; }),
        {{"neuropil_coefficient", number(coefficient)}});
  add("F (cells)", "/cells_F", cells, traces(cells, [&](std::size_t k) { return F.values[k]; }),
      {});
  if (!spks.values.empty())
    add("spks (cells)", "/cells_spks", cells,
        traces(cells, [&](std::size_t k) { return spks.values[k]; }), {});
  std::vector<std::size_t> all(rois);
  for (std::size_t r = 0; r < rois; ++r) all[r] = r;
  std::vector<int> flags;
  for (std::size_t r = 0; r < rois; ++r) flags.push_back(iscell.values[r * stride] > 0.5 ? 1 : 0);
  add("F (all ROIs)", "/rois_F", all, traces(all, [&](std::size_t k) { return F.values[k]; }),
      {{"iscell", nlohmann::json(flags).dump()}});
  if (!internalPath.empty() && contents.datasets.empty())
    throw FileError(path, "no suite2p dataset '" + internalPath +
                              "' (/cells_corrected, /cells_F, /cells_spks, /rois_F)");
  return contents;
}

}  // namespace nl::io::readers
