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

}  // namespace nl::io
