// The 118-image animacy model RDM from rsatoolbox's demo, read by the .npy reader.
#include <gtest/gtest.h>

#include <numeric>
#include <random>

#include "analysis/rsa/Compare.h"
#include "analysis/rsa/Inference.h"
#include "analysis/rsa/Mds.h"
#include "io/ReaderRegistry.h"
#include "tests/support/TestSupport.h"

namespace rsa = nl::analysis::rsa;

namespace {

constexpr const char* kAnimacyRdm = "rsa/rsatoolbox_118images/118_animate_RDM.npy";

rsa::Matrix loadAnimacyRdm() {
  const auto contents = nl::io::ReaderRegistry::builtin().open(nl::test::fixtures() / kAnimacyRdm);
  const auto array = std::dynamic_pointer_cast<const nl::io::ArrayDataset>(contents.datasets.at(0));
  if (!array) throw std::runtime_error("not an array");
  const auto shape = array->shape();
  if (shape.size() != 2) throw std::runtime_error("not 2-D");
  return Eigen::Map<const rsa::RowMatrix>(array->values().data(),
                                          static_cast<Eigen::Index>(shape[0]),
                                          static_cast<Eigen::Index>(shape[1]));
}

}  // namespace

TEST(RsaFixture, AnimacyRdmLoadsAndComparesWithItself) {
  NL_REQUIRE_FIXTURE(kAnimacyRdm);
  const auto rdm = loadAnimacyRdm();
  ASSERT_EQ(rdm.rows(), 118);
  ASSERT_EQ(rdm.cols(), 118);
  EXPECT_NO_THROW(rsa::validateRdm(rdm, "animacy"));
  // 27 animate images: 0 between two animate images, 1 otherwise (the
  // inanimate diagonal included) — values read with NumPy.
  const auto upper = rsa::condensedFromSquare(rdm);
  EXPECT_EQ(std::count(upper.begin(), upper.end(), 0.0), 27 * 26 / 2);
  EXPECT_EQ(rdm.sum(), 13195.0);
  for (auto method : {rsa::CompareMethod::Pearson, rsa::CompareMethod::Spearman,
                      rsa::CompareMethod::KendallTauB, rsa::CompareMethod::Cosine})
    EXPECT_NEAR(rsa::compareRdms(rdm, rdm, {method, rsa::EntrySelection::UpperTriangle}), 1.0,
                1e-12);
  // τ-a does not forgive the ties: 1 − (C(351,2) + C(6552,2)) / C(6903,2).
  EXPECT_NEAR(rsa::compareRdms(rdm, rdm, {rsa::CompareMethod::KendallTauA}), 0.09653797229002647,
              1e-14);
}

TEST(RsaFixture, AnimacyRdmUnderPermutations) {
  NL_REQUIRE_FIXTURE(kAnimacyRdm);
  const auto rdm = loadAnimacyRdm();
  std::vector<int> animate, inanimate;
  for (int i = 0; i < 118; ++i) (rdm(i, i) == 0.0 ? animate : inanimate).push_back(i);
  ASSERT_EQ(animate.size(), 27u);
  // Shuffling images within each category leaves the RDM unchanged.
  std::mt19937_64 rng(1);
  auto shuffledAnimate = animate, shuffledInanimate = inanimate;
  std::shuffle(shuffledAnimate.begin(), shuffledAnimate.end(), rng);
  std::shuffle(shuffledInanimate.begin(), shuffledInanimate.end(), rng);
  std::vector<int> within(118);
  for (std::size_t k = 0; k < animate.size(); ++k)
    within[static_cast<std::size_t>(animate[k])] = shuffledAnimate[k];
  for (std::size_t k = 0; k < inanimate.size(); ++k)
    within[static_cast<std::size_t>(inanimate[k])] = shuffledInanimate[k];
  const auto permute = [&](const std::vector<int>& order) {
    rsa::Matrix out(118, 118);
    for (int i = 0; i < 118; ++i)
      for (int j = 0; j < 118; ++j)
        out(i, j) = rdm(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
    return out;
  };
  EXPECT_EQ((permute(within) - rdm).cwiseAbs().maxCoeff(), 0.0);
  // A random permutation destroys most of the structure.
  std::vector<int> random(118);
  std::iota(random.begin(), random.end(), 0);
  std::shuffle(random.begin(), random.end(), rng);
  const double shuffled = rsa::compareRdms(rdm, permute(random), {rsa::CompareMethod::Spearman});
  EXPECT_LT(std::abs(shuffled), 0.3);
  // And the permutation test says so.
  nl::analysis::NullProgress progress;
  rsa::InferenceOptions options;
  options.replicates = 99;
  const auto test = rsa::permutationTest(rdm, permute(within), options,
                                         rsa::PermutationScheme::StimulusLabels, progress);
  EXPECT_DOUBLE_EQ(test.pValue, 0.01);
  // MDS puts all animate images on one point.
  const auto mds = rsa::classicalMds(
      rdm.cwiseProduct(rsa::Matrix::Ones(118, 118) - rsa::Matrix::Identity(118, 118)));
  EXPECT_NEAR((mds.coordinates.row(animate[0]) - mds.coordinates.row(animate[5])).norm(), 0.0,
              1e-9);
  EXPECT_GT((mds.coordinates.row(animate[0]) - mds.coordinates.row(inanimate[0])).norm(), 0.1);
}
