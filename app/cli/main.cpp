// neuroloupe-cli: the readers and plugins without a display. The same code
// paths as the GUI (ReaderRegistry, PluginManager, runPlugin), so a result on
// a cluster equals the one on a desk.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <QCoreApplication>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/cli/Batch.h"
#include "app/cli/ExitCodes.h"
#include "app/common/BuildInfo.h"
#include "io/ReaderRegistry.h"
#include "io/ResultFile.h"
#include "io/UntrustedInput.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"

namespace {

using namespace nl::cli;

// SIGINT / SIGTERM during `run`: the first asks the plugin to stop (the run
// ends as cancelled, exit 4); a plugin that does not stop within the grace
// period, or a second signal, ends the process at once with 128 + the first
// signal's number (130 for SIGINT, 143 for SIGTERM), as shells expect.
class InterruptGuard {
 public:
  static constexpr auto kGrace = std::chrono::milliseconds(1500);

  explicit InterruptGuard(nl::plugins::ProgressReporter& run) : run_(run) {
    if (::pipe2(pipe_, O_CLOEXEC) != 0) pipe_[0] = pipe_[1] = -1;
    writeEnd_ = pipe_[1];
    struct sigaction action {};
    action.sa_handler = &InterruptGuard::onSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &oldInt_);
    sigaction(SIGTERM, &action, &oldTerm_);
    watcher_ = std::thread([this] { watch(); });
  }
  ~InterruptGuard() {
    sigaction(SIGINT, &oldInt_, nullptr);
    sigaction(SIGTERM, &oldTerm_, nullptr);
    const unsigned char quit = 0;  // no signal: the run is over
    if (writeEnd_ >= 0) (void)!::write(writeEnd_, &quit, 1);
    watcher_.join();
    writeEnd_ = -1;
    ::close(pipe_[0]);
    ::close(pipe_[1]);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  static void onSignal(int signal) {
    // Async-signal-safe only: a counter, write(2) and _exit(2).
    if (signals_.fetch_add(1) == 0) {
      first_ = signal;
      const auto byte = static_cast<unsigned char>(signal);
      if (writeEnd_ >= 0) (void)!::write(writeEnd_, &byte, 1);
      return;
    }
    static const char message[] = "interrupted again: exiting without waiting for the plugin\n";
    (void)!::write(2, message, sizeof message - 1);
    ::_exit(128 + first_.load());
  }

  void watch() {
    unsigned char byte = 0;
    ssize_t n = 0;
    while ((n = ::read(pipe_[0], &byte, 1)) < 0 && errno == EINTR) {
    }
    if (n <= 0 || byte == 0) return;  // the run ended without a signal
    const int signal = byte;
    run_.cancel();
    std::fprintf(stderr, "%s: cancelling the run (again to exit at once)\n",
                 signal == SIGINT ? "interrupted" : "terminated");
    struct pollfd ready {
      pipe_[0], POLLIN, 0
    };
    const auto deadline = std::chrono::steady_clock::now() + kGrace;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      const int r = ::poll(&ready, 1, static_cast<int>(left.count()));
      if (r > 0) {
        while ((n = ::read(pipe_[0], &byte, 1)) < 0 && errno == EINTR) {
        }
        if (n <= 0 || byte == 0) return;  // the run stopped within the grace
      }
    }
    std::fprintf(stderr, "the plugin did not stop within %.1f s of the %s; exiting\n",
                 std::chrono::duration<double>(kGrace).count(),
                 signal == SIGINT ? "interrupt" : "termination request");
    std::fflush(stderr);
    ::_exit(128 + signal);
  }

  nl::plugins::ProgressReporter& run_;
  int pipe_[2] = {-1, -1};
  std::thread watcher_;
  struct sigaction oldInt_ {
  }, oldTerm_{};
  static inline std::atomic<int> writeEnd_{-1};
  static inline std::atomic<int> signals_{0};
  static inline std::atomic<int> first_{0};
};

