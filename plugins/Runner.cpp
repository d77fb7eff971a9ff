#include "plugins/Runner.h"

#include <algorithm>
#include <chrono>

#include "io/Error.h"

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

void checkInputs(const PluginDescriptor& descriptor, const Inputs& inputs) {
  for (const auto& port : descriptor.inputs) {
    const auto it = inputs.find(port.name);
    if (it == inputs.end() || !it->second) {
      if (port.optional) continue;
      throw RunError("input '" + port.name + "' is required (" + kindList(port.kinds) + ")");
    }
    if (!port.accepts(it->second->kind()))
      throw RunError("input '" + port.name + "' must be " + kindList(port.kinds) + ", got " +
                     std::string(io::kindName(it->second->kind())) + " '" + it->second->name() +
                     "'");
  }
  for (const auto& [name, dataset] : inputs)
    if (std::none_of(descriptor.inputs.begin(), descriptor.inputs.end(),
                     [&name](const PortSpec& p) { return p.name == name; }))
      throw RunError("plugin '" + descriptor.id + "' has no input '" + name + "'");
}

RunResult runPlugin(const PluginManager& manager, const RunRequest& request,
                    ProgressReporter& progress) {
  const PluginDescriptor* descriptor = manager.find(request.pluginId);
  if (descriptor == nullptr) throw RunError("no plugin '" + request.pluginId + "'");
  if (!descriptor->loaded)
    throw RunError("plugin '" + request.pluginId + "' is not usable: " + descriptor->failure);
  checkInputs(*descriptor, request.inputs);
  try {
    descriptor->parameters.validate(request.parameters);
  } catch (const ParameterError& error) {
    throw RunError(error.what());
  }

  io::Provenance provenance;
  provenance.pluginId = descriptor->id;
  provenance.pluginVersion = descriptor->version;
  provenance.parametersJson = request.parameters.toJson().dump();
  provenance.appVersion = request.appVersion;
  provenance.createdUtc = io::utcNowIso8601();
  for (const auto& [name, dataset] : request.inputs)
    if (dataset)
      provenance.inputs.push_back(name + "=" + dataset->provenance().describe() + " [" +
                                  dataset->name() + "]");

  RunResult result;
  result.provenance = provenance;
  Context context(provenance, progress);
  try {
    auto plugin = manager.create(request.pluginId);
    progress.report(0.0, "starting " + descriptor->name);
    result.outputs = plugin->run(request.inputs, request.parameters, context);
  } catch (const analysis::Cancelled&) {
    throw RunError(descriptor->name + " was cancelled", true);
  } catch (const RunError&) {
    throw;
  } catch (const io::FileError&) {
    throw;  // input data found unreadable mid-run (a lazy load): bad input, not a plugin bug
  } catch (const std::bad_alloc&) {
    throw RunError(descriptor->name + " ran out of memory");
  } catch (const std::exception& error) {
    throw RunError(descriptor->name + " failed: " + error.what());
  } catch (...) {
    throw RunError(descriptor->name + " failed with an unknown error");
  }
  if (progress.cancelled()) throw RunError(descriptor->name + " was cancelled", true);

  for (const auto& output : result.outputs) {
    const auto port = std::find_if(descriptor->outputs.begin(), descriptor->outputs.end(),
                                   [&](const PortSpec& p) { return p.name == output.name; });
    if (port == descriptor->outputs.end())
      throw RunError(descriptor->name + " produced an undeclared output '" + output.name + "'");
    if (!output.dataset || !port->accepts(output.dataset->kind()))
      throw RunError(descriptor->name + " produced output '" + output.name + "' of the wrong kind");
    if (output.dataset->provenance().pluginId != descriptor->id)
      throw RunError(descriptor->name + " produced output '" + output.name +
                     "' without its provenance");
  }
  progress.report(1.0, "done");
  return result;
}

}  // namespace nl::plugins
