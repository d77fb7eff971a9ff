#include "io/volume/Nifti.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/surface/SurfaceIo.h"
#include "io/volume/VoxelArray.h"

namespace nl::io::volume {

using namespace nl::io::surface;  // the binary-header helpers of SurfaceIo.h

namespace {

constexpr std::size_t kNifti1HeaderSize = 348;
constexpr std::size_t kNifti2HeaderSize = 540;

struct NiftiType {
  int code;
  const char* name;
  StoredType stored;
  std::size_t components;  // values per voxel on disk
  const char* channelNames;
  bool x87 = false;  // float128 stored as x87 80-bit extended (numpy on x86-64)
  bool rgb = false;
};

const NiftiType* niftiType(int code) {
  static const NiftiType types[] = {
      {2, "uint8", {'u', 1}, 1, ""},
      {4, "int16", {'i', 2}, 1, ""},
      {8, "int32", {'i', 4}, 1, ""},
      {16, "float32", {'f', 4}, 1, ""},
      {32, "complex64", {'f', 4}, 2, "real,imag"},
      {64, "float64", {'f', 8}, 1, ""},
      {128, "rgb24", {'u', 1}, 3, "r,g,b", false, true},
      {256, "int8", {'i', 1}, 1, ""},
      {512, "uint16", {'u', 2}, 1, ""},
      {768, "uint32", {'u', 4}, 1, ""},
      {1024, "int64", {'i', 8}, 1, ""},
      {1280, "uint64", {'u', 8}, 1, ""},
      {1536, "float128", {'f', 16}, 1, "", true},
      {1792, "complex128", {'f', 8}, 2, "real,imag"},
      {2048, "complex256", {'f', 16}, 2, "real,imag", true},
      {2304, "rgba32", {'u', 1}, 4, "r,g,b,a", false, true},
  };
  for (const auto& type : types)
    if (type.code == code) return &type;
  return nullptr;
}

// x87 80-bit extended precision in a 16-byte slot (what numpy's longdouble
// writes on x86-64): 64-bit mantissa with explicit integer bit, 15-bit exponent.
double decodeX87(const unsigned char* p, bool bigEndian) {
  unsigned char b[16];
  std::memcpy(b, p, 16);
  if (bigEndian) std::reverse(b, b + 16);
  std::uint64_t mantissa = 0;
  for (int i = 7; i >= 0; --i) mantissa = (mantissa << 8) | b[i];
  const int signExponent = b[8] | (b[9] << 8);
  const bool negative = (signExponent & 0x8000) != 0;
  const int exponent = signExponent & 0x7fff;
  double value;
  if (exponent == 0x7fff)
    value = (mantissa << 1) == 0 ? INFINITY : NAN;
  else
    value = std::ldexp(static_cast<double>(mantissa), exponent - 16383 - 63);
  return negative ? -value : value;
}

std::string unitName(int code) {
  switch (code) {
    case 1:
      return "m";
    case 2:
      return "mm";
    case 3:
      return "um";
    case 8:
      return "s";
    case 16:
      return "ms";
    case 24:
      return "us";
    case 32:
      return "Hz";
    case 40:
      return "ppm";
    case 48:
      return "rad/s";
    default:
      return {};
  }
}

std::string fixedString(std::string_view bytes) {
  const auto end = bytes.find('\0');
  return std::string(bytes.substr(0, end));
}

// The data file of a header: x.hdr → x.img (keeping .gz and the letter case).
std::filesystem::path pairedImage(const std::filesystem::path& header) {
  const std::string name = header.filename().string();
  const std::string lower = lowerCaseFileName(header);
  std::string stem = name;
  std::string gz;
  if (lower.ends_with(".gz")) {
    gz = name.substr(name.size() - 3);
    stem.resize(stem.size() - 3);
  }
  const std::string ext = stem.substr(stem.size() - 4);
  stem.resize(stem.size() - 4);
  const std::string imgExt = ext == ".HDR" ? ".IMG" : ".img";
  for (const std::string& candidateGz : {gz, std::string(), std::string(".gz")}) {
    auto candidate = header.parent_path() / (stem + imgExt + candidateGz);
    if (std::filesystem::exists(candidate)) return candidate;
  }
  return header.parent_path() / (stem + imgExt + gz);
}

// x.img → x.hdr when it exists (the user opened the data half of a pair).
std::filesystem::path pairedHeader(const std::filesystem::path& image) {
  const std::string name = image.filename().string();
  const std::string lower = lowerCaseFileName(image);
  std::string stem = name;
  if (lower.ends_with(".gz")) stem.resize(stem.size() - 3);
  stem.resize(stem.size() - 4);
  for (const char* ext : {".hdr", ".HDR", ".hdr.gz"}) {
    auto candidate = image.parent_path() / (stem + ext);
    if (std::filesystem::exists(candidate)) return candidate;
  }
  return {};
}

bool isImgFile(const std::filesystem::path& path) {
  return hasExtension(path, {".img", ".img.gz"});
}

}  // namespace

NiftiHeader parseNiftiHeader(const std::filesystem::path& path, std::string_view bytes) {
  if (bytes.size() < 4) throw FileError(path, "file is too short for a NIfTI header");
  std::int32_t sizeLe = 0;
  std::memcpy(&sizeLe, bytes.data(), 4);  // native little-endian on our platforms
  std::int32_t sizeBe = static_cast<std::int32_t>(
      (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[0])) << 24) |
      (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[1])) << 16) |
      (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[2])) << 8) |
      static_cast<unsigned char>(bytes[3]));
  if constexpr (std::endian::native == std::endian::big) std::swap(sizeLe, sizeBe);
  NiftiHeader h;
  std::size_t headerSize = 0;
  if (sizeLe == 348 || sizeLe == 540) {
    headerSize = static_cast<std::size_t>(sizeLe);
  } else if (sizeBe == 348 || sizeBe == 540) {
    headerSize = static_cast<std::size_t>(sizeBe);
    h.bigEndian = true;
  } else {
    throw FileError(path, "not a NIfTI header (sizeof_hdr is " + std::to_string(sizeLe) +
                              "; NIfTI-1 has 348, NIfTI-2 has 540)");
  }
  h.version = headerSize == kNifti1HeaderSize ? 1 : 2;
  if (bytes.size() < headerSize)
    throw FileError(path, "NIfTI-" + std::to_string(h.version) + " header is truncated (" +
                              std::to_string(bytes.size()) + " of " + std::to_string(headerSize) +
                              " bytes)");
  ByteCursor c(path, bytes, h.bigEndian);
  if (h.version == 1) {
    const std::string_view magic = bytes.substr(344, 4);
    if (magic == std::string_view("n+1\0", 4))
      h.pair = false;
    else if (magic == std::string_view("ni1\0", 4))
      h.pair = true;
    else
      throw FileError(path,
                      "header has no NIfTI-1 magic ('n+1' or 'ni1'); plain ANALYZE 7.5 "
                      "files are not supported");
    c.seek(39, "dim_info");
    c.u8("dim_info");
    for (auto& d : h.dim) d = c.i16("dim");
    c.seek(68, "intent_code");
    h.intentCode = c.i16("intent_code");
    h.datatype = c.i16("datatype");
    c.seek(76, "pixdim");
    for (auto& p : h.pixdim) p = c.f32("pixdim");
    const float voxOffset = c.f32("vox_offset");
    // A float from the file: cast only what fits (a huge or NaN offset is UB).
    if (!(voxOffset >= 0.0f && voxOffset < 9.0e15f))
      throw FileError(path, "vox_offset " + std::to_string(voxOffset) + " is not a valid offset");
    h.voxOffset = static_cast<std::int64_t>(voxOffset);
    h.sclSlope = c.f32("scl_slope");
    h.sclInter = c.f32("scl_inter");
    c.seek(123, "xyzt_units");
    h.xyztUnits = c.u8("xyzt_units");
    h.description = fixedString(bytes.substr(148, 80));
    c.seek(252, "qform_code");
    h.qformCode = c.i16("qform_code");
    h.sformCode = c.i16("sform_code");
    for (auto& q : h.quatern) q = c.f32("quatern");
    for (auto& q : h.qoffset) q = c.f32("qoffset");
    for (auto& s : h.srow) s = c.f32("srow");
  } else {
    const std::string_view magic = bytes.substr(4, 8);
    if (magic.substr(0, 4) == std::string_view("n+2\0", 4))
      h.pair = false;
    else if (magic.substr(0, 4) == std::string_view("ni2\0", 4))
      h.pair = true;
    else
      throw FileError(path, "header has no NIfTI-2 magic ('n+2' or 'ni2')");
    if (magic.substr(4) != std::string_view("\r\n\032\n", 4))
      throw FileError(path,
                      "NIfTI-2 magic is damaged (the file went through a text-mode "
                      "transfer that changed its line endings?)");
    c.seek(12, "datatype");
    h.datatype = c.i16("datatype");
    c.i16("bitpix");
    for (auto& d : h.dim) d = c.i64("dim");
    c.seek(104, "pixdim");
    for (auto& p : h.pixdim) p = c.f64("pixdim");
    h.voxOffset = c.i64("vox_offset");
    h.sclSlope = c.f64("scl_slope");
    h.sclInter = c.f64("scl_inter");
    h.description = fixedString(bytes.substr(240, 80));
    c.seek(344, "qform_code");
    h.qformCode = c.i32("qform_code");
    h.sformCode = c.i32("sform_code");
    for (auto& q : h.quatern) q = c.f64("quatern");
    for (auto& q : h.qoffset) q = c.f64("qoffset");
    for (auto& s : h.srow) s = c.f64("srow");
    c.seek(500, "xyzt_units");
    h.xyztUnits = c.i32("xyzt_units");
    h.intentCode = c.i32("intent_code");
  }

  if (h.dim[0] < 1 || h.dim[0] > 7)
    throw FileError(path, "NIfTI dim[0] (the number of dimensions) is " + std::to_string(h.dim[0]) +
                              "; it must be 1 to 7");
  for (std::int64_t i = 1; i <= h.dim[0]; ++i) {
    if (h.dim[static_cast<std::size_t>(i)] < 0)
      throw FileError(path, "NIfTI dim[" + std::to_string(i) + "] is negative (" +
                                std::to_string(h.dim[static_cast<std::size_t>(i)]) + ")");
    // nibabel would give an empty array; a volume of no voxels has nothing
    // to show, and its shape would disagree with its (zero) values.
    if (h.dim[static_cast<std::size_t>(i)] == 0)
      throw FileError(path, "NIfTI dim[" + std::to_string(i) + "] is 0: the image has no voxels");
  }
  for (std::int64_t i = h.dim[0] + 1; i < 8; ++i) h.dim[static_cast<std::size_t>(i)] = 1;
  for (std::size_t i = 5; i < 8; ++i)
    if (h.dim[i] > 1)
      throw FileError(path, "NIfTI image has " + std::to_string(h.dim[0]) +
                                " dimensions; only 3-D and 4-D (x y z t) are supported");
  if (niftiType(h.datatype) == nullptr)
    throw FileError(path, "unsupported NIfTI datatype code " + std::to_string(h.datatype));
  return h;
}

