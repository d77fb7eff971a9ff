#include "widgets/pages/prosthesis/PlannerModel.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "analysis/prosthesis/Loaders.h"

namespace nl::widgets::prosthesis {

namespace {

std::span<const double> valuesOf(const std::shared_ptr<const io::ArrayDataset>& overlay,
                                 const char* what) {
  if (!overlay) throw std::invalid_argument(std::string("the planner needs a ") + what + " map");
  return overlay->values();
}

}  // namespace

// One side of a cortex's vertices [begin, end) as a hemisphere (its
// triangles renumbered) with its retinotopy in its own convention.
std::pair<std::shared_ptr<pr::CorticalMesh>, pr::VertexRetinotopy> sideOf(
    const pr::CorticalMesh& all, const PlannerCortex& cortex, std::size_t begin, std::size_t end,
    pr::Hemisphere hemisphere, double maxEccentricityDeg) {
  auto mesh = std::make_shared<pr::CorticalMesh>();
  mesh->hemisphere = hemisphere;
  const auto b = static_cast<Eigen::Index>(begin), n = static_cast<Eigen::Index>(end - begin);
  mesh->white = all.white.middleCols(b, n);
  mesh->pial = all.pial.middleCols(b, n);
  mesh->sphere = all.sphere.middleCols(b, n);
  std::vector<int> kept;
  for (Eigen::Index t = 0; t < all.triangles.cols(); ++t)
    if (all.triangles(0, t) >= b && all.triangles(0, t) < b + n)
      kept.push_back(static_cast<int>(t));
  mesh->triangles.resize(3, static_cast<Eigen::Index>(kept.size()));
  for (std::size_t i = 0; i < kept.size(); ++i)
    mesh->triangles.col(static_cast<Eigen::Index>(i)) =
        all.triangles.col(kept[i]).array() - static_cast<int>(b);
  auto slice = [&](const std::shared_ptr<const io::ArrayDataset>& overlay, const char* what) {
    const auto values = valuesOf(overlay, what);
    if (values.size() < end)
      throw std::invalid_argument(std::string("the ") + what + " map has " +
                                  std::to_string(values.size()) + " values for " +
                                  std::to_string(end) + " vertices");
    return values.subspan(begin, end - begin);
  };
  auto retinotopy = pr::retinotopyFromOverlays(
      slice(cortex.angle, "polar angle"), slice(cortex.eccentricity, "eccentricity"),
      slice(cortex.area, "visual area"), mesh->vertexCount(), hemisphere,
      pr::AngleConvention::BensonUnsigned, maxEccentricityDeg, cortex.angle->name());
  return {std::move(mesh), std::move(retinotopy)};
}

ChartPerceptAdapter::ChartPerceptAdapter(const PlannerCortex& cortex, double fieldHalfExtentDeg,
                                         double stepDeg, double maxEccentricityDeg) {
  if (!cortex.white || !cortex.pial || !cortex.sphere)
    throw std::invalid_argument(
        "the planner needs the white, pial and sphere surfaces of the hemisphere");
  auto mesh = pr::makeCorticalMesh(*cortex.white, *cortex.pial, *cortex.sphere, cortex.hemisphere);
  if (cortex.bilateral()) {
    // Each side with its own visual-field convention, then one chart over
    // both (the left's triangles come first, so triangle numbers are kept).
    const std::size_t start = cortex.rightVertexStart, n = mesh->vertexCount();
    auto [left, leftRetinotopy] =
        sideOf(*mesh, cortex, 0, start, pr::Hemisphere::Left, maxEccentricityDeg);
    auto [right, rightRetinotopy] =
        sideOf(*mesh, cortex, start, n, pr::Hemisphere::Right, maxEccentricityDeg);
    if (left->triangleCount() + right->triangleCount() != mesh->triangleCount())
      throw std::invalid_argument("both hemispheres: a triangle joins the two hemispheres");
    auto joined = pr::joinHemispheres(*left, leftRetinotopy, *right, rightRetinotopy);
    if (joined.mesh->triangles != mesh->triangles)
      throw std::invalid_argument(
          "both hemispheres: the left hemisphere's triangles must come first");
    chart_ = std::make_shared<const pr::SurfaceChart>(std::move(joined.mesh),
                                                      std::move(joined.retinotopy), 0.5);
  } else {
    auto retinotopy = pr::retinotopyFromOverlays(
        valuesOf(cortex.angle, "polar angle"), valuesOf(cortex.eccentricity, "eccentricity"),
        valuesOf(cortex.area, "visual area"), mesh->vertexCount(), cortex.hemisphere,
        pr::AngleConvention::BensonUnsigned, maxEccentricityDeg, cortex.angle->name());
    chart_ = std::make_shared<const pr::SurfaceChart>(std::move(mesh), std::move(retinotopy), 0.5);
  }
  // pulse2percept's magnification and f = 1 (its and dynaphos' paper's size).
  pr::PhospheneModel model;
  model.magnification = pr::AnalyticMap(pr::MapParameters::pulse2percept());
  model.sizeFactor = 1.0;
  objective_ = std::make_shared<const pr::PerceptObjective>(
      pr::VisualFieldGrid::square(fieldHalfExtentDeg, stepDeg), model, pr::BrightnessCurve(),
      pr::ObjectiveOptions{});
  if (cortex.vessels) {
    // As prosthesis.plan does: the distance field in a box around the
    // retinotopic region at the chart's depth, padded by 20 mm.
    const auto& m = chart_->mesh();
    const auto region = chart_->regionVertices({});
    Eigen::Matrix3Xd middle(3, static_cast<Eigen::Index>(region.size()));
    for (std::size_t i = 0; i < region.size(); ++i)
      middle.col(static_cast<Eigen::Index>(i)) =
          0.5 * (m.white.col(region[i]) + m.pial.col(region[i]));
    const Eigen::Matrix4d toWorld =
        cortex.vesselsInMni152 ? pr::mni305ToMni152() : Eigen::Matrix4d::Identity();
    vessels_ = std::make_shared<const pr::VesselDistanceField>(
        pr::vesselFieldAround(*cortex.vessels, cortex.vesselThreshold, toWorld, middle, 20.0));
    // The vessels near the pial surface around the region: every pial
    // vertex within the field's box (the region's ± 20 mm).
    const Eigen::Vector3d lo = middle.rowwise().minCoeff().array() - 20.0,
                          hi = middle.rowwise().maxCoeff().array() + 20.0;
    std::vector<int> around;
    for (Eigen::Index v = 0; v < m.pial.cols(); ++v)
      if ((m.pial.col(v).array() >= lo.array()).all() &&
          (m.pial.col(v).array() <= hi.array()).all())
        around.push_back(static_cast<int>(v));
    Eigen::Matrix3Xd aroundPial(3, static_cast<Eigen::Index>(around.size()));
    for (std::size_t i = 0; i < around.size(); ++i)
      aroundPial.col(static_cast<Eigen::Index>(i)) = m.pial.col(around[i]);
    nearCortex_ = pr::vesselVoxelsNear(*cortex.vessels, cortex.vesselThreshold, toWorld, aroundPial,
                                       kVesselDrawDistanceMm);
    for (int& nearest : nearCortex_.nearest) nearest = around[static_cast<std::size_t>(nearest)];
  }
}

SiteField ChartPerceptAdapter::field(const PlanSite& site) const {
  SiteField f;
  if (!site.point.valid()) return f;
  f.sample = chart_->sample(chart_->directionOf(site.point));
  const auto& g = grid();
  f.active = f.sample.point.valid() && f.sample.retinotopic && f.sample.field.x >= g.xMin &&
             f.sample.field.x <= g.xMax && f.sample.field.y >= g.yMin && f.sample.field.y <= g.yMax;
  if (vessels_ && f.sample.point.valid())
    f.vesselDistanceMm = vessels_->distance(f.sample.position);
  return f;
}

PerceptFrame ChartPerceptAdapter::render(std::span<const SiteField> fields,
                                         const pr::Image& target) const {
  PerceptFrame frame;
  frame.target = target;
  Eigen::Matrix2Xd centers(2, static_cast<Eigen::Index>(fields.size()));
  std::vector<std::uint8_t> active(fields.size());
  std::vector<pr::Phosphene> map;
  const auto& objective = *objective_;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const auto& s = fields[i].sample;
    centers.col(static_cast<Eigen::Index>(i)) << s.field.x, s.field.y;
    active[i] = fields[i].active ? 1 : 0;
    if (!fields[i].active) continue;
    // The phosphene map: every electrode at the reference amplitude, full brightness.
    pr::Phosphene p;
    p.center = s.field;
    p.sigma = pr::phospheneSigma(objective.model(), objective.options().referenceAmplitude,
                                 pr::eccentricityOf(s.field));
    p.brightness = 1.0;
    map.push_back(p);
  }
  frame.phosphenes = pr::renderPercept(map, grid(), objective.model().windowSigmas).cwiseMin(1.0);
  frame.percept = objective.percept(centers, target, &frame.amplitudes, active);
  return frame;
}

