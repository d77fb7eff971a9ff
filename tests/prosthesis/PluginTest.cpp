// prosthesis.percept and prosthesis.plan end to end through the plugin
// manager and runner, on flat-map electrodes and on fsaverage5 with the
// Benson template; bad input becomes a clear error.
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include "analysis/prosthesis/Loaders.h"
#include "analysis/prosthesis/Retinotopy.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"
#include "tests/support/TestSupport.h"

namespace pr = nl::analysis::prosthesis;

namespace {

nl::plugins::RunResult run(const std::string& id, const nl::plugins::Inputs& inputs,
                           const std::map<std::string, std::string>& parameters = {}) {
  const auto* descriptor = nl::test::requirePlugin(nl::test::builtinPlugins(), id);
  if (descriptor == nullptr) throw std::runtime_error("plugin " + id + " is not usable");
  nl::plugins::RunRequest request;
  request.pluginId = id;
  request.inputs = inputs;
  request.parameters = descriptor->parameters.parse(parameters);
  nl::plugins::ProgressReporter progress;
  return nl::plugins::runPlugin(nl::test::builtinPlugins(), request, progress);
}

template <typename T = nl::io::ArrayDataset>
std::shared_ptr<const T> output(const nl::plugins::RunResult& result, const std::string& name) {
  for (const auto& o : result.outputs)
    if (o.name == name) return std::dynamic_pointer_cast<const T>(o.dataset);
  return nullptr;
}

std::shared_ptr<nl::io::TableDataset> table(std::vector<nl::io::Column> columns) {
  return std::make_shared<nl::io::TableDataset>(nl::io::DatasetKind::Table, "implant",
                                                std::move(columns));
}

const std::filesystem::path kSurface = "surface/fsaverage5";
const std::filesystem::path kBenson = "surface/benson14_fsaverage";

}  // namespace

TEST(ProsthesisPerceptPlugin, UtahArrayOnTheFlatMap) {
  // A 3 × 3 corner of a Utah array (400 µm pitch) around 20 mm on V1.
  std::vector<double> x, y;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) x.push_back(20 + 0.4 * i), y.push_back(-1 + 0.4 * j);
  const auto result = run("prosthesis.percept", {{"electrodes", table({{"x_mm", x}, {"y_mm", y}})}},
                          {{"step", "0.1"}, {"half_extent", "6"}, {"amplitude_ua", "90"}});
  const auto phosphenes = output<nl::io::TableDataset>(result, "phosphenes");
  const auto percept = output(result, "percept");
  ASSERT_TRUE(phosphenes && percept);
  const pr::AnalyticMap map(pr::MapParameters::pulse2percept());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const auto f = map.toVisualField({x[i], y[i]}, pr::Hemisphere::Left, 1);
    EXPECT_NEAR((*phosphenes->numericColumn("x_deg"))[i], f.x, 1e-9);
    EXPECT_NEAR((*phosphenes->numericColumn("y_deg"))[i], f.y, 1e-9);
    EXPECT_NEAR((*phosphenes->numericColumn("eccentricity_deg"))[i], pr::eccentricityOf(f), 1e-9);
    EXPECT_EQ((*phosphenes->numericColumn("in_view"))[i], 1.0);
    EXPECT_NEAR((*phosphenes->numericColumn("amplitude_ua"))[i], 90.0, 1e-9);
  }
  ASSERT_EQ(percept->shape(), (std::vector<std::size_t>{121, 121}));
  EXPECT_GT(*std::max_element(percept->values().begin(), percept->values().end()), 0.3);
  EXPECT_EQ(percept->attributes().at("model"), "gaussian");
  // Lower-field electrodes (y < 0 on the map) give lower-field phosphenes.
  EXPECT_LT((*phosphenes->numericColumn("y_deg"))[0], 0);
}

