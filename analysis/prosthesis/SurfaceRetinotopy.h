#pragma once
// Retinotopy on a cortical surface: per-vertex visual-field positions from an
// overlay (Benson 2014 template, a subject's pRF maps) or an analytic map,
// and a chart of the hemisphere through its sphere, in which electrodes move.
//
// An electrode on the surface is a direction u on the registered sphere; the
// triangle hit by the ray through u (central projection) and the barycentric
// weights λ there locate it on every surface of the hemisphere (white, pial,
// sphere share triangles). Its 3-D position is Σλ·((1 − depth)·white + depth·pial)
// and its visual-field position Σλ·(x, y) of the vertices: interpolating the
// Cartesian field position, not angle and eccentricity, keeps the polar angle
// from wrapping. Both are linear in λ inside a triangle, so their Jacobians
// with respect to u are exact there (piecewise smooth across edges).
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "analysis/prosthesis/Retinotopy.h"

namespace nl::analysis::prosthesis {

// One hemisphere: three surfaces with the same vertices and triangles.
struct CorticalMesh {
  Hemisphere hemisphere = Hemisphere::Left;
  Eigen::Matrix3Xd white;   // mm, surface RAS (fsaverage: MNI305)
  Eigen::Matrix3Xd pial;    // mm
  Eigen::Matrix3Xd sphere;  // any radius; centred on the origin
  Eigen::Matrix3Xi triangles;
  // Both hemispheres in one mesh (joinHemispheres): vertices from
  // `rightVertexStart` on are the right hemisphere's (for a single
  // hemisphere: vertexCount() when `hemisphere` is left, 0 when right).
  // `chartTriangles` (empty: all) marks with 1 the triangles a SurfaceChart
  // may locate a direction on.
  std::size_t rightVertexStart = std::numeric_limits<std::size_t>::max();
  std::size_t rightTriangleStart = std::numeric_limits<std::size_t>::max();
  std::vector<std::uint8_t> chartTriangles;
  bool bilateral() const { return rightVertexStart < vertexCount(); }
  Hemisphere hemisphereOf(std::size_t vertex) const {
    if (!bilateral()) return hemisphere;
    return vertex >= rightVertexStart ? Hemisphere::Right : Hemisphere::Left;
  }
  // A vertex's index in its own hemisphere's mesh.
  std::size_t vertexInHemisphere(std::size_t vertex) const {
    return bilateral() && vertex >= rightVertexStart ? vertex - rightVertexStart : vertex;
  }
  std::size_t triangleInHemisphere(std::size_t triangle) const {
    return bilateral() && triangle >= rightTriangleStart ? triangle - rightTriangleStart : triangle;
  }
  std::size_t vertexCount() const { return static_cast<std::size_t>(white.cols()); }
  std::size_t triangleCount() const { return static_cast<std::size_t>(triangles.cols()); }
  // Throws std::invalid_argument naming `what` when sizes disagree, an index is
  // out of range or a coordinate is not finite.
  void validate(const std::string& what) const;
};
// From float xyz triples and int32 index triples (the SurfaceMeshDataset layout).
Eigen::Matrix3Xd verticesFromFloats(std::span<const float> xyz);
Eigen::Matrix3Xi trianglesFromInts(std::span<const std::int32_t> indices);

// Per-vertex retinotopy. area 0 = not retinotopic (the vertex is never used).
struct VertexRetinotopy {
  Eigen::VectorXd x;  // visual field, degrees
  Eigen::VectorXd y;
  Eigen::VectorXi area;  // 1 V1, 2 V2, 3 V3, others as the overlay labels them
  std::size_t size() const { return static_cast<std::size_t>(x.size()); }
};

// How an overlay writes its polar angle.
enum class AngleConvention {
  // Benson 2014 / neuropythy: 0–180°, 0 upper vertical meridian, 90 horizontal,
  // unsigned; the hemisphere says which hemifield (left hemisphere → right field).
  BensonUnsigned,
  // Signed as VisualFieldPoint (−180…180, + right): used as is.
  SignedClockwiseFromUpper,
};
// From per-vertex polar angle (deg), eccentricity (deg) and visual area. The
// vectors may be longer than `vertexCount` (a larger fsaverage template on a
// smaller fsaverage mesh: the first vertices are the same); shorter, or a
// non-finite value in a labelled vertex, throws std::invalid_argument naming
// `what`. Vertices with eccentricity > maxEccentricity get area 0.
VertexRetinotopy retinotopyFromOverlays(std::span<const double> angle,
                                        std::span<const double> eccentricity,
                                        std::span<const double> area, std::size_t vertexCount,
                                        Hemisphere hemisphere, AngleConvention convention,
                                        double maxEccentricity, const std::string& what);

// Both hemispheres as one mesh and one retinotopy, for plans over both: the
// left's vertices, then the right's (triangles renumbered). Electrodes move
// on one chart, so each hemisphere's sphere is rotated (an isometry: steps
// keep their length) to put the centre of its retinotopic region (labelled
// vertices) at −x (left) or +x (right); only triangles within
// `capDegrees` of that centre are located on (chartTriangles), so the two
// hemispheres' charts are disjoint. Throws std::invalid_argument when a
// hemisphere's region is not within capDegrees − 5° of its centre, or
// capDegrees is not in (0, 88].
struct BilateralCortex {
  std::shared_ptr<CorticalMesh> mesh;
  VertexRetinotopy retinotopy;
};
BilateralCortex joinHemispheres(const CorticalMesh& left, const VertexRetinotopy& leftRetinotopy,
                                const CorticalMesh& right, const VertexRetinotopy& rightRetinotopy,
                                double capDegrees = 85.0);

// For cortex without a template: each vertex's flat-map position (mm, e.g. a
// FreeSurfer flat patch centred on the foveal confluence) through an analytic
// map, V1 only. Points the map sends outside the hemifield get area 0.
VertexRetinotopy retinotopyFromFlatMap(const Eigen::Matrix2Xd& flat, const AnalyticMap& map,
                                       Hemisphere hemisphere, double maxEccentricity);

struct SurfacePoint {
  int triangle = -1;  // −1: not on the surface
  Eigen::Vector3d barycentric = Eigen::Vector3d::Zero();
  bool valid() const { return triangle >= 0; }
};

// Everything an electrode at sphere direction u needs, with derivatives.
struct ChartSample {
  SurfacePoint point;
  int area = 0;                               // the area of the vertex with the largest weight
  bool retinotopic = false;                   // all three vertices labelled
  Eigen::Vector3d position;                   // mm, at the chart's depth between white and pial
  Eigen::Vector3d normal;                     // unit outward normal of the pial triangle
  VisualFieldPoint field;                     // degrees
  Eigen::Matrix<double, 2, 3> fieldJacobian;  // ∂(x, y)/∂u
  Eigen::Matrix3d positionJacobian;           // ∂position/∂u
};

// The hemisphere's sphere as a chart: locates directions on triangles
// (a uniform bucket grid over the sphere's bounding cube), gives positions,
// retinotopy and their Jacobians, and the inverse (visual field → surface)
// for coverage baselines.
class SurfaceChart {
 public:
  // depth: 0 at white, 1 at pial (0.5: mid-thickness). Throws on a bad mesh or
  // a retinotopy of another size.
  SurfaceChart(std::shared_ptr<const CorticalMesh> mesh, VertexRetinotopy retinotopy,
               double depth = 0.5);
  ~SurfaceChart();
  SurfaceChart(SurfaceChart&&) noexcept;
  SurfaceChart& operator=(SurfaceChart&&) noexcept;

  const CorticalMesh& mesh() const;
  const VertexRetinotopy& retinotopy() const;
  double depth() const;

  SurfacePoint locate(const Eigen::Vector3d& direction) const;
  ChartSample sample(const Eigen::Vector3d& direction) const;
  // The sphere direction (unit) of a surface point, and of a vertex.
  Eigen::Vector3d directionOf(const SurfacePoint& point) const;
  Eigen::Vector3d vertexDirection(int vertex) const;
  // Positions on the white / pial surface, and at a depth, of a surface point.
  Eigen::Vector3d positionAt(const SurfacePoint& point, double depth) const;

  // Vertices whose area is in `areas` (empty: any labelled area) — the region
  // electrodes may use. Triangles with all three vertices in the region.
  std::vector<int> regionVertices(std::span<const int> areas) const;
  std::vector<int> regionTriangles(std::span<const int> areas) const;

  // The surface point whose interpolated visual-field position is `field`,
  // searched over `triangles` (each triangle's field image, barycentric there);
  // invalid when no triangle's image contains it.
  SurfacePoint pointForField(const VisualFieldPoint& field, std::span<const int> triangles) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nl::analysis::prosthesis
