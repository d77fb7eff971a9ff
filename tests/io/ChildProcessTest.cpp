// io::ChildProcess, the one way the project starts processes (HDF5 probe,
// plugin workers, batch runs): exit status, stderr lines through the pipe,
// output to a log file, the address-space cap, the environment, signals to
// the whole process group, and cleanup when the object goes away.
#include "io/ChildProcess.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/TestSupport.h"

namespace {

using nl::io::ChildOptions;
using nl::io::ChildProcess;
using namespace std::chrono_literals;

ChildOptions shell(const std::string& script) {
  ChildOptions options;
  options.arguments = {"/bin/sh", "-c", script};
  return options;
}

// All stderr lines until the pipe closes (bounded: 10 s).
std::vector<std::string> allLines(ChildProcess& child) {
  std::vector<std::string> lines;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!child.outputClosed() && std::chrono::steady_clock::now() < deadline)
    for (auto& line : child.readLines(100ms)) lines.push_back(std::move(line));
  return lines;
}

bool alive(pid_t pid) {
  return ::kill(pid, 0) == 0;
}

TEST(ChildProcess, ExitStatusAndStderrLinesComeBack) {
  auto options = shell("echo first >&2; echo hidden; printf 'last' >&2; exit 3");
  options.pipeStderr = true;
  ChildProcess child(options);
  const auto lines = allLines(child);
  EXPECT_EQ(lines, (std::vector<std::string>{"first", "last"}));  // stdout is /dev/null
  const int status = child.wait();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);
}

TEST(ChildProcess, OutputGoesToTheGivenFile) {
  nl::test::TempDir dir;
  const auto log = dir.path() / "run.log";
  std::FILE* file = std::fopen(log.c_str(), "w");
  ASSERT_NE(file, nullptr);
  auto options = shell("echo out; echo err >&2; read line || echo no-input");
  options.outputFd = ::fileno(file);
  ChildProcess child(options);
  std::fclose(file);
  EXPECT_EQ(child.wait(), 0);
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "out\nerr\nno-input\n");  // stdin is /dev/null
}

TEST(ChildProcess, MemoryCapAndEnvironmentApply) {
  auto options = shell("ulimit -v >&2; echo \"$ONLY_HERE\" >&2; ulimit -c >&2");
  options.pipeStderr = true;
  options.memoryCapBytes = std::uint64_t{512} << 20;
  options.environment = std::vector<std::string>{"ONLY_HERE=yes", "PATH=/usr/bin:/bin"};
  ChildProcess child(options);
  EXPECT_EQ(allLines(child), (std::vector<std::string>{"524288", "yes", "0"}));
  EXPECT_EQ(child.wait(), 0);
}

TEST(ChildProcess, ProgramThatCannotStartExitsWith127) {
  ChildOptions options;
  options.arguments = {"/nonexistent/program"};
  options.pipeStderr = true;
  ChildProcess child(options);
  const auto lines = allLines(child);
  const int status = child.wait();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 127);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("execve failed"), std::string::npos);
}

TEST(ChildProcess, SignalReachesWhatTheChildStarted) {
  // The child starts a grandchild and reports its pid; a signal to the child
  // stops both (process group), so no orphan keeps running.
  auto options = shell("sleep 30 & echo $! >&2; wait");
  options.pipeStderr = true;
  ChildProcess child(options);
  std::vector<std::string> lines;
  for (int i = 0; i < 100 && lines.empty(); ++i) lines = child.readLines(100ms);
  ASSERT_EQ(lines.size(), 1u);
  const pid_t grandchild = std::stoi(lines.front());
  EXPECT_TRUE(alive(grandchild));
  child.signal(SIGTERM);
  const int status = child.wait();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
  for (int i = 0; i < 100 && alive(grandchild); ++i) std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(alive(grandchild));
}

TEST(ChildProcess, DestructorKillsAndReapsARunningChild) {
  pid_t pid = -1;
  {
    ChildProcess child(shell("sleep 30"));
    pid = child.pid();
    EXPECT_FALSE(child.poll().has_value());
  }
  // Reaped, not a zombie: the pid is gone.
  EXPECT_FALSE(alive(pid));
}

TEST(ChildProcess, PeakMemoryIsKnownAfterTheEnd) {
  ChildProcess child(shell("exit 0"));
  child.wait();
  EXPECT_GT(child.peakKilobytes(), 0);
}

TEST(ChildProcess, SignalNamesAndMeanings) {
  EXPECT_EQ(nl::io::signalName(SIGSEGV), "SIGSEGV");
  EXPECT_EQ(nl::io::signalName(SIGKILL), "SIGKILL");
  EXPECT_EQ(nl::io::signalMeaning(SIGSEGV), "a segmentation fault");
  EXPECT_EQ(nl::io::signalMeaning(SIGABRT), "an abort");
  EXPECT_EQ(nl::io::signalMeaning(SIGTERM), "SIGTERM");
  EXPECT_EQ(nl::io::signalName(0), "signal 0");
}

}  // namespace
