// A fisbe.evaluate result file opened alone brings back the volumes it
// scored (issue 12: "the scored volumes are not in the session; 3D views stay
// empty"): its provenance records both inputs by file and internal path,
// Session finds the run's outputs by run id, and io::reopenRunInputs opens
// the inputs, or reports which file is missing so the user can locate it.
#include <gtest/gtest.h>

#include "io/ReaderRegistry.h"
#include "io/ResultFile.h"
#include "io/RunInputs.h"
#include "io/hdf5/H5.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"
#include "tests/support/TestSupport.h"

using namespace nl::io;
using namespace nl::plugins;

namespace {

const std::filesystem::path kFixtures = NEUROLOUPE_FIXTURES_DIR;

RunResult evaluate(const DatasetPtr& gt, const DatasetPtr& pred) {
  const auto* descriptor = nl::test::builtinPlugins().find("fisbe.evaluate");
  if (descriptor == nullptr || !descriptor->loaded)
    throw std::runtime_error("fisbe.evaluate not loaded" +
                             (descriptor ? ": " + descriptor->failure : std::string()));
  RunRequest request{"fisbe.evaluate",
                     {{"ground_truth", gt}, {"prediction", pred}},
                     descriptor->parameters.parse({}),
                     "test"};
  ProgressReporter quiet;
  return runPlugin(nl::test::builtinPlugins(), request, quiet);
}

std::vector<DatasetId> addAll(Session& session, const std::filesystem::path& path) {
  std::vector<DatasetId> ids;
  for (const auto& dataset : ReaderRegistry::builtin().open(path).datasets)
    ids.push_back(session.add(dataset));
  return ids;
}

DatasetId outputNamed(const Session& session, const std::string& runId, const std::string& name) {
  for (const auto id : session.outputsOfRun(runId))
    if (session.find(id)->provenance().outputName == name) return id;
  return kNoDataset;
}

// Ground truth and prediction as two datasets of one HDF5 file: two rods,
// the second predicted in two pieces.
void writeLabels(const std::filesystem::path& path) {
  constexpr std::size_t D = 8, H = 24, W = 24;
  std::vector<double> gt(D * H * W, 0.0), pred(D * H * W, 0.0);
  for (std::size_t z = 2; z < 6; ++z)
    for (std::size_t y = 0; y < H; ++y)
      for (std::size_t x = 0; x < W; ++x) {
        const std::size_t i = (z * H + y) * W + x;
        if (y >= 3 && y < 6 && x >= 2 && x < 22) gt[i] = pred[i] = 1;
        if (x >= 15 && x < 18 && y >= 8 && y < 22) {
          gt[i] = 2;
          pred[i] = y < 15 ? 3 : 4;
        }
      }
  auto file = h5::File::create(path);
  file.root().writeDoubles("gt", gt, {D, H, W});
  file.root().writeDoubles("pred", pred, {D, H, W});
  file.close();
}

}  // namespace

TEST(FisbeRunInputs, ResultOpenedAloneReopensBothVolumesOfOneFileAndRelocatesThemTogether) {
  nl::test::TempDir dir;
  writeLabels(dir / "labels.h5");
  const auto& registry = ReaderRegistry::builtin();
  const auto gt = registry.open(dir / "labels.h5", "/gt").datasets.at(0);
  const auto pred = registry.open(dir / "labels.h5", "/pred").datasets.at(0);
  const auto result = evaluate(gt, pred);
  const std::string runId = result.provenance.runId;
  ASSERT_EQ(result.provenance.inputs.size(), 2u);
  EXPECT_EQ(result.provenance.inputs[0].port, "ground_truth");
  EXPECT_EQ(result.provenance.inputs[0].internalPath, "/gt");
  EXPECT_EQ(result.provenance.inputs[1].port, "prediction");
  EXPECT_EQ(result.provenance.inputs[1].internalPath, "/pred");
  writeResultFile(dir / "r.h5", result.outputs, result.provenance);

  Session session;
  const auto opened = addAll(session, dir / "r.h5");
  EXPECT_EQ(session.outputsOfRun(runId), opened) << "metrics, gt_instances, pred_instances";
  EXPECT_NE(outputNamed(session, runId, "metrics"), kNoDataset);
  EXPECT_NE(outputNamed(session, runId, "gt_instances"), kNoDataset);
  EXPECT_NE(outputNamed(session, runId, "pred_instances"), kNoDataset);
  auto report = reopenRunInputs(session, runId);
  ASSERT_EQ(report.items.size(), 2u);
  EXPECT_TRUE(report.complete()) << report.items[0].message << "; " << report.items[1].message;
  for (const auto& input : session.inputsOfRun(runId)) {
    ASSERT_NE(input.id, kNoDataset) << input.record.port;
    EXPECT_EQ(session.find(input.id)->datasetId(), input.record.datasetId);
  }
  EXPECT_EQ(session.find(report.find("prediction")->id)->provenance().internalPath, "/pred");

  // The labels file moved: both inputs missing; locating one finds the other.
  std::filesystem::create_directories(dir / "new");
  std::filesystem::rename(dir / "labels.h5", dir / "new/labels_v2.h5");
  session.clear();
  addAll(session, dir / "r.h5");
  report = reopenRunInputs(session, runId);
  ASSERT_EQ(report.items.size(), 2u);
  EXPECT_EQ(report.find("ground_truth")->status, ReopenStatus::Missing);
  EXPECT_EQ(report.find("prediction")->status, ReopenStatus::Missing);
  const auto located = relocateRunInput(session, runId, "ground_truth", dir / "new/labels_v2.h5");
  ASSERT_EQ(located.items.size(), 2u);
  EXPECT_EQ(located.items[0].port, "ground_truth");
  EXPECT_EQ(located.items[1].port, "prediction");
  for (const auto& item : located.items)
    EXPECT_EQ(item.status, ReopenStatus::Relocated) << item.message;
  const auto inputs = session.inputsOfRun(runId);
  ASSERT_EQ(inputs.size(), 2u);
  EXPECT_EQ(session.find(inputs[0].id)->provenance().internalPath, "/gt");
  EXPECT_EQ(session.find(inputs[1].id)->provenance().internalPath, "/pred");
  EXPECT_EQ(session.find(inputs[1].id)->provenance().sourcePath,
            (dir / "new/labels_v2.h5").string());
}