TEST(ProsthesisPerceptPlugin, VerticesWithBensonRetinotopy) {
  NL_REQUIRE_FIXTURE(kSurface / "pial_left.gii.gz");
  NL_REQUIRE_FIXTURE(kBenson / "lh.benson14_angle.v4_0.mgz");
  const auto mesh = pr::readSurfaceMesh(nl::test::fixtures() / kSurface / "pial_left.gii.gz");
  const auto angle = pr::readOverlay(nl::test::fixtures() / kBenson / "lh.benson14_angle.v4_0.mgz");
  const auto eccen = pr::readOverlay(nl::test::fixtures() / kBenson / "lh.benson14_eccen.v4_0.mgz");
  const auto area = pr::readOverlay(nl::test::fixtures() / kBenson / "lh.benson14_varea.v4_0.mgz");
  // Three V1 vertices (by the template) and their RAS positions.
  std::vector<double> vertices, xs, ys, zs;
  for (std::size_t v = 0; v < mesh->vertexCount() && vertices.size() < 3; ++v)
    if (area->values()[v] == 1 && eccen->values()[v] > 2 && eccen->values()[v] < 8) {
      vertices.push_back(static_cast<double>(v));
      xs.push_back(mesh->vertices()[3 * v]), ys.push_back(mesh->vertices()[3 * v + 1]),
          zs.push_back(mesh->vertices()[3 * v + 2]);
    }
  ASSERT_EQ(vertices.size(), 3u);
  const nl::plugins::Inputs common{
      {"mesh", mesh}, {"angle", angle}, {"eccentricity", eccen}, {"area", area}};
  auto byVertex = common;
  byVertex["electrodes"] = table({{"vertex", vertices}});
  auto byRas = common;
  byRas["electrodes"] = table({{"x", xs}, {"y", ys}, {"z", zs}});
  const auto a = output<nl::io::TableDataset>(run("prosthesis.percept", byVertex), "phosphenes");
  const auto b = output<nl::io::TableDataset>(run("prosthesis.percept", byRas), "phosphenes");
  for (std::size_t i = 0; i < 3; ++i) {
    const auto v = static_cast<std::size_t>(vertices[i]);
    EXPECT_NEAR((*a->numericColumn("eccentricity_deg"))[i], eccen->values()[v], 1e-9);
    // Benson's angle is unsigned; the left hemisphere sees the right field.
    EXPECT_NEAR((*a->numericColumn("polar_angle_deg"))[i], angle->values()[v], 1e-9);
    EXPECT_NEAR((*b->numericColumn("eccentricity_deg"))[i], eccen->values()[v], 1e-6);
    EXPECT_EQ((*b->numericColumn("area"))[i], 1.0);
  }
}

TEST(ProsthesisPerceptPlugin, BadInputIsNamed) {
  try {
    run("prosthesis.percept", {{"electrodes", table({{"depth", std::vector<double>{1.0}}})}});
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("x_mm"), std::string::npos) << e.what();
  }
  try {
    run("prosthesis.percept", {{"electrodes", table({{"x_mm", std::vector<double>{10.0}},
                                                     {"y_mm", std::vector<double>{0.0}},
                                                     {"area", std::vector<double>{7.0}}})}});
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("area 7"), std::string::npos) << e.what();
  }
}

