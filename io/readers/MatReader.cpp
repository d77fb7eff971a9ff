#include "io/readers/MatReader.h"

#include <matio.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "io/UntrustedInput.h"

namespace nl::io::readers {

namespace {

// libmatio reports problems through a global log function; by default it
// prints to stderr. Keep the last message so a FileError can say what it was.
std::mutex g_matioMutex;  // matio's logging is global: one reader at a time
std::string g_lastMatioMessage;

void rememberMatioMessage(int, char* message) {
  g_lastMatioMessage = message != nullptr ? message : "";
}

struct MatCloser {
  void operator()(mat_t* mat) const { Mat_Close(mat); }
};
struct VarFree {
  void operator()(matvar_t* var) const { Mat_VarFree(var); }
};
using MatPtr = std::unique_ptr<mat_t, MatCloser>;
using VarPtr = std::unique_ptr<matvar_t, VarFree>;

std::size_t elementCount(const matvar_t& var) {
  std::size_t count = 1;
  for (int d = 0; d < var.rank; ++d) {
    if (var.dims[d] != 0 && count > std::numeric_limits<std::size_t>::max() / var.dims[d])
      return std::numeric_limits<std::size_t>::max();
    count *= var.dims[d];
  }
  return count;
}

std::vector<std::size_t> dimsOf(const matvar_t& var) {
  return {var.dims, var.dims + var.rank};
}

bool isNumericClass(matio_classes c) {
  return c >= MAT_C_DOUBLE && c <= MAT_C_UINT64;
}

std::string sourceTypeOf(matio_classes c) {
  switch (c) {
    case MAT_C_DOUBLE:
      return "float64";
    case MAT_C_SINGLE:
      return "float32";
    case MAT_C_INT8:
      return "int8";
    case MAT_C_UINT8:
      return "uint8";
    case MAT_C_INT16:
      return "int16";
    case MAT_C_UINT16:
      return "uint16";
    case MAT_C_INT32:
      return "int32";
    case MAT_C_UINT32:
      return "uint32";
    case MAT_C_INT64:
      return "int64";
    case MAT_C_UINT64:
      return "uint64";
    default:
      return "unknown";
  }
}

template <typename T>
double at(const void* data, std::size_t i) {
  T value;
  std::memcpy(&value, static_cast<const unsigned char*>(data) + i * sizeof(T), sizeof(T));
  return static_cast<double>(value);
}

// The values of a real numeric variable in MATLAB (column-major) order.
std::vector<double> columnMajorValues(const std::filesystem::path& path, const matvar_t& var,
                                      const std::string& what) {
  if (var.isComplex)
    throw FileError(path, "'" + what + "' is complex; RDMs and responses are real");
  const std::size_t n = elementCount(var);
  if (n == 0) return {};
  const std::size_t width = static_cast<std::size_t>(var.data_size);
  if (var.data == nullptr || width == 0 || var.nbytes < n * width)
    throw FileError(path, "'" + what + "' has no readable data (truncated or corrupt)");
  std::vector<double> values(n);
  for (std::size_t i = 0; i < n; ++i) {
    switch (var.class_type) {
      case MAT_C_DOUBLE:
        values[i] = at<double>(var.data, i);
        break;
      case MAT_C_SINGLE:
        values[i] = at<float>(var.data, i);
        break;
      case MAT_C_INT8:
        values[i] = at<std::int8_t>(var.data, i);
        break;
      case MAT_C_UINT8:
        values[i] = at<std::uint8_t>(var.data, i);
        break;
      case MAT_C_INT16:
        values[i] = at<std::int16_t>(var.data, i);
        break;
      case MAT_C_UINT16:
        values[i] = at<std::uint16_t>(var.data, i);
        break;
      case MAT_C_INT32:
        values[i] = at<std::int32_t>(var.data, i);
        break;
      case MAT_C_UINT32:
        values[i] = at<std::uint32_t>(var.data, i);
        break;
      case MAT_C_INT64:
        values[i] = at<std::int64_t>(var.data, i);
        break;
      case MAT_C_UINT64:
        values[i] = at<std::uint64_t>(var.data, i);
        break;
      default:
        throw FileError(path, "'" + what + "' is not numeric");
    }
  }
  return values;
}

// Column-major → row-major (C order) for any rank.
std::vector<double> toRowMajor(const std::vector<double>& columnMajor,
                               const std::vector<std::size_t>& dims) {
  if (dims.size() < 2) return columnMajor;
  std::vector<double> out(columnMajor.size());
  std::vector<std::size_t> index(dims.size(), 0);
  for (std::size_t linear = 0; linear < columnMajor.size(); ++linear) {
    std::size_t rowMajor = 0;
    for (std::size_t d = 0; d < dims.size(); ++d) rowMajor = rowMajor * dims[d] + index[d];
    out[rowMajor] = columnMajor[linear];
    for (std::size_t d = 0; d < dims.size(); ++d) {  // column-major: first index fastest
      if (++index[d] < dims[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

std::string charText(const matvar_t& var) {
  if (var.class_type != MAT_C_CHAR || var.data == nullptr) return {};
  const std::size_t n = elementCount(var);
  std::string text;
  if (var.data_type == MAT_T_UINT16 || var.data_type == MAT_T_UTF16 || var.data_size == 2) {
    for (std::size_t i = 0; i < n && (i + 1) * 2 <= var.nbytes; ++i) {
      std::uint16_t c;
      std::memcpy(&c, static_cast<const unsigned char*>(var.data) + 2 * i, 2);
      if (c < 0x80) {
        text += static_cast<char>(c);
      } else if (c < 0x800) {
        text += static_cast<char>(0xC0 | (c >> 6));
        text += static_cast<char>(0x80 | (c & 0x3F));
      } else {
        text += static_cast<char>(0xE0 | (c >> 12));
        text += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        text += static_cast<char>(0x80 | (c & 0x3F));
      }
    }
  } else {
    text.assign(static_cast<const char*>(var.data), std::min(n, var.nbytes));
  }
  // A char matrix of several rows is stored column-major; names are 1 × k.
  while (!text.empty() && (text.back() == ' ' || text.back() == '\0')) text.pop_back();
  return text;
}

bool looksLikeRdm(const std::vector<double>& v, std::size_t n, std::size_t offset) {
  if (n < 2) return false;
  // Every stimulus is most similar to itself: each diagonal entry is the
  // minimum of its row (an RDM) — or, for all rows, the maximum (an RSM).
  bool rowMinimum = true, rowMaximum = true;
  for (std::size_t i = 0; i < n; ++i) {
    const double self = v[offset + i * n + i];
    if (std::isnan(self)) return false;
    for (std::size_t j = 0; j < n; ++j) {
      const double other = v[offset + i * n + j];
      if (std::isnan(other)) continue;
      rowMinimum = rowMinimum && self <= other;
      rowMaximum = rowMaximum && self >= other;
    }
    for (std::size_t j = i + 1; j < n; ++j) {
      const double a = v[offset + i * n + j], b = v[offset + j * n + i];
      if (std::isnan(a) != std::isnan(b)) return false;
      if (!std::isnan(a) && std::abs(a - b) > 1e-9 * std::max(1.0, std::abs(a))) return false;
    }
  }
  return rowMinimum || rowMaximum;
}

// Square from condensed (SciPy order), or std::nullopt when the length is not n(n−1)/2.
std::optional<std::vector<double>> squareFromCondensed(const std::vector<double>& condensed,
                                                       std::size_t& n) {
  const auto k = condensed.size();
  const auto estimate = static_cast<std::size_t>(
      std::llround((1.0 + std::sqrt(1.0 + 8.0 * static_cast<double>(k))) / 2.0));
  if (estimate < 2 || estimate * (estimate - 1) / 2 != k) return std::nullopt;
  n = estimate;
  std::vector<double> square(n * n, 0.0);
  std::size_t next = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      square[i * n + j] = square[j * n + i] = condensed[next++];
  return square;
}

// Level-5 data elements, walked before libmatio sees the file. libmatio
// trusts every size field: it reads a variable cut short without complaint
// (the missing bytes come back as whatever the buffer held, or zeros when
// the dims promise more values than are stored), and a struct declaring
// 10^9 × 8 elements makes it allocate, or crash, before anything is read.
// So each variable's dims are checked against the bytes it holds.
constexpr int kMaxMatrixNesting = 64;

// The bytes of one data element, read in order: a range of the file, or the
// inflated bytes of a miCOMPRESSED element.
class ElementSource {
 public:
  virtual ~ElementSource() = default;
  virtual bool read(unsigned char* out, std::size_t n) = 0;  // false when fewer remain
  virtual bool skip(std::uint64_t n) = 0;
  // Skips up to `n` bytes of padding: libmatio's compressed stream may end
  // before the padding of its last element.
  virtual void skipPadding(std::uint64_t n) { (void)skip(n); }
};

class FileRange final : public ElementSource {
 public:
  FileRange(std::ifstream& in, std::uint64_t offset) : in_(in), at_(offset) {}
  bool read(unsigned char* out, std::size_t n) override {
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(at_));
    if (!in_.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(n))) return false;
    at_ += n;
    return true;
  }
  bool skip(std::uint64_t n) override {
    at_ += n;  // the enclosing element's size was checked against the file
    return true;
  }

 private:
  std::ifstream& in_;
  std::uint64_t at_;
};

class Inflated final : public ElementSource {
 public:
  Inflated(std::ifstream& in, std::uint64_t offset, std::uint64_t compressedBytes)
      : in_(in), at_(offset), left_(compressedBytes) {
    ready_ = inflateInit(&stream_) == Z_OK;
  }
  ~Inflated() override {
    if (ready_) inflateEnd(&stream_);
  }
  Inflated(const Inflated&) = delete;
  Inflated& operator=(const Inflated&) = delete;
  bool read(unsigned char* out, std::size_t n) override {
    while (n > 0) {
      const auto chunk = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
      if (!produce(out, chunk)) return false;
      out += chunk;
      n -= chunk;
    }
    return true;
  }
  bool skip(std::uint64_t n) override {
    while (n > 0) {
      const auto chunk = static_cast<uInt>(std::min<std::uint64_t>(n, scratch_.size()));
      if (!produce(scratch_.data(), chunk)) return false;
      n -= chunk;
    }
    return true;
  }
  void skipPadding(std::uint64_t n) override {
    if (!ended_) (void)skip(n);
  }

 private:
  // Exactly `n` inflated bytes into `out`.
  bool produce(unsigned char* out, uInt n) {
    if (!ready_) return false;
    stream_.next_out = out;
    stream_.avail_out = n;
    while (stream_.avail_out > 0) {
      if (stream_.avail_in == 0) {
        if (left_ == 0) return false;
        const auto chunk = static_cast<std::size_t>(std::min<std::uint64_t>(left_, input_.size()));
        in_.clear();
        in_.seekg(static_cast<std::streamoff>(at_));
        if (!in_.read(reinterpret_cast<char*>(input_.data()), static_cast<std::streamsize>(chunk)))
          return false;
        at_ += chunk;
        left_ -= chunk;
        stream_.next_in = input_.data();
        stream_.avail_in = static_cast<uInt>(chunk);
      }
      const int status = inflate(&stream_, Z_NO_FLUSH);
      if (status == Z_STREAM_END) {
        ended_ = true;
        return stream_.avail_out == 0;
      }
      if (status != Z_OK) return false;
    }
    return true;
  }

  std::ifstream& in_;
  std::uint64_t at_, left_;
  std::vector<unsigned char> input_ = std::vector<unsigned char>(1u << 16);
  std::vector<unsigned char> scratch_ = std::vector<unsigned char>(1u << 16);
  z_stream stream_{};
  bool ready_ = false;
  bool ended_ = false;
};

class Level5Walker {
 public:
  Level5Walker(const std::filesystem::path& path, bool swap) : path_(path), swap_(swap) {}

  // One top-level variable: a miMATRIX of `bytes` bytes from `source`.
  void variable(ElementSource& source, std::uint64_t bytes, std::uint64_t offset) {
    offset_ = offset;
    std::uint64_t left = bytes;
    matrix(source, left, "", 0);
  }

  std::uint32_t word(const unsigned char* bytes) const {
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i)
      value |= static_cast<std::uint32_t>(bytes[swap_ ? 3 - i : i]) << (8 * i);
    return value;
  }

 private:
  struct Tag {
    std::uint32_t type = 0;
    std::uint64_t bytes = 0;
    unsigned char inlined[4] = {};  // a small element's data
    bool small = false;
  };

  [[noreturn]] void corrupt(const std::string& where, const std::string& why) const {
    throw FileError(path_, "the variable at byte " + std::to_string(offset_) +
                               (where.empty() ? "" : " ('" + where + "')") + " is corrupt: " + why);
  }

  void take(ElementSource& source, std::uint64_t& left, unsigned char* out, std::size_t n,
            const std::string& where) const {
    if (n > left) corrupt(where, "a part runs past the end of its variable");
    if (!source.read(out, n)) corrupt(where, "the file ends inside it");
    left -= n;
  }
  void pass(ElementSource& source, std::uint64_t& left, std::uint64_t n,
            const std::string& where) const {
    if (n > left) corrupt(where, "a part runs past the end of its variable");
    if (!source.skip(n)) corrupt(where, "the file ends inside it");
    left -= n;
  }

  Tag tag(ElementSource& source, std::uint64_t& left, const std::string& where) const {
    unsigned char bytes[8];
    take(source, left, bytes, 8, where);
    Tag t;
    t.type = word(bytes);
    if ((t.type >> 16) != 0) {  // small data element: up to 4 bytes inside the tag
      t.small = true;
      t.bytes = t.type >> 16;
      t.type &= 0xFFFF;
      if (t.bytes > 4)
        corrupt(where, "a small data element of " + std::to_string(t.bytes) + " bytes");
      std::memcpy(t.inlined, bytes + 4, 4);
    } else {
      t.bytes = word(bytes + 4);
    }
    return t;
  }

  // The data of a (non-small) element, padded to 8 bytes; `keep` bytes of it read into `out`.
  void elementData(ElementSource& source, std::uint64_t& left, const Tag& t,
                   const std::string& where, std::vector<unsigned char>* out = nullptr) const {
    if (t.small) {
      if (out) out->assign(t.inlined, t.inlined + t.bytes);
      return;
    }
    const std::uint64_t padded = (t.bytes + 7) / 8 * 8;
    if (padded > left) corrupt(where, "a part runs past the end of its variable");
    if (out) {
      if (t.bytes > (1u << 20))
        corrupt(where, "a header part of " + std::to_string(t.bytes) + " bytes");
      out->resize(static_cast<std::size_t>(t.bytes));
      take(source, left, out->data(), out->size(), where);
    } else {
      pass(source, left, t.bytes, where);
    }
    left -= padded - t.bytes;
    source.skipPadding(padded - t.bytes);
  }

  static std::size_t miTypeSize(std::uint32_t type) {
    switch (type) {
      case 1:   // miINT8
      case 2:   // miUINT8
      case 16:  // miUTF8
        return 1;
      case 3:   // miINT16
      case 4:   // miUINT16
      case 17:  // miUTF16
        return 2;
      case 5:   // miINT32
      case 6:   // miUINT32
      case 7:   // miSINGLE
      case 18:  // miUTF32
        return 4;
      case 9:   // miDOUBLE
      case 12:  // miINT64
      case 13:  // miUINT64
        return 8;
      default:
        return 0;
    }
  }

  // A miMATRIX body of `left` bytes (its tag already read).
  void matrix(ElementSource& source, std::uint64_t& left, const std::string& parent, int depth) {
    if (left == 0) return;  // an empty array
    if (depth > kMaxMatrixNesting)
      corrupt(parent, "cells or structs nested deeper than " + std::to_string(kMaxMatrixNesting));
    const Tag flagsTag = tag(source, left, parent);
    std::vector<unsigned char> flags;
    if (flagsTag.type != 6 || flagsTag.bytes != 8) corrupt(parent, "no array flags");
    elementData(source, left, flagsTag, parent, &flags);
    const std::uint32_t flagWord = word(flags.data());
    const unsigned kind = flagWord & 0xFF;  // mxCLASS
    const bool complex = (flagWord & 0x0800) != 0;
    // Only cells, structs, objects, chars, sparse and numeric arrays have
    // dims next; function handles and opaque (MCOS) objects are laid out
    // otherwise and are not data this app reads.
    if (kind < 1 || kind > 15) {
      source.skipPadding(left);
      left = 0;
      return;
    }

    const Tag dimsTag = tag(source, left, parent);
    std::vector<unsigned char> dimBytes;
    if (dimsTag.type != 5 || dimsTag.bytes < 8 || dimsTag.bytes % 4 != 0)
      corrupt(parent, "no dimensions");
    elementData(source, left, dimsTag, parent, &dimBytes);
    std::vector<std::uint64_t> dims;
    for (std::size_t i = 0; i + 4 <= dimBytes.size(); i += 4) {
      const auto d = static_cast<std::int32_t>(word(dimBytes.data() + i));
      if (d < 0) corrupt(parent, "a negative dimension");
      dims.push_back(static_cast<std::uint64_t>(d));
    }
    const Tag nameTag = tag(source, left, parent);
    std::vector<unsigned char> nameBytes;
    if (nameTag.type != 1) corrupt(parent, "no array name");
    elementData(source, left, nameTag, parent, &nameBytes);
    std::string name = parent.empty() ? std::string(nameBytes.begin(), nameBytes.end()) : parent;
    if (name.empty()) name = "(unnamed)";

    std::string dimsText;
    std::uint64_t elements = 1;
    bool overflow = false;
    for (const auto d : dims) {
      dimsText += (dimsText.empty() ? "" : " × ") + std::to_string(d);
      if (d != 0 && elements > std::numeric_limits<std::uint64_t>::max() / d) overflow = true;
      elements *= d;
    }
    if (overflow) corrupt(name, "its dims " + dimsText + " overflow");
    const auto claims = [&](const std::string& what) {
      throw FileError(path_, "variable '" + name + "' declares dims " + dimsText + " (" +
                                 std::to_string(elements) + " elements), but " + what);
    };

    if (kind >= 6 && kind <= 15) {  // numeric
      for (int part = 0; part < (complex ? 2 : 1); ++part) {
        const Tag data = tag(source, left, name);
        const std::size_t size = miTypeSize(data.type);
        if (size == 0) corrupt(name, "numeric data of unknown type " + std::to_string(data.type));
        if (data.bytes % size != 0 || data.bytes / size != elements)
          claims("the file stores " + std::to_string(data.bytes / size) + " values");
        elementData(source, left, data, name);
      }
    } else if (kind == 4) {  // char
      const Tag data = tag(source, left, name);
      const std::size_t size = miTypeSize(data.type);
      if (data.type != 16 && size != 0 && (data.bytes % size != 0 || data.bytes / size != elements))
        claims("the file stores " + std::to_string(data.bytes / size) + " characters");
      elementData(source, left, data, name);
    } else if (kind == 1 || kind == 2 || kind == 3) {  // cell, struct, object
      std::uint64_t fields = 1;
      if (kind == 3) {
        const Tag className = tag(source, left, name);
        elementData(source, left, className, name);
      }
      if (kind != 1) {
        const Tag lengthTag = tag(source, left, name);
        std::vector<unsigned char> lengthBytes;
        elementData(source, left, lengthTag, name, &lengthBytes);
        if (lengthTag.type != 5 || lengthBytes.size() != 4) corrupt(name, "no field name length");
        const std::uint32_t length = word(lengthBytes.data());
        const Tag namesTag = tag(source, left, name);
        if (namesTag.type != 1) corrupt(name, "no field names");
        elementData(source, left, namesTag, name);
        fields = length == 0 ? 0 : namesTag.bytes / length;
      }
      // Every element (of every field) is a data element of at least a tag.
      if (fields != 0 && elements > left / 8 / fields)
        claims("it holds " + std::to_string(left) + " bytes, fewer than the " +
               std::to_string(fields) + " × 8 each element needs at least");
      for (std::uint64_t i = 0; i < elements * fields; ++i) {
        const Tag inner = tag(source, left, name);
        if (inner.type != 14) corrupt(name, "an element that is not an array");
        if (inner.bytes > left) corrupt(name, "an element runs past the end of its variable");
        std::uint64_t innerLeft = inner.bytes;
        left -= inner.bytes;
        matrix(source, innerLeft, name, depth + 1);
        if (innerLeft > 0 && !source.skip(innerLeft)) corrupt(name, "the file ends inside it");
      }
    }
    // Sparse data and padding: skipped (the stream may end before the padding).
    source.skipPadding(left);
    left = 0;
  }

  const std::filesystem::path& path_;
  bool swap_;
  std::uint64_t offset_ = 0;
};

// Walks the top-level data elements: each must fit in the file, and each
// variable's dims must fit the bytes it holds.
void checkLevel5Layout(const std::filesystem::path& path, std::uint64_t fileSize) {
  std::ifstream in(path, std::ios::binary);
  unsigned char header[128];
  if (!in.read(reinterpret_cast<char*>(header), 128))
    throw FileError(path, "truncated MATLAB header");
  const bool swap = header[126] == 'M' && header[127] == 'I';
  if (!swap && !(header[126] == 'I' && header[127] == 'M'))
    throw FileError(path, "not a MATLAB level-5 file (no endian indicator)");
  Level5Walker walker(path, swap);
  std::uint64_t offset = 128;
  while (offset < fileSize) {
    if (fileSize - offset < 8)
      throw FileError(path, "truncated: " + std::to_string(fileSize - offset) +
                                " stray bytes at the end (a cut-off variable)");
    unsigned char tag[8];
    in.clear();
    in.seekg(static_cast<std::streamoff>(offset));
    if (!in.read(reinterpret_cast<char*>(tag), 8)) throw FileError(path, "cannot be read");
    const std::uint32_t type = walker.word(tag), bytes = walker.word(tag + 4);
    if ((type >> 16) != 0) {  // small data element: 4 bytes of data in the tag
      offset += 8;
      continue;
    }
    if (type != 14 && type != 15)  // miMATRIX, miCOMPRESSED
      throw FileError(path, "corrupt: data element of type " + std::to_string(type) + " at byte " +
                                std::to_string(offset) +
                                " (a variable is miMATRIX or miCOMPRESSED)");
    std::uint64_t next = offset + 8 + bytes;
    if (type == 14) next = (next + 7) / 8 * 8;
    if (offset + 8 + bytes > fileSize)
      throw FileError(path, "truncated: the variable at byte " + std::to_string(offset) +
                                " needs " + std::to_string(bytes) + " bytes, the file ends after " +
                                std::to_string(fileSize - offset - 8));
    if (type == 14) {
      FileRange source(in, offset + 8);
      walker.variable(source, bytes, offset);
    } else {
      Inflated source(in, offset + 8, bytes);
      unsigned char inner[8];
      if (!source.read(inner, 8) || walker.word(inner) != 14)
        throw FileError(path, "the compressed variable at byte " + std::to_string(offset) +
                                  " does not inflate to an array");
      const std::uint64_t innerBytes = walker.word(inner + 4);
      requireInflatable(path, bytes, innerBytes,
                        "the compressed variable at byte " + std::to_string(offset));
      walker.variable(source, innerBytes, offset);
    }
    offset = next;
  }
}

struct Collector {
  const std::filesystem::path& path;
  std::string selection;  // empty: everything
  FileContents& contents;
  std::vector<std::pair<std::string, std::vector<std::string>>> stringCells;  // for stack names

  bool wanted(const std::string& variable, const std::string& element,
              const std::string& displayName) const {
    return selection.empty() || selection == variable || selection == element ||
           selection == displayName;
  }

  void add(DatasetKind kind, const std::string& internal, const std::string& display,
           std::vector<std::size_t> shape, std::vector<double> values, Attributes attributes,
           const std::string& sourceType) {
    attributes["name"] = display;
    contents.datasets.push_back(
        std::make_shared<ArrayDataset>(kind, display, std::move(shape), std::move(values),
                                       Provenance::fromFile(path.string(), internal, "MATLAB .mat"),
                                       std::move(attributes), sourceType));
  }

  // A numeric variable or field: RDM stack, RDM, vector or array.
  void numeric(const matvar_t& var, const std::string& variable, const std::string& element) {
    auto dims = dimsOf(var);
    const auto values = toRowMajor(columnMajorValues(path, var, element), dims);
    const std::string type = sourceTypeOf(var.class_type);
    if (dims.size() == 2 && (dims[0] == 1 || dims[1] == 1)) dims = {dims[0] * dims[1]};
    if (dims.size() == 3 && dims[0] == dims[1] && dims[2] > 1) {
      // n × n × k: k RDMs when every slice is one. C order puts the slice index last.
      const std::size_t n = dims[0], k = dims[2];
      std::vector<std::vector<double>> slices(k, std::vector<double>(n * n));
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j)
          for (std::size_t s = 0; s < k; ++s) slices[s][i * n + j] = values[(i * n + j) * k + s];
      if (std::all_of(slices.begin(), slices.end(),
                      [n](const auto& s) { return looksLikeRdm(s, n, 0); })) {
        std::vector<std::string> names;
        for (const auto& [cellName, strings] : stringCells)
          if (strings.size() == k) {
            if (!names.empty()) {
              names.clear();  // ambiguous: several candidate name lists
              break;
            }
            names = strings;
          }
        for (std::size_t s = 0; s < k; ++s) {
          const std::string internal = element + "(:,:," + std::to_string(s + 1) + ")";
          const std::string display = names.empty() ? internal : names[s];
          if (!wanted(variable, internal, display)) continue;
          add(DatasetKind::Array, internal, display, {n, n}, std::move(slices[s]), {{"rdm", "1"}},
              type);
        }
        return;
      }
    }
    if (!wanted(variable, element, element)) return;
    Attributes attributes;
    if (dims.size() == 2 && dims[0] == dims[1] && looksLikeRdm(values, dims[0], 0))
      attributes["rdm"] = "1";
    add(DatasetKind::Array, element, element, std::move(dims), values, attributes, type);
  }

  void structArray(matvar_t& var, const std::string& variable) {
    const std::size_t count = elementCount(var);
    const unsigned fieldCount = Mat_VarGetNumberOfFields(&var);
    char* const* fieldNames = Mat_VarGetStructFieldnames(&var);
    std::string rdmField, nameField;
    for (unsigned f = 0; f < fieldCount && fieldNames != nullptr; ++f) {
      std::string lower = fieldNames[f];
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (lower == "rdm" || lower == "rdms") rdmField = fieldNames[f];
      if (lower == "name" || lower == "names") nameField = fieldNames[f];
    }
    for (std::size_t i = 0; i < count; ++i) {
      const std::string element =
          count == 1 ? variable : variable + "(" + std::to_string(i + 1) + ")";
      if (!rdmField.empty()) {
        matvar_t* rdm = Mat_VarGetStructFieldByName(&var, rdmField.c_str(), i);
        if (rdm == nullptr)
          throw FileError(path, "'" + element + "." + rdmField +
                                    "' cannot be read (libmatio returned no value)");
        if (!isNumericClass(rdm->class_type))
          throw FileError(path, "'" + element + "." + rdmField + "' is not a numeric RDM");
        std::string display = element;
        if (!nameField.empty())
          if (matvar_t* name = Mat_VarGetStructFieldByName(&var, nameField.c_str(), i))
            if (auto text = charText(*name); !text.empty()) display = text;
        if (!wanted(variable, element, display)) continue;
        const auto dims = dimsOf(*rdm);
        auto values = toRowMajor(columnMajorValues(path, *rdm, element), dims);
        std::size_t n = 0;
        if (dims.size() == 2 && dims[0] == dims[1] && dims[0] >= 2) {
          n = dims[0];
        } else if (dims.size() == 2 && (dims[0] == 1 || dims[1] == 1)) {
          auto square = squareFromCondensed(values, n);
          if (!square)
            throw FileError(path, "'" + element + "." + rdmField + "' has " +
                                      std::to_string(values.size()) +
                                      " entries: neither square nor n(n−1)/2");
          values = std::move(*square);
        } else {
          throw FileError(path, "'" + element + "." + rdmField + "' is " +
                                    std::to_string(dims.size()) + "-D, not an RDM");
        }
        add(DatasetKind::Array, element, display, {n, n}, std::move(values), {{"rdm", "1"}},
            sourceTypeOf(rdm->class_type));
        continue;
      }
      for (unsigned f = 0; f < fieldCount && fieldNames != nullptr; ++f) {
        matvar_t* field = Mat_VarGetStructFieldByName(&var, fieldNames[f], i);
        if (field != nullptr && isNumericClass(field->class_type) && !field->isComplex &&
            elementCount(*field) > 0)
          numeric(*field, variable, element + "." + fieldNames[f]);
      }
    }
  }

  void cellArray(matvar_t& var, const std::string& variable) {
    const std::size_t count = elementCount(var);
    if (count > static_cast<std::size_t>(std::numeric_limits<int>::max()))
      throw FileError(path, "'" + variable + "' has too many cells");
    std::vector<std::string> strings;
    bool allStrings = count > 0;
    for (std::size_t i = 0; i < count; ++i) {
      matvar_t* cell = Mat_VarGetCell(&var, static_cast<int>(i));
      if (cell == nullptr)
        throw FileError(path, "cell {" + std::to_string(i + 1) + "} of '" + variable +
                                  "' cannot be read (libmatio returned no value)");
      if (cell->class_type != MAT_C_CHAR) {
        allStrings = false;
        break;
      }
      strings.push_back(charText(*cell));
    }
    if (allStrings) {
      stringCells.emplace_back(variable, strings);
      if (!wanted(variable, variable, variable)) return;
      std::vector<Column> columns{{variable, strings}};
      contents.datasets.push_back(std::make_shared<TableDataset>(
          DatasetKind::Table, variable, std::move(columns),
          Provenance::fromFile(path.string(), variable, "MATLAB .mat"),
          Attributes{{"name", variable}}));
      return;
    }
    for (std::size_t i = 0; i < count; ++i) {
      matvar_t* cell = Mat_VarGetCell(&var, static_cast<int>(i));
      if (cell != nullptr && isNumericClass(cell->class_type) && !cell->isComplex &&
          elementCount(*cell) > 0)
        numeric(*cell, variable, variable + "{" + std::to_string(i + 1) + "}");
    }
  }
};

}  // namespace

int MatReader::confidence(const std::filesystem::path& path,
                          std::span<const unsigned char> head) const {
  static constexpr char kLevel5[] = "MATLAB 5.0 MAT-file";
  static constexpr char kLevel73[] = "MATLAB 7.3 MAT-file";
  const auto starts = [&head](const char* text) {
    const std::size_t n = std::strlen(text);
    return head.size() >= n && std::memcmp(head.data(), text, n) == 0;
  };
  if (starts(kLevel5)) return 60;
  if (starts(kLevel73)) return 60;  // an HDF5 file with a 512-byte MATLAB header
  return hasExtension(path, extensions()) ? 10 : 0;
}

FileContents MatReader::open(const std::filesystem::path& path,
                             const std::string& internalPath) const {
  std::lock_guard lock(g_matioMutex);
  Mat_LogInitFunc("neuroloupe", rememberMatioMessage);
  g_lastMatioMessage.clear();
  const auto failure = [&path](const std::string& what) {
    return FileError(
        path, what + (g_lastMatioMessage.empty() ? "" : " (libmatio: " + g_lastMatioMessage + ")"));
  };
  std::error_code ec;
  const auto fileSize = std::filesystem::file_size(path, ec);
  if (ec) throw FileError(path, "cannot be read: " + ec.message());
  if (fileSize < 128)
    throw FileError(path, "is too short for a MATLAB .mat file (no 128-byte header)");
  MatPtr mat(Mat_Open(path.string().c_str(), MAT_ACC_RDONLY));
  if (!mat) throw failure("is not a MATLAB .mat file libmatio can open");

  if (Mat_GetVersion(mat.get()) == MAT_FT_MAT5) checkLevel5Layout(path, fileSize);
  FileContents contents;
  contents.metadata["mat_version"] = Mat_GetVersion(mat.get()) == MAT_FT_MAT73 ? "7.3" : "5";
  Collector collector{path, internalPath, contents, {}};
  // First pass: the names of every variable and the string cell arrays (they
  // may name an RDM stack that comes before them in the file).
  std::vector<std::string> names;
  while (true) {
    VarPtr info(Mat_VarReadNextInfo(mat.get()));
    if (!info) break;
    if (info->name == nullptr) throw failure("has a variable without a name (corrupt)");
    // Hostile sizes: a variable cannot hold more data than the file could
    // inflate to (deflate's ratio is at most ~1032:1).
    const std::size_t elements = elementCount(*info);
    if (isNumericClass(info->class_type) &&
        (elements == std::numeric_limits<std::size_t>::max() || elements / 1032 > fileSize))
      throw FileError(path, "variable '" + std::string(info->name) +
                                "' claims more elements than the file can hold");
    names.emplace_back(info->name);
  }
  if (names.empty()) {
    if (!g_lastMatioMessage.empty()) throw failure("holds no readable variable");
    throw FileError(path, "holds no variables");
  }
  std::vector<VarPtr> variables;
  for (const auto& name : names) {
    VarPtr var(Mat_VarRead(mat.get(), name.c_str()));
    if (!var) throw failure("variable '" + name + "' cannot be read (truncated or corrupt)");
    if (var->class_type == MAT_C_CELL) {
      // Only for the names of stacks: collected without adding datasets yet.
      Collector probe{path, "\x01", contents, {}};
      probe.cellArray(*var, name);
      for (auto& entry : probe.stringCells) collector.stringCells.push_back(std::move(entry));
    }
    variables.push_back(std::move(var));
  }
  for (std::size_t v = 0; v < variables.size(); ++v) {
    auto& var = *variables[v];
    const std::string& name = names[v];
    if (var.class_type == MAT_C_CHAR) {
      contents.metadata["variables"][name] = charText(var);
    } else if (var.class_type == MAT_C_STRUCT) {
      collector.structArray(var, name);
    } else if (var.class_type == MAT_C_CELL) {
      const auto before = collector.stringCells.size();
      collector.cellArray(var, name);
      collector.stringCells.resize(before);
    } else if (isNumericClass(var.class_type) && !var.isComplex) {
      if (elementCount(var) > 0) collector.numeric(var, name, name);
    }  // sparse, complex, objects, functions: not data this app uses
  }
  if (contents.datasets.empty() && !internalPath.empty())
    throw FileError(path, "no variable or RDM '" + internalPath + "'");
  return contents;
}

}  // namespace nl::io::readers
