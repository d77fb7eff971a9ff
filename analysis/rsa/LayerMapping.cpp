#include "analysis/rsa/LayerMapping.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "analysis/rsa/Parallel.h"
#include "analysis/rsa/Random.h"

namespace nl::analysis::rsa {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Index of the largest non-NaN value (first on ties); `size` when all NaN.
std::size_t argmax(const double* values, std::size_t size, std::size_t stride = 1) {
  std::size_t best = size;
  for (std::size_t i = 0; i < size; ++i) {
    const double v = values[i * stride];
    if (std::isnan(v)) continue;
    if (best == size || v > values[best * stride]) best = i;
  }
  return best;
}
}  // namespace

double pseudoDepth(std::size_t layer, std::size_t layerCount) {
  if (layerCount < 2) throw std::invalid_argument("pseudo-depth: need at least 2 layers");
  return static_cast<double>(layer) / static_cast<double>(layerCount - 1);
}

double similarityWeightedDepth(const std::vector<double>& similarity) {
  double weighted = 0, total = 0;
  for (std::size_t i = 0; i < similarity.size(); ++i) {
    if (!(similarity[i] > 0)) continue;
    weighted += similarity[i] * pseudoDepth(i, similarity.size());
    total += similarity[i];
  }
  return total > 0 ? weighted / total : kNaN;
}

LayerMappingResult mapLayers(const std::vector<LayerInput>& layers,
                             const std::vector<PopulationInput>& populations,
                             const LayerMappingOptions& options, Progress& progress) {
  if (layers.size() < 2)
    throw std::invalid_argument("layer mapping: need at least 2 layers, got " +
                                std::to_string(layers.size()));
  if (populations.empty()) throw std::invalid_argument("layer mapping: no brain populations");
  std::vector<Matrix> layerRdms, populationRdms;
  for (const auto& layer : layers) layerRdms.push_back(layer.rdm);
  for (const auto& population : populations) populationRdms.push_back(population.rdm);
  const auto stimuli = layerRdms.front().rows();
  for (std::size_t k = 0; k < populations.size(); ++k)
    if (populationRdms[k].rows() != stimuli || populationRdms[k].cols() != stimuli)
      throw std::invalid_argument("layer mapping: population '" + populations[k].name + "' has " +
                                  std::to_string(populationRdms[k].rows()) + " × " +
                                  std::to_string(populationRdms[k].cols()) +
                                  " RDM, the layers have " + std::to_string(stimuli) + " stimuli");

  LayerMappingResult result;
  for (const auto& layer : layers) result.layerNames.push_back(layer.name);
  const std::size_t layerCount = layers.size();
  if (options.bootstrap) {
    result.bootstrap = bootstrapStimuli(populationRdms, layerRdms, options.inference, progress);
  } else {
    result.bootstrap.rowCount = populations.size();
    result.bootstrap.columnCount = layerCount;
    result.bootstrap.estimate.resize(static_cast<Eigen::Index>(populations.size()),
                                     static_cast<Eigen::Index>(layerCount));
    for (std::size_t p = 0; p < populations.size(); ++p)
      for (std::size_t l = 0; l < layerCount; ++l)
        result.bootstrap.estimate(static_cast<Eigen::Index>(p), static_cast<Eigen::Index>(l)) =
            compareRdms(populationRdms[p], layerRdms[l], options.inference.compare);
  }
  const auto& boot = result.bootstrap;

  for (std::size_t p = 0; p < populations.size(); ++p) {
    PopulationProfile profile;
    profile.name = populations[p].name;
    profile.noiseCeiling = populations[p].noiseCeiling;
    const auto row = static_cast<Eigen::Index>(p);
    for (std::size_t l = 0; l < layerCount; ++l) {
      const auto column = static_cast<Eigen::Index>(l);
      profile.similarity.push_back(boot.estimate(row, column));
      profile.ciLow.push_back(options.bootstrap ? boot.ciLow(row, column) : kNaN);
      profile.ciHigh.push_back(options.bootstrap ? boot.ciHigh(row, column) : kNaN);
      profile.standardError.push_back(options.bootstrap ? boot.standardError(row, column) : kNaN);
    }
    profile.bestLayer = argmax(profile.similarity.data(), layerCount);
    if (profile.bestLayer == layerCount)
      throw std::invalid_argument("layer mapping: population '" + profile.name +
                                  "' has no defined similarity to any layer (constant RDM?)");
    profile.pseudoDepth = pseudoDepth(profile.bestLayer, layerCount);
    profile.weightedDepth = similarityWeightedDepth(profile.similarity);
    profile.bestLayerFrequency.assign(layerCount, 0.0);
    if (options.bootstrap) {
      std::vector<double> depths;
      for (std::size_t r = 0; r < boot.replicateCount; ++r) {
        const std::size_t best =
            argmax(&boot.samples[(r * boot.rowCount + p) * boot.columnCount], layerCount);
        if (best == layerCount) continue;
        depths.push_back(pseudoDepth(best, layerCount));
        profile.bestLayerFrequency[best] += 1.0;
      }
      for (auto& f : profile.bestLayerFrequency)
        f /= std::max<double>(1.0, static_cast<double>(depths.size()));
      profile.pseudoDepthCi = percentileInterval(depths, options.inference.confidence);
    }
    result.populations.push_back(std::move(profile));
  }
  return result;
}

