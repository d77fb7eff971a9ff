#include "io/microscopy/Hdf5Volume.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "io/hdf5/H5.h"
#include "io/microscopy/ChunkedVolumeSource.h"
#include "io/microscopy/Codecs.h"

namespace nl::io::microscopy {

namespace {

namespace fs = std::filesystem;

std::string normalise(const std::string& internalPath) {
  std::string relative = internalPath;
  while (!relative.empty() && relative.front() == '/') relative.erase(relative.begin());
  return relative;
}

// The voxel type of an HDF5 datatype, and whether its bytes need swapping.
std::optional<std::pair<VoxelType, bool>> voxelTypeOfHdf5(hid_t type) {
  const H5T_class_t typeClass = H5Tget_class(type);
  const std::size_t size = H5Tget_size(type);
  const bool swap =
      size > 1 && (H5Tget_order(type) == H5T_ORDER_BE) != (std::endian::native == std::endian::big);
  if (typeClass == H5T_ENUM && size == 1) return std::pair{VoxelType::Bool, false};  // h5py bool
  if (typeClass == H5T_FLOAT) {
    if (size == 4) return std::pair{VoxelType::Float32, swap};
    if (size == 8) return std::pair{VoxelType::Float64, swap};
    return std::nullopt;
  }
  if (typeClass != H5T_INTEGER) return std::nullopt;
  const bool isSigned = H5Tget_sign(type) == H5T_SGN_2;
  switch (size) {
    case 1:
      return std::pair{isSigned ? VoxelType::Int8 : VoxelType::UInt8, false};
    case 2:
      return std::pair{isSigned ? VoxelType::Int16 : VoxelType::UInt16, swap};
    case 4:
      return std::pair{isSigned ? VoxelType::Int32 : VoxelType::UInt32, swap};
    case 8:
      return std::pair{isSigned ? VoxelType::Int64 : VoxelType::UInt64, swap};
    default:
      return std::nullopt;
  }
}

struct Layout {
  std::vector<std::size_t> dims;       // file axes after dropping a leading axis of size 1
  std::vector<std::size_t> chunkDims;  // same axes
  std::vector<std::size_t> toVolume;   // file axis → volume axis (0 c, 1 z, 2 y, 3 x)
  bool dropLeading = false;
  bool channelLast = false;
};

class Hdf5Source final : public ChunkedVolumeSource {
 public:
  Hdf5Source(h5::Group root, h5::Handle dataset, fs::path path, std::string objectPath,
             Layout layout, VolumeShape shape, VolumeShape chunks, VoxelType type, bool swap,
             std::vector<unsigned char> fill, bool rawChunks, std::vector<H5Z_filter_t> filters)
      : ChunkedVolumeSource(shape, chunks, type, std::move(fill)),
        root_(std::move(root)),
        dataset_(std::move(dataset)),
        path_(std::move(path)),
        objectPath_(std::move(objectPath)),
        layout_(std::move(layout)),
        swap_(swap),
        rawChunks_(rawChunks),
        filters_(std::move(filters)) {}
  std::string format() const override { return "hdf5"; }

 protected:
  bool decodeChunk(const ChunkIndex& index, std::vector<unsigned char>& out) const override {
    // Chunk origin and size in file axes.
    const std::size_t rank = layout_.dims.size();
    std::vector<hsize_t> offset(rank), count(rank);
    std::size_t bytes = voxelTypeSize(voxelType());
    for (std::size_t i = 0; i < rank; ++i) {
      offset[i] = index[layout_.toVolume[i]] * layout_.chunkDims[i];
      count[i] = std::min<hsize_t>(layout_.chunkDims[i], layout_.dims[i] - offset[i]);
      bytes *= layout_.chunkDims[i];
    }
    std::vector<unsigned char> fileOrder;
    unsigned char* target = out.data();
    if (layout_.channelLast) {
      fileOrder.resize(bytes);
      target = fileOrder.data();
    }
    const auto fail = [&](const std::string& why) -> FileError {
      std::string where;
      for (std::size_t i = 0; i < rank; ++i) where += (i ? "," : "") + std::to_string(offset[i]);
      return FileError(path_, objectPath_ + " chunk at (" + where + "): " + why);
    };
    bool present = true;
    const bool raw = rawChunks_ && readRaw(offset, target, bytes, present, fail);
    if (!raw) readHyperslab(offset, count, target, fail);
    if (!present) return false;
    // The library converts hyperslab reads to native order; raw chunks are as stored.
    if (raw && swap_) swapByteOrder(target, bytes, voxelTypeSize(voxelType()));
    if (layout_.channelLast) {
      transposeElements(fileOrder.data(), layout_.chunkDims, {3, 0, 1, 2},
                        voxelTypeSize(voxelType()), out.data());
    }
    if (voxelType() == VoxelType::Bool)
      for (auto& b : out) b = b != 0;
    return true;
  }