pr::SurfacePoint pointAtVertex(const io::SurfaceMeshDataset& mesh, int vertex) {
  const auto& t = mesh.triangles();
  for (std::size_t i = 0; i < mesh.triangleCount(); ++i)
    for (int c = 0; c < 3; ++c)
      if (t[3 * i + static_cast<std::size_t>(c)] == vertex) {
        pr::SurfacePoint p;
        p.triangle = static_cast<int>(i);
        p.barycentric = Eigen::Vector3d::Zero();
        p.barycentric(c) = 1.0;
        return p;
      }
  throw std::invalid_argument("vertex " + std::to_string(vertex) + " is on no triangle of " +
                              mesh.name());
}

int nearestVertex(const io::SurfaceMeshDataset& mesh, const pr::SurfacePoint& point) {
  if (!point.valid()) return -1;
  Eigen::Index strongest = 0;
  point.barycentric.maxCoeff(&strongest);
  return mesh.triangles()[3 * static_cast<std::size_t>(point.triangle) +
                          static_cast<std::size_t>(strongest)];
}

std::array<double, 3> positionOn(const io::SurfaceMeshDataset& mesh,
                                 const pr::SurfacePoint& point) {
  std::array<double, 3> p{0, 0, 0};
  if (!point.valid()) return p;
  const auto& v = mesh.vertices();
  for (int c = 0; c < 3; ++c) {
    const auto vertex =
        static_cast<std::size_t>(mesh.triangles()[3 * static_cast<std::size_t>(point.triangle) +
                                                  static_cast<std::size_t>(c)]);
    for (int k = 0; k < 3; ++k) p[k] += point.barycentric(c) * v[3 * vertex + k];
  }
  return p;
}

