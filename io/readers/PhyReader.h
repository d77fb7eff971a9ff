#pragma once
#include "io/ReaderRegistry.h"

namespace nl::io::readers {

// A phy / Kilosort output folder: spike_times.npy (samples), spike_clusters.npy,
// params.py (sample_rate), cluster_info.tsv / cluster_group.tsv, and
// channel_positions.npy when present. One unit per cluster.
class PhyReader final : public FileReader {
 public:
  std::string name() const override { return "phy/Kilosort folder"; }
  std::vector<std::string> extensions() const override { return {"(folder with spike_times.npy)"}; }
  bool readsFolders() const override { return true; }
  int confidence(const std::filesystem::path& path,
                 std::span<const unsigned char> head) const override;
  FileContents open(const std::filesystem::path& path,
                    const std::string& internalPath) const override;
};

}  // namespace nl::io::readers
