#include "analysis/prosthesis/Planner.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

#include <Eigen/Dense>

namespace nl::analysis::prosthesis {

OptimizerMethod parseOptimizerMethod(const std::string& name) {
  if (name == "adam") return OptimizerMethod::Adam;
  if (name == "lbfgs" || name == "l-bfgs") return OptimizerMethod::Lbfgs;
  throw std::invalid_argument("unknown optimizer '" + name + "' (use adam or lbfgs)");
}

namespace {

struct SplitMix {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

void requireProblem(const PlanProblem& problem) {
  if (!problem.chart) throw std::invalid_argument("plan: no surface chart");
  if (!problem.objective) throw std::invalid_argument("plan: no percept objective");
  if (problem.electrodes < 0 || problem.threads < 0)
    throw std::invalid_argument("plan: electrode and thread counts must be ≥ 0");
  if (problem.electrodes + problem.threads == 0)
    throw std::invalid_argument("plan: nothing to place (0 electrodes and 0 threads)");
  if (problem.threads > 0 && !problem.ribbon)
    throw std::invalid_argument("plan: threads need the gray-matter ribbon (white and pial)");
  if (problem.threads > 0 && (problem.thread.electrodes < 1 || !(problem.thread.spacingMm > 0)))
    throw std::invalid_argument("plan: a thread needs ≥ 1 electrode at a spacing > 0 mm");
  if (problem.chart->regionTriangles(problem.areas).empty())
    throw std::invalid_argument("plan: the retinotopy has no triangle in the chosen visual areas");
}

// The pial-depth chart of a problem's mesh (thread insertion points), made
// once per mesh: kept for the last few meshes, matched by content so a new
// mesh at a freed address is never served another's chart.
std::shared_ptr<const SurfaceChart> pialChart(const SurfaceChart& chart) {
  static std::mutex mutex;
  static std::vector<std::shared_ptr<const SurfaceChart>> cache;
  const CorticalMesh& mesh = chart.mesh();
  std::lock_guard lock(mutex);
  for (const auto& cached : cache) {
    const CorticalMesh& other = cached->mesh();
    if (other.hemisphere == mesh.hemisphere && other.pial.cols() == mesh.pial.cols() &&
        other.triangles.cols() == mesh.triangles.cols() && other.pial == mesh.pial &&
        other.white == mesh.white && other.sphere == mesh.sphere &&
        other.triangles == mesh.triangles && cached->retinotopy().x == chart.retinotopy().x &&
        cached->retinotopy().y == chart.retinotopy().y &&
        cached->retinotopy().area == chart.retinotopy().area)
      return cached;
  }
  auto made = std::make_shared<const SurfaceChart>(std::make_shared<CorticalMesh>(mesh),
                                                   chart.retinotopy(), 1.0);
  if (cache.size() >= 4) cache.erase(cache.begin());
  cache.push_back(made);
  return made;
}

double sphereRadius(const SurfaceChart& chart) {
  return chart.mesh().sphere.colwise().norm().mean();
}

struct ThreadGeometry {
  Eigen::Matrix3Xd electrodes;
  Eigen::Vector3d entry, direction, e1, e2, inward, v;
  Eigen::Matrix3d entryJacobian;  // ∂entry/∂insertion
  ChartSample entrySample;        // the insertion on the pial chart (field, ∂field/∂insertion)
  bool valid = false;
};

ThreadGeometry threadGeometry(const SurfaceChart& pial, const ThreadPose& pose,
                              const ThreadSpec& spec) {
  ThreadGeometry g;
  const ChartSample s = pial.sample(pose.insertion);
  if (!s.point.valid()) return g;
  g.valid = true;
  g.entrySample = s;
  g.entry = s.position;
  g.entryJacobian = s.positionJacobian;
  g.inward = -s.normal;
  Eigen::Index axis;
  g.inward.cwiseAbs().minCoeff(&axis);
  g.e1 = g.inward.cross(Eigen::Vector3d::Unit(axis)).normalized();
  g.e2 = g.inward.cross(g.e1);
  g.v = g.inward + pose.tilt.x() * g.e1 + pose.tilt.y() * g.e2;
  g.direction = g.v.normalized();
  g.electrodes.resize(3, spec.electrodes);
  for (int j = 0; j < spec.electrodes; ++j)
    g.electrodes.col(j) = g.entry + (spec.firstDepthMm + j * spec.spacingMm) * g.direction;
  return g;
}

// Field position of a 3-D point through the nearest mid-thickness triangle,
// with ∂field/∂point of the planar projection there (zero on edges/vertices).
struct PointField {
  VisualFieldPoint field;
  Eigen::Matrix<double, 2, 3> jacobian = Eigen::Matrix<double, 2, 3>::Zero();
  SurfacePoint nearest;
  int area = 0;
  bool retinotopic = false;
  double outsideBy = 0;
};

PointField fieldOfPoint(const PlanProblem& problem, const Eigen::Vector3d& p) {
  PointField out;
  out.outsideBy = problem.ribbon->outsideBy(p, &out.nearest);
  if (!out.nearest.valid()) return out;
  const auto& mesh = problem.chart->mesh();
  const auto& ret = problem.chart->retinotopy();
  const int t = out.nearest.triangle;
  Eigen::Matrix<double, 2, 3> f;
  Eigen::Matrix3d corners;
  int labelled = 0, strongest = 0;
  for (int c = 0; c < 3; ++c) {
    const int v = mesh.triangles(c, t);
    f.col(c) << ret.x(v), ret.y(v);
    corners.col(c) = 0.5 * (mesh.white.col(v) + mesh.pial.col(v));
    labelled += ret.area(v) > 0;
    if (out.nearest.barycentric(c) > out.nearest.barycentric(strongest)) strongest = c;
  }
  out.area = ret.area(mesh.triangles(strongest, t));
  out.retinotopic = labelled == 3;
  const Eigen::Vector3d& l = out.nearest.barycentric;
  out.field = {f.row(0).dot(l), f.row(1).dot(l)};
  if (l.minCoeff() > 1e-9) {
    Eigen::Matrix<double, 3, 2> e;
    e << corners.col(1) - corners.col(0), corners.col(2) - corners.col(0);
    const Eigen::Matrix<double, 2, 3> dl12 = (e.transpose() * e).inverse() * e.transpose();
    Eigen::Matrix<double, 3, 2> expand;
    expand << -1, -1, 1, 0, 0, 1;
    out.jacobian = f * expand * dl12;
  }
  return out;
}

bool inAreas(int area, const std::vector<int>& areas) {
  return area > 0 && (areas.empty() || std::find(areas.begin(), areas.end(), area) != areas.end());
}

// Everything per electrode that the loss and the reports need.
struct Evaluated {
  Eigen::Matrix2Xd centers;
  std::vector<std::uint8_t> active;
  std::vector<Eigen::Vector3d> positions;
  std::vector<Eigen::Matrix<double, 2, 3>>
      fieldJacobian;                              // w.r.t. the electrode's parameter or point
  std::vector<Eigen::Matrix3d> positionJacobian;  // singles: ∂position/∂u
  std::vector<SurfacePoint> points;
  std::vector<int> areas, thread;
  std::vector<double> outsideBy;
  std::vector<ThreadGeometry> threads;
  // Per thread: ∂field/∂insertion beyond what goes through the electrode
  // positions (the entry's own field moving), for every electrode alike.
  std::vector<Eigen::Matrix<double, 2, 3>> threadFieldInsertion;
};

// Retinotopy along a thread: the entry's field (interpolated on its pial
// triangle) moved by the electrode's displacement from the entry, tangent to
// that triangle, through the field gradient of the entry triangle at
// mid-thickness. Exact for a thread
// along the cortical column, linear along a tilted one, and it never jumps
// to the other bank of a sulcus as the nearest mid-thickness point can.
struct EntryField {
  VisualFieldPoint field;
  Eigen::Matrix<double, 2, 3> gradient = Eigen::Matrix<double, 2, 3>::Zero();  // ∂field/∂position
  int area = 0;
  bool retinotopic = false;
};

EntryField entryField(const PlanProblem& problem, const ThreadGeometry& g) {
  EntryField out;
  const auto& mesh = problem.chart->mesh();
  const auto& ret = problem.chart->retinotopy();
  const SurfacePoint& p = g.entrySample.point;
  Eigen::Matrix<double, 2, 3> f;
  Eigen::Matrix3d corners;
  int labelled = 0, strongest = 0;
  for (int c = 0; c < 3; ++c) {
    const int v = mesh.triangles(c, p.triangle);
    f.col(c) << ret.x(v), ret.y(v);
    corners.col(c) = 0.5 * (mesh.white.col(v) + mesh.pial.col(v));
    labelled += ret.area(v) > 0;
    if (p.barycentric(c) > p.barycentric(strongest)) strongest = c;
  }
  out.area = ret.area(mesh.triangles(strongest, p.triangle));
  out.retinotopic = labelled == 3;
  out.field = g.entrySample.field;
  Eigen::Matrix<double, 3, 2> e;
  e << corners.col(1) - corners.col(0), corners.col(2) - corners.col(0);
  const Eigen::Matrix2d gram = e.transpose() * e;
  if (std::abs(gram.determinant()) > 1e-18) {
    Eigen::Matrix<double, 3, 2> expand;
    expand << -1, -1, 1, 0, 0, 1;
    // Only the displacement across the cortex (tangent to the pial triangle
    // the thread enters) moves the field: along the column it stays.
    const Eigen::Matrix3d tangent = Eigen::Matrix3d::Identity() - g.inward * g.inward.transpose();
    out.gradient = f * expand * gram.inverse() * e.transpose() * tangent;
  }
  return out;
}

// `ribbonChecks`: test single electrodes against the ribbon too (reports;
// the loss does not need it: they sit between white and pial by construction).
Evaluated evaluateGeometry(const PlanProblem& problem, const Placement& placement,
                           bool ribbonChecks = false) {
  const auto& chart = *problem.chart;
  const int singles = static_cast<int>(placement.directions.size());
  const int threadCount = static_cast<int>(placement.threads.size());
  const int perThread = problem.thread.electrodes;
  const int n = singles + threadCount * perThread;
  Evaluated e;
  e.centers = Eigen::Matrix2Xd::Zero(2, n);
  e.active.assign(static_cast<std::size_t>(n), 0);
  e.positions.assign(static_cast<std::size_t>(n), Eigen::Vector3d::Zero());
  e.fieldJacobian.assign(static_cast<std::size_t>(n), Eigen::Matrix<double, 2, 3>::Zero());
  e.positionJacobian.assign(static_cast<std::size_t>(n), Eigen::Matrix3d::Zero());
  e.points.assign(static_cast<std::size_t>(n), {});
  e.areas.assign(static_cast<std::size_t>(n), 0);
  e.thread.assign(static_cast<std::size_t>(n), -1);
  e.outsideBy.assign(static_cast<std::size_t>(n), -1.0);
  for (int i = 0; i < singles; ++i) {
    const ChartSample s = chart.sample(placement.directions[static_cast<std::size_t>(i)]);
    const auto k = static_cast<std::size_t>(i);
    e.points[k] = s.point;
    e.positions[k] = s.position;
    e.centers.col(i) << s.field.x, s.field.y;
    e.fieldJacobian[k] = s.fieldJacobian;
    e.positionJacobian[k] = s.positionJacobian;
    e.areas[k] = s.area;
    e.active[k] = s.point.valid() && s.retinotopic && inAreas(s.area, problem.areas);
    if (ribbonChecks && problem.ribbon && s.point.valid())
      e.outsideBy[k] = problem.ribbon->outsideBy(s.position);
  }
  if (threadCount > 0) {
    const auto pial = pialChart(chart);
    for (int t = 0; t < threadCount; ++t) {
      e.threads.push_back(
          threadGeometry(*pial, placement.threads[static_cast<std::size_t>(t)], problem.thread));
      const auto& g = e.threads.back();
      e.threadFieldInsertion.push_back(Eigen::Matrix<double, 2, 3>::Zero());
      EntryField entry;
      if (g.valid) {
        entry = entryField(problem, g);
        // field_j = f(u) + G·(p_j − entry(u)): through p_j the chain gives
        // G·∂entry/∂u, so the rest of ∂field/∂u is ∂f/∂u − G·∂entry/∂u.
        e.threadFieldInsertion.back() =
            g.entrySample.fieldJacobian - entry.gradient * g.entryJacobian;
      }
      for (int j = 0; j < perThread; ++j) {
        const int i = singles + t * perThread + j;
        const auto k = static_cast<std::size_t>(i);
        e.thread[k] = t;
        if (!g.valid) continue;
        e.positions[k] = g.electrodes.col(j);
        // The ribbon test and the reported surface point: the nearest
        // mid-thickness point; the retinotopy: along the thread.
        const PointField pf = fieldOfPoint(problem, e.positions[k]);
        e.points[k] = pf.nearest;
        const Eigen::Vector2d field = Eigen::Vector2d(entry.field.x, entry.field.y) +
                                      entry.gradient * (e.positions[k] - g.entry);
        e.centers.col(i) = field;
        e.fieldJacobian[k] = entry.gradient;
        e.areas[k] = entry.area;
        e.outsideBy[k] = pf.outsideBy;
        e.active[k] = pf.nearest.valid() && entry.retinotopic &&
                      inAreas(entry.area, problem.areas) && pf.outsideBy <= 0;
      }
    }
  }
  return e;
}

}  // namespace

Eigen::VectorXd packPlacement(const Placement& placement) {
  Eigen::VectorXd x(
      static_cast<Eigen::Index>(3 * placement.directions.size() + 5 * placement.threads.size()));
  Eigen::Index k = 0;
  for (const auto& u : placement.directions) x.segment<3>(k) = u, k += 3;
  for (const auto& t : placement.threads) {
    x.segment<3>(k) = t.insertion;
    x.segment<2>(k + 3) = t.tilt;
    k += 5;
  }
  return x;
}

Placement unpackPlacement(const Eigen::VectorXd& x, const Placement& shape) {
  Placement out = shape;
  Eigen::Index k = 0;
  for (auto& u : out.directions) u = x.segment<3>(k), k += 3;
  for (auto& t : out.threads) {
    t.insertion = x.segment<3>(k);
    t.tilt = x.segment<2>(k + 3);
    k += 5;
  }
  return out;
}

Eigen::Matrix2Xd placementCenters(const PlanProblem& problem, const Placement& placement,
                                  std::vector<std::uint8_t>* active) {
  requireProblem(problem);
  auto e = evaluateGeometry(problem, placement);
  if (active) *active = std::move(e.active);
  return e.centers;
}

PlanLoss planLoss(const PlanProblem& problem, const Placement& placement, bool withGradient) {
  requireProblem(problem);
  const Evaluated e = evaluateGeometry(problem, placement);
  const auto value =
      problem.objective->evaluate(e.centers, problem.training, withGradient, e.active);
  PlanLoss out;
  out.objective = value.loss;
  const int singles = static_cast<int>(placement.directions.size());
  const int n = static_cast<int>(e.centers.cols());
  // ∂L/∂position of every electrode (penalties), added to the field terms.
  std::vector<Eigen::Vector3d> dPosition(static_cast<std::size_t>(n), Eigen::Vector3d::Zero());
  if (problem.vessels && problem.vessel.mode == ConstraintMode::Soft) {
    const double m = problem.vessel.marginMm, w = problem.vessel.softWeight;
    for (int i = 0; i < n; ++i) {
      if (!e.points[static_cast<std::size_t>(i)].valid()) continue;
      Eigen::Vector3d g;
      const double d = problem.vessels->distance(e.positions[static_cast<std::size_t>(i)], &g);
      if (d < m) {
        out.penalty += w * (m - d) * (m - d);
        dPosition[static_cast<std::size_t>(i)] += -2 * w * (m - d) * g;
      }
    }
  }
  if (problem.ribbon && problem.grayMatterWeight > 0) {
    // Thread electrodes leave the ribbon when a thread is too long or tilted.
    for (int i = singles; i < n; ++i) {
      const auto k = static_cast<std::size_t>(i);
      if (!e.points[k].valid()) continue;
      Eigen::Vector3d g;
      const double outside = problem.ribbon->outsideBy(e.positions[k], nullptr, &g);
      if (outside <= 0) continue;
      out.penalty += problem.grayMatterWeight * outside * outside;
      dPosition[k] += 2 * problem.grayMatterWeight * outside * g;
    }
  }
  if (problem.minSpacingMm > 0) {
    const double s = problem.minSpacingMm, w = problem.spacingWeight;
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j) {
        if (e.thread[static_cast<std::size_t>(i)] >= 0 &&
            e.thread[static_cast<std::size_t>(i)] == e.thread[static_cast<std::size_t>(j)])
          continue;  // a thread's own spacing is fixed
        const Eigen::Vector3d diff =
            e.positions[static_cast<std::size_t>(i)] - e.positions[static_cast<std::size_t>(j)];
        const double d = diff.norm();
        if (d >= s || d <= 0) continue;
        out.penalty += w * (s - d) * (s - d);
        const Eigen::Vector3d g = -2 * w * (s - d) * diff / d;
        dPosition[static_cast<std::size_t>(i)] += g;
        dPosition[static_cast<std::size_t>(j)] -= g;
      }
  }
  out.loss = out.objective + out.penalty;
  if (!withGradient) return out;
  out.gradient =
      Eigen::VectorXd::Zero(static_cast<Eigen::Index>(3 * singles + 5 * placement.threads.size()));
  for (int i = 0; i < singles; ++i) {
    const auto k = static_cast<std::size_t>(i);
    out.gradient.segment<3>(3 * i) = e.fieldJacobian[k].transpose() * value.gradient.col(i) +
                                     e.positionJacobian[k].transpose() * dPosition[k];
  }
  const int perThread = problem.thread.electrodes;
  for (std::size_t t = 0; t < e.threads.size(); ++t) {
    const auto& g = e.threads[t];
    if (!g.valid) continue;
    const Eigen::Index base = 3 * singles + 5 * static_cast<Eigen::Index>(t);
    // p_j = entry(u) + L_j·v/|v|, v = inward + t1 e1 + t2 e2 (the normal is
    // constant on a triangle, so only the entry moves with u).
    const double vn = g.v.norm();
    const Eigen::Matrix3d dDir =
        (Eigen::Matrix3d::Identity() - g.direction * g.direction.transpose()) / vn;
    Eigen::Matrix<double, 3, 2> dv;
    dv << g.e1, g.e2;
    for (int j = 0; j < perThread; ++j) {
      const auto k = static_cast<std::size_t>(singles + static_cast<int>(t) * perThread + j);
      const Eigen::Vector3d dLdp =
          e.fieldJacobian[k].transpose() * value.gradient.col(static_cast<Eigen::Index>(k)) +
          dPosition[k];
      const double length = problem.thread.firstDepthMm + j * problem.thread.spacingMm;
      out.gradient.segment<3>(base) +=
          g.entryJacobian.transpose() * dLdp +
          e.threadFieldInsertion[t].transpose() * value.gradient.col(static_cast<Eigen::Index>(k));
      out.gradient.segment<2>(base + 3) += (length * dDir * dv).transpose() * dLdp;
    }
  }
  return out;
}

namespace {

// Vertices of the region (and, in hard mode, clear of vessels by the margin
// at the chart's depth) and their directions, for projection and sampling.
struct Region {
  std::vector<int> vertices;
  // Snap targets: interior points of region triangles (near each corner and
  // at the centre), as directions; `feasible` are those clear of vessels in
  // hard mode. Interior points locate on their own triangle, so a snapped
  // electrode is always retinotopic and its vessel distance is the one checked.
  std::vector<Eigen::Vector3d> snap;
  std::vector<Eigen::Vector3d> feasible;
  std::vector<int> triangles;
  std::vector<double> triangleArea;  // at the chart depth
};

Region regionOf(const PlanProblem& problem) {
  const auto& chart = *problem.chart;
  Region r;
  r.triangles = chart.regionTriangles(problem.areas);
  std::vector<char> used(chart.mesh().vertexCount(), 0);
  for (int t : r.triangles)
    for (int c = 0; c < 3; ++c) used[static_cast<std::size_t>(chart.mesh().triangles(c, t))] = 1;
  for (int v = 0; v < static_cast<int>(used.size()); ++v)
    if (used[static_cast<std::size_t>(v)]) r.vertices.push_back(v);
  const double depth = chart.depth();
  const bool hard = problem.vessels && problem.vessel.mode == ConstraintMode::Hard;
  for (int t : r.triangles)
    for (const Eigen::Vector3d& weights :
         {Eigen::Vector3d(0.8, 0.1, 0.1), Eigen::Vector3d(0.1, 0.8, 0.1),
          Eigen::Vector3d(0.1, 0.1, 0.8), Eigen::Vector3d(1 / 3.0, 1 / 3.0, 1 / 3.0)}) {
      const SurfacePoint p{t, weights};
      const Eigen::Vector3d u = chart.directionOf(p);
      r.snap.push_back(u);
      if (hard) {
        const ChartSample s = chart.sample(u);
        if (!s.point.valid() || problem.vessels->distance(s.position) < problem.vessel.marginMm)
          continue;
      }
      r.feasible.push_back(u);
    }
  for (int t : r.triangles) {
    SurfacePoint a{t, {1, 0, 0}}, b{t, {0, 1, 0}}, c{t, {0, 0, 1}};
    const Eigen::Vector3d pa = chart.positionAt(a, depth), pb = chart.positionAt(b, depth),
                          pc = chart.positionAt(c, depth);
    r.triangleArea.push_back(0.5 * (pb - pa).cross(pc - pa).norm());
  }
  return r;
}

Eigen::Vector3d nearestDirection(const std::vector<Eigen::Vector3d>& targets,
                                 const Eigen::Vector3d& u) {
  double best = -2;
  Eigen::Vector3d out = u;
  const Eigen::Vector3d unit = u.normalized();
  for (const auto& d : targets) {
    const double dot = d.dot(unit);
    if (dot > best) best = dot, out = d;
  }
  return out;
}

bool inRegion(const PlanProblem& problem, const SurfacePoint& p) {
  if (!p.valid()) return false;
  const auto& mesh = problem.chart->mesh();
  const auto& ret = problem.chart->retinotopy();
  for (int c = 0; c < 3; ++c)
    if (!inAreas(ret.area(mesh.triangles(c, p.triangle)), problem.areas)) return false;
  return true;
}

// Whether every electrode of a thread is clear of vessels by the margin.
bool threadClear(const PlanProblem& problem, const SurfaceChart& pial, const ThreadPose& pose) {
  const ThreadGeometry g = threadGeometry(pial, pose, problem.thread);
  if (!g.valid) return false;
  for (Eigen::Index j = 0; j < g.electrodes.cols(); ++j)
    if (problem.vessels->distance(g.electrodes.col(j)) < problem.vessel.marginMm) return false;
  return true;
}

// Hard mode for a thread: when an electrode along it is within the margin,
// re-aim it — the tilt nearest the current one, within the cone, that
// clears every electrode (a lattice of 4 rings × 16 directions) — and only
// when no tilt from here does, move the insertion to the nearest feasible
// snap points (up to 24) and re-aim there. A thread nothing clears stays
// (its violations are reported).
void reaimThread(const PlanProblem& problem, const std::vector<Eigen::Vector3d>& snapTargets,
                 double limit, ThreadPose& pose) {
  const auto pial = pialChart(*problem.chart);
  if (threadClear(problem, *pial, pose)) return;
  std::vector<Eigen::Vector2d> tilts{Eigen::Vector2d::Zero()};
  for (int ring = 1; ring <= 4; ++ring)
    for (int k = 0; k < 16; ++k) {
      const double a = 2 * 3.14159265358979323846 * k / 16;
      tilts.push_back(limit * ring / 4.0 * Eigen::Vector2d(std::cos(a), std::sin(a)));
    }
  auto aimFrom = [&](const Eigen::Vector3d& insertion) {
    std::optional<Eigen::Vector2d> best;
    for (const auto& tilt : tilts) {
      if (best && (tilt - pose.tilt).squaredNorm() >= (*best - pose.tilt).squaredNorm()) continue;
      if (threadClear(problem, *pial, {insertion, tilt})) best = tilt;
    }
    return best;
  };
  if (const auto tilt = aimFrom(pose.insertion)) {
    pose.tilt = *tilt;
    return;
  }
  std::vector<std::pair<double, std::size_t>> nearest;
  const Eigen::Vector3d u = pose.insertion.normalized();
  for (std::size_t i = 0; i < snapTargets.size(); ++i)
    nearest.emplace_back(-snapTargets[i].dot(u), i);
  const std::size_t tries = std::min<std::size_t>(24, nearest.size());
  std::partial_sort(nearest.begin(), nearest.begin() + static_cast<std::ptrdiff_t>(tries),
                    nearest.end());
  for (std::size_t k = 0; k < tries; ++k) {
    const Eigen::Vector3d& insertion = snapTargets[nearest[k].second];
    if (const auto tilt = aimFrom(insertion)) {
      pose.insertion = insertion;
      pose.tilt = *tilt;
      return;
    }
  }
}

Placement projectWith(const PlanProblem& problem, const Region& region,
                      const Placement& placement) {
  const auto& chart = *problem.chart;
  Placement out = placement;
  const bool hard = problem.vessels && problem.vessel.mode == ConstraintMode::Hard;
  const auto& snapTargets = hard ? region.feasible : region.snap;
  if (snapTargets.empty())
    throw std::invalid_argument(
        hard ? "plan: no vertex of the region is clear of vessels by the margin"
             : "plan: the region has no vertex");
  auto fix = [&](Eigen::Vector3d& u) {
    if (!(u.norm() > 0) || !u.allFinite()) u = snapTargets.front();
    u.normalize();
    const ChartSample s = chart.sample(u);
    bool ok = inRegion(problem, s.point);
    if (ok && hard) ok = problem.vessels->distance(s.position) >= problem.vessel.marginMm;
    if (!ok) u = nearestDirection(snapTargets, u);
  };
  for (auto& u : out.directions) fix(u);
  const double limit = std::tan(problem.thread.coneHalfAngleDeg * 3.14159265358979323846 / 180.0);
  for (auto& t : out.threads) {
    fix(t.insertion);
    if (t.tilt.norm() > limit) t.tilt *= limit / t.tilt.norm();
    if (hard) reaimThread(problem, snapTargets, limit, t);
  }
  return out;
}

Eigen::Vector3d randomRegionDirection(const PlanProblem& problem, const Region& region,
                                      SplitMix& random, const std::vector<double>& cumulative) {
  const double pick = random.uniform() * cumulative.back();
  const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), pick);
  const auto t = static_cast<std::size_t>(std::min<std::ptrdiff_t>(
      it - cumulative.begin(), static_cast<std::ptrdiff_t>(cumulative.size()) - 1));
  double a = random.uniform(), b = random.uniform();
  if (a + b > 1) a = 1 - a, b = 1 - b;
  SurfacePoint p{region.triangles[t], {1 - a - b, a, b}};
  return problem.chart->directionOf(p);
}

