#pragma once
// FreeSurfer MGH / MGZ (gzip) volumes, big-endian, types uchar / int32 /
// float32 / short. A volume with two of its three spatial sizes equal to 1
// (FreeSurfer's way of storing per-vertex data, e.g. 1 × 1 × 163,842) is read
// as a SurfaceOverlay {vertices} or {vertices, frames}; otherwise a Volume /
// VoxelSeries with the vox2ras affine computed as nibabel and FreeSurfer do:
// M = [Mdc·diag(delta) | c_ras − Mdc·diag(delta)·dims/2].
#include <array>
#include <filesystem>
#include <memory>

#include "io/Dataset.h"
#include "io/ReaderRegistry.h"
#include "io/volume/VolumeGrid.h"

namespace nl::io::volume {

struct MghHeader {
  std::array<std::size_t, 4> dims{};  // width, height, depth, frames
  int type = 3;
  bool goodRas = false;
  std::array<double, 3> delta{1, 1, 1};
  std::array<double, 9> mdc{};  // x_r x_a x_s y_r y_a y_s z_r z_a z_s (as stored)
  std::array<double, 3> cras{};
};

MghHeader parseMghHeader(const std::filesystem::path& path, std::string_view bytes);
// Row-major vox2ras (nibabel's MGHHeader.get_affine; FreeSurfer's default
// coronal orientation when goodRASFlag is 0).
Affine mghVox2Ras(const MghHeader& header);

// Volume/VoxelSeries (lazy) or SurfaceOverlay; attribute "affine" either way.
DatasetPtr readMgh(const std::filesystem::path& path);

class MghReader final : public FileReader {
 public:
  std::string name() const override { return "FreeSurfer MGH/MGZ"; }
  std::vector<std::string> extensions() const override { return {".mgh", ".mgz", ".mgh.gz"}; }
  int confidence(const std::filesystem::path& path,
                 std::span<const unsigned char> head) const override;
  FileContents open(const std::filesystem::path& path,
                    const std::string& internalPath) const override;
};

}  // namespace nl::io::volume
