#pragma once
// What a batch knows about its runs while it goes (the process that writes
// the index: the only one locally, rank 0 under MPI): which runs a resume
// keeps, which to make and in what order, each run's record, the index
// rewritten after every run that ends, and progress on stderr.
#include <chrono>
#include <filesystem>
#include <vector>

#include "app/cli/BatchIndex.h"

namespace nl::cli {

class BatchLedger {
 public:
  // Checks every existing result (resultProblem) and writes the first index.
  BatchLedger(const BatchPlan& plan, std::filesystem::path outDir,
              const plugins::PluginManager& manager);

  // Runs to make (plan indexes), largest inputs first.
  const std::vector<std::size_t>& todo() const { return todo_; }
  std::size_t kept() const { return kept_; }

  void started(std::size_t index);
  // Records a run that ended (a "done" run whose result is not complete
  // becomes failed), rewrites the index, prints progress.
  void finished(std::size_t index, RunOutcome outcome);

  // Writes an index write that was put off (see write()); call it now and then.
  void tick();

  BatchCounts counts() const;
  // 0 when every run is done, else kPluginFailed; prints a summary.
  int finish();

 private:
  // Rewrites the index, unless the last write was less than ten times its
  // own duration ago (big batches on slow file systems: the index never
  // takes more than ~10 % of this process's time); then it is put off until
  // the next finished run, tick() or finish(). `force` writes regardless.
  void write(bool force = false);

  const BatchPlan& plan_;
  std::filesystem::path outDir_;
  const plugins::PluginManager& manager_;
  std::vector<RunRecord> records_;
  std::vector<std::size_t> todo_;
  std::size_t kept_ = 0, finishedHere_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point lastWrite_{};
  std::chrono::steady_clock::duration lastWriteTook_{};
  bool writePending_ = false;
};

}  // namespace nl::cli
