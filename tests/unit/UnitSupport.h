#pragma once
// Helpers for the unit tests, on top of the core tests' TestSupport.h
// (fixtures(), NL_REQUIRE_FIXTURE, TempDir, writeBytes, npyBytes, rawBytes).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <string>

#include "../core/TestSupport.h"
#include "io/Error.h"
#include "plugins/PluginManager.h"

namespace nl::test::unit {

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

// Processes Qt events until `done()` or `timeoutMs`; returns done().
inline bool pumpUntil(const std::function<bool()>& done, int timeoutMs) {
  QElapsedTimer timer;
  timer.start();
  while (!done() && timer.elapsed() < timeoutMs)
    QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
  return done();
}

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

// neuroloupe-cli of this build (see nl::test::runBinary).
inline CliRun runCli(const std::string& arguments,
                     const std::optional<std::string>& pluginPath = std::nullopt) {
  return runBinary(NEUROLOUPE_CLI, arguments, pluginPath);
}

}  // namespace nl::test::unit
