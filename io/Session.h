#pragma once
// A Session holds the open datasets and results, the shared selection and the
// view layout. It is the observable model that saving, linking and the views
// attach to; it knows nothing of Qt.
#include <map>
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

// One input of a run and where it is in the session (kNoDataset: not open).
struct RunInput {
  ProvenanceInput record;
  DatasetId id = kNoDataset;
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

  // Look-ups by identity (Dataset::datasetId(), Provenance::runId), never by
  // display names or description strings.
  // The first dataset with that id (following relocations), or kNoDataset.
  DatasetId findByDatasetId(const std::string& datasetId) const;
  // The datasets the run produced, one per output, in the order they were
  // added (the runner's and the result file's output order).
  std::vector<DatasetId> outputsOfRun(const std::string& runId) const;
  // The run's inputs as its provenance records them (any of its outputs in
  // the session tells), each with its dataset here if open. Empty when no
  // output of the run is in the session.
  std::vector<RunInput> inputsOfRun(const std::string& runId) const;

  // A recorded input was found elsewhere (the user located a moved file):
  // from now on `recordedDatasetId` means `replacementDatasetId`. Saved with
  // the session.
  void relocate(const std::string& recordedDatasetId, const std::string& replacementDatasetId);
  const std::map<std::string, std::string>& relocations() const { return relocations_; }

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
  std::map<std::string, std::string> relocations_;
};

}  // namespace nl::io