 private:
  std::vector<hsize_t> fileOffset(const std::vector<hsize_t>& offset) const {
    std::vector<hsize_t> full;
    if (layout_.dropLeading) full.push_back(0);
    full.insert(full.end(), offset.begin(), offset.end());
    return full;
  }

  // Raw chunk + our own inflate/unshuffle, so that decompression runs in
  // parallel. False when the library cannot hand out this chunk raw.
  template <typename Fail>
  bool readRaw(const std::vector<hsize_t>& offset, unsigned char* target, std::size_t bytes,
               bool& present, const Fail& fail) const {
    const std::vector<hsize_t> full = fileOffset(offset);
    hsize_t stored = 0;
    std::vector<unsigned char> raw;
    std::uint32_t mask = 0;
    // Library errors here are expected answers (e.g. a filter the raw path
    // cannot serve); keep them off stderr on every thread.
    unsigned storedMask = 0;
    haddr_t address = HADDR_UNDEF;
    herr_t status = -1;
    H5E_BEGIN_TRY {
      status =
          H5Dget_chunk_info_by_coord(dataset_.id(), full.data(), &storedMask, &address, &stored);
    }
    H5E_END_TRY;
    if (status < 0) return false;
    if (address == HADDR_UNDEF) {
      present = false;  // never written: the dataset's fill value
      return true;
    }
    if (stored > bytes + bytes / 2 + 65536)
      throw fail("stored chunk of " + std::to_string(stored) + " bytes is implausibly large");
    raw.resize(static_cast<std::size_t>(stored));
    H5E_BEGIN_TRY {
      status = H5Dread_chunk(dataset_.id(), H5P_DEFAULT, full.data(), &mask, raw.data());
    }
    H5E_END_TRY;
    if (status < 0) return false;
    // The filters to undo, last applied first (a bit set in the mask: skipped
    // when the chunk was written). The last one decodes straight into `target`.
    std::vector<H5Z_filter_t> undo;
    for (std::size_t f = filters_.size(); f-- > 0;)
      if (!(mask & (1u << f))) undo.push_back(filters_[f]);
    if (undo.empty()) {
      if (raw.size() != bytes)
        throw fail("chunk holds " + std::to_string(raw.size()) + " bytes, not " +
                   std::to_string(bytes));
      std::memcpy(target, raw.data(), bytes);
      return true;
    }
    std::vector<unsigned char> work;
    for (std::size_t k = 0; k < undo.size(); ++k) {
      const bool last = k + 1 == undo.size();
      if (!last) work.resize(bytes);
      unsigned char* into = last ? target : work.data();
      if (undo[k] == H5Z_FILTER_SHUFFLE && raw.size() != bytes)
        throw fail("shuffled chunk holds " + std::to_string(raw.size()) + " bytes, not " +
                   std::to_string(bytes));
      try {
        if (undo[k] == H5Z_FILTER_DEFLATE)
          codecs::decompress(codecs::Compressor::Zlib, raw.data(), raw.size(), into, bytes);
        else
          codecs::unshuffleBytes(raw.data(), bytes, voxelTypeSize(voxelType()), into);
      } catch (const std::runtime_error& e) {
        throw fail(e.what());
      }
      if (!last) raw.swap(work);
    }
    return true;
  }

  template <typename Fail>
  void readHyperslab(const std::vector<hsize_t>& offset, const std::vector<hsize_t>& count,
                     unsigned char* target, const Fail& fail) const {
    const std::vector<hsize_t> fileStart = fileOffset(offset);
    std::vector<hsize_t> fileCount;
    if (layout_.dropLeading) fileCount.push_back(1);
    fileCount.insert(fileCount.end(), count.begin(), count.end());
    std::vector<hsize_t> memDims(layout_.chunkDims.begin(), layout_.chunkDims.end());
    std::vector<hsize_t> zeros(memDims.size(), 0);
    h5::Handle fileSpace(H5Dget_space(dataset_.id()));
    h5::Handle memSpace(
        H5Screate_simple(static_cast<int>(memDims.size()), memDims.data(), nullptr));
    h5::Handle fileType(H5Dget_type(dataset_.id()));
    h5::Handle memType(fileType.valid() ? H5Tget_native_type(fileType.id(), H5T_DIR_ASCEND)
                                        : H5I_INVALID_HID);
    if (!fileSpace.valid() || !memSpace.valid() || !memType.valid() ||
        H5Sselect_hyperslab(fileSpace.id(), H5S_SELECT_SET, fileStart.data(), nullptr,
                            fileCount.data(), nullptr) < 0 ||
        H5Sselect_hyperslab(memSpace.id(), H5S_SELECT_SET, zeros.data(), nullptr, count.data(),
                            nullptr) < 0 ||
        H5Dread(dataset_.id(), memType.id(), memSpace.id(), fileSpace.id(), H5P_DEFAULT, target) <
            0) {
      H5Eclear2(H5E_DEFAULT);
      throw fail("cannot be read (corrupt chunk or a filter this HDF5 library lacks)");
    }
  }

