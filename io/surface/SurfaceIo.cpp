#include "io/surface/SurfaceIo.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <charconv>
#include <cstring>
#include <fstream>
#include <limits>

#include "io/readers/NpyReader.h"

namespace nl::io::surface {

namespace {

constexpr std::size_t kChunk = std::size_t{1} << 16;

// zlib's avail_in/avail_out are 32-bit; feed large buffers in pieces.
uInt clampToUInt(std::size_t n) {
  return static_cast<uInt>(std::min<std::size_t>(n, std::numeric_limits<uInt>::max()));
}

struct Inflater {
  z_stream stream{};
  bool ready = false;
  explicit Inflater(int windowBits) { ready = inflateInit2(&stream, windowBits) == Z_OK; }
  ~Inflater() {
    if (ready) inflateEnd(&stream);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
};

// 15 + 32: zlib or gzip header, detected automatically.
constexpr int kAutoHeader = 15 + 32;

}  // namespace

bool startsWithGzipMagic(std::span<const unsigned char> head) {
  return head.size() >= 2 && head[0] == 0x1f && head[1] == 0x8b;
}

std::string inflatePrefix(std::span<const unsigned char> compressed, std::size_t maxBytes) {
  Inflater inflater(kAutoHeader);
  std::string out(maxBytes, '\0');
  if (!inflater.ready || maxBytes == 0) return {};
  z_stream& s = inflater.stream;
  s.next_in = const_cast<unsigned char*>(compressed.data());
  s.avail_in = clampToUInt(compressed.size());
  s.next_out = reinterpret_cast<unsigned char*>(out.data());
  s.avail_out = clampToUInt(maxBytes);
  inflate(&s, Z_SYNC_FLUSH);
  out.resize(maxBytes - s.avail_out);
  return out;
}

std::string innerHead(std::span<const unsigned char> head) {
  if (startsWithGzipMagic(head)) return inflatePrefix(head, 4096);
  return {reinterpret_cast<const char*>(head.data()), head.size()};
}

bool fileIsGzip(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char magic[2] = {0, 0};
  in.read(reinterpret_cast<char*>(magic), 2);
  return in.gcount() == 2 && startsWithGzipMagic(magic);
}

std::string readFileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "cannot be opened for reading");
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  if (size < 0) throw FileError(path, "cannot determine the file size");
  in.seekg(0);
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.read(bytes.data(), size);
  if (in.gcount() != size) throw FileError(path, "read failed before the end of the file");
  return bytes;
}

namespace {

// Inflates the gzip file at `path`, stopping once `limit` bytes are out when
// `stopAtLimit` (a prefix read) or failing past it otherwise.
std::string inflateFile(const std::filesystem::path& path, std::size_t limit, bool stopAtLimit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "cannot be opened for reading");
  Inflater inflater(kAutoHeader);
  if (!inflater.ready) throw FileError(path, "zlib could not be initialised");
  z_stream& s = inflater.stream;
  std::string input(kChunk, '\0');
  std::string out;
  bool streamEnded = false;
  bool inputLeft = true;
  while (inputLeft) {
    in.read(input.data(), static_cast<std::streamsize>(input.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) break;
    inputLeft = static_cast<bool>(in);
    s.next_in = reinterpret_cast<unsigned char*>(input.data());
    s.avail_in = static_cast<uInt>(got);
    while (s.avail_in > 0) {
      if (streamEnded) {
        // Another gzip member follows (concatenated .gz files are valid).
        if (inflateReset(&s) != Z_OK) throw FileError(path, "gzip: cannot restart inflation");
        streamEnded = false;
      }
      const std::size_t before = out.size();
      out.resize(before + kChunk);
      s.next_out = reinterpret_cast<unsigned char*>(out.data() + before);
      s.avail_out = static_cast<uInt>(kChunk);
      const int rc = inflate(&s, Z_NO_FLUSH);
      out.resize(before + kChunk - s.avail_out);
      if (rc == Z_STREAM_END) {
        streamEnded = true;
      } else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT) {
        throw FileError(path, std::string("gzip data is corrupted (") +
                                  (s.msg != nullptr ? s.msg : "invalid data") + ")");
      } else if (rc == Z_MEM_ERROR) {
        throw FileError(path, "out of memory while inflating gzip data");
      } else if (rc == Z_BUF_ERROR && s.avail_in == 0) {
        break;
      }
      if (out.size() >= limit) {
        if (stopAtLimit) {
          out.resize(limit);
          return out;
        }
        throw FileError(path, "gzip data inflates to more than " + std::to_string(limit) +
                                  " bytes, more than the header announces");
      }
    }
  }
  // A prefix read that got fewer bytes than asked for must have seen the
  // stream's end; otherwise the file was cut short.
  if (!streamEnded)
    throw FileError(path, "gzip stream is truncated (the file ends before the compressed data)");
  return out;
}

}  // namespace

