// fisbe.evaluate as users run it: through the plugin runner on label volumes
// from the real readers (FISBe zarr ground truth, HDF5 prediction), and on
// in-memory arrays, where it must equal the library's own evaluation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "analysis/fisbe/Evaluate.h"
#include "analysis/fisbe/MetricsJson.h"
#include "analysis/fisbe/VolumeLabels.h"
#include "io/ReaderRegistry.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"
#include "tests/support/TestSupport.h"

using namespace nl::plugins;

namespace {

const std::filesystem::path kFixtures = NEUROLOUPE_FIXTURES_DIR;

RunResult run(Inputs inputs, const std::map<std::string, std::string>& text = {}) {
  const auto* descriptor = nl::test::builtinPlugins().find("fisbe.evaluate");
  if (descriptor == nullptr || !descriptor->loaded)
    throw std::runtime_error("fisbe.evaluate not loaded" +
                             (descriptor ? ": " + descriptor->failure : std::string()));
  RunRequest request{"fisbe.evaluate", std::move(inputs), descriptor->parameters.parse(text),
                     "test"};
  ProgressReporter quiet;
  return runPlugin(nl::test::builtinPlugins(), request, quiet);
}

std::shared_ptr<const nl::io::TableDataset> output(const RunResult& result,
                                                   const std::string& name) {
  for (const auto& [n, d] : result.outputs)
    if (n == name) return std::dynamic_pointer_cast<const nl::io::TableDataset>(d);
  return nullptr;
}

// Two GT neurons as thick rods (one channel each) and a prediction that
// finds the first whole and the second in two pieces, plus a small speck.
struct Synthetic {
  static constexpr std::size_t D = 12, H = 40, W = 40;
  std::vector<double> gt = std::vector<double>(2 * D * H * W, 0.0);
  std::vector<double> pred = std::vector<double>(D * H * W, 0.0);
  Synthetic() {
    auto at = [](std::size_t z, std::size_t y, std::size_t x) { return (z * H + y) * W + x; };
    for (std::size_t z = 3; z < 9; ++z)
      for (std::size_t y = 0; y < H; ++y)
        for (std::size_t x = 0; x < W; ++x) {
          if (y >= 5 && y < 10 && x >= 2 && x < 38) {
            gt[at(z, y, x)] = 1;
            pred[at(z, y, x)] = 7;
          }
          if (x >= 25 && x < 30 && y >= 12 && y < 38) {
            gt[D * H * W + at(z, y, x)] = 1;
            pred[at(z, y, x)] = y < 24 ? 3 : 4;
          }
          if (z < 2 && y < 3 && x < 3) pred[at(z, y, x)] = 9;
        }
  }
};

TEST(FisbePlugin, InMemoryArraysGiveTheLibrarysNumbers) {
  Synthetic s;
  using nl::io::ArrayDataset;
  using nl::io::DatasetKind;
  const auto gt = std::make_shared<ArrayDataset>(
      DatasetKind::LabelVolume, "gt",
      std::vector<std::size_t>{2, Synthetic::D, Synthetic::H, Synthetic::W}, s.gt);
  const auto pred = std::make_shared<ArrayDataset>(
      DatasetKind::LabelVolume, "pred",
      std::vector<std::size_t>{Synthetic::D, Synthetic::H, Synthetic::W}, s.pred);
  const auto result = run({{"ground_truth", gt}, {"prediction", pred}}, {{"remove_small", "10"}});
  const auto metrics = output(result, "metrics");
  ASSERT_TRUE(metrics);
  // The same evaluation straight from the library on the same labels.
  std::vector<std::int64_t> gtLabels(s.gt.begin(), s.gt.end()),
      predLabels(s.pred.begin(), s.pred.end());
  const nl::analysis::fisbe::LabelBuffer gtBuffer(gtLabels.data(),
                                                  nl::analysis::fisbe::LabelType::Int64, 2,
                                                  {Synthetic::D, Synthetic::H, Synthetic::W});
  const nl::analysis::fisbe::LabelBuffer predBuffer(predLabels.data(),
                                                    nl::analysis::fisbe::LabelType::Int64, 1,
                                                    {Synthetic::D, Synthetic::H, Synthetic::W});
  nl::analysis::fisbe::EvaluationOptions options;
  options.removeSmallPredictions = 10;
  const auto expected = nl::analysis::fisbe::officialMetricsJson(
      nl::analysis::fisbe::evaluate(gtBuffer, predBuffer, options));
  EXPECT_EQ(nlohmann::json::parse(metrics->attributes().at("metrics_json")), expected);
  // One row per instance; the 9-voxel speck (≤ 10) was removed before scoring.
  const auto preds = output(result, "pred_instances");
  ASSERT_TRUE(preds);
  EXPECT_EQ(preds->rowCount(), 3u);
  const auto gts = output(result, "gt_instances");
  EXPECT_EQ(gts->rowCount(), 2u);
  const auto& names = metrics->column("metric")->strings();
  EXPECT_NE(std::find(names.begin(), names.end(), "avg_f1_cov_score"), names.end());
}

TEST(FisbePlugin, NonIntegerLabelsAreRefused) {
  using nl::io::ArrayDataset;
  using nl::io::DatasetKind;
  const auto gt = std::make_shared<ArrayDataset>(DatasetKind::LabelVolume, "gt",
                                                 std::vector<std::size_t>{2, 2, 2},
                                                 std::vector<double>(8, 0.5));
  try {
    run({{"ground_truth", gt}, {"prediction", gt}});
    FAIL() << "0.5 is not a label";
  } catch (const std::exception& error) {
    EXPECT_NE(std::string(error.what()).find("not a non-negative integer label"), std::string::npos)
        << error.what();
  }
}

// The official numbers (R14A02-20180905_65_A6_expected_metrics.toml) through
// the zarr and HDF5 readers, streamed chunk slab by chunk slab.
TEST(FisbePlugin, FixtureThroughTheRealReadersMatchesTheOfficialEvaluation) {
  const auto gtPath = kFixtures / "zarr/R14A02-20180905_65_A6.zarr";
  const auto predPath = kFixtures / "zarr/R14A02-20180905_65_A6_pred.hdf";
  NL_REQUIRE_FIXTURE_PATH(gtPath);
  NL_REQUIRE_FIXTURE_PATH(predPath);
  const auto& registry = nl::io::ReaderRegistry::builtin();
  const auto gt = registry.open(gtPath, "volumes/gt_instances").datasets.at(0);
  const auto pred = registry.open(predPath, "volumes/gmm_label_cleaned").datasets.at(0);
  const auto result = run({{"ground_truth", gt}, {"prediction", pred}});
  const auto official =
      nlohmann::json::parse(output(result, "metrics")->attributes().at("metrics_json"));
  const auto& general = official.at("general");
  EXPECT_EQ(general.at("Num GT"), 7);
  EXPECT_EQ(general.at("Num Pred"), 9);
  EXPECT_EQ(general.at("TP_05"), 3);
  EXPECT_EQ(general.at("FM"), 0);
  EXPECT_EQ(general.at("FS"), 0);
  EXPECT_NEAR(general.at("avg_gt_skel_coverage").get<double>(), 0.3841240108013153, 1e-6);
  EXPECT_NEAR(general.at("avg_f1_cov_score").get<double>(), 0.36567311651176876, 1e-6);
  const auto gts = output(result, "gt_instances");
  EXPECT_EQ(gts->numericColumn("voxels")->front(), 72631.0);
  EXPECT_EQ(*gts->numericColumn("dim"), (std::vector<double>{0, 0, 1, 0, 1, 0, 1}))
      << "dim_neurons [3, 5, 7] from the zarr attributes";
}

// The evaluation's reader decodes each GT chunk (7 channels × 64³) once per
// chunk layer and leaves the volume's chunk cache to the views.
TEST(VolumeLabelsReader, AllChannelsOfAChunkLayerDecodedOnceAndNotCached) {
  const auto gtPath = kFixtures / "zarr/R14A02-20180905_65_A6.zarr";
  NL_REQUIRE_FIXTURE_PATH(gtPath);
  const auto dataset =
      nl::io::ReaderRegistry::builtin().open(gtPath, "volumes/gt_instances").datasets.at(0);
  const auto& volume = dynamic_cast<const nl::io::microscopy::VolumeDataset&>(*dataset);
  const nl::analysis::fisbe::VolumeLabels labels(volume);
  std::vector<std::pair<std::int64_t, std::int64_t>> blocks;  // (channel, first plane)
  std::int64_t planes = 0, ones = 0;
  labels.readAllChannels(100, 140, [&](std::int64_t channel, const auto& block) {
    blocks.emplace_back(channel, block.firstPlane);
    planes += block.planes;
    const auto* values = static_cast<const std::uint8_t*>(block.data);
    for (std::int64_t i = 0; i < block.planes * 685 * 686; ++i)
      ones += values[i] == channel + 1 ? 1 : 0;
  });
  // Planes 100–139 lie in two chunk layers (64–127, 128–191): every channel
  // of the first, then every channel of the second.
  std::vector<std::pair<std::int64_t, std::int64_t>> expected;
  for (std::int64_t first : {100, 128})
    for (std::int64_t c = 0; c < 7; ++c) expected.emplace_back(c, first);
  EXPECT_EQ(blocks, expected);
  EXPECT_EQ(planes, 7 * 40);
  EXPECT_GT(ones, 0);
  const auto stats = volume.cacheStats();
  EXPECT_EQ(stats.misses, 2u * 11 * 11) << "two chunk layers of 11 × 11 chunks, each once";
  EXPECT_EQ(stats.cachedBytes, 0u);
}

}  // namespace

