// ephys.bicluster end to end through the plugin manager and runner on the
// Y.csv fixture (63 neurons × 720 bins; short chains), the simulation as an
// in-memory counts array, resumption from chain_state, and bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "analysis/biclustering/Simulation.h"
#include "io/ReaderRegistry.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"
#include "tests/support/TestSupport.h"

namespace {

using nl::io::ArrayDataset;

nl::plugins::RunResult run(const nl::plugins::Inputs& inputs,
                           const std::map<std::string, std::string>& parameters) {
  return nl::test::runBuiltinPlugin("ephys.bicluster", inputs, parameters);
}

using nl::test::output;

using nl::test::scalar;

std::shared_ptr<const ArrayDataset> csv(const std::string& name) {
  const auto contents =
      nl::io::ReaderRegistry::builtin().open(nl::test::fixtures() / "biclustering" / name);
  return std::dynamic_pointer_cast<const ArrayDataset>(contents.datasets.at(0));
}

}  // namespace

TEST(BiclusterPlugin, RunsOnYcsvWithLabels) {
  NL_REQUIRE_FIXTURE("biclustering/Y.csv");
  const auto counts = csv("Y.csv");
  ASSERT_TRUE(counts);
  ASSERT_EQ(counts->shape(), (std::vector<std::size_t>{63, 720}));
  const auto result = run({{"counts", counts},
                           {"neuron_labels", csv("Lab_neuron.csv")},
                           {"state_labels", csv("Lab_states.csv")}},
                          {{"iterations", "10"},
                           {"chains", "1"},
                           {"max_states", "4"},
                           {"max_clusters", "4"},
                           {"latent_dim", "1"},
                           {"geometric_p", "0.415"},
                           {"burn_in", "0.5"}});
  const auto summary = output(result, "summary");
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->attributes().at("seed"), "1");
  EXPECT_EQ(scalar(*summary, "chains"), 1.0);
  EXPECT_EQ(scalar(*summary, "iterations_per_chain"), 10.0);
  const double ari = scalar(*summary, "ari_neurons_maxpear");
  EXPECT_GE(ari, -1.0);
  EXPECT_LE(ari, 1.0);
  EXPECT_NO_THROW(scalar(*summary, "ari_states_map"));
  const double minViAri = scalar(*summary, "ari_states_minvi");
  EXPECT_GE(minViAri, -1.0);
  EXPECT_LE(minViAri, 1.0);
  EXPECT_GE(scalar(*summary, "states_minvi"), 1.0);
  const auto similarity = output(result, "neuron_similarity");
  ASSERT_EQ(similarity->shape(), (std::vector<std::size_t>{63, 63}));
  EXPECT_DOUBLE_EQ(similarity->values()[0], 1.0);
  EXPECT_EQ(output(result, "time_similarity")->shape(), (std::vector<std::size_t>{720, 720}));
  const auto neurons = output<nl::io::TableDataset>(result, "neurons");
  ASSERT_TRUE(neurons);
  EXPECT_EQ(neurons->rowCount(), 63u);
  ASSERT_TRUE(neurons->numericColumn("r_mean"));
  for (const double r : *neurons->numericColumn("r_mean")) EXPECT_GT(r, 0.0);
  ASSERT_TRUE(neurons->numericColumn("minvi_cluster"));
  const auto bins = output<nl::io::TableDataset>(result, "bins");
  ASSERT_TRUE(bins);
  ASSERT_TRUE(bins->numericColumn("minvi_state"));
  EXPECT_EQ(bins->numericColumn("minvi_state")->size(), 720u);
  const auto traces = output(result, "traces");
  EXPECT_EQ(traces->shape(), (std::vector<std::size_t>{3, 1, 10}));
  const auto trajectories = output(result, "trajectories");
  EXPECT_EQ(trajectories->shape()[1], 3u);
  EXPECT_EQ(trajectories->shape()[2], 2u);  // p + 1 latent rows
  EXPECT_EQ(trajectories->shape()[3], 720u);
}

