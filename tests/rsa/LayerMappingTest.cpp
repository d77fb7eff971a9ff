// Layer mapping on a simulated network whose layers are successive random
// nonlinear transforms of a latent, with brain areas built from chosen
// layers: the mapping must find the planted layers.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "analysis/rsa/LayerMapping.h"
#include "tests/rsa/RsaTestSupport.h"

namespace rsa = nl::analysis::rsa;

using nl::test::areaFromLayer;
using nl::test::simulateNetwork;

TEST(RsaLayerMapping, RecoversPlantedLayerCorrespondence) {
  std::mt19937_64 rng(1234);
  const int stimuli = 60, layerCount = 8;
  const auto net = simulateNetwork(stimuli, layerCount, 80, rng);
  std::vector<rsa::LayerInput> layers;
  for (int d = 0; d < layerCount; ++d)
    layers.push_back(
        {"layer" + std::to_string(d), rsa::computeRdm(net.layers[static_cast<std::size_t>(d)],
                                                      rsa::RdmMethod::CorrelationDistance)});
  const std::vector<std::size_t> planted{1, 4, 6};
  std::vector<rsa::PopulationInput> areas;
  for (auto source : planted) {
    const auto responses = areaFromLayer(net.layers[source], 60, 0.3, rng);
    areas.push_back({"area_from_" + std::to_string(source),
                     rsa::computeRdm(responses, rsa::RdmMethod::CorrelationDistance),
                     rsa::NoiseCeilingRange{0.8, 0.9}});
  }
  rsa::LayerMappingOptions options;
  options.inference.compare = {rsa::CompareMethod::Spearman, rsa::EntrySelection::UpperTriangle};
  options.inference.replicates = 200;
  options.inference.seed = 11;
  nl::analysis::NullProgress progress;
  const auto mapping = rsa::mapLayers(layers, areas, options, progress);
  ASSERT_EQ(mapping.populations.size(), 3u);
  for (std::size_t p = 0; p < planted.size(); ++p) {
    const auto& profile = mapping.populations[p];
    EXPECT_EQ(profile.bestLayer, planted[p]) << profile.name;
    EXPECT_DOUBLE_EQ(profile.pseudoDepth, static_cast<double>(planted[p]) / (layerCount - 1));
    EXPECT_LE(profile.pseudoDepthCi.low, profile.pseudoDepth);
    EXPECT_GE(profile.pseudoDepthCi.high, profile.pseudoDepth);
    EXPECT_EQ(profile.similarity.size(), static_cast<std::size_t>(layerCount));
    for (int d = 0; d < layerCount; ++d) {
      const auto l = static_cast<std::size_t>(d);
      EXPECT_LE(profile.ciLow[l], profile.ciHigh[l]);
    }
    ASSERT_TRUE(profile.noiseCeiling.has_value());
    double frequencies = 0;
    for (double f : profile.bestLayerFrequency) frequencies += f;
    EXPECT_NEAR(frequencies, 1.0, 1e-12);
  }
  // The weighted depths keep the planted order.
  EXPECT_LT(mapping.populations[0].weightedDepth, mapping.populations[1].weightedDepth);
  EXPECT_LT(mapping.populations[1].weightedDepth, mapping.populations[2].weightedDepth);
}

TEST(RsaLayerMapping, DepthHelpersAndErrors) {
  EXPECT_DOUBLE_EQ(rsa::pseudoDepth(3, 7), 0.5);
  EXPECT_DOUBLE_EQ(rsa::similarityWeightedDepth({0.2, 0.6, 0.2}), 0.5);
  EXPECT_DOUBLE_EQ(rsa::similarityWeightedDepth({-0.5, 0.0, 1.0}), 1.0);  // negatives ignored
  EXPECT_TRUE(std::isnan(rsa::similarityWeightedDepth({-0.1, -0.2})));
  EXPECT_THROW(rsa::pseudoDepth(0, 1), std::invalid_argument);
  const rsa::Matrix rdm =
      rsa::computeRdm(nl::test::formulaResponses(8, 4, 0.0), rsa::RdmMethod::Euclidean);
  nl::analysis::NullProgress progress;
  rsa::LayerMappingOptions options;
  options.bootstrap = false;
  EXPECT_THROW(rsa::mapLayers({{"only", rdm}}, {{"a", rdm, {}}}, options, progress),
               std::invalid_argument);
  try {
    rsa::mapLayers({{"l0", rdm}, {"l1", rdm}}, {{"V1", rsa::Matrix::Zero(5, 5), {}}}, options,
                   progress);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("population 'V1' has 5 × 5"), std::string::npos)
        << e.what();
  }
  const auto pointOnly =
      rsa::mapLayers({{"l0", rdm}, {"l1", rdm * 2.0}}, {{"a", rdm, {}}}, options, progress);
  EXPECT_EQ(pointOnly.populations[0].bestLayer, 0u);  // tie → first layer
  EXPECT_TRUE(std::isnan(pointOnly.populations[0].ciLow[0]));
}

TEST(RsaLayerMapping, SubsamplingCurveRisesToOneWithAllNeurons) {
  std::mt19937_64 rng(9);
  const rsa::RowMatrix responses =
      nl::test::gaussian(30, 4, rng) * nl::test::gaussian(4, 120, rng) +
      nl::test::gaussian(30, 120, rng);
  rsa::SubsamplingOptions options;
  options.neuronCounts = {5, 20, 60, 120};
  options.stimulusCounts = {10, 30};
  options.repeats = 10;
  options.compare.method = rsa::CompareMethod::Pearson;
  nl::analysis::NullProgress progress;
  const auto curves = rsa::subsamplingCurves(responses, options, progress);
  ASSERT_EQ(curves.mean.rows(), 2);
  ASSERT_EQ(curves.mean.cols(), 4);
  for (Eigen::Index r = 0; r < 2; ++r) {
    for (Eigen::Index c = 1; c < 4; ++c) EXPECT_GT(curves.mean(r, c), curves.mean(r, c - 1));
    EXPECT_NEAR(curves.mean(r, 3), 1.0, 1e-12);  // all neurons: the full RDM itself
    EXPECT_NEAR(curves.standardDeviation(r, 3), 0.0, 1e-12);
  }
  options.neuronCounts = {121};
  EXPECT_THROW(rsa::subsamplingCurves(responses, options, progress), std::invalid_argument);
}
