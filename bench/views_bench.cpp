// View costs on this machine's software rasteriser: binning a 5 M-spike raster;
// channel looks and crosshair moves of multichannel slices on a large volume
// (formerly the DISABLED ChannelSlicesTiming tests of tests/gui).
#include <benchmark/benchmark.h>

#include <QApplication>
#include <memory>
#include <random>

#include "io/Session.h"
#include "widgets/charts/RasterWidget.h"
#include "widgets/scene/VolumeLayers.h"

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

// A 256 × 512 × 512 × 3 preview (1.6 GB of doubles). Integer data (8/16-bit
// microscopy, fraction 0) go through per-look tables; fractional data
// (fraction 0.5) evaluate t^gamma per voxel. One volume is kept at a time.
nl::widgets::SliceLayer& slices(double fraction) {
  static std::unique_ptr<nl::widgets::SliceLayer> layer;
  static double built = -1;
  if (!layer || built != fraction) {
    layer.reset();
    const std::size_t nx = 512, ny = 512, nz = 256, channels = 3;
    std::vector<double> values(nx * ny * nz * channels);
    for (std::size_t v = 0; v < values.size(); ++v)
      values[v] = static_cast<double>((v * 2654435761u) % 4096) + fraction;
    const auto volume = std::make_shared<nl::io::ArrayDataset>(
        nl::io::DatasetKind::Volume, "big", std::vector<std::size_t>{nz, ny, nx, channels},
        std::move(values));
    layer = std::make_unique<nl::widgets::SliceLayer>("big", 1, volume);
    built = fraction;
  }
  return *layer;
}

// Arguments: data (0 integers, 1 fractions), change (0 limits at gamma 1, 1 gamma).
void BM_SliceLookChange(benchmark::State& state) {
  auto& layer = slices(state.range(0) == 0 ? 0.0 : 0.5);
  std::size_t repeat = 0;
  for (auto _ : state) {
    const std::size_t channel = repeat % 3;
    nl::widgets::ChannelLook look = layer.channelLook(channel);
    if (state.range(1) == 0)
      look.high += 10;
    else
      look.gamma = repeat % 2 ? 0.7 : 1.3;
    layer.setChannelLook(channel, look);
    ++repeat;
  }
}
BENCHMARK(BM_SliceLookChange)
    ->Args({0, 0})
    ->Args({0, 1})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Unit(benchmark::kMillisecond);

// One slice moves: axis 0 sagittal (every voxel a row apart), 1 coronal, 2 axial.
void BM_SliceCrosshairMove(benchmark::State& state) {
  auto& layer = slices(0.0);
  const auto axis = static_cast<std::size_t>(state.range(0));
  std::size_t repeat = 0;
  for (auto _ : state) {
    auto at = layer.crosshair();
    at[axis] = 40 + 37 * (repeat++ % 5);
    layer.setCrosshair(at[0], at[1], at[2]);
  }
}
BENCHMARK(BM_SliceCrosshairMove)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

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
