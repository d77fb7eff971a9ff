#include "analysis/ephys/Tuning.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

#include "io/Dataset.h"

namespace nl::analysis::ephys {

std::size_t countInWindow(std::span<const double> spikes, double start, double stop) {
  const auto first = std::lower_bound(spikes.begin(), spikes.end(), start);
  const auto last = std::lower_bound(first, spikes.end(), stop);
  return static_cast<std::size_t>(last - first);
}

std::size_t TuningCurve::preferredIndex() const {
  if (meanRateHz.empty()) throw std::logic_error("empty tuning curve");
  return static_cast<std::size_t>(std::max_element(meanRateHz.begin(), meanRateHz.end()) -
                                  meanRateHz.begin());
}

TuningCurve tuningCurve(std::span<const double> spikes, std::span<const double> eventTimes,
                        std::span<const double> condition, double windowStart, double windowStop) {
  if (eventTimes.size() != condition.size())
    throw std::invalid_argument("one condition value per event needed");
  if (!(windowStop > windowStart))
    throw std::invalid_argument("the window must have positive length");
  const double length = windowStop - windowStart;
  std::map<double, std::vector<double>> rates;
  for (std::size_t i = 0; i < eventTimes.size(); ++i) {
    if (std::isnan(condition[i]) || std::isnan(eventTimes[i])) continue;
    const double onset = eventTimes[i];
    rates[condition[i]].push_back(
        static_cast<double>(countInWindow(spikes, onset + windowStart, onset + windowStop)) /
        length);
  }
  TuningCurve curve;
  for (const auto& [value, samples] : rates) {
    double mean = 0;
    for (double r : samples) mean += r;
    mean /= static_cast<double>(samples.size());
    double ss = 0;
    for (double r : samples) ss += (r - mean) * (r - mean);
    const double n = static_cast<double>(samples.size());
    const double sem = samples.size() > 1 ? std::sqrt(ss / (n - 1)) / std::sqrt(n) : 0.0;
    curve.conditions.push_back(value);
    curve.meanRateHz.push_back(mean);
    curve.semHz.push_back(sem);
    curve.trials.push_back(samples.size());
  }
  return curve;
}

BinnedRates binnedRates(const std::vector<std::span<const double>>& unitSpikes, double start,
                        double stop, double binWidth) {
  if (!(binWidth > 0) || !(stop > start))
    throw std::invalid_argument("binning needs stop > start and a positive bin width");
  BinnedRates out;
  out.units = unitSpikes.size();
  out.bins = static_cast<std::size_t>(std::ceil((stop - start) / binWidth - 1e-9));
  out.start = start;
  out.binWidth = binWidth;
  out.ratesHz.assign(out.units * out.bins, 0.0);
  for (std::size_t u = 0; u < out.units; ++u) {
    const auto& spikes = unitSpikes[u];
    auto it = std::lower_bound(spikes.begin(), spikes.end(), start);
    for (; it != spikes.end() && *it < stop; ++it) {
      const auto bin = std::min(out.bins - 1, static_cast<std::size_t>((*it - start) / binWidth));
      out.ratesHz[u * out.bins + bin] += 1.0 / binWidth;
    }
  }
  return out;
}

double roundBinWidth(double span, std::size_t maxBins) {
  span = std::max(1e-3, span);
  const double bins = static_cast<double>(std::max<std::size_t>(1, maxBins));
  double width = std::pow(10.0, std::floor(std::log10(span / bins)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (span / (m * width) <= bins) return m * width;
  return 10.0 * width;
}

std::string guessTuningParameter(const io::TableDataset& stimuli) {
  auto fewValues = [](const io::Column& column) {
    std::set<double> distinct;
    for (double v : column.numbers())
      if (std::isfinite(v) && distinct.insert(v).second && distinct.size() > 64) break;
    return distinct.size() >= 2 && distinct.size() <= 64;
  };
  for (const char* preferred :
       {"orientation", "direction", "temporal_frequency", "spatial_frequency", "frame",
        "image_index", "contrast", "phase", "size", "stimulus_condition_id"})
    if (const auto* column = stimuli.column(preferred);
        column && column->isNumeric() && fewValues(*column))
      return preferred;
  for (const auto& column : stimuli.columns()) {
    const std::string& name = column.name;
    if (!column.isNumeric() || name == "id" || name.find("time") != std::string::npos ||
        name.find("block") != std::string::npos || name.ends_with("index") || name.ends_with("_id"))
      continue;
    if (fewValues(column)) return name;
  }
  return {};
}

}  // namespace nl::analysis::ephys
