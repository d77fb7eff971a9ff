#include "app/cli/Batch.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "app/cli/BatchChild.h"
#include "app/cli/BatchLedger.h"
#include "app/cli/BatchPlan.h"
#include "app/cli/ExitCodes.h"
#if NEUROLOUPE_MPI
#include "app/cli/BatchMpi.h"
#endif

namespace nl::cli {

namespace {

volatile std::sig_atomic_t g_stop = 0;

void onStop(int) {
  g_stop = 1;
}

int runLocal(const plugins::PluginManager& manager, const BatchOptions& options) {
  BatchPlan plan;
  try {
    plan = loadPlan(options.plan, manager);
  } catch (const PlanError& error) {
    std::cerr << "error: " << error.what() << "\n";
    return kBadInput;
  }
  if (openOutDir(options.out) < 0) return kBadInput;
  const int workers = options.workers > 0 ? options.workers : coreCount();
  ChildLimits limits;
  limits.timeoutSeconds = options.timeoutSeconds;
  limits.memoryCapMb = options.memoryCapMb;
  limits.graceSeconds = options.graceSeconds;
  limits.threads = std::max(1, coreCount() / workers);
  limits.workerName = hostName();
  BatchLedger ledger(plan, options.out, manager);
  ChildPool pool(options.out, limits);
  installStopHandlers();

  const auto& todo = ledger.todo();
  std::size_t next = 0;
  bool interrupting = false;
  for (;;) {
    const bool stop = stopRequested();
    if (stop && !interrupting) {
      pool.interrupt();
      interrupting = true;
    }
    while (!stop && next < todo.size() && pool.running() < static_cast<std::size_t>(workers)) {
      ledger.started(todo[next]);
      pool.start(todo[next], plan.runs[todo[next]]);
      ++next;
    }
    for (auto& [index, outcome] : pool.poll(stop)) ledger.finished(index, std::move(outcome));
    ledger.tick();
    if (pool.running() == 0 && (stop || next == todo.size())) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return ledger.finish();
}

}  // namespace

int coreCount() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

void installStopHandlers() {
  std::signal(SIGINT, onStop);
  std::signal(SIGTERM, onStop);
}

bool stopRequested() {
  return g_stop != 0;
}

std::string hostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

int launcherWorldSize() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"})
    if (const char* value = std::getenv(name)) {
      const int size = std::atoi(value);
      if (size > 0) return size;
    }
  // PMIx launchers (srun --mpi=pmix) always set the rank, not always the size.
  if (std::getenv("PMIX_RANK") != nullptr) return 1;
  return 0;
}

int openOutDir(const std::string& out) {
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec || !std::filesystem::is_directory(out)) {
    std::cerr << "error: " << out << ": cannot create the output folder"
              << (ec ? ": " + ec.message() : std::string()) << "\n";
    return -1;
  }
  const auto lock = std::filesystem::path(out) / ".batch.lock";
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::cerr << "error: " << out << ": cannot write in the output folder\n";
    return -1;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    std::cerr << "error: " << out << ": another batch is writing to this folder\n";
    ::close(fd);
    return -1;
  }
  return fd;  // held until the process exits
}

CLI::App* addBatchCommand(CLI::App& cli, BatchOptions& options) {
  auto* batch = cli.add_subcommand(
      "batch",
      "Run a plan of many runs (JSON or CSV) into one folder: one result file per run plus "
      "index.csv and index.h5; locally in worker processes, or across ranks under mpirun "
      "(docs/BATCH.md)");
  batch->add_option("PLAN", options.plan, "Plan file: .json (runs or a template) or .csv")
      ->required();
  batch->add_option("--out,-o", options.out, "Output folder (results, logs/, index)")->required();
  batch
      ->add_option("--workers,-j", options.workers,
                   "Runs at once (per rank under MPI); default: one per core (1 under MPI)")
      ->check(CLI::NonNegativeNumber);
  batch
      ->add_option("--timeout", options.timeoutSeconds,
                   "Seconds a run may take before it is stopped (timeout); default: none")
      ->check(CLI::NonNegativeNumber);
  batch->add_option("--memory-cap", options.memoryCapMb,
                    "Address-space limit of each run in MB (RLIMIT_AS; out_of_memory when "
                    "reached); default: none");
  batch
      ->add_option("--grace", options.graceSeconds,
                   "Seconds between SIGTERM and SIGKILL for a run that is stopped (default 2)")
      ->check(CLI::NonNegativeNumber);
  return batch;
}

int commandBatch(const plugins::PluginManager& manager, const BatchOptions& options) {
  const int world = launcherWorldSize();
#if NEUROLOUPE_MPI
  if (world > 0) return runBatchMpi(manager, options);
#else
  if (world > 1) {
    std::cerr << "error: started by an MPI launcher with " << world
              << " ranks, but this neuroloupe-cli was built without MPI (NEUROLOUPE_MPI=OFF): "
                 "every rank would run the whole plan. Run it without mpirun (--workers N).\n";
    return kUsage;
  }
#endif
  return runLocal(manager, options);
}

}  // namespace nl::cli
