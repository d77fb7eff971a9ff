// The fmri.glm, fmri.roi_patterns and surface.project_volume plugins end to
// end through the plugin manager and runner: output layouts and attributes
// (what the GUI and the RSA plugins read), values against the NumPy model on
// the Haxby run, and bad input turned into clear errors.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "plugins/PluginManager.h"
#include "plugins/Runner.h"
#include "tests/fmri/FmriTestSupport.h"

namespace {

using nl::io::ArrayDataset;
using nl::io::DatasetKind;
using nl::io::DatasetPtr;

nl::plugins::RunResult run(const std::string& id, const nl::plugins::Inputs& inputs,
                           const std::map<std::string, std::string>& parameters = {}) {
  const auto* descriptor = nl::test::builtinPlugins().find(id);
  if (descriptor == nullptr) throw std::runtime_error("plugin " + id + " not found");
  if (!descriptor->loaded) throw std::runtime_error(descriptor->failure);
  nl::plugins::RunRequest request;
  request.pluginId = id;
  request.inputs = inputs;
  request.parameters = descriptor->parameters.parse(parameters);
  nl::plugins::ProgressReporter progress;
  return nl::plugins::runPlugin(nl::test::builtinPlugins(), request, progress);
}

std::string runError(const std::string& id, const nl::plugins::Inputs& inputs,
                     const std::map<std::string, std::string>& parameters = {}) {
  try {
    run(id, inputs, parameters);
  } catch (const std::exception& error) {
    return error.what();
  }
  return "no error";
}

template <typename T = ArrayDataset>
std::shared_ptr<const T> output(const nl::plugins::RunResult& result, const std::string& name) {
  for (const auto& o : result.outputs)
    if (o.name == name) return std::dynamic_pointer_cast<const T>(o.dataset);
  return nullptr;
}

std::shared_ptr<const nl::io::TableDataset> haxbyEvents() {
  return nl::test::fmri::load<nl::io::TableDataset>(
      nl::test::fmri::haxby("BOLD_task001_run001_bold_events.tsv"));
}

std::shared_ptr<ArrayDataset> volume(DatasetKind kind, std::vector<std::size_t> shape,
                                     std::vector<double> values, nl::io::Attributes attributes) {
  return std::make_shared<ArrayDataset>(kind, "synthetic", std::move(shape), std::move(values),
                                        nl::io::Provenance{}, std::move(attributes));
}

}  // namespace

