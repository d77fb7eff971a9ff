// HALS, BCD and multiplicative updates sweep by sweep against the NumPy peer
// (bench/connectome/ntf_hals_numpy.py reference → data/ntf_reference.json:
// the same initial factors, the factors and objective after every sweep),
// masked entries, determinism over thread counts, and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "analysis/connectome/NtfFactorization.h"

namespace cn = nl::analysis::connectome;

namespace {

const nlohmann::json& reference() {
  static const nlohmann::json data = [] {
    std::ifstream in(NTF_REFERENCE_JSON);
    if (!in) throw std::runtime_error("cannot open " + std::string(NTF_REFERENCE_JSON));
    return nlohmann::json::parse(in);
  }();
  return data;
}

const nlohmann::json& referenceCase(const std::string& name) {
  for (const auto& c : reference().at("cases"))
    if (c.at("name") == name) return c;
  throw std::runtime_error("no reference case " + name);
}

cn::Tensor3 tensorOf(const nlohmann::json& c) {
  std::vector<double> values;
  for (const auto& v : c.at("x"))
    values.push_back(v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>());
  return cn::Tensor3::fromValues(c.at("shape").get<std::vector<std::size_t>>(), values);
}

cn::NtfFactors factorsOf(const nlohmann::json& modes, const nlohmann::json& c) {
  const auto shape = c.at("shape").get<std::vector<std::size_t>>();
  const int rank = c.at("rank");
  cn::NtfFactors f;
  for (std::size_t m = 0; m < 3; ++m) {
    const auto values = modes.at(m).get<std::vector<double>>();
    f.modes[m].resize(static_cast<Eigen::Index>(shape[m]), rank);
    for (std::size_t i = 0; i < shape[m]; ++i)
      for (int r = 0; r < rank; ++r)
        f.modes[m](static_cast<Eigen::Index>(i), r) =
            values[i * static_cast<std::size_t>(rank) + static_cast<std::size_t>(r)];
  }
  return f;
}

// Runs the case's sweeps one at a time from its initial factors (HALS and MU
// carry no state between sweeps) or all at once (BCD), comparing each.
void compareWithNumpy(const std::string& name) {
  const auto& c = referenceCase(name);
  const auto x = tensorOf(c);
  const auto init = factorsOf(c.at("init"), c);
  const auto objectives = c.at("objective").get<std::vector<double>>();
  cn::NtfOptions options;
  options.rank = c.at("rank");
  options.method = cn::parseNtfMethod(c.at("method"));
  options.tolerance = 0.0;
  options.maxSweeps = static_cast<int>(objectives.size());
  const auto result = cn::fitNtf(x, options, &init);
  ASSERT_EQ(result.sweeps, options.maxSweeps) << name;
  ASSERT_EQ(result.objective.size(), objectives.size());
  for (std::size_t s = 0; s < objectives.size(); ++s)
    EXPECT_NEAR(result.objective[s], objectives[s], 1e-10) << name << " sweep " << s + 1;
  const auto expected = factorsOf(c.at("factors").back(), c);
  for (std::size_t m = 0; m < 3; ++m)
    EXPECT_LT((result.factors.modes[m] - expected.modes[m]).cwiseAbs().maxCoeff(), 1e-10)
        << name << " mode " << m;
  // Sweep by sweep: continuing from our own factors after s sweeps gives NumPy's sweep s + 1.
  if (options.method != cn::NtfMethod::Bcd && !x.hasMissing()) {
    cn::NtfFactors f = init;
    options.maxSweeps = 1;
    for (std::size_t s = 0; s < objectives.size(); ++s) {
      const auto one = cn::fitNtf(x, options, &f);
      f = one.factors;
      const auto numpy = factorsOf(c.at("factors").at(s), c);
      for (std::size_t m = 0; m < 3; ++m)
        EXPECT_LT((f.modes[m] - numpy.modes[m]).cwiseAbs().maxCoeff(), 1e-10)
            << name << " sweep " << s + 1 << " mode " << m;
    }
  }
}

cn::Tensor3 planted(std::size_t I, std::size_t J, std::size_t K, int rank, std::uint64_t seed) {
  // Uniform factors (the all-zero tensor leaves them unscaled).
  const auto truth = cn::randomInitialFactors(cn::Tensor3(I, J, K), rank, seed, 99);
  return cn::reconstruct(truth);
}

}  // namespace

