#include "analysis/connectome/Sbm.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace nl::analysis::connectome {

namespace {

constexpr double kLn2 = 0.69314718055994530942;
// Candidate groups per node in the agglomeration's greedy sweeps.
constexpr std::size_t kAgglomerationCandidates = 6;
// The agglomeration's sweeps stop once one gains less than this (nats): the
// refinement does the fine work.
constexpr double kAgglomerationMinGain = 2.0;

double logAdd(double a, double b) {
  if (a == -std::numeric_limits<double>::infinity()) return b;
  if (b == -std::numeric_limits<double>::infinity()) return a;
  return a > b ? a + std::log1p(std::exp(b - a)) : b + std::log1p(std::exp(a - b));
}

}  // namespace

// ---------------------------------------------------------------------------
// NestedSbmState

struct NestedSbmState::Tables {
  std::vector<double> lgamma;  // ln Γ(x) for x < size
  std::vector<double> logQ;    // DC: ln q(m, n), row-major qRows × qCols
  std::int64_t qRows = 0, qCols = 0;
};

std::shared_ptr<const NestedSbmState::Tables> NestedSbmState::makeTables(const WeightedGraph& graph,
                                                                         bool degreeCorrected) {
  auto tables = std::make_shared<Tables>();
  const std::int64_t cap = graph.nodes();
  const auto edges = static_cast<std::int64_t>(graph.edgeCount());
  const std::int64_t cacheSize =
      std::min<std::int64_t>(cap * (cap + 1) / 2 + 2 * edges + 4, std::int64_t{1} << 23);
  tables->lgamma.resize(static_cast<std::size_t>(cacheSize));
  tables->lgamma[0] = 0.0;
  for (std::int64_t x = 1; x < cacheSize; ++x)
    tables->lgamma[static_cast<std::size_t>(x)] = std::lgamma(static_cast<double>(x));
  if (degreeCorrected) {
    const std::int64_t cols = std::min<std::int64_t>(cap, 2 * edges) + 1;
    const std::int64_t rows =
        std::min<std::int64_t>(2 * edges + 1, std::max<std::int64_t>(1, 30'000'000 / cols));
    tables->qRows = rows;
    tables->qCols = cols;
    auto& q = tables->logQ;
    q.assign(static_cast<std::size_t>(rows * cols), -std::numeric_limits<double>::infinity());
    // q(m, n) = q(m, n−1) + q(m−n, n): partitions of m into at most n parts.
    for (std::int64_t m = 0; m < rows; ++m) q[m * cols] = m == 0 ? 0.0 : -INFINITY;
    for (std::int64_t n = 1; n < cols; ++n)
      for (std::int64_t m = 0; m < rows; ++m) {
        double v = q[m * cols + n - 1];
        if (m >= n) v = logAdd(v, q[(m - n) * cols + n]);
        q[m * cols + n] = v;
      }
  }
  return tables;
}

NestedSbmState::NestedSbmState(const WeightedGraph& graph, bool degreeCorrected, bool weighted,
                               const std::vector<std::vector<int>>& partitions,
                               std::shared_ptr<const Tables> tables)
    : graph_(graph),
      dc_(degreeCorrected),
      weighted_(weighted),
      cap_(graph.nodes()),
      edges_(static_cast<std::int64_t>(graph.edgeCount())),
      totalWeight_(graph.totalWeight()),
      tables_(std::move(tables)) {
  if (cap_ < 1) throw std::invalid_argument("a block model needs at least one node");
  if (!tables_ || (dc_ && tables_->qCols == 0)) tables_ = makeTables(graph, dc_);
  // graph-tool's rule: weight sums below a tenth of the smallest weight
  // count as zero (their term is 0).
  if (weighted_) {
    double smallest = std::numeric_limits<double>::infinity();
    for (const auto& edge : graph.edges()) smallest = std::min(smallest, edge.w);
    epsilon_ = std::isfinite(smallest) ? smallest / 10.0 : 0.0;
  }
  if (dc_) {
    int maxDegree = 0;
    for (int v = 0; v < cap_; ++v) {
      maxDegree = std::max(maxDegree, graph.degree(v));
      degreeConstant_ -= lfact(graph.degree(v));
    }
    histWidth_ = maxDegree + 1;
  }
  scratchCount_.assign(static_cast<std::size_t>(cap_), 0);
  scratchWeight_.assign(static_cast<std::size_t>(cap_), 0.0);
  scratchPairs_.assign(static_cast<std::size_t>(cap_), 0);
  mergeLost_.assign(static_cast<std::size_t>(cap_), 0);
  build(partitions);
}

double NestedSbmState::lgam(std::int64_t x) const {
  if (x <= 1) return 0.0;
  if (x < static_cast<std::int64_t>(tables_->lgamma.size()))
    return tables_->lgamma[static_cast<std::size_t>(x)];
  return std::lgamma(static_cast<double>(x));
}

double NestedSbmState::weightTerm(std::int64_t m, double x) const {
  // −ln P of m exponential values summing to x with the rate integrated out
  // (graph-tool's microcanonical positive_w_log_P): uniform on the simplex.
  if (m <= 1 || x < epsilon_) return 0.0;
  return static_cast<double>(m - 1) * std::log(x) - lgam(m);
}

double NestedSbmState::lbinom(std::int64_t n, std::int64_t k) const {
  if (k <= 0 || k >= n) return 0.0;
  return lfact(n) - lfact(k) - lfact(n - k);
}

double NestedSbmState::logQ(std::int64_t m, std::int64_t n) const {
  if (m <= 0 || n < 1) return 0.0;
  n = std::min(n, m);
  if (m < tables_->qRows && n < tables_->qCols)
    return tables_->logQ[static_cast<std::size_t>(m * tables_->qCols + n)];
  // Outside the exact table: the Hardy–Ramanujan estimate of p(m), or the
  // C(m−1, n−1) / n! estimate for n ≪ √m, whichever is smaller.
  const double md = static_cast<double>(m);
  const double hr = M_PI * std::sqrt(2.0 * md / 3.0) - std::log(4.0 * md * std::sqrt(3.0));
  return std::min(hr, lbinom(m - 1, n - 1) - lfact(n));
}

