#include "io/UntrustedInput.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "io/Error.h"

namespace nl::io {

namespace {

// What a non-regular file is, in words; empty for files and folders.
std::string specialFileKind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a named pipe (FIFO)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISREG(mode) || S_ISDIR(mode)) return {};
  return "not a regular file";
}

std::string refusal(const std::string& kind) {
  return "is " + kind + ", not a file; only regular files and folders are read";
}

}  // namespace

std::string byteSizeText(std::uint64_t bytes) {
  const auto scaled = [&](std::uint64_t unit, const char* name) {
    char text[64];
    if (bytes % unit == 0)
      std::snprintf(text, sizeof text, "%llu %s", static_cast<unsigned long long>(bytes / unit),
                    name);
    else
      std::snprintf(text, sizeof text, "%.1f %s",
                    static_cast<double>(bytes) / static_cast<double>(unit), name);
    return std::string(text);
  };
  if (bytes >= kGiB) return scaled(kGiB, "GiB");
  if (bytes >= kMiB) return scaled(kMiB, "MiB");
  return std::to_string(bytes) + " bytes";
}

void requireFileOrFolder(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return;  // absent: the caller says so
  if (const std::string kind = specialFileKind(info.st_mode); !kind.empty())
    throw FileError(path, refusal(kind));
}

std::string readWholeFile(const std::filesystem::path& path, std::uint64_t limit,
                          std::string_view what) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    throw FileError(path, std::string("cannot be read (") + std::strerror(errno) + ")");
  if (S_ISDIR(info.st_mode)) throw FileError(path, "is a folder, not " + std::string(what));
  if (const std::string kind = specialFileKind(info.st_mode); !kind.empty())
    throw FileError(path, refusal(kind));
  const auto size = static_cast<std::uint64_t>(info.st_size);
  const auto tooLarge = [&](std::uint64_t bytes) {
    return FileError(path, "is " + byteSizeText(bytes) + "; " + std::string(what) +
                               " larger than " + byteSizeText(limit) + " is refused");
  };
  if (size > limit) throw tooLarge(size);
  // O_NONBLOCK: should the file have been swapped for a pipe since the stat,
  // the open does not wait for a writer.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw FileError(path, std::string("cannot be read (") + std::strerror(errno) + ")");
  struct stat opened {};
  if (::fstat(fd, &opened) != 0 || !S_ISREG(opened.st_mode)) {
    ::close(fd);
    throw FileError(path, refusal(specialFileKind(opened.st_mode)));
  }
  std::string bytes(static_cast<std::size_t>(size), '\0');
  std::size_t got = 0;
  for (;;) {
    if (got == bytes.size()) {
      // The file may have grown since the stat: read on, up to the limit.
      if (bytes.size() > limit) break;
      bytes.resize(
          std::min<std::uint64_t>(limit + 1, std::max<std::size_t>(bytes.size() * 2, 65536)));
    }
    const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      throw FileError(path, std::string("cannot be read (") + std::strerror(error) + ")");
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (got > limit) throw tooLarge(got);
  bytes.resize(got);
  return bytes;
}

std::size_t jsonNestingDepth(std::string_view text, std::size_t stopAt) {
  std::size_t depth = 0, deepest = 0;
  bool inString = false, escaped = false;
  for (const char c : text) {
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > stopAt) return deepest;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

nlohmann::json parseUntrustedJson(std::string_view text, const std::filesystem::path& path,
                                  std::uint64_t limit) {
  if (text.size() > limit)
    throw FileError(path, "is " + byteSizeText(text.size()) + " of JSON; more than " +
                              byteSizeText(limit) + " is refused");
  if (jsonNestingDepth(text) > kMaxJsonDepth)
    throw FileError(
        path, "is JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels; refused");
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& error) {
    throw FileError(path, std::string("is not valid JSON (") + error.what() + ")");
  }
}

nlohmann::json parseUntrustedJsonOrDiscarded(std::string_view text, std::uint64_t limit) {
  if (text.size() > limit || jsonNestingDepth(text) > kMaxJsonDepth)
    return nlohmann::json(nlohmann::json::value_t::discarded);
  return nlohmann::json::parse(text, nullptr, false);
}

nlohmann::json readUntrustedJsonFile(const std::filesystem::path& path, std::uint64_t limit) {
  return parseUntrustedJson(readWholeFile(path, limit, "a JSON file"), path, limit);
}

void requireInflatable(const std::filesystem::path& path, std::uint64_t compressedBytes,
                       std::uint64_t declaredBytes, const std::string& what) {
  if (declaredBytes / kMaxDeflateRatio <= compressedBytes) return;
  throw FileError(path,
                  what + " declares " + std::to_string(declaredBytes) + " bytes, but its " +
                      std::to_string(compressedBytes) + " compressed bytes inflate to at most " +
                      std::to_string(compressedBytes * kMaxDeflateRatio) +
                      " (deflate's ratio is at most " + std::to_string(kMaxDeflateRatio) + ":1)");
}

std::optional<double> parseFiniteNumber(std::string_view text) {
  if (text.starts_with('+')) text.remove_prefix(1);
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

std::string sanitizeUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    // Length of the sequence and the range of its second byte.
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;  // nothing above U+10FFFF
    }
    std::size_t valid = 1;  // bytes of the maximal valid prefix
    if (length > 0) {
      while (valid < length && i + valid < n) {
        const unsigned char next = s[i + valid];
        const unsigned char lo = valid == 1 ? low : 0x80;
        const unsigned char hi = valid == 1 ? high : 0xBF;
        if (next < lo || next > hi) break;
        ++valid;
      }
    }
    if (length > 0 && valid == length) {
      out.append(text.substr(i, length));
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD for the maximal invalid subpart
    }
    i += valid;
  }
  return out;
}

std::string dumpJson(const nlohmann::json& value, int indent) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace nl::io
