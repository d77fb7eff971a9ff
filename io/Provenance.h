#pragma once
// Where a dataset came from: a file (path + internal path) or a plugin run
// (run id, plugin id, version, parameters, inputs). Saved with sessions and
// results.
//
// Dataset ids: a string that names one dataset across sessions, so that a
// run's record of its inputs finds them again (Dataset::datasetId()):
//   derived:   "run:<runId>/<outputName>"
//   from file: "file:<absolute, normalised path>::<internal path>"
//   otherwise: "memory:<uuid>" (made once per object; not stable across sessions)
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace nl::io {

// One dataset a run read, as the runner recorded it.
struct ProvenanceInput {
  // The input key the plugin got: the port name, or "name#0", "name#1", … for
  // the datasets of a port declared "multiple" (plugins::multipleInputKey).
  std::string port;
  std::string datasetId;  // see above; empty for legacy records without a path
  std::string name;       // the dataset's display name at run time (for messages)
  // Read from a file: its absolute path and the object inside it. A derived
  // input also has them when it was read back from a result file.
  std::string sourcePath;
  std::string internalPath;
  // Derived input: the run that produced it and the output port.
  std::string runId;
  std::string outputName;
  // Files written before run ids stored each input as the text
  // "port=<description> [name]"; that description is kept here.
  std::string legacyDescription;

  bool isDerived() const { return !runId.empty(); }
  bool operator==(const ProvenanceInput&) const = default;
  // "port=<path>::<internal> [name]" or "port=run <id>/<output> [name]": for tooltips.
  std::string describe() const;
};

struct Provenance {
  // Source file, for datasets read from disk. A derived dataset read back
  // from a result file also records that file and "/outputs/<name>".
  std::string sourcePath;
  std::string internalPath;  // e.g. "/units" inside an HDF5 file; empty for whole files
  std::string readerName;
  // Plugin run, for derived datasets.
  std::string runId;       // UUID made once per run (newUuid()); shared by all its outputs
  std::string outputName;  // the manifest output port that produced this dataset
  std::string pluginId;
  std::string pluginVersion;
  std::string parametersJson;           // the validated parameters, as a JSON object
  std::vector<ProvenanceInput> inputs;  // in the manifest's port order
  std::string appVersion;
  std::string createdUtc;  // ISO 8601 UTC, milliseconds: 2026-12-01T21:25:57.123Z

  bool isDerived() const { return !pluginId.empty(); }
  bool isFromFile() const { return !sourcePath.empty() && pluginId.empty(); }
  // One line for a tooltip or a log.
  std::string describe() const;

  static Provenance fromFile(std::string path, std::string internal, std::string reader);
};

nlohmann::json toJson(const Provenance& provenance);
nlohmann::json toJson(const ProvenanceInput& input);
// Tolerant: wrong types are ignored. Provenance written before run ids gets
// legacyRunId() and its string inputs become records with port +
// legacyDescription (and, when the description names an absolute path, that
// path as sourcePath/internalPath).
Provenance provenanceFromJson(const nlohmann::json& json);

// The dataset id of a file object and of a run's output (see the top of this file).
std::string fileDatasetId(const std::string& path, const std::string& internalPath);
std::string runDatasetId(const std::string& runId, const std::string& outputName);

// `path` made absolute (against the working directory) and lexically
// normalised: the form dataset ids and saved references use.
std::string absoluteNormalPath(const std::string& path);

// A random (version 4) UUID, lower-case: "1b4e28ba-2fa1-41d2-883f-0016d3cca427".
std::string newUuid();
// The run id given to a run recorded before run ids existed: a UUID-shaped
// hash (version nibble 8) of plugin id, creation time and parameters, so the
// outputs of one old run still share one id.
std::string legacyRunId(const std::string& pluginId, const std::string& createdUtc,
                        const std::string& parametersJson);

std::string utcNowIso8601();              // seconds: 2026-12-01T21:25:57Z
std::string utcNowIso8601Milliseconds();  // 2026-12-01T21:25:57.123Z

}  // namespace nl::io
