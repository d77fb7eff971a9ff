// ephys.response_matrix: glue from a recording + intervals table to
// analysis::ephys::responseMatrix.
#include <QObject>

#include "plugins/api/AnalysisPlugin.h"
#include "plugins/support/EphysInputs.h"

namespace {

class ResponseMatrixPlugin final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "ephys.response_matrix"; }
  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs,
                           const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto& recording = dynamic_cast<const nl::io::SpikeRecording&>(*inputs.at("recording"));
    const auto& intervals = dynamic_cast<const nl::io::TableDataset&>(*inputs.at("intervals"));
    const auto units = nl::plugins::ephys::selectUnits(recording, parameters.text("unit_filter"));
    if (units.empty())
      throw std::invalid_argument("no unit passes the filter '" + parameters.text("unit_filter") +
                                  "'");
    const auto conditions =
        nl::plugins::ephys::conditionsFrom(intervals, parameters.text("group_by"));
    const auto result = nl::analysis::ephys::responseMatrix(
        nl::plugins::ephys::spikeTrains(recording, units).spans, conditions,
        parameters.real("window_start"), parameters.real("window_stop"), context);
    nl::io::Attributes attributes{
        {"stimulus_labels", nl::plugins::ephys::labelsJson(conditions.labels)},
        {"unit_ids", nl::plugins::ephys::unitIdsJson(recording, units)},
        {"stimulus_column", parameters.text("group_by")},
        {"units", "spikes/s"}};
    auto mean = std::make_shared<nl::io::ArrayDataset>(
        nl::io::DatasetKind::ResponseMatrix, recording.name() + " responses",
        std::vector<std::size_t>{result.stimuli, result.units}, result.mean, context.provenance(),
        attributes);
    attributes["axes"] = "trial, stimulus, unit";
    auto trials = std::make_shared<nl::io::ArrayDataset>(
        nl::io::DatasetKind::ResponseMatrix, recording.name() + " trial responses",
        std::vector<std::size_t>{result.maxTrials, result.stimuli, result.units}, result.trials,
        context.provenance(), attributes);
    return {{"responses", mean}, {"trials", trials}};
  }
};

}  // namespace

class ResponseMatrixFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<ResponseMatrixPlugin>();
  }
};

#include "ResponseMatrixPlugin.moc"
