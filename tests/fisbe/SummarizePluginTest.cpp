// fisbe.summarize as users run it: the metrics tables of fisbe.evaluate runs
// (in memory, and as result files through the CLI binary) aggregated per set.
// The expected numbers are computed here from the per-image metrics, as
// summarize.py defines them, not with the library's aggregation.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>

#include "plugins/PluginManager.h"
#include "plugins/Runner.h"
#include "tests/support/TestSupport.h"

using namespace nl::plugins;

namespace {

RunResult run(const std::string& plugin, Inputs inputs,
              const std::map<std::string, std::string>& text = {},
              std::vector<std::string>* messages = nullptr) {
  const auto* descriptor = nl::test::builtinPlugins().find(plugin);
  if (descriptor == nullptr || !descriptor->loaded)
    throw std::runtime_error(plugin + " not loaded" +
                             (descriptor ? ": " + descriptor->failure : std::string()));
  RunRequest request{plugin, std::move(inputs), descriptor->parameters.parse(text), "test"};
  ProgressReporter progress([&](double, const std::string& message) {
    if (messages) messages->push_back(message);
  });
  return runPlugin(nl::test::builtinPlugins(), request, progress);
}

std::string failureOf(Inputs inputs) {
  try {
    run("fisbe.summarize", std::move(inputs));
  } catch (const std::exception& error) {
    return error.what();
  }
  return "(no error)";
}

// GT: a row (channel 0) and a column (channel 1) crossing at (y 5, x 20) in
// plane 1 of a 4 × 40 × 40 volume, one channel per neuron (so both neurons
// are in the overlap subset). Each prediction variant finds them differently.
constexpr std::size_t D = 4, H = 40, W = 40;

std::vector<double> groundTruth() {
  std::vector<double> gt(2 * D * H * W, 0.0);
  for (std::size_t x = 2; x < 32; ++x) gt[(1 * H + 5) * W + x] = 1;               // row y = 5
  for (std::size_t y = 0; y < 38; ++y) gt[D * H * W + (1 * H + y) * W + 20] = 1;  // column x = 20
  return gt;
}

std::vector<double> prediction(int variant) {
  std::vector<double> pred(D * H * W, 0.0);
  auto row = [&](std::size_t y, std::size_t x0, std::size_t x1, double label) {
    for (std::size_t x = x0; x < x1; ++x) pred[(1 * H + y) * W + x] = label;
  };
  auto column = [&](std::size_t x, std::size_t y0, std::size_t y1, double label) {
    for (std::size_t y = y0; y < y1; ++y) pred[(1 * H + y) * W + x] = label;
  };
  if (variant == 0) {  // the row whole, the column in two pieces, a line on background
    row(5, 2, 32, 3);
    column(20, 10, 22, 4);
    column(20, 22, 38, 5);
    row(30, 0, 12, 6);
  } else if (variant == 1) {  // most of the row, nothing of the column
    row(5, 2, 26, 1);
  } else {  // both found, plus two lines on unlabelled background
    row(5, 4, 32, 2);
    column(20, 10, 36, 7);
    row(30, 0, 12, 8);
    column(35, 0, 9, 9);
  }
  return pred;
}

std::shared_ptr<nl::io::ArrayDataset> array(std::vector<std::size_t> shape,
                                            std::vector<double> values, const std::string& name) {
  return std::make_shared<nl::io::ArrayDataset>(nl::io::DatasetKind::LabelVolume, name,
                                                std::move(shape), std::move(values));
}

// All three outputs of one fisbe.evaluate run, as a result file holds them.
std::vector<nl::io::DatasetPtr> evaluateRun(int variant, bool partly) {
  const auto result = run("fisbe.evaluate",
                          {{"ground_truth", array({2, D, H, W}, groundTruth(), "gt")},
                           {"prediction", array({D, H, W}, prediction(variant), "pred")}},
                          {{"remove_small", "0"}, {"partly_labelled", partly ? "true" : "false"}});
  std::vector<nl::io::DatasetPtr> outputs;
  for (const auto& [name, dataset] : result.outputs) outputs.push_back(dataset);
  return outputs;
}

Inputs metricsInputs(const std::vector<nl::io::DatasetPtr>& tables) {
  Inputs inputs;
  for (std::size_t i = 0; i < tables.size(); ++i)
    inputs[multipleInputKey("metrics", i)] = tables[i];
  return inputs;
}

nlohmann::json metricsOf(const nl::io::DatasetPtr& table) {
  return nlohmann::json::parse(table->attributes().at("metrics_json"));
}

// summarize.py for one set, from the per-image official metrics: TP/FP/FN
// summed per threshold 0.1…0.9, F1 = 2ΣTP/(2ΣTP+ΣFP+ΣFN), avF1 their mean,
// C the mean over every GT instance of the set, S = (avF1 + C) / 2.
struct ExpectedSet {
  double avF1 = 0, coverage = 0, score = 0;
  std::int64_t numGt = 0, numPred = 0, tp05 = 0, falseSplits = 0;
};

ExpectedSet expectedSet(const std::vector<nlohmann::json>& images) {
  ExpectedSet s;
  double f1Sum = 0;
  for (const char* key :
       {"th_0_1", "th_0_2", "th_0_3", "th_0_4", "th_0_5", "th_0_6", "th_0_7", "th_0_8", "th_0_9"}) {
    double tp = 0, fp = 0, fn = 0;
    for (const auto& image : images) {
      tp += image["confusion_matrix"][key]["AP_TP"].get<double>();
      fp += image["confusion_matrix"][key]["AP_FP"].get<double>();
      fn += image["confusion_matrix"][key]["AP_FN"].get<double>();
    }
    f1Sum += 2 * tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : 0.0;
  }
  s.avF1 = f1Sum / 9;
  std::vector<double> coverages;
  for (const auto& image : images) {
    for (const auto& c : image["general"]["gt_skel_coverage"]) coverages.push_back(c.get<double>());
    s.numGt += image["general"]["Num GT"].get<std::int64_t>();
    s.numPred += image["general"]["Num Pred"].get<std::int64_t>();
    s.tp05 += image["general"]["TP_05"].get<std::int64_t>();
    s.falseSplits += image["general"]["FS"].get<std::int64_t>();
  }
  s.coverage = coverages.empty() ? 0.0
                                 : std::accumulate(coverages.begin(), coverages.end(), 0.0) /
                                       static_cast<double>(coverages.size());
  s.score = 0.5 * s.avF1 + 0.5 * s.coverage;
  return s;
}

// C is pooled in float32 as NumPy does it; everything else is double.
constexpr double kFloat32Tolerance = 1e-6;

void expectSetRow(const nlohmann::json& general, const ExpectedSet& e, const std::string& set) {
  EXPECT_EQ(general.at("Num GT").get<std::int64_t>(), e.numGt) << set;
  EXPECT_EQ(general.at("Num Pred").get<std::int64_t>(), e.numPred) << set;
  EXPECT_EQ(general.at("TP_05").get<std::int64_t>(), e.tp05) << set;
  EXPECT_EQ(general.at("FS").get<std::int64_t>(), e.falseSplits) << set;
  EXPECT_NEAR(general.at("avFscore").get<double>(), e.avF1, 1e-12) << set;
  EXPECT_NEAR(general.at("avg_gt_skel_coverage").get<double>(), e.coverage, kFloat32Tolerance)
      << set;
  EXPECT_NEAR(general.at("avg_f1_cov_score").get<double>(), e.score, kFloat32Tolerance) << set;
}

std::shared_ptr<const nl::io::TableDataset> summaryOutput(const RunResult& result) {
  for (const auto& [name, dataset] : result.outputs)
    if (name == "summary") return std::dynamic_pointer_cast<const nl::io::TableDataset>(dataset);
  return nullptr;
}

}  // namespace

