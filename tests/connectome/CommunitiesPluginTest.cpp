// connectome.communities through the plugin runner: an LFR network.dat read
// by the CSV reader (whitespace "i j w", no header, 1-based, both directions),
// an adjacency, pair factors, the baselines, and bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "analysis/connectome/Lfr.h"
#include "io/ReaderRegistry.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"
#include "tests/support/TestSupport.h"

namespace cn = nl::analysis::connectome;
using nl::io::ArrayDataset;
using nl::io::TableDataset;

namespace {

nl::plugins::RunResult run(const nl::plugins::Inputs& inputs,
                           const std::map<std::string, std::string>& parameters) {
  return nl::test::runBuiltinPlugin("connectome.communities", inputs, parameters);
}

using nl::test::output;

using nl::test::scalar;

std::shared_ptr<ArrayDataset> adjacency(int n, const std::vector<double>& v) {
  return std::make_shared<ArrayDataset>(
      nl::io::DatasetKind::Array, "adjacency",
      std::vector<std::size_t>{static_cast<std::size_t>(n), static_cast<std::size_t>(n)}, v,
      nl::io::Provenance{});
}

}  // namespace

TEST(CommunitiesPlugin, LfrFilesThroughTheReader) {
  cn::LfrSettings s;
  s.nodes = 60;
  s.averageDegree = 12;
  s.maxDegree = 24;
  s.mixingTopology = 0.15;
  s.mixingWeights = 0.15;
  s.minCommunity = 15;
  s.maxCommunity = 30;
  s.seed = 4;
  const auto lfr = cn::generateLfr(s);
  const auto dir = std::filesystem::temp_directory_path() / "nl_communities_plugin";
  std::filesystem::create_directories(dir);
  cn::writeLfrFiles(lfr, (dir / "network.dat").string(), (dir / "community.dat").string());
  // LFR's own files as they are: header-less, whitespace-separated .dat,
  // read as an E × 3 and an N × 2 array.
  auto& readers = nl::io::ReaderRegistry::builtin();
  const auto graph = readers.open(dir / "network.dat").datasets.at(0);
  const auto truth = readers.open(dir / "community.dat").datasets.at(0);
  const auto result = run({{"graph", graph}, {"truth", truth}}, {{"seed", "3"}});
  const auto summary = output(result, "summary");
  ASSERT_TRUE(summary);
  EXPECT_GT(scalar(*summary, "nmi_best_level"), 0.6);  // measured 0.705 (Leiden > 0.8)
  const auto labels = output<TableDataset>(result, "labels");
  ASSERT_TRUE(labels);
  ASSERT_TRUE(labels->numericColumn("community"));
  EXPECT_EQ(labels->numericColumn("node")->size() % 60, 0u);
  for (const char* method : {"leiden", "louvain"}) {
    const auto baseline = run({{"graph", graph}, {"truth", truth}}, {{"method", method}});
    EXPECT_GT(scalar(*output(baseline, "summary"), "nmi_level0"), 0.8) << method;
  }
}

TEST(CommunitiesPlugin, AdjacencyAndPairFactors) {
  // Two triangles joined by one light edge.
  std::vector<double> a(36, 0.0);
  auto set = [&](int i, int j, double w) { a[i * 6 + j] = a[j * 6 + i] = w; };
  set(0, 1, 5), set(1, 2, 5), set(0, 2, 5), set(3, 4, 5), set(4, 5, 5), set(3, 5, 5), set(2, 3, 1);
  const auto result = run({{"graph", adjacency(6, a)}}, {{"method", "leiden"}});
  const auto labels = output<TableDataset>(result, "labels");
  ASSERT_TRUE(labels);
  const auto& c = *labels->numericColumn("community");
  EXPECT_EQ(c[0], c[1]);
  EXPECT_NE(c[0], c[5]);
  // Pair factors {P = 15, R = 2}: two components, each one graph.
  std::vector<double> f(30);
  int p = 0;
  for (int i = 0; i < 6; ++i)
    for (int j = i + 1; j < 6; ++j, ++p) {
      f[p * 2] = a[i * 6 + j];
      f[p * 2 + 1] = 1.0 + (i + j) % 2;
    }
  auto factors =
      std::make_shared<ArrayDataset>(nl::io::DatasetKind::Array, "pair_factors",
                                     std::vector<std::size_t>{15, 2}, f, nl::io::Provenance{});
  const auto two = run({{"pair_factors", factors}}, {{"sweeps", "2"}});
  const auto t = output<TableDataset>(two, "labels");
  ASSERT_TRUE(t);
  const auto& comp = *t->numericColumn("component");
  EXPECT_EQ(*std::max_element(comp.begin(), comp.end()), 1.0);
  EXPECT_NO_THROW(scalar(*output(two, "summary"), "c1_description_length"));
}

TEST(CommunitiesPlugin, BadInputErrors) {
  EXPECT_THROW(run({}, {}), std::exception);
  EXPECT_THROW(run({{"graph", adjacency(2, {0, 1, 2, 0})}}, {}), std::exception);
  auto odd = std::make_shared<ArrayDataset>(nl::io::DatasetKind::Array, "pair_factors",
                                            std::vector<std::size_t>{4, 1},
                                            std::vector<double>{1, 1, 1, 1}, nl::io::Provenance{});
  EXPECT_THROW(run({{"pair_factors", odd}}, {}), std::exception);
  try {
    run({{"graph", adjacency(3, {0, -1, 0, -1, 0, 0, 0, 0, 0})}}, {});
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("adjacency"), std::string::npos) << e.what();
  }
}
