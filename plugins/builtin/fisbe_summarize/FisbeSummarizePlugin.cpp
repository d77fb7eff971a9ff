// fisbe.summarize: the metrics tables of several fisbe.evaluate runs (one
// image each) → analysis::fisbe::summarize, the official set aggregation.
#include <QObject>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "analysis/fisbe/Aggregate.h"
#include "analysis/fisbe/MetricsJson.h"
#include "plugins/api/AnalysisPlugin.h"

namespace {

namespace fisbe = nl::analysis::fisbe;

// "input 2 ('FISBe metrics' from fisbe.evaluate, 2024-…)": result files name
// every metrics table alike, so the position tells them apart.
std::string describe(const nl::io::Dataset& table, std::size_t index) {
  std::string text = "input " + std::to_string(index + 1) + " ('" + table.name() + "'";
  if (!table.provenance().pluginId.empty()) text += " from " + table.provenance().pluginId;
  if (!table.provenance().createdUtc.empty()) text += ", " + table.provenance().createdUtc;
  return text + ")";
}

// fisbe.evaluate records partly_labelled in its run's parameters; the metrics
// file itself does not say it, and guessing would put the image in the wrong set.
bool partlyLabelledOf(const nl::io::Dataset& table, std::size_t index) {
  const auto parameters = nlohmann::json::parse(table.provenance().parametersJson, nullptr, false);
  if (parameters.is_discarded() || !parameters.is_object() ||
      !parameters.contains("partly_labelled") || !parameters["partly_labelled"].is_boolean())
    throw std::invalid_argument(describe(table, index) +
                                " has metrics_json, but its provenance does not record the "
                                "boolean parameter partly_labelled of the fisbe.evaluate run");
  return parameters["partly_labelled"].get<bool>();
}

nlohmann::json summaryJson(const fisbe::EvaluationSummary& summary) {
  nlohmann::json out = nlohmann::json::object();
  if (summary.complete) out["complete"] = fisbe::setSummaryJson(*summary.complete);
  if (summary.partly) out["partly"] = fisbe::setSummaryJson(*summary.partly);
  out["combined"] = fisbe::setSummaryJson(summary.combined);
  return out;
}

// One row per set; the columns are setSummaryJson's "general" numbers (lists
// such as TP_05_cldice stay in summary_json). Sets without the dim/overlap
// subsets (the combined one) get NaN there.
std::vector<nl::io::Column> summaryTable(const nlohmann::json& sets) {
  static const std::vector<std::string> kColumns{"images",
                                                 "Num GT",
                                                 "Num Pred",
                                                 "avg_f1_cov_score",
                                                 "avFscore",
                                                 "avg_gt_skel_coverage",
                                                 "FM",
                                                 "FS",
                                                 "TP_05",
                                                 "TP_05_rel",
                                                 "avg_TP_05_cldice",
                                                 "GT_dim",
                                                 "TP_05_dim",
                                                 "TP_05_rel_dim",
                                                 "avg_gt_cov_dim",
                                                 "GT_overlap",
                                                 "TP_05_overlap",
                                                 "TP_05_rel_overlap",
                                                 "avg_gt_cov_overlap"};
  std::vector<std::string> setNames;
  for (const char* name : {"complete", "partly", "combined"})
    if (sets.contains(name)) setNames.push_back(name);
  std::vector<nl::io::Column> columns{{"set", setNames}};
  for (const auto& column : kColumns) {
    bool present = false;
    std::vector<double> values;
    for (const auto& set : setNames) {
      const auto& general = sets.at(set).at("general");
      present = present || general.contains(column);
      values.push_back(general.contains(column) ? general.at(column).get<double>() : std::nan(""));
    }
    if (present) columns.push_back({column, std::move(values)});
  }
  return columns;
}

class FisbeSummarizePlugin final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "fisbe.summarize"; }
  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs, const nl::plugins::ParameterSet&,
                           nl::plugins::RunContext& context) override {
    const auto tables = nl::plugins::inputsOf(inputs, "metrics");
    std::vector<fisbe::ImageMetrics> images;
    std::vector<std::string> skipped, used;
    std::set<std::string> seen;
    std::string duplicates;
    for (std::size_t i = 0; i < tables.size(); ++i) {
      context.checkCancel();
      const auto& table = *tables[i];
      const auto it = table.attributes().find("metrics_json");
      if (it == table.attributes().end()) {
        skipped.push_back(describe(table, i));  // e.g. instance tables of a whole result file
        continue;
      }
      const auto json = nlohmann::json::parse(it->second, nullptr, false);
      if (json.is_discarded())
        throw std::invalid_argument(describe(table, i) + ": metrics_json is not valid JSON");
      try {
        images.push_back(fisbe::imageMetricsFromOfficialJson(json, partlyLabelledOf(table, i)));
      } catch (const std::invalid_argument& error) {
        const std::string message = error.what();
        throw std::invalid_argument(
            message.starts_with("input ") ? message : describe(table, i) + ": " + message);
      }
      used.push_back(describe(table, i));
      // The same run's table twice (a result file given twice) counts its image twice.
      const std::string identity = table.provenance().createdUtc + "\n" +
                                   table.provenance().parametersJson + "\n" + it->second;
      if (!seen.insert(identity).second)
        duplicates += describe(table, i) + " repeats an earlier table of the same run\n";
    }
    if (images.empty())
      throw std::invalid_argument(
          "none of the " + std::to_string(tables.size()) +
          " input tables is a fisbe.evaluate metrics table (attribute metrics_json); give the "
          "'metrics' outputs or the result files of fisbe.evaluate runs");

    std::vector<const fisbe::ImageMetrics*> pointers;
    for (const auto& image : images) pointers.push_back(&image);
    const auto summary = fisbe::summarize(pointers);
    const auto sets = summaryJson(summary);

    std::string report = std::to_string(used.size()) + " metrics table" +
                         (used.size() == 1 ? "" : "s") + " used, " +
                         std::to_string(skipped.size()) + " table" +
                         (skipped.size() == 1 ? "" : "s") + " without metrics_json skipped";
    context.update(1.0, report);
    nl::io::Attributes attributes{{"summary_json", sets.dump()},
                                  {"tables_used", std::to_string(used.size())},
                                  {"tables_skipped", std::to_string(skipped.size())}};
    auto join = [](const std::vector<std::string>& lines) {
      std::string text;
      for (const auto& line : lines) text += line + "\n";
      return text;
    };
    attributes["used"] = join(used);
    if (!skipped.empty()) attributes["skipped"] = join(skipped);
    if (!duplicates.empty()) attributes["warning"] = duplicates;
    auto output = std::make_shared<nl::io::TableDataset>(nl::io::DatasetKind::Table,
                                                         "FISBe summary", summaryTable(sets),
                                                         context.provenance(), attributes);
    return {{"summary", output}};
  }
};

}  // namespace

class FisbeSummarizeFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<FisbeSummarizePlugin>();
  }
};

#include "FisbeSummarizePlugin.moc"
