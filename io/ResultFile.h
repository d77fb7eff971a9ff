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

}  // namespace nl::io