TEST(FisbeSummarizePlugin, PoolsEachSetAndAveragesTheCombinedScores) {
  // Two completely labelled images and one partly labelled, each run's three
  // tables given (as a whole result file would give them).
  const auto a = evaluateRun(0, false), b = evaluateRun(1, false), c = evaluateRun(2, true);
  std::vector<nl::io::DatasetPtr> tables;
  for (const auto* run : {&a, &b, &c}) tables.insert(tables.end(), run->begin(), run->end());
  std::vector<std::string> messages;
  const auto result = run("fisbe.summarize", metricsInputs(tables), {}, &messages);
  const auto summary = summaryOutput(result);
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->attributes().at("tables_used"), "3");
  EXPECT_EQ(summary->attributes().at("tables_skipped"), "6");
  EXPECT_FALSE(summary->attributes().contains("warning"));
  // The runner adds its own "done" after the plugin's messages.
  const auto reported = std::find_if(messages.begin(), messages.end(), [](const auto& m) {
    return m.find("3 metrics tables used, 6 tables without metrics_json skipped") !=
           std::string::npos;
  });
  EXPECT_NE(reported, messages.end());

  const auto complete = expectedSet({metricsOf(a[0]), metricsOf(b[0])});
  const auto partly = expectedSet({metricsOf(c[0])});
  // The cases differ: pooling the complete set is not the mean of its images.
  ASSERT_NE(complete.avF1, partly.avF1);
  ASSERT_NE(expectedSet({metricsOf(a[0])}).avF1, expectedSet({metricsOf(b[0])}).avF1);
  ASSERT_GT(partly.numPred, partly.tp05);  // unmatched predictions on background

  const auto json = nlohmann::json::parse(summary->attributes().at("summary_json"));
  expectSetRow(json.at("complete").at("general"), complete, "complete");
  expectSetRow(json.at("partly").at("general"), partly, "partly");
  const auto& combined = json.at("combined").at("general");
  EXPECT_EQ(combined.at("images").get<int>(), 3);
  EXPECT_EQ(combined.at("Num GT").get<std::int64_t>(), complete.numGt + partly.numGt);
  EXPECT_EQ(combined.at("Num Pred").get<std::int64_t>(), complete.numPred + partly.numPred);
  EXPECT_EQ(combined.at("TP_05").get<std::int64_t>(), complete.tp05 + partly.tp05);
  EXPECT_NEAR(combined.at("avFscore").get<double>(), (complete.avF1 + partly.avF1) / 2, 1e-12);
  EXPECT_NEAR(combined.at("avg_gt_skel_coverage").get<double>(),
              (complete.coverage + partly.coverage) / 2, kFloat32Tolerance);
  EXPECT_NEAR(combined.at("avg_f1_cov_score").get<double>(), (complete.score + partly.score) / 2,
              kFloat32Tolerance);
  EXPECT_FALSE(combined.contains("GT_dim"));

  // The table: one row per set, the same numbers.
  EXPECT_EQ(summary->column("set")->strings(),
            (std::vector<std::string>{"complete", "partly", "combined"}));
  const auto& s = *summary->numericColumn("avg_f1_cov_score");
  EXPECT_EQ(s[2], combined.at("avg_f1_cov_score").get<double>());
  EXPECT_EQ(*summary->numericColumn("images"), (std::vector<double>{2, 1, 3}));
  const auto& overlap = *summary->numericColumn("GT_overlap");
  EXPECT_EQ(overlap[0], 4.0);           // the two crossing neurons of each complete image
  EXPECT_TRUE(std::isnan(overlap[2]));  // the combined set has no subsets
}

