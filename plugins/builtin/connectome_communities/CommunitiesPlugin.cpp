// connectome.communities: glue from an adjacency, an edge list or the NTF
// pair factors to analysis/connectome's nested weighted SBM and the igraph
// baselines, and back to a labels table and a summary.
#include <QObject>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "analysis/connectome/Affinity.h"
#include "analysis/connectome/CommunityBaselines.h"
#include "analysis/connectome/CommunityMetrics.h"
#include "analysis/connectome/Sbm.h"
#include "plugins/api/AnalysisPlugin.h"

namespace cn = nl::analysis::connectome;

namespace {

cn::WeightedGraph edgeListGraph(const std::vector<double>& i, const std::vector<double>& j,
                                const std::vector<double>& w, const std::string& what,
                                int minNodes) {
  if (i.empty()) throw std::invalid_argument(what + " has no edges");
  double lo = INFINITY, hi = -INFINITY;
  for (std::size_t k = 0; k < i.size(); ++k)
    for (const double x : {i[k], j[k]}) {
      if (!std::isfinite(x) || x != std::round(x) || x < 0)
        throw std::invalid_argument(what + ": row " + std::to_string(k + 1) + " has a node index " +
                                    std::to_string(x) + " that is not a non-negative integer");
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
  const int base = lo >= 1.0 ? 1 : 0;
  const int N = std::max(static_cast<int>(hi) - base + 1, minNodes);
  std::map<std::pair<int, int>, double> seen;
  std::vector<cn::WeightedEdge> edges;
  for (std::size_t k = 0; k < i.size(); ++k) {
    const int a = static_cast<int>(i[k]) - base, b = static_cast<int>(j[k]) - base;
    if (a == b)
      throw std::invalid_argument(what + ": row " + std::to_string(k + 1) + " is a self-loop");
    const auto key = std::make_pair(std::min(a, b), std::max(a, b));
    const auto it = seen.find(key);
    if (it != seen.end()) {
      if (std::abs(it->second - w[k]) > 1e-9 * std::max(1.0, std::abs(w[k])))
        throw std::invalid_argument(what + ": the edge " + std::to_string(a + base) + " – " +
                                    std::to_string(b + base) +
                                    " is listed twice with different weights");
      continue;
    }
    seen.emplace(key, w[k]);
    edges.push_back({a, b, w[k]});
  }
  try {
    return cn::WeightedGraph(N, edges);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(what + ": " + e.what());
  }
}

cn::WeightedGraph graphFrom(const nl::io::Dataset& dataset) {
  const std::string what = "graph '" + dataset.name() + "'";
  if (const auto* table = dynamic_cast<const nl::io::TableDataset*>(&dataset)) {
    const auto* i = table->numericColumn("i");
    const auto* j = table->numericColumn("j");
    const auto* w = table->numericColumn("w");
    if (!(i && j && w)) {
      std::vector<const std::vector<double>*> numeric;
      for (const auto& c : table->columns())
        if (c.isNumeric()) numeric.push_back(&c.numbers());
      if (numeric.size() < 3)
        throw std::invalid_argument(what + " needs columns i, j, w (or three numeric columns)");
      i = numeric[0], j = numeric[1], w = numeric[2];
    }
    return edgeListGraph(*i, *j, *w, what, 0);
  }
  const auto& array = dynamic_cast<const nl::io::ArrayDataset&>(dataset);
  const auto shape = array.shape();
  if (shape.size() == 2 && shape[0] == shape[1] && shape[0] > 0) try {
      return cn::WeightedGraph::fromAdjacency(static_cast<int>(shape[0]), array.values());
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(what + ": " + e.what());
    }
  if (shape.size() == 2 && shape[1] == 3) {
    std::vector<double> i, j, w;
    for (std::size_t r = 0; r < shape[0]; ++r) {
      i.push_back(array.values()[3 * r]);
      j.push_back(array.values()[3 * r + 1]);
      w.push_back(array.values()[3 * r + 2]);
    }
    return edgeListGraph(i, j, w, what, 0);
  }
  std::string s;
  for (const auto d : shape) s += (s.empty() ? "" : " × ") + std::to_string(d);
  throw std::invalid_argument(what + " is " + s +
                              "; give a square adjacency or an edge list (E × 3: i, j, w)");
}

std::vector<int> truthFrom(const nl::io::Dataset& dataset, int nodes) {
  std::vector<double> values;
  if (const auto* table = dynamic_cast<const nl::io::TableDataset*>(&dataset)) {
    for (const auto& c : table->columns())
      if (c.isNumeric()) values = c.numbers();  // the last numeric column
  } else {
    const auto& array = dynamic_cast<const nl::io::ArrayDataset&>(dataset);
    const auto shape = array.shape();
    if (shape.size() == 2 && shape[1] == 2)
      for (std::size_t r = 0; r < shape[0]; ++r) values.push_back(array.values()[2 * r + 1]);
    else
      values = array.values();
  }
  if (values.size() != static_cast<std::size_t>(nodes))
    throw std::invalid_argument("truth '" + dataset.name() + "' has " +
                                std::to_string(values.size()) + " labels, the graph " +
                                std::to_string(nodes) + " nodes");
  std::vector<int> out;
  for (const double v : values) {
    if (!std::isfinite(v))
      throw std::invalid_argument("truth '" + dataset.name() + "' holds a non-number");
    out.push_back(static_cast<int>(std::lround(v)));
  }
  return out;
}

class CommunitiesPlugin final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "connectome.communities"; }
  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs,
                           const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto input = [&](const char* name) -> nl::io::DatasetPtr {
      const auto it = inputs.find(name);
      return it == inputs.end() ? nullptr : it->second;
    };
    const auto graphInput = input("graph");
    const auto factorsInput = input("pair_factors");
    if (!graphInput == !factorsInput)
      throw std::invalid_argument("give either a graph or pair_factors, not " +
                                  std::string(graphInput ? "both" : "neither"));
    std::vector<cn::WeightedGraph> graphs;
    std::vector<std::string> names;
    if (graphInput) {
      graphs.push_back(graphFrom(*graphInput));
    } else {
      const auto& f = dynamic_cast<const nl::io::ArrayDataset&>(*factorsInput);
      const auto shape = f.shape();
      if (shape.size() != 2)
        throw std::invalid_argument("pair_factors '" + f.name() +
                                    "' must be 2-D (pairs × components)");
      const auto P = shape[0], R = shape[1];
      const auto N = static_cast<int>(cn::neuronsForPairs(P));
      if (N < 2)
        throw std::invalid_argument("pair_factors '" + f.name() + "' has " + std::to_string(P) +
                                    " rows, not N(N−1)/2 for any N");
      for (std::size_t r = 0; r < R; ++r) {
        std::vector<cn::WeightedEdge> edges;
        std::size_t p = 0;
        for (int a = 0; a < N; ++a)
          for (int b = a + 1; b < N; ++b, ++p) {
            const double w = f.values()[p * R + r];
            if (std::isnan(w)) continue;
            if (w < 0.0 || !std::isfinite(w))
              throw std::invalid_argument("pair_factors '" + f.name() + "': entry (" +
                                          std::to_string(p) + ", " + std::to_string(r) +
                                          ") is negative or infinite");
            if (w > 0.0) edges.push_back({a, b, w});
          }
        graphs.emplace_back(N, edges);
      }
      const auto it = f.attributes().find("neuron_names");
      if (it != f.attributes().end()) {
        const auto j = nlohmann::json::parse(it->second, nullptr, false);
        if (j.is_array() && j.size() == static_cast<std::size_t>(N))
          for (const auto& n : j) names.push_back(n.is_string() ? n.get<std::string>() : n.dump());
      }
    }
    const int N = graphs.front().nodes();
    if (names.empty())
      for (int i = 0; i < N; ++i) names.push_back(std::to_string(i));
    std::vector<int> truth;
    if (const auto t = input("truth")) truth = truthFrom(*t, N);

