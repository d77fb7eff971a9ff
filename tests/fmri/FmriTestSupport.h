#pragma once
// Shared by the fMRI tests: fixture paths and loading through the readers.
#include <filesystem>
#include <memory>

#include "io/Dataset.h"
#include "io/ReaderRegistry.h"
#include "tests/support/TestSupport.h"

namespace nl::test::fmri {

inline std::filesystem::path haxby(const std::string& name) {
  return nl::test::fixtures() / "nifti" / "haxby2001" / name;
}

// The first dataset the built-in readers find in `path`.
template <typename T = nl::io::ArrayDataset>
std::shared_ptr<const T> load(const std::filesystem::path& path) {
  const auto contents = nl::io::ReaderRegistry::builtin().open(path);
  for (const auto& dataset : contents.datasets)
    if (auto typed = std::dynamic_pointer_cast<const T>(dataset)) return typed;
  throw std::runtime_error("no dataset of the wanted type in " + path.string());
}

}  // namespace nl::test::fmri
