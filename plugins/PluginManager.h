#pragma once
// Finds plugins (install folder, NEUROLOUPE_PLUGIN_PATH, explicit folders),
// reads their manifests without loading them, loads the valid ones and keeps
// a failure reason for every one that does not load. A bad plugin never stops
// the app.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "plugins/api/AnalysisPlugin.h"

class QPluginLoader;

namespace nl::plugins {

struct PortSpec {
  std::string name;
  std::vector<std::string> aliases;    // other names the command line accepts ("gt")
  std::vector<io::DatasetKind> kinds;  // accepted kinds (inputs) / produced kind (outputs)
  std::string help;
  bool optional = false;
  // Inputs only: the port takes any number of datasets (≥ 1 unless optional),
  // passed in the Inputs map as "name#0", "name#1", … in the order given
  // (a single dataset may also come as plain "name"). See inputsOf().
  bool multiple = false;
  // Inputs only: columns a table must have ("start_time" for event tables),
  // so that lists offer only tables the plugin can use.
  std::vector<std::string> columns;
  bool accepts(io::DatasetKind kind) const;
  // Why `dataset` cannot go to this port (kind, missing columns); empty when it fits.
  std::string mismatch(const io::Dataset& dataset) const;
  bool fits(const io::Dataset& dataset) const { return mismatch(dataset).empty(); }
  bool isCalled(const std::string& nameOrAlias) const;
};

struct PluginDescriptor {
  std::string id, name, version, summary, category;
  int apiVersion = 0;
  std::vector<PortSpec> inputs, outputs;
  ParameterSchema parameters;
  std::filesystem::path library;
  bool loaded = false;
  std::string failure;  // why it is not usable; empty when loaded

  // Manifest fields as JSON (for `neuroloupe-cli plugins --json`).
  nlohmann::json toJson() const;
  // Builds from the manifest object; throws std::invalid_argument.
  static PluginDescriptor fromManifest(const nlohmann::json& manifest);
};

class PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class PluginManager {
 public:
  PluginManager();
  ~PluginManager();
  PluginManager(const PluginManager&) = delete;
  PluginManager& operator=(const PluginManager&) = delete;

  // The install folder next to the running executable
  // (../lib/neuroloupe/plugins) and every folder in NEUROLOUPE_PLUGIN_PATH.
  static std::vector<std::filesystem::path> defaultSearchPaths();

  // Scans the folders (non-recursively) for shared libraries.
  void discover(const std::vector<std::filesystem::path>& folders);
  const std::vector<PluginDescriptor>& plugins() const { return plugins_; }
  const PluginDescriptor* find(const std::string& id) const;
  // A fresh analysis object of a loaded plugin; throws PluginError.
  std::unique_ptr<AnalysisPlugin> create(const std::string& id) const;

 private:
  void loadOne(const std::filesystem::path& library);
  std::vector<PluginDescriptor> plugins_;
  std::vector<std::unique_ptr<QPluginLoader>> loaders_;  // parallel to plugins_
};

}  // namespace nl::plugins
