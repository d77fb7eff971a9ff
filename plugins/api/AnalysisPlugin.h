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
inline constexpr int kPluginApiVersion = 1;

using Inputs = std::map<std::string, io::DatasetPtr>;
using Outputs = std::vector<io::NamedDataset>;

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
