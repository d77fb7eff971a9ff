#pragma once
// A small zarr v2 writer for the tests: every dtype, byte order, order,
// separator and compressor the reader claims, written with the codec
// libraries directly (not with our decoder), so a round trip can fail.
#include <blosc.h>
#include <zlib.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "tests/support/TestSupport.h"

namespace nl::test::zarr {

struct Codec {
  std::string id = "none";  // none, zlib, gzip, zstd, blosc
  std::string bloscName = "lz4";
  int shuffle = 1;
  std::string json() const {
    if (id == "none") return "null";
    if (id == "blosc")
      return R"({"id": "blosc", "cname": ")" + bloscName + R"(", "clevel": 5, "shuffle": )" +
             std::to_string(shuffle) + R"(, "blocksize": 0})";
    return R"({"id": ")" + id + R"(", "level": 1})";
  }
};

inline std::string compress(const Codec& codec, const std::string& raw, std::size_t typeSize) {
  if (codec.id == "none") return raw;
  if (codec.id == "zstd") {
    std::string out(ZSTD_compressBound(raw.size()), '\0');
    const std::size_t n = ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), 3);
    out.resize(n);
    return out;
  }
  if (codec.id == "zlib" || codec.id == "gzip") {
    z_stream s{};
    deflateInit2(&s, 6, Z_DEFLATED, codec.id == "gzip" ? 15 + 16 : 15, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&s, static_cast<uLong>(raw.size())) + 32, '\0');
    s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
    s.avail_in = static_cast<uInt>(raw.size());
    s.next_out = reinterpret_cast<Bytef*>(out.data());
    s.avail_out = static_cast<uInt>(out.size());
    deflate(&s, Z_FINISH);
    out.resize(s.total_out);
    deflateEnd(&s);
    return out;
  }
  // blosc
  std::string out(raw.size() + BLOSC_MAX_OVERHEAD, '\0');
  const int n = blosc_compress_ctx(5, codec.shuffle, typeSize, raw.size(), raw.data(), out.data(),
                                   out.size(), codec.bloscName.c_str(), 0, 1);
  out.resize(static_cast<std::size_t>(n > 0 ? n : 0));
  return out;
}

// `values`: the array in C order, each element `typeSize` native-order bytes.
struct Array {
  std::vector<std::size_t> shape, chunks;
  std::string dtype = "<u2";  // NumPy type string
  char order = 'C';
  std::string separator = ".";
  Codec codec;
  std::string fillValue = "0";              // JSON text
  std::string values;                       // native byte order
  std::set<std::vector<std::size_t>> skip;  // chunk grid positions not written
  std::string zattrs;                       // JSON text or empty
};

inline std::size_t typeSizeOf(const std::string& dtype) {
  return std::stoul(dtype.substr(2));
}

inline void write(const std::filesystem::path& folder, const Array& a) {
  std::filesystem::create_directories(folder);
  std::string shape, chunks;
  for (std::size_t i = 0; i < a.shape.size(); ++i) {
    shape += (i ? ", " : "") + std::to_string(a.shape[i]);
    chunks += (i ? ", " : "") + std::to_string(a.chunks[i]);
  }
  writeBytes(folder / ".zarray",
             "{\"zarr_format\": 2, \"shape\": [" + shape + "], \"chunks\": [" + chunks +
                 "], \"dtype\": \"" + a.dtype + "\", \"order\": \"" + a.order +
                 "\", \"fill_value\": " + a.fillValue + ", \"compressor\": " + a.codec.json() +
                 ", \"filters\": null, \"dimension_separator\": \"" + a.separator + "\"}");
  if (!a.zattrs.empty()) writeBytes(folder / ".zattrs", a.zattrs);
  const std::size_t rank = a.shape.size(), size = typeSizeOf(a.dtype);
  const bool swap = a.dtype[0] == '>' && size > 1;
  std::vector<std::size_t> grid(rank);
  std::size_t chunkCount = 1, chunkVoxels = 1;
  for (std::size_t i = 0; i < rank; ++i) {
    grid[i] = (a.shape[i] + a.chunks[i] - 1) / a.chunks[i];
    chunkCount *= grid[i];
    chunkVoxels *= a.chunks[i];
  }
  for (std::size_t linear = 0; linear < chunkCount; ++linear) {
    std::vector<std::size_t> index(rank);
    for (std::size_t i = rank, l = linear; i-- > 0;) index[i] = l % grid[i], l /= grid[i];
    if (a.skip.count(index)) continue;
    std::string raw(chunkVoxels * size, '\0');
    for (std::size_t v = 0; v < chunkVoxels; ++v) {
      // Position inside the chunk for storage offset v in the chunk's order.
      std::vector<std::size_t> local(rank);
      std::size_t rest = v;
      if (a.order == 'C')
        for (std::size_t i = rank; i-- > 0;) local[i] = rest % a.chunks[i], rest /= a.chunks[i];
      else
        for (std::size_t i = 0; i < rank; ++i) local[i] = rest % a.chunks[i], rest /= a.chunks[i];
      std::size_t flat = 0;
      bool inside = true;
      for (std::size_t i = 0; i < rank; ++i) {
        const std::size_t g = index[i] * a.chunks[i] + local[i];
        inside = inside && g < a.shape[i];
        flat = flat * a.shape[i] + (g < a.shape[i] ? g : 0);
      }
      if (!inside) continue;  // edge padding stays zero
      std::memcpy(raw.data() + v * size, a.values.data() + flat * size, size);
      if (swap) std::reverse(raw.data() + v * size, raw.data() + (v + 1) * size);
    }
    std::string key;
    for (std::size_t i = 0; i < rank; ++i) key += (i ? a.separator : "") + std::to_string(index[i]);
    const auto file = folder / key;
    std::filesystem::create_directories(file.parent_path());
    writeBytes(file, compress(a.codec, raw, size));
  }
}

}  // namespace nl::test::zarr
