#include "analysis/rsa/NoiseCeiling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "analysis/rsa/Inference.h"
#include "analysis/rsa/Parallel.h"
#include "analysis/rsa/Random.h"

namespace nl::analysis::rsa {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool validTrial(const TrialResponses& r, std::size_t trial, std::size_t stimulus) {
  for (std::size_t u = 0; u < r.units; ++u)
    if (!std::isfinite(r.at(trial, stimulus, u))) return false;
  return true;
}
}  // namespace

double spearmanBrown(double reliability, double factor) {
  return factor * reliability / (1 + (factor - 1) * reliability);
}

SplitHalfCeiling splitHalfNoiseCeiling(const TrialResponses& responses,
                                       const SplitHalfOptions& options, Progress& progress) {
  if (responses.values.size() != responses.trials * responses.stimuli * responses.units)
    throw std::invalid_argument(
        "split-half noise ceiling: " + std::to_string(responses.values.size()) +
        " values do not fill trials × stimuli × units = " + std::to_string(responses.trials) +
        " × " + std::to_string(responses.stimuli) + " × " + std::to_string(responses.units));
  if (responses.stimuli < 3 || responses.units < 1)
    throw std::invalid_argument("split-half noise ceiling: need ≥ 3 stimuli and ≥ 1 unit");
  if (options.repeats < 1)
    throw std::invalid_argument("split-half noise ceiling: need at least 1 repeat");

  std::vector<std::vector<std::size_t>> validTrials(responses.stimuli);
  for (std::size_t s = 0; s < responses.stimuli; ++s) {
    for (std::size_t t = 0; t < responses.trials; ++t)
      if (validTrial(responses, t, s)) validTrials[s].push_back(t);
    if (validTrials[s].size() < 2)
      throw std::invalid_argument("split-half noise ceiling: stimulus " + std::to_string(s) +
                                  " has " + std::to_string(validTrials[s].size()) +
                                  " complete trial(s); each stimulus needs at least 2");
  }

  SplitHalfCeiling result;
  result.raw.assign(options.repeats, kNaN);
  RdmOptions rdmOptions = options.rdm;
  rdmOptions.threads = 1;
  rdmOptions.degenerateRowsGiveNaN = true;
  const auto stimuli = static_cast<Eigen::Index>(responses.stimuli);
  const auto units = static_cast<Eigen::Index>(responses.units);
  parallelFor(
      options.repeats, options.threads,
      [&](std::size_t repeat) {
        Rng rng(options.seed, repeat);
        RowMatrix halfA = RowMatrix::Zero(stimuli, units), halfB = RowMatrix::Zero(stimuli, units);
        for (std::size_t s = 0; s < responses.stimuli; ++s) {
          auto trials = validTrials[s];
          rng.shuffle(trials);
          const std::size_t split = trials.size() / 2;
          for (std::size_t k = 0; k < trials.size(); ++k) {
            auto& target = k < split ? halfA : halfB;
            for (std::size_t u = 0; u < responses.units; ++u)
              target(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(u)) +=
                  responses.at(trials[k], s, u);
          }
          halfA.row(static_cast<Eigen::Index>(s)) /= static_cast<double>(split);
          halfB.row(static_cast<Eigen::Index>(s)) /= static_cast<double>(trials.size() - split);
        }
        NullProgress quiet;
        result.raw[repeat] = compareRdms(computeRdm(halfA, rdmOptions, quiet),
                                         computeRdm(halfB, rdmOptions, quiet), options.compare);
      },
      progress, "split-half noise ceiling");
  result.corrected.resize(options.repeats);
  double sum = 0;
  std::size_t count = 0;
  for (std::size_t r = 0; r < options.repeats; ++r) {
    result.corrected[r] = spearmanBrown(result.raw[r]);
    if (std::isnan(result.corrected[r])) continue;
    sum += result.corrected[r];
    ++count;
  }
  result.mean = count ? sum / static_cast<double>(count) : kNaN;
  result.standardDeviation = rsa::standardDeviation(result.corrected);
  return result;
}

