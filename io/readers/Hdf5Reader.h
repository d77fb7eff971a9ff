#pragma once
#include "io/ReaderRegistry.h"

namespace nl::io::readers {

// NeuroLoupe result and session files (every stored dataset, typed), and any
// other HDF5 file (each numeric dataset becomes a lazily read Array).
class Hdf5Reader final : public FileReader {
 public:
  std::string name() const override { return "HDF5"; }
  std::vector<std::string> extensions() const override {
    return {".h5", ".hdf5", ".hdf", ".nlsession"};
  }
  int confidence(const std::filesystem::path& path,
                 std::span<const unsigned char> head) const override;
  FileContents open(const std::filesystem::path& path,
                    const std::string& internalPath) const override;
};

}  // namespace nl::io::readers
