// Core costs: demo simulation, session save/load, .npy reading, statistics.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "analysis/simulation/DemoRecording.h"
#include "analysis/stats/Descriptive.h"
#include "io/ReaderRegistry.h"
#include "io/SessionFile.h"

namespace {

nl::analysis::simulation::DemoRecordingSpec demoSpec() {
  nl::analysis::simulation::DemoRecordingSpec spec;
  spec.areas = {{"LP", 0, 900, 22, 6, 10, 0.6, 0.045, 0},
                {"CA1", 1300, 1900, 24, 2.5, 1.5, 0, 0.1, 0},
                {"VISp", 1900, 2900, 48, 3, 22, 2.5, 0.05, 0}};
  return spec;
}

void BM_SimulateDemoRecording(benchmark::State& state) {
  const auto spec = demoSpec();
  std::size_t spikes = 0;
  for (auto _ : state)
    spikes = nl::analysis::simulation::simulateDemoRecording(spec).spikes->spikeCount();
  state.counters["spikes"] = static_cast<double>(spikes);
}
BENCHMARK(BM_SimulateDemoRecording)->Unit(benchmark::kMillisecond);

void BM_SessionSaveLoad(benchmark::State& state) {
  const auto demo = nl::analysis::simulation::simulateDemoRecording(demoSpec());
  nl::io::Session session;
  session.add(demo.spikes);
  session.add(demo.stimulus);
  const auto path = std::filesystem::temp_directory_path() / "nl_bench_session.nlsession";
  for (auto _ : state) {
    nl::io::saveSession(session, path);
    nl::io::Session loaded;
    nl::io::loadSession(loaded, path);
    benchmark::DoNotOptimize(loaded.size());
  }
  state.counters["bytes"] = static_cast<double>(std::filesystem::file_size(path));
  std::filesystem::remove(path);
}
BENCHMARK(BM_SessionSaveLoad)->Unit(benchmark::kMillisecond);

void BM_ReadNpy(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const auto path = std::filesystem::temp_directory_path() / "nl_bench.npy";
  {
    std::string header =
        "{'descr': '<f8', 'fortran_order': False, 'shape': (" + std::to_string(n) + ",), }";
    header.append(64 - (10 + header.size() + 1) % 64, ' ');
    header += '\n';
    std::ofstream out(path, std::ios::binary);
    out.write("\x93NUMPY\x01\x00", 8);
    const auto length = static_cast<std::uint16_t>(header.size());
    out.put(static_cast<char>(length & 0xff)).put(static_cast<char>(length >> 8));
    out << header;
    std::vector<double> values(n, 1.5);
    out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(n * 8));
  }
  for (auto _ : state) {
    auto contents = nl::io::ReaderRegistry::builtin().open(path);
    const auto& values =
        std::dynamic_pointer_cast<const nl::io::ArrayDataset>(contents.datasets.front())->values();
    benchmark::DoNotOptimize(values.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n * 8));
  std::filesystem::remove(path);
}
BENCHMARK(BM_ReadNpy)->Arg(1 << 20)->Arg(1 << 24)->Unit(benchmark::kMillisecond);

void BM_DescribeColumns(benchmark::State& state) {
  std::mt19937_64 random(1);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd data(100000, 64);
  for (Eigen::Index i = 0; i < data.size(); ++i) data.data()[i] = normal(random);
  nl::analysis::NullProgress progress;
  for (auto _ : state)
    benchmark::DoNotOptimize(nl::analysis::stats::describeColumns(data, 0.25, 0.75, progress));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_DescribeColumns)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
