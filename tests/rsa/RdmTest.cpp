// RDM definitions: hand-computed cases, SciPy/NumPy numbers, error policy.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "analysis/rsa/Mds.h"
#include "analysis/rsa/Rdm.h"
#include "tests/rsa/RsaTestSupport.h"

namespace rsa = nl::analysis::rsa;
using rsa::RdmMethod;

namespace {

void expectCondensed(const rsa::Matrix& rdm, const std::vector<double>& expected, double tol) {
  const auto got = rsa::condensedFromSquare(rdm);
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t k = 0; k < got.size(); ++k)
    EXPECT_NEAR(got[k], expected[k], tol) << "entry " << k;
}

}  // namespace

TEST(RsaRdm, HandComputedThreeStimuli) {
  rsa::RowMatrix x(3, 3);
  x << 1, 2, 3,  //
      3, 2, 1,   //
      1, 2, 4;
  const auto correlation = rsa::computeRdm(x, RdmMethod::CorrelationDistance);
  EXPECT_NEAR(correlation(0, 1), 2.0, 1e-15);  // r = −1
  // a centred (−1, 0, 1), c centred (−4, −1, 5)/3: r = 9/√84.
  EXPECT_NEAR(correlation(0, 2), 1.0 - 9.0 / std::sqrt(84.0), 1e-15);
  EXPECT_EQ(correlation(1, 1), 0.0);
  const auto euclidean = rsa::computeRdm(x, RdmMethod::Euclidean);
  EXPECT_NEAR(euclidean(0, 1), 8.0 / 3.0, 1e-14);  // (2² + 0 + 2²) / 3 units
  EXPECT_NEAR(euclidean(0, 2), 1.0 / 3.0, 1e-14);
  const auto cosine = rsa::computeRdm(x, RdmMethod::CosineDistance);
  EXPECT_NEAR(cosine(0, 1), 1.0 - 10.0 / 14.0, 1e-15);
}

TEST(RsaRdm, MatchesScipyPdist) {
  const auto x = nl::test::formulaResponses(7, 5, 0.0);
  // scipy.spatial.distance.pdist(X, "correlation") (tests/rsa/reference_values.py)
  expectCondensed(rsa::computeRdm(x, RdmMethod::CorrelationDistance),
                  {1.4015822434766783, 1.865069287533582,  0.5344529165051126,  0.3271219256039193,
                   1.722173666886163,  1.6606822244504733, 1.0608565856734398,  1.9910213178768061,
                   0.6124822493776244, 0.077032332673302,  1.407441809159546,   0.9857676327295254,
                   1.9428696831124306, 0.6893092768253167, 0.06565876355462097, 1.336795545780759,
                   1.9457795011357448, 0.6454077710785036, 0.9848223532662856,  1.9989958104097263,
                   1.0343561394287792},
                  1e-12);
  expectCondensed(
      rsa::computeRdm(x, RdmMethod::CosineDistance),
      {0.9902700678556708, 1.7654961739781292,  0.625406851388439,   0.23875712902183055,
       1.382905974576726,  1.6662155264752063,  1.061051091469934,   1.8312194392076853,
       0.3996831188222931, 0.08254050911154709, 1.4445041311356341,  0.9844824084562214,
       1.7788607959467375, 0.723634060402504,   0.08224440076225059, 1.3107527985204652,
       1.8904488512208042, 0.6405451106972821,  0.7556720755596431,  1.9164389488641014,
       1.114643914802055},
      1e-12);
  // pdist(X, "sqeuclidean") / units, as rsatoolbox's "euclidean".
  expectCondensed(
      rsa::computeRdm(x, RdmMethod::Euclidean),
      {1.0869128979494855,  1.6988482531092621, 0.581016405548249,   0.25365079214891934,
       1.5965628905690832,  1.470561909421361,  1.1995454053446017,  1.9989714707371586,
       0.48479231126847483, 0.1111280356404997, 1.5091361868025495,  0.9476201223495035,
       1.911928619514775,   0.8689761320536398, 0.07854965156212572, 1.3647026269088665,
       2.1740188707223203,  0.5660946494332378, 0.9645193545288917,  1.8982658155787386,
       1.2388595390677453},
      1e-12);
}

TEST(RsaRdm, ShiPearsonSimilarityKeepsEpsilonOnTheNorms) {
  const auto x = nl::test::formulaResponses(7, 5, 0.0);
  const auto rsm = rsa::computeRdm(x, RdmMethod::PearsonSimilarity);
  const double expected[] = {0.9999998497614296,  -0.4015821851532325, -0.8650691677179012,
                             0.46554701791311487, 0.6728779752025199,  -0.7221735703984253,
                             -0.6606821281168264};
  for (int j = 0; j < 7; ++j) EXPECT_NEAR(rsm(0, j), expected[j], 1e-12) << j;
  EXPECT_LT(rsm(0, 0), 1.0);  // ε makes the diagonal fall just short of 1
  EXPECT_TRUE(rsa::isSimilarity(RdmMethod::PearsonSimilarity));
  // A constant stimulus is defined under ε: similarity 0 to everything.
  rsa::RowMatrix withConstant = x;
  withConstant.row(3).setConstant(2.5);
  const auto defined = rsa::computeRdm(withConstant, RdmMethod::PearsonSimilarity);
  EXPECT_EQ(defined(3, 1), 0.0);
  EXPECT_EQ(defined(3, 3), 0.0);
}

