#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/ReaderRegistry.h"

namespace nl::io::readers {

// The parsed header of a NumPy .npy file (format versions 1.0, 2.0 and 3.0).
struct NpyHeader {
  int majorVersion = 1;
  char byteOrder = '<';        // '<' little, '>' big, '|' not applicable
  char typeCode = 'f';         // 'b' bool, 'i' signed, 'u' unsigned, 'f' float; 'U'/'S' text
  std::size_t itemSize = 8;    // bytes per element (a '<U9' element is 36 bytes)
  std::size_t textLength = 0;  // characters per element of a text array
  bool fortranOrder = false;
  std::vector<std::size_t> shape;
  std::uint64_t dataOffset = 0;

  std::string dtypeName() const;  // "float64", "int16", …
  std::size_t elementCount() const;
};

// Throws FileError naming `path` for anything malformed or unsupported. Text
// dtypes (NumPy 'U' UTF-32 and 'S' bytes) are accepted only with `allowText`,
// for callers that read them with readNpyText.
NpyHeader parseNpyHeader(const std::filesystem::path& path, const std::string& bytes,
                         bool allowText = false);
// The strings of a text array, C order, trailing NULs removed, as UTF-8.
std::vector<std::string> readNpyText(const std::filesystem::path& path, const NpyHeader& header);
// Reads and converts the data (to C order, native doubles).
std::vector<double> readNpyValues(const std::filesystem::path& path, const NpyHeader& header);
// The bytes of a .npy file up to the end of its header (headers of up to
// 1 MiB, as NumPy allows for wide structured dtypes), for parseNpyHeader.
std::string readNpyHead(const std::filesystem::path& path);
// Converts elementCount() × itemSize raw bytes (the data after the header).
std::vector<double> decodeNpyValues(const NpyHeader& header, const unsigned char* raw);

class NpyReader final : public FileReader {
 public:
  std::string name() const override { return "NumPy .npy"; }
  std::vector<std::string> extensions() const override { return {".npy"}; }
  int confidence(const std::filesystem::path& path,
                 std::span<const unsigned char> head) const override;
  FileContents open(const std::filesystem::path& path,
                    const std::string& internalPath) const override;
};

}  // namespace nl::io::readers
