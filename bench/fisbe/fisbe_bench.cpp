// FISBe evaluation of the fixture pair (R14A02-20180905_65_A6, 7 GT neurons
// against gmm_label_cleaned): time to read the inputs, time to evaluate (with
// 1 and with all hardware threads), peak resident memory. Usage:
//   neuroloupe_bench_fisbe [repetitions]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "analysis/fisbe/Evaluate.h"
#include "io/hdf5/H5.h"
#include "tests/fisbe/FixtureZarr.h"

namespace fisbe = nl::analysis::fisbe;

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double peakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  const int repetitions = argc > 1 ? std::atoi(argv[1]) : 3;
  const std::filesystem::path fixtures = NEUROLOUPE_FIXTURES_DIR;
  const auto gtPath = fixtures / "zarr/R14A02-20180905_65_A6.zarr/volumes/gt_instances";
  const auto predPath = fixtures / "zarr/R14A02-20180905_65_A6_pred.hdf";
  if (!std::filesystem::exists(gtPath) || !std::filesystem::exists(predPath)) {
    std::printf("fixtures absent (%s)\n", fixtures.c_str());
    return 0;
  }
  double t0 = now();
  const auto gt = nl::test::readZarrU8(gtPath);
  const double gtSeconds = now() - t0;
  t0 = now();
  const auto file = nl::io::h5::File::openReadOnly(predPath);
  const auto pred = file.root().openGroup("volumes").readInt32("gmm_label_cleaned");
  const double predSeconds = now() - t0;
  std::printf("read GT zarr (test decoder, 1 thread): %.2f s; read prediction HDF5: %.2f s\n",
              gtSeconds, predSeconds);
  std::printf(
      "peak RSS after reading: %.0f MiB (inputs alone: %.0f MiB)\n", peakRssMiB(),
      (static_cast<double>(gt.values.size()) + 4.0 * static_cast<double>(pred.size())) / 1048576.0);

  const fisbe::Shape3 shape{385, 685, 686};
  const fisbe::LabelBuffer gtSource(gt.values.data(), fisbe::LabelType::UInt8, 7, shape);
  const fisbe::LabelBuffer predSource(pred.data(), fisbe::LabelType::Int32, 1, shape);
  fisbe::EvaluationOptions options;
  options.dimNeurons = gt.attributes.at("dim_neurons").get<std::vector<std::int64_t>>();
  for (unsigned threads : {1u, std::max(1u, std::thread::hardware_concurrency())}) {
    options.threads = threads;
    double best = 1e300;
    double score = 0;
    for (int r = 0; r < repetitions; ++r) {
      t0 = now();
      const auto m = fisbe::evaluate(gtSource, predSource, options);
      best = std::min(best, now() - t0);
      score = m.score;
    }
    std::printf("evaluate (%u thread%s): best of %d %.2f s, S = %.17g\n", threads,
                threads == 1 ? "" : "s", repetitions, best, score);
  }
  std::printf("peak RSS: %.0f MiB\n", peakRssMiB());
  return 0;
}