std::vector<double> cumulativeAreas(const Region& region) {
  std::vector<double> c(region.triangleArea.size());
  double sum = 0;
  for (std::size_t i = 0; i < c.size(); ++i) c[i] = sum += region.triangleArea[i];
  return c;
}

// Farthest-point selection of `count` of `candidates`, deterministic: it
// starts at the candidate nearest their centroid (one electrode lands in the
// middle of the region, not in a corner).
std::vector<std::size_t> farthestPoints(const std::vector<Eigen::Vector3d>& candidates, int count) {
  std::vector<std::size_t> chosen;
  if (candidates.empty()) return chosen;
  std::vector<double> distance(candidates.size(), 1e300);
  Eigen::Vector3d centroid = Eigen::Vector3d::Zero();
  for (const auto& c : candidates) centroid += c;
  centroid /= static_cast<double>(candidates.size());
  std::size_t next = 0;
  for (std::size_t i = 1; i < candidates.size(); ++i)
    if ((candidates[i] - centroid).squaredNorm() < (candidates[next] - centroid).squaredNorm())
      next = i;
  for (int k = 0; k < count && k < static_cast<int>(candidates.size()); ++k) {
    chosen.push_back(next);
    const std::size_t current = next;
    double best = -1;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      distance[i] = std::min(distance[i], (candidates[i] - candidates[current]).squaredNorm());
      if (distance[i] > best) best = distance[i], next = i;
    }
  }
  return chosen;
}

