// connectome.ntf through the plugin manager and runner: a small affinity-like
// tensor with its attributes, initial factors with a fixed number of sweeps,
// rank selection, 3-D .npy and HDF5 arrays opened by the readers, bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "analysis/connectome/NtfFactorization.h"
#include "analysis/rsa/Random.h"
#include "io/ReaderRegistry.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"
#include "tests/support/TestSupport.h"

namespace cn = nl::analysis::connectome;

namespace {

using nl::io::ArrayDataset;

nl::plugins::RunResult run(const nl::plugins::Inputs& inputs,
                           const std::map<std::string, std::string>& parameters) {
  return nl::test::runBuiltinPlugin("connectome.ntf", inputs, parameters);
}

using nl::test::output;

using nl::test::scalar;

// T = 12 windows, A = 3 animals, N = 5 neurons (P = 10 pairs), rank 2, one missing pair.
std::shared_ptr<ArrayDataset> affinityTensor() {
  nl::analysis::rsa::Rng rng(4, 0);
  cn::NtfFactors truth;
  const Eigen::Index dims[3] = {12, 3, 10};
  for (std::size_t m = 0; m < 3; ++m) {
    truth.modes[m].resize(dims[m], 2);
    for (Eigen::Index i = 0; i < dims[m]; ++i)
      for (Eigen::Index r = 0; r < 2; ++r) truth.modes[m](i, r) = rng.uniform();
  }
  auto values = cn::reconstruct(truth).values();
  for (std::size_t t = 0; t < 12; ++t) values[(t * 3 + 2) * 10 + 4] = std::nan("");
  nlohmann::json centres = nlohmann::json::array();
  for (int t = 0; t < 12; ++t) centres.push_back(5.0 + 10.0 * t);
  return std::make_shared<ArrayDataset>(
      nl::io::DatasetKind::Array, "affinity tensor", std::vector<std::size_t>{12, 3, 10}, values,
      nl::io::Provenance{},
      nl::io::Attributes{{"axes", "window, animal, pair"},
                         {"neuron_names", R"(["AVA","AVB","RIM","SMDV","ASH"])"},
                         {"animal_names", R"(["w1","w2","w3"])"},
                         {"window_centres", centres.dump()},
                         {"window_length", "10"},
                         {"neuron_positions", "[[0,0,0],[1,0,0],[0,1,0],[0,0,1],[1,1,1]]"}});
}

}  // namespace

TEST(NtfPlugin, FactorsAnAffinityTensorAndCarriesItsAttributes) {
  const auto tensor = affinityTensor();
  const auto result = run({{"tensor", tensor}},
                          {{"rank", "2"}, {"seed", "7"}, {"restarts", "2"}, {"method", "hals"}});
  const auto time = output(result, "time_factors");
  ASSERT_TRUE(time);
  EXPECT_EQ(time->shape(), (std::vector<std::size_t>{12, 2}));
  EXPECT_EQ(time->attributes().at("window_centres"), tensor->attributes().at("window_centres"));
  EXPECT_EQ(time->attributes().at("seed"), "7");
  EXPECT_EQ(time->attributes().at("method"), "hals");
  const auto weights = nlohmann::json::parse(time->attributes().at("component_weights"));
  ASSERT_EQ(weights.size(), 2u);
  EXPECT_GE(weights[0].get<double>(), weights[1].get<double>());
  const auto animals = output(result, "animal_factors");
  EXPECT_EQ(animals->shape(), (std::vector<std::size_t>{3, 2}));
  EXPECT_EQ(animals->attributes().at("animal_names"), R"(["w1","w2","w3"])");
  const auto pairs = output(result, "pair_factors");
  EXPECT_EQ(pairs->shape(), (std::vector<std::size_t>{10, 2}));
  EXPECT_EQ(pairs->attributes().at("neuron_names"), tensor->attributes().at("neuron_names"));
  EXPECT_TRUE(pairs->attributes().contains("neuron_positions"));
  // Unit-norm columns.
  double norm = 0.0;
  for (std::size_t p = 0; p < 10; ++p) norm += std::pow(pairs->values()[p * 2], 2);
  EXPECT_NEAR(norm, 1.0, 1e-12);
  const auto summary = output(result, "summary");
  EXPECT_EQ(summary->attributes().at("seed"), "7");
  EXPECT_EQ(summary->attributes().at("method"), "hals");
  EXPECT_EQ(scalar(*summary, "rank"), 2.0);
  EXPECT_EQ(scalar(*summary, "restarts"), 2.0);
  EXPECT_LT(scalar(*summary, "objective"), 1e-3);  // exact rank-2 data
  EXPECT_NEAR(scalar(*summary, "missing_fraction"), 12.0 / 360.0, 1e-12);
  const auto trace = output(result, "objective_trace");
  EXPECT_EQ(trace->shape()[0], static_cast<std::size_t>(scalar(*summary, "sweeps")));
  EXPECT_EQ(output(result, "rank_selection"), nullptr);
  // The provenance carries the seed and the method.
  const auto parameters = time->provenance().parametersJson;
  EXPECT_NE(parameters.find("\"seed\""), std::string::npos) << parameters;
  EXPECT_NE(parameters.find("\"method\""), std::string::npos) << parameters;
}

