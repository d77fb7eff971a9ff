// The spyketools Allen Neuropixels arrays (1,000 neurons × 200 drifting-grating
// trials): per-trial spike counts from their [trial, neuron, start/stop] index
// must equal an independent recount of the spike times through our own
// event-aligned code. Expected numbers were read with NumPy 1.24.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "analysis/Progress.h"
#include "analysis/ephys/EventAligned.h"
#include "io/ReaderRegistry.h"
#include "tests/support/TestSupport.h"

namespace {

using nl::io::ArrayDataset;

const char* kFolder = "spikes/allen_neuropixels_spyketools";

std::shared_ptr<const ArrayDataset> loadArray(const std::string& name) {
  const auto contents =
      nl::io::ReaderRegistry::builtin().open(nl::test::fixtures() / kFolder / name);
  return std::dynamic_pointer_cast<const ArrayDataset>(contents.datasets.at(0));
}

struct Spyketools {
  std::vector<double> times;   // trial-relative seconds
  std::vector<double> index;   // 200 × 1000 × 2
  std::vector<double> labels;  // orientation per trial
  std::size_t trials = 0, neurons = 0;
  std::size_t start(std::size_t t, std::size_t n) const {
    return static_cast<std::size_t>(index[(t * neurons + n) * 2]);
  }
  std::size_t stop(std::size_t t, std::size_t n) const {
    return static_cast<std::size_t>(index[(t * neurons + n) * 2 + 1]);
  }
};

Spyketools load() {
  Spyketools s;
  s.times = loadArray("spike_times.npy")->values();
  const auto index = loadArray("ii_spike_times.npy");
  s.index = index->values();
  s.trials = index->shape()[0];
  s.neurons = index->shape()[1];
  s.labels = loadArray("stim_label.npy")->values();
  return s;
}

TEST(Spyketools, IndexPartitionsTheSpikeTimesTrialMajor) {
  NL_REQUIRE_FIXTURE(kFolder);
  const auto s = load();
  ASSERT_EQ(s.times.size(), 153635u);
  ASSERT_EQ(s.trials, 200u);
  ASSERT_EQ(s.neurons, 1000u);
  std::size_t expectedStart = 0;
  for (std::size_t t = 0; t < s.trials; ++t)
    for (std::size_t n = 0; n < s.neurons; ++n) {
      ASSERT_EQ(s.start(t, n), expectedStart) << "trial " << t << " neuron " << n;
      ASSERT_GE(s.stop(t, n), s.start(t, n));
      expectedStart = s.stop(t, n);
    }
  EXPECT_EQ(expectedStart, s.times.size());
  // Trial-relative times lie in the 100-ms response window.
  const auto [lo, hi] = std::minmax_element(s.times.begin(), s.times.end());
  EXPECT_DOUBLE_EQ(*lo, 1.556491042720154e-07);
  EXPECT_DOUBLE_EQ(*hi, 0.09999947704864098);
}

TEST(Spyketools, PerTrialCountsMatchNumPy) {
  NL_REQUIRE_FIXTURE(kFolder);
  const auto s = load();
  auto count = [&s](std::size_t t, std::size_t n) { return s.stop(t, n) - s.start(t, n); };
  std::vector<std::size_t> perTrial(s.trials, 0), perNeuron(s.neurons, 0);
  for (std::size_t t = 0; t < s.trials; ++t)
    for (std::size_t n = 0; n < s.neurons; ++n) {
      perTrial[t] += count(t, n);
      perNeuron[n] += count(t, n);
    }
  EXPECT_EQ((std::vector<std::size_t>(perTrial.begin(), perTrial.begin() + 4)),
            (std::vector<std::size_t>{906, 895, 763, 681}));
  const auto busiest = static_cast<std::size_t>(
      std::max_element(perNeuron.begin(), perNeuron.end()) - perNeuron.begin());
  EXPECT_EQ(busiest, 382u);
  EXPECT_EQ(perNeuron[busiest], 1889u);
  EXPECT_EQ(count(3, 382), 5u);
  EXPECT_EQ(count(17, 42), 0u);
  EXPECT_EQ(perNeuron[123], 9u);
  // Per orientation (50 trials each), the busiest neuron: 441 / 550 / 430 / 468.
  std::map<double, std::size_t> byOrientation;
  for (std::size_t t = 0; t < s.trials; ++t) byOrientation[s.labels[t]] += count(t, busiest);
  EXPECT_EQ(byOrientation,
            (std::map<double, std::size_t>{{0, 441}, {45, 550}, {90, 430}, {135, 468}}));
}

// Lay the trials end to end (trial t at t seconds), and count each neuron's
// spikes per trial with responseMatrix over every event: the rates × 100 ms
// must be spyketools' counts, and a 50–100 ms window must find 1,382 late
// spikes of the busiest neuron (NumPy's count).
TEST(Spyketools, EventAlignedRecountEqualsTheIndex) {
  NL_REQUIRE_FIXTURE(kFolder);
  const auto s = load();
  std::vector<std::vector<double>> trains(s.neurons);
  for (std::size_t t = 0; t < s.trials; ++t)
    for (std::size_t n = 0; n < s.neurons; ++n)
      for (std::size_t i = s.start(t, n); i < s.stop(t, n); ++i)
        trains[n].push_back(static_cast<double>(t) + s.times[i]);
  std::vector<std::span<const double>> spans(trains.begin(), trains.end());
  std::vector<double> events(s.trials);
  for (std::size_t t = 0; t < s.trials; ++t) events[t] = static_cast<double>(t);
  nl::analysis::NullProgress progress;
  const auto each = nl::analysis::ephys::Conditions::eachEvent(events);
  const auto full = nl::analysis::ephys::responseMatrix(spans, each, 0.0, 0.1, progress);
  ASSERT_EQ(full.stimuli, s.trials);
  ASSERT_EQ(full.units, s.neurons);
  for (std::size_t t = 0; t < s.trials; ++t)
    for (std::size_t n = 0; n < s.neurons; ++n)
      ASSERT_EQ(std::lround(full.mean[t * s.neurons + n] * 0.1),
                static_cast<long>(s.stop(t, n) - s.start(t, n)))
          << "trial " << t << " neuron " << n;
  const auto late = nl::analysis::ephys::responseMatrix(spans, each, 0.05, 0.1, progress);
  double lateSpikes = 0;
  for (std::size_t t = 0; t < s.trials; ++t) lateSpikes += late.mean[t * s.neurons + 382] * 0.05;
  EXPECT_EQ(std::lround(lateSpikes), 1382);
  // Grouped by orientation the mean count of the busiest neuron is 550 / 50 at 45°.
  const auto byOrientation =
      nl::analysis::ephys::Conditions::fromNumbers(events, std::span<const double>(s.labels));
  const auto grouped =
      nl::analysis::ephys::responseMatrix(spans, byOrientation, 0.0, 0.1, progress);
  ASSERT_EQ(grouped.stimuli, 4u);
  EXPECT_NEAR(grouped.mean[1 * s.neurons + 382] * 0.1, 550.0 / 50.0, 1e-9);
}

}  // namespace