Placement withThreads(const PlanProblem& problem, const Region& region,
                      std::vector<Eigen::Vector3d> all) {
  // The first `threads` positions become thread insertions, the rest singles.
  Placement p;
  const auto threads = static_cast<std::size_t>(problem.threads);
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i < threads)
      p.threads.push_back({all[i], Eigen::Vector2d::Zero()});
    else
      p.directions.push_back(all[i]);
  }
  // Baselines know the retinotopic region, not the vessels: project onto the
  // region only (the optimizer's own projection adds the margin).
  PlanProblem regionOnly = problem;
  regionOnly.vessel.mode = ConstraintMode::Off;
  return projectWith(regionOnly, region, p);
}

}  // namespace

Placement projectPlacement(const PlanProblem& problem, const Placement& placement) {
  requireProblem(problem);
  return projectWith(problem, regionOf(problem), placement);
}

Placement randomPlacement(const PlanProblem& problem, std::uint64_t seed) {
  requireProblem(problem);
  const Region region = regionOf(problem);
  const auto cumulative = cumulativeAreas(region);
  SplitMix random{seed};
  std::vector<Eigen::Vector3d> all;
  for (int i = 0; i < problem.threads + problem.electrodes; ++i)
    all.push_back(randomRegionDirection(problem, region, random, cumulative));
  return withThreads(problem, region, std::move(all));
}

