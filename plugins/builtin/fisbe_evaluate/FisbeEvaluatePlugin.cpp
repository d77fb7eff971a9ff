// fisbe.evaluate: glue from two label volumes (chunked microscopy volumes or
// in-memory arrays) to analysis::fisbe::evaluate, streaming plane blocks.
#include <QObject>
#include <algorithm>
#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "analysis/fisbe/Evaluate.h"
#include "analysis/fisbe/MetricsJson.h"
#include "analysis/fisbe/VolumeLabels.h"
#include "io/microscopy/VolumeDataset.h"
#include "plugins/api/AnalysisPlugin.h"

namespace {

using nl::analysis::fisbe::LabelType;

// An in-memory array (C order, [z][y][x] or [c][z][y][x]) as int64 labels.
class ArrayLabels final : public nl::analysis::fisbe::LabelSource {
 public:
  explicit ArrayLabels(const nl::io::ArrayDataset& array) {
    const auto shape = array.shape();
    if (shape.size() != 3 && shape.size() != 4)
      throw std::invalid_argument("'" + array.name() + "' is not a 3-D or 4-D label volume");
    const std::size_t offset = shape.size() == 4 ? 1 : 0;
    channels_ = shape.size() == 4 ? static_cast<std::int64_t>(shape[0]) : 1;
    shape_ = {static_cast<std::int64_t>(shape[offset]),
              static_cast<std::int64_t>(shape[offset + 1]),
              static_cast<std::int64_t>(shape[offset + 2])};
    labels_.reserve(array.values().size());
    for (double v : array.values()) {
      if (!(v >= 0) || v != static_cast<double>(static_cast<std::int64_t>(v)))
        throw std::invalid_argument("'" + array.name() + "' holds " + std::to_string(v) +
                                    ", not a non-negative integer label");
      labels_.push_back(static_cast<std::int64_t>(v));
    }
  }
  std::int64_t channels() const override { return channels_; }
  nl::analysis::fisbe::Shape3 shape() const override { return shape_; }
  void readPlanes(
      std::int64_t channel, std::int64_t zBegin, std::int64_t zEnd,
      const std::function<void(const nl::analysis::fisbe::PlaneBlock&)>& consume) const override {
    const std::int64_t plane = shape_.height * shape_.width;
    consume({labels_.data() + (channel * shape_.depth + zBegin) * plane, LabelType::Int64, zBegin,
             zEnd - zBegin});
  }