namespace {

// The instance table the microscopy views show: two neurons as rods of known
// size in a one-channel-per-instance volume (FISBe's layout, channel c = c+1).
TEST(InstanceTable, VoxelsBoxesAndSkeletonsAtFullResolution) {
  namespace mi = nl::io::microscopy;
  const std::size_t D = 8, H = 20, W = 40;
  std::vector<std::uint8_t> values(2 * D * H * W, 0);
  auto at = [&](std::size_t c, std::size_t z, std::size_t y, std::size_t x) -> std::uint8_t& {
    return values[((c * D + z) * H + y) * W + x];
  };
  for (std::size_t z = 3; z < 6; ++z)
    for (std::size_t y = 4; y < 7; ++y)
      for (std::size_t x = 5; x < 35; ++x) at(0, z, y, x) = 1;  // 3 × 3 × 30 rod along x
  for (std::size_t z = 2; z < 5; ++z)
    for (std::size_t y = 2; y < 18; ++y)
      for (std::size_t x = 20; x < 23; ++x) at(1, z, y, x) = 2;  // 3 × 16 × 3 rod along y
  auto source =
      std::make_shared<mi::InMemoryVolumeSource<std::uint8_t>>(mi::VolumeShape{2, D, H, W}, values);
  const mi::VolumeDataset volume("gt", source, mi::VoxelSize{0.44, 0.44, 0.44, "micrometer"},
                                 mi::LabelEncoding::InstanceChannels);
  const auto table = nl::analysis::fisbe::instanceTable(volume);
  ASSERT_EQ(table->rowCount(), 2u);
  EXPECT_EQ(*table->numericColumn("label"), (std::vector<double>{1, 2}));
  EXPECT_EQ(*table->numericColumn("voxels"), (std::vector<double>{270, 144}));
  EXPECT_EQ(*table->numericColumn("x0"), (std::vector<double>{5, 20}));
  EXPECT_EQ(*table->numericColumn("x1"), (std::vector<double>{35, 23}));
  EXPECT_EQ(*table->numericColumn("y1"), (std::vector<double>{7, 18}));
  // Thinning a 3 × 3 rod leaves its centre line, shortened at the ends.
  const auto& skeleton = *table->numericColumn("skeleton_voxels");
  EXPECT_GE(skeleton[0], 24.0);
  EXPECT_LE(skeleton[0], 30.0);
  EXPECT_GT(skeleton[0], skeleton[1]) << "the longer rod has the longer skeleton";
  // A straight centre line: one 0.44 µm step between consecutive voxels.
  EXPECT_NEAR((*table->numericColumn("skeleton_length"))[0], (skeleton[0] - 1) * 0.44, 1e-9);
  EXPECT_EQ(table->attributes().at("length_unit"), "micrometer");
}

}  // namespace