Placement uniformSurfacePlacement(const PlanProblem& problem, std::uint64_t seed) {
  requireProblem(problem);
  const Region region = regionOf(problem);
  const auto cumulative = cumulativeAreas(region);
  SplitMix random{seed};
  const int count = problem.threads + problem.electrodes;
  std::vector<Eigen::Vector3d> directions, positions;
  for (int i = 0; i < std::max(4000, 20 * count); ++i) {
    directions.push_back(randomRegionDirection(problem, region, random, cumulative));
    positions.push_back(problem.chart->sample(directions.back()).position);
  }
  std::vector<Eigen::Vector3d> all;
  for (std::size_t i : farthestPoints(positions, count)) all.push_back(directions[i]);
  return withThreads(problem, region, std::move(all));
}

Placement uniformFieldPlacement(const PlanProblem& problem) {
  requireProblem(problem);
  const Region region = regionOf(problem);
  const auto& grid = problem.objective->grid();
  const int count = problem.threads + problem.electrodes;
  // Candidates on a fine lattice of the grid that the region's field covers;
  // farthest-point selection spreads them evenly in the visual field.
  const int side = std::max(40, static_cast<int>(std::ceil(std::sqrt(20.0 * count))));
  std::vector<Eigen::Vector3d> fields, directions;
  for (int r = 0; r < side; ++r)
    for (int c = 0; c < side; ++c) {
      const double x = grid.xMin + (grid.xMax - grid.xMin) * (c + 0.5) / side;
      const double y = grid.yMin + (grid.yMax - grid.yMin) * (r + 0.5) / side;
      const SurfacePoint p = problem.chart->pointForField({x, y}, region.triangles);
      if (!p.valid()) continue;
      fields.emplace_back(x, y, 0);
      directions.push_back(problem.chart->directionOf(p));
    }
  if (fields.empty()) return randomPlacement(problem, 1);
  std::vector<Eigen::Vector3d> all;
  for (std::size_t i : farthestPoints(fields, count)) all.push_back(directions[i]);
  // Fewer candidates than electrodes: repeat the lattice (stacked electrodes).
  for (std::size_t i = 0; all.size() < static_cast<std::size_t>(count); ++i)
    all.push_back(directions[i % directions.size()]);
  return withThreads(problem, region, std::move(all));
}

