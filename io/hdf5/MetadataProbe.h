#pragma once
// libhdf5 1.10 does not validate every metadata message: one corrupted byte
// in a link, a global-heap string or an attribute message can crash it, make
// it loop, or allocate gigabytes, inside whatever process reads the file.
// Before this process first opens a file, a separate probe process
// (neuroloupe-h5probe, io/hdf5/Probe.cpp) walks all of its metadata; if the
// probe dies, the file is refused with a clear error and nothing here ever
// touched it.
#include <cstddef>
#include <filesystem>
#include <thread>
#include <vector>

namespace nl::io::h5 {

// Throws FileError when the probe crashes, exceeds its memory cap or does
// not finish within its time limit. Once per version of a file (device,
// inode, size, modification time) per process; files libhdf5 merely refuses
// pass (the caller's own open says why). Does nothing when the probe program
// is not installed or NEUROLOUPE_HDF5_PROBE=off.
void probeMetadata(const std::filesystem::path& path);

// Probes the HDF5 files among `paths` in the background while the caller
// goes on (an app probes the files named on its command line while it builds
// its window); probeMetadata on one of them waits for that probe's verdict
// instead of starting another. The destructor waits for the probes.
class ProbeAhead {
 public:
  explicit ProbeAhead(const std::vector<std::filesystem::path>& paths);
  ~ProbeAhead();
  ProbeAhead(const ProbeAhead&) = delete;
  ProbeAhead& operator=(const ProbeAhead&) = delete;

 private:
  std::vector<std::thread> threads_;
};

// The verdicts kept (bounded by io::resourceLimits().hdf5ProbeVerdictCacheBytes).
struct ProbeVerdictCacheStats {
  std::size_t verdicts = 0, bytes = 0;
};
ProbeVerdictCacheStats probeVerdictCacheStats();

// The probe program: $NEUROLOUPE_HDF5_PROBE when it names a file, else
// neuroloupe-h5probe beside the io library. Empty when there is none.
std::filesystem::path probeProgram();

}  // namespace nl::io::h5
