// example.zscore: z-scores the columns of an array or a table. Everything it
// uses comes from the installed plugin SDK (find_package(NeuroLoupe)).
#include <neuroloupe/plugins/api/AnalysisPlugin.h>
#include <QObject>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using nl::io::ArrayDataset;
using nl::io::Column;
using nl::io::DatasetKind;
using nl::io::TableDataset;

// A column's values and its name.
struct NamedColumn {
  std::string name;
  std::vector<double> values;
};

std::vector<NamedColumn> columnsOf(const nl::io::Dataset& input) {
  std::vector<NamedColumn> columns;
  if (const auto* array = dynamic_cast<const ArrayDataset*>(&input)) {
    const auto& values = array->values();
    const std::size_t rows = array->rows(), width = array->columnsPerRow();
    for (std::size_t c = 0; c < width; ++c) {
      NamedColumn column{"column " + std::to_string(c), {}};
      for (std::size_t r = 0; r < rows; ++r) column.values.push_back(values[r * width + c]);
      columns.push_back(std::move(column));
    }
  } else if (const auto* table = dynamic_cast<const TableDataset*>(&input)) {
    for (const auto& column : table->columns())
      if (column.isNumeric()) columns.push_back({column.name, column.numbers()});
  }
  if (columns.empty())
    throw std::invalid_argument("'" + input.name() + "' has no numeric column to z-score");
  return columns;
}

std::string jsonStringArray(const std::vector<NamedColumn>& columns) {
  std::string text = "[";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    text += i ? ",\"" : "\"";
    for (char ch : columns[i].name) {
      if (ch == '"' || ch == '\\') text += '\\';
      text += ch;
    }
    text += '"';
  }
  return text + "]";
}

class ZScore final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "example.zscore"; }

  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs,
                           const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto& input = *inputs.at("data");
    const auto ddof = static_cast<double>(parameters.integer("ddof"));
    const auto columns = columnsOf(input);
    const std::size_t rows = columns.front().values.size();
    const double nan = std::numeric_limits<double>::quiet_NaN();

    std::vector<double> scores(rows * columns.size(), nan);
    std::vector<std::string> names;
    std::vector<double> counts, means, sds;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      context.update(static_cast<double>(c) / static_cast<double>(columns.size()),
                     "z-scoring " + columns[c].name);  // throws when the user cancels
      double sum = 0, n = 0;
      for (double v : columns[c].values)
        if (std::isfinite(v)) sum += v, n += 1;
      const double mean = n > 0 ? sum / n : nan;
      double squares = 0;
      for (double v : columns[c].values)
        if (std::isfinite(v)) squares += (v - mean) * (v - mean);
      const double sd = n - ddof > 0 ? std::sqrt(squares / (n - ddof)) : nan;
      for (std::size_t r = 0; r < rows; ++r) {
        const double v = columns[c].values[r];
        if (std::isfinite(v) && sd > 0) scores[r * columns.size() + c] = (v - mean) / sd;
      }
      names.push_back(columns[c].name);
      counts.push_back(n);
      means.push_back(mean);
      sds.push_back(sd);
    }

    // Every output carries the run's provenance; the runner refuses others.
    const auto& provenance = context.provenance();
    auto scoreArray = std::make_shared<ArrayDataset>(
        DatasetKind::Array, input.name() + " z-scores",
        std::vector<std::size_t>{rows, columns.size()}, std::move(scores), provenance,
        nl::io::Attributes{{"column_names", jsonStringArray(columns)}});
    auto moments = std::make_shared<TableDataset>(
        DatasetKind::Table, input.name() + " column moments",
        std::vector<Column>{{"column", names}, {"count", counts}, {"mean", means}, {"sd", sds}},
        provenance);
    return {{"scores", scoreArray}, {"moments", moments}};
  }
};

}  // namespace

class ZScoreFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<ZScore>();
  }
};

#include "ZScorePlugin.moc"
