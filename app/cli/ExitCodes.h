#pragma once
// neuroloupe-cli's exit codes (README "Exit codes"), shared by its subcommands.
namespace nl::cli {

enum ExitCode : int {
  kOk = 0,
  kUsage = 2,         // bad command line, unknown plugin or parameter
  kBadInput = 3,      // an input file (or a batch plan) unreadable or invalid
  kPluginFailed = 4,  // the plugin failed or was cancelled; batch: some run not done
  kOutOfMemory = 5,   // the run ran out of memory (std::bad_alloc, e.g. under RLIMIT_AS)
};

}  // namespace nl::cli
