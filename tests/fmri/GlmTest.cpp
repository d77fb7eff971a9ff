// The GLM recovers a planted block effect in a simulated run (betas, z where
// planted, nominal false positives elsewhere) and reproduces a NumPy
// implementation of the same model on the Haxby run (numbers from
// tests/fmri/reference_values.py).
#include <gtest/gtest.h>

#include <Eigen/QR>

#include <cmath>
#include <numbers>
#include <random>

#include "analysis/fmri/Contrast.h"
#include "analysis/fmri/Design.h"
#include "analysis/fmri/Glm.h"
#include "analysis/fmri/VolumeGrid.h"
#include "io/TypedArray.h"
#include "tests/fmri/FmriTestSupport.h"

namespace fm = nl::analysis::fmri;

namespace {

// Deterministic standard normal numbers (Box–Muller on mt19937_64), the
// same on every standard library.
class Normal {
 public:
  explicit Normal(std::uint64_t seed) : engine_(seed) {}
  double operator()() {
    const double u1 = (static_cast<double>(engine_() >> 11) + 0.5) * 0x1.0p-53;
    const double u2 = static_cast<double>(engine_() >> 11) * 0x1.0p-53;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }
  std::uint64_t raw() { return engine_(); }

 private:
  std::mt19937_64 engine_;
};

std::vector<fm::Event> alternatingBlocks(double runSeconds) {
  std::vector<fm::Event> events;
  for (int k = 0; 12.0 + 30.0 * k + 15.0 < runSeconds; ++k)
    events.push_back({12.0 + 30.0 * k, 15.0, k % 2 == 0 ? "audio" : "visual"});
  return events;
}

}  // namespace

TEST(FmriGlm, RecoversPlantedEffectWithNominalFalsePositives) {
  constexpr std::size_t scans = 240, voxels = 4000;
  fm::DesignOptions options;
  options.repetitionTime = 2.0;
  const auto design = fm::buildDesign(alternatingBlocks(480.0), scans, options);
  const long audio = 0, visual = 1;
  ASSERT_EQ(design.columns[0], "audio");

  Normal normal(20240611);
  // Which voxels respond, and how much, comes from the random stream only.
  std::vector<double> effect(voxels, 0.0);
  std::vector<bool> planted(voxels, false);
  for (std::size_t v = 0; v < voxels; ++v)
    if (normal.raw() % 10 == 0) {
      planted[v] = true;
      effect[v] = 1.5 + static_cast<double>(normal.raw() % 1000) / 1000.0;  // 1.5 .. 2.5
    }
  std::vector<double> series(scans * voxels);
  for (std::size_t t = 0; t < scans; ++t) {
    const double slow = 3.0 * std::cos(std::numbers::pi * (static_cast<double>(t) + 0.5) / scans);
    for (std::size_t v = 0; v < voxels; ++v)
      series[t * voxels + v] = 500.0 + slow + 0.4 * design.matrix(static_cast<long>(t), visual) +
                               effect[v] * design.matrix(static_cast<long>(t), audio) + normal();
  }
  fm::GlmOptions glm;
  glm.percentSignalChange = false;
  glm.voxelsPerBlock = 1000;  // several blocks
  nl::analysis::NullProgress progress;
  const auto fit = fm::fitGlm(design.matrix, series, voxels, {}, glm, progress);
  EXPECT_EQ(fit.dof, static_cast<double>(scans - design.matrix.cols()));
  const auto contrast = fm::computeContrast(fit, fm::conditionContrast("audio - visual", design));
  // Betas: within 4.5 standard errors everywhere (true audio beta: the effect).
  const double seScale = std::sqrt(fit.unscaledCovariance(audio, audio));
  std::size_t plantedCount = 0, falsePositives = 0, betaMisses = 0;
  for (std::size_t v = 0; v < voxels; ++v) {
    const double se = std::sqrt(fit.residualVariance[static_cast<long>(v)]) * seScale;
    if (std::fabs(fit.betas(audio, static_cast<long>(v)) - effect[v]) > 4.5 * se) ++betaMisses;
    const double seVisual = std::sqrt(fit.residualVariance[static_cast<long>(v)] *
                                      fit.unscaledCovariance(visual, visual));
    if (std::fabs(fit.betas(visual, static_cast<long>(v)) - 0.4) > 4.5 * seVisual) ++betaMisses;
    const double z = contrast.z[static_cast<long>(v)];
    if (planted[v]) {
      ++plantedCount;
      EXPECT_GT(z, 3.090232306167813) << "planted voxel " << v;  // one-sided p < 0.001
    } else if (z > 3.090232306167813) {
      // audio − visual where only the visual response exists: true effect −0.4.
      ++falsePositives;
    }
  }
  EXPECT_EQ(betaMisses, 0u);
  EXPECT_EQ(falsePositives, 0u);
  EXPECT_GT(plantedCount, 300u);
  EXPECT_LT(plantedCount, 500u);
}

