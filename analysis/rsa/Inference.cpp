#include "analysis/rsa/Inference.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "analysis/rsa/Parallel.h"
#include "analysis/rsa/Random.h"
#include "analysis/stats/Descriptive.h"

namespace nl::analysis::rsa {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Replicates handled by one work item: scratch buffers are allocated once
// per chunk; results do not depend on the chunking.
constexpr std::size_t kReplicatesPerChunk = 8;

std::size_t chunkCount(std::size_t replicates) {
  return (replicates + kReplicatesPerChunk - 1) / kReplicatesPerChunk;
}

void validateOptions(const InferenceOptions& options, const char* what) {
  if (options.replicates < 1)
    throw std::invalid_argument(std::string(what) + ": need at least 1 replicate");
  if (!(options.confidence > 0 && options.confidence < 1))
    throw std::invalid_argument(std::string(what) + ": confidence must lie in (0, 1)");
}

std::size_t commonStimulusCount(const std::vector<Matrix>& rdms, const char* what,
                                std::size_t expected = 0) {
  std::size_t n = expected;
  for (std::size_t k = 0; k < rdms.size(); ++k) {
    const Matrix& rdm = rdms[k];
    if (rdm.rows() != rdm.cols())
      throw std::invalid_argument(std::string(what) + ": RDM " + std::to_string(k) +
                                  " is not square");
    const auto size = static_cast<std::size_t>(rdm.rows());
    if (n == 0) n = size;
    if (size != n)
      throw std::invalid_argument(std::string(what) + ": RDM " + std::to_string(k) + " has " +
                                  std::to_string(size) + " stimuli, expected " + std::to_string(n) +
                                  " (all RDMs must share one stimulus set)");
  }
  if (n != 0 && n < 3)
    throw std::invalid_argument(std::string(what) + ": need at least 3 stimuli, got " +
                                std::to_string(n));
  return n;
}

std::vector<std::size_t> stimulusCounts(std::span<const std::size_t> sample, std::size_t n) {
  std::vector<std::size_t> counts(n, 0);
  for (auto s : sample) ++counts[s];
  return counts;
}

// Weighted average ranks: a value of total weight W after C weight of
// smaller values takes rank C + (W + 1)/2, as scipy.stats.rankdata would on
// the vector with every entry repeated `weight` times.
std::vector<double> weightedRanks(std::span<const double> values, std::span<const double> weights) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  double below = 0;
  for (std::size_t start = 0; start < order.size();) {
    std::size_t end = start;
    double groupWeight = 0;
    while (end < order.size() && values[order[end]] == values[order[start]])
      groupWeight += weights[order[end++]];
    const double rank = below + 0.5 * (groupWeight + 1);
    for (std::size_t k = start; k < end; ++k) ranks[order[k]] = rank;
    below += groupWeight;
    start = end;
  }
  return ranks;
}

// Centres (unless `cosine`) and scales t so that Σ w t² = 1; false if t is
// constant (or zero) under the weights.
bool standardise(std::span<double> t, std::span<const double> w, double totalWeight, bool cosine) {
  if (!cosine) {
    double mean = 0;
    for (std::size_t k = 0; k < t.size(); ++k) mean += w[k] * t[k];
    mean /= totalWeight;
    for (auto& v : t) v -= mean;
  }
  double sumSquares = 0;
  for (std::size_t k = 0; k < t.size(); ++k) sumSquares += w[k] * t[k] * t[k];
  if (!(sumSquares > 0)) return false;
  const double scale = 1.0 / std::sqrt(sumSquares);
  for (auto& v : t) v *= scale;
  return true;
}

double clampUnit(double r) {
  return std::isnan(r) ? r : std::clamp(r, -1.0, 1.0);
}

// One RDM prepared for many weighted comparisons: its entries, and (for
// rank methods) their sorted order with tie groups, computed once.
struct PreparedRdm {
  std::vector<double> values;
  bool hasNaN = false;
  std::vector<std::uint32_t> order;       // non-NaN entries by value
  std::vector<std::uint32_t> groupStart;  // start of each tie group in `order`, plus the end
};

