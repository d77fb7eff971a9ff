#include "io/microscopy/LabelVolumeWriter.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

#include "io/AtomicWrite.h"
#include "io/Error.h"
#include "io/hdf5/H5.h"

namespace nl::io::microscopy {

namespace fs = std::filesystem;

ContainerFormat containerFormatFor(const fs::path& path) {
  auto extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (extension == ".zarr") return ContainerFormat::Zarr;
  if (extension == ".h5" || extension == ".hdf" || extension == ".hdf5")
    return ContainerFormat::Hdf5;
  throw std::invalid_argument("'" + path.string() +
                              "': say .zarr (zarr v2 directory) or .h5 / .hdf / .hdf5 (HDF5) for "
                              "the label volume");
}

namespace {

hid_t hdf5Type(VoxelType type) {
  switch (type) {
    case VoxelType::UInt8:
      return H5T_NATIVE_UINT8;
    case VoxelType::Int8:
      return H5T_NATIVE_INT8;
    case VoxelType::UInt16:
      return H5T_NATIVE_UINT16;
    case VoxelType::Int16:
      return H5T_NATIVE_INT16;
    case VoxelType::UInt32:
      return H5T_NATIVE_UINT32;
    case VoxelType::Int32:
      return H5T_NATIVE_INT32;
    case VoxelType::UInt64:
      return H5T_NATIVE_UINT64;
    case VoxelType::Int64:
      return H5T_NATIVE_INT64;
    default:
      return H5T_NATIVE_UINT32;
  }
}

std::string zarrType(VoxelType type) {
  switch (type) {
    case VoxelType::UInt8:
      return "|u1";
    case VoxelType::Int8:
      return "|i1";
    case VoxelType::UInt16:
      return "<u2";
    case VoxelType::Int16:
      return "<i2";
    case VoxelType::UInt32:
      return "<u4";
    case VoxelType::Int32:
      return "<i4";
    case VoxelType::UInt64:
      return "<u8";
    case VoxelType::Int64:
      return "<i8";
    default:
      return "<u4";
  }
}

std::vector<std::string> pathParts(const std::string& path) {
  std::vector<std::string> parts;
  std::string part;
  for (char c : path + "/") {
    if (c != '/') {
      part += c;
    } else if (!part.empty()) {
      parts.push_back(part);
      part.clear();
    }
  }
  return parts;
}

void writeText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw FileError(path, "cannot write");
}

void syncPath(const fs::path& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// The shape as stored, chunk sizes, and the values one chunk layer of one
// channel at a time (straight from `data`, or through `planes`).
struct Layout {
  const LabelVolumeToWrite& v;
  bool fourD;
  std::size_t cz, cy, cx, voxelBytes;
  std::vector<unsigned char> slab;

  explicit Layout(const LabelVolumeToWrite& volume)
      : v(volume),
        fourD(volume.channels > 1 || volume.channelAxis),
        cz(std::clamp<std::size_t>(volume.chunkZ, 1, volume.z)),
        cy(std::clamp<std::size_t>(volume.chunkY, 1, volume.y)),
        cx(std::clamp<std::size_t>(volume.chunkX, 1, volume.x)),
        voxelBytes(voxelTypeSize(volume.type)) {}
  std::size_t layers() const { return (v.z + cz - 1) / cz; }
  std::size_t planes(std::size_t layer) const { return std::min(cz, v.z - layer * cz); }
  // Planes of chunk layer `layer` of channel `c`, C order.
  const unsigned char* layer(std::size_t c, std::size_t layer) {
    const std::size_t z0 = layer * cz, n = planes(layer), plane = v.y * v.x;
    if (v.data)
      return static_cast<const unsigned char*>(v.data) + ((c * v.z + z0) * plane) * voxelBytes;
    slab.assign(n * plane * voxelBytes, 0);
    v.planes(c, z0, z0 + n, slab.data());
    return slab.data();
  }
  std::vector<std::size_t> shape() const {
    if (fourD) return {v.channels, v.z, v.y, v.x};
    return {v.z, v.y, v.x};
  }
  std::vector<std::size_t> chunks() const {
    if (fourD) return {1, cz, cy, cx};
    return {cz, cy, cx};
  }
};

void check(const LabelVolumeToWrite& v, const fs::path& target) {
  if ((!v.data && !v.planes) || v.channels == 0 || v.z == 0 || v.y == 0 || v.x == 0)
    throw FileError(target, "no labels to write");
  if (!isIntegerVoxelType(v.type) || v.type == VoxelType::Bool)
    throw FileError(target,
                    "labels must be stored as integers, not " + std::string(voxelTypeName(v.type)));
}

// --- HDF5 ----------------------------------------------------------------------

herr_t copyAttribute(hid_t from, const char* name, const H5A_info_t*, void* target) {
  const hid_t to = *static_cast<hid_t*>(target);
  h5::Handle attribute(H5Aopen(from, name, H5P_DEFAULT));
  h5::Handle type(H5Aget_type(attribute.id()));
  h5::Handle space(H5Aget_space(attribute.id()));
  const auto points = H5Sget_simple_extent_npoints(space.id());
  std::vector<unsigned char> buffer(std::max<std::size_t>(1, H5Tget_size(type.id())) *
                                    static_cast<std::size_t>(std::max<hssize_t>(1, points)));
  if (H5Aread(attribute.id(), type.id(), buffer.data()) < 0) return -1;
  h5::Handle copy(H5Acreate2(to, name, type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT));
  const herr_t written = copy.valid() ? H5Awrite(copy.id(), type.id(), buffer.data()) : -1;
  if (H5Tdetect_class(type.id(), H5T_VLEN) > 0 || H5Tis_variable_str(type.id()) > 0)
    H5Dvlen_reclaim(type.id(), space.id(), H5P_DEFAULT, buffer.data());
  return written < 0 ? -1 : 0;
}

void copyAttributes(const h5::Location& from, const h5::Location& to, const fs::path& file) {
  hid_t target = to.id();
  if (H5Aiterate2(from.id(), H5_INDEX_NAME, H5_ITER_NATIVE, nullptr, copyAttribute, &target) < 0)
    throw FileError(file, "cannot copy the attributes of '" + from.objectPath() + "'");
}

// Everything of `from` but the object at parts[depth…] into `to`.
void copyExcept(const h5::Group& from, const h5::Group& to, const std::vector<std::string>& parts,
                std::size_t depth, const fs::path& file) {
  copyAttributes(from, to, file);
  for (const auto& name : from.children()) {
    if (name == parts[depth]) {
      if (depth + 1 < parts.size() && from.isGroup(name))
        copyExcept(from.openGroup(name), to.createGroup(name), parts, depth + 1, file);
      continue;  // the array being replaced (or whatever held its name)
    }
    if (const auto soft = from.softLinkTarget(name)) {
      H5Lcreate_soft(soft->c_str(), to.id(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
      continue;
    }
    if (H5Ocopy(from.id(), name.c_str(), to.id(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0)
      throw FileError(
          file, "cannot keep '" + from.objectPath() + "/" + name + "' while replacing the labels");
  }
}

void writeHdf5(const fs::path& target, const std::vector<std::string>& parts,
               const std::string& internalPath, Layout& layout,
               const std::function<void(double)>& progress) {
  const auto& v = layout.v;
  std::error_code ec;
  std::optional<h5::File> old;
  if (fs::is_regular_file(target, ec) && H5Fis_hdf5(target.c_str()) > 0)
    old.emplace(h5::File::openReadOnly(target));
  writeHdf5Atomically(target, [&](const h5::Group& root) {
    if (old) copyExcept(old->root(), root, parts, 0, target);
    h5::Group group = root;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i)
      group = group.exists(parts[i]) ? group.openGroup(parts[i]) : group.createGroup(parts[i]);
    const auto shape = layout.shape();
    const auto chunks = layout.chunks();
    const int rank = static_cast<int>(shape.size());
    const std::vector<hsize_t> dims(shape.begin(), shape.end()),
        chunk(chunks.begin(), chunks.end());
    h5::Handle space(H5Screate_simple(rank, dims.data(), nullptr));
    h5::Handle properties(H5Pcreate(H5P_DATASET_CREATE));
    H5Pset_chunk(properties.id(), rank, chunk.data());
    H5Pset_shuffle(properties.id());
    H5Pset_deflate(properties.id(), 1);
    const hid_t type = hdf5Type(v.type);
    h5::Handle dataset(H5Dcreate2(group.id(), parts.back().c_str(), type, space.id(), H5P_DEFAULT,
                                  properties.id(), H5P_DEFAULT));
    if (!dataset.valid()) throw FileError(target, "cannot create dataset " + internalPath);
    const std::size_t steps = layout.layers() * v.channels;
    std::size_t step = 0;
    for (std::size_t l = 0; l < layout.layers(); ++l)
      for (std::size_t c = 0; c < v.channels; ++c) {
        std::vector<hsize_t> start{l * layout.cz, 0, 0}, count{layout.planes(l), v.y, v.x};
        if (layout.fourD) {
          start.insert(start.begin(), c);
          count.insert(count.begin(), 1);
        }
        h5::Handle fileSpace(H5Dget_space(dataset.id()));
        H5Sselect_hyperslab(fileSpace.id(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                            nullptr);
        h5::Handle memory(H5Screate_simple(rank, count.data(), nullptr));
        if (H5Dwrite(dataset.id(), type, memory.id(), fileSpace.id(), H5P_DEFAULT,
                     layout.layer(c, l)) < 0)
          throw FileError(target, "cannot write " + internalPath);
        if (progress) progress(static_cast<double>(++step) / static_cast<double>(steps));
      }
    for (const auto& [key, value] : v.attributes) {
      h5::Handle stringType(H5Tcopy(H5T_C_S1));
      H5Tset_size(stringType.id(), std::max<std::size_t>(1, value.size()));
      h5::Handle scalar(H5Screate(H5S_SCALAR));
      h5::Handle attribute(H5Acreate2(dataset.id(), key.c_str(), stringType.id(), scalar.id(),
                                      H5P_DEFAULT, H5P_DEFAULT));
      if (!attribute.valid() || H5Awrite(attribute.id(), stringType.id(), value.c_str()) < 0)
        throw FileError(target, "cannot write attribute " + key);
    }
  });
}

// --- zarr ----------------------------------------------------------------------

void writeZarrArray(const fs::path& folder, const fs::path& store, Layout& layout,
                    const std::function<void(double)>& progress) {
  const auto& v = layout.v;
  fs::create_directories(folder);
  const nlohmann::json zarray{{"zarr_format", 2},
                              {"shape", layout.shape()},
                              {"chunks", layout.chunks()},
                              {"dtype", zarrType(v.type)},
                              {"compressor", {{"id", "zlib"}, {"level", 1}}},
                              {"fill_value", 0},
                              {"order", "C"},
                              {"filters", nullptr}};
  writeText(folder / ".zarray", zarray.dump(4));
  nlohmann::json zattrs = nlohmann::json::object();
  for (const auto& [key, value] : v.attributes) {
    const auto parsed = nlohmann::json::parse(value, nullptr, false);
    zattrs[key] = parsed.is_discarded() || parsed.is_string() ? nlohmann::json(value) : parsed;
  }
  writeText(folder / ".zattrs", zattrs.dump(4));
  const std::size_t size = layout.voxelBytes, cz = layout.cz, cy = layout.cy, cx = layout.cx;
  const std::size_t chunkBytes = cz * cy * cx * size;
  std::vector<unsigned char> chunk(chunkBytes), packed(compressBound(chunkBytes));
  const std::size_t ny = (v.y + cy - 1) / cy, nx = (v.x + cx - 1) / cx;
  const std::size_t steps = layout.layers() * v.channels;
  std::size_t step = 0;
  for (std::size_t c = 0; c < v.channels; ++c)
    for (std::size_t iz = 0; iz < layout.layers(); ++iz) {
      const unsigned char* data = layout.layer(c, iz);
      const std::size_t planes = layout.planes(iz);
      for (std::size_t iy = 0; iy < ny; ++iy)
        for (std::size_t ix = 0; ix < nx; ++ix) {
          // Edge chunks are stored whole, padded with the fill value.
          std::fill(chunk.begin(), chunk.end(), 0);
          bool any = false;
          const std::size_t x0 = ix * cx, width = std::min(cx, v.x - x0);
          for (std::size_t z = 0; z < planes; ++z)
            for (std::size_t y = 0; y < cy && iy * cy + y < v.y; ++y) {
              const auto* from = data + ((z * v.y + iy * cy + y) * v.x + x0) * size;
              std::memcpy(chunk.data() + ((z * cy + y) * cx) * size, from, width * size);
              if (!any) any = std::any_of(from, from + width * size, [](auto b) { return b != 0; });
            }
          if (!any) continue;  // a missing chunk reads as the fill value
          uLongf packedSize = static_cast<uLongf>(packed.size());
          if (compress2(packed.data(), &packedSize, chunk.data(), static_cast<uLong>(chunkBytes),
                        1) != Z_OK)
            throw FileError(store, "cannot compress a chunk");
          auto name = std::to_string(iz) + "." + std::to_string(iy) + "." + std::to_string(ix);
          if (layout.fourD) name = std::to_string(c) + "." + name;
          std::ofstream out(folder / name, std::ios::binary);
          out.write(reinterpret_cast<const char*>(packed.data()),
                    static_cast<std::streamsize>(packedSize));
          if (!out) throw FileError(store, "cannot write chunk " + name);
        }
      if (progress) progress(static_cast<double>(++step) / static_cast<double>(steps));
    }
  for (const auto& entry : fs::recursive_directory_iterator(folder))
    if (entry.is_regular_file()) syncPath(entry.path(), false);
  syncPath(folder, true);
}

void writeZarr(const fs::path& store, const std::vector<std::string>& parts, Layout& layout,
               const std::function<void(double)>& progress) {
  const auto parent = store.has_parent_path() ? store.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(parent, ec))
    throw FileError(store, "folder '" + parent.string() + "' does not exist");
  if (fs::exists(store, ec) && !fs::is_directory(store, ec))
    throw FileError(store, "exists and is not a zarr directory store");
  // The container and the groups on the way (kept when they exist).
  fs::path folder = store;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    fs::create_directories(folder, ec);
    if (ec) throw FileError(folder, "cannot create the folder: " + ec.message());
    if (!fs::exists(folder / ".zgroup") && !fs::exists(folder / ".zarray"))
      writeText(folder / ".zgroup", "{\n    \"zarr_format\": 2\n}\n");
    if (i + 1 < parts.size()) folder /= parts[i];
  }
  const auto array = folder / parts.back();
  const auto temporary = folder / ("." + parts.back() + ".saving-" + std::to_string(::getpid()));
  fs::remove_all(temporary, ec);
  try {
    writeZarrArray(temporary, store, layout, progress);
  } catch (...) {
    fs::remove_all(temporary, ec);
    throw;
  }
  if (fs::exists(array, ec)) {
    // Swap the new array in at once, then remove the old one.
    if (::syscall(SYS_renameat2, AT_FDCWD, temporary.c_str(), AT_FDCWD, array.c_str(),
                  RENAME_EXCHANGE) != 0) {
      const std::string reason = std::strerror(errno);
      fs::remove_all(temporary, ec);
      throw FileError(store, "cannot replace " + array.string() + ": " + reason);
    }
    fs::remove_all(temporary, ec);
  } else if (std::rename(temporary.c_str(), array.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    fs::remove_all(temporary, ec);
    throw FileError(store, "cannot create " + array.string() + ": " + reason);
  }
  syncPath(folder, true);
}

}  // namespace

void writeLabelVolume(const fs::path& container, const std::string& internalPath,
                      const LabelVolumeToWrite& volume,
                      const std::function<void(double)>& progress) {
  const auto format = containerFormatFor(container);
  check(volume, container);
  const auto parts = pathParts(internalPath);
  if (parts.empty()) throw FileError(container, "no array name");
  Layout layout(volume);
  if (format == ContainerFormat::Zarr)
    writeZarr(container, parts, layout, progress);
  else
    writeHdf5(container, parts, internalPath, layout, progress);
}

}  // namespace nl::io::microscopy
