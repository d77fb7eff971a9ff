#pragma once
// Where a dataset came from: a file (path + internal path) or a plugin run
// (id, version, parameters, inputs). Saved with sessions and results.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace nl::io {

struct Provenance {
  // Source file, for datasets read from disk.
  std::string sourcePath;
  std::string internalPath;  // e.g. "/units" inside an HDF5 file; empty for whole files
  std::string readerName;
  // Plugin run, for derived datasets.
  std::string pluginId;
  std::string pluginVersion;
  std::string parametersJson;       // the validated parameters, as a JSON object
  std::vector<std::string> inputs;  // "name=<description of the input>"
  std::string appVersion;
  std::string createdUtc;  // ISO 8601

  bool isDerived() const { return !pluginId.empty(); }
  bool isFromFile() const { return !sourcePath.empty() && pluginId.empty(); }
  // One line for a tooltip or a log.
  std::string describe() const;

  static Provenance fromFile(std::string path, std::string internal, std::string reader);
};

nlohmann::json toJson(const Provenance& provenance);
Provenance provenanceFromJson(const nlohmann::json& json);
std::string utcNowIso8601();

}  // namespace nl::io