std::vector<PlanSite> sitesFromTable(const io::TableDataset& table,
                                     const io::SurfaceMeshDataset& mesh,
                                     std::size_t rightVertexStart, std::size_t rightTriangleStart) {
  const std::string what = "plan table '" + table.name() + "'";
  const auto* vertex = table.numericColumn("vertex");
  const auto* triangle = table.numericColumn("triangle");
  const auto* b0 = table.numericColumn("bary0");
  const auto* b1 = table.numericColumn("bary1");
  const auto* b2 = table.numericColumn("bary2");
  const auto* thread = table.numericColumn("thread");
  const auto* side = table.column("hemisphere");
  const bool bilateral = rightVertexStart < mesh.vertexCount();
  const bool exact = triangle && b0 && b1 && b2;
  if (!exact && !vertex)
    throw std::invalid_argument(what +
                                " has neither a numeric 'vertex' column nor 'triangle' with "
                                "'bary0', 'bary1', 'bary2'");
  std::vector<PlanSite> sites;
  for (std::size_t row = 0; row < table.rowCount(); ++row) {
    PlanSite site;
    if (thread && std::isfinite((*thread)[row])) site.thread = static_cast<int>((*thread)[row]);
    const auto bad = [&](const std::string& problem) {
      return std::invalid_argument(what + ", row " + std::to_string(row) + ": " + problem);
    };
    // Both hemispheres: the row's side, and the offsets of its numbering.
    std::size_t vertexOffset = 0, triangleOffset = 0;
    std::string sideName;
    if (bilateral) {
      if (!side) throw bad("a plan over both hemispheres needs its 'hemisphere' column");
      sideName = side->cellText(row);
      if (sideName != "left" && sideName != "right")
        throw bad("hemisphere '" + sideName + "' is neither left nor right");
      if (sideName == "right") vertexOffset = rightVertexStart, triangleOffset = rightTriangleStart;
    }
    if (exact && std::isfinite((*triangle)[row])) {  // a row without a site: its vertex
      double t = (*triangle)[row];
      if (bilateral) {
        const std::size_t count =
            sideName == "left" ? rightTriangleStart : mesh.triangleCount() - rightTriangleStart;
        if (!(t >= 0 && t < static_cast<double>(count)))
          throw bad("triangle " + std::to_string(t) + " is not one of the " +
                    std::to_string(count) + " triangles of the " + sideName + " hemisphere");
        t += static_cast<double>(triangleOffset);
      }
      if (!(t >= 0 && t < static_cast<double>(mesh.triangleCount())))
        throw bad("triangle " + std::to_string(t) + " is not one of the " +
                  std::to_string(mesh.triangleCount()) + " triangles of " + mesh.name());
      site.point.triangle = static_cast<int>(t);
      site.point.barycentric << (*b0)[row], (*b1)[row], (*b2)[row];
      const double sum = site.point.barycentric.sum();
      if (!std::isfinite(sum) || sum <= 0 || site.point.barycentric.minCoeff() < -1e-6)
        throw bad("barycentric weights are not a point of the triangle");
      site.point.barycentric /= sum;
    } else {
      if (!vertex) throw bad("no triangle and no 'vertex' column");
      double v = (*vertex)[row];
      if (bilateral) {
        const std::size_t count =
            sideName == "left" ? rightVertexStart : mesh.vertexCount() - rightVertexStart;
        if (!(v >= 0 && v < static_cast<double>(count)))
          throw bad("vertex " + std::to_string(v) + " is not one of the " + std::to_string(count) +
                    " vertices of the " + sideName + " hemisphere");
        v += static_cast<double>(vertexOffset);
      }
      if (!(v >= 0 && v < static_cast<double>(mesh.vertexCount())))
        throw bad("vertex " + std::to_string(v) + " is not one of the " +
                  std::to_string(mesh.vertexCount()) + " vertices of " + mesh.name());
      site.point = pointAtVertex(mesh, static_cast<int>(v));
    }
    sites.push_back(site);
  }
  return sites;
}

