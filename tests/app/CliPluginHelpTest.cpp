// `neuroloupe-cli run PLUGIN --help` explains that plugin, and `--json`
// prints named values by the names the manifest declares.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/TestSupport.h"

using nl::test::runCli;

TEST(CliPluginHelp, ListsPortsOutputsAndEveryGeneratedFlag) {
  const auto help = runCli("run stats.descriptive --help");
  ASSERT_EQ(help.exitCode, 0) << help.err;
  const auto& out = help.out;
  for (const char* part : {
           "stats.descriptive 1.0.0  Descriptive statistics", "Inputs (--input NAME=FILE",
           "data: Array or Scalars",                   // the input port and its kinds
           "A numeric array (first dimension = rows",  // its help
           "Outputs", "summary: Table", "--axis VALUE  one of columns|rows|all, default columns",
           "--lower_quantile VALUE  real in [0, 0.5], default 0.25",
           "Lower quantile reported",  // a flag's help
           "--upper_quantile VALUE  real in [0.5, 1], default 0.75",
           "--out",  // the generic options follow
       })
    EXPECT_NE(out.find(part), std::string::npos) << "missing '" << part << "' in:\n" << out;
}

TEST(CliPluginHelp, ShowsAliasesRepeatablePortsViewsAndAttributes) {
  const auto fisbe = runCli("run fisbe.evaluate --help");
  ASSERT_EQ(fisbe.exitCode, 0) << fisbe.err;
  for (const char* part : {"ground_truth (also: gt): LabelVolume or Volume or Array",
                           "--partly_labelled [true|false]  boolean, default false (also --partly)",
                           "metrics: Table", "view: fisbe.evaluation", "attribute metrics_json"})
    EXPECT_NE(fisbe.out.find(part), std::string::npos) << part << " in:\n" << fisbe.out;
  const auto mapping = runCli("run rsa.layer_mapping --help");
  ASSERT_EQ(mapping.exitCode, 0) << mapping.err;
  EXPECT_NE(mapping.out.find("[repeatable: one or more --input populations=…]"), std::string::npos)
      << mapping.out;
  EXPECT_NE(mapping.out.find("attribute layer_names"), std::string::npos) << mapping.out;
  EXPECT_NE(mapping.out.find("[names axis 1]"), std::string::npos) << mapping.out;
}

TEST(CliPluginHelp, UnknownPluginIsAUsageError) {
  const auto help = runCli("run no.such.plugin --help");
  EXPECT_EQ(help.exitCode, 2);
  EXPECT_NE(help.err.find("no plugin 'no.such.plugin'"), std::string::npos) << help.err;
  EXPECT_EQ(runCli("run --help").exitCode, 0) << "generic help without a plugin";
}

TEST(CliJson, NamedValuesArePrintedByName) {
  nl::test::TempDir dir;
  // Two 4 × 4 RDMs whose upper triangles (1..6) differ by one swap: Spearman
  // ρ = 1 − 6·Σd² / (n(n² − 1)) = 1 − 12/210.
  nl::test::writeBytes(dir / "a.csv", "0,1,2,3\n1,0,4,5\n2,4,0,6\n3,5,6,0\n");
  nl::test::writeBytes(dir / "b.csv", "0,1,2,3\n1,0,4,6\n2,4,0,5\n3,6,5,0\n");
  const auto run = runCli("run rsa.compare -i a=" + nl::test::shellQuote(dir / "a.csv") +
                          " -i b=" + nl::test::shellQuote(dir / "b.csv") +
                          " --compare spearman --bootstrap none --permutations 0 --folds 0 --json");
  ASSERT_EQ(run.exitCode, 0) << run.err;
  const auto json = nlohmann::json::parse(run.out);
  const auto& values = json["outputs"]["similarity"]["values"];
  ASSERT_TRUE(values.is_object()) << values.dump();
  EXPECT_NEAR(values["similarity"].get<double>(), 1.0 - 12.0 / 210.0, 1e-12);
  for (const char* name : {"ci_low", "ci_high", "standard_error", "p_value"}) {
    ASSERT_TRUE(values.contains(name)) << name << " in " << values.dump();
    EXPECT_TRUE(values[name].is_null()) << name << ": not computed in this run";
  }
  // An output without declared names keeps the plain list.
  const auto stats =
      runCli("run stats.descriptive -i data=" + nl::test::shellQuote(dir / "a.csv") + " --json");
  ASSERT_EQ(stats.exitCode, 0) << stats.err;
  EXPECT_TRUE(nlohmann::json::parse(stats.out)["outputs"]["summary"]["columns"]["mean"].is_array());
}
