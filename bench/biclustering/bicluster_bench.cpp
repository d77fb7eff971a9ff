// neuroloupe_bench_biclustering [sim|pixel|both] [iterations] [chains] [split-merge moves]
// [options] (options below: `truth` starts every chain from the true neuron partition, seeds=S runs
// S independent chains and reports each one's recovery.) Single-threaded iterations/s of one chain
// (then `chains` chains in parallel, at most two threads), the adjusted Rand indices of the maxPEAR
// and minVI estimates against the truth, and the speed-up over the reference code
// (weigcdsb/bi_clustering, 0.68 s per iteration measured on this machine; its dependencies —
// pyhsmm, pyhsmm-autoregressive, polyagamma, pyhmc — are not in Debian, so it is not run side by
// side).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "analysis/biclustering/Clustering.h"
#include "analysis/biclustering/Run.h"
#include "analysis/biclustering/Simulation.h"

namespace bc = nl::analysis::biclustering;

namespace {

constexpr double kReferenceSecondsPerIteration = 0.68;

std::vector<std::vector<double>> readCsv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<std::vector<double>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<double> row;
    std::stringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, ',')) row.push_back(std::stod(cell));
    rows.push_back(row);
  }
  return rows;
}

struct Dataset {
  std::string name;
  Eigen::MatrixXd counts;
  std::vector<int> neuronLabels, stateLabels;
  bc::SamplerSettings settings;
  bool timeSingleChain = true;  // single=0: only the parallel chains
  std::string dumpPrefix;       // dump=PREFIX: kept samples to PREFIX_states.csv, _labels.csv
};

// The kept state sequences and neuron partitions of every chain, one sample a
// line (the chain's index first), for analyses outside the bench.
void dumpSamples(const Dataset& data, const std::vector<bc::Chain>& chains) {
  if (data.dumpPrefix.empty()) return;
  std::ofstream states(data.dumpPrefix + "_states.csv"), labels(data.dumpPrefix + "_labels.csv"),
      traces(data.dumpPrefix + "_trace.csv"), truth(data.dumpPrefix + "_truth.csv");
  for (const int s : data.stateLabels) truth << s << '\n';
  for (const auto& chain : chains) {
    for (std::size_t k = 0; k < chain.trace.states.size(); ++k) {
      states << chain.index;
      for (const int s : chain.trace.states[k]) states << ',' << s;
      states << '\n';
      labels << chain.index;
      for (const int z : chain.trace.labels[k]) labels << ',' << z;
      labels << '\n';
    }
    for (std::size_t it = 0; it < chain.trace.logLikelihood.size(); ++it)
      traces << chain.index << ',' << it + 1 << ',' << chain.trace.logLikelihood[it] << ','
             << chain.trace.clusterCount[it] << ',' << chain.trace.stateCount[it] << '\n';
  }
}

int mismatchedBins(const std::vector<int>& est, const std::vector<int>& truth) {
  int top = 0;
  for (std::size_t t = 0; t < est.size(); ++t) top = std::max({top, est[t], truth[t]});
  Eigen::MatrixXd cost = Eigen::MatrixXd::Zero(top + 1, top + 1);
  for (std::size_t t = 0; t < est.size(); ++t) cost(est[t], truth[t]) -= 1.0;
  const auto match = bc::hungarian(cost);
  int mismatched = 0;
  for (std::size_t t = 0; t < est.size(); ++t) mismatched += match[est[t]] != truth[t];
  return mismatched;
}

