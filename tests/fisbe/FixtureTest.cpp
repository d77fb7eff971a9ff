// The real FISBe pair: R14A02-20180905_65_A6 ground truth (zarr) against the
// gmm_label_cleaned prediction (HDF5), compared with every number of the
// official evaluation's TOML (flylight preset, complete image).
#include <gtest/gtest.h>

#include <cstdio>

#include "analysis/fisbe/Evaluate.h"
#include "analysis/fisbe/MetricsJson.h"
#include "io/hdf5/H5.h"
#include "tests/fisbe/FixtureZarr.h"
#include "tests/fisbe/Synthetic.h"
#include "tests/support/TestSupport.h"

namespace fisbe = nl::analysis::fisbe;

namespace {

const char* kGt = "zarr/R14A02-20180905_65_A6.zarr/volumes/gt_instances";
const char* kPred = "zarr/R14A02-20180905_65_A6_pred.hdf";

struct FixturePair {
  nl::test::ZarrArrayU8 gt;
  std::vector<std::int32_t> pred;
  std::vector<std::int64_t> predShape;
};

const FixturePair& fixturePair() {
  static const FixturePair pair = [] {
    FixturePair p;
    p.gt = nl::test::readZarrU8(nl::test::fixtures() / kGt);
    const auto file = nl::io::h5::File::openReadOnly(nl::test::fixtures() / kPred);
    const auto group = file.root().openGroup("volumes");
    for (auto s : group.datasetShape("gmm_label_cleaned"))
      p.predShape.push_back(static_cast<std::int64_t>(s));
    p.pred = group.readInt32("gmm_label_cleaned");
    return p;
  }();
  return pair;
}

}  // namespace

