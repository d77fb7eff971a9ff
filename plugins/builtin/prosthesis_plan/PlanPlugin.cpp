// prosthesis.plan: percept-aware electrode placement with vessel avoidance,
// baselines in the same run.
#include <QObject>

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "analysis/prosthesis/Loaders.h"
#include "analysis/prosthesis/Planner.h"
#include "plugins/api/AnalysisPlugin.h"
#include "plugins/builtin/prosthesis_common/PluginSupport.h"

namespace {

namespace pr = nl::analysis::prosthesis;
namespace ps = nl::plugins::prosthesis;

std::vector<int> parseAreas(const std::string& text) {
  std::vector<int> areas;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.find_first_not_of(" \t") == std::string::npos) continue;
    try {
      const int area = std::stoi(item);
      if (area < 1) throw std::invalid_argument("");
      areas.push_back(area);
    } catch (const std::exception&) {
      throw std::invalid_argument("areas: '" + item +
                                  "' is not a visual area number (1 V1, 2 V2, 3 V3)");
    }
  }
  if (areas.empty()) throw std::invalid_argument("areas: name at least one visual area (e.g. 1)");
  return areas;
}

std::shared_ptr<nl::io::TableDataset> metricsTable(const std::vector<pr::PlanMetrics>& rows,
                                                   const nl::io::Provenance& provenance) {
  std::vector<std::string> names;
  std::vector<double> mse, ssim, loss, training, coverage, violations, minDistance, outside, count;
  for (const auto& m : rows) {
    names.push_back(m.name);
    mse.push_back(m.heldOutMse);
    ssim.push_back(m.heldOutSsim);
    loss.push_back(m.heldOutLoss);
    training.push_back(m.trainingLoss);
    coverage.push_back(m.coverage);
    violations.push_back(m.violations);
    minDistance.push_back(m.minVesselDistanceMm);
    outside.push_back(m.outsideGrayMatter);
    count.push_back(m.electrodes);
  }
  std::vector<nl::io::Column> columns;
  columns.push_back({"plan", names});
  columns.push_back(ps::numberColumn("held_out_mse", mse));
  columns.push_back(ps::numberColumn("held_out_ssim", ssim));
  columns.push_back(ps::numberColumn("held_out_loss", loss));
  columns.push_back(ps::numberColumn("training_loss", training));
  columns.push_back(ps::numberColumn("coverage", coverage));
  columns.push_back(ps::numberColumn("violations", violations));
  columns.push_back(ps::numberColumn("min_vessel_distance_mm", minDistance));
  columns.push_back(ps::numberColumn("outside_gray_matter", outside));
  columns.push_back(ps::numberColumn("electrodes", count));
  return std::make_shared<nl::io::TableDataset>(nl::io::DatasetKind::Table, "plan metrics",
                                                std::move(columns), provenance);
}

