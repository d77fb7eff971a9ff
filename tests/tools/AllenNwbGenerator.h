#pragma once
// Writes an NWB 2.x file shaped like an Allen Brain Observatory Visual Coding
// Neuropixels session: probes of 384 sites in several areas, a units table
// with Allen's quality-metric columns, spike times through spike_times_index,
// drifting-grating and natural-scene presentation tables, running speed.
// Spike trains are simulated (orientation-tuned Poisson), deterministic for a
// seed; the generator returns what it wrote so tests can check readers.
#include <cstdint>
#include <filesystem>
#include <vector>

namespace nl::test {

struct AllenNwbSpec {
  std::size_t probes = 6;
  std::size_t unitsPerProbe = 350;
  double durationSeconds = 3000.0;
  double meanRateHz = 8.0;
  std::uint64_t seed = 1;
};

struct AllenNwbTruth {
  std::vector<std::uint64_t> spikeIndex;  // spike_times_index as written
  std::vector<double> firstSpike, lastSpike;
  std::vector<double> preferredOrientation;
  double spikeTimeSum = 0;  // over every spike, in file order
  std::size_t gratingTrials = 0;
};

AllenNwbTruth writeAllenShapedNwb(const std::filesystem::path& path, const AllenNwbSpec& spec);

}  // namespace nl::test
