// connectome.ntf: glue from a 3-D array (connectome.affinity's tensor, a
// .npy or an HDF5 dataset) to analysis::connectome's non-negative CP
// decomposition and back to datasets.
#include <QObject>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

#include "analysis/connectome/NtfFactorization.h"
#include "plugins/api/AnalysisPlugin.h"

namespace cn = nl::analysis::connectome;

namespace {

using nl::io::ArrayDataset;
using nl::io::Attributes;
using nl::io::DatasetKind;

const ArrayDataset* arrayInput(const nl::plugins::Inputs& inputs, const char* name) {
  const auto it = inputs.find(name);
  if (it == inputs.end() || !it->second) return nullptr;
  const auto* array = dynamic_cast<const ArrayDataset*>(it->second.get());
  if (array == nullptr)
    throw std::invalid_argument(std::string(name) + " '" + it->second->name() +
                                "' is not an array");
  return array;
}

// A row-major {rows, rank} array as an Eigen matrix.
Eigen::MatrixXd factorFrom(const ArrayDataset& array, const char* port, std::size_t rows,
                           int rank) {
  const auto shape = array.shape();
  if (shape.size() != 2 || shape[0] != rows || shape[1] != static_cast<std::size_t>(rank))
    throw std::invalid_argument(std::string(port) + " '" + array.name() + "' must be " +
                                std::to_string(rows) + " × " + std::to_string(rank) +
                                " (the tensor's extent × rank)");
  const auto& values = array.values();
  Eigen::MatrixXd out(static_cast<Eigen::Index>(rows), rank);
  for (std::size_t i = 0; i < rows; ++i)
    for (int r = 0; r < rank; ++r) {
      const double v = values[i * static_cast<std::size_t>(rank) + static_cast<std::size_t>(r)];
      if (!std::isfinite(v) || v < 0.0)
        throw std::invalid_argument(std::string(port) + " '" + array.name() + "': entry (" +
                                    std::to_string(i) + ", " + std::to_string(r) + ") is " +
                                    std::to_string(v) + ", not a non-negative number");
      out(static_cast<Eigen::Index>(i), r) = v;
    }
  return out;
}

std::vector<double> rowMajor(const Eigen::MatrixXd& m) {
  std::vector<double> out(static_cast<std::size_t>(m.size()));
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j)
      out[static_cast<std::size_t>(i * m.cols() + j)] = m(i, j);
  return out;
}