class PlanPlugin final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "prosthesis.plan"; }
  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs,
                           const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto white = ps::optionalInput<nl::io::SurfaceMeshDataset>(inputs, "white");
    const auto pial = ps::optionalInput<nl::io::SurfaceMeshDataset>(inputs, "pial");
    const auto sphere = ps::optionalInput<nl::io::SurfaceMeshDataset>(inputs, "sphere");
    const auto angle = ps::optionalInput<nl::io::ArrayDataset>(inputs, "angle");
    const auto eccentricity = ps::optionalInput<nl::io::ArrayDataset>(inputs, "eccentricity");
    const auto areaOverlay = ps::optionalInput<nl::io::ArrayDataset>(inputs, "area");
    const auto vesselVolume = ps::optionalInput<nl::io::ArrayDataset>(inputs, "vessels");
    // Both hemispheres: the *_right inputs are the right one, the others the left.
    const auto whiteRight = ps::optionalInput<nl::io::SurfaceMeshDataset>(inputs, "white_right");
    const auto pialRight = ps::optionalInput<nl::io::SurfaceMeshDataset>(inputs, "pial_right");
    const auto sphereRight = ps::optionalInput<nl::io::SurfaceMeshDataset>(inputs, "sphere_right");
    const auto angleRight = ps::optionalInput<nl::io::ArrayDataset>(inputs, "angle_right");
    const auto eccentricityRight =
        ps::optionalInput<nl::io::ArrayDataset>(inputs, "eccentricity_right");
    const auto areaRight = ps::optionalInput<nl::io::ArrayDataset>(inputs, "area_right");
    const bool both = parameters.text("hemisphere") == "both" || whiteRight || pialRight ||
                      sphereRight || angleRight || eccentricityRight;
    if (both) {
      if (parameters.text("hemisphere") != "both" && parameters.text("hemisphere") != "auto")
        throw std::invalid_argument("hemisphere '" + parameters.text("hemisphere") +
                                    "' with right-hemisphere inputs: use both (or auto)");
      for (const auto& [port, present] : std::initializer_list<std::pair<const char*, bool>>{
               {"white_right", whiteRight != nullptr},
               {"pial_right", pialRight != nullptr},
               {"sphere_right", sphereRight != nullptr},
               {"angle_right", angleRight != nullptr},
               {"eccentricity_right", eccentricityRight != nullptr}})
        if (!present)
          throw std::invalid_argument(std::string("a plan over both hemispheres needs input '") +
                                      port +
                                      "' (the right hemisphere; the other inputs are the left)");
    }
    const auto hemisphere = both
                                ? pr::Hemisphere::Left
                                : ps::resolveHemisphere(parameters.text("hemisphere"), white.get());
    const auto grid = ps::fieldGrid(parameters);
    context.update(0.0, "building the cortical chart");
    auto mesh = pr::makeCorticalMesh(*white, *pial, *sphere, hemisphere);
    double maxEccentricity = parameters.real("max_eccentricity");
    if (maxEccentricity <= 0) maxEccentricity = parameters.real("half_extent");
    auto retinotopy = ps::overlayRetinotopy(*angle, *eccentricity, areaOverlay.get(),
                                            mesh->vertexCount(), hemisphere, maxEccentricity);
    if (both) {
      // Each hemisphere's retinotopy with its own conventions (the left sees
      // the right hemifield), then one chart over both.
      auto right =
          pr::makeCorticalMesh(*whiteRight, *pialRight, *sphereRight, pr::Hemisphere::Right);
      auto rightRetinotopy =
          ps::overlayRetinotopy(*angleRight, *eccentricityRight, areaRight.get(),
                                right->vertexCount(), pr::Hemisphere::Right, maxEccentricity);
      auto joined = pr::joinHemispheres(*mesh, retinotopy, *right, rightRetinotopy);
      mesh = std::move(joined.mesh);
      retinotopy = std::move(joined.retinotopy);
    }
    auto chart =
        std::make_shared<pr::SurfaceChart>(mesh, std::move(retinotopy), parameters.real("depth"));

    pr::ObjectiveOptions objectiveOptions;
    objectiveOptions.encoding = pr::parseEncoding(parameters.text("encoding"));
    objectiveOptions.ssimWeight = parameters.real("ssim_weight");
    objectiveOptions.maxAmplitude = parameters.real("max_amplitude_ua") * 1e-6;
    objectiveOptions.threads = static_cast<int>(parameters.integer("workers"));
    auto objective = std::make_shared<pr::PerceptObjective>(
        grid, ps::phospheneModel(parameters), pr::BrightnessCurve(), objectiveOptions);
    const auto seed = static_cast<std::uint64_t>(parameters.integer("seed"));

    pr::PlanProblem problem;
    problem.chart = chart;
    problem.objective = objective;
    problem.training =
        pr::letterTaskSet(grid, static_cast<int>(parameters.integer("training_images")), seed);
    problem.heldOut = pr::letterTaskSet(
        grid, static_cast<int>(parameters.integer("held_out_images")), seed + 1000003);
    if (const std::string folder = parameters.text("image_folder"); !folder.empty()) {
      std::vector<std::string> skipped;
      auto natural = pr::readTaskImageFolder(folder, grid, &skipped);
      if (natural.empty())
        throw std::invalid_argument("image folder '" + folder +
                                    "' holds no readable PNG/JPEG/PGM/PPM/.npy image" +
                                    (skipped.empty() ? std::string() : ": " + skipped.front()));
      for (std::size_t i = 0; i < natural.size(); ++i)
        (i % 3 == 2 ? problem.heldOut : problem.training).push_back(std::move(natural[i]));
    }
    if (problem.training.empty()) throw std::invalid_argument("the task has no training image");
    problem.electrodes = static_cast<int>(parameters.integer("electrodes"));
    problem.threads = static_cast<int>(parameters.integer("thread_budget"));
    problem.thread.electrodes = static_cast<int>(parameters.integer("thread_electrodes"));
    problem.thread.spacingMm = parameters.real("thread_spacing_um") * 1e-3;
    problem.thread.coneHalfAngleDeg = parameters.real("thread_cone_deg");
    problem.areas = parseAreas(parameters.text("areas"));
    problem.minSpacingMm = parameters.real("min_spacing_um") * 1e-3;
    problem.ribbon = std::make_shared<pr::GrayMatterRibbon>(mesh);
    problem.vessel.mode = pr::parseConstraintMode(parameters.text("vessel_mode"));
    problem.vessel.marginMm = parameters.real("margin_um") * 1e-3;
    problem.vessel.softWeight = parameters.real("soft_weight");
    pr::VesselDistanceField vessels;
    if (vesselVolume) {
      context.update(0.02, "vessel distance field");
      const Eigen::Matrix4d toWorld = parameters.text("vessel_space") == "mni152"
                                          ? pr::mni305ToMni152()
                                          : Eigen::Matrix4d::Identity();
      const auto region = chart->regionVertices(problem.areas);
      Eigen::Matrix3Xd points(3, static_cast<Eigen::Index>(region.size()));
      for (std::size_t i = 0; i < region.size(); ++i)
        points.col(static_cast<Eigen::Index>(i)) =
            0.5 * (mesh->white.col(region[i]) + mesh->pial.col(region[i]));
      vessels = pr::vesselFieldAround(*vesselVolume, parameters.real("vessel_threshold"), toWorld,
                                      points, 20.0);
      problem.vessels = &vessels;
    }

    pr::OptimizerOptions options;
    options.method = pr::parseOptimizerMethod(parameters.text("optimizer"));
    options.iterations = static_cast<int>(parameters.integer("iterations"));
    options.learningRate = parameters.real("learning_rate");
    options.starts = static_cast<int>(parameters.integer("starts"));
    options.seed = seed;
    context.update(0.05, "optimizing");
    const auto result =
        pr::optimizePlacement(problem, options, context, {}, parameters.boolean("baselines"));
    context.checkCancel();
    context.update(0.98, "writing the plan");

    // Electrodes.
    const auto& electrodes = result.electrodes;
    const std::size_t n = electrodes.size();
    std::vector<std::string> sides(n);
    std::vector<double> triangle(n), bary0(n), bary1(n), bary2(n);
    std::vector<double> index(n), thread(n), vertex(n), x(n), y(n), z(n), mx(n), my(n), mz(n),
        ecc(n), polar(n), fx(n), fy(n), area(n), amplitude(n), distance(n), inside(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& e = electrodes[i];
      index[i] = e.index;
      thread[i] = e.thread;
      vertex[i] = e.vertex;
      sides[i] = pr::hemisphereName(e.hemisphere);
      // The exact site (the page reopens the plan there, not at the vertex).
      triangle[i] = e.point.valid() ? static_cast<double>(mesh->triangleInHemisphere(
                                          static_cast<std::size_t>(e.point.triangle)))
                                    : NAN;
      bary0[i] = e.point.barycentric(0), bary1[i] = e.point.barycentric(1),
      bary2[i] = e.point.barycentric(2);
      x[i] = e.surfaceRas.x(), y[i] = e.surfaceRas.y(), z[i] = e.surfaceRas.z();
      mx[i] = e.mni152.x(), my[i] = e.mni152.y(), mz[i] = e.mni152.z();
      ecc[i] = pr::eccentricityOf(e.field);
      polar[i] = pr::polarAngleOf(e.field);
      fx[i] = e.field.x, fy[i] = e.field.y;
      area[i] = e.area;
      amplitude[i] = e.amplitude * 1e6;
      distance[i] = e.vesselDistanceMm;
      inside[i] = e.insideGrayMatter;
    }
    std::vector<nl::io::Column> columns;
    for (auto [name, values] : std::initializer_list<std::pair<const char*, std::vector<double>*>>{
             {"electrode", &index},
             {"thread", &thread},
             {"vertex", &vertex},
             {"x", &x},
             {"y", &y},
             {"z", &z},
             {"mni_x", &mx},
             {"mni_y", &my},
             {"mni_z", &mz},
             {"eccentricity_deg", &ecc},
             {"polar_angle_deg", &polar},
             {"x_deg", &fx},
             {"y_deg", &fy},
             {"area", &area},
             {"amplitude_ua", &amplitude},
             {"vessel_distance_mm", &distance},
             {"in_gray_matter", &inside},
             {"triangle", &triangle},
             {"bary0", &bary0},
             {"bary1", &bary1},
             {"bary2", &bary2}})
      columns.push_back(ps::numberColumn(name, std::move(*values)));
    // The vertex is numbered in the hemisphere of this column.
    columns.insert(columns.begin() + 2, nl::io::Column{"hemisphere", std::move(sides)});
    nl::io::Attributes planAttributes{
        {"hemisphere", both ? std::string("both") : pr::hemisphereName(hemisphere)},
        {"seed", std::to_string(seed)},
        {"best_start", std::to_string(result.bestStart)},
        {"mesh", white->name()}};

    // History.
    std::vector<double> start, iteration, loss, objectiveValue, penalty, violations, minDistance;
    for (const auto& r : result.history) {
      start.push_back(r.start);
      iteration.push_back(r.iteration);
      loss.push_back(r.loss);
      objectiveValue.push_back(r.objective);
      penalty.push_back(r.penalty);
      violations.push_back(r.violations);
      minDistance.push_back(problem.vessels ? r.minVesselDistanceMm : NAN);
    }
    std::vector<nl::io::Column> history;
    history.push_back(ps::numberColumn("start", start));
    history.push_back(ps::numberColumn("iteration", iteration));
    history.push_back(ps::numberColumn("loss", loss));
    history.push_back(ps::numberColumn("objective", objectiveValue));
    history.push_back(ps::numberColumn("penalty", penalty));
    history.push_back(ps::numberColumn("violations", violations));
    history.push_back(ps::numberColumn("min_vessel_distance_mm", minDistance));

    std::vector<pr::PlanMetrics> metricRows{result.metrics};
    metricRows.insert(metricRows.end(), result.baselines.begin(), result.baselines.end());

    nl::plugins::Outputs outputs{
        {"electrodes", std::make_shared<nl::io::TableDataset>(
                           nl::io::DatasetKind::Electrodes, "planned electrodes",
                           std::move(columns), context.provenance(), planAttributes)},
        {"loss_history",
         std::make_shared<nl::io::TableDataset>(nl::io::DatasetKind::Table, "plan loss history",
                                                std::move(history), context.provenance())},
        {"metrics", metricsTable(metricRows, context.provenance())}};
    // The first held-out image beside the plan's percept of it.
    const auto& shown =
        problem.heldOut.empty() ? problem.training.front() : problem.heldOut.front();
    std::vector<std::uint8_t> active;
    const auto centers = pr::placementCenters(problem, result.placement, &active);
    const pr::Image percept = objective->percept(centers, shown.pixels, nullptr, active);
    std::vector<double> pixels(shown.pixels.data(), shown.pixels.data() + shown.pixels.size());
    pixels.insert(pixels.end(), percept.data(), percept.data() + percept.size());
    auto attributes = ps::gridAttributes(grid);
    attributes["image"] = shown.name;
    attributes["axis_order"] = "image|percept,row,column";
    outputs.push_back(
        {"percept", std::make_shared<nl::io::ArrayDataset>(
                        nl::io::DatasetKind::Array, "plan percept of " + shown.name,
                        std::vector<std::size_t>{2, static_cast<std::size_t>(grid.height()),
                                                 static_cast<std::size_t>(grid.width())},
                        std::move(pixels), context.provenance(), attributes)});
    return outputs;
  }
};

}  // namespace

class PlanFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<PlanPlugin>();
  }
};

#include "PlanPlugin.moc"