std::vector<PlannedElectrode> describePlacement(const PlanProblem& problem,
                                                const Placement& placement,
                                                const Image* amplitudeImage) {
  requireProblem(problem);
  const Evaluated e = evaluateGeometry(problem, placement, true);
  const Image* image = amplitudeImage;
  if (!image && !problem.heldOut.empty()) image = &problem.heldOut.front().pixels;
  if (!image && !problem.training.empty()) image = &problem.training.front().pixels;
  std::vector<double> amplitudes(static_cast<std::size_t>(e.centers.cols()), 0.0);
  if (image) problem.objective->encode(e.centers, *image, &amplitudes, e.active);
  const Eigen::Matrix4d toMni = mni305ToMni152();
  std::vector<PlannedElectrode> out;
  const auto& mesh = problem.chart->mesh();
  for (Eigen::Index i = 0; i < e.centers.cols(); ++i) {
    const auto k = static_cast<std::size_t>(i);
    PlannedElectrode p;
    p.index = static_cast<int>(i);
    p.thread = e.thread[k];
    p.point = e.points[k];
    if (p.point.valid()) {
      Eigen::Index c;
      p.point.barycentric.maxCoeff(&c);
      const auto vertex =
          static_cast<std::size_t>(mesh.triangles(static_cast<int>(c), p.point.triangle));
      p.vertex = static_cast<int>(mesh.vertexInHemisphere(vertex));
      p.hemisphere = mesh.hemisphereOf(vertex);
    } else {
      p.hemisphere = mesh.hemisphere;
    }
    p.surfaceRas = e.positions[k];
    p.mni152 = (toMni * p.surfaceRas.homogeneous()).head<3>();
    p.field = {e.centers(0, i), e.centers(1, i)};
    p.area = e.areas[k];
    p.retinotopic = e.active[k] != 0;
    p.amplitude = amplitudes[k];
    if (problem.vessels && p.point.valid())
      p.vesselDistanceMm = problem.vessels->distance(p.surfaceRas);
    p.insideGrayMatter = e.outsideBy[k] <= 0;
    out.push_back(p);
  }
  return out;
}

