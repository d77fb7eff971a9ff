// The affinities' properties (docs/CONNECTOME.md "## Affinity"): two silent
// neurons ≈ 0, opposite-sign co-changes count, bounded in [0, 1) and
// non-negative, symmetric, identical traces maximal; the alternatives; the
// pair order; the tensor's windows; cancelling.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "analysis/connectome/Affinity.h"

namespace cn = nl::analysis::connectome;

namespace {

// Calcium-like traces: exponentially decaying transients at random onsets.
Eigen::MatrixXd calcium(int frames, int neurons, unsigned seed, double noise = 0.02,
                        int transients = 6) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> onset(0, frames - 20);
  std::normal_distribution<double> gauss(0.0, 1.0);
  Eigen::MatrixXd x = Eigen::MatrixXd::Zero(frames, neurons);
  for (int n = 0; n < neurons; ++n) {
    for (int k = 0; k < transients; ++k) {
      const int t0 = onset(rng);
      for (int t = t0; t < frames; ++t) x(t, n) += std::exp(-(t - t0) / 10.0);
    }
    for (int t = 0; t < frames; ++t) x(t, n) += noise * gauss(rng);
  }
  return x;
}

cn::AffinityOptions differential() {
  cn::AffinityOptions o;
  o.smoothing = 1.0;
  o.threads = 1;
  return o;
}

}  // namespace

TEST(AffinityProperties, SilentPairIsAboutZero) {
  // Columns 0–3 active, 4 and 5 silent (noise at 2 % of a transient).
  Eigen::MatrixXd x = calcium(600, 6, 1);
  std::mt19937 rng(2);
  std::normal_distribution<double> gauss(0.0, 0.02);
  for (int t = 0; t < x.rows(); ++t) x(t, 4) = gauss(rng), x(t, 5) = gauss(rng);
  const auto a = cn::affinityMatrix(x, 1.0, differential());
  EXPECT_LT(a(4, 5), 0.01);
  EXPECT_LT(a(0, 4), 0.01);
  EXPECT_GT(a(0, 0), 0.5);
  // Exactly flat neurons: exactly 0.
  Eigen::MatrixXd flat = Eigen::MatrixXd::Constant(200, 2, 3.0);
  EXPECT_EQ(cn::affinityMatrix(flat, 1.0, differential())(0, 1), 0.0);
  // The correlation alternative has no such guarantee on noise; the
  // Gaussian one gives silent pairs its maximum (documented).
  auto g = differential();
  g.method = cn::AffinityMethod::Gaussian;
  EXPECT_GT(cn::affinityMatrix(x, 1.0, g)(4, 5), 0.9);
}

TEST(AffinityProperties, OppositeSignCoChangesCount) {
  const Eigen::MatrixXd x = calcium(500, 1, 3);
  Eigen::MatrixXd pair(500, 3);
  pair.col(0) = x.col(0);
  pair.col(1) = -x.col(0);                                // every change mirrored
  pair.col(2) = (5.0 - 2.0 * x.col(0).array()).matrix();  // mirrored and twice as large
  const auto a = cn::affinityMatrix(pair, 1.0, differential());
  EXPECT_NEAR(a(0, 1), a(0, 0), 1e-12);  // as strong as with itself
  EXPECT_GT(a(0, 1), 0.5);
  EXPECT_GT(a(0, 2), 0.1);
  EXPECT_LT(a(0, 2), a(0, 1));  // similar magnitudes score higher
  // Correlation counts them too (absolute r).
  auto c = differential();
  c.method = cn::AffinityMethod::Correlation;
  EXPECT_NEAR(cn::affinityMatrix(pair, 1.0, c)(0, 1), 1.0, 1e-12);
}

TEST(AffinityProperties, BoundedNonNegativeSymmetricIdenticalMaximal) {
  const Eigen::MatrixXd x = calcium(400, 12, 4, 0.05);
  for (auto method : {cn::AffinityMethod::Differential, cn::AffinityMethod::Correlation,
                      cn::AffinityMethod::Gaussian}) {
    auto o = differential();
    o.method = method;
    const auto a = cn::affinityMatrix(x, 2.0, o);
    for (int i = 0; i < 12; ++i)
      for (int j = 0; j < 12; ++j) {
        EXPECT_GE(a(i, j), 0.0);
        EXPECT_LE(a(i, j), 1.0);
        EXPECT_EQ(a(i, j), a(j, i));
        if (method != cn::AffinityMethod::Correlation) {  // |r| = 1 on the diagonal
          EXPECT_LE(a(i, j), std::min(a(i, i), a(j, j)) + 1e-12) << cn::methodName(method);
        }
      }
    if (method == cn::AffinityMethod::Differential) {
      for (int i = 0; i < 12; ++i) EXPECT_LT(a(i, i), 1.0);  // the floor keeps it below 1
    }
  }
  // The pair function itself is symmetric in its arguments, with NaNs too.
  std::vector<double> u{0, 1, 2, std::nan(""), 1, 0, -1, 3}, v{1, 1, 0, 2, 2, std::nan(""), 0, 1};
  EXPECT_EQ(cn::differentialAffinity(u.data(), v.data(), 8, 1.0, 0.1, 0.0),
            cn::differentialAffinity(v.data(), u.data(), 8, 1.0, 0.1, 0.0));
  EXPECT_TRUE(std::isnan(cn::differentialAffinity(u.data(), v.data(), 8, 1.0, 0.1, 0.9)));
}