TEST(FmriGlmPlugin, HaxbyOutputsAndValues) {
  NL_REQUIRE_FIXTURE("nifti/haxby2001/BOLD_task001_run001_bold_25mm.nii.gz");
  const auto bold =
      nl::test::fmri::load(nl::test::fmri::haxby("BOLD_task001_run001_bold_25mm.nii.gz"));
  const auto result =
      run("fmri.glm", {{"run", bold}, {"events", haxbyEvents()}}, {{"contrast", "face - house"}});
  const auto betas = output(result, "betas");
  ASSERT_TRUE(betas);
  EXPECT_EQ(betas->kind(), DatasetKind::Volume);
  EXPECT_EQ(betas->shape(), (std::vector<std::size_t>{8, 10, 10, 6}));
  EXPECT_EQ(betas->attributes().at("axis_order"), "condition,z,y,x");
  EXPECT_EQ(
      nlohmann::json::parse(betas->attributes().at("conditions")).get<std::vector<std::string>>(),
      (std::vector<std::string>{"bottle", "cat", "chair", "face", "house", "scissors",
                                "scrambledpix", "shoe"}));
  EXPECT_EQ(betas->attributes().at("affine"), bold->attributes().at("affine"));
  const auto z = output(result, "z_map");
  ASSERT_TRUE(z);
  EXPECT_EQ(z->shape(), (std::vector<std::size_t>{10, 10, 6}));
  EXPECT_EQ(z->attributes().at("axis_order"), "z,y,x");
  EXPECT_EQ(z->attributes().at("dof"), "108");
  EXPECT_EQ(z->attributes().at("spacing"), bold->attributes().at("spacing"));
  // Voxel (i, j, k) = (3, 9, 0): NumPy model z 4.963232484460903, face beta 5.5917…
  EXPECT_NEAR(z->values()[(0 * 10 + 9) * 6 + 3], 4.963232484460903, 1e-9);
  EXPECT_NEAR(betas->values()[3 * 600 + (0 * 10 + 9) * 6 + 3], 5.591766876698761, 1e-9);
  EXPECT_NEAR(output(result, "t_map")->values()[(4 * 10 + 4) * 6 + 3], 5.122450507332774, 1e-9);
  const auto design = output<nl::io::TableDataset>(result, "design_matrix");
  ASSERT_TRUE(design);
  EXPECT_EQ(design->rowCount(), 121u);
  EXPECT_EQ(design->columns().size(), 14u);  // frame_time, 8 conditions, 4 cosines, constant
  EXPECT_NEAR((*design->numericColumn("house"))[70], 1.0647636205889934, 1e-12);
  EXPECT_EQ(design->provenance().pluginId, "fmri.glm");

  // With the ventral-temporal mask only its voxel is fitted.
  const auto vt = nl::test::fmri::load(nl::test::fmri::haxby("masks_25mm_vt.nii.gz"));
  const auto masked = run("fmri.glm", {{"run", bold}, {"events", haxbyEvents()}, {"mask", vt}},
                          {{"contrast", "face - house"}});
  const auto& zMasked = output(masked, "z_map")->values();
  std::size_t finite = 0;
  for (double v : zMasked) finite += std::isfinite(v) ? 1 : 0;
  EXPECT_EQ(finite, 1u);
  EXPECT_NEAR(zMasked[(4 * 10 + 3) * 6 + 4], -0.4061033052366134, 1e-9);
}

TEST(FmriGlmPlugin, BadInputGivesClearErrors) {
  NL_REQUIRE_FIXTURE("nifti/haxby2001/BOLD_task001_run001_bold_events.tsv");
  const nl::io::Attributes withTr{{"tr", "2"}};
  std::vector<double> noise(60 * 8);
  for (std::size_t i = 0; i < noise.size(); ++i) noise[i] = 100 + std::sin(1.7 * double(i));
  const auto run60 = volume(DatasetKind::VoxelSeries, {60, 2, 2, 2}, noise, withTr);
  const auto events = haxbyEvents();  // onsets up to 265 s; 60 scans × 2 s = 120 s
  EXPECT_NE(runError("fmri.glm", {{"run", run60}, {"events", events}}).find("after the run ends"),
            std::string::npos);
  nl::io::TableDataset early(DatasetKind::Table, "events",
                             {nl::io::Column{"onset", std::vector<double>{10, 50}},
                              nl::io::Column{"duration", std::vector<double>{10, 10}},
                              nl::io::Column{"trial_type", std::vector<std::string>{"a", "b"}}});
  const auto shortEvents =
      std::make_shared<nl::io::TableDataset>(DatasetKind::Table, "events", early.columns());
  EXPECT_NE(runError("fmri.glm", {{"run", run60}, {"events", shortEvents}}, {{"contrast", "a - c"}})
                .find("unknown condition 'c' (known: a, b)"),
            std::string::npos);
  const auto wrongMask = volume(DatasetKind::Volume, {3, 2, 2}, std::vector<double>(12, 1), {});
  EXPECT_NE(runError("fmri.glm", {{"run", run60}, {"events", shortEvents}, {"mask", wrongMask}})
                .find("resample the mask"),
            std::string::npos);
  const auto emptyMask = volume(DatasetKind::Volume, {2, 2, 2}, std::vector<double>(8, 0), {});
  EXPECT_NE(runError("fmri.glm", {{"run", run60}, {"events", shortEvents}, {"mask", emptyMask}})
                .find("is empty"),
            std::string::npos);
  const auto noTr = volume(DatasetKind::VoxelSeries, {60, 2, 2, 2}, noise, {});
  EXPECT_NE(
      runError("fmri.glm", {{"run", noTr}, {"events", shortEvents}}).find("no repetition time"),
      std::string::npos);
  EXPECT_EQ(runError("fmri.glm", {{"run", noTr}, {"events", shortEvents}}, {{"tr", "2"}}),
            "no error");
  const auto oneScan =
      volume(DatasetKind::VoxelSeries, {1, 2, 2, 2}, std::vector<double>(8, 1), withTr);
  EXPECT_NE(runError("fmri.glm", {{"run", oneScan}, {"events", shortEvents}}).find("at least 2"),
            std::string::npos);
  EXPECT_NE(runError("fmri.glm", {{"run", run60}, {"events", shortEvents}}, {{"contrast", "a -"}})
                .find("ends with a sign"),
            std::string::npos);
}

