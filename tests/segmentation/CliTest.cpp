// From raw to metrics as a user runs it: microscopy.segment_neurons writes
// FISBe-layout labels (zarr and HDF5), fisbe.evaluate scores them; and the
// plugin's errors through the runner.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "analysis/fisbe/Evaluate.h"
#include "analysis/fisbe/VolumeLabels.h"
#include "io/ReaderRegistry.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"
#include "tests/segmentation/Planted.h"
#include "tests/support/TestSupport.h"

namespace {

using nl::test::Tube;

const std::filesystem::path kCrop = std::filesystem::path(NEUROLOUPE_FIXTURES_DIR) /
                                    "fisbe_raw/JRC_SS05008-20160318_24_B2_crop.zarr";

nlohmann::json metricsOf(const nl::test::CliRun& run) {
  const auto json = nlohmann::json::parse(run.out);
  return json.at("outputs").at("metrics").at("metrics");
}

TEST(SegmentationCli, RawToMetricsOnTheRealCrop) {
  NL_REQUIRE_FIXTURE("fisbe_raw/JRC_SS05008-20160318_24_B2_crop.zarr");
  nl::test::TempDir dir;
  double score[2] = {0, 0};
  int m = 0;
  for (const std::string method : {"baseline", "tubular"}) {
    // The baseline writes FISBe-layout HDF5 (volumes/labels); ours goes into
    // the run's result file (--out), whose /outputs/labels is the volume.
    const auto labels = dir.path() / (method + ".h5");
    const std::string where = method == "baseline" ? " --labels_path " : " --out ";
    const auto seg =
        nl::test::runCli("run microscopy.segment_neurons --input raw=" +
                         nl::test::shellQuote(kCrop.string() + "::volumes/raw") + " --method " +
                         method + where + nl::test::shellQuote(labels.string()) + " --json");
    ASSERT_EQ(seg.exitCode, 0) << seg.err;
    const std::string internal = method == "baseline" ? "::volumes/labels" : "::/outputs/labels";
    const auto eval =
        nl::test::runCli("run fisbe.evaluate --input gt=" +
                         nl::test::shellQuote(kCrop.string() + "::volumes/gt_instances") +
                         " --input pred=" + nl::test::shellQuote(labels.string() + internal) +
                         " --partly true --json");
    ASSERT_EQ(eval.exitCode, 0) << eval.err;
    const auto metrics = metricsOf(eval);
    score[m++] = metrics.at("general").at("avg_f1_cov_score").get<double>();
  }
  // Ours finds the crop's neurons; the baseline's grey > 0.2 keeps too little of them.
  EXPECT_GT(score[1], 0.15);
  EXPECT_GT(score[1], score[0]);
}

TEST(SegmentationCli, WrongChannelCountIsAClearRunError) {
  const nl::io::microscopy::VolumeShape shape{1, 8, 8, 8};
  auto grey = std::make_shared<nl::io::microscopy::VolumeDataset>(
      "grey.tif",
      std::make_shared<nl::io::microscopy::InMemoryVolumeSource<std::uint16_t>>(
          shape, std::vector<std::uint16_t>(shape.voxelCount(), 3)),
      nl::io::microscopy::VoxelSize{});
  const auto* descriptor =
      nl::test::requirePlugin(nl::test::builtinPlugins(), "microscopy.segment_neurons");
  if (descriptor == nullptr) return;
  nl::plugins::RunRequest request{
      "microscopy.segment_neurons", {{"raw", grey}}, descriptor->parameters.parse({}), "test"};
  nl::plugins::ProgressReporter quiet;
  try {
    nl::plugins::runPlugin(nl::test::builtinPlugins(), request, quiet);
    FAIL() << "no error";
  } catch (const nl::plugins::RunError& error) {
    EXPECT_NE(std::string(error.what()).find("grey.tif"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("3 colour channels"), std::string::npos)
        << error.what();
  }
}

TEST(SegmentationCli, LabelsGoToTheRequestedContainerAndBackAsAVolume) {
  const auto p = nl::test::plant(24, 48, 48, {{{{4, 6, 6}, {20, 42, 42}}, {250, 0, 90}}});
  nl::test::TempDir dir;
  const auto* descriptor =
      nl::test::requirePlugin(nl::test::builtinPlugins(), "microscopy.segment_neurons");
  if (descriptor == nullptr) return;
  const auto target = dir.path() / "out.h5";
  nl::plugins::RunRequest request{
      "microscopy.segment_neurons",
      {{"raw", p.volume}},
      descriptor->parameters.parse({{"labels_path", target.string()}, {"remove_small", "50"}}),
      "test"};
  nl::plugins::ProgressReporter quiet;
  const auto result = nl::plugins::runPlugin(nl::test::builtinPlugins(), request, quiet);
  std::shared_ptr<const nl::io::microscopy::VolumeDataset> labels;
  for (const auto& [name, d] : result.outputs)
    if (name == "labels")
      labels = std::dynamic_pointer_cast<const nl::io::microscopy::VolumeDataset>(d);
  ASSERT_TRUE(labels);
  EXPECT_EQ(labels->kind(), nl::io::DatasetKind::LabelVolume);
  EXPECT_EQ(labels->attributes().at("instances"), "1");
  EXPECT_EQ(labels->attributes().at("written_to"), target.string() + "::volumes/labels");
  EXPECT_TRUE(std::filesystem::exists(target));
  const auto bad = nl::plugins::RunRequest{
      "microscopy.segment_neurons",
      {{"raw", p.volume}},
      descriptor->parameters.parse({{"labels_path", (dir.path() / "out.png").string()}}),
      "test"};
  EXPECT_THROW(nl::plugins::runPlugin(nl::test::builtinPlugins(), bad, quiet),
               nl::plugins::RunError);
}

// The overlapping output as FISBe stores ground truth: one uint8 channel per
// instance, the crossing voxels in both channels; fisbe::evaluate scores it
// against the planted masks, and better than the one-id-per-voxel layout.
TEST(SegmentationCli, OverlappingInstancesAreWrittenOneChannelEachAndScored) {
  const Tube red{{{10, 6, 6}, {30, 58, 58}}, {260, 0, 0}};
  const Tube green{{{30, 6, 58}, {10, 58, 6}}, {0, 160, 0}};
  const auto p = nl::test::plant(40, 64, 64, {red, green});
  nl::test::TempDir dir;
  const auto* descriptor =
      nl::test::requirePlugin(nl::test::builtinPlugins(), "microscopy.segment_neurons");
  if (descriptor == nullptr) return;
  std::vector<std::uint8_t> gt(p.masks[0]);
  gt.insert(gt.end(), p.masks[1].begin(), p.masks[1].end());
  const nl::analysis::fisbe::LabelBuffer truth(gt.data(), nl::analysis::fisbe::LabelType::UInt8, 2,
                                               {40, 64, 64});
  nl::analysis::fisbe::EvaluationOptions options;
  options.threads = 1;
  double score[2] = {0, 0};
  int m = 0;
  for (const std::string layout : {"instance_channels", "label_ids"}) {
    SCOPED_TRACE(layout);
    const auto target = dir.path() / (layout + ".zarr");
    nl::plugins::RunRequest request{
        "microscopy.segment_neurons",
        {{"raw", p.volume}},
        descriptor->parameters.parse(
            {{"labels_path", target.string()}, {"labels_layout", layout}, {"remove_small", "100"}}),
        "test"};
    nl::plugins::ProgressReporter quiet;
    const auto result = nl::plugins::runPlugin(nl::test::builtinPlugins(), request, quiet);
    for (const auto& [name, d] : result.outputs)
      if (name == "labels") {
        EXPECT_NE(d->attributes().at("overlap_voxels"), "0");
      }
    const auto contents = nl::io::ReaderRegistry::builtin().open(target, "volumes/labels");
    ASSERT_EQ(contents.datasets.size(), 1u);
    const auto volume =
        std::dynamic_pointer_cast<const nl::io::microscopy::VolumeDataset>(contents.datasets[0]);
    ASSERT_TRUE(volume);
    EXPECT_EQ(volume->volumeShape().channels, layout == "label_ids" ? 1u : 2u);
    if (layout == "instance_channels") {
      EXPECT_EQ(volume->voxelType(), nl::io::microscopy::VoxelType::UInt8);
      // Read back as what it is, whatever its name: one channel per instance.
      EXPECT_EQ(volume->labelEncoding(), nl::io::microscopy::LabelEncoding::InstanceChannels);
      // Some voxels are in both channels.
      const auto a = volume->readChannel<std::uint8_t>(0), b = volume->readChannel<std::uint8_t>(1);
      std::size_t both = 0;
      for (std::size_t q = 0; q < a.size(); ++q) both += a[q] && b[q];
      EXPECT_GT(both, 20u);
    }
    const auto scored =
        nl::analysis::fisbe::evaluate(truth, nl::analysis::fisbe::VolumeLabels(*volume), options);
    EXPECT_EQ(scored.numPred, 2);
    EXPECT_EQ(scored.predOverlaps, layout == "instance_channels");
    score[m++] = scored.score;
  }
  EXPECT_GT(score[0], 0.8);
  EXPECT_GE(score[0], score[1]);
}

}  // namespace
