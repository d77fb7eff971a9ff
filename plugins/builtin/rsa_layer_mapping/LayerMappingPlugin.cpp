// rsa.layer_mapping: brain populations × network layers through
// analysis::rsa::mapLayers, with split-half noise ceilings from trial tensors.
#include <QObject>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "analysis/rsa/LayerMapping.h"
#include "analysis/rsa/NoiseCeiling.h"
#include "plugins/api/AnalysisPlugin.h"
#include "plugins/builtin/rsa_support/RsaInputs.h"

namespace {

namespace in = nl::plugins::rsainputs;
namespace rsa = nl::analysis::rsa;
using nl::io::DatasetPtr;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

nlohmann::json numberOrNull(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

std::vector<std::string> namesOf(const std::vector<DatasetPtr>& datasets, const std::string& text,
                                 const std::string& parameter) {
  auto names = in::nameList(text, datasets.size(), parameter);
  if (names.empty())
    for (const auto& d : datasets) names.push_back(in::displayNameOf(*d));
  return names;
}

// Every RDM must be on the same stimuli; say which input differs.
void checkStimulusCounts(const std::vector<rsa::Matrix>& rdms,
                         const std::vector<std::string>& names,
                         const std::vector<std::string>& roles) {
  for (std::size_t i = 1; i < rdms.size(); ++i)
    if (rdms[i].rows() != rdms[0].rows())
      throw std::invalid_argument("mismatched stimulus counts: " + roles[0] + " '" + names[0] +
                                  "' has " + std::to_string(rdms[0].rows()) + " stimuli but " +
                                  roles[i] + " '" + names[i] + "' has " +
                                  std::to_string(rdms[i].rows()));
}

class LayerMappingPlugin final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "rsa.layer_mapping"; }

  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs,
                           const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto populations = nl::plugins::inputsOf(inputs, "populations");
    const auto layers = nl::plugins::inputsOf(inputs, "layers");
    const auto trials = nl::plugins::inputsOf(inputs, "trials");
    if (layers.size() < 2)
      throw std::invalid_argument("layer mapping needs at least 2 layers, got " +
                                  std::to_string(layers.size()));
    if (!trials.empty() && trials.size() != populations.size())
      throw std::invalid_argument(
          "trials are paired with populations by position: give one trial tensor per "
          "population (" +
          std::to_string(populations.size()) + "), or none; got " + std::to_string(trials.size()));
    const auto reading = in::parseInputReading(parameters.text("input_reading"));
    const auto rdmOptions = in::rdmOptionsFrom(parameters);
    const auto compare = in::compareOptionsFrom(parameters);
    const auto populationNames =
        namesOf(populations, parameters.text("population_names"), "population_names");
    const auto layerNames = namesOf(layers, parameters.text("layer_names"), "layer_names");

    // 1. RDMs: layers (the costly part: up to 10⁵–10⁶ features), then populations.
    std::vector<rsa::Matrix> rdms;
    std::vector<std::string> names, roles;
    const double layerShare = 0.45;
    for (std::size_t l = 0; l < layers.size(); ++l) {
      const double begin = layerShare * static_cast<double>(l) / static_cast<double>(layers.size());
      in::StepProgress step(
          context, begin,
          layerShare * static_cast<double>(l + 1) / static_cast<double>(layers.size()));
      context.update(begin, "RDM of layer " + layerNames[l]);
      rdms.push_back(in::rdmOf(*layers[l], reading, rdmOptions, step));
      names.push_back(layerNames[l]);
      roles.emplace_back("layer");
    }
    for (std::size_t p = 0; p < populations.size(); ++p) {
      const double share = 0.05 / static_cast<double>(populations.size());
      const double begin = layerShare + share * static_cast<double>(p);
      context.update(begin, "RDM of population " + populationNames[p]);
      in::StepProgress step(context, begin, begin + share);
      rdms.push_back(in::rdmOf(*populations[p], reading, rdmOptions, step));
      names.push_back(populationNames[p]);
      roles.emplace_back("population");
    }
    checkStimulusCounts(rdms, names, roles);
    const auto stimuli = static_cast<std::size_t>(rdms.front().rows());
    auto labelSources = populations;
    labelSources.insert(labelSources.end(), layers.begin(), layers.end());
    const auto labels = in::runLabels(inputs, parameters, labelSources, stimuli);

