// Proofreading latencies on the full-size FISBe fixture: Duan et al.'s
// prediction of R14A02-20180905_65_A6 (385 × 685 × 686 int32 ids) against
// its 7-neuron ground truth. For every edit: computing the diff, applying
// it, the 3D preview update, the incremental rescoring (collect on the
// editing thread, then thinning + matching) — and the full evaluation the
// incremental one replaces, with its numbers to compare. Medians of
// `repetitions` (each edit is undone between repetitions). Usage:
//   neuroloupe_bench_proofread [repetitions] [--no-full]
// (--no-full skips the full evaluations that check each rescoring).
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "analysis/fisbe/Evaluate.h"
#include "analysis/fisbe/VolumeLabels.h"
#include "analysis/fisbe/edit/IncrementalScore.h"
#include "analysis/fisbe/edit/LabelEdit.h"
#include "analysis/fisbe/edit/LabelPreview.h"
#include "io/ReaderRegistry.h"
#include "io/microscopy/VolumeDataset.h"

namespace fisbe = nl::analysis::fisbe;
namespace fe = nl::analysis::fisbe::edit;

namespace {

double nowMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double threadCpuMs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

// This machine is shared (load averages of 15–20 on 2 cores while this was
// written): the edit columns report the editing thread's CPU time, which
// is what one free core would take; `wall` totals say what waiting added.
bool useCpuTime = true;
double wallTotal = 0, cpuTotal = 0;

double timed(const std::function<void()>& work) {
  const double w0 = nowMs(), c0 = threadCpuMs();
  work();
  const double wall = nowMs() - w0, cpu = threadCpuMs() - c0;
  wallTotal += wall;
  cpuTotal += cpu;
  return useCpuTime ? cpu : wall;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double peakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

std::shared_ptr<const nl::io::microscopy::VolumeDataset> open(const std::filesystem::path& path,
                                                              const std::string& internal) {
  auto contents = nl::io::ReaderRegistry::builtin().open(path, internal);
  for (auto& d : contents.datasets)
    if (auto v = std::dynamic_pointer_cast<const nl::io::microscopy::VolumeDataset>(d)) return v;
  throw std::runtime_error("no volume in " + path.string());
}

fisbe::Voxel endOf(const fe::LabelVolume& v, fe::Label label, bool last) {
  const auto& box = v.instances().at(label).box;
  for (std::int64_t k = 0; k < box.z1 - box.z0; ++k) {
    const std::int64_t z = last ? box.z1 - 1 - k : box.z0 + k;
    for (std::int64_t y = box.y0; y < box.y1; ++y)
      for (std::int64_t x = box.x0; x < box.x1; ++x)
        if (v.at(z, y, x) == label)
          return {static_cast<std::int32_t>(z), static_cast<std::int32_t>(y),
                  static_cast<std::int32_t>(x)};
  }
  throw std::runtime_error("empty instance");
}

}  // namespace

int main(int argc, char** argv) {
  const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  const bool checkFull = !(argc > 2 && std::string(argv[2]) == "--no-full");
  const std::filesystem::path fixtures = NEUROLOUPE_FIXTURES_DIR;
  const auto gtPath = fixtures / "zarr/R14A02-20180905_65_A6.zarr";
  const auto predPath = fixtures / "zarr/R14A02-20180905_65_A6_pred.hdf";
  if (!std::filesystem::exists(gtPath) || !std::filesystem::exists(predPath)) {
    std::printf("fixtures absent (%s)\n", fixtures.c_str());
    return 0;
  }
  const auto gtVolume = open(gtPath, "volumes/gt_instances");
  const auto predVolume = open(predPath, "volumes/gmm_label_cleaned");
  fe::LabelVolume labels;
  const double readMs =
      timed([&] { labels = fe::LabelVolume::fromSource(fisbe::VolumeLabels(*predVolume)); });
  std::printf("labels %lld × %lld × %lld %s, %zu instances: read + measured in %.0f ms\n",
              static_cast<long long>(labels.shape().depth),
              static_cast<long long>(labels.shape().height),
              static_cast<long long>(labels.shape().width),
              fisbe::labelTypeName(labels.type()).c_str(), labels.instances().size(), readMs);
  fisbe::EvaluationOptions options;
  options.dimNeurons = {3, 5, 7};
  options.threads = 1;  // one thread throughout, so its CPU time is the whole cost
  fisbe::InstanceSet gt;
  const double gtMs = timed([&] {
    gt = fisbe::loadInstances(fisbe::VolumeLabels(*gtVolume), {{}, labels.shape()});
  });
  std::unique_ptr<fe::IncrementalScore> score;
  const double gtThinMs =
      timed([&] { score = std::make_unique<fe::IncrementalScore>(gt, options); });
  const double collectAllMs = timed([&] { score->collect(labels); });
  const double thinAllMs = timed([&] { score->thin(); });
  fisbe::ImageMetrics metrics;
  const double metricsMs = timed([&] { metrics = score->metrics(); });
  std::printf(
      "ground truth read %.0f ms, thinned %.0f ms; predictions collected %.0f ms, thinned "
      "%.0f ms; metrics %.0f ms: S %.4f\n",
      gtMs, gtThinMs, collectAllMs, thinAllMs, metricsMs, metrics.score);
  const auto gtSource = fisbe::VolumeLabels(*gtVolume);
  if (checkFull) {
    fisbe::ImageMetrics full;
    const double fullMs =
        timed([&] { full = fisbe::evaluate(gtSource, labels.buffer(), options); });
    std::printf("full fisbe::evaluate (reads GT from zarr, 1 thread): %.0f ms, S %.4f\n\n", fullMs,
                full.score);
  }

  fe::LabelPreview preview(labels, fe::previewStepFor(labels.shape(), std::int64_t{4} << 20));
  std::vector<fe::Label> row(static_cast<std::size_t>(labels.shape().width));
  const double planeMs = timed([&] {
    for (std::int64_t y = 0; y < labels.shape().height; ++y)
      labels.readRow(192, y, 0, labels.shape().width, row.data());
  });
  std::printf("one z-plane of labels read row by row (the editor's redraw reads this): %.2f ms\n\n",
              planeMs);

  const fe::Label fresh = labels.unusedLabel();
  const auto box3 = labels.instances().at(3).box;
  const auto p3 = endOf(labels, 3, false);
  std::vector<fisbe::Voxel> stroke;
  for (int i = 0; i < 20; ++i) stroke.push_back({p3.z, p3.y + i, p3.x});
  const std::vector<fe::EditOperation> edits{
      fe::mergeOperation(3, {2}),
      fe::mergeOperation(3, {2, 10}),
      fe::eraseOperation(10),
      fe::splitByPlaneOperation(3, {static_cast<std::int32_t>((box3.z0 + box3.z1) / 2), 0, 0},
                                {1, 0, 0}, fresh),
      fe::splitBySeedsOperation(3, {endOf(labels, 3, false), endOf(labels, 3, true)}, {3, fresh}),
      fe::paintOperation(3, stroke, 4.0),
      fe::paintOperation(0, stroke, 4.0)};
  std::printf("%-34s %9s %8s %8s %8s %8s %9s %9s %8s %9s\n", "edit (median of repetitions)",
              "voxels", "diff KB", "diff ms", "apply", "preview", "collect", "rescore", "undo",
              "S");
  for (const auto& op : edits) {
    std::vector<double> compute, apply, pre, collect, rescore, undo;
    std::int64_t voxels = 0;
    double kilobytes = 0;
    double s = 0;
    bool equal = true;
    for (int r = 0; r < repetitions; ++r) {
      fe::LabelDiff diff;
      compute.push_back(timed([&] { diff = fe::computeEdit(labels, op); }));
      voxels = diff.voxelCount();
      kilobytes = static_cast<double>(diff.runs.size() * sizeof(fe::DiffRun)) / 1024.0;
      apply.push_back(timed([&] { labels.apply(diff); }));
      pre.push_back(timed([&] { preview.update(labels, diff); }));
      collect.push_back(timed([&] { score->collect(labels, diff); }));
      rescore.push_back(timed([&] {
        score->thin();
        metrics = score->metrics();
      }));
      s = metrics.score;
      if (r == 0 && checkFull) {
        const auto check = fisbe::evaluate(gtSource, labels.buffer(), options);
        equal = check.score == metrics.score && check.falseMerges == metrics.falseMerges &&
                check.falseSplits == metrics.falseSplits && check.numPred == metrics.numPred;
      }
      undo.push_back(timed([&] {
        labels.revert(diff);
        preview.update(labels, diff);
        score->update(labels, fe::reversed(diff));
        metrics = score->metrics();
      }));
    }
    std::printf("%-34s %9lld %8.1f %8.1f %8.1f %8.1f %9.1f %9.0f %8.0f %9.4f%s\n",
                op.describe().c_str(), static_cast<long long>(voxels), kilobytes, median(compute),
                median(apply), median(pre), median(collect), median(rescore), median(undo), s,
                !checkFull ? ""
                : equal    ? "  (= full evaluate)"
                           : "  (DIFFERS from full evaluate)");
  }
  std::printf(
      "\ntimes are CPU time of the editing thread (wall clock of everything timed: %.0f "
      "ms, CPU %.0f ms); peak RSS %.0f MiB\n",
      wallTotal, cpuTotal, peakRssMiB());
  return 0;
}