PreparedRdm prepare(const Matrix& rdm, EntrySelection selection, bool needRanks) {
  PreparedRdm p;
  p.values = rdmEntries(rdm, selection);
  p.hasNaN = std::any_of(p.values.begin(), p.values.end(), [](double v) { return std::isnan(v); });
  if (!needRanks || p.hasNaN) return p;
  p.order.resize(p.values.size());
  std::iota(p.order.begin(), p.order.end(), std::uint32_t{0});
  std::sort(p.order.begin(), p.order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return p.values[a] < p.values[b]; });
  for (std::uint32_t k = 0; k < p.order.size(); ++k)
    if (k == 0 || p.values[p.order[k]] != p.values[p.order[k - 1]]) p.groupStart.push_back(k);
  p.groupStart.push_back(static_cast<std::uint32_t>(p.order.size()));
  return p;
}

// Ranks of all entries under `weights` in O(entries) from the stored order.
void rankFromOrder(const PreparedRdm& p, std::span<const double> weights, std::span<double> ranks) {
  double below = 0;
  for (std::size_t g = 0; g + 1 < p.groupStart.size(); ++g) {
    double groupWeight = 0;
    for (auto k = p.groupStart[g]; k < p.groupStart[g + 1]; ++k) groupWeight += weights[p.order[k]];
    const double rank = below + 0.5 * (groupWeight + 1);
    for (auto k = p.groupStart[g]; k < p.groupStart[g + 1]; ++k) ranks[p.order[k]] = rank;
    below += groupWeight;
  }
}

void summarise(PairwiseBootstrap& result, double confidence) {
  const auto rows = static_cast<Eigen::Index>(result.rowCount);
  const auto columns = static_cast<Eigen::Index>(result.columnCount);
  result.ciLow.resize(rows, columns);
  result.ciHigh.resize(rows, columns);
  result.standardError.resize(rows, columns);
  std::vector<double> values(result.replicateCount);
  for (std::size_t a = 0; a < result.rowCount; ++a)
    for (std::size_t b = 0; b < result.columnCount; ++b) {
      for (std::size_t r = 0; r < result.replicateCount; ++r) values[r] = result.sample(r, a, b);
      const auto interval = percentileInterval(values, confidence);
      const auto ia = static_cast<Eigen::Index>(a), ib = static_cast<Eigen::Index>(b);
      result.ciLow(ia, ib) = interval.low;
      result.ciHigh(ia, ib) = interval.high;
      result.standardError(ia, ib) = standardDeviation(values);
    }
}

}  // namespace

Interval percentileInterval(std::span<const double> samples, double confidence) {
  if (!(confidence > 0 && confidence < 1))
    throw std::invalid_argument("percentile interval: confidence must lie in (0, 1)");
  std::vector<double> finite;
  finite.reserve(samples.size());
  for (double v : samples)
    if (!std::isnan(v)) finite.push_back(v);
  if (finite.empty()) return {};
  std::sort(finite.begin(), finite.end());
  const double tail = (1 - confidence) / 2;
  return {stats::quantileOfSorted(finite, tail), stats::quantileOfSorted(finite, 1 - tail)};
}

double standardDeviation(std::span<const double> samples) {
  double sum = 0, sumSquares = 0;
  std::size_t n = 0;
  for (double v : samples) {
    if (std::isnan(v)) continue;
    sum += v;
    ++n;
  }
  if (n < 2) return kNaN;
  const double mean = sum / static_cast<double>(n);
  for (double v : samples)
    if (!std::isnan(v)) sumSquares += (v - mean) * (v - mean);
  return std::sqrt(sumSquares / static_cast<double>(n - 1));
}

std::vector<std::size_t> bootstrapStimulusSample(std::uint64_t seed, std::size_t replicate,
                                                 std::size_t stimuli) {
  Rng rng(seed, replicate);
  std::vector<std::size_t> sample(stimuli);
  for (auto& s : sample) s = rng.below(stimuli);
  return sample;
}

Matrix resampleRdm(const Matrix& rdm, std::span<const std::size_t> sample) {
  const auto n = static_cast<Eigen::Index>(sample.size());
  Matrix out(n, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    for (Eigen::Index i = 0; i < n; ++i) {
      const auto si = sample[static_cast<std::size_t>(i)];
      const auto sj = sample[static_cast<std::size_t>(j)];
      if (si >= static_cast<std::size_t>(rdm.rows()) || sj >= static_cast<std::size_t>(rdm.rows()))
        throw std::invalid_argument("resampleRdm: stimulus index out of range");
      out(i, j) =
          si == sj ? kNaN : rdm(static_cast<Eigen::Index>(si), static_cast<Eigen::Index>(sj));
    }
  }
  return out;
}

