#include "io/microscopy/TiffStackReader.h"

#include <tiffio.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "io/microscopy/ChunkedVolumeSource.h"

namespace nl::io::microscopy {

namespace {

namespace fs = std::filesystem;

// libtiff reports through global handlers; keep the last message per thread
// so errors can say what libtiff said, and print nothing.
thread_local std::string lastTiffMessage;
void captureTiffMessage(const char* module, const char* format, va_list args) {
  char buffer[512];
  std::vsnprintf(buffer, sizeof(buffer), format, args);
  lastTiffMessage = std::string(module ? module : "libtiff") + ": " + buffer;
}
void ignoreTiffWarning(const char*, const char*, va_list) {}
void installTiffHandlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    TIFFSetErrorHandler(captureTiffMessage);
    TIFFSetWarningHandler(ignoreTiffWarning);
  });
}
std::string tiffMessage() {
  std::string message = lastTiffMessage.empty() ? "libtiff error" : lastTiffMessage;
  lastTiffMessage.clear();
  return message;
}

struct TiffCloser {
  void operator()(TIFF* tif) const {
    if (tif) TIFFClose(tif);
  }
};
using TiffPtr = std::unique_ptr<TIFF, TiffCloser>;

TiffPtr openTiff(const fs::path& path) {
  installTiffHandlers();
  lastTiffMessage.clear();
  TiffPtr tif(TIFFOpen(path.c_str(), "r"));
  if (!tif) throw FileError(path, "is not a readable TIFF (" + tiffMessage() + ")");
  return tif;
}

struct PageFormat {
  std::uint32_t width = 0, height = 0;
  std::uint16_t bits = 0, samples = 1, sampleFormat = SAMPLEFORMAT_UINT,
                planar = PLANARCONFIG_CONTIG;
  bool operator==(const PageFormat&) const = default;
};

PageFormat readFormat(TIFF* tif) {
  PageFormat f;
  TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &f.width);
  TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &f.height);
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &f.bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &f.samples);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &f.sampleFormat);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &f.planar);
  return f;
}

std::optional<VoxelType> voxelTypeOfTiff(const PageFormat& f) {
  if (f.sampleFormat == SAMPLEFORMAT_IEEEFP) {
    if (f.bits == 32) return VoxelType::Float32;
    if (f.bits == 64) return VoxelType::Float64;
    return std::nullopt;
  }
  const bool isSigned = f.sampleFormat == SAMPLEFORMAT_INT;
  if (f.sampleFormat != SAMPLEFORMAT_UINT && !isSigned) return std::nullopt;
  switch (f.bits) {
    case 8:
      return isSigned ? VoxelType::Int8 : VoxelType::UInt8;
    case 16:
      return isSigned ? VoxelType::Int16 : VoxelType::UInt16;
    case 32:
      return isSigned ? VoxelType::Int32 : VoxelType::UInt32;
    case 64:
      return isSigned ? VoxelType::Int64 : VoxelType::UInt64;
    default:
      return std::nullopt;
  }
}

// Attribute `name`="value" of the first element whose local name is `element`.
std::optional<std::string> xmlAttribute(std::string_view tag, std::string_view name) {
  std::size_t pos = 0;
  while ((pos = tag.find(name, pos)) != std::string_view::npos) {
    const bool startsWord = pos > 0 && (tag[pos - 1] == ' ' || tag[pos - 1] == '\n' ||
                                        tag[pos - 1] == '\t' || tag[pos - 1] == '\r');
    std::size_t eq = pos + name.size();
    while (eq < tag.size() && tag[eq] == ' ') ++eq;
    if (startsWord && eq < tag.size() && tag[eq] == '=') {
      std::size_t q = eq + 1;
      while (q < tag.size() && tag[q] == ' ') ++q;
      if (q < tag.size() && (tag[q] == '"' || tag[q] == '\'')) {
        const auto end = tag.find(tag[q], q + 1);
        if (end == std::string_view::npos) return std::nullopt;
        return std::string(tag.substr(q + 1, end - q - 1));
      }
    }
    pos += name.size();
  }
  return std::nullopt;
}

