// The rsa.* plugins through plugins/Runner.h runPlugin (and the CLI binary):
// glue correctness against analysis/rsa, the planted layer correspondence
// of the simulated network recovered end to end, output layouts, bad inputs
// and cancellation.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>

#include "analysis/rsa/Compare.h"
#include "analysis/rsa/Mds.h"
#include "analysis/rsa/NoiseCeiling.h"
#include "io/hdf5/H5.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"
#include "tests/rsa/RsaTestSupport.h"
#include "tests/support/TestSupport.h"

using namespace nl::plugins;
namespace rsa = nl::analysis::rsa;
using nl::io::DatasetKind;

namespace {

std::shared_ptr<const nl::io::ArrayDataset> matrixDataset(
    const rsa::RowMatrix& m, const std::string& name,
    DatasetKind kind = DatasetKind::ResponseMatrix, nl::io::Attributes attributes = {}) {
  return std::make_shared<nl::io::ArrayDataset>(
      kind, name,
      std::vector<std::size_t>{static_cast<std::size_t>(m.rows()),
                               static_cast<std::size_t>(m.cols())},
      std::vector<double>(m.data(), m.data() + m.size()), nl::io::Provenance{}, attributes);
}

RunResult run(const std::string& id, Inputs inputs,
              const std::map<std::string, std::string>& text = {},
              ProgressReporter* reporter = nullptr) {
  const auto* descriptor = nl::test::builtinPlugins().find(id);
  if (descriptor == nullptr || !descriptor->loaded)
    throw std::runtime_error("plugin " + id + " not loaded" +
                             (descriptor ? ": " + descriptor->failure : ""));
  RunRequest request{id, std::move(inputs), descriptor->parameters.parse(text), "test"};
  ProgressReporter quiet;
  return runPlugin(nl::test::builtinPlugins(), request, reporter ? *reporter : quiet);
}

std::string failureOf(const std::string& id, Inputs inputs,
                      const std::map<std::string, std::string>& text = {}) {
  try {
    run(id, std::move(inputs), text);
  } catch (const RunError& error) {
    return error.what();
  }
  return {};
}

const nl::io::ArrayDataset& arrayOutput(const RunResult& result, const std::string& name) {
  for (const auto& output : result.outputs)
    if (output.name == name) return dynamic_cast<const nl::io::ArrayDataset&>(*output.dataset);
  throw std::runtime_error("no output " + name);
}

const nl::io::TableDataset& tableOutput(const RunResult& result, const std::string& name) {
  for (const auto& output : result.outputs)
    if (output.name == name) return dynamic_cast<const nl::io::TableDataset&>(*output.dataset);
  throw std::runtime_error("no output " + name);
}

// Two populations read out from layers 1 and 4 of a 6-layer simulated
// network, with trials (population = trial mean) for noise ceilings.
struct PlantedCase {
  std::vector<rsa::RowMatrix> layers;
  std::vector<rsa::RowMatrix> populations;
  std::vector<std::vector<double>> trials;  // trials × stimuli × units, C order
  std::vector<std::size_t> planted{1, 4};
  int stimuli = 40, units = 50, trialCount = 6;
};

PlantedCase plantedCase() {
  PlantedCase c;
  std::mt19937_64 rng(77);
  c.layers = nl::test::simulateNetwork(c.stimuli, 6, 60, rng).layers;
  for (auto source : c.planted) {
    const auto signal = nl::test::areaFromLayer(c.layers[source], c.units, 0.0, rng);
    std::vector<double> trials;
    rsa::RowMatrix mean = rsa::RowMatrix::Zero(c.stimuli, c.units);
    for (int t = 0; t < c.trialCount; ++t) {
      const rsa::RowMatrix trial = signal + nl::test::gaussian(c.stimuli, c.units, rng, 0.6);
      trials.insert(trials.end(), trial.data(), trial.data() + trial.size());
      mean += trial / c.trialCount;
    }
    c.populations.push_back(mean);
    c.trials.push_back(std::move(trials));
  }
  return c;
}

Inputs plantedInputs(const PlantedCase& c, bool withTrials) {
  Inputs inputs;
  for (std::size_t p = 0; p < c.populations.size(); ++p) {
    inputs[multipleInputKey("populations", p)] =
        matrixDataset(c.populations[p], "area" + std::to_string(p));
    if (withTrials)
      inputs[multipleInputKey("trials", p)] = std::make_shared<nl::io::ArrayDataset>(
          DatasetKind::ResponseMatrix, "area" + std::to_string(p) + " trials",
          std::vector<std::size_t>{static_cast<std::size_t>(c.trialCount),
                                   static_cast<std::size_t>(c.stimuli),
                                   static_cast<std::size_t>(c.units)},
          c.trials[p]);
  }
  for (std::size_t l = 0; l < c.layers.size(); ++l)
    inputs[multipleInputKey("layers", l)] =
        matrixDataset(c.layers[l], "layer" + std::to_string(l), DatasetKind::FeatureMatrix);
  return inputs;
}

}  // namespace

