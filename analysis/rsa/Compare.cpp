#include "analysis/rsa/Compare.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

namespace nl::analysis::rsa {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void requireSameLength(std::span<const double> x, std::span<const double> y, const char* what) {
  if (x.size() != y.size())
    throw std::invalid_argument(std::string(what) + ": the two vectors differ in length (" +
                                std::to_string(x.size()) + " vs " + std::to_string(y.size()) + ")");
}

// The pairs where neither value is NaN.
std::pair<std::vector<double>, std::vector<double>> completePairs(std::span<const double> x,
                                                                  std::span<const double> y) {
  std::pair<std::vector<double>, std::vector<double>> out;
  out.first.reserve(x.size());
  out.second.reserve(y.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]) || std::isnan(y[i])) continue;
    out.first.push_back(x[i]);
    out.second.push_back(y[i]);
  }
  return out;
}

bool hasNaN(std::span<const double> values) {
  return std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); });
}

double pearsonComplete(std::span<const double> x, std::span<const double> y) {
  const std::size_t n = x.size();
  if (n < 2) return kNaN;
  double meanX = 0, meanY = 0;
  for (std::size_t i = 0; i < n; ++i) {
    meanX += x[i];
    meanY += y[i];
  }
  meanX /= static_cast<double>(n);
  meanY /= static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double dx = x[i] - meanX, dy = y[i] - meanY;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx <= 0 || syy <= 0) return kNaN;
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

std::int64_t tiedPairs(std::int64_t runLength) {
  return runLength * (runLength - 1) / 2;
}

struct KendallCounts {
  std::int64_t pairs = 0, xTies = 0, yTies = 0, jointTies = 0, discordant = 0;
};

// Counts in O(n log n) (Knight 1966): after sorting by (x, y), a pair is
// discordant exactly when its y values are inverted, which a merge sort of
// the y sequence counts; ties in x are sorted by y so they add no inversions.
KendallCounts kendallCounts(std::span<const double> xIn, std::span<const double> yIn) {
  std::vector<std::pair<double, double>> points;
  points.reserve(xIn.size());
  for (std::size_t i = 0; i < xIn.size(); ++i)
    if (!std::isnan(xIn[i]) && !std::isnan(yIn[i])) points.emplace_back(xIn[i], yIn[i]);
  std::sort(points.begin(), points.end());
  KendallCounts counts;
  const auto n = static_cast<std::int64_t>(points.size());
  counts.pairs = n * (n - 1) / 2;
  for (std::size_t start = 0; start < points.size();) {
    std::size_t end = start;
    while (end < points.size() && points[end].first == points[start].first) ++end;
    counts.xTies += tiedPairs(static_cast<std::int64_t>(end - start));
    for (std::size_t inner = start; inner < end;) {
      std::size_t innerEnd = inner;
      while (innerEnd < end && points[innerEnd].second == points[inner].second) ++innerEnd;
      counts.jointTies += tiedPairs(static_cast<std::int64_t>(innerEnd - inner));
      inner = innerEnd;
    }
    start = end;
  }
  std::vector<double> y(points.size()), buffer(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) y[i] = points[i].second;
  // Bottom-up merge sort; taking from the right half while the left half
  // still has strictly larger values means that many inversions.
  for (std::size_t width = 1; width < y.size(); width *= 2) {
    for (std::size_t left = 0; left < y.size(); left += 2 * width) {
      const std::size_t middle = std::min(left + width, y.size());
      const std::size_t right = std::min(left + 2 * width, y.size());
      std::size_t i = left, j = middle, k = left;
      while (i < middle && j < right) {
        if (y[j] < y[i]) {
          counts.discordant += static_cast<std::int64_t>(middle - i);
          buffer[k++] = y[j++];
        } else {
          buffer[k++] = y[i++];
        }
      }
      while (i < middle) buffer[k++] = y[i++];
      while (j < right) buffer[k++] = y[j++];
    }
    std::swap(y, buffer);
  }
  for (std::size_t start = 0; start < y.size();) {
    std::size_t end = start;
    while (end < y.size() && y[end] == y[start]) ++end;
    counts.yTies += tiedPairs(static_cast<std::int64_t>(end - start));
    start = end;
  }
  return counts;
}

// concordant − discordant = n₀ − n₁ − n₂ + n₃ − 2·discordant.
double concordanceSurplus(const KendallCounts& c) {
  return static_cast<double>(c.pairs - c.xTies - c.yTies + c.jointTies - 2 * c.discordant);
}

}  // namespace

std::string_view compareMethodName(CompareMethod method) {
  switch (method) {
    case CompareMethod::Pearson:
      return "pearson";
    case CompareMethod::Spearman:
      return "spearman";
    case CompareMethod::KendallTauA:
      return "tau_a";
    case CompareMethod::KendallTauB:
      return "tau_b";
    case CompareMethod::Cosine:
      return "cosine";
  }
  return "?";
}

CompareMethod parseCompareMethod(std::string_view name) {
  for (auto method : {CompareMethod::Pearson, CompareMethod::Spearman, CompareMethod::KendallTauA,
                      CompareMethod::KendallTauB, CompareMethod::Cosine})
    if (compareMethodName(method) == name) return method;
  throw std::invalid_argument("unknown RDM comparison '" + std::string(name) +
                              "' (expected pearson, spearman, tau_a, tau_b or cosine)");
}

std::string_view entrySelectionName(EntrySelection selection) {
  return selection == EntrySelection::UpperTriangle ? "upper" : "full";
}