std::string readMaybeGzip(const std::filesystem::path& path, std::size_t maxBytes) {
  if (!fileIsGzip(path)) return readFileBytes(path);
  return inflateFile(path, maxBytes, false);
}

std::string readMaybeGzipPrefix(const std::filesystem::path& path, std::size_t count) {
  if (fileIsGzip(path)) return inflateFile(path, count, true);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "cannot be opened for reading");
  std::string bytes(count, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(count));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

std::string inflateExactly(const std::filesystem::path& path, std::string_view compressed,
                           std::size_t expectedBytes, const std::string& what) {
  Inflater inflater(kAutoHeader);
  if (!inflater.ready) throw FileError(path, "zlib could not be initialised");
  z_stream& s = inflater.stream;
  // One spare byte reveals data longer than expected.
  std::string out(expectedBytes + 1, '\0');
  s.next_in = reinterpret_cast<unsigned char*>(const_cast<char*>(compressed.data()));
  std::size_t inLeft = compressed.size();
  std::size_t outDone = 0;
  int rc = Z_OK;
  while (rc == Z_OK) {
    const uInt inChunk = clampToUInt(inLeft);
    const uInt outChunk = clampToUInt(out.size() - outDone);
    s.avail_in = inChunk;
    s.next_out = reinterpret_cast<unsigned char*>(out.data() + outDone);
    s.avail_out = outChunk;
    rc = inflate(&s, Z_NO_FLUSH);
    inLeft -= inChunk - s.avail_in;
    outDone += outChunk - s.avail_out;
    if (rc == Z_BUF_ERROR && (inLeft == 0 || outDone == out.size())) break;
    if (rc == Z_OK && inLeft == 0 && s.avail_out > 0) break;
  }
  if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_MEM_ERROR)
    throw FileError(path, what + ": compressed data is corrupted (" +
                              (s.msg != nullptr ? s.msg : "invalid data") + ")");
  if (outDone != expectedBytes)
    throw FileError(path, what + ": compressed data inflates to " +
                              (outDone > expectedBytes ? "more than " : "") +
                              std::to_string(outDone) + " bytes, expected " +
                              std::to_string(expectedBytes));
  if (rc != Z_STREAM_END) throw FileError(path, what + ": compressed data is truncated");
  out.resize(expectedBytes);
  return out;
}

std::size_t checkedMultiply(const std::filesystem::path& path, std::size_t a, std::size_t b,
                            const std::string& what) {
  if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a)
    throw FileError(path, what + " is too large (size overflow)");
  return a * b;
}

bool requireFileCanHold(const std::filesystem::path& path, std::size_t offset,
                        std::size_t dataBytes, const std::string& what) {
  std::error_code ec;
  const auto fileBytes = std::filesystem::file_size(path, ec);
  const bool gz = fileIsGzip(path);
  if (ec) return gz;
  const long double capacity =
      gz ? 1100.0L * static_cast<long double>(fileBytes) : static_cast<long double>(fileBytes);
  if (static_cast<long double>(offset) + static_cast<long double>(dataBytes) > capacity)
    throw FileError(path, "header announces " + std::to_string(dataBytes) + " bytes of " + what +
                              " at offset " + std::to_string(offset) + " but the file " +
                              (gz ? std::string("cannot hold them")
                                  : "has only " + std::to_string(fileBytes) + " bytes"));
  return gz;
}