void NestedSbmState::build(const std::vector<std::vector<int>>& partitions) {
  if (partitions.empty())
    throw std::invalid_argument("a nested block model needs at least one level");
  const auto cap = static_cast<std::size_t>(cap_);
  levels_.assign(partitions.size(), Level{});
  for (std::size_t l = 0; l < partitions.size(); ++l) {
    if (partitions[l].size() != cap)
      throw std::invalid_argument("level " + std::to_string(l) + " has " +
                                  std::to_string(partitions[l].size()) + " labels, the graph " +
                                  std::to_string(cap_) + " nodes");
    for (const int g : partitions[l])
      if (g < 0 || g >= cap_)
        throw std::invalid_argument("level " + std::to_string(l) + " has a group " +
                                    std::to_string(g) + " outside 0…" + std::to_string(cap_ - 1));
    auto& L = levels_[l];
    L.b = partitions[l];
    if (l + 1 == partitions.size()) std::fill(L.b.begin(), L.b.end(), 0);
    L.E.assign(cap * cap, 0);
    L.n.assign(cap, 0);
    L.e.assign(cap, 0);
    if (l == 0) {
      if (weighted_) L.X.assign(cap * cap, 0.0);
      for (int v = 0; v < cap_; ++v) ++L.n[L.b[v]];
      for (const auto& edge : graph_.edges()) {
        const int r = L.b[edge.i], s = L.b[edge.j];
        L.E[r * cap + s] += 1;
        if (r != s) L.E[s * cap + r] += 1;
        if (weighted_) {
          L.X[r * cap + s] += edge.w;
          if (r != s) L.X[s * cap + r] += edge.w;
        }
        L.e[r] += 1;
        L.e[s] += 1;
      }
    } else {
      const auto& below = levels_[l - 1];
      if (weighted_) {
        L.X.assign(cap * cap, 0.0);
        L.K.assign(cap * cap, 0);
      }
      for (std::size_t a = 0; a < cap; ++a)
        if (below.n[a] > 0) ++L.n[L.b[a]];
      for (std::size_t a = 0; a < cap; ++a)
        for (std::size_t c = a; c < cap; ++c) {
          const auto value = below.E[a * cap + c];
          if (value == 0) continue;
          const auto t = static_cast<std::size_t>(L.b[a]), u = static_cast<std::size_t>(L.b[c]);
          L.E[t * cap + u] += value;
          if (t != u) L.E[u * cap + t] += value;
          L.e[t] += value;
          L.e[u] += value;
          if (weighted_) {
            const double x = below.X[a * cap + c];
            L.X[t * cap + u] += x;
            L.K[t * cap + u] += 1;
            if (t != u) {
              L.X[u * cap + t] += x;
              L.K[u * cap + t] += 1;
            }
          }
        }
    }
    L.B = static_cast<int>(std::count_if(L.n.begin(), L.n.end(), [](int n) { return n > 0; }));
  }
  nonEmptyPairs_ = 0;
  const auto& L0 = levels_[0];
  for (std::size_t a = 0; a < cap; ++a)
    for (std::size_t c = a; c < cap; ++c)
      if (L0.E[a * cap + c] > 0) ++nonEmptyPairs_;
  if (dc_) {
    hist_.assign(cap * static_cast<std::size_t>(histWidth_), 0);
    for (int v = 0; v < cap_; ++v)
      ++hist_[static_cast<std::size_t>(L0.b[v]) * histWidth_ + graph_.degree(v)];
  }
}

double NestedSbmState::pairValue(int level, bool diagonal, std::int64_t E, double X, std::int64_t K,
                                 std::int64_t na, std::int64_t nb) const {
  if (E == 0) return 0.0;
  if (level == 0) {
    double t = -lfact(E) - (diagonal ? static_cast<double>(E) * kLn2 : 0.0);
    if (weighted_) t += weightTerm(E, X);
    return t;
  }
  const std::int64_t slots = diagonal ? na * (na + 1) / 2 : na * nb;
  double t = lbinom(slots + E - 1, E);
  // The weight sums of the K non-empty block pairs below that fall in (a, b)
  // share out X_ab the same way (graph-tool's block-graph covariates).
  if (weighted_) t += weightTerm(K, X);
  return t;
}

double NestedSbmState::pairTerm(int level, int a, int b) const {
  const auto& L = levels_[level];
  const auto idx = static_cast<std::size_t>(a) * cap_ + b;
  const std::int64_t E = L.E[idx];
  if (E == 0) return 0.0;
  return pairValue(level, a == b, E, weighted_ ? L.X[idx] : 0.0,
                   weighted_ && level > 0 ? L.K[idx] : 0, L.n[a], L.n[b]);
}

double NestedSbmState::groupValue(int level, std::int64_t n, std::int64_t e) const {
  if (n == 0) return 0.0;
  double t = -lfact(n);
  if (level == 0) {
    if (dc_)
      t += lfact(e) + lfact(n) + logQ(e, n);
    else
      t += static_cast<double>(e) * std::log(static_cast<double>(n));
  }
  return t;
}

double NestedSbmState::groupTerm(int level, int r) const {
  const auto& L = levels_[level];
  return groupValue(level, L.n[r], L.e[r]);
}

double NestedSbmState::partitionValue(std::int64_t N, std::int64_t B) const {
  if (N <= 0) return 0.0;
  return lfact(N) + lbinom(N - 1, B - 1) + std::log(static_cast<double>(N));
}

bool NestedSbmState::canMergeDelta(int level, int r, int t) const {
  if (level < 0 || level >= levels() - 1 || r == t) return false;
  const auto& L = levels_[level];
  if (L.n[r] == 0 || L.n[t] == 0) return false;
  return levels_[level + 1].b[r] == levels_[level + 1].b[t];
}

