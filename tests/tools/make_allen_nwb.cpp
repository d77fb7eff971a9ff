// neuroloupe-make-allen-nwb OUT.nwb [--probes N] [--units-per-probe N]
//   [--duration S] [--rate HZ] [--seed N] [--spike-storage contiguous|chunked|gzip]
//   [--chunk-elements N] [--no-waveforms] [--no-amplitudes] [--align BYTES]: writes the
//   benchmark file.
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>

#include "tests/tools/AllenNwbGenerator.h"

int main(int argc, char** argv) {
  CLI::App app{"Write a large Allen Visual Coding Neuropixels-shaped NWB file"};
  std::string out;
  nl::test::AllenNwbSpec spec;
  app.add_option("out", out, "output .nwb")->required();
  app.add_option("--probes", spec.probes);
  app.add_option("--units-per-probe", spec.unitsPerProbe);
  app.add_option("--duration", spec.durationSeconds, "seconds");
  app.add_option("--rate", spec.meanRateHz, "mean firing rate (Hz)");
  app.add_option("--seed", spec.seed);
  std::string storage = "contiguous";
  app.add_option("--spike-storage", storage,
                 "spike_times / spike_amplitudes: contiguous, chunked or gzip")
      ->check(CLI::IsMember({"contiguous", "chunked", "gzip"}));
  app.add_option("--chunk-elements", spec.chunkElements, "elements per chunk (chunked, gzip)");
  bool noWaveforms = false, noAmplitudes = false;
  app.add_flag("--no-waveforms", noWaveforms, "omit units/waveform_mean");
  app.add_flag("--no-amplitudes", noAmplitudes, "omit units/spike_amplitudes");
  app.add_option("--align", spec.alignment,
                 "start datasets of 1 MB and more at a multiple of BYTES (default: HDF5's 1)");
  app.add_flag("--verbose", spec.verbose, "progress on stderr");
  CLI11_PARSE(app, argc, argv);
  spec.spikeStorage = storage == "gzip"      ? nl::test::SpikeStorage::Gzip
                      : storage == "chunked" ? nl::test::SpikeStorage::Chunked
                                             : nl::test::SpikeStorage::Contiguous;
  spec.waveforms = !noWaveforms;
  spec.amplitudes = !noAmplitudes;
  const auto start = std::chrono::steady_clock::now();
  const auto truth = nl::test::writeAllenShapedNwb(out, spec);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << out << ": " << truth.spikeIndex.size() << " units, "
            << (truth.spikeIndex.empty() ? 0 : truth.spikeIndex.back()) << " spikes, "
            << truth.gratingTrials << " grating trials, written in " << seconds << " s\n";
}
