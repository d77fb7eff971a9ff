// Open and load times of a large NWB file through NeuroLoupe's reader:
//   neuroloupe_bench_nwb FILE.nwb
// prints one "name seconds" line per step and the peak RSS; bench/nwb_bench.sh
// runs it beside the same steps in h5py and prints the ratios.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "io/ReaderRegistry.h"

namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::shared_ptr<const nl::io::SpikeRecording> openRecording(const std::string& path,
                                                            double& seconds) {
  const auto start = std::chrono::steady_clock::now();
  const auto contents = nl::io::ReaderRegistry::builtin().open(path);
  seconds = secondsSince(start);
  for (const auto& d : contents.datasets)
    if (auto r = std::dynamic_pointer_cast<const nl::io::SpikeRecording>(d)) return r;
  throw std::runtime_error(path + ": no units table");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: neuroloupe_bench_nwb FILE.nwb\n";
    return 2;
  }
  try {
    double openSeconds = 0;
    auto recording = openRecording(argv[1], openSeconds);
    std::printf("open_metadata %.4f\n", openSeconds);

    auto start = std::chrono::steady_clock::now();
    {
      const auto all = recording->allSpikeTimes();
      std::printf("load_all_spikes %.4f\n", secondsSince(start));
      std::printf("spikes %zu\nunits %zu\n", all.size(), recording->unitCount());
    }

    // Per unit, as the unit table's selection does (fresh file: nothing cached).
    double ignored = 0;
    recording = openRecording(argv[1], ignored);
    start = std::chrono::steady_clock::now();
    double sum = 0;
    for (std::size_t u = 0; u < recording->unitCount(); ++u) {
      const auto train = recording->spikesOfUnit(u);
      if (!train.empty()) sum += train.front();
    }
    std::printf("per_unit_all_units %.4f\n", secondsSince(start));

    // A 1-s window of every unit, as the raster does when zoomed in.
    recording = openRecording(argv[1], ignored);
    start = std::chrono::steady_clock::now();
    std::size_t inWindow = 0;
    for (std::size_t u = 0; u < recording->unitCount(); ++u)
      inWindow += recording->spikesInWindow(u, 1500.0, 1501.0).size();
    std::printf("window_1s_all_units %.4f\n", secondsSince(start));
    std::printf("checksum %.6f %zu\n", sum, inWindow);

    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("peak_rss_mb %.1f\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 3;
  }
}
