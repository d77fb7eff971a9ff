#pragma once
// Just enough zarr v2 to read the FISBe ground-truth fixture in a test
// (C order, uint8, blosc chunks, missing chunks = fill value) until the
// io/microscopy zarr reader can feed the evaluation. Not a general reader.
#include <blosc.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace nl::test {

struct ZarrArrayU8 {
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> values;
  nlohmann::json attributes;
};

inline std::string readWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline ZarrArrayU8 readZarrU8(const std::filesystem::path& array) {
  const auto meta = nlohmann::json::parse(readWholeFile(array / ".zarray"));
  if (meta.at("dtype") != "|u1" || meta.at("order") != "C" || meta.at("zarr_format") != 2 ||
      meta.at("compressor").at("id") != "blosc" || !meta.at("filters").is_null())
    throw std::runtime_error("fixture zarr: unexpected layout in " + array.string());
  ZarrArrayU8 out;
  out.shape = meta.at("shape").get<std::vector<std::int64_t>>();
  const auto chunks = meta.at("chunks").get<std::vector<std::int64_t>>();
  const std::string separator = meta.value("dimension_separator", ".");
  if (out.shape.size() != 4 || chunks.size() != 4)
    throw std::runtime_error("fixture zarr: expected 4 dimensions");
  if (std::filesystem::exists(array / ".zattrs"))
    out.attributes = nlohmann::json::parse(readWholeFile(array / ".zattrs"));
  std::int64_t total = 1;
  for (auto s : out.shape) total *= s;
  out.values.assign(static_cast<std::size_t>(total), meta.at("fill_value").get<std::uint8_t>());
  std::int64_t grid[4], chunkVoxels = 1;
  for (int d = 0; d < 4; ++d) {
    grid[d] = (out.shape[static_cast<std::size_t>(d)] + chunks[static_cast<std::size_t>(d)] - 1) /
              chunks[static_cast<std::size_t>(d)];
    chunkVoxels *= chunks[static_cast<std::size_t>(d)];
  }
  std::vector<std::uint8_t> chunk(static_cast<std::size_t>(chunkVoxels));
  for (std::int64_t a = 0; a < grid[0]; ++a)
    for (std::int64_t b = 0; b < grid[1]; ++b)
      for (std::int64_t c = 0; c < grid[2]; ++c)
        for (std::int64_t d = 0; d < grid[3]; ++d) {
          const std::string name = std::to_string(a) + separator + std::to_string(b) + separator +
                                   std::to_string(c) + separator + std::to_string(d);
          const auto path = array / name;
          if (!std::filesystem::exists(path)) continue;
          const std::string compressed = readWholeFile(path);
          const int n = blosc_decompress_ctx(compressed.data(), chunk.data(), chunk.size(), 1);
          if (n != static_cast<int>(chunk.size()))
            throw std::runtime_error("fixture zarr: cannot decode chunk " + path.string());
          const std::int64_t origin[4] = {a * chunks[0], b * chunks[1], c * chunks[2],
                                          d * chunks[3]};
          for (std::int64_t i = 0; i < chunks[0] && origin[0] + i < out.shape[0]; ++i)
            for (std::int64_t j = 0; j < chunks[1] && origin[1] + j < out.shape[1]; ++j)
              for (std::int64_t k = 0; k < chunks[2] && origin[2] + k < out.shape[2]; ++k) {
                const std::int64_t width = std::min(chunks[3], out.shape[3] - origin[3]);
                const std::int64_t to =
                    (((origin[0] + i) * out.shape[1] + origin[1] + j) * out.shape[2] + origin[2] +
                     k) *
                        out.shape[3] +
                    origin[3];
                const std::int64_t from = ((i * chunks[1] + j) * chunks[2] + k) * chunks[3];
                std::copy_n(chunk.begin() + from, width, out.values.begin() + to);
              }
        }
  return out;
}

}  // namespace nl::test