TEST(FmriRoiPatterns, BetasInMaskBecomeResponseMatrix) {
  // 3 conditions on a 4 × 3 × 2 grid; betas[c][v] = 10 c + v.
  std::vector<double> betas(3 * 24);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t v = 0; v < 24; ++v) betas[c * 24 + v] = 10.0 * double(c) + double(v);
  betas[1 * 24 + 7] = std::nan("");  // outside the GLM's mask in one condition: dropped
  const nl::io::Attributes grid{{"affine", "2,0,0,-10,0,3,0,5,0,0,4,1,0,0,0,1"},
                                {"conditions", R"(["cat","face","house"])"}};
  const auto betaVolume = volume(DatasetKind::Volume, {3, 2, 3, 4}, betas, grid);
  std::vector<double> maskValues(24, 0);
  for (std::size_t v : {1, 7, 13, 23}) maskValues[v] = 1;
  const auto mask = volume(DatasetKind::Volume, {2, 3, 4}, maskValues,
                           {{"affine", "2,0,0,-10,0,3,0,5,0,0,4,1,0,0,0,1"}});
  const auto result = run("fmri.roi_patterns", {{"betas", betaVolume}, {"mask", mask}});
  const auto patterns = output(result, "patterns");
  ASSERT_TRUE(patterns);
  EXPECT_EQ(patterns->kind(), DatasetKind::ResponseMatrix);
  EXPECT_EQ(patterns->shape(), (std::vector<std::size_t>{3, 3}));
  EXPECT_EQ(patterns->values(), (std::vector<double>{1, 13, 23, 11, 23, 33, 21, 33, 43}));
  const auto& a = patterns->attributes();
  EXPECT_EQ(nlohmann::json::parse(a.at("stimulus_labels")).get<std::vector<std::string>>(),
            (std::vector<std::string>{"cat", "face", "house"}));
  EXPECT_EQ(nlohmann::json::parse(a.at("unit_ids")).get<std::vector<double>>(),
            (std::vector<double>{1, 13, 23}));
  // Voxel 23 = (i 3, j 2, k 1) → world (2·3 − 10, 3·2 + 5, 4·1 + 1).
  EXPECT_EQ(nlohmann::json::parse(a.at("voxel_ijk"))[2], nlohmann::json::parse("[3,2,1]"));
  EXPECT_EQ(nlohmann::json::parse(a.at("voxel_xyz_mm"))[2],
            nlohmann::json::parse("[-4.0,11.0,5.0]"));

  const auto centred = run("fmri.roi_patterns", {{"betas", betaVolume}, {"mask", mask}},
                           {{"centre_voxels", "true"}});
  EXPECT_EQ(output(centred, "patterns")->values(),
            (std::vector<double>{-10, -10, -10, 0, 0, 0, 10, 10, 10}));
  const auto otherGrid = volume(DatasetKind::Volume, {2, 3, 4}, maskValues, {});
  EXPECT_NE(runError("fmri.roi_patterns", {{"betas", betaVolume}, {"mask", otherGrid}})
                .find("different affine"),
            std::string::npos);
  const auto smallMask = volume(DatasetKind::Volume, {1, 3, 4}, std::vector<double>(12, 1), {});
  EXPECT_NE(runError("fmri.roi_patterns", {{"betas", betaVolume}, {"mask", smallMask}})
                .find("voxels but the betas are"),
            std::string::npos);
}

