#include "analysis/rsa/Parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "io/Threads.h"

namespace nl::analysis::rsa {

int resolveThreadCount(int requested) {
  if (requested > 0) return requested;
  return io::workerThreadCount();  // the app's one setting (io/Threads.h)
}

void parallelFor(std::size_t count, int threads, const std::function<void(std::size_t)>& body,
                 Progress& progress, const std::string& message) {
  progress.checkCancel();
  if (count == 0) return;
  const auto workerCount = static_cast<std::size_t>(
      std::min<std::size_t>(static_cast<std::size_t>(resolveThreadCount(threads)), count));

  if (workerCount == 1) {
    // No thread to start (e.g. nested inside another parallelFor's item).
    for (std::size_t item = 0; item < count; ++item) {
      body(item);
      progress.update(static_cast<double>(item + 1) / static_cast<double>(count), message);
      progress.checkCancel();
    }
    return;
  }

  std::atomic<std::size_t> nextItem{0};
  std::atomic<std::size_t> finishedItems{0};
  std::atomic<bool> stop{false};
  std::exception_ptr firstError;
  std::mutex mutex;
  std::condition_variable wake;
  std::size_t runningWorkers = workerCount;

  auto work = [&] {
    while (!stop.load(std::memory_order_relaxed)) {
      const std::size_t item = nextItem.fetch_add(1);
      if (item >= count) break;
      try {
        body(item);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!firstError) firstError = std::current_exception();
        stop = true;
      }
      finishedItems.fetch_add(1);
    }
    std::lock_guard lock(mutex);
    --runningWorkers;
    wake.notify_all();
  };

  std::vector<std::thread> workers;
  workers.reserve(workerCount);
  for (std::size_t i = 0; i < workerCount; ++i) workers.emplace_back(work);

  bool cancelled = false;
  {
    std::unique_lock lock(mutex);
    while (runningWorkers > 0) {
      wake.wait_for(lock, std::chrono::milliseconds(50));
      lock.unlock();
      progress.update(static_cast<double>(finishedItems.load()) / static_cast<double>(count),
                      message);
      if (!cancelled && progress.cancelRequested()) {
        cancelled = true;
        stop = true;
      }
      lock.lock();
    }
  }
  for (auto& worker : workers) worker.join();
  if (firstError) std::rethrow_exception(firstError);
  if (cancelled) throw Cancelled();
}

}  // namespace nl::analysis::rsa
