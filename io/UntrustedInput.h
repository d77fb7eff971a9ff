#pragma once
// Guards for bytes that come from files: every reader takes file content
// through these, so a hostile or broken file ends as one FileError naming the
// file and the problem, never a hang, a crash or an allocation storm.
//  - Only regular files and folders are read: a named pipe blocks forever, a
//    device (/dev/zero, /dev/urandom) never ends.
//  - Formats without a size field are capped: a text file larger than any
//    real one of its kind is refused before it is read.
//  - JSON is checked for size and nesting depth before it is parsed (the JSON
//    library recurses per level, and so do copying and dumping a value).
//  - Text shown as JSON (--json, result files) is valid UTF-8.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace nl::io {

inline constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;
inline constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;

// The largest files of the text formats (none has a size field to check).
inline constexpr std::uint64_t kMaxCsvBytes = 2 * kGiB;
inline constexpr std::uint64_t kMaxSwcBytes = 1 * kGiB;
inline constexpr std::uint64_t kMaxJsonBytes = 256 * kMiB;
inline constexpr std::uint64_t kMaxPhyParamsBytes = 1 * kMiB;
// Deepest nesting of arrays and objects a JSON document may have.
inline constexpr std::size_t kMaxJsonDepth = 256;

// "1.5 GiB", "256 MiB", "12 bytes".
std::string byteSizeText(std::uint64_t bytes);

// Throws a FileError unless `path` is a regular file or a folder (after
// following symlinks): a named pipe, a character or block device or a
// socket is refused before it is opened. A path that does not exist is left
// to the caller.
void requireFileOrFolder(const std::filesystem::path& path);

// The whole of the regular file `path`, at most `limit` bytes. A folder, a
// pipe or device, or a file larger than `limit` is a FileError saying so in
// terms of `what` ("CSV table", "SWC file").
std::string readWholeFile(const std::filesystem::path& path, std::uint64_t limit,
                          std::string_view what);

// Parses JSON read from `path` (named in the error): larger than `limit`
// bytes, nested deeper than kMaxJsonDepth (found by a scan without
// recursion, before the JSON library sees it) or malformed is a FileError.
nlohmann::json parseUntrustedJson(std::string_view text, const std::filesystem::path& path,
                                  std::uint64_t limit = kMaxJsonBytes);
// As parseUntrustedJson, for JSON text stored inside a file (an HDF5
// attribute, a page state): a discarded value (is_discarded()) instead of an
// error when it is too large, too deep or malformed.
nlohmann::json parseUntrustedJsonOrDiscarded(std::string_view text,
                                             std::uint64_t limit = kMaxJsonBytes);
// readWholeFile + parseUntrustedJson.
nlohmann::json readUntrustedJsonFile(const std::filesystem::path& path,
                                     std::uint64_t limit = kMaxJsonBytes);
// The nesting depth of JSON text (brackets outside strings), counted without
// recursion; stops counting once `stopAt` is exceeded.
std::size_t jsonNestingDepth(std::string_view text, std::size_t stopAt = kMaxJsonDepth);

// Deflate turns at most 258 bytes into 2 bits: no stream inflates by more
// than about 1032:1 (zlib's technical notes).
inline constexpr std::uint64_t kMaxDeflateRatio = 1032;
// Throws a FileError unless `declaredBytes` can come out of `compressedBytes`
// of deflate data; call it before allocating what a header declares.
void requireInflatable(const std::filesystem::path& path, std::uint64_t compressedBytes,
                       std::uint64_t declaredBytes, const std::string& what);

// The number `text` spells, whole (std::from_chars: no locale, no leading
// '+' needed, nothing left over); nullopt unless it is a finite double
// (1e400, "nan", "12abc" are not).
std::optional<double> parseFiniteNumber(std::string_view text);

// `text` with every byte sequence that is not valid UTF-8 replaced by U+FFFD
// (one per maximal invalid subpart, as the Unicode standard recommends).
std::string sanitizeUtf8(std::string_view text);
// `value` as JSON text (compact, or indented by `indent` ≥ 0); invalid UTF-8
// in its strings comes out as U+FFFD instead of throwing.
std::string dumpJson(const nlohmann::json& value, int indent = -1);

}  // namespace nl::io