TEST(NtfPlugin, InitialFactorsAndFixedSweepsRunExactly) {
  const auto tensor = affinityTensor();
  const auto first =
      run({{"tensor", tensor}},
          {{"rank", "2"}, {"max_sweeps", "3"}, {"tolerance", "0"}, {"normalise", "false"}});
  const auto again = run({{"tensor", tensor},
                          {"init_time", output(first, "time_factors")},
                          {"init_animal", output(first, "animal_factors")},
                          {"init_pair", output(first, "pair_factors")}},
                         {{"rank", "2"}, {"max_sweeps", "4"}, {"tolerance", "0"}});
  const auto summary = output(again, "summary");
  EXPECT_EQ(scalar(*summary, "sweeps"), 4.0);
  EXPECT_EQ(output(again, "objective_trace")->shape(), (std::vector<std::size_t>{4}));
  // Seven sweeps in one go give the same objective as three, then four.
  const auto seven =
      run({{"tensor", tensor}}, {{"rank", "2"}, {"max_sweeps", "7"}, {"tolerance", "0"}});
  EXPECT_NEAR(scalar(*summary, "objective"), scalar(*output(seven, "summary"), "objective"), 1e-14);
  // Only some initial factors: refused.
  EXPECT_THROW(
      run({{"tensor", tensor}, {"init_time", output(first, "time_factors")}}, {{"rank", "2"}}),
      nl::plugins::RunError);
}

TEST(NtfPlugin, RankSelectionTable) {
  const auto result = run({{"tensor", affinityTensor()}}, {{"rank", "2"},
                                                           {"rank_min", "1"},
                                                           {"rank_max", "3"},
                                                           {"restarts", "2"},
                                                           {"max_sweeps", "200"},
                                                           {"method", "bcd"}});
  const auto table = output<nl::io::TableDataset>(result, "rank_selection");
  ASSERT_TRUE(table);
  EXPECT_EQ(table->rowCount(), 6u);
  for (const char* column : {"rank", "restart", "error", "similarity", "core_consistency"})
    EXPECT_TRUE(table->numericColumn(column)) << column;
  EXPECT_EQ((*table->numericColumn("rank"))[5], 3.0);
  EXPECT_EQ(output(result, "summary")->attributes().at("method"), "bcd");
}

TEST(NtfPlugin, OpensThreeDimensionalNpyAndHdf5Arrays) {
  nl::test::TempDir dir;
  std::vector<double> values(4 * 3 * 5);
  for (std::size_t n = 0; n < values.size(); ++n) values[n] = 0.1 + std::fmod(0.37 * n, 1.0);
  const auto npy = nl::test::npyFile(dir, "tensor.npy", nl::test::simpleDict("<f8", "(4, 3, 5)"),
                                     nl::test::rawBytes(values));
  const auto contents = nl::io::ReaderRegistry::builtin().open(npy);
  const auto array = std::dynamic_pointer_cast<const ArrayDataset>(contents.datasets.at(0));
  ASSERT_TRUE(array);
  EXPECT_EQ(array->shape(), (std::vector<std::size_t>{4, 3, 5}));
  const auto result = run({{"tensor", array}}, {{"rank", "2"}, {"max_sweeps", "20"}});
  EXPECT_EQ(output(result, "time_factors")->shape(), (std::vector<std::size_t>{4, 2}));
  EXPECT_EQ(output(result, "pair_factors")->shape(), (std::vector<std::size_t>{5, 2}));

  const auto h5 = nl::io::ReaderRegistry::builtin().open(
      std::filesystem::path(NTF_REFERENCE_JSON).parent_path() / "ntf_tensor_3d.h5");
  std::shared_ptr<const ArrayDataset> stored;
  for (const auto& d : h5.datasets)
    if ((stored = std::dynamic_pointer_cast<const ArrayDataset>(d))) break;
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->shape(), (std::vector<std::size_t>{4, 3, 5}));
  const auto fromH5 = run({{"tensor", stored}}, {{"rank", "1"}, {"max_sweeps", "10"}});
  EXPECT_NEAR(scalar(*output(fromH5, "summary"), "missing_fraction"), 1.0 / 60.0, 1e-12);
}

TEST(NtfPlugin, BadInputGivesClearErrors) {
  auto failure = [](const nl::plugins::Inputs& inputs,
                    const std::map<std::string, std::string>& parameters) {
    try {
      run(inputs, parameters);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  auto flat =
      std::make_shared<ArrayDataset>(nl::io::DatasetKind::Array, "traces.csv",
                                     std::vector<std::size_t>{4, 6}, std::vector<double>(24, 1.0));
  const auto notThreeD = failure({{"tensor", flat}}, {});
  EXPECT_NE(notThreeD.find("3-D"), std::string::npos) << notThreeD;
  EXPECT_NE(notThreeD.find("traces.csv"), std::string::npos) << notThreeD;
  std::vector<double> values(24, 1.0);
  values[3] = -2.0;
  auto negative = std::make_shared<ArrayDataset>(nl::io::DatasetKind::Array, "neg",
                                                 std::vector<std::size_t>{2, 3, 4}, values);
  EXPECT_NE(failure({{"tensor", negative}}, {}).find("non-negative"), std::string::npos);
  auto empty = std::make_shared<ArrayDataset>(nl::io::DatasetKind::Array, "nan",
                                              std::vector<std::size_t>{2, 3, 4},
                                              std::vector<double>(24, std::nan("")));
  EXPECT_NE(failure({{"tensor", empty}}, {}).find("every entry is missing"), std::string::npos);
  EXPECT_NE(failure({{"tensor", affinityTensor()}}, {{"rank_min", "3"}, {"rank_max", "2"}})
                .find("rank_min"),
            std::string::npos);
}
