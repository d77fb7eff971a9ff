#pragma once
#include "io/ReaderRegistry.h"

namespace nl::io::readers {

// Comma-, tab- or semicolon-separated text, RFC 4180 quoting (quoted fields
// may hold delimiters, doubled quotes and line breaks); `.dat` (and a `.txt`
// without those delimiters) split on runs of spaces and tabs, as LFR's
// network.dat edge lists. With a header row it is a Table
// (numeric columns where every non-empty cell is a number); a header-less,
// all-numeric file is a rows × columns Array (spike-count matrices and the like).
class CsvReader final : public FileReader {
 public:
  std::string name() const override { return "CSV/TSV"; }
  std::vector<std::string> extensions() const override { return {".csv", ".tsv", ".txt", ".dat"}; }
  int confidence(const std::filesystem::path& path,
                 std::span<const unsigned char> head) const override;
  FileContents open(const std::filesystem::path& path,
                    const std::string& internalPath) const override;
};

}  // namespace nl::io::readers
