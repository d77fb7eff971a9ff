#pragma once
// What a unit's mean extracellular waveform says about it, measured as the
// Allen Institute's ecephys pipeline measures its unit metrics (Siegle et al.
// 2021; Jia et al. 2019): the peak channel is the channel with the largest
// peak-to-peak swing; on it, the amplitude is that swing (µV) and the
// duration is the time from the trough to the following peak (ms; from the
// peak to the following trough when the spike is positive-going, i.e. its
// peak is larger than its trough is deep).
#include <cstddef>
#include <span>
#include <vector>

#include "analysis/Progress.h"
#include "io/Dataset.h"

namespace nl::analysis::ephys {

struct WaveformFeatures {
  std::size_t peakChannel = 0;  // index into the waveform's channels
  double amplitudeMicrovolts = 0;
  double durationMs = 0;  // NaN when the sampling rate is unknown
  std::size_t troughSample = 0;
  std::size_t peakSample = 0;
};

// values: samples × channels, sample-major; toMicrovolts scales the values to
// µV; samplingRateHz ≤ 0 gives a NaN duration. Throws std::invalid_argument
// for an empty or mis-sized waveform.
WaveformFeatures waveformFeatures(std::span<const float> values, std::size_t samples,
                                  std::size_t channels, double samplingRateHz, double toMicrovolts);
WaveformFeatures waveformFeatures(const io::WaveformMean& waveform);

// Unit-table columns derived from the mean waveforms, for the ones the units
// table lacks: "peak_channel" (waveform channel index), "waveform_duration_ms"
// and "waveform_amplitude_uv". Reads every unit's waveform (a long job on a
// big file: reports progress, honours cancel). Empty when the recording has
// no waveforms or the table already has all three (Allen names:
// "peak_channel_id", "waveform_duration", "amplitude").
std::vector<io::Column> derivedWaveformColumns(const io::SpikeRecording& recording,
                                               Progress& progress);

}  // namespace nl::analysis::ephys
