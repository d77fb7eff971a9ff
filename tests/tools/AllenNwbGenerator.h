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

// How units/spike_times and units/spike_amplitudes are stored: contiguous
// (pynwb's default), chunked without a filter, or chunked with shuffle +
// gzip (H5DataIO(compression="gzip"), as many DANDI files have them).
enum class SpikeStorage { Contiguous, Chunked, Gzip };

struct AllenNwbSpec {
  std::size_t probes = 6;
  std::size_t unitsPerProbe = 350;
  double durationSeconds = 3000.0;
  double meanRateHz = 8.0;
  std::uint64_t seed = 1;
  SpikeStorage spikeStorage = SpikeStorage::Contiguous;
  std::size_t chunkElements = std::size_t{1} << 20;  // 8 MB of float64 per chunk
  // Allen's per-unit extras: units/waveform_mean (units × 82 samples × 384
  // channels, float32, volts, sampling_rate 30 kHz) and units/spike_amplitudes
  // (one float64 per spike, ragged through spike_amplitudes_index).
  bool waveforms = true;
  bool amplitudes = true;
  std::size_t waveformSamples = 82;
  // > 0: datasets of 1 MB and more start at a multiple of this many bytes
  // (H5Pset_alignment; HDF5's default, 1, is what most writers leave).
  std::size_t alignment = 0;
  // Progress on stderr for big files.
  bool verbose = false;
};

struct AllenNwbTruth {
  std::vector<std::uint64_t> spikeIndex;  // spike_times_index as written
  std::vector<double> firstSpike, lastSpike;
  std::vector<double> preferredOrientation;
  double spikeTimeSum = 0;  // over every spike, in file order
  std::size_t gratingTrials = 0;
  // Per unit: the probe site (0..383) the waveform peaks on, the sum of its
  // mean-waveform values (volts, as written, float32 summed in double), the
  // sum of its spike amplitudes (volts) and its first amplitude.
  std::vector<std::size_t> peakSite;
  std::vector<double> waveformSum, amplitudeSum, firstAmplitude;
};

AllenNwbTruth writeAllenShapedNwb(const std::filesystem::path& path, const AllenNwbSpec& spec);

}  // namespace nl::test