PlanMetrics evaluatePlacement(const PlanProblem& problem, const Placement& placement,
                              const std::string& name) {
  requireProblem(problem);
  const Evaluated e = evaluateGeometry(problem, placement, true);
  PlanMetrics m;
  m.name = name;
  m.electrodes = static_cast<int>(e.centers.cols());
  const auto& images = problem.heldOut.empty() ? problem.training : problem.heldOut;
  const auto held = problem.objective->evaluate(e.centers, images, false, e.active);
  m.heldOutMse = held.mse;
  m.heldOutSsim = held.ssim;
  m.heldOutLoss = held.loss;
  m.trainingLoss = problem.objective->evaluate(e.centers, problem.training, false, e.active).loss;
  m.coverage = visualFieldCoverage(*problem.objective, e.centers, e.active);
  for (Eigen::Index i = 0; i < e.centers.cols(); ++i) {
    const auto k = static_cast<std::size_t>(i);
    if (e.outsideBy[k] > 0) ++m.outsideGrayMatter;
    if (!problem.vessels || !e.points[k].valid()) continue;
    const double d = problem.vessels->distance(e.positions[k]);
    if (!(m.minVesselDistanceMm <= d)) m.minVesselDistanceMm = d;
    if (d < problem.vessel.marginMm) {
      ++m.violations;
      m.violationList.push_back({static_cast<int>(i), d});
    }
  }
  return m;
}