double NestedSbmState::mergeDelta(int level, int r, int t) const {
  if (!canMergeDelta(level, r, t))
    throw std::logic_error("mergeDelta needs two non-empty groups with the same upper group");
  const auto cap = static_cast<std::size_t>(cap_);
  const auto& L = levels_[level];
  const bool w = weighted_;
  const bool hasK = w && level > 0;
  const auto* Er = &L.E[r * cap];
  const auto* Et = &L.E[t * cap];
  const double* Xr = w ? &L.X[r * cap] : nullptr;
  const double* Xt = w ? &L.X[t * cap] : nullptr;
  const std::int64_t* Kr = hasK ? &L.K[r * cap] : nullptr;
  const std::int64_t* Kt = hasK ? &L.K[t * cap] : nullptr;
  const std::int64_t nr = L.n[r], nt = L.n[t], nm = nr + nt;
  const auto& up = levels_[level + 1];
  const int P = up.b[r];
  // Pairs of this level that merge: per upper group U of u, how many pairs
  // (r,u) and (t,u) become one (K of level + 1 drops by that much).
  auto& lost = mergeLost_;
  auto& lostTouched = mergeLostTouched_;
  lostTouched.clear();
  std::int64_t lostPairs = 0;
  double d = 0.0;
  for (std::size_t u = 0; u < cap; ++u) {
    const auto er = Er[u], et = Et[u];
    if ((er | et) == 0 || static_cast<int>(u) == r || static_cast<int>(u) == t) continue;
    const auto nu = L.n[u];
    d -= pairValue(level, false, er, w ? Xr[u] : 0.0, hasK ? Kr[u] : 0, nr, nu);
    d -= pairValue(level, false, et, w ? Xt[u] : 0.0, hasK ? Kt[u] : 0, nt, nu);
    d +=
        pairValue(level, false, er + et, w ? Xr[u] + Xt[u] : 0.0, hasK ? Kr[u] + Kt[u] : 0, nm, nu);
    if (er > 0 && et > 0) {
      ++lostPairs;
      const int U = up.b[u];
      if (lost[U] == 0) lostTouched.push_back(U);
      ++lost[U];
    }
  }
  // (r,r), (t,t), (r,t) → (t,t).
  {
    const auto err = Er[r], ett = Et[t], ert = Er[t];
    const double xrr = w ? Xr[r] : 0.0, xtt = w ? Xt[t] : 0.0, xrt = w ? Xr[t] : 0.0;
    const std::int64_t krr = hasK ? Kr[r] : 0, ktt = hasK ? Kt[t] : 0, krt = hasK ? Kr[t] : 0;
    d -= pairValue(level, true, err, xrr, krr, nr, nr);
    d -= pairValue(level, true, ett, xtt, ktt, nt, nt);
    d -= pairValue(level, false, ert, xrt, krt, nr, nt);
    const auto em = err + ett + ert;
    d += pairValue(level, true, em, xrr + xtt + xrt, krr + ktt + krt, nm, nm);
    const std::int64_t before = (err > 0) + (ett > 0) + (ert > 0);
    const std::int64_t merged = before - (em > 0);
    lostPairs += merged;
    if (merged > 0) {
      if (lost[P] == 0) lostTouched.push_back(P);
      lost[P] += merged;
    }
  }
  // Group terms, degree histogram, this level's partition and weight prior.
  d -= groupValue(level, nr, L.e[r]) + groupValue(level, nt, L.e[t]);
  d += groupValue(level, nm, L.e[r] + L.e[t]);
  if (level == 0 && dc_) {
    const auto* hr = &hist_[static_cast<std::size_t>(r) * histWidth_];
    const auto* ht = &hist_[static_cast<std::size_t>(t) * histWidth_];
    for (int k = 0; k < histWidth_; ++k)
      if (hr[k] > 0) d += lfact(hr[k]) + lfact(ht[k]) - lfact(hr[k] + ht[k]);
  }
  const std::int64_t N = nodeCount(level);
  d += partitionValue(N, L.B - 1) - partitionValue(N, L.B);
  if (level == 0 && w)
    d += weightTerm(nonEmptyPairs_ - lostPairs, totalWeight_) -
         weightTerm(nonEmptyPairs_, totalWeight_);
  // Level + 1: node r empties (P loses a member, the level has one node
  // fewer); the pairs of row P see n_P − 1 and the lost K.
  const auto* EP = &up.E[static_cast<std::size_t>(P) * cap];
  const std::int64_t nP = up.n[P];
  for (std::size_t U = 0; U < cap; ++U) {
    if (EP[U] == 0) continue;
    const auto idx = static_cast<std::size_t>(P) * cap + U;
    const bool diag = static_cast<int>(U) == P;
    const double x = w ? up.X[idx] : 0.0;
    const std::int64_t k = w ? up.K[idx] : 0;
    const std::int64_t nU = diag ? nP : up.n[U];
    d -= pairValue(level + 1, diag, EP[U], x, k, nP, nU);
    d += pairValue(level + 1, diag, EP[U], x, k - lost[U], nP - 1, diag ? nP - 1 : nU);
  }
  for (const int U : lostTouched) lost[U] = 0;
  d += groupValue(level + 1, nP - 1, 0) - groupValue(level + 1, nP, 0);
  d += partitionValue(L.B - 1, up.B) - partitionValue(L.B, up.B);
  return d;
}

double NestedSbmState::histTerm(int r, int k) const {
  return -lfact(hist_[static_cast<std::size_t>(r) * histWidth_ + k]);
}

double NestedSbmState::globalTerm(int level) const {
  double t = partitionValue(nodeCount(level), levels_[level].B);
  if (level == 0 && weighted_) t += weightTerm(nonEmptyPairs_, totalWeight_);
  return t;
}

double NestedSbmState::descriptionLength() const {
  double S = dc_ ? degreeConstant_ : 0.0;
  for (int l = 0; l < levels(); ++l) {
    for (int a = 0; a < cap_; ++a)
      for (int b = a; b < cap_; ++b) S += pairTerm(l, a, b);
    for (int r = 0; r < cap_; ++r) S += groupTerm(l, r);
    S += globalTerm(l);
  }
  if (dc_)
    for (int r = 0; r < cap_; ++r)
      for (int k = 0; k < histWidth_; ++k) S += histTerm(r, k);
  return S;
}

double NestedSbmState::localTerms(const std::vector<Affected>& affected, std::size_t count,
                                  int fromLevel,
                                  const std::vector<std::pair<int, int>>& hist) const {
  double S = 0.0;
  for (std::size_t i = 0; i < count; ++i) {
    const int j = fromLevel + static_cast<int>(i);
    const auto& aff = affected[i];
    const auto inRows = [&](int g) {
      return std::find(aff.rows.begin(), aff.rows.end(), g) != aff.rows.end();
    };
    const auto& L = levels_[j];
    for (const int T : aff.rows) {
      const auto* row = &L.E[static_cast<std::size_t>(T) * cap_];
      for (int U = 0; U < cap_; ++U) {
        if (row[U] == 0) continue;
        if (U < T && inRows(U)) continue;
        S += pairTerm(j, std::min(T, U), std::max(T, U));
      }
    }
    for (const auto& [a, b] : aff.pairs)
      if (aff.rows.empty() || (!inRows(a) && !inRows(b))) S += pairTerm(j, a, b);
    for (const int r : aff.groups) S += groupTerm(j, r);
    S += globalTerm(j);
  }
  for (const auto& [r, k] : hist) S += histTerm(r, k);
  return S;
}

int NestedSbmState::emptyGroup(int level) const {
  const auto& n = levels_[level].n;
  for (int r = 0; r < cap_; ++r)
    if (n[r] == 0) return r;
  return -1;
}

