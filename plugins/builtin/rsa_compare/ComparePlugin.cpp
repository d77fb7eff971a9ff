// rsa.compare: glue from two RDMs (or response matrices) to analysis::rsa's
// comparison, bootstrap, permutation test and folds.
#include <QObject>
#include <limits>
#include <nlohmann/json.hpp>

#include "analysis/rsa/Inference.h"
#include "plugins/api/AnalysisPlugin.h"
#include "plugins/builtin/rsa_support/RsaInputs.h"

namespace {

namespace in = nl::plugins::rsainputs;
namespace rsa = nl::analysis::rsa;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

class ComparePlugin final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "rsa.compare"; }
  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs,
                           const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto& a = *inputs.at("a");
    const auto& b = *inputs.at("b");
    const auto reading = in::parseInputReading(parameters.text("input_reading"));
    const auto rdmOptions = in::rdmOptionsFrom(parameters);
    rsa::InferenceOptions options;
    options.compare = in::compareOptionsFrom(parameters);
    options.replicates = static_cast<std::size_t>(parameters.integer("replicates"));
    options.seed = static_cast<std::uint64_t>(parameters.integer("seed"));
    options.confidence = parameters.real("confidence");
    const std::string bootstrap = parameters.text("bootstrap");
    if (bootstrap == "neurons" && in::readsAsRdm(a, reading))
      throw std::invalid_argument("the neuron bootstrap resamples the units of input a, but '" +
                                  a.name() + "' is an RDM; give its stimuli × units responses");

    context.update(0.0, "RDM of " + a.name());
    in::StepProgress stepA(context, 0.0, 0.15), stepB(context, 0.15, 0.3);
    const rsa::Matrix rdmA = in::rdmOf(a, reading, rdmOptions, stepA);
    context.update(0.15, "RDM of " + b.name());
    const rsa::Matrix rdmB = in::rdmOf(b, reading, rdmOptions, stepB);
    if (rdmA.rows() != rdmB.rows())
      throw std::invalid_argument("mismatched stimulus counts: '" + a.name() + "' has " +
                                  std::to_string(rdmA.rows()) + " stimuli, '" + b.name() + "' " +
                                  std::to_string(rdmB.rows()));

    std::vector<std::string> names{"similarity",         "ci_low",  "ci_high",
                                   "standard_error",     "p_value", "fold_mean",
                                   "fold_standard_error"};
    std::vector<double> values{
        rsa::compareRdms(rdmA, rdmB, options.compare), kNaN, kNaN, kNaN, kNaN, kNaN, kNaN};
    std::vector<double> replicates, null;
    if (bootstrap != "none") {
      context.update(0.3, "bootstrap over " + bootstrap);
      in::StepProgress step(context, 0.3, 0.7);
      const auto result =
          bootstrap == "neurons"
              ? rsa::bootstrapNeurons(in::responsesOf(a), rdmOptions, {rdmB}, options, step)
              : rsa::bootstrapStimuli({rdmA}, {rdmB}, options, step);
      values[1] = result.ciLow(0, 0);
      values[2] = result.ciHigh(0, 0);
      values[3] = result.standardError(0, 0);
      for (std::size_t r = 0; r < result.replicateCount; ++r)
        replicates.push_back(result.sample(r, 0, 0));
    }
    if (const auto permutations = parameters.integer("permutations"); permutations > 0) {
      context.update(0.7, "permutation test");
      in::StepProgress step(context, 0.7, 0.95);
      auto permutationOptions = options;
      permutationOptions.replicates = static_cast<std::size_t>(permutations);
      const auto scheme = parameters.text("permutation_scheme") == "rows_and_columns"
                              ? rsa::PermutationScheme::RowsAndColumnsIndependently
                              : rsa::PermutationScheme::StimulusLabels;
      const auto result = rsa::permutationTest(rdmA, rdmB, permutationOptions, scheme, step);
      values[4] = result.pValue;
      null = result.null;
    }
    if (const auto folds = parameters.integer("folds"); folds > 0) {
      if (folds < 2) throw std::invalid_argument("folds must be 0 (none) or at least 2, got 1");
      const auto result =
          rsa::contiguousFolds(rdmA, rdmB, options.compare, static_cast<std::size_t>(folds));
      values[5] = result.mean;
      values[6] = result.standardError;
      for (std::size_t f = 0; f < result.values.size(); ++f) {
        names.push_back("fold_" + std::to_string(f + 1));
        values.push_back(result.values[f]);
      }
    }

    const nl::io::Attributes attributes{{"names", nlohmann::json(names).dump()},
                                        {"a", in::displayNameOf(a)},
                                        {"b", in::displayNameOf(b)},
                                        {"compare", parameters.text("compare")},
                                        {"entries", parameters.text("entries")},
                                        {"bootstrap", bootstrap}};
    const auto& provenance = context.provenance();
    auto scalars = std::make_shared<nl::io::ArrayDataset>(
        nl::io::DatasetKind::Scalars, "RDM similarity", std::vector<std::size_t>{values.size()},
        std::move(values), provenance, attributes);
    nl::plugins::Outputs outputs{{"similarity", scalars}};
    if (!replicates.empty())
      outputs.push_back({"bootstrap", std::make_shared<nl::io::ArrayDataset>(
                                          nl::io::DatasetKind::Array, "bootstrap replicates",
                                          std::vector<std::size_t>{replicates.size()},
                                          std::move(replicates), provenance, attributes)});
    if (!null.empty())
      outputs.push_back({"null_distribution", std::make_shared<nl::io::ArrayDataset>(
                                                  nl::io::DatasetKind::Array, "permutation null",
                                                  std::vector<std::size_t>{null.size()},
                                                  std::move(null), provenance, attributes)});
    return outputs;
  }
};

}  // namespace

class CompareFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<ComparePlugin>();
  }
};

#include "ComparePlugin.moc"