TEST(RsaPlugins, AllLoadWithTheirPorts) {
  for (const char* id : {"rsa.rdm", "rsa.compare", "rsa.layer_mapping", "rsa.mds"}) {
    const auto* d = nl::test::builtinPlugins().find(id);
    ASSERT_NE(d, nullptr) << id;
    EXPECT_TRUE(d->loaded) << id << ": " << d->failure;
  }
  const auto* mapping = nl::test::builtinPlugins().find("rsa.layer_mapping");
  ASSERT_EQ(mapping->inputs.size(), 4u);
  EXPECT_TRUE(mapping->inputs[0].multiple);   // populations
  EXPECT_TRUE(mapping->inputs[1].multiple);   // layers
  EXPECT_TRUE(mapping->inputs[2].optional);   // trials
  EXPECT_FALSE(mapping->inputs[3].multiple);  // labels
}

TEST(RsaPlugins, RdmEqualsTheAnalysisAndCarriesLabels) {
  const auto responses = nl::test::formulaResponses(6, 5, 0.3);
  const std::vector<std::string> labels{"a", "b", "c", "d", "e", "f"};
  const auto input = matrixDataset(responses, "VISp responses", DatasetKind::ResponseMatrix,
                                   {{"stimulus_labels", nlohmann::json(labels).dump()}});
  for (const char* method : {"correlation", "pearson_shi", "euclidean", "cosine"}) {
    SCOPED_TRACE(method);
    const auto result = run("rsa.rdm", {{"data", input}}, {{"rdm_method", method}});
    const auto& rdm = arrayOutput(result, "rdm");
    ASSERT_EQ(rdm.shape(), (std::vector<std::size_t>{6, 6}));
    EXPECT_EQ(rdm.attributes().at("rdm"), "1");
    EXPECT_EQ(rdm.attributes().at("method"), method);
    EXPECT_EQ(nlohmann::json::parse(rdm.attributes().at("stimulus_labels")),
              nlohmann::json(labels));
    const rsa::Matrix expected = rsa::computeRdm(responses, rsa::parseRdmMethod(method));
    for (std::size_t i = 0; i < 6; ++i)
      for (std::size_t j = 0; j < 6; ++j)
        EXPECT_DOUBLE_EQ(rdm.values()[i * 6 + j],
                         expected(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)));
  }
  // Activations with more dimensions (stimuli × channels × h × w) are flattened.
  const auto flat = nl::test::formulaResponses(5, 24, 0.1);
  auto tensor = std::make_shared<nl::io::ArrayDataset>(
      DatasetKind::FeatureMatrix, "conv", std::vector<std::size_t>{5, 2, 3, 4},
      std::vector<double>(flat.data(), flat.data() + flat.size()));
  const auto& rdm = arrayOutput(run("rsa.rdm", {{"data", tensor}}), "rdm");
  const rsa::Matrix expected = rsa::computeRdm(flat, rsa::RdmMethod::CorrelationDistance);
  EXPECT_DOUBLE_EQ(rdm.values()[1 * 5 + 3], expected(1, 3));
}

