#include "analysis/prosthesis/Constraints.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <Eigen/Dense>

namespace nl::analysis::prosthesis {

Eigen::Matrix4d mni305ToMni152() {
  // FreeSurfer wiki, CoordinateSystems ("MNI305 to MNI152"), 4 significant digits.
  Eigen::Matrix4d m;
  m << 1.0022, 0.0071, -0.0177, 0.0528,  //
      -0.0146, 0.9990, 0.0027, -1.5519,  //
      0.0129, 0.0094, 1.0027, -1.2012,   //
      0, 0, 0, 1;
  return m;
}

ConstraintMode parseConstraintMode(const std::string& name) {
  if (name == "off" || name == "none") return ConstraintMode::Off;
  if (name == "soft") return ConstraintMode::Soft;
  if (name == "hard") return ConstraintMode::Hard;
  throw std::invalid_argument("unknown constraint mode '" + name + "' (use off, soft or hard)");
}

// ---- distance transform -------------------------------------------------------

namespace {

constexpr double kInf = 1e30;

// Felzenszwalb & Huttenlocher's lower envelope of parabolas along one line:
// out[p] = min_q ((p − q)·spacing)² + f[q].
void distanceTransform1d(const double* f, double* out, std::size_t n, double spacing,
                         std::vector<std::size_t>& v, std::vector<double>& z) {
  v.resize(n);
  z.resize(n + 1);
  std::size_t k = 0;
  std::size_t first = n;
  for (std::size_t q = 0; q < n; ++q)
    if (f[q] < kInf) {
      first = q;
      break;
    }
  if (first == n) {
    for (std::size_t q = 0; q < n; ++q) out[q] = kInf;
    return;
  }
  v[0] = first;
  z[0] = -kInf;
  z[1] = kInf;
  for (std::size_t q = first + 1; q < n; ++q) {
    if (!(f[q] < kInf)) continue;
    const double xq = static_cast<double>(q) * spacing;
    double s;
    while (true) {
      const double xv = static_cast<double>(v[k]) * spacing;
      s = ((f[q] + xq * xq) - (f[v[k]] + xv * xv)) / (2 * (xq - xv));
      if (s <= z[k] && k > 0) {
        --k;
        continue;
      }
      break;
    }
    if (s <= z[k]) {  // k == 0 and the new parabola dominates everywhere
      v[0] = q;
      z[0] = -kInf;
      z[1] = kInf;
      continue;
    }
    ++k;
    v[k] = q;
    z[k] = s;
    z[k + 1] = kInf;
  }
  k = 0;
  for (std::size_t p = 0; p < n; ++p) {
    const double xp = static_cast<double>(p) * spacing;
    while (z[k + 1] < xp) ++k;
    const double d = xp - static_cast<double>(v[k]) * spacing;
    out[p] = d * d + f[v[k]];
  }
}

}  // namespace

VesselDistanceField::VesselDistanceField(std::span<const double> values,
                                         std::array<std::size_t, 3> size,
                                         const Eigen::Matrix4d& voxelToWorld, double threshold,
                                         const std::string& what)
    : size_(size) {
  const std::size_t nx = size[0], ny = size[1], nz = size[2];
  if (nx == 0 || ny == 0 || nz == 0 || values.size() != nx * ny * nz)
    throw std::invalid_argument(what + ": " + std::to_string(values.size()) +
                                " voxel values for a " + std::to_string(nx) + " × " +
                                std::to_string(ny) + " × " + std::to_string(nz) + " grid");
  const Eigen::Matrix3d linear = voxelToWorld.topLeftCorner<3, 3>();
  if (std::abs(linear.determinant()) < 1e-12 || !voxelToWorld.allFinite())
    throw std::invalid_argument(what + ": the voxel-to-world affine is singular");
  worldToVoxel_ = voxelToWorld.inverse();
  electrodeToVoxel_ = worldToVoxel_;
  // ∇_world d = (∂voxel/∂world)ᵀ ∇_voxel d.
  voxelGradientToWorld_ = worldToVoxel_.topLeftCorner<3, 3>().transpose();
  const double sx = linear.col(0).norm(), sy = linear.col(1).norm(), sz = linear.col(2).norm();
  std::vector<double> field(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const bool vessel = values[i] >= threshold;  // NaN is not a vessel
    field[i] = vessel ? 0.0 : kInf;
    vesselVoxels_ += vessel;
  }
  if (vesselVoxels_ == 0)
    throw std::invalid_argument(what + ": no voxel reaches the vessel threshold " +
                                std::to_string(threshold));
  // Three separable passes (x, y, z), squared mm.
  std::vector<std::size_t> v;
  std::vector<double> z, line, out;
  auto pass = [&](std::size_t n, std::size_t stride, std::size_t lines, auto startOf,
                  double spacing) {
    line.resize(n);
    out.resize(n);
    for (std::size_t l = 0; l < lines; ++l) {
      const std::size_t start = startOf(l);
      for (std::size_t i = 0; i < n; ++i) line[i] = field[start + i * stride];
      distanceTransform1d(line.data(), out.data(), n, spacing, v, z);
      for (std::size_t i = 0; i < n; ++i) field[start + i * stride] = out[i];
    }
  };
  pass(
      nx, 1, ny * nz, [&](std::size_t l) { return l * nx; }, sx);
  pass(
      ny, nx, nx * nz, [&](std::size_t l) { return (l / nx) * nx * ny + l % nx; }, sy);
  pass(
      nz, nx * ny, nx * ny, [&](std::size_t l) { return l; }, sz);
  distance_.resize(field.size());
  for (std::size_t i = 0; i < field.size(); ++i)
    distance_[i] = static_cast<float>(std::sqrt(field[i]));
}

void VesselDistanceField::setElectrodeToWorld(const Eigen::Matrix4d& transform) {
  electrodeToWorld_ = transform;
  electrodeToVoxel_ = worldToVoxel_ * transform;
  voxelGradientToWorld_ = electrodeToVoxel_.topLeftCorner<3, 3>().transpose();
}

double VesselDistanceField::distance(const Eigen::Vector3d& point,
                                     Eigen::Vector3d* gradient) const {
  if (empty()) throw std::logic_error("vessel distance field: empty");
  const Eigen::Vector3d ijk = (electrodeToVoxel_ * point.homogeneous()).head<3>();
  const Eigen::Vector3d hi(static_cast<double>(size_[0] - 1), static_cast<double>(size_[1] - 1),
                           static_cast<double>(size_[2] - 1));
  const Eigen::Vector3d clamped = ijk.cwiseMax(Eigen::Vector3d::Zero()).cwiseMin(hi);
  int base[3];
  double t[3];
  for (int a = 0; a < 3; ++a) {
    base[a] = std::min(static_cast<int>(clamped(a)), std::max(0, static_cast<int>(hi(a)) - 1));
    t[a] = size_[static_cast<std::size_t>(a)] > 1 ? clamped(a) - base[a] : 0.0;
  }
  auto at = [&](int i, int j, int k) {
    i = std::min(i, static_cast<int>(hi(0)));
    j = std::min(j, static_cast<int>(hi(1)));
    k = std::min(k, static_cast<int>(hi(2)));
    return static_cast<double>(
        distance_[(static_cast<std::size_t>(k) * size_[1] + static_cast<std::size_t>(j)) *
                      size_[0] +
                  static_cast<std::size_t>(i)]);
  };
  double value = 0;
  Eigen::Vector3d dVoxel = Eigen::Vector3d::Zero();
  for (int dk = 0; dk < 2; ++dk)
    for (int dj = 0; dj < 2; ++dj)
      for (int di = 0; di < 2; ++di) {
        const double d = at(base[0] + di, base[1] + dj, base[2] + dk);
        const double wx = di ? t[0] : 1 - t[0], wy = dj ? t[1] : 1 - t[1],
                     wz = dk ? t[2] : 1 - t[2];
        value += wx * wy * wz * d;
        dVoxel(0) += (di ? 1 : -1) * wy * wz * d;
        dVoxel(1) += (dj ? 1 : -1) * wx * wz * d;
        dVoxel(2) += (dk ? 1 : -1) * wx * wy * d;
      }
  // Outside the volume: add the distance to it (in voxels → mm along the offset).
  const Eigen::Vector3d outside = ijk - clamped;
  for (int a = 0; a < 3; ++a)
    if (outside(a) != 0) dVoxel(a) = 0;
  Eigen::Vector3d worldGradient = voxelGradientToWorld_ * dVoxel;
  if (outside.squaredNorm() > 0) {
    const Eigen::Matrix3d voxelToElectrode = electrodeToVoxel_.topLeftCorner<3, 3>().inverse();
    const Eigen::Vector3d offset = voxelToElectrode * outside;
    value += offset.norm();
    worldGradient += offset.normalized();
  }
  if (gradient) *gradient = worldGradient;
  return value;
}

// ---- gray matter --------------------------------------------------------------

namespace {

// Closest point on triangle abc to p (Ericson, Real-Time Collision Detection 5.1.5),
// with its barycentric weights.
Eigen::Vector3d closestOnTriangle(const Eigen::Vector3d& p, const Eigen::Vector3d& a,
                                  const Eigen::Vector3d& b, const Eigen::Vector3d& c,
                                  Eigen::Vector3d& lambda) {
  const Eigen::Vector3d ab = b - a, ac = c - a, ap = p - a;
  const double d1 = ab.dot(ap), d2 = ac.dot(ap);
  if (d1 <= 0 && d2 <= 0) return lambda = {1, 0, 0}, a;
  const Eigen::Vector3d bp = p - b;
  const double d3 = ab.dot(bp), d4 = ac.dot(bp);
  if (d3 >= 0 && d4 <= d3) return lambda = {0, 1, 0}, b;
  const double vc = d1 * d4 - d3 * d2;
  if (vc <= 0 && d1 >= 0 && d3 <= 0) {
    const double v = d1 / (d1 - d3);
    return lambda = {1 - v, v, 0}, Eigen::Vector3d(a + v * ab);
  }
  const Eigen::Vector3d cp = p - c;
  const double d5 = ab.dot(cp), d6 = ac.dot(cp);
  if (d6 >= 0 && d5 <= d6) return lambda = {0, 0, 1}, c;
  const double vb = d5 * d2 - d1 * d6;
  if (vb <= 0 && d2 >= 0 && d6 <= 0) {
    const double w = d2 / (d2 - d6);
    return lambda = {1 - w, 0, w}, Eigen::Vector3d(a + w * ac);
  }
  const double va = d3 * d6 - d5 * d4;
  if (va <= 0 && (d4 - d3) >= 0 && (d5 - d6) >= 0) {
    const double w = (d4 - d3) / ((d4 - d3) + (d5 - d6));
    return lambda = {0, 1 - w, w}, Eigen::Vector3d(b + w * (c - b));
  }
  const double denom = 1.0 / (va + vb + vc);
  const double v = vb * denom, w = vc * denom;
  lambda = {1 - v - w, v, w};
  return a + ab * v + ac * w;
}

}  // namespace

struct GrayMatterRibbon::Impl {
  std::shared_ptr<const CorticalMesh> mesh;
  Eigen::Matrix3Xd mid;
  Eigen::VectorXd thickness;
  Eigen::Vector3d lo, hi;
  double cell = 4.0;
  int nx = 1, ny = 1, nz = 1;
  std::vector<std::vector<int>> buckets;