double weightedCompare(std::span<const double> x, std::span<const double> y,
                       std::span<const double> weights, CompareMethod method) {
  if (x.size() != y.size() || x.size() != weights.size())
    throw std::invalid_argument("weighted comparison: x, y and weights differ in length");
  std::vector<double> xs, ys, ws;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!(weights[i] >= 0) || weights[i] != std::floor(weights[i]))
      throw std::invalid_argument("weighted comparison: weights must be non-negative integers");
    if (weights[i] == 0 || std::isnan(x[i]) || std::isnan(y[i])) continue;
    xs.push_back(x[i]);
    ys.push_back(y[i]);
    ws.push_back(weights[i]);
  }
  if (method == CompareMethod::KendallTauA || method == CompareMethod::KendallTauB) {
    std::vector<double> ex, ey;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      ex.insert(ex.end(), static_cast<std::size_t>(ws[i]), xs[i]);
      ey.insert(ey.end(), static_cast<std::size_t>(ws[i]), ys[i]);
    }
    return compareVectors(ex, ey, method);
  }
  const double total = std::accumulate(ws.begin(), ws.end(), 0.0);
  if (total < 2 && method != CompareMethod::Cosine) return kNaN;
  if (method == CompareMethod::Spearman) {
    xs = weightedRanks(xs, ws);
    ys = weightedRanks(ys, ws);
  }
  const bool cosine = method == CompareMethod::Cosine;
  if (!standardise(xs, ws, total, cosine) || !standardise(ys, ws, total, cosine)) return kNaN;
  double r = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) r += ws[i] * xs[i] * ys[i];
  return clampUnit(r);
}