std::optional<std::string_view> findElement(std::string_view xml, std::string_view local) {
  std::size_t pos = 0;
  while ((pos = xml.find('<', pos)) != std::string_view::npos) {
    std::size_t nameEnd = pos + 1;
    while (nameEnd < xml.size() && !std::isspace(static_cast<unsigned char>(xml[nameEnd])) &&
           xml[nameEnd] != '>' && xml[nameEnd] != '/')
      ++nameEnd;
    std::string_view name = xml.substr(pos + 1, nameEnd - pos - 1);
    if (const auto colon = name.find(':'); colon != std::string_view::npos)
      name = name.substr(colon + 1);
    if (name == local) {
      const auto close = xml.find('>', nameEnd);
      if (close == std::string_view::npos) return std::nullopt;
      return xml.substr(pos, close - pos + 1);
    }
    pos = nameEnd;
  }
  return std::nullopt;
}

std::string readSmallFile(const fs::path& path, std::size_t limit) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec || size > limit) return {};
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// libtiff stops at an image directory (IFD) that points back into the chain
// and says so only as a warning: the stack would silently lose its pages.
// Walks the chain of IFD offsets itself (classic and BigTIFF) and refuses a loop.
void requireIfdChainWithoutLoop(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char header[16] = {};
  in.read(reinterpret_cast<char*>(header), sizeof header);
  if (in.gcount() < 8) return;  // libtiff read it, so this cannot happen
  const bool little = header[0] == 'I';
  const auto number = [little](const unsigned char* p, int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i)
      v |= static_cast<std::uint64_t>(p[little ? i : bytes - 1 - i]) << (8 * i);
    return v;
  };
  const bool big = number(header + 2, 2) == 43;
  const int offsetBytes = big ? 8 : 4, countBytes = big ? 8 : 2, entryBytes = big ? 20 : 12;
  std::uint64_t offset = big ? number(header + 8, 8) : number(header + 4, 4);
  std::unordered_map<std::uint64_t, std::size_t> pageAt;
  while (offset != 0) {
    const std::size_t page = pageAt.size();
    if (const auto [it, added] = pageAt.emplace(offset, page); !added)
      throw FileError(path, "its chain of image directories loops: the directory after page " +
                                std::to_string(page - 1) + " is page " +
                                std::to_string(it->second) +
                                " again (the page list is damaged; reading it would cut the "
                                "stack to " +
                                std::to_string(page) + " pages)");
    if (pageAt.size() > (std::size_t{1} << 20)) return;  // refused below as too many pages
    unsigned char bytes[8] = {};
    in.seekg(static_cast<std::streamoff>(offset));
    if (!in.read(reinterpret_cast<char*>(bytes), countBytes)) return;  // libtiff says why
    const std::uint64_t entries = number(bytes, countBytes);
    in.seekg(static_cast<std::streamoff>(offset + static_cast<std::uint64_t>(countBytes) +
                                         entries * static_cast<std::uint64_t>(entryBytes)));
    if (!in.read(reinterpret_cast<char*>(bytes), offsetBytes)) return;
    offset = number(bytes, offsetBytes);
  }
}

struct Layout {
  std::size_t channels = 1, z = 1;
  bool channelsFromSamples = false;      // RGB-like pages: samples are channels
  std::size_t strideC = 0, strideZ = 1;  // page = c*strideC + z*strideZ (multi-page channels)
};

class TiffSource final : public ChunkedVolumeSource {
 public:
  TiffSource(fs::path path, std::vector<toff_t> pages, PageFormat format, Layout layout,
             VolumeShape shape, VolumeShape chunks, VoxelType type)
      : ChunkedVolumeSource(shape, chunks, type,
                            std::vector<unsigned char>(voxelTypeSize(type), 0)),
        path_(std::move(path)),
        pages_(std::move(pages)),
        format_(format),
        layout_(layout) {}
  ~TiffSource() override = default;
  std::string format() const override { return "tiff"; }

