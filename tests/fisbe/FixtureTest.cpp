// The real FISBe pair: R14A02-20180905_65_A6 ground truth (zarr) against the
// gmm_label_cleaned prediction (HDF5), compared with every number of the
// official evaluation's TOML (flylight preset, complete image).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "analysis/fisbe/Evaluate.h"
#include "analysis/fisbe/MetricsJson.h"
#include "io/hdf5/H5.h"
#include "tests/core/TestSupport.h"
#include "tests/fisbe/FixtureZarr.h"

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

  const auto start = std::chrono::steady_clock::now();
  const fisbe::ImageMetrics m = fisbe::evaluate(gt, pred, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("fixture evaluation (preprocessing + scoring, data in memory): %.2f s\n", seconds);
  std::printf("%s\n", fisbe::officialMetricsJson(m).dump(1).c_str());
}
