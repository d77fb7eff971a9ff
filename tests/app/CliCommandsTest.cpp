// neuroloupe-cli, run as a user would: exit codes (0 ok, 2 usage, 3 bad
// input, 4 plugin failed, 5 out of memory), JSON output, result files,
// schema-generated flags, cancellation by SIGINT, and interoperability with h5py.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <hdf5.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QElapsedTimer>
#include <nlohmann/json.hpp>
#include <thread>

#include "io/ReaderRegistry.h"
#include "io/ResultFile.h"
#include "tests/support/TestSupport.h"

extern char** environ;

using namespace nl::test;
using nlohmann::json;

namespace {

const std::string kTestPlugins = NEUROLOUPE_TEST_PLUGIN_DIR;

json parseJson(const CliRun& run) {
  const auto parsed = json::parse(run.out, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << run.out << "\nstderr: " << run.err;
  return parsed;
}

std::filesystem::path yCsv() {
  return fixtures() / "biclustering/Y.csv";
}

}  // namespace

TEST(CliBasics, VersionHelpAndUsageErrors) {
  const auto version = runCli("--version");
  EXPECT_EQ(version.exitCode, 0);
  EXPECT_NE(version.out.find(std::string("neuroloupe-cli ") + NEUROLOUPE_VERSION_STRING),
            std::string::npos)
      << version.out;
  EXPECT_NE(version.out.find("Qt 6."), std::string::npos);
  EXPECT_NE(version.out.find("HDF5 1."), std::string::npos);
  EXPECT_EQ(runCli("--help").exitCode, 0);
  EXPECT_EQ(runCli("").exitCode, 2) << "no subcommand prints help and is a usage error";
  const auto noFile = runCli("info");
  EXPECT_EQ(noFile.exitCode, 2);
  EXPECT_NE(noFile.err.find("FILE"), std::string::npos) << noFile.err;
  EXPECT_EQ(runCli("frobnicate").exitCode, 2);
  EXPECT_EQ(runCli("info a.csv b.csv").exitCode, 2);
  EXPECT_EQ(runCli("--no-such-flag").exitCode, 2);
}

TEST(CliInfo, JsonForFilesAndExitCodesForBadOnes) {
  TempDir dir;
  writeBytes(dir / "units.csv", "id,area\n0,VISp\n1,CA1\n2,LP\n");
  // The flag after the file works as well as before it.
  const auto run = runCli("info " + shellQuote(dir / "units.csv") + " --json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  const auto info = parseJson(run);
  EXPECT_EQ(info["file"], (dir / "units.csv").string());
  EXPECT_EQ(info["reader"], "CSV/TSV");
  ASSERT_EQ(info["datasets"].size(), 1u);
  EXPECT_EQ(info["datasets"][0]["kind"], "Table");
  EXPECT_EQ(info["datasets"][0]["rows"], 3);
  EXPECT_EQ(info["datasets"][0]["columns"][1]["type"], "string");
  EXPECT_EQ(info["datasets"][0]["provenance"]["reader"], "CSV/TSV");

  const auto text = runCli("info " + shellQuote(dir / "units.csv"));
  EXPECT_EQ(text.exitCode, 0);
  EXPECT_NE(text.out.find("columns: id area"), std::string::npos) << text.out;

  EXPECT_EQ(runCli("info " + shellQuote(dir / "missing.h5")).exitCode, 3);
  EXPECT_NE(runCli("info " + shellQuote(dir / "missing.h5")).err.find("does not exist"),
            std::string::npos);
  writeBytes(dir / "garbage.h5", std::string("\x89HDF\r\n\x1a\n", 8) + std::string(3000, 'z'));
  EXPECT_EQ(runCli("info " + shellQuote(dir / "garbage.h5") + " --json").exitCode, 3);
  EXPECT_EQ(runCli("info " + shellQuote(dir.path())).exitCode, 3) << "a folder";
  writeBytes(dir / "cut.npy", npyBytes(1, simpleDict("<f8", "(100,)"), std::string(8, '\0')));
  const auto cut = runCli("info " + shellQuote(dir / "cut.npy"));
  EXPECT_EQ(cut.exitCode, 3);
  EXPECT_NE(cut.err.find("truncated"), std::string::npos) << cut.err;
}

TEST(CliInfo, RealFixturesWithInternalPaths) {
  NL_REQUIRE_FIXTURE("nwb/A8604-211122.nwb");
  const auto nwb = fixtures() / "nwb/A8604-211122.nwb";
  const auto one = runCli("info --json " +
                          shellQuote(nwb.string() + "::/general/extracellular_ephys/electrodes/x"));
  ASSERT_EQ(one.exitCode, 0) << one.err;
  const auto info = parseJson(one);
  ASSERT_EQ(info["datasets"].size(), 1u);
  EXPECT_EQ(info["datasets"][0]["shape"], json::parse("[383]"));
  EXPECT_EQ(info["datasets"][0]["dtype"], "float64");
  EXPECT_EQ(info["datasets"][0]["provenance"]["internal_path"],
            "/general/extracellular_ephys/electrodes/x");
  const auto all = parseJson(runCli("info --json " + shellQuote(nwb)));
  EXPECT_EQ(all["reader"], "NWB 2.x");
  EXPECT_EQ(all["metadata"].value("nwb_version", ""), "2.4.0");
  bool electrodes = false;
  for (const auto& d : all["datasets"])
    if (d["kind"] == "Electrodes") electrodes = d["shape"] == json::parse("[383, 9]");
  EXPECT_TRUE(electrodes) << all["datasets"].dump();
  const auto text = runCli(
      "info " + shellQuote(nwb.string() + "::/general/extracellular_ephys/electrodes/location"));
  EXPECT_EQ(text.exitCode, 3);
  EXPECT_NE(text.err.find("not numeric"), std::string::npos) << text.err;
}

TEST(CliPlugins, JsonListsSchemasAndEveryFailure) {
  const auto run = runCli("plugins --json", kTestPlugins);
  ASSERT_EQ(run.exitCode, 0) << run.err;
  const auto plugins = parseJson(run);
  ASSERT_TRUE(plugins.is_array());
  std::map<std::string, json> byId;
  for (const auto& p : plugins) byId[p["id"].get<std::string>()] = p;
  ASSERT_TRUE(byId.contains("stats.descriptive"))
      << "the built-in plugin is found next to the binary";
  const auto& stats = byId["stats.descriptive"];
  EXPECT_TRUE(stats["loaded"].get<bool>());
  std::vector<std::string> names;
  for (const auto& p : stats["parameters"]) names.push_back(p["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"axis", "lower_quantile", "upper_quantile"}));
  EXPECT_EQ(stats["parameters"][1]["min"], 0.0);
  EXPECT_EQ(stats["parameters"][1]["max"], 0.5);
  EXPECT_EQ(stats["parameters"][0]["choices"], json::parse(R"(["columns", "rows", "all"])"));
  EXPECT_EQ(stats["inputs"][0]["name"], "data");
  for (const auto& [id, word] : std::map<std::string, std::string>{
           {"test.api_mismatch", "version"}, {"test.bad_manifest", "/outputs/0/kind"}}) {
    ASSERT_TRUE(byId.contains(id)) << id;
    EXPECT_FALSE(byId[id]["loaded"].get<bool>()) << id;
    EXPECT_NE(byId[id]["failure"].get<std::string>().find(word), std::string::npos)
        << id << ": " << byId[id]["failure"];
  }
  // Listing loads no library: broken libraries with valid manifests look
  // usable until they are run, and then fail with the reason.
  for (const auto& [id, word] : std::map<std::string, std::string>{
           {"test.missing_symbol", "symbol"}, {"test.throwing", "boom"}}) {
    ASSERT_TRUE(byId.contains(id)) << id;
    EXPECT_TRUE(byId[id]["loaded"].get<bool>()) << id;
    const auto attempt = runCli("run " + id + " --json", kTestPlugins);
    EXPECT_EQ(attempt.exitCode, 4) << id;
    EXPECT_NE(attempt.err.find(word), std::string::npos) << id << ": " << attempt.err;
  }
  // Without the test folder on the path, only real plugins are listed.
  const auto plain = parseJson(runCli("plugins --json"));
  for (const auto& p : plain)
    EXPECT_FALSE(p["id"].get<std::string>().starts_with("test.")) << p["id"];
  // The text listing shows flags generated from the schema, and failures.
  const auto text = runCli("plugins", kTestPlugins);
  EXPECT_NE(text.out.find("--lower_quantile VALUE  real in [0, 0.5], default 0.25"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("[FAILED: plugin API version 999"), std::string::npos) << text.out;
}

TEST(CliRun, DescriptiveStatisticsOfTheBiclusteringCounts) {
  NL_REQUIRE_FIXTURE("biclustering/Y.csv");
  TempDir dir;
  const auto out = dir / "tmp.h5";
  const auto run = runCli("run stats.descriptive --input data=" + shellQuote(yCsv()) + " --out " +
                          shellQuote(out) + " --json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  const auto result = parseJson(run);
  EXPECT_EQ(result["plugin_id"], "stats.descriptive");
  EXPECT_EQ(result["plugin_version"], "1.0.0");
  EXPECT_EQ(result["result_file"], out.string());
  EXPECT_EQ(result["parameters"]["axis"], "columns");
  // 720 time bins (columns of Y) × 10 statistics.
  EXPECT_EQ(result["outputs"]["summary"]["shape"], json::parse("[720, 10]"));
  EXPECT_EQ(result["outputs"]["summary"]["kind"], "Table");
  EXPECT_FALSE(result["outputs"]["summary"].contains("columns")) << "large tables are not inlined";
  EXPECT_NE(run.err.find("wrote"), std::string::npos);
  EXPECT_NE(run.err.find("[100%] done"), std::string::npos) << run.err;

  const auto contents = nl::io::ReaderRegistry::builtin().open(out);
  EXPECT_EQ(contents.metadata["plugin_id"], "stats.descriptive");
  EXPECT_EQ(contents.metadata["app_version"], NEUROLOUPE_VERSION_STRING);
  ASSERT_EQ(contents.datasets.size(), 1u);
  const auto table = std::dynamic_pointer_cast<const nl::io::TableDataset>(contents.datasets[0]);
  ASSERT_TRUE(table);
  const auto& p = table->provenance();
  EXPECT_EQ(p.pluginId, "stats.descriptive");
  EXPECT_EQ(p.pluginVersion, "1.0.0");
  EXPECT_EQ(json::parse(p.parametersJson)["lower_quantile"], 0.25);
  ASSERT_EQ(p.inputs.size(), 1u);
  EXPECT_TRUE(p.inputs[0].sourcePath.ends_with("/Y.csv")) << p.inputs[0].describe();
  // Bin 0 holds the first value of each of the 63 neurons: count 63, all whole numbers.
  EXPECT_EQ((*table->numericColumn("count"))[0], 63.0);
  EXPECT_EQ(table->rowCount(), 720u);
  double total = 0;
  for (double m : *table->numericColumn("mean")) total += m * 63.0;
  EXPECT_NEAR(total, 181112.0, 1e-6) << "the means add up to the fixture's total count";
}

TEST(CliRun, SchemaFlagsParamsAndTheirErrors) {
  TempDir dir;
  writeBytes(dir / "m.csv", "1,10\n2,20\n3,30\n4,40\n");
  const auto in = "--input data=" + shellQuote(dir / "m.csv");
  const auto out = " --out " + shellQuote(dir / "r.h5");
  auto run = runCli("run stats.descriptive " + in + " --lower_quantile 0.1" + out + " --json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  auto result = parseJson(run);
  ASSERT_TRUE(result["outputs"]["summary"]["columns"].contains("q10")) << result.dump();
  EXPECT_DOUBLE_EQ(result["outputs"]["summary"]["columns"]["q10"][0].get<double>(), 1.3);
  // The other spellings of the same flag.
  for (const char* flag : {"--lower-quantile 0.1", "--lower_quantile=0.1",
                           "--param lower_quantile=0.1", "-p lower_quantile=0.1"}) {
    run = runCli("run stats.descriptive " + in + " " + flag + out + " --json");
    ASSERT_EQ(run.exitCode, 0) << flag << ": " << run.err;
    EXPECT_TRUE(parseJson(run)["outputs"]["summary"]["columns"].contains("q10")) << flag;
  }
  run = runCli("run stats.descriptive " + in + " --axis rows" + out + " --json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(parseJson(run)["outputs"]["summary"]["shape"][0], 4) << "one row per input row";

  for (const char* bad : {"--param lower_quantile=2", "--lower_quantile 2", "--lower_quantile abc",
                          "--axis diagonal", "--nonsense 1", "--param nonsense=1",
                          "--param lower_quantile", "--lower_quantile", "stray_argument"}) {
    run = runCli("run stats.descriptive " + in + " " + bad + out);
    EXPECT_EQ(run.exitCode, 2) << bad << ": " << run.err;
    EXPECT_FALSE(run.err.empty()) << bad;
  }
  EXPECT_NE(runCli("run stats.descriptive " + in + " --param lower_quantile=2" + out)
                .err.find("lower_quantile"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "never.h5"));
  EXPECT_EQ(runCli("run stats.descriptive " + in + " --lower_quantile 9 --out " +
                   shellQuote(dir / "never.h5"))
                .exitCode,
            2);
  EXPECT_FALSE(std::filesystem::exists(dir / "never.h5")) << "nothing is written for a usage error";
  EXPECT_EQ(runCli("run stats.descriptive " + in).exitCode, 2) << "--out is required";
  EXPECT_EQ(runCli("run no.such.plugin" + out).exitCode, 2);
  EXPECT_EQ(runCli("run stats.descriptive --input " + shellQuote(dir / "m.csv") + out).exitCode, 2)
      << "no NAME=";
  EXPECT_EQ(runCli("run stats.descriptive" + out).exitCode, 2) << "the required input is missing";
}

TEST(CliRun, BadInputsExitWithThree) {
  TempDir dir;
  const auto out = " --out " + shellQuote(dir / "r.h5");
  EXPECT_EQ(
      runCli("run stats.descriptive --input data=" + shellQuote(dir / "none.csv") + out).exitCode,
      3);
  writeBytes(dir / "ragged.csv", "1,2\n3\n");
  const auto ragged =
      runCli("run stats.descriptive --input data=" + shellQuote(dir / "ragged.csv") + out);
  EXPECT_EQ(ragged.exitCode, 3);
  EXPECT_NE(ragged.err.find("row 2"), std::string::npos) << ragged.err;
  // A file with several datasets needs FILE::INTERNAL/PATH; the message lists them.
  const hid_t file = H5Fcreate((dir / "two.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hsize_t dims[2] = {3, 2};
  const hid_t space = H5Screate_simple(2, dims, nullptr);
  const double v[6] = {1, 2, 3, 4, 5, 6};
  for (const char* name : {"first", "second"}) {
    const hid_t d =
        H5Dcreate2(file, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(d);
  }
  H5Sclose(space);
  H5Fclose(file);
  const auto ambiguous =
      runCli("run stats.descriptive --input data=" + shellQuote(dir / "two.h5") + out);
  EXPECT_EQ(ambiguous.exitCode, 3);
  EXPECT_NE(ambiguous.err.find("/second"), std::string::npos) << ambiguous.err;
  const auto chosen = runCli("run stats.descriptive --input data=" +
                             shellQuote((dir / "two.h5").string() + "::/second") + out + " --json");
  EXPECT_EQ(chosen.exitCode, 0) << chosen.err;
  EXPECT_EQ(parseJson(chosen)["outputs"]["summary"]["columns"]["mean"][1], 4.0);
  // Wrong kind of input: a spike recording from a result file.
  nl::io::writeResultFile(dir / "spikes.h5",
                          {{"spikes", std::make_shared<nl::io::SpikeRecording>(
                                          "r", nullptr, std::vector<double>{1},
                                          std::vector<std::uint64_t>{0, 1}, nullptr)}},
                          {});
  const auto wrongKind =
      runCli("run stats.descriptive --input data=" + shellQuote(dir / "spikes.h5") + out);
  EXPECT_EQ(wrongKind.exitCode, 2);
  EXPECT_NE(wrongKind.err.find("SpikeRecording"), std::string::npos) << wrongKind.err;
}

TEST(CliRun, PluginFailuresExitWithFourAndBrokenDataWithThree) {
  TempDir dir;
  const auto out = " --out " + shellQuote(dir / "r.h5");
  const auto throwing = runCli("run test.throwing" + out, kTestPlugins);
  EXPECT_EQ(throwing.exitCode, 4);
  EXPECT_NE(throwing.err.find("boom"), std::string::npos) << throwing.err;
  EXPECT_EQ(runCli("run test.api_mismatch" + out, kTestPlugins).exitCode, 4);
  const auto bad = runCli("run test.bad_output" + out, kTestPlugins);
  EXPECT_EQ(bad.exitCode, 4);
  EXPECT_NE(bad.err.find("provenance"), std::string::npos) << bad.err;
  const auto failing = runCli("run test.run_failure" + out, kTestPlugins);
  EXPECT_EQ(failing.exitCode, 4);
  EXPECT_NE(failing.err.find("kaput in run"), std::string::npos) << failing.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "r.h5")) << "no result file after a failure";
  // Out of memory has its own code, so a batch can tell it from a failure.
  const auto oom = runCli("run test.run_failure --mode bad_alloc" + out, kTestPlugins);
  EXPECT_EQ(oom.exitCode, 5);
  EXPECT_NE(oom.err.find("ran out of memory"), std::string::npos) << oom.err;
  EXPECT_EQ(runCli("run test.run_failure --mode none --json" + out, kTestPlugins).exitCode, 0);
  // Data that turn out unreadable during the run are bad input, not a plugin failure.
  EXPECT_EQ(runCli("run test.run_failure --mode file_error" + out, kTestPlugins).exitCode, 3);
  // Writing the result into a folder that does not exist.
  EXPECT_EQ(runCli("run test.run_failure --mode none --out " + shellQuote(dir / "no/such/r.h5"),
                   kTestPlugins)
                .exitCode,
            4);
}

// Waits are generous bounds against hangs, not duration assertions.
TEST(CliRun, SigintCancelsARunningPlugin) {
  TempDir dir;
  const std::string cli = NEUROLOUPE_CLI;
  const std::string outFile = (dir / "r.h5").string();
  // 1000 s if the interrupt were ignored.
  std::vector<std::string> args{cli, "run", "test.slow", "--steps", "100000", "--out", outFile};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ScopedEnv env("NEUROLOUPE_PLUGIN_PATH", kTestPlugins);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, (dir / "err.txt").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t child = 0;
  ASSERT_EQ(posix_spawn(&child, cli.c_str(), &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  // Wait until it reports progress (the plugin is running), then interrupt.
  QElapsedTimer timer;
  timer.start();
  while (readBytes(dir / "err.txt").find("step 3") == std::string::npos && timer.elapsed() < 30000)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_NE(readBytes(dir / "err.txt").find("step 3"), std::string::npos)
      << readBytes(dir / "err.txt");
  timer.restart();
  ASSERT_EQ(kill(child, SIGINT), 0);
  int status = 0;
  pid_t ended = 0;
  while ((ended = waitpid(child, &status, WNOHANG)) == 0 && timer.elapsed() < 30000)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (ended == 0) {
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    FAIL() << "SIGINT did not stop the run within 30 s";
  }
  ASSERT_TRUE(WIFEXITED(status)) << "the CLI must exit cleanly, not die of the signal";
  EXPECT_EQ(WEXITSTATUS(status), 4);
  EXPECT_NE(readBytes(dir / "err.txt").find("cancelled"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(outFile));
}

TEST(CliInterop, H5pyReadsTheResultFile) {
  if (std::system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 cannot import h5py (Debian: python3-h5py); skipping the "
                    "interoperability check";
  TempDir dir;
  writeBytes(dir / "m.csv", "x,y\n1,10\n2,20\n4,60\n");
  const auto out = dir / "result.h5";
  ASSERT_EQ(runCli("run stats.descriptive --input data=" + shellQuote(dir / "m.csv") + " --out " +
                   shellQuote(out))
                .exitCode,
            0);
  writeBytes(dir / "check.py",
             "import h5py, json, sys\n"
             "f = h5py.File(sys.argv[1], 'r')\n"
             "text = lambda v: v.decode() if isinstance(v, bytes) else v\n"
             "mean = f['/outputs/summary/columns/mean'][()]\n"
             "names = [text(v) for v in f['/outputs/summary/columns/variable'][()]]\n"
             "g = f['/outputs/summary']\n"
             "ok = (list(mean) == [7/3, 30.0] or abs(mean[0] - 7/3) < 1e-12 and mean[1] == 30.0)\n"
             "ok = ok and names == ['x', 'y']\n"
             "ok = ok and text(f.attrs['plugin_id']) == 'stats.descriptive'\n"
             "ok = ok and text(f.attrs['neuroloupe_format']) == 'result'\n"
             "ok = ok and int(f.attrs['schema_version']) == 1\n"
             "ok = ok and text(g.attrs['kind']) == 'Table'\n"
             "ok = ok and json.loads(text(g.attrs['parameters']))['axis'] == 'columns'\n"
             "ok = ok and json.loads(text(g.attrs['column_order']))[:2] == ['variable', 'count']\n"
             "print('ok' if ok else ('mismatch', list(mean), names, dict(f.attrs)))\n"
             "sys.exit(0 if ok else 1)\n");
  const std::string command =
      "/usr/bin/python3 " + shellQuote(dir / "check.py") + " " + shellQuote(out) + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  std::array<char, 512> buffer{};
  while (fgets(buffer.data(), buffer.size(), pipe)) output += buffer.data();
  EXPECT_EQ(WEXITSTATUS(pclose(pipe)), 0) << output;
}