void run(const Dataset& data, long iterations, int chains) {
  bc::SamplerSettings settings = data.settings;
  settings.iterations = iterations;
  nl::analysis::NullProgress progress;
  std::vector<bc::Chain> all;
  if (data.timeSingleChain) {
    // The chain's start (partition, fitted latents, states) once, apart: the
    // rates below are of the iterations alone.
    const std::clock_t startCpu = std::clock();
    auto started = bc::runChains(data.counts, settings, 1, 0, 1, {}, progress);
    const double startSeconds = static_cast<double>(std::clock() - startCpu) / CLOCKS_PER_SEC;
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpuStart = std::clock();
    auto single =
        bc::runChains(data.counts, settings, 1, iterations, 1, std::move(started), progress);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // Process CPU time (the sampling thread; the reporting thread sleeps): on a
    // shared machine the wall clock also counts other people's work.
    const double cpuSeconds = static_cast<double>(std::clock() - cpuStart) / CLOCKS_PER_SEC;
    std::printf("%s: the chain's start took %.2f CPU s\n", data.name.c_str(), startSeconds);
    const double rate = static_cast<double>(iterations) / seconds;
    const double cpuRate = static_cast<double>(iterations) / cpuSeconds;
    std::printf(
        "%s: %ld iterations, 1 chain, 1 thread: %.1f iterations/s wall, %.1f per CPU second "
        "(%.1f ms each); reference 0.68 s/iteration: %.1fx faster per CPU second\n",
        data.name.c_str(), iterations, rate, cpuRate, 1000.0 / cpuRate,
        cpuRate * kReferenceSecondsPerIteration);
    {
      const auto& st = single[0].state;
      std::printf("%s: split-merge: %ld of %ld splits and %ld of %ld merges accepted\n",
                  data.name.c_str(), st.splitsAccepted, st.splitsProposed, st.mergesAccepted,
                  st.mergesProposed);
    }
    all = std::move(single);
  }
  if (chains > 1 || !data.timeSingleChain) {
    const auto parallelStart = std::chrono::steady_clock::now();
    // At most two threads: the machine is shared.
    all = bc::runChains(data.counts, settings, chains, iterations, 2, {}, progress);
    const double parallelSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - parallelStart).count();
    std::printf("%s: %d chains in parallel: %.1f chain-iterations/s\n", data.name.c_str(), chains,
                static_cast<double>(chains * iterations) / parallelSeconds);
  }
  dumpSamples(data, all);
  const auto summary = bc::summarise(all, settings, static_cast<int>(data.counts.rows()),
                                     static_cast<int>(data.counts.cols()));
  if (chains > 1) {
    // Each chain's own point estimates: do the chains agree?
    for (const auto& chain : all) {
      const auto own = bc::summarise({chain}, settings, static_cast<int>(data.counts.rows()),
                                     static_cast<int>(data.counts.cols()));
      int k = 0, l = 0;
      for (const int z : own.neuronMaxPear.labels) k = std::max(k, z + 1);
      for (const int z : own.stateMaxPear.labels) l = std::max(l, z + 1);
      int kv = 0, lv = 0;
      for (const int z : own.neuronMinVi.labels) kv = std::max(kv, z + 1);
      for (const int z : own.stateMinVi.labels) lv = std::max(lv, z + 1);
      std::printf(
          "%s: chain %d alone: maxPEAR %d clusters (ARI %.3f), %d states (ARI %.3f); minVI %d "
          "clusters (ARI %.3f), %d states (ARI %.3f)\n",
          data.name.c_str(), chain.index, k,
          bc::adjustedRandIndex(own.neuronMaxPear.labels, data.neuronLabels), l,
          bc::adjustedRandIndex(own.stateMaxPear.labels, data.stateLabels), kv,
          bc::adjustedRandIndex(own.neuronMinVi.labels, data.neuronLabels), lv,
          bc::adjustedRandIndex(own.stateMinVi.labels, data.stateLabels));
    }
  }
  const double neuronAri = bc::adjustedRandIndex(summary.neuronMaxPear.labels, data.neuronLabels);
  const double stateAri = bc::adjustedRandIndex(summary.stateMaxPear.labels, data.stateLabels);
  const double neuronAriMap = bc::adjustedRandIndex(summary.neuronMap, data.neuronLabels);
  const double stateAriMap = bc::adjustedRandIndex(summary.stateMap, data.stateLabels);
  int clusters = 0;
  for (const int z : summary.neuronMaxPear.labels) clusters = std::max(clusters, z + 1);
  int states = 0;
  for (const int s : summary.stateMaxPear.labels) states = std::max(states, s + 1);
  std::printf(
      "%s: maxPEAR %d neuron clusters (ARI %.3f; MAP %.3f), %d states (ARI %.3f; MAP %.3f); "
      "R-hat(log-lik) %.3f, ESS %.0f\n",
      data.name.c_str(), clusters, neuronAri, neuronAriMap, states, stateAri, stateAriMap,
      summary.rHatLogLikelihood, summary.essLogLikelihood);
  // Mismatched bins of the state point estimate after the best matching of labels.
  if (!data.stateLabels.empty()) {
    const auto& est = summary.stateMaxPear.labels;
    int top = 0;
    for (std::size_t t = 0; t < est.size(); ++t) top = std::max({top, est[t], data.stateLabels[t]});
    Eigen::MatrixXd cost = Eigen::MatrixXd::Zero(top + 1, top + 1);
    for (std::size_t t = 0; t < est.size(); ++t) cost(est[t], data.stateLabels[t]) -= 1.0;
    const auto match = bc::hungarian(cost);
    int mismatched = 0;
    for (std::size_t t = 0; t < est.size(); ++t) mismatched += match[est[t]] != data.stateLabels[t];
    std::printf("%s: %d of %zu bins in another state than the truth (reference NB fit: 23/500)\n",
                data.name.c_str(), mismatched, est.size());
  }
  {
    int k = 0, l = 0;
    for (const int z : summary.neuronMinVi.labels) k = std::max(k, z + 1);
    for (const int z : summary.stateMinVi.labels) l = std::max(l, z + 1);
    std::printf("%s: minVI %d neuron clusters (ARI %.3f), %d states (ARI %.3f)", data.name.c_str(),
                k, bc::adjustedRandIndex(summary.neuronMinVi.labels, data.neuronLabels), l,
                bc::adjustedRandIndex(summary.stateMinVi.labels, data.stateLabels));
    if (!data.stateLabels.empty())
      std::printf(", %d of %zu bins off",
                  mismatchedBins(summary.stateMinVi.labels, data.stateLabels),
                  data.stateLabels.size());
    std::printf("; R-hat clusters %.3f, states %.3f\n", summary.rHatClusters, summary.rHatStates);
  }
}