TEST(FmriProjectionPlugin, LinearFieldOnMesh) {
  // value = x + 2y − z on a 5 × 4 × 3 grid with 2 × 3 × 4 mm voxels.
  const std::string affine = "2,0,0,-4,0,3,0,1,0,0,4,-2,0,0,0,1";
  std::vector<double> values(60), series;
  for (std::size_t k = 0; k < 3; ++k)
    for (std::size_t j = 0; j < 4; ++j)
      for (std::size_t i = 0; i < 5; ++i) {
        const double x = 2.0 * double(i) - 4, y = 3.0 * double(j) + 1, zz = 4.0 * double(k) - 2;
        values[(k * 4 + j) * 5 + i] = x + 2 * y - zz;
      }
  const auto field = volume(DatasetKind::Volume, {3, 4, 5}, values, {{"affine", affine}});
  const auto white = std::make_shared<nl::io::SurfaceMeshDataset>(
      "lh.white", std::vector<float>{0.5f, 4.0f, 1.0f, -3.0f, 2.0f, 0.0f, 100.0f, 0.0f, 0.0f},
      std::vector<std::int32_t>{0, 1, 2}, nl::io::Provenance{},
      nl::io::Attributes{{"hemisphere", "left"}});
  const auto result = run("surface.project_volume", {{"volume", field}, {"mesh", white}});
  const auto overlay = output(result, "overlay");
  ASSERT_TRUE(overlay);
  EXPECT_EQ(overlay->kind(), DatasetKind::SurfaceOverlay);
  EXPECT_EQ(overlay->shape(), (std::vector<std::size_t>{3}));
  EXPECT_NEAR(overlay->values()[0], 0.5 + 8.0 - 1.0, 1e-12);
  EXPECT_NEAR(overlay->values()[1], -3.0 + 4.0 - 0.0, 1e-12);
  EXPECT_TRUE(std::isnan(overlay->values()[2]));
  EXPECT_EQ(overlay->attributes().at("hemisphere"), "left");

  // A 2-volume series and a pial surface 2 mm further in z: 3 depth samples.
  series = values;
  for (double v : values) series.push_back(-v);
  const auto run2 = volume(DatasetKind::VoxelSeries, {2, 3, 4, 5}, series, {{"affine", affine}});
  const auto pial = std::make_shared<nl::io::SurfaceMeshDataset>(
      "lh.pial", std::vector<float>{0.5f, 4.0f, 3.0f, -3.0f, 2.0f, 2.0f, 100.0f, 0.0f, 2.0f},
      std::vector<std::int32_t>{0, 1, 2});
  const auto both =
      run("surface.project_volume", {{"volume", run2}, {"mesh", white}, {"outer_mesh", pial}},
          {{"depth_samples", "3"}});
  const auto columns = output(both, "overlay");
  EXPECT_EQ(columns->shape(), (std::vector<std::size_t>{3, 2}));
  EXPECT_NEAR(columns->values()[0], 0.5 + 8.0 - 2.0, 1e-12);  // mean depth z = 2
  EXPECT_NEAR(columns->values()[1], -(0.5 + 8.0 - 2.0), 1e-12);
  const auto tiny = std::make_shared<nl::io::SurfaceMeshDataset>(
      "other", std::vector<float>{0, 0, 0}, std::vector<std::int32_t>{});
  EXPECT_NE(
      runError("surface.project_volume", {{"volume", field}, {"mesh", white}, {"outer_mesh", tiny}})
          .find("same surface at two depths"),
      std::string::npos);
}