void NestedSbmState::setParentOfEmpty(int level, int s, int parent) {
  if (level + 1 >= levels() - 1) return;  // the top level keeps everything in group 0
  if (levels_[level].n[s] != 0) throw std::logic_error("setParentOfEmpty on a non-empty group");
  levels_[level + 1].b[s] = parent;
}

std::vector<std::vector<int>> NestedSbmState::partitions() const {
  std::vector<std::vector<int>> out;
  out.reserve(levels_.size());
  for (const auto& L : levels_) out.push_back(L.b);
  return out;
}

void NestedSbmState::neighbourGroups(int level, int v, std::vector<int>& groups) const {
  groups.clear();
  const auto& b = levels_[level].b;
  auto add = [&](int u) {
    const int t = b[u];
    if (std::find(groups.begin(), groups.end(), t) == groups.end()) groups.push_back(t);
  };
  if (level == 0) {
    const auto& off = graph_.offsets();
    const auto& nb = graph_.neighbours();
    for (int i = off[v]; i < off[v + 1]; ++i) add(nb[i]);
  } else {
    const auto* row = &levels_[level - 1].E[static_cast<std::size_t>(v) * cap_];
    for (int u = 0; u < cap_; ++u)
      if (row[u] != 0 && u != v) add(u);
  }
}

int NestedSbmState::randomNeighbour(int level, int v, std::uint64_t random) const {
  if (level == 0) {
    const int k = graph_.degree(v);
    if (k == 0) return -1;
    return graph_.neighbours()[graph_.offsets()[v] + static_cast<int>(random % k)];
  }
  const auto* row = &levels_[level - 1].E[static_cast<std::size_t>(v) * cap_];
  std::int64_t total = 0;
  for (int u = 0; u < cap_; ++u)
    if (u != v) total += row[u];
  if (total == 0) return -1;
  std::int64_t pick = static_cast<std::int64_t>(random % static_cast<std::uint64_t>(total));
  for (int u = 0; u < cap_; ++u) {
    if (u == v) continue;
    pick -= row[u];
    if (pick < 0) return u;
  }
  return -1;
}

