#include "io/readers/NpyReader.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <regex>

namespace nl::io::readers {

namespace {

constexpr unsigned char kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
constexpr std::size_t kMaxHeaderBytes = 1 << 20;

template <typename T>
T loadScalar(const unsigned char* bytes, bool swap) {
  unsigned char buffer[sizeof(T)];
  std::memcpy(buffer, bytes, sizeof(T));
  if (swap) std::reverse(buffer, buffer + sizeof(T));
  T value;
  std::memcpy(&value, buffer, sizeof(T));
  return value;
}

double halfToDouble(std::uint16_t h) {
  const int sign = (h >> 15) & 1;
  const int exponent = (h >> 10) & 0x1f;
  const int mantissa = h & 0x3ff;
  double value;
  if (exponent == 0)
    value = std::ldexp(mantissa, -24);
  else if (exponent == 31)
    value = mantissa == 0 ? std::numeric_limits<double>::infinity()
                          : std::numeric_limits<double>::quiet_NaN();
  else
    value = std::ldexp(mantissa + 1024, exponent - 25);
  return sign ? -value : value;
}

}  // namespace

std::string NpyHeader::dtypeName() const {
  switch (typeCode) {
    case 'b':
      return "bool";
    case 'i':
      return "int" + std::to_string(itemSize * 8);
    case 'u':
      return "uint" + std::to_string(itemSize * 8);
    case 'f':
      return "float" + std::to_string(itemSize * 8);
    case 'U':
      return "str" + std::to_string(textLength);
    case 'S':
      return "bytes" + std::to_string(textLength);
    default:
      return "unknown";
  }
}

std::size_t NpyHeader::elementCount() const {
  return std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
}

NpyHeader parseNpyHeader(const std::filesystem::path& path, const std::string& bytes,
                         bool allowText) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0)
    throw FileError(path, "not a NumPy .npy file (bad magic)");
  NpyHeader header;
  header.majorVersion = static_cast<unsigned char>(bytes[6]);
  std::size_t headerLength = 0;
  std::size_t prefix = 0;
  if (header.majorVersion == 1) {
    headerLength =
        static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    prefix = 10;
  } else if (header.majorVersion == 2 || header.majorVersion == 3) {
    if (bytes.size() < 12) throw FileError(path, "truncated .npy header");
    headerLength =
        loadScalar<std::uint32_t>(reinterpret_cast<const unsigned char*>(bytes.data()) + 8,
                                  std::endian::native == std::endian::big);
    prefix = 12;
  } else {
    throw FileError(path, "unsupported .npy format version " + std::to_string(header.majorVersion) +
                              " (this build reads versions 1 to 3)");
  }
  if (headerLength > kMaxHeaderBytes) throw FileError(path, "implausibly large .npy header");
  if (bytes.size() < prefix + headerLength) throw FileError(path, "truncated .npy header");
  const std::string dict = bytes.substr(prefix, headerLength);
  header.dataOffset = prefix + headerLength;

  std::smatch match;
  static const std::regex descrPattern(R"('descr'\s*:\s*'([^']*)')");
  static const std::regex simpleType(R"(([<>|=])([a-zA-Z])(\d+))");
  static const std::regex fortranPattern(R"('fortran_order'\s*:\s*(True|False))");
  static const std::regex shapePattern(R"('shape'\s*:\s*\(([^)]*)\))");
  if (!std::regex_search(dict, match, descrPattern)) {
    if (dict.find("'descr': [") != std::string::npos || dict.find("'descr':[") != std::string::npos)
      throw FileError(path, "structured .npy arrays (record dtypes) are not supported");
    throw FileError(path, "malformed .npy header: no simple 'descr'");
  }
  const std::string descr = match[1].str();
  std::smatch type;
  if (!std::regex_match(descr, type, simpleType))
    throw FileError(
        path, "unsupported .npy dtype '" + descr +
                  "' (numeric and bool arrays are read; strings, objects and complex are not)");
  header.byteOrder = type[1].str()[0];
  if (header.byteOrder == '=')
    header.byteOrder = std::endian::native == std::endian::little ? '<' : '>';
  header.typeCode = type[2].str()[0];
  {  // std::stoul would throw std::out_of_range on an absurd size; 0 is "unsupported" below
    const std::string digits = type[3].str();
    if (std::from_chars(digits.data(), digits.data() + digits.size(), header.itemSize).ec !=
        std::errc())
      header.itemSize = 0;
  }
  const bool text = allowText && (header.typeCode == 'U' || header.typeCode == 'S') &&
                    header.itemSize > 0 && header.itemSize <= 1 << 20;
  if (text) {
    header.textLength = header.itemSize;
    if (header.typeCode == 'U') header.itemSize *= 4;  // UTF-32 code units
  }
  const bool supported = text || (header.typeCode == 'b' && header.itemSize == 1) ||
                         ((header.typeCode == 'i' || header.typeCode == 'u') &&
                          (header.itemSize == 1 || header.itemSize == 2 || header.itemSize == 4 ||
                           header.itemSize == 8)) ||
                         (header.typeCode == 'f' &&
                          (header.itemSize == 2 || header.itemSize == 4 || header.itemSize == 8));
  if (!supported)
    throw FileError(
        path, "unsupported .npy dtype '" + descr +
                  "' (numeric and bool arrays are read; strings, objects and complex are not)");

  if (!std::regex_search(dict, match, fortranPattern))
    throw FileError(path, "malformed .npy header: no 'fortran_order'");
  header.fortranOrder = match[1] == "True";

  if (!std::regex_search(dict, match, shapePattern))
    throw FileError(path, "malformed .npy header: no 'shape'");
  // Every comma-separated entry must be a plain non-negative integer (a
  // trailing comma is allowed, and Python 2's "L" suffix): "-1" or "x" is
  // malformed, not silently a different shape.
  const std::string dims = match[1].str();
  std::size_t start = 0;
  while (start <= dims.size()) {
    const auto comma = dims.find(',', start);
    std::string item =
        dims.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty() && item.back() == 'L') item.pop_back();
    if (!item.empty()) {
      std::uint64_t value = 0;
      const auto parsed = std::from_chars(item.data(), item.data() + item.size(), value);
      if (parsed.ec == std::errc::result_out_of_range)
        throw FileError(path, "implausible .npy shape (overflows)");
      if (parsed.ec != std::errc() || parsed.ptr != item.data() + item.size())
        throw FileError(path, "malformed .npy header: bad shape (" + dims + ")");
      header.shape.push_back(static_cast<std::size_t>(value));
    } else if (comma != std::string::npos && comma + 1 < dims.size() &&
               dims.find_first_not_of(" \t", comma + 1) != std::string::npos) {
      throw FileError(path, "malformed .npy header: bad shape (" + dims + ")");  // "(2,,3)"
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  // Guard the byte count, and the file offset past it, against overflow
  // before anyone compares or allocates it.
  std::size_t total = 1;
  for (auto d : header.shape) {
    if (d != 0 && total > std::numeric_limits<std::size_t>::max() / d / header.itemSize)
      throw FileError(path, "implausible .npy shape (overflows)");
    total *= d;
  }
  if (total > (std::numeric_limits<std::uint64_t>::max() - header.dataOffset) / header.itemSize)
    throw FileError(path, "implausible .npy shape (overflows)");
  return header;
}

