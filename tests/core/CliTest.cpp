#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "TestSupport.h"
#include "io/ReaderRegistry.h"

namespace {

struct Run {
  int exitCode = -1;
  std::string out;
};

// Runs neuroloupe-cli with `arguments` (shell-quoted by the caller), stdout captured.
Run cli(const std::string& arguments,
        const std::string& environment = "env -u NEUROLOUPE_PLUGIN_PATH") {
  const std::string command =
      environment + " '" + std::string(NEUROLOUPE_CLI) + "' " + arguments + " 2>/dev/null";
  Run run;
  FILE* pipe = popen(command.c_str(), "r");
  std::array<char, 4096> buffer{};
  while (pipe && fgets(buffer.data(), buffer.size(), pipe)) run.out += buffer.data();
  const int status = pipe ? pclose(pipe) : -1;
  run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string quoted(const std::filesystem::path& path) {
  return "'" + path.string() + "'";
}

}  // namespace

TEST(Cli, VersionInfoAndUsageErrors) {
  const auto version = cli("--version");
  EXPECT_EQ(version.exitCode, 0);
  EXPECT_NE(version.out.find("neuroloupe-cli 0."), std::string::npos);
  EXPECT_NE(version.out.find("HDF5"), std::string::npos);
  EXPECT_EQ(cli("info").exitCode, 2);
  EXPECT_EQ(cli("frobnicate").exitCode, 2);
  EXPECT_EQ(cli("info /no/such/file.h5").exitCode, 3);
  nl::test::TempDir dir;
  nl::test::writeBytes(dir / "bad.npy", "\x93NUMPY\x01\x00\x05\x00{'de");
  EXPECT_EQ(cli("info " + quoted(dir / "bad.npy")).exitCode, 3);
}

TEST(Cli, InfoJsonDescribesAFile) {
  nl::test::TempDir dir;
  nl::test::writeBytes(dir / "t.csv", "area,rate\nVISp,1.5\nCA1,2\n");
  const auto run = cli("info --json " + quoted(dir / "t.csv"));
  ASSERT_EQ(run.exitCode, 0);
  const auto json = nlohmann::json::parse(run.out);
  EXPECT_EQ(json["reader"], "CSV/TSV");
  EXPECT_EQ(json["datasets"][0]["kind"], "Table");
  EXPECT_EQ(json["datasets"][0]["rows"], 2);
}

TEST(Cli, PluginsJsonListsSchemasAndFailures) {
  const auto run = cli("plugins --json",
                       std::string("NEUROLOUPE_PLUGIN_PATH='") + NEUROLOUPE_TEST_PLUGIN_DIR + "'");
  ASSERT_EQ(run.exitCode, 0);
  const auto json = nlohmann::json::parse(run.out);
  bool stats = false, mismatch = false;
  for (const auto& p : json) {
    if (p["id"] == "stats.descriptive") {
      stats = p["loaded"].get<bool>();
      EXPECT_EQ(p["parameters"].size(), 3u);
    }
    if (p["id"] == "test.api_mismatch")
      mismatch = !p["loaded"].get<bool>() && !p["failure"].get<std::string>().empty();
  }
  EXPECT_TRUE(stats) << "the installed built-in plugin must be found next to the binary";
  EXPECT_TRUE(mismatch);
}

TEST(Cli, RunWritesAResultFileAndReportsJson) {
  nl::test::TempDir dir;
  nl::test::writeBytes(dir / "m.csv", "1,10\n2,20\n3,30\n4,40\n");
  const auto out = dir / "result.h5";
  const auto run = cli("run stats.descriptive --input data=" + quoted(dir / "m.csv") +
                       " --lower_quantile 0.1 --out " + quoted(out) + " --json");
  ASSERT_EQ(run.exitCode, 0) << run.out;
  const auto json = nlohmann::json::parse(run.out);
  EXPECT_EQ(json["outputs"]["summary"]["kind"], "Table");
  EXPECT_EQ(json["outputs"]["summary"]["shape"][0], 2);
  EXPECT_EQ(json["outputs"]["summary"]["columns"]["mean"][1], 25.0);
  EXPECT_EQ(json["outputs"]["summary"]["columns"]["q10"][0], 1.3);
  const auto contents = nl::io::ReaderRegistry::builtin().open(out);
  EXPECT_EQ(contents.metadata["plugin_id"], "stats.descriptive");
  EXPECT_EQ(contents.datasets.front()->provenance().pluginId, "stats.descriptive");

  EXPECT_EQ(cli("run stats.descriptive --input data=" + quoted(dir / "m.csv") +
                " --param lower_quantile=2 --out " + quoted(out))
                .exitCode,
            2);
  EXPECT_EQ(cli("run stats.descriptive --input data=" + quoted(dir / "m.csv") +
                " --nonsense 1 --out " + quoted(out))
                .exitCode,
            2);
  EXPECT_EQ(cli("run stats.descriptive --input data=" + quoted(dir / "none.csv") + " --out " +
                quoted(out))
                .exitCode,
            3);
  EXPECT_EQ(cli("run no.such.plugin --out " + quoted(out)).exitCode, 2);
  EXPECT_EQ(cli("run test.throwing --out " + quoted(out),
                std::string("NEUROLOUPE_PLUGIN_PATH='") + NEUROLOUPE_TEST_PLUGIN_DIR + "'")
                .exitCode,
            4);
}

TEST(Cli, ResultFileIsReadableByH5py) {
  if (std::system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") != 0)
    GTEST_SKIP()
        << "Debian's python3-h5py is not installed; skipping the h5py interoperability check";
  nl::test::TempDir dir;
  nl::test::writeBytes(dir / "m.csv", "1,10\n2,20\n");
  const auto out = dir / "result.h5";
  ASSERT_EQ(
      cli("run stats.descriptive --input data=" + quoted(dir / "m.csv") + " --out " + quoted(out))
          .exitCode,
      0);
  const std::string script =
      "import h5py, json, sys; f = h5py.File(sys.argv[1], 'r'); "
      "m = f['outputs/summary/columns/mean'][()]; "
      "p = f.attrs['plugin_id']; p = p.decode() if isinstance(p, bytes) else p; "
      "q = json.loads(f['outputs/summary'].attrs['parameters']); "
      "sys.exit(0 if abs(m[0] - 1.5) < 1e-12 and abs(m[1] - 15) < 1e-12 and p == "
      "'stats.descriptive' and q['axis'] == 'columns' else 1)";
  EXPECT_EQ(std::system(("/usr/bin/python3 -c \"" + script + "\" " + quoted(out)).c_str()), 0);
}
