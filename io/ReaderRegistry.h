#pragma once
// Picks the reader for a file by its first bytes and its extension, and opens
// it (lazily where the format allows). Every failure is a FileError.
#include <filesystem>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <vector>

#include "io/Dataset.h"
#include "io/Error.h"

namespace nl::io {

// File-level metadata: one JSON object, held by pointer so that this header
// (included widely) needs only json_fwd.hpp. Include <nlohmann/json.hpp> to
// read or write it: metadata["key"] = value, metadata = {{…}}, metadata.json().
class Metadata {
 public:
  Metadata();  // an empty object
  Metadata(const Metadata& other);
  Metadata(Metadata&& other) noexcept;
  Metadata& operator=(const Metadata& other);
  Metadata& operator=(Metadata&& other) noexcept;
  Metadata& operator=(nlohmann::json object);  // throws std::invalid_argument unless an object
  ~Metadata();
  nlohmann::json& operator[](const std::string& key);
  const nlohmann::json& operator[](const std::string& key) const;  // throws when absent
  bool contains(const std::string& key) const;
  const nlohmann::json& json() const { return *value_; }
  nlohmann::json& json() { return *value_; }

 private:
  std::unique_ptr<nlohmann::json> value_;
};

// What one file holds: file-level metadata and its datasets.
struct FileContents {
  std::string readerName;
  Metadata metadata;
  std::vector<DatasetPtr> datasets;
};

class FileReader {
 public:
  virtual ~FileReader() = default;
  virtual std::string name() const = 0;
  // Lower-case, with the dot: ".npy", ".nii.gz". Shown in file dialogs.
  virtual std::vector<std::string> extensions() const = 0;
  // How sure this reader is that it reads the file: 0 not mine, 10 extension
  // only, 50 the format's magic bytes, 100 content-specific (e.g. an HDF5
  // file whose root attributes say NWB). `head` is the first bytes of the file.
  virtual int confidence(const std::filesystem::path& path,
                         std::span<const unsigned char> head) const = 0;
  // Whether the format is a folder (zarr, phy); only such readers are asked
  // about folders, so a folder named "x.h5" is not taken for an HDF5 file.
  virtual bool readsFolders() const { return false; }
  // `internalPath` narrows to one object inside a container ("/units"); empty
  // means everything the file holds.
  virtual FileContents open(const std::filesystem::path& path,
                            const std::string& internalPath) const = 0;
};

// "file.h5::/group/data" → {"file.h5", "/group/data"}. A file whose name
// holds "::" ("a::b.nii") is the whole string when it exists; otherwise the
// split is at the first "::" whose prefix exists (or the first "::").
struct PathSpec {
  std::filesystem::path path;
  std::string internalPath;
};
PathSpec parsePathSpec(const std::string& spec);

class ReaderRegistry {
 public:
  void add(std::unique_ptr<FileReader> reader);
  const std::vector<std::unique_ptr<FileReader>>& readers() const { return readers_; }

  // The best reader, or a FileError saying why none fits.
  const FileReader& readerFor(const std::filesystem::path& path) const;
  FileContents open(const std::filesystem::path& path, const std::string& internalPath = {}) const;
  FileContents open(const PathSpec& spec) const { return open(spec.path, spec.internalPath); }

  // The registry with every reader this build knows.
  static const ReaderRegistry& builtin();

 private:
  std::vector<std::unique_ptr<FileReader>> readers_;
};

// Shared helpers for readers.
std::string lowerCaseFileName(const std::filesystem::path& path);
bool hasExtension(const std::filesystem::path& path, const std::vector<std::string>& extensions);

}  // namespace nl::io
