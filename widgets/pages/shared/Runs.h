#pragma once
// The datasets one plugin run made, found through their provenance (never
// through display names): what result pages use to gather their outputs.
#include <string>
#include <vector>

#include "io/Dataset.h"
#include "io/Selection.h"

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

namespace nl::widgets {

// An input of the run that made a dataset, and where it is now.
struct RunInputFound {
  std::string port;
  io::DatasetId id = io::kNoDataset;  // in the session (kNoDataset: not found)
  std::string sourcePath;             // the file it was read from, when known
  std::string internalPath;           // the object inside that file
  std::string problem;                // why it is not in the session
};
// The inputs of the run that made `id`; when `reopen` is set, inputs that
// are not in the session are opened again from the files their provenance
// names (and added to the session) when those files exist.
std::vector<RunInputFound> inputsOfRun(io::Session& session, io::DatasetId id, bool reopen);

}  // namespace nl::widgets