std::vector<double> readNpyValues(const std::filesystem::path& path, const NpyHeader& header) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "cannot be read");
  const std::size_t count = header.elementCount();
  const std::size_t bytes = count * header.itemSize;
  const auto fileSize = std::filesystem::file_size(path);
  if (fileSize < header.dataOffset + bytes)
    throw FileError(
        path, "truncated .npy data: expected " + std::to_string(bytes) +
                  " bytes after the header, found " +
                  std::to_string(fileSize - std::min<std::uint64_t>(fileSize, header.dataOffset)));
  std::vector<unsigned char> raw(bytes);
  in.seekg(static_cast<std::streamoff>(header.dataOffset));
  in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(bytes));
  if (static_cast<std::size_t>(in.gcount()) != bytes) throw FileError(path, "truncated .npy data");
  return decodeNpyValues(header, raw.data());
}

std::vector<std::string> readNpyText(const std::filesystem::path& path, const NpyHeader& header) {
  if (header.typeCode != 'U' && header.typeCode != 'S')
    throw FileError(path, "not a text array (" + header.dtypeName() + ")");
  if (header.fortranOrder && header.shape.size() > 1)
    throw FileError(path, "multi-dimensional Fortran-order text arrays are not supported");
  std::ifstream in(path, std::ios::binary);
  const std::size_t count = header.elementCount();
  const std::size_t bytes = count * header.itemSize;
  const auto fileSize = std::filesystem::file_size(path);
  if (!in || fileSize < header.dataOffset + bytes)
    throw FileError(path, "truncated .npy data: expected " + std::to_string(bytes) +
                              " bytes of text after the header");
  std::vector<unsigned char> raw(bytes);
  in.seekg(static_cast<std::streamoff>(header.dataOffset));
  in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(bytes));
  std::vector<std::string> strings;
  strings.reserve(count);
  const bool big = header.byteOrder == '>';
  for (std::size_t i = 0; i < count; ++i) {
    const unsigned char* p = raw.data() + i * header.itemSize;
    std::string value;
    if (header.typeCode == 'S') {
      value.assign(reinterpret_cast<const char*>(p), header.textLength);
    } else {
      for (std::size_t c = 0; c < header.textLength; ++c, p += 4) {
        const std::uint32_t cp = big ? (std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 |
                                        std::uint32_t{p[2]} << 8 | p[3])
                                     : (std::uint32_t{p[3]} << 24 | std::uint32_t{p[2]} << 16 |
                                        std::uint32_t{p[1]} << 8 | p[0]);
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
          throw FileError(path, "invalid character U+" + std::to_string(cp) + " in element " +
                                    std::to_string(i));
        if (cp < 0x80) {
          value += static_cast<char>(cp);
        } else if (cp < 0x800) {
          value += static_cast<char>(0xC0 | (cp >> 6));
          value += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
          value += static_cast<char>(0xE0 | (cp >> 12));
          value += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          value += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          value += static_cast<char>(0xF0 | (cp >> 18));
          value += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
          value += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          value += static_cast<char>(0x80 | (cp & 0x3F));
        }
      }
    }
    // NumPy pads with NULs; a NUL inside the text also ends it, as NumPy shows it.
    value.erase(std::find(value.begin(), value.end(), '\0'), value.end());
    strings.push_back(std::move(value));
  }
  return strings;
}

