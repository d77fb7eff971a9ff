#pragma once
// The datasets one plugin run made, found through their provenance (never
// through display names): what result pages use to gather their outputs.
#include <string>
#include <vector>

#include "io/Dataset.h"

namespace nl::io {
class Session;
}

namespace nl::widgets {

// Every output in the session of the run that made `id` (itself included),
// in session order; empty when `id` was not made by a plugin.
std::vector<io::DatasetId> outputsOfSameRun(const io::Session& session, io::DatasetId id);
// The output of that run whose port is `output`, or kNoDataset.
io::DatasetId siblingOutput(const io::Session& session, io::DatasetId id,
                            const std::string& output);

}  // namespace nl::widgets
