#pragma once
#include "io/ReaderRegistry.h"

namespace nl::io::readers {

// Neurodata Without Borders 2.x (HDF5): file metadata, the units table with
// spike times, the electrodes table, every TimeIntervals table (trials,
// epochs, stimulus presentations) and TimeSeries (read lazily). NWB 1.x and
// HDF5 files that are not NWB are refused with a message that says so.
class NwbReader final : public FileReader {
 public:
  std::string name() const override { return "NWB 2.x"; }
  std::vector<std::string> extensions() const override { return {".nwb"}; }
  int confidence(const std::filesystem::path& path,
                 std::span<const unsigned char> head) const override;
  FileContents open(const std::filesystem::path& path,
                    const std::string& internalPath) const override;
};

}  // namespace nl::io::readers
