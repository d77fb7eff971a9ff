#pragma once
// The plugin interface. A plugin library holds one QObject that implements
// PluginFactory and carries its JSON manifest (Q_PLUGIN_METADATA ... FILE).
// The manifest declares everything the host shows before loading anything:
// id, name, version, api_version, inputs, outputs and the parameter schema.
// The factory makes AnalysisPlugin objects whose run() does the work,
// computing through analysis/.
#include <QtPlugin>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "analysis/Progress.h"
#include "io/Dataset.h"
#include "io/ResultFile.h"
#include "plugins/api/ParameterSchema.h"

namespace nl::plugins {

// Bumped whenever this header changes incompatibly.
inline constexpr int kPluginApiVersion = 2;  // 2: run ids and input records in io::Provenance

using Inputs = std::map<std::string, io::DatasetPtr>;
using Outputs = std::vector<io::NamedDataset>;

// The key of the index-th dataset of a port declared "multiple": "name#index".
inline std::string multipleInputKey(const std::string& port, std::size_t index) {
  return port + "#" + std::to_string(index);
}

// Every dataset given for `port`, in order: the plain key "port" (a single
// port, or a multiple port given one dataset), else "port#0", "port#1", …
// up to the first missing index. Empty when the port was not given.
inline std::vector<io::DatasetPtr> inputsOf(const Inputs& inputs, const std::string& port) {
  std::vector<io::DatasetPtr> datasets;
  if (const auto it = inputs.find(port); it != inputs.end()) {
    if (it->second) datasets.push_back(it->second);
    return datasets;
  }
  for (std::size_t index = 0;; ++index) {
    const auto it = inputs.find(multipleInputKey(port, index));
    if (it == inputs.end() || !it->second) break;
    datasets.push_back(it->second);
  }
  return datasets;
}

// What a running plugin gets from its host besides inputs and parameters.
class RunContext : public analysis::Progress {
 public:
  // The provenance every output must carry (plugin id, version, parameters,
  // inputs); the runner rejects outputs without it.
  virtual const io::Provenance& provenance() const = 0;
};

class AnalysisPlugin {
 public:
  virtual ~AnalysisPlugin() = default;
  virtual std::string id() const = 0;
  // Inputs and parameters arrive validated against the manifest.
  virtual Outputs run(const Inputs& inputs, const ParameterSet& parameters,
                      RunContext& context) = 0;
};

class PluginFactory {
 public:
  virtual ~PluginFactory() = default;
  virtual int apiVersion() const { return kPluginApiVersion; }
  virtual std::unique_ptr<AnalysisPlugin> create() const = 0;
};

}  // namespace nl::plugins

#define NEUROLOUPE_PLUGIN_IID "org.neuroloupe.PluginFactory/1"
Q_DECLARE_INTERFACE(nl::plugins::PluginFactory, NEUROLOUPE_PLUGIN_IID)
