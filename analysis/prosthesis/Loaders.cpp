#include "analysis/prosthesis/Loaders.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <Eigen/Dense>

#include "analysis/fmri/VolumeGrid.h"
#include "io/ReaderRegistry.h"

namespace nl::analysis::prosthesis {

namespace {
template <typename T>
std::shared_ptr<const T> firstOf(const std::filesystem::path& path, const char* what) {
  const auto contents = io::ReaderRegistry::builtin().open(path);
  for (const auto& dataset : contents.datasets)
    if (auto typed = std::dynamic_pointer_cast<const T>(dataset)) return typed;
  throw std::runtime_error(path.string() + ": holds no " + what);
}
}  // namespace

std::shared_ptr<const io::SurfaceMeshDataset> readSurfaceMesh(const std::filesystem::path& path) {
  return firstOf<io::SurfaceMeshDataset>(path, "surface mesh");
}

std::shared_ptr<const io::ArrayDataset> readOverlay(const std::filesystem::path& path) {
  return firstOf<io::ArrayDataset>(path, "array");
}

std::shared_ptr<CorticalMesh> makeCorticalMesh(const io::SurfaceMeshDataset& white,
                                               const io::SurfaceMeshDataset& pial,
                                               const io::SurfaceMeshDataset& sphere,
                                               Hemisphere hemisphere) {
  for (const auto* other : {&pial, &sphere})
    if (other->vertexCount() != white.vertexCount() || other->triangles() != white.triangles())
      throw std::invalid_argument("mesh '" + other->name() + "' (" +
                                  std::to_string(other->vertexCount()) +
                                  " vertices) does not share the vertices and triangles of '" +
                                  white.name() + "' (" + std::to_string(white.vertexCount()) + ")");
  auto mesh = std::make_shared<CorticalMesh>();
  mesh->hemisphere = hemisphere;
  mesh->white = verticesFromFloats(white.vertices());
  mesh->pial = verticesFromFloats(pial.vertices());
  mesh->sphere = verticesFromFloats(sphere.vertices());
  mesh->triangles = trianglesFromInts(white.triangles());
  mesh->validate("hemisphere '" + white.name() + "'");
  return mesh;
}

VertexRetinotopy readBensonRetinotopy(const std::filesystem::path& folder, Hemisphere hemisphere,
                                      std::size_t vertexCount, double maxEccentricity) {
  const std::string prefix = hemisphere == Hemisphere::Left ? "lh" : "rh";
  const auto angle = readOverlay(folder / (prefix + ".benson14_angle.v4_0.mgz"));
  const auto eccen = readOverlay(folder / (prefix + ".benson14_eccen.v4_0.mgz"));
  const auto area = readOverlay(folder / (prefix + ".benson14_varea.v4_0.mgz"));
  return retinotopyFromOverlays(angle->values(), eccen->values(), area->values(), vertexCount,
                                hemisphere, AngleConvention::BensonUnsigned, maxEccentricity,
                                (folder / (prefix + ".benson14_*")).string());
}

VesselDistanceField vesselFieldAround(const io::ArrayDataset& volume, double threshold,
                                      const Eigen::Matrix4d& electrodeToWorld,
                                      const Eigen::Matrix3Xd& points, double paddingMm) {
  const auto grid = fmri::gridOf(volume, "vessel volume");
  if (fmri::volumeCountOf(volume) != 1)
    throw std::invalid_argument("vessel volume '" + volume.name() + "' must be 3-D");
  const Eigen::Matrix4d affine = fmri::affineMatrix(grid);
  const Eigen::Matrix4d toVoxel = affine.inverse() * electrodeToWorld;
  const std::array<std::size_t, 3> n{grid.nx, grid.ny, grid.nz};
  std::array<long, 3> lo{0, 0, 0},
      hi{static_cast<long>(n[0]) - 1, static_cast<long>(n[1]) - 1, static_cast<long>(n[2]) - 1};
  if (points.cols() > 0) {
    Eigen::Vector3d vmin = Eigen::Vector3d::Constant(1e300), vmax = -vmin;
    for (Eigen::Index i = 0; i < points.cols(); ++i) {
      const Eigen::Vector3d v = (toVoxel * points.col(i).homogeneous()).head<3>();
      vmin = vmin.cwiseMin(v);
      vmax = vmax.cwiseMax(v);
    }
    const Eigen::Vector3d spacing = affine.topLeftCorner<3, 3>().colwise().norm().transpose();
    for (int a = 0; a < 3; ++a) {
      const double pad = paddingMm / spacing(a);
      lo[static_cast<std::size_t>(a)] = std::clamp(static_cast<long>(std::floor(vmin(a) - pad)), 0L,
                                                   hi[static_cast<std::size_t>(a)]);
      hi[static_cast<std::size_t>(a)] =
          std::clamp(static_cast<long>(std::ceil(vmax(a) + pad)), lo[static_cast<std::size_t>(a)],
                     hi[static_cast<std::size_t>(a)]);
    }
  }
  const std::array<std::size_t, 3> size{static_cast<std::size_t>(hi[0] - lo[0] + 1),
                                        static_cast<std::size_t>(hi[1] - lo[1] + 1),
                                        static_cast<std::size_t>(hi[2] - lo[2] + 1)};
  const auto& values = volume.values();
  std::vector<double> box(size[0] * size[1] * size[2]);
  for (std::size_t k = 0; k < size[2]; ++k)
    for (std::size_t j = 0; j < size[1]; ++j)
      for (std::size_t i = 0; i < size[0]; ++i)
        box[(k * size[1] + j) * size[0] + i] =
            values[((static_cast<std::size_t>(lo[2]) + k) * n[1] + static_cast<std::size_t>(lo[1]) +
                    j) *
                       n[0] +
                   static_cast<std::size_t>(lo[0]) + i];
  Eigen::Matrix4d shift = Eigen::Matrix4d::Identity();
  shift.topRightCorner<3, 1>() << static_cast<double>(lo[0]), static_cast<double>(lo[1]),
      static_cast<double>(lo[2]);
  VesselDistanceField field(box, size, affine * shift, threshold,
                            "vessel volume '" + volume.name() + "'");
  field.setElectrodeToWorld(electrodeToWorld);
  return field;
}

}  // namespace nl::analysis::prosthesis
