#include "analysis/biclustering/Summaries.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <stdexcept>

namespace nl::analysis::biclustering {
namespace {

double choose2(double n) {
  return n * (n - 1.0) / 2.0;
}

}  // namespace

Partition canonicalPartition(const Partition& labels) {
  std::map<int, int> renumber;
  Partition out(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto [it, inserted] = renumber.emplace(labels[i], static_cast<int>(renumber.size()));
    out[i] = it->second;
  }
  return out;
}

double adjustedRandIndex(const Partition& a, const Partition& b) {
  if (a.size() != b.size()) throw std::invalid_argument("ARI: partitions differ in length");
  const Partition ca = canonicalPartition(a);
  const Partition cb = canonicalPartition(b);
  const int ka = ca.empty() ? 0 : *std::max_element(ca.begin(), ca.end()) + 1;
  const int kb = cb.empty() ? 0 : *std::max_element(cb.begin(), cb.end()) + 1;
  Eigen::MatrixXd table = Eigen::MatrixXd::Zero(ka, kb);
  for (std::size_t i = 0; i < ca.size(); ++i) table(ca[i], cb[i]) += 1.0;
  double index = 0.0;
  for (Eigen::Index i = 0; i < table.size(); ++i) index += choose2(table.data()[i]);
  double rows = 0.0;
  for (Eigen::Index i = 0; i < ka; ++i) rows += choose2(table.row(i).sum());
  double columns = 0.0;
  for (Eigen::Index j = 0; j < kb; ++j) columns += choose2(table.col(j).sum());
  const double total = choose2(static_cast<double>(ca.size()));
  const double expected = rows * columns / total;
  const double maximum = 0.5 * (rows + columns);
  if (maximum == expected) return 1.0;  // both trivial partitions
  return (index - expected) / (maximum - expected);
}

Eigen::MatrixXd posteriorSimilarity(const std::vector<Partition>& samples) {
  if (samples.empty()) return {};
  const auto n = static_cast<Eigen::Index>(samples.front().size());
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(n, n);
  std::map<int, std::vector<Eigen::Index>> groups;
  for (const auto& sample : samples) {
    groups.clear();
    for (Eigen::Index i = 0; i < n; ++i) groups[sample[static_cast<std::size_t>(i)]].push_back(i);
    for (const auto& [label, members] : groups)
      for (const auto i : members)
        for (const auto j : members) out(i, j) += 1.0;
  }
  return out / static_cast<double>(samples.size());
}

double posteriorExpectedAdjustedRand(const Partition& labels, const Eigen::MatrixXd& similarity) {
  const auto n = similarity.rows();
  double together = 0.0;
  double product = 0.0;
  double similaritySum = 0.0;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = i + 1; j < n; ++j) {
      const bool same = labels[static_cast<std::size_t>(i)] == labels[static_cast<std::size_t>(j)];
      together += same ? 1.0 : 0.0;
      product += same ? similarity(i, j) : 0.0;
      similaritySum += similarity(i, j);
    }
  const double pairs = choose2(static_cast<double>(n));
  const double expected = together * similaritySum / pairs;
  const double denominator = 0.5 * (together + similaritySum) - expected;
  if (denominator == 0.0) return 0.0;
  return (product - expected) / denominator;
}