double NestedSbmState::move(int level, int v, int s) {
  if (level < 0 || level >= levels() - 1)
    throw std::invalid_argument("moves are made below the top level");
  auto& L = levels_[level];
  const int r = L.b[v];
  if (r == s) return 0.0;
  const int w = level == 0 ? 1 : (levels_[level - 1].n[v] > 0 ? 1 : 0);
  if (w == 0) {
    L.b[v] = s;
    return 0.0;
  }
  const auto cap = static_cast<std::size_t>(cap_);

  // Edges (and weight, and level ≥ 1: non-empty pairs below) from v to each group.
  std::int64_t self = 0, selfPairs = 0;
  double selfWeight = 0.0;
  scratchTouched_.clear();
  auto touch = [&](int u, std::int64_t c, double wt, std::int64_t k) {
    const int t = L.b[u];
    if (scratchCount_[t] == 0) scratchTouched_.push_back(t);
    scratchCount_[t] += c;
    scratchWeight_[t] += wt;
    scratchPairs_[t] += k;
  };
  if (level == 0) {
    const auto& off = graph_.offsets();
    const auto& nb = graph_.neighbours();
    const auto& wt = graph_.weights();
    for (int i = off[v]; i < off[v + 1]; ++i) touch(nb[i], 1, weighted_ ? wt[i] : 0.0, 0);
  } else {
    const auto& below = levels_[level - 1];
    const auto* row = &below.E[static_cast<std::size_t>(v) * cap];
    const double* xrow = weighted_ ? &below.X[static_cast<std::size_t>(v) * cap] : nullptr;
    for (int u = 0; u < cap_; ++u) {
      if (row[u] == 0) continue;
      if (u == v) {
        self = row[u];
        if (xrow) {
          selfWeight = xrow[u];
          selfPairs = 1;
        }
        continue;
      }
      touch(u, row[u], xrow ? xrow[u] : 0.0, xrow ? 1 : 0);
    }
  }
  // Scratch kept between moves (a move allocated a dozen small vectors
  // before, about a fifth of a fit's time in malloc and free).
  auto& changes = moveChanges_;
  auto& sizes = moveSizes_;
  auto& affected = moveAffected_;
  auto& mapped = moveMapped_;
  auto& up = moveUp_;
  auto& hist = moveHist_;
  const auto slot = [](auto& list, std::size_t i) -> auto& {
    if (list.size() <= i) list.resize(i + 1);
    return list[i];
  };
  std::size_t depth = 1;
  auto& c0 = slot(changes, 0);
  c0.clear();
  for (const int t : scratchTouched_) {
    if (t == r || t == s) continue;
    const auto c = scratchCount_[t];
    const auto k = scratchPairs_[t];
    const double x = scratchWeight_[t];
    c0.push_back({std::min(r, t), std::max(r, t), -c, -x, -k});
    c0.push_back({std::min(s, t), std::max(s, t), c, x, k});
  }
  const std::int64_t kr = scratchCount_[r], ks = scratchCount_[s];
  const double wr = scratchWeight_[r], ws = scratchWeight_[s];
  const std::int64_t pr = scratchPairs_[r], ps = scratchPairs_[s];
  for (const int t : scratchTouched_) {
    scratchCount_[t] = 0;
    scratchWeight_[t] = 0.0;
    scratchPairs_[t] = 0;
  }
  // (r,r), (s,s) and (r,s) are always listed: their terms depend on the move
  // even when the count does not change (never for the sparse terms, but
  // keeping them costs nothing).
  c0.push_back({r, r, -kr - self, -wr - selfWeight, -pr - selfPairs});
  c0.push_back({s, s, ks + self, ws + selfWeight, ps + selfPairs});
  c0.push_back({std::min(r, s), std::max(r, s), kr - ks, wr - ws, pr - ps});

  // Group-size changes, cascading up when a group empties or fills.
  auto& s0 = slot(sizes, 0);
  s0.clear();
  s0.emplace_back(r, -w);
  s0.emplace_back(s, w);
  auto& a0 = slot(affected, 0);
  a0.groups.assign({r, s});
  a0.rows.clear();
  if (level > 0) a0.rows.assign({r, s});
  a0.pairs.clear();
  for (const auto& ch : c0) a0.pairs.emplace_back(ch.a, ch.b);
  const int top = levels() - 1;
  for (int j = level + 1; j <= top; ++j) {
    const auto& below = levels_[j - 1];
    const auto& b = levels_[j].b;
    mapped.clear();
    for (const auto& ch : changes[depth - 1]) {
      if (ch.dc == 0 && ch.dw == 0.0) continue;
      // A pair of level j − 1 that empties or fills changes K at level j.
      const std::int64_t old = below.E[static_cast<std::size_t>(ch.a) * cap + ch.b];
      const std::int64_t dk = (old == 0 && old + ch.dc > 0) - (old > 0 && old + ch.dc == 0);
      const int T = b[ch.a], U = b[ch.b];
      const int a = std::min(T, U), c = std::max(T, U);
      auto it = std::find_if(mapped.begin(), mapped.end(),
                             [&](const Change& m) { return m.a == a && m.b == c; });
      if (it == mapped.end()) {
        mapped.push_back({a, c, ch.dc, weighted_ ? ch.dw : 0.0, weighted_ ? dk : 0});
      } else {
        it->dc += ch.dc;
        if (weighted_) {
          it->dw += ch.dw;
          it->dk += dk;
        }
      }
    }
    // Weight changes that cancel exactly in exact arithmetic may leave a
    // rounding residue; below 1e-12 of the total weight it is dropped.
    const double tiny = 1e-12 * totalWeight_;
    for (auto& m : mapped)
      if (std::abs(m.dw) < tiny) m.dw = 0.0;
    mapped.erase(
        std::remove_if(mapped.begin(), mapped.end(),
                       [](const Change& m) { return m.dc == 0 && m.dw == 0.0 && m.dk == 0; }),
        mapped.end());
    // sizes[depth − 1] lists distinct groups of level j − 1 with their net change.
    up.clear();
    for (const auto& [g, d] : sizes[depth - 1]) {
      const int before = below.n[g], after = before + d;
      int delta = 0;
      if (before > 0 && after == 0) delta = -1;
      if (before == 0 && after > 0) delta = 1;
      if (delta == 0) continue;
      const int T = b[g];
      auto it = std::find_if(up.begin(), up.end(), [&](const auto& p) { return p.first == T; });
      if (it == up.end())
        up.emplace_back(T, delta);
      else
        it->second += delta;
    }
    up.erase(std::remove_if(up.begin(), up.end(), [](const auto& p) { return p.second == 0; }),
             up.end());
    // Nothing changes at level j (nor above): its node count B_{j−1} changes
    // only if some upper group's size does.
    if (mapped.empty() && up.empty()) break;
    auto& aff = slot(affected, depth);
    aff.groups.clear();
    aff.rows.clear();
    aff.pairs.clear();
    for (const auto& [T, d] : up) {
      (void)d;
      aff.groups.push_back(T);
      aff.rows.push_back(T);
    }
    for (const auto& m : mapped) aff.pairs.emplace_back(m.a, m.b);
    slot(changes, depth).assign(mapped.begin(), mapped.end());
    slot(sizes, depth).assign(up.begin(), up.end());
    ++depth;
  }
  hist.clear();
  if (level == 0 && dc_) {
    hist.emplace_back(r, graph_.degree(v));
    hist.emplace_back(s, graph_.degree(v));
  }

  const double before = localTerms(affected, depth, level, hist);

  // Apply.
  L.b[v] = s;
  for (std::size_t i = 0; i < depth; ++i) {
    auto& Lj = levels_[level + i];
    for (const auto& ch : changes[i]) {
      if (ch.dc == 0 && ch.dw == 0.0 && ch.dk == 0) continue;
      const std::size_t ab = static_cast<std::size_t>(ch.a) * cap + ch.b;
      const std::size_t ba = static_cast<std::size_t>(ch.b) * cap + ch.a;
      const std::int64_t old = Lj.E[ab];
      Lj.E[ab] += ch.dc;
      if (ch.a != ch.b) Lj.E[ba] += ch.dc;
      if (weighted_) {
        Lj.X[ab] += ch.dw;
        if (ch.a != ch.b) Lj.X[ba] += ch.dw;
        if (Lj.E[ab] == 0) {
          Lj.X[ab] = 0.0;
          Lj.X[ba] = 0.0;
        }
        if (level + i > 0) {
          Lj.K[ab] += ch.dk;
          if (ch.a != ch.b) Lj.K[ba] += ch.dk;
        }
      }
      if (level + i == 0) {
        if (old == 0 && Lj.E[ab] > 0) ++nonEmptyPairs_;
        if (old > 0 && Lj.E[ab] == 0) --nonEmptyPairs_;
      }
      Lj.e[ch.a] += ch.dc;
      Lj.e[ch.b] += ch.dc;
    }
    for (const auto& [g, d] : sizes[i]) {
      const int old = Lj.n[g];
      Lj.n[g] += d;
      if (old == 0 && Lj.n[g] > 0) ++Lj.B;
      if (old > 0 && Lj.n[g] == 0) --Lj.B;
    }
  }
  if (!hist.empty()) {
    const int k = graph_.degree(v);
    --hist_[static_cast<std::size_t>(r) * histWidth_ + k];
    ++hist_[static_cast<std::size_t>(s) * histWidth_ + k];
  }
  const double after = localTerms(affected, depth, level, hist);
  return after - before;
}

// ---------------------------------------------------------------------------
// Fitting

namespace {

using Partitions = std::vector<std::vector<int>>;

class Fitter {
 public:
  Fitter(const WeightedGraph& graph, bool dc, const SbmSettings& settings)
      : graph_(graph),
        dc_(dc),
        settings_(settings),
        rng_(settings.seed * 2 + (dc ? 1 : 0)),
        tables_(NestedSbmState::makeTables(graph, dc)) {}

