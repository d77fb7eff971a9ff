#include "io/ResultFile.h"

#include <nlohmann/json.hpp>

#include "io/AtomicWrite.h"
#include "io/DatasetHdf5.h"
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

}  // namespace nl::io
