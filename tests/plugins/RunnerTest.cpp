// runPlugin (plugins/Runner.h) with stats.descriptive and the test plugins:
// right numbers, provenance stamped, every failure a RunError a user can read.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "plugins/Runner.h"
#include "tests/support/TestSupport.h"

using namespace nl::plugins;
using namespace nl::test;
using nl::io::ArrayDataset;
using nl::io::DatasetKind;
using nl::io::TableDataset;

namespace {

const double kNan = std::numeric_limits<double>::quiet_NaN();

std::shared_ptr<const nl::io::Dataset> matrix3x2() {
  // Columns (1, 2, 4) and (10, NaN, 30); provenance from a file.
  return std::make_shared<ArrayDataset>(
      DatasetKind::ResponseMatrix, "m", std::vector<std::size_t>{3, 2},
      std::vector<double>{1, 10, 2, kNan, 4, 30},
      nl::io::Provenance::fromFile("/data/m.npy", "", "NumPy .npy"));
}

RunResult run(const std::string& id, nl::plugins::Inputs inputs,
              const std::map<std::string, std::string>& params = {},
              ProgressReporter* reporter = nullptr) {
  RunRequest request;
  request.pluginId = id;
  request.inputs = std::move(inputs);
  request.parameters = sharedPlugins().find(id)->parameters.parse(params);
  request.appVersion = "9.8.7";
  ProgressReporter local;
  return runPlugin(sharedPlugins(), request, reporter ? *reporter : local);
}

std::shared_ptr<const TableDataset> summary(const RunResult& result) {
  EXPECT_EQ(result.outputs.size(), 1u);
  EXPECT_EQ(result.outputs.at(0).name, "summary");
  return std::dynamic_pointer_cast<const TableDataset>(result.outputs.at(0).dataset);
}

std::string runError(const std::function<void()>& action, bool* cancelled = nullptr) {
  try {
    action();
  } catch (const RunError& error) {
    if (cancelled) *cancelled = error.cancelled();
    return error.what();
  }
  ADD_FAILURE() << "no RunError";
  return {};
}

}  // namespace

TEST(RunnerDescriptive, ColumnsOfAMatrixWithProvenanceAndProgress) {
  std::vector<std::pair<double, std::string>> progress;
  ProgressReporter reporter([&](double f, const std::string& m) { progress.emplace_back(f, m); });
  const auto result =
      run("stats.descriptive", {{"data", matrix3x2()}}, {{"lower_quantile", "0.1"}}, &reporter);
  const auto t = summary(result);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->rowCount(), 2u);
  EXPECT_EQ(t->column("variable")->strings(), (std::vector<std::string>{"column 0", "column 1"}));
  EXPECT_EQ(*t->numericColumn("count"), (std::vector<double>{3, 2}));
  EXPECT_EQ(*t->numericColumn("missing"), (std::vector<double>{0, 1}));
  EXPECT_DOUBLE_EQ((*t->numericColumn("mean"))[0], 7.0 / 3.0);
  EXPECT_DOUBLE_EQ((*t->numericColumn("mean"))[1], 20.0);
  EXPECT_NEAR((*t->numericColumn("sd"))[0], std::sqrt(7.0 / 3.0), 1e-12);  // var of 1,2,4 = 7/3
  EXPECT_NEAR((*t->numericColumn("sd"))[1], std::sqrt(200.0), 1e-12);
  ASSERT_NE(t->numericColumn("q10"), nullptr) << "the column is named after the quantile";
  EXPECT_DOUBLE_EQ((*t->numericColumn("q10"))[0], 1.2);  // numpy.quantile([1,2,4], 0.1)
  EXPECT_DOUBLE_EQ((*t->numericColumn("q75"))[0], 3.0);
  EXPECT_DOUBLE_EQ((*t->numericColumn("median"))[1], 20.0);
  EXPECT_EQ(*t->numericColumn("min"), (std::vector<double>{1, 10}));
  EXPECT_EQ(*t->numericColumn("max"), (std::vector<double>{4, 30}));

  const auto& p = t->provenance();
  EXPECT_EQ(p.pluginId, "stats.descriptive");
  EXPECT_EQ(p.pluginVersion, "1.0.0");
  EXPECT_EQ(p.appVersion, "9.8.7");
  EXPECT_FALSE(p.createdUtc.empty());
  const auto params = nlohmann::json::parse(p.parametersJson);
  EXPECT_EQ(params, nlohmann::json::parse(
                        R"({"axis": "columns", "lower_quantile": 0.1, "upper_quantile": 0.75})"));
  ASSERT_EQ(p.inputs.size(), 1u);
  EXPECT_EQ(p.inputs[0].describe(), "data=/data/m.npy [m]");
  EXPECT_EQ(p.inputs[0].datasetId, "file:/data/m.npy::");
  EXPECT_EQ(result.provenance.pluginId, "stats.descriptive");
  EXPECT_EQ(t->name(), "m — statistics");

  ASSERT_GE(progress.size(), 2u);
  EXPECT_EQ(progress.front().first, 0.0);
  EXPECT_EQ(progress.back(), (std::pair<double, std::string>{1.0, "done"}));
  for (const auto& [fraction, message] : progress)
    EXPECT_TRUE(fraction >= 0 && fraction <= 1) << message;
}