std::string shapeText(const std::vector<std::size_t>& shape) {
  std::string text;
  for (std::size_t i = 0; i < shape.size(); ++i)
    text += (i ? " × " : "") + std::to_string(shape[i]);
  return text.empty() ? "scalar" : text;
}

int commandInfo(const std::string& path, bool json, bool spikeRange) {
  const auto spec = nl::io::parsePathSpec(path);
  const auto contents = nl::io::ReaderRegistry::builtin().open(spec);
  // Only on request: a lazy recording's range probes every unit's first and
  // last spike, which on a cold 20 GB file is most of the time info takes.
  if (spikeRange)
    for (const auto& d : contents.datasets)
      if (const auto* recording = dynamic_cast<const nl::io::SpikeRecording*>(d.get()))
        (void)recording->timeRange();
  if (json) {
    nlohmann::json out{{"file", spec.path.string()},
                       {"reader", contents.readerName},
                       {"metadata", contents.metadata.json()}};
    auto& datasets = out["datasets"] = nlohmann::json::array();
    for (const auto& d : contents.datasets) datasets.push_back(d->summary());
    std::cout << nl::io::dumpJson(out) << "\n";
    return kOk;
  }
  std::cout << spec.path.string() << "  (" << contents.readerName << ")\n";
  for (const auto& [key, value] : contents.metadata.json().items())
    std::cout << "  " << key << ": "
              << (value.is_string() ? value.get<std::string>() : nl::io::dumpJson(value)) << "\n";
  std::cout << contents.datasets.size() << " dataset(s)\n";
  for (const auto& d : contents.datasets) {
    std::cout << "  " << nl::io::kindName(d->kind()) << "  " << d->name() << "  ["
              << shapeText(d->shape()) << "]";
    if (const auto* table = dynamic_cast<const nl::io::TableDataset*>(d.get())) {
      std::cout << "  columns:";
      for (const auto& c : table->columns()) std::cout << " " << c.name;
    }
    if (const auto* recording = dynamic_cast<const nl::io::SpikeRecording*>(d.get())) {
      std::cout << "  " << recording->unitCount() << " units, " << recording->spikeCount()
                << " spikes";
      if (spikeRange) {
        const auto [t0, t1] = recording->timeRange();
        std::cout << ", spikes from " << t0 << " s to " << t1 << " s";
      }
    }
    std::cout << "\n";
  }
  return kOk;
}

// "data (also: d): Array or Table  [repeatable] [optional]  columns: start_time"
std::string portLine(const nl::plugins::PortSpec& port, bool input) {
  std::string line = port.name;
  if (!port.aliases.empty()) {
    line += " (also:";
    for (const auto& alias : port.aliases) line += " " + alias;
    line += ")";
  }
  line += ":";
  for (std::size_t i = 0; i < port.kinds.size(); ++i)
    line += (i ? " or " : " ") + std::string(nl::io::kindName(port.kinds[i]));
  if (input && port.multiple) line += "  [repeatable: one or more --input " + port.name + "=…]";
  if (port.optional) line += "  [optional]";
  if (!port.columns.empty()) {
    line += "  columns:";
    for (const auto& column : port.columns) line += " " + column;
  }
  if (!port.view.empty()) line += "  view: " + port.view;
  return line;
}

// "--lower_quantile VALUE  real in [0, 0.5], default 0.25 (also --lq)"
std::string flagLine(const nl::plugins::ParamSpec& spec) {
  std::string line = "--" + spec.name;
  line += spec.type == nl::plugins::ParamType::Boolean ? " [true|false]" : " VALUE";
  line += "  " + spec.describeConstraint() + ", default " +
          nl::plugins::formatValue(spec.defaultValue) + (spec.unit.empty() ? "" : " " + spec.unit);
  if (!spec.aliases.empty()) {
    line += " (also";
    for (const auto& alias : spec.aliases) line += " --" + alias;
    line += ")";
  }
  return line;
}

// Text wrapped at 80 columns, every line starting with `indent`.
std::string wrapped(const std::string& text, const std::string& indent) {
  std::string out, line = indent;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    if (line.size() > indent.size() && line.size() + 1 + word.size() > 80) {
      out += line + "\n";
      line = indent;
    }
    line += (line.size() > indent.size() ? " " : "") + word;
    start = end + 1;
  }
  return out + line;
}