// The case on the real FISBe pair: a zarr ground truth and an HDF5
// prediction, scored through the CLI's path (runPlugin + result file).
TEST(FisbeRunInputs, FixtureResultReopensTheZarrAndTheHdf5AndReportsAMovedPrediction) {
  const auto gtSource = kFixtures / "zarr/R14A02-20180905_65_A6.zarr";
  const auto predSource = kFixtures / "zarr/R14A02-20180905_65_A6_pred.hdf";
  NL_REQUIRE_FIXTURE_PATH(gtSource);
  NL_REQUIRE_FIXTURE_PATH(predSource);
  nl::test::TempDir dir;
  std::filesystem::copy(gtSource, dir / "gt.zarr", std::filesystem::copy_options::recursive);
  std::filesystem::copy_file(predSource, dir / "pred.hdf");
  const auto& registry = ReaderRegistry::builtin();
  const auto gt = registry.open(dir / "gt.zarr", "volumes/gt_instances").datasets.at(0);
  const auto pred = registry.open(dir / "pred.hdf", "volumes/gmm_label_cleaned").datasets.at(0);
  const auto result = evaluate(gt, pred);
  const std::string runId = result.provenance.runId;
  writeResultFile(dir / "r.h5", result.outputs, result.provenance);

  Session session;
  addAll(session, dir / "r.h5");
  auto report = reopenRunInputs(session, runId);
  ASSERT_EQ(report.items.size(), 2u);
  EXPECT_TRUE(report.complete()) << report.items[0].message << "; " << report.items[1].message;
  const auto gtBack = session.find(report.find("ground_truth")->id);
  ASSERT_TRUE(gtBack);
  EXPECT_EQ(gtBack->kind(), gt->kind());
  EXPECT_EQ(gtBack->shape(), gt->shape());
  EXPECT_EQ(gtBack->datasetId(), gt->datasetId());

  std::filesystem::create_directories(dir / "moved");
  std::filesystem::rename(dir / "pred.hdf", dir / "moved/pred.hdf");
  session.clear();
  addAll(session, dir / "r.h5");
  report = reopenRunInputs(session, runId);
  EXPECT_EQ(report.find("ground_truth")->status, ReopenStatus::Opened);
  const auto* missing = report.find("prediction");
  ASSERT_NE(missing, nullptr);
  EXPECT_EQ(missing->status, ReopenStatus::Missing);
  EXPECT_EQ(missing->path, (dir / "pred.hdf").string() + "::/volumes/gmm_label_cleaned");
  EXPECT_NE(missing->message.find((dir / "pred.hdf").string() + " is missing"), std::string::npos)
      << missing->message;
  const auto located = relocateRunInput(session, runId, "prediction", dir / "moved/pred.hdf");
  ASSERT_EQ(located.items.size(), 1u);
  EXPECT_EQ(located.items[0].status, ReopenStatus::Relocated) << located.items[0].message;
  const auto inputs = session.inputsOfRun(runId);
  ASSERT_EQ(inputs.size(), 2u);
  EXPECT_NE(inputs[0].id, kNoDataset);
  EXPECT_NE(inputs[1].id, kNoDataset);
  EXPECT_EQ(session.find(inputs[1].id)->shape(), pred->shape());
}
