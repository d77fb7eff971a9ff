#include "analysis/segmentation/LabelWriter.h"

#include <hdf5.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace nl::analysis::segmentation {

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

std::vector<std::size_t> chunksOf(const LabelArray& array) {
  if (!array.chunks.empty()) return array.chunks;
  std::vector<std::size_t> chunks(array.shape.size(), 1);
  const std::size_t rank = array.shape.size();
  const std::size_t spatial[3] = {64, 128, 128};
  for (std::size_t a = 0; a < 3 && a < rank; ++a)
    chunks[rank - 3 + a] =
        std::min(spatial[a], std::max<std::size_t>(1, array.shape[rank - 3 + a]));
  return chunks;
}

void writeText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write '" + path.string() + "'");
}

void writeZarr(const fs::path& container, const std::string& internalPath,
               const LabelArray& array) {
  std::error_code error;
  fs::create_directories(container, error);
  if (error)
    throw std::runtime_error("cannot create '" + container.string() + "': " + error.message());
  if (!fs::exists(container / ".zgroup"))
    writeText(container / ".zgroup", "{\"zarr_format\": 2}\n");
  fs::path arrayPath = container;
  fs::path parent = container;
  const fs::path relative(internalPath);
  for (auto it = relative.begin(); it != relative.end(); ++it) {
    arrayPath /= *it;
    if (std::next(it) != relative.end()) {
      fs::create_directories(arrayPath);
      if (!fs::exists(arrayPath / ".zgroup"))
        writeText(arrayPath / ".zgroup", "{\"zarr_format\": 2}\n");
    }
  }
  if (fs::exists(arrayPath)) fs::remove_all(arrayPath);
  fs::create_directories(arrayPath, error);
  if (error) throw std::runtime_error("cannot create '" + arrayPath.string() + "'");
  const auto chunks = chunksOf(array);
  const std::string dtype = array.bytesPerVoxel == 1   ? "|u1"
                            : array.bytesPerVoxel == 2 ? "<u2"
                                                       : "<u4";
  nlohmann::json meta{{"zarr_format", 2},
                      {"shape", array.shape},
                      {"chunks", chunks},
                      {"dtype", dtype},
                      {"compressor", {{"id", "zlib"}, {"level", 1}}},
                      {"fill_value", 0},
                      {"order", "C"},
                      {"filters", nullptr}};
  writeText(arrayPath / ".zarray", meta.dump(2));
  nlohmann::json attributes = nlohmann::json::object();
  for (const auto& [key, value] : array.attributes) {
    const auto parsed = nlohmann::json::parse(value, nullptr, false);
    attributes[key] = parsed.is_discarded() ? nlohmann::json(value) : parsed;
  }
  writeText(arrayPath / ".zattrs", attributes.dump(2));
  const std::size_t rank = array.shape.size();
  std::vector<std::size_t> grid(rank), index(rank, 0), strides(rank, 1);
  for (std::size_t a = 0; a < rank; ++a) grid[a] = (array.shape[a] + chunks[a] - 1) / chunks[a];
  for (std::size_t a = rank - 1; a > 0; --a) strides[a - 1] = strides[a] * array.shape[a];
  std::size_t chunkVoxels = 1;
  for (auto c : chunks) chunkVoxels *= c;
  const std::size_t bytes = chunkVoxels * array.bytesPerVoxel;
  std::vector<unsigned char> chunk(bytes), compressed(compressBound(bytes));
  const auto* source = static_cast<const unsigned char*>(array.data);
  while (true) {
    // Copy the chunk (zarr chunks at the edge are full size, padded with fill).
    std::fill(chunk.begin(), chunk.end(), 0);
    bool any = false;
    std::vector<std::size_t> inner(rank, 0);
    const std::size_t rowVoxels = chunks[rank - 1];
    while (true) {
      bool inside = true;
      std::size_t offset = 0, target = 0;
      for (std::size_t a = 0; a + 1 < rank; ++a) {
        const std::size_t g = index[a] * chunks[a] + inner[a];
        if (g >= array.shape[a]) inside = false;
        offset += g * strides[a];
        target = target * chunks[a] + inner[a];
      }
      target *= rowVoxels;
      if (inside) {
        const std::size_t x0 = index[rank - 1] * chunks[rank - 1];
        const std::size_t n = std::min(rowVoxels, array.shape[rank - 1] - x0);
        const unsigned char* from = source + (offset + x0) * array.bytesPerVoxel;
        std::memcpy(chunk.data() + target * array.bytesPerVoxel, from, n * array.bytesPerVoxel);
        for (std::size_t t = 0; t < n * array.bytesPerVoxel && !any; ++t) any = from[t] != 0;
      }
      std::size_t a = rank - 1;
      while (a > 0) {
        --a;
        if (++inner[a] < chunks[a]) break;
        inner[a] = 0;
        if (a == 0) {
          a = rank;  // done
          break;
        }
      }
      if (a == rank || rank == 1) break;
    }
    if (any) {  // all-zero chunks stay absent: zarr reads them as fill_value
      uLongf size = compressed.size();
      if (compress2(compressed.data(), &size, chunk.data(), bytes, 1) != Z_OK)
        throw std::runtime_error("zlib failed on a chunk of '" + arrayPath.string() + "'");
      std::string name;
      for (std::size_t a = 0; a < rank; ++a) name += (a ? "." : "") + std::to_string(index[a]);
      std::ofstream out(arrayPath / name, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(compressed.data()),
                static_cast<std::streamsize>(size));
      if (!out)
        throw std::runtime_error("cannot write chunk '" + (arrayPath / name).string() + "'");
    }
    std::size_t a = rank;
    while (a > 0) {
      --a;
      if (++index[a] < grid[a]) break;
      index[a] = 0;
      if (a == 0) return;
    }
  }
}

