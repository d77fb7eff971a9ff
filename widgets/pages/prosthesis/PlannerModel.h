#pragma once
// What the planner page edits and how it asks the forward model: electrode
// sites on one hemisphere (a triangle and barycentric weights, the same place
// on every surface of the hemisphere: white, pial, sphere, inflated, flat)
// and a PerceptAdapter that turns sites into visual-field positions and the
// percept of an image. The adapter over analysis/prosthesis (SurfaceChart +
// PerceptObjective) is ChartPerceptAdapter; the page knows only the interface.
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "analysis/prosthesis/Loaders.h"
#include "analysis/prosthesis/Planner.h"
#include "io/Dataset.h"

namespace nl::widgets::prosthesis {

namespace pr = analysis::prosthesis;

struct PlanSite {
  pr::SurfacePoint point;
  int thread = -1;  // −1: a single electrode
  bool operator==(const PlanSite& other) const {
    return point.triangle == other.point.triangle && thread == other.thread &&
           point.barycentric == other.point.barycentric;
  }
};

// One hemisphere, or both (joinCortices), as the page shows and plans it.
struct PlannerCortex {
  pr::Hemisphere hemisphere = pr::Hemisphere::Left;
  std::shared_ptr<const io::SurfaceMeshDataset> white, pial, sphere;  // the chart
  // The surfaces a user may look at ("pial", "white", "inflated", "flat"),
  // all with the chart's vertices and triangles.
  std::vector<std::pair<std::string, std::shared_ptr<const io::SurfaceMeshDataset>>> shown;
  // Benson-style retinotopy: polar angle 0–180° (0 upper vertical meridian),
  // eccentricity (deg), visual area (1–3); fsaverage-size maps fit fsaverage5.
  std::shared_ptr<const io::ArrayDataset> angle, eccentricity, area;
  // Optional vessel volume (a probability atlas such as braincharter's
  // arterial atlas, or a subject's segmentation): voxels ≥ vesselThreshold are
  // vessel; vesselsInMni152: the surface is fsaverage (MNI305) and the volume
  // MNI152 (FreeSurfer's 4 × 4 maps between them), else both in one space.
  std::shared_ptr<const io::ArrayDataset> vessels;
  double vesselThreshold = 0.5;
  bool vesselsInMni152 = true;
  // The constraint the page starts with (the plan's own when it had one).
  pr::VesselConstraint vesselConstraint;
  // Both hemispheres: vertices (and overlay values) from here on are the
  // right hemisphere's, triangles of the left come first; `hemisphere` is
  // then Left and meaningless.
  std::size_t rightVertexStart = std::numeric_limits<std::size_t>::max();
  std::size_t rightTriangleStart = std::numeric_limits<std::size_t>::max();
  bool bilateral() const { return pial && rightVertexStart < pial->vertexCount(); }
  std::string hemisphereName() const {
    return bilateral() ? std::string("both") : pr::hemisphereName(hemisphere);
  }
};

// Both hemispheres as one cortex: every surface the two share (white, pial,
// sphere and the shown ones; the inflated surfaces moved apart along x so
// they do not overlap, a flat patch left out), the overlays' first
// vertexCount values of each side, the left's vessel map. Throws
// std::invalid_argument when a side lacks a surface or an overlay.
PlannerCortex joinCortices(const PlannerCortex& left, const PlannerCortex& right);

struct SiteField {
  pr::ChartSample sample;  // position at the chart's depth, field position, area
  bool active = false;     // retinotopic and inside the visual-field grid
  // Distance (mm) from the electrode (at the chart's depth) to the nearest
  // vessel; NaN without a vessel map.
  double vesselDistanceMm = std::numeric_limits<double>::quiet_NaN();
};

struct PerceptFrame {
  pr::Image target;                // the chosen image on the grid
  pr::Image phosphenes;            // every electrode's phosphene at the reference amplitude
  pr::Image percept;               // the percept of `target`
  std::vector<double> amplitudes;  // A, per electrode, for `target`
};

// Electrode positions → visual-field positions + percept image.
class PerceptAdapter {
 public:
  virtual ~PerceptAdapter() = default;
  virtual const pr::VisualFieldGrid& grid() const = 0;
  virtual SiteField field(const PlanSite& site) const = 0;
  virtual PerceptFrame render(std::span<const SiteField> fields, const pr::Image& target) const = 0;
  // The vessel distance field (electrode space) and the vessel voxels near
  // the cortex, when the plan has a vessel map.
  virtual std::shared_ptr<const pr::VesselDistanceField> vessels() const { return nullptr; }
  virtual const pr::VesselVoxels* vesselsNearCortex() const { return nullptr; }
};

class ChartPerceptAdapter final : public PerceptAdapter {
 public:
  // Throws std::invalid_argument naming what does not fit (sizes, maps).
  // Percepts on ±fieldHalfExtentDeg at stepDeg; electrodes beyond
  // maxEccentricityDeg count as not retinotopic.
  explicit ChartPerceptAdapter(const PlannerCortex& cortex, double fieldHalfExtentDeg = 10,
                               double stepDeg = 0.25, double maxEccentricityDeg = 10);
  const pr::VisualFieldGrid& grid() const override { return objective_->grid(); }
  SiteField field(const PlanSite& site) const override;
  PerceptFrame render(std::span<const SiteField> fields, const pr::Image& target) const override;
  std::shared_ptr<const pr::SurfaceChart> chart() const { return chart_; }
  std::shared_ptr<const pr::PerceptObjective> objective() const { return objective_; }
  std::shared_ptr<const pr::VesselDistanceField> vessels() const override { return vessels_; }
  const pr::VesselVoxels* vesselsNearCortex() const override {
    return vessels_ ? &nearCortex_ : nullptr;
  }
  // How far from the pial surface a vessel voxel is still drawn (mm).
  static constexpr double kVesselDrawDistanceMm = 3.0;

