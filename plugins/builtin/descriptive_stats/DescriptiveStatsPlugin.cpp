// stats.descriptive: thin glue from datasets to analysis::stats::describeColumns.
#include <QObject>
#include <nlohmann/json.hpp>

#include "analysis/stats/Descriptive.h"
#include "plugins/api/AnalysisPlugin.h"

namespace {

using nl::io::Column;
using nl::io::DatasetKind;

class DescriptiveStats final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "stats.descriptive"; }

  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs,
                           const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto& input = inputs.at("data");
    const std::string axis = parameters.text("axis");
    const double lowerQ = parameters.real("lower_quantile");
    const double upperQ = parameters.real("upper_quantile");

    Eigen::MatrixXd matrix;
    std::vector<std::string> columnNames;
    if (const auto* array = dynamic_cast<const nl::io::ArrayDataset*>(input.get())) {
      context.update(0.0, "reading " + array->name());
      const auto& values = array->values();
      const auto rows = static_cast<Eigen::Index>(array->rows());
      const auto cols = static_cast<Eigen::Index>(array->columnsPerRow());
      matrix =
          Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
              values.data(), rows, cols);
      for (Eigen::Index c = 0; c < cols; ++c) columnNames.push_back("column " + std::to_string(c));
    } else if (const auto* table = dynamic_cast<const nl::io::TableDataset*>(input.get())) {
      std::vector<const Column*> numeric;
      for (const auto& column : table->columns())
        if (column.isNumeric()) numeric.push_back(&column);
      if (numeric.empty())
        throw std::invalid_argument("table '" + table->name() + "' has no numeric column");
      matrix.resize(static_cast<Eigen::Index>(table->rowCount()),
                    static_cast<Eigen::Index>(numeric.size()));
      for (std::size_t c = 0; c < numeric.size(); ++c) {
        columnNames.push_back(numeric[c]->name);
        for (std::size_t r = 0; r < table->rowCount(); ++r)
          matrix(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) =
              numeric[c]->numbers()[r];
      }
    } else {
      throw std::invalid_argument("unsupported input '" + input->name() + "'");
    }

    std::vector<std::string> names;
    if (axis == "rows") {
      matrix.transposeInPlace();
      for (Eigen::Index r = 0; r < matrix.cols(); ++r) names.push_back("row " + std::to_string(r));
    } else if (axis == "all") {
      Eigen::MatrixXd all = Eigen::Map<Eigen::MatrixXd>(matrix.data(), matrix.size(), 1);
      matrix = std::move(all);
      names.push_back("all values");
    } else {
      names = columnNames;
    }

    const auto summaries = nl::analysis::stats::describeColumns(matrix, lowerQ, upperQ, context);
    std::vector<double> count, missing, mean, sd, minimum, lower, median, upper, maximum;
    for (const auto& s : summaries) {
      count.push_back(static_cast<double>(s.count));
      missing.push_back(static_cast<double>(s.missing));
      mean.push_back(s.mean);
      sd.push_back(s.standardDeviation);
      minimum.push_back(s.minimum);
      lower.push_back(s.lowerQuantile);
      median.push_back(s.median);
      upper.push_back(s.upperQuantile);
      maximum.push_back(s.maximum);
    }
    auto quantileName = [](double q) {
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "q%g", q * 100);
      return std::string(buffer);
    };
    std::vector<Column> columns{
        {"variable", names},
        {"count", count},
        {"missing", missing},
        {"mean", mean},
        {"sd", sd},
        {"min", minimum},
        {quantileName(lowerQ) == "q50" ? "q_lower" : quantileName(lowerQ), lower},
        {"median", median},
        {quantileName(upperQ) == "q50" ? "q_upper" : quantileName(upperQ), upper},
        {"max", maximum}};
    auto summary =
        std::make_shared<nl::io::TableDataset>(DatasetKind::Table, input->name() + " — statistics",
                                               std::move(columns), context.provenance());
    return {{"summary", summary}};
  }
};

}  // namespace

class DescriptiveStatsFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<DescriptiveStats>();
  }
};

#include "DescriptiveStatsPlugin.moc"
