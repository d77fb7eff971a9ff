#pragma once
// Writers for synthetic NIfTI, GIfTI, FreeSurfer and MGH files, byte by byte,
// so the tests cover variants the fixtures lack (NIfTI-2, big-endian,
// hdr/img pairs, scaling, every datatype, GIfTI encodings …).
#include <zlib.h>

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tests/support/TestSupport.h"

namespace nl::test {

template <typename T>
void putAt(std::string& buffer, std::size_t offset, T value, bool bigEndian) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  if (bigEndian == (std::endian::native == std::endian::little))
    std::reverse(bytes, bytes + sizeof(T));
  if (buffer.size() < offset + sizeof(T)) buffer.resize(offset + sizeof(T), '\0');
  std::memcpy(buffer.data() + offset, bytes, sizeof(T));
}

template <typename T>
void append(std::string& buffer, T value, bool bigEndian) {
  putAt(buffer, buffer.size(), value, bigEndian);
}

inline std::string gzipBytes(const std::string& data, bool zlibWrapper = false) {
  z_stream s{};
  deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, zlibWrapper ? 15 : 15 + 16, 8,
               Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&s, static_cast<uLong>(data.size())) + 32, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  deflate(&s, Z_FINISH);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

inline std::string base64(const std::string& data) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16) |
                   (static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8) |
                   static_cast<unsigned char>(data[i + 2]);
    for (int k = 3; k >= 0; --k) out += alphabet[(n >> (6 * k)) & 63];
  }
  if (i < data.size()) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16;
    if (i + 1 < data.size())
      n |= static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += i + 1 < data.size() ? alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

struct NiftiSpec {
  int version = 1;
  bool bigEndian = false;
  bool pair = false;
  std::array<std::int64_t, 8> dim{3, 2, 3, 4, 1, 1, 1, 1};
  std::array<double, 8> pixdim{1, 2, 3, 4, 0, 0, 0, 0};
  int datatype = 16;
  int bitpix = 32;
  double slope = 0;
  double inter = 0;
  int qformCode = 0;
  int sformCode = 0;
  std::array<double, 3> quatern{0, 0, 0};
  std::array<double, 3> qoffset{0, 0, 0};
  std::array<double, 12> srow{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0};
  int xyztUnits = 2 | 8;
  std::int64_t voxOffset = -1;  // -1: the natural one
};

// The header (plus the 4-byte extension flag for single files) of a NIfTI file.
inline std::string niftiHeader(const NiftiSpec& s) {
  std::string h;
  const bool be = s.bigEndian;
  if (s.version == 1) {
    h.assign(348, '\0');
    putAt<std::int32_t>(h, 0, 348, be);
    for (int i = 0; i < 8; ++i)
      putAt<std::int16_t>(h, 40 + 2 * i, static_cast<std::int16_t>(s.dim[i]), be);
    putAt<std::int16_t>(h, 70, static_cast<std::int16_t>(s.datatype), be);
    putAt<std::int16_t>(h, 72, static_cast<std::int16_t>(s.bitpix), be);
    for (int i = 0; i < 8; ++i) putAt<float>(h, 76 + 4 * i, static_cast<float>(s.pixdim[i]), be);
    putAt<float>(h, 108, static_cast<float>(s.voxOffset >= 0 ? s.voxOffset : (s.pair ? 0 : 352)),
                 be);
    putAt<float>(h, 112, static_cast<float>(s.slope), be);
    putAt<float>(h, 116, static_cast<float>(s.inter), be);
    h[123] = static_cast<char>(s.xyztUnits);
    putAt<std::int16_t>(h, 252, static_cast<std::int16_t>(s.qformCode), be);
    putAt<std::int16_t>(h, 254, static_cast<std::int16_t>(s.sformCode), be);
    for (int i = 0; i < 3; ++i) putAt<float>(h, 256 + 4 * i, static_cast<float>(s.quatern[i]), be);
    for (int i = 0; i < 3; ++i) putAt<float>(h, 268 + 4 * i, static_cast<float>(s.qoffset[i]), be);
    for (int i = 0; i < 12; ++i) putAt<float>(h, 280 + 4 * i, static_cast<float>(s.srow[i]), be);
    std::memcpy(h.data() + 344, s.pair ? "ni1\0" : "n+1\0", 4);
  } else {
    h.assign(540, '\0');
    putAt<std::int32_t>(h, 0, 540, be);
    std::memcpy(h.data() + 4, s.pair ? "ni2\0\r\n\032\n" : "n+2\0\r\n\032\n", 8);
    putAt<std::int16_t>(h, 12, static_cast<std::int16_t>(s.datatype), be);
    putAt<std::int16_t>(h, 14, static_cast<std::int16_t>(s.bitpix), be);
    for (int i = 0; i < 8; ++i) putAt<std::int64_t>(h, 16 + 8 * i, s.dim[i], be);
    for (int i = 0; i < 8; ++i) putAt<double>(h, 104 + 8 * i, s.pixdim[i], be);
    putAt<std::int64_t>(h, 168, s.voxOffset >= 0 ? s.voxOffset : (s.pair ? 0 : 544), be);
    putAt<double>(h, 176, s.slope, be);
    putAt<double>(h, 184, s.inter, be);
    putAt<std::int32_t>(h, 344, s.qformCode, be);
    putAt<std::int32_t>(h, 348, s.sformCode, be);
    for (int i = 0; i < 3; ++i) putAt<double>(h, 352 + 8 * i, s.quatern[i], be);
    for (int i = 0; i < 3; ++i) putAt<double>(h, 376 + 8 * i, s.qoffset[i], be);
    for (int i = 0; i < 12; ++i) putAt<double>(h, 400 + 8 * i, s.srow[i], be);
    putAt<std::int32_t>(h, 500, s.xyztUnits, be);
  }
  if (!s.pair) h.append(4, '\0');  // extension flag: none
  return h;
}

}  // namespace nl::test