PairwiseBootstrap bootstrapStimuli(const std::vector<Matrix>& rowRdms,
                                   const std::vector<Matrix>& columnRdms,
                                   const InferenceOptions& options, Progress& progress) {
  validateOptions(options, "stimulus bootstrap");
  if (rowRdms.empty() || columnRdms.empty())
    throw std::invalid_argument("stimulus bootstrap: need at least one RDM on each side");
  const std::size_t n =
      commonStimulusCount(columnRdms, "stimulus bootstrap (columns)",
                          commonStimulusCount(rowRdms, "stimulus bootstrap (rows)"));

  PairwiseBootstrap result;
  result.rowCount = rowRdms.size();
  result.columnCount = columnRdms.size();
  result.replicateCount = options.replicates;
  const auto rows = static_cast<Eigen::Index>(result.rowCount);
  const auto columns = static_cast<Eigen::Index>(result.columnCount);
  result.estimate.resize(rows, columns);
  for (Eigen::Index a = 0; a < rows; ++a)
    for (Eigen::Index b = 0; b < columns; ++b)
      result.estimate(a, b) = compareRdms(rowRdms[static_cast<std::size_t>(a)],
                                          columnRdms[static_cast<std::size_t>(b)], options.compare);

  const CompareMethod method = options.compare.method;
  const bool kendall = method == CompareMethod::KendallTauA || method == CompareMethod::KendallTauB;
  const bool ranked = method == CompareMethod::Spearman;
  std::vector<PreparedRdm> prepared;
  for (const auto* side : {&rowRdms, &columnRdms})
    for (const auto& rdm : *side) prepared.push_back(prepare(rdm, options.compare.entries, ranked));
  const auto entries = selectedEntries(n, options.compare.entries);
  const std::size_t entryCount = entries.size();
  const std::size_t rdmCount = prepared.size();
  result.samples.assign(options.replicates * result.rowCount * result.columnCount, kNaN);

  parallelFor(
      chunkCount(options.replicates), options.threads,
      [&](std::size_t chunk) {
        std::vector<double> weights(entryCount), ranks(entryCount);
        std::vector<std::uint32_t> active;
        std::vector<double> activeWeights, x, y;
        Matrix z;
        std::vector<bool> usable(rdmCount);
        const std::size_t first = chunk * kReplicatesPerChunk;
        const std::size_t last = std::min(first + kReplicatesPerChunk, options.replicates);
        for (std::size_t r = first; r < last; ++r) {
          const auto counts = stimulusCounts(bootstrapStimulusSample(options.seed, r, n), n);
          active.clear();
          activeWeights.clear();
          double total = 0;
          for (std::size_t e = 0; e < entryCount; ++e) {
            const auto& [i, j] = entries[e];
            weights[e] = i == j ? 0.0 : static_cast<double>(counts[i] * counts[j]);
            if (weights[e] > 0) {
              active.push_back(static_cast<std::uint32_t>(e));
              activeWeights.push_back(weights[e]);
              total += weights[e];
            }
          }
          double* out = &result.samples[r * result.rowCount * result.columnCount];
          const auto activeCount = static_cast<Eigen::Index>(active.size());
          auto gather = [&](std::size_t m, std::vector<double>& target) {
            target.resize(active.size());
            for (std::size_t k = 0; k < active.size(); ++k)
              target[k] = prepared[m].values[active[k]];
          };
          if (!kendall) {
            // Standardised (ranked) entries of every NaN-free RDM; then each
            // comparison is one weighted dot product.
            z.resize(activeCount, static_cast<Eigen::Index>(rdmCount));
            for (std::size_t m = 0; m < rdmCount; ++m) {
              usable[m] = !prepared[m].hasNaN;
              if (!usable[m]) continue;
              auto column = z.col(static_cast<Eigen::Index>(m));
              if (ranked) {
                rankFromOrder(prepared[m], weights, ranks);
                for (std::size_t k = 0; k < active.size(); ++k)
                  column(static_cast<Eigen::Index>(k)) = ranks[active[k]];
              } else {
                for (std::size_t k = 0; k < active.size(); ++k)
                  column(static_cast<Eigen::Index>(k)) = prepared[m].values[active[k]];
              }
              usable[m] = standardise(std::span<double>(column.data(), active.size()),
                                      activeWeights, total, method == CompareMethod::Cosine);
            }
            const Eigen::Map<const Eigen::VectorXd> w(activeWeights.data(), activeCount);
            const Matrix weightedRows = z.leftCols(rows).array().colwise() * w.array();
            const Matrix products = weightedRows.transpose() * z.rightCols(columns);
            for (Eigen::Index a = 0; a < rows; ++a)
              for (Eigen::Index b = 0; b < columns; ++b) {
                const auto ua = static_cast<std::size_t>(a);
                const auto ub = result.rowCount + static_cast<std::size_t>(b);
                if (usable[ua] && usable[ub])
                  out[ua * result.columnCount + static_cast<std::size_t>(b)] =
                      clampUnit(products(a, b));
              }
          }
          // Kendall, and any pair involving an RDM with NaN entries: the
          // general weighted comparison on the pair's complete entries.
          for (std::size_t a = 0; a < result.rowCount; ++a)
            for (std::size_t b = 0; b < result.columnCount; ++b) {
              const std::size_t ub = result.rowCount + b;
              if (!kendall && !prepared[a].hasNaN && !prepared[ub].hasNaN) continue;
              gather(a, x);
              gather(ub, y);
              out[a * result.columnCount + b] = weightedCompare(x, y, activeWeights, method);
            }
        }
      },
      progress, "bootstrap over stimuli");

  summarise(result, options.confidence);
  return result;
}

PairwiseBootstrap bootstrapNeurons(const Eigen::Ref<const RowMatrix>& responses,
                                   const RdmOptions& rdmOptions, const std::vector<Matrix>& targets,
                                   const InferenceOptions& options, Progress& progress) {
  validateOptions(options, "neuron bootstrap");
  if (targets.empty()) throw std::invalid_argument("neuron bootstrap: no target RDMs");
  commonStimulusCount(targets, "neuron bootstrap (targets)",
                      static_cast<std::size_t>(responses.rows()));
  if (responses.cols() < 2)
    throw std::invalid_argument("neuron bootstrap: need at least 2 units to resample");

  PairwiseBootstrap result;
  result.rowCount = 1;
  result.columnCount = targets.size();
  result.replicateCount = options.replicates;
  const Matrix full = computeRdm(responses, rdmOptions, progress);
  result.estimate.resize(1, static_cast<Eigen::Index>(targets.size()));
  for (std::size_t b = 0; b < targets.size(); ++b)
    result.estimate(0, static_cast<Eigen::Index>(b)) =
        compareRdms(full, targets[b], options.compare);

  RdmOptions replicateOptions = rdmOptions;
  replicateOptions.threads = 1;  // the replicates are the parallel work
  replicateOptions.degenerateRowsGiveNaN = true;
  const auto units = static_cast<std::size_t>(responses.cols());
  result.samples.assign(options.replicates * targets.size(), kNaN);
  parallelFor(
      chunkCount(options.replicates), options.threads,
      [&](std::size_t chunk) {
        NullProgress quiet;
        RowMatrix resampled(responses.rows(), responses.cols());
        const std::size_t first = chunk * kReplicatesPerChunk;
        const std::size_t last = std::min(first + kReplicatesPerChunk, options.replicates);
        for (std::size_t r = first; r < last; ++r) {
          Rng rng(options.seed, r);
          for (std::size_t u = 0; u < units; ++u)
            resampled.col(static_cast<Eigen::Index>(u)) =
                responses.col(static_cast<Eigen::Index>(rng.below(units)));
          const Matrix rdm = computeRdm(resampled, replicateOptions, quiet);
          for (std::size_t b = 0; b < targets.size(); ++b)
            result.samples[r * targets.size() + b] = compareRdms(rdm, targets[b], options.compare);
        }
      },
      progress, "bootstrap over neurons");
  summarise(result, options.confidence);
  return result;
}

