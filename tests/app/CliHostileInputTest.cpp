// neuroloupe-cli against hostile inputs and hostile plugins, as a user (or an
// attacker) would run it: signals during `run`, files that once crashed it or
// gave wrong answers. Exit codes: 3 bad input, 4 plugin failed, 130/143 a run
// ended by SIGINT/SIGTERM (issue #18).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "io/Dataset.h"
#include "io/ReaderRegistry.h"
#include "io/UntrustedInput.h"
#include "tests/support/TestSupport.h"

extern char** environ;

using namespace nl::test;
using nlohmann::json;

namespace {

const std::string kTestPlugins = NEUROLOUPE_TEST_PLUGIN_DIR;
using Clock = std::chrono::steady_clock;

// neuroloupe-cli with `args`, stderr to `errFile`, the test plugins on the path.
class SpawnedCli {
 public:
  SpawnedCli(std::vector<std::string> args, const std::filesystem::path& errFile) {
    args.insert(args.begin(), NEUROLOUPE_CLI);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ScopedEnv env("NEUROLOUPE_PLUGIN_PATH", kTestPlugins);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, errFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    spawned_ = posix_spawn(&pid_, NEUROLOUPE_CLI, &actions, nullptr, argv.data(), environ) == 0;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~SpawnedCli() {
    if (spawned_ && !status_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool spawned() const { return spawned_; }
  void signal(int number) const { kill(pid_, number); }
  // The wait status once the process ended, nullopt after `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    const auto end = Clock::now() + timeout;
    int status = 0;
    while (Clock::now() < end) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) return status_ = status;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return std::nullopt;
  }

 private:
  pid_t pid_ = 0;
  bool spawned_ = false;
  std::optional<int> status_;
};

// Waits (bounded, against hangs) until `file` contains `text`.
bool waitForText(const std::filesystem::path& file, const std::string& text) {
  const auto end = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < end) {
    if (readBytes(file).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

// --- signals during run -----------------------------------------------------

// A plugin that never looks at cancellation: the first signal asks it to stop,
// the grace of 1.5 s passes, the CLI exits with 128 + the signal.
TEST(CliSignals, APluginIgnoringCancelStillEndsTheRunAfterTheGrace) {
  for (const int number : {SIGTERM, SIGINT}) {
    TempDir dir;
    SpawnedCli cli(
        {"run", "test.run_failure", "--mode", "ignore_cancel", "--out", (dir / "r.h5").string()},
        dir / "err.txt");
    ASSERT_TRUE(cli.spawned());
    ASSERT_TRUE(waitForText(dir / "err.txt", "about to fail")) << readBytes(dir / "err.txt");
    const auto sent = Clock::now();
    cli.signal(number);
    const auto status = cli.wait(std::chrono::seconds(20));  // the plugin sleeps 30 s
    ASSERT_TRUE(status) << "signal " << number << " did not end the CLI within 20 s";
    const auto waited = std::chrono::duration<double>(Clock::now() - sent).count();
    ASSERT_TRUE(WIFEXITED(*status)) << "ended by signal " << WTERMSIG(*status);
    EXPECT_EQ(WEXITSTATUS(*status), 128 + number);
    EXPECT_GE(waited, 1.4) << "the plugin was given its grace";
    const auto err = readBytes(dir / "err.txt");
    EXPECT_NE(err.find("did not stop within 1.5 s"), std::string::npos) << err;
    EXPECT_FALSE(std::filesystem::exists(dir / "r.h5"));
  }
}

TEST(CliSignals, ASecondSignalExitsAtOnce) {
  TempDir dir;
  SpawnedCli cli({"run", "test.run_failure", "--mode", "ignore_cancel", "--json"}, dir / "err.txt");
  ASSERT_TRUE(cli.spawned());
  ASSERT_TRUE(waitForText(dir / "err.txt", "about to fail")) << readBytes(dir / "err.txt");
  cli.signal(SIGINT);
  ASSERT_TRUE(waitForText(dir / "err.txt", "cancelling the run")) << readBytes(dir / "err.txt");
  cli.signal(SIGINT);
  const auto status = cli.wait(std::chrono::seconds(20));
  ASSERT_TRUE(status) << "two SIGINTs did not end the CLI within 20 s";
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 130);
  const auto err = readBytes(dir / "err.txt");
  EXPECT_NE(err.find("interrupted again"), std::string::npos) << err;
}

// A plugin that honours cancellation ends as a cancelled run (exit 4), as before.
TEST(CliSignals, SigtermCancelsACooperativePlugin) {
  TempDir dir;
  SpawnedCli cli({"run", "test.slow", "--steps", "100000", "--out", (dir / "r.h5").string()},
                 dir / "err.txt");
  ASSERT_TRUE(cli.spawned());
  ASSERT_TRUE(waitForText(dir / "err.txt", "step 3")) << readBytes(dir / "err.txt");
  cli.signal(SIGTERM);
  const auto status = cli.wait(std::chrono::seconds(20));
  ASSERT_TRUE(status);
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 4);
  EXPECT_NE(readBytes(dir / "err.txt").find("cancelled"), std::string::npos);
}

// --- invalid UTF-8 from files -------------------------------------------------

bool validUtf8(const std::string& text) {
  return nl::io::sanitizeUtf8(text) == text;
}

TEST(CliHostileInput, InvalidUtf8FromAFileBecomesReplacementCharactersInJsonAndResults) {
  TempDir dir;
  const auto csv = dir / "latin1.csv";
  writeBytes(csv, "caf\xe9,na\xefve\xff\n1,2\n3,5\n");  // Latin-1 header, one stray 0xFF
  const auto info = runCli("info --json " + shellQuote(csv));
  ASSERT_EQ(info.exitCode, 0) << info.err;
  const auto parsed = json::parse(info.out, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << info.out;
  EXPECT_NE(info.out.find("caf\xEF\xBF\xBD"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("na\xEF\xBF\xBDve\xEF\xBF\xBD"), std::string::npos) << info.out;

  const auto result = dir / "r.h5";
  const auto run = runCli("run stats.descriptive --input data=" + shellQuote(csv) + " --out " +
                          shellQuote(result) + " --json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_FALSE(json::parse(run.out, nullptr, false).is_discarded()) << run.out;
  EXPECT_TRUE(validUtf8(run.out));
  // Every string in the result file is valid UTF-8 (they are tagged UTF-8).
  const auto contents = nl::io::ReaderRegistry::builtin().open(result);
  ASSERT_FALSE(contents.datasets.empty());
  for (const auto& d : contents.datasets) {
    EXPECT_TRUE(validUtf8(d->name())) << d->name();
    for (const auto& [key, value] : d->attributes()) EXPECT_TRUE(validUtf8(value)) << key;
    EXPECT_TRUE(validUtf8(d->provenance().parametersJson));
    for (const auto& input : d->provenance().inputs) EXPECT_TRUE(validUtf8(input.name));
    if (const auto* table = dynamic_cast<const nl::io::TableDataset*>(d.get()))
      for (const auto& c : table->columns()) {
        EXPECT_TRUE(validUtf8(c.name)) << c.name;
        if (!c.isNumeric()) {
          for (const auto& s : c.strings()) EXPECT_TRUE(validUtf8(s)) << s;
        }
      }
  }
}

TEST(CliHostileInput, Utf8SanitizerReplacesEachMaximalInvalidSubpart) {
  using nl::io::sanitizeUtf8;
  EXPECT_EQ(sanitizeUtf8("plain ✓ Ünïcode"), "plain ✓ Ünïcode");
  EXPECT_EQ(sanitizeUtf8("a\xff"
                         "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(sanitizeUtf8("\xe2\x9c"), "\xEF\xBF\xBD") << "a truncated sequence is one U+FFFD";
  EXPECT_EQ(sanitizeUtf8("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD")
      << "no surrogates";
  EXPECT_EQ(sanitizeUtf8("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD") << "no overlong forms";
  const std::string four = "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD";
  EXPECT_EQ(sanitizeUtf8("\xf4\x90\x80\x80"), four) << "nothing above U+10FFFF";
}

// --- impossible numbers: exit 3, the file and the value named ----------------

TEST(CliHostileInput, PhySampleRateOutOfRangeIsABadInput) {
  TempDir dir;
  const auto phy = dir / "sorting";
  std::filesystem::create_directories(phy);
  writeBytes(phy / "spike_times.npy",
             npyBytes(1, simpleDict("<i8", "(2,)"), rawBytes<std::int64_t>({30, 60})));
  writeBytes(phy / "spike_clusters.npy",
             npyBytes(1, simpleDict("<i4", "(2,)"), rawBytes<std::int32_t>({0, 1})));
  for (const char* rate : {"1e400", "0", "-5", "1e-400", "3e4e5"}) {
    writeBytes(phy / "params.py", std::string("dat_path = 'x.bin'\nsample_rate = ") + rate + "\n");
    const auto info = runCli("info " + shellQuote(phy));
    EXPECT_EQ(info.exitCode, 3) << rate << ": " << info.err;
    EXPECT_NE(info.err.find((phy / "params.py").string()), std::string::npos) << info.err;
    EXPECT_NE(info.err.find(std::string("sample_rate = ") + rate), std::string::npos) << info.err;
  }
  writeBytes(phy / "params.py", "sample_rate = 30000.\n");
  EXPECT_EQ(runCli("info " + shellQuote(phy)).exitCode, 0) << "a real rate still reads";
}

std::string giftiWithOneArray(const std::string& dim0, const std::string& encoding,
                              const std::string& data) {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<GIFTI Version="1.0" NumberOfDataArrays="1">
 <DataArray Intent="NIFTI_INTENT_SHAPE" DataType="NIFTI_TYPE_FLOAT32" ArrayIndexingOrder="RowMajorOrder"
   Dimensionality="1" Dim0=")" +
         dim0 + R"(" Encoding=")" + encoding +
         R"(" Endian="LittleEndian" ExternalFileName="" ExternalFileOffset="">
  <Data>)" +
         data + R"(</Data>
 </DataArray>
</GIFTI>
)";
}

TEST(CliHostileInput, GiftiDimsBeyondItsDataAreABadInputNotBadAlloc) {
  TempDir dir;
  writeBytes(dir / "ok.shape.gii", giftiWithOneArray("3", "ASCII", "1 2 3"));
  const auto ok = runCli("info " + shellQuote(dir / "ok.shape.gii"));
  ASSERT_EQ(ok.exitCode, 0) << ok.err;
  // 10^12 values of ASCII in 5 bytes; of gzip in a few bytes (base64 of a tiny stream).
  writeBytes(dir / "ascii.shape.gii", giftiWithOneArray("1000000000000", "ASCII", "1 2 3"));
  writeBytes(dir / "gzip.shape.gii",
             giftiWithOneArray("1000000000000", "GZipBase64Binary", "eJxjYGBgAAAABAAB"));
  for (const char* name : {"ascii.shape.gii", "gzip.shape.gii"}) {
    const auto info = runCli("info " + shellQuote(dir / name));
    EXPECT_EQ(info.exitCode, 3) << name << ": " << info.err;
    EXPECT_NE(info.err.find((dir / name).string()), std::string::npos) << info.err;
    EXPECT_NE(info.err.find("Dim0=\"1000000000000\""), std::string::npos) << info.err;
    EXPECT_EQ(info.err.find("bad_alloc"), std::string::npos) << info.err;
  }
}

// --- odd names ------------------------------------------------------------

TEST(CliHostileInput, AFileWithDoubleColonsInItsNameOpens) {
  NL_REQUIRE_FIXTURE("nifti/functional.nii");
  TempDir dir;
  const auto odd = dir / "a::b.nii";
  std::filesystem::copy_file(fixtures() / "nifti/functional.nii", odd);
  const auto info = runCli("info --json " + shellQuote(odd));
  ASSERT_EQ(info.exitCode, 0) << info.err;
  EXPECT_EQ(json::parse(info.out)["file"], odd.string());
  // A container whose name has "::", with an internal path after the last.
  writeBytes(dir / "t::1.csv", "x,y\n1,2\n");
  EXPECT_EQ(runCli("info " + shellQuote((dir / "t::1.csv").string() + "::/")).exitCode, 0);
  // Nothing of that name: the error names the file part before the first "::".
  const auto missing = runCli("info " + shellQuote((dir / "nothing::x.nii").string()));
  EXPECT_EQ(missing.exitCode, 3);
  EXPECT_NE(missing.err.find((dir / "nothing").string() + ": file does not exist"),
            std::string::npos)
      << missing.err;
}

TEST(CliHostileInput, AnEmptyFolderNamedZarrIsABadInput) {
  TempDir dir;
  std::filesystem::create_directories(dir / "empty.zarr");
  const auto info = runCli("info " + shellQuote(dir / "empty.zarr"));
  EXPECT_EQ(info.exitCode, 3) << info.out;
  EXPECT_NE(info.err.find("not a zarr store"), std::string::npos) << info.err;
}

}  // namespace
