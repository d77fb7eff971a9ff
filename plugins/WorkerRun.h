#pragma once
// A plugin run in a worker process: the CLI's `run` (neuroloupe-cli) started
// with the run's inputs by reference and its outputs coming back through a
// result file. A worker that crashes, aborts, runs out of its memory cap,
// exceeds its time limit or is cancelled is a failed (or cancelled) run with
// its reason; the calling process and its session are untouched.
//
// Inputs go by reference: a dataset read from a file is named by its file and
// internal path (checked first: the worker must get exactly this dataset
// back); one that exists only in memory is written to a scratch result file
// the worker reads and that is deleted afterwards. Results are read lazily
// from their result file, which therefore stays (WorkerOptions::resultFolder).
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "plugins/Runner.h"

namespace nl::plugins {

struct WorkerOptions {
  std::filesystem::path executable;      // neuroloupe-cli
  std::filesystem::path resultFolder;    // result files (kept) and scratch inputs (deleted)
  std::uint64_t memoryCapMegabytes = 0;  // address-space limit of the worker; 0: none
  double timeoutSeconds = 0;             // the run fails after this long; 0: none
  // After cancel (or the time limit) the worker gets SIGTERM, and SIGKILL
  // after this grace.
  double stopGraceSeconds = 0.5;
};

// The run cannot go to a worker (an input held only in memory, of a kind a
// result file does not store); the caller may run it in its own process.
class WorkerUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where the worker should run by default:
// - Automatic: plugins not shipped with the app (third-party) and plugins
//   whose manifest says "long_running"; the rest in process;
// - Always / Never: every plugin.
enum class IsolationMode { Automatic, Always, Never };
IsolationMode isolationModeFromName(const std::string& name);  // "automatic"|"always"|"never"
const char* isolationModeName(IsolationMode mode);
bool runsInWorker(const PluginDescriptor& descriptor, IsolationMode mode);

// neuroloupe-cli next to the running executable (empty when there is none).
std::filesystem::path defaultWorkerExecutable();
// 75 % of physical memory, in MB: the worker's default address-space cap.
std::uint64_t defaultWorkerMemoryCapMegabytes();

// Same contract as runPlugin: throws RunError (cancelled() for a cancel)
// with a message naming the plugin and, for a dead worker, how it died;
// WorkerUnavailable before starting anything when an input cannot be passed.
RunResult runPluginInWorker(const PluginManager& manager, const RunRequest& request,
                            ProgressReporter& progress, const WorkerOptions& options);

// A double as text that parses back to the same value (the worker's --param).
std::string exactNumberText(double value);

}  // namespace nl::plugins