TEST(AffinityProperties, MatchesTheFormulaOnAHandExample) {
  // d_i: + + − −  ; d_j: + − − +  → runs {0}, {1}, {2}, {3} (sign change of j
  // each frame), a = |d_i|, b = |d_j| per frame.
  const std::vector<double> di{1.0, 2.0, -1.0, -3.0}, dj{2.0, -2.0, -1.0, 1.0};
  const double num = 1 * 1 + 2 * 2 + 1 * 1 + 1 * 1;
  const double den = 2 * 2 + 2 * 2 + 1 * 1 + 3 * 3;
  EXPECT_DOUBLE_EQ(cn::differentialAffinity(di.data(), dj.data(), 4, 0.5, 0.0, 0.0),
                   num / (0.25 * 4 + den));
  // One run when both keep their signs: sums are compared, not frames.
  const std::vector<double> ui{1.0, 3.0}, uj{2.0, 2.0};
  EXPECT_DOUBLE_EQ(cn::differentialAffinity(ui.data(), uj.data(), 2, 1.0, 0.0, 0.0),
                   16.0 / (2.0 + 16.0));
}

TEST(AffinityProperties, PairOrderIsTheRowMajorUpperTriangle) {
  const std::size_t n = 5;
  std::size_t expected = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      EXPECT_EQ(cn::pairIndex(i, j, n), expected);
      EXPECT_EQ(cn::pairIndex(j, i, n), expected);
      ++expected;
    }
  EXPECT_EQ(expected, n * (n - 1) / 2);
}

TEST(AffinityProperties, TensorWindowsAndThreadsIndependence) {
  cn::Aligned aligned;
  aligned.frameRate = 2.0;
  aligned.startTime = -10.0;
  aligned.animals = {"a", "b"};
  aligned.names = {"n0", "n1", "n2", "n3"};
  aligned.traces = {calcium(240, 4, 5), calcium(240, 4, 6)};
  aligned.traces[1].col(2).setConstant(std::nan(""));  // n2 absent in animal b
  auto o = differential();
  o.windowLength = 30.0;  // 60 frames
  o.windowStep = 10.0;    // 20 frames
  nl::analysis::NullProgress progress;
  const auto t = cn::affinityTensor(aligned, o, progress);
  EXPECT_EQ(t.windows, (240u - 60u) / 20u + 1u);
  EXPECT_EQ(t.animals, 2u);
  EXPECT_EQ(t.pairs, 6u);
  EXPECT_EQ(t.windowFrames, 60u);
  EXPECT_DOUBLE_EQ(t.centres.front(), -10.0 + 29.5 / 2.0);
  EXPECT_DOUBLE_EQ(t.centres[1] - t.centres[0], 10.0);
  for (std::size_t w = 0; w < t.windows; ++w)
    for (std::size_t p = 0; p < t.pairs; ++p) {
      EXPECT_FALSE(std::isnan(t.at(w, 0, p)));
      const bool withN2 =
          p == cn::pairIndex(0, 2, 4) || p == cn::pairIndex(1, 2, 4) || p == cn::pairIndex(2, 3, 4);
      EXPECT_EQ(std::isnan(t.at(w, 1, p)), withN2);
    }
  // The window's value is the pair function on that window's frames.
  const auto p0 = cn::preprocess(aligned.traces[0], 2.0, o);
  EXPECT_DOUBLE_EQ(t.at(1, 0, cn::pairIndex(1, 3, 4)),
                   cn::differentialAffinity(&p0.derivative(20, 1), &p0.derivative(20, 3), 60,
                                            o.floor, o.flatThreshold, o.minValid));
  o.threads = 3;
  const auto threaded = cn::affinityTensor(aligned, o, progress);
  for (std::size_t k = 0; k < t.values.size(); ++k)
    if (!std::isnan(t.values[k])) {
      EXPECT_EQ(t.values[k], threaded.values[k]);
    }
}

TEST(AffinityProperties, CancelStopsTheTensor) {
  struct Cancel final : nl::analysis::Progress {
    void update(double, const std::string&) override {}
    bool cancelRequested() const override { return true; }
  } cancel;
  cn::Aligned aligned;
  aligned.frameRate = 1.0;
  aligned.animals = {"a"};
  aligned.names = {"x", "y", "z"};
  aligned.traces = {calcium(300, 3, 7)};
  auto o = differential();
  o.windowLength = 50;
  o.windowStep = 5;
  EXPECT_THROW(cn::affinityTensor(aligned, o, cancel), nl::analysis::Cancelled);
  o.threads = 2;
  EXPECT_THROW(cn::affinityTensor(aligned, o, cancel), nl::analysis::Cancelled);
}

TEST(AffinityProperties, BadOptionsAreRefused) {
  auto o = differential();
  o.windowLength = 0;
  EXPECT_THROW(cn::preprocess(calcium(50, 2, 8), 1.0, o), std::invalid_argument);
  EXPECT_THROW(cn::methodFromName("granger"), std::invalid_argument);
}