  Partitions fit(double& dl) {
    const int N = graph_.nodes();
    std::vector<int> identity(static_cast<std::size_t>(N));
    std::iota(identity.begin(), identity.end(), 0);
    const std::vector<int> zeros(static_cast<std::size_t>(N), 0);
    if (N == 1 || graph_.edgeCount() == 0) {
      NestedSbmState state(graph_, dc_, settings_.weighted, {zeros, zeros}, tables_);
      dl = state.descriptionLength();
      return {zeros, zeros};
    }
    Partitions best;
    double bestDl = std::numeric_limits<double>::infinity();
    const int restarts = std::max(1, settings_.restarts);
    for (int restart = 0; restart < restarts; ++restart) {
      // 1. Flat agglomeration of level 0 (the edge counts under a flat prior).
      NestedSbmState flat(graph_, dc_, settings_.weighted, {identity, zeros}, tables_);
      const auto stages = agglomerate(flat, 0);
      // 2. A hierarchy on every stage's partition; the shortest nested description wins.
      // Only stages from the flat optimum up to three times its group count
      // (the nested prior affords more groups than the flat one, never fewer).
      const Stage* flatBest = &stages.front();
      for (const auto& stage : stages)
        if (stage.dl < flatBest->dl) flatBest = &stage;
      for (const auto& stage : stages) {
        if (stage.groups < flatBest->groups || stage.groups > 3 * flatBest->groups + 2) continue;
        double stageDl = 0.0;
        auto parts = buildHierarchy(stage.parts[0], stageDl);
        // The same hierarchy one level up, over singletons at level 0: with
        // weights that say little about the groups (small β on LFR) the
        // shortest description can leave level 0 as singletons and describe
        // the graph from level 1 on (graph-tool finds such fits). One state
        // construction, no random draws.
        Partitions lifted;
        lifted.reserve(parts.size() + 1);
        lifted.push_back(identity);
        lifted.insert(lifted.end(), parts.begin(), parts.end());
        const double liftedDl =
            NestedSbmState(graph_, dc_, settings_.weighted, lifted, tables_).descriptionLength();
        if (liftedDl < stageDl) {
          stageDl = liftedDl;
          parts = std::move(lifted);
        }
        if (stageDl < bestDl) {
          bestDl = stageDl;
          best = std::move(parts);
        }
      }
    }
    // 3. Merge-split refinement of every level, annealed to zero temperature;
    //    then the upper levels are rebuilt on the refined level 0.
    refineAndRebuild(best, bestDl);
    dl = bestDl;
    return best;
  }

  // The other model's fit as a starting point: its finest level with groups
  // (level 0, or level 1 over singletons) under this model, with this model's
  // hierarchy built on it and refined. Replaces `best` when shorter.
  void tryStartFrom(const Partitions& other, Partitions& best, double& bestDl) {
    const int N = graph_.nodes();
    std::vector<int> level0 = other.front();
    std::vector<char> used(static_cast<std::size_t>(N), 0);
    int groups = 0;
    for (const int g : level0) groups += used[g] ? 0 : (used[g] = 1);
    const bool singletons = groups == N && other.size() > 2;
    if (singletons) level0 = other[1];
    double startDl = 0.0;
    Partitions start = buildHierarchy(level0, startDl);
    if (singletons) {
      std::vector<int> identity(static_cast<std::size_t>(N));
      std::iota(identity.begin(), identity.end(), 0);
      start.insert(start.begin(), identity);
      startDl = NestedSbmState(graph_, dc_, settings_.weighted, start, tables_).descriptionLength();
    }
    refineAndRebuild(start, startDl);
    if (startDl < bestDl - 1e-9) {
      bestDl = startDl;
      best = std::move(start);
    }
  }

 private:
  struct Stage {
    Partitions parts;
    double dl;
    int groups;
  };

  std::uint64_t next() { return rng_(); }
  double uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }
  int below(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }

  std::vector<std::vector<int>> members(const NestedSbmState& st, int l) {
    std::vector<std::vector<int>> m(static_cast<std::size_t>(st.capacity()));
    for (int v = 0; v < st.capacity(); ++v)
      if (st.nodeActive(l, v)) m[st.group(l, v)].push_back(v);
    return m;
  }

  std::vector<int> activeNodes(const NestedSbmState& st, int l) {
    std::vector<int> nodes;
    for (int v = 0; v < st.capacity(); ++v)
      if (st.nodeActive(l, v)) nodes.push_back(v);
    return nodes;
  }

  double moveAll(NestedSbmState& st, int l, const std::vector<int>& nodes, int t) {
    double d = 0.0;
    for (const int v : nodes) d += st.move(l, v, t);
    return d;
  }

  // ΔΣ of merging group r into t (members of r given), state left unchanged.
  double mergeDelta(NestedSbmState& st, int l, const std::vector<int>& mem, int r, int t) {
    if (st.canMergeDelta(l, r, t)) return st.mergeDelta(l, r, t);
    const double d = moveAll(st, l, mem, t);
    moveAll(st, l, mem, r);
    return d;
  }

  bool accept(double d, double beta) {
    if (d < 0.0) return true;
    if (!std::isfinite(beta)) return false;
    return uniform() < std::exp(-beta * d);
  }

  // One sweep of single-node moves at level l: greedy (β = ∞: each node to
  // its best neighbouring group, or a new group) or Metropolis at β.
  double sweep(NestedSbmState& st, int l, double beta, bool allowNew = true,
               std::size_t maxCandidates = std::numeric_limits<std::size_t>::max()) {
    auto nodes = activeNodes(st, l);
    std::shuffle(nodes.begin(), nodes.end(), rng_);
    double total = 0.0;
    std::vector<int> candidates;
    for (const int v : nodes) {
      const int r = st.group(l, v);
      if (std::isfinite(beta)) {
        int t;
        const double p = uniform();
        if (p < 0.9) {
          const int u = st.randomNeighbour(l, v, next());
          if (u < 0) continue;
          t = st.group(l, u);
        } else if (p < 0.97) {
          t = st.group(l, nodes[below(static_cast<int>(nodes.size()))]);
        } else {
          if (!allowNew || st.groupSize(l, r) <= 1) continue;
          t = st.emptyGroup(l);
          if (t < 0) continue;
          st.setParentOfEmpty(l, t, st.group(l + 1, r));
        }
        if (t == r) continue;
        const double d = st.move(l, v, t);
        if (accept(d, beta))
          total += d;
        else
          st.move(l, v, r);
        continue;
      }
      st.neighbourGroups(l, v, candidates);
      if (candidates.size() > maxCandidates) {
        std::shuffle(candidates.begin(), candidates.end(), rng_);
        candidates.resize(maxCandidates);
      }
      if (allowNew && st.groupSize(l, r) > 1) {
        const int fresh = st.emptyGroup(l);
        if (fresh >= 0) {
          st.setParentOfEmpty(l, fresh, st.group(l + 1, r));
          candidates.push_back(fresh);
        }
      }
      // v visits the candidates in turn (one move each, not a move and its
      // undo): the running sum of ΔΣ is that of r → t.
      double bestD = -1e-10;
      int bestT = -1;
      double acc = 0.0;
      int at = r;
      for (const int t : candidates) {
        if (t == r) continue;
        acc += st.move(l, v, t);
        at = t;
        if (acc < bestD) {
          bestD = acc;
          bestT = t;
        }
      }
      if (bestT >= 0) {
        if (at != bestT) st.move(l, v, bestT);
        total += bestD;
      } else if (at != r) {
        st.move(l, v, r);
      }
    }
    return total;
  }

