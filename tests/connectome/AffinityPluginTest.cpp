// connectome.affinity end to end through plugins::runPlugin: several animals
// matched by name with missing neurons NaN, stimulus epochs, the real
// fixtures (Flavell HDF5, zebrafish CSV with coordinates, NWB files of two
// storage variants), bad input, cancelling, and the zebrafish assemblies:
// affinities within the published assemblies exceed those between them.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "analysis/connectome/Affinity.h"
#include "io/ReaderRegistry.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"
#include "tests/support/TestSupport.h"

namespace {

using nl::io::ArrayDataset;
using nl::io::DatasetKind;
using nl::io::TableDataset;
namespace cn = nl::analysis::connectome;

const std::filesystem::path kData = NEUROLOUPE_AFFINITY_DATA;

nl::plugins::RunResult run(const nl::plugins::Inputs& inputs,
                           const std::map<std::string, std::string>& parameters,
                           nl::plugins::ProgressReporter* reporter = nullptr) {
  return nl::test::runBuiltinPlugin("connectome.affinity", inputs, parameters, reporter);
}

using nl::test::output;

nlohmann::json attribute(const nl::io::Dataset& d, const std::string& key) {
  return nlohmann::json::parse(d.attributes().at(key));
}

using nl::test::scalar;

// frames × neurons of decaying transients, with names and a rate.
std::shared_ptr<ArrayDataset> animal(const std::string& name, const std::vector<std::string>& names,
                                     double rate, std::size_t frames, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> onset(0, frames - 1);
  std::vector<double> v(frames * names.size(), 0.0);
  for (std::size_t n = 0; n < names.size(); ++n)
    for (int k = 0; k < 8; ++k) {
      const std::size_t t0 = onset(rng);
      for (std::size_t t = t0; t < frames; ++t)
        v[t * names.size() + n] += std::exp(-static_cast<double>(t - t0) / (3.0 * rate));
    }
  return std::make_shared<ArrayDataset>(
      DatasetKind::Array, name, std::vector<std::size_t>{frames, names.size()}, std::move(v),
      nl::io::Provenance{},
      nl::io::Attributes{{"neuron_names", nlohmann::json(names).dump()},
                         {"frame_rate", nlohmann::json(rate).dump()},
                         {"axes", "frame, neuron"}});
}

std::shared_ptr<const nl::io::Dataset> open(const std::filesystem::path& path,
                                            const std::string& name = {}) {
  const auto contents = nl::io::ReaderRegistry::builtin().open(path);
  for (const auto& d : contents.datasets)
    if (name.empty() || d->name() == name) return d;
  throw std::runtime_error("no " + name + " in " + path.string());
}

std::string runError(const nl::plugins::Inputs& inputs,
                     const std::map<std::string, std::string>& parameters = {}) {
  try {
    run(inputs, parameters);
  } catch (const nl::plugins::RunError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(AffinityPlugin, TwoAnimalsMatchedByNameMissingNeuronsNaN) {
  if (!nl::test::requirePlugin(nl::test::builtinPlugins(), "connectome.affinity")) return;
  const auto a = animal("worm A", {"AVAL", "AVAR", "RIML"}, 2.0, 240, 1);  // 120 s at 2 Hz
  const auto b = animal("worm B", {"RIML", "AVAL"}, 4.0, 400, 2);          // 100 s at 4 Hz
  const auto stimuli = std::make_shared<TableDataset>(
      DatasetKind::Table, "stimuli",
      std::vector<nl::io::Column>{{"start_time", std::vector<double>{10, 50}},
                                  {"stop_time", std::vector<double>{20, 60}},
                                  {"stimulus_name", std::vector<std::string>{"odor", "buffer"}}});
  const auto result = run({{"traces#0", a}, {"traces#1", b}, {"stimuli", stimuli}},
                          {{"window_length", "20"}, {"window_step", "10"}, {"smoothing", "0.5"}});
  const auto tensor = output(result, "tensor");
  ASSERT_TRUE(tensor);
  // Common: 2 Hz (the slower), 0 … 99.5 s (both recorded): 200 frames; 40-frame
  // windows every 20 frames: 9 windows.
  EXPECT_EQ(tensor->shape(), (std::vector<std::size_t>{9, 2, 3}));
  EXPECT_EQ(tensor->attributes().at("axes"), "window, animal, pair");
  EXPECT_EQ(attribute(*tensor, "neuron_names"), nlohmann::json({"AVAL", "AVAR", "RIML"}));
  EXPECT_EQ(attribute(*tensor, "animal_names"), nlohmann::json({"worm A", "worm B"}));
  EXPECT_EQ(tensor->attributes().at("method"), "differential");
  EXPECT_DOUBLE_EQ(attribute(*tensor, "window_length").get<double>(), 20.0);
  const auto centres = attribute(*tensor, "window_centres");
  ASSERT_EQ(centres.size(), 9u);
  EXPECT_DOUBLE_EQ(centres[0].get<double>(), 19.5 / 2.0);
  // Pairs (AVAL,AVAR)=0, (AVAL,RIML)=1, (AVAR,RIML)=2; AVAR is absent in worm B.
  const auto& v = tensor->values();
  for (std::size_t w = 0; w < 9; ++w) {
    for (std::size_t p = 0; p < 3; ++p) {
      const double x = v[(w * 2 + 0) * 3 + p];
      EXPECT_TRUE(x >= 0.0 && x < 1.0) << x;
    }
    EXPECT_TRUE(std::isnan(v[(w * 2 + 1) * 3 + 0]));
    EXPECT_FALSE(std::isnan(v[(w * 2 + 1) * 3 + 1]));
    EXPECT_TRUE(std::isnan(v[(w * 2 + 1) * 3 + 2]));
  }
  const auto traces = output(result, "aligned_traces");
  ASSERT_TRUE(traces);
  EXPECT_EQ(traces->shape(), (std::vector<std::size_t>{2, 200, 3}));
  EXPECT_EQ(traces->attributes().at("axes"), "animal, frame, neuron");
  EXPECT_DOUBLE_EQ(attribute(*traces, "frame_rate").get<double>(), 2.0);
  // worm B's AVAL at frame 10 (5 s) is its own frame 20 (4 Hz); AVAR is NaN, not 0.
  EXPECT_DOUBLE_EQ(traces->values()[(1 * 200 + 10) * 3 + 0], b->values()[20 * 2 + 1]);
  EXPECT_TRUE(std::isnan(traces->values()[(1 * 200 + 10) * 3 + 1]));
  const auto epochs = output<TableDataset>(result, "stimulus_epochs");
  ASSERT_TRUE(epochs);
  EXPECT_EQ(epochs->rowCount(), 4u);  // the one table for both animals
  EXPECT_EQ(epochs->column("label")->cellText(0), "odor");
  EXPECT_EQ((*epochs->numericColumn("start"))[1], 50.0);
  // Method and parameters in the provenance.
  const auto parameters = nlohmann::json::parse(tensor->provenance().parametersJson);
  EXPECT_EQ(parameters.at("method"), "differential");
  EXPECT_EQ(parameters.at("window_length"), 20.0);
  EXPECT_EQ(tensor->provenance().pluginId, "connectome.affinity");
  EXPECT_EQ(tensor->provenance().inputs.size(), 3u);
  const auto summary = output(result, "summary");
  EXPECT_EQ(scalar(*summary, "animals"), 2.0);
  EXPECT_NEAR(scalar(*summary, "missing_fraction"), 9.0 * 2 / (9 * 6), 1e-12);
}

TEST(AffinityPlugin, AlignsOnStimulusPerAnimal) {
  if (!nl::test::requirePlugin(nl::test::builtinPlugins(), "connectome.affinity")) return;
  const auto a = animal("a", {"x", "y"}, 1.0, 100, 3);
  const auto b = animal("b", {"x", "y"}, 1.0, 100, 4);
  auto table = [](double onset) {
    return std::make_shared<TableDataset>(
        DatasetKind::Table, "s",
        std::vector<nl::io::Column>{{"start", std::vector<double>{onset}},
                                    {"stop", std::vector<double>{onset + 5}},
                                    {"label", std::vector<std::string>{"tap"}}});
  };
  const auto result =
      run({{"traces#0", a}, {"traces#1", b}, {"stimuli#0", table(30)}, {"stimuli#1", table(10)}},
          {{"align", "stimulus"}, {"window_length", "20"}, {"window_step", "20"}});
  const auto traces = output(result, "aligned_traces");
  // a: −30 … 69 s, b: −10 … 89 s → −10 … 69 s.
  EXPECT_EQ(traces->shape(), (std::vector<std::size_t>{2, 80, 2}));
  EXPECT_DOUBLE_EQ(attribute(*traces, "start_time").get<double>(), -10.0);
  EXPECT_DOUBLE_EQ(traces->values()[(0 * 80 + 10) * 2], a->values()[30 * 2]);  // onset of a
  EXPECT_DOUBLE_EQ(traces->values()[(1 * 80 + 10) * 2], b->values()[10 * 2]);  // onset of b
  const auto epochs = output<TableDataset>(result, "stimulus_epochs");
  EXPECT_EQ((*epochs->numericColumn("start"))[0], 0.0);
  EXPECT_EQ((*epochs->numericColumn("start"))[1], 0.0);
}

TEST(AffinityPlugin, FlavellHdf5WithRenamedNeurons) {
  if (!nl::test::requirePlugin(nl::test::builtinPlugins(), "connectome.affinity")) return;
  NL_REQUIRE_FIXTURE("calcium/celegans_flavell/2022-07-27-38-data.h5");
  const auto traces = open(nl::test::fixtures() / "calcium/celegans_flavell/2022-07-27-38-data.h5",
                           "/gcamp/trace_array");
  const auto labels = std::make_shared<TableDataset>(
      DatasetKind::Table, "labels",
      std::vector<nl::io::Column>{{"neuron", std::vector<std::string>{"1", "2", "3"}},
                                  {"label", std::vector<std::string>{"AVAL", "AVAR", ""}}});
  const auto result = run({{"traces", traces}, {"neuron_labels", labels}}, {});
  const auto tensor = output(result, "tensor");
  // 1.66 Hz: 60 s windows = 100 frames, 15 s steps = 25 frames → 29 windows;
  // 134 neurons (trace 3 dropped) → 8911 pairs.
  EXPECT_EQ(tensor->shape(), (std::vector<std::size_t>{29, 1, 134 * 133 / 2}));
  const auto names = attribute(*tensor, "neuron_names");
  EXPECT_EQ(names[0], "AVAL");
  EXPECT_EQ(names[1], "AVAR");
  EXPECT_EQ(names[2], "4");
  EXPECT_EQ(attribute(*tensor, "animal_names"), nlohmann::json({"2022-07-27-38-data"}));
  for (const double v : tensor->values()) EXPECT_TRUE(v >= 0.0 && v < 1.0);
}

TEST(AffinityPlugin, NwbFilesOfTwoStorageVariantsTogether) {
  if (!nl::test::requirePlugin(nl::test::builtinPlugins(), "connectome.affinity")) return;
  const auto dff =
      open(kData / "ophys_dfoverf_timestamps.nwb", "processing/ophys/DfOverF/RoiResponseSeries");
  const auto per = open(kData / "ophys_series_per_neuron.nwb", "acquisition (4 series as traces)");
  const auto result =
      run({{"traces#0", dff}, {"traces#1", per}},
          {{"window_length", "10"}, {"window_step", "5"}, {"method", "correlation"}});
  const auto tensor = output(result, "tensor");
  EXPECT_EQ(attribute(*tensor, "neuron_names"), nlohmann::json({"SMDVL", "AVAR", "AVAL", "RIML"}));
  EXPECT_EQ(attribute(*tensor, "animal_names"),
            nlohmann::json({"ophys_dfoverf_timestamps", "ophys_series_per_neuron"}));
  EXPECT_EQ(tensor->attributes().at("method"), "correlation");
  EXPECT_DOUBLE_EQ(attribute(*tensor, "frame_rate").get<double>(), 4.0);
  // RIML (neuron 3) exists only in the second file.
  const auto shape = tensor->shape();
  for (std::size_t w = 0; w < shape[0]; ++w)
    EXPECT_TRUE(std::isnan(tensor->values()[(w * 2 + 0) * 6 + cn::pairIndex(0, 3, 4)]));
  // Positions come from the NWB masks of the first file.
  EXPECT_EQ(attribute(*tensor, "neuron_positions")[0], nlohmann::json({7.0, 4.0, 0.0}));
}

TEST(AffinityPlugin, ZebrafishAssembliesHaveHigherAffinityWithin) {
  if (!nl::test::requirePlugin(nl::test::builtinPlugins(), "connectome.affinity")) return;
  NL_REQUIRE_FIXTURE("calcium/zebrafish_tectum_triplett2018");
  const auto folder = nl::test::fixtures() / "calcium/zebrafish_tectum_triplett2018";
  const auto traces = open(folder / "zf_20170215-f3_activity_matrix.csv");
  const auto coordinates = open(folder / "zf_20170215-f3_cell_coordinates.csv");
  // The published assemblies: one per line, 1-based neuron numbers; they overlap.
  std::vector<std::set<int>> assemblies;
  std::ifstream in(folder / "zf_20170215-f3_assembly_assignments.csv");
  for (std::string line; std::getline(in, line);) {
    std::set<int> members;
    std::stringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');)
      if (cell.find_first_not_of(" \r") != std::string::npos) members.insert(std::stoi(cell) - 1);
    if (!members.empty()) assemblies.push_back(members);
  }
  ASSERT_EQ(assemblies.size(), 4u);
  const int N = 75;
  auto sameAssembly = [&](int i, int j) {
    return std::any_of(assemblies.begin(), assemblies.end(),
                       [&](const std::set<int>& a) { return a.contains(i) && a.contains(j); });
  };
  for (const char* method : {"differential", "correlation", "gaussian"}) {
    // No frame rate in the files: 1 Hz assumed; 500-frame windows.
    const auto result = run({{"traces", traces}, {"positions", coordinates}},
                            {{"method", method}, {"window_length", "500"}, {"window_step", "500"}});
    const auto tensor = output(result, "tensor");
    const auto shape = tensor->shape();
    ASSERT_EQ(shape, (std::vector<std::size_t>{11, 1, 75 * 74 / 2}));  // 5,660 frames × 75 neurons
    EXPECT_EQ(attribute(*tensor, "neuron_positions").size(), 75u);
    EXPECT_EQ(attribute(*tensor, "neuron_positions")[0], nlohmann::json({11.5, 96.5, 0.0}));
    EXPECT_NE(attribute(*output(result, "summary"), "notes").dump().find("assumed 1.0 Hz"),
              std::string::npos);
    double within = 0, between = 0;
    int nWithin = 0, nBetween = 0;
    for (int i = 0; i < N; ++i)
      for (int j = i + 1; j < N; ++j) {
        double mean = 0;
        for (std::size_t w = 0; w < shape[0]; ++w)
          mean += tensor->values()[w * shape[2] + cn::pairIndex(i, j, N)];
        mean /= static_cast<double>(shape[0]);
        if (sameAssembly(i, j))
          within += mean, ++nWithin;
        else
          between += mean, ++nBetween;
      }
    within /= nWithin;
    between /= nBetween;
    std::printf(
        "zebrafish %-12s within assemblies %.4f (%d pairs), between %.4f (%d pairs), ratio %.2f\n",
        method, within, nWithin, between, nBetween, within / between);
    ::testing::Test::RecordProperty(std::string(method) + "_within", std::to_string(within));
    ::testing::Test::RecordProperty(std::string(method) + "_between", std::to_string(between));
    if (std::string(method) != "gaussian") {
      EXPECT_GT(within, 1.2 * between) << method;
    }
  }
}

TEST(AffinityPlugin, BadInputIsNamed) {
  if (!nl::test::requirePlugin(nl::test::builtinPlugins(), "connectome.affinity")) return;
  const auto flat = std::make_shared<ArrayDataset>(
      DatasetKind::Array, "one row", std::vector<std::size_t>{10}, std::vector<double>(10, 1.0));
  EXPECT_NE(runError({{"traces", flat}}).find("'one row' must be 2-D"), std::string::npos)
      << runError({{"traces", flat}});
  const auto names = std::make_shared<ArrayDataset>(
      DatasetKind::Array, "misnamed", std::vector<std::size_t>{20, 3}, std::vector<double>(60, 1.0),
      nl::io::Provenance{}, nl::io::Attributes{{"neuron_names", "[\"a\", \"b\"]"}});
  EXPECT_NE(runError({{"traces", names}}).find("'misnamed': neuron_names is not a JSON array of 3"),
            std::string::npos)
      << runError({{"traces", names}});
  const auto a = animal("a", {"x", "y"}, 1.0, 50, 5);
  const auto s = std::make_shared<TableDataset>(
      DatasetKind::Table, "s", std::vector<nl::io::Column>{{"start", std::vector<double>{1}}});
  const std::string count = runError(
      {{"traces#0", a}, {"traces#1", a}, {"traces#2", a}, {"stimuli#0", s}, {"stimuli#1", s}});
  EXPECT_NE(count.find("2 stimuli datasets for 3 traces"), std::string::npos) << count;
  const auto noStart = std::make_shared<TableDataset>(
      DatasetKind::Table, "epochs", std::vector<nl::io::Column>{{"when", std::vector<double>{1}}});
  const std::string start = runError({{"traces", a}, {"stimuli", noStart}});
  EXPECT_NE(start.find("'epochs' has no numeric start column"), std::string::npos) << start;
  const std::string single = runError({{"traces", animal("solo", {"x"}, 1.0, 50, 6)}});
  EXPECT_NE(single.find("at least 2 neurons"), std::string::npos) << single;
}

TEST(AffinityPlugin, CancelIsReportedAsCancelled) {
  if (!nl::test::requirePlugin(nl::test::builtinPlugins(), "connectome.affinity")) return;
  nl::plugins::ProgressReporter reporter;
  reporter.cancel();
  try {
    run({{"traces", animal("a", {"x", "y", "z"}, 1.0, 400, 7)}},
        {{"window_length", "20"}, {"window_step", "1"}}, &reporter);
    ADD_FAILURE() << "no error";
  } catch (const nl::plugins::RunError& e) {
    EXPECT_TRUE(e.cancelled()) << e.what();
  }
}
