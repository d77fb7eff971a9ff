// analysis/simulation/DemoRecording.h: the simulated session is deterministic
// and has the structure it was given, recoverable from spikes and the
// stimulus table alone.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "analysis/ephys/Tuning.h"
#include "analysis/simulation/DemoRecording.h"

using namespace nl::analysis;
using simulation::DemoRecordingSpec;

namespace {

// The spec the GUI's demo uses when resources/demo/demo_recording.json exists;
// otherwise a three-area spec made here.
DemoRecordingSpec demoSpec() {
  const std::filesystem::path json = std::filesystem::path(NEUROLOUPE_SOURCE_DIR) / "resources/demo/demo_recording.json";
  if (std::ifstream in(json); in) {
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    return DemoRecordingSpec::fromJson(text);
  }
  DemoRecordingSpec spec;
  spec.sessionName = "unit-test";
  spec.areas = {{"LP", 0, 900, 20, 6.0, 10.0, 0.6, 0.045, 0xFF909F},
                {"CA1", 900, 1800, 20, 2.5, 1.5, 0.0, 0.100, 0x7ED04B},
                {"VISp", 1800, 2900, 40, 3.0, 22.0, 2.5, 0.050, 0x08858C}};
  return spec;
}

DemoRecordingSpec smallSpec(std::uint64_t seed) {
  DemoRecordingSpec spec;
  spec.seed = seed;
  spec.channels = 64;
  spec.repeats = 3;
  spec.spontaneousS = 4;
  spec.areas = {{"A", 0, 300, 4, 5.0, 10.0, 1.0, 0.05, 0},
                {"B", 300, 700, 3, 5.0, 10.0, 0.0, 0.05, 0}};
  return spec;
}

}  // namespace

TEST(DemoRecording, TwoRunsOfTheSameSpecAreIdenticalAndOtherSeedsDiffer) {
  const auto spec = demoSpec();
  const auto a = simulation::simulateDemoRecording(spec);
  const auto b = simulation::simulateDemoRecording(spec);
  EXPECT_EQ(a.spikes->allSpikeTimes(), b.spikes->allSpikeTimes());
  EXPECT_EQ(a.spikes->unitOffsets(), b.spikes->unitOffsets());
  EXPECT_EQ(a.preferredOrientationDeg, b.preferredOrientationDeg);
  EXPECT_EQ(*a.stimulus->numericColumn("orientation"), *b.stimulus->numericColumn("orientation"));
  EXPECT_EQ(*a.electrodes->numericColumn("x"), *b.electrodes->numericColumn("x"));
  EXPECT_EQ(*a.spikes->units()->numericColumn("snr"), *b.spikes->units()->numericColumn("snr"));

  auto other = spec;
  other.seed = spec.seed + 1;
  const auto c = simulation::simulateDemoRecording(other);
  EXPECT_NE(a.spikes->allSpikeTimes(), c.spikes->allSpikeTimes());
}

TEST(DemoRecording, SpikesAreSortedOnTheSampleClockAndRespectTheRefractoryPeriod) {
  const auto demo = simulation::simulateDemoRecording(demoSpec());
  ASSERT_GT(demo.spikes->spikeCount(), 10000u);
  std::size_t violations = 0;
  double shortest = 1e9;
  for (std::size_t u = 0; u < demo.spikes->unitCount(); ++u) {
    const auto spikes = demo.spikes->spikesOfUnit(u);
    ASSERT_TRUE(std::is_sorted(spikes.begin(), spikes.end())) << "unit " << u;
    for (std::size_t i = 0; i < spikes.size(); ++i) {
      const double samples = spikes[i] * 30000.0;
      ASSERT_NEAR(samples, std::round(samples), 1e-6) << "spike times sit on the 30 kHz clock";
      if (i == 0) continue;
      const double gap = spikes[i] - spikes[i - 1];
      shortest = std::min(shortest, gap);
      // 2 ms is 60 samples; allow only floating-point noise, not a lost sample.
      if (gap < 0.002 - 1e-9) ++violations;
    }
  }
  EXPECT_EQ(violations, 0u) << "shortest inter-spike interval " << shortest * 1e3 << " ms";
}

