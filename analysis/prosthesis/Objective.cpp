#include "analysis/prosthesis/Objective.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include <Eigen/Cholesky>

#include "io/ResourceLimits.h"

namespace nl::analysis::prosthesis {

Encoding parseEncoding(const std::string& name) {
  if (name == "sampled") return Encoding::Sampled;
  if (name == "least_squares" || name == "least-squares") return Encoding::LeastSquares;
  throw std::invalid_argument("unknown encoding '" + name + "' (use sampled or least_squares)");
}

// ---- SSIM ----------------------------------------------------------------------

namespace {

constexpr int kSsimRadius = 5;  // 11 taps
constexpr double kSsimSigma = 1.5;

const std::array<double, 2 * kSsimRadius + 1>& ssimKernel() {
  static const auto kernel = [] {
    std::array<double, 2 * kSsimRadius + 1> k{};
    double sum = 0;
    for (int i = -kSsimRadius; i <= kSsimRadius; ++i)
      sum += k[static_cast<std::size_t>(i + kSsimRadius)] =
          std::exp(-0.5 * i * i / (kSsimSigma * kSsimSigma));
    for (double& v : k) v /= sum;
    return k;
  }();
  return kernel;
}

// Separable Gaussian with zero padding ('same' size); symmetric, so its own adjoint.
Image blur(const Image& in) {
  const auto& k = ssimKernel();
  const int h = static_cast<int>(in.rows()), w = static_cast<int>(in.cols());
  Image tmp = Image::Zero(h, w), out = Image::Zero(h, w);
  for (int r = 0; r < h; ++r)
    for (int c = 0; c < w; ++c) {
      double s = 0;
      for (int t = -kSsimRadius; t <= kSsimRadius; ++t) {
        const int cc = c + t;
        if (cc >= 0 && cc < w) s += k[static_cast<std::size_t>(t + kSsimRadius)] * in(r, cc);
      }
      tmp(r, c) = s;
    }
  for (int r = 0; r < h; ++r)
    for (int c = 0; c < w; ++c) {
      double s = 0;
      for (int t = -kSsimRadius; t <= kSsimRadius; ++t) {
        const int rr = r + t;
        if (rr >= 0 && rr < h) s += k[static_cast<std::size_t>(t + kSsimRadius)] * tmp(rr, c);
      }
      out(r, c) = s;
    }
  return out;
}

}  // namespace

double meanSquaredError(const Image& x, const Image& y) {
  if (x.rows() != y.rows() || x.cols() != y.cols())
    throw std::invalid_argument("MSE of images of different sizes");
  return (x - y).array().square().mean();
}

double ssim(const Image& x, const Image& y, Image* gradientX) {
  if (x.rows() != y.rows() || x.cols() != y.cols())
    throw std::invalid_argument("SSIM of images of different sizes");
  constexpr double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
  // W(f) = blur(f)/blur(1): the window renormalised at the borders.
  // 1 / blur(1), the same for every image of a size: computed once per thread.
  thread_local Image inv;
  if (inv.rows() != x.rows() || inv.cols() != x.cols())
    inv = blur(Image::Ones(x.rows(), x.cols())).cwiseInverse();
  auto window = [&](const Image& f) { return Image(blur(f).cwiseProduct(inv)); };
  const Image mx = window(x), my = window(y);
  const Image exx = window(x.cwiseProduct(x)), eyy = window(y.cwiseProduct(y));
  const Image exy = window(x.cwiseProduct(y));
  const auto a1 = (2 * mx.array() * my.array() + c1).eval();
  const auto a2 = (2 * (exy.array() - mx.array() * my.array()) + c2).eval();
  const auto b1 = (mx.array().square() + my.array().square() + c1).eval();
  const auto b2 =
      (exx.array() - mx.array().square() + eyy.array() - my.array().square() + c2).eval();
  const auto s = (a1 * a2 / (b1 * b2)).eval();
  const double value = s.mean();
  if (gradientX) {
    const double n = static_cast<double>(x.size());
    const auto dA1 = (a2 / (b1 * b2)).eval(), dA2 = (a1 / (b1 * b2)).eval();
    const auto dB1 = (-s / b1).eval(), dB2 = (-s / b2).eval();
    Image gm =
        (dA1 * 2 * my.array() - dA2 * 2 * my.array() + dB1 * 2 * mx.array() - dB2 * 2 * mx.array())
            .matrix();
    Image gxx = dB2.matrix();
    Image gxy = (2 * dA2).matrix();
    // Adjoint of W: blur(h / blur(1)).
    const Image wm = blur(gm.cwiseProduct(inv)), wxx = blur(gxx.cwiseProduct(inv)),
                wxy = blur(gxy.cwiseProduct(inv));
    *gradientX =
        ((wm.array() + 2 * x.array() * wxx.array() + y.array() * wxy.array()) / n).matrix();
  }
  return value;
}

// ---- the objective ---------------------------------------------------------------

// Bounded in bytes (io::ResourceLimits::analysisCacheBytes): the oldest
// pairs go first.
struct PerceptObjective::SamplingCache {
  std::mutex mutex;
  // hash → (target, blurred)
  std::unordered_map<std::uint64_t, std::vector<std::pair<Image, Image>>> entries;
  std::deque<std::uint64_t> order;  // hash of each pair, oldest first
  std::size_t bytes = 0;
  std::size_t limit = io::resourceLimits().analysisCacheBytes;

