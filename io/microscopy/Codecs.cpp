#include "io/microscopy/Codecs.h"

#include <blosc.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <climits>
#include <cstring>
#include <stdexcept>

namespace nl::io::microscopy::codecs {

Compressor compressorFromId(const std::string& id) {
  if (id.empty() || id == "null") return Compressor::None;
  if (id == "blosc") return Compressor::Blosc;
  if (id == "zstd") return Compressor::Zstd;
  if (id == "zlib") return Compressor::Zlib;
  if (id == "gzip") return Compressor::Gzip;
  throw std::runtime_error("unsupported compressor '" + id +
                           "' (this build reads blosc, zstd, zlib, gzip and uncompressed chunks)");
}

std::string compressorName(Compressor compressor) {
  switch (compressor) {
    case Compressor::None:
      return "none";
    case Compressor::Blosc:
      return "blosc";
    case Compressor::Zstd:
      return "zstd";
    case Compressor::Zlib:
      return "zlib";
    case Compressor::Gzip:
      return "gzip";
  }
  return "?";
}

namespace {

std::string sizes(std::size_t got, std::size_t expected) {
  return std::to_string(got) + " bytes where " + std::to_string(expected) + " were expected";
}

void decodeBlosc(const unsigned char* in, std::size_t inSize, unsigned char* out,
                 std::size_t outSize) {
  std::size_t nbytes = 0;
  if (inSize < BLOSC_MIN_HEADER_LENGTH || blosc_cbuffer_validate(in, inSize, &nbytes) != 0)
    throw std::runtime_error("not a valid blosc buffer (" + std::to_string(inSize) +
                             " bytes; truncated or corrupt)");
  if (nbytes != outSize)
    throw std::runtime_error("blosc header announces " + sizes(nbytes, outSize));
  const int n = blosc_decompress_ctx(in, out, outSize, 1);
  if (n < 0)
    throw std::runtime_error("blosc decompression failed (code " + std::to_string(n) +
                             "; corrupt data or an inner codec this libblosc lacks)");
  if (static_cast<std::size_t>(n) != outSize)
    throw std::runtime_error("blosc decompressed to " +
                             sizes(static_cast<std::size_t>(n), outSize));
}

void decodeZstd(const unsigned char* in, std::size_t inSize, unsigned char* out,
                std::size_t outSize) {
  const unsigned long long content = ZSTD_getFrameContentSize(in, inSize);
  if (content == ZSTD_CONTENTSIZE_ERROR)
    throw std::runtime_error("not a zstd frame (truncated or corrupt)");
  if (content != ZSTD_CONTENTSIZE_UNKNOWN && content != outSize)
    throw std::runtime_error("zstd frame announces " +
                             sizes(static_cast<std::size_t>(content), outSize));
  const std::size_t n = ZSTD_decompress(out, outSize, in, inSize);
  if (ZSTD_isError(n)) {
    if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall)
      throw std::runtime_error("zstd data decompresses to more than " + std::to_string(outSize) +
                               " bytes (the expected chunk size)");
    throw std::runtime_error(std::string("zstd decompression failed: ") + ZSTD_getErrorName(n));
  }
  if (n != outSize) throw std::runtime_error("zstd decompressed to " + sizes(n, outSize));
}

// windowBits 15: zlib header; 15 + 16: gzip header.
void decodeDeflate(const unsigned char* in, std::size_t inSize, unsigned char* out,
                   std::size_t outSize, int windowBits, const char* what) {
  z_stream stream{};
  if (inflateInit2(&stream, windowBits) != Z_OK)
    throw std::runtime_error(std::string(what) + ": cannot initialise zlib");
  std::size_t inDone = 0, outDone = 0;
  int status = Z_OK;
  unsigned char extra = 0;
  bool overflow = false;
  while (status == Z_OK) {
    const std::size_t inChunk = std::min<std::size_t>(inSize - inDone, UINT_MAX);
    const std::size_t outChunk = std::min<std::size_t>(outSize - outDone, UINT_MAX);
    stream.next_in = const_cast<unsigned char*>(in + inDone);
    stream.avail_in = static_cast<uInt>(inChunk);
    if (outChunk == 0) {
      // Everything expected has arrived; one more byte means the data is too long.
      stream.next_out = &extra;
      stream.avail_out = 1;
    } else {
      stream.next_out = out + outDone;
      stream.avail_out = static_cast<uInt>(outChunk);
    }
    status = inflate(&stream, Z_NO_FLUSH);
    inDone += inChunk - stream.avail_in;
    if (outChunk == 0) {
      if (stream.avail_out == 0) overflow = true;
    } else {
      outDone += outChunk - stream.avail_out;
    }
    if (overflow) break;
    if (status == Z_BUF_ERROR && inDone == inSize) break;  // input ended early
    if (status == Z_BUF_ERROR) status = Z_OK;
  }
  inflateEnd(&stream);
  if (overflow)
    throw std::runtime_error(std::string(what) + " data decompresses to more than " +
                             std::to_string(outSize) + " bytes (the expected chunk size)");
  if (status == Z_DATA_ERROR || status == Z_NEED_DICT || status == Z_MEM_ERROR ||
      status == Z_STREAM_ERROR)
    throw std::runtime_error(std::string(what) + " data is corrupt (" +
                             (stream.msg ? stream.msg : "zlib error") + ")");
  if (status != Z_STREAM_END)
    throw std::runtime_error(std::string(what) + " data ends early (truncated): got " +
                             sizes(outDone, outSize));
  if (outDone != outSize)
    throw std::runtime_error(std::string(what) + " decompressed to " + sizes(outDone, outSize));
}

}  // namespace

void decompress(Compressor compressor, const unsigned char* in, std::size_t inSize,
                unsigned char* out, std::size_t outSize) {
  switch (compressor) {
    case Compressor::None:
      if (inSize != outSize)
        throw std::runtime_error("uncompressed chunk has " + sizes(inSize, outSize));
      if (outSize > 0) std::memcpy(out, in, outSize);
      return;
    case Compressor::Blosc:
      return decodeBlosc(in, inSize, out, outSize);
    case Compressor::Zstd:
      return decodeZstd(in, inSize, out, outSize);
    case Compressor::Zlib:
      return decodeDeflate(in, inSize, out, outSize, 15, "zlib");
    case Compressor::Gzip:
      return decodeDeflate(in, inSize, out, outSize, 15 + 16, "gzip");
  }
}

void unshuffleBytes(const unsigned char* in, std::size_t bytes, std::size_t elementSize,
                    unsigned char* out) {
  if (elementSize <= 1) {
    if (bytes > 0) std::memcpy(out, in, bytes);
    return;
  }
  const std::size_t count = bytes / elementSize;
  for (std::size_t b = 0; b < elementSize; ++b) {
    const unsigned char* plane = in + b * count;
    for (std::size_t i = 0; i < count; ++i) out[i * elementSize + b] = plane[i];
  }
  // HDF5 leaves a trailing partial element unshuffled.
  const std::size_t tail = count * elementSize;
  if (tail < bytes) std::memcpy(out + tail, in + tail, bytes - tail);
}

}  // namespace nl::io::microscopy::codecs