TEST(FmriGlm, NullVoxelsGiveNominalFalsePositiveRate) {
  constexpr std::size_t scans = 200, voxels = 6000;
  fm::DesignOptions options;
  options.repetitionTime = 2.0;
  const auto design = fm::buildDesign(alternatingBlocks(400.0), scans, options);
  Normal normal(7);
  std::vector<double> series(scans * voxels);
  for (auto& value : series) value = 800.0 + 2.0 * normal();
  nl::analysis::NullProgress progress;
  const auto fit = fm::fitGlm(design.matrix, series, voxels, {}, {}, progress);
  const auto contrast = fm::computeContrast(fit, fm::conditionContrast("audio - visual", design));
  std::size_t above = 0, below = 0;
  double sum = 0, squares = 0;
  for (long v = 0; v < contrast.z.size(); ++v) {
    const double z = contrast.z[v];
    above += z > 1.6448536269514722 ? 1 : 0;   // one-sided 5 %
    below += z < -2.3263478740408408 ? 1 : 0;  // one-sided 1 %
    sum += z;
    squares += z * z;
  }
  const double n = static_cast<double>(voxels);
  // Binomial: 5 % of 6000 = 300 ± 17; 1 % = 60 ± 7.7 (bounds at ~3.5 sd).
  EXPECT_NEAR(static_cast<double>(above), 300.0, 60.0);
  EXPECT_NEAR(static_cast<double>(below), 60.0, 27.0);
  EXPECT_NEAR(sum / n, 0.0, 0.05);
  EXPECT_NEAR(std::sqrt(squares / n - (sum / n) * (sum / n)), 1.0, 0.04);
}

TEST(FmriGlm, MaskAndBadInput) {
  fm::DesignOptions options;
  options.repetitionTime = 2.0;
  const auto design = fm::buildDesign(alternatingBlocks(100.0), 50, options);
  std::vector<double> series(50 * 8, 1.0);
  Normal normal(3);
  for (auto& v : series) v += normal();
  nl::analysis::NullProgress progress;
  const std::vector<std::size_t> mask{1, 5};
  const auto fit = fm::fitGlm(design.matrix, series, 8, mask, {}, progress);
  EXPECT_EQ(fit.betas.cols(), 2);
  const auto volume = fm::scatter(fit, fit.betas.row(0).transpose(), 8);
  EXPECT_TRUE(std::isnan(volume[0]));
  EXPECT_FALSE(std::isnan(volume[5]));
  EXPECT_THROW(fm::fitGlm(design.matrix, std::vector<double>(10), 8, {}, {}, progress),
               std::invalid_argument);
  const std::vector<std::size_t> outside{9};
  EXPECT_THROW(fm::fitGlm(design.matrix, series, 8, outside, {}, progress), std::invalid_argument);
  // More regressors than scans: no residual degrees of freedom.
  Eigen::MatrixXd wide = Eigen::MatrixXd::Random(3, 3);
  EXPECT_THROW(fm::fitGlm(wide, std::vector<double>(3), 1, {}, {}, progress),
               std::invalid_argument);
  // A condition that never rises above zero makes a non-estimable contrast.
  Eigen::MatrixXd deficient = design.matrix;
  deficient.col(1).setZero();
  const auto deficientFit = fm::fitGlm(deficient, series, 8, {}, {}, progress);
  EXPECT_THROW(fm::computeContrast(deficientFit, fm::conditionContrast("audio - visual", design)),
               std::invalid_argument);
  EXPECT_NO_THROW(fm::computeContrast(deficientFit, fm::conditionContrast("audio", design)));
  // A constant voxel has no t.
  std::vector<double> flat(50 * 2, 5.0);
  const auto flatFit = fm::fitGlm(design.matrix, flat, 2, {}, {}, progress);
  EXPECT_TRUE(
      std::isnan(fm::computeContrast(flatFit, fm::conditionContrast("audio", design)).z[0]));
}