std::vector<PlanRow> planRows(const PlannerCortex& cortex, const io::SurfaceMeshDataset& mesh,
                              std::span<const PlanSite> sites, std::span<const SiteField> fields,
                              std::span<const double> amplitudes) {
  const Eigen::Matrix4d toMni152 = pr::mni305ToMni152();
  std::vector<PlanRow> rows;
  for (std::size_t i = 0; i < sites.size(); ++i) {
    PlanRow r;
    r.index = static_cast<int>(i);
    r.thread = sites[i].thread;
    r.triangle = sites[i].point.triangle;
    r.vertex = nearestVertex(mesh, sites[i].point);
    r.hemisphere = pr::hemisphereName(cortex.hemisphere);
    if (cortex.bilateral() && r.vertex >= 0) {
      const bool right = static_cast<std::size_t>(r.vertex) >= cortex.rightVertexStart;
      r.hemisphere = right ? "right" : "left";
      if (right) r.vertex -= static_cast<int>(cortex.rightVertexStart);
      if (right && r.triangle >= 0) r.triangle -= static_cast<int>(cortex.rightTriangleStart);
    }
    for (int c = 0; c < 3; ++c) r.barycentric[c] = sites[i].point.barycentric(c);
    if (i < fields.size()) {
      const auto& s = fields[i].sample;
      r.retinotopic = s.retinotopic;
      r.area = s.area;
      const Eigen::Vector4d ras(s.position.x(), s.position.y(), s.position.z(), 1.0);
      const Eigen::Vector4d mni = toMni152 * ras;
      for (int k = 0; k < 3; ++k) r.surfaceRas[k] = ras(k), r.mni152[k] = mni(k);
      r.fieldX = s.field.x;
      r.fieldY = s.field.y;
      r.eccentricity = pr::eccentricityOf(s.field);
      r.polarAngle = pr::polarAngleOf(s.field);
    }
    if (i < amplitudes.size()) r.amplitudeMicroamps = amplitudes[i] * 1e6;
    rows.push_back(r);
  }
  return rows;
}

