// rsa.rdm: glue from one response/activation matrix to analysis::rsa::computeRdm.
#include <QObject>

#include "plugins/api/AnalysisPlugin.h"
#include "plugins/builtin/rsa_support/RsaInputs.h"

namespace {

namespace in = nl::plugins::rsainputs;

class RdmPlugin final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "rsa.rdm"; }
  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs,
                           const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto& data = *inputs.at("data");
    const auto options = in::rdmOptionsFrom(parameters);
    context.update(0.0, "RDM of " + data.name());
    const auto rdm = in::rdmOf(data, in::InputReading::Responses, options, context);
    const auto labels = in::runLabels(inputs, parameters, {inputs.at("data")},
                                      static_cast<std::size_t>(rdm.rows()));
    return {{"rdm", in::rdmDataset(rdm, in::displayNameOf(data), parameters.text("rdm_method"),
                                   labels, context.provenance())}};
  }
};

}  // namespace

class RdmFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<RdmPlugin>();
  }
};

#include "RdmPlugin.moc"
