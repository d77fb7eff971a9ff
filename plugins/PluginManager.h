#pragma once
// Finds plugins (install folder, NEUROLOUPE_PLUGIN_PATH, explicit folders),
// reads and validates their manifests without loading any library, and loads
// a plugin's library on its first create(). Every plugin that is not usable
// keeps the reason (invalid manifest at discovery, or a library that failed
// at first use). A bad plugin never stops the app.
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "plugins/api/AnalysisPlugin.h"

class QPluginLoader;

namespace nl::plugins {

// An attribute an output carries for the views and tools that read it
// (declared in the manifest so that nobody has to guess attribute strings).
struct AttributeSpec {
  std::string name;
  std::string help;
  // Not every run writes it; without this the runner refuses an output that lacks it.
  bool optional = false;
  // The attribute is a JSON array of strings naming the entries along this
  // axis of the output (e.g. the values of a Scalars output); the runner
  // checks the length, the CLI's --json prints values by these names.
  std::optional<std::size_t> namesAxis;
};

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
  // Columns a table must have: for inputs ("start_time" for event tables), so
  // that lists offer only tables the plugin can use; for outputs, what the
  // tables promise their readers (the runner checks it).
  std::vector<std::string> columns;
  // Outputs only: the id of the view that shows this output ("fisbe.evaluation"),
  // empty for none, and the attributes it carries.
  std::string view;
  std::vector<AttributeSpec> attributes;
  const AttributeSpec* attribute(const std::string& name) const;
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
  // Shipped with the app (found in its install folder), not a third party's.
  bool bundled = false;
  // The manifest's "long_running": the GUI runs it in a worker process by
  // default (plugins/WorkerRun.h).
  bool longRunning = false;
  // The manifest is valid and the plugin was not refused at discovery; its
  // library is loaded on first use (PluginManager::create), and a failure
  // there is reported by PluginManager::usable / failure, not here.
  bool loaded = false;
  std::string failure;  // why discovery refused it; empty when `loaded`

  // The output port called `name` (an output's NamedDataset name), or null:
  // its view, attributes and columns.
  const PortSpec* output(const std::string& name) const;

  // Manifest fields as JSON (for `neuroloupe-cli plugins --json`).
  nlohmann::json toJson() const;
  // Builds from the manifest object after validating it against
  // plugins/api/manifest.schema.json; throws std::invalid_argument naming the
  // manifest path and the problem ("/inputs/0/kinds/0: …").
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
  // The app's own plugin folders (next to the executable): plugins found
  // there are PluginDescriptor::bundled.
  static std::vector<std::filesystem::path> installFolders();

  // Scans the folders (non-recursively) for shared libraries and reads their
  // manifests; loads no library. Not thread-safe against the calls below.
  void discover(const std::vector<std::filesystem::path>& folders);
  const std::vector<PluginDescriptor>& plugins() const { return plugins_; }
  const PluginDescriptor* find(const std::string& id) const;

  // Thread-safe from here on.
  // A fresh analysis object; loads the library on first use (resolving every
  // symbol, checking the library's API version and that its instance has the
  // manifest's id). Throws PluginError with the reason; a library that fails
  // to load is remembered and not tried again.
  std::unique_ptr<AnalysisPlugin> create(const std::string& id) const;
  // Loads the library now if it is not yet; returns the failure reason, empty on success.
  std::string load(const std::string& id) const;
  // Listed with a valid manifest and not known to fail.
  bool usable(const std::string& id) const;
  // Why `id` is not usable (discovery or first-use failure); empty when usable.
  std::string failure(const std::string& id) const;
  // Whether the library of `id` has been loaded (listing plugins never loads one).
  bool isLibraryLoaded(const std::string& id) const;

 private:
  struct LoadState {
    bool attempted = false;
    std::string failure;  // of the attempt; empty when it succeeded
  };
  void readOne(const std::filesystem::path& library);
  // Index into plugins_ of the entry create() uses for `id`, if any.
  std::optional<std::size_t> indexOf(const std::string& id) const;
  // Loads entry `index` (mutex_ held) and makes one instance to check it;
  // hands that instance out through `firstInstance` when given. Returns the
  // failure reason, empty on success.
  std::string loadLocked(std::size_t index, std::unique_ptr<AnalysisPlugin>* firstInstance) const;
  std::vector<PluginDescriptor> plugins_;
  std::vector<std::unique_ptr<QPluginLoader>> loaders_;  // parallel to plugins_
  mutable std::mutex mutex_;
  mutable std::vector<LoadState> states_;  // parallel to plugins_, guarded by mutex_
};

}  // namespace nl::plugins
