// neuroloupe_bench_prosthesis objective [--electrodes N] [--images M] [--dump DIR] [--threads K]
//   Loss + gradient evaluations per second of PerceptObjective (sampled
//   encoding, MSE + 0.1·(1 − SSIM), ±10° at 0.25°); with --dump the centres,
//   images and brightness table go to DIR for reference.py. Prints
//   "evals_per_s X", "loss X", "grad_norm X".
// neuroloupe_bench_prosthesis plan [--electrodes N] [--images M] [--iterations I]
//   Optimizes N electrodes over M letter images on fsaverage5 (left, Benson
//   V1, braincharter vessels, hard 0.5 mm margin) and prints the time and the
//   metrics of the plan and its baselines.
// neuroloupe_bench_prosthesis drag [--electrodes N]
//   Milliseconds to update a plan of N electrodes after one is moved
//   (describe the plan + render the percept of one image), as the page does.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>

#include "analysis/prosthesis/Loaders.h"
#include "analysis/prosthesis/Planner.h"
#include "io/volume/Nifti.h"

namespace pr = nl::analysis::prosthesis;

namespace {

int option(int argc, char** argv, const char* name, int fallback) {
  for (int i = 2; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::stoi(argv[i + 1]);
  return fallback;
}
std::string textOption(int argc, char** argv, const char* name) {
  for (int i = 2; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  return {};
}

void writeRaw(const std::string& path, const double* data, std::size_t count) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data),
            static_cast<std::streamsize>(count * sizeof(double)));
}

pr::PerceptObjective benchObjective(int threads) {
  pr::PhospheneModel model;
  model.magnification = pr::AnalyticMap(pr::MapParameters::pulse2percept());
  model.sizeFactor = 1.0;
  pr::ObjectiveOptions options;
  options.threads = threads;
  return pr::PerceptObjective(pr::VisualFieldGrid::square(10, 0.25), model, pr::BrightnessCurve(),
                              options);
}

int objectiveBench(int argc, char** argv) {
  const int n = option(argc, argv, "--electrodes", 100);
  const int m = option(argc, argv, "--images", 10);
  const int threads = option(argc, argv, "--threads", 0);
  const auto objective = benchObjective(threads);
  const auto& grid = objective.grid();
  const auto images = pr::letterTaskSet(grid, m, 7);
  // Centres on a sunflower spiral over the right hemifield, 0.3–9.5°.
  Eigen::Matrix2Xd centers(2, n);
  for (int i = 0; i < n; ++i) {
    const double r = 0.3 + 9.2 * std::sqrt((i + 0.5) / n);
    const double a = std::fmod(i * 2.399963229728653, M_PI) - M_PI / 2;
    centers.col(i) << r * std::cos(a), r * std::sin(a);
  }
  if (const auto dir = textOption(argc, argv, "--dump"); !dir.empty()) {
    writeRaw(dir + "/centers.f64", centers.data(), static_cast<std::size_t>(centers.size()));
    std::vector<double> pixels;
    for (const auto& image : images)
      pixels.insert(pixels.end(), image.pixels.data(), image.pixels.data() + image.pixels.size());
    writeRaw(dir + "/images.f64", pixels.data(), pixels.size());
    std::ofstream(dir + "/config.txt")
        << n << " " << m << " " << grid.height() << " " << grid.width() << " "
        << objective.options().minAmplitude << "\n";
  }
  auto value = objective.evaluate(centers, images, true);  // warm-up
  int evaluations = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < 2.0 || evaluations < 3) {
    value = objective.evaluate(centers, images, true);
    ++evaluations;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::printf("evals_per_s %.6g\nloss %.12g\ngrad_norm %.12g\n", evaluations / elapsed, value.loss,
              value.gradient.norm());
  return 0;
}