 protected:
  bool decodeChunk(const ChunkIndex& index, std::vector<unsigned char>& out) const override {
    const std::size_t page = layout_.channelsFromSamples
                                 ? index[1]
                                 : index[0] * layout_.strideC + index[1] * layout_.strideZ;
    const auto fail = [&](const std::string& why) -> FileError {
      return FileError(path_, "page " + std::to_string(page) + ": " + why);
    };
    TiffPtr tif = borrow();
    if (!TIFFSetSubDirectory(tif.get(), pages_.at(page)))
      throw fail("cannot be read (" + tiffMessage() + ")");
    const std::size_t element = voxelTypeSize(voxelType());
    const std::size_t samples = format_.samples, width = format_.width, height = format_.height;
    const bool contigSamples = samples > 1 && format_.planar == PLANARCONFIG_CONTIG;
    std::vector<unsigned char> interleaved;
    unsigned char* target = out.data();  // [sample plane][y][x] for separate planes
    if (contigSamples) {
      interleaved.resize(out.size());
      target = interleaved.data();
    }
    const std::size_t pixelBytes = element * (contigSamples ? samples : 1);
    const std::size_t planes = format_.planar == PLANARCONFIG_SEPARATE ? samples : 1;
    const std::size_t planeBytes = width * height * pixelBytes;
    if (TIFFIsTiled(tif.get())) {
      std::uint32_t tileW = 0, tileH = 0;
      TIFFGetField(tif.get(), TIFFTAG_TILEWIDTH, &tileW);
      TIFFGetField(tif.get(), TIFFTAG_TILELENGTH, &tileH);
      if (tileW == 0 || tileH == 0) throw fail("tiled page without tile size");
      std::vector<unsigned char> tile(static_cast<std::size_t>(TIFFTileSize(tif.get())));
      for (std::size_t p = 0; p < planes; ++p)
        for (std::uint32_t ty = 0; ty < height; ty += tileH)
          for (std::uint32_t tx = 0; tx < width; tx += tileW) {
            const ttile_t t = TIFFComputeTile(tif.get(), tx, ty, 0, static_cast<tsample_t>(p));
            const tmsize_t need = static_cast<tmsize_t>(std::size_t{tileW} * tileH * pixelBytes);
            if (need > static_cast<tmsize_t>(tile.size()) ||
                TIFFReadEncodedTile(tif.get(), t, tile.data(), need) != need)
              throw fail("tile " + std::to_string(t) + " cannot be decoded (" + tiffMessage() +
                         ")");
            const std::size_t rows = std::min<std::size_t>(tileH, height - ty);
            const std::size_t cols = std::min<std::size_t>(tileW, width - tx);
            for (std::size_t r = 0; r < rows; ++r)
              std::memcpy(target + p * planeBytes + ((ty + r) * width + tx) * pixelBytes,
                          tile.data() + r * tileW * pixelBytes, cols * pixelBytes);
          }
    } else {
      std::uint32_t rowsPerStrip = 0;
      TIFFGetFieldDefaulted(tif.get(), TIFFTAG_ROWSPERSTRIP, &rowsPerStrip);
      rowsPerStrip =
          std::min<std::uint32_t>(std::max<std::uint32_t>(rowsPerStrip, 1), format_.height);
      const std::size_t stripsPerPlane = (height + rowsPerStrip - 1) / rowsPerStrip;
      for (std::size_t p = 0; p < planes; ++p)
        for (std::size_t s = 0; s < stripsPerPlane; ++s) {
          const std::size_t rows = std::min<std::size_t>(rowsPerStrip, height - s * rowsPerStrip);
          const auto need = static_cast<tmsize_t>(rows * width * pixelBytes);
          const auto strip = static_cast<tstrip_t>(p * stripsPerPlane + s);
          if (TIFFReadEncodedStrip(tif.get(), strip,
                                   target + p * planeBytes + s * rowsPerStrip * width * pixelBytes,
                                   need) != need)
            throw fail("strip " + std::to_string(strip) + " cannot be decoded (" + tiffMessage() +
                       "; truncated or corrupt)");
        }
    }
    giveBack(std::move(tif));
    if (contigSamples) {
      // Interleaved samples → one plane per channel.
      const std::size_t pixels = width * height;
      for (std::size_t i = 0; i < pixels; ++i)
        for (std::size_t c = 0; c < samples; ++c)
          std::memcpy(out.data() + (c * pixels + i) * element,
                      interleaved.data() + (i * samples + c) * element, element);
    }
    return true;
  }

