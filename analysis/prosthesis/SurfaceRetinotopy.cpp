#include "analysis/prosthesis/SurfaceRetinotopy.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include <Eigen/Dense>
#include <Eigen/Geometry>

namespace nl::analysis::prosthesis {

namespace {
constexpr double kDeg = std::numbers::pi / 180.0;
constexpr int kGrid = 24;  // bucket cells per axis over [−1, 1]³ of unit directions
}  // namespace

void CorticalMesh::validate(const std::string& what) const {
  const auto n = white.cols();
  if (n == 0) throw std::invalid_argument(what + ": the mesh has no vertices");
  if (pial.cols() != n || sphere.cols() != n)
    throw std::invalid_argument(what + ": white (" + std::to_string(n) + "), pial (" +
                                std::to_string(pial.cols()) + ") and sphere (" +
                                std::to_string(sphere.cols()) + ") must have the same vertices");
  if (triangles.cols() == 0) throw std::invalid_argument(what + ": the mesh has no triangles");
  if (triangles.minCoeff() < 0 || triangles.maxCoeff() >= n)
    throw std::invalid_argument(what + ": a triangle refers to a vertex outside 0.." +
                                std::to_string(n - 1));
  if (!white.allFinite() || !pial.allFinite() || !sphere.allFinite())
    throw std::invalid_argument(what + ": a vertex coordinate is not finite");
  if (!chartTriangles.empty() && chartTriangles.size() != triangleCount())
    throw std::invalid_argument(what + ": " + std::to_string(chartTriangles.size()) +
                                " chart-triangle flags for " + std::to_string(triangleCount()) +
                                " triangles");
  for (Eigen::Index v = 0; v < n; ++v)
    if (sphere.col(v).norm() <= 0)
      throw std::invalid_argument(what + ": sphere vertex " + std::to_string(v) +
                                  " is at the origin (is it a sphere?)");
}

Eigen::Matrix3Xd verticesFromFloats(std::span<const float> xyz) {
  if (xyz.size() % 3 != 0) throw std::invalid_argument("vertex coordinates are not xyz triples");
  Eigen::Matrix3Xd out(3, static_cast<Eigen::Index>(xyz.size() / 3));
  for (std::size_t i = 0; i < xyz.size(); ++i)
    out(static_cast<Eigen::Index>(i % 3), static_cast<Eigen::Index>(i / 3)) = xyz[i];
  return out;
}

Eigen::Matrix3Xi trianglesFromInts(std::span<const std::int32_t> indices) {
  if (indices.size() % 3 != 0) throw std::invalid_argument("triangle indices are not triples");
  Eigen::Matrix3Xi out(3, static_cast<Eigen::Index>(indices.size() / 3));
  for (std::size_t i = 0; i < indices.size(); ++i)
    out(static_cast<Eigen::Index>(i % 3), static_cast<Eigen::Index>(i / 3)) = indices[i];
  return out;
}

VertexRetinotopy retinotopyFromOverlays(std::span<const double> angle,
                                        std::span<const double> eccentricity,
                                        std::span<const double> area, std::size_t vertexCount,
                                        Hemisphere hemisphere, AngleConvention convention,
                                        double maxEccentricity, const std::string& what) {
  for (auto [values, name] : {std::pair{angle, "polar angle"},
                              std::pair{eccentricity, "eccentricity"}, std::pair{area, "area"}})
    if (values.size() < vertexCount)
      throw std::invalid_argument(what + ": the " + std::string(name) + " overlay has " +
                                  std::to_string(values.size()) + " values but the mesh " +
                                  std::to_string(vertexCount) + " vertices");
  VertexRetinotopy out;
  const auto n = static_cast<Eigen::Index>(vertexCount);
  out.x = Eigen::VectorXd::Zero(n);
  out.y = Eigen::VectorXd::Zero(n);
  out.area = Eigen::VectorXi::Zero(n);
  const double side = hemisphere == Hemisphere::Left ? 1.0 : -1.0;
  for (Eigen::Index v = 0; v < n; ++v) {
    const double label = area[static_cast<std::size_t>(v)];
    if (!(label > 0.5) || !std::isfinite(label)) continue;
    const double a = angle[static_cast<std::size_t>(v)];
    const double e = eccentricity[static_cast<std::size_t>(v)];
    if (!std::isfinite(a) || !std::isfinite(e) || e < 0)
      throw std::invalid_argument(what + ": vertex " + std::to_string(v) + " is labelled area " +
                                  std::to_string(static_cast<int>(label)) +
                                  " but its polar angle / eccentricity is " + std::to_string(a) +
                                  " / " + std::to_string(e));
    if (e > maxEccentricity) continue;
    const double signedAngle = convention == AngleConvention::BensonUnsigned ? side * a : a;
    out.x(v) = e * std::sin(signedAngle * kDeg);
    out.y(v) = e * std::cos(signedAngle * kDeg);
    out.area(v) = static_cast<int>(std::lround(label));
  }
  return out;
}

VertexRetinotopy retinotopyFromFlatMap(const Eigen::Matrix2Xd& flat, const AnalyticMap& map,
                                       Hemisphere hemisphere, double maxEccentricity) {
  VertexRetinotopy out;
  const auto n = flat.cols();
  out.x = Eigen::VectorXd::Zero(n);
  out.y = Eigen::VectorXd::Zero(n);
  out.area = Eigen::VectorXi::Zero(n);
  for (Eigen::Index v = 0; v < n; ++v) {
    const auto field = map.toVisualField({flat(0, v), flat(1, v)}, hemisphere, 1);
    const double mirror = hemisphere == Hemisphere::Left ? 1.0 : -1.0;
    if (!std::isfinite(field.x) || !std::isfinite(field.y) || mirror * field.x < 0 ||
        eccentricityOf(field) > maxEccentricity)
      continue;
    out.x(v) = field.x;
    out.y(v) = field.y;
    out.area(v) = 1;
  }
  return out;
}

BilateralCortex joinHemispheres(const CorticalMesh& left, const VertexRetinotopy& leftRetinotopy,
                                const CorticalMesh& right, const VertexRetinotopy& rightRetinotopy,
                                double capDegrees) {
  if (!(capDegrees > 0 && capDegrees <= 88))
    throw std::invalid_argument("both hemispheres: the chart cap must be in (0°, 88°]");
  left.validate("left hemisphere");
  right.validate("right hemisphere");
  if (leftRetinotopy.size() != left.vertexCount() || rightRetinotopy.size() != right.vertexCount())
    throw std::invalid_argument("both hemispheres: a retinotopy does not fit its hemisphere (" +
                                std::to_string(leftRetinotopy.size()) + " / " +
                                std::to_string(left.vertexCount()) + " left, " +
                                std::to_string(rightRetinotopy.size()) + " / " +
                                std::to_string(right.vertexCount()) + " right)");
  const auto nl = static_cast<Eigen::Index>(left.vertexCount());
  const auto nr = static_cast<Eigen::Index>(right.vertexCount());
  const auto tl = static_cast<Eigen::Index>(left.triangleCount());
  const auto tr = static_cast<Eigen::Index>(right.triangleCount());
  BilateralCortex out;
  auto mesh = std::make_shared<CorticalMesh>();
  mesh->hemisphere = Hemisphere::Left;
  mesh->rightVertexStart = static_cast<std::size_t>(nl);
  mesh->rightTriangleStart = static_cast<std::size_t>(tl);
  mesh->white.resize(3, nl + nr);
  mesh->pial.resize(3, nl + nr);
  mesh->sphere.resize(3, nl + nr);
  mesh->triangles.resize(3, tl + tr);
  mesh->white << left.white, right.white;
  mesh->pial << left.pial, right.pial;
  mesh->triangles << left.triangles, (right.triangles.array() + static_cast<int>(nl)).matrix();
  mesh->chartTriangles.assign(static_cast<std::size_t>(tl + tr), 0);
  auto& ret = out.retinotopy;
  ret.x.resize(nl + nr);
  ret.y.resize(nl + nr);
  ret.area.resize(nl + nr);
  ret.x << leftRetinotopy.x, rightRetinotopy.x;
  ret.y << leftRetinotopy.y, rightRetinotopy.y;
  ret.area << leftRetinotopy.area, rightRetinotopy.area;
  const double cosCap = std::cos(capDegrees * kDeg);
  auto place = [&](const CorticalMesh& h, const VertexRetinotopy& r, Eigen::Index offset,
                   Eigen::Index triangleOffset, const Eigen::Vector3d& pole, const char* name) {
    const Eigen::Matrix3Xd unit = h.sphere.colwise().normalized();
    Eigen::Vector3d centre = Eigen::Vector3d::Zero();
    for (Eigen::Index v = 0; v < unit.cols(); ++v)
      if (r.area(v) > 0) centre += unit.col(v);
    if (!(centre.norm() > 0))
      throw std::invalid_argument(std::string("both hemispheres: the ") + name +
                                  " hemisphere has no retinotopic vertex");
    centre.normalize();
    const Eigen::Matrix3d rotation =
        Eigen::Quaterniond::FromTwoVectors(centre, pole).toRotationMatrix();
    double widest = 0;
    for (Eigen::Index v = 0; v < unit.cols(); ++v)
      if (r.area(v) > 0)
        widest = std::max(widest, std::acos(std::clamp(unit.col(v).dot(centre), -1.0, 1.0)));
    if (widest / kDeg > capDegrees - 5)
      throw std::invalid_argument(
          std::string("both hemispheres: the ") + name + " hemisphere's retinotopic region spans " +
          std::to_string(widest / kDeg) + "° of its sphere around its centre (at most " +
          std::to_string(capDegrees - 5) + "° fit one chart)");
    mesh->sphere.middleCols(offset, unit.cols()) = rotation * h.sphere;
    for (Eigen::Index t = 0; t < h.triangles.cols(); ++t) {
      bool inside = true;
      for (int c = 0; c < 3; ++c)
        inside = inside && unit.col(h.triangles(c, t)).dot(centre) >= cosCap;
      mesh->chartTriangles[static_cast<std::size_t>(triangleOffset + t)] = inside ? 1 : 0;
    }
  };
  place(left, leftRetinotopy, 0, 0, -Eigen::Vector3d::UnitX(), "left");
  place(right, rightRetinotopy, nl, tl, Eigen::Vector3d::UnitX(), "right");
  mesh->validate("both hemispheres");
  out.mesh = std::move(mesh);
  return out;
}

struct SurfaceChart::Impl {
  std::shared_ptr<const CorticalMesh> mesh;
  VertexRetinotopy retinotopy;
  double depth = 0.5;
  Eigen::Matrix3Xd unit;                  // unit sphere directions per vertex
  std::vector<Eigen::Matrix3d> inverse;   // per triangle: [A B C]⁻¹ of unit vertices
  std::vector<std::vector<int>> buckets;  // kGrid³ cells → triangles
  double normalSign = 1.0;                // makes (B − A) × (C − A) outward

