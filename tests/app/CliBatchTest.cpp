// neuroloupe-cli batch (docs/BATCH.md) through the binary: every bad plan is
// one error naming the plan and the problem (exit 3); a batch of small
// stats.descriptive runs with one crashing, one hanging, one failing and one
// memory hog (test.run_failure) locally and under mpirun -n 3; results equal
// to running each alone; the index (CSV and HDF5, the HDF5 one opened as a
// table by the app's own reader); resume after a SIGKILL of the whole
// process group; plan templates.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "io/Provenance.h"
#include "io/ReaderRegistry.h"
#include "io/hdf5/H5.h"
#include "tests/support/TestSupport.h"

extern char** environ;

using namespace nl::test;

namespace {

const std::string kTestPlugins = NEUROLOUPE_TEST_PLUGIN_DIR;

CliRun batch(const std::string& arguments) {
  return runCli("batch " + arguments, kTestPlugins);
}

// A small numeric table: `rows` rows of three columns that depend on `seed`.
std::filesystem::path writeTable(const std::filesystem::path& path, int seed, int rows = 6) {
  std::string text = "a,b,c\n";
  for (int r = 0; r < rows; ++r)
    text += std::to_string(seed + r) + "," + std::to_string((seed * 7 + r * 3) % 11) + "," +
            std::to_string(r * r - seed) + ".5\n";
  writeBytes(path, text);
  return path;
}

struct IndexRow {
  std::string status, error, result, worker, log;
  double wall = 0, peak = 0;
};

// index.h5 through the app's own reader: it must open as one table.
std::map<std::string, IndexRow> readIndex(const std::filesystem::path& outDir) {
  std::map<std::string, IndexRow> rows;
  const auto contents = nl::io::ReaderRegistry::builtin().open(outDir / "index.h5");
  EXPECT_EQ(contents.metadata.json().value("format", ""), "batch_index");
  EXPECT_EQ(contents.datasets.size(), 1u);
  if (contents.datasets.size() != 1) return rows;
  const auto* table = dynamic_cast<const nl::io::TableDataset*>(contents.datasets[0].get());
  EXPECT_NE(table, nullptr) << "index.h5 holds a table";
  if (table == nullptr) return rows;
  EXPECT_EQ(table->provenance().sourcePath,
            nl::io::absoluteNormalPath((outDir / "index.h5").string()))
      << "the index is a file's table: its result names resolve against its folder";
  EXPECT_EQ(table->attributes().count("table_role"), 1u);
  for (const char* name : {"run_id", "plugin", "inputs", "parameters", "status", "wall_time_s",
                           "peak_memory_mb", "error", "result", "log", "worker"})
    EXPECT_NE(table->column(name), nullptr) << "column " << name;
  for (std::size_t r = 0; r < table->rowCount(); ++r) {
    IndexRow row;
    row.status = table->column("status")->cellText(r);
    row.error = table->column("error")->cellText(r);
    row.result = table->column("result")->cellText(r);
    row.worker = table->column("worker")->cellText(r);
    row.log = table->column("log")->cellText(r);
    row.wall = (*table->numericColumn("wall_time_s"))[r];
    row.peak = (*table->numericColumn("peak_memory_mb"))[r];
    rows[table->column("run_id")->cellText(r)] = row;
  }
  return rows;
}

// The lines of index.csv after the header.
std::vector<std::string> csvLines(const std::filesystem::path& outDir) {
  std::vector<std::string> lines;
  std::istringstream in(readBytes(outDir / "index.csv"));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  if (!lines.empty()) lines.erase(lines.begin());
  return lines;
}

std::string rootAttribute(const std::filesystem::path& file, const std::string& name) {
  return nl::io::h5::File::openReadOnly(file).root().stringAttribute(name).value_or("");
}

// The outputs of a result file, column by column, without provenance.
std::vector<std::vector<std::string>> outputCells(const std::filesystem::path& file) {
  std::vector<std::vector<std::string>> cells;
  for (const auto& d : nl::io::ReaderRegistry::builtin().open(file).datasets) {
    const auto* table = dynamic_cast<const nl::io::TableDataset*>(d.get());
    if (table == nullptr) continue;
    for (const auto& column : table->columns()) {
      std::vector<std::string> values{column.name};
      for (std::size_t r = 0; r < table->rowCount(); ++r) values.push_back(column.cellText(r));
      cells.push_back(values);
    }
  }
  return cells;
}

// 20 stats.descriptive runs (tables of 4-9 rows, every second one by rows)
// plus test.run_failure crashing, aborting, hanging, failing and allocating.
std::filesystem::path mixedPlan(const TempDir& dir) {
  nlohmann::json runs = nlohmann::json::array();
  std::filesystem::create_directories(dir / "data");
  for (int i = 0; i < 20; ++i) {
    const auto table = writeTable(dir / ("data/t" + std::to_string(i) + ".csv"), i, 4 + i % 6);
    nlohmann::json run{{"id", "stats" + std::to_string(i)},
                       {"plugin", "stats.descriptive"},
                       {"inputs", {{"data", "data/" + table.filename().string()}}}};
    if (i % 2) run["parameters"] = {{"axis", "rows"}, {"lower_quantile", 0.1}};
    runs.push_back(run);
  }
  for (const char* mode : {"segfault", "abort", "hang", "runtime_error", "allocate"})
    runs.push_back({{"id", std::string("bad_") + mode},
                    {"plugin", "test.run_failure"},
                    {"parameters", {{"mode", mode}}}});
  const auto plan = dir / "plan.json";
  writeBytes(plan, nlohmann::json{{"runs", runs}}.dump(1));
  return plan;
}

// Checks a finished mixed batch: statuses, reasons, index, results alone.
void expectMixedOutcome(const TempDir& dir, const std::filesystem::path& out, const CliRun& run,
                        std::size_t minWorkers) {
  EXPECT_EQ(run.exitCode, 4) << "some runs failed: " << run.err;
  EXPECT_NE(run.err.find("remaining, ETA"), std::string::npos) << run.err;
  const auto rows = readIndex(out);
  ASSERT_EQ(rows.size(), 25u);
  std::set<std::string> workers;
  for (int i = 0; i < 20; ++i) {
    const auto& row = rows.at("stats" + std::to_string(i));
    EXPECT_EQ(row.status, "done") << i << ": " << row.error;
    EXPECT_EQ(row.result, "stats" + std::to_string(i) + ".h5");
    EXPECT_GT(row.wall, 0.0);
    EXPECT_GT(row.peak, 1.0) << "peak resident memory in MB";
    workers.insert(row.worker);
  }
  EXPECT_GE(workers.size(), minWorkers) << "runs spread over the ranks";
  EXPECT_EQ(rows.at("bad_segfault").status, "crashed");
  EXPECT_NE(rows.at("bad_segfault").error.find("SIGSEGV"), std::string::npos);
  EXPECT_EQ(rows.at("bad_abort").status, "crashed");
  EXPECT_NE(rows.at("bad_abort").error.find("SIGABRT"), std::string::npos);
  EXPECT_EQ(rows.at("bad_hang").status, "timeout");
  EXPECT_NE(rows.at("bad_hang").error.find("timeout"), std::string::npos);
  EXPECT_EQ(rows.at("bad_runtime_error").status, "failed");
  EXPECT_NE(rows.at("bad_runtime_error").error.find("kaput in run"), std::string::npos);
  EXPECT_EQ(rows.at("bad_allocate").status, "out_of_memory") << rows.at("bad_allocate").error;
  for (const auto& [id, row] : rows)
    if (row.status != "done") {
      EXPECT_EQ(row.result, "") << id;
      EXPECT_FALSE(std::filesystem::exists(out / (id + ".h5"))) << id;
    }
  EXPECT_NE(readBytes(out / rows.at("bad_runtime_error").log).find("kaput"), std::string::npos);
  const auto lines = csvLines(out);
  ASSERT_EQ(lines.size(), 25u);
  EXPECT_TRUE(lines[0].starts_with("stats0,stats.descriptive,data=")) << lines[0];

  // Each result equals the same run made alone.
  for (int i : {0, 7, 19}) {
    const auto alone = dir / ("alone" + std::to_string(i) + ".h5");
    const auto single = runCli("run stats.descriptive --input data=" +
                                   shellQuote(dir / ("data/t" + std::to_string(i) + ".csv")) +
                                   (i % 2 ? " --axis rows --lower_quantile 0.1" : "") + " --out " +
                                   shellQuote(alone),
                               kTestPlugins);
    ASSERT_EQ(single.exitCode, 0) << single.err;
    const auto batched = out / ("stats" + std::to_string(i) + ".h5");
    EXPECT_EQ(outputCells(batched), outputCells(alone)) << i;
    EXPECT_EQ(rootAttribute(batched, "parameters"), rootAttribute(alone, "parameters"));
    EXPECT_EQ(rootAttribute(batched, "inputs"), rootAttribute(alone, "inputs"));
  }
}

// Live (not zombie) processes in process group `group`, from /proc.
std::size_t liveProcessesInGroup(pid_t group) {
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    const auto stat = readBytes(entry.path() / "stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 2));
    char state = 0;
    long parent = 0, pgrp = 0;
    fields >> state >> parent >> pgrp;
    if (pgrp == group && state != 'Z' && state != 'X') ++n;
  }
  return n;
}

// `neuroloupe-cli batch PLAN --out OUT -j 2` in its own process group (as a
// shell job would be), stderr into `err`; its pid (= its group), or -1.
pid_t spawnBatch(const std::filesystem::path& plan, const std::filesystem::path& out,
                 const std::filesystem::path& err) {
  const std::string cli = NEUROLOUPE_CLI;
  std::vector<std::string> args{cli, "batch", plan.string(), "--out", out.string(), "-j", "2"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ScopedEnv pluginPath("NEUROLOUPE_PLUGIN_PATH", kTestPlugins);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t child = 0;
  const int failed = posix_spawn(&child, cli.c_str(), &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  return failed == 0 ? child : -1;
}

// The time limit stops the hanging run; it must also leave the memory hog
// time to touch its 1 GB cap on a loaded machine (3 s was seen too short with
// two builds beside the suite).
const std::string kMixedOptions = " --timeout 6 --grace 0.3 --memory-cap 1024";

}  // namespace

TEST(CliBatchPlan, EveryBadPlanIsOneErrorNamingThePlanAndTheProblem) {
  TempDir dir;
  writeTable(dir / "a.csv", 1);
  writeTable(dir / "b.csv", 2);
  const std::string ok = R"("plugin": "stats.descriptive", "inputs": {"data": "a.csv"})";
  const std::vector<std::tuple<std::string, std::string, std::string>> cases{
      {"plan.json", R"({"runs": [{)" + ok + "}", "not valid JSON"},
      {"plan.json", R"({"runs": [{"plugin": "nope", "inputs": {}}]})", "no plugin 'nope'"},
      {"plan.json",
       R"({"runs": [{"plugin": "stats.descriptive", "inputs": {"data": "gone.csv"}}]})",
       "gone.csv does not exist"},
      {"plan.json", R"({"plugin": "stats.descriptive", "inputs": {"data": "*.npy"}})",
       "'*.npy' matches no file"},
      {"plan.json", R"({"runs": [{"id": "x", )" + ok + R"(}, {"id": "x", )" + ok + "}]}",
       "run id 'x' appears twice"},
      {"plan.json", R"({"runs": [{)" + ok + R"(, "parameters": [1]}]})",
       "\"parameters\" must be an object"},
      {"plan.json", R"({"runs": [{"plugin": "stats.descriptive", "inputs": "a.csv"}]})",
       "\"inputs\" must be an object"},
      {"plan.json", R"({"runs": [{"plugin": 3, "inputs": {}}]})", "\"plugin\" must be a string"},
      {"plan.json", R"({"runs": [{)" + ok + R"(, "parameters": {"axis": [1]}}]})",
       "parameter 'axis' must be a number, a string or true/false"},
      {"plan.json", R"({"runs": [{)" + ok + R"(, "parameters": {"lower_quantile": 0.9}}]})",
       "lower_quantile"},
      {"plan.json", R"({"runs": [{)" + ok + R"(, "parameters": {"nope": 1}}]})",
       "unknown parameter 'nope'"},
      {"plan.json", R"({"runs": [{"plugin": "stats.descriptive", "inputs": {"d4ta": "a.csv"}}]})",
       "has no input 'd4ta'"},
      {"plan.json", R"({"runs": [{"plugin": "stats.descriptive"}]})", "input 'data' of"},
      {"plan.json",
       R"({"runs": [{"plugin": "stats.descriptive", "inputs": {"data": ["a.csv", "b.csv"]}}]})",
       "takes one dataset"},
      {"plan.json", R"({"runs": [{"id": "../x", )" + ok + "}]}", "not a plain file name"},
      {"plan.json", R"({"runs": [{"id": "index", )" + ok + "}]}", "run id 'index' is taken"},
      {"plan.json", R"({"runs": [{"pluginn": "stats.descriptive"}]})", "unknown key 'pluginn'"},
      {"plan.json", R"({"runs": []})", "no runs"},
      {"plan.json", R"({"what": 1})", "expected a list of runs"},
      {"plan.json",
       R"({"plugin": "fisbe.evaluate", "inputs": {"gt": "gt/*.csv", "pred": "*.csv"}})",
       "'gt/*.csv' matches no file"},
      {"plan.json",
       R"({"plugin": "stats.descriptive", "inputs": {"data": "*.csv"}, "parameters": {}, "parameter_sets": {}})",
       "not both"},
      {"plan.csv", "plugin,input:data,colour\nstats.descriptive,a.csv,red\n",
       "unknown column 'colour'"},
      {"plan.csv", "plugin,input:data\nstats.descriptive,a.csv,extra\n", "row 2: has 3 cells"},
      {"plan.csv", "id,plugin,input:data\nr1,stats.descriptive,missing.csv\n", "row 2 ('r1')"},
      {"plan.txt", "runs", "unknown plan format '.txt'"},
  };
  for (const auto& [name, text, words] : cases) {
    const auto plan = dir / name;
    writeBytes(plan, text);
    const auto out = dir / "out";
    const auto run = batch(shellQuote(plan) + " --out " + shellQuote(out));
    EXPECT_EQ(run.exitCode, 3) << text << "\n" << run.err;
    EXPECT_NE(run.err.find("error: " + plan.string() + ": "), std::string::npos)
        << "names the plan: " << run.err;
    EXPECT_NE(run.err.find(words), std::string::npos) << text << "\n" << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << "one line: " << run.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << "nothing runs, nothing is written: " << text;
  }
  const auto missing = batch(shellQuote(dir / "none.json") + " --out " + shellQuote(dir / "o"));
  EXPECT_EQ(missing.exitCode, 3);
  EXPECT_NE(missing.err.find("none.json: does not exist"), std::string::npos) << missing.err;
  EXPECT_EQ(batch(shellQuote(dir / "a.csv")).exitCode, 2) << "--out is required";
}

TEST(CliBatchPlan, TemplatesAndCsvPlansExpandToTheirRuns) {
  TempDir dir;
  std::filesystem::create_directories(dir / "gt");
  std::filesystem::create_directories(dir / "pred");
  for (int i = 0; i < 3; ++i) writeTable(dir / ("t" + std::to_string(i) + ".csv"), i);
  // One plugin × input glob × named parameter sets.
  writeBytes(dir / "template.json", R"({"plugin": "stats.descriptive",
    "inputs": {"data": "t*.csv"},
    "parameter_sets": {"cols": {}, "rows": {"axis": "rows", "upper_quantile": 0.9}}})");
  const auto out = dir / "out";
  const auto run =
      batch(shellQuote(dir / "template.json") + " --out " + shellQuote(out) + " --workers 2");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  const auto rows = readIndex(out);
  ASSERT_EQ(rows.size(), 6u);
  for (const char* id : {"t0.cols", "t0.rows", "t1.cols", "t1.rows", "t2.cols", "t2.rows"}) {
    ASSERT_TRUE(rows.contains(id)) << id;
    EXPECT_EQ(rows.at(id).status, "done") << id;
  }
  EXPECT_NE(rootAttribute(out / "t2.rows.h5", "parameters").find("\"upper_quantile\":0.9"),
            std::string::npos);
  EXPECT_NE(rootAttribute(out / "t1.cols.h5", "inputs").find((dir / "t1.csv").string()),
            std::string::npos);

  // Paired globs with {stem}: a prediction per ground truth; one missing partner is named.
  for (const char* stem : {"v1", "v2"}) {
    writeBytes(dir / "gt" / (std::string(stem) + ".npy"), "x");
    writeBytes(dir / "pred" / (std::string(stem) + ".npy"), "x");
  }
  writeBytes(dir / "gt" / "v3.npy", "x");
  writeBytes(dir / "pair.json", R"({"plugin": "fisbe.evaluate", "id": "eval_{stem}",
    "inputs": {"gt": "gt/*.npy", "pred": "pred/{stem}.npy"}})");
  const auto pair = batch(shellQuote(dir / "pair.json") + " --out " + shellQuote(dir / "o2"));
  EXPECT_EQ(pair.exitCode, 3);
  EXPECT_NE(pair.err.find("template run 'eval_v3': input 'prediction': " +
                          (dir / "pred" / "v3.npy").string() + " does not exist"),
            std::string::npos)
      << pair.err;

  // CSV: one row per run, quoted cells, defaults for empty cells, ids made up when absent.
  writeBytes(dir / "plan.csv",
             "plugin,input:data,param:axis\n"
             "stats.descriptive,t0.csv,\n"
             "stats.descriptive,\"t1.csv\",rows\n");
  const auto csv = batch(shellQuote(dir / "plan.csv") + " --out " + shellQuote(dir / "o3"));
  ASSERT_EQ(csv.exitCode, 0) << csv.err;
  const auto csvRows = readIndex(dir / "o3");
  ASSERT_EQ(csvRows.size(), 2u);
  EXPECT_EQ(csvRows.at("run1").status, "done");
  EXPECT_NE(rootAttribute(dir / "o3/run2.h5", "parameters").find("\"axis\":\"rows\""),
            std::string::npos);
}

TEST(CliBatchRun, CrashHangFailureAndMemoryHogAmongTwentyRunsLocally) {
  TempDir dir;
  const auto plan = mixedPlan(dir);
  const auto out = dir / "out";
  const auto run =
      batch(shellQuote(plan) + " --out " + shellQuote(out) + " --workers 2" + kMixedOptions);
  expectMixedOutcome(dir, out, run, 1);

  // A rerun keeps what is done (result files untouched) and makes the others again.
  const auto kept = rootAttribute(out / "stats3.h5", "run_id");
  const auto again = batch(shellQuote(plan) + " --out " + shellQuote(out) +
                           " --workers 2 --timeout 1 --grace 0.3 --memory-cap 1024");
  EXPECT_EQ(again.exitCode, 4);
  EXPECT_NE(again.err.find("25 runs: 5 to make, 20 kept"), std::string::npos) << again.err;
  EXPECT_EQ(rootAttribute(out / "stats3.h5", "run_id"), kept);
  EXPECT_EQ(readIndex(out).at("stats3").status, "done");
}

TEST(CliBatchRun, TheSameBatchUnderMpirunWithThreeRanks) {
#if !NEUROLOUPE_MPI
  GTEST_SKIP() << "neuroloupe-cli was built without MPI (NEUROLOUPE_MPI=OFF)";
#else
  if (std::system("command -v mpirun >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "mpirun is not installed (openmpi-bin)";
  TempDir dir;
  const auto plan = mixedPlan(dir);
  const auto out = dir / "out";
  const auto run = runBinary("mpirun",
                             "--allow-run-as-root --oversubscribe -n 3 " +
                                 shellQuote(std::string(NEUROLOUPE_CLI)) + " batch " +
                                 shellQuote(plan) + " --out " + shellQuote(out) + kMixedOptions,
                             kTestPlugins);
  EXPECT_NE(run.err.find("MPI: 3 ranks"), std::string::npos) << run.err;
  expectMixedOutcome(dir, out, run, 2);
  // A bad plan: every rank refuses it, one of them says why, nothing is written.
  writeBytes(dir / "bad.json", R"({"runs": [{"plugin": "nope"}]})");
  const auto bad = runBinary(
      "mpirun",
      "--allow-run-as-root --oversubscribe -n 3 " + shellQuote(std::string(NEUROLOUPE_CLI)) +
          " batch " + shellQuote(dir / "bad.json") + " --out " + shellQuote(dir / "bad_out"),
      kTestPlugins);
  EXPECT_NE(bad.exitCode, 0);
  std::size_t errors = 0;
  for (auto at = bad.err.find("error: "); at != std::string::npos;
       at = bad.err.find("error: ", at + 1))
    ++errors;
  EXPECT_EQ(errors, 1u) << bad.err;
  EXPECT_NE(bad.err.find("bad.json: run 1: no plugin 'nope'"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "bad_out"));
#endif
}

TEST(CliBatchResume, AKillOfTheWholeProcessGroupLeavesAConsistentIndex) {
  TempDir dir;
  nlohmann::json runs = nlohmann::json::array();
  for (int i = 0; i < 12; ++i)
    runs.push_back({{"id", "slow" + std::to_string(i)},
                    {"plugin", "test.slow"},
                    {"parameters", {{"steps", 25}}}});
  runs.push_back({{"id", "fails"}, {"plugin", "test.run_failure"}});
  const auto plan = dir / "plan.json";
  writeBytes(plan, runs.dump());
  const auto out = dir / "out";

  const pid_t child = spawnBatch(plan, out, dir / "err.txt");
  ASSERT_GT(child, 0);

  // Kill the group once a few runs are done (a bound, not a duration check).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto doneCount = [&] {
    const auto text = readBytes(out / "index.csv");
    std::size_t n = 0;
    for (auto at = text.find(",done,"); at != std::string::npos; at = text.find(",done,", at + 1))
      ++n;
    return n;
  };
  while (doneCount() < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(::kill(-child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  for (int i = 0; i < 100 && liveProcessesInGroup(child) > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(liveProcessesInGroup(child), 0u) << "no process of the batch survives";

  auto rows = readIndex(out);
  ASSERT_EQ(rows.size(), 13u);
  std::size_t done = 0;
  std::map<std::string, std::string> runIds;
  for (const auto& [id, row] : rows) {
    EXPECT_TRUE(row.status == "done" || row.status == "running" || row.status == "pending" ||
                row.status == "failed")
        << id << ": " << row.status;
    if (row.status != "done") continue;
    ++done;
    runIds[id] = rootAttribute(out / row.result, "run_id");
  }
  ASSERT_GE(done, 3u);
  ASSERT_LT(done, 12u) << "killed before the end";
  // A result damaged after the fact and a partial file where a run was interrupted.
  const auto damaged = runIds.begin()->first;
  writeBytes(out / (damaged + ".h5"), "\x89HDF\r\n\x1a\n truncated");
  const auto pending = std::find_if(rows.begin(), rows.end(), [](const auto& r) {
    return r.second.status != "done" && r.first != "fails";
  });
  ASSERT_NE(pending, rows.end());
  writeBytes(out / (pending->first + ".h5"), "partial");
  writeBytes(out / ("." + pending->first + ".h5.saving-4194304"), "half written");

  const auto again = batch(shellQuote(plan) + " --out " + shellQuote(out) + " -j 2");
  EXPECT_EQ(again.exitCode, 4) << again.err;
  // Kept: the complete results but the damaged one — and any result a run
  // finished writing after the index last saw it running.
  const auto keptAt = again.err.find(" kept from an earlier batch");
  ASSERT_NE(keptAt, std::string::npos) << again.err;
  const auto keptFrom = again.err.rfind(' ', keptAt - 1) + 1;
  const auto kept = std::stoul(again.err.substr(keptFrom, keptAt - keptFrom));
  EXPECT_GE(kept, done - 1) << again.err;
  EXPECT_LE(kept, 11u) << "the damaged and the partial one are made again: " << again.err;
  rows = readIndex(out);
  for (const auto& [id, row] : rows) {
    if (id == "fails") {
      EXPECT_EQ(row.status, "failed");
      continue;
    }
    EXPECT_EQ(row.status, "done") << id << ": " << row.error;
    if (runIds.contains(id) && id != damaged) {
      EXPECT_EQ(rootAttribute(out / row.result, "run_id"), runIds[id]) << id << " was kept";
    }
  }
  EXPECT_NE(rootAttribute(out / (damaged + ".h5"), "run_id"), "") << "the damaged one rerun";
  EXPECT_FALSE(std::filesystem::exists(out / ("." + pending->first + ".h5.saving-4194304")))
      << "what a killed batch left half written is removed";
}

TEST(CliBatchResume, SigintStopsTheRunsAndMarksThemInterrupted) {
  TempDir dir;
  nlohmann::json runs = nlohmann::json::array();
  for (int i = 0; i < 4; ++i)  // 1000 s each if nothing stopped them
    runs.push_back({{"id", "long" + std::to_string(i)},
                    {"plugin", "test.slow"},
                    {"parameters", {{"steps", 100000}}}});
  const auto plan = dir / "plan.json";
  writeBytes(plan, runs.dump());
  const auto out = dir / "out";
  const pid_t child = spawnBatch(plan, out, dir / "err.txt");
  ASSERT_GT(child, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto started = [&] {  // both workers' runs report progress in their logs
    return readBytes(out / "logs/long0.log").find("step 1") != std::string::npos &&
           readBytes(out / "logs/long1.log").find("step 1") != std::string::npos;
  };
  while (!started() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(::kill(child, SIGINT), 0);  // the batch only, not its group
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 4) << readBytes(dir / "err.txt");
  const auto rows = readIndex(out);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows.at("long0").status, "interrupted");
  EXPECT_EQ(rows.at("long1").status, "interrupted");
  EXPECT_EQ(rows.at("long2").status, "pending");
  EXPECT_EQ(rows.at("long3").status, "pending");
  EXPECT_LT(rows.at("long0").wall, 20.0) << "stopped, not finished";
  EXPECT_EQ(liveProcessesInGroup(child), 0u);
}
