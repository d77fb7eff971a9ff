// The recording path through NeuroLoupe's NWB reader, step by step:
//   neuroloupe_bench_recording FILE.nwb
//   neuroloupe_bench_recording --browse FILE.nwb   (every unit in turn through
//     the spike cache at its default cap, as a user paging the unit table;
//     prints the spikes seen, the time and the peak RSS)
// prints "step value" lines (seconds unless the name says otherwise);
// bench/nwb/run.sh runs it beside recording_h5py.py and prints the ratios.
// Every step starts from a freshly opened file (empty spike cache); the page
// cache is whatever run.sh left it (warm unless it says cold).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>

#include "io/ReaderRegistry.h"

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// From /proc/self/io: "rchar:" bytes asked of the kernel by read calls,
// "read_bytes:" bytes the kernel fetched from the disk for this process.
std::uint64_t ioCounter(const std::string& name) {
  std::ifstream io("/proc/self/io");
  std::string key;
  std::uint64_t value = 0;
  while (io >> key >> value)
    if (key == name) return value;
  return 0;
}
std::uint64_t readChars() { return ioCounter("rchar:"); }

std::shared_ptr<const nl::io::SpikeRecording> open(const std::string& path) {
  const auto contents = nl::io::ReaderRegistry::builtin().open(path);
  for (const auto& d : contents.datasets)
    if (auto r = std::dynamic_pointer_cast<const nl::io::SpikeRecording>(d)) return r;
  throw std::runtime_error(path + ": no units table");
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

double peakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

int browse(const std::string& path) {
  const auto r = open(path);
  const auto start = Clock::now();
  std::size_t spikes = 0;
  double checksum = 0;
  for (std::size_t u = 0; u < r->unitCount(); ++u) {
    const auto train = r->spikesOfUnit(u);
    spikes += train.size();
    if (!train.empty()) checksum += train.back();
  }
  std::printf("browse_units %zu\nbrowse_spikes %zu\nbrowse_seconds %.3f\nbrowse_checksum %.6f\n",
              r->unitCount(), spikes, secondsSince(start), checksum);
  std::printf("spike_data_mb %.1f\npeak_rss_mb %.1f\n",
              static_cast<double>(spikes) * sizeof(double) / 1048576.0, peakRssMb());
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--browse") {
    try {
      return browse(argv[2]);
    } catch (const std::exception& e) {
      std::cerr << "neuroloupe_bench_recording: " << e.what() << "\n";
      return 1;
    }
  }
  if (argc != 2) {
    std::cerr << "usage: neuroloupe_bench_recording FILE.nwb\n";
    return 2;
  }
  const std::string path = argv[1];
  try {
    // Open + metadata: tables, index; then the time range (first/last of each unit).
    const std::uint64_t chars0 = readChars(), disk0 = ioCounter("read_bytes:");
    auto start = Clock::now();
    auto r = open(path);
    std::printf("open_metadata %.5f\n", secondsSince(start));
    const std::uint64_t disk1 = ioCounter("read_bytes:");
    start = Clock::now();
    const auto [t0, t1] = r->timeRange();
    std::printf("time_range %.5f\n", secondsSince(start));
    const std::uint64_t disk2 = ioCounter("read_bytes:");
    std::printf("open_disk_mb %.3f\ntime_range_disk_mb %.3f\n",
                static_cast<double>(disk1 - disk0) / 1e6, static_cast<double>(disk2 - disk1) / 1e6);
    std::printf("open_time_range_read_mb %.3f\n", static_cast<double>(readChars() - chars0) / 1e6);
    std::printf("units %zu\nspikes %zu\n", r->unitCount(), r->spikeCount());
    std::printf("range %.6f %.6f\n", t0, t1);

    // All spikes split per unit: one read into one buffer, trains share it.
    r = open(path);
    start = Clock::now();
    double checksum = 0;
    {
      const auto trains = r->allTrains();
      for (const auto& t : trains)
        if (!t.empty()) checksum += t.front() + t.back();
      std::printf("all_split %.5f\n", secondsSince(start));
    }
    // The same, then every spike touched (a mapped file pages in here).
    r = open(path);
    start = Clock::now();
    double total = 0;
    {
      const auto trains = r->allTrains();
      for (const auto& t : trains)
        for (const double v : t) total += v;
      std::printf("all_split_sum %.5f\n", secondsSince(start));
      std::printf("all_spikes_sum %.6e\n", total);
    }
    // Unit after unit through the cache, as the unit table's selection does.
    r = open(path);
    r->setCacheLimitBytes(std::size_t{1} << 40);
    start = Clock::now();
    double perUnitSum = 0;
    for (std::size_t u = 0; u < r->unitCount(); ++u) {
      const auto train = r->spikesOfUnit(u);
      if (!train.empty()) perUnitSum += train.front() + train.back();
    }
    std::printf("per_unit_all_units %.5f\n", secondsSince(start));

    // One unit of about 21,347 spikes, each time from a fresh recording.
    std::size_t target = 0;
    for (std::size_t u = 0; u < r->unitCount(); ++u)
      if (std::llabs(static_cast<long long>(r->spikeCountOfUnit(u)) - 21347) <
          std::llabs(static_cast<long long>(r->spikeCountOfUnit(target)) - 21347))
        target = u;
    std::printf("one_unit_index %zu\none_unit_spikes %zu\n", target, r->spikeCountOfUnit(target));
    std::vector<double> times;
    for (int repeat = 0; repeat < 15; ++repeat) {
      const auto fresh = open(path);
      start = Clock::now();
      const auto train = fresh->spikesOfUnit(target);
      times.push_back(secondsSince(start));
      if (train.size() != fresh->spikeCountOfUnit(target)) throw std::runtime_error("short unit");
    }
    std::printf("one_unit %.7f\n", median(times));

    // A 1-s window of every unit, as the raster does when zoomed in.
    r = open(path);
    std::vector<std::size_t> all(r->unitCount());
    std::iota(all.begin(), all.end(), std::size_t{0});
    start = Clock::now();
    std::size_t inWindow = 0;
    for (const auto& w : r->spikesInWindow(all, 1500.0, 1501.0)) inWindow += w.size();
    std::printf("window_1s_all_units %.5f\n", secondsSince(start));
    if (checksum != perUnitSum) throw std::runtime_error("split and per-unit trains differ");
    std::printf("checksum %.6f %zu\n", perUnitSum, inWindow);

    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("peak_rss_mb %.1f\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 3;
  }
}
