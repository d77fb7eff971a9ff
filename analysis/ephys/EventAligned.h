#pragma once
// Event-aligned population responses: the stimulus × unit response matrix
// (with the trial × stimulus × unit responses kept for noise ceilings) and
// peri-stimulus time histograms. Pure C++ on spans of sorted spike times.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "analysis/Progress.h"

namespace nl::analysis::ephys {

// Events grouped into conditions: condition c's events are eventTimes[i] for
// every i with conditionOf[i] == c.
struct Conditions {
  std::vector<double> eventTimes;
  std::vector<std::size_t> conditionOf;
  std::vector<std::string> labels;  // one per condition, sorted by value or text

  // Groups by a numeric column (NaN rows dropped) or a text column.
  static Conditions fromNumbers(std::span<const double> times, std::span<const double> values);
  static Conditions fromText(std::span<const double> times, const std::vector<std::string>& values);
  // Every event its own condition.
  static Conditions eachEvent(std::span<const double> times);
  std::size_t count() const { return labels.size(); }
};

struct ResponseMatrix {
  std::size_t stimuli = 0, units = 0, maxTrials = 0;
  std::vector<double> mean;    // stimuli × units, row-major, spikes/s
  std::vector<double> trials;  // maxTrials × stimuli × units; NaN where a stimulus had fewer trials
  std::vector<std::size_t> trialsPerStimulus;
};

// Mean rate of each unit in [event + windowStart, event + windowStop).
ResponseMatrix responseMatrix(const std::vector<std::span<const double>>& unitSpikes,
                              const Conditions& conditions, double windowStart, double windowStop,
                              Progress& progress);

struct Psth {
  std::size_t units = 0, conditions = 0, bins = 0;
  double binWidth = 0, start = 0;
  std::vector<double> rate;  // units × conditions × bins, spikes/s, smoothed
  std::vector<double> sem;   // across trials, same layout
  std::vector<double> binCentres() const;
};

// PSTH from `windowStart` to `windowStop` around each event; a Gaussian
// kernel of `smoothingSigma` seconds (0 = none) applied per trial.
Psth psth(const std::vector<std::span<const double>>& unitSpikes, const Conditions& conditions,
          double windowStart, double windowStop, double binWidth, double smoothingSigma,
          Progress& progress);

}  // namespace nl::analysis::ephys