class NtfPlugin final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "connectome.ntf"; }
  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs,
                           const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const ArrayDataset* tensorInput = arrayInput(inputs, "tensor");
    if (tensorInput == nullptr) throw std::invalid_argument("no tensor given");
    context.update(0.0, "reading the tensor");
    const cn::Tensor3 x = cn::Tensor3::fromValues(tensorInput->shape(), tensorInput->values(),
                                                  "tensor '" + tensorInput->name() + "'");

    cn::NtfOptions options;
    options.rank = static_cast<int>(parameters.integer("rank"));
    options.method = cn::parseNtfMethod(parameters.text("method"));
    options.maxSweeps = static_cast<int>(parameters.integer("max_sweeps"));
    options.tolerance = parameters.real("tolerance");
    options.seed = static_cast<std::uint64_t>(parameters.integer("seed"));
    options.threads = static_cast<int>(parameters.integer("threads"));
    const int restarts = static_cast<int>(parameters.integer("restarts"));
    const int rankMin = static_cast<int>(parameters.integer("rank_min"));
    const int rankMax = static_cast<int>(parameters.integer("rank_max"));
    const bool selecting = rankMin > 0 || rankMax > 0;
    if (selecting && (rankMin < 1 || rankMax < rankMin))
      throw std::invalid_argument("rank selection needs 1 ≤ rank_min ≤ rank_max, got rank_min " +
                                  std::to_string(rankMin) + " and rank_max " +
                                  std::to_string(rankMax));

    const ArrayDataset* init[3] = {arrayInput(inputs, "init_time"),
                                   arrayInput(inputs, "init_animal"),
                                   arrayInput(inputs, "init_pair")};
    const int given = (init[0] != nullptr) + (init[1] != nullptr) + (init[2] != nullptr);
    if (given != 0 && given != 3)
      throw std::invalid_argument(
          "initial factors need all three of init_time, init_animal and init_pair");

    const auto started = std::chrono::steady_clock::now();
    cn::NtfResult fit;
    int bestRestart = 0;
    int totalSweeps = 0;
    std::optional<cn::RankSelection> selection;
    if (selecting) {
      selection = cn::selectRank(x, rankMin, rankMax, restarts, options, context);
      for (const auto& row : selection->rows) totalSweeps += row.sweeps;
    }
    if (given == 3) {
      cn::NtfFactors initial;
      const char* ports[3] = {"init_time", "init_animal", "init_pair"};
      for (int m = 0; m < 3; ++m)
        initial.modes[static_cast<std::size_t>(m)] =
            factorFrom(*init[m], ports[m], x.dim(m), options.rank);
      options.imputeFromInitial = true;  // continuing a run goes on exactly
      fit = cn::fitNtf(x, options, &initial, &context);
      totalSweeps += fit.sweeps;
    } else if (selection && options.rank >= rankMin && options.rank <= rankMax) {
      fit = selection->best[static_cast<std::size_t>(options.rank - rankMin)];
      for (const auto& row : selection->rows)
        if (row.rank == options.rank && row.error == fit.objective.back()) {
          bestRestart = row.restart;
          break;
        }
    } else if (restarts > 1) {
      const auto runs = cn::selectRank(x, options.rank, options.rank, restarts, options, context);
      fit = runs.best.front();
      for (const auto& row : runs.rows) {
        totalSweeps += row.sweeps;
        if (row.error == fit.objective.back() && bestRestart == 0) bestRestart = row.restart;
      }
    } else {
      fit = cn::fitNtf(x, options, nullptr, &context);
      totalSweeps += fit.sweeps;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    context.update(1.0, "core consistency of the kept fit");
    const double core = cn::coreConsistency(x, fit.factors, options.threads);
    return outputs(*tensorInput, x, options, parameters, fit, selection, restarts, bestRestart,
                   core, seconds, totalSweeps, context);
  }

 private:
  static nl::plugins::Outputs outputs(const ArrayDataset& tensor, const cn::Tensor3& x,
                                      const cn::NtfOptions& options,
                                      const nl::plugins::ParameterSet& parameters,
                                      const cn::NtfResult& fit,
                                      const std::optional<cn::RankSelection>& selection,
                                      int restarts, int bestRestart, double core, double seconds,
                                      int totalSweeps, nl::plugins::RunContext& context) {
    const auto& provenance = context.provenance();
    const auto& source = tensor.attributes();
    const std::string method = cn::ntfMethodName(options.method);
    const std::string seed = std::to_string(options.seed);
    const bool normalised = parameters.boolean("normalise");
    cn::NtfFactors factors = fit.factors;
    std::string weights;
    if (normalised) {
      const auto n = cn::normalise(fit.factors);
      factors = n.factors;
      weights =
          nlohmann::json(std::vector<double>(n.weights.data(), n.weights.data() + n.weights.size()))
              .dump();
    }
    const auto rank = static_cast<std::size_t>(options.rank);
    auto factorDataset = [&](int mode, const char* name, const char* axes,
                             std::initializer_list<const char*> carried) {
      Attributes attributes{{"axes", axes}};
      for (const char* key : carried)
        if (const auto it = source.find(key); it != source.end()) attributes[key] = it->second;
      if (normalised) attributes["component_weights"] = weights;
      if (mode == 0) {
        attributes["method"] = method;
        attributes["seed"] = seed;
      }
      return std::make_shared<ArrayDataset>(DatasetKind::Array, name,
                                            std::vector<std::size_t>{x.dim(mode), rank},
                                            rowMajor(factors.modes[static_cast<std::size_t>(mode)]),
                                            provenance, std::move(attributes));
    };

    std::vector<std::string> names{"rank",
                                   "sweeps",
                                   "objective",
                                   "converged",
                                   "seed",
                                   "restarts",
                                   "best_restart",
                                   "core_consistency",
                                   "missing_fraction",
                                   "seconds",
                                   "sweeps_per_second"};
    std::vector<double> values{
        static_cast<double>(options.rank),
        static_cast<double>(fit.sweeps),
        fit.objective.back(),
        fit.converged ? 1.0 : 0.0,
        static_cast<double>(options.seed),
        static_cast<double>(restarts),
        static_cast<double>(bestRestart),
        core,
        static_cast<double>(x.missing().size()) / static_cast<double>(x.size()),
        seconds,
        static_cast<double>(totalSweeps) / std::max(seconds, 1e-9)};
    auto summary = std::make_shared<ArrayDataset>(
        DatasetKind::Scalars, "tensor factorization summary",
        std::vector<std::size_t>{values.size()}, values, provenance,
        Attributes{{"names", nlohmann::json(names).dump()}, {"seed", seed}, {"method", method}});
    auto trace = std::make_shared<ArrayDataset>(
        DatasetKind::Array, "objective trace", std::vector<std::size_t>{fit.objective.size()},
        fit.objective, provenance, Attributes{{"axes", "sweep"}});

    nl::plugins::Outputs out{
        {"time_factors", factorDataset(0, "time factors", "window, component", {"window_centres"})},
        {"animal_factors",
         factorDataset(1, "animal factors", "animal, component", {"animal_names"})},
        {"pair_factors",
         factorDataset(2, "pair factors", "pair, component", {"neuron_names", "neuron_positions"})},
        {"summary", summary},
        {"objective_trace", trace}};
    if (selection) {
      std::vector<double> rankColumn, restart, error, similarity, cores, sweeps, converged;
      for (const auto& row : selection->rows) {
        rankColumn.push_back(row.rank);
        restart.push_back(row.restart);
        error.push_back(row.error);
        similarity.push_back(row.similarity);
        cores.push_back(row.coreConsistency);
        sweeps.push_back(row.sweeps);
        converged.push_back(row.converged ? 1.0 : 0.0);
      }
      out.push_back({"rank_selection", std::make_shared<nl::io::TableDataset>(
                                           DatasetKind::Table, "rank selection",
                                           std::vector<nl::io::Column>{{"rank", rankColumn},
                                                                       {"restart", restart},
                                                                       {"error", error},
                                                                       {"similarity", similarity},
                                                                       {"core_consistency", cores},
                                                                       {"sweeps", sweeps},
                                                                       {"converged", converged}},
                                           provenance)});
    }
    return out;
  }
};

}  // namespace

class NtfFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<NtfPlugin>();
  }
};

#include "NtfPlugin.moc"