TEST(FisbeFixture, ReproducesTheOfficialEvaluation) {
  NL_REQUIRE_FIXTURE(kGt);
  NL_REQUIRE_FIXTURE(kPred);
  const FixturePair& pair = fixturePair();
  ASSERT_EQ(pair.gt.shape, (std::vector<std::int64_t>{7, 385, 685, 686}));
  ASSERT_EQ(pair.predShape, (std::vector<std::int64_t>{385, 685, 686}));
  const fisbe::LabelBuffer gt(pair.gt.values.data(), fisbe::LabelType::UInt8, 7, {385, 685, 686});
  const fisbe::LabelBuffer pred(pair.pred.data(), fisbe::LabelType::Int32, 1, {385, 685, 686});
  fisbe::EvaluationOptions options;
  options.dimNeurons = pair.gt.attributes.at("dim_neurons").get<std::vector<std::int64_t>>();

  // Its duration is measured in bench/fisbe (fisbe_bench), not here.
  const fisbe::ImageMetrics m = fisbe::evaluate(gt, pred, options);

  // Every value of R14A02-20180905_65_A6_expected_metrics.toml.
  constexpr double tol = 1e-6;
  EXPECT_EQ(m.numGt, 7);
  EXPECT_EQ(m.numPred, 9);
  EXPECT_EQ(m.tp05, 3);
  EXPECT_NEAR(m.tp05Relative, 0.42857142857142855, tol);
  const std::vector<double> tpClDice = {0.9902094602584839, 0.9613601565361023, 0.7825462818145752};
  ASSERT_EQ(m.tp05ClDice.size(), tpClDice.size());
  for (std::size_t i = 0; i < tpClDice.size(); ++i)
    EXPECT_NEAR(m.tp05ClDice[i], tpClDice[i], tol) << i;
  EXPECT_NEAR(m.averageTp05ClDice, 0.9113719463348389, tol);
  const std::vector<double> coverage = {0.08819875866174698,
                                        0.9552963972091675,
                                        0.0,
                                        0.6475988626480103,
                                        0.0,
                                        0.997774064540863,
                                        0.0};
  ASSERT_EQ(m.gtCoverage.size(), coverage.size());
  for (std::size_t i = 0; i < coverage.size(); ++i)
    EXPECT_NEAR(m.gtCoverage[i], coverage[i], tol) << i;
  EXPECT_NEAR(m.averageGtCoverage, 0.3841240108013153, tol);
  EXPECT_NEAR(m.score, 0.36567311651176876, tol);
  EXPECT_EQ(m.falseMerges, 0);
  EXPECT_EQ(m.falseSplits, 0);
  EXPECT_EQ(m.dim.gtIds.size(), 3u);
  EXPECT_EQ(m.dim.tp05, 0);
  EXPECT_NEAR(m.dim.tp05Relative, 0.0, tol);
  ASSERT_EQ(m.dim.coverage.size(), 3u);
  for (double c : m.dim.coverage) EXPECT_NEAR(c, 0.0, tol);
  EXPECT_NEAR(m.dim.averageCoverage, 0.0, tol);
  EXPECT_EQ(m.overlap.gtIds.size(), 5u);
  EXPECT_EQ(m.overlap.tp05, 2);
  EXPECT_NEAR(m.overlap.tp05Relative, 0.4, tol);
  ASSERT_EQ(m.overlap.coverage.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_NEAR(m.overlap.coverage[i], coverage[i], tol) << i;
  EXPECT_NEAR(m.overlap.averageCoverage, 0.3382188081741333, tol);
  EXPECT_NEAR(m.avAP59, 0.11111111111111109, tol);
  EXPECT_NEAR(m.avAP19, 0.12522045855379188, tol);
  EXPECT_NEAR(m.avFscore19, 0.3472222222222222, tol);
  EXPECT_NEAR(m.avFscore59, 0.325, tol);

  struct Row {
    const char* key;
    std::int64_t tp, fp, fn;
    double precision, recall, ap, fscore;
    std::int64_t falseSplit, falseMerge;
  };
  const Row good{"",    3, 6, 4, 0.3333333333333333, 0.42857142857142855, 0.14285714285714285,
                 0.375, 3, 0};
  const Row worse{"",   2, 7, 5, 0.2222222222222222, 0.2857142857142857, 0.06349206349206349,
                  0.25, 4, 0};
  const std::vector<std::pair<std::string, Row>> rows = {
      {"th_0_1", good},   {"th_0_2", good},  {"th_0_3", good},  {"th_0_4", good},
      {"th_0_5", good},   {"th_0_6", good},  {"th_0_7", good},  {"th_0_8", worse},
      {"th_0_9", worse},  {"th_0_55", good}, {"th_0_65", good}, {"th_0_75", good},
      {"th_0_85", worse}, {"th_0_95", worse}};
  ASSERT_EQ(m.thresholds.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& t = m.thresholds[i];
    const Row& r = rows[i].second;
    EXPECT_EQ(t.key, rows[i].first);
    EXPECT_EQ(t.tp, r.tp) << t.key;
    EXPECT_EQ(t.fp, r.fp) << t.key;
    EXPECT_EQ(t.fn, r.fn) << t.key;
    EXPECT_NEAR(t.precision, r.precision, tol) << t.key;
    EXPECT_NEAR(t.recall, r.recall, tol) << t.key;
    EXPECT_NEAR(t.ap, r.ap, tol) << t.key;
    EXPECT_NEAR(t.fscore, r.fscore, tol) << t.key;
    EXPECT_EQ(t.falseSplit, r.falseSplit) << t.key;
    EXPECT_EQ(t.falseMerge, r.falseMerge) << t.key;
  }

  // The JSON carries the official keys.
  const auto json = fisbe::officialMetricsJson(m);
  EXPECT_EQ(json.at("general").at("Num GT"), 7);
  EXPECT_NEAR(json.at("general").at("avg_f1_cov_score").get<double>(), 0.36567311651176876, tol);
  EXPECT_EQ(json.at("confusion_matrix").at("th_0_85").at("AP_TP"), 2);
  EXPECT_TRUE(m.gtOverlaps);
  EXPECT_FALSE(m.predOverlaps);
}

TEST(FisbeFixture, SkeletonsEqualScikitImageVoxelForVoxel) {
  NL_REQUIRE_FIXTURE(kGt);
  NL_REQUIRE_FIXTURE(kPred);
  const FixturePair& pair = fixturePair();
  const fisbe::Shape3 shape{385, 685, 686};
  const fisbe::LabelBuffer gt(pair.gt.values.data(), fisbe::LabelType::UInt8, 7, shape);
  const fisbe::LabelBuffer pred(pair.pred.data(), fisbe::LabelType::Int32, 1, shape);
  const fisbe::CropWindow whole{{}, shape};
  const auto gtSet = fisbe::loadInstances(gt, whole);
  const auto predSet = fisbe::loadInstances(pred, whole, {800});
  // skimage.morphology.skeletonize (0.19.3) of each whole-volume instance mask:
  // instance voxels, skeleton voxels, FNV-1a of the skeleton's linear indices.
  struct Reference {
    std::int64_t voxels, skeleton;
    std::uint64_t hash;
  };
  const std::vector<Reference> gtRef = {
      {72631, 3220, 0xf05e733947611984ULL}, {41350, 4116, 0x1ebe4d6e4811857cULL},
      {47861, 7690, 0xf665ed36d13be246ULL}, {70804, 4248, 0x1fff92b9f9e744ddULL},
      {3888, 465, 0xc2a26c4d83447ffdULL},   {53601, 3594, 0xd94deb79b688ace8ULL},
      {29399, 4425, 0x80babbf076362db8ULL}};
  const std::vector<Reference> predRef = {
      {1446, 33, 0x9f058948cb1d4c74ULL},    {40562, 1877, 0xec1d0b482d10fee1ULL},
      {62319, 1392, 0xed558d3a9ff8cdd5ULL}, {1094, 16, 0x4b4809faf0a1d7c6ULL},
      {1495, 156, 0xeae9a46b11368f5bULL},   {1923, 173, 0x8eff728f77b34932ULL},
      {1134, 18, 0x3cb822fa8e8e9820ULL},    {1225, 142, 0x600c11a654553776ULL},
      {34230, 2342, 0x346c92a941e121b8ULL}};
  auto check = [&](const fisbe::InstanceSet& set, const std::vector<Reference>& refs,
                   const char* side) {
    ASSERT_EQ(set.instances.size(), refs.size()) << side;
    for (std::size_t i = 0; i < refs.size(); ++i) {
      const auto skeleton = fisbe::instanceSkeleton(set.instances[i].mask);
      std::vector<std::uint64_t> indices;
      for (const auto& v : skeleton)
        indices.push_back(
            static_cast<std::uint64_t>((v.z * shape.height + v.y) * shape.width + v.x));
      EXPECT_EQ(set.instances[i].mask.voxelCount(), refs[i].voxels) << side << " " << i + 1;
      EXPECT_EQ(static_cast<std::int64_t>(skeleton.size()), refs[i].skeleton)
          << side << " " << i + 1;
      EXPECT_EQ(nl::test::fisbe::fnv1a(indices), refs[i].hash) << side << " " << i + 1;
    }
  };
  check(gtSet, gtRef, "gt");
  check(predSet, predRef, "pred");
  EXPECT_EQ(predSet.removedLabels, (std::vector<std::int64_t>{8, 11}));
}