PermutationResult permutationTest(const Matrix& a, const Matrix& b, const InferenceOptions& options,
                                  PermutationScheme scheme, Progress& progress) {
  validateOptions(options, "permutation test");
  const std::size_t n = commonStimulusCount({a, b}, "permutation test");
  PermutationResult result;
  result.observed = compareRdms(a, b, options.compare);
  result.null.assign(options.replicates, kNaN);
  auto permuted = [n](const Matrix& m, const std::vector<std::size_t>& rowOrder,
                      const std::vector<std::size_t>& columnOrder) {
    Matrix out(m.rows(), m.cols());
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t i = 0; i < n; ++i)
        out(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
            m(static_cast<Eigen::Index>(rowOrder[i]), static_cast<Eigen::Index>(columnOrder[j]));
    return out;
  };
  parallelFor(
      chunkCount(options.replicates), options.threads,
      [&](std::size_t chunk) {
        const std::size_t first = chunk * kReplicatesPerChunk;
        const std::size_t last = std::min(first + kReplicatesPerChunk, options.replicates);
        for (std::size_t r = first; r < last; ++r) {
          Rng rng(options.seed, r);
          if (scheme == PermutationScheme::StimulusLabels) {
            const auto order = randomPermutation(rng, n);
            result.null[r] = compareRdms(permuted(a, order, order), b, options.compare);
          } else {
            const auto rowsA = randomPermutation(rng, n), columnsA = randomPermutation(rng, n);
            const auto rowsB = randomPermutation(rng, n), columnsB = randomPermutation(rng, n);
            result.null[r] = compareRdms(permuted(a, rowsA, columnsA), permuted(b, rowsB, columnsB),
                                         options.compare);
          }
        }
      },
      progress, "permutation test");
  std::size_t atLeast = 0, valid = 0;
  for (double v : result.null) {
    if (std::isnan(v)) continue;
    ++valid;
    if (v >= result.observed) ++atLeast;
  }
  result.pValue = static_cast<double>(1 + atLeast) / static_cast<double>(1 + valid);
  return result;
}

FoldResult contiguousFolds(const Matrix& a, const Matrix& b, const CompareOptions& options,
                           std::size_t folds) {
  const std::size_t n = commonStimulusCount({a, b}, "stimulus folds");
  if (folds < 2 || n / folds < 3)
    throw std::invalid_argument("stimulus folds: " + std::to_string(folds) + " folds of " +
                                std::to_string(n) +
                                " stimuli leave fewer than 3 stimuli per fold (need ≥ 2 folds)");
  FoldResult result;
  for (std::size_t f = 0; f < folds; ++f) {
    const auto begin = static_cast<Eigen::Index>(f * n / folds);
    const auto size = static_cast<Eigen::Index>((f + 1) * n / folds) - begin;
    const Matrix subA = a.block(begin, begin, size, size);
    const Matrix subB = b.block(begin, begin, size, size);
    result.values.push_back(compareRdms(subA, subB, options));
  }
  double sum = 0;
  for (double v : result.values) sum += v;
  result.mean = sum / static_cast<double>(folds);
  result.standardError = standardDeviation(result.values) / std::sqrt(static_cast<double>(folds));
  return result;
}

}  // namespace nl::analysis::rsa
