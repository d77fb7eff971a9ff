#include "app/cli/BatchLedger.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "app/cli/ExitCodes.h"
#include "io/Error.h"

namespace nl::cli {

namespace {

std::string clock(double seconds) {
  if (!std::isfinite(seconds)) return "?";
  const auto total = static_cast<long long>(std::llround(seconds));
  char text[32];
  if (total >= 3600)
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", total / 3600, total / 60 % 60,
                  total % 60);
  else
    std::snprintf(text, sizeof text, "%lld:%02lld", total / 60, total % 60);
  return text;
}

}  // namespace

BatchLedger::BatchLedger(const BatchPlan& plan, std::filesystem::path outDir,
                         const plugins::PluginManager& manager)
    : plan_(plan), outDir_(std::move(outDir)), manager_(manager), records_(plan.runs.size()) {
  // What a killed batch left half written (".<name>.saving-<pid>", see
  // io/AtomicWrite.h): nothing of this batch runs yet and the folder's lock
  // keeps other batches out, so none of it is being written now.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(outDir_, ec)) {
    const auto name = entry.path().filename().string();
    if (name.starts_with('.') && name.find(".saving-") != std::string::npos)
      std::filesystem::remove(entry.path(), ec);
  }
  std::map<std::string, RunRecord> previous;
  for (auto& [id, record] : previousRecords(outDir_)) previous.emplace(id, std::move(record));
  for (std::size_t i = 0; i < plan_.runs.size(); ++i) {
    const auto& run = plan_.runs[i];
    if (resultProblem(outDir_, run, manager_).empty()) {
      auto& record = records_[i];
      record.status = RunStatus::Done;
      if (const auto it = previous.find(run.id); it != previous.end()) {
        record.wallSeconds = it->second.wallSeconds;
        record.peakMemoryMb = it->second.peakMemoryMb;
        record.worker = it->second.worker;
      }
      ++kept_;
    } else {
      todo_.push_back(i);
    }
  }
  std::stable_sort(todo_.begin(), todo_.end(), [&](std::size_t a, std::size_t b) {
    return plan_.runs[a].inputBytes > plan_.runs[b].inputBytes;
  });
  write(true);
  std::fprintf(stderr, "[batch] %zu run%s: %zu to make, %zu kept from an earlier batch\n",
               plan_.runs.size(), plan_.runs.size() == 1 ? "" : "s", todo_.size(), kept_);
}

void BatchLedger::started(std::size_t index) {
  records_[index] = RunRecord{};
  records_[index].status = RunStatus::Running;
}

void BatchLedger::finished(std::size_t index, RunOutcome outcome) {
  const auto& run = plan_.runs[index];
  if (outcome.status == RunStatus::Done)
    if (const auto problem = resultProblem(outDir_, run, manager_); !problem.empty()) {
      outcome.status = RunStatus::Failed;
      outcome.error = "the run ended well but its result is not usable: " + problem;
    }
  auto& record = records_[index];
  record.status = outcome.status;
  record.error = outcome.error;
  record.wallSeconds = outcome.wallSeconds;
  record.peakMemoryMb = outcome.peakMemoryMb;
  record.worker = outcome.worker;
  ++finishedHere_;
  write();
  const auto c = counts();
  std::fprintf(stderr, "[batch] %zu done, %zu failed, %zu remaining, ETA %s  %s: %s%s%s\n", c.done,
               c.failed, c.remaining, clock(c.etaSeconds).c_str(), run.id.c_str(),
               statusName(record.status), record.error.empty() ? "" : ": ", record.error.c_str());
}

BatchCounts BatchLedger::counts() const {
  BatchCounts c;
  for (const auto& record : records_) {
    if (record.status == RunStatus::Done)
      ++c.done;
    else if (isFailure(record.status))
      ++c.failed;
    else
      ++c.remaining;
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (c.remaining == 0)
    c.etaSeconds = 0;
  else if (finishedHere_ > 0)
    c.etaSeconds = elapsed / static_cast<double>(finishedHere_) * static_cast<double>(c.remaining);
  return c;
}

void BatchLedger::write(bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - lastWrite_ < 10 * lastWriteTook_) {
    writePending_ = true;
    return;
  }
  try {
    writeIndex(outDir_, plan_, records_, counts());
  } catch (const io::FileError& error) {
    if (force && finishedHere_ == 0) throw;  // the first write: the folder is not writable
    std::fprintf(stderr, "[batch] warning: cannot write the index: %s\n", error.what());
  }
  lastWrite_ = std::chrono::steady_clock::now();
  lastWriteTook_ = lastWrite_ - now;
  writePending_ = false;
}

void BatchLedger::tick() {
  if (writePending_) write();
}

int BatchLedger::finish() {
  write(true);
  const auto c = counts();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "[batch] finished in %s: %zu done, %zu failed, %zu not run; index: %s\n",
               clock(elapsed).c_str(), c.done, c.failed, c.remaining,
               (outDir_ / kIndexCsv).string().c_str());
  return c.done == plan_.runs.size() ? kOk : kPluginFailed;
}

}  // namespace nl::cli
