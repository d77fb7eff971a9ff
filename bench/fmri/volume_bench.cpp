// Opening a 4-D NIfTI run in its stored type: open, first volume as doubles,
// voxel time courses, and the whole run widened (what the old path did), with
// the peak memory after each step.
//   neuroloupe_bench_volume RUN.nii[.gz] [--courses 100] [--cold]
// --cold drops the file from the page cache first (posix_fadvise), so the
// time courses include the disk. Prints "key value" lines.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "io/volume/Nifti.h"

namespace {

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

double peakMegabytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: neuroloupe_bench_volume RUN.nii [--courses N] [--cold]\n");
    return 2;
  }
  const std::string path = argv[1];
  std::size_t courses = 100;
  bool cold = false;
  for (int i = 2; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--courses") && i + 1 < argc) courses = std::stoul(argv[++i]);
    if (!std::strcmp(argv[i], "--cold")) cold = true;
  }
  if (cold) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd >= 0) {
      posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
      ::close(fd);
    }
  }
  auto start = std::chrono::steady_clock::now();
  const auto run = nl::io::volume::readNifti(path);
  const auto& typed = run->typed();
  const double openSeconds = seconds(start);
  const auto shape = run->shape();
  const std::size_t frames = shape.size() == 4 ? shape[0] : 1;
  const std::size_t voxels = typed.size() / frames;
  std::printf("shape %zu %zu %zu %zu\nstored_type %s\nstored_mb %.1f\n", frames, shape[1], shape[2],
              shape[3], std::string(nl::io::scalarTypeName(typed.type())).c_str(),
              static_cast<double>(typed.storedBytes()) / 1e6);
  std::printf("open_seconds %.6f\nopen_peak_mb %.1f\n", openSeconds, peakMegabytes());

  start = std::chrono::steady_clock::now();
  std::vector<double> volume(voxels);
  typed.toDouble(0, voxels, volume.data());
  std::printf("first_volume_seconds %.6f\n", seconds(start));

  // The first time course right after opening (cold: from the disk, while
  // the background prefetch runs), then voxels spread through the brain (a
  // fixed stride, no RNG).
  std::vector<double> course(frames);
  start = std::chrono::steady_clock::now();
  typed.gather(voxels / 3, voxels, frames, course.data());
  std::printf("first_course_ms %.4f\n", seconds(start) * 1e3);
  double worst = 0, total = 0;
  for (std::size_t c = 0; c < courses; ++c) {
    const std::size_t voxel = (c * 7919 + voxels / 2) % voxels;
    start = std::chrono::steady_clock::now();
    typed.gather(voxel, voxels, frames, course.data());
    const double s = seconds(start);
    worst = std::max(worst, s);
    total += s;
  }
  std::printf("course_mean_ms %.4f\ncourse_worst_ms %.4f\ncourses_peak_mb %.1f\n",
              total / static_cast<double>(courses) * 1e3, worst * 1e3, peakMegabytes());

  start = std::chrono::steady_clock::now();
  const auto& doubles = run->values();
  std::printf("widen_all_seconds %.6f\nwiden_all_peak_mb %.1f\n", seconds(start), peakMegabytes());
  return doubles.empty() ? 1 : 0;
}
