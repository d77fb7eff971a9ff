#pragma once
// One batch run as a child process: the CLI's own `run` subcommand
// (/proc/self/exe), with an address-space cap (RLIMIT_AS), no core dumps,
// PR_SET_PDEATHSIG (it dies with the batch), its share of the cores
// (NEUROLOUPE_THREADS), stdout and stderr in <out>/logs/<id>.log, and a
// timeout (SIGTERM, then SIGKILL after a grace period). Wall time and peak
// memory come from wait4's rusage.
#include <sys/types.h>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/cli/BatchPlan.h"
#include "io/ChildProcess.h"

namespace nl::cli {

enum class RunStatus { Pending, Running, Done, Failed, Timeout, OutOfMemory, Crashed, Interrupted };
const char* statusName(RunStatus status);  // "done", "out_of_memory", …
std::optional<RunStatus> statusFromName(const std::string& name);
bool isFailure(RunStatus status);  // failed, timeout, out_of_memory, crashed

struct RunOutcome {
  RunStatus status = RunStatus::Failed;
  std::string error;  // empty when done
  double wallSeconds = 0;
  double peakMemoryMb = 0;
  std::string worker;  // where it ran: "host" or "host:rank N"
};

struct ChildLimits {
  double timeoutSeconds = 0;      // 0: none
  std::uint64_t memoryCapMb = 0;  // 0: none
  int threads = 1;                // NEUROLOUPE_THREADS of each run
  double graceSeconds = 2;        // between SIGTERM and SIGKILL
  std::string workerName;         // RunOutcome::worker of its runs
};

// Where a run's result and log go.
std::filesystem::path resultPath(const std::filesystem::path& outDir, const std::string& runId);
std::filesystem::path logPath(const std::filesystem::path& outDir, const std::string& runId);

// Runs children; start() and poll() from one thread.
class ChildPool {
 public:
  ChildPool(std::filesystem::path outDir, ChildLimits limits);
  ~ChildPool();  // kills what still runs
  ChildPool(const ChildPool&) = delete;
  ChildPool& operator=(const ChildPool&) = delete;

  // Starts `run` (key: the caller's index of it). A child that cannot be
  // started comes back from the next poll() as failed.
  void start(std::size_t key, const PlannedRun& run);
  std::size_t running() const { return children_.size(); }
  // Reaps children that ended and enforces timeouts; (key, outcome) of each
  // that ended. With `stopping`, a child that did not succeed is interrupted.
  std::vector<std::pair<std::size_t, RunOutcome>> poll(bool stopping = false);
  // Asks every child to stop (SIGTERM, SIGKILL after the grace period); they
  // come back from poll() as interrupted unless they finished.
  void interrupt();

 private:
  struct Child {
    std::size_t key;
    std::unique_ptr<io::ChildProcess> process;  // null when it could not start
    std::string runId;
    std::chrono::steady_clock::time_point started, killAt;
    bool terminated = false;  // SIGTERM sent
    enum class Why { None, Timeout, Interrupt } why = Why::None;
    std::string startError;
  };
  RunOutcome outcomeOf(const Child& child, int status, double peakMb, bool stopping) const;

  std::filesystem::path outDir_;
  ChildLimits limits_;
  std::string executable_;
  std::vector<Child> children_;
};

// The last "error: …" line of a run's log (else its last line), shortened.
std::string errorFromLog(const std::filesystem::path& log);

}  // namespace nl::cli
