#include "io/ChildProcess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace nl::io {

ChildProcess::ChildProcess(const ChildOptions& options) {
  if (options.arguments.empty()) throw std::runtime_error("cannot start a process: no program");
  int pipeFds[2] = {-1, -1};
  if (options.pipeStderr && ::pipe2(pipeFds, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("cannot start a process: ") + std::strerror(errno));
  // Everything the child needs is prepared before fork: after it, a
  // multi-threaded parent's child may only make async-signal-safe calls.
  std::vector<char*> argv, envp;
  for (const auto& a : options.arguments) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  if (options.environment) {
    for (const auto& e : *options.environment) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
  }
  char* const* childEnvironment = options.environment ? envp.data() : environ;
  const rlimit memory{options.memoryCapBytes, options.memoryCapBytes};
  const rlimit noCore{0, 0};
  const pid_t parent = ::getpid();
  const int outputFd = options.outputFd;
  const bool pipeStderr = options.pipeStderr;

  pid_ = ::fork();
  if (pid_ < 0) {
    const int error = errno;
    if (pipeStderr) {
      ::close(pipeFds[0]);
      ::close(pipeFds[1]);
    }
    throw std::runtime_error(std::string("cannot start a process: ") + std::strerror(error));
  }
  if (pid_ == 0) {
    ::setpgid(0, 0);  // its own group: stopping it stops what it started
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (options.memoryCapBytes > 0) ::setrlimit(RLIMIT_AS, &memory);
    ::setrlimit(RLIMIT_CORE, &noCore);
    const int devNull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devNull >= 0) ::dup2(devNull, STDIN_FILENO);
    const int out = outputFd >= 0 ? outputFd : devNull;
    if (out >= 0) {
      ::dup2(out, STDOUT_FILENO);
      ::dup2(out, STDERR_FILENO);
    }
    if (pipeStderr) ::dup2(pipeFds[1], STDERR_FILENO);
    ::execve(argv[0], argv.data(), childEnvironment);
    static const char message[] = "error: cannot start the process (execve failed)\n";
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, message, sizeof message - 1);
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);  // also here: no race with the first signal
  if (pipeStderr) {
    ::close(pipeFds[1]);
    stderr_ = pipeFds[0];
  }
}

ChildProcess::~ChildProcess() {
  if (stderr_ >= 0) ::close(stderr_);
  if (pid_ > 0 && !status_) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);  // in case it left its group
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

std::optional<int> ChildProcess::poll() {
  if (status_) return status_;
  int status = 0;
  rusage usage{};
  if (::wait4(pid_, &status, WNOHANG, &usage) == pid_) {
    status_ = status;
    peakKilobytes_ = usage.ru_maxrss;
  }
  return status_;
}

int ChildProcess::wait() {
  while (!status_) {
    int status = 0;
    rusage usage{};
    const pid_t done = ::wait4(pid_, &status, 0, &usage);
    if (done == pid_) {
      status_ = status;
      peakKilobytes_ = usage.ru_maxrss;
    } else if (done < 0 && errno != EINTR) {
      status_ = 0;  // reaped elsewhere: nothing more to learn
    }
  }
  return *status_;
}

void ChildProcess::signal(int signal) const {
  if (pid_ > 0 && !status_) ::kill(-pid_, signal);
}

std::vector<std::string> ChildProcess::readLines(std::chrono::milliseconds timeout) {
  std::vector<std::string> lines;
  if (stderr_ < 0) return lines;
  pollfd fd{stderr_, POLLIN, 0};
  if (::poll(&fd, 1, static_cast<int>(timeout.count())) <= 0) return lines;
  char buffer[4096];
  const ssize_t n = ::read(stderr_, buffer, sizeof buffer);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return lines;
  if (n <= 0) {
    ::close(stderr_);
    stderr_ = -1;
    if (!partial_.empty()) lines.push_back(std::move(partial_));
    partial_.clear();
    return lines;
  }
  partial_.append(buffer, static_cast<std::size_t>(n));
  std::size_t start = 0;
  for (auto end = partial_.find('\n'); end != std::string::npos; end = partial_.find('\n', start)) {
    lines.push_back(partial_.substr(start, end - start));
    start = end + 1;
  }
  partial_.erase(0, start);
  if (partial_.size() > 65536) partial_.erase(0, partial_.size() - 65536);  // a runaway line
  return lines;
}

std::string signalName(int signal) {
  const char* abbreviation = ::sigabbrev_np(signal);
  return abbreviation != nullptr ? std::string("SIG") + abbreviation
                                 : "signal " + std::to_string(signal);
}

std::string signalMeaning(int signal) {
  switch (signal) {
    case SIGSEGV:
      return "a segmentation fault";
    case SIGABRT:
      return "an abort";
    case SIGBUS:
      return "a bus error";
    case SIGFPE:
      return "an arithmetic fault";
    case SIGILL:
      return "an illegal instruction";
    default:
      return signalName(signal);
  }
}

}  // namespace nl::io