std::vector<Partition> averageLinkageCuts(const Eigen::MatrixXd& similarity) {
  const auto n = static_cast<int>(similarity.rows());
  std::vector<Partition> cuts(static_cast<std::size_t>(n));
  if (n == 0) return cuts;
  Eigen::MatrixXd distance = 1.0 - similarity.array();
  std::vector<int> size(static_cast<std::size_t>(n), 1);
  std::vector<char> active(static_cast<std::size_t>(n), 1);
  std::vector<int> cluster(static_cast<std::size_t>(n));  // point → representative
  std::iota(cluster.begin(), cluster.end(), 0);
  // Nearest active neighbour of each active cluster, refreshed lazily.
  std::vector<int> nearest(static_cast<std::size_t>(n), -1);
  auto refresh = [&](int i) {
    double best = std::numeric_limits<double>::infinity();
    int arg = -1;
    for (int j = 0; j < n; ++j)
      if (j != i && active[static_cast<std::size_t>(j)] && distance(i, j) < best) {
        best = distance(i, j);
        arg = j;
      }
    nearest[static_cast<std::size_t>(i)] = arg;
  };
  for (int i = 0; i < n; ++i) refresh(i);
  auto record = [&](int groups) {
    Partition labels(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
      labels[static_cast<std::size_t>(i)] = cluster[static_cast<std::size_t>(i)];
    cuts[static_cast<std::size_t>(groups - 1)] = canonicalPartition(labels);
  };
  record(n);
  for (int groups = n; groups > 1; --groups) {
    int a = -1;
    double best = std::numeric_limits<double>::infinity();
    for (int i = 0; i < n; ++i) {
      if (!active[static_cast<std::size_t>(i)]) continue;
      const int j = nearest[static_cast<std::size_t>(i)];
      if (j >= 0 && distance(i, j) < best) {
        best = distance(i, j);
        a = i;
      }
    }
    const int b = nearest[static_cast<std::size_t>(a)];
    const int keep = std::min(a, b);
    const int drop = std::max(a, b);
    const double wk = size[static_cast<std::size_t>(keep)];
    const double wd = size[static_cast<std::size_t>(drop)];
    for (int j = 0; j < n; ++j) {
      if (!active[static_cast<std::size_t>(j)] || j == keep || j == drop) continue;
      const double merged = (wk * distance(keep, j) + wd * distance(drop, j)) / (wk + wd);
      distance(keep, j) = distance(j, keep) = merged;
    }
    size[static_cast<std::size_t>(keep)] += size[static_cast<std::size_t>(drop)];
    active[static_cast<std::size_t>(drop)] = 0;
    for (int i = 0; i < n; ++i)
      if (cluster[static_cast<std::size_t>(i)] == drop) cluster[static_cast<std::size_t>(i)] = keep;
    for (int i = 0; i < n; ++i) {
      if (!active[static_cast<std::size_t>(i)]) continue;
      const int j = nearest[static_cast<std::size_t>(i)];
      // Average linkage is reducible: only pointers into the merged pair can go stale.
      if (i == keep || j == keep || j == drop)
        refresh(i);
      else if (distance(i, keep) < distance(i, j))
        nearest[static_cast<std::size_t>(i)] = keep;
    }
    record(groups - 1);
  }
  return cuts;
}

namespace {

// Every cut of the average-linkage tree and every distinct sampled partition.
std::vector<Partition> candidatePartitions(const Eigen::MatrixXd& similarity,
                                           const std::vector<Partition>& samples) {
  std::vector<Partition> candidates = averageLinkageCuts(similarity);
  std::set<Partition> seen(candidates.begin(), candidates.end());
  for (const auto& sample : samples) {
    auto canonical = canonicalPartition(sample);
    if (seen.insert(canonical).second) candidates.push_back(std::move(canonical));
  }
  return candidates;
}

}  // namespace

double posteriorExpectedVariationOfInformationBound(const Partition& labels,
                                                    const Eigen::MatrixXd& similarity) {
  const auto n = similarity.rows();
  if (n == 0) return 0.0;
  std::map<int, std::vector<Eigen::Index>> groups;
  for (Eigen::Index i = 0; i < n; ++i) groups[labels[static_cast<std::size_t>(i)]].push_back(i);
  double total = 0.0;
  for (const auto& [label, members] : groups) {
    const double size = static_cast<double>(members.size());
    for (const auto i : members) {
      double inGroup = 0.0;
      for (const auto j : members) inGroup += similarity(i, j);
      total += std::log2(size) - 2.0 * std::log2(inGroup) + std::log2(similarity.row(i).sum());
    }
  }
  return total / static_cast<double>(n);
}

PointEstimate minVariationOfInformation(const Eigen::MatrixXd& similarity,
                                        const std::vector<Partition>& samples) {
  PointEstimate best;
  best.score = std::numeric_limits<double>::infinity();
  for (const auto& candidate : candidatePartitions(similarity, samples)) {
    const double score = posteriorExpectedVariationOfInformationBound(candidate, similarity);
    if (score < best.score) {
      best.score = score;
      best.labels = candidate;
    }
  }
  return best;
}

PointEstimate maxPear(const Eigen::MatrixXd& similarity, const std::vector<Partition>& samples) {
  const std::vector<Partition> candidates = candidatePartitions(similarity, samples);
  PointEstimate best;
  best.score = -std::numeric_limits<double>::infinity();
  for (const auto& candidate : candidates) {
    const double score = posteriorExpectedAdjustedRand(candidate, similarity);
    if (score > best.score) {
      best.score = score;
      best.labels = candidate;
    }
  }
  return best;
}

Interval highestPosteriorDensity(std::vector<double> samples, double mass) {
  if (samples.empty()) return {};
  std::sort(samples.begin(), samples.end());
  const auto n = samples.size();
  const auto width =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(mass * static_cast<double>(n))));
  if (width >= n) return {samples.front(), samples.back()};
  std::size_t best = 0;
  for (std::size_t i = 1; i + width - 1 < n; ++i)
    if (samples[i + width - 1] - samples[i] < samples[best + width - 1] - samples[best]) best = i;
  return {samples[best], samples[best + width - 1]};
}

