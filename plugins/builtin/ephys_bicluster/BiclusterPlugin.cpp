// ephys.bicluster: glue from a counts matrix or a spike recording to
// analysis::biclustering (Wei 2023) and back to datasets.
#include <QObject>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "analysis/biclustering/Run.h"
#include "plugins/api/AnalysisPlugin.h"
#include "plugins/support/EphysInputs.h"

namespace bc = nl::analysis::biclustering;

namespace {

constexpr const char* kChainFormat = "ephys.bicluster chains 1";

struct Counts {
  Eigen::MatrixXd matrix;
  double binWidth = 0.0;
  double windowStart = 0.0;
  std::vector<std::string> unitIds;
};

Counts countsFromArray(const nl::io::ArrayDataset& array) {
  const auto shape = array.shape();
  if (shape.size() != 2)
    throw std::invalid_argument("counts '" + array.name() +
                                "' must be 2-D (neurons × bins), it has " +
                                std::to_string(shape.size()) + " dimensions");
  Counts out;
  out.matrix.resize(static_cast<Eigen::Index>(shape[0]), static_cast<Eigen::Index>(shape[1]));
  const auto& values = array.values();
  for (std::size_t i = 0; i < shape[0]; ++i)
    for (std::size_t t = 0; t < shape[1]; ++t) {
      const double v = values[i * shape[1] + t];
      if (!std::isfinite(v) || v < 0.0 || v != std::round(v))
        throw std::invalid_argument("counts '" + array.name() + "': entry (" + std::to_string(i) +
                                    ", " + std::to_string(t) + ") is " + std::to_string(v) +
                                    ", not a non-negative integer");
      out.matrix(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(t)) = v;
    }
  for (std::size_t i = 0; i < shape[0]; ++i) out.unitIds.push_back(std::to_string(i));
  return out;
}

Counts countsFromRecording(const nl::io::SpikeRecording& recording,
                           const nl::plugins::ParameterSet& parameters) {
  const auto units = nl::plugins::ephys::selectUnits(recording, parameters.text("unit_filter"));
  if (units.empty())
    throw std::invalid_argument("no unit of '" + recording.name() + "' passes the filter '" +
                                parameters.text("unit_filter") + "'");
  const auto spikes = nl::plugins::ephys::spikeTrains(recording, units);
  const double width = parameters.real("bin_width");
  const double start = parameters.real("window_start");
  double stop = parameters.real("window_stop");
  if (stop <= start) {
    stop = start;
    for (const auto& train : spikes.spans)
      if (!train.empty()) stop = std::max(stop, train.back());
    stop = std::nextafter(stop, stop + 1.0);
  }
  const auto bins = static_cast<Eigen::Index>(std::floor((stop - start) / width));
  if (bins < 3)
    throw std::invalid_argument("the window " + std::to_string(start) + "–" + std::to_string(stop) +
                                " s holds fewer than 3 bins of " + std::to_string(width) + " s");
  Counts out;
  out.binWidth = width;
  out.windowStart = start;
  out.matrix = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(units.size()), bins);
  for (std::size_t u = 0; u < units.size(); ++u)
    for (const double time : spikes.spans[u]) {
      const double bin = std::floor((time - start) / width);
      if (bin >= 0.0 && bin < static_cast<double>(bins))
        out.matrix(static_cast<Eigen::Index>(u), static_cast<Eigen::Index>(bin)) += 1.0;
    }
  const auto ids = nlohmann::json::parse(nl::plugins::ephys::unitIdsJson(recording, units));
  for (const auto& id : ids)
    out.unitIds.push_back(id.is_string() ? id.get<std::string>() : id.dump());
  return out;
}

std::vector<int> labelsFrom(const nl::io::Dataset& dataset, std::size_t expected,
                            const std::string& what) {
  std::vector<double> values;
  if (const auto* array = dynamic_cast<const nl::io::ArrayDataset*>(&dataset)) {
    values = array->values();
  } else if (const auto* table = dynamic_cast<const nl::io::TableDataset*>(&dataset)) {
    for (const auto& column : table->columns())
      if (column.isNumeric()) {
        values = column.numbers();
        break;
      }
    if (values.empty())
      throw std::invalid_argument(what + " '" + dataset.name() + "' has no numeric column");
  }
  if (values.size() != expected)
    throw std::invalid_argument(what + " '" + dataset.name() + "' has " +
                                std::to_string(values.size()) + " entries, the counts need " +
                                std::to_string(expected));
  std::vector<int> labels;
  for (const double v : values) {
    if (!std::isfinite(v))
      throw std::invalid_argument(what + " '" + dataset.name() + "' holds a non-number");
    labels.push_back(static_cast<int>(std::lround(v)));
  }
  return labels;
}