    // 2. Split-half noise ceilings, trials paired with populations by position.
    std::vector<std::optional<rsa::NoiseCeilingRange>> ceilings(populations.size());
    std::vector<double> ceilingMeans(populations.size(), kNaN);
    for (std::size_t p = 0; p < trials.size(); ++p) {
      const auto& tensor = dynamic_cast<const nl::io::ArrayDataset&>(*trials[p]);
      const auto shape = tensor.shape();
      if (shape.size() != 3)
        throw std::invalid_argument("trials '" + tensor.name() +
                                    "' must be trials × stimuli × units, has " +
                                    std::to_string(shape.size()) + " dimension(s)");
      if (shape[1] != stimuli)
        throw std::invalid_argument("trials '" + tensor.name() + "' has " +
                                    std::to_string(shape[1]) + " stimuli, population '" +
                                    populationNames[p] + "' " + std::to_string(stimuli));
      if (!in::readsAsRdm(*populations[p], reading) && populations[p]->shape().size() == 2 &&
          shape[2] != populations[p]->shape()[1])
        throw std::invalid_argument("trials '" + tensor.name() + "' has " +
                                    std::to_string(shape[2]) + " units but population '" +
                                    populationNames[p] + "' has " +
                                    std::to_string(populations[p]->shape()[1]) +
                                    " (trials pair with populations by position)");
      const double begin = 0.5 + 0.15 * static_cast<double>(p) / static_cast<double>(trials.size());
      context.update(begin, "noise ceiling of " + populationNames[p]);
      in::StepProgress step(
          context, begin,
          0.5 + 0.15 * static_cast<double>(p + 1) / static_cast<double>(trials.size()));
      rsa::SplitHalfOptions options;
      options.rdm = rdmOptions;
      options.compare = compare;
      options.repeats = static_cast<std::size_t>(parameters.integer("ceiling_repeats"));
      options.seed = static_cast<std::uint64_t>(parameters.integer("seed"));
      try {
        const auto ceiling = rsa::splitHalfNoiseCeiling(
            {tensor.values(), shape[0], shape[1], shape[2]}, options, step);
        ceilings[p] = rsa::NoiseCeilingRange{ceiling.mean - ceiling.standardDeviation,
                                             ceiling.mean + ceiling.standardDeviation};
        ceilingMeans[p] = ceiling.mean;
      } catch (const std::invalid_argument& error) {
        throw std::invalid_argument("noise ceiling of '" + populationNames[p] +
                                    "': " + error.what());
      }
    }

    // 3. The mapping with its stimulus bootstrap.
    std::vector<rsa::LayerInput> layerInputs;
    for (std::size_t l = 0; l < layers.size(); ++l) layerInputs.push_back({layerNames[l], rdms[l]});
    std::vector<rsa::PopulationInput> populationInputs;
    for (std::size_t p = 0; p < populations.size(); ++p)
      populationInputs.push_back({populationNames[p], rdms[layers.size() + p], ceilings[p]});
    rsa::LayerMappingOptions options;
    options.inference.compare = compare;
    options.inference.replicates = static_cast<std::size_t>(parameters.integer("replicates"));
    options.inference.seed = static_cast<std::uint64_t>(parameters.integer("seed"));
    options.inference.confidence = parameters.real("confidence");
    options.bootstrap = options.inference.replicates > 0;
    context.update(0.65, "comparing " + std::to_string(populations.size()) + " population(s) × " +
                             std::to_string(layers.size()) + " layers");
    in::StepProgress mappingStep(context, 0.65, 0.97);
    const auto mapping = rsa::mapLayers(layerInputs, populationInputs, options, mappingStep);

