#include "analysis/prosthesis/Phosphene.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace nl::analysis::prosthesis {

int VisualFieldGrid::width() const {
  return static_cast<int>(std::floor((xMax - xMin) / step + 1e-9)) + 1;
}
int VisualFieldGrid::height() const {
  return static_cast<int>(std::floor((yMax - yMin) / step + 1e-9)) + 1;
}

void VisualFieldGrid::validate() const {
  if (!(step > 0) || !std::isfinite(step))
    throw std::invalid_argument("visual-field grid: the step must be > 0 degrees");
  if (!(xMax > xMin) || !(yMax > yMin))
    throw std::invalid_argument("visual-field grid: the extent is empty");
  if (static_cast<double>(width()) * height() > 4096.0 * 4096.0)
    throw std::invalid_argument("visual-field grid: more than 4096² pixels (" +
                                std::to_string(width()) + " × " + std::to_string(height()) + ")");
}

VisualFieldGrid VisualFieldGrid::square(double halfExtentDeg, double stepDeg) {
  VisualFieldGrid grid{-halfExtentDeg, halfExtentDeg, -halfExtentDeg, halfExtentDeg, stepDeg};
  grid.validate();
  return grid;
}

// ---- dynaphos parameters ---------------------------------------------------

namespace {

// The two-level "section:\n  key: value # comment" subset params.yaml uses.
std::map<std::string, std::string> readYamlScalars(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path.string() + ": cannot open the dynaphos parameter file");
  std::map<std::string, std::string> out;
  std::string line, section;
  while (std::getline(in, line)) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (line.empty()) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const bool indented = std::isspace(static_cast<unsigned char>(line.front()));
    auto trim = [](std::string s) {
      const auto b = s.find_first_not_of(" \t");
      const auto e = s.find_last_not_of(" \t");
      return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    const std::string key = trim(line.substr(0, colon));
    const std::string value = trim(line.substr(colon + 1));
    if (!indented) {
      section = key;
      if (!value.empty()) out[key] = value;
    } else {
      out[section + "." + key] = value;
    }
  }
  return out;
}

}  // namespace

DynaphosConfig readDynaphosParameters(const std::filesystem::path& path) {
  const auto values = readYamlScalars(path);
  DynaphosConfig config;
  auto number = [&](const std::string& key, double& target) {
    const auto found = values.find(key);
    if (found == values.end()) return;
    try {
      std::size_t used = 0;
      const double value = std::stod(found->second, &used);
      if (used != found->second.size()) throw std::invalid_argument("trailing text");
      target = value;
    } catch (const std::exception&) {
      throw std::runtime_error(path.string() + ": '" + key + "' is '" + found->second +
                               "', not a number");
    }
  };
  auto& b = config.brightness;
  number("thresholding.rheobase", b.rheobase);
  number("default_stim.pw_default", b.pulseWidth);
  number("default_stim.freq_default", b.frequency);
  number("temporal_dynamics.activation_decay_per_second", b.activationDecayPerSecond);
  number("temporal_dynamics.trace_decay_per_second", b.traceDecayPerSecond);
  number("temporal_dynamics.trace_increase_rate", b.traceIncreaseRate);
  number("brightness_saturation.cps_half", b.cpsHalf);
  number("brightness_saturation.slope_brightness", b.slopeBrightness);
  number("thresholding.activation_threshold", b.activationThreshold);
  if (const auto found = values.find("thresholding.use_threshold"); found != values.end())
    b.useThreshold = found->second == "True" || found->second == "true";
  auto& m = config.map;
  if (const auto found = values.find("cortex_model.model"); found != values.end())
    m.model = parseMapModel(found->second);
  number("cortex_model.k", m.k);
  number("cortex_model.a", m.a);
  number("cortex_model.b", m.b);
  double alpha = m.alpha[0];
  number("cortex_model.alpha", alpha);
  m.alpha = {alpha, alpha, alpha};
  number("size.current_spread", config.currentSpread);
  number("size.radius_to_sigma", config.radiusToSigma);
  return config;
}

// ---- brightness --------------------------------------------------------------

double BrightnessCurve::simulate(const BrightnessParameters& p, double amplitude,
                                 double* peakActivation) {
  // dynaphos' Activation and Trace leaky integrators, stepped as its
  // GaussianSimulator.update does (extra sub-steps when decay > frame rate).
  const double gamma = -std::log(p.activationDecayPerSecond);
  const int activationSteps = std::max(1, static_cast<int>(std::ceil(gamma / p.fps)));
  const double traceDecay = -std::log(p.traceDecayPerSecond);
  const int traceSteps = std::max(1, static_cast<int>(std::ceil(traceDecay / p.fps)));
  const double traceA = -traceDecay / p.fps / traceSteps;
  const double traceB = p.traceIncreaseRate / p.fps / traceSteps;
  const int frames = std::max(1, static_cast<int>(std::lround(p.trainDuration * p.fps)));
  double activation = 0, trace = 0, peak = 0;
  for (int f = 0; f < frames; ++f) {
    const double charge =
        std::max(0.0, (amplitude - (trace + p.rheobase)) * p.pulseWidth * p.frequency);
    for (int s = 0; s < activationSteps; ++s)
      activation += (-activation * gamma + charge) / p.fps / activationSteps;
    for (int s = 0; s < traceSteps; ++s) trace += traceA * trace + traceB * charge;
    peak = std::max(peak, activation);
  }
  if (peakActivation) *peakActivation = peak;
  if (p.useThreshold && !(peak > p.activationThreshold)) return 0.0;
  return 1.0 / (1.0 + std::exp(-p.slopeBrightness * (peak - p.cpsHalf)));
}

