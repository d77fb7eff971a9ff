#include "widgets/pages/prosthesis/PlannerModel.h"

#include <cmath>
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

ChartPerceptAdapter::ChartPerceptAdapter(const PlannerCortex& cortex, double fieldHalfExtentDeg,
                                         double stepDeg, double maxEccentricityDeg) {
  if (!cortex.white || !cortex.pial || !cortex.sphere)
    throw std::invalid_argument(
        "the planner needs the white, pial and sphere surfaces of the hemisphere");
  auto mesh = pr::makeCorticalMesh(*cortex.white, *cortex.pial, *cortex.sphere, cortex.hemisphere);
  auto retinotopy = pr::retinotopyFromOverlays(
      valuesOf(cortex.angle, "polar angle"), valuesOf(cortex.eccentricity, "eccentricity"),
      valuesOf(cortex.area, "visual area"), mesh->vertexCount(), cortex.hemisphere,
      pr::AngleConvention::BensonUnsigned, maxEccentricityDeg, cortex.angle->name());
  chart_ = std::make_shared<const pr::SurfaceChart>(std::move(mesh), std::move(retinotopy), 0.5);
  // pulse2percept's magnification and f = 1 (its and dynaphos' paper's size).
  pr::PhospheneModel model;
  model.magnification = pr::AnalyticMap(pr::MapParameters::pulse2percept());
  model.sizeFactor = 1.0;
  objective_ = std::make_shared<const pr::PerceptObjective>(
      pr::VisualFieldGrid::square(fieldHalfExtentDeg, stepDeg), model, pr::BrightnessCurve(),
      pr::ObjectiveOptions{});
}

SiteField ChartPerceptAdapter::field(const PlanSite& site) const {
  SiteField f;
  if (!site.point.valid()) return f;
  f.sample = chart_->sample(chart_->directionOf(site.point));
  const auto& g = grid();
  f.active = f.sample.point.valid() && f.sample.retinotopic && f.sample.field.x >= g.xMin &&
             f.sample.field.x <= g.xMax && f.sample.field.y >= g.yMin && f.sample.field.y <= g.yMax;
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
                                     const io::SurfaceMeshDataset& mesh) {
  const std::string what = "plan table '" + table.name() + "'";
  const auto* vertex = table.numericColumn("vertex");
  const auto* triangle = table.numericColumn("triangle");
  const auto* b0 = table.numericColumn("bary0");
  const auto* b1 = table.numericColumn("bary1");
  const auto* b2 = table.numericColumn("bary2");
  const auto* thread = table.numericColumn("thread");
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
    if (exact) {
      const double t = (*triangle)[row];
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
      const double v = (*vertex)[row];
      if (!(v >= 0 && v < static_cast<double>(mesh.vertexCount())))
        throw bad("vertex " + std::to_string(v) + " is not one of the " +
                  std::to_string(mesh.vertexCount()) + " vertices of " + mesh.name());
      site.point = pointAtVertex(mesh, static_cast<int>(v));
    }
    sites.push_back(site);
  }
  return sites;
}

std::vector<PlanRow> planRows(const io::SurfaceMeshDataset& mesh, std::span<const PlanSite> sites,
                              std::span<const SiteField> fields,
                              std::span<const double> amplitudes) {
  const Eigen::Matrix4d toMni152 = pr::mni305ToMni152();
  std::vector<PlanRow> rows;
  for (std::size_t i = 0; i < sites.size(); ++i) {
    PlanRow r;
    r.index = static_cast<int>(i);
    r.thread = sites[i].thread;
    r.triangle = sites[i].point.triangle;
    r.vertex = nearestVertex(mesh, sites[i].point);
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
         "polar_angle_deg,visual_area,retinotopic,amplitude_uA\n";
  for (const auto& r : rows) {
    out << r.index << ',' << r.thread << ',' << r.vertex << ',' << r.triangle;
    for (double b : r.barycentric) out << ',' << b;
    for (double x : r.surfaceRas) out << ',' << x;
    for (double x : r.mni152) out << ',' << x;
    out << ',' << r.fieldX << ',' << r.fieldY << ',' << r.eccentricity << ',' << r.polarAngle << ','
        << r.area << ',' << (r.retinotopic ? 1 : 0) << ',' << r.amplitudeMicroamps << '\n';
  }
  return out.str();
}

std::string planJson(std::span<const PlanRow> rows, const std::string& hemisphere,
                     const std::string& image) {
  nlohmann::json electrodes = nlohmann::json::array();
  for (const auto& r : rows)
    electrodes.push_back({{"index", r.index},
                          {"thread", r.thread},
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

}  // namespace nl::widgets::prosthesis