namespace {

std::vector<std::vector<double>> splitChains(const std::vector<std::vector<double>>& chains) {
  std::vector<std::vector<double>> halves;
  for (const auto& chain : chains) {
    const auto half = chain.size() / 2;
    if (half < 2) continue;
    halves.emplace_back(chain.begin(), chain.begin() + static_cast<std::ptrdiff_t>(half));
    halves.emplace_back(chain.end() - static_cast<std::ptrdiff_t>(half), chain.end());
  }
  return halves;
}

struct Variances {
  double within = 0.0;
  double plus = 0.0;  // var⁺ = (n−1)/n W + B/n
  std::size_t n = 0;
};

Variances variances(const std::vector<std::vector<double>>& chains) {
  Variances out;
  if (chains.empty()) return out;
  const std::size_t n = chains.front().size();
  for (const auto& c : chains) out.n = std::min(n, c.size());
  const double m = static_cast<double>(chains.size());
  std::vector<double> means;
  for (const auto& c : chains) {
    const double mean =
        std::accumulate(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(out.n), 0.0) /
        static_cast<double>(out.n);
    double ss = 0.0;
    for (std::size_t i = 0; i < out.n; ++i) ss += (c[i] - mean) * (c[i] - mean);
    out.within += ss / (static_cast<double>(out.n) - 1.0) / m;
    means.push_back(mean);
  }
  const double grand = std::accumulate(means.begin(), means.end(), 0.0) / m;
  double between = 0.0;
  for (const double mean : means) between += (mean - grand) * (mean - grand);
  between *= static_cast<double>(out.n) / std::max(1.0, m - 1.0);
  const double nn = static_cast<double>(out.n);
  out.plus = (nn - 1.0) / nn * out.within + between / nn;
  return out;
}

}  // namespace

double splitRHat(const std::vector<std::vector<double>>& chains) {
  const auto halves = splitChains(chains);
  if (halves.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  const Variances v = variances(halves);
  if (v.within <= 0.0) return v.plus <= 0.0 ? 1.0 : std::numeric_limits<double>::infinity();
  return std::sqrt(v.plus / v.within);
}

double effectiveSampleSize(const std::vector<std::vector<double>>& chains) {
  if (chains.empty()) return 0.0;
  std::size_t n = chains.front().size();
  for (const auto& c : chains) n = std::min(n, c.size());
  const double m = static_cast<double>(chains.size());
  if (n < 4) return static_cast<double>(n) * m;
  const Variances v = variances(chains);
  if (v.plus <= 0.0) return static_cast<double>(n) * m;
  // Autocovariance of each chain, averaged; ρ_t = 1 − (W − mean autocov_t) / var⁺.
  std::vector<double> autocovariance(n, 0.0);
  for (const auto& c : chains) {
    const double mean =
        std::accumulate(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(n), 0.0) /
        static_cast<double>(n);
    for (std::size_t lag = 0; lag < n; ++lag) {
      double sum = 0.0;
      for (std::size_t i = 0; i + lag < n; ++i) sum += (c[i] - mean) * (c[i + lag] - mean);
      autocovariance[lag] += sum / static_cast<double>(n) / m;
    }
  }
  std::vector<double> correlation(n);
  for (std::size_t lag = 0; lag < n; ++lag)
    correlation[lag] = 1.0 - (v.within - autocovariance[lag]) / v.plus;
  // Geyer: sum pairs Γ_k = ρ_{2k} + ρ_{2k+1} while positive, made monotone.
  double sum = 0.0;
  double previous = std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; 2 * k + 1 < n; ++k) {
    double pair = correlation[2 * k] + correlation[2 * k + 1];
    if (pair <= 0.0) break;
    pair = std::min(pair, previous);
    previous = pair;
    sum += pair;
  }
  const double tau = -1.0 + 2.0 * sum;
  return m * static_cast<double>(n) /
         std::max(tau, 1.0 / std::log10(std::max(10.0, m * static_cast<double>(n))));
}

}  // namespace nl::analysis::biclustering