std::string planCsv(std::span<const PlanRow> rows) {
  std::ostringstream out;
  out << std::setprecision(9);
  out << "index,thread,vertex,triangle,bary0,bary1,bary2,ras_x_mm,ras_y_mm,ras_z_mm,"
         "mni152_x_mm,mni152_y_mm,mni152_z_mm,field_x_deg,field_y_deg,eccentricity_deg,"
         "polar_angle_deg,visual_area,retinotopic,amplitude_uA,hemisphere\n";
  for (const auto& r : rows) {
    out << r.index << ',' << r.thread << ',' << r.vertex << ',' << r.triangle;
    for (double b : r.barycentric) out << ',' << b;
    for (double x : r.surfaceRas) out << ',' << x;
    for (double x : r.mni152) out << ',' << x;
    out << ',' << r.fieldX << ',' << r.fieldY << ',' << r.eccentricity << ',' << r.polarAngle << ','
        << r.area << ',' << (r.retinotopic ? 1 : 0) << ',' << r.amplitudeMicroamps << ','
        << r.hemisphere << '\n';
  }
  return out.str();
}

std::string planJson(std::span<const PlanRow> rows, const std::string& hemisphere,
                     const std::string& image) {
  nlohmann::json electrodes = nlohmann::json::array();
  for (const auto& r : rows)
    electrodes.push_back({{"index", r.index},
                          {"thread", r.thread},
                          {"hemisphere", r.hemisphere},
                          {"vertex", r.vertex},
                          {"triangle", r.triangle},
                          {"barycentric", r.barycentric},
                          {"surface_ras_mm", r.surfaceRas},
                          {"mni152_mm", r.mni152},
                          {"visual_field_deg", {{"x", r.fieldX}, {"y", r.fieldY}}},
                          {"eccentricity_deg", r.eccentricity},
                          {"polar_angle_deg", r.polarAngle},
                          {"visual_area", r.area},
                          {"retinotopic", r.retinotopic},
                          {"amplitude_uA", r.amplitudeMicroamps}});
  return nlohmann::json{{"hemisphere", hemisphere},
                        {"image", image},
                        {"surface_ras", "fsaverage surface RAS (MNI305), mid-thickness"},
                        {"electrodes", electrodes}}
      .dump(2);
}

