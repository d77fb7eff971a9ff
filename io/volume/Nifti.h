#pragma once
// NIfTI-1 and NIfTI-2 volumes (.nii, .nii.gz, .hdr/.img pairs, either byte
// order), read with our own parser (see docs/SURFACE_FORMATS.md for why not
// niftilib). Every datatype: integers, floats (incl. x87 float128), complex
// (a trailing real,imag axis) and RGB24/RGBA32 (a trailing channel axis).
// scl_slope/scl_inter are applied (slope 0 or non-finite: no scaling; not for
// RGB). The header is read without inflating the data; voxels load lazily.
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "io/Dataset.h"
#include "io/ReaderRegistry.h"
#include "io/volume/VolumeGrid.h"

namespace nl::io::volume {

struct NiftiHeader {
  int version = 1;  // 1 or 2
  bool bigEndian = false;
  bool pair = false;  // "ni1"/"ni2": data in a separate .img
  std::array<std::int64_t, 8> dim{};
  std::array<double, 8> pixdim{};
  int datatype = 0;
  std::int64_t voxOffset = 0;
  double sclSlope = 0;
  double sclInter = 0;
  int qformCode = 0;
  int sformCode = 0;
  std::array<double, 3> quatern{};  // b, c, d
  std::array<double, 3> qoffset{};
  std::array<double, 12> srow{};  // srow_x, srow_y, srow_z
  int xyztUnits = 0;
  int intentCode = 0;
  std::string description;
};

// Parses the first bytes of a NIfTI file (at least 348 / 540 of them).
NiftiHeader parseNiftiHeader(const std::filesystem::path& path, std::string_view bytes);

// Row-major 4×4 matrices mapping (i, j, k, 1) to world mm.
Affine niftiQform(const NiftiHeader& header);
Affine niftiSform(const NiftiHeader& header);
// nibabel's fallback when neither code is set: pixdim scaling, x flipped,
// centred on the volume.
Affine niftiBaseAffine(const NiftiHeader& header);
// sform when sform_code > 0, else qform when qform_code > 0, else the base
// affine — the rule nibabel, FSL and nilearn use. `chosen` says which.
Affine niftiBestAffine(const NiftiHeader& header, std::string* chosen = nullptr);

// The volume (lazy) with attributes spacing, origin, affine, affine_source,
// qform_code, sform_code, datatype, tr (4-D), units, scl_slope/scl_inter.
std::shared_ptr<const ArrayDataset> readNifti(const std::filesystem::path& path);

class NiftiReader final : public FileReader {
 public:
  std::string name() const override { return "NIfTI"; }
  std::vector<std::string> extensions() const override {
    return {".nii", ".nii.gz", ".hdr", ".img", ".hdr.gz", ".img.gz"};
  }
  int confidence(const std::filesystem::path& path,
                 std::span<const unsigned char> head) const override;
  FileContents open(const std::filesystem::path& path,
                    const std::string& internalPath) const override;
};

}  // namespace nl::io::volume
