#include "analysis/connectome/CommunityBaselines.h"

#include <igraph.h>

#include <chrono>
#include <numeric>
#include <stdexcept>
#include <string>

#include "analysis/connectome/CommunityMetrics.h"

namespace nl::analysis::connectome {

namespace {

void check(igraph_error_t code, const char* what) {
  if (code != IGRAPH_SUCCESS)
    throw std::runtime_error(std::string("igraph ") + what + " failed: " + igraph_strerror(code));
}

// igraph objects with their destructors.
struct IGraph {
  igraph_t graph;
  igraph_vector_t weights;
  explicit IGraph(const WeightedGraph& g) {
    igraph_vector_int_t edges;
    check(igraph_vector_int_init(&edges, static_cast<igraph_integer_t>(2 * g.edgeCount())),
          "vector");
    check(igraph_vector_init(&weights, static_cast<igraph_integer_t>(g.edgeCount())), "vector");
    for (std::size_t k = 0; k < g.edgeCount(); ++k) {
      VECTOR(edges)[2 * k] = g.edges()[k].i;
      VECTOR(edges)[2 * k + 1] = g.edges()[k].j;
      VECTOR(weights)[k] = g.edges()[k].w;
    }
    const auto code = igraph_create(&graph, &edges, g.nodes(), IGRAPH_UNDIRECTED);
    igraph_vector_int_destroy(&edges);
    check(code, "create");
  }
  ~IGraph() {
    igraph_destroy(&graph);
    igraph_vector_destroy(&weights);
  }
  IGraph(const IGraph&) = delete;
  IGraph& operator=(const IGraph&) = delete;
};

std::vector<int> toLabels(const igraph_vector_int_t& v) {
  std::vector<int> out(static_cast<std::size_t>(igraph_vector_int_size(&v)));
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<int>(VECTOR(v)[static_cast<igraph_integer_t>(i)]);
  return out;
}

// A graph without weight has no communities to find: every node its own.
BaselineResult eachNodeAlone(const WeightedGraph& graph) {
  BaselineResult out;
  out.levels.emplace_back(static_cast<std::size_t>(graph.nodes()));
  std::iota(out.levels[0].begin(), out.levels[0].end(), 0);
  return out;
}

}  // namespace

BaselineResult leidenModularity(const WeightedGraph& graph, std::uint64_t seed) {
  const auto start = std::chrono::steady_clock::now();
  if (graph.nodes() < 1) throw std::invalid_argument("Leiden: the graph has no nodes");
  if (graph.totalWeight() <= 0.0) return eachNodeAlone(graph);
  BaselineResult out;
  igraph_rng_seed(igraph_rng_default(), static_cast<igraph_uint_t>(seed));
  IGraph g(graph);
  igraph_vector_t nodeWeights;
  check(igraph_vector_init(&nodeWeights, graph.nodes()), "vector");
  for (int v = 0; v < graph.nodes(); ++v) VECTOR(nodeWeights)[v] = graph.strength(v);
  igraph_vector_int_t membership;
  check(igraph_vector_int_init(&membership, graph.nodes()), "vector");
  igraph_integer_t clusters = 0;
  igraph_real_t quality = 0.0;
  const auto code =
      igraph_community_leiden(&g.graph, &g.weights, &nodeWeights, 1.0 / (2.0 * graph.totalWeight()),
                              0.01, false, -1, &membership, &clusters, &quality);
  igraph_vector_destroy(&nodeWeights);
  if (code != IGRAPH_SUCCESS) igraph_vector_int_destroy(&membership);
  check(code, "Leiden");
  out.levels.push_back(toLabels(membership));
  igraph_vector_int_destroy(&membership);
  out.modularity = modularity(graph, out.levels[0]);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

BaselineResult louvain(const WeightedGraph& graph, std::uint64_t seed) {
  const auto start = std::chrono::steady_clock::now();
  if (graph.nodes() < 1) throw std::invalid_argument("Louvain: the graph has no nodes");
  if (graph.totalWeight() <= 0.0) return eachNodeAlone(graph);
  BaselineResult out;
  igraph_rng_seed(igraph_rng_default(), static_cast<igraph_uint_t>(seed));
  IGraph g(graph);
  igraph_vector_int_t membership;
  igraph_matrix_int_t memberships;
  igraph_vector_t modularityPerLevel;
  check(igraph_vector_int_init(&membership, graph.nodes()), "vector");
  check(igraph_matrix_int_init(&memberships, 0, 0), "matrix");
  check(igraph_vector_init(&modularityPerLevel, 0), "vector");
  const auto code = igraph_community_multilevel(&g.graph, &g.weights, 1.0, &membership,
                                                &memberships, &modularityPerLevel);
  if (code == IGRAPH_SUCCESS) {
    const auto rows = igraph_matrix_int_nrow(&memberships);
    for (igraph_integer_t level = 0; level < rows; ++level) {
      std::vector<int> labels(static_cast<std::size_t>(graph.nodes()));
      for (int v = 0; v < graph.nodes(); ++v)
        labels[v] = static_cast<int>(MATRIX(memberships, level, v));
      out.levels.push_back(std::move(labels));
    }
    if (out.levels.empty()) out.levels.push_back(toLabels(membership));
  }
  igraph_vector_int_destroy(&membership);
  igraph_matrix_int_destroy(&memberships);
  igraph_vector_destroy(&modularityPerLevel);
  check(code, "Louvain");
  out.modularity = modularity(graph, out.levels.back());
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace nl::analysis::connectome
