#pragma once
// Shared inputs of the prosthesis tests: a synthetic flat patch of V1 with an
// analytic map (known geometry) and the fsaverage5 left hemisphere with the
// Benson 2014 template (read once per process).
#include <memory>

#include "analysis/prosthesis/Loaders.h"
#include "analysis/prosthesis/Planner.h"
#include "tests/support/TestSupport.h"

namespace nl::test::prosthesis {

namespace pr = nl::analysis::prosthesis;

// A flat square of cortex (z = 0, x ∈ [x0, x0 + size], y ∈ [−size/2, size/2] mm)
// triangulated at `step` mm, white 1 mm below the pial plane, sphere = the
// plane lifted onto a sphere of radius 100 around (x0 + size/2, 0, −100).
inline std::shared_ptr<pr::CorticalMesh> flatPatch(double x0, double size, double step) {
  const int n = static_cast<int>(size / step) + 1;
  auto mesh = std::make_shared<pr::CorticalMesh>();
  mesh->white.resize(3, n * n);
  mesh->pial.resize(3, n * n);
  mesh->sphere.resize(3, n * n);
  const double cx = x0 + size / 2;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      const int v = j * n + i;
      const double x = x0 + i * step, y = -size / 2 + j * step;
      mesh->pial.col(v) << x, y, 0;
      mesh->white.col(v) << x, y, -1;
      mesh->sphere.col(v) = Eigen::Vector3d(x - cx, y, 100).normalized() * 100;
    }
  mesh->triangles.resize(3, 2 * (n - 1) * (n - 1));
  int t = 0;
  for (int j = 0; j + 1 < n; ++j)
    for (int i = 0; i + 1 < n; ++i) {
      const int a = j * n + i, b = a + 1, c = a + n, d = c + 1;
      mesh->triangles.col(t++) << a, b, d;
      mesh->triangles.col(t++) << a, d, c;
    }
  return mesh;
}

inline pr::VertexRetinotopy flatRetinotopy(const pr::CorticalMesh& mesh,
                                           const pr::AnalyticMap& map) {
  Eigen::Matrix2Xd flat = mesh.pial.topRows<2>();
  return pr::retinotopyFromFlatMap(flat, map, pr::Hemisphere::Left, 90);
}

struct Fsaverage5 {
  std::shared_ptr<pr::CorticalMesh> mesh;
  pr::VertexRetinotopy retinotopy;
};

// fsaverage5 left hemisphere + Benson (first 10,242 template values).
inline const Fsaverage5& fsaverage5Left() {
  static const Fsaverage5 loaded = [] {
    const auto dir = fixtures() / "surface" / "fsaverage5";
    Fsaverage5 f;
    f.mesh = pr::makeCorticalMesh(*pr::readSurfaceMesh(dir / "white_left.gii.gz"),
                                  *pr::readSurfaceMesh(dir / "pial_left.gii.gz"),
                                  *pr::readSurfaceMesh(dir / "sphere_left.gii.gz"),
                                  pr::Hemisphere::Left);
    f.retinotopy = pr::readBensonRetinotopy(fixtures() / "surface" / "benson14_fsaverage",
                                            pr::Hemisphere::Left, f.mesh->vertexCount(), 90);
    return f;
  }();
  return loaded;
}

}  // namespace nl::test::prosthesis