// Options after the positional arguments, key=value: seeds=S (S single chains
// with seeds s … s+S−1, s from seed= (default 1), one after the other, each
// summarised on its own: the distribution of the recovery), trace=N (one chain, the ARIs of its
// current partition and states every N iterations; BENCH_PRINT_STATES=1 prints the final
// sequences), seed=N, states=fitted|prior|truth (the start states), start=subspace|kmeans|one (the
// start partition), clusters=K (start clusters), startstates=M, reassign=R (leave-one-out start
// rounds), window=W (collapsed state sweep; 0: off), order=alternate|forward|both (its
// direction), sweeps=N (state sweeps per latent draw), unitscale=1, single=0 (no single-chain
// timing run: only the `chains` chains, two threads), dump=PREFIX (kept state sequences, neuron
// partitions and per-iteration traces to PREFIX_states.csv, _labels.csv, _trace.csv); `truth`
// starts from the true neuron partition.
void applyOption(const std::string& option, Dataset& data, int& seeds) {
  const auto eq = option.find('=');
  if (option == "truth") {
    data.settings.initialLabels = data.neuronLabels;
    return;
  }
  if (eq == std::string::npos) throw std::invalid_argument("unknown option " + option);
  const std::string key = option.substr(0, eq), value = option.substr(eq + 1);
  if (key == "seeds") {
    seeds = std::stoi(value);
  } else if (key == "trace") {
    seeds = -std::stoi(value);
  } else if (key == "states") {
    if (value == "prior") {
      data.settings.stateStart = bc::SamplerSettings::StateStart::Prior;
    } else if (value == "truth") {
      data.settings.initialStates = data.stateLabels;
    } else if (value != "fitted") {
      throw std::invalid_argument("states=fitted|prior|truth");
    }
  } else if (key == "start") {
    using Start = bc::SamplerSettings::ClusterStart;
    data.settings.clusterStart = value == "kmeans" ? Start::KMeans
                                 : value == "one"  ? Start::One
                                                   : Start::Subspace;
  } else if (key == "clusters") {
    data.settings.initialClusters = std::stoi(value);
  } else if (key == "seed") {
    data.settings.seed = static_cast<std::uint64_t>(std::stoll(value));
  } else if (key == "startstates") {
    data.settings.startStates = std::stoi(value);
  } else if (key == "reassign") {
    data.settings.startReassignRounds = std::stoi(value);
  } else if (key == "window") {
    data.settings.collapsedStateWindow = std::stoi(value);
  } else if (key == "sweeps") {
    data.settings.stateSweeps = std::stoi(value);
  } else if (key == "order") {
    using Order = bc::SamplerSettings::StateSweepOrder;
    if (value == "alternate")
      data.settings.stateSweepOrder = Order::Alternate;
    else if (value == "forward")
      data.settings.stateSweepOrder = Order::Forward;
    else if (value == "both")
      data.settings.stateSweepOrder = Order::Both;
    else
      throw std::invalid_argument("order=alternate|forward|both");
  } else if (key == "single") {
    data.timeSingleChain = value != "0";
  } else if (key == "dump") {
    data.dumpPrefix = value;
  } else if (key == "unitscale") {
    data.settings.unitScaleMarginal = value == "1";
  } else {
    throw std::invalid_argument("unknown option " + option);
  }
}