Affine niftiQform(const NiftiHeader& h) {
  const double b = h.quatern[0], c = h.quatern[1], d = h.quatern[2];
  const double w2 = 1.0 - (b * b + c * c + d * d);
  const double a = w2 > 0 ? std::sqrt(w2) : 0.0;
  const double norm = a * a + b * b + c * c + d * d;
  std::array<double, 9> r{1, 0, 0, 0, 1, 0, 0, 0, 1};
  if (norm > 1e-12) {
    const double s = 2.0 / norm;
    const double X = b * s, Y = c * s, Z = d * s;
    const double wX = a * X, wY = a * Y, wZ = a * Z;
    const double xX = b * X, xY = b * Y, xZ = b * Z;
    const double yY = c * Y, yZ = c * Z, zZ = d * Z;
    r = {1.0 - (yY + zZ), xY - wZ, xZ + wY, xY + wZ,        1.0 - (xX + zZ),
         yZ - wX,         xZ - wY, yZ + wX, 1.0 - (xX + yY)};
  }
  const double qfac = h.pixdim[0] < 0 ? -1.0 : 1.0;
  const double zoom[3] = {h.pixdim[1], h.pixdim[2], h.pixdim[3] * qfac};
  Affine m = kIdentityAffine;
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j)
      m[static_cast<std::size_t>(4 * i + j)] = r[static_cast<std::size_t>(3 * i + j)] * zoom[j];
    m[static_cast<std::size_t>(4 * i + 3)] = h.qoffset[static_cast<std::size_t>(i)];
  }
  return m;
}

