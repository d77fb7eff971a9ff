#pragma once
// Spike-time sources whose stored times can be addressed where they lie: an
// uncompressed, contiguous, native little-endian float64 array in a file
// (NWB units/spike_times as pynwb writes it by default) is mapped read-only
// and every unit's train becomes a view of the mapping. Nothing is copied and
// nothing is read until a train is touched; the pages are page cache, not
// this process's memory. Kept out of io/Dataset.h: only SpikeRecording.cpp
// and the sources that offer it include it.
#include <memory>
#include <optional>
#include <span>

namespace nl::io {

struct MappedDoubles {
  std::shared_ptr<const void> owner;  // keeps the mapping alive
  std::span<const double> values;
};

class MappedSpikeTimes {
 public:
  virtual ~MappedSpikeTimes() = default;
  // The whole array mapped, or nothing when its storage cannot be (compressed,
  // chunked, another type or byte order, misaligned, a user block): then the
  // caller reads as usual.
  virtual std::optional<MappedDoubles> mapAll() const = 0;
};

}  // namespace nl::io
