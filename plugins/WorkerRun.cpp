#include "plugins/WorkerRun.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QCoreApplication>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "io/ChildProcess.h"
#include "io/DatasetHdf5.h"
#include "io/Error.h"
#include "io/ReaderRegistry.h"
#include "io/ResultFile.h"
#include "io/hdf5/H5.h"

extern char** environ;

namespace nl::plugins {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// "layers#2" → {"layers", 2}; a plain key → {key, 0}.
std::pair<std::string, std::size_t> portAndIndex(const std::string& key) {
  const auto hash = key.rfind('#');
  if (hash == std::string::npos || hash == 0) return {key, 0};
  std::size_t index = 0;
  const auto* first = key.data() + hash + 1;
  const auto* last = key.data() + key.size();
  if (std::from_chars(first, last, index).ptr != last) return {key, 0};
  return {key.substr(0, hash), index};
}

std::string referenceOf(const io::Provenance& provenance) {
  return provenance.internalPath.empty() ? provenance.sourcePath
                                         : provenance.sourcePath + "::" + provenance.internalPath;
}

// The worker opens `reference` exactly as the CLI does; it is usable only
// when that gives back this one dataset (same id, same kind).
bool workerReadsTheSame(const io::Dataset& dataset, const std::string& reference, bool multiple) {
  try {
    const auto spec = io::parsePathSpec(reference);
    const auto found =
        multiple ? openMultipleInput(spec) : io::ReaderRegistry::builtin().open(spec).datasets;
    return found.size() == 1 && found.front()->kind() == dataset.kind() &&
           found.front()->datasetId() == dataset.datasetId();
  } catch (const std::exception&) {
    return false;
  }
}

std::string uniqueStem(const std::string& pluginId) {
  static std::atomic<unsigned> counter{0};
  std::string stem = pluginId;
  std::replace_if(
      stem.begin(), stem.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); },
      '_');
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return stem + "-" +
         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()) + "-" +
         std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

// "[ 42%] reading units" → {0.42, "reading units"}.
std::optional<std::pair<double, std::string>> progressLine(const std::string& line) {
  if (line.size() < 7 || line[0] != '[') return std::nullopt;
  const auto close = line.find("%] ");
  if (close == std::string::npos || close > 5) return std::nullopt;
  std::size_t first = 1;
  while (first < close && line[first] == ' ') ++first;
  int percent = 0;
  if (std::from_chars(line.data() + first, line.data() + close, percent).ptr != line.data() + close)
    return std::nullopt;
  return std::make_pair(percent / 100.0, line.substr(close + 3));
}

}  // namespace

std::string exactNumberText(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

IsolationMode isolationModeFromName(const std::string& name) {
  if (name == "always") return IsolationMode::Always;
  if (name == "never") return IsolationMode::Never;
  return IsolationMode::Automatic;
}

const char* isolationModeName(IsolationMode mode) {
  switch (mode) {
    case IsolationMode::Always:
      return "always";
    case IsolationMode::Never:
      return "never";
    case IsolationMode::Automatic:
      break;
  }
  return "automatic";
}

bool runsInWorker(const PluginDescriptor& descriptor, IsolationMode mode) {
  switch (mode) {
    case IsolationMode::Always:
      return true;
    case IsolationMode::Never:
      return false;
    case IsolationMode::Automatic:
      break;
  }
  return !descriptor.bundled || descriptor.longRunning;
}

fs::path defaultWorkerExecutable() {
  if (QCoreApplication::instance() == nullptr) return {};
  const fs::path candidate =
      fs::path(QCoreApplication::applicationDirPath().toStdString()) / "neuroloupe-cli";
  std::error_code ec;
  return fs::is_regular_file(candidate, ec) ? candidate : fs::path();
}

std::uint64_t defaultWorkerMemoryCapMegabytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long pageSize = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || pageSize <= 0) return 0;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(pageSize) / 4 * 3 >> 20;
}

