// ephys.psth: glue from a recording + intervals table to analysis::ephys::psth.
#include <QObject>
#include <nlohmann/json.hpp>

#include "plugins/api/AnalysisPlugin.h"
#include "plugins/support/EphysInputs.h"

namespace {

class PsthPlugin final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "ephys.psth"; }
  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs,
                           const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto& recording = dynamic_cast<const nl::io::SpikeRecording&>(*inputs.at("recording"));
    const auto& intervals = dynamic_cast<const nl::io::TableDataset&>(*inputs.at("intervals"));
    const auto units = nl::plugins::ephys::selectUnits(recording, parameters.text("unit_filter"));
    if (units.empty()) throw std::invalid_argument("no unit passes the filter");
    const std::string groupBy = parameters.text("group_by");
    auto conditions = nl::plugins::ephys::conditionsFrom(intervals, groupBy);
    if (groupBy.empty()) {  // all events pooled into one condition
      conditions.conditionOf.assign(conditions.eventTimes.size(), 0);
      conditions.labels = {"all"};
    }
    const auto p = nl::analysis::ephys::psth(
        nl::plugins::ephys::spikeTrains(recording, units).spans, conditions,
        parameters.real("window_start"), parameters.real("window_stop"),
        parameters.real("bin_width"), parameters.real("smoothing"), context);
    nl::io::Attributes attributes{
        {"condition_labels", nl::plugins::ephys::labelsJson(conditions.labels)},
        {"unit_ids", nl::plugins::ephys::unitIdsJson(recording, units)},
        {"bin_centres_s", nlohmann::json(p.binCentres()).dump()},
        {"axes", "unit, condition, time bin"}};
    const std::vector<std::size_t> shape{p.units, p.conditions, p.bins};
    return {{"psth", std::make_shared<nl::io::ArrayDataset>(
                         nl::io::DatasetKind::Array, recording.name() + " PSTH", shape, p.rate,
                         context.provenance(), attributes)},
            {"sem", std::make_shared<nl::io::ArrayDataset>(
                        nl::io::DatasetKind::Array, recording.name() + " PSTH SEM", shape, p.sem,
                        context.provenance(), attributes)}};
  }
};

}  // namespace

class PsthFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<PsthPlugin>();
  }
};

#include "PsthPlugin.moc"
