#include "analysis/segmentation/Gmm.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>

#include "analysis/Progress.h"

namespace nl::analysis::segmentation {

namespace {

constexpr double kRegCovar = 1e-6;

double squaredNorm(const SparseRows& rows, std::int64_t r) {
  double sum = 0;
  for (auto n = rows.offsets[r]; n < rows.offsets[r + 1]; ++n)
    sum += double(rows.values[n]) * rows.values[n];
  return sum;
}

// Rows chosen by k-means++ (squared Euclidean distances, seeded).
std::vector<std::int64_t> kmeansPlusPlus(const SparseRows& rows, int k, std::mt19937_64& rng) {
  const std::int64_t n = rows.rows();
  std::vector<double> norms(n), best(n, std::numeric_limits<double>::infinity());
  for (std::int64_t r = 0; r < n; ++r) norms[r] = squaredNorm(rows, r);
  std::vector<double> centre(rows.dimensions, 0.0);
  std::vector<std::int64_t> chosen;
  std::uniform_int_distribution<std::int64_t> first(0, n - 1);
  chosen.push_back(first(rng));
  while (true) {
    const std::int64_t c = chosen.back();
    for (auto q = rows.offsets[c]; q < rows.offsets[c + 1]; ++q)
      centre[rows.columns[q]] = rows.values[q];
    for (std::int64_t r = 0; r < n; ++r) {
      double dot = 0;
      for (auto q = rows.offsets[r]; q < rows.offsets[r + 1]; ++q)
        dot += rows.values[q] * centre[rows.columns[q]];
      best[r] = std::min(best[r], std::max(0.0, norms[r] + norms[c] - 2 * dot));
    }
    for (auto q = rows.offsets[c]; q < rows.offsets[c + 1]; ++q) centre[rows.columns[q]] = 0;
    if (static_cast<int>(chosen.size()) == k) break;
    double total = 0;
    for (double b : best) total += b;
    if (total <= 0) {
      chosen.push_back(first(rng));
      continue;
    }
    std::uniform_real_distribution<double> pick(0, total);
    double target = pick(rng), run = 0;
    std::int64_t next = n - 1;
    for (std::int64_t r = 0; r < n; ++r) {
      run += best[r];
      if (run >= target) {
        next = r;
        break;
      }
    }
    chosen.push_back(next);
  }
  return chosen;
}

struct Model {
  std::vector<double> weight;           // k
  std::vector<std::vector<double>> mu;  // k × D
  std::vector<std::vector<double>> var;
  std::vector<double> constant;  // −½ Σ_j (log 2π var + μ²/var)
};

void mStep(const SparseRows& rows, const std::vector<double>& resp, int k, Model& model) {
  const std::int64_t n = rows.rows(), d = rows.dimensions;
  model.weight.assign(k, 0);
  model.mu.assign(k, std::vector<double>(d, 0));
  model.var.assign(k, std::vector<double>(d, 0));
  for (std::int64_t r = 0; r < n; ++r)
    for (int c = 0; c < k; ++c) {
      const double w = resp[r * k + c];
      if (w == 0) continue;
      model.weight[c] += w;
      for (auto q = rows.offsets[r]; q < rows.offsets[r + 1]; ++q) {
        model.mu[c][rows.columns[q]] += w * rows.values[q];
        model.var[c][rows.columns[q]] += w * double(rows.values[q]) * rows.values[q];
      }
    }
  model.constant.assign(k, 0);
  for (int c = 0; c < k; ++c) {
    const double nc = model.weight[c] + 10 * std::numeric_limits<double>::epsilon();
    double constant = 0;
    for (std::int64_t j = 0; j < d; ++j) {
      const double mean = model.mu[c][j] / nc;
      const double variance = std::max(0.0, model.var[c][j] / nc - mean * mean) + kRegCovar;
      model.mu[c][j] = mean;
      model.var[c][j] = variance;
      constant += std::log(2 * std::numbers::pi * variance) + mean * mean / variance;
    }
    model.constant[c] = -0.5 * constant;
    model.weight[c] = nc / n;
  }
}

// E-step: responsibilities and the total log-likelihood.
double eStep(const SparseRows& rows, const Model& model, int k, std::vector<double>& resp) {
  const std::int64_t n = rows.rows();
  double total = 0;
  std::vector<double> log(k);
  for (std::int64_t r = 0; r < n; ++r) {
    for (int c = 0; c < k; ++c) {
      double sum = model.constant[c];
      for (auto q = rows.offsets[r]; q < rows.offsets[r + 1]; ++q) {
        const auto j = rows.columns[q];
        const double x = rows.values[q];
        sum -= 0.5 * (x * x - 2 * x * model.mu[c][j]) / model.var[c][j];
      }
      log[c] = sum + std::log(std::max(model.weight[c], 1e-300));
    }
    const double top = *std::max_element(log.begin(), log.end());
    double norm = 0;
    for (int c = 0; c < k; ++c) norm += std::exp(log[c] - top);
    const double logSum = top + std::log(norm);
    total += logSum;
    for (int c = 0; c < k; ++c) resp[r * k + c] = std::exp(log[c] - logSum);
  }
  return total;
}

}  // namespace

GmmFit fitDiagonalGmm(const SparseRows& rows, int k, std::uint64_t seed, int maxIterations) {
  const std::int64_t n = rows.rows();
  GmmFit fit;
  fit.components = k;
  if (n == 0) return fit;
  std::mt19937_64 rng(seed);
  // Start: each row to its nearest k-means++ centre (hard responsibilities).
  const auto centres = kmeansPlusPlus(rows, k, rng);
  std::vector<double> resp(n * k, 0.0), norms(n);
  for (std::int64_t r = 0; r < n; ++r) norms[r] = squaredNorm(rows, r);
  std::vector<double> best(n, std::numeric_limits<double>::infinity());
  std::vector<int> nearest(n, 0);
  std::vector<double> centre(rows.dimensions, 0.0);
  for (int c = 0; c < k; ++c) {
    const auto row = centres[c];
    for (auto q = rows.offsets[row]; q < rows.offsets[row + 1]; ++q)
      centre[rows.columns[q]] = rows.values[q];
    for (std::int64_t r = 0; r < n; ++r) {
      double dot = 0;
      for (auto q = rows.offsets[r]; q < rows.offsets[r + 1]; ++q)
        dot += rows.values[q] * centre[rows.columns[q]];
      const double distance = norms[r] + norms[row] - 2 * dot;
      if (distance < best[r]) {
        best[r] = distance;
        nearest[r] = c;
      }
    }
    for (auto q = rows.offsets[row]; q < rows.offsets[row + 1]; ++q) centre[rows.columns[q]] = 0;
  }
  for (std::int64_t r = 0; r < n; ++r) resp[r * k + nearest[r]] = 1;
  Model model;
  double previous = -std::numeric_limits<double>::infinity();
  for (int iteration = 0; iteration < maxIterations; ++iteration) {
    mStep(rows, resp, k, model);
    fit.logLikelihood = eStep(rows, model, k, resp);
    if (std::abs(fit.logLikelihood - previous) / n < 1e-3) break;
    previous = fit.logLikelihood;
  }
  fit.assignment.assign(n, 0);
  for (std::int64_t r = 0; r < n; ++r)
    fit.assignment[r] =
        static_cast<int>(std::max_element(resp.begin() + r * k, resp.begin() + (r + 1) * k) -
                         (resp.begin() + r * k));
  const double parameters = k * 2.0 * rows.dimensions + (k - 1);
  fit.bic = -2 * fit.logLikelihood + parameters * std::log(static_cast<double>(n));
  return fit;
}

GmmFit fitGmmByBic(const SparseRows& rows, int minComponents, int maxComponents, std::uint64_t seed,
                   Progress* progress) {
  const int top = static_cast<int>(std::min<std::int64_t>(maxComponents, rows.rows()));
  GmmFit best;
  best.bic = std::numeric_limits<double>::infinity();
  for (int k = std::max(1, std::min(minComponents, top)); k <= top; ++k) {
    if (progress) progress->checkCancel();
    auto fit = fitDiagonalGmm(rows, k, seed + k);
    if (fit.bic < best.bic) best = std::move(fit);
  }
  if (best.components == 0) best.assignment.assign(rows.rows(), 0);
  return best;
}

}  // namespace nl::analysis::segmentation