nlohmann::json settingsJson(const bc::SamplerSettings& s) {
  return {{"likelihood", s.likelihood == bc::Likelihood::Poisson ? "poisson" : "negative_binomial"},
          {"latent_dim", s.latentDim},
          {"max_states", s.maxStates},
          {"hmm_alpha", s.hmmAlpha},
          {"hmm_gamma", s.hmmGamma},
          {"hmm_kappa", s.hmmKappa},
          {"geometric_p", s.geometricP},
          {"dirichlet", s.dirichlet},
          {"max_clusters", s.maxClusters},
          {"dynamics_psi", s.dynamicsPsi},
          {"planned_iterations", s.iterations},
          {"burn_in", s.burnInFraction},
          {"reference_fraction", s.referenceFraction},
          {"kept_samples", s.keptSamples},
          {"kept_latent_samples", s.keptLatentSamples},
          {"split_merge_moves", s.splitMergeMoves},
          {"split_merge_launch_scans", s.splitMergeLaunchScans},
          {"seed", s.seed}};
}

bc::SamplerSettings settingsFrom(const nlohmann::json& j) {
  bc::SamplerSettings s;
  s.likelihood =
      j.at("likelihood") == "poisson" ? bc::Likelihood::Poisson : bc::Likelihood::NegativeBinomial;
  s.latentDim = j.at("latent_dim");
  s.maxStates = j.at("max_states");
  s.hmmAlpha = j.at("hmm_alpha");
  s.hmmGamma = j.at("hmm_gamma");
  s.hmmKappa = j.at("hmm_kappa");
  s.geometricP = j.at("geometric_p");
  s.dirichlet = j.at("dirichlet");
  s.maxClusters = j.at("max_clusters");
  s.dynamicsPsi = j.at("dynamics_psi");
  s.iterations = j.at("planned_iterations");
  s.burnInFraction = j.at("burn_in");
  s.referenceFraction = j.at("reference_fraction");
  s.keptSamples = j.at("kept_samples");
  s.keptLatentSamples = j.at("kept_latent_samples");
  // Chains saved before the split–merge moves existed continue without them.
  s.splitMergeMoves = j.value("split_merge_moves", 0);
  s.splitMergeLaunchScans = j.value("split_merge_launch_scans", 3);
  s.seed = j.at("seed");
  return s;
}