TEST(DemoRecording, ElectrodesUnitsAndStimulusTableHaveTheSpecifiedStructure) {
  const auto spec = demoSpec();
  const auto demo = simulation::simulateDemoRecording(spec);
  ASSERT_EQ(demo.electrodes->rowCount(), static_cast<std::size_t>(spec.channels));
  const auto& location = demo.electrodes->column("location")->strings();
  const auto& vertical = *demo.electrodes->numericColumn("probe_vertical_position");
  for (std::size_t c = 0; c < location.size(); ++c) {
    std::string expected = "root";
    for (const auto& area : spec.areas)
      if (vertical[c] >= area.depthFromTipStartUm && vertical[c] < area.depthFromTipEndUm)
        expected = area.name;
    ASSERT_EQ(location[c], expected) << "channel " << c;
  }

  int totalUnits = 0;
  std::map<std::string, int> unitsPerArea;
  for (const auto& area : spec.areas) totalUnits += area.units;
  ASSERT_EQ(demo.spikes->unitCount(), static_cast<std::size_t>(totalUnits));
  ASSERT_EQ(demo.unitArea.size(), demo.spikes->unitCount());
  ASSERT_EQ(demo.preferredOrientationDeg.size(), demo.spikes->unitCount());
  const auto& units = *demo.spikes->units();
  const auto& peak = *units.numericColumn("peak_channel_id");
  const auto& unitLocation = units.column("location")->strings();
  for (std::size_t u = 0; u < demo.spikes->unitCount(); ++u) {
    ++unitsPerArea[demo.unitArea[u]];
    EXPECT_EQ(unitLocation[u], demo.unitArea[u]);
    EXPECT_EQ(location[static_cast<std::size_t>(peak[u])], demo.unitArea[u])
        << "unit " << u << " sits in its area";
    EXPECT_EQ(std::count(spec.orientationsDeg.begin(), spec.orientationsDeg.end(),
                         demo.preferredOrientationDeg[u]),
              1);
  }
  for (const auto& area : spec.areas) EXPECT_EQ(unitsPerArea[area.name], area.units) << area.name;
  EXPECT_EQ(demo.spikes->electrodes(), demo.electrodes);

  const auto& stimulus = *demo.stimulus;
  ASSERT_EQ(stimulus.rowCount(),
            spec.orientationsDeg.size() * static_cast<std::size_t>(spec.repeats));
  const auto& start = *stimulus.numericColumn("start_time");
  const auto& stop = *stimulus.numericColumn("stop_time");
  const auto& orientation = *stimulus.numericColumn("orientation");
  std::map<double, int> perOrientation;
  for (std::size_t i = 0; i < stimulus.rowCount(); ++i) {
    ++perOrientation[orientation[i]];
    EXPECT_NEAR(stop[i] - start[i], spec.stimulusDurationS, 1e-9);
    if (i > 0) {
      EXPECT_NEAR(start[i] - stop[i - 1], spec.interStimulusS, 1e-9);
    }
  }
  EXPECT_DOUBLE_EQ(start.front(), spec.spontaneousS);
  EXPECT_EQ(perOrientation.size(), spec.orientationsDeg.size());
  for (const auto& [o, n] : perOrientation) EXPECT_EQ(n, spec.repeats) << "orientation " << o;
  // Each block of |orientations| trials shows every orientation once.
  const std::size_t block = spec.orientationsDeg.size();
  for (std::size_t r = 0; r < static_cast<std::size_t>(spec.repeats); ++r) {
    const std::set<double> shown(
        orientation.begin() + static_cast<std::ptrdiff_t>(r * block),
        orientation.begin() + static_cast<std::ptrdiff_t>((r + 1) * block));
    EXPECT_EQ(shown.size(), block) << "block " << r;
  }
  const auto [t0, t1] = demo.spikes->timeRange();
  EXPECT_GE(t0, 0.0);
  EXPECT_LT(t1, stop.back() + spec.interStimulusS + spec.spontaneousS / 2 + 1e-9);
}

