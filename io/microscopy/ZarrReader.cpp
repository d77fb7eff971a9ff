#include "io/microscopy/ZarrReader.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "io/UntrustedInput.h"
#include "io/microscopy/ChunkedVolumeSource.h"
#include "io/microscopy/Codecs.h"

namespace nl::io::microscopy {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr std::size_t kMaxMetadataBytes = std::size_t{16} << 20;
constexpr std::size_t kMaxChunkBytes = std::size_t{1} << 30;
constexpr std::size_t kMaxExtent = std::size_t{1} << 40;

json readJson(const fs::path& file) {
  return parseUntrustedJson(readWholeFile(file, kMaxMetadataBytes, "zarr metadata"), file,
                            kMaxMetadataBytes);
}

json readAttributes(const fs::path& folder) {
  const fs::path file = folder / ".zattrs";
  std::error_code ec;
  if (!fs::exists(file, ec)) return json::object();
  json attrs = readJson(file);
  if (!attrs.is_object()) throw FileError(file, "must hold a JSON object");
  return attrs;
}

bool isArrayFolder(const fs::path& folder) {
  std::error_code ec;
  return fs::is_regular_file(folder / ".zarray", ec);
}

bool isGroupFolder(const fs::path& folder) {
  std::error_code ec;
  return fs::is_regular_file(folder / ".zgroup", ec);
}

struct DType {
  VoxelType type = VoxelType::UInt8;
  bool swap = false;
};

DType parseDtype(const json& value, const fs::path& file) {
  if (!value.is_string())
    throw FileError(file, "dtype " + value.dump() +
                              " is not supported (structured dtypes cannot be volume voxels)");
  const std::string text = value.get<std::string>();
  if (text.size() < 3) throw FileError(file, "dtype '" + text + "' is not a NumPy type string");
  const char order = text[0];
  const char kind = text[1];
  const std::string digits = text.substr(2);
  if (order != '<' && order != '>' && order != '|')
    throw FileError(file, "dtype '" + text + "' has an unknown byte order '" + order + "'");
  const std::size_t size = digits == "1"   ? 1
                           : digits == "2" ? 2
                           : digits == "4" ? 4
                           : digits == "8" ? 8
                                           : 0;
  std::optional<VoxelType> type;
  if (kind == 'b' && size == 1) type = VoxelType::Bool;
  if (kind == 'u') {
    if (size == 1) type = VoxelType::UInt8;
    if (size == 2) type = VoxelType::UInt16;
    if (size == 4) type = VoxelType::UInt32;
    if (size == 8) type = VoxelType::UInt64;
  }
  if (kind == 'i') {
    if (size == 1) type = VoxelType::Int8;
    if (size == 2) type = VoxelType::Int16;
    if (size == 4) type = VoxelType::Int32;
    if (size == 8) type = VoxelType::Int64;
  }
  if (kind == 'f') {
    if (size == 4) type = VoxelType::Float32;
    if (size == 8) type = VoxelType::Float64;
  }
  if (!type)
    throw FileError(file, "dtype '" + text +
                              "' is not supported (bool, integers of 1–8 bytes, float32 and "
                              "float64 are; float16, complex, datetime and strings are not)");
  const bool bigEndian = order == '>';
  return {*type, size > 1 && bigEndian != (std::endian::native == std::endian::big)};
}

template <typename T>
std::vector<unsigned char> bytesOf(T value) {
  std::vector<unsigned char> out(sizeof(T));
  std::memcpy(out.data(), &value, sizeof(T));
  return out;
}

// zarr v2 fill_value: a number, "NaN", "Infinity", "-Infinity", a bool, or
// null (no fill value: absent chunks read as 0, as zarr-python does).
std::vector<unsigned char> parseFillValue(const json& value, VoxelType type, const fs::path& file) {
  const auto bad = [&](const std::string& why) -> FileError {
    return FileError(file, "fill_value " + value.dump() + " " + why + " for dtype " +
                               std::string(voxelTypeName(type)));
  };
  double number = 0;
  if (value.is_null())
    number = 0;
  else if (value.is_boolean())
    number = value.get<bool>() ? 1 : 0;
  else if (value.is_number())
    number = value.get<double>();
  else if (value.is_string()) {
    const std::string text = value.get<std::string>();
    if (text == "NaN")
      number = std::numeric_limits<double>::quiet_NaN();
    else if (text == "Infinity")
      number = std::numeric_limits<double>::infinity();
    else if (text == "-Infinity")
      number = -std::numeric_limits<double>::infinity();
    else
      throw bad("is not supported");
  } else {
    throw bad("is not supported");
  }
  if (type == VoxelType::Float32) return bytesOf(static_cast<float>(number));
  if (type == VoxelType::Float64) return bytesOf(number);
  if (!std::isfinite(number) || number != std::floor(number)) throw bad("is not an integer");
  // Integers beyond 2^53 keep their exact JSON value.
  const auto integral = [&]<typename T>(T) -> std::vector<unsigned char> {
    if (value.is_number_unsigned()) {
      const auto v = value.get<std::uint64_t>();
      if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
        throw bad("is out of range");
      return bytesOf(static_cast<T>(v));
    }
    if (value.is_number_integer()) {
      const auto v = value.get<std::int64_t>();
      if (v < 0 && std::is_unsigned_v<T>) throw bad("is out of range");
      if (v > 0 &&
          static_cast<std::uint64_t>(v) > static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
        throw bad("is out of range");
      if (std::is_signed_v<T> && v < static_cast<std::int64_t>(std::numeric_limits<T>::min()))
        throw bad("is out of range");
      return bytesOf(static_cast<T>(v));
    }
    if (number < static_cast<double>(std::numeric_limits<T>::lowest()) ||
        number > static_cast<double>(std::numeric_limits<T>::max()))
      throw bad("is out of range");
    return bytesOf(static_cast<T>(number));
  };
  switch (type) {
    case VoxelType::Bool:
      return bytesOf(static_cast<std::uint8_t>(number != 0));
    case VoxelType::UInt8:
      return integral(std::uint8_t{});
    case VoxelType::Int8:
      return integral(std::int8_t{});
    case VoxelType::UInt16:
      return integral(std::uint16_t{});
    case VoxelType::Int16:
      return integral(std::int16_t{});
    case VoxelType::UInt32:
      return integral(std::uint32_t{});
    case VoxelType::Int32:
      return integral(std::int32_t{});
    case VoxelType::UInt64:
      return integral(std::uint64_t{});
    case VoxelType::Int64:
      return integral(std::int64_t{});
    default:
      break;
  }
  throw bad("is not supported");
}

std::vector<std::size_t> parseExtents(const json& value, const char* what, const fs::path& file,
                                      bool positive) {
  if (!value.is_array() || value.empty())
    throw FileError(file, std::string(what) + " must be a non-empty list of integers");
  std::vector<std::size_t> out;
  for (const auto& item : value) {
    if (!item.is_number_integer() || item.get<std::int64_t>() < (positive ? 1 : 0) ||
        item.get<std::uint64_t>() > kMaxExtent)
      throw FileError(file, std::string(what) + " " + value.dump() + " holds " + item.dump() +
                                (positive ? ", not a positive integer" : ", not a valid extent"));
    out.push_back(item.get<std::size_t>());
  }
  return out;
}

// Product with overflow detection.
bool multiplyInto(std::size_t& total, std::size_t factor) {
  return !__builtin_mul_overflow(total, factor, &total);
}

struct Axes {
  // For each array axis: the volume axis (0 c, 1 z, 2 y, 3 x) or -1 when dropped.
  std::vector<int> toVolume;
};

Axes mapAxes(const std::vector<std::size_t>& shape, const std::vector<std::string>& names,
             const fs::path& file) {
  Axes axes;
  const std::size_t rank = shape.size();
  axes.toVolume.assign(rank, -1);
  if (names.empty()) {
    // From the right: x, y, z, channel; leading axes of size 1 are dropped.
    for (std::size_t i = 0; i < rank; ++i) {
      const std::size_t fromRight = rank - 1 - i;
      if (fromRight < 4)
        axes.toVolume[i] = 3 - static_cast<int>(fromRight);
      else if (shape[i] != 1)
        throw FileError(file, "has " + std::to_string(rank) +
                                  " axes; only 4 (channel, z, y, x) "
                                  "and leading axes of size 1 are supported");
    }
    return axes;
  }
  if (names.size() != rank)
    throw FileError(file, "OME-Zarr axes name " + std::to_string(names.size()) +
                              " axes for an array of rank " + std::to_string(rank));
  int last = -1;
  for (std::size_t i = 0; i < rank; ++i) {
    const std::string& n = names[i];
    int target = n == "c" || n == "channel" ? 0 : n == "z" ? 1 : n == "y" ? 2 : n == "x" ? 3 : -1;
    if (target < 0) {
      if (shape[i] != 1)
        throw FileError(file, "axis '" + n + "' has " + std::to_string(shape[i]) +
                                  " entries; only channel, z, y and x may be longer than 1");
      continue;
    }
    if (target <= last) throw FileError(file, "axes are not in the order channel, z, y, x");
    last = target;
    axes.toVolume[i] = target;
  }
  return axes;
}

struct Multiscale {
  std::vector<std::string> axisNames;
  std::string unit;  // of the spatial axes; "" when unstated
  std::vector<std::string> paths;
  std::vector<std::vector<double>> scales;  // per level, per axis; empty when none
};

std::optional<Multiscale> readMultiscale(const fs::path& group) {
  const json attrs = readAttributes(group);
  const auto it = attrs.find("multiscales");
  if (it == attrs.end()) return std::nullopt;
  const fs::path file = group / ".zattrs";
  if (!it->is_array() || it->empty() || !(*it)[0].is_object())
    throw FileError(file, "multiscales must be a non-empty list of objects");
  const json& m = (*it)[0];
  Multiscale out;
  if (const auto axes = m.find("axes"); axes != m.end() && axes->is_array()) {
    for (const auto& axis : *axes) {
      if (axis.is_string())
        out.axisNames.push_back(axis.get<std::string>());
      else if (axis.is_object() && axis.contains("name") && axis["name"].is_string()) {
        out.axisNames.push_back(axis["name"].get<std::string>());
        const std::string name = out.axisNames.back();
        if ((name == "x" || name == "y" || name == "z") && axis.contains("unit") &&
            axis["unit"].is_string() && out.unit.empty())
          out.unit = axis["unit"].get<std::string>();
      } else {
        throw FileError(file, "multiscales axes entry " + axis.dump() + " has no name");
      }
    }
  } else {
    out.axisNames = {"t", "c", "z", "y", "x"};  // OME-Zarr 0.1/0.2 fixed the 5-D order
  }
  const auto scaleOf = [&file](const json& transforms) -> std::vector<double> {
    if (!transforms.is_array()) return {};
    for (const auto& t : transforms) {
      if (t.is_object() && t.value("type", "") == "scale" && t.contains("scale")) {
        std::vector<double> scale;
        for (const auto& v : t["scale"]) {
          if (!v.is_number() || !(v.get<double>() > 0))
            throw FileError(file, "scale " + t["scale"].dump() + " must hold positive numbers");
          scale.push_back(v.get<double>());
        }
        return scale;
      }
    }
    return {};
  };
  const std::vector<double> global = scaleOf(m.value("coordinateTransformations", json()));
  const auto datasets = m.find("datasets");
  if (datasets == m.end() || !datasets->is_array() || datasets->empty())
    throw FileError(file, "multiscales has no datasets");
  for (const auto& d : *datasets) {
    if (!d.is_object() || !d.contains("path") || !d["path"].is_string())
      throw FileError(file, "multiscales dataset " + d.dump() + " has no path");
    out.paths.push_back(d["path"].get<std::string>());
    std::vector<double> scale = scaleOf(d.value("coordinateTransformations", json()));
    if (!global.empty() && global.size() == scale.size())
      for (std::size_t i = 0; i < scale.size(); ++i) scale[i] *= global[i];
    if (!scale.empty() && scale.size() != out.axisNames.size())
      throw FileError(file, "scale of '" + out.paths.back() + "' has " +
                                std::to_string(scale.size()) + " entries for " +
                                std::to_string(out.axisNames.size()) + " axes");
    out.scales.push_back(std::move(scale));
  }
  return out;
}

struct ArrayMeta {
  fs::path folder;
  std::vector<std::size_t> shape, chunks;
  DType dtype;
  bool fortran = false;
  std::string separator = ".";
  codecs::Compressor compressor = codecs::Compressor::None;
  std::vector<unsigned char> fill;
  json attrs;
  std::size_t storedChunkBytes = 0;  // one chunk as stored, decompressed
};

ArrayMeta readArrayMeta(const fs::path& folder) {
  const fs::path file = folder / ".zarray";
  const json meta = readJson(file);
  if (!meta.is_object()) throw FileError(file, "must hold a JSON object");
  ArrayMeta out;
  out.folder = folder;
  const json format = meta.value("zarr_format", json());
  if (!format.is_number_integer() || format.get<int>() != 2)
    throw FileError(file, "zarr_format " + format.dump() + " is not supported (zarr v2 is)");
  for (const char* key : {"shape", "chunks", "dtype", "compressor", "order"})
    if (!meta.contains(key))
      throw FileError(file, std::string("lacks the required key '") + key + "'");
  out.shape = parseExtents(meta["shape"], "shape", file, false);
  out.chunks = parseExtents(meta["chunks"], "chunks", file, true);
  if (out.chunks.size() != out.shape.size())
    throw FileError(file, "chunks " + meta["chunks"].dump() + " and shape " + meta["shape"].dump() +
                              " differ in rank");
  out.dtype = parseDtype(meta["dtype"], file);
  const std::string order = meta["order"].is_string() ? meta["order"].get<std::string>() : "";
  if (order != "C" && order != "F")
    throw FileError(file, "order " + meta["order"].dump() + " must be \"C\" or \"F\"");
  out.fortran = order == "F";
  if (const auto sep = meta.find("dimension_separator"); sep != meta.end() && !sep->is_null()) {
    if (!sep->is_string() || (*sep != "." && *sep != "/"))
      throw FileError(file, "dimension_separator " + sep->dump() + " must be \".\" or \"/\"");
    out.separator = sep->get<std::string>();
  }
  const json& compressor = meta["compressor"];
  if (!compressor.is_null()) {
    if (!compressor.is_object() || !compressor.contains("id") || !compressor["id"].is_string())
      throw FileError(file, "compressor " + compressor.dump() + " has no id");
    try {
      out.compressor = codecs::compressorFromId(compressor["id"].get<std::string>());
    } catch (const std::runtime_error& e) {
      throw FileError(file, e.what());
    }
  }
  if (const auto filters = meta.find("filters");
      filters != meta.end() && !filters->is_null() && !(filters->is_array() && filters->empty())) {
    std::string ids;
    if (filters->is_array())
      for (const auto& f : *filters)
        ids += (ids.empty() ? "" : ", ") + (f.is_object() ? f.value("id", f.dump()) : f.dump());
    throw FileError(file, "filters [" + (ids.empty() ? filters->dump() : ids) +
                              "] are not supported (only arrays without filters are)");
  }
  out.fill = parseFillValue(meta.value("fill_value", json()), out.dtype.type, file);
  std::size_t voxels = 1, chunkBytes = voxelTypeSize(out.dtype.type);
  for (std::size_t i = 0; i < out.shape.size(); ++i) {
    if (!multiplyInto(voxels, out.shape[i]) || !multiplyInto(chunkBytes, out.chunks[i]))
      throw FileError(file, "shape " + meta["shape"].dump() + " / chunks " + meta["chunks"].dump() +
                                " overflow the address space");
  }
  std::size_t totalBytes = voxels;
  if (!multiplyInto(totalBytes, voxelTypeSize(out.dtype.type)))
    throw FileError(file, "shape " + meta["shape"].dump() + " overflows the address space");
  if (chunkBytes > kMaxChunkBytes)
    throw FileError(file, "chunks " + meta["chunks"].dump() + " take " +
                              std::to_string(chunkBytes) +
                              " bytes each, more than the 1 GiB this reader accepts");
  out.storedChunkBytes = chunkBytes;
  out.attrs = readAttributes(folder);
  return out;
}

class ZarrSource final : public ChunkedVolumeSource {
 public:
  ZarrSource(ArrayMeta meta, Axes axes, std::string name, VolumeShape shape, VolumeShape chunks)
      : ChunkedVolumeSource(shape, chunks, meta.dtype.type, meta.fill),
        meta_(std::move(meta)),
        axes_(std::move(axes)),
        name_(std::move(name)) {}
  std::string format() const override { return "zarr"; }

 protected:
  bool decodeChunk(const ChunkIndex& index, std::vector<unsigned char>& out) const override {
    std::string key;
    for (std::size_t i = 0; i < axes_.toVolume.size(); ++i) {
      const int a = axes_.toVolume[i];
      key += (i ? meta_.separator : "") +
             std::to_string(a < 0 ? 0 : index[static_cast<std::size_t>(a)]);
    }
    const fs::path file = meta_.folder / key;
    std::error_code ec;
    if (!fs::exists(file, ec)) return false;  // never written: the fill value
    const auto fail = [&](const std::string& why) -> FileError {
      return FileError(file, "chunk " + key + " of " + name_ + ": " + why);
    };
    const std::size_t raw = meta_.storedChunkBytes;
    std::string bytes;
    try {
      bytes = readWholeFile(file, raw + raw / 2 + 65536, "a zarr chunk");
    } catch (const FileError& e) {
      throw fail(e.reason());
    }
    const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
    const std::size_t elementSize = voxelTypeSize(meta_.dtype.type);
    try {
      if (!meta_.fortran && raw == out.size()) {
        codecs::decompress(meta_.compressor, in, bytes.size(), out.data(), raw);
      } else {
        std::vector<unsigned char> stored(raw);
        codecs::decompress(meta_.compressor, in, bytes.size(), stored.data(), raw);
        if (meta_.fortran) {
          // Fortran order is C order of the reversed axes: transpose back.
          std::vector<std::size_t> dims(meta_.chunks.rbegin(), meta_.chunks.rend()), order;
          for (std::size_t i = dims.size(); i-- > 0;) order.push_back(i);
          transposeElements(stored.data(), dims, order, elementSize, out.data());
        } else {
          std::memcpy(out.data(), stored.data(), out.size());  // dropped leading axes: index 0
        }
      }
    } catch (const std::runtime_error& e) {
      throw fail(e.what());
    }
    if (meta_.dtype.swap) swapByteOrder(out.data(), out.size(), elementSize);
    if (meta_.dtype.type == VoxelType::Bool)
      for (auto& b : out) b = b != 0;
    return true;
  }

 private:
  ArrayMeta meta_;
  Axes axes_;
  std::string name_;
};

std::string relativeName(const fs::path& root, const fs::path& folder) {
  const std::string name = folder.lexically_relative(root).generic_string();
  return name.empty() || name == "." ? root.filename().string() : name;
}

std::string jsonAttribute(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// Opens the array in `folder`; `multiscale` and `level` when it is a level of one.
std::shared_ptr<VolumeDataset> makeArray(const fs::path& root, const fs::path& folder,
                                         const std::string& name, const Multiscale* multiscale,
                                         std::size_t level, const VolumeOpenOptions& options) {
  ArrayMeta meta = readArrayMeta(folder);
  const fs::path file = folder / ".zarray";
  const Axes axes =
      mapAxes(meta.shape, multiscale ? multiscale->axisNames : std::vector<std::string>{}, file);
  std::array<std::size_t, 4> shape{1, 1, 1, 1}, chunks{1, 1, 1, 1};
  bool seenKept = false;
  for (std::size_t i = 0; i < axes.toVolume.size(); ++i) {
    const int a = axes.toVolume[i];
    if (a >= 0) {
      shape[static_cast<std::size_t>(a)] = meta.shape[i];
      chunks[static_cast<std::size_t>(a)] = meta.chunks[i];
      seenKept = true;
    } else if (meta.chunks[i] != 1 && (seenKept || meta.fortran)) {
      throw FileError(file, "a dropped axis of size 1 inside the array must have chunk size 1");
    }
  }
  const VolumeShape volumeShape{shape[0], shape[1], shape[2], shape[3]};
  const VolumeShape chunkShape{chunks[0], chunks[1], chunks[2], chunks[3]};

  VoxelSize voxelSize;
  if (multiscale && level < multiscale->scales.size() && !multiscale->scales[level].empty()) {
    const auto& scale = multiscale->scales[level];
    for (std::size_t i = 0; i < axes.toVolume.size(); ++i) {
      if (axes.toVolume[i] == 1) voxelSize.z = scale[i];
      if (axes.toVolume[i] == 2) voxelSize.y = scale[i];
      if (axes.toVolume[i] == 3) voxelSize.x = scale[i];
    }
    voxelSize.unit = multiscale->unit.empty() ? "unspecified" : multiscale->unit;
  } else if (const auto r = meta.attrs.find("resolution");
             r != meta.attrs.end() && r->is_array() && r->size() == 3 &&
             std::all_of(r->begin(), r->end(),
                         [](const json& v) { return v.is_number() && v.get<double>() > 0; })) {
    // The funlib/gunpowder convention: resolution in nm, z y x.
    voxelSize = {(*r)[2].get<double>(), (*r)[1].get<double>(), (*r)[0].get<double>(), "nanometer"};
  }

  Attributes attributes;
  for (const auto& [key, value] : meta.attrs.items()) attributes[key] = jsonAttribute(value);
  attributes["compressor"] = codecs::compressorName(meta.compressor);
  attributes["order"] = meta.fortran ? "F" : "C";
  if (multiscale) {
    attributes["multiscale_level"] = std::to_string(level);
    attributes["multiscale_levels"] = std::to_string(multiscale->paths.size());
  }
  auto source = std::make_shared<ZarrSource>(std::move(meta), axes, name, volumeShape, chunkShape);
  if (options.cacheBytes) source->setCacheLimitBytes(*options.cacheBytes);
  source->setThreadCount(options.threads);
  const LabelEncoding labels =
      chooseLabelEncoding(options, name, source->voxelType(), volumeShape.channels, &attributes);
  attributes = volumeAttributes(*source, voxelSize, labels, std::move(attributes));
  const std::string internal = folder.lexically_relative(root).generic_string();
  return std::make_shared<VolumeDataset>(
      name, std::move(source), voxelSize, labels,
      Provenance::fromFile(root.string(), internal == "." ? "" : internal, "zarr v2"),
      std::move(attributes));
}

std::size_t chooseLevel(const fs::path& group, const Multiscale& multiscale,
                        const VolumeOpenOptions& options) {
  const std::size_t levels = multiscale.paths.size();
  if (options.level) {
    if (*options.level >= levels)
      throw FileError(group, "has " + std::to_string(levels) + " multiscale levels; level " +
                                 std::to_string(*options.level) + " does not exist");
    return *options.level;
  }
  if (options.levelBudgetBytes == 0) return 0;
  for (std::size_t level = 0; level < levels; ++level) {
    const ArrayMeta meta = readArrayMeta(group / multiscale.paths[level]);
    std::size_t bytes = voxelTypeSize(meta.dtype.type);
    for (auto extent : meta.shape) multiplyInto(bytes, extent);
    if (bytes <= options.levelBudgetBytes) return level;
  }
  return levels - 1;
}

void collect(const fs::path& root, const fs::path& folder, const VolumeOpenOptions& options,
             std::vector<std::shared_ptr<VolumeDataset>>& out, int depth) {
  if (depth > 16) return;
  if (isArrayFolder(folder)) {
    out.push_back(makeArray(root, folder, relativeName(root, folder), nullptr, 0, options));
    return;
  }
  if (const auto multiscale = readMultiscale(folder)) {
    const std::size_t level = chooseLevel(folder, *multiscale, options);
    out.push_back(makeArray(root, folder / multiscale->paths[level], relativeName(root, folder),
                            &*multiscale, level, options));
    return;
  }
  std::vector<fs::path> children;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec))
    if (entry.is_directory(ec) && !entry.is_symlink(ec)) children.push_back(entry.path());
  std::sort(children.begin(), children.end());
  for (const auto& child : children) collect(root, child, options, out, depth + 1);
}

// Lexically normal, without a trailing separator, so that names relative to it come out clean.
fs::path normalRoot(const fs::path& root) {
  fs::path p = root.lexically_normal();
  if (p.filename().empty() && p.has_parent_path()) p = p.parent_path();
  return p;
}

fs::path resolve(const fs::path& root, const std::string& internalPath) {
  std::string relative = internalPath;
  while (!relative.empty() && relative.front() == '/') relative.erase(relative.begin());
  const fs::path target = normalRoot(root / relative);
  const std::string r = target.lexically_relative(root.lexically_normal()).generic_string();
  if (r.starts_with(".."))
    throw FileError(root, "internal path '" + internalPath + "' leaves the zarr store");
  return target;
}

}  // namespace

