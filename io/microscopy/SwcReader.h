#pragma once
// SWC neuron reconstructions: one node per line "id type x y z radius parent"
// (parent -1 for a root), '#' comment lines. Read as a Table with columns id,
// type, x, y, z, radius, parent; the header comments are the attribute
// "header". Ids must be unique positive integers, parents must exist and the
// parent links must not form a cycle — otherwise a FileError names the line.
#include <filesystem>
#include <memory>
#include <string_view>

#include "io/ReaderRegistry.h"

namespace nl::io::microscopy {

std::shared_ptr<TableDataset> parseSwc(std::string_view text, const std::filesystem::path& path);
std::shared_ptr<TableDataset> openSwc(const std::filesystem::path& path);

class SwcReader final : public FileReader {
 public:
  std::string name() const override { return "SWC neuron morphology"; }
  std::vector<std::string> extensions() const override { return {".swc"}; }
  int confidence(const std::filesystem::path& path,
                 std::span<const unsigned char> head) const override;
  FileContents open(const std::filesystem::path& path,
                    const std::string& internalPath) const override;
};

}  // namespace nl::io::microscopy
