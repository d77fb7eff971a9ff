#pragma once
// neuroloupe-cli batch PLAN --out DIR: many runs, each the CLI's own `run` in
// a child process, locally in N worker processes or, under mpirun, handed
// out by rank 0 to every rank (docs/BATCH.md).
#include <cstdint>
#include <string>

namespace CLI {
class App;
}
namespace nl::plugins {
class PluginManager;
}

namespace nl::cli {

struct BatchOptions {
  std::string plan;
  std::string out;
  int workers = 0;                // runs at once (per rank under MPI); 0: cores (1 under MPI)
  double timeoutSeconds = 0;      // per run; 0: none
  std::uint64_t memoryCapMb = 0;  // RLIMIT_AS per run; 0: none
  double graceSeconds = 2;        // SIGTERM → SIGKILL
};

CLI::App* addBatchCommand(CLI::App& cli, BatchOptions& options);
int commandBatch(const plugins::PluginManager& manager, const BatchOptions& options);

// Helpers the local and the MPI batch share.
int coreCount();  // CPUs this process may run on
// Stop requested (SIGINT/SIGTERM) since installStopHandlers().
void installStopHandlers();
bool stopRequested();
// The world size an MPI launcher (mpirun, srun) announces in the
// environment; 0 when this process was not started by one.
int launcherWorldSize();
std::string hostName();
// Creates --out and takes its lock (one batch per folder at a time); returns
// the lock's descriptor (kept open until exit), or prints why not and
// returns -1.
int openOutDir(const std::string& out);

}  // namespace nl::cli