namespace {

std::shared_ptr<const io::SurfaceMeshDataset> joinMeshes(const io::SurfaceMeshDataset& left,
                                                         const io::SurfaceMeshDataset& right,
                                                         const std::string& role, float gapMm) {
  std::vector<float> vertices = left.vertices();
  vertices.insert(vertices.end(), right.vertices().begin(), right.vertices().end());
  if (gapMm > 0) {
    // Apart along x: the left's largest x and the right's smallest x gapMm apart.
    float leftMax = -1e30f, rightMin = 1e30f;
    for (std::size_t i = 0; i < left.vertexCount(); ++i)
      leftMax = std::max(leftMax, left.vertices()[3 * i]);
    for (std::size_t i = 0; i < right.vertexCount(); ++i)
      rightMin = std::min(rightMin, right.vertices()[3 * i]);
    const float shift = 0.5f * (gapMm - (rightMin - leftMax));
    for (std::size_t i = 0; i < left.vertexCount(); ++i) vertices[3 * i] -= shift;
    for (std::size_t i = left.vertexCount(); i < left.vertexCount() + right.vertexCount(); ++i)
      vertices[3 * i] += shift;
  }
  std::vector<std::int32_t> triangles = left.triangles();
  const auto offset = static_cast<std::int32_t>(left.vertexCount());
  for (const auto t : right.triangles()) triangles.push_back(t + offset);
  return std::make_shared<io::SurfaceMeshDataset>(role + " (both hemispheres)", std::move(vertices),
                                                  std::move(triangles));
}

std::shared_ptr<const io::ArrayDataset> joinOverlays(
    const std::shared_ptr<const io::ArrayDataset>& left,
    const std::shared_ptr<const io::ArrayDataset>& right, std::size_t leftCount,
    std::size_t rightCount, const char* what) {
  if (!left || !right)
    throw std::invalid_argument(std::string("both hemispheres: no ") + what + " map of the " +
                                (left ? "right" : "left") + " hemisphere");
  const auto& l = left->values();
  const auto& r = right->values();
  if (l.size() < leftCount || r.size() < rightCount)
    throw std::invalid_argument(std::string("both hemispheres: the ") + what +
                                " maps are shorter than their surfaces");
  std::vector<double> values(l.begin(), l.begin() + static_cast<std::ptrdiff_t>(leftCount));
  values.insert(values.end(), r.begin(), r.begin() + static_cast<std::ptrdiff_t>(rightCount));
  return std::make_shared<io::ArrayDataset>(
      io::DatasetKind::SurfaceOverlay, std::string(what) + " (both hemispheres)",
      std::vector<std::size_t>{leftCount + rightCount}, std::move(values));
}

}  // namespace

PlannerCortex joinCortices(const PlannerCortex& left, const PlannerCortex& right) {
  if (!left.white || !left.pial || !left.sphere || !right.white || !right.pial || !right.sphere)
    throw std::invalid_argument("both hemispheres: each needs its white, pial and sphere surfaces");
  PlannerCortex both;
  both.hemisphere = pr::Hemisphere::Left;
  both.white = joinMeshes(*left.white, *right.white, "white", 0);
  both.pial = joinMeshes(*left.pial, *right.pial, "pial", 0);
  both.sphere = joinMeshes(*left.sphere, *right.sphere, "sphere", 0);
  both.rightVertexStart = left.pial->vertexCount();
  both.rightTriangleStart = left.pial->triangleCount();
  for (const auto& [role, mesh] : left.shown)
    for (const auto& [otherRole, other] : right.shown)
      if (role == otherRole && role != "flat")
        both.shown.emplace_back(role, role == "pial"    ? both.pial
                                      : role == "white" ? both.white
                                                        : joinMeshes(*mesh, *other, role, 12.0f));
  const std::size_t nl = left.pial->vertexCount(), nr = right.pial->vertexCount();
  both.angle = joinOverlays(left.angle, right.angle, nl, nr, "polar angle");
  both.eccentricity = joinOverlays(left.eccentricity, right.eccentricity, nl, nr, "eccentricity");
  both.area = joinOverlays(left.area, right.area, nl, nr, "visual area");
  const PlannerCortex& withVessels = left.vessels ? left : right;
  both.vessels = withVessels.vessels;
  both.vesselThreshold = withVessels.vesselThreshold;
  both.vesselsInMni152 = withVessels.vesselsInMni152;
  both.vesselConstraint = withVessels.vesselConstraint;
  return both;
}

}  // namespace nl::widgets::prosthesis
