#include "io/readers/NpzReader.h"

#include <zlib.h>

#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "io/UntrustedInput.h"
#include "io/readers/NpyReader.h"

namespace nl::io::readers {

namespace {

struct Member {
  std::string name;
  std::uint16_t method = 0;  // 0 stored, 8 deflate
  std::uint64_t compressedSize = 0, size = 0, localHeaderOffset = 0;
};

std::uint64_t little(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::vector<unsigned char> readAt(std::ifstream& in, const std::filesystem::path& path,
                                  std::uint64_t offset, std::uint64_t size) {
  const auto fileSize = std::filesystem::file_size(path);
  if (offset > fileSize || size > fileSize - offset)
    throw FileError(path, "truncated .npz archive");
  std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (static_cast<std::uint64_t>(in.gcount()) != size)
    throw FileError(path, "truncated .npz archive");
  return bytes;
}

std::vector<Member> centralDirectory(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "cannot be read");
  const auto fileSize = std::filesystem::file_size(path);
  // The end-of-central-directory record sits in the last 22 + 65535 bytes.
  const std::uint64_t tail = std::min<std::uint64_t>(fileSize, 22 + 65535);
  const auto end = readAt(in, path, fileSize - tail, tail);
  std::size_t eocd = std::string::npos;
  for (std::size_t i = end.size() >= 22 ? end.size() - 22 + 1 : 0; i-- > 0;)
    if (little(&end[i], 4) == 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd == std::string::npos)
    throw FileError(path, "not a zip archive (no end-of-central-directory record)");
  std::uint64_t entries = little(&end[eocd + 10], 2), cdSize = little(&end[eocd + 12], 4),
                cdOffset = little(&end[eocd + 16], 4);
  if (cdOffset == 0xFFFFFFFF || entries == 0xFFFF) {  // zip64: the locator precedes the record
    if (eocd < 20 || little(&end[eocd - 20], 4) != 0x07064b50)
      throw FileError(path, "broken zip64 archive");
    const auto record = readAt(in, path, little(&end[eocd - 20 + 8], 8), 56);
    if (little(record.data(), 4) != 0x06064b50) throw FileError(path, "broken zip64 end record");
    entries = little(&record[32], 8);
    cdSize = little(&record[40], 8);
    cdOffset = little(&record[48], 8);
  }
  if (entries > 1'000'000) throw FileError(path, "implausible number of archive members");
  const auto cd = readAt(in, path, cdOffset, cdSize);
  std::vector<Member> members;
  std::size_t at = 0;
  for (std::uint64_t e = 0; e < entries; ++e) {
    if (at + 46 > cd.size() || little(&cd[at], 4) != 0x02014b50)
      throw FileError(path, "corrupted zip central directory");
    Member m;
    m.method = static_cast<std::uint16_t>(little(&cd[at + 10], 2));
    m.compressedSize = little(&cd[at + 20], 4);
    m.size = little(&cd[at + 24], 4);
    const std::size_t nameLength = little(&cd[at + 28], 2), extraLength = little(&cd[at + 30], 2),
                      commentLength = little(&cd[at + 32], 2);
    m.localHeaderOffset = little(&cd[at + 42], 4);
    if (at + 46 + nameLength + extraLength > cd.size())
      throw FileError(path, "corrupted zip central directory");
    m.name.assign(reinterpret_cast<const char*>(&cd[at + 46]), nameLength);
    // zip64 extra field: the 0xFFFFFFFF fields follow in order.
    for (std::size_t x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extraLength;) {
      const auto id = little(&cd[x], 2), size = little(&cd[x + 2], 2);
      if (id == 0x0001) {
        std::size_t field = x + 4;
        if (m.size == 0xFFFFFFFF) m.size = little(&cd[field], 8), field += 8;
        if (m.compressedSize == 0xFFFFFFFF) m.compressedSize = little(&cd[field], 8), field += 8;
        if (m.localHeaderOffset == 0xFFFFFFFF) m.localHeaderOffset = little(&cd[field], 8);
      }
      x += 4 + size;
    }
    members.push_back(std::move(m));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return members;
}

// The member's bytes (an .npy file), inflated when deflated.
std::vector<unsigned char> memberBytes(const std::filesystem::path& path, const Member& m) {
  std::ifstream in(path, std::ios::binary);
  const auto local = readAt(in, path, m.localHeaderOffset, 30);
  if (little(local.data(), 4) != 0x04034b50)
    throw FileError(path, "corrupted zip member '" + m.name + "'");
  const std::uint64_t dataOffset =
      m.localHeaderOffset + 30 + little(&local[26], 2) + little(&local[28], 2);
  if (m.method != 0 && m.method != 8)
    throw FileError(path, "member '" + m.name + "' uses an unsupported zip compression method");
  // Declared sizes against what the archive holds, before anything is allocated.
  if (m.method == 0 && m.size != m.compressedSize)
    throw FileError(path, "member '" + m.name + "' is stored uncompressed, yet declares " +
                              std::to_string(m.size) + " bytes for " +
                              std::to_string(m.compressedSize) + " stored");
  if (m.method == 8) requireInflatable(path, m.compressedSize, m.size, "member '" + m.name + "'");
  auto compressed = readAt(in, path, dataOffset, m.compressedSize);
  if (m.method == 0) return compressed;
  if (compressed.size() > std::numeric_limits<uInt>::max())
    throw FileError(path, "member '" + m.name + "' is larger than 4 GiB compressed");
  std::vector<unsigned char> out(static_cast<std::size_t>(m.size));
  z_stream stream{};
  if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) throw FileError(path, "cannot start zlib");
  stream.next_in = compressed.data();
  stream.avail_in = static_cast<uInt>(compressed.size());
  stream.next_out = out.data();
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = inflate(&stream, Z_FINISH);
  inflateEnd(&stream);
  if (status != Z_STREAM_END || stream.total_out != out.size())
    throw FileError(path, "member '" + m.name + "' is corrupted (deflate stream does not decode)");
  return out;
}

}  // namespace

int NpzReader::confidence(const std::filesystem::path& path,
                          std::span<const unsigned char> head) const {
  const bool zip = head.size() >= 4 && std::memcmp(head.data(), "PK\x03\x04", 4) == 0;
  return zip && hasExtension(path, extensions()) ? 60 : (hasExtension(path, extensions()) ? 10 : 0);
}

FileContents NpzReader::open(const std::filesystem::path& path,
                             const std::string& internalPath) const {
  FileContents contents;
  const auto members = centralDirectory(path);
  for (const auto& m : members) {
    std::string arrayName = m.name.ends_with(".npy") ? m.name.substr(0, m.name.size() - 4) : m.name;
    if (!internalPath.empty() && internalPath != arrayName && internalPath != m.name) continue;
    // The header is read now (shape, dtype); the values when first used.
    const auto bytes = memberBytes(path, m);
    const NpyHeader header = parseNpyHeader(
        path, std::string(bytes.begin(),
                          bytes.begin() + static_cast<std::ptrdiff_t>(
                                              std::min<std::size_t>(bytes.size(), 1 << 20))));
    if (bytes.size() < header.dataOffset + header.elementCount() * header.itemSize)
      throw FileError(path, "member '" + m.name + "' is truncated");
    auto loader = [path, m, header] {
      const auto data = memberBytes(path, m);
      return decodeNpyValues(header, data.data() + header.dataOffset);
    };
    contents.datasets.push_back(std::make_shared<ArrayDataset>(
        DatasetKind::Array, arrayName, header.shape, loader,
        Provenance::fromFile(path.string(), arrayName, name()), Attributes{}, header.dtypeName()));
  }
  contents.metadata["members"] = members.size();
  return contents;
}

}  // namespace nl::io::readers
