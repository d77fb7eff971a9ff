#include "plugins/support/EphysInputs.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>

#include "analysis/ephys/UnitFilter.h"

namespace nl::plugins::ephys {

std::vector<std::size_t> selectUnits(const io::SpikeRecording& recording,
                                     const std::string& filter) {
  const auto clauses = analysis::ephys::parseUnitFilter(filter);
  std::vector<std::size_t> all(recording.unitCount());
  std::iota(all.begin(), all.end(), 0);
  if (clauses.empty()) return all;
  const auto* table = recording.units().get();
  if (table == nullptr) throw std::invalid_argument("the recording has no unit table to filter on");
  analysis::ephys::ColumnAccess access;
  access.hasColumn = [table](const std::string& c) { return table->column(c) != nullptr; };
  access.isNumeric = [table](const std::string& c) { return table->numericColumn(c) != nullptr; };
  access.numberAt = [table](const std::string& c, std::size_t row) {
    const auto* column = table->numericColumn(c);
    return column ? (*column)[row] : std::nan("");
  };
  access.textAt = [table](const std::string& c, std::size_t row) {
    return table->column(c)->cellText(row);
  };
  return analysis::ephys::selectRows(clauses, recording.unitCount(), access);
}

UnitSpikes spikeTrains(const io::SpikeRecording& recording, const std::vector<std::size_t>& units) {
  UnitSpikes result;
  result.trains.reserve(units.size());
  result.spans.reserve(units.size());
  for (auto u : units) {
    result.trains.push_back(recording.spikesOfUnit(u));
    result.spans.push_back(result.trains.back().times());
  }
  return result;
}

analysis::ephys::Conditions conditionsFrom(const io::TableDataset& intervals,
                                           const std::string& groupBy,
                                           const std::string& alignColumn) {
  const auto* times = intervals.numericColumn(alignColumn);
  if (times == nullptr)
    throw std::invalid_argument("table '" + intervals.name() + "' has no numeric '" + alignColumn +
                                "' column");
  if (groupBy.empty()) return analysis::ephys::Conditions::eachEvent(*times);
  const auto* column = intervals.column(groupBy);
  if (column == nullptr) {
    std::string known;
    for (const auto& c : intervals.columns()) known += (known.empty() ? "" : ", ") + c.name;
    throw std::invalid_argument("table '" + intervals.name() + "' has no column '" + groupBy +
                                "' (columns: " + known + ")");
  }
  return column->isNumeric() ? analysis::ephys::Conditions::fromNumbers(*times, column->numbers())
                             : analysis::ephys::Conditions::fromText(*times, column->strings());
}

std::string unitIdsJson(const io::SpikeRecording& recording,
                        const std::vector<std::size_t>& units) {
  const auto* ids = recording.units() ? recording.units()->numericColumn("id") : nullptr;
  nlohmann::json out = nlohmann::json::array();
  for (auto u : units) out.push_back(ids ? (*ids)[u] : static_cast<double>(u));
  return out.dump();
}

std::string labelsJson(const std::vector<std::string>& labels) {
  return nlohmann::json(labels).dump();
}

}  // namespace nl::plugins::ephys