    const std::string method = parameters.text("method");
    cn::SbmSettings settings;
    const std::string model = parameters.text("model");
    settings.model = model == "plain"              ? cn::SbmModel::Plain
                     : model == "degree_corrected" ? cn::SbmModel::DegreeCorrected
                                                   : cn::SbmModel::Auto;
    settings.weighted = parameters.boolean("weighted");
    settings.seed = static_cast<std::uint64_t>(parameters.integer("seed"));
    settings.sweeps = static_cast<int>(parameters.integer("sweeps"));
    settings.restarts = static_cast<int>(parameters.integer("restarts"));

    std::vector<double> component, level, node, community;
    std::vector<std::string> nameColumn;
    std::vector<std::string> summaryNames;
    std::vector<double> summaryValues;
    for (std::size_t r = 0; r < graphs.size(); ++r) {
      context.update(static_cast<double>(r) / graphs.size(), "component " + std::to_string(r));
      std::vector<std::vector<int>> levels;
      const std::string prefix = graphs.size() > 1 ? "c" + std::to_string(r) + "_" : "";
      auto add = [&](const std::string& n, double v) {
        summaryNames.push_back(prefix + n);
        summaryValues.push_back(v);
      };
      if (method == "sbm") {
        const auto fit = cn::fitNestedSbm(graphs[r], settings);
        levels = fit.levels;
        add("description_length", fit.descriptionLength);
        add("degree_corrected", fit.degreeCorrected ? 1.0 : 0.0);
        add("dl_degree_corrected", fit.dlDegreeCorrected);
        add("dl_plain", fit.dlPlain);
        add("seconds", fit.seconds);
      } else {
        const auto fit = method == "leiden" ? cn::leidenModularity(graphs[r], settings.seed)
                                            : cn::louvain(graphs[r], settings.seed);
        levels = method == "leiden" ? fit.levels : std::vector<std::vector<int>>{fit.levels.back()};
        add("modularity", fit.modularity);
        add("seconds", fit.seconds);
      }
      add("communities_level0", *std::max_element(levels[0].begin(), levels[0].end()) + 1.0);
      add("levels", static_cast<double>(levels.size()));
      if (!truth.empty()) {
        double best = 0.0;
        for (const auto& l : levels)
          best = std::max(best, cn::normalizedMutualInformation(l, truth));
        add("nmi_best_level", best);
        add("nmi_level0", cn::normalizedMutualInformation(levels[0], truth));
      }
      for (std::size_t l = 0; l < levels.size(); ++l)
        for (int i = 0; i < N; ++i) {
          component.push_back(static_cast<double>(r));
          level.push_back(static_cast<double>(l));
          node.push_back(i);
          nameColumn.push_back(names[i]);
          community.push_back(levels[l][i]);
        }
    }
    const auto& provenance = context.provenance();
    auto labels = std::make_shared<nl::io::TableDataset>(
        nl::io::DatasetKind::Table, "communities",
        std::vector<nl::io::Column>{{"component", component},
                                    {"level", level},
                                    {"node", node},
                                    {"name", nameColumn},
                                    {"community", community}},
        provenance);
    auto summary = std::make_shared<nl::io::ArrayDataset>(
        nl::io::DatasetKind::Scalars, "communities summary",
        std::vector<std::size_t>{summaryValues.size()}, summaryValues, provenance,
        nl::io::Attributes{{"names", nlohmann::json(summaryNames).dump()},
                           {"seed", std::to_string(settings.seed)},
                           {"method", method}});
    return {{"labels", labels}, {"summary", summary}};
  }
};

}  // namespace

class CommunitiesFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<CommunitiesPlugin>();
  }
};

#include "CommunitiesPlugin.moc"