TEST(RsaPlugins, CompareGivesSimilarityCiPermutationPAndFolds) {
  std::mt19937_64 rng(5);
  const rsa::RowMatrix shared = nl::test::gaussian(40, 30, rng);
  const rsa::RowMatrix a = shared + nl::test::gaussian(40, 30, rng, 0.5);
  const rsa::RowMatrix b = shared + nl::test::gaussian(40, 30, rng, 0.5);
  const auto result =
      run("rsa.compare", {{"a", matrixDataset(a, "a")}, {"b", matrixDataset(b, "b")}},
          {{"replicates", "200"}, {"permutations", "200"}});
  const auto& scalars = arrayOutput(result, "similarity");
  EXPECT_EQ(scalars.kind(), DatasetKind::Scalars);
  const auto names =
      nlohmann::json::parse(scalars.attributes().at("names")).get<std::vector<std::string>>();
  ASSERT_EQ(names.size(), scalars.values().size());
  ASSERT_EQ(names.size(), 11u);  // 7 + 4 folds
  EXPECT_EQ(names[0], "similarity");
  EXPECT_EQ(names[10], "fold_4");
  const auto& v = scalars.values();
  const double expected = rsa::compareRdms(rsa::computeRdm(a, rsa::RdmMethod::CorrelationDistance),
                                           rsa::computeRdm(b, rsa::RdmMethod::CorrelationDistance));
  EXPECT_DOUBLE_EQ(v[0], expected);
  EXPECT_GT(v[0], 0.3);
  EXPECT_LT(v[1], v[0]);
  EXPECT_GT(v[2], v[0]);
  EXPECT_GT(v[3], 0.0);
  EXPECT_NEAR(v[4], 1.0 / 201.0, 1e-12);  // nothing in the null beats a real relation
  EXPECT_EQ(arrayOutput(result, "bootstrap").values().size(), 200u);
  EXPECT_EQ(arrayOutput(result, "null_distribution").values().size(), 200u);

  // Neuron bootstrap needs responses for a, not an RDM.
  const auto neurons =
      run("rsa.compare", {{"a", matrixDataset(a, "a")}, {"b", matrixDataset(b, "b")}},
          {{"bootstrap", "neurons"}, {"replicates", "50"}, {"permutations", "0"}, {"folds", "0"}});
  const auto& nv = arrayOutput(neurons, "similarity").values();
  EXPECT_LE(nv[1], nv[2]);
  EXPECT_TRUE(std::isnan(nv[4]));
  const auto rdmA = run("rsa.rdm", {{"data", matrixDataset(a, "a")}}).outputs.front().dataset;
  EXPECT_NE(failureOf("rsa.compare", {{"a", rdmA}, {"b", matrixDataset(b, "b")}},
                      {{"bootstrap", "neurons"}})
                .find("is an RDM"),
            std::string::npos);
  // Mismatched stimulus counts.
  const std::string mismatch = failureOf(
      "rsa.compare", {{"a", matrixDataset(a, "a")}, {"b", matrixDataset(b.topRows(30), "b30")}});
  EXPECT_NE(mismatch.find("mismatched stimulus counts"), std::string::npos) << mismatch;
}

TEST(RsaPlugins, LayerMappingRecoversPlantedLayersWithCeilings) {
  const auto c = plantedCase();
  std::vector<double> fractions;
  ProgressReporter reporter([&](double f, const std::string&) { fractions.push_back(f); });
  const auto result = run("rsa.layer_mapping", plantedInputs(c, true),
                          {{"replicates", "100"},
                           {"ceiling_repeats", "20"},
                           {"seed", "3"},
                           {"population_names", "VISp, VISam"}},
                          &reporter);
  EXPECT_TRUE(std::is_sorted(fractions.begin(), fractions.end()));
  EXPECT_GT(fractions.size(), 8u);

  const auto& profiles = arrayOutput(result, "profiles");
  ASSERT_EQ(profiles.shape(), (std::vector<std::size_t>{2, 6, 3}));
  EXPECT_EQ(nlohmann::json::parse(profiles.attributes().at("population_names")),
            nlohmann::json({"VISp", "VISam"}));
  EXPECT_EQ(nlohmann::json::parse(profiles.attributes().at("layer_names")).size(), 6u);
  const auto lower = nlohmann::json::parse(profiles.attributes().at("noise_ceiling_lower"));
  const auto upper = nlohmann::json::parse(profiles.attributes().at("noise_ceiling_upper"));
  for (std::size_t p = 0; p < 2; ++p) {
    ASSERT_TRUE(lower[p].is_number());
    EXPECT_LE(lower[p].get<double>(), upper[p].get<double>());
    EXPECT_GT(lower[p].get<double>(), 0.3);  // six trials of a strong signal: reliable RDMs
    for (std::size_t l = 0; l < 6; ++l) {
      const double* cell = &profiles.values()[(p * 6 + l) * 3];
      EXPECT_LE(cell[1], cell[0] + 1e-12);
      EXPECT_GE(cell[2], cell[0] - 1e-12);
    }
  }

  const auto& depths = tableOutput(result, "depths");
  ASSERT_EQ(depths.rowCount(), 2u);
  const auto& best = *depths.numericColumn("best_layer_index");
  EXPECT_EQ(best[0], 1.0);
  EXPECT_EQ(best[1], 4.0);
  EXPECT_EQ(depths.column("best_layer")->strings()[1], "layer4");
  EXPECT_DOUBLE_EQ((*depths.numericColumn("pseudo_depth"))[1], 0.8);
  EXPECT_LE((*depths.numericColumn("pseudo_depth_ci_low"))[0], 0.2);
  EXPECT_GE((*depths.numericColumn("pseudo_depth_ci_high"))[0], 0.2);
  EXPECT_LT((*depths.numericColumn("weighted_depth"))[0],
            (*depths.numericColumn("weighted_depth"))[1]);
  EXPECT_TRUE(std::isfinite((*depths.numericColumn("noise_ceiling"))[0]));

  const auto& rdms = arrayOutput(result, "rdms");
  ASSERT_EQ(rdms.shape(), (std::vector<std::size_t>{8, 40, 40}));
  EXPECT_EQ(nlohmann::json::parse(rdms.attributes().at("roles"))[0], "population");
  EXPECT_EQ(nlohmann::json::parse(rdms.attributes().at("names"))[2], "layer0");
  const rsa::Matrix layer0 = rsa::computeRdm(c.layers[0], rsa::RdmMethod::CorrelationDistance);
  EXPECT_DOUBLE_EQ(rdms.values()[2 * 1600 + 3 * 40 + 7], layer0(3, 7));
  const auto& frequency = arrayOutput(result, "best_layer_frequency");
  ASSERT_EQ(frequency.shape(), (std::vector<std::size_t>{2, 6}));
  EXPECT_GT(frequency.values()[1], 0.5);

  // Same seed, same numbers.
  const auto again = run("rsa.layer_mapping", plantedInputs(c, true),
                         {{"replicates", "100"}, {"ceiling_repeats", "20"}, {"seed", "3"}});
  EXPECT_EQ(arrayOutput(again, "profiles").values(), profiles.values());
}

