#include "analysis/ephys/Waveforms.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace nl::analysis::ephys {

WaveformFeatures waveformFeatures(std::span<const float> values, std::size_t samples,
                                  std::size_t channels, double samplingRateHz,
                                  double toMicrovolts) {
  if (samples == 0 || channels == 0 || values.size() != samples * channels)
    throw std::invalid_argument("mean waveform of " + std::to_string(values.size()) +
                                " values is not " + std::to_string(samples) + " samples × " +
                                std::to_string(channels) + " channels");
  // Peak channel: the largest peak-to-peak swing.
  std::vector<float> lo(channels, std::numeric_limits<float>::infinity());
  std::vector<float> hi(channels, -std::numeric_limits<float>::infinity());
  for (std::size_t s = 0; s < samples; ++s) {
    const float* row = values.data() + s * channels;
    for (std::size_t c = 0; c < channels; ++c) {
      lo[c] = std::min(lo[c], row[c]);
      hi[c] = std::max(hi[c], row[c]);
    }
  }
  WaveformFeatures f;
  double best = -1;
  for (std::size_t c = 0; c < channels; ++c) {
    const double swing = static_cast<double>(hi[c]) - static_cast<double>(lo[c]);
    if (swing > best) {  // NaN channels never win
      best = swing;
      f.peakChannel = c;
    }
  }
  f.amplitudeMicrovolts = best * toMicrovolts;
  auto at = [&](std::size_t s) { return values[s * channels + f.peakChannel]; };
  std::size_t trough = 0, peak = 0;
  for (std::size_t s = 1; s < samples; ++s) {
    if (at(s) < at(trough)) trough = s;
    if (at(s) > at(peak)) peak = s;
  }
  // Negative-going spike: trough, then the largest value after it; a
  // positive-going one: peak, then the deepest value after it.
  std::size_t from = trough, to = trough;
  if (std::abs(at(peak)) > std::abs(at(trough))) {
    from = peak;
    to = peak;
    for (std::size_t s = peak; s < samples; ++s)
      if (at(s) < at(to)) to = s;
  } else {
    for (std::size_t s = trough; s < samples; ++s)
      if (at(s) > at(to)) to = s;
  }
  f.troughSample = std::abs(at(peak)) > std::abs(at(trough)) ? to : from;
  f.peakSample = std::abs(at(peak)) > std::abs(at(trough)) ? from : to;
  f.durationMs = samplingRateHz > 0 ? 1000.0 * static_cast<double>(to - from) / samplingRateHz
                                    : std::numeric_limits<double>::quiet_NaN();
  return f;
}

WaveformFeatures waveformFeatures(const io::WaveformMean& waveform) {
  return waveformFeatures(waveform.values, waveform.samples, waveform.channels,
                          waveform.samplingRateHz, waveform.toMicrovolts);
}

std::vector<io::Column> derivedWaveformColumns(const io::SpikeRecording& recording,
                                               Progress& progress) {
  if (!recording.hasWaveforms()) return {};
  const auto& table = recording.units();
  auto has = [&](std::initializer_list<const char*> names) {
    if (!table) return false;
    for (const char* name : names)
      if (table->column(name)) return true;
    return false;
  };
  const bool wantChannel = !has({"peak_channel", "peak_channel_id"});
  const bool wantDuration = !has({"waveform_duration_ms", "waveform_duration", "duration"});
  const bool wantAmplitude = !has({"waveform_amplitude_uv", "amplitude"});
  if (!wantChannel && !wantDuration && !wantAmplitude) return {};
  const std::size_t units = recording.unitCount();
  std::vector<double> channel(units), duration(units), amplitude(units);
  for (std::size_t u = 0; u < units; ++u) {
    if (u % 16 == 0) {
      progress.checkCancel();
      progress.update(static_cast<double>(u) / static_cast<double>(std::max<std::size_t>(units, 1)),
                      "mean waveforms: unit " + std::to_string(u) + " of " + std::to_string(units));
    }
    const auto f = waveformFeatures(recording.waveformMean(u));
    channel[u] = static_cast<double>(f.peakChannel);
    duration[u] = f.durationMs;
    amplitude[u] = f.amplitudeMicrovolts;
  }
  progress.update(1.0, "mean waveforms measured");
  std::vector<io::Column> columns;
  if (wantChannel) columns.push_back({"peak_channel", std::move(channel)});
  if (wantDuration) columns.push_back({"waveform_duration_ms", std::move(duration)});
  if (wantAmplitude) columns.push_back({"waveform_amplitude_uv", std::move(amplitude)});
  return columns;
}

}  // namespace nl::analysis::ephys