int commandPlugins(const nl::plugins::PluginManager& manager, bool json) {
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : manager.plugins()) out.push_back(p.toJson());
    std::cout << nl::io::dumpJson(out) << "\n";
    return kOk;
  }
  for (const auto& p : manager.plugins()) {
    std::cout << p.id << " " << p.version << "  " << p.name;
    if (!p.loaded) std::cout << "  [FAILED: " << p.failure << "]";
    std::cout << "\n";
    if (!p.loaded) continue;
    for (const auto& in : p.inputs) std::cout << "    input  " << portLine(in, true) << "\n";
    for (const auto& out : p.outputs) std::cout << "    output " << portLine(out, false) << "\n";
    for (const auto& spec : p.parameters.specs()) std::cout << "    " << flagLine(spec) << "\n";
  }
  std::cout << "(`neuroloupe-cli run PLUGIN --help` explains one plugin's ports and flags)\n";
  return kOk;
}

// `run PLUGIN --help`: what the plugin takes, what it gives, every flag.
int commandRunHelp(const nl::plugins::PluginManager& manager, const std::string& id,
                   const std::string& genericHelp) {
  const auto* p = manager.find(id);
  if (p == nullptr) {
    std::cout << genericHelp;
    std::cerr << "error: no plugin '" << id << "' (see neuroloupe-cli plugins)\n";
    return kUsage;
  }
  std::cout << p->id << " " << p->version << "  " << p->name << "\n";
  if (!p->loaded) {
    std::cout << "  NOT USABLE: " << p->failure << "\n";
    return kPluginFailed;
  }
  if (!p->summary.empty()) std::cout << wrapped(p->summary, "  ") << "\n";
  std::cout << "\nInputs (--input NAME=FILE[::INTERNAL/PATH], -i):\n";
  if (p->inputs.empty()) std::cout << "  none\n";
  for (const auto& in : p->inputs) {
    std::cout << "  " << portLine(in, true) << "\n";
    if (!in.help.empty()) std::cout << wrapped(in.help, "      ") << "\n";
  }
  std::cout << "\nOutputs (--out FILE.h5: /outputs/NAME; --json: \"outputs\": {NAME: …}):\n";
  for (const auto& out : p->outputs) {
    std::cout << "  " << portLine(out, false) << "\n";
    if (!out.help.empty()) std::cout << wrapped(out.help, "      ") << "\n";
    for (const auto& a : out.attributes)
      std::cout << wrapped("attribute " + a.name + (a.optional ? " (optional)" : "") + ": " +
                               a.help +
                               (a.namesAxis ? " [names axis " + std::to_string(*a.namesAxis) + "]"
                                            : std::string()),
                           "      ")
                << "\n";
  }
  std::cout << "\nParameters (--NAME VALUE, --NAME=VALUE or --param NAME=VALUE, -p):\n";
  if (p->parameters.specs().empty()) std::cout << "  none\n";
  for (const auto& spec : p->parameters.specs()) {
    std::cout << "  " << flagLine(spec) << "\n";
    if (!spec.help.empty()) std::cout << wrapped(spec.help, "      ") << "\n";
  }
  std::cout << "\n" << genericHelp;
  return kOk;
}