TEST(RsaPlugins, LayerMappingBadInputsAreExplained) {
  const auto c = plantedCase();
  auto inputs = plantedInputs(c, false);
  inputs["layers#6"] = matrixDataset(c.layers[0].topRows(30), "short", DatasetKind::FeatureMatrix);
  auto message = failureOf("rsa.layer_mapping", inputs, {{"replicates", "0"}});
  EXPECT_NE(message.find("mismatched stimulus counts"), std::string::npos) << message;
  EXPECT_NE(message.find("'short' has 30"), std::string::npos) << message;

  inputs = plantedInputs(c, false);
  rsa::RowMatrix constant = c.populations[0];
  constant.row(7).setConstant(2.0);
  inputs["populations#0"] = matrixDataset(constant, "flat");
  message = failureOf("rsa.layer_mapping", inputs, {{"replicates", "0"}});
  EXPECT_NE(message.find("'flat'"), std::string::npos) << message;
  EXPECT_NE(message.find("7"), std::string::npos) << message;

  inputs = plantedInputs(c, false);
  rsa::RowMatrix withNaN = c.layers[2];
  withNaN(3, 5) = std::nan("");
  inputs["layers#2"] = matrixDataset(withNaN, "nan layer", DatasetKind::FeatureMatrix);
  message = failureOf("rsa.layer_mapping", inputs, {{"replicates", "0"}});
  EXPECT_NE(message.find("'nan layer'"), std::string::npos) << message;
  EXPECT_NE(message.find("NaN"), std::string::npos) << message;

  inputs = plantedInputs(c, true);
  inputs.erase("trials#1");
  message = failureOf("rsa.layer_mapping", inputs, {{"replicates", "0"}});
  EXPECT_NE(message.find("one trial tensor per population"), std::string::npos) << message;

  inputs = plantedInputs(c, false);
  for (std::size_t l = 1; l < 6; ++l) inputs.erase(multipleInputKey("layers", l));
  message = failureOf("rsa.layer_mapping", inputs);
  EXPECT_NE(message.find("at least 2 layers"), std::string::npos) << message;

  inputs = plantedInputs(c, false);
  message = failureOf("rsa.layer_mapping", inputs, {{"layer_names", "a,b"}});
  EXPECT_NE(message.find("layer_names lists 2"), std::string::npos) << message;
}

