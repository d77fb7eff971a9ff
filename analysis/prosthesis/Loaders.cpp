#include "analysis/prosthesis/Loaders.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <unordered_map>

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

namespace {

// The voxel box (inclusive) of a volume around `points` (electrode space)
// padded by `paddingMm`; the whole volume when there is no point.
struct VoxelBox {
  std::array<std::size_t, 3> n{0, 0, 0};
  std::array<long, 3> lo{0, 0, 0}, hi{0, 0, 0};
  Eigen::Matrix4d affine = Eigen::Matrix4d::Identity();  // voxel → world
};

VoxelBox boxAround(const io::ArrayDataset& volume, const Eigen::Matrix4d& electrodeToWorld,
                   const Eigen::Matrix3Xd& points, double paddingMm) {
  const auto grid = fmri::gridOf(volume, "vessel volume");
  if (fmri::volumeCountOf(volume) != 1)
    throw std::invalid_argument("vessel volume '" + volume.name() + "' must be 3-D");
  VoxelBox box;
  box.affine = fmri::affineMatrix(grid);
  const Eigen::Matrix4d toVoxel = box.affine.inverse() * electrodeToWorld;
  box.n = {grid.nx, grid.ny, grid.nz};
  auto& lo = box.lo;
  auto& hi = box.hi;
  hi = {static_cast<long>(box.n[0]) - 1, static_cast<long>(box.n[1]) - 1,
        static_cast<long>(box.n[2]) - 1};
  if (points.cols() > 0) {
    Eigen::Vector3d vmin = Eigen::Vector3d::Constant(1e300), vmax = -vmin;
    for (Eigen::Index i = 0; i < points.cols(); ++i) {
      const Eigen::Vector3d v = (toVoxel * points.col(i).homogeneous()).head<3>();
      vmin = vmin.cwiseMin(v);
      vmax = vmax.cwiseMax(v);
    }
    const Eigen::Vector3d spacing = box.affine.topLeftCorner<3, 3>().colwise().norm().transpose();
    for (int a = 0; a < 3; ++a) {
      const auto k = static_cast<std::size_t>(a);
      const double pad = paddingMm / spacing(a);
      lo[k] = std::clamp(static_cast<long>(std::floor(vmin(a) - pad)), 0L, hi[k]);
      hi[k] = std::clamp(static_cast<long>(std::ceil(vmax(a) + pad)), lo[k], hi[k]);
    }
  }
  return box;
}

}  // namespace

VesselDistanceField vesselFieldAround(const io::ArrayDataset& volume, double threshold,
                                      const Eigen::Matrix4d& electrodeToWorld,
                                      const Eigen::Matrix3Xd& points, double paddingMm) {
  const VoxelBox b = boxAround(volume, electrodeToWorld, points, paddingMm);
  const auto& n = b.n;
  const auto& lo = b.lo;
  const auto& hi = b.hi;
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
  VesselDistanceField field(box, size, b.affine * shift, threshold,
                            "vessel volume '" + volume.name() + "'");
  field.setElectrodeToWorld(electrodeToWorld);
  return field;
}

VesselVoxels vesselVoxelsNear(const io::ArrayDataset& volume, double threshold,
                              const Eigen::Matrix4d& electrodeToWorld,
                              const Eigen::Matrix3Xd& points, double withinMm) {
  if (!(withinMm > 0))
    throw std::invalid_argument("vessels near the cortex: the distance must be > 0");
  VesselVoxels out;
  if (points.cols() == 0) return out;
  const VoxelBox b = boxAround(volume, electrodeToWorld, points, withinMm);
  // Points hashed into cubes of side withinMm: a voxel's neighbours are in
  // the 27 cubes around its own.
  const Eigen::Vector3d origin = points.rowwise().minCoeff().array() - withinMm;
  auto cellOf = [&](const Eigen::Vector3d& p) {
    return Eigen::Vector3i(((p - origin) / withinMm).array().floor().cast<int>());
  };
  auto key = [](const Eigen::Vector3i& c) {
    return (static_cast<std::int64_t>(c.x()) * 1000003 + c.y()) * 1000003 + c.z();
  };
  std::unordered_map<std::int64_t, std::vector<int>> cells;
  for (Eigen::Index i = 0; i < points.cols(); ++i)
    cells[key(cellOf(points.col(i)))].push_back(static_cast<int>(i));
  const Eigen::Matrix4d voxelToElectrode = electrodeToWorld.inverse() * b.affine;
  const auto& values = volume.values();
  std::vector<Eigen::Vector3d> positions;
  for (long k = b.lo[2]; k <= b.hi[2]; ++k)
    for (long j = b.lo[1]; j <= b.hi[1]; ++j)
      for (long i = b.lo[0]; i <= b.hi[0]; ++i) {
        const double value =
            values[(static_cast<std::size_t>(k) * b.n[1] + static_cast<std::size_t>(j)) * b.n[0] +
                   static_cast<std::size_t>(i)];
        if (!(value >= threshold)) continue;
        const Eigen::Vector3d p =
            (voxelToElectrode * Eigen::Vector4d(static_cast<double>(i), static_cast<double>(j),
                                                static_cast<double>(k), 1.0))
                .head<3>();
        const Eigen::Vector3i c = cellOf(p);
        double best = withinMm * withinMm;
        int nearest = -1;
        for (int dz = -1; dz <= 1; ++dz)
          for (int dy = -1; dy <= 1; ++dy)
            for (int dx = -1; dx <= 1; ++dx) {
              const auto found = cells.find(key(c + Eigen::Vector3i(dx, dy, dz)));
              if (found == cells.end()) continue;
              for (int q : found->second) {
                const double d2 = (points.col(q) - p).squaredNorm();
                if (d2 <= best) best = d2, nearest = q;
              }
            }
        if (nearest < 0) continue;
        positions.push_back(p);
        out.nearest.push_back(nearest);
        out.distanceMm.push_back(std::sqrt(best));
      }
  out.positions.resize(3, static_cast<Eigen::Index>(positions.size()));
  for (std::size_t i = 0; i < positions.size(); ++i)
    out.positions.col(static_cast<Eigen::Index>(i)) = positions[i];
  return out;
}

}  // namespace nl::analysis::prosthesis