TEST(ProsthesisPlanPlugin, SmallPlanOnFsaverage5) {
  for (const char* f : {"white_left.gii.gz", "pial_left.gii.gz", "sphere_left.gii.gz"})
    NL_REQUIRE_FIXTURE(kSurface / f);
  NL_REQUIRE_FIXTURE(kBenson / "lh.benson14_varea.v4_0.mgz");
  const auto dir = nl::test::fixtures() / kSurface, benson = nl::test::fixtures() / kBenson;
  const nl::plugins::Inputs inputs{
      {"white", pr::readSurfaceMesh(dir / "white_left.gii.gz")},
      {"pial", pr::readSurfaceMesh(dir / "pial_left.gii.gz")},
      {"sphere", pr::readSurfaceMesh(dir / "sphere_left.gii.gz")},
      {"angle", pr::readOverlay(benson / "lh.benson14_angle.v4_0.mgz")},
      {"eccentricity", pr::readOverlay(benson / "lh.benson14_eccen.v4_0.mgz")},
      {"area", pr::readOverlay(benson / "lh.benson14_varea.v4_0.mgz")}};
  const auto result = run("prosthesis.plan", inputs,
                          {{"electrodes", "12"},
                           {"iterations", "5"},
                           {"training_images", "3"},
                           {"held_out_images", "2"},
                           {"step", "0.5"},
                           {"half_extent", "8"},
                           {"seed", "4"}});
  const auto electrodes = output<nl::io::TableDataset>(result, "electrodes");
  const auto history = output<nl::io::TableDataset>(result, "loss_history");
  const auto metrics = output<nl::io::TableDataset>(result, "metrics");
  const auto percept = output(result, "percept");
  ASSERT_TRUE(electrodes && history && metrics && percept);
  EXPECT_EQ(electrodes->kind(), nl::io::DatasetKind::Electrodes);
  EXPECT_EQ(electrodes->rowCount(), 12u);
  EXPECT_EQ(electrodes->attributes().at("hemisphere"), "left");
  EXPECT_EQ(history->rowCount(), 6u);  // the start and 5 iterations
  ASSERT_EQ(metrics->rowCount(), 4u);
  EXPECT_EQ(metrics->column("plan")->cellText(0), "percept-aware");
  for (std::size_t i = 0; i < 12; ++i) {
    EXPECT_EQ((*electrodes->numericColumn("area"))[i], 1.0);
    EXPECT_GE((*electrodes->numericColumn("vertex"))[i], 0.0);
    EXPECT_LT((*electrodes->numericColumn("y"))[i], -60.0);  // occipital
    // MNI152 differs from MNI305 by FreeSurfer's small affine.
    EXPECT_NEAR((*electrodes->numericColumn("mni_y"))[i], (*electrodes->numericColumn("y"))[i],
                3.0);
  }
  EXPECT_EQ(percept->shape(), (std::vector<std::size_t>{2, 33, 33}));
  EXPECT_EQ(result.provenance.pluginId, "prosthesis.plan");
}

TEST(ProsthesisPerceptPlugin, ScoreboardAndImageAmplitudes) {
  // Two electrodes on the flat map; the scoreboard peaks where each maps.
  const std::vector<double> x{15, 25}, y{1, -2};
  const auto result = run("prosthesis.percept", {{"electrodes", table({{"x_mm", x}, {"y_mm", y}})}},
                          {{"model", "scoreboard"}, {"step", "0.02"}, {"half_extent", "6"}});
  const auto percept = output(result, "percept");
  const auto phosphenes = output<nl::io::TableDataset>(result, "phosphenes");
  ASSERT_TRUE(percept && phosphenes);
  // ρ = 200 µm is ~0.04° here: a fine grid puts a pixel centre near each peak.
  const double step = 0.02;
  for (std::size_t i = 0; i < 2; ++i) {
    const double fx = (*phosphenes->numericColumn("x_deg"))[i],
                 fy = (*phosphenes->numericColumn("y_deg"))[i];
    const auto column = static_cast<std::size_t>(std::lround((fx + 6) / step));
    const auto row = static_cast<std::size_t>(std::lround((6 - fy) / step));
    EXPECT_GT(percept->values()[row * 601 + column], 0.85) << i;  // amplitude fraction 1
  }
  // An image sets amplitudes: a black image leaves every electrode off.
  auto black = std::make_shared<nl::io::ArrayDataset>(nl::io::DatasetKind::Array, "black",
                                                      std::vector<std::size_t>{20, 20},
                                                      std::vector<double>(400, 0.0));
  const auto off = run("prosthesis.percept",
                       {{"electrodes", table({{"x_mm", x}, {"y_mm", y}})}, {"image", black}});
  for (double a : *output<nl::io::TableDataset>(off, "phosphenes")->numericColumn("amplitude_ua"))
    EXPECT_EQ(a, 0.0);
  EXPECT_EQ(*std::max_element(output(off, "percept")->values().begin(),
                              output(off, "percept")->values().end()),
            0.0);
}

