#pragma once
#include <filesystem>
#include <functional>
#include <string>

#include "io/hdf5/H5.h"

namespace nl::io {

// Writes an HDF5 file beside `target`, syncs it to disk, then renames it over
// `target`: a crash or kill at any moment leaves either the old file or the
// new one, never a damaged mix. `beforeRename` lets tests simulate a crash.
void writeHdf5Atomically(const std::filesystem::path& target,
                         const std::function<void(const h5::Group& root)>& write,
                         const std::function<void()>& beforeRename = {});

// The same for a plain file (text or bytes).
void writeFileAtomically(const std::filesystem::path& target, const std::string& bytes);

}  // namespace nl::io