class BiclusterPlugin final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "ephys.bicluster"; }
  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs,
                           const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto input = [&](const char* name) -> nl::io::DatasetPtr {
      const auto it = inputs.find(name);
      return it == inputs.end() ? nullptr : it->second;
    };
    const auto countsInput = input("counts");
    const auto recordingInput = input("recording");
    if (!countsInput == !recordingInput)
      throw std::invalid_argument("give either counts (neurons × bins) or a recording, not " +
                                  std::string(countsInput ? "both" : "neither"));
    const Counts counts =
        countsInput ? countsFromArray(dynamic_cast<const nl::io::ArrayDataset&>(*countsInput))
                    : countsFromRecording(
                          dynamic_cast<const nl::io::SpikeRecording&>(*recordingInput), parameters);
    const auto N = static_cast<int>(counts.matrix.rows());
    const auto T = static_cast<int>(counts.matrix.cols());
    if (N < 2)
      throw std::invalid_argument("bi-clustering needs at least 2 neurons, the counts have " +
                                  std::to_string(N));

    bc::SamplerSettings settings;
    settings.likelihood = parameters.text("likelihood") == "poisson"
                              ? bc::Likelihood::Poisson
                              : bc::Likelihood::NegativeBinomial;
    settings.iterations = parameters.integer("iterations");
    settings.burnInFraction = parameters.real("burn_in");
    settings.latentDim = static_cast<int>(parameters.integer("latent_dim"));
    settings.maxStates = static_cast<int>(parameters.integer("max_states"));
    settings.geometricP = parameters.real("geometric_p");
    settings.maxClusters = static_cast<int>(parameters.integer("max_clusters"));
    settings.keptSamples = static_cast<int>(parameters.integer("kept_samples"));
    settings.keptLatentSamples = std::min(settings.keptSamples, 200);
    settings.seed = static_cast<std::uint64_t>(parameters.integer("seed"));
    settings.splitMergeMoves = static_cast<int>(parameters.integer("split_merge_moves"));
    const long iterations = parameters.integer("iterations");

    std::vector<bc::Chain> resume;
    if (const auto saved = input("resume")) {
      const auto& array = dynamic_cast<const nl::io::ArrayDataset&>(*saved);
      const auto& attributes = array.attributes();
      const auto format = attributes.find("format");
      const auto savedSettings = attributes.find("settings");
      if (format == attributes.end() || format->second != kChainFormat ||
          savedSettings == attributes.end())
        throw std::invalid_argument("'" + array.name() +
                                    "' is not the chain_state output of ephys.bicluster");
      // The saved chains keep their model, burn-in and thinning.
      settings = settingsFrom(nlohmann::json::parse(savedSettings->second));
      const auto& words = array.values();
      std::size_t at = 0;
      auto next = [&] {
        if (at >= words.size()) throw std::invalid_argument("'" + array.name() + "' is truncated");
        return words[at++];
      };
      const auto chains = static_cast<std::size_t>(next());
      for (std::size_t c = 0; c < chains; ++c) {
        const auto length = static_cast<std::size_t>(next());
        if (at + length > words.size())
          throw std::invalid_argument("'" + array.name() + "' is truncated");
        std::vector<double> chainWords(words.begin() + static_cast<std::ptrdiff_t>(at),
                                       words.begin() + static_cast<std::ptrdiff_t>(at + length));
        at += length;
        resume.push_back(bc::deserialiseChain(chainWords, settings, N, T));
      }
    }

    const auto started = std::chrono::steady_clock::now();
    auto chains = bc::runChains(
        counts.matrix, settings, static_cast<int>(parameters.integer("chains")), iterations,
        static_cast<int>(parameters.integer("threads")), std::move(resume), context);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    context.update(1.0, "summarising the posterior");
    const auto summary = bc::summarise(chains, settings, N, T);
    return outputs(counts, settings, chains, summary, inputs, seconds, iterations, context);
  }

 private:
  static nl::plugins::Outputs outputs(const Counts& counts, const bc::SamplerSettings& settings,
                                      const std::vector<bc::Chain>& chains,
                                      const bc::PosteriorSummary& summary,
                                      const nl::plugins::Inputs& inputs, double seconds,
                                      long iterations, nl::plugins::RunContext& context) {
    const auto& provenance = context.provenance();
    const auto N = static_cast<std::size_t>(counts.matrix.rows());
    const auto T = static_cast<std::size_t>(counts.matrix.cols());
    using nl::io::ArrayDataset;
    using nl::io::Column;
    using nl::io::DatasetKind;
    using nl::io::TableDataset;
    auto clusterCount = [](const std::vector<int>& labels) {
      return labels.empty() ? 0 : *std::max_element(labels.begin(), labels.end()) + 1;
    };
    std::vector<std::string> names{
        "clusters_maxpear", "states_maxpear",       "clusters_map",        "states_map",
        "pear_neurons",     "pear_states",          "rhat_log_likelihood", "ess_log_likelihood",
        "rhat_clusters",    "ess_clusters",         "rhat_states",         "ess_states",
        "chains",           "iterations_per_chain", "kept_samples",        "iterations_per_second",
        "clusters_minvi",   "states_minvi"};
    std::vector<double> values{
        static_cast<double>(clusterCount(summary.neuronMaxPear.labels)),
        static_cast<double>(clusterCount(summary.stateMaxPear.labels)),
        static_cast<double>(clusterCount(summary.neuronMap)),
        static_cast<double>(clusterCount(summary.stateMap)),
        summary.neuronMaxPear.score,
        summary.stateMaxPear.score,
        summary.rHatLogLikelihood,
        summary.essLogLikelihood,
        summary.rHatClusters,
        summary.essClusters,
        summary.rHatStates,
        summary.essStates,
        static_cast<double>(chains.size()),
        static_cast<double>(chains.front().state.iteration),
        static_cast<double>(summary.keptSamples),
        static_cast<double>(chains.size() * static_cast<std::size_t>(iterations)) /
            std::max(seconds, 1e-9),
        static_cast<double>(clusterCount(summary.neuronMinVi.labels)),
        static_cast<double>(clusterCount(summary.stateMinVi.labels))};
    auto addAri = [&](const char* port, const char* name, const std::vector<int>& estimate,
                      const std::vector<int>& mapEstimate, const std::vector<int>& minViEstimate,
                      std::size_t expected) {
      const auto it = inputs.find(port);
      if (it == inputs.end() || !it->second) return;
      const auto truth = labelsFrom(*it->second, expected, port);
      names.push_back(std::string("ari_") + name + "_maxpear");
      values.push_back(bc::adjustedRandIndex(estimate, truth));
      names.push_back(std::string("ari_") + name + "_map");
      values.push_back(bc::adjustedRandIndex(mapEstimate, truth));
      names.push_back(std::string("ari_") + name + "_minvi");
      values.push_back(bc::adjustedRandIndex(minViEstimate, truth));
    };
    addAri("neuron_labels", "neurons", summary.neuronMaxPear.labels, summary.neuronMap,
           summary.neuronMinVi.labels, N);
    addAri("state_labels", "states", summary.stateMaxPear.labels, summary.stateMap,
           summary.stateMinVi.labels, T);
    auto summaryDataset =
        std::make_shared<ArrayDataset>(DatasetKind::Scalars, "bi-clustering summary",
                                       std::vector<std::size_t>{values.size()}, values, provenance,
                                       nl::io::Attributes{{"names", nlohmann::json(names).dump()},
                                                          {"seed", std::to_string(settings.seed)}});

    std::vector<double> countValues(N * T);
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t t = 0; t < T; ++t)
        countValues[i * T + t] =
            counts.matrix(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(t));
    auto countsDataset = std::make_shared<ArrayDataset>(
        DatasetKind::Array, "binned counts", std::vector<std::size_t>{N, T}, std::move(countValues),
        provenance,
        nl::io::Attributes{{"bin_width", std::to_string(counts.binWidth)},
                           {"window_start", std::to_string(counts.windowStart)},
                           {"unit_ids", nlohmann::json(counts.unitIds).dump()}});

    auto square = [&](const Eigen::MatrixXd& m, const char* name) {
      std::vector<double> v(static_cast<std::size_t>(m.size()));
      for (Eigen::Index i = 0; i < m.rows(); ++i)
        for (Eigen::Index j = 0; j < m.cols(); ++j)
          v[static_cast<std::size_t>(i * m.cols() + j)] = m(i, j);
      return std::make_shared<ArrayDataset>(
          DatasetKind::Array, name,
          std::vector<std::size_t>{static_cast<std::size_t>(m.rows()),
                                   static_cast<std::size_t>(m.cols())},
          std::move(v), provenance);
    };

    auto toDoubles = [](const std::vector<int>& v) {
      return std::vector<double>(v.begin(), v.end());
    };
    auto vec = [](const Eigen::VectorXd& v) {
      return std::vector<double>(v.data(), v.data() + v.size());
    };
    std::vector<Column> neuronColumns{{"unit", counts.unitIds},
                                      {"maxpear_cluster", toDoubles(summary.neuronMaxPear.labels)},
                                      {"map_cluster", toDoubles(summary.neuronMap)},
                                      {"minvi_cluster", toDoubles(summary.neuronMinVi.labels)},
                                      {"delta_mean", vec(summary.deltaMean)},
                                      {"delta_lower", vec(summary.deltaLower)},
                                      {"delta_upper", vec(summary.deltaUpper)},
                                      {"r_mean", vec(summary.dispersionMean)},
                                      {"r_lower", vec(summary.dispersionLower)},
                                      {"r_upper", vec(summary.dispersionUpper)}};
    auto neurons = std::make_shared<TableDataset>(DatasetKind::Table, "bi-clustering neurons",
                                                  std::move(neuronColumns), provenance);
    std::vector<double> binIndex(T), binStart(T);
    for (std::size_t t = 0; t < T; ++t) {
      binIndex[t] = static_cast<double>(t);
      binStart[t] = counts.windowStart + static_cast<double>(t) * counts.binWidth;
    }
    auto bins = std::make_shared<TableDataset>(
        DatasetKind::Table, "bi-clustering bins",
        std::vector<Column>{{"bin", binIndex},
                            {"start_time", binStart},
                            {"maxpear_state", toDoubles(summary.stateMaxPear.labels)},
                            {"map_state", toDoubles(summary.stateMap)},
                            {"minvi_state", toDoubles(summary.stateMinVi.labels)}},
        provenance);

    const std::size_t q = static_cast<std::size_t>(settings.latentDim) + 1;
    const std::size_t K = summary.trajectories.size();
    std::vector<double> trajectoryValues(K * 3 * q * T);
    nlohmann::json clusterNeurons = nlohmann::json::array();
    for (std::size_t k = 0; k < K; ++k) {
      const auto& tr = summary.trajectories[k];
      clusterNeurons.push_back(tr.neurons);
      const Eigen::MatrixXd* parts[3] = {&tr.mean, &tr.lower, &tr.upper};
      for (std::size_t stat = 0; stat < 3; ++stat)
        for (std::size_t d = 0; d < q; ++d)
          for (std::size_t t = 0; t < T; ++t)
            trajectoryValues[((k * 3 + stat) * q + d) * T + t] =
                (*parts[stat])(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(t));
    }
    auto trajectories = std::make_shared<ArrayDataset>(
        DatasetKind::Array, "latent trajectories", std::vector<std::size_t>{K, 3, q, T},
        std::move(trajectoryValues), provenance,
        nl::io::Attributes{
            {"axes", "cluster, statistic (mean, lower, upper), latent (μ, x1, …), bin"},
            {"cluster_neurons", clusterNeurons.dump()}});

    const std::size_t longest =
        std::max(summary.clusterCountHistogram.size(), summary.stateCountHistogram.size());
    std::vector<double> count(longest), clusterP(longest, 0.0), stateP(longest, 0.0);
    for (std::size_t k = 0; k < longest; ++k) {
      count[k] = static_cast<double>(k);
      if (k < summary.clusterCountHistogram.size()) clusterP[k] = summary.clusterCountHistogram[k];
      if (k < summary.stateCountHistogram.size()) stateP[k] = summary.stateCountHistogram[k];
    }
    auto histograms = std::make_shared<TableDataset>(
        DatasetKind::Table, "cluster and state counts",
        std::vector<Column>{
            {"count", count}, {"clusters_probability", clusterP}, {"states_probability", stateP}},
        provenance);

    std::size_t length = 0;
    for (const auto& chain : chains) length = std::max(length, chain.trace.logLikelihood.size());
    std::vector<double> traceValues(3 * chains.size() * length, std::nan(""));
    for (std::size_t c = 0; c < chains.size(); ++c) {
      const auto& trace = chains[c].trace;
      for (std::size_t it = 0; it < trace.logLikelihood.size(); ++it) {
        traceValues[(0 * chains.size() + c) * length + it] = trace.logLikelihood[it];
        traceValues[(1 * chains.size() + c) * length + it] = trace.clusterCount[it];
        traceValues[(2 * chains.size() + c) * length + it] = trace.stateCount[it];
      }
    }
    auto traces = std::make_shared<ArrayDataset>(
        DatasetKind::Array, "chain traces", std::vector<std::size_t>{3, chains.size(), length},
        std::move(traceValues), provenance,
        nl::io::Attributes{
            {"axes", "quantity (log-likelihood, clusters, states), chain, iteration"},
            {"burn_in", std::to_string(settings.burnIn())}});

    std::vector<double> chainWords{static_cast<double>(chains.size())};
    for (const auto& chain : chains) {
      const auto words =
          bc::serialiseChain(chain, settings, static_cast<int>(N), static_cast<int>(T));
      chainWords.push_back(static_cast<double>(words.size()));
      chainWords.insert(chainWords.end(), words.begin(), words.end());
    }
    const std::size_t wordCount = chainWords.size();
    auto chainState = std::make_shared<ArrayDataset>(
        DatasetKind::Array, "bi-clustering chains", std::vector<std::size_t>{wordCount},
        std::move(chainWords), provenance,
        nl::io::Attributes{{"format", kChainFormat}, {"settings", settingsJson(settings).dump()}});

    return {{"summary", summaryDataset},
            {"counts", countsDataset},
            {"neuron_similarity", square(summary.neuronSimilarity, "neuron similarity")},
            {"time_similarity", square(summary.timeSimilarity, "time-bin similarity")},
            {"neurons", neurons},
            {"bins", bins},
            {"trajectories", trajectories},
            {"histograms", histograms},
            {"traces", traces},
            {"chain_state", chainState}};
  }
};

}  // namespace

class BiclusterFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<BiclusterPlugin>();
  }
};

#include "BiclusterPlugin.moc"
