#pragma once
// The task-level objective: how well the percepts of a set of images match
// the images, with its gradient with respect to the phosphene positions.
//
// Encoding (image → per-electrode amplitude):
//  - Sampled: I_i = Imin + (Imax − Imin)·T̃(c_i) (off below offBelow), T̃ the target blurred by
//    samplingBlurDeg and sampled bilinearly at the phosphene centre (dynaphos'
//    "center" sampling on a receptive-field-smoothed image); size and
//    brightness follow from I_i.
//  - LeastSquares: sizes at a fixed amplitude (Iref), brightnesses b solving
//    min ‖G b − T‖² + λ‖b‖² (ridge); the gradient with respect to positions
//    is exact by the envelope theorem (∂L/∂b = 0 at the solution). The
//    amplitudes reported are B⁻¹(clamp(b, 0, 1)).
// Loss per image: wMse·MSE(P, T) + wSsim·(1 − SSIM(P, T)), SSIM with
// Wang et al. 2004's constants (K1 0.01, K2 0.03, L 1) and an 11-tap Gaussian
// window of σ 1.5 px; the objective is the mean over images.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "analysis/prosthesis/Phosphene.h"

namespace nl::analysis::prosthesis {

enum class Encoding { Sampled, LeastSquares };
Encoding parseEncoding(const std::string& name);  // "sampled", "least_squares"

struct ObjectiveOptions {
  Encoding encoding = Encoding::Sampled;
  // A at the lowest intensity that is on; ≤ 0: the brightness curve's
  // threshold (the weakest current that gives a phosphene), resolved by the
  // constructor (options() shows the value used).
  double minAmplitude = 0;
  // Intensities below offBelow switch the electrode off (amplitude 0, as
  // dynaphos does for sub-threshold currents); between offBelow and twice
  // that its brightness fades in (smoothstep), so the loss stays smooth.
  double offBelow = 0.05;
  double maxAmplitude = 100e-6;       // A, for intensity 1
  double referenceAmplitude = 60e-6;  // A: sizes of the least-squares encoding
  double ridge = 1e-3;                // λ
  // Sampled encoding reads the target blurred by a Gaussian of this σ
  // (degrees; 0: the pixel itself): the phosphene's receptive field, and a
  // gradient that pulls electrodes towards nearby strokes.
  double samplingBlurDeg = 0.75;
  double mseWeight = 1.0;
  double ssimWeight = 0.1;
  int threads = 0;  // 0: hardware concurrency; results do not depend on it
};

// A target on the grid, values in [0, 1].
struct TaskImage {
  std::string name;
  Image pixels;
};

struct ImageScore {
  double mse = 0;
  double ssim = 0;
  double loss = 0;
};

struct ObjectiveValue {
  double loss = 0;  // mean over images
  double mse = 0;   // means
  double ssim = 0;
  std::vector<ImageScore> perImage;
  // ∂loss/∂(x, y) of each phosphene centre (2 × n), when asked for.
  Eigen::Matrix2Xd gradient;
};

// The forward model from phosphene centres to percepts and scores. Centres
// outside the grid give no phosphene (zero gradient).
class PerceptObjective {
 public:
  PerceptObjective(VisualFieldGrid grid, PhospheneModel model, BrightnessCurve brightness,
                   ObjectiveOptions options);
  const VisualFieldGrid& grid() const { return grid_; }
  const PhospheneModel& model() const { return model_; }
  const BrightnessCurve& brightness() const { return brightness_; }
  const ObjectiveOptions& options() const { return options_; }

  // Loss (and gradient when `withGradient`) over `images`. `active` (optional,
  // one per centre) switches electrodes off (not retinotopic, outside the
  // grid). Deterministic for any thread count.
  ObjectiveValue evaluate(const Eigen::Matrix2Xd& centers, std::span<const TaskImage> images,
                          bool withGradient, std::span<const std::uint8_t> active = {}) const;

  // The phosphenes (and amplitudes, A) the encoder gives for one image.
  std::vector<Phosphene> encode(const Eigen::Matrix2Xd& centers, const Image& target,
                                std::vector<double>* amplitudes = nullptr,
                                std::span<const std::uint8_t> active = {}) const;
  Image percept(const Eigen::Matrix2Xd& centers, const Image& target,
                std::vector<double>* amplitudes = nullptr,
                std::span<const std::uint8_t> active = {}) const;

 private:
  VisualFieldGrid grid_;
  PhospheneModel model_;
  BrightnessCurve brightness_;
  ObjectiveOptions options_;
  // Blurred targets of the sampled encoding, reused across evaluations
  // (matched by content, so a changed image is never served stale).
  struct SamplingCache;
  std::shared_ptr<SamplingCache> samplingCache_;
  Image samplingTarget(const Image& target) const;
};

// SSIM of two images of the same size (mean of the SSIM map, 'same' borders
// with the window renormalised), and its gradient with respect to `x`.
double ssim(const Image& x, const Image& y, Image* gradientX = nullptr);
double meanSquaredError(const Image& x, const Image& y);

// Fraction of grid pixels where at least one phosphene of the plan (each at
// `referenceAmplitude`) reaches half its peak.
double visualFieldCoverage(const PerceptObjective& objective, const Eigen::Matrix2Xd& centers,
                           std::span<const std::uint8_t> active = {});

// ---- Task images ----------------------------------------------------------

// Text in a built-in stroke font (A–Z, 0–9, space and . , - ' ! ?; other
// characters throw std::invalid_argument naming them), strokes of
// `strokeDeg` with a one-pixel antialiased edge, centred at (cx, cy), capital
// height `heightDeg`.
Image renderText(const std::string& text, const VisualFieldGrid& grid, double heightDeg,
                 double strokeDeg, double cx = 0, double cy = 0);

// An image (values as given) fitted into the grid: bilinear, aspect kept,
// centred, black around it.
Image fitImageToGrid(const Image& source, const VisualFieldGrid& grid);

// A greyscale image file resampled (bilinear, aspect kept, centred, the rest
// black) onto the grid, values in [0, 1]: PNG and JPEG (io/image/RasterImage:
// libpng, libjpeg-turbo), binary or ASCII PGM/PPM (P2, P3,
// P5, P6; 8 or 16 bit; colour averaged with Rec. 601 luma) and 2-D .npy
// (scaled by its maximum when above 1). Throws std::runtime_error naming the
// file and the problem.
Image readTaskImage(const std::filesystem::path& path, const VisualFieldGrid& grid);
// Every readable image of a folder (sorted by name; others are listed in
// `skipped` with the reason).
std::vector<TaskImage> readTaskImageFolder(const std::filesystem::path& folder,
                                           const VisualFieldGrid& grid,
                                           std::vector<std::string>* skipped = nullptr);

// The default reading task: `count` letters and short words rendered at
// several sizes and positions, deterministic for `seed`.
std::vector<TaskImage> letterTaskSet(const VisualFieldGrid& grid, int count, std::uint64_t seed);

}  // namespace nl::analysis::prosthesis