 private:
  // TIFF handles are not thread-safe: each decoding thread borrows its own.
  TiffPtr borrow() const {
    {
      std::lock_guard lock(poolMutex_);
      if (!pool_.empty()) {
        TiffPtr tif = std::move(pool_.back());
        pool_.pop_back();
        return tif;
      }
    }
    return openTiff(path_);
  }
  void giveBack(TiffPtr tif) const {
    std::lock_guard lock(poolMutex_);
    pool_.push_back(std::move(tif));
  }

  fs::path path_;
  std::vector<toff_t> pages_;
  PageFormat format_;
  Layout layout_;
  mutable std::mutex poolMutex_;
  mutable std::vector<TiffPtr> pool_;
};

std::optional<std::string> imageJValue(const std::string& description, const std::string& key) {
  std::istringstream lines(description);
  std::string line;
  while (std::getline(lines, line))
    if (line.starts_with(key + "=")) return line.substr(key.size() + 1);
  return std::nullopt;
}

std::size_t positiveCount(const std::string& text, const fs::path& path, const char* what) {
  try {
    const long long v = std::stoll(text);
    if (v >= 1 && v <= (1LL << 40)) return static_cast<std::size_t>(v);
  } catch (const std::exception&) {
  }
  throw FileError(path,
                  std::string("ImageJ description has an invalid ") + what + " '" + text + "'");
}

// A sidecar OME-XML whose Pixels match the stack's size; "" when none.
fs::path findSidecar(const fs::path& stack, std::size_t width, std::size_t height,
                     std::size_t depth) {
  std::error_code ec;
  std::vector<fs::path> candidates;
  for (const auto& entry : fs::directory_iterator(stack.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file(ec) &&
        (name.ends_with(".xml") || name.ends_with(".xml.txt") || name.ends_with(".companion.ome")))
      candidates.push_back(entry.path());
    if (candidates.size() > 64) break;
  }
  std::sort(candidates.begin(), candidates.end());
  for (const auto& candidate : candidates) {
    const std::string xml = readSmallFile(candidate, std::size_t{4} << 20);
    try {
      const auto pixels = parseOmePixels(xml);
      if (pixels && pixels->sizeX == width && pixels->sizeY == height && pixels->sizeZ == depth &&
          pixels->physicalX)
        return candidate;
    } catch (const std::invalid_argument&) {
    }
  }
  return {};
}

VoxelSize voxelSizeOf(const OmePixels& pixels) {
  VoxelSize size;
  size.x = pixels.physicalX.value_or(1);
  size.y = pixels.physicalY.value_or(size.x);
  size.z = pixels.physicalZ.value_or(1);
  size.unit = pixels.unitX;
  return size;
}

}  // namespace

std::string omeUnitName(std::string_view symbol) {
  // µ as UTF-8 micro sign, Greek mu, or Latin-1 (OME files written by old tools).
  if (symbol == "\xc2\xb5m" || symbol == "\xce\xbcm" || symbol == "\xb5m" || symbol == "um" ||
      symbol == "micron" || symbol == "micrometer")
    return "micrometer";
  if (symbol == "nm") return "nanometer";
  if (symbol == "mm") return "millimeter";
  if (symbol == "cm") return "centimeter";
  if (symbol == "m") return "meter";
  if (symbol == "pm") return "picometer";
  if (symbol == "Å") return "angstrom";
  return std::string(symbol);
}