std::vector<double> decodeNpyValues(const NpyHeader& header, const unsigned char* raw) {
  const std::size_t count = header.elementCount();
  const bool swap = header.itemSize > 1 &&
                    ((header.byteOrder == '<') != (std::endian::native == std::endian::little));
  std::vector<double> values(count);
  const unsigned char* p = raw;
  for (std::size_t i = 0; i < count; ++i, p += header.itemSize) {
    double v = 0;
    switch (header.typeCode) {
      case 'b':
        v = *p != 0 ? 1.0 : 0.0;
        break;
      case 'i':
        switch (header.itemSize) {
          case 1:
            v = static_cast<std::int8_t>(*p);
            break;
          case 2:
            v = loadScalar<std::int16_t>(p, swap);
            break;
          case 4:
            v = loadScalar<std::int32_t>(p, swap);
            break;
          default:
            v = static_cast<double>(loadScalar<std::int64_t>(p, swap));
            break;
        }
        break;
      case 'u':
        switch (header.itemSize) {
          case 1:
            v = *p;
            break;
          case 2:
            v = loadScalar<std::uint16_t>(p, swap);
            break;
          case 4:
            v = loadScalar<std::uint32_t>(p, swap);
            break;
          default:
            v = static_cast<double>(loadScalar<std::uint64_t>(p, swap));
            break;
        }
        break;
      default:
        switch (header.itemSize) {
          case 2:
            v = halfToDouble(loadScalar<std::uint16_t>(p, swap));
            break;
          case 4:
            v = loadScalar<float>(p, swap);
            break;
          default:
            v = loadScalar<double>(p, swap);
            break;
        }
    }
    values[i] = v;
  }

  if (header.fortranOrder && header.shape.size() > 1) {
    // Column-major on disk: element (i0, i1, …) sits at i0 + d0*(i1 + d1*(…)).
    std::vector<double> cOrder(count);
    const auto rank = header.shape.size();
    std::vector<std::size_t> index(rank, 0);
    for (std::size_t c = 0; c < count; ++c) {
      std::size_t fortranOffset = 0;
      for (std::size_t axis = rank; axis-- > 0;)
        fortranOffset = fortranOffset * header.shape[axis] + index[axis];
      cOrder[c] = values[fortranOffset];
      for (std::size_t axis = rank; axis-- > 0;) {  // advance the C-order index
        if (++index[axis] < header.shape[axis]) break;
        index[axis] = 0;
      }
    }
    values = std::move(cOrder);
  }
  return values;
}

