#pragma once
// Runs one plugin on validated inputs: the one code path shared by GUI jobs,
// the CLI and (later) an isolated child process. Checks inputs against the
// manifest, stamps provenance, checks outputs, and turns every failure into a
// RunError with a message a user can read.
#include <atomic>
#include <functional>
#include <string>

#include "analysis/Progress.h"
#include "io/ReaderRegistry.h"
#include "plugins/PluginManager.h"

namespace nl::plugins {

class RunError : public std::runtime_error {
 public:
  enum class Reason { Failed, Cancelled, OutOfMemory };
  RunError(std::string message, bool cancelled = false)
      : RunError(std::move(message), cancelled ? Reason::Cancelled : Reason::Failed) {}
  RunError(std::string message, Reason reason)
      : std::runtime_error(std::move(message)), reason_(reason) {}
  bool cancelled() const { return reason_ == Reason::Cancelled; }
  // The plugin ran out of memory (std::bad_alloc): the CLI exits 5 for it.
  bool outOfMemory() const { return reason_ == Reason::OutOfMemory; }

 private:
  Reason reason_;
};

struct RunRequest {
  std::string pluginId;
  Inputs inputs;
  ParameterSet parameters;
  std::string appVersion;
};

struct RunResult {
  Outputs outputs;
  io::Provenance provenance;
};

// Thread-safe progress state a GUI polls or a CLI prints.
class ProgressReporter {
 public:
  using Callback = std::function<void(double fraction, const std::string& message)>;
  explicit ProgressReporter(Callback callback = {}) : callback_(std::move(callback)) {}
  void cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }
  void report(double fraction, const std::string& message) const {
    if (callback_) callback_(fraction, message);
  }

 private:
  Callback callback_;
  std::atomic<bool> cancelled_{false};
};

// A job's reporter as the analysis code's Progress, for work that pages and
// tasks hand to analysis/ directly.
class ReporterProgress final : public analysis::Progress {
 public:
  explicit ReporterProgress(ProgressReporter& reporter) : reporter_(reporter) {}
  void update(double fraction, const std::string& message) override {
    reporter_.report(fraction, message);
  }
  bool cancelRequested() const override { return reporter_.cancelled(); }

 private:
  ProgressReporter& reporter_;
};

// Validates, runs and checks. Throws RunError (cancelled() tells a cancel
// apart from a failure), or io::FileError when lazily read input data turn
// out unreadable during the run (the CLI reports that as bad input, exit 3).
RunResult runPlugin(const PluginManager& manager, const RunRequest& request,
                    ProgressReporter& progress);

// Checks that every required input is present and of an accepted kind and
// that no unknown input is given; throws RunError.
// A port declared "multiple" takes "name#0", "name#1", … (contiguous from 0)
// or a single plain "name"; a single port rejects indexed keys.
void checkInputs(const PluginDescriptor& descriptor, const Inputs& inputs);

// What a run of `descriptor` on `inputs` read, port by port in the
// manifest's order ("name#0", "name#1", … for a multiple port): each
// dataset's id, file and producing run (the provenance's input records).
std::vector<io::ProvenanceInput> inputRecords(const PluginDescriptor& descriptor,
                                              const Inputs& inputs);

// Why `dataset` does not keep the promises of output `port` (a required
// attribute missing, a names attribute that does not fit its axis, a declared
// column missing); empty when it does. runPlugin refuses such outputs.
std::string outputMismatch(const PortSpec& port, const io::Dataset& dataset);

// The datasets one PATHSPEC contributes to a "multiple" input port (the CLI's
// repeated --input and the GUI use this), in order:
// - FILE::INTERNAL/PATH: that one object;
// - a plain HDF5 file: its numeric datasets in the order of the root
//   attribute "layer_order" (a string array or one comma-separated string of
//   dataset names, with or without the leading '/'; only those datasets),
//   else in natural name order ("conv2" before "conv10");
// - any other file: its datasets in the file's own order (.npz: archive order);
// - a folder no reader opens as a whole: the datasets of every readable file
//   in it (unreadable files such as notes are skipped), files in natural name
//   order — e.g. a folder of one .npy per layer.
// Throws io::FileError.
std::vector<io::DatasetPtr> openMultipleInput(const io::PathSpec& spec);

}  // namespace nl::plugins