 private:
  std::vector<std::int64_t> labels_;
  std::int64_t channels_ = 1;
  nl::analysis::fisbe::Shape3 shape_;
};

std::unique_ptr<nl::analysis::fisbe::LabelSource> labelsOf(const nl::io::Dataset& dataset) {
  if (const auto* volume = dynamic_cast<const nl::io::microscopy::VolumeDataset*>(&dataset))
    return std::make_unique<nl::analysis::fisbe::VolumeLabels>(*volume);
  if (const auto* array = dynamic_cast<const nl::io::ArrayDataset*>(&dataset))
    return std::make_unique<ArrayLabels>(*array);
  throw std::invalid_argument("'" + dataset.name() + "' is not a label volume");
}

// "[3, 5, 7]" or "3,5,7" (the zarr attribute as the reader keeps it).
std::vector<std::int64_t> dimNeuronsOf(const nl::io::Dataset& gt) {
  const auto it = gt.attributes().find("dim_neurons");
  if (it == gt.attributes().end()) return {};
  std::string text = it->second;
  std::replace(text.begin(), text.end(), ',', ' ');
  std::erase_if(text, [](char ch) { return ch == '[' || ch == ']'; });
  std::vector<std::int64_t> ids;
  std::size_t position = 0;
  while (position < text.size()) {
    const auto start = text.find_first_not_of(' ', position);
    if (start == std::string::npos) break;
    const auto end = text.find(' ', start);
    ids.push_back(std::stoll(text.substr(start, end - start)));
    position = end == std::string::npos ? text.size() : end;
  }
  return ids;
}

// JSON rows (objects) → a table; arrays and objects in cells become JSON text.
// Without rows, the table still has the columns its manifest declares
// (`declared`), empty, so that a run with no instance keeps the promise.
std::vector<nl::io::Column> tableOf(const nlohmann::json& rows,
                                    const std::vector<std::string>& declared) {
  if (rows.empty()) {
    std::vector<nl::io::Column> columns;
    for (const auto& name : declared) columns.push_back({name, std::vector<double>{}});
    return columns;
  }
  // Who the instance is and how it fared first; the rest as JSON orders keys.
  static const std::vector<std::string> kLeading{"id",
                                                 "label",
                                                 "channel",
                                                 "matched_pred_05",
                                                 "matched_gt_05",
                                                 "matched_cldice_05",
                                                 "coverage",
                                                 "false_positive_05",
                                                 "false_split_05",
                                                 "merged_gts",
                                                 "voxels",
                                                 "skeleton_voxels"};
  std::vector<std::string> names;
  for (const auto& name : kLeading)
    if (std::any_of(rows.begin(), rows.end(), [&](const auto& row) { return row.contains(name); }))
      names.push_back(name);
  for (const auto& row : rows)
    for (const auto& [key, value] : row.items())
      if (std::find(names.begin(), names.end(), key) == names.end()) names.push_back(key);
  std::vector<nl::io::Column> columns;
  for (const auto& name : names) {
    bool numeric = true;
    for (const auto& row : rows)
      if (row.contains(name) && !row[name].is_number() && !row[name].is_boolean()) numeric = false;
    if (numeric) {
      std::vector<double> values;
      for (const auto& row : rows)
        values.push_back(!row.contains(name)      ? std::nan("")
                         : row[name].is_boolean() ? (row[name].get<bool>() ? 1.0 : 0.0)
                                                  : row[name].get<double>());
      columns.push_back({name, std::move(values)});
    } else {
      std::vector<std::string> values;
      for (const auto& row : rows)
        values.push_back(!row.contains(name)     ? std::string()
                         : row[name].is_string() ? row[name].get<std::string>()
                                                 : row[name].dump());
      columns.push_back({name, std::move(values)});
    }
  }
  return columns;
}

// The columns manifest.json declares for gt_instances and pred_instances.
const std::vector<std::string> kGtColumns{
    "id",     "label",           "channel",   "matched_pred_05", "matched_cldice_05",    "coverage",
    "voxels", "skeleton_voxels", "best_pred", "best_cldice",     "covering_predictions", "dim"};
const std::vector<std::string> kPredColumns{"id",
                                            "label",
                                            "channel",
                                            "matched_gt_05",
                                            "matched_cldice_05",
                                            "assigned_gt",
                                            "false_positive_05",
                                            "false_split_05",
                                            "merged_gts",
                                            "voxels",
                                            "skeleton_voxels"};

class FisbeEvaluatePlugin final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "fisbe.evaluate"; }
  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs,
                           const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto& gtDataset = *inputs.at("ground_truth");
    const auto& predDataset = *inputs.at("prediction");
    const auto gt = labelsOf(gtDataset);
    const auto pred = labelsOf(predDataset);
    nl::analysis::fisbe::EvaluationOptions options;
    options.partlyLabelled = parameters.boolean("partly_labelled");
    options.removeSmallPredictions = parameters.integer("remove_small");
    options.threads = static_cast<unsigned>(parameters.integer("threads"));
    options.dimNeurons = dimNeuronsOf(gtDataset);
    const auto metrics = nl::analysis::fisbe::evaluate(*gt, *pred, options, &context);

    // The official file's sections as rows: section, metric, value (text for lists).
    const auto official = nl::analysis::fisbe::officialMetricsJson(metrics);
    std::vector<std::string> sections, names, texts;
    std::vector<double> values;
    std::function<void(const std::string&, const nlohmann::json&)> addRows =
        [&](const std::string& section, const nlohmann::json& object) {
          for (const auto& [key, value] : object.items()) {
            if (value.is_object()) {
              addRows(section.empty() ? key : section + "." + key, value);
              continue;
            }
            sections.push_back(section);
            names.push_back(key);
            values.push_back(value.is_number()    ? value.get<double>()
                             : value.is_boolean() ? (value.get<bool>() ? 1.0 : 0.0)
                                                  : std::nan(""));
            texts.push_back(value.is_number() ? std::string() : value.dump());
          }
        };
    addRows("", official);
    nl::io::Attributes attributes{{"metrics_json", official.dump()},
                                  {"ground_truth", gtDataset.name()},
                                  {"prediction", predDataset.name()}};
    for (const auto& warning : metrics.warnings) attributes["warning"] += warning + "\n";
    auto metricsTable = std::make_shared<nl::io::TableDataset>(
        nl::io::DatasetKind::Table, "FISBe metrics",
        std::vector<nl::io::Column>{
            {"section", sections}, {"metric", names}, {"value", values}, {"text", texts}},
        context.provenance(), attributes);
    const auto tables = nl::analysis::fisbe::instanceTablesJson(metrics);
    auto gtTable = std::make_shared<nl::io::TableDataset>(
        nl::io::DatasetKind::Table, "FISBe ground-truth instances",
        tableOf(tables.at("gt"), kGtColumns), context.provenance());
    auto predTable = std::make_shared<nl::io::TableDataset>(
        nl::io::DatasetKind::Table, "FISBe predicted instances",
        tableOf(tables.at("pred"), kPredColumns), context.provenance());
    return {{"metrics", metricsTable}, {"gt_instances", gtTable}, {"pred_instances", predTable}};
  }
};

}  // namespace

class FisbeEvaluateFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<FisbeEvaluatePlugin>();
  }
};

#include "FisbeEvaluatePlugin.moc"
