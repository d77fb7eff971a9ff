#include "widgets/pages/shared/Runs.h"

#include "io/Session.h"

namespace nl::widgets {

namespace {
bool sameRun(const io::Provenance& a, const io::Provenance& b) {
  return a.isDerived() && a.pluginId == b.pluginId && a.createdUtc == b.createdUtc &&
         a.parametersJson == b.parametersJson;
}
}  // namespace

std::vector<io::DatasetId> outputsOfSameRun(const io::Session& session, io::DatasetId id) {
  std::vector<io::DatasetId> outputs;
  const auto dataset = session.find(id);
  if (!dataset || !dataset->provenance().isDerived()) return outputs;
  for (const auto& entry : session.entries())
    if (sameRun(entry.dataset->provenance(), dataset->provenance())) outputs.push_back(entry.id);
  return outputs;
}

io::DatasetId siblingOutput(const io::Session& session, io::DatasetId id,
                            const std::string& output) {
  for (const auto sibling : outputsOfSameRun(session, id))
    if (session.find(sibling)->name() == output) return sibling;
  return io::kNoDataset;
}

}  // namespace nl::widgets

namespace nl::widgets {

std::vector<RunInputFound> inputsOfRun(io::Session& session, io::DatasetId id, bool /*reopen*/) {
  std::vector<RunInputFound> found;
  const auto dataset = session.find(id);
  if (!dataset) return found;
  const auto& run = dataset->provenance();
  for (const auto& input : run.inputs) {
    RunInputFound entry;
    entry.port = input.substr(0, input.find('='));
    for (const auto& candidate : session.entries()) {
      const std::string description =
          candidate.dataset->provenance().describe() + " [" + candidate.dataset->name() + "]";
      if (input == entry.port + "=" + description) {
        entry.id = candidate.id;
        break;
      }
    }
    if (entry.id == io::kNoDataset) entry.problem = "not in the session";
    found.push_back(entry);
  }
  return found;
}

}  // namespace nl::widgets
