// Tuning curves and binned rates (analysis/ephys) on hand-counted spikes.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/ephys/Tuning.h"

using namespace nl::analysis;

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