std::optional<OmePixels> parseOmePixels(std::string_view xml) {
  const auto tag = findElement(xml, "Pixels");
  if (!tag) return std::nullopt;
  OmePixels out;
  const auto count = [&](const char* key, std::size_t& target) {
    if (const auto v = xmlAttribute(*tag, key)) {
      try {
        const long long n = std::stoll(*v);
        if (n < 1 || n > (1LL << 40)) throw std::out_of_range(key);
        target = static_cast<std::size_t>(n);
      } catch (const std::exception&) {
        throw std::invalid_argument(std::string("OME-XML Pixels ") + key + "=\"" + *v +
                                    "\" is not a positive integer");
      }
    }
  };
  count("SizeX", out.sizeX);
  count("SizeY", out.sizeY);
  count("SizeZ", out.sizeZ);
  count("SizeC", out.sizeC);
  count("SizeT", out.sizeT);
  if (const auto v = xmlAttribute(*tag, "DimensionOrder")) out.dimensionOrder = *v;
  const auto physical = [&](const char* key, std::optional<double>& target) {
    if (const auto v = xmlAttribute(*tag, key)) {
      std::size_t used = 0;
      double value = 0;
      try {
        value = std::stod(*v, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || !(value > 0) || !std::isfinite(value))
        throw std::invalid_argument(std::string("OME-XML Pixels ") + key + "=\"" + *v +
                                    "\" is not a positive number");
      target = value;
    }
  };
  physical("PhysicalSizeX", out.physicalX);
  physical("PhysicalSizeY", out.physicalY);
  physical("PhysicalSizeZ", out.physicalZ);
  if (const auto v = xmlAttribute(*tag, "PhysicalSizeXUnit")) out.unitX = omeUnitName(*v);
  if (const auto v = xmlAttribute(*tag, "PhysicalSizeYUnit")) out.unitY = omeUnitName(*v);
  if (const auto v = xmlAttribute(*tag, "PhysicalSizeZUnit")) out.unitZ = omeUnitName(*v);
  return out;
}

std::shared_ptr<VolumeDataset> openTiffStack(const fs::path& path, const VolumeOpenOptions& options,
                                             const fs::path& sidecar) {
  TiffPtr tif = openTiff(path);
  const PageFormat format = readFormat(tif.get());
  const auto type = voxelTypeOfTiff(format);
  if (!type)
    throw FileError(path, std::to_string(format.bits) + "-bit samples of format " +
                              std::to_string(format.sampleFormat) +
                              " are not supported (8/16/32/64-bit integers, 32/64-bit floats are)");
  if (format.width == 0 || format.height == 0) throw FileError(path, "first page has no pixels");
  std::uint16_t compression = COMPRESSION_NONE;
  TIFFGetFieldDefaulted(tif.get(), TIFFTAG_COMPRESSION, &compression);
  if (!TIFFIsCODECConfigured(compression))
    throw FileError(
        path, "compression " + std::to_string(compression) + " is not available in this libtiff");
  std::string description;
  if (char* text = nullptr; TIFFGetField(tif.get(), TIFFTAG_IMAGEDESCRIPTION, &text) && text)
    description = text;

  requireIfdChainWithoutLoop(path);
  // Every page must look like the first: a stack, not a pyramid or a mix.
  std::vector<toff_t> pages;
  do {
    const PageFormat page = readFormat(tif.get());
    if (!(page == format))
      throw FileError(path, "page " + std::to_string(pages.size()) + " is " +
                                std::to_string(page.width) + "x" + std::to_string(page.height) +
                                ", " + std::to_string(page.bits) + "-bit, " +
                                std::to_string(page.samples) + " samples; the first page is " +
                                std::to_string(format.width) + "x" + std::to_string(format.height) +
                                ", " + std::to_string(format.bits) + "-bit, " +
                                std::to_string(format.samples) + " samples");
    pages.push_back(TIFFCurrentDirOffset(tif.get()));
    if (pages.size() > (std::size_t{1} << 20)) throw FileError(path, "has more than 2^20 pages");
  } while (TIFFReadDirectory(tif.get()));
  // TIFFReadDirectory returns 0 both at the last page and on a damaged
  // directory; only the error handler tells them apart. A stack must not
  // silently lose its last pages.
  if (!lastTiffMessage.empty())
    throw FileError(path, "the directory after page " + std::to_string(pages.size() - 1) +
                              " cannot be read (" + tiffMessage() + "); the page list is damaged");
  tif.reset();

  Layout layout;
  layout.z = pages.size();
  layout.channels = format.samples;
  layout.channelsFromSamples = true;
  VoxelSize voxelSize;
  Attributes extra;
  std::optional<OmePixels> ome;
  try {
    ome = description.find("<OME") != std::string::npos ||
                  description.find(":OME") != std::string::npos
              ? parseOmePixels(description)
              : std::nullopt;
  } catch (const std::invalid_argument& e) {
    throw FileError(path, e.what());
  }
  if (ome && ome->sizeX == format.width && ome->sizeY == format.height) {
    voxelSize = voxelSizeOf(*ome);
    extra["voxel_size_source"] = "OME-XML";
    if (format.samples == 1 && ome->sizeC > 1 &&
        ome->sizeC * ome->sizeZ * ome->sizeT <= pages.size()) {
      // Page order from DimensionOrder: the letters after XY, fastest first.
      std::size_t stride = 1;
      layout.channelsFromSamples = false;
      layout.channels = ome->sizeC;
      layout.z = ome->sizeZ;
      for (char axis :
           ome->dimensionOrder.substr(std::min<std::size_t>(2, ome->dimensionOrder.size()))) {
        if (axis == 'C') layout.strideC = stride, stride *= ome->sizeC;
        if (axis == 'Z') layout.strideZ = stride, stride *= ome->sizeZ;
        if (axis == 'T') stride *= ome->sizeT;
      }
    } else if (format.samples == 1) {
      layout.z = std::min<std::size_t>(pages.size(), ome->sizeZ * ome->sizeT * ome->sizeC);
    }
  } else if (description.starts_with("ImageJ=")) {
    const std::size_t channels =
        positiveCount(imageJValue(description, "channels").value_or("1"), path, "channel count");
    const std::size_t slices = positiveCount(
        imageJValue(description, "slices").value_or(std::to_string(pages.size() / channels)), path,
        "slice count");
    if (format.samples == 1 && channels > 1) {
      if (channels * slices > pages.size())
        throw FileError(path, "ImageJ description announces " + std::to_string(channels) +
                                  " channels × " + std::to_string(slices) +
                                  " slices, but the file has " + std::to_string(pages.size()) +
                                  " pages");
      layout.channelsFromSamples = false;
      layout.channels = channels;
      layout.z = slices;
      layout.strideC = 1;  // ImageJ hyperstacks are stored channel-fastest (czt)
      layout.strideZ = channels;
    }
    float xResolution = 0, yResolution = 0;
    TiffPtr again = openTiff(path);
    if (TIFFGetField(again.get(), TIFFTAG_XRESOLUTION, &xResolution) && xResolution > 0)
      voxelSize.x = 1.0 / xResolution;
    if (TIFFGetField(again.get(), TIFFTAG_YRESOLUTION, &yResolution) && yResolution > 0)
      voxelSize.y = 1.0 / yResolution;
    if (const auto spacing = imageJValue(description, "spacing")) {
      try {
        voxelSize.z = std::stod(*spacing);
      } catch (const std::exception&) {
        throw FileError(path, "ImageJ description has an invalid spacing '" + *spacing + "'");
      }
    }
    std::string unit = imageJValue(description, "unit").value_or("pixel");
    if (unit == "\\u00B5m") unit = "µm";
    voxelSize.unit = unit == "pixel" ? "pixel" : omeUnitName(unit);
    extra["voxel_size_source"] = "ImageJ";
  }
  if (!voxelSize.fromFile()) {
    std::error_code ec;
    const fs::path xml =
        !sidecar.empty() ? sidecar : findSidecar(path, format.width, format.height, layout.z);
    if (!xml.empty()) {
      const std::string text = readSmallFile(xml, std::size_t{4} << 20);
      if (text.empty() && !sidecar.empty())
        throw FileError(sidecar, "cannot be read or is larger than 4 MB");
      try {
        if (const auto pixels = parseOmePixels(text)) {
          if (pixels->sizeX != format.width || pixels->sizeY != format.height)
            throw FileError(xml, "describes " + std::to_string(pixels->sizeX) + "x" +
                                     std::to_string(pixels->sizeY) + " pixels, the stack " +
                                     path.filename().string() + " has " +
                                     std::to_string(format.width) + "x" +
                                     std::to_string(format.height));
          voxelSize = voxelSizeOf(*pixels);
          extra["voxel_size_source"] = xml.string();
        } else if (!sidecar.empty()) {
          throw FileError(sidecar, "has no OME Pixels element");
        }
      } catch (const std::invalid_argument& e) {
        throw FileError(xml, e.what());
      }
    }
  }

  const std::size_t element = voxelTypeSize(*type);
  std::size_t pageBytes = element;
  for (std::size_t f :
       {std::size_t{format.width}, std::size_t{format.height}, std::size_t{format.samples}})
    if (__builtin_mul_overflow(pageBytes, f, &pageBytes) || pageBytes > (std::size_t{1} << 31))
      throw FileError(path, "pages of " + std::to_string(format.width) + "x" +
                                std::to_string(format.height) + " pixels are too large");
  const VolumeShape shape{layout.channels, layout.z, format.height, format.width};
  const VolumeShape chunks{layout.channelsFromSamples ? layout.channels : 1, 1, format.height,
                           format.width};
  auto source =
      std::make_shared<TiffSource>(path, std::move(pages), format, layout, shape, chunks, *type);
  if (options.cacheBytes) source->setCacheLimitBytes(*options.cacheBytes);
  source->setThreadCount(options.threads);
  const std::string name = path.filename().string();
  const LabelEncoding labels = chooseLabelEncoding(options, name, *type, shape.channels);
  extra["compression"] = std::to_string(compression);
  Attributes attributes = volumeAttributes(*source, voxelSize, labels, std::move(extra));
  return std::make_shared<VolumeDataset>(name, std::move(source), voxelSize, labels,
                                         Provenance::fromFile(path.string(), "", "TIFF stack"),
                                         std::move(attributes));
}

int TiffStackReader::confidence(const std::filesystem::path& path,
                                std::span<const unsigned char> head) const {
  if (head.size() >= 4 &&
      ((head[0] == 'I' && head[1] == 'I' && (head[2] == 42 || head[2] == 43) && head[3] == 0) ||
       (head[0] == 'M' && head[1] == 'M' && head[2] == 0 && (head[3] == 42 || head[3] == 43))))
    return 50;
  return hasExtension(path, extensions()) ? 10 : 0;
}

FileContents TiffStackReader::open(const std::filesystem::path& path,
                                   const std::string& internalPath) const {
  if (!internalPath.empty())
    throw FileError(path, "a TIFF stack has no internal paths ('" + internalPath + "' was given)");
  FileContents contents;
  contents.datasets.push_back(openTiffStack(path));
  return contents;
}

}  // namespace nl::io::microscopy