TEST(RsaPlugins, LayerMappingCancels) {
  const auto c = plantedCase();
  ProgressReporter* self = nullptr;
  int reports = 0;
  ProgressReporter reporter([&](double, const std::string&) {
    if (++reports == 3) self->cancel();
  });
  self = &reporter;
  try {
    run("rsa.layer_mapping", plantedInputs(c, true), {{"replicates", "2000"}}, &reporter);
    ADD_FAILURE() << "not cancelled";
  } catch (const RunError& error) {
    EXPECT_TRUE(error.cancelled()) << error.what();
  }
}

TEST(RsaPlugins, MdsOfAnRdmCarriesLabels) {
  const auto responses = nl::test::formulaResponses(7, 6, 0.9);
  const std::vector<std::string> labels{"s0", "s1", "s2", "s3", "s4", "s5", "s6"};
  const auto rdm =
      run("rsa.rdm",
          {{"data", matrixDataset(responses, "r", DatasetKind::ResponseMatrix,
                                  {{"stimulus_labels", nlohmann::json(labels).dump()}})}},
          {{"rdm_method", "euclidean"}})
          .outputs.front()
          .dataset;
  const auto result = run("rsa.mds", {{"rdm", rdm}});
  const auto& coordinates = arrayOutput(result, "coordinates");
  ASSERT_EQ(coordinates.shape(), (std::vector<std::size_t>{7, 2}));
  EXPECT_EQ(nlohmann::json::parse(coordinates.attributes().at("stimulus_labels")),
            nlohmann::json(labels));
  const auto expected =
      rsa::classicalMds(rsa::computeRdm(responses, rsa::RdmMethod::Euclidean), 2, true);
  for (Eigen::Index i = 0; i < 7; ++i)
    for (Eigen::Index d = 0; d < 2; ++d)
      EXPECT_NEAR(coordinates.values()[static_cast<std::size_t>(i * 2 + d)],
                  expected.coordinates(i, d), 1e-12);
  // Labels that do not fit are refused.
  auto table = std::make_shared<nl::io::TableDataset>(
      DatasetKind::Table, "labels",
      std::vector<nl::io::Column>{{"name", std::vector<std::string>{"x", "y"}}});
  EXPECT_NE(failureOf("rsa.mds", {{"rdm", rdm}, {"labels", table}}).find("2 labels for 7 stimuli"),
            std::string::npos);
}

namespace {

nl::test::CliRun cli(const std::string& arguments) {
  return nl::test::runBinary(NEUROLOUPE_CLI, arguments);
}

void writeNpy(const std::filesystem::path& path, const rsa::RowMatrix& m) {
  nl::test::writeBytes(
      path,
      nl::test::npyBytes(1,
                         "{'descr': '<f8', 'fortran_order': False, 'shape': (" +
                             std::to_string(m.rows()) + ", " + std::to_string(m.cols()) + "), }",
                         nl::test::rawBytes(std::vector<double>(m.data(), m.data() + m.size()))));
}

}  // namespace

TEST(RsaCli, LayerMappingWithRepeatedInputsAndLayerOrder) {
  const auto c = plantedCase();
  nl::test::TempDir dir;
  writeNpy(dir / "VISp.npy", c.populations[0]);
  writeNpy(dir / "VISam.npy", c.populations[1]);
  {
    // Layers stored under names whose alphabetical order is wrong; layer_order fixes it.
    auto file = nl::io::h5::File::create(dir / "activations.h5");
    const auto root = file.root();
    const std::vector<std::string> names{"stem",    "block_b", "block_a",
                                         "block_c", "head_z",  "head_y"};
    for (std::size_t l = 0; l < 6; ++l)
      root.writeDoubles(
          names[l],
          std::vector<double>(c.layers[l].data(), c.layers[l].data() + c.layers[l].size()),
          {40, 60});
    root.setAttribute("layer_order", names);
    file.close();
  }
  const auto out = dir / "mapping.h5";
  const auto result =
      cli("run rsa.layer_mapping --input populations='" + (dir / "VISp.npy").string() +
          "' --input populations='" + (dir / "VISam.npy").string() + "' -i layers='" +
          (dir / "activations.h5").string() + "' --replicates 50 --json -o '" + out.string() + "'");
  ASSERT_EQ(result.exitCode, 0) << result.out;
  const auto json = nlohmann::json::parse(result.out);
  const auto& columns = json["outputs"]["depths"]["columns"];
  EXPECT_EQ(columns["population"], nlohmann::json({"VISp", "VISam"}));
  EXPECT_EQ(columns["best_layer"], nlohmann::json({"block_b", "head_z"}));
  EXPECT_EQ(json["outputs"]["profiles"]["shape"], nlohmann::json({2, 6, 3}));
  EXPECT_TRUE(std::filesystem::exists(out));

  // A single port given twice is a usage error; a missing multiple port too.
  EXPECT_EQ(cli("run rsa.rdm -i data='" + (dir / "VISp.npy").string() + "' -i data='" +
                (dir / "VISam.npy").string() + "' -o '" + (dir / "x.h5").string() + "'")
                .exitCode,
            2);
  EXPECT_EQ(cli("run rsa.layer_mapping -i populations='" + (dir / "VISp.npy").string() + "' -o '" +
                (dir / "y.h5").string() + "'")
                .exitCode,
            2);
  const auto listing = cli("plugins");
  EXPECT_NE(listing.out.find("repeatable"), std::string::npos);
}