EntrySelection parseEntrySelection(std::string_view name) {
  if (name == "upper") return EntrySelection::UpperTriangle;
  if (name == "full") return EntrySelection::FullMatrix;
  throw std::invalid_argument("unknown RDM entry selection '" + std::string(name) +
                              "' (expected upper or full)");
}

std::vector<EntryIndex> selectedEntries(std::size_t stimuli, EntrySelection selection) {
  std::vector<EntryIndex> entries;
  entries.reserve(selection == EntrySelection::FullMatrix ? stimuli * stimuli
                                                          : stimuli * (stimuli - 1) / 2);
  for (std::uint32_t i = 0; i < stimuli; ++i) {
    const std::uint32_t first = selection == EntrySelection::FullMatrix ? 0 : i + 1;
    for (std::uint32_t j = first; j < stimuli; ++j) entries.push_back({i, j});
  }
  return entries;
}

std::vector<double> rdmEntries(const Matrix& rdm, EntrySelection selection) {
  if (rdm.rows() != rdm.cols())
    throw std::invalid_argument("RDM entries: the matrix is " + std::to_string(rdm.rows()) + " × " +
                                std::to_string(rdm.cols()) + ", not square");
  const auto entries = selectedEntries(static_cast<std::size_t>(rdm.rows()), selection);
  std::vector<double> values(entries.size());
  for (std::size_t k = 0; k < entries.size(); ++k)
    values[k] = rdm(entries[k].row, entries[k].column);
  return values;
}

std::vector<double> averageRanks(std::span<const double> values) {
  std::vector<std::size_t> order;
  order.reserve(values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    if (!std::isnan(values[i])) order.push_back(i);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size(), kNaN);
  for (std::size_t start = 0; start < order.size();) {
    std::size_t end = start;
    while (end < order.size() && values[order[end]] == values[order[start]]) ++end;
    // Positions start…end−1 hold ranks start+1…end; their mean:
    const double rank = 0.5 * static_cast<double>(start + 1 + end);
    for (std::size_t k = start; k < end; ++k) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

double pearson(std::span<const double> x, std::span<const double> y) {
  requireSameLength(x, y, "Pearson");
  if (!hasNaN(x) && !hasNaN(y)) return pearsonComplete(x, y);
  const auto [cx, cy] = completePairs(x, y);
  return pearsonComplete(cx, cy);
}

double spearman(std::span<const double> x, std::span<const double> y) {
  requireSameLength(x, y, "Spearman");
  // Ranks over the complete pairs only, so a NaN in one vector does not
  // shift the other's ranks.
  const auto [cx, cy] = completePairs(x, y);
  const auto rx = averageRanks(cx), ry = averageRanks(cy);
  return pearsonComplete(rx, ry);
}

double cosineSimilarity(std::span<const double> x, std::span<const double> y) {
  requireSameLength(x, y, "cosine");
  double sxy = 0, sxx = 0, syy = 0;
  std::size_t used = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]) || std::isnan(y[i])) continue;
    sxy += x[i] * y[i];
    sxx += x[i] * x[i];
    syy += y[i] * y[i];
    ++used;
  }
  if (used < 1 || sxx <= 0 || syy <= 0) return kNaN;
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

double kendallTauA(std::span<const double> x, std::span<const double> y) {
  requireSameLength(x, y, "Kendall tau-a");
  const auto counts = kendallCounts(x, y);
  if (counts.pairs < 1) return kNaN;
  return concordanceSurplus(counts) / static_cast<double>(counts.pairs);
}

double kendallTauB(std::span<const double> x, std::span<const double> y) {
  requireSameLength(x, y, "Kendall tau-b");
  const auto counts = kendallCounts(x, y);
  const auto denominator = static_cast<double>(counts.pairs - counts.xTies) *
                           static_cast<double>(counts.pairs - counts.yTies);
  if (counts.pairs < 1 || denominator <= 0) return kNaN;
  return std::clamp(concordanceSurplus(counts) / std::sqrt(denominator), -1.0, 1.0);
}

double compareVectors(std::span<const double> x, std::span<const double> y, CompareMethod method) {
  switch (method) {
    case CompareMethod::Pearson:
      return pearson(x, y);
    case CompareMethod::Spearman:
      return spearman(x, y);
    case CompareMethod::KendallTauA:
      return kendallTauA(x, y);
    case CompareMethod::KendallTauB:
      return kendallTauB(x, y);
    case CompareMethod::Cosine:
      return cosineSimilarity(x, y);
  }
  throw std::invalid_argument("unknown RDM comparison method");
}

double compareRdms(const Matrix& a, const Matrix& b, const CompareOptions& options) {
  if (a.rows() != a.cols() || b.rows() != b.cols())
    throw std::invalid_argument("RDM comparison: RDMs must be square (got " +
                                std::to_string(a.rows()) + " × " + std::to_string(a.cols()) +
                                " and " + std::to_string(b.rows()) + " × " +
                                std::to_string(b.cols()) + ")");
  if (a.rows() != b.rows())
    throw std::invalid_argument("RDM comparison: the RDMs have different numbers of stimuli (" +
                                std::to_string(a.rows()) + " vs " + std::to_string(b.rows()) + ")");
  if (a.rows() < 2) throw std::invalid_argument("RDM comparison: an RDM needs at least 2 stimuli");
  const auto x = rdmEntries(a, options.entries);
  const auto y = rdmEntries(b, options.entries);
  return compareVectors(x, y, options.method);
}

}  // namespace nl::analysis::rsa
