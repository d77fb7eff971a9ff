// Prints the median wall time (ms) of opening each file and touching all its
// values, one line per file: "<relative path> <ms>". Usage: FIXTURES_DIR [runs]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "io/ReaderRegistry.h"

namespace {

double touch(const nl::io::FileContents& contents) {
  double sum = 0;
  for (const auto& dataset : contents.datasets) {
    if (const auto* array = dynamic_cast<const nl::io::ArrayDataset*>(dataset.get()))
      sum += array->values().empty() ? 0 : array->values().back();
    if (const auto* mesh = dynamic_cast<const nl::io::SurfaceMeshDataset*>(dataset.get()))
      sum += mesh->vertices().back() + mesh->triangles().back();
  }
  return sum;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FIXTURES_DIR [runs]\n", argv[0]);
    return 2;
  }
  const std::string root = argv[1];
  const int runs = argc > 2 ? std::atoi(argv[2]) : 7;
  const std::vector<std::string> files = {
      "surface/freesurfer_subject1/lh.white.gz",
      "surface/freesurfer_subject1/lh.sulc",
      "surface/freesurfer_subject1/lh.thickness",
      "surface/freesurfer_subject1/lh.aparc.annot",
      "surface/benson14_fsaverage/lh.benson14_angle.v4_0.mgz",
      "surface/benson14_fsaverage/lh.benson14_eccen.v4_0.mgz",
      "surface/benson14_fsaverage/lh.benson14_varea.v4_0.mgz",
      "surface/fsaverage5/pial_left.gii.gz",
      "surface/fsaverage5/sulc_left.gii.gz",
  };
  double checksum = 0;
  for (const auto& file : files) {
    std::vector<double> times;
    for (int run = 0; run < runs; ++run) {
      const auto start = std::chrono::steady_clock::now();
      const auto contents = nl::io::ReaderRegistry::builtin().open(root + "/" + file);
      checksum += touch(contents);
      times.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
    }
    std::sort(times.begin(), times.end());
    std::printf("%s %.3f\n", file.c_str(), times[times.size() / 2]);
  }
  std::fprintf(stderr, "checksum %g\n", checksum);
  return 0;
}
