// rsa.noise_ceiling: glue from several RDMs of one population to
// analysis::rsa::groupNoiseCeiling (rsatoolbox's lower/upper bounds).
#include <QObject>
#include <nlohmann/json.hpp>

#include "analysis/rsa/NoiseCeiling.h"
#include "plugins/api/AnalysisPlugin.h"
#include "plugins/builtin/rsa_support/RsaInputs.h"

namespace {

namespace in = nl::plugins::rsainputs;
namespace rsa = nl::analysis::rsa;

class NoiseCeilingPlugin final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "rsa.noise_ceiling"; }
  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs,
                           const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto datasets = nl::plugins::inputsOf(inputs, "rdms");
    if (datasets.size() < 2)
      throw std::invalid_argument("a group noise ceiling needs at least two RDMs (got " +
                                  std::to_string(datasets.size()) + ")");
    const auto reading = in::parseInputReading(parameters.text("input_reading"));
    const auto options = in::rdmOptionsFrom(parameters);
    std::vector<rsa::Matrix> rdms;
    for (std::size_t i = 0; i < datasets.size(); ++i) {
      in::StepProgress step(
          context, 0.9 * static_cast<double>(i) / static_cast<double>(datasets.size()),
          0.9 * static_cast<double>(i + 1) / static_cast<double>(datasets.size()));
      rdms.push_back(in::rdmOf(*datasets[i], reading, options, step));
      if (rdms.back().rows() != rdms.front().rows())
        throw std::invalid_argument(
            "'" + datasets[i]->name() + "' has " + std::to_string(rdms.back().rows()) +
            " stimuli, '" + datasets.front()->name() + "' " + std::to_string(rdms.front().rows()));
    }
    context.update(0.95, "noise ceiling");
    const auto bounds = rsa::groupNoiseCeiling(rdms, in::compareOptionsFrom(parameters));
    nl::io::Attributes attributes{{"names", R"(["lower","upper"])"},
                                  {"compare", parameters.text("compare")},
                                  {"entries", parameters.text("entries")},
                                  {"rdm_count", std::to_string(rdms.size())}};
    return {
        {"ceiling",
         std::make_shared<nl::io::ArrayDataset>(
             nl::io::DatasetKind::Scalars, "group noise ceiling", std::vector<std::size_t>{2},
             std::vector<double>{bounds.lower, bounds.upper}, context.provenance(), attributes)}};
  }
};

}  // namespace

class NoiseCeilingFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<NoiseCeilingPlugin>();
  }
};

#include "NoiseCeilingPlugin.moc"
