#include "io/Session.h"

#include <algorithm>
#include <stdexcept>

namespace nl::io {

DatasetId Session::add(DatasetPtr dataset) {
  if (!dataset) throw std::invalid_argument("Session::add: null dataset");
  const DatasetId id = ++lastId_;
  entries_.push_back({id, std::move(dataset)});
  datasetAdded.notify(id);
  return id;
}

bool Session::remove(DatasetId id) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [id](const SessionEntry& e) { return e.id == id; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  if (selection_.dataset() == id) selection_.clear("session");
  datasetRemoved.notify(id);
  return true;
}

void Session::clear() {
  while (!entries_.empty()) remove(entries_.back().id);
  viewLayoutJson_.clear();
  relocations_.clear();
}

DatasetPtr Session::find(DatasetId id) const {
  for (const auto& e : entries_)
    if (e.id == id) return e.dataset;
  return nullptr;
}

DatasetId Session::idOf(const Dataset* dataset) const {
  for (const auto& e : entries_)
    if (e.dataset.get() == dataset) return e.id;
  return kNoDataset;
}

DatasetId Session::findByDatasetId(const std::string& datasetId) const {
  if (datasetId.empty()) return kNoDataset;
  std::string wanted = datasetId;
  // Relocations may chain (moved twice); a cycle has no more steps than relocations.
  for (std::size_t step = 0; step <= relocations_.size(); ++step) {
    for (const auto& e : entries_)
      if (e.dataset->datasetId() == wanted) return e.id;
    const auto next = relocations_.find(wanted);
    if (next == relocations_.end()) break;
    wanted = next->second;
  }
  return kNoDataset;
}

std::vector<DatasetId> Session::outputsOfRun(const std::string& runId) const {
  std::vector<DatasetId> ids;
  if (runId.empty()) return ids;
  std::vector<std::string> seen;
  for (const auto& e : entries_) {
    if (e.dataset->provenance().runId != runId) continue;
    auto datasetId = e.dataset->datasetId();
    if (std::find(seen.begin(), seen.end(), datasetId) != seen.end()) continue;  // opened twice
    seen.push_back(std::move(datasetId));
    ids.push_back(e.id);
  }
  return ids;
}

std::vector<RunInput> Session::inputsOfRun(const std::string& runId) const {
  std::vector<RunInput> inputs;
  const auto outputs = outputsOfRun(runId);
  if (outputs.empty()) return inputs;
  for (const auto& record : find(outputs.front())->provenance().inputs)
    inputs.push_back({record, findByDatasetId(record.datasetId)});
  return inputs;
}

void Session::relocate(const std::string& recordedDatasetId,
                       const std::string& replacementDatasetId) {
  if (recordedDatasetId.empty() || recordedDatasetId == replacementDatasetId) return;
  relocations_[recordedDatasetId] = replacementDatasetId;
}

}  // namespace nl::io
