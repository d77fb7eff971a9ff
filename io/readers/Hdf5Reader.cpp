#include "io/readers/Hdf5Reader.h"

#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "io/DatasetHdf5.h"
#include "io/NeuroLoupeFormat.h"
#include "io/hdf5/H5.h"
#include "io/microscopy/Hdf5Volume.h"

namespace nl::io::readers {

namespace {

// Each group is walked once, however many links lead to it: hard or soft
// links that form cycles made the walk exponential (2 links per level and a
// depth limit of 32 took minutes) in hostile files.
void collectNumericDatasets(const h5::Group& group, const std::string& prefix,
                            std::vector<std::string>& out, std::set<haddr_t>& visited, int depth) {
  if (depth > 32) return;  // hostile files can nest groups endlessly
  for (const auto& child : group.children()) {
    const std::string full = prefix + "/" + child;
    if (group.isDataset(child)) {
      if (group.datasetIsNumeric(child)) out.push_back(full);
    } else if (group.isGroup(child)) {
      if (!visited.insert(h5::objectAddress(group, child)).second) continue;
      collectNumericDatasets(group.openGroup(child), full, out, visited, depth + 1);
    }
  }
}

DatasetPtr lazyArray(const std::filesystem::path& path, const h5::Group& root,
                     const std::string& objectPath) {
  const std::string relative = objectPath.substr(1);
  auto shape = root.datasetShape(relative);
  const std::string dtype = root.datasetTypeName(relative);
  auto loader = [path, relative]() {
    return h5::File::openReadOnly(path).root().readDoubles(relative);
  };
  return std::make_shared<ArrayDataset>(DatasetKind::Array, objectPath, std::move(shape), loader,
                                        Provenance::fromFile(path.string(), objectPath, "HDF5"),
                                        Attributes{}, dtype);
}

}  // namespace

int Hdf5Reader::confidence(const std::filesystem::path& path,
                           std::span<const unsigned char> head) const {
  static constexpr unsigned char kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  if (head.size() >= 8 && std::memcmp(head.data(), kSignature, 8) == 0) return 50;
  if (h5::isHdf5File(path)) return 50;  // signature after a user block
  return hasExtension(path, extensions()) ? 10 : 0;
}

FileContents Hdf5Reader::open(const std::filesystem::path& path,
                              const std::string& internalPath) const {
  auto file = h5::File::openReadOnly(path);
  const auto root = file.root();
  FileContents contents;

  if (const auto format = root.stringAttribute(format::kFormatAttribute)) {
    const auto version = root.numberAttribute(format::kVersionAttribute).value_or(0);
    if (version > format::kSchemaVersion)
      throw FileError(path, "written by a newer NeuroLoupe (" + *format + " schema " +
                                std::to_string(static_cast<int>(version)) +
                                ", this build reads up to " +
                                std::to_string(format::kSchemaVersion) + ")");
    contents.metadata["format"] = *format;
    contents.metadata["schema_version"] = version;
    for (const char* key :
         {"app_version", "plugin_id", "plugin_version", "parameters", "created_utc"})
      if (auto value = root.stringAttribute(key)) contents.metadata[key] = *value;
    const bool result = *format == format::kResultFormat;
    if (result) {
      const Provenance run = readRunProvenance(root);
      contents.metadata["run_id"] = run.runId;
      contents.metadata["inputs"] = toJson(run)["inputs"];
    }
    const char* container = result ? "outputs" : "datasets";
    if (root.isGroup(container)) {
      const auto group = root.openGroup(container);
      for (const auto& child : group.children()) {
        const std::string objectPath = std::string("/") + container + "/" + child;
        if (!internalPath.empty() && internalPath != objectPath && internalPath != child) continue;
        const auto datasetGroup = group.openGroup(child);
        if (datasetGroup.stringAttribute("storage").value_or("inline") == "reference") continue;
        auto dataset = result
                           ? readDataset(datasetGroup, {absoluteNormalPath(path.string()), child})
                           : readDataset(datasetGroup);
        // A batch index (neuroloupe-cli batch) is a file's table, not a run's
        // output: it carries the file as its source, so the result file names
        // in it resolve against the folder it is in now.
        if (const auto table = std::dynamic_pointer_cast<const TableDataset>(dataset);
            table && *format == format::kBatchIndexFormat)
          dataset = std::make_shared<TableDataset>(
              table->kind(), table->name(), table->columns(),
              Provenance::fromFile(absoluteNormalPath(path.string()), objectPath, "HDF5"),
              table->attributes());
        contents.datasets.push_back(std::move(dataset));
      }
    }
    return contents;
  }

  std::vector<std::string> paths;
  if (!internalPath.empty()) {
    const std::string relative =
        internalPath.starts_with('/') ? internalPath.substr(1) : internalPath;
    if (!root.isDataset(relative)) throw FileError(path, "no dataset at '" + internalPath + "'");
    if (!root.datasetIsNumeric(relative))
      throw FileError(
          path, "'" + internalPath + "' is not numeric (" + root.datasetTypeName(relative) + ")");
    paths.push_back("/" + relative);
  } else {
    std::set<haddr_t> visited{h5::objectAddress(root, ".")};
    collectNumericDatasets(root, "", paths, visited, 0);
  }
  for (const auto& objectPath : paths) {
    // Microscopy-sized volumes (rank ≥ 3, ≥ 64 MB) stay in their native type
    // and are read chunk by chunk; everything else is a (lazy) array of doubles.
    if (microscopy::isHdf5Volume(path, objectPath))
      contents.datasets.push_back(microscopy::openHdf5Volume(path, objectPath));
    else
      contents.datasets.push_back(lazyArray(path, root, objectPath));
  }
  contents.metadata["numeric_datasets"] = paths.size();
  return contents;
}

}  // namespace nl::io::readers
