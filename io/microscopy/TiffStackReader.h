#pragma once
// Multi-page TIFF stacks (strips or tiles; LZW, deflate, PackBits, … —
// whatever this libtiff decodes; 8/16/32-bit integers, 32/64-bit floats) as
// lazily read volumes, one page per chunk, pages decoded on worker threads.
// Voxel size and channel layout come from, in this order: OME-XML in the
// first page's ImageDescription (OME-TIFF), an ImageJ description
// (channels=, slices=, spacing=, unit=, XResolution), or an OME-XML sidecar
// file next to the stack (voxel size only, used when its SizeX/SizeY/SizeZ
// match the stack).
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "io/ReaderRegistry.h"
#include "io/microscopy/VolumeDataset.h"

namespace nl::io::microscopy {

// The Pixels element of an OME-XML document.
struct OmePixels {
  std::size_t sizeX = 0, sizeY = 0, sizeZ = 1, sizeC = 1, sizeT = 1;
  std::string dimensionOrder = "XYZCT";
  std::optional<double> physicalX, physicalY, physicalZ;
  std::string unitX = "micrometer", unitY = "micrometer", unitZ = "micrometer";  // OME's default µm
};
// nullopt when there is no Pixels element; std::invalid_argument when its
// numbers do not parse.
std::optional<OmePixels> parseOmePixels(std::string_view xml);
// "µm" → "micrometer", "nm" → "nanometer", … (OME unit symbols to names).
std::string omeUnitName(std::string_view symbol);

// `sidecar`: an OME-XML file to take the voxel size from; empty: look for one
// next to the stack (<stem>.ome.xml, <stem>.xml, *.xml, *.xml.txt, *.companion.ome).
std::shared_ptr<VolumeDataset> openTiffStack(const std::filesystem::path& path,
                                             const VolumeOpenOptions& options = {},
                                             const std::filesystem::path& sidecar = {});

class TiffStackReader final : public FileReader {
 public:
  std::string name() const override { return "TIFF stack"; }
  std::vector<std::string> extensions() const override {
    return {".tif", ".tiff", ".ome.tif", ".ome.tiff"};
  }
  int confidence(const std::filesystem::path& path,
                 std::span<const unsigned char> head) const override;
  FileContents open(const std::filesystem::path& path,
                    const std::string& internalPath) const override;
};

}  // namespace nl::io::microscopy
