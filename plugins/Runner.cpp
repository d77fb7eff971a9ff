#include "plugins/Runner.h"

#include "io/UntrustedInput.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "io/Error.h"
#include "io/ReaderRegistry.h"
#include "io/hdf5/H5.h"

namespace nl::plugins {

namespace {

class Context final : public RunContext {
 public:
  Context(io::Provenance provenance, ProgressReporter& reporter)
      : provenance_(std::move(provenance)), reporter_(reporter) {}
  const io::Provenance& provenance() const override { return provenance_; }
  void update(double fraction, const std::string& message) override {
    checkCancel();
    reporter_.report(std::clamp(fraction, 0.0, 1.0), message);
  }
  bool cancelRequested() const override { return reporter_.cancelled(); }

 private:
  io::Provenance provenance_;
  ProgressReporter& reporter_;
};

std::string kindList(const std::vector<io::DatasetKind>& kinds) {
  std::string text;
  for (auto k : kinds) text += (text.empty() ? "" : ", ") + std::string(io::kindName(k));
  return text;
}

}  // namespace

namespace {

// "layers#2" → {"layers", 2}; any other key → {key, nullopt}.
std::pair<std::string, std::optional<std::size_t>> splitInputKey(const std::string& key) {
  const auto hash = key.rfind('#');
  if (hash == std::string::npos || hash + 1 >= key.size() || hash == 0) return {key, std::nullopt};
  std::size_t index = 0;
  for (std::size_t i = hash + 1; i < key.size(); ++i) {
    if (key[i] < '0' || key[i] > '9' || i - hash > 9) return {key, std::nullopt};
    index = index * 10 + static_cast<std::size_t>(key[i] - '0');
  }
  return {key.substr(0, hash), index};
}

void checkKind(const PortSpec& port, const io::DatasetPtr& dataset, const std::string& key) {
  if (!dataset) throw RunError("input '" + key + "' is empty");
  if (!port.accepts(dataset->kind()))
    throw RunError("input '" + key + "' must be " + kindList(port.kinds) + ", got " +
                   std::string(io::kindName(dataset->kind())) + " '" + dataset->name() + "'");
  if (const auto why = port.mismatch(*dataset); !why.empty())
    throw RunError("input '" + key + "': " + why);
}

}  // namespace

std::vector<io::ProvenanceInput> inputRecords(const PluginDescriptor& descriptor,
                                              const Inputs& inputs) {
  std::vector<io::ProvenanceInput> records;
  auto add = [&](const std::string& key) {
    const auto it = inputs.find(key);
    if (it == inputs.end() || !it->second) return false;
    const io::Dataset& dataset = *it->second;
    const io::Provenance& source = dataset.provenance();
    io::ProvenanceInput record;
    record.port = key;
    record.datasetId = dataset.datasetId();
    record.name = dataset.name();
    record.sourcePath = io::absoluteNormalPath(source.sourcePath);
    record.internalPath = source.internalPath;
    if (source.isDerived()) {
      record.runId = source.runId;
      record.outputName = source.outputName;
    }
    records.push_back(std::move(record));
    return true;
  };
  for (const auto& port : descriptor.inputs) {
    if (add(port.name)) continue;
    std::size_t index = 0;
    while (add(multipleInputKey(port.name, index))) ++index;
  }
  return records;
}

std::string outputMismatch(const PortSpec& port, const io::Dataset& dataset) {
  const auto& attributes = dataset.attributes();
  const auto shape = dataset.shape();
  for (const auto& declared : port.attributes) {
    const auto it = attributes.find(declared.name);
    if (it == attributes.end()) {
      if (declared.optional) continue;
      return "without the attribute '" + declared.name + "' its manifest declares (" +
             declared.help + ")";
    }
    if (!declared.namesAxis) continue;
    const auto names = nlohmann::json::parse(it->second, nullptr, false);
    const std::size_t axis = *declared.namesAxis;
    const bool strings =
        names.is_array() && std::all_of(names.begin(), names.end(),
                                        [](const nlohmann::json& n) { return n.is_string(); });
    if (!strings)
      return "with attribute '" + declared.name +
             "' not a JSON array of strings: " + it->second.substr(0, 80);
    if (axis >= shape.size() || names.size() != shape[axis])
      return "with attribute '" + declared.name + "' naming " + std::to_string(names.size()) +
             " entries, but axis " + std::to_string(axis) + " has " +
             (axis < shape.size() ? std::to_string(shape[axis]) : std::string("no entries"));
  }
  if (!port.columns.empty()) {
    const auto* table = dynamic_cast<const io::TableDataset*>(&dataset);
    std::string missing;
    for (const auto& column : port.columns)
      if (table == nullptr || table->column(column) == nullptr)
        missing += (missing.empty() ? "'" : ", '") + column + "'";
    if (!missing.empty()) return "without the column(s) " + missing + " its manifest declares";
  }
  return {};
}

void checkInputs(const PluginDescriptor& descriptor, const Inputs& inputs) {
  std::map<std::string, std::vector<std::size_t>> indexedKeys;  // multiple port → indices given
  for (const auto& [key, dataset] : inputs) {
    const auto [portName, index] = splitInputKey(key);
    const auto port = std::find_if(descriptor.inputs.begin(), descriptor.inputs.end(),
                                   [&](const PortSpec& p) { return p.name == portName; });
    if (port == descriptor.inputs.end())
      throw RunError("plugin '" + descriptor.id + "' has no input '" + key + "'");
    if (index) {
      if (!port->multiple)
        throw RunError("input '" + port->name + "' takes one dataset, not several ('" + key +
                       "' given)");
      indexedKeys[portName].push_back(*index);
    }
  }
  for (const auto& port : descriptor.inputs) {
    const auto plain = inputs.find(port.name);
    const bool hasPlain = plain != inputs.end() && plain->second;
    auto& indices = indexedKeys[port.name];  // sorted: std::map keys compare as text, so sort
    std::sort(indices.begin(), indices.end());
    if (hasPlain && !indices.empty())
      throw RunError("input '" + port.name + "' given both as '" + port.name + "' and as '" +
                     multipleInputKey(port.name, indices.front()) + "'");
    for (std::size_t i = 0; i < indices.size(); ++i)
      if (indices[i] != i)
        throw RunError("input '" + multipleInputKey(port.name, indices[i]) + "' given without '" +
                       multipleInputKey(port.name, i) + "' (indices must run 0, 1, 2, …)");
    if (!hasPlain && indices.empty()) {
      if (port.optional) continue;
      throw RunError("input '" + port.name + "' is required (" + kindList(port.kinds) +
                     (port.multiple ? "; one or more" : "") + ")");
    }
    if (hasPlain)
      checkKind(port, plain->second, port.name);
    else
      for (auto i : indices) {
        const std::string key = multipleInputKey(port.name, i);
        checkKind(port, inputs.at(key), key);
      }
  }
}

RunResult runPlugin(const PluginManager& manager, const RunRequest& request,
                    ProgressReporter& progress) {
  const PluginDescriptor* descriptor = manager.find(request.pluginId);
  if (descriptor == nullptr) throw RunError("no plugin '" + request.pluginId + "'");
  // Loads the library on first use: a plugin that cannot load says so before
  // anything is checked against it.
  if (const auto why = manager.load(request.pluginId); !why.empty())
    throw RunError("plugin '" + request.pluginId + "' is not usable: " + why);
  checkInputs(*descriptor, request.inputs);
  try {
    descriptor->parameters.validate(request.parameters);
  } catch (const ParameterError& error) {
    throw RunError(error.what());
  }

  io::Provenance provenance;
  provenance.runId = io::newUuid();
  provenance.pluginId = descriptor->id;
  provenance.pluginVersion = descriptor->version;
  provenance.parametersJson = io::dumpJson(request.parameters.toJson());
  provenance.appVersion = request.appVersion;
  provenance.createdUtc = io::utcNowIso8601Milliseconds();
  provenance.inputs = inputRecords(*descriptor, request.inputs);

  RunResult result;
  result.provenance = provenance;
  Context context(provenance, progress);
  // Cancelled while waiting to start: do not start.
  if (progress.cancelled()) throw RunError(descriptor->name + " was cancelled", true);
  std::unique_ptr<AnalysisPlugin> plugin;
  try {
    plugin = manager.create(request.pluginId);  // loads the library on first use
  } catch (const PluginError& error) {
    throw RunError(error.what());
  }
  try {
    progress.report(0.0, "starting " + descriptor->name);
    result.outputs = plugin->run(request.inputs, request.parameters, context);
  } catch (const analysis::Cancelled&) {
    throw RunError(descriptor->name + " was cancelled", true);
  } catch (const RunError&) {
    throw;
  } catch (const io::FileError&) {
    throw;  // input data found unreadable mid-run (a lazy load): bad input, not a plugin bug
  } catch (const std::bad_alloc&) {
    throw RunError(descriptor->name + " ran out of memory", RunError::Reason::OutOfMemory);
  } catch (const std::exception& error) {
    throw RunError(descriptor->name + " failed: " + error.what());
  } catch (...) {
    throw RunError(descriptor->name + " failed with an unknown error");
  }
  if (progress.cancelled()) throw RunError(descriptor->name + " was cancelled", true);

  for (const auto& output : result.outputs) {
    const PortSpec* port = descriptor->output(output.name);
    if (port == nullptr)
      throw RunError(descriptor->name + " produced an undeclared output '" + output.name + "'");
    if (!output.dataset || !port->accepts(output.dataset->kind()))
      throw RunError(descriptor->name + " produced output '" + output.name + "' of the wrong kind");
    const auto& stamped = output.dataset->provenance();
    if (stamped.pluginId != descriptor->id || stamped.runId != provenance.runId)
      throw RunError(descriptor->name + " produced output '" + output.name +
                     "' without its provenance");
    if (const auto why = outputMismatch(*port, *output.dataset); !why.empty())
      throw RunError("plugin '" + descriptor->id + "' produced output '" + output.name + "' " +
                     why);
    if (!stamped.outputName.empty() && stamped.outputName != output.name)
      throw RunError(descriptor->name + " gave one dataset as two outputs ('" + stamped.outputName +
                     "' and '" + output.name + "')");
    io::stampOutputName(*output.dataset, output.name);
  }
  progress.report(1.0, "done");
  return result;
}

namespace {

// "layer2" < "layer10": digit runs compare by value, the rest by character.
bool naturalLess(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  auto isDigit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (isDigit(a[i]) && isDigit(b[j])) {
      std::size_t iEnd = i, jEnd = j;
      while (iEnd < a.size() && isDigit(a[iEnd])) ++iEnd;
      while (jEnd < b.size() && isDigit(b[jEnd])) ++jEnd;
      std::string x = a.substr(i, iEnd - i), y = b.substr(j, jEnd - j);
      x.erase(0, std::min(x.find_first_not_of('0'), x.size()));
      y.erase(0, std::min(y.find_first_not_of('0'), y.size()));
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = iEnd;
      j = jEnd;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

std::string trimmed(std::string text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// An HDF5 file's root attribute "layer_order": a string array, or one
// string of comma-separated names. Empty when absent.
std::vector<std::string> hdf5LayerOrder(const std::filesystem::path& path) {
  const auto root = io::h5::File::openReadOnly(path).root();
  if (!root.hasAttribute("layer_order")) return {};
  std::vector<std::string> names = root.stringArrayAttribute("layer_order");
  if (names.size() == 1 && names.front().find(',') != std::string::npos) {
    const std::string list = names.front();
    names.clear();
    std::size_t start = 0;
    while (start <= list.size()) {
      const auto comma = list.find(',', start);
      names.push_back(
          trimmed(list.substr(start, comma == std::string::npos ? comma : comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  for (auto& name : names) name = trimmed(name);
  std::erase_if(names, [](const std::string& n) { return n.empty(); });
  return names;
}

std::vector<io::DatasetPtr> orderedDatasetsOfFile(const io::PathSpec& spec) {
  auto contents = io::ReaderRegistry::builtin().open(spec);
  auto datasets = std::move(contents.datasets);
  if (!spec.internalPath.empty() || contents.readerName != "HDF5" ||
      contents.metadata.contains("format"))
    return datasets;  // one object, or a container whose own order is meaningful (.npz, results)
  const auto order = hdf5LayerOrder(spec.path);
  if (order.empty()) {
    std::stable_sort(datasets.begin(), datasets.end(),
                     [](const io::DatasetPtr& a, const io::DatasetPtr& b) {
                       return naturalLess(a->name(), b->name());
                     });
    return datasets;
  }
  std::vector<io::DatasetPtr> ordered;
  for (const auto& wanted : order) {
    const std::string path = wanted.starts_with('/') ? wanted : "/" + wanted;
    const auto it = std::find_if(datasets.begin(), datasets.end(),
                                 [&](const io::DatasetPtr& d) { return d->name() == path; });
    if (it == datasets.end())
      throw io::FileError(spec.path, "layer_order names '" + wanted +
                                         "', which is not a numeric dataset of the file");
    ordered.push_back(*it);
  }
  return ordered;
}

}  // namespace

std::vector<io::DatasetPtr> openMultipleInput(const io::PathSpec& spec) {
  std::error_code ec;
  if (!std::filesystem::is_directory(spec.path, ec) || !spec.internalPath.empty())
    return orderedDatasetsOfFile(spec);
  try {
    return io::ReaderRegistry::builtin().open(spec).datasets;  // a folder format (phy, …)
  } catch (const io::FileError&) {
    // Not a folder format: every readable file in it, in natural name order.
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(spec.path, ec))
    if (entry.is_regular_file(ec) && !entry.path().filename().string().starts_with('.'))
      files.push_back(entry.path());
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    return naturalLess(a.filename().string(), b.filename().string());
  });
  std::vector<io::DatasetPtr> datasets;
  for (const auto& file : files) {
    try {
      (void)io::ReaderRegistry::builtin().readerFor(file);
    } catch (const io::FileError&) {
      continue;  // README, notes, …: not data
    }
    for (auto& dataset : orderedDatasetsOfFile({file, {}})) datasets.push_back(std::move(dataset));
  }
  if (datasets.empty())
    throw io::FileError(spec.path, "is a folder without any readable data file");
  return datasets;
}

}  // namespace nl::plugins
