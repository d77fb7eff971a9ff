#include "io/ResultFile.h"

#include <nlohmann/json.hpp>

#include "io/AtomicWrite.h"
#include "io/DatasetHdf5.h"
#include "io/Error.h"
#include "io/NeuroLoupeFormat.h"
#include "io/UntrustedInput.h"

namespace nl::io {

void writeResultFile(const std::filesystem::path& path, const std::vector<NamedDataset>& outputs,
                     const Provenance& run) {
  writeHdf5Atomically(path, [&](const h5::Group& root) {
    root.setAttribute(format::kFormatAttribute, std::string(format::kResultFormat));
    root.setAttribute(format::kVersionAttribute, std::int64_t{format::kSchemaVersion});
    const auto provenance = toJson(run);
    root.setAttribute("provenance", dumpJson(provenance));
    root.setAttribute("run_id", run.runId);
    root.setAttribute("plugin_id", run.pluginId);
    root.setAttribute("plugin_version", run.pluginVersion);
    root.setAttribute("parameters", run.parametersJson);
    root.setAttribute("inputs", dumpJson(provenance["inputs"]));
    root.setAttribute("app_version", run.appVersion);
    root.setAttribute("created_utc", run.createdUtc);
    const auto group = root.createGroup("outputs");
    for (const auto& [name, dataset] : outputs) writeDataset(group.createGroup(name), *dataset);
  });
}

void restampRunInputs(const std::filesystem::path& path, const std::vector<ProvenanceInput>& inputs,
                      const std::string& appVersion) {
  const auto restamp = [&](const h5::Group& group, Provenance provenance) {
    provenance.inputs = inputs;
    provenance.appVersion = appVersion;
    group.setAttribute("provenance", toJson(provenance).dump());
    group.setAttribute("inputs", toJson(provenance)["inputs"].dump());
    group.setAttribute("app_version", appVersion);
  };
  std::vector<std::pair<std::string, Provenance>> outputs;
  Provenance run;
  {
    const auto file = h5::File::openReadOnly(path);
    const auto root = file.root();
    run = readRunProvenance(root);
    if (root.isGroup("outputs")) {
      const auto group = root.openGroup("outputs");
      for (const auto& child : group.children())
        outputs.emplace_back(child, readRunProvenance(group.openGroup(child)));
    }
  }
  h5::silenceLibraryErrors();
  auto handle = std::make_shared<h5::Handle>(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
  if (!handle->valid()) throw FileError(path, "cannot open the result file for writing");
  const h5::Group root(handle, h5::Handle(H5Gopen2(handle->id(), "/", H5P_DEFAULT)), path, "/");
  restamp(root, run);
  if (!outputs.empty()) {
    const auto group = root.openGroup("outputs");
    for (const auto& [child, provenance] : outputs) restamp(group.openGroup(child), provenance);
  }
  if (H5Fflush(handle->id(), H5F_SCOPE_GLOBAL) < 0)
    throw FileError(path, "cannot write the result file's provenance");
}

}  // namespace nl::io