// One chain (seed 1) step by step: the adjusted Rand indices of its current
// partition and states against the truth every `every` iterations.
void runTrace(const Dataset& data, long iterations, int every) {
  bc::SamplerSettings settings = data.settings;
  settings.iterations = iterations;
  bc::ChainSampler sampler(data.counts, settings, 0);
  for (long it = 0; it <= iterations; ++it) {
    if (it % every == 0) {
      const auto& s = sampler.chain().state;
      int clusters = 0, states = 0;
      std::vector<int> seen(64, 0), seenStates(64, 0);
      for (const int z : s.labels) clusters += seen[static_cast<std::size_t>(z)]++ == 0;
      for (const int z : s.states) states += seenStates[static_cast<std::size_t>(z)]++ == 0;
      std::printf(
          "iteration %ld: neurons ARI %.3f (%d clusters), states ARI %.3f (%d states, %d "
          "bins off), log-lik %.1f\n",
          it, bc::adjustedRandIndex(s.labels, data.neuronLabels), clusters,
          bc::adjustedRandIndex(s.states, data.stateLabels), states,
          mismatchedBins(s.states, data.stateLabels), s.logLikelihood);
      std::fflush(stdout);
    }
    if (it < iterations) sampler.iterate();
  }
  if (std::getenv("BENCH_PRINT_STATES")) {
    std::string truth, found;
    for (std::size_t t = 0; t < data.stateLabels.size(); ++t) {
      truth += static_cast<char>('0' + data.stateLabels[t]);
      found += static_cast<char>('0' + sampler.chain().state.states[t]);
    }
    std::printf("truth %s\nfound %s\n", truth.c_str(), found.c_str());
    std::string neuronsTruth, neuronsFound;
    for (std::size_t i = 0; i < data.neuronLabels.size(); ++i) {
      neuronsTruth += static_cast<char>('0' + data.neuronLabels[i]);
      neuronsFound += static_cast<char>('0' + sampler.chain().state.labels[i]);
    }
    std::printf("neurons truth %s\nneurons found %s\n", neuronsTruth.c_str(), neuronsFound.c_str());
  }
}

