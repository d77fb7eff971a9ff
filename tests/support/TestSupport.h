#pragma once
// Helpers shared by every test suite (tests/io, analysis, plugins, app and the
// domain suites): fixture paths and the fixture requirement, temp folders,
// byte-level file writers, environment scopes, running neuroloupe-cli and,
// in suites that define NEUROLOUPE_TEST_PLUGIN_DIR, the plugin manager and
// the requirement that a built-in plugin loaded.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "io/Error.h"

namespace nl::test {

#ifdef NEUROLOUPE_FIXTURES_DIR
// ../shared/fixtures, next to the project.
inline std::filesystem::path fixtures() {
  return NEUROLOUPE_FIXTURES_DIR;
}
#endif

// True when the environment variable CI says this is a CI run ("true", "1"
// or "yes", any case), as CI systems and our .ci/run set it.
inline bool ciRun() {
  const char* value = std::getenv("CI");
  if (value == nullptr) return false;
  std::string text(value);
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text == "true" || text == "1" || text == "yes";
}

// Whether the fixture `path` (a file or folder under ../shared/fixtures)
// exists. When it does not, the calling test is marked skipped with a message
// naming the path on a user's machine, and failed when CI=true: CI must never
// pass by skipping the real-data tests. The caller returns on false (see
// NL_REQUIRE_FIXTURE).
inline bool requireFixtures(const std::filesystem::path& path) {
  if (std::filesystem::exists(path)) return true;
  const std::string message = "fixture " + path.string() +
                              " is absent (../shared/fixtures not checked out next to the project)";
  if (ciRun())
    ADD_FAILURE() << message << "; CI=true, so a missing fixture fails instead of skipping";
  else
    [&] { GTEST_SKIP() << message; }();
  return false;
}

#ifdef NEUROLOUPE_FIXTURES_DIR
// Returns from the calling test unless fixtures()/relative exists (skip on a
// user's machine, failure with CI=true; see requireFixtures).
#define NL_REQUIRE_FIXTURE(relative)                                           \
  do {                                                                         \
    if (!nl::test::requireFixtures(nl::test::fixtures() / (relative))) return; \
  } while (0)
#endif

// Returns from the calling test unless the absolute path `path` exists.
#define NL_REQUIRE_FIXTURE_PATH(path)             \
  do {                                            \
    if (!nl::test::requireFixtures(path)) return; \
  } while (0)

class TempDir {
 public:
  TempDir() {
    std::random_device device;
    path_ = std::filesystem::temp_directory_path() /
            ("nl-test-" + std::to_string(device()) + std::to_string(device()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void writeBytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A .npy file written byte by byte: format `major` (1–3), any descr, raw data.
inline std::string npyBytes(int major, const std::string& dict, const std::string& data) {
  std::string header = dict;
  const std::size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  if (major == 1) {
    out += static_cast<char>(header.size() & 0xff);
    out += static_cast<char>(header.size() >> 8);
  } else {
    const auto n = static_cast<std::uint32_t>(header.size());
    for (int i = 0; i < 4; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  }
  return out + header + data;
}

template <typename T>
std::string rawBytes(const std::vector<T>& values, bool bigEndian = false) {
  std::string out(values.size() * sizeof(T), '\0');
  for (std::size_t i = 0; i < values.size(); ++i) {
    char buffer[sizeof(T)];
    std::memcpy(buffer, &values[i], sizeof(T));
    if (bigEndian == (std::endian::native == std::endian::little))
      std::reverse(buffer, buffer + sizeof(T));
    std::memcpy(out.data() + i * sizeof(T), buffer, sizeof(T));
  }
  return out;
}

inline std::string readBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

inline std::string shellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}
inline std::string shellQuote(const std::filesystem::path& path) {
  return shellQuote(path.string());
}

struct CliRun {
  int exitCode = -1;  // -1 when killed by a signal
  std::string out, err;
};

// Runs a command-line binary (neuroloupe-cli) with shell-quoted `arguments`
// as a user would. `pluginPath` nullopt unsets NEUROLOUPE_PLUGIN_PATH (the
// build's own plugins are found next to the binary); otherwise sets it.
inline CliRun runBinary(const std::string& binary, const std::string& arguments,
                        const std::optional<std::string>& pluginPath = std::nullopt) {
  TempDir scratch;
  const auto errFile = scratch / "stderr.txt";
  const std::string environment = pluginPath ? "NEUROLOUPE_PLUGIN_PATH=" + shellQuote(*pluginPath)
                                             : std::string("env -u NEUROLOUPE_PLUGIN_PATH");
  const std::string command =
      environment + " " + shellQuote(binary) + " " + arguments + " 2>" + shellQuote(errFile);
  CliRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) run.out.append(buffer.data(), n);
  const int status = pclose(pipe);
  run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = readBytes(errFile);
  return run;
}

// A .npy file with the given header dict and raw data, written into `dir`.
inline std::filesystem::path npyFile(const TempDir& dir, const std::string& name,
                                     const std::string& dict, const std::string& data,
                                     int major = 1) {
  const auto path = dir / name;
  writeBytes(path, npyBytes(major, dict, data));
  return path;
}

inline std::string simpleDict(const std::string& descr, const std::string& shape,
                              bool fortran = false) {
  return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
         ", 'shape': " + shape + ", }";
}

// Runs `action` and returns the FileError it throws; records a failure when it
// throws nothing or something else.
inline std::optional<io::FileError> fileErrorOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const io::FileError& error) {
    return error;
  } catch (const std::exception& other) {
    ADD_FAILURE() << "expected a FileError, got another exception: " << other.what();
    return std::nullopt;
  }
  ADD_FAILURE() << "expected a FileError, nothing was thrown";
  return std::nullopt;
}

// Sets (or unsets, for nullopt) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::optional<std::string>& value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    if (value)
      ::setenv(name_.c_str(), value->c_str(), 1);
    else
      ::unsetenv(name_.c_str());
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_.c_str(), old_->c_str(), 1);
    else
      ::unsetenv(name_.c_str());
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

#ifdef NEUROLOUPE_CLI
// neuroloupe-cli of this build (see runBinary).
inline CliRun runCli(const std::string& arguments,
                     const std::optional<std::string>& pluginPath = std::nullopt) {
  return runBinary(NEUROLOUPE_CLI, arguments, pluginPath);
}
#endif

}  // namespace nl::test

