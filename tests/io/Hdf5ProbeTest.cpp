// The HDF5 metadata probe (io/hdf5/MetadataProbe.h): a file whose metadata
// crash or hang libhdf5 is refused with an error naming it, before this
// process touches it. The probe's verdicts are simulated by stand-in
// programs here; Hdf5CorruptFiles runs the real probe on real corruptions.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <thread>

#include "io/ReaderRegistry.h"
#include "io/ResultFile.h"
#include "io/hdf5/H5.h"
#include "io/hdf5/MetadataProbe.h"
#include "tests/support/TestSupport.h"

using namespace nl;
using namespace nl::test;

namespace {

std::filesystem::path smallHdf5(const TempDir& dir, const std::string& name) {
  const auto path = dir / name;
  auto file = io::h5::File::create(path);
  file.root().writeDoubles("values", std::vector<double>{1.0, 2.0, 3.0}, {3});
  file.close();
  return path;
}

std::filesystem::path script(const TempDir& dir, const std::string& name, const std::string& body) {
  const auto path = dir / name;
  writeBytes(path, "#!/bin/sh\n" + body + "\n");
  ::chmod(path.c_str(), 0755);
  return path;
}

struct ProbeEnvironment {
  explicit ProbeEnvironment(const std::string& program, const char* timeout = nullptr) {
    ::setenv("NEUROLOUPE_HDF5_PROBE", program.c_str(), 1);
    if (timeout) ::setenv("NEUROLOUPE_HDF5_PROBE_TIMEOUT_S", timeout, 1);
  }
  ~ProbeEnvironment() {
    ::unsetenv("NEUROLOUPE_HDF5_PROBE");
    ::unsetenv("NEUROLOUPE_HDF5_PROBE_TIMEOUT_S");
  }
};

}  // namespace

TEST(Hdf5Probe, TheProbeProgramIsBuiltBesideTheLibrary) {
  const auto program = io::h5::probeProgram();
  ASSERT_FALSE(program.empty()) << "neuroloupe-h5probe is missing next to libneuroloupe_io";
  TempDir dir;
  const auto file = smallHdf5(dir, "fine.h5");
  const auto run = runBinary(program.string(), shellQuote(file));
  EXPECT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(runBinary(program.string(), shellQuote(dir / "missing.h5")).exitCode, 1);
}

TEST(Hdf5Probe, AFileThatCrashesTheProbeIsRefusedWithItsName) {
  TempDir dir;
  const auto file = smallHdf5(dir, "crasher.h5");
  ProbeEnvironment crashing(script(dir, "probe.sh", "kill -SEGV $$").string());
  const auto error = fileErrorOf([&] { (void)io::ReaderRegistry::builtin().open(file); });
  ASSERT_TRUE(error);
  const std::string message = error->what();
  EXPECT_NE(message.find("crasher.h5"), std::string::npos) << message;
  EXPECT_NE(message.find("libhdf5 crashes reading its metadata (a segmentation fault"),
            std::string::npos)
      << message;
}

