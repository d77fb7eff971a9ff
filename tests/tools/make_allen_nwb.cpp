// neuroloupe-make-allen-nwb OUT.nwb [--probes N] [--units-per-probe N]
//   [--duration S] [--rate HZ] [--seed N]: writes the benchmark file.
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
  CLI11_PARSE(app, argc, argv);
  const auto start = std::chrono::steady_clock::now();
  const auto truth = nl::test::writeAllenShapedNwb(out, spec);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << out << ": " << truth.spikeIndex.size() << " units, "
            << (truth.spikeIndex.empty() ? 0 : truth.spikeIndex.back()) << " spikes, "
            << truth.gratingTrials << " grating trials, written in " << seconds << " s\n";
}
