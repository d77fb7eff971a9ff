#pragma once
// Which units a unit view (PSTH, waveforms, amplitudes) shows: the selected
// units of its recording, at most `limit`, or — nothing of it selected — the
// most active unit, so a freshly opened recording shows something real.
#include <cstddef>
#include <vector>

#include "io/Session.h"

namespace nl::widgets {

inline std::vector<std::size_t> unitsToShow(const io::Session& session, io::DatasetId recordingId,
                                            const io::SpikeRecording& recording,
                                            std::size_t limit) {
  std::vector<std::size_t> units;
  const auto& selection = session.selection();
  if (selection.dataset() == recordingId)
    for (auto u : selection.indices())
      if (u >= 0 && static_cast<std::size_t>(u) < recording.unitCount() && units.size() < limit)
        units.push_back(static_cast<std::size_t>(u));
  if (units.empty() && recording.unitCount() > 0) {
    std::size_t busiest = 0;
    for (std::size_t u = 1; u < recording.unitCount(); ++u)
      if (recording.spikeCountOfUnit(u) > recording.spikeCountOfUnit(busiest)) busiest = u;
    units.push_back(busiest);
  }
  return units;
}

}  // namespace nl::widgets