namespace {

struct HaxbyCase {
  std::string file;
  std::size_t i, j, k;
  double betaFace, betaHouse, t, z;
};

}  // namespace

TEST(FmriGlm, HaxbyFaceMinusHouseMatchesNumPy) {
  NL_REQUIRE_FIXTURE("nifti/haxby2001/BOLD_task001_run001_bold_25mm.nii.gz");
  const auto eventsTable = nl::test::fmri::load<nl::io::TableDataset>(
      nl::test::fmri::haxby("BOLD_task001_run001_bold_events.tsv"));
  const auto events = fm::eventsFromTable(*eventsTable);
  ASSERT_EQ(events.size(), 8u);
  // From the NumPy model (bench/fmri/reference.py) with scipy's t → z.
  const HaxbyCase cases[] = {
      {"BOLD_task001_run001_bold_25mm.nii.gz", 3, 9, 0, 5.591766876698761, -9.04255233680845,
       5.273545058374364, 4.963232484460903},
      {"BOLD_task001_run001_bold_25mm.nii.gz", 3, 4, 4, 5.202590643483087, -5.459486405987422,
       5.122450507332774, 4.835582532426029},
      {"BOLD_task001_run001_bold_25mm.nii.gz", 3, 5, 5, 0.03421238543332181, -0.060978951066231864,
       0.27716255729442263, 0.27647261384058786},
      {"BOLD_task001_run001_bold_1slice.nii.gz", 25, 17, 0, 1.7664413325287736, -0.4233773443182896,
       5.018795067690469, 4.74737729167317},
      {"BOLD_task001_run001_bold_1slice.nii.gz", 20, 10, 0, -3.4323476744515893, 0.8388943823676956,
       -2.8031643476578716, -2.747762755168191},
  };
  std::string loaded;
  std::shared_ptr<const nl::io::ArrayDataset> run;
  fm::Design design;
  fm::GlmFit fit;
  fm::ContrastResult contrast;
  nl::analysis::NullProgress progress;
  for (const auto& c : cases) {
    if (c.file != loaded) {
      run = nl::test::fmri::load(nl::test::fmri::haxby(c.file));
      ASSERT_EQ(run->kind(), nl::io::DatasetKind::VoxelSeries);
      const double tr = fm::numberAttribute(*run, "tr");
      ASSERT_DOUBLE_EQ(tr, 2.5);
      fm::DesignOptions options;
      options.repetitionTime = tr;
      design = fm::buildDesign(events, fm::volumeCountOf(*run), options);
      const auto grid = fm::gridOf(*run, "run");
      fit = fm::fitGlm(design.matrix, run->values(), grid.voxelCount(), {}, {}, progress);
      EXPECT_EQ(fit.dof, 108.0);
      contrast = fm::computeContrast(fit, fm::conditionContrast("face - house", design));
      loaded = c.file;
    }
    const auto grid = fm::gridOf(*run, "run");
    const long v = static_cast<long>((c.k * grid.ny + c.j) * grid.nx + c.i);
    EXPECT_NEAR(fit.betas(3, v), c.betaFace, 1e-9) << c.file << " " << c.i << "," << c.j;
    EXPECT_NEAR(fit.betas(4, v), c.betaHouse, 1e-9);
    EXPECT_NEAR(contrast.t[v], c.t, 1e-9);
    EXPECT_NEAR(contrast.z[v], c.z, 1e-9);
  }
}

