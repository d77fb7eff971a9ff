#include "io/image/RasterImage.h"

#include <cctype>
#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include <jpeglib.h>
#include <png.h>

namespace nl::io {

namespace {

constexpr std::size_t kMaxPixels = std::size_t{1} << 28;  // 16k × 16k: beyond any task image

std::runtime_error failure(const std::filesystem::path& path, const std::string& what) {
  return std::runtime_error(path.string() + ": " + what);
}

GreyImage readPng(const std::filesystem::path& path) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str()))
    throw failure(path, std::string("not a readable PNG (") + image.message + ")");
  // 16-bit files hold linear samples to libpng: read them as they are (value
  // / 65535, as a 16-bit PGM is), 8-bit ones as 8-bit grey (no gamma change).
  const bool deep = (image.format & PNG_FORMAT_FLAG_LINEAR) != 0;
  image.format = deep ? PNG_FORMAT_LINEAR_Y : PNG_FORMAT_GRAY;
  const std::size_t width = image.width, height = image.height;
  if (width == 0 || height == 0 || width * height > kMaxPixels) {
    png_image_free(&image);
    throw failure(path, "a PNG of " + std::to_string(width) + " × " + std::to_string(height) +
                            " pixels is not a task image");
  }
  std::vector<png_byte> buffer(PNG_IMAGE_SIZE(image));
  const png_color black{0, 0, 0};
  if (!png_image_finish_read(&image, &black, buffer.data(), 0, nullptr)) {
    const std::string message = image.message;
    png_image_free(&image);
    throw failure(path, "corrupt or truncated PNG (" + message + ")");
  }
  GreyImage out;
  out.width = width;
  out.height = height;
  out.pixels.resize(width * height);
  if (deep) {
    for (std::size_t i = 0; i < out.pixels.size(); ++i) {
      std::uint16_t v;
      std::memcpy(&v, buffer.data() + 2 * i, 2);  // native order (libpng's linear output)
      out.pixels[i] = v / 65535.0;
    }
  } else {
    for (std::size_t i = 0; i < out.pixels.size(); ++i) out.pixels[i] = buffer[i] / 255.0;
  }
  return out;
}

// libjpeg reports errors through error_exit, which must not return: it
// jumps back to decodeJpeg's setjmp with the message kept.
struct JpegErrors {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool warned;
};

void jpegErrorExit(j_common_ptr info) {
  auto* errors = reinterpret_cast<JpegErrors*>(info->err);
  (*info->err->format_message)(info, errors->message);
  std::longjmp(errors->jump, 1);
}

void jpegMessage(j_common_ptr info, int level) {
  // Level −1: a warning about the data (premature end, corrupt entropy
  // data): the decoder would fill the rest with grey; we refuse the file.
  auto* errors = reinterpret_cast<JpegErrors*>(info->err);
  if (level < 0 && !errors->warned) {
    (*info->err->format_message)(info, errors->message);
    errors->warned = true;
  }
}

// Decodes into `pixels` (sized here); returns false with errors.message set.
// No object with a destructor lives in this frame after setjmp (the jump
// would skip it): the buffers are the caller's.
bool decodeJpeg(std::FILE* file, JpegErrors& errors, jpeg_decompress_struct& info,
                std::vector<unsigned char>& pixels, std::size_t& width, std::size_t& height) {
  info.err = jpeg_std_error(&errors.manager);
  errors.manager.error_exit = jpegErrorExit;
  errors.manager.emit_message = jpegMessage;
  errors.warned = false;
  errors.message[0] = 0;
  if (setjmp(errors.jump)) {
    jpeg_destroy_decompress(&info);
    return false;
  }
  jpeg_create_decompress(&info);
  jpeg_stdio_src(&info, file);
  jpeg_read_header(&info, TRUE);
  info.out_color_space = JCS_GRAYSCALE;
  jpeg_start_decompress(&info);
  width = info.output_width;
  height = info.output_height;
  if (width == 0 || height == 0 || width * height > kMaxPixels || info.output_components != 1) {
    std::snprintf(errors.message, sizeof errors.message,
                  "a JPEG of %zu × %zu pixels is not a task image", width, height);
    jpeg_destroy_decompress(&info);
    return false;
  }
  pixels.resize(width * height);
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = pixels.data() + static_cast<std::size_t>(info.output_scanline) * width;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return !errors.warned;
}

GreyImage readJpeg(const std::filesystem::path& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) throw failure(path, std::string("cannot open: ") + std::strerror(errno));
  JpegErrors errors;
  jpeg_decompress_struct info;
  std::vector<unsigned char> pixels;
  std::size_t width = 0, height = 0;
  if (!decodeJpeg(file.get(), errors, info, pixels, width, height))
    throw failure(path, std::string("corrupt or truncated JPEG (") + errors.message + ")");
  GreyImage out;
  out.width = width;
  out.height = height;
  out.pixels.resize(pixels.size());
  for (std::size_t i = 0; i < pixels.size(); ++i) out.pixels[i] = pixels[i] / 255.0;
  return out;
}

}  // namespace

bool isRasterImageExtension(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".jpe";
}

GreyImage readRasterImage(const std::filesystem::path& path) {
  unsigned char head[8] = {};
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw failure(path, std::string("cannot open: ") + std::strerror(errno));
    in.read(reinterpret_cast<char*>(head), sizeof head);
    if (in.gcount() < 3) throw failure(path, "too short for a PNG or JPEG image");
  }
  static const unsigned char kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (std::memcmp(head, kPng, 8) == 0) return readPng(path);
  if (head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF) return readJpeg(path);
  throw failure(path, "neither a PNG nor a JPEG image (no PNG signature or JPEG SOI marker)");
}

}  // namespace nl::io