  static std::size_t cost(const Image& target) {
    return 2 * static_cast<std::size_t>(target.size()) * sizeof(double) + 64;
  }
  void insert(std::uint64_t hash, const Image& target, const Image& blurred) {
    const std::size_t c = cost(target);
    if (c > limit) return;
    while (bytes + c > limit && !order.empty()) {
      auto& bucket = entries[order.front()];
      bytes -= cost(bucket.front().first);
      bucket.erase(bucket.begin());  // pairs in a bucket are in insertion order too
      if (bucket.empty()) entries.erase(order.front());
      order.pop_front();
    }
    entries[hash].emplace_back(target, blurred);
    order.push_back(hash);
    bytes += c;
  }
};

PerceptObjective::PerceptObjective(VisualFieldGrid grid, PhospheneModel model,
                                   BrightnessCurve brightness, ObjectiveOptions options)
    : grid_(grid),
      model_(std::move(model)),
      brightness_(std::move(brightness)),
      options_(options),
      samplingCache_(std::make_shared<SamplingCache>()) {
  grid_.validate();
  if (options_.minAmplitude <= 0) options_.minAmplitude = brightness_.inverse(1e-9);
  if (!(options_.offBelow >= 0) || options_.offBelow >= 0.5)
    throw std::invalid_argument("objective: offBelow must be in [0, 0.5)");
  if (!(options_.maxAmplitude > options_.minAmplitude))
    throw std::invalid_argument("objective: need 0 ≤ minimum amplitude < maximum amplitude");
  if (options_.maxAmplitude > brightness_.maxAmplitude() * (1 + 1e-12))
    throw std::invalid_argument("objective: the maximum amplitude exceeds the brightness table");
  if (options_.mseWeight < 0 || options_.ssimWeight < 0)
    throw std::invalid_argument("objective: loss weights must be ≥ 0");
}

namespace {

struct Sample {
  double value = 0;
  double dx = 0, dy = 0;  // ∂value/∂(field x, field y)
};

// Bilinear, pixel centres on the grid; 0 outside.
Sample sampleImage(const Image& image, const VisualFieldGrid& grid, double x, double y) {
  const double fc = (x - grid.xMin) / grid.step, fr = (grid.yMax - y) / grid.step;
  const int w = static_cast<int>(image.cols()), h = static_cast<int>(image.rows());
  if (!(fc >= 0) || !(fr >= 0) || fc > w - 1 || fr > h - 1) return {};
  const int c0 = std::min(static_cast<int>(fc), w - 2), r0 = std::min(static_cast<int>(fr), h - 2);
  const double tc = fc - c0, tr = fr - r0;
  const double v00 = image(r0, c0), v01 = image(r0, c0 + 1), v10 = image(r0 + 1, c0),
               v11 = image(r0 + 1, c0 + 1);
  Sample s;
  s.value = (1 - tr) * ((1 - tc) * v00 + tc * v01) + tr * ((1 - tc) * v10 + tc * v11);
  const double dtc = (1 - tr) * (v01 - v00) + tr * (v11 - v10);
  const double dtr = (1 - tc) * (v10 - v00) + tc * (v11 - v01);
  s.dx = dtc / grid.step;
  s.dy = -dtr / grid.step;
  return s;
}

// The target as the encoder samples it: Gaussian-blurred (zero padding,
// renormalised at the borders so edges keep their level).
Image samplingImage(const Image& target, const VisualFieldGrid& grid, double blurDeg) {
  if (!(blurDeg > 0)) return target;
  const double sigma = blurDeg / grid.step;
  const int radius = std::max(1, static_cast<int>(std::ceil(3 * sigma)));
  std::vector<double> k(static_cast<std::size_t>(2 * radius + 1));
  for (int i = -radius; i <= radius; ++i)
    k[static_cast<std::size_t>(i + radius)] = std::exp(-0.5 * i * i / (sigma * sigma));
  const int h = static_cast<int>(target.rows()), w = static_cast<int>(target.cols());
  auto pass = [&](const Image& in, bool alongRows) {
    Image out(h, w);
    for (int r = 0; r < h; ++r)
      for (int c = 0; c < w; ++c) {
        double sum = 0, weight = 0;
        for (int t = -radius; t <= radius; ++t) {
          const int rr = alongRows ? r + t : r, cc = alongRows ? c : c + t;
          if (rr < 0 || cc < 0 || rr >= h || cc >= w) continue;
          const double kw = k[static_cast<std::size_t>(t + radius)];
          sum += kw * in(rr, cc);
          weight += kw;
        }
        out(r, c) = sum / weight;
      }
    return out;
  };
  return pass(pass(target, false), true);
}

bool insideGrid(const VisualFieldGrid& grid, double x, double y) {
  return x >= grid.xMin && x <= grid.xMax && y >= grid.yMin && y <= grid.yMax;
}

// The ridge normal equations GᵀG + λI, Gᵀt of unit phosphene columns. A
// column is zero outside its window, so each product runs over the overlap
// of two boxes only (most pairs do not overlap at all).
void normalEquations(const std::vector<Image>& columns, const Image& target, double ridge,
                     Eigen::MatrixXd& gram, Eigen::VectorXd& rhs) {
  struct Box {
    Eigen::Index r0, r1, c0, c1;  // inclusive; r0 > r1 when empty
  };
  const auto k = static_cast<Eigen::Index>(columns.size());
  std::vector<Box> boxes(columns.size());
  for (std::size_t j = 0; j < columns.size(); ++j) {
    const Image& c = columns[j];
    Box b{c.rows(), -1, c.cols(), -1};
    for (Eigen::Index r = 0; r < c.rows(); ++r)
      for (Eigen::Index q = 0; q < c.cols(); ++q)
        if (c(r, q) != 0) {
          b.r0 = std::min(b.r0, r), b.r1 = std::max(b.r1, r);
          b.c0 = std::min(b.c0, q), b.c1 = std::max(b.c1, q);
        }
    boxes[j] = b;
  }
  gram = Eigen::MatrixXd::Zero(k, k);
  rhs = Eigen::VectorXd::Zero(k);
  for (Eigen::Index a = 0; a < k; ++a) {
    const Box& ba = boxes[static_cast<std::size_t>(a)];
    if (ba.r0 > ba.r1) continue;
    const Image& ca = columns[static_cast<std::size_t>(a)];
    rhs(a) = ca.block(ba.r0, ba.c0, ba.r1 - ba.r0 + 1, ba.c1 - ba.c0 + 1)
                 .cwiseProduct(target.block(ba.r0, ba.c0, ba.r1 - ba.r0 + 1, ba.c1 - ba.c0 + 1))
                 .sum();
    for (Eigen::Index b = a; b < k; ++b) {
      const Box& bb = boxes[static_cast<std::size_t>(b)];
      const Eigen::Index r0 = std::max(ba.r0, bb.r0), r1 = std::min(ba.r1, bb.r1);
      const Eigen::Index c0 = std::max(ba.c0, bb.c0), c1 = std::min(ba.c1, bb.c1);
      if (r0 > r1 || c0 > c1) continue;
      gram(a, b) = gram(b, a) = ca.block(r0, c0, r1 - r0 + 1, c1 - c0 + 1)
                                    .cwiseProduct(columns[static_cast<std::size_t>(b)].block(
                                        r0, c0, r1 - r0 + 1, c1 - c0 + 1))
                                    .sum();
    }
  }
  gram.diagonal().array() += ridge;
}

// Everything the encoder computed per electrode, for the chain rule.
// The fade-in of weak intensities: 0 below τ, smoothstep to 1 at 2τ.
double gate(double t, double tau, double* derivative) {
  if (tau <= 0) return *derivative = 0, t > 0 ? 1.0 : 0.0;
  const double u = (t - tau) / tau;
  if (u <= 0) return *derivative = 0, 0.0;
  if (u >= 1) return *derivative = 0, 1.0;
  *derivative = 6 * u * (1 - u) / tau;
  return u * u * (3 - 2 * u);
}

struct Encoded {
  std::vector<Phosphene> drawn;  // what is rendered (pixel-averaged)
  std::vector<double> dBdT;      // brightness change through the fade-in
  std::vector<double> amplitude, sigma, brightness, dBdI, dSdI, dSdR, dTdx, dTdy;
  std::vector<std::uint8_t> on;
};

}  // namespace

Image PerceptObjective::samplingTarget(const Image& target) const {
  if (!(options_.samplingBlurDeg > 0)) return target;
  // FNV-1a over the pixel bytes.
  std::uint64_t hash = 1469598103934665603ULL;
  const auto* bytes = reinterpret_cast<const unsigned char*>(target.data());
  for (std::size_t i = 0; i < static_cast<std::size_t>(target.size()) * sizeof(double); ++i)
    hash = (hash ^ bytes[i]) * 1099511628211ULL;
  auto& cache = *samplingCache_;
  {
    std::lock_guard lock(cache.mutex);
    if (const auto bucket = cache.entries.find(hash); bucket != cache.entries.end())
      for (const auto& [original, blurred] : bucket->second)
        if (original.rows() == target.rows() && original.cols() == target.cols() &&
            original == target)
          return blurred;
  }
  Image blurred = samplingImage(target, grid_, options_.samplingBlurDeg);
  std::lock_guard lock(cache.mutex);
  cache.insert(hash, target, blurred);
  return blurred;
}

ObjectiveValue PerceptObjective::evaluate(const Eigen::Matrix2Xd& centers,
                                          std::span<const TaskImage> images, bool withGradient,
                                          std::span<const std::uint8_t> active) const {
  const auto n = static_cast<std::size_t>(centers.cols());
  if (!active.empty() && active.size() != n)
    throw std::invalid_argument("objective: " + std::to_string(active.size()) +
                                " active flags for " + std::to_string(n) + " electrodes");
  for (const auto& image : images)
    if (image.pixels.rows() != grid_.height() || image.pixels.cols() != grid_.width())
      throw std::invalid_argument(
          "objective: image '" + image.name + "' is " + std::to_string(image.pixels.cols()) +
          " × " + std::to_string(image.pixels.rows()) + ", the grid " +
          std::to_string(grid_.width()) + " × " + std::to_string(grid_.height()));
  ObjectiveValue out;
  out.perImage.resize(images.size());
  std::vector<Eigen::Matrix2Xd> gradients(images.size());
  const double step2 = model_.pixelAverage ? grid_.step * grid_.step / 12.0 : 0.0;
  const double range = options_.maxAmplitude - options_.minAmplitude;

  auto work = [&](std::size_t m) {
    const Image& target = images[m].pixels;
    const Image sampled = options_.encoding == Encoding::Sampled ? samplingTarget(target) : Image();
    Encoded e;
    e.drawn.resize(n);
    for (auto* v :
         {&e.amplitude, &e.sigma, &e.brightness, &e.dBdI, &e.dSdI, &e.dSdR, &e.dTdx, &e.dTdy})
      v->assign(n, 0.0);
    e.on.assign(n, 0);
    e.dBdT.assign(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      const double x = centers(0, static_cast<Eigen::Index>(i));
      const double y = centers(1, static_cast<Eigen::Index>(i));
      e.on[i] = (active.empty() || active[i]) && insideGrid(grid_, x, y);
      if (!e.on[i]) continue;
      const double r = std::hypot(x, y);
      double amplitude = options_.referenceAmplitude;
      if (options_.encoding == Encoding::Sampled) {
        const Sample t = sampleImage(sampled, grid_, x, y);
        amplitude = options_.minAmplitude + range * std::clamp(t.value, 0.0, 1.0);
        const bool clamped = t.value < 0 || t.value > 1;
        e.dTdx[i] = clamped ? 0 : t.dx;
        e.dTdy[i] = clamped ? 0 : t.dy;
        double dGate = 0;
        const double g = gate(std::clamp(t.value, 0.0, 1.0), options_.offBelow, &dGate);
        const double b = brightness_(amplitude, &e.dBdI[i]);
        e.brightness[i] = b * g;
        e.dBdI[i] *= g;
        e.dBdT[i] = clamped ? 0 : b * dGate;
      }
      e.amplitude[i] = amplitude;
      e.sigma[i] = phospheneSigma(model_, amplitude, r, &e.dSdI[i], &e.dSdR[i]);
    }
    // Drawn phosphenes (pixel averaging), brightness still to come for LS.
    auto draw = [&](std::size_t i, double b) {
      const double s = e.sigma[i];
      const double sr = std::sqrt(s * s + step2);
      e.drawn[i] = {
          {centers(0, static_cast<Eigen::Index>(i)), centers(1, static_cast<Eigen::Index>(i))},
          sr,
          e.on[i] ? b * s * s / (sr * sr) : 0.0};
    };
    Eigen::VectorXd lsBrightness;
    std::vector<std::size_t> lsIndex;
    Eigen::LDLT<Eigen::MatrixXd> lsSolver;
    if (options_.encoding == Encoding::LeastSquares) {
      // Columns of G: unit-brightness phosphenes; ridge normal equations.
      for (std::size_t i = 0; i < n; ++i)
        if (e.on[i]) lsIndex.push_back(i);
      std::vector<Image> columns(lsIndex.size());
      for (std::size_t j = 0; j < lsIndex.size(); ++j) {
        draw(lsIndex[j], 1.0);
        const Phosphene one = e.drawn[lsIndex[j]];
        columns[j] = renderPercept(std::span(&one, 1), grid_, model_.windowSigmas);
      }
      Eigen::MatrixXd gram;
      Eigen::VectorXd rhs;
      normalEquations(columns, target, options_.ridge, gram, rhs);
      lsSolver.compute(gram);
      lsBrightness = lsSolver.solve(rhs);
      for (std::size_t j = 0; j < lsIndex.size(); ++j) {
        e.brightness[lsIndex[j]] = lsBrightness(static_cast<Eigen::Index>(j));
        e.amplitude[lsIndex[j]] =
            brightness_.inverse(std::clamp(lsBrightness(static_cast<Eigen::Index>(j)), 0.0, 1.0));
      }
    }
    for (std::size_t i = 0; i < n; ++i) draw(i, e.brightness[i]);
    const Image raw = renderPercept(e.drawn, grid_, model_.windowSigmas);
    const Image percept = raw.cwiseMax(0.0).cwiseMin(1.0);  // dynaphos clamps to [0, 1]
    Image ssimGradient;
    const double mse = meanSquaredError(percept, target);
    const double similarity = ssim(percept, target, withGradient ? &ssimGradient : nullptr);
    auto& score = out.perImage[m];
    score.mse = mse;
    score.ssim = similarity;
    score.loss = options_.mseWeight * mse + options_.ssimWeight * (1 - similarity);
    if (!withGradient) return;
    Image dLdP =
        (2.0 * options_.mseWeight / static_cast<double>(target.size())) * (percept - target) -
        options_.ssimWeight * ssimGradient;
    dLdP = (raw.array() >= 0 && raw.array() <= 1).select(dLdP, 0.0);
    Eigen::MatrixX4d dDrawn = Eigen::MatrixX4d::Zero(static_cast<Eigen::Index>(n), 4);
    renderPerceptAdjoint(e.drawn, grid_, dLdP, dDrawn, model_.windowSigmas);
    Eigen::VectorXd dBrightness = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n));
    Eigen::VectorXd dSigma = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n));
    Eigen::Matrix2Xd& g = gradients[m];
    g = Eigen::Matrix2Xd::Zero(2, static_cast<Eigen::Index>(n));
    for (std::size_t i = 0; i < n; ++i) {
      if (!e.on[i]) continue;
      const auto row = static_cast<Eigen::Index>(i);
      const double s = e.sigma[i], sr = e.drawn[i].sigma, q = s * s / (sr * sr);
      // drawn σr = √(σ² + s²/12), drawn peak b·σ²/σr².
      dSigma(row) =
          dDrawn(row, 2) * s / sr + dDrawn(row, 3) * e.brightness[i] * 2 * s / (sr * sr) * (1 - q);
      dBrightness(row) = dDrawn(row, 3) * q;
      g(0, row) = dDrawn(row, 0);
      g(1, row) = dDrawn(row, 1);
    }
    if (options_.encoding == Encoding::LeastSquares && !lsIndex.empty()) {
      // b = A⁻¹Gᵀt: with A μ = ∂L/∂b, the positions also move b:
      // Σ_i μ_i ⟨∂G_i, t − Gb⟩ − b_i ⟨∂G_i, Gμ⟩ (∂G_i the column's derivative).
      const auto k = static_cast<Eigen::Index>(lsIndex.size());
      Eigen::VectorXd dLdb(k);
      for (Eigen::Index j = 0; j < k; ++j)
        dLdb(j) = dBrightness(static_cast<Eigen::Index>(lsIndex[static_cast<std::size_t>(j)]));
      const Eigen::VectorXd mu = lsSolver.solve(dLdb);
      std::vector<Phosphene> withMu = e.drawn, unit = e.drawn;
      for (std::size_t i = 0; i < n; ++i) withMu[i].brightness = 0;
      for (Eigen::Index j = 0; j < k; ++j) {
        const std::size_t i = lsIndex[static_cast<std::size_t>(j)];
        const double s = e.sigma[i], sr = e.drawn[i].sigma;
        withMu[i].brightness = mu(j) * s * s / (sr * sr);
      }
      const Image residual = target - raw;
      const Image gMu = renderPercept(withMu, grid_, model_.windowSigmas);
      Eigen::MatrixX4d termA = Eigen::MatrixX4d::Zero(static_cast<Eigen::Index>(n), 4);
      Eigen::MatrixX4d termB = Eigen::MatrixX4d::Zero(static_cast<Eigen::Index>(n), 4);
      renderPerceptAdjoint(withMu, grid_, residual, termA, model_.windowSigmas);
      renderPerceptAdjoint(e.drawn, grid_, -gMu, termB, model_.windowSigmas);
      for (Eigen::Index j = 0; j < k; ++j) {
        const auto row = static_cast<Eigen::Index>(lsIndex[static_cast<std::size_t>(j)]);
        const std::size_t i = lsIndex[static_cast<std::size_t>(j)];
        const double s = e.sigma[i], sr = e.drawn[i].sigma, q = s * s / (sr * sr);
        g(0, row) += termA(row, 0) + termB(row, 0);
        g(1, row) += termA(row, 1) + termB(row, 1);
        // σ enters the column (σr and the peak factor q): chain both terms.
        const double dColumnSigma = (termA(row, 2) + termB(row, 2)) * s / sr;
        const double dColumnPeak = termA(row, 3) * mu(j) + termB(row, 3) * e.brightness[i];
        dSigma(row) += dColumnSigma + dColumnPeak * 2 * s / (sr * sr) * (1 - q);
        dBrightness(row) = 0;  // used up by the adjoint solve
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (!e.on[i]) continue;
      const auto row = static_cast<Eigen::Index>(i);
      const double x = centers(0, row), y = centers(1, row);
      const double r = std::hypot(x, y);
      if (r > 0) {
        g(0, row) += dSigma(row) * e.dSdR[i] * x / r;
        g(1, row) += dSigma(row) * e.dSdR[i] * y / r;
      }
      if (options_.encoding == Encoding::Sampled) {
        const double dI = dBrightness(row) * e.dBdI[i] + dSigma(row) * e.dSdI[i];
        const double dT = dI * range + dBrightness(row) * e.dBdT[i];
        g(0, row) += dT * e.dTdx[i];
        g(1, row) += dT * e.dTdy[i];
      }
    }
  };

  const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
  const unsigned threads =
      std::min<unsigned>(options_.threads > 0 ? static_cast<unsigned>(options_.threads) : hardware,
                         static_cast<unsigned>(std::max<std::size_t>(1, images.size())));
  if (threads <= 1) {
    for (std::size_t m = 0; m < images.size(); ++m) work(m);
  } else {
    std::atomic<std::size_t> next{0};
    std::exception_ptr failure;
    std::atomic<bool> failed{false};
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&] {
        for (std::size_t m; (m = next.fetch_add(1)) < images.size();) {
          try {
            work(m);
          } catch (...) {
            if (!failed.exchange(true)) failure = std::current_exception();
          }
        }
      });
    for (auto& th : pool) th.join();
    if (failure) std::rethrow_exception(failure);
  }
  // Sums in image order: the same numbers for any thread count.
  if (withGradient) out.gradient = Eigen::Matrix2Xd::Zero(2, static_cast<Eigen::Index>(n));
  const double count = std::max<double>(1.0, static_cast<double>(images.size()));
  for (std::size_t m = 0; m < images.size(); ++m) {
    out.loss += out.perImage[m].loss / count;
    out.mse += out.perImage[m].mse / count;
    out.ssim += out.perImage[m].ssim / count;
    if (withGradient) out.gradient += gradients[m] / count;
  }
  return out;
}

