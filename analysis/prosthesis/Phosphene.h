#pragma once
// Phosphenes and percepts on a visual-field grid.
//
// Gaussian model (dynaphos, van der Grinten et al. 2024): electrode i gives a
// Gaussian at its visual-field position c_i with
//   σ_i = f · √(I_i / K) / M(r_i)          (degrees)
// (current spread I/K in mm², Tehovnik 2007; M the cortical magnification of
// the map at the phosphene's eccentricity r_i; dynaphos' code uses f = 0.5 —
// its radius_to_sigma — its paper and pulse2percept f = 1; our default is
// f = 0.5, dynaphos' shipped value) and peak brightness B(I_i) from dynaphos'
// activation + sigmoid (below). The percept is Σ_i B_i·exp(−|p − c_i|²/2σ_i²),
// not clipped (the objective compares it with targets in [0, 1]).
//
// Scoreboard model (pulse2percept's ScoreboardModel on cortex):
// Σ_i amp_i · exp(−d_i²/2ρ²) with d_i the cortical distance, ρ = 200 µm; on
// an analytic map the distance is exact (every pixel mapped to cortex), on a
// surface it is linearised through the local magnification (σ_i = ρ/M(r_i)).
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "analysis/prosthesis/Retinotopy.h"

namespace nl::analysis::prosthesis {

// Row-major image on the grid: row 0 is the top (y = yMax), column 0 the left.
using Image = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct VisualFieldGrid {
  double xMin = -10, xMax = 10;  // degrees, pixel centres at the ends
  double yMin = -10, yMax = 10;
  double step = 0.25;  // degrees per pixel
  int width() const;   // (xMax − xMin)/step + 1
  int height() const;
  double xOf(int column) const { return xMin + column * step; }
  double yOf(int row) const { return yMax - row * step; }
  // Throws std::invalid_argument for step ≤ 0, empty or > 4096² grids.
  void validate() const;
  static VisualFieldGrid square(double halfExtentDeg, double stepDeg);
};

// dynaphos' stimulation → brightness path for one pulse train, the way
// GaussianSimulator.update runs it frame by frame: effective charge
// Q = relu((I − rheobase − trace)·pw·freq); activation A += (−γA + Q)/fps;
// trace += −δ·trace/fps + s·Q/fps; brightness = sigmoid(slope·(max A − cps_half)).
// Defaults are dynaphos' params.yaml; the train is Fernández 2021 fig. 6A's
// (166 ms of pulses at 300 Hz, 170 µs, simulated at 500 fps).
struct BrightnessParameters {
  double rheobase = 23.9e-6;     // A
  double pulseWidth = 170e-6;    // s
  double frequency = 300;        // Hz
  double trainDuration = 0.166;  // s of stimulation
  double fps = 500;              // simulation frames per second
  double activationDecayPerSecond = 0.00012340980408667956;
  double traceDecayPerSecond = 0.99949191;
  double traceIncreaseRate = 13.95528162;
  double cpsHalf = 1.057631326853325e-07;
  double slopeBrightness = 19152642.500946816;
  // dynaphos draws a threshold per electrode around this mean; the static
  // model uses the mean: no phosphene (brightness 0) below it.
  bool useThreshold = true;
  double activationThreshold = 9.141886000943878e-08;
};

// Reads the parameters dynaphos keeps in its params.yaml (the
// temporal_dynamics, brightness_saturation, thresholding, default_stim and
// run.fps keys; cortex_model and size into the other out-parameters when
// given). A missing key keeps its default; an unreadable file or a value that
// is not a number throws std::runtime_error naming the file and the key.
struct DynaphosConfig {
  BrightnessParameters brightness;
  MapParameters map = MapParameters::dynaphos();
  double currentSpread = 675e-6;  // A/mm²
  double radiusToSigma = 0.5;
};
DynaphosConfig readDynaphosParameters(const std::filesystem::path& path);

// B(I) and dB/dI on a table of the simulated train (exact at the nodes,
// linear between; 0 ≤ I ≤ maxAmplitude), so the optimizer can call it often.
class BrightnessCurve {
 public:
  explicit BrightnessCurve(const BrightnessParameters& parameters = {},
                           double maxAmplitude = 200e-6, int nodes = 2001);
  // The train simulated directly (slow; used to build the table and in tests).
  static double simulate(const BrightnessParameters& parameters, double amplitude,
                         double* peakActivation = nullptr);
  double operator()(double amplitude, double* derivative = nullptr) const;
  // The amplitude giving brightness b (bisection on the table), for encoders
  // that solve for brightness; clamps to the table's range.
  double inverse(double brightness) const;
  double maxAmplitude() const { return maxAmplitude_; }

 private:
  double maxAmplitude_;
  std::vector<double> table_;
};

enum class PhospheneModelKind { Gaussian, Scoreboard };
PhospheneModelKind parsePhospheneModel(const std::string& name);  // "gaussian", "scoreboard"

struct PhospheneModel {
  PhospheneModelKind kind = PhospheneModelKind::Gaussian;
  double sizeFactor = 0.5;        // f
  double currentSpread = 675e-6;  // K, A/mm²
  double scoreboardRho = 0.2;     // mm
  double minSigma = 0.01;         // degrees: keeps σ finite at zero current
  double windowSigmas = 3.5;      // Gaussians are evaluated within ±windowSigmas·σ
  // Pixel averaging: a phosphene is drawn as its Gaussian averaged over the
  // pixel (σ² + step²/12, peak scaled to keep its integral), so phosphenes
  // smaller than a pixel stay visible in proportion and smooth to optimize.
  bool pixelAverage = true;
  AnalyticMap magnification;  // M(r) (the map's, also for surface retinotopy)
};

// One phosphene as the renderer needs it.
struct Phosphene {
  VisualFieldPoint center;
  double sigma = 0.1;     // degrees
  double brightness = 0;  // peak
};

// σ of an electrode at eccentricity r driven with `amplitude` (A); with
// derivatives ∂σ/∂I and ∂σ/∂r when asked.
double phospheneSigma(const PhospheneModel& model, double amplitude, double eccentricity,
                      double* dSigmaDAmplitude = nullptr, double* dSigmaDEccentricity = nullptr);

// Σ brightness·Gaussian on the grid.
Image renderPercept(std::span<const Phosphene> phosphenes, const VisualFieldGrid& grid,
                    double windowSigmas = 3.5);

// Adjoint of renderPercept: given ∂L/∂percept, accumulates ∂L/∂(cx, cy, σ,
// brightness) per phosphene (rows of `gradient`, n × 4; added to).
void renderPerceptAdjoint(std::span<const Phosphene> phosphenes, const VisualFieldGrid& grid,
                          const Image& perceptGradient, Eigen::MatrixX4d& gradient,
                          double windowSigmas = 3.5);

// The scoreboard on an analytic map: every pixel mapped to cortex (hemifield
// of `hemisphere`), Σ amp·exp(−|w_pixel − w_i|²/2ρ²) with w_i the electrodes'
// cortical positions (mm) and amplitudes in [0, 1].
Image renderScoreboard(std::span<const CorticalPoint> electrodes,
                       std::span<const double> amplitudes, const AnalyticMap& map,
                       Hemisphere hemisphere, int area, double rho, const VisualFieldGrid& grid);

}  // namespace nl::analysis::prosthesis