std::vector<double> poolRdmVectors(const std::vector<std::vector<double>>& vectors,
                                   CompareMethod method) {
  if (vectors.empty()) throw std::invalid_argument("pooling RDMs: no RDMs given");
  const std::size_t length = vectors.front().size();
  std::vector<std::vector<double>> transformed;
  for (const auto& v : vectors) {
    if (v.size() != length)
      throw std::invalid_argument("pooling RDMs: the RDMs have different numbers of entries");
    std::vector<double> t = v;
    double sum = 0, sumSquares = 0;
    std::size_t count = 0;
    for (double x : v)
      if (!std::isnan(x)) {
        sum += x;
        sumSquares += x * x;
        ++count;
      }
    switch (method) {
      case CompareMethod::Pearson: {
        // rsatoolbox: (v − nanmean) / nanstd (population SD).
        const double mean = sum / static_cast<double>(count);
        const double sd =
            std::sqrt(std::max(0.0, sumSquares / static_cast<double>(count) - mean * mean));
        for (auto& x : t) x = (x - mean) / sd;
        break;
      }
      case CompareMethod::Cosine: {
        const double rms = std::sqrt(sumSquares / static_cast<double>(count));
        for (auto& x : t) x /= rms;
        break;
      }
      case CompareMethod::Spearman:
      case CompareMethod::KendallTauA:
      case CompareMethod::KendallTauB:
        t = averageRanks(v);
        break;
    }
    transformed.push_back(std::move(t));
  }
  std::vector<double> pooled(length, kNaN);
  for (std::size_t e = 0; e < length; ++e) {
    double sum = 0;
    std::size_t count = 0;
    for (const auto& t : transformed)
      if (!std::isnan(t[e])) {
        sum += t[e];
        ++count;
      }
    if (count) pooled[e] = sum / static_cast<double>(count);
  }
  if (method == CompareMethod::Pearson) {
    double minimum = std::numeric_limits<double>::infinity();
    for (double x : pooled)
      if (!std::isnan(x)) minimum = std::min(minimum, x);
    for (auto& x : pooled) x -= minimum;
  }
  return pooled;
}

NoiseCeilingBounds groupNoiseCeiling(const std::vector<Matrix>& rdms,
                                     const CompareOptions& options) {
  if (rdms.size() < 2)
    throw std::invalid_argument("group noise ceiling: need at least 2 RDMs, got " +
                                std::to_string(rdms.size()));
  std::vector<std::vector<double>> vectors;
  for (std::size_t k = 0; k < rdms.size(); ++k) {
    if (rdms[k].rows() != rdms.front().rows() || rdms[k].cols() != rdms.front().cols())
      throw std::invalid_argument(
          "group noise ceiling: RDM " + std::to_string(k) + " is " +
          std::to_string(rdms[k].rows()) + " × " + std::to_string(rdms[k].cols()) + ", RDM 0 is " +
          std::to_string(rdms.front().rows()) + " × " + std::to_string(rdms.front().cols()));
    vectors.push_back(rdmEntries(rdms[k], options.entries));
  }
  const auto all = poolRdmVectors(vectors, options.method);
  NoiseCeilingBounds bounds;
  for (std::size_t k = 0; k < vectors.size(); ++k) {
    std::vector<std::vector<double>> others;
    for (std::size_t j = 0; j < vectors.size(); ++j)
      if (j != k) others.push_back(vectors[j]);
    bounds.lower +=
        compareVectors(poolRdmVectors(others, options.method), vectors[k], options.method);
    bounds.upper += compareVectors(all, vectors[k], options.method);
  }
  bounds.lower /= static_cast<double>(vectors.size());
  bounds.upper /= static_cast<double>(vectors.size());
  return bounds;
}

}  // namespace nl::analysis::rsa