 private:
  std::shared_ptr<const pr::SurfaceChart> chart_;
  std::shared_ptr<const pr::PerceptObjective> objective_;
  std::shared_ptr<const pr::VesselDistanceField> vessels_;
  // Vessel voxels within kVesselDrawDistanceMm of the pial vertices around
  // the retinotopic region (its box ± 20 mm); `nearest` indexes the vertices.
  pr::VesselVoxels nearCortex_;
};

// A site exactly at a vertex (a triangle holding it, weight 1 there).
pr::SurfacePoint pointAtVertex(const io::SurfaceMeshDataset& mesh, int vertex);
// The vertex of a site with the largest weight.
int nearestVertex(const io::SurfaceMeshDataset& mesh, const pr::SurfacePoint& point);
// The site's place on a surface of the hemisphere (barycentric interpolation).
std::array<double, 3> positionOn(const io::SurfaceMeshDataset& mesh, const pr::SurfacePoint& point);

// The electrodes of a plan table: `triangle` + `bary0..2` when present (exact
// sites), else `vertex`; `thread` optional (−1 or absent: single). Throws
// std::invalid_argument naming the table and the column or row at fault.
// Both hemispheres (rightVertexStart, rightTriangleStart): a text column
// `hemisphere` (left / right) says whose numbering `vertex` and `triangle` use.
std::vector<PlanSite> sitesFromTable(
    const io::TableDataset& table, const io::SurfaceMeshDataset& mesh,
    std::size_t rightVertexStart = std::numeric_limits<std::size_t>::max(),
    std::size_t rightTriangleStart = std::numeric_limits<std::size_t>::max());

// The plan as rows (index, thread, vertex, triangle, barycentric, surface RAS
// at the chart's depth, MNI152, visual field, area, amplitude) for CSV / JSON.
struct PlanRow {
  int index = 0, thread = -1, vertex = -1, triangle = -1, area = 0;  // vertex: in its hemisphere
  std::string hemisphere;
  std::array<double, 3> barycentric{}, surfaceRas{}, mni152{};
  double fieldX = 0, fieldY = 0, eccentricity = 0, polarAngle = 0;
  double amplitudeMicroamps = 0;
  bool retinotopic = false;
};
std::vector<PlanRow> planRows(const PlannerCortex& cortex, const io::SurfaceMeshDataset& mesh,
                              std::span<const PlanSite> sites, std::span<const SiteField> fields,
                              std::span<const double> amplitudes);
std::string planCsv(std::span<const PlanRow> rows);
std::string planJson(std::span<const PlanRow> rows, const std::string& hemisphere,
                     const std::string& image);

}  // namespace nl::widgets::prosthesis
