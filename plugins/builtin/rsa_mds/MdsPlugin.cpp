// rsa.mds: glue from an RDM (or responses) to analysis::rsa::classicalMds.
#include <QObject>
#include <nlohmann/json.hpp>

#include "analysis/rsa/Mds.h"
#include "plugins/api/AnalysisPlugin.h"
#include "plugins/builtin/rsa_support/RsaInputs.h"

namespace {

namespace in = nl::plugins::rsainputs;
namespace rsa = nl::analysis::rsa;

class MdsPlugin final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "rsa.mds"; }
  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs,
                           const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto& input = *inputs.at("rdm");
    const auto reading = in::parseInputReading(parameters.text("input_reading"));
    const auto options = in::rdmOptionsFrom(parameters);
    const bool givenRdm = in::readsAsRdm(input, reading);
    std::string method = parameters.text("rdm_method");
    if (givenRdm) {
      const auto it = input.attributes().find(in::kMethodAttribute);
      method = it == input.attributes().end() ? std::string() : it->second;
    }
    in::StepProgress rdmStep(context, 0.0, 0.8);
    rsa::Matrix rdm = in::rdmOf(input, reading, options, rdmStep);
    bool squared = false, similarity = false;
    if (!method.empty()) try {
        const auto parsed = rsa::parseRdmMethod(method);
        squared = parsed == rsa::RdmMethod::Euclidean;
        similarity = rsa::isSimilarity(parsed);
      } catch (const std::invalid_argument&) {
        // An unknown method name in a file: take the entries as distances.
      }
    if (similarity) rdm = (1.0 - rdm.array()).matrix();
    if (rdm.array().isNaN().any())
      throw std::invalid_argument("'" + input.name() +
                                  "' has NaN entries; MDS needs a complete RDM");
    context.update(0.85, "multidimensional scaling");
    const auto result =
        rsa::classicalMds(rdm, static_cast<int>(parameters.integer("dimensions")), squared);
    const auto labels =
        in::runLabels(inputs, parameters, {inputs.at("rdm")}, static_cast<std::size_t>(rdm.rows()));
    nl::io::Attributes attributes{
        {"axes", "stimulus, dimension"},
        {"explained", nl::plugins::formatValue(result.explained)},
        {"eigenvalues",
         nlohmann::json(std::vector<double>(result.eigenvalues.data(),
                                            result.eigenvalues.data() + result.eigenvalues.size()))
             .dump()},
        {"rdm_method", method},
        {"name", in::displayNameOf(input)}};
    if (!labels.empty()) attributes[in::kLabelsAttribute] = in::labelsJson(labels);
    const auto& coordinates = result.coordinates;
    std::vector<double> values(coordinates.data(), coordinates.data() + coordinates.size());
    return {
        {"coordinates", std::make_shared<nl::io::ArrayDataset>(
                            nl::io::DatasetKind::Array, in::displayNameOf(input) + " MDS",
                            std::vector<std::size_t>{static_cast<std::size_t>(coordinates.rows()),
                                                     static_cast<std::size_t>(coordinates.cols())},
                            std::move(values), context.provenance(), attributes)}};
  }
};

}  // namespace

class MdsFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<MdsPlugin>();
  }
};

#include "MdsPlugin.moc"