TEST(ProsthesisPlanPlugin, BothHemispheresInOneRun) {
  for (const char* side : {"left", "right"})
    for (const char* surface : {"white", "pial", "sphere"})
      NL_REQUIRE_FIXTURE(kSurface / (std::string(surface) + "_" + side + ".gii.gz"));
  NL_REQUIRE_FIXTURE(kBenson / "rh.benson14_varea.v4_0.mgz");
  const auto dir = nl::test::fixtures() / kSurface, benson = nl::test::fixtures() / kBenson;
  nl::plugins::Inputs inputs;
  for (const auto& [suffix, side, hemi] :
       {std::tuple{"", "left", "lh"}, std::tuple{"_right", "right", "rh"}}) {
    const std::string s(suffix), h(hemi);
    inputs["white" + s] = pr::readSurfaceMesh(dir / ("white_" + std::string(side) + ".gii.gz"));
    inputs["pial" + s] = pr::readSurfaceMesh(dir / ("pial_" + std::string(side) + ".gii.gz"));
    inputs["sphere" + s] = pr::readSurfaceMesh(dir / ("sphere_" + std::string(side) + ".gii.gz"));
    inputs["angle" + s] = pr::readOverlay(benson / (h + ".benson14_angle.v4_0.mgz"));
    inputs["eccentricity" + s] = pr::readOverlay(benson / (h + ".benson14_eccen.v4_0.mgz"));
    inputs["area" + s] = pr::readOverlay(benson / (h + ".benson14_varea.v4_0.mgz"));
  }
  const std::map<std::string, std::string> parameters{{"electrodes", "24"},
                                                      {"iterations", "4"},
                                                      {"training_images", "6"},
                                                      {"held_out_images", "2"},
                                                      {"step", "0.5"},
                                                      {"half_extent", "8"},
                                                      {"seed", "4"},
                                                      {"baselines", "false"}};
  const auto result = run("prosthesis.plan", inputs, parameters);
  const auto electrodes = output<nl::io::TableDataset>(result, "electrodes");
  const auto metrics = output<nl::io::TableDataset>(result, "metrics");
  ASSERT_TRUE(electrodes && metrics);
  EXPECT_EQ(electrodes->attributes().at("hemisphere"), "both");
  ASSERT_EQ(electrodes->rowCount(), 24u);
  const auto* side = electrodes->column("hemisphere");
  ASSERT_NE(side, nullptr);
  int left = 0, right = 0;
  for (std::size_t i = 0; i < 24; ++i) {
    const double xDeg = (*electrodes->numericColumn("x_deg"))[i];
    const double x = (*electrodes->numericColumn("x"))[i];
    const double vertex = (*electrodes->numericColumn("vertex"))[i];
    EXPECT_GE(vertex, 0.0);
    EXPECT_LT(vertex, 10242.0) << "numbered in its own hemisphere";
    // The exact site: a triangle of its hemisphere and weights summing to 1.
    const double triangle = (*electrodes->numericColumn("triangle"))[i];
    EXPECT_GE(triangle, 0.0);
    EXPECT_LT(triangle, 20480.0);
    EXPECT_NEAR((*electrodes->numericColumn("bary0"))[i] +
                    (*electrodes->numericColumn("bary1"))[i] +
                    (*electrodes->numericColumn("bary2"))[i],
                1.0, 1e-12);
    if (side->cellText(i) == "left") {
      ++left;
      EXPECT_GE(xDeg, -0.3) << "a left-hemisphere electrode lands in the right visual field";
      EXPECT_LT(x, 0.0);
    } else {
      ASSERT_EQ(side->cellText(i), "right");
      ++right;
      EXPECT_LE(xDeg, 0.3) << "a right-hemisphere electrode lands in the left visual field";
      EXPECT_GT(x, 0.0);
    }
  }
  EXPECT_GT(left, 0);
  EXPECT_GT(right, 0);
  EXPECT_EQ((*metrics->numericColumn("electrodes"))[0], 24.0) << "plan metrics over both";
  // Half a right hemisphere is refused, naming the missing input.
  auto partial = inputs;
  partial.erase("sphere_right");
  try {
    (void)run("prosthesis.plan", partial, parameters);
    ADD_FAILURE() << "a plan without sphere_right ran";
  } catch (const std::exception& error) {
    EXPECT_NE(std::string(error.what()).find("sphere_right"), std::string::npos) << error.what();
  }
}