  // Greedy sweeps until one gains less than minGain nats (or maxSweeps).
  double greedySweeps(NestedSbmState& st, int l, int maxSweeps, bool allowNew = true,
                      std::size_t maxCandidates = std::numeric_limits<std::size_t>::max(),
                      double minGain = 1e-7) {
    double total = 0.0;
    for (int i = 0; i < maxSweeps; ++i) {
      const double d =
          sweep(st, l, std::numeric_limits<double>::infinity(), allowNew, maxCandidates);
      total += d;
      if (d > -minGain) break;
    }
    return total;
  }

  // Agglomerative merges at level l (the level above must be the top): every
  // group's best merge among its neighbouring groups and a few random ones,
  // the best merges applied until B has shrunk by the merge ratio, then greedy
  // node sweeps. One stage per B, down to one group.
  std::vector<Stage> agglomerate(NestedSbmState& st, int l) {
    std::vector<Stage> stages;
    // Σ is carried along by the moves' ΔΣ (a full recomputation per stage
    // was a tenth of a fit).
    double dl = st.descriptionLength();
    stages.push_back({st.partitions(), dl, st.groupCount(l)});
    const int cap = st.capacity();
    std::vector<int> neighbours;
    for (int stage = 0; st.groupCount(l) > 1 && stage < 4 * cap; ++stage) {
      const int B = st.groupCount(l);
      auto mem = members(st, l);
      std::vector<int> nonEmpty;
      for (int r = 0; r < cap; ++r)
        if (!mem[r].empty()) nonEmpty.push_back(r);
      struct Candidate {
        double d;
        int r, t;
      };
      std::vector<Candidate> candidates;
      for (const int r : nonEmpty) {
        neighbours.clear();
        for (int t = 0; t < cap; ++t)
          if (t != r && st.blockEdges(l, r, t) > 0) neighbours.push_back(t);
        if (neighbours.size() > 10) {
          std::shuffle(neighbours.begin(), neighbours.end(), rng_);
          neighbours.resize(10);
        }
        for (int k = 0; k < 2; ++k) {
          const int t = nonEmpty[below(static_cast<int>(nonEmpty.size()))];
          if (t != r) neighbours.push_back(t);
        }
        Candidate best{std::numeric_limits<double>::infinity(), r, -1};
        for (const int t : neighbours) {
          const double d = mergeDelta(st, l, mem[r], r, t);
          if (d < best.d) best = {d, r, t};
        }
        if (best.t >= 0) candidates.push_back(best);
      }
      std::sort(candidates.begin(), candidates.end(),
                [](const Candidate& a, const Candidate& b) { return a.d < b.d; });
      const int target = std::max(1, std::min(B - 1, static_cast<int>(B / settings_.mergeRatio)));
      std::vector<int> into(static_cast<std::size_t>(cap), -1);
      auto find = [&](int g) {
        while (into[g] >= 0) g = into[g];
        return g;
      };
      for (const auto& c : candidates) {
        if (st.groupCount(l) <= target) break;
        if (into[c.r] >= 0) continue;
        const int t = find(c.t);
        if (t == c.r) continue;
        dl += moveAll(st, l, mem[c.r], t);
        mem[t].insert(mem[t].end(), mem[c.r].begin(), mem[c.r].end());
        mem[c.r].clear();
        into[c.r] = t;
      }
      if (st.groupCount(l) >= B) {
        // No candidate could be applied (all merged into each other): merge
        // the two smallest groups.
        auto m2 = members(st, l);
        std::vector<int> ne;
        for (int r = 0; r < cap; ++r)
          if (!m2[r].empty()) ne.push_back(r);
        std::sort(ne.begin(), ne.end(), [&](int a, int b) { return m2[a].size() < m2[b].size(); });
        dl += moveAll(st, l, m2[ne[0]], ne[1]);
      }
      // While there are many groups, each node tries a sample of its
      // neighbours' groups (all of them cost most of a fit on graphs whose
      // sweeps do not collapse the groups quickly, e.g. β = 0.5).
      dl += greedySweeps(st, l, 4, false, kAgglomerationCandidates, kAgglomerationMinGain);
      stages.push_back({st.partitions(), dl, st.groupCount(l)});
    }
    return stages;
  }

  // Builds levels 1, 2, … on a level-0 partition by agglomeration of each
  // level's block graph, keeping at each level the stage of least Σ (with
  // fewer groups than the level below), until one group remains.
  Partitions buildHierarchy(const std::vector<int>& level0, double& dl) {
    const int N = graph_.nodes();
    const std::vector<int> zeros(static_cast<std::size_t>(N), 0);
    Partitions parts{level0, zeros};
    for (int l = 0;; ++l) {
      NestedSbmState st(graph_, dc_, settings_.weighted, parts, tables_);
      if (st.groupCount(l) <= 1) {
        if (parts.size() > 2) parts.pop_back();  // level l is the single-group top
        NestedSbmState final(graph_, dc_, settings_.weighted, parts, tables_);
        dl = final.descriptionLength();
        return parts;
      }
      std::vector<int> identity(static_cast<std::size_t>(N));
      std::iota(identity.begin(), identity.end(), 0);
      parts.insert(parts.end() - 1, identity);
      NestedSbmState upper(graph_, dc_, settings_.weighted, parts, tables_);
      const auto stages = agglomerate(upper, l + 1);
      const int below = upper.groupCount(l);
      const Stage* best = nullptr;
      for (const auto& s : stages)
        if (s.groups < below && (!best || s.dl < best->dl)) best = &s;
      parts = best->parts;
    }
  }

