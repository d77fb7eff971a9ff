#pragma once
// Chunk codecs of zarr v2 (numcodecs ids) and HDF5's deflate + shuffle
// filters. Each decoder produces exactly the expected number of bytes or
// throws std::runtime_error saying what was wrong; callers add the file and
// the chunk to the message.
#include <cstddef>
#include <string>

namespace nl::io::microscopy::codecs {

enum class Compressor { None, Blosc, Zstd, Zlib, Gzip };

// numcodecs id ("blosc", "zstd", "zlib", "gzip"; "" or "null" for none) →
// compressor, or std::runtime_error naming the unsupported id.
Compressor compressorFromId(const std::string& id);
std::string compressorName(Compressor compressor);

// Decodes `in` into exactly `outSize` bytes at `out`. Blosc decodes with its
// reentrant context API (one internal thread), so calls may run in parallel.
void decompress(Compressor compressor, const unsigned char* in, std::size_t inSize,
                unsigned char* out, std::size_t outSize);

// HDF5's shuffle filter, inverted: the bytes were grouped by byte position
// (all first bytes, then all second bytes, …) of `elementSize`-byte elements.
void unshuffleBytes(const unsigned char* in, std::size_t bytes, std::size_t elementSize,
                    unsigned char* out);

}  // namespace nl::io::microscopy::codecs