TEST(DemoRecording, TheSharpestAreaPrefersItsGroundTruthOrientation) {
  const auto spec = demoSpec();
  const auto demo = simulation::simulateDemoRecording(spec);
  const auto sharpest =
      std::max_element(spec.areas.begin(), spec.areas.end(), [](const auto& a, const auto& b) {
        return a.tuningKappa * a.peakGainHz < b.tuningKappa * b.peakGainHz;
      });
  // Mean rate per orientation during the stimulus, from spikes and the table only.
  const auto& onsets = *demo.stimulus->numericColumn("start_time");
  const auto& orientation = *demo.stimulus->numericColumn("orientation");
  int units = 0, recovered = 0;
  for (std::size_t u = 0; u < demo.spikes->unitCount(); ++u) {
    if (demo.unitArea[u] != sharpest->name) continue;
    ++units;
    const auto spikes = demo.spikes->spikesOfUnit(u);
    std::map<double, std::pair<double, int>> sum;  // orientation → (spikes, trials)
    for (std::size_t t = 0; t < onsets.size(); ++t) {
      const auto first = std::lower_bound(spikes.begin(), spikes.end(), onsets[t]);
      const auto last = std::lower_bound(first, spikes.end(), onsets[t] + spec.stimulusDurationS);
      sum[orientation[t]].first += static_cast<double>(last - first);
      sum[orientation[t]].second += 1;
    }
    double best = -1, bestRate = -1;
    for (const auto& [o, counts] : sum)
      if (counts.first / counts.second > bestRate)
        best = o, bestRate = counts.first / counts.second;
    recovered += best == demo.preferredOrientationDeg[u] ? 1 : 0;
    // The same answer through analysis/ephys/Tuning.h.
    const auto curve = ephys::tuningCurve(spikes, onsets, orientation, 0.0, spec.stimulusDurationS);
    EXPECT_EQ(curve.conditions[curve.preferredIndex()], best) << "unit " << u;
  }
  ASSERT_GE(units, 10) << sharpest->name;
  EXPECT_GE(recovered * 10, units * 9)
      << recovered << " of " << units << " " << sharpest->name << " units";
  // Untuned areas (kappa 0) carry no orientation information to recover.
  for (const auto& area : spec.areas) EXPECT_GE(area.tuningKappa, 0.0);
}

TEST(DemoRecording, SpecParsingDefaultsAndErrors) {
  const auto spec =
      DemoRecordingSpec::fromJson(R"({"areas": [{"name": "X", "from_tip_um": [0, 100], "units": 2}],
                                                   "probe_direction": [0, 0, 2]})");
  EXPECT_EQ(spec.channels, 384);
  EXPECT_EQ(spec.repeats, 15);
  EXPECT_EQ(spec.areas.at(0).colorRgb, 0x808080u);
  EXPECT_DOUBLE_EQ(spec.directionZ, 1.0) << "the direction is normalised";
  for (
      const char* bad : {
          R"({"areas": []})",
          R"({})",
          R"([1, 2])",
          R"({"areas": [{"name": "X", "from_tip_um": [100, 0], "units": 2}]})",
          R"({"areas": [{"name": "X", "from_tip_um": [0, 100], "units": -1}]})",
          R"({"areas": [{"name": "X", "from_tip_um": [0, 100]}]})",
          R"({"areas": [{"name": "X", "from_tip_um": [0, 100], "units": "many"}]})",
          R"({"channels": 1, "areas": [{"name": "X", "from_tip_um": [0, 100], "units": 1}]})",
          R"({"probe_tip_um": [1, 2], "areas": [{"name": "X", "from_tip_um": [0, 100], "units": 1}]})",
          R"({"probe_direction": [0, 0, 0], "areas": [{"name": "X", "from_tip_um": [0, 100], "units": 1}]})",
          "{ not json",
      }) {
    EXPECT_THROW(DemoRecordingSpec::fromJson(bad), std::invalid_argument) << bad;
  }
}

TEST(DemoRecording, SmallSpecsAndAreasWithoutChannels) {
  const auto small = simulation::simulateDemoRecording(smallSpec(1));
  EXPECT_EQ(small.spikes->unitCount(), 7u);
  EXPECT_EQ(small.electrodes->rowCount(), 64u);
  EXPECT_EQ(small.stimulus->rowCount(), 8u * 3u);
  // 64 channels reach 640 µm from the tip: an area beyond that has no channel.
  auto unreachable = smallSpec(1);
  unreachable.areas.push_back({"C", 5000, 6000, 1, 1, 1, 1, 0.05, 0});
  EXPECT_THROW(simulation::simulateDemoRecording(unreachable), std::invalid_argument);
  unreachable.areas.back().units = 0;  // with no units it is fine
  EXPECT_NO_THROW(simulation::simulateDemoRecording(unreachable));
}