TEST(RsaPlugins, SubsamplingCurvesRiseWithNeurons) {
  std::mt19937_64 rng(9);
  const rsa::RowMatrix signal = nl::test::gaussian(30, 4, rng) * nl::test::gaussian(4, 80, rng);
  const rsa::RowMatrix responses = signal + nl::test::gaussian(30, 80, rng, 1.0);
  const auto result =
      run("rsa.subsampling", {{"responses", matrixDataset(responses, "pop")}},
          {{"neuron_counts", "2, 10, 80"}, {"stimulus_counts", "10,30"}, {"repeats", "10"}});
  const auto& curves = arrayOutput(result, "curves");
  ASSERT_EQ(curves.shape(), (std::vector<std::size_t>{2, 3, 2}));
  EXPECT_EQ(nlohmann::json::parse(curves.attributes().at("neuron_counts")),
            nlohmann::json({2, 10, 80}));
  const auto& v = curves.values();
  const auto mean = [&](std::size_t s, std::size_t k) { return v[(s * 3 + k) * 2]; };
  EXPECT_LT(mean(1, 0), mean(1, 1));
  EXPECT_NEAR(mean(1, 2), 1.0, 1e-12);  // all neurons, all stimuli: the full RDM itself
  EXPECT_NE(failureOf("rsa.subsampling", {{"responses", matrixDataset(responses, "pop")}},
                      {{"neuron_counts", "2, x"}})
                .find("'x' is not a count"),
            std::string::npos);
}

namespace {

// rsa.noise_ceiling: several RDMs of one population (e.g. three animals) →
// rsatoolbox's lower/upper bounds, exactly what analysis/rsa computes.
TEST(RsaPlugins, GroupNoiseCeilingOfSeveralRdms) {
  std::mt19937 random(11);
  std::normal_distribution<double> gauss(0.0, 1.0);
  const int n = 9;
  rsa::RowMatrix shared(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j <= i; ++j) shared(i, j) = shared(j, i) = i == j ? 0.0 : 1.0 + gauss(random);
  Inputs inputs;
  std::vector<rsa::Matrix> rdms;
  for (int subject = 0; subject < 3; ++subject) {
    rsa::RowMatrix rdm = shared;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < i; ++j) rdm(i, j) = rdm(j, i) = shared(i, j) + 0.5 * gauss(random);
    rdms.push_back(rdm);
    inputs[multipleInputKey("rdms", static_cast<std::size_t>(subject))] =
        matrixDataset(rdm, "animal " + std::to_string(subject), DatasetKind::Array, {{"rdm", "1"}});
  }
  const auto result = run("rsa.noise_ceiling", inputs);
  const auto& ceiling = arrayOutput(result, "ceiling");
  const auto expected = rsa::groupNoiseCeiling(
      rdms, {rsa::CompareMethod::Spearman, rsa::EntrySelection::UpperTriangle});
  ASSERT_EQ(ceiling.values().size(), 2u);
  EXPECT_DOUBLE_EQ(ceiling.values()[0], expected.lower);
  EXPECT_DOUBLE_EQ(ceiling.values()[1], expected.upper);
  EXPECT_LT(expected.lower, expected.upper) << "leave-one-out is below all-in";
  EXPECT_GT(expected.lower, 0.3) << "the animals share structure";

  Inputs one{{"rdms#0", inputs.at("rdms#0")}};
  EXPECT_NE(failureOf("rsa.noise_ceiling", one).find("at least two"), std::string::npos);
  inputs["rdms#3"] =
      matrixDataset(rsa::RowMatrix::Zero(4, 4), "small", DatasetKind::Array, {{"rdm", "1"}});
  EXPECT_NE(failureOf("rsa.noise_ceiling", inputs).find("stimuli"), std::string::npos);
}

}  // namespace
