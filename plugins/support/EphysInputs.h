#pragma once
// Glue shared by the ephys plugins: from io datasets (a spike recording, an
// intervals table) to what analysis/ephys computes on.
#include <span>
#include <string>
#include <vector>

#include "analysis/ephys/EventAligned.h"
#include "io/Dataset.h"

namespace nl::plugins::ephys {

// Units passing `filter` (see analysis/ephys/UnitFilter.h); all when empty.
std::vector<std::size_t> selectUnits(const io::SpikeRecording& recording,
                                     const std::string& filter);
// The spike trains of `units` (read from the file when the recording is lazy)
// and spans over them for analysis/ephys; the spans live as long as this does.
struct UnitSpikes {
  std::vector<io::SpikeTrain> trains;
  std::vector<std::span<const double>> spans;
};
UnitSpikes spikeTrains(const io::SpikeRecording& recording, const std::vector<std::size_t>& units);
// Events at `start_time` (or `alignColumn`), grouped by `groupBy` (a numeric or
// text column; empty: every event its own condition). Throws std::invalid_argument.
analysis::ephys::Conditions conditionsFrom(const io::TableDataset& intervals,
                                           const std::string& groupBy,
                                           const std::string& alignColumn = "start_time");
// Unit ids (the table's id column, else row numbers) as text, for attributes.
std::string unitIdsJson(const io::SpikeRecording& recording, const std::vector<std::size_t>& units);
std::string labelsJson(const std::vector<std::string>& labels);

}  // namespace nl::plugins::ephys
