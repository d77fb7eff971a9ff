#pragma once
// The HDF5 file a plugin run writes (neuroloupe-cli run --out): every output
// under /outputs/<name> in output order, the run's provenance on the root as
// JSON ("provenance") and as plain attributes that h5py reads (run_id,
// plugin_id, plugin_version, parameters, inputs as a JSON array of records,
// app_version, created_utc). Each output group carries its own provenance
// with run_id and output_name (io/DatasetHdf5.h).
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "io/Dataset.h"

namespace nl::io {

struct NamedDataset {
  std::string name;
  DatasetPtr dataset;
};

void writeResultFile(const std::filesystem::path& path, const std::vector<NamedDataset>& outputs,
                     const Provenance& run);

// Rewrites, in place, the run's input records and app version in a result
// file (the root and every output group): a worker process read references
// or scratch copies of the caller's datasets, and the file should say the
// caller's (plugins/WorkerRun.h). Throws FileError.
void restampRunInputs(const std::filesystem::path& path, const std::vector<ProvenanceInput>& inputs,
                      const std::string& appVersion);

}  // namespace nl::io
