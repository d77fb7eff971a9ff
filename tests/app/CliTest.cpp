#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "io/ReaderRegistry.h"
#include "tests/support/TestSupport.h"

namespace {

// neuroloupe-cli of this build, as a user runs it.
nl::test::CliRun cli(const std::string& arguments,
                     const std::optional<std::string>& pluginPath = std::nullopt) {
  return nl::test::runBinary(NEUROLOUPE_CLI, arguments, pluginPath);
}

std::string quoted(const std::filesystem::path& path) {
  return nl::test::shellQuote(path);
}

}  // namespace

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
  EXPECT_EQ(cli("run test.throwing --out " + quoted(out), std::string(NEUROLOUPE_TEST_PLUGIN_DIR))
                .exitCode,
            4);
}

TEST(Cli, JsonAloneNeedsNoResultFileButSomeOutputIsRequired) {
  nl::test::TempDir dir;
  nl::test::writeBytes(dir / "m.csv", "1,10\n2,20\n3,30\n4,40\n");
  const auto run = cli("run stats.descriptive --input data=" + quoted(dir / "m.csv") + " --json");
  ASSERT_EQ(run.exitCode, 0) << run.out;
  const auto json = nlohmann::json::parse(run.out);
  EXPECT_TRUE(json["result_file"].is_null());
  EXPECT_EQ(json["outputs"]["summary"]["columns"]["mean"][1], 25.0);
  EXPECT_EQ(cli("run stats.descriptive --input data=" + quoted(dir / "m.csv")).exitCode, 2)
      << "neither --out nor --json: the result would go nowhere";
}

// The command line of the FISBe issue, word for word (short port and
// parameter aliases, JSON without a result file), on the real fixture pair.
TEST(Cli, FisbeEvaluateAsTheIssueWritesIt) {
  NL_REQUIRE_FIXTURE("zarr/R14A02-20180905_65_A6.zarr");
  const auto zarr = nl::test::fixtures() / "zarr";
  const auto run =
      cli("run fisbe.evaluate --input gt=" + quoted(zarr / "R14A02-20180905_65_A6.zarr") +
          " --input pred=" + quoted(zarr / "R14A02-20180905_65_A6_pred.hdf") +
          "::volumes/gmm_label_cleaned --param partly=false --json");
  ASSERT_EQ(run.exitCode, 0) << run.out;
  const auto json = nlohmann::json::parse(run.out);
  EXPECT_EQ(json["parameters"]["partly_labelled"], false);
  // The official evaluation's numbers (R14A02-20180905_65_A6_expected_metrics.toml).
  const auto& metrics = json["outputs"]["metrics"]["metrics"];
  EXPECT_EQ(metrics["general"]["TP_05"], 3);
  EXPECT_EQ(metrics["general"]["FS"], 0);
  EXPECT_EQ(metrics["general"]["FM"], 0);
  EXPECT_NEAR(metrics["general"]["avg_f1_cov_score"].get<double>(), 0.36567311651176876, 1e-6);
  EXPECT_NEAR(metrics["general"]["avg_gt_skel_coverage"].get<double>(), 0.3841240108013153, 1e-6);
  EXPECT_NEAR(metrics["confusion_matrix"]["avFscore"].get<double>(), 0.3472222222222222, 1e-6);
  EXPECT_EQ(metrics["confusion_matrix"]["th_0_5"]["AP_FP"], 6);
  EXPECT_EQ(metrics["confusion_matrix"]["th_0_5"]["false_split"], 3);
  EXPECT_EQ(json["outputs"]["gt_instances"]["shape"][0], 7);
}