RunResult runPluginInWorker(const PluginManager& manager, const RunRequest& request,
                            ProgressReporter& progress, const WorkerOptions& options) {
  const PluginDescriptor* descriptor = manager.find(request.pluginId);
  if (descriptor == nullptr) throw RunError("no plugin '" + request.pluginId + "'");
  std::error_code ec;
  if (options.executable.empty() || !fs::is_regular_file(options.executable, ec))
    throw WorkerUnavailable("no worker program (neuroloupe-cli) next to the app");
  checkInputs(*descriptor, request.inputs);
  try {
    descriptor->parameters.validate(request.parameters);
  } catch (const ParameterError& error) {
    throw RunError(error.what());
  }
  if (progress.cancelled()) throw RunError(descriptor->name + " was cancelled", true);
  fs::create_directories(options.resultFolder, ec);
  if (ec)
    throw WorkerUnavailable("cannot create the result folder " + options.resultFolder.string() +
                            ": " + ec.message());

  // Inputs in port order, indices in numeric order ("layers#10" after "#9").
  struct Passed {
    std::string port;
    std::size_t index;
    io::DatasetPtr dataset;
  };
  std::vector<Passed> passed;
  for (const auto& [key, dataset] : request.inputs) {
    auto [port, index] = portAndIndex(key);
    passed.push_back({port, index, dataset});
  }
  std::map<std::string, std::size_t> portOrder;
  for (std::size_t i = 0; i < descriptor->inputs.size(); ++i)
    portOrder[descriptor->inputs[i].name] = i;
  std::sort(passed.begin(), passed.end(), [&](const Passed& a, const Passed& b) {
    return std::pair(portOrder[a.port], a.index) < std::pair(portOrder[b.port], b.index);
  });

  const std::string stem = uniqueStem(descriptor->id);
  const fs::path scratchInputs = options.resultFolder / (stem + ".inputs.h5");
  const fs::path resultPath = options.resultFolder / (stem + ".h5");
  struct ScratchRemover {
    fs::path path;
    ~ScratchRemover() {
      std::error_code ignored;
      fs::remove(path, ignored);
    }
  } removeScratch{scratchInputs};

  std::vector<std::string> arguments{options.executable.string(), "run", descriptor->id};
  std::vector<io::NamedDataset> spilled;
  for (const auto& input : passed) {
    const PortSpec& port = descriptor->inputs[portOrder[input.port]];
    const auto& provenance = input.dataset->provenance();
    std::string reference;
    if (!provenance.sourcePath.empty() &&
        workerReadsTheSame(*input.dataset, referenceOf(provenance), port.multiple))
      reference = referenceOf(provenance);
    if (reference.empty()) {
      const std::string name = "input_" + std::to_string(spilled.size());
      spilled.push_back({name, input.dataset});
      reference = scratchInputs.string() + "::/outputs/" + name;
    }
    arguments.push_back("--input");
    arguments.push_back(input.port + "=" + reference);
  }
  if (!spilled.empty()) {
    io::Provenance scratch;
    scratch.runId = io::newUuid();
    scratch.pluginId = "neuroloupe.worker_inputs";
    scratch.createdUtc = io::utcNowIso8601Milliseconds();
    try {
      io::writeResultFile(scratchInputs, spilled, scratch);
    } catch (const std::exception& error) {
      throw WorkerUnavailable("an input held in memory cannot be handed to a worker (" +
                              std::string(error.what()) + ")");
    }
  }
  for (const auto& [name, value] : request.parameters.values()) {
    const std::string text = std::holds_alternative<double>(value)
                                 ? exactNumberText(std::get<double>(value))
                                 : formatValue(value);
    arguments.push_back("--param");
    arguments.push_back(name + "=" + text);
  }
  arguments.push_back("--out");
  arguments.push_back(resultPath.string());

  // The worker finds this plugin where this process found it.
  std::vector<std::string> environment;
  std::string pluginPath = descriptor->library.parent_path().string();
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    if (text.starts_with("NEUROLOUPE_PLUGIN_PATH=")) {
      pluginPath += ":" + std::string(text.substr(23));
      continue;
    }
    environment.emplace_back(text);
  }
  environment.push_back("NEUROLOUPE_PLUGIN_PATH=" + pluginPath);

  progress.report(0.0, "starting " + descriptor->name + " in a worker process");
  std::optional<io::ChildProcess> child;
  try {
    child.emplace(
        io::ChildOptions{arguments, environment, options.memoryCapMegabytes << 20, -1, true});
  } catch (const std::runtime_error& error) {
    throw RunError(std::string("cannot start a worker: ") + error.what());
  }
  io::ChildProcess& worker = *child;
  const auto started = Clock::now();
  std::optional<Clock::time_point> stopAsked;
  enum class Stop { None, Cancel, Timeout } stop = Stop::None;
  std::vector<std::string> errors, tail;
  std::optional<int> status;
  while (true) {
    for (auto& line : worker.readLines(std::chrono::milliseconds(50))) {
      if (auto update = progressLine(line)) {
        progress.report(std::clamp(update->first, 0.0, 1.0), update->second);
        continue;
      }
      if (line.starts_with("error: ")) errors.push_back(line.substr(7));
      tail.push_back(std::move(line));
      if (tail.size() > 20) tail.erase(tail.begin());
    }
    status = worker.poll();
    if (status && worker.outputClosed()) break;
    if (status) {
      // Ended; what it wrote is still in the pipe unless a grandchild holds
      // it open: drain briefly, then stop waiting for it.
      for (int i = 0; i < 20 && !worker.outputClosed(); ++i)
        for (auto& line : worker.readLines(std::chrono::milliseconds(10))) {
          if (line.starts_with("error: ")) errors.push_back(line.substr(7));
          tail.push_back(std::move(line));
        }
      break;
    }
    const auto now = Clock::now();
    if (stop == Stop::None) {
      if (progress.cancelled())
        stop = Stop::Cancel;
      else if (options.timeoutSeconds > 0 &&
               now - started > std::chrono::duration<double>(options.timeoutSeconds))
        stop = Stop::Timeout;
      if (stop != Stop::None) {
        worker.signal(SIGTERM);
        stopAsked = now;
      }
    } else if (now - *stopAsked > std::chrono::duration<double>(options.stopGraceSeconds)) {
      worker.signal(SIGKILL);
    }
  }

  const std::string& plugin = descriptor->name;
  const std::string peak =
      " (peak memory " + std::to_string(worker.peakKilobytes() / 1024) + " MB)";
  if (stop == Stop::Cancel) throw RunError(plugin + " was cancelled", true);
  if (stop == Stop::Timeout)
    throw RunError(plugin + " did not finish within " + exactNumberText(options.timeoutSeconds) +
                   " s; its worker process was stopped");
  const std::string said = !errors.empty() ? errors.back()
                           : !tail.empty() ? tail.back()
                                           : std::string("no message");
  if (WIFSIGNALED(*status)) {
    const int signal = WTERMSIG(*status);
    std::string how = io::signalName(signal);
    if (const auto meaning = io::signalMeaning(signal); meaning != how) how += ", " + meaning;
    std::string text = plugin + " crashed in its worker process (" + how + ")";
    if (signal == SIGKILL && options.memoryCapMegabytes > 0)
      text += "; it may have exceeded the memory cap of " +
              std::to_string(options.memoryCapMegabytes) + " MB";
    throw RunError(text + peak + ". The session is unaffected." +
                   (tail.empty() ? "" : " Its last words: " + tail.back()));
  }
  const int code = WEXITSTATUS(*status);
  if (code == 127 && errors.empty())
    throw RunError("the worker process " + options.executable.string() + " could not be started");
  const bool outOfMemory = code == 5 || said.find("ran out of memory") != std::string::npos ||
                           said.find("bad_alloc") != std::string::npos;
  if (outOfMemory)
    throw RunError(plugin + " ran out of memory in its worker process" +
                   (options.memoryCapMegabytes > 0
                        ? " (cap " + std::to_string(options.memoryCapMegabytes) + " MB)"
                        : std::string()) +
                   peak);
  if (code != 0) throw RunError(said);

  // The run read this process's datasets: the result file says so, not the
  // worker's references or scratch copies.
  const auto records = inputRecords(*descriptor, request.inputs);
  // The outputs, read back (lazily) from the result file.
  RunResult result;
  try {
    io::restampRunInputs(resultPath, records, request.appVersion);
    const auto file = io::h5::File::openReadOnly(resultPath);
    result.provenance = io::readRunProvenance(file.root());
    for (auto& dataset : io::ReaderRegistry::builtin().open(resultPath).datasets)
      result.outputs.push_back({dataset->provenance().outputName, std::move(dataset)});
  } catch (const std::exception& error) {
    throw RunError(plugin + " finished, but its result file cannot be read: " + error.what());
  }
  // The parameters arrived unchanged (text survives the command line).
  const auto used = nlohmann::json::parse(result.provenance.parametersJson, nullptr, false);
  const auto asked = request.parameters.toJson();
  for (const auto& [name, value] : asked.items())
    if (!used.is_object() || !used.contains(name) || used[name] != value)
      throw RunError(plugin + ": parameter '" + name + "' did not reach the worker unchanged (" +
                     value.dump() + " became " +
                     (used.is_object() && used.contains(name) ? used[name].dump() : "nothing") +
                     ")");
  progress.report(1.0, "done");
  return result;
}

}  // namespace nl::plugins
