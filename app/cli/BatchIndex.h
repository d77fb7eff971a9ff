#pragma once
// The batch's index in its output folder: index.csv and index.h5 (a
// NeuroLoupe "batch_index" file whose /datasets/index table the app's HDF5
// reader opens), one row per run: run_id, plugin, inputs, parameters,
// status, wall_time_s, peak_memory_mb, error, result (file name in the
// folder), log (logs/<id>.log), worker (host, and rank under MPI). Both are rewritten atomically
// (temporary + rename) after every run that ends, with the progress (done, failed, remaining, ETA)
// on the HDF5 root, so a batch killed at any moment leaves a consistent index.
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "app/cli/BatchChild.h"
#include "app/cli/BatchPlan.h"

namespace nl::plugins {
class PluginManager;
}

namespace nl::cli {

struct RunRecord {
  RunStatus status = RunStatus::Pending;
  std::string error;
  double wallSeconds = std::numeric_limits<double>::quiet_NaN();
  double peakMemoryMb = std::numeric_limits<double>::quiet_NaN();
  std::string worker;
};

struct BatchCounts {
  std::size_t done = 0, failed = 0, remaining = 0;
  double etaSeconds = std::numeric_limits<double>::quiet_NaN();
};

// Why the result of `run` in `outDir` cannot be taken as it is (missing,
// unreadable, not a result file, another plugin, parameters or inputs,
// outputs missing); empty when it is complete.
std::string resultProblem(const std::filesystem::path& outDir, const PlannedRun& run,
                          const plugins::PluginManager& manager);

// The records of an earlier batch's index.h5 in `outDir`, by run id (for the
// wall time and memory of runs a resume keeps); empty when there is none.
std::vector<std::pair<std::string, RunRecord>> previousRecords(const std::filesystem::path& outDir);

void writeIndex(const std::filesystem::path& outDir, const BatchPlan& plan,
                const std::vector<RunRecord>& records, const BatchCounts& counts);

inline constexpr const char* kIndexCsv = "index.csv";
inline constexpr const char* kIndexH5 = "index.h5";

}  // namespace nl::cli
