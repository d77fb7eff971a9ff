#include "io/RunInputs.h"

#include <algorithm>
#include <stdexcept>

namespace nl::io {

const char* statusName(ReopenStatus status) {
  switch (status) {
    case ReopenStatus::Found:
      return "found";
    case ReopenStatus::Opened:
      return "opened";
    case ReopenStatus::Relocated:
      return "relocated";
    case ReopenStatus::Missing:
      return "missing";
    case ReopenStatus::Unreadable:
      return "unreadable";
    case ReopenStatus::NoSource:
      return "no_source";
  }
  return "unknown";
}

bool ReopenReport::complete() const {
  return std::all_of(items.begin(), items.end(), [](const ReopenItem& item) {
    return item.status == ReopenStatus::Found || item.status == ReopenStatus::Opened ||
           item.status == ReopenStatus::Relocated;
  });
}

const ReopenItem* ReopenReport::find(const std::string& port) const {
  for (const auto& item : items)
    if (item.port == port) return &item;
  return nullptr;
}

namespace {

std::string pathText(const std::string& path, const std::string& internal) {
  return internal.empty() ? path : path + "::" + internal;
}

// "'gt' (input ground_truth)": how messages name an input.
std::string whatInput(const ProvenanceInput& record) {
  return (record.name.empty() ? std::string("the dataset") : "'" + record.name + "'") + " (input " +
         record.port + ")";
}

// The datasets a file holds at the recorded internal path. A reader that
// does not address objects by that path is asked for the whole file.
std::vector<DatasetPtr> openCandidates(const ReaderRegistry& registry,
                                       const std::filesystem::path& path,
                                       const std::string& internal) {
  try {
    return registry.open(path, internal).datasets;
  } catch (const FileError&) {
    if (internal.empty()) throw;
  }
  return registry.open(path, std::string()).datasets;
}

// The dataset of `candidates` that `record` names: by dataset id. When the
// file is a replacement (the id of a file input changes with its path) or
// the record is legacy (its path was stored as given), a file input may also
// be taken by its recorded name or as the only dataset there.
DatasetPtr pick(const std::vector<DatasetPtr>& candidates, const ProvenanceInput& record,
                bool replacement) {
  for (const auto& dataset : candidates)
    if (!record.datasetId.empty() && dataset->datasetId() == record.datasetId) return dataset;
  if (record.isDerived()) return nullptr;  // a run's output is known by its id alone
  if (!replacement && record.legacyDescription.empty()) return nullptr;
  DatasetPtr byName;
  for (const auto& dataset : candidates)
    if (!record.name.empty() && dataset->name() == record.name) {
      if (byName) return nullptr;  // ambiguous
      byName = dataset;
    }
  if (byName) return byName;
  return candidates.size() == 1 ? candidates.front() : nullptr;
}

std::string namesOf(const std::vector<DatasetPtr>& datasets) {
  std::string text;
  for (const auto& d : datasets) text += (text.empty() ? "" : ", ") + ("'" + d->name() + "'");
  return text.empty() ? "nothing" : text;
}

// Opens `record` from `file` (the recorded one or a replacement) into the session.
ReopenItem openInto(Session& session, const ProvenanceInput& record,
                    const std::filesystem::path& file, bool replacement,
                    const ReaderRegistry& registry) {
  ReopenItem item{record.port, record.name, pathText(file.string(), record.internalPath)};
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    item.status = ReopenStatus::Missing;
    item.message = whatInput(record) + " was not opened: " + file.string() + " is missing";
    return item;
  }
  std::vector<DatasetPtr> candidates;
  try {
    candidates = openCandidates(registry, file, record.internalPath);
  } catch (const FileError& error) {
    item.status = ReopenStatus::Unreadable;
    item.message = whatInput(record) + " was not opened: " + error.what();
    return item;
  }
  const DatasetPtr dataset = pick(candidates, record, replacement);
  if (!dataset) {
    item.status = ReopenStatus::Unreadable;
    item.message =
        whatInput(record) + " was not opened: " + item.path + " holds " + namesOf(candidates) +
        (record.isDerived() ? ", not output '" + record.outputName + "' of run " + record.runId
                            : ", and none of it is the recorded dataset" +
                                  std::string(record.name.empty() ? "" : " '" + record.name + "'"));
    return item;
  }
  item.id = session.findByDatasetId(dataset->datasetId());
  if (item.id == kNoDataset) item.id = session.add(dataset);
  if (replacement) {
    session.relocate(record.datasetId, dataset->datasetId());
    item.status = ReopenStatus::Relocated;
    item.message = whatInput(record) + " was opened from " + item.path + " instead of " +
                   (record.sourcePath.empty() ? std::string("its recorded source")
                                              : pathText(record.sourcePath, record.internalPath));
  } else {
    item.status = ReopenStatus::Opened;
    item.message = whatInput(record) + " was opened from " + item.path;
  }
  return item;
}

ReopenItem reopenOne(Session& session, const RunInput& input, const ReaderRegistry& registry) {
  const ProvenanceInput& record = input.record;
  if (input.id != kNoDataset) {
    ReopenItem item{record.port, record.name, pathText(record.sourcePath, record.internalPath),
                    ReopenStatus::Found};
    item.id = input.id;
    item.message = whatInput(record) + " is open";
    return item;
  }
  if (record.sourcePath.empty()) {
    ReopenItem item{record.port, record.name, {}};
    if (record.isDerived()) {
      item.status = ReopenStatus::Missing;
      item.message = whatInput(record) + " is output '" + record.outputName + "' of run " +
                     record.runId +
                     ", which was not saved to a file; open the result file "
                     "that holds it";
    } else {
      item.status = ReopenStatus::NoSource;
      item.message =
          whatInput(record) + " was not read from a file (" +
          (record.legacyDescription.empty() ? std::string("in memory") : record.legacyDescription) +
          "); it cannot be reopened";
    }
    return item;
  }
  return openInto(session, record, record.sourcePath, false, registry);
}

}  // namespace

ReopenReport reopenRunInputs(Session& session, const std::string& runId,
                             const ReaderRegistry& registry) {
  ReopenReport report;
  for (const auto& input : session.inputsOfRun(runId)) {
    // An earlier input of this run may have brought this one in (one file, two records).
    RunInput current = input;
    if (current.id == kNoDataset) current.id = session.findByDatasetId(input.record.datasetId);
    report.items.push_back(reopenOne(session, current, registry));
  }
  return report;
}

ReopenReport relocateRunInput(Session& session, const std::string& runId, const std::string& port,
                              const std::filesystem::path& replacement,
                              const ReaderRegistry& registry) {
  const auto inputs = session.inputsOfRun(runId);
  const auto it = std::find_if(inputs.begin(), inputs.end(),
                               [&](const RunInput& input) { return input.record.port == port; });
  if (it == inputs.end())
    throw std::invalid_argument("run " + runId + " has no input '" + port + "' in this session");
  ReopenReport report;
  report.items.push_back(openInto(session, it->record, replacement, true, registry));
  if (report.items.front().status != ReopenStatus::Relocated || it->record.sourcePath.empty())
    return report;
  // Inputs recorded in the same file (raw and labels of one container) moved with it.
  for (const auto& other : inputs) {
    if (&other == &*it || other.record.sourcePath != it->record.sourcePath) continue;
    if (session.findByDatasetId(other.record.datasetId) != kNoDataset) continue;
    report.items.push_back(openInto(session, other.record, replacement, true, registry));
  }
  return report;
}

}  // namespace nl::io
