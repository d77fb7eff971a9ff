// First-level GLM workload (design + OLS + one contrast's t and z) on a
// synthetic run; reference.py runs the same model and data in NumPy.
//   neuroloupe_bench_fmri [--voxels N] [--scans T] [--threads K]  (0: one per core)
// Prints "key value" lines (compare.sh reads them).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "analysis/fmri/Contrast.h"
#include "analysis/fmri/Design.h"
#include "analysis/fmri/Glm.h"

namespace fm = nl::analysis::fmri;

int main(int argc, char** argv) {
  std::size_t voxels = 100000, scans = 200;
  int threads = 0;
  std::size_t block = fm::GlmOptions{}.voxelsPerBlock;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--voxels") == 0) voxels = std::stoul(argv[i + 1]);
    if (std::strcmp(argv[i], "--scans") == 0) scans = std::stoul(argv[i + 1]);
    if (std::strcmp(argv[i], "--threads") == 0) threads = std::stoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--block") == 0) block = std::stoul(argv[i + 1]);
  }
  const double tr = 2.0;
  std::vector<fm::Event> events;
  for (int k = 0; k < static_cast<int>(static_cast<double>(scans) * tr / 40) - 1; ++k)
    events.push_back({10.0 + 40.0 * k, 16.0, k % 2 == 0 ? "a" : "b"});
  // The same deterministic data as reference.py.
  std::vector<double> series(scans * voxels);
  for (std::size_t t = 0; t < scans; ++t)
    for (std::size_t v = 0; v < voxels; ++v) {
      const double td = static_cast<double>(t), vd = static_cast<double>(v);
      series[t * voxels + v] =
          1000.0 + 3.0 * std::sin(0.731 * td * static_cast<double>(1 + v % 97) + 0.37 * vd) +
          2.0 * std::cos(1.37 * td + vd);
    }
  using Clock = std::chrono::steady_clock;
  auto seconds = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  };
  fm::DesignOptions options;
  options.repetitionTime = tr;
  auto start = Clock::now();
  const auto design = fm::buildDesign(events, scans, options);
  const double designSeconds = seconds(start, Clock::now());
  nl::analysis::NullProgress progress;
  double best = 1e9, bestFit = 1e9;
  fm::ContrastResult contrast;
  for (int repeat = 0; repeat < 3; ++repeat) {
    start = Clock::now();
    fm::GlmOptions glm;
    glm.threads = threads;
    glm.voxelsPerBlock = block;
    const auto fit = fm::fitGlm(design.matrix, series, voxels, {}, glm, progress);
    bestFit = std::min(bestFit, seconds(start, Clock::now()));
    contrast = fm::computeContrast(fit, fm::conditionContrast("a - b", design), threads);
    best = std::min(best, seconds(start, Clock::now()));
  }
  std::printf("fit_seconds %.6f\n", bestFit);
  std::printf("voxels %zu\nscans %zu\ndesign_seconds %.6f\nglm_seconds %.6f\nns_per_voxel %.3f\n",
              voxels, scans, designSeconds, best, best / static_cast<double>(voxels) * 1e9);
  for (long v : {0L, 1L, 17L, 4321L})
    if (v < contrast.z.size()) std::printf("z %ld %.15g\n", v, contrast.z[v]);
  return 0;
}