TEST(FisbeSummarizePlugin, OneKindOfImagesGivesOnlyTheCombinedRow) {
  const auto a = evaluateRun(0, false), b = evaluateRun(2, false);
  const auto result = run("fisbe.summarize", metricsInputs({a[0], b[0]}));
  const auto summary = summaryOutput(result);
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->column("set")->strings(), std::vector<std::string>{"combined"});
  EXPECT_EQ(summary->attributes().at("tables_skipped"), "0");
  const auto json = nlohmann::json::parse(summary->attributes().at("summary_json"));
  EXPECT_FALSE(json.contains("complete"));
  expectSetRow(json.at("combined").at("general"), expectedSet({metricsOf(a[0]), metricsOf(b[0])}),
               "combined");
  // Pooled over the set, within this set the subsets are kept.
  EXPECT_TRUE(json.at("combined").at("general").contains("GT_dim"));
}

TEST(FisbeSummarizePlugin, BadInputsAreRefusedClearly) {
  const auto a = evaluateRun(0, false);
  // Only instance tables: nothing to summarize.
  EXPECT_NE(failureOf(metricsInputs({a[1], a[2]}))
                .find("none of the 2 input tables is a "
                      "fisbe.evaluate metrics table"),
            std::string::npos);
  // A metrics table whose run does not say whether the GT was partly labelled.
  const auto& metrics = dynamic_cast<const nl::io::TableDataset&>(*a[0]);
  nl::io::Provenance provenance = metrics.provenance();
  provenance.parametersJson = R"({"remove_small": 0})";
  const auto noPartly =
      std::make_shared<nl::io::TableDataset>(nl::io::DatasetKind::Table, "FISBe metrics",
                                             metrics.columns(), provenance, metrics.attributes());
  EXPECT_NE(failureOf(metricsInputs({a[0], noPartly}))
                .find("input 2 ('FISBe metrics' from "
                      "fisbe.evaluate"),
            std::string::npos);
  EXPECT_NE(failureOf(metricsInputs({noPartly})).find("partly_labelled"), std::string::npos);
  // A damaged metrics file names the input and the key.
  auto damaged = metricsOf(a[0]);
  damaged["confusion_matrix"].erase("th_0_3");
  auto attributes = metrics.attributes();
  attributes["metrics_json"] = damaged.dump();
  const auto broken =
      std::make_shared<nl::io::TableDataset>(nl::io::DatasetKind::Table, "FISBe metrics",
                                             metrics.columns(), metrics.provenance(), attributes);
  const auto failure = failureOf(metricsInputs({broken}));
  EXPECT_NE(failure.find("input 1"), std::string::npos) << failure;
  EXPECT_NE(failure.find("'confusion_matrix.th_0_3' is missing"), std::string::npos) << failure;
  attributes["metrics_json"] = "{\"general\": ";
  EXPECT_NE(failureOf(metricsInputs({std::make_shared<nl::io::TableDataset>(
                          nl::io::DatasetKind::Table, "FISBe metrics", metrics.columns(),
                          metrics.provenance(), attributes)}))
                .find("metrics_json is not valid JSON"),
            std::string::npos);
  // The same run's table twice is counted twice, but said.
  const auto twice = summaryOutput(run("fisbe.summarize", metricsInputs({a[0], a[0]})));
  EXPECT_NE(twice->attributes().at("warning").find("input 2"), std::string::npos);
}

