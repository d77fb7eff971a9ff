#pragma once
// Bringing a run's inputs back into a session: a result file opened alone
// names the files its run read (Provenance::inputs); these functions open
// those that exist, and let the user point at a file that moved.
#include <filesystem>
#include <string>
#include <vector>

#include "io/ReaderRegistry.h"
#include "io/Session.h"

namespace nl::io {

enum class ReopenStatus {
  Found,       // already in the session
  Opened,      // opened from the recorded file and added
  Relocated,   // opened from a file the user gave instead and added
  Missing,     // the recorded file is not there (or a derived input has none): locate it
  Unreadable,  // the file is there but does not open, or does not hold the dataset
  NoSource,    // the input was never read from a file (in memory): nothing to reopen
};
const char* statusName(ReopenStatus status);  // "found", "opened", …, "no_source"

struct ReopenItem {
  std::string port;  // the record's port ("ground_truth", "layers#1")
  std::string name;  // the dataset's name as recorded
  std::string path;  // the file looked at, "FILE" or "FILE::INTERNAL"; empty when none
  ReopenStatus status = ReopenStatus::Missing;
  std::string message;        // one sentence for the user, naming the file and the problem
  DatasetId id = kNoDataset;  // in the session: Found, Opened, Relocated
};

struct ReopenReport {
  std::vector<ReopenItem> items;  // in the order of the run's input records
  // Every input is in the session now (Found, Opened or Relocated).
  bool complete() const;
  const ReopenItem* find(const std::string& port) const;
};

// For each input of run `runId` (Session::inputsOfRun) not in the session:
// opens it from its recorded sourcePath/internalPath when that file exists,
// picks the dataset by its dataset id, and adds it. Inputs already there are
// reported Found. Nothing is thrown for a missing or broken file: the report
// says what happened to each input. Empty when no output of the run is in
// the session.
ReopenReport reopenRunInputs(Session& session, const std::string& runId,
                             const ReaderRegistry& registry = ReaderRegistry::builtin());

// The user located the input `port` of run `runId` at `replacement` (the
// file moved or was renamed). Opens the recorded internal path in it and adds
// the dataset, which carries its new file provenance; the session remembers
// that the recorded dataset id now means this one (Session::relocate), so
// inputsOfRun finds it. Other inputs of the run that were recorded in the
// same file and are not in the session are looked for in the replacement too
// and appear in the report after the first item. A derived input must be
// found by its run and output name (a result file holding it); a file input
// by the recorded internal path, then its name when the file holds several.
// Throws std::invalid_argument when the run has no such input in the session.
ReopenReport relocateRunInput(Session& session, const std::string& runId, const std::string& port,
                              const std::filesystem::path& replacement,
                              const ReaderRegistry& registry = ReaderRegistry::builtin());

}  // namespace nl::io