Affine niftiSform(const NiftiHeader& h) {
  Affine m = kIdentityAffine;
  for (std::size_t i = 0; i < 12; ++i) m[i] = h.srow[i];
  return m;
}

Affine niftiBaseAffine(const NiftiHeader& h) {
  Affine m = kIdentityAffine;
  for (std::size_t axis = 0; axis < 3; ++axis) {
    const double size = static_cast<double>(h.dim[axis + 1]);
    const double zoom = (axis == 0 ? -1.0 : 1.0) * h.pixdim[axis + 1];
    m[5 * axis] = zoom;
    m[4 * axis + 3] = -(size - 1.0) / 2.0 * zoom;
  }
  return m;
}

Affine niftiBestAffine(const NiftiHeader& header, std::string* chosen) {
  auto say = [chosen](const char* which) {
    if (chosen != nullptr) *chosen = which;
  };
  if (header.sformCode != 0) {
    say("sform");
    return niftiSform(header);
  }
  if (header.qformCode != 0) {
    say("qform");
    return niftiQform(header);
  }
  say("pixdim");
  return niftiBaseAffine(header);
}

std::shared_ptr<const ArrayDataset> readNifti(const std::filesystem::path& requested) {
  std::filesystem::path path = requested;
  if (isImgFile(requested)) {
    path = pairedHeader(requested);
    if (path.empty())
      throw FileError(requested,
                      "is the data half of an ANALYZE/NIfTI pair but its .hdr file "
                      "is missing");
  }
  const std::string headBytes = readMaybeGzipPrefix(path, kNifti2HeaderSize);
  const NiftiHeader h = parseNiftiHeader(path, headBytes);
  const NiftiType& type = *niftiType(h.datatype);

  VoxelLayout layout;
  std::array<std::size_t, 3> size{};
  std::size_t voxels = 1;
  for (std::size_t axis = 0; axis < 4; ++axis) {
    const auto n = static_cast<std::size_t>(h.dim[axis + 1]);
    if (axis < 3)
      size[axis] = n;
    else
      layout.frames = n;
    voxels = checkedMultiply(path, voxels, n, "the image (dim product)");
  }
  const std::size_t values = checkedMultiply(path, voxels, type.components, "the image");
  const std::size_t dataBytes = checkedMultiply(path, values, type.stored.size, "the image");
  layout.channels = type.components;
  layout.channelNames = type.channelNames;
  std::string affineSource;
  const Affine affine = niftiBestAffine(h, &affineSource);
  requireFiniteAffine(path, affine, "the " + affineSource + " affine");
  VolumeGrid grid = VolumeGrid::fromAffine(size, affine, unitName(h.xyztUnits & 0x07));
  // The voxel size is pixdim (as nibabel's get_zooms), the affine's column
  // lengths where pixdim is unusable.
  for (std::size_t axis = 0; axis < 3; ++axis)
    grid.spacing[axis] = usableSpacing(h.pixdim[axis + 1], affine, axis);
  layout.timeUnits = unitName(h.xyztUnits & 0x38);
  const double toSeconds = (h.xyztUnits & 0x38) == 16   ? 1e-3
                           : (h.xyztUnits & 0x38) == 24 ? 1e-6
                                                        : 1.0;
  if (std::isfinite(h.pixdim[4]) && h.pixdim[4] > 0) layout.trSeconds = h.pixdim[4] * toSeconds;

  // Scaling, by nibabel's rule: slope 0 or non-finite means none.
  const bool scaled = !type.rgb && h.sclSlope != 0 && std::isfinite(h.sclSlope);
  if (scaled && !std::isfinite(h.sclInter))
    throw FileError(path, "scl_slope is valid but scl_inter is not finite");
  const double slope = scaled ? h.sclSlope : 1.0;
  const double inter = scaled ? h.sclInter : 0.0;

  std::filesystem::path dataPath = path;
  std::size_t offset = 0;
  if (h.pair) {
    dataPath = pairedImage(path);
    if (!std::filesystem::exists(dataPath))
      throw FileError(path, "NIfTI pair header ('ni" + std::to_string(h.version) +
                                "') but its data file " + dataPath.filename().string() +
                                " is missing");
    if (h.voxOffset < 0) throw FileError(path, "vox_offset is negative");
    offset = static_cast<std::size_t>(h.voxOffset);
  } else {
    const std::int64_t minimum = h.version == 1 ? 352 : 544;
    if (h.voxOffset < 0) throw FileError(path, "vox_offset is negative");
    offset = static_cast<std::size_t>(std::max(h.voxOffset, minimum));
  }
  const bool gz = requireFileCanHold(dataPath, offset, dataBytes, "voxel data");

  const bool bigEndian = h.bigEndian;
  ScalarType scalar{};
  const bool typed = !type.x87 && scalarTypeOfStored(type.stored, scalar);
  ArrayDataset::TypedLoader typedLoader;
  ArrayDataset::Loader loader;
  if (typed) {
    // The stored type, memory-mapped when the file allows it; the scaling
    // travels with the array and is applied per value read.
    typedLoader = [dataPath, offset, scalar, values, bigEndian, slope, inter]() {
      return readStoredVoxels(dataPath, offset, scalar, values, bigEndian, slope, inter);
    };
  } else {
    // x87 float128 has no native type: decoded to doubles.
    loader = [dataPath, offset, dataBytes, values, bigEndian, gz, scaled, slope, inter]() {
      std::string raw;
      if (gz) {
        raw = readMaybeGzipPrefix(dataPath, offset + dataBytes);
        if (raw.size() < offset + dataBytes)
          throw FileError(
              dataPath, "voxel data is truncated (" +
                            std::to_string(raw.size() > offset ? raw.size() - offset : 0) + " of " +
                            std::to_string(dataBytes) + " bytes)");
        raw.erase(0, offset);
      } else {
        std::ifstream in(dataPath, std::ios::binary);
        if (!in) throw FileError(dataPath, "cannot be opened for reading");
        in.seekg(static_cast<std::streamoff>(offset));
        raw.resize(dataBytes);
        in.read(raw.data(), static_cast<std::streamsize>(dataBytes));
        if (static_cast<std::size_t>(in.gcount()) != dataBytes)
          throw FileError(dataPath, "voxel data is truncated (" + std::to_string(in.gcount()) +
                                        " of " + std::to_string(dataBytes) + " bytes)");
      }
      const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
      std::vector<double> out(values);
      for (std::size_t i = 0; i < values; ++i) out[i] = decodeX87(p + 16 * i, bigEndian);
      if (scaled)
        for (double& v : out) v = v * slope + inter;
      return out;
    };
  }

  Attributes extra{{"datatype", type.name},
                   {"affine_source", affineSource},
                   {"qform_code", std::to_string(h.qformCode)},
                   {"sform_code", std::to_string(h.sformCode)},
                   {"nifti_version", std::to_string(h.version)},
                   {"byte_order", h.bigEndian ? "big" : "little"}};
  if (h.qformCode != 0) extra["qform"] = formatNumbers(niftiQform(h));
  if (h.sformCode != 0) extra["sform"] = formatNumbers(niftiSform(h));
  if (scaled) {
    const double scaling[2] = {slope, inter};
    extra["scl_slope,scl_inter"] = formatNumbers(scaling);
  }
  if (!h.description.empty()) extra["description"] = h.description;
  if (h.intentCode != 0) extra["intent_code"] = std::to_string(h.intentCode);
  auto provenance = Provenance::fromFile(path.string(), "", "NIfTI");
  const std::string sourceType = scaled ? "float64" : type.name;
  if (typed)
    return makeVolumeDataset(datasetStem(path), grid, layout, std::move(typedLoader),
                             std::move(provenance), std::move(extra), sourceType);
  return makeVolumeDataset(datasetStem(path), grid, layout, std::move(loader),
                           std::move(provenance), std::move(extra), sourceType);
}

int NiftiReader::confidence(const std::filesystem::path& path,
                            std::span<const unsigned char> head) const {
  const std::string inner = innerHead(head);
  const bool named = hasExtension(path, extensions());
  if (inner.size() >= 348) {
    std::int32_t le = 0;
    std::memcpy(&le, inner.data(), 4);
    const std::string_view view(inner);
    const bool n1 = view.substr(344, 4) == std::string_view("n+1\0", 4) ||
                    view.substr(344, 4) == std::string_view("ni1\0", 4);
    const bool n2 = view.substr(4, 4) == std::string_view("n+2\0", 4) ||
                    view.substr(4, 4) == std::string_view("ni2\0", 4);
    if (n1 || n2) return named ? 70 : 60;
  }
  if (isImgFile(path) && !pairedHeader(path).empty()) return 40;
  return named ? 10 : 0;
}

FileContents NiftiReader::open(const std::filesystem::path& path,
                               const std::string& internalPath) const {
  FileContents contents;
  auto volume = readNifti(path);
  contents.metadata["affine_source"] = volume->attributes().at("affine_source");
  contents.datasets.push_back(std::move(volume));
  keepInternalPath(contents.datasets, internalPath);
  return contents;
}

}  // namespace nl::io::volume