  // Merge or split of one group at level l (Peixoto 2020, with greedy
  // sequential split proposals), accepted at inverse temperature β.
  void mergeSplit(NestedSbmState& st, int l, double beta) {
    auto nodes = activeNodes(st, l);
    if (nodes.size() < 2) return;
    const int v = nodes[below(static_cast<int>(nodes.size()))];
    const int r = st.group(l, v);
    auto mem = members(st, l);
    if (uniform() < 0.5) {
      const int u = st.randomNeighbour(l, v, next());
      int t = u >= 0 ? st.group(l, u) : -1;
      if (t == r || t < 0) t = st.group(l, nodes[below(static_cast<int>(nodes.size()))]);
      if (t == r) return;
      if (st.canMergeDelta(l, r, t)) {
        if (accept(st.mergeDelta(l, r, t), beta)) moveAll(st, l, mem[r], t);
        return;
      }
      const double d = moveAll(st, l, mem[r], t);
      if (!accept(d, beta)) moveAll(st, l, mem[r], r);
      return;
    }
    auto& group = mem[r];
    if (group.size() < 2) return;
    const int s = st.emptyGroup(l);
    if (s < 0) return;
    st.setParentOfEmpty(l, s, st.group(l + 1, r));
    std::shuffle(group.begin(), group.end(), rng_);
    double d = st.move(l, group[1], s);
    for (std::size_t i = 2; i < group.size(); ++i) {
      const double di = st.move(l, group[i], s);
      if (di < 0.0 || (uniform() < 0.5 && di < 1.0))
        d += di;
      else
        st.move(l, group[i], r);
    }
    for (int pass = 0; pass < 3; ++pass) {
      bool moved = false;
      for (const int x : group) {
        const int from = st.group(l, x);
        const int to = from == r ? s : r;
        if (st.groupSize(l, from) <= 1) continue;
        const double dx = st.move(l, x, to);
        if (dx < -1e-10) {
          d += dx;
          moved = true;
        } else {
          st.move(l, x, from);
        }
      }
      if (!moved) break;
    }
    if (!accept(d, beta))
      for (const int x : group)
        if (st.group(l, x) != r) st.move(l, x, r);
  }

  void refineAndRebuild(Partitions& best, double& bestDl) {
    for (int pass = 0; pass < 2; ++pass) {
      refine(best, bestDl);
      double rebuiltDl = 0.0;
      auto rebuilt = buildHierarchy(best[0], rebuiltDl);
      if (rebuiltDl < bestDl - 1e-9) {
        bestDl = rebuiltDl;
        best = std::move(rebuilt);
      } else if (pass > 0) {
        break;
      }
    }
  }

  void refine(Partitions& best, double& bestDl) {
    const int rounds = std::max(1, settings_.sweeps);
    const int annealed = rounds * 7 / 10;
    Partitions current = best;
    for (int round = 0; round < rounds; ++round) {
      // The state is rebuilt every round and Σ recomputed from a fresh one:
      // the weight sums the moves carry add and subtract large and small
      // numbers, and a block pair whose edges all have weights near 0 (LFR's
      // fitted weights have some) then keeps a sum off by ~1e-7, which moves
      // its ln x term by up to a nat (measured 1.5 nats on a Table 1 graph).
      NestedSbmState st(graph_, dc_, settings_.weighted, current, tables_);
      const double beta = round < annealed
                              ? std::pow(50.0, static_cast<double>(round) / std::max(1, annealed))
                              : std::numeric_limits<double>::infinity();
      for (int l = 0; l + 1 < st.levels(); ++l) {
        const int active = static_cast<int>(activeNodes(st, l).size());
        sweep(st, l, beta);
        for (int k = 0; k < std::max(2, active / 4); ++k) mergeSplit(st, l, beta);
        if (!std::isfinite(beta)) greedySweeps(st, l, 3);
      }
      current = st.partitions();
      const double dl =
          NestedSbmState(graph_, dc_, settings_.weighted, current, tables_).descriptionLength();
      if (dl < bestDl - 1e-9) {
        bestDl = dl;
        best = current;
      }
    }
  }

  const WeightedGraph& graph_;
  bool dc_;
  SbmSettings settings_;
  std::mt19937_64 rng_;
  std::shared_ptr<const NestedSbmState::Tables> tables_;
};

std::vector<std::vector<int>> nodeLabels(const Partitions& parts, int N) {
  std::vector<std::vector<int>> out;
  std::vector<int> current(static_cast<std::size_t>(N));
  std::iota(current.begin(), current.end(), 0);
  for (const auto& b : parts) {
    for (auto& c : current) c = b[c];
    std::vector<int> relabel(static_cast<std::size_t>(N), -1);
    std::vector<int> labels(static_cast<std::size_t>(N));
    int next = 0;
    for (int i = 0; i < N; ++i) {
      int& g = relabel[current[i]];
      if (g < 0) g = next++;
      labels[i] = g;
    }
    out.push_back(std::move(labels));
  }
  // Drop repeated single-group levels at the top (keep one).
  while (out.size() > 1 &&
         *std::max_element(out[out.size() - 2].begin(), out[out.size() - 2].end()) == 0)
    out.pop_back();
  return out;
}

}  // namespace

SbmResult fitNestedSbm(const WeightedGraph& graph, const SbmSettings& settings) {
  const auto start = std::chrono::steady_clock::now();
  if (graph.nodes() < 1) throw std::invalid_argument("the graph has no nodes");
  SbmResult result;
  result.dlDegreeCorrected = std::numeric_limits<double>::quiet_NaN();
  result.dlPlain = std::numeric_limits<double>::quiet_NaN();
  // Each model is fitted on its own; with both and crossModelStart, each then
  // also starts from the other's fit (the two objectives see the same graph,
  // and one model's optimiser can end in a basin the other misses).
  std::vector<bool> models;
  for (const bool dc : {true, false}) {
    if (settings.model == SbmModel::DegreeCorrected && !dc) continue;
    if (settings.model == SbmModel::Plain && dc) continue;
    models.push_back(dc);
  }
  std::vector<std::unique_ptr<Fitter>> fitters;
  std::vector<Partitions> fits(models.size());
  std::vector<double> dls(models.size(), 0.0);
  for (std::size_t m = 0; m < models.size(); ++m) {
    fitters.push_back(std::make_unique<Fitter>(graph, models[m], settings));
    fits[m] = fitters[m]->fit(dls[m]);
  }
  if (settings.crossModelStart && models.size() == 2 && graph.edgeCount() > 0 &&
      graph.nodes() > 1) {
    const auto first = fits[0];
    fitters[0]->tryStartFrom(fits[1], fits[0], dls[0]);
    fitters[1]->tryStartFrom(first, fits[1], dls[1]);
  }
  Partitions kept;
  double keptDl = std::numeric_limits<double>::infinity();
  for (std::size_t m = 0; m < models.size(); ++m) {
    (models[m] ? result.dlDegreeCorrected : result.dlPlain) = dls[m];
    if (dls[m] < keptDl) {
      keptDl = dls[m];
      kept = std::move(fits[m]);
      result.degreeCorrected = models[m];
    }
  }
  result.descriptionLength = keptDl;
  result.levels = nodeLabels(kept, graph.nodes());
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace nl::analysis::connectome
