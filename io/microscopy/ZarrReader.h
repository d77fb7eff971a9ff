#pragma once
// zarr v2 arrays and groups on disk (.zarray, .zgroup, .zattrs), read lazily
// chunk by chunk, with OME-Zarr multiscale metadata. Arrays of rank 1–4 map
// onto (c, z, y, x) from the right (a 3-D array has one channel); OME-Zarr
// axes map by name; leading axes of size 1 (e.g. OME time) are dropped.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "io/ReaderRegistry.h"
#include "io/microscopy/VolumeDataset.h"

namespace nl::io::microscopy {

// The array at `internalPath` below the zarr folder `root` ("" when `root`
// is the array itself). When the array is a level of an OME-Zarr multiscale
// group, its voxel size comes from the group's metadata. FileError on any
// problem with the metadata (naming the .zarray file).
std::shared_ptr<VolumeDataset> openZarrArray(const std::filesystem::path& root,
                                             const std::string& internalPath,
                                             const VolumeOpenOptions& options = {});

// Every array below `internalPath` ("" = the whole store): plain arrays by
// their path ("volumes/gt_instances"), each OME-Zarr multiscale image once,
// at the level `options` choose.
std::vector<std::shared_ptr<VolumeDataset>> openZarrGroup(const std::filesystem::path& root,
                                                          const std::string& internalPath,
                                                          const VolumeOpenOptions& options = {});

// FILE.zarr or any folder holding .zgroup/.zarray; FILE.zarr::path/in/store.
class ZarrReader final : public FileReader {
 public:
  std::string name() const override { return "zarr v2"; }
  std::vector<std::string> extensions() const override { return {".zarr"}; }
  bool readsFolders() const override { return true; }
  int confidence(const std::filesystem::path& path,
                 std::span<const unsigned char> head) const override;
  FileContents open(const std::filesystem::path& path,
                    const std::string& internalPath) const override;
};

}  // namespace nl::io::microscopy
