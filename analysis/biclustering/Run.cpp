#include "analysis/biclustering/Run.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace nl::analysis::biclustering {

std::vector<Chain> runChains(const Eigen::MatrixXd& counts, const SamplerSettings& settings,
                             int chains, long iterations, int threads, std::vector<Chain> resume,
                             Progress& progress) {
  const int count = resume.empty() ? chains : static_cast<int>(resume.size());
  if (count < 1) throw std::invalid_argument("at least one chain is needed");
  std::vector<Chain> out(static_cast<std::size_t>(count));
  std::atomic<long> done{0};
  std::atomic<bool> stop{false};
  std::atomic<int> next{0};
  std::mutex errorMutex;
  std::exception_ptr error;
  auto work = [&] {
    for (;;) {
      const int c = next.fetch_add(1);
      if (c >= count) return;
      try {
        ChainSampler sampler = resume.empty()
                                   ? ChainSampler(counts, settings, c)
                                   : ChainSampler(counts, settings, std::move(resume[c]));
        for (long it = 0; it < iterations && !stop; ++it) {
          sampler.iterate();
          done.fetch_add(1);
        }
        out[c] = sampler.release();
      } catch (...) {
        std::lock_guard lock(errorMutex);
        if (!error) error = std::current_exception();
        stop = true;
      }
    }
  };
  const int hardware = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const int workers = std::clamp(threads > 0 ? threads : hardware, 1, count);
  std::vector<std::thread> pool;
  // The calling thread only reports progress and watches for cancel.
  for (int w = 0; w < workers; ++w) pool.emplace_back(work);
  const long total = static_cast<long>(count) * iterations;
  while (done.load() < total && !stop && next.load() <= count + workers) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    progress.update(total > 0 ? static_cast<double>(done.load()) / static_cast<double>(total) : 1.0,
                    "iteration " + std::to_string(done.load() / count) + " of " +
                        std::to_string(iterations) + " (" + std::to_string(count) + " chains)");
    if (progress.cancelRequested()) stop = true;
  }
  for (auto& thread : pool) thread.join();
  if (error) std::rethrow_exception(error);
  progress.checkCancel();
  return out;
}

namespace {

std::vector<double> tail(const std::vector<double>& v, std::size_t from) {
  return from >= v.size()
             ? std::vector<double>{}
             : std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(from), v.end());
}

std::vector<double> toDouble(const std::vector<int>& v) {
  return {v.begin(), v.end()};
}

}  // namespace