nlohmann::json numberJson(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

// [v0, v1, …], or {"name0": v0, …} when `port` declares a names attribute for
// axis 0 of a 1-D array and the output carries it. NaN and infinities as null.
nlohmann::json valuesJson(const nl::io::ArrayDataset& array, const nl::plugins::PortSpec* port) {
  const auto& values = array.values();
  if (port != nullptr && array.shape().size() == 1)
    for (const auto& declared : port->attributes) {
      if (declared.namesAxis != std::size_t{0}) continue;
      const auto it = array.attributes().find(declared.name);
      if (it == array.attributes().end()) continue;
      const auto names = nlohmann::json::parse(it->second, nullptr, false);
      if (!names.is_array() || names.size() != values.size()) continue;
      nlohmann::json byName = nlohmann::json::object();
      for (std::size_t i = 0; i < values.size(); ++i)
        if (names[i].is_string()) byName[names[i].get<std::string>()] = numberJson(values[i]);
      if (byName.size() == values.size()) return byName;  // names unique: nothing lost
    }
  nlohmann::json list = nlohmann::json::array();
  for (double v : values) list.push_back(numberJson(v));
  return list;
}

// Splits NAME=VALUE; throws CLI::ValidationError when there is no '='.
std::pair<std::string, std::string> splitAssignment(const std::string& text, const char* what) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw CLI::ValidationError(std::string(what), "expected NAME=VALUE, got '" + text + "'");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

struct RunOptions {
  std::string pluginId;
  std::vector<std::string> inputs, params;
  std::string out;
  bool json = false;
  std::vector<std::string> extras;  // schema-generated flags: --name value / --name=value
};

int commandRun(const nl::plugins::PluginManager& manager, const RunOptions& options) {
  if (options.out.empty() && !options.json) {
    std::cerr << "error: say where the result goes: --out FILE.h5 and/or --json\n";
    return kUsage;
  }
  const auto* descriptor = manager.find(options.pluginId);
  if (descriptor == nullptr) {
    std::cerr << "error: no plugin '" << options.pluginId << "' (see neuroloupe-cli plugins)\n";
    return kUsage;
  }
  if (!descriptor->loaded) {
    std::cerr << "error: plugin '" << options.pluginId << "' is not usable: " << descriptor->failure
              << "\n";
    return kPluginFailed;
  }

  std::map<std::string, std::string> paramText;
  try {
    for (const auto& p : options.params)
      paramText.insert_or_assign(splitAssignment(p, "--param").first,
                                 splitAssignment(p, "--param").second);
    for (std::size_t i = 0; i < options.extras.size(); ++i) {
      std::string flag = options.extras[i];
      if (!flag.starts_with("--"))
        throw CLI::ValidationError("arguments", "unexpected argument '" + flag + "'");
      flag = flag.substr(2);
      std::string value;
      if (const auto eq = flag.find('='); eq != std::string::npos) {
        value = flag.substr(eq + 1);
        flag = flag.substr(0, eq);
      } else {
        std::replace(flag.begin(), flag.end(), '-', '_');
        const auto* spec = descriptor->parameters.find(flag);
        if (spec != nullptr && spec->type == nl::plugins::ParamType::Boolean &&
            (i + 1 >= options.extras.size() || options.extras[i + 1].starts_with("--")))
          value = "true";
        else if (i + 1 < options.extras.size())
          value = options.extras[++i];
        else
          throw CLI::ValidationError("--" + flag, "needs a value");
      }
      std::replace(flag.begin(), flag.end(), '-', '_');
      paramText.insert_or_assign(flag, value);
    }
  } catch (const CLI::ValidationError& error) {
    std::cerr << "error: " << error.what() << "\n";
    return kUsage;
  }

  nl::plugins::RunRequest request;
  request.pluginId = options.pluginId;
  request.appVersion = nl::app::appVersion();
  try {
    request.parameters = descriptor->parameters.parse(paramText);
  } catch (const nl::plugins::ParameterError& error) {
    std::cerr << "error: " << error.what() << "\n";
    return kUsage;
  }

  std::map<std::string, std::size_t> multipleCounts;  // datasets so far per multiple port
  for (const auto& assignment : options.inputs) {
    std::pair<std::string, std::string> parts;
    try {
      parts = splitAssignment(assignment, "--input");
    } catch (const CLI::ValidationError& error) {
      std::cerr << "error: " << error.what() << "\n";
      return kUsage;
    }
    const auto spec = nl::io::parsePathSpec(parts.second);
    const auto port =
        std::find_if(descriptor->inputs.begin(), descriptor->inputs.end(),
                     [&](const nl::plugins::PortSpec& p) { return p.isCalled(parts.first); });
    if (port != descriptor->inputs.end()) parts.first = port->name;
    try {
      if (port != descriptor->inputs.end() && port->multiple) {
        // Repeatable; a file (or folder) with several datasets adds them all, in order.
        for (auto& dataset : nl::plugins::openMultipleInput(spec))
          request.inputs[nl::plugins::multipleInputKey(port->name, multipleCounts[port->name]++)] =
              std::move(dataset);
        continue;
      }
      if (request.inputs.contains(parts.first)) {
        std::cerr << "error: input '" << parts.first
                  << "' takes one dataset but --input was given for it twice\n";
        return kUsage;
      }
      auto contents = nl::io::ReaderRegistry::builtin().open(spec);
      if (contents.datasets.size() != 1) {
        std::cerr << "error: " << spec.path.string() << " holds " << contents.datasets.size()
                  << " datasets; choose one with FILE::INTERNAL/PATH:\n";
        for (const auto& d : contents.datasets)
          std::cerr << "  " << d->provenance().internalPath << "  (" << d->name() << ")\n";
        return kBadInput;
      }
      request.inputs[parts.first] = contents.datasets.front();
    } catch (const nl::io::FileError& error) {
      std::cerr << "error: " << error.what() << "\n";
      return kBadInput;
    }
  }
  try {
    nl::plugins::checkInputs(*descriptor, request.inputs);
  } catch (const nl::plugins::RunError& error) {
    std::cerr << "error: " << error.what() << "\n";
    return kUsage;
  }

  nl::plugins::ProgressReporter progress([](double fraction, const std::string& message) {
    std::fprintf(stderr, "[%3.0f%%] %s\n", fraction * 100.0, message.c_str());
  });
  nl::plugins::RunResult result;
  try {
    const InterruptGuard guard(progress);
    result = nl::plugins::runPlugin(manager, request, progress);
  } catch (const nl::plugins::RunError& error) {
    std::cerr << "error: " << error.what() << "\n";
    return error.outOfMemory() ? kOutOfMemory : kPluginFailed;
  } catch (const nl::io::FileError& error) {  // lazy input data found broken mid-run
    std::cerr << "error: " << error.what() << "\n";
    return kBadInput;
  }

  if (!options.out.empty()) {
    try {
      nl::io::writeResultFile(options.out, result.outputs, result.provenance);
    } catch (const nl::io::FileError& error) {
      std::cerr << "error: cannot write the result: " << error.what() << "\n";
      return kPluginFailed;
    }
    std::cerr << "wrote " << options.out << " (run " << result.provenance.runId << ")\n";
  }

  if (options.json) {
    nlohmann::json out{{"plugin_id", descriptor->id},
                       {"plugin_version", descriptor->version},
                       {"parameters", request.parameters.toJson()},
                       {"run_id", result.provenance.runId},
                       {"inputs", nl::io::toJson(result.provenance)["inputs"]},
                       {"result_file", options.out.empty() ? nlohmann::json(nullptr)
                                                           : nlohmann::json(options.out)}};
    auto& outputs = out["outputs"] = nlohmann::json::object();
    for (const auto& [name, dataset] : result.outputs) {
      nlohmann::json item{{"kind", std::string(nl::io::kindName(dataset->kind()))},
                          {"shape", dataset->shape()}};
      // Small arrays inline; a 1-D one whose port declares names for its
      // entries (names_axis 0) as an object keyed by those names.
      if (const auto* array = dynamic_cast<const nl::io::ArrayDataset*>(dataset.get());
          array != nullptr && array->elementCount() <= 16)
        item["values"] = valuesJson(*array, descriptor->output(name));
      if (const auto* table = dynamic_cast<const nl::io::TableDataset*>(dataset.get());
          table != nullptr && table->rowCount() <= 64) {
        auto& columns = item["columns"] = nlohmann::json::object();
        for (const auto& c : table->columns()) {
          if (c.isNumeric()) {
            nlohmann::json values = nlohmann::json::array();
            for (double v : c.numbers()) values.push_back(numberJson(v));
            columns[c.name] = values;
          } else {
            columns[c.name] = c.strings();
          }
        }
      }
      // Structured results a plugin attached as JSON text ("metrics_json": the
      // official FISBe metrics file) go out as JSON, whatever the table's size.
      for (const auto& [key, text] : dataset->attributes())
        if (key.ends_with("_json"))
          if (auto parsed = nlohmann::json::parse(text, nullptr, false); !parsed.is_discarded())
            item[key.substr(0, key.size() - 5)] = std::move(parsed);
      outputs[name] = std::move(item);
    }
    std::cout << nl::io::dumpJson(out) << "\n";
  }
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication qtApp(argc, argv);  // for applicationDirPath and plugin loading
  CLI::App cli{
      "NeuroLoupe command line: read neuroscience files and run analysis plugins headless."};
  cli.require_subcommand(0, 1);
  bool showVersion = false;
  cli.add_flag("--version", showVersion, "Print the version and library versions");

  auto* info = cli.add_subcommand("info", "Describe what a file holds");
  std::string infoPath;
  bool infoJson = false;
  info->add_option("FILE", infoPath, "File, or FILE::INTERNAL/PATH")->required();
  info->add_flag("--json", infoJson, "Print one JSON object");
  bool infoSpikeRange = false;
  info->add_flag("--spike-range", infoSpikeRange,
                 "Also the first and last spike of recordings (reads two values per unit)");

  auto* pluginsCommand =
      cli.add_subcommand("plugins", "List plugins, their schemas and load failures");
  bool pluginsJson = false;
  pluginsCommand->add_flag("--json", pluginsJson, "Print JSON");

  auto* run = cli.add_subcommand(
      "run", "Run a plugin; write its outputs to HDF5 and/or print them as JSON");
  RunOptions runOptions;
  run->add_option("PLUGIN_ID", runOptions.pluginId,
                  "Plugin id (see `plugins`; `run PLUGIN_ID --help` lists its ports and flags)")
      ->required();
  run->add_option("--input,-i", runOptions.inputs,
                  "NAME=FILE[::INTERNAL/PATH]; repeat it for ports that take several datasets "
                  "(a file or folder holding several adds them all, in order)");
  run->add_option("--param,-p", runOptions.params,
                  "NAME=VALUE (or --NAME VALUE, from the plugin's schema)");
  run->add_option("--out,-o", runOptions.out, "Result HDF5 file (optional with --json)");
  run->add_flag("--json", runOptions.json, "Print the outputs' shapes and scalar values as JSON");
  run->allow_extras();

  nl::cli::BatchOptions batchOptions;
  auto* batch = nl::cli::addBatchCommand(cli, batchOptions);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    if (*run && !runOptions.pluginId.empty()) {  // run PLUGIN --help
      nl::plugins::PluginManager manager;
      manager.discover(nl::plugins::PluginManager::defaultSearchPaths());
      return commandRunHelp(manager, runOptions.pluginId, run->help());
    }
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    cli.exit(e);
    return kUsage;
  }

  if (showVersion) {
    std::cout << "neuroloupe-cli " << nl::app::appVersion() << " (" << nl::app::libraryVersions()
              << ")\n";
    return kOk;
  }
  try {
    if (*info) return commandInfo(infoPath, infoJson, infoSpikeRange);
    nl::plugins::PluginManager manager;
    if (*pluginsCommand || *run || *batch)
      manager.discover(nl::plugins::PluginManager::defaultSearchPaths());
    if (*pluginsCommand) return commandPlugins(manager, pluginsJson);
    if (*run) {
      runOptions.extras = run->remaining();
      return commandRun(manager, runOptions);
    }
    if (*batch) return nl::cli::commandBatch(manager, batchOptions);
  } catch (const nl::io::FileError& error) {
    std::cerr << "error: " << error.what() << "\n";
    return kBadInput;
  } catch (const std::bad_alloc&) {
    std::cerr << "error: out of memory\n";
    return kOutOfMemory;
  } catch (const std::exception& error) {
    std::cerr << "error: " << error.what() << "\n";
    return kPluginFailed;
  }
  std::cout << cli.help();
  return kUsage;
}