std::vector<Phosphene> PerceptObjective::encode(const Eigen::Matrix2Xd& centers,
                                                const Image& target,
                                                std::vector<double>* amplitudes,
                                                std::span<const std::uint8_t> active) const {
  const auto n = static_cast<std::size_t>(centers.cols());
  std::vector<Phosphene> out(n);
  std::vector<double> amp(n, 0.0);
  const double step2 = model_.pixelAverage ? grid_.step * grid_.step / 12.0 : 0.0;
  const double range = options_.maxAmplitude - options_.minAmplitude;
  std::vector<std::uint8_t> on(n, 0);
  const Image sampled = options_.encoding == Encoding::Sampled ? samplingTarget(target) : Image();
  for (std::size_t i = 0; i < n; ++i) {
    const double x = centers(0, static_cast<Eigen::Index>(i)),
                 y = centers(1, static_cast<Eigen::Index>(i));
    on[i] = (active.empty() || active[i]) && insideGrid(grid_, x, y);
    double amplitude = options_.referenceAmplitude, b = 0;
    if (options_.encoding == Encoding::Sampled && on[i]) {
      const double t = std::clamp(sampleImage(sampled, grid_, x, y).value, 0.0, 1.0);
      amplitude = options_.minAmplitude + range * t;
      double dGate = 0;
      const double g = gate(t, options_.offBelow, &dGate);
      b = brightness_(amplitude) * g;
      if (g == 0) amplitude = 0;  // off
    }
    const double s = phospheneSigma(model_, amplitude, std::hypot(x, y));
    const double sr = std::sqrt(s * s + step2);
    out[i] = {{x, y}, sr, on[i] ? b * s * s / (sr * sr) : 0.0};
    amp[i] = on[i] ? amplitude : 0.0;
    if (options_.encoding == Encoding::Sampled && amplitude == 0) out[i].brightness = 0;
  }
  if (options_.encoding == Encoding::LeastSquares) {
    std::vector<std::size_t> index;
    for (std::size_t i = 0; i < n; ++i)
      if (on[i]) index.push_back(i);
    std::vector<Image> columns(index.size());
    std::vector<double> peak(index.size());
    for (std::size_t j = 0; j < index.size(); ++j) {
      Phosphene one = out[index[j]];
      const double s = phospheneSigma(model_, options_.referenceAmplitude,
                                      std::hypot(one.center.x, one.center.y));
      peak[j] = s * s / (one.sigma * one.sigma);
      one.brightness = peak[j];
      columns[j] = renderPercept(std::span(&one, 1), grid_, model_.windowSigmas);
    }
    Eigen::MatrixXd gram;
    Eigen::VectorXd rhs;
    normalEquations(columns, target, options_.ridge, gram, rhs);
    const Eigen::VectorXd b = gram.ldlt().solve(rhs);
    for (std::size_t j = 0; j < index.size(); ++j) {
      const double bj = b(static_cast<Eigen::Index>(j));
      out[index[j]].brightness = bj * peak[j];
      amp[index[j]] = brightness_.inverse(std::clamp(bj, 0.0, 1.0));
    }
  }
  if (amplitudes) *amplitudes = std::move(amp);
  return out;
}

