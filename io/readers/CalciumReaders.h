#pragma once
// Calcium-imaging layouts that the generic readers open without their
// meaning: each reader gives the trace arrays the attributes of the
// connectome contract (docs/CONNECTOME.md): shape {frames, neurons},
// `axes` = "frame, neuron", `neuron_names` (JSON), `frame_rate` (Hz),
// `start_time` (s) and, where the files have them, `neuron_positions`.
// (NWB ophys files are read by NwbReader.)
#include "io/ReaderRegistry.h"

namespace nl::io::readers {

// Flavell-lab whole-brain C. elegans HDF5 (gcamp/trace_array frames ×
// neurons, timing/timestamp_confocal, neuropal_registration/roi_match):
// everything the HDF5 reader gives, with the gcamp/ trace arrays annotated.
class FlavellHdf5Reader final : public FileReader {
 public:
  std::string name() const override { return "HDF5 calcium traces (Flavell lab)"; }
  std::vector<std::string> extensions() const override { return {".h5", ".hdf5"}; }
  int confidence(const std::filesystem::path& path,
                 std::span<const unsigned char> head) const override;
  FileContents open(const std::filesystem::path& path,
                    const std::string& internalPath) const override;
};

// A suite2p output folder (plane folder with F.npy and iscell.npy, or a
// suite2p/ folder whose plane0/ has them): the cells' neuropil-corrected
// traces F − 0.7·Fneu and deconvolved spks (frames × cells), and F of every
// ROI. The frame rate comes from ops.npy ("fs") when it can be found there.
class Suite2pReader final : public FileReader {
 public:
  std::string name() const override { return "suite2p output"; }
  std::vector<std::string> extensions() const override { return {}; }
  bool readsFolders() const override { return true; }
  int confidence(const std::filesystem::path& path,
                 std::span<const unsigned char> head) const override;
  FileContents open(const std::filesystem::path& path,
                    const std::string& internalPath) const override;
};

// The value of a top-level float or integer entry `key` of a pickled dict
// (suite2p's ops.npy), found by scanning the pickle's opcodes; nullopt when
// it is not there in a form this understands.
std::optional<double> pickledNumber(const std::string& bytes, const std::string& key);

}  // namespace nl::io::readers
