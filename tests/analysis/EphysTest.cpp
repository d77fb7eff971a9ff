#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "analysis/ephys/EventAligned.h"
#include "analysis/ephys/UnitFilter.h"
#include "analysis/simulation/DemoRecording.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"
#include "tests/support/TestSupport.h"

using namespace nl::analysis;

TEST(ResponseMatrix, RatesPerStimulusAndTrialsWithNanPadding) {
  // Unit 0 fires 2 spikes after each "A" event, 0 after "B"; unit 1 the reverse.
  const std::vector<double> u0{0.1, 0.2, 10.05, 10.15}, u1{5.1, 5.2};
  const std::vector<double> times{0, 5, 10};
  const auto conditions = ephys::Conditions::fromText(times, {"A", "B", "A"});
  NullProgress progress;
  const auto r = ephys::responseMatrix({u0, u1}, conditions, 0.0, 0.5, progress);
  ASSERT_EQ(r.stimuli, 2u);
  ASSERT_EQ(r.maxTrials, 2u);
  EXPECT_EQ(r.mean, (std::vector<double>{4, 0, 0, 4}));  // [A: u0 u1, B: u0 u1], 2 spikes / 0.5 s
  EXPECT_EQ(r.trialsPerStimulus, (std::vector<std::size_t>{2, 1}));
  EXPECT_TRUE(std::isnan(r.trials[(1 * 2 + 1) * 2 + 0])) << "stimulus B has no second trial";
  EXPECT_EQ(r.trials[(1 * 2 + 0) * 2 + 0], 4.0);
  EXPECT_THROW(ephys::responseMatrix({u0}, conditions, 0.5, 0.5, progress), std::invalid_argument);
}

TEST(Psth, BinsSmoothingAndSem) {
  NullProgress progress;
  const std::vector<double> spikes{0.005, 1.005, 2.015};
  const auto conditions =
      ephys::Conditions::fromNumbers(std::vector<double>{0, 1, 2}, std::vector<double>{1, 1, 1});
  const auto raw = ephys::psth({spikes}, conditions, 0.0, 0.05, 0.01, 0.0, progress);
  ASSERT_EQ(raw.bins, 5u);
  EXPECT_NEAR(raw.rate[0], 200.0 / 3.0, 1e-9);  // two of three trials: 100 Hz in bin 0
  EXPECT_NEAR(raw.rate[1], 100.0 / 3.0, 1e-9);
  EXPECT_NEAR(raw.sem[0], std::sqrt(100.0 * 100.0 / 3.0 / 3.0),
              1e-9);  // sd of {100,100,0} / sqrt(3)
  EXPECT_NEAR(raw.binCentres()[0], 0.005, 1e-12);
  // Smoothing spreads a spike but keeps its mass away from the edges.
  const std::vector<double> one{1.0};
  const auto smooth = ephys::psth({one}, ephys::Conditions::eachEvent(std::vector<double>{0.0}),
                                  0.0, 2.0, 0.01, 0.05, progress);
  double mass = 0;
  for (double r : smooth.rate) mass += r * 0.01;
  EXPECT_NEAR(mass, 1.0, 1e-9);
  EXPECT_LT(*std::max_element(smooth.rate.begin(), smooth.rate.end()), 100.0);
}

TEST(UnitFilter, ParsesAndSelects) {
  const auto clauses = ephys::parseUnitFilter("location == VISp; snr > 1 and isi_violations<=0.5");
  ASSERT_EQ(clauses.size(), 3u);
  EXPECT_EQ(clauses[2].op, "<=");
  const std::vector<std::string> area{"VISp", "CA1", "VISp", "VISp"};
  const std::vector<double> snr{2, 5, 0.5, 3}, isi{0.1, 0.1, 0.1, 0.9};
  ephys::ColumnAccess access;
  access.hasColumn = [](const std::string& c) {
    return c == "location" || c == "snr" || c == "isi_violations";
  };
  access.isNumeric = [](const std::string& c) { return c != "location"; };
  access.numberAt = [&](const std::string& c, std::size_t r) {
    return c == "snr" ? snr[r] : isi[r];
  };
  access.textAt = [&](const std::string&, std::size_t r) { return area[r]; };
  EXPECT_EQ(ephys::selectRows(clauses, 4, access), std::vector<std::size_t>{0});
  EXPECT_THROW(ephys::parseUnitFilter("snr >> 1"), std::invalid_argument);
  EXPECT_THROW(ephys::selectRows(ephys::parseUnitFilter("depth > 3"), 4, access),
               std::invalid_argument);
  EXPECT_THROW(ephys::selectRows(ephys::parseUnitFilter("location > 3"), 4, access),
               std::invalid_argument);
  EXPECT_THROW(ephys::selectRows(ephys::parseUnitFilter("snr > high"), 4, access),
               std::invalid_argument);
}

// The plugin chain on the simulated session: the response matrix of VISp
// units recovers each unit's preferred orientation.
TEST(ResponseMatrixPlugin, RecoversDemoTuning) {
  std::ifstream in(std::string(NEUROLOUPE_SOURCE_DIR) + "/resources/demo/demo_recording.json");
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  const auto demo =
      simulation::simulateDemoRecording(simulation::DemoRecordingSpec::fromJson(text));
  const auto& manager = nl::test::builtinPlugins();
  const auto* descriptor = nl::test::requirePlugin(manager, "ephys.response_matrix");
  if (descriptor == nullptr) return;
  nl::plugins::RunRequest request;
  request.pluginId = "ephys.response_matrix";
  request.inputs = {{"recording", demo.spikes}, {"intervals", demo.stimulus}};
  request.parameters = descriptor->parameters.parse({{"group_by", "orientation"},
                                                     {"window_start", "0.05"},
                                                     {"window_stop", "2.0"},
                                                     {"unit_filter", "location == VISp"}});
  nl::plugins::ProgressReporter progress;
  const auto result = nl::plugins::runPlugin(manager, request, progress);
  ASSERT_EQ(result.outputs.size(), 2u);
  const auto responses =
      std::dynamic_pointer_cast<const nl::io::ArrayDataset>(result.outputs[0].dataset);
  const auto shape = responses->shape();
  ASSERT_EQ(shape[0], 8u);  // orientations
  const auto ids =
      nlohmann::json::parse(responses->attributes().at("unit_ids")).get<std::vector<double>>();
  ASSERT_EQ(ids.size(), shape[1]);
  const auto labels = nlohmann::json::parse(responses->attributes().at("stimulus_labels"))
                          .get<std::vector<std::string>>();
  int recovered = 0;
  for (std::size_t u = 0; u < shape[1]; ++u) {
    std::size_t best = 0;
    for (std::size_t s = 1; s < shape[0]; ++s)
      if (responses->values()[s * shape[1] + u] > responses->values()[best * shape[1] + u])
        best = s;
    const auto unit = static_cast<std::size_t>(ids[u]);
    EXPECT_EQ(demo.unitArea[unit], "VISp");
    recovered += std::stod(labels[best]) == demo.preferredOrientationDeg[unit] ? 1 : 0;
  }
  EXPECT_GE(recovered, static_cast<int>(shape[1]) * 9 / 10);
  const auto trials =
      std::dynamic_pointer_cast<const nl::io::ArrayDataset>(result.outputs[1].dataset);
  EXPECT_EQ(trials->shape(), (std::vector<std::size_t>{15, 8, shape[1]}));
}
