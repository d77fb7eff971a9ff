#pragma once
// The HDF5 file a plugin run writes (neuroloupe-cli run --out): every output
// under /outputs/<name>, provenance as plain attributes that h5py reads.
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