    return makeOutputs(mapping, rdms, names, roles, labels, ceilings, ceilingMeans, parameters,
                       context.provenance());
  }

 private:
  static nl::plugins::Outputs makeOutputs(
      const rsa::LayerMappingResult& mapping, const std::vector<rsa::Matrix>& rdms,
      const std::vector<std::string>& names, const std::vector<std::string>& roles,
      const std::vector<std::string>& labels,
      const std::vector<std::optional<rsa::NoiseCeilingRange>>& ceilings,
      const std::vector<double>& ceilingMeans, const nl::plugins::ParameterSet& parameters,
      const nl::io::Provenance& provenance) {
    const std::size_t populationCount = mapping.populations.size();
    const std::size_t layerCount = mapping.layerNames.size();
    nlohmann::json populationNames = nlohmann::json::array(), lower = nlohmann::json::array(),
                   upper = nlohmann::json::array();
    std::vector<double> profileValues, frequencies;
    for (std::size_t p = 0; p < populationCount; ++p) {
      const auto& profile = mapping.populations[p];
      populationNames.push_back(profile.name);
      lower.push_back(ceilings[p] ? numberOrNull(ceilings[p]->lower) : nlohmann::json(nullptr));
      upper.push_back(ceilings[p] ? numberOrNull(ceilings[p]->upper) : nlohmann::json(nullptr));
      for (std::size_t l = 0; l < layerCount; ++l) {
        profileValues.push_back(profile.similarity[l]);
        profileValues.push_back(profile.ciLow.empty() ? kNaN : profile.ciLow[l]);
        profileValues.push_back(profile.ciHigh.empty() ? kNaN : profile.ciHigh[l]);
        frequencies.push_back(profile.bestLayerFrequency.empty() ? kNaN
                                                                 : profile.bestLayerFrequency[l]);
      }
    }
    const nl::io::Attributes common{
        {"rdm_method", parameters.text("rdm_method")},
        {"compare", parameters.text("compare")},
        {"entries", parameters.text("entries")},
        {"replicates", std::to_string(parameters.integer("replicates"))},
        {"confidence", nl::plugins::formatValue(parameters.get("confidence"))},
        {"population_names", populationNames.dump()},
        {"layer_names", nlohmann::json(mapping.layerNames).dump()}};
    auto profileAttributes = common;
    profileAttributes["axes"] = "population, layer, statistic";
    profileAttributes["statistics"] = R"(["similarity","ci_low","ci_high"])";
    profileAttributes["noise_ceiling_lower"] = lower.dump();
    profileAttributes["noise_ceiling_upper"] = upper.dump();
    auto profiles = std::make_shared<nl::io::ArrayDataset>(
        nl::io::DatasetKind::Array, "RSA layer profiles",
        std::vector<std::size_t>{populationCount, layerCount, 3}, std::move(profileValues),
        provenance, profileAttributes);

    auto frequencyAttributes = common;
    frequencyAttributes["axes"] = "population, layer";
    auto frequency = std::make_shared<nl::io::ArrayDataset>(
        nl::io::DatasetKind::Array, "best-layer frequency",
        std::vector<std::size_t>{populationCount, layerCount}, std::move(frequencies), provenance,
        frequencyAttributes);

    std::vector<std::string> population, bestLayer;
    std::vector<double> bestIndex, bestSimilarity, depth, depthLow, depthHigh, weighted, ceiling,
        ceilingLow, ceilingHigh;
    for (std::size_t p = 0; p < populationCount; ++p) {
      const auto& profile = mapping.populations[p];
      population.push_back(profile.name);
      bestLayer.push_back(mapping.layerNames[profile.bestLayer]);
      bestIndex.push_back(static_cast<double>(profile.bestLayer));
      bestSimilarity.push_back(profile.similarity[profile.bestLayer]);
      depth.push_back(profile.pseudoDepth);
      depthLow.push_back(profile.pseudoDepthCi.low);
      depthHigh.push_back(profile.pseudoDepthCi.high);
      weighted.push_back(profile.weightedDepth);
      ceiling.push_back(ceilingMeans[p]);
      ceilingLow.push_back(ceilings[p] ? ceilings[p]->lower : kNaN);
      ceilingHigh.push_back(ceilings[p] ? ceilings[p]->upper : kNaN);
    }
    std::vector<nl::io::Column> columns{{"population", population},
                                        {"best_layer", bestLayer},
                                        {"best_layer_index", bestIndex},
                                        {"best_similarity", bestSimilarity},
                                        {"pseudo_depth", depth},
                                        {"pseudo_depth_ci_low", depthLow},
                                        {"pseudo_depth_ci_high", depthHigh},
                                        {"weighted_depth", weighted},
                                        {"noise_ceiling", ceiling},
                                        {"noise_ceiling_lower", ceilingLow},
                                        {"noise_ceiling_upper", ceilingHigh}};
    auto depths = std::make_shared<nl::io::TableDataset>(
        nl::io::DatasetKind::Table, "RSA layer depths", std::move(columns), provenance, common);

    // Populations first, then layers: the order of the views' side-by-side heat maps.
    const auto stimuli = static_cast<std::size_t>(rdms.front().rows());
    const std::size_t layerTotal = layerCount;
    std::vector<double> stack;
    nlohmann::json stackNames = nlohmann::json::array(), stackRoles = nlohmann::json::array();
    auto append = [&](std::size_t index) {
      const auto values = in::rowMajorValues(rdms[index]);
      stack.insert(stack.end(), values.begin(), values.end());
      stackNames.push_back(names[index]);
      stackRoles.push_back(roles[index]);
    };
    for (std::size_t p = 0; p < populationCount; ++p) append(layerTotal + p);
    for (std::size_t l = 0; l < layerTotal; ++l) append(l);
    auto rdmAttributes = common;
    rdmAttributes["axes"] = "rdm, stimulus, stimulus";
    rdmAttributes["names"] = stackNames.dump();
    rdmAttributes["roles"] = stackRoles.dump();
    rdmAttributes["population_count"] = std::to_string(populationCount);
    rdmAttributes["layer_count"] = std::to_string(layerCount);
    rdmAttributes["rdm_stack"] = "1";
    rdmAttributes[in::kMethodAttribute] = parameters.text("rdm_method");
    if (!labels.empty()) rdmAttributes[in::kLabelsAttribute] = in::labelsJson(labels);
    auto stacked = std::make_shared<nl::io::ArrayDataset>(
        nl::io::DatasetKind::Array, "RSA RDMs",
        std::vector<std::size_t>{populationCount + layerCount, stimuli, stimuli}, std::move(stack),
        provenance, rdmAttributes);
    return {{"profiles", profiles},
            {"depths", depths},
            {"rdms", stacked},
            {"best_layer_frequency", frequency}};
  }
};

}  // namespace

class LayerMappingFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<LayerMappingPlugin>();
  }
};

#include "LayerMappingPlugin.moc"