PlanResult optimizePlacement(const PlanProblem& problem, const OptimizerOptions& options,
                             Progress& progress, const IterationCallback& onIteration,
                             bool withBaselines) {
  requireProblem(problem);
  if (options.iterations < 0 || options.starts < 1)
    throw std::invalid_argument("optimizer: iterations must be ≥ 0 and starts ≥ 1");
  if (!(options.learningRate > 0))
    throw std::invalid_argument("optimizer: the learning rate must be > 0");
  const Region region = regionOf(problem);
  const double radius = sphereRadius(*problem.chart);
  PlanResult result;
  double bestLoss = std::numeric_limits<double>::infinity();
  const int totalSteps = options.starts * std::max(1, options.iterations);
  int stepsDone = 0;
  bool cancelled = false;

  auto record = [&](int start, int iteration, const Placement& p, const PlanLoss& loss) {
    IterationRecord r;
    r.start = start;
    r.iteration = iteration;
    r.loss = loss.loss;
    r.objective = loss.objective;
    r.penalty = loss.penalty;
    if (problem.vessels) {
      const auto e = evaluateGeometry(problem, p);
      r.minVesselDistanceMm = std::numeric_limits<double>::infinity();
      for (std::size_t i = 0; i < e.positions.size(); ++i) {
        if (!e.points[i].valid()) continue;
        const double d = problem.vessels->distance(e.positions[i]);
        r.minVesselDistanceMm = std::min(r.minVesselDistanceMm, d);
        r.violations += d < problem.vessel.marginMm;
      }
    }
    result.history.push_back(r);
    if (onIteration && !onIteration(r)) cancelled = true;
    if (progress.cancelRequested()) cancelled = true;
  };

  for (int start = 0; start < options.starts && !cancelled; ++start) {
    // Start 0: the better coverage layout (visual field or V1 surface) on the
    // training images; further starts: random layouts of the seed.
    Placement current;
    if (start == 0) {
      const Placement field = uniformFieldPlacement(problem);
      const Placement surface = uniformSurfacePlacement(problem, options.seed);
      current = planLoss(problem, projectWith(problem, region, field), false).loss <=
                        planLoss(problem, projectWith(problem, region, surface), false).loss
                    ? field
                    : surface;
    } else {
      current = randomPlacement(problem, options.seed + static_cast<std::uint64_t>(start));
    }
    current = projectWith(problem, region, current);
    Eigen::VectorXd x = packPlacement(current);
    // Per-parameter step scale: directions move ~learningRate mm on the
    // sphere per step, tilts 0.05 (≈3°).
    Eigen::VectorXd scale = Eigen::VectorXd::Constant(x.size(), options.learningRate / radius);
    for (std::size_t t = 0; t < current.threads.size(); ++t)
      scale.segment<2>(static_cast<Eigen::Index>(3 * current.directions.size() + 5 * t + 3))
          .setConstant(0.05);
    PlanLoss loss = planLoss(problem, current, true);
    record(start, 0, current, loss);
    Placement bestHere = current;
    double bestHereLoss = loss.loss;
    Eigen::VectorXd m1 = Eigen::VectorXd::Zero(x.size()), m2 = Eigen::VectorXd::Zero(x.size());
    std::vector<Eigen::VectorXd> sHistory, yHistory;
    double previous = loss.loss;
    for (int it = 1; it <= options.iterations && !cancelled; ++it) {
      if (options.method == OptimizerMethod::Adam) {
        // Learning rate decays to 10 % over the run (cosine), for a settled end.
        const double decay =
            0.1 +
            0.9 * 0.5 *
                (1 + std::cos(3.14159265358979323846 * (it - 1) / std::max(1, options.iterations)));
        m1 = options.beta1 * m1 + (1 - options.beta1) * loss.gradient;
        m2 = options.beta2 * m2 + (1 - options.beta2) * loss.gradient.cwiseAbs2();
        const double c1 = 1 - std::pow(options.beta1, it), c2 = 1 - std::pow(options.beta2, it);
        const Eigen::VectorXd stepVector = (decay * scale.array() * (m1.array() / c1) /
                                            ((m2.array() / c2).sqrt() + options.epsilon * 1e-3))
                                               .matrix();
        current = projectWith(problem, region, unpackPlacement(x - stepVector, current));
        x = packPlacement(current);
        loss = planLoss(problem, current, true);
      } else {
        // Projected L-BFGS: two-loop direction on the scaled variables,
        // backtracking (Armijo) through the projection.
        const Eigen::VectorXd g = loss.gradient.cwiseProduct(scale);
        Eigen::VectorXd q = g;
        std::vector<double> alpha(sHistory.size());
        for (int k = static_cast<int>(sHistory.size()) - 1; k >= 0; --k) {
          const auto ku = static_cast<std::size_t>(k);
          alpha[ku] = sHistory[ku].dot(q) / yHistory[ku].dot(sHistory[ku]);
          q -= alpha[ku] * yHistory[ku];
        }
        double gamma = 1.0 / std::max(1e-300, g.norm() / std::sqrt(static_cast<double>(g.size())));
        if (!sHistory.empty())
          gamma = sHistory.back().dot(yHistory.back()) / yHistory.back().squaredNorm();
        Eigen::VectorXd r = gamma * q;
        for (std::size_t k = 0; k < sHistory.size(); ++k) {
          const double beta = yHistory[k].dot(r) / yHistory[k].dot(sHistory[k]);
          r += sHistory[k] * (alpha[k] - beta);
        }
        Eigen::VectorXd direction = -r;
        if (direction.dot(g) >= 0) {
          direction = -g * gamma;
          sHistory.clear();
          yHistory.clear();
        }
        double t = 1.0;
        Placement trial;
        PlanLoss trialLoss;
        bool accepted = false;
        for (int attempt = 0; attempt < 12; ++attempt, t *= 0.5) {
          trial = projectWith(problem, region,
                              unpackPlacement(x + (t * direction).cwiseProduct(scale), current));
          trialLoss = planLoss(problem, trial, true);
          const Eigen::VectorXd moved = (packPlacement(trial) - x).cwiseQuotient(scale);
          if (trialLoss.loss <= loss.loss + 1e-4 * g.dot(moved)) {
            accepted = true;
            break;
          }
        }
        if (!accepted) {
          sHistory.clear();
          yHistory.clear();
          if (trialLoss.loss >= loss.loss) {
            ++stepsDone;
            record(start, it, current, loss);
            break;
          }
        }
        const Eigen::VectorXd xNew = packPlacement(trial);
        const Eigen::VectorXd s = (xNew - x).cwiseQuotient(scale);
        const Eigen::VectorXd y = trialLoss.gradient.cwiseProduct(scale) - g;
        if (s.dot(y) > 1e-12 * s.norm() * y.norm()) {
          sHistory.push_back(s);
          yHistory.push_back(y);
          if (static_cast<int>(sHistory.size()) > options.lbfgsHistory) {
            sHistory.erase(sHistory.begin());
            yHistory.erase(yHistory.begin());
          }
        }
        current = trial;
        x = xNew;
        loss = trialLoss;
      }
      ++stepsDone;
      record(start, it, current, loss);
      if (loss.loss < bestHereLoss) bestHereLoss = loss.loss, bestHere = current;
      progress.update(static_cast<double>(stepsDone) / totalSteps,
                      "start " + std::to_string(start + 1) + "/" + std::to_string(options.starts) +
                          ", iteration " + std::to_string(it) + ": loss " +
                          std::to_string(loss.loss));
      if (options.method == OptimizerMethod::Lbfgs &&
          std::abs(previous - loss.loss) <= options.tolerance * std::max(1.0, std::abs(previous)))
        break;
      previous = loss.loss;
    }
    if (bestHereLoss < bestLoss) {
      bestLoss = bestHereLoss;
      result.placement = bestHere;
      result.bestStart = start;
    }
  }
  result.cancelled = cancelled;
  result.electrodes = describePlacement(problem, result.placement);
  result.metrics = evaluatePlacement(problem, result.placement, "percept-aware");
  if (withBaselines && !cancelled) {
    result.baselines.push_back(
        evaluatePlacement(problem, uniformFieldPlacement(problem), "coverage (visual field)"));
    result.baselines.push_back(evaluatePlacement(
        problem, uniformSurfacePlacement(problem, options.seed), "coverage (V1 surface)"));
    result.baselines.push_back(
        evaluatePlacement(problem, randomPlacement(problem, options.seed), "random"));
  }
  return result;
}

}  // namespace nl::analysis::prosthesis
