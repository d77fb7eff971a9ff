#include "io/hdf5/MetadataProbe.h"

#include <dlfcn.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "io/ChildProcess.h"
#include "io/Error.h"
#include "io/ResourceLimits.h"
#include "io/hdf5/H5.h"

namespace nl::io::h5 {

namespace {

// NEUROLOUPE_HDF5_PROBE_TIMEOUT_S overrides (slow network file systems).
std::chrono::duration<double> timeLimit() {
  if (const char* text = std::getenv("NEUROLOUPE_HDF5_PROBE_TIMEOUT_S")) {
    char* end = nullptr;
    const double seconds = std::strtod(text, &end);
    if (end != text && seconds > 0 && seconds < 1e6) return std::chrono::duration<double>(seconds);
  }
  return std::chrono::seconds(20);
}
constexpr std::uint64_t kMemoryCap = std::uint64_t{2} << 30;  // metadata never needs more

using FileVersion = std::tuple<dev_t, ino_t, off_t, std::int64_t>;

std::mutex& probedMutex() {
  static std::mutex mutex;
  return mutex;
}
// Verdicts so far: empty when the probe walked the file, else the error.
// Failures are kept too: readers that try a file after another reader
// refused it must not wait for the probe's time limit again. Bounded in
// bytes (ResourceLimits::hdf5ProbeVerdictCacheBytes): the oldest verdicts
// go first, and a file whose verdict went is probed again.
struct Verdicts {
  std::map<FileVersion, std::string> files;
  std::deque<FileVersion> order;  // oldest first
  std::size_t bytes = 0;
};
Verdicts& probed() {
  static Verdicts verdicts;
  return verdicts;
}
// Probes running now, by file: a second caller waits for the first's verdict.
std::map<FileVersion, std::shared_future<void>>& running() {
  static std::map<FileVersion, std::shared_future<void>> probes;
  return probes;
}

std::optional<FileVersion> versionOf(const std::filesystem::path& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0 || !S_ISREG(status.st_mode)) return std::nullopt;
  return FileVersion{status.st_dev, status.st_ino, status.st_size,
                     std::int64_t{status.st_mtim.tv_sec} * 1000000000 + status.st_mtim.tv_nsec};
}

std::size_t verdictCost(const std::string& verdict) {
  return sizeof(FileVersion) + verdict.size() + 64;  // + the map's and the queue's bookkeeping
}

void remember(const FileVersion& version, std::string verdict) {
  const std::size_t limit = resourceLimits().hdf5ProbeVerdictCacheBytes;
  std::lock_guard lock(probedMutex());
  Verdicts& v = probed();
  if (const auto old = v.files.find(version); old != v.files.end()) {
    v.bytes -= verdictCost(old->second);
    v.files.erase(old);
    std::erase(v.order, version);
  }
  const std::size_t cost = verdictCost(verdict);
  if (cost > limit) return;
  while (v.bytes + cost > limit && !v.order.empty()) {
    const auto oldest = v.files.find(v.order.front());
    v.bytes -= verdictCost(oldest->second);
    v.files.erase(oldest);
    v.order.pop_front();
  }
  v.files.emplace(version, std::move(verdict));
  v.order.push_back(version);
  v.bytes += cost;
}

}  // namespace

ProbeVerdictCacheStats probeVerdictCacheStats() {
  std::lock_guard lock(probedMutex());
  return {probed().files.size(), probed().bytes};
}

std::filesystem::path probeProgram() {
  if (const char* configured = std::getenv("NEUROLOUPE_HDF5_PROBE")) {
    if (std::strcmp(configured, "off") == 0) return {};
    if (*configured != '\0') return configured;
  }
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&probeMetadata), &info) == 0 || info.dli_fname == nullptr)
    return {};
  std::error_code ec;
  const auto candidate = std::filesystem::path(info.dli_fname).parent_path() / "neuroloupe-h5probe";
  return std::filesystem::is_regular_file(candidate, ec) ? candidate : std::filesystem::path();
}

void probeMetadata(const std::filesystem::path& path) {
  const auto found = versionOf(path);
  if (!found) return;
  const FileVersion version = *found;
  const std::filesystem::path program = probeProgram();
  if (program.empty()) return;
  std::promise<void> finished;
  while (true) {
    std::unique_lock lock(probedMutex());
    if (const auto known = probed().files.find(version); known != probed().files.end()) {
      if (known->second.empty()) return;
      throw FileError(path, known->second);
    }
    if (const auto other = running().find(version); other != running().end()) {
      const std::shared_future<void> verdict = other->second;
      lock.unlock();
      verdict.wait();
      continue;  // its verdict is known now (or it could not probe: try here)
    }
    running().emplace(version, finished.get_future().share());
    break;
  }
  // However this ends, callers waiting for this probe go on.
  struct Release {
    const FileVersion& version;
    std::promise<void>& finished;
    ~Release() {
      {
        std::lock_guard lock(probedMutex());
        running().erase(version);
      }
      finished.set_value();
    }
  } release{version, finished};

  std::optional<ChildProcess> probe;
  try {
    probe.emplace(
        ChildOptions{{program.string(), path.string()}, std::nullopt, kMemoryCap, -1, false});
  } catch (const std::runtime_error&) {
    return;  // cannot probe (no processes left?): open as before
  }

  const auto started = std::chrono::steady_clock::now();
  int waitStatus = 0;
  auto pause = std::chrono::microseconds(200);
  while (true) {
    if (const auto ended = probe->poll()) {
      waitStatus = *ended;
      break;
    }
    if (const auto limit = timeLimit(); std::chrono::steady_clock::now() - started > limit) {
      probe->signal(SIGKILL);
      probe->wait();
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%g", limit.count());
      throw FileError(path,
                      std::string("libhdf5 did not finish reading this file's metadata within ") +
                          seconds + " s (a loop in a corrupted file?); it was not opened");
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(2000));
  }
  if (WIFSIGNALED(waitStatus)) {
    const std::string verdict = "is corrupted: libhdf5 crashes reading its metadata (" +
                                signalMeaning(WTERMSIG(waitStatus)) +
                                " in a separate probe process); it was not opened";
    remember(version, verdict);
    throw FileError(path, verdict);
  }
  remember(version, {});
}

ProbeAhead::ProbeAhead(const std::vector<std::filesystem::path>& paths) {
  for (const auto& path : paths) {
    if (!isHdf5File(path)) continue;
    threads_.emplace_back([path] {
      try {
        probeMetadata(path);
      } catch (const std::exception&) {
        // Kept as the file's verdict: its open reports it.
      }
    });
  }
}

ProbeAhead::~ProbeAhead() {
  for (auto& thread : threads_) thread.join();
}

}  // namespace nl::io::h5