TEST(RunnerDescriptive, RowsAllAndTables) {
  const auto rows = summary(run("stats.descriptive", {{"data", matrix3x2()}}, {{"axis", "rows"}}));
  ASSERT_EQ(rows->rowCount(), 3u);
  EXPECT_EQ(rows->column("variable")->strings()[2], "row 2");
  EXPECT_EQ(*rows->numericColumn("mean"), (std::vector<double>{5.5, 2, 17}));
  EXPECT_EQ(*rows->numericColumn("missing"), (std::vector<double>{0, 1, 0}));

  const auto all = summary(run("stats.descriptive", {{"data", matrix3x2()}},
                               {{"axis", "all"}, {"upper_quantile", "0.5"}}));
  ASSERT_EQ(all->rowCount(), 1u);
  EXPECT_EQ(*all->numericColumn("count"), std::vector<double>{5});
  EXPECT_EQ(*all->numericColumn("median"), std::vector<double>{4});
  ASSERT_NE(all->numericColumn("q_upper"), nullptr) << "0.5 would clash with the median's name";
  EXPECT_EQ(*all->numericColumn("q_upper"), std::vector<double>{4});

  // A table: only its numeric columns, named after them.
  const auto table = std::make_shared<TableDataset>(
      DatasetKind::Electrodes, "electrodes",
      std::vector<nl::io::Column>{{"x", std::vector<double>{0, 10}},
                                  {"location", std::vector<std::string>{"a", "b"}},
                                  {"y", std::vector<double>{1, 1}},
                                  {"z", std::vector<double>{-1, 3}}});
  const auto t = summary(run("stats.descriptive", {{"data", table}}));
  EXPECT_EQ(t->column("variable")->strings(), (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(*t->numericColumn("mean"), (std::vector<double>{5, 1, 1}));
  EXPECT_EQ((*t->numericColumn("sd"))[1], 0.0);

  const auto textOnly = std::make_shared<TableDataset>(
      DatasetKind::Table, "names",
      std::vector<nl::io::Column>{{"n", std::vector<std::string>{"a"}}});
  EXPECT_NE(runError([&] {
              run("stats.descriptive", {{"data", textOnly}});
            }).find("no numeric column"),
            std::string::npos);
}

TEST(RunnerDescriptive, EmptyAndDegenerateArraysDoNotCrash) {
  // Shape (0, 5): no rows, five columns — every statistic missing.
  const auto noRows = std::make_shared<ArrayDataset>(
      DatasetKind::Array, "empty", std::vector<std::size_t>{0, 5}, std::vector<double>{});
  const auto t = summary(run("stats.descriptive", {{"data", noRows}}));
  ASSERT_EQ(t->rowCount(), 5u);
  for (double c : *t->numericColumn("count")) EXPECT_EQ(c, 0.0);
  for (double m : *t->numericColumn("mean")) EXPECT_TRUE(std::isnan(m));
  // A 0-d array is one value; a vector is one column.
  const auto scalar = std::make_shared<ArrayDataset>(
      DatasetKind::Scalars, "s", std::vector<std::size_t>{}, std::vector<double>{3.5});
  EXPECT_EQ(*summary(run("stats.descriptive", {{"data", scalar}}))->numericColumn("mean"),
            std::vector<double>{3.5});
  const auto vector = std::make_shared<ArrayDataset>(
      DatasetKind::Array, "v", std::vector<std::size_t>{4}, std::vector<double>{1, 2, 3, 4});
  EXPECT_EQ(*summary(run("stats.descriptive", {{"data", vector}}))->numericColumn("q25"),
            std::vector<double>{1.75});
  // 3-d: the first axis is rows, the rest flattened into 6 columns.
  const auto cube =
      std::make_shared<ArrayDataset>(DatasetKind::Volume, "c", std::vector<std::size_t>{2, 2, 3},
                                     std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  const auto c = summary(run("stats.descriptive", {{"data", cube}}));
  ASSERT_EQ(c->rowCount(), 6u);
  EXPECT_EQ((*c->numericColumn("mean"))[5], 8.0);
}

TEST(RunnerErrors, InputsParametersAndOutputsAreChecked) {
  RunRequest request;
  request.pluginId = "stats.descriptive";
  request.parameters = sharedPlugins().find("stats.descriptive")->parameters.defaults();
  ProgressReporter progress;
  EXPECT_NE(runError([&] {
              runPlugin(sharedPlugins(), request, progress);
            }).find("input 'data' is required"),
            std::string::npos);
  request.inputs["data"] = nullptr;
  EXPECT_NE(runError([&] { runPlugin(sharedPlugins(), request, progress); }).find("required"),
            std::string::npos);
  request.inputs["data"] = std::make_shared<nl::io::SurfaceMeshDataset>(
      "mesh", std::vector<float>{0, 0, 0}, std::vector<std::int32_t>{});
  const auto wrongKind = runError([&] { runPlugin(sharedPlugins(), request, progress); });
  EXPECT_NE(wrongKind.find("must be"), std::string::npos) << wrongKind;
  EXPECT_NE(wrongKind.find("got SurfaceMesh 'mesh'"), std::string::npos) << wrongKind;
  request.inputs["data"] = matrix3x2();
  request.inputs["other"] = matrix3x2();
  EXPECT_NE(
      runError([&] { runPlugin(sharedPlugins(), request, progress); }).find("has no input 'other'"),
      std::string::npos);
  request.inputs.erase("other");
  request.parameters.set("lower_quantile", 0.9);  // out of the schema's range, set from code
  EXPECT_NE(runError([&] { runPlugin(sharedPlugins(), request, progress); }).find("lower_quantile"),
            std::string::npos);
  request.parameters = {};  // nothing set at all
  EXPECT_NE(runError([&] { runPlugin(sharedPlugins(), request, progress); }).find("is not set"),
            std::string::npos);

  RunRequest unknown;
  unknown.pluginId = "nope";
  EXPECT_NE(
      runError([&] { runPlugin(sharedPlugins(), unknown, progress); }).find("no plugin 'nope'"),
      std::string::npos);
  unknown.pluginId = "test.api_mismatch";
  EXPECT_NE(runError([&] { runPlugin(sharedPlugins(), unknown, progress); }).find("not usable"),
            std::string::npos);
}

TEST(RunnerErrors, OutputsWithoutProvenanceAndFailuresInsideRun) {
  EXPECT_NE(runError([] { run("test.bad_output", {}); }).find("without its provenance"),
            std::string::npos);
  const std::map<std::string, std::string> expected{{"runtime_error", "failed: kaput in run"},
                                                    {"bad_alloc", "ran out of memory"},
                                                    {"non_standard", "unknown error"}};
  for (const auto& [mode, words] : expected) {
    bool cancelled = true;
    const auto message = runError(
        [&, m = mode] {
          run("test.run_failure", {}, {{"mode", m}});
        },
        &cancelled);
    EXPECT_NE(message.find("Fails while running"), std::string::npos)
        << "the plugin is named: " << message;
    EXPECT_NE(message.find(words), std::string::npos) << mode << ": " << message;
    EXPECT_FALSE(cancelled);
  }
  EXPECT_EQ(run("test.run_failure", {}, {{"mode", "none"}}).outputs.size(), 1u);
}

TEST(RunnerErrors, BrokenInputDataSurfaceAsFileErrorsNotPluginFailures) {
  // A lazily read input whose data turn out unreadable mid-run: the CLI maps
  // this to "bad input" (exit 3), so it must stay a FileError.
  const auto broken = std::make_shared<ArrayDataset>(
      DatasetKind::Array, "broken", std::vector<std::size_t>{2, 2},
      ArrayDataset::Loader([]() -> std::vector<double> {
        throw nl::io::FileError("/data/broken.h5",
                                "cannot read dataset '/x' (truncated or corrupted data?)");
      }));
  try {
    run("stats.descriptive", {{"data", broken}});
    ADD_FAILURE() << "ran on unreadable data";
  } catch (const nl::io::FileError& error) {
    EXPECT_EQ(error.path(), "/data/broken.h5");
  } catch (const std::exception& other) {
    ADD_FAILURE() << "expected the FileError, got: " << other.what();
  }
  // A FileError thrown by the plugin itself takes the same route.
  EXPECT_THROW(run("test.run_failure", {}, {{"mode", "file_error"}}), nl::io::FileError);
}

TEST(RunnerCancel, ACancelledReporterStopsTheRunAsCancelled) {
  ProgressReporter reporter;
  reporter.cancel();
  bool cancelled = false;
  const auto message = runError(
      [&] {
        run("stats.descriptive", {{"data", matrix3x2()}}, {}, &reporter);
      },
      &cancelled);
  EXPECT_TRUE(cancelled);
  EXPECT_NE(message.find("cancelled"), std::string::npos) << message;
  // Cancelled from inside a progress report (as a GUI button would, between
  // two reports): test.slow stops at its next step.
  ProgressReporter* self = nullptr;
  std::vector<double> seen;
  ProgressReporter midway([&](double fraction, const std::string&) {
    seen.push_back(fraction);
    if (fraction >= 0.5) self->cancel();
  });
  self = &midway;
  cancelled = false;
  EXPECT_NE(runError(
                [&] {
                  run("test.slow", {}, {{"steps", "10"}}, &midway);
                },
                &cancelled)
                .find("cancelled"),
            std::string::npos);
  EXPECT_TRUE(cancelled);
  EXPECT_EQ(seen.back(), 0.5) << "no progress after the cancel";
  // A plugin that returns without checking again is still reported as cancelled.
  ProgressReporter* other = nullptr;
  ProgressReporter atHalf([&](double fraction, const std::string&) {
    if (fraction == 0.5) other->cancel();
  });
  other = &atHalf;
  cancelled = false;
  runError([&] { run("test.run_failure", {}, {{"mode", "none"}}, &atHalf); }, &cancelled);
  EXPECT_TRUE(cancelled);
  // Uncancelled, test.slow reports its steps and stamps its output.
  const auto result = run("test.slow", {}, {{"steps", "3"}});
  const auto steps = std::dynamic_pointer_cast<const ArrayDataset>(result.outputs.at(0).dataset);
  EXPECT_EQ(steps->values(), std::vector<double>{3});
  EXPECT_EQ(steps->kind(), DatasetKind::Scalars);
  EXPECT_EQ(steps->provenance().pluginId, "test.slow");
}