TEST(NtfHals, MatchesNumpySweepBySweep) {
  compareWithNumpy("hals");
}
TEST(NtfHals, MatchesNumpyAtRankOne) {
  compareWithNumpy("hals_rank1");
}
TEST(NtfHals, MatchesNumpyWithMissingEntries) {
  compareWithNumpy("hals_masked");
}
TEST(NtfBcd, MatchesNumpy) {
  compareWithNumpy("bcd");
}
TEST(NtfMultiplicative, MatchesNumpy) {
  compareWithNumpy("mu");
}

TEST(NtfHals, ObjectiveFromGramsEqualsTheReconstruction) {
  const auto x = planted(9, 4, 11, 3, 5);
  cn::NtfOptions options;
  options.rank = 2;
  options.maxSweeps = 4;
  options.tolerance = 0.0;
  const auto result = cn::fitNtf(x, options);
  const auto model = cn::reconstruct(result.factors);
  double residual = 0.0, norm = 0.0;
  for (std::size_t n = 0; n < x.size(); ++n) {
    residual += std::pow(x.values()[n] - model.values()[n], 2);
    norm += x.values()[n] * x.values()[n];
  }
  EXPECT_NEAR(result.objective.back(), std::sqrt(residual / norm), 1e-12);
}

TEST(NtfHals, MaskedObjectiveCountsOnlyObservedEntries) {
  auto x = planted(8, 5, 9, 2, 3);
  std::vector<double> values = x.values();
  for (std::size_t n = 0; n < values.size(); n += 7) values[n] = std::nan("");
  const auto masked = cn::Tensor3::fromValues({8, 5, 9}, values);
  EXPECT_TRUE(masked.hasMissing());
  cn::NtfOptions options;
  options.rank = 2;
  options.maxSweeps = 6;
  options.tolerance = 0.0;
  for (const auto method :
       {cn::NtfMethod::Hals, cn::NtfMethod::Bcd, cn::NtfMethod::Multiplicative}) {
    options.method = method;
    const auto result = cn::fitNtf(masked, options);
    const auto model = cn::reconstruct(result.factors);
    double residual = 0.0, norm = 0.0;
    for (std::size_t n = 0; n < values.size(); ++n) {
      if (std::isnan(values[n])) continue;
      residual += std::pow(values[n] - model.values()[n], 2);
      norm += values[n] * values[n];
    }
    EXPECT_NEAR(result.objective.back(), std::sqrt(residual / norm), 1e-12)
        << cn::ntfMethodName(method);
  }
}

TEST(NtfHals, MissingEntriesAreImputedFromThePlantedModel) {
  // Exact rank-2 data with 1 in 7 missing: the fit predicts the hidden entries.
  const auto full = planted(12, 6, 15, 2, 8);
  std::vector<double> values = full.values();
  std::vector<std::size_t> hidden;
  for (std::size_t n = 3; n < values.size(); n += 7) {  // no whole slice hidden
    values[n] = std::nan("");
    hidden.push_back(n);
  }
  const auto x = cn::Tensor3::fromValues({12, 6, 15}, values);
  cn::NtfOptions options;
  options.rank = 2;
  options.maxSweeps = 2000;
  options.tolerance = 1e-12;
  double best = 1.0;
  cn::NtfResult kept;
  for (std::uint64_t s = 0; s < 3; ++s) {
    options.stream = s;
    auto r = cn::fitNtf(x, options);
    if (r.objective.back() < best) {
      best = r.objective.back();
      kept = r;
    }
  }
  EXPECT_LT(best, 1e-3);
  const auto filled = cn::imputed(x, kept.factors);
  double error = 0.0, norm = 0.0;
  for (const auto n : hidden) {
    error += std::pow(filled.values()[n] - full.values()[n], 2);
    norm += full.values()[n] * full.values()[n];
  }
  EXPECT_LT(std::sqrt(error / norm), 1e-2);
}

TEST(NtfHals, FixedSweepsWithZeroToleranceRunExactly) {
  const auto x = planted(6, 4, 5, 2, 1);
  cn::NtfOptions options;
  options.rank = 2;
  options.maxSweeps = 37;
  options.tolerance = 0.0;
  const auto init = cn::randomInitialFactors(x, 2, 4, 0);
  const auto result = cn::fitNtf(x, options, &init);
  EXPECT_EQ(result.sweeps, 37);
  EXPECT_EQ(result.objective.size(), 37u);
  EXPECT_FALSE(result.converged);
  options.tolerance = 1e-5;
  options.maxSweeps = 500;
  const auto stopped = cn::fitNtf(x, options, &init);
  EXPECT_TRUE(stopped.converged);
  EXPECT_LT(stopped.sweeps, 500);
}