std::string readNpyHead(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "cannot be read");
  // Most headers fit in the first read; the prefix says how long this one is.
  std::string head(64 * 1024, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  std::size_t needed = 0;
  if (head.size() >= 10 && head[6] == 1)
    needed = 10 + (static_cast<unsigned char>(head[8]) |
                   (static_cast<std::size_t>(static_cast<unsigned char>(head[9])) << 8));
  else if (head.size() >= 12 && (head[6] == 2 || head[6] == 3))
    needed = 12 + loadScalar<std::uint32_t>(reinterpret_cast<const unsigned char*>(head.data()) + 8,
                                            std::endian::native == std::endian::big);
  if (needed > head.size() && needed <= kMaxHeaderBytes + 12 && in) {
    const std::size_t had = head.size();
    head.resize(needed);
    in.read(head.data() + had, static_cast<std::streamsize>(needed - had));
    head.resize(had + static_cast<std::size_t>(in.gcount()));
  }
  return head;  // parseNpyHeader names what is missing or too large
}

int NpyReader::confidence(const std::filesystem::path& path,
                          std::span<const unsigned char> head) const {
  if (head.size() >= 6 && std::memcmp(head.data(), kMagic, 6) == 0) return 50;
  return hasExtension(path, extensions()) ? 10 : 0;
}

FileContents NpyReader::open(const std::filesystem::path& path, const std::string&) const {
  NpyHeader header = parseNpyHeader(path, readNpyHead(path), /*allowText=*/true);
  const auto fileSize = std::filesystem::file_size(path);
  if (fileSize < header.dataOffset + header.elementCount() * header.itemSize)
    throw FileError(path, "truncated .npy data: the header promises " +
                              std::to_string(header.elementCount()) + " " + header.dtypeName() +
                              " values but the file is " + std::to_string(fileSize) + " bytes");

  FileContents contents;
  contents.metadata = {{"npy_version", header.majorVersion},
                       {"dtype", header.dtypeName()},
                       {"byte_order", std::string(1, header.byteOrder)},
                       {"fortran_order", header.fortranOrder}};
  if (header.typeCode == 'U' || header.typeCode == 'S') {
    // Labels (e.g. rsatoolbox's stimulus categories): a one-column table.
    const std::string column = path.stem().string();
    contents.datasets.push_back(std::make_shared<TableDataset>(
        DatasetKind::Table, column, std::vector<Column>{{column, readNpyText(path, header)}},
        Provenance::fromFile(path.string(), "", name()),
        Attributes{{"dtype", std::string(1, header.byteOrder) + header.typeCode +
                                 std::to_string(header.textLength)}}));
    return contents;
  }
  auto loader = [path, header] { return readNpyValues(path, header); };
  contents.datasets.push_back(std::make_shared<ArrayDataset>(
      DatasetKind::Array, path.stem().string(), header.shape, loader,
      Provenance::fromFile(path.string(), "", name()), Attributes{}, header.dtypeName()));
  return contents;
}

}  // namespace nl::io::readers
