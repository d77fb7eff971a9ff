#pragma once
// GIfTI (.gii, .gii.gz) read with expat and our own decoding (see
// docs/SURFACE_FORMATS.md for why not giftiio): ASCII, Base64Binary,
// GZipBase64Binary and ExternalFileBinary encodings, both byte orders, row-
// and column-major arrays.
//  - POINTSET + TRIANGLE → SurfaceMesh "/mesh" (the pointset's coordinate-
//    system transform applied when it is not the identity);
//  - other arrays grouped by intent, as nibabel's agg_data does: one array →
//    its shape ({N} or {N, k}); several 1-D arrays of one intent → columns
//    {N, count}. "/shape", "/time_series", "/zscore", …;
//  - LABEL → per-vertex keys "/label" plus the LabelTable as a Table
//    "/colortable" (key, name, r, g, b, a on 0–255: GIfTI's 0–1 × 255).
#include <filesystem>

#include "io/ReaderRegistry.h"

namespace nl::io::surface {

FileContents readGifti(const std::filesystem::path& path);

class GiftiReader final : public FileReader {
 public:
  std::string name() const override { return "GIfTI"; }
  std::vector<std::string> extensions() const override { return {".gii", ".gii.gz"}; }
  int confidence(const std::filesystem::path& path,
                 std::span<const unsigned char> head) const override;
  FileContents open(const std::filesystem::path& path,
                    const std::string& internalPath) const override;
};

}  // namespace nl::io::surface