#ifdef NEUROLOUPE_PLUGIN_DIR
#include <QCoreApplication>
#include <QElapsedTimer>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "plugins/PluginManager.h"
#include "plugins/Runner.h"

namespace nl::test {

// The descriptor of the built-in plugin `id` when `manager` found and loaded
// it. Otherwise records a test failure naming the plugin and the loader's
// reason and returns nullptr; the caller returns. Built-in plugins are built
// with the tests: one that does not load is a bug, never a reason to skip.
inline const plugins::PluginDescriptor* requirePlugin(const plugins::PluginManager& manager,
                                                      const std::string& id) {
  const auto* descriptor = manager.find(id);
  if (descriptor == nullptr) {
    std::string listed;
    for (const auto& d : manager.plugins()) listed += (listed.empty() ? "" : ", ") + d.id;
    ADD_FAILURE() << "built-in plugin '" << id << "' was not found (plugin folder "
                  << NEUROLOUPE_PLUGIN_DIR << "; discovered: " << (listed.empty() ? "none" : listed)
                  << ")";
    return nullptr;
  }
  // Libraries load on first use: load it now, so a library that cannot load
  // fails here with its reason rather than later as a run error.
  if (const std::string why = descriptor->loaded ? manager.load(id) : descriptor->failure;
      !why.empty()) {
    ADD_FAILURE() << "built-in plugin '" << id << "' did not load from "
                  << descriptor->library.string() << ": " << why;
    return nullptr;
  }
  return descriptor;
}

// Processes Qt events until `done()` or `timeoutMs`; returns done(). The
// timeout is a generous bound against hangs, never a duration assertion.
inline bool pumpUntil(const std::function<bool()>& done, int timeoutMs) {
  QElapsedTimer timer;
  timer.start();
  while (!done() && timer.elapsed() < timeoutMs)
    QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
  return done();
}

// One manager of the build's built-in plugins for the whole test program.
// Kept alive until exit (plugin objects may outlive tests).
inline const plugins::PluginManager& builtinPlugins() {
  static plugins::PluginManager* instance = [] {
    auto* manager = new plugins::PluginManager();
    manager->discover({NEUROLOUPE_PLUGIN_DIR});
    return manager;
  }();
  return *instance;
}

// Runs built-in plugin `id` as the Analysis panel would: parameters parsed by
// its manifest, inputs as given. Throws when the plugin is missing or failed to load.
inline plugins::RunResult runBuiltinPlugin(const std::string& id, const plugins::Inputs& inputs,
                                           const std::map<std::string, std::string>& parameters,
                                           plugins::ProgressReporter* reporter = nullptr) {
  const auto* descriptor = builtinPlugins().find(id);
  if (descriptor == nullptr) throw std::runtime_error("plugin " + id + " not found");
  if (!descriptor->loaded) throw std::runtime_error(descriptor->failure);
  plugins::RunRequest request;
  request.pluginId = id;
  request.inputs = inputs;
  request.parameters = descriptor->parameters.parse(parameters);
  plugins::ProgressReporter progress;
  return plugins::runPlugin(builtinPlugins(), request, reporter ? *reporter : progress);
}

// The run's output `name` as T (nullptr when absent or of another type).
template <typename T = io::ArrayDataset>
std::shared_ptr<const T> output(const plugins::RunResult& result, const std::string& name) {
  for (const auto& o : result.outputs)
    if (o.name == name) return std::dynamic_pointer_cast<const T>(o.dataset);
  return nullptr;
}

// The number called `name` in a Scalars output (its "names" attribute).
inline double scalar(const io::ArrayDataset& summary, const std::string& name) {
  const auto names = nlohmann::json::parse(summary.attributes().at("names"));
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return summary.values()[i];
  throw std::runtime_error("no scalar " + name);
}

#ifdef NEUROLOUPE_TEST_PLUGIN_DIR
// One plugin manager for the whole test program: the test plugins and the
// built-in ones. Kept alive until exit (plugin objects may outlive tests).
inline const plugins::PluginManager& sharedPlugins() {
  static plugins::PluginManager* instance = [] {
    auto* manager = new plugins::PluginManager();
    manager->discover({NEUROLOUPE_TEST_PLUGIN_DIR, NEUROLOUPE_PLUGIN_DIR});
    return manager;
  }();
  return *instance;
}
#endif

}  // namespace nl::test
#endif