int planBench(int argc, char** argv) {
  const int n = option(argc, argv, "--electrodes", 1000);
  const int m = option(argc, argv, "--images", 100);
  const int iterations = option(argc, argv, "--iterations", 100);
  const std::filesystem::path fixtures = NEUROLOUPE_FIXTURES_DIR;
  const auto dir = fixtures / "surface" / "fsaverage5";
  const auto t0 = std::chrono::steady_clock::now();
  auto mesh =
      pr::makeCorticalMesh(*pr::readSurfaceMesh(dir / "white_left.gii.gz"),
                           *pr::readSurfaceMesh(dir / "pial_left.gii.gz"),
                           *pr::readSurfaceMesh(dir / "sphere_left.gii.gz"), pr::Hemisphere::Left);
  const auto grid = pr::VisualFieldGrid::square(10, 0.25);
  auto chart = std::make_shared<pr::SurfaceChart>(
      mesh,
      pr::readBensonRetinotopy(fixtures / "surface" / "benson14_fsaverage", pr::Hemisphere::Left,
                               mesh->vertexCount(), 10.0),
      0.5);
  pr::PhospheneModel model;
  model.magnification = pr::AnalyticMap(pr::MapParameters::pulse2percept());
  model.sizeFactor = 1.0;
  auto objective = std::make_shared<pr::PerceptObjective>(grid, model, pr::BrightnessCurve(),
                                                          pr::ObjectiveOptions{});
  const auto volume = nl::io::volume::readNifti(fixtures / "vasculature" / "braincharter_MNI" /
                                                "mean_Ved_ToF_Thresh.nii.gz");
  const auto region = chart->regionVertices(std::vector<int>{1});
  Eigen::Matrix3Xd points(3, static_cast<Eigen::Index>(region.size()));
  for (std::size_t i = 0; i < region.size(); ++i)
    points.col(static_cast<Eigen::Index>(i)) =
        0.5 * (mesh->white.col(region[i]) + mesh->pial.col(region[i]));
  const auto vessels = pr::vesselFieldAround(*volume, 0.5, pr::mni305ToMni152(), points, 20);
  pr::PlanProblem problem;
  problem.chart = chart;
  problem.objective = objective;
  problem.training = pr::letterTaskSet(grid, m, 1);
  problem.heldOut = pr::letterTaskSet(grid, std::max(10, m / 3), 2);
  problem.electrodes = n;
  problem.vessels = &vessels;
  problem.vessel.marginMm = 0.5;
  problem.ribbon = std::make_shared<pr::GrayMatterRibbon>(mesh);
  const auto t1 = std::chrono::steady_clock::now();
  if (argc > 1 && std::strcmp(argv[1], "drag") == 0) {
    // What the page does when one electrode is dragged: re-describe the plan
    // (chart samples, vessel distances, amplitudes) and render one percept.
    auto placement = pr::uniformSurfacePlacement(problem, 1);
    const int updates = 40;
    const auto d0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    for (int u = 0; u < updates; ++u) {
      placement.directions[0] =
          (placement.directions[0] + Eigen::Vector3d(1e-3, 0, 0)).normalized();
      placement = pr::projectPlacement(problem, placement);
      const auto described =
          pr::describePlacement(problem, placement, &problem.heldOut.front().pixels);
      std::vector<std::uint8_t> active;
      const auto centers = pr::placementCenters(problem, placement, &active);
      const auto image =
          objective->percept(centers, problem.heldOut.front().pixels, nullptr, active);
      if (described.empty() || image.size() == 0) return 1;
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - d0).count() /
        updates;
    // CPU time as well: on a loaded machine the wall clock mostly measures the others.
    const double cpuMs = 1000.0 * static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC / updates;
    std::printf("electrodes %d\ndrag_update_ms %.2f\ndrag_update_cpu_ms %.2f\n", n, ms, cpuMs);
    return 0;
  }
  pr::OptimizerOptions options;
  options.iterations = iterations;
  nl::analysis::NullProgress progress;
  const std::clock_t c1 = std::clock();
  const auto result = pr::optimizePlacement(problem, options, progress, {}, false);
  const auto t2 = std::chrono::steady_clock::now();
  const double cpu = static_cast<double>(std::clock() - c1) / CLOCKS_PER_SEC;
  std::vector<pr::PlanMetrics> rows{
      result.metrics,
      pr::evaluatePlacement(problem, pr::uniformFieldPlacement(problem), "coverage (visual field)"),
      pr::evaluatePlacement(problem, pr::uniformSurfacePlacement(problem, 1),
                            "coverage (V1 surface)"),
      pr::evaluatePlacement(problem, pr::randomPlacement(problem, 1), "random")};
  std::printf("optimize_cpu_s %.3f (all threads)\n", cpu);
  std::printf("setup_s %.3f\noptimize_s %.3f\nelectrodes %d\nimages %d\niterations %d\n",
              std::chrono::duration<double>(t1 - t0).count(),
              std::chrono::duration<double>(t2 - t1).count(), n, m, iterations);
  std::printf("%-26s %10s %10s %10s %10s %9s %10s %12s\n", "plan", "heldMSE", "heldSSIM",
              "heldLoss", "trainLoss", "coverage", "violations", "minVessel_mm");
  for (const auto& r : rows)
    std::printf("%-26s %10.5f %10.5f %10.5f %10.5f %9.4f %10d %12.3f\n", r.name.c_str(),
                r.heldOutMse, r.heldOutSsim, r.heldOutLoss, r.trainingLoss, r.coverage,
                r.violations, r.minVesselDistanceMm);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "objective";
  if (mode == "objective") return objectiveBench(argc, argv);
  if (mode == "plan" || mode == "drag") return planBench(argc, argv);
  std::fprintf(stderr, "usage: %s objective|plan [options]\n", argv[0]);
  return 2;
}
