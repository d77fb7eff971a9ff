#include "analysis/ephys/EventAligned.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <stdexcept>

#include "analysis/ephys/Tuning.h"

namespace nl::analysis::ephys {

namespace {
std::string numberLabel(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}
}  // namespace

Conditions Conditions::fromNumbers(std::span<const double> times, std::span<const double> values) {
  if (times.size() != values.size())
    throw std::invalid_argument("one condition value per event needed");
  std::map<double, std::size_t> index;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (std::isfinite(values[i]) && std::isfinite(times[i])) index.emplace(values[i], 0);
  Conditions c;
  for (auto& [value, position] : index) {
    position = c.labels.size();
    c.labels.push_back(numberLabel(value));
  }
  for (std::size_t i = 0; i < values.size(); ++i)
    if (std::isfinite(values[i]) && std::isfinite(times[i])) {
      c.eventTimes.push_back(times[i]);
      c.conditionOf.push_back(index.at(values[i]));
    }
  return c;
}

Conditions Conditions::fromText(std::span<const double> times,
                                const std::vector<std::string>& values) {
  if (times.size() != values.size())
    throw std::invalid_argument("one condition value per event needed");
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (std::isfinite(times[i])) index.emplace(values[i], 0);
  Conditions c;
  for (auto& [value, position] : index) {
    position = c.labels.size();
    c.labels.push_back(value);
  }
  for (std::size_t i = 0; i < values.size(); ++i)
    if (std::isfinite(times[i])) {
      c.eventTimes.push_back(times[i]);
      c.conditionOf.push_back(index.at(values[i]));
    }
  return c;
}

Conditions Conditions::eachEvent(std::span<const double> times) {
  Conditions c;
  for (std::size_t i = 0; i < times.size(); ++i)
    if (std::isfinite(times[i])) {
      c.conditionOf.push_back(c.labels.size());
      c.eventTimes.push_back(times[i]);
      c.labels.push_back(std::to_string(i));
    }
  return c;
}

ResponseMatrix responseMatrix(const std::vector<std::span<const double>>& unitSpikes,
                              const Conditions& conditions, double windowStart, double windowStop,
                              Progress& progress) {
  if (!(windowStop > windowStart))
    throw std::invalid_argument("the response window must have positive length");
  if (conditions.count() == 0) throw std::invalid_argument("no events to align to");
  ResponseMatrix r;
  r.stimuli = conditions.count();
  r.units = unitSpikes.size();
  r.trialsPerStimulus.assign(r.stimuli, 0);
  std::vector<std::size_t> trialOf(conditions.eventTimes.size());
  for (std::size_t e = 0; e < trialOf.size(); ++e)
    trialOf[e] = r.trialsPerStimulus[conditions.conditionOf[e]]++;
  r.maxTrials = *std::max_element(r.trialsPerStimulus.begin(), r.trialsPerStimulus.end());
  r.trials.assign(r.maxTrials * r.stimuli * r.units, std::numeric_limits<double>::quiet_NaN());
  r.mean.assign(r.stimuli * r.units, 0.0);
  const double length = windowStop - windowStart;
  for (std::size_t u = 0; u < r.units; ++u) {
    if ((u & 15) == 0)
      progress.update(static_cast<double>(u) / static_cast<double>(r.units),
                      "unit " + std::to_string(u + 1));
    for (std::size_t e = 0; e < conditions.eventTimes.size(); ++e) {
      const double onset = conditions.eventTimes[e];
      const double rate = static_cast<double>(countInWindow(unitSpikes[u], onset + windowStart,
                                                            onset + windowStop)) /
                          length;
      const std::size_t s = conditions.conditionOf[e];
      r.trials[(trialOf[e] * r.stimuli + s) * r.units + u] = rate;
      r.mean[s * r.units + u] += rate / static_cast<double>(r.trialsPerStimulus[s]);
    }
  }
  return r;
}

std::vector<double> Psth::binCentres() const {
  std::vector<double> centres(bins);
  for (std::size_t b = 0; b < bins; ++b)
    centres[b] = start + (static_cast<double>(b) + 0.5) * binWidth;
  return centres;
}

Psth psth(const std::vector<std::span<const double>>& unitSpikes, const Conditions& conditions,
          double windowStart, double windowStop, double binWidth, double smoothingSigma,
          Progress& progress) {
  if (!(windowStop > windowStart) || !(binWidth > 0))
    throw std::invalid_argument("the PSTH needs a window and a bin width");
  Psth p;
  p.units = unitSpikes.size();
  p.conditions = conditions.count();
  p.bins = static_cast<std::size_t>(std::ceil((windowStop - windowStart) / binWidth - 1e-9));
  p.binWidth = binWidth;
  p.start = windowStart;
  p.rate.assign(p.units * p.conditions * p.bins, 0.0);
  p.sem.assign(p.rate.size(), 0.0);
  // Gaussian kernel in bins, truncated at 3 sigma, normalised to sum 1.
  std::vector<double> kernel{1.0};
  if (smoothingSigma > 0) {
    const double sigmaBins = smoothingSigma / binWidth;
    const int half = std::max(1, static_cast<int>(std::ceil(3 * sigmaBins)));
    kernel.assign(static_cast<std::size_t>(2 * half + 1), 0.0);
    for (int k = -half; k <= half; ++k)
      kernel[static_cast<std::size_t>(k + half)] = std::exp(-0.5 * k * k / (sigmaBins * sigmaBins));
    const double sum = std::accumulate(kernel.begin(), kernel.end(), 0.0);
    for (auto& w : kernel) w /= sum;
  }
  const int half = static_cast<int>(kernel.size() / 2);
  std::vector<std::size_t> trials(p.conditions, 0);
  for (auto c : conditions.conditionOf) ++trials[c];
  std::vector<double> counts(p.bins), smooth(p.bins);
  std::vector<double> sumSquares(p.rate.size(), 0.0);
  for (std::size_t u = 0; u < p.units; ++u) {
    progress.update(static_cast<double>(u) / static_cast<double>(std::max<std::size_t>(1, p.units)),
                    "unit " + std::to_string(u + 1));
    const auto& spikes = unitSpikes[u];
    for (std::size_t e = 0; e < conditions.eventTimes.size(); ++e) {
      std::fill(counts.begin(), counts.end(), 0.0);
      const double from = conditions.eventTimes[e] + windowStart;
      auto it = std::lower_bound(spikes.begin(), spikes.end(), from);
      for (; it != spikes.end() && *it < conditions.eventTimes[e] + windowStop; ++it)
        counts[std::min(p.bins - 1, static_cast<std::size_t>((*it - from) / binWidth))] +=
            1.0 / binWidth;
      for (std::size_t b = 0; b < p.bins; ++b) {
        double v = 0, weight = 0;  // renormalise at the window's edges
        for (int k = -half; k <= half; ++k) {
          const long j = static_cast<long>(b) + k;
          if (j < 0 || j >= static_cast<long>(p.bins)) continue;
          v += kernel[static_cast<std::size_t>(k + half)] * counts[static_cast<std::size_t>(j)];
          weight += kernel[static_cast<std::size_t>(k + half)];
        }
        smooth[b] = v / weight;
      }
      const std::size_t c = conditions.conditionOf[e];
      for (std::size_t b = 0; b < p.bins; ++b) {
        const std::size_t at = (u * p.conditions + c) * p.bins + b;
        p.rate[at] += smooth[b];
        sumSquares[at] += smooth[b] * smooth[b];
      }
    }
  }
  for (std::size_t u = 0; u < p.units; ++u)
    for (std::size_t c = 0; c < p.conditions; ++c)
      for (std::size_t b = 0; b < p.bins; ++b) {
        const std::size_t at = (u * p.conditions + c) * p.bins + b;
        const double n = static_cast<double>(trials[c]);
        if (n == 0) continue;
        const double mean = p.rate[at] / n;
        const double variance =
            n > 1 ? std::max(0.0, (sumSquares[at] - n * mean * mean) / (n - 1)) : 0.0;
        p.rate[at] = mean;
        p.sem[at] = std::sqrt(variance / n);
      }
  return p;
}

}  // namespace nl::analysis::ephys
