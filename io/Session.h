#pragma once
// A Session holds the open datasets and results, the shared selection and the
// view layout. It is the observable model that saving, linking and the views
// attach to; it knows nothing of Qt.
#include <memory>
#include <string>
#include <vector>

#include "io/Dataset.h"
#include "io/Selection.h"
#include "io/Signal.h"

namespace nl::io {

struct SessionEntry {
  DatasetId id = kNoDataset;
  DatasetPtr dataset;
};

class Session {
 public:
  Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  DatasetId add(DatasetPtr dataset);
  bool remove(DatasetId id);
  void clear();
  DatasetPtr find(DatasetId id) const;
  DatasetId idOf(const Dataset* dataset) const;
  const std::vector<SessionEntry>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }

  Selection& selection() { return selection_; }
  const Selection& selection() const { return selection_; }

  // Opaque to io/: the GUI stores its splitter/tab/view state here as JSON.
  const std::string& viewLayoutJson() const { return viewLayoutJson_; }
  void setViewLayoutJson(std::string json) { viewLayoutJson_ = std::move(json); }

  Signal<DatasetId> datasetAdded;
  Signal<DatasetId> datasetRemoved;

 private:
  std::vector<SessionEntry> entries_;
  DatasetId lastId_ = kNoDataset;
  Selection selection_;
  std::string viewLayoutJson_;
};

}  // namespace nl::io