TEST(Hdf5Probe, AProbeThatDoesNotFinishIsStoppedAtItsTimeLimit) {
  TempDir dir;
  const auto file = smallHdf5(dir, "looping.h5");
  ProbeEnvironment hanging(script(dir, "probe.sh", "exec sleep 30").string(), "0.5");
  const auto started = std::chrono::steady_clock::now();
  const auto error = fileErrorOf([&] { (void)io::h5::File::openReadOnly(file); });
  ASSERT_TRUE(error);
  EXPECT_NE(std::string(error->what()).find("within 0.5 s"), std::string::npos) << error->what();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST(Hdf5Probe, AFileLibhdf5MerelyRefusesGetsTheUsualErrorAndAGoodOneIsProbedOnce) {
  TempDir dir;
  const auto file = smallHdf5(dir, "good.h5");
  const auto marker = dir / "probed";
  // Counts its runs, then walks like the real probe would say: fine.
  ProbeEnvironment counting(
      script(dir, "probe.sh", "echo x >> '" + marker.string() + "'").string());
  for (int i = 0; i < 3; ++i) EXPECT_NO_THROW((void)io::h5::File::openReadOnly(file));
  EXPECT_EQ(readBytes(marker), "x\n") << "one probe per version of a file";
  io::h5::File::create(file).root().writeDoubles("other", std::vector<double>{4.0},
                                                 {1});  // a new version
  EXPECT_NO_THROW((void)io::h5::File::openReadOnly(file));
  EXPECT_EQ(readBytes(marker), "x\nx\n");
}

TEST(Hdf5Probe, AProbeStartedAheadIsWaitedForNotRepeated) {
  TempDir dir;
  const auto file = smallHdf5(dir, "ahead.h5");
  const auto other = dir / "notes.txt";
  writeBytes(other, "not an HDF5 file\n");
  const auto marker = dir / "probed";
  // Slow enough that the open below comes while the probe runs.
  ProbeEnvironment counting(
      script(dir, "probe.sh", "echo \"$1\" >> '" + marker.string() + "'; sleep 0.3").string());
  io::h5::ProbeAhead ahead({file, other, dir / "missing.h5"});
  std::thread second([&] { EXPECT_NO_THROW((void)io::h5::File::openReadOnly(file)); });
  EXPECT_NO_THROW((void)io::h5::File::openReadOnly(file));
  second.join();
  EXPECT_EQ(readBytes(marker), file.string() + "\n")
      << "one probe for the file opened twice while probed ahead, none for the others";
}

TEST(Hdf5Probe, AFileThatCrashesAProbeStartedAheadIsRefusedWhenOpened) {
  TempDir dir;
  const auto file = smallHdf5(dir, "crasher-ahead.h5");
  ProbeEnvironment crashing(script(dir, "probe.sh", "sleep 0.2; kill -SEGV $$").string());
  io::h5::ProbeAhead ahead({file});
  const auto error = fileErrorOf([&] { (void)io::h5::File::openReadOnly(file); });
  ASSERT_TRUE(error);
  EXPECT_NE(std::string(error->what()).find("crasher-ahead.h5"), std::string::npos)
      << error->what();
}

// Real corruptions: one byte of a real NWB file changed (found by
// scripts/hdf5_mutants.py). Without the probe (NEUROLOUPE_HDF5_PROBE=off)
// each of these kills `neuroloupe-cli info` inside libhdf5 (SIGSEGV, SIGABRT).
TEST(Hdf5CorruptFiles, OneByteMutantsThatCrashLibhdf5AreRefusedWithTheirName) {
  const auto source = fixtures() / "nwb/A8604-211122.nwb";
  NL_REQUIRE_FIXTURE("nwb/A8604-211122.nwb");
  const std::string original = readBytes(source);
  ASSERT_EQ(original.size(), 442304u) << "the fixture changed: find new mutants";
  TempDir dir;
  for (const auto& [offset, value] :
       std::vector<std::pair<std::size_t, int>>{{190719, 105}, {222929, 26}, {237819, 77}}) {
    std::string bytes = original;
    bytes[offset] = static_cast<char>(value);
    const auto mutant = dir / ("mutant_" + std::to_string(offset) + ".nwb");
    writeBytes(mutant, bytes);
    const auto unguarded = runBinary(NEUROLOUPE_CLI, "info " + shellQuote(mutant));
    // With the guard (the default), the CLI names the file and exits 3.
    EXPECT_EQ(unguarded.exitCode, 3) << offset << ": " << unguarded.err;
    EXPECT_NE(unguarded.err.find("libhdf5 crashes reading its metadata"), std::string::npos)
        << unguarded.err;
    const auto error = fileErrorOf([&] { (void)io::ReaderRegistry::builtin().open(mutant); });
    ASSERT_TRUE(error) << offset;
    EXPECT_NE(std::string(error->what()).find(mutant.filename().string()), std::string::npos);
    // And without it, libhdf5 takes the process down: what the probe is for.
    const auto bare = runBinary("/usr/bin/env", "NEUROLOUPE_HDF5_PROBE=off " +
                                                    shellQuote(std::string(NEUROLOUPE_CLI)) +
                                                    " info " + shellQuote(mutant));
    // (by a signal: SIGSEGV, or SIGABRT from glibc's heap checks)
    EXPECT_TRUE(bare.exitCode == -1 || bare.exitCode > 128)
        << offset << " no longer crashes libhdf5 (exit " << bare.exitCode << "): " << bare.err;
  }
}