namespace {

nl::test::CliRun cli(const std::string& arguments) {
  return nl::test::runBinary(NEUROLOUPE_CLI, arguments);
}

void writeLabels(const std::filesystem::path& path, const std::vector<std::size_t>& shape,
                 const std::vector<double>& values) {
  std::vector<std::uint8_t> bytes(values.begin(), values.end());
  std::string dims;
  for (auto n : shape) dims += std::to_string(n) + ", ";
  nl::test::writeBytes(path, nl::test::npyBytes(1,
                                                "{'descr': '|u1', 'fortran_order': False, "
                                                "'shape': (" +
                                                    dims + "), }",
                                                nl::test::rawBytes(bytes)));
}

}  // namespace

TEST(FisbeSummarizeCli, TwoResultFilesCompleteAndPartlyLabelled) {
  nl::test::TempDir dir;
  writeLabels(dir / "gt.npy", {2, D, H, W}, groundTruth());
  writeLabels(dir / "pred_a.npy", {D, H, W}, prediction(0));
  writeLabels(dir / "pred_b.npy", {D, H, W}, prediction(2));
  const auto evaluate = [&](const std::string& pred, bool partly, const std::string& out) {
    const auto r =
        cli("run fisbe.evaluate --input gt='" + (dir / "gt.npy").string() + "' --input pred='" +
            (dir / pred).string() + "' --param remove_small=0 --param partly_labelled=" +
            (partly ? "true" : "false") + " --json -o '" + (dir / out).string() + "'");
    EXPECT_EQ(r.exitCode, 0) << r.out;
    return nlohmann::json::parse(r.out).at("outputs").at("metrics").at("metrics");
  };
  const auto complete = evaluate("pred_a.npy", false, "complete.h5");
  const auto partly = evaluate("pred_b.npy", true, "partly.h5");

  const auto r = cli("run fisbe.summarize --input metrics='" + (dir / "complete.h5").string() +
                     "' --input metrics='" + (dir / "partly.h5").string() + "' --json -o '" +
                     (dir / "summary.h5").string() + "'");
  ASSERT_EQ(r.exitCode, 0) << r.out;
  const auto out = nlohmann::json::parse(r.out).at("outputs").at("summary");
  EXPECT_EQ(out.at("columns").at("set"), nlohmann::json({"complete", "partly", "combined"}));
  const auto& sets = out.at("summary");  // the summary_json attribute, as JSON
  const auto c = expectedSet({complete}), p = expectedSet({partly});
  expectSetRow(sets.at("complete").at("general"), c, "complete");
  expectSetRow(sets.at("partly").at("general"), p, "partly");
  const auto& combined = sets.at("combined").at("general");
  EXPECT_NEAR(combined.at("avg_f1_cov_score").get<double>(), (c.score + p.score) / 2,
              kFloat32Tolerance);
  EXPECT_NEAR(combined.at("avFscore").get<double>(), (c.avF1 + p.avF1) / 2, 1e-12);
  EXPECT_NEAR(combined.at("avg_gt_skel_coverage").get<double>(), (c.coverage + p.coverage) / 2,
              kFloat32Tolerance);
  EXPECT_EQ(combined.at("Num GT").get<std::int64_t>(), c.numGt + p.numGt);
  EXPECT_EQ(combined.at("Num Pred").get<std::int64_t>(), c.numPred + p.numPred);
  EXPECT_EQ(combined.at("TP_05").get<std::int64_t>(), c.tp05 + p.tp05);
  EXPECT_EQ(combined.at("FS").get<std::int64_t>(), c.falseSplits + p.falseSplits);
  // Each result file also holds two instance tables: skipped and counted.
  EXPECT_EQ(out.at("columns").at("images"), nlohmann::json({1, 1, 2}));
  EXPECT_TRUE(std::filesystem::exists(dir / "summary.h5"));

  // A result file without any metrics table is a clear failure, not an empty summary.
  const auto none = cli("run fisbe.summarize --input metrics='" + (dir / "complete.h5").string() +
                        "::/outputs/gt_instances' --json");
  EXPECT_NE(none.exitCode, 0);
}