BrightnessCurve::BrightnessCurve(const BrightnessParameters& parameters, double maxAmplitude,
                                 int nodes)
    : maxAmplitude_(maxAmplitude) {
  if (!(maxAmplitude > 0) || nodes < 2)
    throw std::invalid_argument("brightness curve: the amplitude range must be > 0 A");
  table_.resize(static_cast<std::size_t>(nodes));
  for (int i = 0; i < nodes; ++i)
    table_[static_cast<std::size_t>(i)] = simulate(parameters, maxAmplitude * i / (nodes - 1));
}

double BrightnessCurve::operator()(double amplitude, double* derivative) const {
  const double h = maxAmplitude_ / static_cast<double>(table_.size() - 1);
  const double position = std::clamp(amplitude, 0.0, maxAmplitude_) / h;
  const auto i = std::min(static_cast<std::size_t>(position), table_.size() - 2);
  const double t = position - static_cast<double>(i);
  if (derivative)
    *derivative =
        (amplitude < 0 || amplitude > maxAmplitude_) ? 0.0 : (table_[i + 1] - table_[i]) / h;
  return table_[i] + t * (table_[i + 1] - table_[i]);
}

double BrightnessCurve::inverse(double brightness) const {
  double lo = 0, hi = maxAmplitude_;
  if (brightness <= (*this)(lo)) return lo;
  if (brightness >= (*this)(hi)) return hi;
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    ((*this)(mid) < brightness ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

// ---- phosphenes --------------------------------------------------------------

PhospheneModelKind parsePhospheneModel(const std::string& name) {
  if (name == "gaussian" || name == "dynaphos") return PhospheneModelKind::Gaussian;
  if (name == "scoreboard") return PhospheneModelKind::Scoreboard;
  throw std::invalid_argument("unknown phosphene model '" + name +
                              "' (use gaussian or scoreboard)");
}

double phospheneSigma(const PhospheneModel& model, double amplitude, double eccentricity,
                      double* dSigmaDAmplitude, double* dSigmaDEccentricity) {
  const double m = model.magnification.magnification(eccentricity);
  const double dm = model.magnification.magnificationDerivative(eccentricity);
  double size, dSize;  // in mm of cortex
  if (model.kind == PhospheneModelKind::Scoreboard) {
    size = model.scoreboardRho;
    dSize = 0;
  } else {
    const double spread = std::max(amplitude, 0.0) / model.currentSpread;
    size = model.sizeFactor * std::sqrt(spread);
    dSize = spread > 0 ? model.sizeFactor * 0.5 / (std::sqrt(spread) * model.currentSpread) : 0;
  }
  double sigma = size / m;
  if (sigma < model.minSigma) {
    if (dSigmaDAmplitude) *dSigmaDAmplitude = 0;
    if (dSigmaDEccentricity) *dSigmaDEccentricity = 0;
    return model.minSigma;
  }
  if (dSigmaDAmplitude) *dSigmaDAmplitude = dSize / m;
  if (dSigmaDEccentricity) *dSigmaDEccentricity = -size * dm / (m * m);
  return sigma;
}

namespace {

struct Window {
  int c0, c1, r0, r1;  // inclusive; empty when c0 > c1 or r0 > r1
};

Window windowOf(const Phosphene& p, const VisualFieldGrid& grid, double windowSigmas) {
  const double reach = windowSigmas * p.sigma;
  const int w = grid.width(), h = grid.height();
  Window out;
  out.c0 = std::max(0, static_cast<int>(std::ceil((p.center.x - reach - grid.xMin) / grid.step)));
  out.c1 =
      std::min(w - 1, static_cast<int>(std::floor((p.center.x + reach - grid.xMin) / grid.step)));
  out.r0 = std::max(0, static_cast<int>(std::ceil((grid.yMax - (p.center.y + reach)) / grid.step)));
  out.r1 =
      std::min(h - 1, static_cast<int>(std::floor((grid.yMax - (p.center.y - reach)) / grid.step)));
  return out;
}

}  // namespace

Image renderPercept(std::span<const Phosphene> phosphenes, const VisualFieldGrid& grid,
                    double windowSigmas) {
  Image out = Image::Zero(grid.height(), grid.width());
  std::vector<double> gx;
  for (const auto& p : phosphenes) {
    if (p.brightness == 0 || !(p.sigma > 0)) continue;
    const auto win = windowOf(p, grid, windowSigmas);
    if (win.c0 > win.c1 || win.r0 > win.r1) continue;
    const double inv = 1.0 / (2 * p.sigma * p.sigma);
    // The Gaussian is separable: one row of x factors, one y factor per row.
    gx.resize(static_cast<std::size_t>(win.c1 - win.c0 + 1));
    for (int c = win.c0; c <= win.c1; ++c) {
      const double dx = grid.xOf(c) - p.center.x;
      gx[static_cast<std::size_t>(c - win.c0)] = std::exp(-dx * dx * inv);
    }
    for (int r = win.r0; r <= win.r1; ++r) {
      const double dy = grid.yOf(r) - p.center.y;
      const double fy = p.brightness * std::exp(-dy * dy * inv);
      double* row = out.row(r).data();
      for (int c = win.c0; c <= win.c1; ++c)
        row[c] += fy * gx[static_cast<std::size_t>(c - win.c0)];
    }
  }
  return out;
}

void renderPerceptAdjoint(std::span<const Phosphene> phosphenes, const VisualFieldGrid& grid,
                          const Image& perceptGradient, Eigen::MatrixX4d& gradient,
                          double windowSigmas) {
  if (gradient.rows() != static_cast<Eigen::Index>(phosphenes.size()))
    gradient = Eigen::MatrixX4d::Zero(static_cast<Eigen::Index>(phosphenes.size()), 4);
  std::vector<double> gx, dx;
  for (std::size_t i = 0; i < phosphenes.size(); ++i) {
    const auto& p = phosphenes[i];
    if (!(p.sigma > 0)) continue;
    const auto win = windowOf(p, grid, windowSigmas);
    if (win.c0 > win.c1 || win.r0 > win.r1) continue;
    const double s2 = p.sigma * p.sigma;
    const double inv = 1.0 / (2 * s2);
    const auto n = static_cast<std::size_t>(win.c1 - win.c0 + 1);
    gx.resize(n);
    dx.resize(n);
    for (int c = win.c0; c <= win.c1; ++c) {
      const auto k = static_cast<std::size_t>(c - win.c0);
      dx[k] = grid.xOf(c) - p.center.x;
      gx[k] = std::exp(-dx[k] * dx[k] * inv);
    }
    // With g = exp(−(dx² + dy²)/2σ²) and R = ∂L/∂P:
    // ∂L/∂b = Σ R g; ∂L/∂cx = b Σ R g dx/σ²; ∂L/∂cy = b Σ R g dy/σ²;
    // ∂L/∂σ = b Σ R g (dx² + dy²)/σ³.
    double sumG = 0, sumGx = 0, sumGy = 0, sumGr = 0;
    for (int r = win.r0; r <= win.r1; ++r) {
      const double dy = grid.yOf(r) - p.center.y;
      const double fy = std::exp(-dy * dy * inv);
      const double* row = perceptGradient.row(r).data();
      double rowG = 0, rowGx = 0, rowGxx = 0;
      for (std::size_t k = 0; k < n; ++k) {
        const double rg = row[win.c0 + static_cast<int>(k)] * gx[k];
        rowG += rg;
        rowGx += rg * dx[k];
        rowGxx += rg * dx[k] * dx[k];
      }
      sumG += fy * rowG;
      sumGx += fy * rowGx;
      sumGy += fy * rowG * dy;
      sumGr += fy * (rowGxx + rowG * dy * dy);
    }
    const auto row = static_cast<Eigen::Index>(i);
    gradient(row, 0) += p.brightness * sumGx / s2;
    gradient(row, 1) += p.brightness * sumGy / s2;
    gradient(row, 2) += p.brightness * sumGr / (s2 * p.sigma);
    gradient(row, 3) += sumG;
  }
}

Image renderScoreboard(std::span<const CorticalPoint> electrodes,
                       std::span<const double> amplitudes, const AnalyticMap& map,
                       Hemisphere hemisphere, int area, double rho, const VisualFieldGrid& grid) {
  if (electrodes.size() != amplitudes.size())
    throw std::invalid_argument("scoreboard: " + std::to_string(electrodes.size()) +
                                " electrodes but " + std::to_string(amplitudes.size()) +
                                " amplitudes");
  Image out = Image::Zero(grid.height(), grid.width());
  const double inv = 1.0 / (2 * rho * rho);
  const double mirror = hemisphere == Hemisphere::Left ? 1.0 : -1.0;
  for (int r = 0; r < grid.height(); ++r)
    for (int c = 0; c < grid.width(); ++c) {
      const VisualFieldPoint field{grid.xOf(c), grid.yOf(r)};
      if (mirror * field.x < 0) continue;  // the other hemisphere's field
      const auto w = map.toCortex(field, hemisphere, area);
      if (!std::isfinite(w.x) || !std::isfinite(w.y)) continue;
      double sum = 0;
      for (std::size_t i = 0; i < electrodes.size(); ++i) {
        const double dx = w.x - electrodes[i].x, dy = w.y - electrodes[i].y;
        sum += amplitudes[i] * std::exp(-(dx * dx + dy * dy) * inv);
      }
      out(r, c) = sum;
    }
  return out;
}

}  // namespace nl::analysis::prosthesis