TEST(NtfHals, InitialisationScalesToTheDataNormAndBalances) {
  const auto x = planted(7, 3, 8, 2, 2);
  const auto f = cn::randomInitialFactors(x, 3, 11, 0);
  EXPECT_NEAR(cn::modelNorm(f), std::sqrt(x.observedSquaredNorm()), 1e-9);
  for (Eigen::Index r = 0; r < 3; ++r) {
    EXPECT_NEAR(f.modes[0].col(r).norm(), f.modes[1].col(r).norm(), 1e-12);
    EXPECT_NEAR(f.modes[1].col(r).norm(), f.modes[2].col(r).norm(), 1e-12);
  }
  // The same seed and stream give the same numbers; another stream others.
  const auto again = cn::randomInitialFactors(x, 3, 11, 0);
  EXPECT_EQ(f.modes[2], again.modes[2]);
  EXPECT_NE(f.modes[2], cn::randomInitialFactors(x, 3, 11, 1).modes[2]);
}

TEST(NtfHals, SameResultForEveryThreadCount) {
  // Big enough (> 2^18 entries) for the panels to run on worker threads.
  const auto x = planted(64, 8, 600, 3, 6);
  cn::NtfOptions options;
  options.rank = 3;
  options.maxSweeps = 5;
  options.tolerance = 0.0;
  options.threads = 1;
  const auto one = cn::fitNtf(x, options);
  options.threads = 3;
  const auto three = cn::fitNtf(x, options);
  EXPECT_EQ(one.objective, three.objective);
  for (std::size_t m = 0; m < 3; ++m) EXPECT_EQ(one.factors.modes[m], three.factors.modes[m]);
}

TEST(NtfInput, RejectsBadTensors) {
  auto message = [](const std::vector<std::size_t>& shape, const std::vector<double>& values) {
    try {
      cn::Tensor3::fromValues(shape, values, "tensor 'bad.npy'");
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message({4, 5}, std::vector<double>(20, 1.0)).find("must be a 3-D array"),
            std::string::npos);
  EXPECT_NE(message({4, 5}, std::vector<double>(20, 1.0)).find("bad.npy"), std::string::npos);
  std::vector<double> negative(8, 1.0);
  negative[5] = -0.5;
  const auto neg = message({2, 2, 2}, negative);
  EXPECT_NE(neg.find("entry (1, 0, 1)"), std::string::npos) << neg;
  EXPECT_NE(neg.find("non-negative"), std::string::npos) << neg;
  EXPECT_NE(message({2, 2, 2}, std::vector<double>(8, std::nan(""))).find("every entry is missing"),
            std::string::npos);
  std::vector<double> infinite(8, 1.0);
  infinite[0] = std::numeric_limits<double>::infinity();
  EXPECT_NE(message({2, 2, 2}, infinite).find("infinite"), std::string::npos);
  EXPECT_NE(message({2, 0, 2}, {}).find("empty dimension"), std::string::npos);
  // All zeros: nothing to factorize.
  cn::NtfOptions options;
  EXPECT_THROW(cn::fitNtf(cn::Tensor3(2, 2, 2), options), std::invalid_argument);
  // Initial factors of the wrong shape.
  const auto x = planted(3, 3, 3, 1, 1);
  auto init = cn::randomInitialFactors(x, 2, 0, 0);
  options.rank = 3;
  EXPECT_THROW(cn::fitNtf(x, options, &init), std::invalid_argument);
  EXPECT_THROW(cn::parseNtfMethod("als"), std::invalid_argument);
}

TEST(NtfHals, ReportsProgressAndStopsWhenCancelled) {
  class CancelAfter final : public nl::analysis::Progress {
   public:
    void update(double fraction, const std::string& message) override {
      ++updates;
      last = message;
      lastFraction = fraction;
    }
    bool cancelRequested() const override { return updates >= 3; }
    int updates = 0;
    double lastFraction = 0.0;
    std::string last;
  } progress;
  const auto x = planted(6, 4, 5, 2, 1);
  cn::NtfOptions options;
  options.rank = 2;
  options.maxSweeps = 100;
  options.tolerance = 0.0;
  EXPECT_THROW(cn::fitNtf(x, options, nullptr, &progress), nl::analysis::Cancelled);
  EXPECT_EQ(progress.updates, 3);
  EXPECT_NE(progress.last.find("hals sweep 3"), std::string::npos) << progress.last;
  EXPECT_DOUBLE_EQ(progress.lastFraction, 0.03);
  // Rank selection's fits on worker threads stop too.
  CancelAfter again;
  again.updates = 3;
  EXPECT_THROW(cn::selectRank(x, 1, 2, 2, options, again), nl::analysis::Cancelled);
}