// Independent single chains (seeds s … s+S−1, s from seed=, default 1): each
// chain's maxPEAR recovery.
void runSeeds(const Dataset& data, long iterations, int seeds) {
  nl::analysis::NullProgress progress;
  std::vector<double> neuron, state;
  const int first = static_cast<int>(data.settings.seed);
  for (int seed = first; seed < first + seeds; ++seed) {
    bc::SamplerSettings settings = data.settings;
    settings.iterations = iterations;
    settings.seed = static_cast<std::uint64_t>(seed);
    const std::clock_t cpuStart = std::clock();
    const auto chains = bc::runChains(data.counts, settings, 1, iterations, 1, {}, progress);
    const double cpu = static_cast<double>(std::clock() - cpuStart) / CLOCKS_PER_SEC;
    if (!data.dumpPrefix.empty()) {
      Dataset named = data;
      named.dumpPrefix = data.dumpPrefix + "_seed" + std::to_string(seed);
      dumpSamples(named, chains);
    }
    const auto summary = bc::summarise(chains, settings, static_cast<int>(data.counts.rows()),
                                       static_cast<int>(data.counts.cols()));
    const double a = bc::adjustedRandIndex(summary.neuronMaxPear.labels, data.neuronLabels);
    const double b = bc::adjustedRandIndex(summary.stateMaxPear.labels, data.stateLabels);
    const double bVi = bc::adjustedRandIndex(summary.stateMinVi.labels, data.stateLabels);
    int clusters = 0, states = 0, statesVi = 0;
    for (const int z : summary.neuronMaxPear.labels) clusters = std::max(clusters, z + 1);
    for (const int z : summary.stateMaxPear.labels) states = std::max(states, z + 1);
    for (const int z : summary.stateMinVi.labels) statesVi = std::max(statesVi, z + 1);
    std::printf(
        "%s seed %d: neurons ARI %.3f (%d clusters), states ARI %.3f (%d states, %d/%zu bins "
        "off); minVI states ARI %.3f (%d states, %d bins off); %.1f it per CPU s\n",
        data.name.c_str(), seed, a, clusters, b, states,
        mismatchedBins(summary.stateMaxPear.labels, data.stateLabels), data.stateLabels.size(), bVi,
        statesVi, mismatchedBins(summary.stateMinVi.labels, data.stateLabels),
        static_cast<double>(iterations) / cpu);
    std::fflush(stdout);
    neuron.push_back(a);
    state.push_back(b);
  }
  std::sort(neuron.begin(), neuron.end());
  std::sort(state.begin(), state.end());
  auto list = [](const std::vector<double>& v) {
    std::string out;
    for (const double x : v) out += (out.empty() ? "" : " ") + std::to_string(x).substr(0, 5);
    return out;
  };
  std::printf("%s: %d seeds, sorted neuron ARIs [%s], state ARIs [%s]\n", data.name.c_str(), seeds,
              list(neuron).c_str(), list(state).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const std::string which = argc > 1 ? argv[1] : "both";
  const long iterations = argc > 2 ? std::stol(argv[2]) : 2000;
  const int chains = argc > 3 ? std::stoi(argv[3]) : 1;
  const int splitMerge = argc > 4 ? std::stoi(argv[4]) : bc::SamplerSettings{}.splitMergeMoves;
  std::vector<std::string> options;
  for (int a = 5; a < argc; ++a) options.emplace_back(argv[a]);
  try {
    std::vector<Dataset> sets;
    if (which == "sim" || which == "both") {
      const auto sim = bc::simulateReference({});
      sets.push_back(
          {"simulation (N=30, T=500, NB r=10)", sim.counts, sim.neuronLabels, sim.stateLabels, {}});
    }
    if (which == "pixel" || which == "both") {
      const std::string dir = std::string(NEUROLOUPE_FIXTURES_DIR) + "/biclustering/";
      const auto y = readCsv(dir + "Y.csv");
      Dataset data;
      data.name = "Y.csv (63 neurons × 720 bins)";
      data.counts.resize(static_cast<Eigen::Index>(y.size()),
                         static_cast<Eigen::Index>(y[0].size()));
      for (std::size_t i = 0; i < y.size(); ++i)
        for (std::size_t t = 0; t < y[i].size(); ++t) data.counts(i, t) = y[i][t];
      for (const auto& row : readCsv(dir + "Lab_neuron.csv"))
        data.neuronLabels.push_back(static_cast<int>(row[0]));
      for (const auto& row : readCsv(dir + "Lab_states.csv"))
        data.stateLabels.push_back(static_cast<int>(row[0]));
      data.settings.maxStates = 20;
      data.settings.geometricP = 0.415;
      sets.push_back(std::move(data));
    }
    for (auto& data : sets) {
      data.settings.splitMergeMoves = splitMerge;
      int seeds = 0;
      for (const auto& option : options) applyOption(option, data, seeds);
      if (seeds > 0)
        runSeeds(data, iterations, seeds);
      else if (seeds < 0)
        runTrace(data, iterations, -seeds);
      else
        run(data, iterations, chains);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
