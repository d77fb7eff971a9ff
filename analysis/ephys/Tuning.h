#pragma once
// Event-aligned spike statistics: per-trial rates in a window after each
// event, grouped by a stimulus parameter (a tuning curve), and PSTHs.
#include <span>
#include <string>
#include <vector>

namespace nl::io {
class TableDataset;
}

namespace nl::analysis::ephys {

// Number of spikes in [start, stop) of sorted `spikes`.
std::size_t countInWindow(std::span<const double> spikes, double start, double stop);

struct TuningCurve {
  std::vector<double> conditions;  // sorted distinct values of the grouping column
  std::vector<double> meanRateHz, semHz;
  std::vector<std::size_t> trials;     // per condition
  std::size_t preferredIndex() const;  // condition with the highest mean rate
};

// Rate in [event + windowStart, event + windowStop) for every event, grouped by
// `condition` (same length as `eventTimes`; NaN conditions are skipped).
TuningCurve tuningCurve(std::span<const double> spikes, std::span<const double> eventTimes,
                        std::span<const double> condition, double windowStart, double windowStop);

// Spike counts of each unit in consecutive bins of [start, stop), divided by
// the bin width: a units × bins matrix of rates (Hz), row-major.
struct BinnedRates {
  std::size_t units = 0, bins = 0;
  double start = 0, binWidth = 1;
  std::vector<double> ratesHz;
};
BinnedRates binnedRates(const std::vector<std::span<const double>>& unitSpikes, double start,
                        double stop, double binWidth);

// A round bin width (1, 2 or 5 × 10^k s) giving at most `maxBins` bins
// across `span` seconds: what a whole-recording rate map is binned at.
double roundBinWidth(double span, std::size_t maxBins = 300);

// The stimulus parameter to tune against in an intervals table: a numeric
// column with 2–64 distinct values, Allen's known parameters first
// (orientation, temporal frequency, frame…), never times, ids, blocks or
// indices. Empty when none fits.
std::string guessTuningParameter(const io::TableDataset& stimuli);

}  // namespace nl::analysis::ephys