SubsamplingCurves subsamplingCurves(const Eigen::Ref<const RowMatrix>& responses,
                                    const SubsamplingOptions& options, Progress& progress) {
  const auto stimuli = static_cast<std::size_t>(responses.rows());
  const auto units = static_cast<std::size_t>(responses.cols());
  SubsamplingCurves curves;
  curves.neuronCounts = options.neuronCounts;
  curves.stimulusCounts = options.stimulusCounts;
  if (curves.stimulusCounts.empty()) curves.stimulusCounts.push_back(stimuli);
  if (curves.neuronCounts.empty())
    throw std::invalid_argument("subsampling curves: no neuron counts given");
  for (auto k : curves.neuronCounts)
    if (k < 1 || k > units)
      throw std::invalid_argument("subsampling curves: neuron count " + std::to_string(k) +
                                  " outside [1, " + std::to_string(units) + "]");
  for (auto m : curves.stimulusCounts)
    if (m < 3 || m > stimuli)
      throw std::invalid_argument("subsampling curves: stimulus count " + std::to_string(m) +
                                  " outside [3, " + std::to_string(stimuli) + "]");
  if (options.repeats < 1) throw std::invalid_argument("subsampling curves: need ≥ 1 repeat");

  const Matrix full = computeRdm(responses, options.rdm, progress);
  const std::size_t cells = curves.stimulusCounts.size() * curves.neuronCounts.size();
  std::vector<double> values(cells * options.repeats, kNaN);
  RdmOptions drawOptions = options.rdm;
  drawOptions.threads = 1;
  drawOptions.degenerateRowsGiveNaN = true;
  parallelFor(
      cells * options.repeats, options.threads,
      [&](std::size_t item) {
        const std::size_t cell = item / options.repeats;
        const std::size_t m = curves.stimulusCounts[cell / curves.neuronCounts.size()];
        const std::size_t k = curves.neuronCounts[cell % curves.neuronCounts.size()];
        Rng rng(options.seed, item);
        auto stimulusOrder = randomPermutation(rng, stimuli);
        auto unitOrder = randomPermutation(rng, units);
        stimulusOrder.resize(m);
        std::sort(stimulusOrder.begin(), stimulusOrder.end());
        unitOrder.resize(k);
        RowMatrix draw(static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(k));
        Matrix reference(static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(m));
        for (std::size_t i = 0; i < m; ++i) {
          for (std::size_t u = 0; u < k; ++u)
            draw(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(u)) =
                responses(static_cast<Eigen::Index>(stimulusOrder[i]),
                          static_cast<Eigen::Index>(unitOrder[u]));
          for (std::size_t j = 0; j < m; ++j)
            reference(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
                full(static_cast<Eigen::Index>(stimulusOrder[i]),
                     static_cast<Eigen::Index>(stimulusOrder[j]));
        }
        NullProgress quiet;
        values[item] =
            compareRdms(computeRdm(draw, drawOptions, quiet), reference, options.compare);
      },
      progress, "subsampling curves");

  const auto rows = static_cast<Eigen::Index>(curves.stimulusCounts.size());
  const auto columns = static_cast<Eigen::Index>(curves.neuronCounts.size());
  curves.mean.resize(rows, columns);
  curves.standardDeviation.resize(rows, columns);
  for (std::size_t cell = 0; cell < cells; ++cell) {
    const std::span<const double> draws(&values[cell * options.repeats], options.repeats);
    double sum = 0;
    std::size_t count = 0;
    for (double v : draws)
      if (!std::isnan(v)) {
        sum += v;
        ++count;
      }
    const auto r = static_cast<Eigen::Index>(cell / curves.neuronCounts.size());
    const auto c = static_cast<Eigen::Index>(cell % curves.neuronCounts.size());
    curves.mean(r, c) = count ? sum / static_cast<double>(count) : kNaN;
    curves.standardDeviation(r, c) = standardDeviation(draws);
  }
  return curves;
}

}  // namespace nl::analysis::rsa