PosteriorSummary summarise(const std::vector<Chain>& chains, const SamplerSettings& settings,
                           int neurons, int bins) {
  PosteriorSummary out;
  out.neurons = neurons;
  out.bins = bins;
  std::vector<Partition> labelSamples;
  std::vector<Partition> stateSamples;
  std::vector<double> logPosteriorOfSample;
  std::vector<std::pair<int, std::size_t>> origin;
  for (const auto& chain : chains)
    for (std::size_t k = 0; k < chain.trace.keptIterations.size(); ++k) {
      labelSamples.push_back(chain.trace.labels[k]);
      stateSamples.push_back(chain.trace.states[k]);
      const auto iteration = static_cast<std::size_t>(chain.trace.keptIterations[k]);
      logPosteriorOfSample.push_back(chain.trace.logPosterior[iteration - 1]);
      origin.emplace_back(chain.index, k);
    }
  out.keptSamples = static_cast<long>(labelSamples.size());
  if (labelSamples.empty())
    throw std::invalid_argument("no samples after burn-in yet: run more iterations");
  out.neuronSimilarity = posteriorSimilarity(labelSamples);
  // The bins' similarity from at most 500 evenly spaced samples (O(T²) each).
  std::vector<Partition> stateSubset;
  const std::size_t stride = std::max<std::size_t>(1, stateSamples.size() / 500);
  for (std::size_t k = 0; k < stateSamples.size(); k += stride)
    stateSubset.push_back(stateSamples[k]);
  out.timeSimilarity = posteriorSimilarity(stateSubset);
  out.neuronMaxPear = maxPear(out.neuronSimilarity, labelSamples);
  out.stateMaxPear = maxPear(out.timeSimilarity, stateSubset);
  out.neuronMinVi = minVariationOfInformation(out.neuronSimilarity, labelSamples);
  out.stateMinVi = minVariationOfInformation(out.timeSimilarity, stateSubset);
  const auto best = static_cast<std::size_t>(
      std::max_element(logPosteriorOfSample.begin(), logPosteriorOfSample.end()) -
      logPosteriorOfSample.begin());
  out.neuronMap = canonicalPartition(labelSamples[best]);
  out.stateMap = canonicalPartition(stateSamples[best]);
  out.mapChain = origin[best].first;
  const Chain* mapChain = nullptr;
  for (const auto& chain : chains)
    if (chain.index == out.mapChain) mapChain = &chain;
  out.mapIteration = mapChain->trace.keptIterations[origin[best].second];

  auto histogram = [](const std::vector<Partition>& samples) {
    std::vector<double> h;
    for (const auto& sample : samples) {
      std::vector<int> labels = sample;
      std::sort(labels.begin(), labels.end());
      const auto k =
          static_cast<std::size_t>(std::unique(labels.begin(), labels.end()) - labels.begin());
      if (h.size() <= k) h.resize(k + 1, 0.0);
      h[k] += 1.0 / static_cast<double>(samples.size());
    }
    return h;
  };
  out.clusterCountHistogram = histogram(labelSamples);
  out.stateCountHistogram = histogram(stateSamples);

  auto perNeuron = [&](auto member, Eigen::VectorXd& mean, Eigen::VectorXd& lower,
                       Eigen::VectorXd& upper) {
    mean = Eigen::VectorXd::Zero(neurons);
    lower.resize(neurons);
    upper.resize(neurons);
    for (int i = 0; i < neurons; ++i) {
      std::vector<double> values;
      for (const auto& chain : chains)
        for (const auto& v : chain.trace.*member) values.push_back(v[i]);
      for (const double v : values) mean[i] += v / static_cast<double>(values.size());
      const Interval interval = highestPosteriorDensity(values, 0.95);
      lower[i] = interval.lower;
      upper[i] = interval.upper;
    }
  };
  perNeuron(&ChainTrace::delta, out.deltaMean, out.deltaLower, out.deltaUpper);
  perNeuron(&ChainTrace::dispersion, out.dispersionMean, out.dispersionLower, out.dispersionUpper);

  // Trajectories: slots of the MAP sample in its own chain (labels are aligned
  // within a chain by the Hungarian step, not across chains).
  const auto& mapLabels = mapChain->trace.labels[origin[best].second];
  std::map<int, std::vector<int>> members;
  for (int i = 0; i < neurons; ++i) members[mapLabels[i]].push_back(i);
  const int q = settings.latentDim + 1;
  for (const auto& [slot, who] : members) {
    Trajectory trajectory;
    trajectory.slot = slot;
    trajectory.neurons = who;
    std::vector<const Eigen::MatrixXf*> paths;
    for (const auto& kept : mapChain->trace.latents)
      for (const auto& latent : kept)
        if (latent.slot == slot) paths.push_back(&latent.path);
    trajectory.occupancy = mapChain->trace.latents.empty()
                               ? 0.0
                               : static_cast<double>(paths.size()) /
                                     static_cast<double>(mapChain->trace.latents.size());
    trajectory.mean = Eigen::MatrixXd::Zero(q, bins);
    trajectory.lower = Eigen::MatrixXd::Zero(q, bins);
    trajectory.upper = Eigen::MatrixXd::Zero(q, bins);
    if (!paths.empty()) {
      std::vector<double> values(paths.size());
      for (int d = 0; d < q; ++d)
        for (int t = 0; t < bins; ++t) {
          for (std::size_t k = 0; k < paths.size(); ++k) values[k] = (*paths[k])(d, t);
          double mean = 0.0;
          for (const double v : values) mean += v;
          trajectory.mean(d, t) = mean / static_cast<double>(values.size());
          const Interval interval = highestPosteriorDensity(values, 0.95);
          trajectory.lower(d, t) = interval.lower;
          trajectory.upper(d, t) = interval.upper;
        }
    }
    out.trajectories.push_back(std::move(trajectory));
  }

  // Diagnostics over the post-burn-in part of every chain.
  std::vector<std::vector<double>> logLikelihood, clusters, states;
  for (const auto& chain : chains) {
    const auto from = static_cast<std::size_t>(std::max<long>(0, settings.burnIn()));
    logLikelihood.push_back(tail(chain.trace.logLikelihood, from));
    clusters.push_back(tail(toDouble(chain.trace.clusterCount), from));
    states.push_back(tail(toDouble(chain.trace.stateCount), from));
  }
  out.rHatLogLikelihood = splitRHat(logLikelihood);
  out.essLogLikelihood = effectiveSampleSize(logLikelihood);
  out.rHatClusters = splitRHat(clusters);
  out.essClusters = effectiveSampleSize(clusters);
  out.rHatStates = splitRHat(states);
  out.essStates = effectiveSampleSize(states);
  return out;
}

}  // namespace nl::analysis::biclustering