std::shared_ptr<VolumeDataset> openZarrArray(const fs::path& store, const std::string& internalPath,
                                             const VolumeOpenOptions& options) {
  const fs::path root = normalRoot(store);
  const fs::path folder = resolve(root, internalPath);
  if (!isArrayFolder(folder)) {
    std::error_code ec;
    if (fs::exists(folder / "zarr.json", ec))
      throw FileError(folder, "is a zarr v3 store (zarr.json); this reader reads zarr v2");
    throw FileError(root, "no zarr array at '" + internalPath + "' (no .zarray there)");
  }
  // A level of an OME-Zarr multiscale image takes its axes and scale from the group.
  const fs::path parent = folder.parent_path();
  if (const auto multiscale = readMultiscale(parent)) {
    const auto it =
        std::find(multiscale->paths.begin(), multiscale->paths.end(), folder.filename().string());
    if (it != multiscale->paths.end())
      return makeArray(root, folder, relativeName(root, folder), &*multiscale,
                       static_cast<std::size_t>(it - multiscale->paths.begin()), options);
  }
  return makeArray(root, folder, relativeName(root, folder), nullptr, 0, options);
}

std::vector<std::shared_ptr<VolumeDataset>> openZarrGroup(const fs::path& store,
                                                          const std::string& internalPath,
                                                          const VolumeOpenOptions& options) {
  const fs::path root = normalRoot(store);
  const fs::path folder = resolve(root, internalPath);
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    throw FileError(root, "no zarr group or array at '" + internalPath + "'");
  if (fs::exists(folder / "zarr.json", ec) && !isArrayFolder(folder) && !isGroupFolder(folder))
    throw FileError(folder, "is a zarr v3 store (zarr.json); this reader reads zarr v2");
  if (isGroupFolder(folder)) {
    const json group = readJson(folder / ".zgroup");
    if (!group.is_object() || group.value("zarr_format", 0) != 2)
      throw FileError(folder / ".zgroup", "is not a zarr v2 group (zarr_format must be 2)");
  }
  std::vector<std::shared_ptr<VolumeDataset>> out;
  collect(root, folder, options, out, 0);
  return out;
}

int ZarrReader::confidence(const std::filesystem::path& path,
                           std::span<const unsigned char>) const {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return 0;
  if (isArrayFolder(path) || isGroupFolder(path)) return 100;
  return hasExtension(path, extensions()) ? 60 : 0;
}

FileContents ZarrReader::open(const std::filesystem::path& path,
                              const std::string& internalPath) const {
  FileContents contents;
  contents.metadata["zarr_format"] = 2;
  const json attrs = readAttributes(path);
  if (!attrs.empty()) contents.metadata["attributes"] = attrs;
  const fs::path target = resolve(path, internalPath);
  if (isArrayFolder(target)) {
    contents.datasets.push_back(openZarrArray(path, internalPath));
  } else {
    for (auto& dataset : openZarrGroup(path, internalPath))
      contents.datasets.push_back(std::move(dataset));
  }
  if (contents.datasets.empty())
    throw FileError(target, isGroupFolder(target)
                                ? "is a zarr group without arrays (no .zarray below it)"
                                : "is not a zarr store: no .zarray or .zgroup in it or below it");
  return contents;
}

}  // namespace nl::io::microscopy
