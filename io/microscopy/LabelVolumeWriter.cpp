#include "io/microscopy/LabelVolumeWriter.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/AtomicWrite.h"
#include "io/Error.h"
#include "io/hdf5/H5.h"

namespace nl::io::microscopy {

namespace {

constexpr std::size_t kChunk = 64;

void check(const LabelVolumeToWrite& v, const std::filesystem::path& target) {
  if (!v.data || v.z == 0 || v.y == 0 || v.x == 0) throw FileError(target, "no labels to write");
  if (!isIntegerVoxelType(v.type) || v.type == VoxelType::Bool)
    throw FileError(target,
                    "labels must be stored as integers, not " + std::string(voxelTypeName(v.type)));
}

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

void writeText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw FileError(path, "cannot write");
}

void syncFile(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void writeLabelVolumeHdf5(const std::filesystem::path& target, const std::string& internalPath,
                          const LabelVolumeToWrite& v,
                          const std::function<void(double)>& progress) {
  check(v, target);
  const auto parts = pathParts(internalPath);
  if (parts.empty()) throw FileError(target, "no dataset name");
  writeHdf5Atomically(target, [&](const h5::Group& root) {
    h5::Group group = root;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i)
      group = group.exists(parts[i]) ? group.openGroup(parts[i]) : group.createGroup(parts[i]);
    const hsize_t dims[3] = {v.z, v.y, v.x};
    const hsize_t chunk[3] = {std::min<hsize_t>(kChunk, v.z), std::min<hsize_t>(kChunk, v.y),
                              std::min<hsize_t>(kChunk, v.x)};
    h5::Handle space(H5Screate_simple(3, dims, nullptr));
    h5::Handle properties(H5Pcreate(H5P_DATASET_CREATE));
    H5Pset_chunk(properties.id(), 3, chunk);
    H5Pset_deflate(properties.id(), 1);
    const hid_t type = hdf5Type(v.type);
    h5::Handle dataset(H5Dcreate2(group.id(), parts.back().c_str(), type, space.id(), H5P_DEFAULT,
                                  properties.id(), H5P_DEFAULT));
    if (!dataset.valid()) throw FileError(target, "cannot create dataset " + internalPath);
    const std::size_t size = voxelTypeSize(v.type);
    // One chunk layer of planes at a time (progress, cancel).
    for (hsize_t z0 = 0; z0 < v.z; z0 += chunk[0]) {
      const hsize_t start[3] = {z0, 0, 0};
      const hsize_t count[3] = {std::min<hsize_t>(chunk[0], v.z - z0), v.y, v.x};
      h5::Handle fileSpace(H5Dget_space(dataset.id()));
      H5Sselect_hyperslab(fileSpace.id(), H5S_SELECT_SET, start, nullptr, count, nullptr);
      h5::Handle memory(H5Screate_simple(3, count, nullptr));
      const auto* from = static_cast<const unsigned char*>(v.data) + z0 * v.y * v.x * size;
      if (H5Dwrite(dataset.id(), type, memory.id(), fileSpace.id(), H5P_DEFAULT, from) < 0)
        throw FileError(target, "cannot write " + internalPath);
      if (progress) progress(static_cast<double>(z0 + count[0]) / static_cast<double>(v.z));
    }
    dataset.reset();
    for (const auto& [key, value] : v.attributes) {
      // Attributes on the dataset, through its parent group.
      h5::Handle object(H5Oopen(group.id(), parts.back().c_str(), H5P_DEFAULT));
      h5::Handle stringType(H5Tcopy(H5T_C_S1));
      H5Tset_size(stringType.id(), std::max<std::size_t>(1, value.size()));
      h5::Handle scalar(H5Screate(H5S_SCALAR));
      h5::Handle attribute(H5Acreate2(object.id(), key.c_str(), stringType.id(), scalar.id(),
                                      H5P_DEFAULT, H5P_DEFAULT));
      if (!attribute.valid() || H5Awrite(attribute.id(), stringType.id(), value.c_str()) < 0)
        throw FileError(target, "cannot write attribute " + key);
    }
  });
}

void writeLabelVolumeZarr(const std::filesystem::path& store, const std::string& internalPath,
                          const LabelVolumeToWrite& v,
                          const std::function<void(double)>& progress) {
  check(v, store);
  const auto parts = pathParts(internalPath);
  if (parts.empty()) throw FileError(store, "no array name");
  const auto parent = store.has_parent_path() ? store.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  if (!std::filesystem::is_directory(parent, ec))
    throw FileError(store, "folder '" + parent.string() + "' does not exist");
  const auto temporary =
      parent / ("." + store.filename().string() + ".saving-" + std::to_string(::getpid()));
  std::filesystem::remove_all(temporary, ec);
  try {
    std::filesystem::path folder = temporary;
    std::filesystem::create_directories(folder);
    writeText(folder / ".zgroup", "{\n    \"zarr_format\": 2\n}\n");
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      folder /= parts[i];
      std::filesystem::create_directories(folder);
      writeText(folder / ".zgroup", "{\n    \"zarr_format\": 2\n}\n");
    }
    folder /= parts.back();
    std::filesystem::create_directories(folder);
    const std::size_t c[3] = {std::min(kChunk, v.z), std::min(kChunk, v.y), std::min(kChunk, v.x)};
    const nlohmann::json zarray{{"zarr_format", 2},
                                {"shape", {v.z, v.y, v.x}},
                                {"chunks", {c[0], c[1], c[2]}},
                                {"dtype", zarrType(v.type)},
                                {"compressor", {{"id", "zlib"}, {"level", 1}}},
                                {"fill_value", 0},
                                {"order", "C"},
                                {"filters", nullptr}};
    writeText(folder / ".zarray", zarray.dump(4));
    nlohmann::json zattrs = nlohmann::json::object();
    for (const auto& [key, value] : v.attributes) zattrs[key] = value;
    writeText(folder / ".zattrs", zattrs.dump(4));

    const std::size_t size = voxelTypeSize(v.type);
    const std::size_t chunkBytes = c[0] * c[1] * c[2] * size;
    std::vector<unsigned char> chunk(chunkBytes), packed(compressBound(chunkBytes));
    const auto* data = static_cast<const unsigned char*>(v.data);
    const std::size_t nz = (v.z + c[0] - 1) / c[0], ny = (v.y + c[1] - 1) / c[1],
                      nx = (v.x + c[2] - 1) / c[2];
    for (std::size_t iz = 0; iz < nz; ++iz) {
      for (std::size_t iy = 0; iy < ny; ++iy)
        for (std::size_t ix = 0; ix < nx; ++ix) {
          // Edge chunks are stored whole, padded with the fill value.
          std::fill(chunk.begin(), chunk.end(), 0);
          bool any = false;
          for (std::size_t z = 0; z < c[0] && iz * c[0] + z < v.z; ++z)
            for (std::size_t y = 0; y < c[1] && iy * c[1] + y < v.y; ++y) {
              const std::size_t x0 = ix * c[2], width = std::min(c[2], v.x - x0);
              const auto* from = data + (((iz * c[0] + z) * v.y + iy * c[1] + y) * v.x + x0) * size;
              auto* to = chunk.data() + ((z * c[1] + y) * c[2]) * size;
              std::memcpy(to, from, width * size);
              if (!any)
                for (std::size_t b = 0; b < width * size; ++b)
                  if (from[b] != 0) {
                    any = true;
                    break;
                  }
            }
          if (!any) continue;  // a missing chunk reads as the fill value
          uLongf packedSize = static_cast<uLongf>(packed.size());
          if (compress2(packed.data(), &packedSize, chunk.data(), static_cast<uLong>(chunkBytes),
                        1) != Z_OK)
            throw FileError(store, "cannot compress a chunk");
          const auto name =
              std::to_string(iz) + "." + std::to_string(iy) + "." + std::to_string(ix);
          std::ofstream out(folder / name, std::ios::binary);
          out.write(reinterpret_cast<const char*>(packed.data()),
                    static_cast<std::streamsize>(packedSize));
          if (!out) throw FileError(store, "cannot write chunk " + name);
        }
      if (progress) progress(static_cast<double>(iz + 1) / static_cast<double>(nz));
    }
    for (const auto& entry : std::filesystem::recursive_directory_iterator(temporary))
      if (entry.is_regular_file()) syncFile(entry.path());
  } catch (...) {
    std::filesystem::remove_all(temporary, ec);
    throw;
  }
  if (std::filesystem::exists(store)) {
    // Swap the new store in at once, then remove the old one.
    if (::syscall(SYS_renameat2, AT_FDCWD, temporary.c_str(), AT_FDCWD, store.c_str(),
                  RENAME_EXCHANGE) != 0) {
      const std::string reason = std::strerror(errno);
      std::filesystem::remove_all(temporary, ec);
      throw FileError(store, "cannot replace the store: " + reason);
    }
    std::filesystem::remove_all(temporary, ec);
  } else if (std::rename(temporary.c_str(), store.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::filesystem::remove_all(temporary, ec);
    throw FileError(store, "cannot create the store: " + reason);
  }
}

}  // namespace nl::io::microscopy