Image PerceptObjective::percept(const Eigen::Matrix2Xd& centers, const Image& target,
                                std::vector<double>* amplitudes,
                                std::span<const std::uint8_t> active) const {
  const auto phosphenes = encode(centers, target, amplitudes, active);
  return renderPercept(phosphenes, grid_, model_.windowSigmas).cwiseMax(0.0).cwiseMin(1.0);
}

double visualFieldCoverage(const PerceptObjective& objective, const Eigen::Matrix2Xd& centers,
                           std::span<const std::uint8_t> active) {
  const auto& grid = objective.grid();
  const auto& options = objective.options();
  Image covered = Image::Zero(grid.height(), grid.width());
  for (Eigen::Index i = 0; i < centers.cols(); ++i) {
    if (!active.empty() && !active[static_cast<std::size_t>(i)]) continue;
    const double x = centers(0, i), y = centers(1, i);
    const double s =
        phospheneSigma(objective.model(), options.referenceAmplitude, std::hypot(x, y));
    // Half the peak at distance σ√(2 ln 2); at least the pixel holding the centre.
    // At least half a pixel diagonal, so every phosphene covers its pixel.
    const double reach = std::max(s * std::sqrt(2 * std::log(2.0)), std::sqrt(0.5) * grid.step);
    const int c0 = std::max(0, static_cast<int>(std::ceil((x - reach - grid.xMin) / grid.step)));
    const int c1 = std::min(grid.width() - 1,
                            static_cast<int>(std::floor((x + reach - grid.xMin) / grid.step)));
    const int r0 = std::max(0, static_cast<int>(std::ceil((grid.yMax - y - reach) / grid.step)));
    const int r1 = std::min(grid.height() - 1,
                            static_cast<int>(std::floor((grid.yMax - y + reach) / grid.step)));
    for (int r = r0; r <= r1; ++r)
      for (int c = c0; c <= c1; ++c)
        if (std::hypot(grid.xOf(c) - x, grid.yOf(r) - y) <= reach) covered(r, c) = 1;
  }
  return covered.mean();
}

}  // namespace nl::analysis::prosthesis