  h5::Group root_;  // keeps the file open
  h5::Handle dataset_;
  fs::path path_;
  std::string objectPath_;
  Layout layout_;
  bool swap_;  // only for raw chunks; the library converts hyperslab reads
  bool rawChunks_;
  std::vector<H5Z_filter_t> filters_;
};

}  // namespace

std::shared_ptr<VolumeDataset> openHdf5Volume(const fs::path& path, const std::string& internalPath,
                                              const VolumeOpenOptions& options) {
  const std::string relative = normalise(internalPath);
  auto file = h5::File::openReadOnly(path);
  h5::Group root = file.root();
  if (relative.empty() || !root.isDataset(relative))
    throw FileError(path, "no dataset at '" + internalPath + "'");
  h5::Handle dataset(H5Dopen2(root.id(), relative.c_str(), H5P_DEFAULT));
  if (!dataset.valid()) throw FileError(path, "cannot open dataset '" + internalPath + "'");
  const std::string objectPath = "/" + relative;
  h5::Handle type(H5Dget_type(dataset.id()));
  const auto voxel = type.valid() ? voxelTypeOfHdf5(type.id()) : std::nullopt;
  if (!voxel)
    throw FileError(path, objectPath + " has type " + root.datasetTypeName(relative) +
                              ", not a numeric voxel type (integers, float32, float64, bool)");
  h5::Handle space(H5Dget_space(dataset.id()));
  const int rank = space.valid() ? H5Sget_simple_extent_ndims(space.id()) : -1;
  if (rank < 2 || rank > 5)
    throw FileError(path, objectPath + " has rank " + std::to_string(rank) +
                              "; a volume needs 2 to 4 axes (or 5 with a leading axis of size 1)");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  h5::Handle dcpl(H5Dget_create_plist(dataset.id()));

  Layout layout;
  layout.dropLeading = rank == 5;
  if (layout.dropLeading && dims[0] != 1)
    throw FileError(path, objectPath + " has 5 axes and the first has " + std::to_string(dims[0]) +
                              " entries; only a leading axis of size 1 can be dropped");
  for (std::size_t i = layout.dropLeading ? 1 : 0; i < dims.size(); ++i)
    layout.dims.push_back(static_cast<std::size_t>(dims[i]));
  const std::size_t r = layout.dims.size();
  if (r == 4) {
    const bool last = options.channelAxis == VolumeOpenOptions::ChannelAxis::Last ||
                      (options.channelAxis == VolumeOpenOptions::ChannelAxis::Auto &&
                       layout.dims[3] <= 4 && layout.dims[0] > 4);
    layout.channelLast = last;
    layout.toVolume =
        last ? std::vector<std::size_t>{1, 2, 3, 0} : std::vector<std::size_t>{0, 1, 2, 3};
  } else {
    for (std::size_t i = 0; i < r; ++i) layout.toVolume.push_back(4 - r + i);
  }

  const bool chunked = H5Pget_layout(dcpl.id()) == H5D_CHUNKED;
  const std::size_t elementSize = voxelTypeSize(voxel->first);
  if (chunked) {
    std::vector<hsize_t> chunkDims(static_cast<std::size_t>(rank));
    if (H5Pget_chunk(dcpl.id(), rank, chunkDims.data()) != rank)
      throw FileError(path, objectPath + " has an unreadable chunk layout");
    for (std::size_t i = layout.dropLeading ? 1 : 0; i < chunkDims.size(); ++i)
      layout.chunkDims.push_back(static_cast<std::size_t>(std::max<hsize_t>(1, chunkDims[i])));
  } else {
    // Contiguous (or compact): slabs of whole planes, about 16 MB each.
    layout.chunkDims = layout.dims;
    for (auto& d : layout.chunkDims) d = std::max<std::size_t>(1, d);
    std::size_t plane = elementSize;
    for (std::size_t i = 1; i < r; ++i) plane *= layout.chunkDims[i];
    layout.chunkDims[0] = std::clamp<std::size_t>(
        (std::size_t{16} << 20) / std::max<std::size_t>(1, plane), 1, layout.chunkDims[0]);
  }
  std::size_t chunkBytes = elementSize;
  for (auto d : layout.chunkDims)
    if (__builtin_mul_overflow(chunkBytes, d, &chunkBytes) || chunkBytes > (std::size_t{1} << 30))
      throw FileError(path, objectPath + " has chunks larger than 1 GiB");

  std::array<std::size_t, 4> shape{1, 1, 1, 1}, chunks{1, 1, 1, 1};
  for (std::size_t i = 0; i < r; ++i) {
    shape[layout.toVolume[i]] = layout.dims[i];
    chunks[layout.toVolume[i]] = layout.chunkDims[i];
  }

  // Raw chunk reads when every filter is one we decode ourselves.
  std::vector<H5Z_filter_t> filters;
  bool rawChunks = chunked;
  if (chunked) {
    const int n = H5Pget_nfilters(dcpl.id());
    for (int f = 0; f < n; ++f) {
      unsigned flags = 0;
      std::size_t elements = 0;
      unsigned char name[64];
      const H5Z_filter_t id =
          H5Pget_filter2(dcpl.id(), static_cast<unsigned>(f), &flags, &elements, nullptr,
                         sizeof(name), reinterpret_cast<char*>(name), nullptr);
      if (id != H5Z_FILTER_DEFLATE && id != H5Z_FILTER_SHUFFLE) rawChunks = false;
      filters.push_back(id);
    }
  }

  std::vector<unsigned char> fill(elementSize, 0);
  {
    h5::Handle memType(H5Tget_native_type(type.id(), H5T_DIR_ASCEND));
    H5D_fill_value_t defined = H5D_FILL_VALUE_UNDEFINED;
    if (memType.valid() && H5Pfill_value_defined(dcpl.id(), &defined) >= 0 &&
        defined != H5D_FILL_VALUE_UNDEFINED &&
        H5Pget_fill_value(dcpl.id(), memType.id(), fill.data()) < 0)
      std::fill(fill.begin(), fill.end(), 0);
    H5Eclear2(H5E_DEFAULT);
  }

  // HDF5 has no agreed voxel-size attribute; ilastik and Fiji write
  // element_size_um (z, y, x), read by the one grid parser.
  VoxelSize voxelSize;
  Attributes fileAttributes;
  const h5::Location datasetLocation(nullptr, dataset.id(), path, objectPath);
  if (datasetLocation.hasAttribute("label_encoding"))  // as NeuroLoupe writes it
    fileAttributes["label_encoding"] =
        datasetLocation.stringAttribute("label_encoding").value_or("");
  if (datasetLocation.hasAttribute("element_size_um")) {
    fileAttributes["element_size_um"] = datasetLocation.attributeText("element_size_um");
    try {
      const auto spacing = readSpacing(objectPath, fileAttributes);
      voxelSize = {spacing[0], spacing[1], spacing[2], "micrometer"};
    } catch (const VolumeGridError& error) {
      throw FileError(path, error.what());
    }
  }
  const VolumeShape volumeShape{shape[0], shape[1], shape[2], shape[3]};
  const VolumeShape chunkShape{chunks[0], chunks[1], chunks[2], chunks[3]};
  const std::string channelAxis = r < 4 ? "none" : layout.channelLast ? "last" : "first";
  auto source = std::make_shared<Hdf5Source>(
      std::move(root), std::move(dataset), path, objectPath, std::move(layout), volumeShape,
      chunkShape, voxel->first, voxel->second, std::move(fill), rawChunks, std::move(filters));
  if (options.cacheBytes) source->setCacheLimitBytes(*options.cacheBytes);
  source->setThreadCount(options.threads);
  const LabelEncoding labels =
      chooseLabelEncoding(options, relative, voxel->first, volumeShape.channels, &fileAttributes);
  Attributes attributes = volumeAttributes(*source, voxelSize, labels, std::move(fileAttributes));
  attributes["channel_axis"] = channelAxis;
  return std::make_shared<VolumeDataset>(
      objectPath, std::move(source), voxelSize, labels,
      Provenance::fromFile(path.string(), objectPath, "HDF5 volume"), std::move(attributes));
}

bool isHdf5Volume(const fs::path& path, const std::string& internalPath, std::size_t minBytes) {
  try {
    if (!h5::isHdf5File(path)) return false;
    const std::string relative = normalise(internalPath);
    const auto root = h5::File::openReadOnly(path).root();
    if (relative.empty() || !root.isDataset(relative) || !root.datasetIsNumeric(relative))
      return false;
    const auto shape = root.datasetShape(relative);
    if (shape.size() < 3) return false;
    h5::Handle dataset(H5Dopen2(root.id(), relative.c_str(), H5P_DEFAULT));
    h5::Handle type(dataset.valid() ? H5Dget_type(dataset.id()) : H5I_INVALID_HID);
    if (!type.valid()) return false;
    std::size_t bytes = H5Tget_size(type.id());
    for (auto d : shape)
      if (__builtin_mul_overflow(bytes, d, &bytes)) return true;
    return bytes >= minBytes;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace nl::io::microscopy
