#include "widgets/pages/shared/Runs.h"

#include "io/RunInputs.h"
#include "io/Session.h"

namespace nl::widgets {

std::vector<io::DatasetId> outputsOfSameRun(const io::Session& session, io::DatasetId id) {
  const auto dataset = session.find(id);
  if (!dataset || dataset->provenance().runId.empty()) return {};
  return session.outputsOfRun(dataset->provenance().runId);
}

io::DatasetId siblingOutput(const io::Session& session, io::DatasetId id,
                            const std::string& output) {
  for (const auto sibling : outputsOfSameRun(session, id))
    if (session.find(sibling)->provenance().outputName == output) return sibling;
  return io::kNoDataset;
}

std::vector<RunInputFound> inputsOfRun(io::Session& session, io::DatasetId id, bool reopen) {
  std::vector<RunInputFound> found;
  const auto dataset = session.find(id);
  if (!dataset || dataset->provenance().runId.empty()) return found;
  const std::string& runId = dataset->provenance().runId;
  if (!reopen) {
    for (const auto& input : session.inputsOfRun(runId))
      found.push_back({input.record.port, input.id, input.record.sourcePath,
                       input.record.internalPath,
                       input.id == io::kNoDataset ? "not in the session" : ""});
    return found;
  }
  const auto report = io::reopenRunInputs(session, runId);
  const auto records = session.inputsOfRun(runId);
  for (const auto& item : report.items) {
    RunInputFound entry{item.port, item.id, item.path, {}, {}};
    for (const auto& record : records)
      if (record.record.port == item.port) {
        entry.sourcePath = record.record.sourcePath;
        entry.internalPath = record.record.internalPath;
      }
    if (item.id == io::kNoDataset) entry.problem = item.message;
    found.push_back(entry);
  }
  return found;
}

}  // namespace nl::widgets