  int index(int i, int j, int k) const { return (k * ny + j) * nx + i; }
  int cellOf(double c, double origin, int n) const {
    return std::clamp(static_cast<int>((c - origin) / cell), 0, n - 1);
  }
};

GrayMatterRibbon::GrayMatterRibbon(std::shared_ptr<const CorticalMesh> mesh)
    : impl_(std::make_unique<Impl>()) {
  if (!mesh) throw std::invalid_argument("gray matter ribbon: no mesh");
  mesh->validate("gray matter ribbon");
  auto& d = *impl_;
  d.mesh = std::move(mesh);
  d.mid = 0.5 * (d.mesh->white + d.mesh->pial);
  d.thickness = (d.mesh->pial - d.mesh->white).colwise().norm().transpose();
  d.lo = d.mid.rowwise().minCoeff().array() - 1e-6;
  d.hi = d.mid.rowwise().maxCoeff().array() + 1e-6;
  const Eigen::Vector3d extent = d.hi - d.lo;
  d.cell = std::max(
      1.0, std::cbrt(extent.prod() /
                     std::max<double>(1.0, static_cast<double>(d.mesh->triangleCount()) / 4.0)));
  d.nx = std::max(1, static_cast<int>(std::ceil(extent.x() / d.cell)));
  d.ny = std::max(1, static_cast<int>(std::ceil(extent.y() / d.cell)));
  d.nz = std::max(1, static_cast<int>(std::ceil(extent.z() / d.cell)));
  d.buckets.assign(static_cast<std::size_t>(d.nx * d.ny * d.nz), {});
  const auto& tri = d.mesh->triangles;
  for (int t = 0; t < static_cast<int>(tri.cols()); ++t) {
    Eigen::Vector3d tlo = d.mid.col(tri(0, t)), thi = tlo;
    for (int c = 1; c < 3; ++c) {
      tlo = tlo.cwiseMin(d.mid.col(tri(c, t)));
      thi = thi.cwiseMax(d.mid.col(tri(c, t)));
    }
    for (int k = d.cellOf(tlo.z(), d.lo.z(), d.nz); k <= d.cellOf(thi.z(), d.lo.z(), d.nz); ++k)
      for (int j = d.cellOf(tlo.y(), d.lo.y(), d.ny); j <= d.cellOf(thi.y(), d.lo.y(), d.ny); ++j)
        for (int i = d.cellOf(tlo.x(), d.lo.x(), d.nx); i <= d.cellOf(thi.x(), d.lo.x(), d.nx); ++i)
          d.buckets[static_cast<std::size_t>(d.index(i, j, k))].push_back(t);
  }
}

GrayMatterRibbon::~GrayMatterRibbon() = default;
GrayMatterRibbon::GrayMatterRibbon(GrayMatterRibbon&&) noexcept = default;
GrayMatterRibbon& GrayMatterRibbon::operator=(GrayMatterRibbon&&) noexcept = default;

double GrayMatterRibbon::outsideBy(const Eigen::Vector3d& point, SurfacePoint* nearest,
                                   Eigen::Vector3d* gradient) const {
  const auto& d = *impl_;
  const auto& tri = d.mesh->triangles;
  const int ci = d.cellOf(point.x(), d.lo.x(), d.nx), cj = d.cellOf(point.y(), d.lo.y(), d.ny),
            ck = d.cellOf(point.z(), d.lo.z(), d.nz);
  // Distance from the point to the grid box (for points outside the mesh's box).
  const Eigen::Vector3d boxOffset = point - point.cwiseMax(d.lo).cwiseMin(d.hi);
  double best = std::numeric_limits<double>::infinity();
  SurfacePoint found;
  Eigen::Vector3d closest = Eigen::Vector3d::Zero();
  const int maxRing = std::max({d.nx, d.ny, d.nz});
  for (int ring = 0; ring <= maxRing; ++ring) {
    // Every cell at Chebyshev distance `ring`: anything closer than
    // (ring − 1)·cell + the box offset is found by now.
    if (std::isfinite(best) && (ring - 1) * d.cell + boxOffset.norm() > best) break;
    for (int k = ck - ring; k <= ck + ring; ++k)
      for (int j = cj - ring; j <= cj + ring; ++j)
        for (int i = ci - ring; i <= ci + ring; ++i) {
          if (std::max({std::abs(i - ci), std::abs(j - cj), std::abs(k - ck)}) != ring) continue;
          if (i < 0 || j < 0 || k < 0 || i >= d.nx || j >= d.ny || k >= d.nz) continue;
          for (int t : d.buckets[static_cast<std::size_t>(d.index(i, j, k))]) {
            Eigen::Vector3d lambda;
            const Eigen::Vector3d c = closestOnTriangle(
                point, d.mid.col(tri(0, t)), d.mid.col(tri(1, t)), d.mid.col(tri(2, t)), lambda);
            const double dist = (point - c).norm();
            if (dist < best) {
              best = dist;
              found.triangle = t;
              found.barycentric = lambda;
              closest = c;
            }
          }
        }
  }
  if (!found.valid()) return std::numeric_limits<double>::infinity();
  double thickness = 0;
  for (int c = 0; c < 3; ++c)
    thickness += found.barycentric(c) * d.thickness(tri(c, found.triangle));
  if (nearest) *nearest = found;
  if (gradient) {
    *gradient = best > 0 ? Eigen::Vector3d((point - closest) / best) : Eigen::Vector3d::Zero();
    // The half-thickness term moves with the nearest point: across a
    // triangle's interior the point slides in its plane, along an edge on
    // the edge, at a vertex not at all. Folded cortex varies in thickness
    // (1.5–4 mm), so leaving this out made the hinge's gradient wrong there.
    const Eigen::Vector3d a = d.mid.col(tri(0, found.triangle)),
                          b = d.mid.col(tri(1, found.triangle)),
                          c = d.mid.col(tri(2, found.triangle));
    const Eigen::Vector3d normal = (b - a).cross(c - a);
    const double twiceArea = normal.norm();
    if (twiceArea > 0) {
      const Eigen::Vector3d unit = normal / twiceArea;
      const Eigen::Vector3d corners[3] = {a, b, c};
      Eigen::Vector3d thicknessGradient = Eigen::Vector3d::Zero();  // in the triangle's plane
      for (int k = 0; k < 3; ++k)
        thicknessGradient += d.thickness(tri(k, found.triangle)) *
                             unit.cross(corners[(k + 2) % 3] - corners[(k + 1) % 3]) / twiceArea;
      constexpr double kOnBoundary = 1e-12;
      int inside = 0, zero = -1;
      for (int k = 0; k < 3; ++k) {
        if (found.barycentric(k) > kOnBoundary)
          ++inside;
        else
          zero = k;
      }
      if (inside == 2) {
        // On the edge opposite corner `zero`: only motion along it counts.
        const Eigen::Vector3d edge =
            (corners[(zero + 2) % 3] - corners[(zero + 1) % 3]).normalized();
        thicknessGradient = thicknessGradient.dot(edge) * edge;
      } else if (inside < 2) {
        thicknessGradient.setZero();
      }
      *gradient -= 0.5 * thicknessGradient;
    }
  }
  return best - 0.5 * thickness;
}

// ---- threads ------------------------------------------------------------------

Eigen::Matrix3Xd threadElectrodes(const SurfaceChart& chart, const ThreadPose& pose,
                                  const ThreadSpec& spec, SurfacePoint* insertion) {
  const SurfacePoint point = chart.locate(pose.insertion);
  if (insertion) *insertion = point;
  Eigen::Matrix3Xd out(3, spec.electrodes);
  if (!point.valid()) {
    out.setConstant(std::numeric_limits<double>::quiet_NaN());
    return out;
  }
  const Eigen::Vector3d entry = chart.positionAt(point, 1.0);
  const ChartSample sample = chart.sample(pose.insertion);
  const Eigen::Vector3d inward = -sample.normal;
  // A tangent basis from the normal (the axis least aligned with it).
  Eigen::Index axis;
  inward.cwiseAbs().minCoeff(&axis);
  const Eigen::Vector3d e1 = inward.cross(Eigen::Vector3d::Unit(axis)).normalized();
  const Eigen::Vector3d e2 = inward.cross(e1);
  const double limit = std::tan(spec.coneHalfAngleDeg * 3.14159265358979323846 / 180.0);
  Eigen::Vector2d tilt = pose.tilt;
  if (tilt.norm() > limit) tilt *= limit / tilt.norm();
  const Eigen::Vector3d direction = (inward + tilt.x() * e1 + tilt.y() * e2).normalized();
  for (int j = 0; j < spec.electrodes; ++j)
    out.col(j) = entry + (spec.firstDepthMm + j * spec.spacingMm) * direction;
  return out;
}

}  // namespace nl::analysis::prosthesis
