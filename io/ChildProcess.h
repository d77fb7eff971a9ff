#pragma once
// A child process started the one way the project starts processes: the HDF5
// metadata probe (io/hdf5/MetadataProbe), a plugin run in a worker
// (plugins/WorkerRun) and a batch run (app/cli/BatchChild). Everything it
// needs is prepared before fork(), so a multi-threaded parent (the GUI) is
// safe; the child gets its own process group (stopping it stops whatever it
// started), dies with its parent (PR_SET_PDEATHSIG), has no core dumps and,
// optionally, an address-space cap (RLIMIT_AS). POSIX only, no Qt.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nl::io {

struct ChildOptions {
  // arguments[0] is the program, run as given (no PATH search).
  std::vector<std::string> arguments;
  // The child's environment; nullopt: this process's own.
  std::optional<std::vector<std::string>> environment;
  std::uint64_t memoryCapBytes = 0;  // RLIMIT_AS; 0: none
  // stdin is /dev/null. stdout and stderr go to `outputFd` when it is >= 0
  // (a log file the caller opened), else to /dev/null; with `pipeStderr`,
  // stderr comes back through readLines() instead.
  int outputFd = -1;
  bool pipeStderr = false;
};

class ChildProcess {
 public:
  // Throws std::runtime_error ("cannot start a process: …") when fork or
  // pipe fails. An exec failure shows as exit code 127.
  explicit ChildProcess(const ChildOptions& options);
  // A child still running is killed (SIGKILL to its group) and reaped.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The wait status once the child ended (non-blocking), else nullopt.
  std::optional<int> poll();
  // Blocks until the child ends; its wait status.
  int wait();
  // Sends `signal` to the child's process group unless it already ended.
  void signal(int signal) const;
  // Peak resident memory of the child, known once it ended (wait4's rusage).
  long peakKilobytes() const { return peakKilobytes_; }

  // With pipeStderr: waits up to `timeout` for stderr and returns the
  // complete lines that came (the last partial line once the pipe closes).
  std::vector<std::string> readLines(std::chrono::milliseconds timeout);
  bool outputClosed() const { return stderr_ < 0; }

 private:
  pid_t pid_ = -1;
  int stderr_ = -1;
  std::string partial_;
  std::optional<int> status_;
  long peakKilobytes_ = 0;
};

// "SIGSEGV", or "signal 77" for one without a name.
std::string signalName(int signal);
// What the signal means to a user: "a segmentation fault", "an abort", …;
// the name for others ("SIGTERM").
std::string signalMeaning(int signal);

}  // namespace nl::io