std::vector<double> decodeStored(StoredType type, bool bigEndian, const unsigned char* raw,
                                 std::size_t count) {
  readers::NpyHeader header;
  header.typeCode = type.code;
  header.itemSize = type.size;
  header.byteOrder = bigEndian ? '>' : '<';
  header.shape = {count};
  return readers::decodeNpyValues(header, raw);
}

void ByteCursor::seek(std::size_t position, const char* what) {
  if (position > bytes_.size())
    throw FileError(path_, std::string("file ends before ") + what + " (offset " +
                               std::to_string(position) + ", file has " +
                               std::to_string(bytes_.size()) + " bytes)");
  position_ = position;
}

void ByteCursor::require(std::size_t count, const char* what) const {
  if (count > remaining())
    throw FileError(path_, std::string("file ends before ") + what + " (needs " +
                               std::to_string(count) + " more bytes at offset " +
                               std::to_string(position_) + ", " + std::to_string(remaining()) +
                               " left)");
}

std::string_view ByteCursor::take(std::size_t count, const char* what) {
  require(count, what);
  const auto view = bytes_.substr(position_, count);
  position_ += count;
  return view;
}

template <typename T>
T ByteCursor::scalar(const char* what) {
  require(sizeof(T), what);
  unsigned char buffer[sizeof(T)];
  std::memcpy(buffer, bytes_.data() + position_, sizeof(T));
  if (bigEndian_ == (std::endian::native == std::endian::little))
    std::reverse(buffer, buffer + sizeof(T));
  position_ += sizeof(T);
  T value;
  std::memcpy(&value, buffer, sizeof(T));
  return value;
}

std::uint8_t ByteCursor::u8(const char* what) {
  return scalar<std::uint8_t>(what);
}
std::int16_t ByteCursor::i16(const char* what) {
  return scalar<std::int16_t>(what);
}
std::int32_t ByteCursor::i32(const char* what) {
  return scalar<std::int32_t>(what);
}
std::int64_t ByteCursor::i64(const char* what) {
  return scalar<std::int64_t>(what);
}
float ByteCursor::f32(const char* what) {
  return scalar<float>(what);
}
double ByteCursor::f64(const char* what) {
  return scalar<double>(what);
}

std::string datasetStem(const std::filesystem::path& path) {
  std::string name = path.filename().string();
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* ext :
       {".gz", ".gii", ".nii", ".mgz", ".mgh", ".hdr", ".img", ".annot", ".label"}) {
    const std::string e = ext;
    if (lower.size() > e.size() && lower.ends_with(e)) {
      lower.resize(lower.size() - e.size());
      name.resize(name.size() - e.size());
    }
  }
  return name;
}

std::string hemisphereFromName(const std::filesystem::path& path) {
  std::string lower = path.filename().string();
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.starts_with("lh.") || lower.find("_left") != std::string::npos ||
      lower.find("hemi-l") != std::string::npos || lower.find(".l.") != std::string::npos)
    return "left";
  if (lower.starts_with("rh.") || lower.find("_right") != std::string::npos ||
      lower.find("hemi-r") != std::string::npos || lower.find(".r.") != std::string::npos)
    return "right";
  return {};
}

void keepInternalPath(std::vector<DatasetPtr>& datasets, const std::string& internalPath) {
  if (internalPath.empty() || internalPath == "/") return;
  std::erase_if(datasets, [&internalPath](const DatasetPtr& dataset) {
    return dataset->provenance().internalPath != internalPath;
  });
}

}  // namespace nl::io::surface
