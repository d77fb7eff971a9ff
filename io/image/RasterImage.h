#pragma once
// PNG and JPEG images as grey levels in [0, 1] (libpng's simplified API and
// libjpeg-turbo): any PNG colour type and bit depth (palette, grey, RGB,
// alpha composited over black; 16-bit samples kept, value / 65535), baseline and
// progressive JPEG (grey or colour). Colour becomes luminance as the
// libraries convert it (libpng: sRGB coefficients; libjpeg: Rec. 601 luma,
// its Y channel). A corrupt or truncated file throws std::runtime_error
// naming the file and what the library said (libjpeg's "premature end of
// data" is a warning it would otherwise fill with grey: an error here).
#include <cstddef>
#include <filesystem>
#include <vector>

namespace nl::io {

struct GreyImage {
  std::size_t width = 0, height = 0;
  std::vector<double> pixels;  // row-major, top row first, [0, 1]
};

// By content (the PNG signature, the JPEG SOI marker), not by extension;
// std::runtime_error naming the file when it is neither or does not decode.
GreyImage readRasterImage(const std::filesystem::path& path);
// Whether a file's extension names a format readRasterImage reads.
bool isRasterImageExtension(const std::filesystem::path& path);

}  // namespace nl::io