TEST(FmriGlm, CancelStopsTheFit) {
  class CancelAfterFirst final : public nl::analysis::Progress {
   public:
    void update(double, const std::string&) override { updated_ = true; }
    bool cancelRequested() const override { return updated_; }

   private:
    bool updated_ = false;
  };
  fm::DesignOptions options;
  options.repetitionTime = 2.0;
  const auto design = fm::buildDesign(alternatingBlocks(100.0), 50, options);
  std::vector<double> series(50 * 40000, 1.0);
  for (std::size_t i = 0; i < series.size(); ++i) series[i] += std::sin(0.1 * double(i));
  fm::GlmOptions glm;
  glm.voxelsPerBlock = 100;  // 400 blocks: cancellation lands before the end
  // One thread: with two, the caller looks at cancellation every 50 ms, and
  // a quiet machine finished all 400 blocks before the first look (seen in
  // a clean-clone CI run).
  glm.threads = 1;
  CancelAfterFirst progress;
  EXPECT_THROW(fm::fitGlm(design.matrix, series, 40000, {}, glm, progress),
               nl::analysis::Cancelled);
}

TEST(FmriGlm, EveryStoragePathGivesTheDirectLeastSquaresFit) {
  // Doubles are multiplied in place, int16 runs widened block by block, a
  // voxel subset gathered; percent scaling is applied to the products, not
  // the data. All must equal the textbook fit: scale, pinv, residuals.
  fm::DesignOptions options;
  options.repetitionTime = 2.0;
  const std::size_t scans = 60, voxels = 37;
  const auto design = fm::buildDesign(alternatingBlocks(120.0), scans, options);
  Normal normal(11);
  std::vector<std::int16_t> stored(scans * voxels);
  for (std::size_t t = 0; t < scans; ++t)
    for (std::size_t v = 0; v < voxels; ++v)
      // Means from 0.3 (below nilearn's floor of 1) to ~30,000: large means
      // are where sums of squares lose digits without shifting.
      stored[t * voxels + v] = static_cast<std::int16_t>(
          std::lround((v == 0 ? 0.3 : 800.0 * static_cast<double>(v)) +
                      4.0 * design.matrix(static_cast<long>(t), 0) * static_cast<double>(v % 3) +
                      (v == 0 ? 0.0 : 3.0 * normal())));
  const std::vector<double> asDoubles(stored.begin(), stored.end());
  const auto typed = nl::io::TypedArray::fromVector(stored);
  nl::analysis::NullProgress progress;
  const std::vector<std::size_t> subset{3, 17, 36};
  for (const bool scale : {true, false}) {
    fm::GlmOptions glm;
    glm.percentSignalChange = scale;
    glm.voxelsPerBlock = 8;  // several blocks, a short last one
    const auto inPlace = fm::fitGlm(design.matrix, asDoubles, voxels, {}, glm, progress);
    const auto widened = fm::fitGlm(design.matrix, typed, voxels, {}, glm, progress);
    const auto gathered = fm::fitGlm(design.matrix, asDoubles, voxels, subset, glm, progress);
    const Eigen::MatrixXd pinv =
        Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd>(design.matrix).pseudoInverse();
    for (std::size_t v = 0; v < voxels; ++v) {
      Eigen::VectorXd y(static_cast<long>(scans));
      for (std::size_t t = 0; t < scans; ++t) y[static_cast<long>(t)] = asDoubles[t * voxels + v];
      if (scale) y = 100.0 * (y.array() / std::max(1.0, y.mean()) - 1.0);
      const Eigen::VectorXd beta = pinv * y;
      const double variance = (y - design.matrix * beta).squaredNorm() / inPlace.dof;
      const auto column = static_cast<long>(v);
      for (const auto* fit : {&inPlace, &widened}) {
        EXPECT_LT((fit->betas.col(column) - beta).norm(), 1e-9 * std::max(1.0, beta.norm()))
            << "voxel " << v << (scale ? " scaled" : " unscaled");
        EXPECT_NEAR(fit->residualVariance[column], variance, 1e-9 * std::max(1.0, variance))
            << "voxel " << v << (scale ? " scaled" : " unscaled");
      }
      for (std::size_t s = 0; s < subset.size(); ++s)
        if (subset[s] == v) {
          EXPECT_LT((gathered.betas.col(static_cast<long>(s)) - beta).norm(),
                    1e-9 * std::max(1.0, beta.norm()));
          EXPECT_NEAR(gathered.residualVariance[static_cast<long>(s)], variance,
                      1e-9 * std::max(1.0, variance));
        }
    }
  }
}
