#pragma once
// The session file: one HDF5 file holding references to source files
// (path + internal path), derived results inline, the view layout and the
// selection. Versioned; written atomically.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "io/ReaderRegistry.h"
#include "io/Session.h"

namespace nl::io {

struct SessionSaveOptions {
  std::string appVersion;
  std::function<void()> beforeRename;  // for crash simulation in tests
};

void saveSession(const Session& session, const std::filesystem::path& path,
                 const SessionSaveOptions& options = {});

struct SessionLoadReport {
  // Things the user should know: missing or changed source files, skipped items.
  std::vector<std::string> notices;
  // The dataset each saved position became, kNoDataset where it did not come
  // back: the view layout refers to datasets by saved position.
  std::vector<DatasetId> idsBySavedPosition;
};

// Replaces the contents of `session`. Throws FileError when the file itself
// is not a readable session; problems with referenced files become notices.
SessionLoadReport loadSession(Session& session, const std::filesystem::path& path,
                              const ReaderRegistry& registry = ReaderRegistry::builtin());

}  // namespace nl::io
