#pragma once
// Writes a label volume in the FISBe layout: a container (zarr v2 directory
// or HDF5 file) holding the array at an internal path such as
// "volumes/labels", as the FISBe prediction files hold
// "volumes/gmm_label_cleaned" — what io/microscopy's readers open lazily and
// fisbe.evaluate scores directly. Existing containers are kept (the labels
// can sit beside the raw image); an existing array at the path is replaced.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace nl::analysis::segmentation {

enum class ContainerFormat { Zarr, Hdf5 };

// ".zarr" → Zarr; ".h5", ".hdf", ".hdf5" → Hdf5; anything else:
// std::invalid_argument naming the path.
ContainerFormat containerFormatFor(const std::filesystem::path& path);

struct LabelArray {
  const void* data = nullptr;       // C order
  int bytesPerVoxel = 2;            // 1, 2 or 4 (unsigned)
  std::vector<std::size_t> shape;   // (z, y, x) or (c, z, y, x)
  std::vector<std::size_t> chunks;  // same rank; empty: 64 × 128 × 128 (1 × … with channels)
  std::map<std::string, std::string> attributes;  // string attributes (.zattrs / HDF5)
};

// std::runtime_error naming the file when it cannot be written.
void writeLabelArray(const std::filesystem::path& container, const std::string& internalPath,
                     const LabelArray& array);

}  // namespace nl::analysis::segmentation
