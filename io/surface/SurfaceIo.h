#pragma once
// Byte-level helpers shared by the surface and volume readers (GIfTI,
// FreeSurfer, MGH, NIfTI): whole-file and partial gzip inflation through zlib,
// a bounds-checked cursor over big- or little-endian bytes, and typed decoding.
// Every failure is a FileError naming the file.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "io/Dataset.h"
#include "io/Error.h"

namespace nl::io::surface {

bool startsWithGzipMagic(std::span<const unsigned char> head);

// Inflates as much of `compressed` as it holds (a file's first bytes, say), at
// most `maxBytes`; never throws: whatever could be inflated is returned. Used
// to recognise .nii.gz / .mgz / .gii.gz / lh.white.gz by their inner magic.
std::string inflatePrefix(std::span<const unsigned char> compressed, std::size_t maxBytes);

// The first bytes as the reader sees them: `head` itself, or what inflating it
// gives when it starts with the gzip magic.
std::string innerHead(std::span<const unsigned char> head);

// Whether the file starts with the gzip magic.
bool fileIsGzip(const std::filesystem::path& path);

// The raw bytes of a file.
std::string readFileBytes(const std::filesystem::path& path);
// The file's bytes, inflated when it starts with the gzip magic (several
// concatenated members allowed). A gzip stream that ends early or fails its
// check is a FileError; inflating past `maxBytes` is one too (a bomb guard).
std::string readMaybeGzip(const std::filesystem::path& path,
                          std::size_t maxBytes = std::size_t{1} << 36);
// The first `count` bytes of the (possibly gzip-compressed) file, inflating no
// more than needed; fewer when the file is shorter.
std::string readMaybeGzipPrefix(const std::filesystem::path& path, std::size_t count);
// zlib or gzip data in memory (GIfTI GZipBase64Binary) → exactly `expectedBytes`.
std::string inflateExactly(const std::filesystem::path& path, std::string_view compressed,
                           std::size_t expectedBytes, const std::string& what);

// a*b with overflow → FileError(`what` is too large).
std::size_t checkedMultiply(const std::filesystem::path& path, std::size_t a, std::size_t b,
                            const std::string& what);

// Refuses a header whose data (`dataBytes` of `what` at `offset`) the file
// cannot hold — a cheap check against hostile sizes before anything is
// allocated; a gzip file holds at most ~1032× its size. Returns whether the
// file is gzip-compressed.
bool requireFileCanHold(const std::filesystem::path& path, std::size_t offset,
                        std::size_t dataBytes, const std::string& what);

// Numbers as stored on disk: 'i' signed, 'u' unsigned, 'f' IEEE float.
struct StoredType {
  char code = 'f';
  std::size_t size = 4;
};
// Decodes `count` stored numbers starting at `raw` into doubles.
std::vector<double> decodeStored(StoredType type, bool bigEndian, const unsigned char* raw,
                                 std::size_t count);

// Reads fixed-size numbers from a byte string with bounds checks.
class ByteCursor {
 public:
  ByteCursor(const std::filesystem::path& path, std::string_view bytes, bool bigEndian)
      : path_(path), bytes_(bytes), bigEndian_(bigEndian) {}

  std::size_t position() const { return position_; }
  std::size_t remaining() const { return bytes_.size() - position_; }
  void seek(std::size_t position, const char* what);
  // Throws "file ends before <what>" unless `count` more bytes exist.
  void require(std::size_t count, const char* what) const;
  std::string_view take(std::size_t count, const char* what);

  std::uint8_t u8(const char* what);
  std::int16_t i16(const char* what);
  std::int32_t i32(const char* what);
  std::int64_t i64(const char* what);
  float f32(const char* what);
  double f64(const char* what);

 private:
  template <typename T>
  T scalar(const char* what);

  const std::filesystem::path& path_;
  std::string_view bytes_;
  bool bigEndian_;
  std::size_t position_ = 0;
};

// "lh.white.gz" → "lh.white"; "pial_left.gii.gz" → "pial_left"; "x.nii.gz" → "x".
std::string datasetStem(const std::filesystem::path& path);
// "left"/"right" from FreeSurfer's lh./rh. prefix or a _left/_right, hemi-L/R
// style name; "" when the name does not say.
std::string hemisphereFromName(const std::filesystem::path& path);
// Keeps the datasets whose provenance internal path equals `internalPath`
// (everything when it is empty or "/").
void keepInternalPath(std::vector<DatasetPtr>& datasets, const std::string& internalPath);

}  // namespace nl::io::surface
