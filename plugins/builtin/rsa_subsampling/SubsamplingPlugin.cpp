// rsa.subsampling: glue from one population to analysis::rsa::subsamplingCurves.
#include <QObject>
#include <charconv>
#include <nlohmann/json.hpp>

#include "analysis/rsa/LayerMapping.h"
#include "plugins/api/AnalysisPlugin.h"
#include "plugins/builtin/rsa_support/RsaInputs.h"

namespace {

namespace in = nl::plugins::rsainputs;
namespace rsa = nl::analysis::rsa;

std::vector<std::size_t> countList(const std::string& text, const std::string& parameter) {
  std::vector<std::size_t> counts;
  std::size_t start = 0;
  while (start < text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    std::size_t value = 0;
    const auto parsed = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || parsed.ec != std::errc() || parsed.ptr != item.data() + item.size())
      throw std::invalid_argument(parameter + ": '" + item + "' is not a count");
    counts.push_back(value);
    start = comma + 1;
  }
  return counts;
}

class SubsamplingPlugin final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "rsa.subsampling"; }
  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs,
                           const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto& input = *inputs.at("responses");
    const rsa::RowMatrix responses = in::responsesOf(input);
    rsa::SubsamplingOptions options;
    options.rdm = in::rdmOptionsFrom(parameters);
    options.compare = in::compareOptionsFrom(parameters);
    options.repeats = static_cast<std::size_t>(parameters.integer("repeats"));
    options.seed = static_cast<std::uint64_t>(parameters.integer("seed"));
    options.neuronCounts = countList(parameters.text("neuron_counts"), "neuron_counts");
    options.stimulusCounts = countList(parameters.text("stimulus_counts"), "stimulus_counts");
    const auto units = static_cast<std::size_t>(responses.cols());
    if (options.neuronCounts.empty()) {
      for (std::size_t decade = 1; decade < units; decade *= 10)
        for (const std::size_t step : {std::size_t{1}, std::size_t{2}, std::size_t{5}})
          if (decade * step < units) options.neuronCounts.push_back(decade * step);
      options.neuronCounts.push_back(units);
    }
    const auto curves = rsa::subsamplingCurves(responses, options, context);
    std::vector<double> values;
    for (Eigen::Index s = 0; s < curves.mean.rows(); ++s)
      for (Eigen::Index k = 0; k < curves.mean.cols(); ++k) {
        values.push_back(curves.mean(s, k));
        values.push_back(curves.standardDeviation(s, k));
      }
    const nl::io::Attributes attributes{
        {"axes", "stimulus count, neuron count, statistic"},
        {"statistics", R"(["mean","sd"])"},
        {"neuron_counts", nlohmann::json(curves.neuronCounts).dump()},
        {"stimulus_counts", nlohmann::json(curves.stimulusCounts).dump()},
        {"name", in::displayNameOf(input)}};
    return {{"curves", std::make_shared<nl::io::ArrayDataset>(
                           nl::io::DatasetKind::Array, in::displayNameOf(input) + " subsampling",
                           std::vector<std::size_t>{curves.stimulusCounts.size(),
                                                    curves.neuronCounts.size(), 2},
                           std::move(values), context.provenance(), attributes)}};
  }
};

}  // namespace

class SubsamplingFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<SubsamplingPlugin>();
  }
};

#include "SubsamplingPlugin.moc"