TEST(BiclusterPlugin, ResumesFromChainState) {
  const auto sim = nl::analysis::biclustering::simulateReference({6, 2, 2, 120, 10.0, 5});
  std::vector<double> values(sim.counts.data(), sim.counts.data() + sim.counts.size());
  // Eigen is column-major: write the row-major array the dataset expects.
  std::vector<double> rowMajor(values.size());
  for (Eigen::Index i = 0; i < sim.counts.rows(); ++i)
    for (Eigen::Index t = 0; t < sim.counts.cols(); ++t)
      rowMajor[i * sim.counts.cols() + t] = sim.counts(i, t);
  auto counts = std::make_shared<ArrayDataset>(nl::io::DatasetKind::Array, "sim",
                                               std::vector<std::size_t>{12, 120}, rowMajor);
  const std::map<std::string, std::string> parameters{
      {"iterations", "10"}, {"chains", "1"}, {"max_states", "3"}};
  const auto first = run({{"counts", counts}}, parameters);
  const auto state = output(first, "chain_state");
  ASSERT_TRUE(state);
  const auto resumed = run({{"counts", counts}, {"resume", state}}, parameters);
  EXPECT_EQ(scalar(*output(resumed, "summary"), "iterations_per_chain"), 20.0);
  // The resumed chain carries the first run's trace and continues it.
  const auto before = output(first, "traces");
  const auto traces = output(resumed, "traces");
  EXPECT_EQ(traces->shape(), (std::vector<std::size_t>{3, 1, 20}));
  for (std::size_t it = 0; it < 10; ++it) EXPECT_EQ(traces->values()[it], before->values()[it]);
  // The saved settings win over the parameters (they define burn-in and thinning).
  EXPECT_EQ(output(resumed, "chain_state")->attributes().at("settings"),
            state->attributes().at("settings"));
}

TEST(BiclusterPlugin, BadInputIsAClearError) {
  auto bad = std::make_shared<ArrayDataset>(nl::io::DatasetKind::Array, "rates",
                                            std::vector<std::size_t>{2, 3},
                                            std::vector<double>{1, 2, 0.5, 0, 1, 1});
  try {
    run({{"counts", bad}}, {{"iterations", "10"}});
    FAIL() << "fractional counts were accepted";
  } catch (const std::exception& error) {
    EXPECT_NE(std::string(error.what()).find("rates"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("non-negative integer"), std::string::npos)
        << error.what();
  }
  EXPECT_THROW(run({}, {{"iterations", "10"}}), std::exception);
}

TEST(BiclusterPlugin, BinsARecording) {
  // Three units; unit 0 fires at 0.1, 0.2 and 1.3 s, unit 1 at 0.7 s, unit 2 never.
  auto units = std::make_shared<nl::io::TableDataset>(
      nl::io::DatasetKind::Table, "units",
      std::vector<nl::io::Column>{{"id", std::vector<double>{10, 11, 12}}});
  auto recording = std::make_shared<nl::io::SpikeRecording>(
      "rec", units, std::vector<double>{0.1, 0.2, 1.3, 0.7}, std::vector<std::uint64_t>{0, 3, 4, 4},
      nullptr);
  const auto result = run({{"recording", recording}}, {{"iterations", "10"},
                                                       {"chains", "1"},
                                                       {"max_states", "2"},
                                                       {"bin_width", "0.5"},
                                                       {"window_start", "0"},
                                                       {"window_stop", "2"}});
  const auto counts = output(result, "counts");
  ASSERT_EQ(counts->shape(), (std::vector<std::size_t>{3, 4}));
  EXPECT_EQ(counts->values(), (std::vector<double>{2, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(counts->attributes().at("bin_width"), "0.500000");
  const auto bins = output<nl::io::TableDataset>(result, "bins");
  EXPECT_EQ(*bins->numericColumn("start_time"), (std::vector<double>{0.0, 0.5, 1.0, 1.5}));
  // Too short a window is refused with the numbers in the message.
  EXPECT_THROW(run({{"recording", recording}},
                   {{"iterations", "10"}, {"bin_width", "1"}, {"window_stop", "2"}}),
               std::exception);
}
