#include "app/cli/BatchChild.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

#include "app/cli/ExitCodes.h"

extern char** environ;

namespace nl::cli {

namespace {

constexpr std::array<std::pair<RunStatus, const char*>, 8> kStatusNames{{
    {RunStatus::Pending, "pending"},
    {RunStatus::Running, "running"},
    {RunStatus::Done, "done"},
    {RunStatus::Failed, "failed"},
    {RunStatus::Timeout, "timeout"},
    {RunStatus::OutOfMemory, "out_of_memory"},
    {RunStatus::Crashed, "crashed"},
    {RunStatus::Interrupted, "interrupted"},
}};

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string formatSeconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", seconds);
  return text;
}

}  // namespace

const char* statusName(RunStatus status) {
  for (const auto& [s, name] : kStatusNames)
    if (s == status) return name;
  return "unknown";
}

std::optional<RunStatus> statusFromName(const std::string& name) {
  for (const auto& [s, text] : kStatusNames)
    if (name == text) return s;
  return std::nullopt;
}

bool isFailure(RunStatus status) {
  return status == RunStatus::Failed || status == RunStatus::Timeout ||
         status == RunStatus::OutOfMemory || status == RunStatus::Crashed;
}

std::filesystem::path resultPath(const std::filesystem::path& outDir, const std::string& runId) {
  return outDir / (runId + ".h5");
}

std::filesystem::path logPath(const std::filesystem::path& outDir, const std::string& runId) {
  return outDir / "logs" / (runId + ".log");
}

std::string errorFromLog(const std::filesystem::path& log) {
  std::ifstream in(log);
  std::string line, lastError, lastLine;
  while (std::getline(in, line)) {
    if (line.starts_with("error: ")) lastError = line.substr(7);
    if (line.find_first_not_of(" \t\r") != std::string::npos) lastLine = line;
  }
  std::string text = lastError.empty() ? lastLine : lastError;
  if (text.size() > 500) text = text.substr(0, 497) + "...";
  return text;
}

ChildPool::ChildPool(std::filesystem::path outDir, ChildLimits limits)
    : outDir_(std::move(outDir)), limits_(limits) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  executable_ = ec ? "/proc/self/exe" : self.string();
  std::filesystem::create_directories(outDir_ / "logs", ec);
}

ChildPool::~ChildPool() = default;  // each ChildProcess kills and reaps its own

void ChildPool::start(std::size_t key, const PlannedRun& run) {
  Child child;
  child.key = key;
  child.runId = run.id;
  child.started = std::chrono::steady_clock::now();

  std::vector<std::string> args{executable_, "run", run.pluginId,
                                "--out=" + resultPath(outDir_, run.id).string()};
  for (const auto& [port, path] : run.inputs) args.push_back("--input=" + port + "=" + path);
  for (const auto& [name, value] : run.parameters) args.push_back("--param=" + name + "=" + value);
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e)
    if (!std::string_view(*e).starts_with("NEUROLOUPE_THREADS=")) env.emplace_back(*e);
  env.push_back("NEUROLOUPE_THREADS=" + std::to_string(std::max(1, limits_.threads)));

  const auto log = logPath(outDir_, run.id);
  const int logFd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (logFd < 0) {
    child.startError = "cannot open the log " + log.string() + ": " + std::strerror(errno);
    children_.push_back(std::move(child));
    return;
  }
  try {
    child.process = std::make_unique<io::ChildProcess>(
        io::ChildOptions{std::move(args), std::move(env), limits_.memoryCapMb << 20, logFd, false});
  } catch (const std::runtime_error& error) {
    child.startError = error.what();
  }
  ::close(logFd);
  children_.push_back(std::move(child));
}

RunOutcome ChildPool::outcomeOf(const Child& child, int status, double peakMb,
                                bool stopping) const {
  RunOutcome outcome;
  outcome.worker = limits_.workerName;
  outcome.wallSeconds = secondsSince(child.started);
  outcome.peakMemoryMb = peakMb;
  const auto log = logPath(outDir_, child.runId);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    outcome.status = RunStatus::Done;
    return outcome;
  }
  if (child.why == Child::Why::Interrupt || stopping) {
    outcome.status = RunStatus::Interrupted;
    outcome.error = "interrupted: the batch was stopped";
  } else if (child.why == Child::Why::Timeout) {
    outcome.status = RunStatus::Timeout;
    outcome.error = "no result after the timeout of " + formatSeconds(limits_.timeoutSeconds) +
                    " s" +
                    (WIFSIGNALED(status) ? " (" + io::signalName(WTERMSIG(status)) + ")" : "");
  } else if (WIFEXITED(status)) {
    outcome.status =
        WEXITSTATUS(status) == kOutOfMemory ? RunStatus::OutOfMemory : RunStatus::Failed;
    outcome.error = errorFromLog(log);
    if (outcome.error.empty())
      outcome.error = "exited with code " + std::to_string(WEXITSTATUS(status));
    if (outcome.status == RunStatus::OutOfMemory && limits_.memoryCapMb != 0)
      outcome.error += " (memory cap " + std::to_string(limits_.memoryCapMb) + " MB)";
  } else if (WIFSIGNALED(status)) {
    outcome.status = RunStatus::Crashed;
    outcome.error = "killed by " + io::signalName(WTERMSIG(status)) + " (" +
                    ::strsignal(WTERMSIG(status)) + ")";
    if (WTERMSIG(status) == SIGKILL)
      outcome.error += " (killed from outside; the kernel's out-of-memory killer?)";
  }
  return outcome;
}

std::vector<std::pair<std::size_t, RunOutcome>> ChildPool::poll(bool stopping) {
  std::vector<std::pair<std::size_t, RunOutcome>> ended;
  const auto now = std::chrono::steady_clock::now();
  for (auto it = children_.begin(); it != children_.end();) {
    auto& child = *it;
    if (!child.startError.empty()) {
      RunOutcome outcome;
      outcome.worker = limits_.workerName;
      outcome.error = child.startError;
      ended.emplace_back(child.key, std::move(outcome));
      it = children_.erase(it);
      continue;
    }
    if (const auto status = child.process->poll()) {
      ended.emplace_back(
          child.key,
          outcomeOf(child, *status, static_cast<double>(child.process->peakKilobytes()) / 1024.0,
                    stopping));
      it = children_.erase(it);
      continue;
    }
    if (!child.terminated && limits_.timeoutSeconds > 0 &&
        secondsSince(child.started) > limits_.timeoutSeconds) {
      child.why = Child::Why::Timeout;
      child.terminated = true;
      child.killAt = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                               std::chrono::duration<double>(limits_.graceSeconds));
      child.process->signal(SIGTERM);
    } else if (child.terminated && now >= child.killAt) {
      child.process->signal(SIGKILL);
    }
    ++it;
  }
  return ended;
}

void ChildPool::interrupt() {
  const auto killAt = std::chrono::steady_clock::now() +
                      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                          std::chrono::duration<double>(limits_.graceSeconds));
  for (auto& child : children_) {
    if (child.why == Child::Why::Interrupt) continue;
    child.why = Child::Why::Interrupt;
    if (child.process) child.process->signal(SIGTERM);
    if (!child.terminated) child.killAt = killAt;
    child.terminated = true;
  }
}

}  // namespace nl::cli
