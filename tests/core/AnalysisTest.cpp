#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>

#include "analysis/ephys/Tuning.h"
#include "analysis/simulation/DemoRecording.h"
#include "analysis/stats/Descriptive.h"

using namespace nl::analysis;

TEST(Quantiles, MatchNumpyLinearInterpolation) {
  // numpy.quantile([1, 2, 3, 4], q) with the default 'linear' method.
  const std::vector<double> v{1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(stats::quantileOfSorted(v, 0.25), 1.75);
  EXPECT_DOUBLE_EQ(stats::quantileOfSorted(v, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(stats::quantileOfSorted(v, 0.9), 3.7);
  EXPECT_DOUBLE_EQ(stats::quantileOfSorted(v, 1.0), 4.0);
  EXPECT_THROW(stats::quantileOfSorted({}, 0.5), std::invalid_argument);
  EXPECT_THROW(stats::quantileOfSorted(v, 1.5), std::invalid_argument);
}

TEST(Describe, SkipsNanAndUsesSampleSd) {
  const auto s = stats::describe({2, 4, 4, 4, 5, 5, 7, 9, std::nan("")}, 0.25, 0.75);
  EXPECT_EQ(s.count, 8u);
  EXPECT_EQ(s.missing, 1u);
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  EXPECT_NEAR(s.standardDeviation, std::sqrt(32.0 / 7.0), 1e-12);
  EXPECT_DOUBLE_EQ(s.median, 4.5);
  EXPECT_DOUBLE_EQ(s.minimum, 2);
  EXPECT_DOUBLE_EQ(s.maximum, 9);
  const auto offset = stats::describe({1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16}, 0.25, 0.75);
  EXPECT_NEAR(offset.standardDeviation, std::sqrt(30.0), 1e-6)
      << "Welford keeps precision at large offsets";
  const auto none = stats::describe({std::nan("")}, 0.25, 0.75);
  EXPECT_EQ(none.count, 0u);
  EXPECT_TRUE(std::isnan(none.mean));
}

TEST(Describe, ColumnsAndCancellation) {
  Eigen::MatrixXd m(3, 2);
  m << 1, 10, 2, 20, 3, 30;
  NullProgress progress;
  const auto columns = stats::describeColumns(m, 0.25, 0.75, progress);
  ASSERT_EQ(columns.size(), 2u);
  EXPECT_DOUBLE_EQ(columns[1].mean, 20.0);
  struct Cancelling : Progress {
    void update(double, const std::string&) override {}
    bool cancelRequested() const override { return true; }
  } cancelling;
  EXPECT_THROW(stats::describeColumns(m, 0.25, 0.75, cancelling), Cancelled);
}

TEST(Tuning, RatesPerConditionWithSem) {
  // Two conditions, two trials each, 1-s windows.
  const std::vector<double> spikes{0.1, 0.2, 0.3, 2.5, 10.1, 10.2, 12.5, 12.6, 12.7, 12.8};
  const std::vector<double> onsets{0, 2, 10, 12};
  const std::vector<double> condition{0, 90, 0, 90};
  const auto curve = ephys::tuningCurve(spikes, onsets, condition, 0.0, 1.0);
  ASSERT_EQ(curve.conditions, (std::vector<double>{0, 90}));
  EXPECT_DOUBLE_EQ(curve.meanRateHz[0], 2.5);  // 3 and 2 spikes
  EXPECT_DOUBLE_EQ(curve.meanRateHz[1], 2.5);  // 1 and 4 spikes
  EXPECT_NEAR(curve.semHz[1], std::sqrt(4.5) / std::sqrt(2.0), 1e-12);
  const auto binned = ephys::binnedRates({std::span<const double>(spikes)}, 0, 14, 2);
  EXPECT_EQ(binned.bins, 7u);
  EXPECT_DOUBLE_EQ(binned.ratesHz[0], 1.5);  // 3 spikes in [0, 2)
  EXPECT_DOUBLE_EQ(binned.ratesHz[6], 2.0);  // 4 spikes in [12, 14)
}

TEST(DemoRecording, DeterministicWithRecoverableTuning) {
  std::ifstream in(NEUROLOUPE_SOURCE_DIR "/resources/demo/demo_recording.json");
  ASSERT_TRUE(in) << "demo spec missing";
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  const auto spec = simulation::DemoRecordingSpec::fromJson(text);
  const auto a = simulation::simulateDemoRecording(spec);
  const auto b = simulation::simulateDemoRecording(spec);
  EXPECT_EQ(a.spikes->allSpikeTimes(), b.spikes->allSpikeTimes());
  EXPECT_EQ(a.electrodes->rowCount(), static_cast<std::size_t>(spec.channels));
  EXPECT_EQ(a.stimulus->rowCount(),
            spec.orientationsDeg.size() * static_cast<std::size_t>(spec.repeats));
  for (std::size_t u = 0; u < a.spikes->unitCount(); ++u) {
    const auto spikes = a.spikes->spikesOfUnit(u);
    for (std::size_t i = 1; i < spikes.size(); ++i)
      ASSERT_GE(spikes[i] - spikes[i - 1], 0.002 - 1e-9);
  }
  // Known structure: the sharply tuned VISp units' best orientation, measured
  // from spikes and the stimulus table alone, is the one they were given.
  const auto& onsets = *a.stimulus->numericColumn("start_time");
  const auto& orientation = *a.stimulus->numericColumn("orientation");
  int visp = 0, recovered = 0;
  for (std::size_t u = 0; u < a.spikes->unitCount(); ++u) {
    if (a.unitArea[u] != "VISp") continue;
    ++visp;
    const auto curve =
        ephys::tuningCurve(a.spikes->spikesOfUnit(u), onsets, orientation, 0.05, 2.0);
    recovered += curve.conditions[curve.preferredIndex()] == a.preferredOrientationDeg[u] ? 1 : 0;
  }
  ASSERT_GT(visp, 20);
  EXPECT_GE(recovered, visp * 9 / 10);
  EXPECT_THROW(simulation::DemoRecordingSpec::fromJson("{\"areas\": []}"), std::invalid_argument);
  EXPECT_THROW(simulation::DemoRecordingSpec::fromJson("not json"), std::invalid_argument);
}
