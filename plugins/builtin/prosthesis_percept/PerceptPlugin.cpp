// prosthesis.percept: the prosthetic-vision forward model on its own —
// electrodes → visual-field positions → phosphenes → percept.
#include <QObject>

#include <cmath>
#include <stdexcept>

#include "analysis/prosthesis/Constraints.h"
#include "analysis/prosthesis/Objective.h"
#include "plugins/api/AnalysisPlugin.h"
#include "plugins/builtin/prosthesis_common/PluginSupport.h"

namespace {

namespace pr = nl::analysis::prosthesis;
namespace ps = nl::plugins::prosthesis;

struct Located {
  pr::VisualFieldPoint field;
  int area = 1;
  bool valid = true;
};

// Visual-field positions of surface electrodes (vertex or x, y, z columns).
std::vector<Located> locateOnSurface(const nl::io::TableDataset& table,
                                     const nl::io::SurfaceMeshDataset& mesh,
                                     const pr::VertexRetinotopy& retinotopy) {
  std::vector<Located> out(table.rowCount());
  if (const auto* vertex = table.numericColumn("vertex")) {
    for (std::size_t i = 0; i < out.size(); ++i) {
      const double v = (*vertex)[i];
      if (!(v >= 0) || v >= static_cast<double>(mesh.vertexCount()) || v != std::floor(v))
        throw std::invalid_argument("electrodes row " + std::to_string(i) + ": vertex " +
                                    std::to_string(v) + " is not a vertex of '" + mesh.name() +
                                    "' (0.." + std::to_string(mesh.vertexCount() - 1) + ")");
      const auto k = static_cast<Eigen::Index>(v);
      out[i] = {{retinotopy.x(k), retinotopy.y(k)}, retinotopy.area(k), retinotopy.area(k) > 0};
    }
    return out;
  }
  const auto *x = table.numericColumn("x"), *y = table.numericColumn("y"),
             *z = table.numericColumn("z");
  if (!x || !y || !z)
    throw std::invalid_argument(
        "electrodes need x_mm, y_mm (flat map), vertex, or x, y, z columns");
  // The nearest point on the mesh's triangles (the ribbon's search with white = pial).
  auto cortical = std::make_shared<pr::CorticalMesh>();
  cortical->white = pr::verticesFromFloats(mesh.vertices());
  cortical->pial = cortical->white;
  cortical->sphere = cortical->white.colwise() + Eigen::Vector3d::Constant(1e4);  // unused here
  cortical->triangles = pr::trianglesFromInts(mesh.triangles());
  const pr::GrayMatterRibbon nearest(cortical);
  for (std::size_t i = 0; i < out.size(); ++i) {
    pr::SurfacePoint point;
    nearest.outsideBy({(*x)[i], (*y)[i], (*z)[i]}, &point);
    if (!point.valid()) {
      out[i].valid = false;
      continue;
    }
    Located l;
    int strongest = 0, labelled = 0;
    for (int c = 0; c < 3; ++c) {
      const int v = cortical->triangles(c, point.triangle);
      l.field.x += point.barycentric(c) * retinotopy.x(v);
      l.field.y += point.barycentric(c) * retinotopy.y(v);
      labelled += retinotopy.area(v) > 0;
      if (point.barycentric(c) > point.barycentric(strongest)) strongest = c;
    }
    l.area = retinotopy.area(cortical->triangles(strongest, point.triangle));
    l.valid = labelled == 3;
    out[i] = l;
  }
  return out;
}

class PerceptPlugin final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "prosthesis.percept"; }
  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs,
                           const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto table = ps::optionalInput<nl::io::TableDataset>(inputs, "electrodes");
    if (!table || table->rowCount() == 0)
      throw std::invalid_argument("the electrodes table is empty");
    const auto mesh = ps::optionalInput<nl::io::SurfaceMeshDataset>(inputs, "mesh");
    const auto angle = ps::optionalInput<nl::io::ArrayDataset>(inputs, "angle");
    const auto eccentricity = ps::optionalInput<nl::io::ArrayDataset>(inputs, "eccentricity");
    const auto areaOverlay = ps::optionalInput<nl::io::ArrayDataset>(inputs, "area");
    const auto image = ps::optionalInput<nl::io::ArrayDataset>(inputs, "image");
    const auto grid = ps::fieldGrid(parameters);
    const auto model = ps::phospheneModel(parameters);
    const pr::AnalyticMap map(ps::mapParameters(parameters));
    const auto hemisphere = ps::resolveHemisphere(parameters.text("hemisphere"), mesh.get());
    context.update(0.05, "locating electrodes");

    const std::size_t n = table->rowCount();
    std::vector<Located> located(n);
    std::vector<pr::CorticalPoint> cortex;
    const auto *xmm = table->numericColumn("x_mm"), *ymm = table->numericColumn("y_mm");
    const bool flat = xmm && ymm;
    if (flat) {
      const auto* areaColumn = table->numericColumn("area");
      const auto* hemiColumn = table->column("hemisphere");
      for (std::size_t i = 0; i < n; ++i) {
        const int area = areaColumn ? static_cast<int>(std::lround((*areaColumn)[i])) : 1;
        if (area < 1 || area > 3)
          throw std::invalid_argument("electrodes row " + std::to_string(i) + ": area " +
                                      std::to_string(area) +
                                      " (an analytic map has V1–V3: 1, 2, 3)");
        const auto h = hemiColumn ? pr::parseHemisphere(hemiColumn->cellText(i)) : hemisphere;
        cortex.push_back({(*xmm)[i], (*ymm)[i]});
        located[i] = {map.toVisualField(cortex.back(), h, area), area, true};
        located[i].valid = std::isfinite(located[i].field.x) && std::isfinite(located[i].field.y);
      }
    } else {
      if (!mesh || !angle || !eccentricity)
        throw std::invalid_argument(
            "electrodes without x_mm, y_mm columns need a mesh and angle + eccentricity overlays");
      const auto retinotopy = ps::overlayRetinotopy(*angle, *eccentricity, areaOverlay.get(),
                                                    mesh->vertexCount(), hemisphere, 180);
      located = locateOnSurface(*table, *mesh, retinotopy);
    }
    context.update(0.3, "rendering phosphenes");

    // Amplitudes: the column, else the image at each phosphene, else one value.
    const double amplitude = parameters.real("amplitude_ua") * 1e-6;
    const auto* amplitudeColumn = table->numericColumn("amplitude_ua");
    Eigen::Matrix2Xd centers(2, static_cast<Eigen::Index>(n));
    std::vector<std::uint8_t> active(n);
    for (std::size_t i = 0; i < n; ++i) {
      centers.col(static_cast<Eigen::Index>(i)) << located[i].field.x, located[i].field.y;
      active[i] = located[i].valid;
    }
    pr::BrightnessCurve curve(pr::BrightnessParameters{}, std::max(200e-6, amplitude));
    std::vector<double> amplitudes(n, amplitude);
    std::vector<pr::Phosphene> phosphenes(n);
    if (image && !amplitudeColumn) {
      pr::ObjectiveOptions options;
      options.maxAmplitude = std::max(amplitude, 1e-6);
      const pr::PerceptObjective objective(grid, model, curve, options);
      phosphenes = objective.encode(centers, ps::imageOnGrid(*image, grid), &amplitudes, active);
    } else {
      const double step2 = grid.step * grid.step / 12;
      for (std::size_t i = 0; i < n; ++i) {
        if (amplitudeColumn) amplitudes[i] = (*amplitudeColumn)[i] * 1e-6;
        if (!(amplitudes[i] >= 0) || amplitudes[i] > curve.maxAmplitude())
          throw std::invalid_argument("electrodes row " + std::to_string(i) + ": amplitude " +
                                      std::to_string(amplitudes[i] * 1e6) + " µA is outside 0–" +
                                      std::to_string(curve.maxAmplitude() * 1e6) + " µA");
        const double s =
            pr::phospheneSigma(model, amplitudes[i], pr::eccentricityOf(located[i].field));
        const double b = model.kind == pr::PhospheneModelKind::Scoreboard
                             ? amplitudes[i] / std::max(amplitude, 1e-12)
                             : curve(amplitudes[i]);
        const double drawn = std::sqrt(s * s + step2);
        phosphenes[i] = {located[i].field, drawn, active[i] ? b * s * s / (drawn * drawn) : 0.0};
      }
    }
    pr::Image percept;
    if (model.kind == pr::PhospheneModelKind::Scoreboard && flat) {
      std::vector<double> fraction(n);
      for (std::size_t i = 0; i < n; ++i) fraction[i] = amplitudes[i] / std::max(amplitude, 1e-12);
      percept =
          pr::renderScoreboard(cortex, fraction, map, hemisphere, 1, model.scoreboardRho, grid);
    } else {
      percept = pr::renderPercept(phosphenes, grid, model.windowSigmas);
    }
    percept = percept.cwiseMax(0.0).cwiseMin(1.0);
    context.update(0.9, "writing outputs");

    std::vector<double> index(n), ecc(n), polar(n), xs(n), ys(n), sigma(n), bright(n), amps(n),
        areas(n), inView(n);
    for (std::size_t i = 0; i < n; ++i) {
      index[i] = static_cast<double>(i);
      const auto& f = located[i].field;
      ecc[i] = located[i].valid ? pr::eccentricityOf(f) : NAN;
      polar[i] = located[i].valid ? pr::polarAngleOf(f) : NAN;
      xs[i] = located[i].valid ? f.x : NAN;
      ys[i] = located[i].valid ? f.y : NAN;
      sigma[i] = pr::phospheneSigma(model, amplitudes[i], located[i].valid ? ecc[i] : 0.0);
      bright[i] = phosphenes[i].brightness;
      amps[i] = amplitudes[i] * 1e6;
      areas[i] = located[i].valid ? located[i].area : 0;
      inView[i] = located[i].valid && f.x >= grid.xMin && f.x <= grid.xMax && f.y >= grid.yMin &&
                  f.y <= grid.yMax;
    }
    std::vector<nl::io::Column> columns;
    columns.push_back(ps::numberColumn("electrode", index));
    columns.push_back(ps::numberColumn("eccentricity_deg", ecc));
    columns.push_back(ps::numberColumn("polar_angle_deg", polar));
    columns.push_back(ps::numberColumn("x_deg", xs));
    columns.push_back(ps::numberColumn("y_deg", ys));
    columns.push_back(ps::numberColumn("sigma_deg", sigma));
    columns.push_back(ps::numberColumn("brightness", bright));
    columns.push_back(ps::numberColumn("amplitude_ua", amps));
    columns.push_back(ps::numberColumn("area", areas));
    columns.push_back(ps::numberColumn("in_view", inView));
    nl::io::Attributes tableAttributes{
        {"hemisphere", pr::hemisphereName(hemisphere)},
        {"source", flat ? "flat map (" + pr::mapModelName(map.parameters().model) + ")"
                        : "surface retinotopy"}};
    auto attributes = ps::gridAttributes(grid);
    attributes["model"] = parameters.text("model");
    attributes["size_factor"] = std::to_string(model.sizeFactor);
    std::vector<double> pixels(percept.data(), percept.data() + percept.size());
    return {{"phosphenes", std::make_shared<nl::io::TableDataset>(
                               nl::io::DatasetKind::Table, table->name() + " phosphenes",
                               std::move(columns), context.provenance(), tableAttributes)},
            {"percept", std::make_shared<nl::io::ArrayDataset>(
                            nl::io::DatasetKind::Array, table->name() + " percept",
                            std::vector<std::size_t>{static_cast<std::size_t>(percept.rows()),
                                                     static_cast<std::size_t>(percept.cols())},
                            std::move(pixels), context.provenance(), attributes)}};
  }
};

}  // namespace

class PerceptFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<PerceptPlugin>();
  }
};

#include "PerceptPlugin.moc"
