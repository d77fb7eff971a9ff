#pragma once
#include "io/ReaderRegistry.h"

namespace nl::io::readers {

// An anatomical connectome as the C. elegans JSON files hold it (White 1986,
// Witvliet 2020; the format of flavell-lab's and NemaNode's exports): a list
// of edges {"pre": name, "post": name, "typ": 0 chemical | 2 electrical,
// "syn": [one entry per synapse]} (optional extra keys such as "ids" are
// ignored). Read into one Table with columns pre, post, type ("chemical",
// "electrical", or the number as text for other codes), synapses (the number
// of entries of "syn"). Only .json files whose first bytes show a list of
// objects with "pre"/"post" keys are claimed, so other JSON is left alone.
class ConnectomeJsonReader final : public FileReader {
 public:
  std::string name() const override { return "Connectome JSON"; }
  std::vector<std::string> extensions() const override { return {".json"}; }
  int confidence(const std::filesystem::path& path,
                 std::span<const unsigned char> head) const override;
  FileContents open(const std::filesystem::path& path,
                    const std::string& internalPath) const override;
};

}  // namespace nl::io::readers
