// View costs on this machine's software rasteriser: binning a 5 M-spike raster.
#include <benchmark/benchmark.h>

#include <QApplication>
#include <random>

#include "io/Session.h"
#include "widgets/charts/RasterWidget.h"

namespace {

std::shared_ptr<const nl::io::SpikeRecording> makeRecording(std::size_t units,
                                                            std::size_t perUnit) {
  std::mt19937_64 random(7);
  std::exponential_distribution<double> isi(static_cast<double>(perUnit) / 1000.0);
  std::vector<double> times;
  std::vector<std::uint64_t> offsets{0};
  times.reserve(units * perUnit);
  for (std::size_t u = 0; u < units; ++u) {
    double t = 0;
    for (std::size_t k = 0; k < perUnit; ++k) times.push_back(t += isi(random));
    offsets.push_back(times.size());
  }
  return std::make_shared<nl::io::SpikeRecording>("bench", nullptr, std::move(times),
                                                  std::move(offsets), nullptr);
}

void BM_Raster5M(benchmark::State& state) {
  nl::io::Session session;
  const auto id = session.add(makeRecording(250, 20000));
  nl::widgets::RasterWidget raster(session, id);
  const double window = static_cast<double>(state.range(0));
  raster.setTimeWindow(0, window);
  for (auto _ : state) benchmark::DoNotOptimize(raster.render(QSize(1600, 900)));
  state.counters["binning_ms"] = raster.lastBinningMs();
}
BENCHMARK(BM_Raster5M)->Arg(1000)->Arg(60)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  qputenv("QT_QPA_PLATFORM",
          qgetenv("QT_QPA_PLATFORM").isEmpty() ? "offscreen" : qgetenv("QT_QPA_PLATFORM"));
  QApplication app(argc, argv);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