struct H5Id {
  hid_t id;
  herr_t (*close)(hid_t);
  ~H5Id() {
    if (id >= 0) close(id);
  }
};

void writeHdf5(const fs::path& path, const std::string& internalPath, const LabelArray& array) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  auto fail = [&](const std::string& what) {
    throw std::runtime_error("'" + path.string() + "': " + what);
  };
  hid_t file = -1;
  if (fs::exists(path) && H5Fis_hdf5(path.c_str()) > 0)
    file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  else
    file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (file < 0) fail("cannot open or create the HDF5 file for writing");
  H5Id fileId{file, H5Fclose};
  const std::string name = internalPath.starts_with('/') ? internalPath.substr(1) : internalPath;
  if (H5Lexists(file, name.c_str(), H5P_DEFAULT) > 0 &&
      H5Ldelete(file, name.c_str(), H5P_DEFAULT) < 0)
    fail("cannot replace '" + name + "'");
  H5Id links{H5Pcreate(H5P_LINK_CREATE), H5Pclose};
  H5Pset_create_intermediate_group(links.id, 1);
  std::vector<hsize_t> dims(array.shape.begin(), array.shape.end());
  const auto chunkSizes = chunksOf(array);
  std::vector<hsize_t> chunkDims(chunkSizes.begin(), chunkSizes.end());
  H5Id space{H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose};
  H5Id create{H5Pcreate(H5P_DATASET_CREATE), H5Pclose};
  H5Pset_chunk(create.id, static_cast<int>(chunkDims.size()), chunkDims.data());
  H5Pset_shuffle(create.id);
  H5Pset_deflate(create.id, 1);
  const hid_t type = array.bytesPerVoxel == 1   ? H5T_STD_U8LE
                     : array.bytesPerVoxel == 2 ? H5T_STD_U16LE
                                                : H5T_STD_U32LE;
  const hid_t memory = array.bytesPerVoxel == 1   ? H5T_NATIVE_UINT8
                       : array.bytesPerVoxel == 2 ? H5T_NATIVE_UINT16
                                                  : H5T_NATIVE_UINT32;
  H5Id dataset{H5Dcreate2(file, name.c_str(), type, space.id, links.id, create.id, H5P_DEFAULT),
               H5Dclose};
  if (dataset.id < 0) fail("cannot create dataset '" + name + "'");
  if (H5Dwrite(dataset.id, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, array.data) < 0)
    fail("cannot write dataset '" + name + "'");
  for (const auto& [key, value] : array.attributes) {
    H5Id stringType{H5Tcopy(H5T_C_S1), H5Tclose};
    H5Tset_size(stringType.id, std::max<std::size_t>(1, value.size()));
    H5Id scalar{H5Screate(H5S_SCALAR), H5Sclose};
    H5Id attribute{
        H5Acreate2(dataset.id, key.c_str(), stringType.id, scalar.id, H5P_DEFAULT, H5P_DEFAULT),
        H5Aclose};
    if (attribute.id < 0 || H5Awrite(attribute.id, stringType.id, value.c_str()) < 0)
      fail("cannot write attribute '" + key + "'");
  }
  if (H5Fflush(file, H5F_SCOPE_LOCAL) < 0) fail("cannot flush");
}

}  // namespace

void writeLabelArray(const fs::path& container, const std::string& internalPath,
                     const LabelArray& array) {
  if (array.shape.size() < 3 || array.shape.size() > 4)
    throw std::invalid_argument("a label volume is (z, y, x) or (c, z, y, x)");
  if (containerFormatFor(container) == ContainerFormat::Zarr)
    writeZarr(container, internalPath, array);
  else
    writeHdf5(container, internalPath, array);
}

}  // namespace nl::analysis::segmentation