  static int cellOf(double c) {
    return std::clamp(static_cast<int>((c + 1.0) * 0.5 * kGrid), 0, kGrid - 1);
  }

  bool barycentric(int t, const Eigen::Vector3d& u, Eigen::Vector3d& lambda) const {
    const Eigen::Vector3d q = inverse[static_cast<std::size_t>(t)] * u;
    const double s = q.sum();
    if (!(s > 0)) return false;  // the ray points away from this triangle
    lambda = q / s;
    return lambda.minCoeff() >= -1e-10;
  }
};

SurfaceChart::SurfaceChart(std::shared_ptr<const CorticalMesh> mesh, VertexRetinotopy retinotopy,
                           double depth)
    : impl_(std::make_unique<Impl>()) {
  if (!mesh) throw std::invalid_argument("surface chart: no mesh");
  mesh->validate("surface chart");
  if (retinotopy.size() != mesh->vertexCount() ||
      static_cast<std::size_t>(retinotopy.y.size()) != mesh->vertexCount() ||
      static_cast<std::size_t>(retinotopy.area.size()) != mesh->vertexCount())
    throw std::invalid_argument("surface chart: the retinotopy has " +
                                std::to_string(retinotopy.size()) + " vertices, the mesh " +
                                std::to_string(mesh->vertexCount()));
  if (!(depth >= 0 && depth <= 1))
    throw std::invalid_argument("surface chart: depth must be in [0, 1] (0 white, 1 pial)");
  auto& d = *impl_;
  d.mesh = std::move(mesh);
  d.retinotopy = std::move(retinotopy);
  d.depth = depth;
  const auto& m = *d.mesh;
  d.unit = m.sphere.colwise().normalized();
  const auto triangles = static_cast<int>(m.triangleCount());
  d.inverse.resize(static_cast<std::size_t>(triangles));
  d.buckets.assign(static_cast<std::size_t>(kGrid * kGrid * kGrid), {});
  double orientation = 0;
  for (int t = 0; t < triangles; ++t) {
    if (!m.chartTriangles.empty() && !m.chartTriangles[static_cast<std::size_t>(t)]) {
      d.inverse[static_cast<std::size_t>(t)].setZero();  // never located: Σq = 0
      continue;
    }
    Eigen::Matrix3d corners;
    for (int c = 0; c < 3; ++c) corners.col(c) = d.unit.col(m.triangles(c, t));
    const double det = corners.determinant();
    orientation += det;
    d.inverse[static_cast<std::size_t>(t)] =
        std::abs(det) > 1e-300 ? Eigen::Matrix3d(corners.inverse()) : Eigen::Matrix3d::Zero();
    const Eigen::Vector3d lo = corners.rowwise().minCoeff().array() - 0.01;
    const Eigen::Vector3d hi = corners.rowwise().maxCoeff().array() + 0.01;
    for (int i = Impl::cellOf(lo.x()); i <= Impl::cellOf(hi.x()); ++i)
      for (int j = Impl::cellOf(lo.y()); j <= Impl::cellOf(hi.y()); ++j)
        for (int k = Impl::cellOf(lo.z()); k <= Impl::cellOf(hi.z()); ++k)
          d.buckets[static_cast<std::size_t>((i * kGrid + j) * kGrid + k)].push_back(t);
  }
  // det[A B C] > 0 ⇔ the triangle winds counter-clockwise seen from outside.
  d.normalSign = orientation >= 0 ? 1.0 : -1.0;
}

SurfaceChart::~SurfaceChart() = default;
SurfaceChart::SurfaceChart(SurfaceChart&&) noexcept = default;
SurfaceChart& SurfaceChart::operator=(SurfaceChart&&) noexcept = default;

const CorticalMesh& SurfaceChart::mesh() const {
  return *impl_->mesh;
}
const VertexRetinotopy& SurfaceChart::retinotopy() const {
  return impl_->retinotopy;
}
double SurfaceChart::depth() const {
  return impl_->depth;
}

SurfacePoint SurfaceChart::locate(const Eigen::Vector3d& direction) const {
  const auto& d = *impl_;
  SurfacePoint out;
  const double norm = direction.norm();
  if (!(norm > 0) || !std::isfinite(norm)) return out;
  const Eigen::Vector3d u = direction / norm;
  const auto& bucket = d.buckets[static_cast<std::size_t>(
      (Impl::cellOf(u.x()) * kGrid + Impl::cellOf(u.y())) * kGrid + Impl::cellOf(u.z()))];
  Eigen::Vector3d lambda;
  double best = -1e300;
  auto consider = [&](int t) {
    if (!d.barycentric(t, u, lambda)) return;
    const double inside = lambda.minCoeff();
    if (inside > best) {
      best = inside;
      out.triangle = t;
      out.barycentric = lambda;
    }
  };
  for (int t : bucket) consider(t);
  if (!out.valid())  // numerical gaps between bucket boxes: look everywhere
    for (int t = 0; t < static_cast<int>(d.inverse.size()); ++t) consider(t);
  if (out.valid())
    out.barycentric = out.barycentric.cwiseMax(0.0) / out.barycentric.cwiseMax(0.0).sum();
  return out;
}

ChartSample SurfaceChart::sample(const Eigen::Vector3d& direction) const {
  const auto& d = *impl_;
  const auto& m = *d.mesh;
  ChartSample s;
  s.point = locate(direction);
  s.fieldJacobian.setZero();
  s.positionJacobian.setZero();
  s.position.setZero();
  s.normal.setZero();
  if (!s.point.valid()) return s;
  const int t = s.point.triangle;
  const Eigen::Vector3d& lambda = s.point.barycentric;
  Eigen::Matrix3d position;
  Eigen::Matrix<double, 2, 3> field;
  int labelled = 0;
  int strongest = 0;
  for (int c = 0; c < 3; ++c) {
    const int v = m.triangles(c, t);
    position.col(c) = (1 - d.depth) * m.white.col(v) + d.depth * m.pial.col(v);
    field.col(c) << d.retinotopy.x(v), d.retinotopy.y(v);
    if (d.retinotopy.area(v) > 0) ++labelled;
    if (lambda(c) > lambda(strongest)) strongest = c;
  }
  s.area = d.retinotopy.area(m.triangles(strongest, t));
  s.retinotopic = labelled == 3;
  s.position = position * lambda;
  s.field = {field.row(0).dot(lambda), field.row(1).dot(lambda)};
  const Eigen::Vector3d a = m.pial.col(m.triangles(0, t)), b = m.pial.col(m.triangles(1, t)),
                        c = m.pial.col(m.triangles(2, t));
  s.normal = (d.normalSign * (b - a).cross(c - a)).normalized();
  // λ = q / Σq with q = M⁻¹u: ∂λ/∂u = (I − λ 1ᵀ) M⁻¹ / Σq.
  const Eigen::Matrix3d& inv = d.inverse[static_cast<std::size_t>(t)];
  const double sum = (inv * direction).sum();
  const Eigen::Matrix3d dLambda =
      (Eigen::Matrix3d::Identity() - lambda * Eigen::RowVector3d::Ones()) * inv / sum;
  s.fieldJacobian = field * dLambda;
  s.positionJacobian = position * dLambda;
  return s;
}

Eigen::Vector3d SurfaceChart::directionOf(const SurfacePoint& point) const {
  const auto& d = *impl_;
  Eigen::Vector3d u = Eigen::Vector3d::Zero();
  for (int c = 0; c < 3; ++c)
    u += point.barycentric(c) * d.unit.col(d.mesh->triangles(c, point.triangle));
  return u.normalized();
}

Eigen::Vector3d SurfaceChart::vertexDirection(int vertex) const {
  return impl_->unit.col(vertex);
}

Eigen::Vector3d SurfaceChart::positionAt(const SurfacePoint& point, double depth) const {
  const auto& m = *impl_->mesh;
  Eigen::Vector3d p = Eigen::Vector3d::Zero();
  for (int c = 0; c < 3; ++c) {
    const int v = m.triangles(c, point.triangle);
    p += point.barycentric(c) * ((1 - depth) * m.white.col(v) + depth * m.pial.col(v));
  }
  return p;
}

namespace {
bool inAreas(int area, std::span<const int> areas) {
  if (area <= 0) return false;
  return areas.empty() || std::find(areas.begin(), areas.end(), area) != areas.end();
}
}  // namespace

std::vector<int> SurfaceChart::regionVertices(std::span<const int> areas) const {
  std::vector<int> out;
  const auto& r = impl_->retinotopy;
  for (int v = 0; v < static_cast<int>(r.size()); ++v)
    if (inAreas(r.area(v), areas)) out.push_back(v);
  return out;
}

std::vector<int> SurfaceChart::regionTriangles(std::span<const int> areas) const {
  std::vector<int> out;
  const auto& m = *impl_->mesh;
  const auto& r = impl_->retinotopy;
  for (int t = 0; t < static_cast<int>(m.triangleCount()); ++t)
    if ((m.chartTriangles.empty() || m.chartTriangles[static_cast<std::size_t>(t)]) &&
        inAreas(r.area(m.triangles(0, t)), areas) && inAreas(r.area(m.triangles(1, t)), areas) &&
        inAreas(r.area(m.triangles(2, t)), areas))
      out.push_back(t);
  return out;
}

SurfacePoint SurfaceChart::pointForField(const VisualFieldPoint& field,
                                         std::span<const int> triangles) const {
  const auto& m = *impl_->mesh;
  const auto& r = impl_->retinotopy;
  SurfacePoint out;
  double best = -1e-9;
  for (int t : triangles) {
    Eigen::Vector2d p[3];
    for (int c = 0; c < 3; ++c) p[c] << r.x(m.triangles(c, t)), r.y(m.triangles(c, t));
    Eigen::Matrix2d e;
    e << p[1] - p[0], p[2] - p[0];
    const double det = e.determinant();
    if (std::abs(det) < 1e-14) continue;
    const Eigen::Vector2d bc = e.inverse() * (Eigen::Vector2d(field.x, field.y) - p[0]);
    const Eigen::Vector3d lambda(1 - bc.sum(), bc.x(), bc.y());
    if (lambda.minCoeff() > best) {
      best = lambda.minCoeff();
      out.triangle = t;
      out.barycentric = lambda;
    }
  }
  return out;
}

}  // namespace nl::analysis::prosthesis