TEST(RsaRdm, GramPathMatchesDirectFormulaWithLargeOffsetsAndIsThreadIndependent) {
  std::mt19937_64 rng(7);
  rsa::RowMatrix x = nl::test::gaussian(12, 9000, rng);
  x.array() += 1000.0;  // a shared offset must not cost precision (rows are centred per block)
  rsa::RdmOptions one;
  one.threads = 1;
  rsa::RdmOptions three = one;
  three.threads = 3;
  nl::analysis::NullProgress progress;
  const auto a = rsa::computeRdm(x, one, progress);
  const auto b = rsa::computeRdm(x, three, progress);
  EXPECT_EQ((a - b).cwiseAbs().maxCoeff(), 0.0);  // bit-identical
  for (int i = 0; i < 12; ++i)
    for (int j = 0; j < 12; ++j) {
      const Eigen::VectorXd ci = x.row(i).transpose().array() - x.row(i).mean();
      const Eigen::VectorXd cj = x.row(j).transpose().array() - x.row(j).mean();
      EXPECT_NEAR(a(i, j), 1.0 - ci.dot(cj) / (ci.norm() * cj.norm()), 1e-12);
    }
}

TEST(RsaRdm, BadInputsGiveClearErrors) {
  rsa::RowMatrix x = nl::test::formulaResponses(5, 4, 0.0);
  x.row(2).setConstant(1.0);
  try {
    rsa::computeRdm(x, RdmMethod::CorrelationDistance);
    FAIL() << "constant row accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("stimulus 2 are constant"), std::string::npos) << e.what();
  }
  // Opt-in NaN policy: that stimulus's row and column become NaN.
  rsa::RdmOptions nanPolicy;
  nanPolicy.degenerateRowsGiveNaN = true;
  nl::analysis::NullProgress progress;
  const auto withNaN = rsa::computeRdm(x, nanPolicy, progress);
  EXPECT_TRUE(std::isnan(withNaN(2, 0)));
  EXPECT_TRUE(std::isnan(withNaN(4, 2)));
  EXPECT_FALSE(std::isnan(withNaN(0, 1)));
  // Euclidean is defined for constant rows.
  EXPECT_NO_THROW(rsa::computeRdm(x, RdmMethod::Euclidean));
  rsa::RowMatrix zeros = nl::test::formulaResponses(4, 3, 0.0);
  zeros.row(1).setZero();
  EXPECT_THROW(rsa::computeRdm(zeros, RdmMethod::CosineDistance), std::invalid_argument);

  rsa::RowMatrix missing = nl::test::formulaResponses(5, 4, 0.0);
  missing(3, 1) = std::nan("");
  try {
    rsa::computeRdm(missing, RdmMethod::Euclidean);
    FAIL() << "NaN accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("stimulus 3, unit 1 is NaN"), std::string::npos)
        << e.what();
  }
  missing(3, 1) = INFINITY;
  EXPECT_THROW(rsa::computeRdm(missing, RdmMethod::CorrelationDistance), std::invalid_argument);
  EXPECT_THROW(rsa::computeRdm(rsa::RowMatrix(1, 4), RdmMethod::Euclidean), std::invalid_argument);
  EXPECT_THROW(rsa::computeRdm(rsa::RowMatrix(4, 0), RdmMethod::Euclidean), std::invalid_argument);
  EXPECT_THROW(rsa::parseRdmMethod("manhattan"), std::invalid_argument);
  EXPECT_EQ(rsa::parseRdmMethod("pearson_shi"), RdmMethod::PearsonSimilarity);
}

TEST(RsaRdm, CondensedRoundTripAndValidation) {
  const auto rdm = rsa::computeRdm(nl::test::formulaResponses(6, 4, 0.3), RdmMethod::Euclidean);
  const auto condensed = rsa::condensedFromSquare(rdm);
  EXPECT_EQ(condensed.size(), 15u);
  EXPECT_EQ((rsa::squareFromCondensed(condensed) - rdm).cwiseAbs().maxCoeff(), 0.0);
  const std::vector<double> bad(14, 1.0);
  EXPECT_THROW(rsa::squareFromCondensed(bad), std::invalid_argument);
  EXPECT_NO_THROW(rsa::validateRdm(rdm, "test"));
  rsa::Matrix asymmetric = rdm;
  asymmetric(0, 3) += 0.5;
  EXPECT_THROW(rsa::validateRdm(asymmetric, "test"), std::invalid_argument);
  EXPECT_THROW(rsa::validateRdm(rsa::Matrix(3, 4), "test"), std::invalid_argument);
}

TEST(RsaMds, RecoversEuclideanConfiguration) {
  // Points in the plane: classical MDS reproduces their distances exactly.
  rsa::RowMatrix points(6, 2);
  points << 0, 0, 3, 0, 0, 4, -2, 1, 1, -3, 2, 2;
  const rsa::Matrix squared = rsa::computeRdm(points, RdmMethod::Euclidean) * 2.0;  // /units undone
  const auto mds = rsa::classicalMds(squared, 2, /*entriesAreSquared=*/true);
  EXPECT_NEAR(mds.explained, 1.0, 1e-12);
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j)
      EXPECT_NEAR((mds.coordinates.row(i) - mds.coordinates.row(j)).squaredNorm(), squared(i, j),
                  1e-9);
  EXPECT_GE(mds.eigenvalues(0), mds.eigenvalues(1));
  rsa::Matrix withNaN = squared;
  withNaN(1, 2) = withNaN(2, 1) = std::nan("");
  EXPECT_THROW(rsa::classicalMds(withNaN), std::invalid_argument);
  EXPECT_THROW(rsa::classicalMds(squared, 7), std::invalid_argument);
}
