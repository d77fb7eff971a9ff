// Whole-volume and preview reads of the FISBe fixture pair: decoding threads
// 1 vs 2 (this machine has 2 cores). Run zarr_vs_python.sh for the ratio to
// zarr-python.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "io/microscopy/Hdf5Volume.h"
#include "io/microscopy/ZarrReader.h"

namespace {

using namespace nl::io::microscopy;
const std::filesystem::path kFixtures = NEUROLOUPE_FIXTURES_DIR;
const std::filesystem::path kStore = kFixtures / "zarr/R14A02-20180905_65_A6.zarr";
const std::filesystem::path kPred = kFixtures / "zarr/R14A02-20180905_65_A6_pred.hdf";

template <typename T>
void wholeRead(benchmark::State& state, const std::shared_ptr<VolumeDataset>& volume) {
  volume->setThreadCount(static_cast<std::size_t>(state.range(0)));
  volume->setCacheLimitBytes(0);  // every iteration decodes every chunk
  const Box whole = Box::whole(volume->volumeShape());
  std::vector<T> out(whole.outputShape().voxelCount());
  for (auto _ : state) {
    volume->read<T>(whole, std::span<T>(out));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size() * sizeof(T)));
}

void BM_ZarrGtInstancesWholeRead(benchmark::State& state) {
  if (!std::filesystem::exists(kStore)) return state.SkipWithError("fixture absent");
  wholeRead<std::uint8_t>(state, openZarrArray(kStore, "volumes/gt_instances"));
}
BENCHMARK(BM_ZarrGtInstancesWholeRead)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

void BM_Hdf5LabelsWholeRead(benchmark::State& state) {
  if (!std::filesystem::exists(kPred)) return state.SkipWithError("fixture absent");
  wholeRead<std::int32_t>(state, openHdf5Volume(kPred, "volumes/gmm_label_cleaned"));
}
BENCHMARK(BM_Hdf5LabelsWholeRead)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

// A step-4 preview as float, what a first volume rendering would load.
void BM_ZarrGtInstancesPreviewStep4(benchmark::State& state) {
  if (!std::filesystem::exists(kStore)) return state.SkipWithError("fixture absent");
  const auto volume = openZarrArray(kStore, "volumes/gt_instances");
  volume->setThreadCount(static_cast<std::size_t>(state.range(0)));
  volume->setCacheLimitBytes(0);
  for (auto _ : state)
    benchmark::DoNotOptimize(volume->readFloat(Box::whole(volume->volumeShape()), 4));
}
BENCHMARK(BM_ZarrGtInstancesPreviewStep4)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

// The GT opened as an intensity volume (7 channels), previewed at 1:4 the
// strided way and max-pooled (every voxel read); 0 = all cores.
void BM_ZarrGtAsIntensityPreviewStep4(benchmark::State& state) {
  if (!std::filesystem::exists(kStore)) return state.SkipWithError("fixture absent");
  VolumeOpenOptions options;
  options.labels = LabelEncoding::None;
  const auto volume = openZarrArray(kStore, "volumes/gt_instances", options);
  volume->setThreadCount(static_cast<std::size_t>(state.range(1)));
  volume->setCacheLimitBytes(0);
  const bool pooled = state.range(0) != 0;
  for (auto _ : state)
    benchmark::DoNotOptimize(pooled ? toArrayDatasetMaxPooled(*volume, 4)
                                    : toArrayDataset(*volume, 4));
}
BENCHMARK(BM_ZarrGtAsIntensityPreviewStep4)
    ->ArgNames({"max_pooled", "threads"})
    ->Args({0, 0})
    ->Args({1, 1})
    ->Args({1, 0})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

// The label preview of the GT at 1:4, any label per block (what the views show).
void BM_ZarrGtLabelPreviewPooledStep4(benchmark::State& state) {
  if (!std::filesystem::exists(kStore)) return state.SkipWithError("fixture absent");
  const auto volume = openZarrArray(kStore, "volumes/gt_instances");
  for (auto _ : state) {
    volume->setCacheLimitBytes(0);  // cold, but with the default cache to work with
    volume->setCacheLimitBytes(std::size_t{256} << 20);
    benchmark::DoNotOptimize(toLabelIdArrayPooled(*volume, 4));
  }
}
BENCHMARK(BM_ZarrGtLabelPreviewPooledStep4)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

// One 64³ box of all channels: cold (decoded) and warm (from the chunk cache).
void BM_ZarrBoxColdAndWarm(benchmark::State& state) {
  if (!std::filesystem::exists(kStore)) return state.SkipWithError("fixture absent");
  const auto volume = openZarrArray(kStore, "volumes/gt_instances");
  const bool warm = state.range(0) != 0;
  const Box box{0, 7, 150, 214, 350, 414, 350, 414};
  for (auto _ : state) {
    if (!warm) volume->setCacheLimitBytes(0), volume->setCacheLimitBytes(std::size_t{256} << 20);
    benchmark::DoNotOptimize(volume->read<std::uint8_t>(box));
  }
}
BENCHMARK(BM_ZarrBoxColdAndWarm)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