TEST(FmriRoiPatterns, FeedsTheRsaRdmPlugin) {
  NL_REQUIRE_FIXTURE("nifti/haxby2001/BOLD_task001_run001_bold_25mm.nii.gz");
  if (nl::test::requirePlugin(nl::test::builtinPlugins(), "rsa.rdm") == nullptr) return;
  const auto bold =
      nl::test::fmri::load(nl::test::fmri::haxby("BOLD_task001_run001_bold_25mm.nii.gz"));
  const auto glm = run("fmri.glm", {{"run", bold}, {"events", haxbyEvents()}});
  const auto betas = output(glm, "betas");
  // The whole 6 × 10 × 10 grid as the region.
  const auto everywhere = volume(DatasetKind::Volume, {10, 10, 6}, std::vector<double>(600, 1),
                                 {{"affine", bold->attributes().at("affine")}});
  const auto patterns =
      output(run("fmri.roi_patterns", {{"betas", betas}, {"mask", everywhere}}), "patterns");
  ASSERT_EQ(patterns->shape(), (std::vector<std::size_t>{8, 600}));
  const auto rdm = output(run("rsa.rdm", {{"data", patterns}}), "rdm");
  ASSERT_TRUE(rdm);
  ASSERT_EQ(rdm->shape(), (std::vector<std::size_t>{8, 8}));
  // 1 − Pearson r between condition patterns, from NumPy (np.corrcoef of the
  // reference model's betas): face/house, bottle/cat, face/shoe.
  EXPECT_NEAR(rdm->values()[3 * 8 + 4], 1.4214790099696706, 1e-9);
  EXPECT_NEAR(rdm->values()[0 * 8 + 1], 0.8063331698340473, 1e-9);
  EXPECT_NEAR(rdm->values()[3 * 8 + 7], 1.185507549927548, 1e-9);
  EXPECT_EQ(nlohmann::json::parse(rdm->attributes().at("stimulus_labels"))[3], "face");
}

TEST(FmriProjectionPlugin, HaxbyZMapOnFsaverage5MatchesScipy) {
  NL_REQUIRE_FIXTURE("nifti/haxby2001/BOLD_task001_run001_bold_25mm.nii.gz");
  NL_REQUIRE_FIXTURE("surface/fsaverage5/white_left.gii.gz");
  const auto bold =
      nl::test::fmri::load(nl::test::fmri::haxby("BOLD_task001_run001_bold_25mm.nii.gz"));
  const auto z = output(
      run("fmri.glm", {{"run", bold}, {"events", haxbyEvents()}}, {{"contrast", "face - house"}}),
      "z_map");
  const auto surfaces = nl::test::fixtures() / "surface" / "fsaverage5";
  const auto white =
      nl::test::fmri::load<nl::io::SurfaceMeshDataset>(surfaces / "white_left.gii.gz");
  const auto pial = nl::test::fmri::load<nl::io::SurfaceMeshDataset>(surfaces / "pial_left.gii.gz");
  const auto overlay =
      output(run("surface.project_volume", {{"volume", z}, {"mesh", white}, {"outer_mesh", pial}}),
             "overlay");
  ASSERT_EQ(overlay->shape(), (std::vector<std::size_t>{10242}));
  // Reference: scipy.ndimage.map_coordinates(order=1) at 5 depths through
  // the inverse affine, averaged over the samples inside the grid.
  std::size_t finite = 0;
  for (double v : overlay->values()) finite += std::isfinite(v) ? 1 : 0;
  EXPECT_EQ(finite, 10129u);
  EXPECT_TRUE(std::isnan(overlay->values()[62]));
  const std::pair<std::size_t, double> expected[] = {{0, 0.002166849515358349},
                                                     {100, 0.8368685558830846},
                                                     {5000, 0.34779819247637866},
                                                     {10241, -0.024846628954569686}};
  for (auto [vertex, value] : expected)
    EXPECT_NEAR(overlay->values()[vertex], value, 1e-9) << vertex;
  EXPECT_EQ(overlay->attributes().at("statistic"), "z");
}
