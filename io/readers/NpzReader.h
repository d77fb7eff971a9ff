#pragma once
#include "io/ReaderRegistry.h"

namespace nl::io::readers {

// NumPy .npz archives (numpy.savez / savez_compressed): a zip of .npy files,
// stored or deflated, zip64 included. Each member becomes a lazily read array;
// FILE.npz::name picks one.
class NpzReader final : public FileReader {
 public:
  std::string name() const override { return "NumPy .npz"; }
  std::vector<std::string> extensions() const override { return {".npz"}; }
  int confidence(const std::filesystem::path& path, std::span<const unsigned char> head) const override;
  FileContents open(const std::filesystem::path& path, const std::string& internalPath) const override;
};

}  // namespace nl::io::readers
