#include "io/ReaderRegistry.h"

#include "io/MappedFile.h"
#include "io/UntrustedInput.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/microscopy/Register.h"
#include "io/readers/CalciumReaders.h"
#include "io/readers/ConnectomeJsonReader.h"
#include "io/readers/CsvReader.h"
#include "io/readers/Hdf5Reader.h"
#include "io/readers/MatReader.h"
#include "io/readers/NpyReader.h"
#include "io/readers/NpzReader.h"
#include "io/readers/NwbReader.h"
#include "io/readers/PhyReader.h"
#include "io/surface/Register.h"
#include "io/volume/Register.h"

namespace nl::io {

PathSpec parsePathSpec(const std::string& spec) {
  const auto first = spec.find("::");
  if (first == std::string::npos) return {spec, {}};
  // A file may have "::" in its name: the whole string when that file
  // exists, else the first "::" whose prefix does.
  std::error_code ec;
  if (std::filesystem::exists(spec, ec)) return {spec, {}};
  for (auto at = first; at != std::string::npos; at = spec.find("::", at + 1))
    if (std::filesystem::exists(spec.substr(0, at), ec))
      return {spec.substr(0, at), spec.substr(at + 2)};
  return {spec.substr(0, first), spec.substr(first + 2)};  // nothing exists: name the file part
}

Metadata::Metadata() : value_(std::make_unique<nlohmann::json>(nlohmann::json::object())) {}
Metadata::Metadata(const Metadata& other)
    : value_(std::make_unique<nlohmann::json>(*other.value_)) {}
Metadata::Metadata(Metadata&& other) noexcept : Metadata() {
  value_.swap(other.value_);
}
Metadata& Metadata::operator=(const Metadata& other) {
  *value_ = *other.value_;
  return *this;
}
Metadata& Metadata::operator=(Metadata&& other) noexcept {
  value_.swap(other.value_);
  return *this;
}
Metadata& Metadata::operator=(nlohmann::json object) {
  if (!object.is_object())
    throw std::invalid_argument("file metadata must be a JSON object, got " + object.dump());
  *value_ = std::move(object);
  return *this;
}
Metadata::~Metadata() = default;
nlohmann::json& Metadata::operator[](const std::string& key) {
  return (*value_)[key];
}
const nlohmann::json& Metadata::operator[](const std::string& key) const {
  return value_->at(key);
}
bool Metadata::contains(const std::string& key) const {
  return value_->contains(key);
}

std::string lowerCaseFileName(const std::filesystem::path& path) {
  std::string name = path.filename().string();
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

bool hasExtension(const std::filesystem::path& path, const std::vector<std::string>& extensions) {
  const std::string name = lowerCaseFileName(path);
  return std::any_of(extensions.begin(), extensions.end(),
                     [&name](const std::string& ext) { return name.ends_with(ext); });
}

void ReaderRegistry::add(std::unique_ptr<FileReader> reader) {
  readers_.push_back(std::move(reader));
}

const FileReader& ReaderRegistry::readerFor(const std::filesystem::path& path) const {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw FileError(path, "file does not exist");
  // Before anything opens it: a named pipe would block the first read, a
  // device (/dev/zero) never ends.
  requireFileOrFolder(path);
  std::vector<unsigned char> head;
  const bool folder = std::filesystem::is_directory(path, ec);
  if (!folder) {
    head = readWithoutReadahead(path, 0, 512);
    if (head.empty()) throw FileError(path, "file is empty");
  }

  const FileReader* best = nullptr;
  int bestScore = 0;
  for (const auto& reader : readers_) {
    if (folder && !reader->readsFolders()) continue;
    const int score = reader->confidence(path, head);
    if (score > bestScore) {
      best = reader.get();
      bestScore = score;
    }
  }
  if (best == nullptr && folder)
    throw FileError(path,
                    "is a folder; no reader opens folders of this kind (a zarr array or group "
                    "needs .zarray/.zgroup, a phy/Kilosort folder spike_times.npy)");
  if (best == nullptr) {
    std::string known;
    for (const auto& reader : readers_)
      for (const auto& ext : reader->extensions()) known += (known.empty() ? "" : " ") + ext;
    throw FileError(path, "unrecognised file format (readers exist for: " + known + ")");
  }
  return *best;
}

FileContents ReaderRegistry::open(const std::filesystem::path& path,
                                  const std::string& internalPath) const {
  const FileReader& reader = readerFor(path);
  FileContents contents = reader.open(path, internalPath);
  contents.readerName = reader.name();
  if (contents.datasets.empty() && !internalPath.empty())
    throw FileError(path, "no dataset at '" + internalPath + "'");
  return contents;
}

const ReaderRegistry& ReaderRegistry::builtin() {
  static const ReaderRegistry registry = [] {
    ReaderRegistry r;
    r.add(std::make_unique<readers::NwbReader>());
    r.add(std::make_unique<readers::Hdf5Reader>());
    r.add(std::make_unique<readers::FlavellHdf5Reader>());
    r.add(std::make_unique<readers::Suite2pReader>());
    r.add(std::make_unique<readers::NpyReader>());
    r.add(std::make_unique<readers::NpzReader>());
    r.add(std::make_unique<readers::CsvReader>());
    r.add(std::make_unique<readers::PhyReader>());
    r.add(std::make_unique<readers::MatReader>());
    r.add(std::make_unique<readers::ConnectomeJsonReader>());
    addSurfaceReaders(r);
    addVolumeReaders(r);
    addMicroscopyReaders(r);
    return r;
  }();
  return registry;
}

}  // namespace nl::io
