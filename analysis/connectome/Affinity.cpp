#include "analysis/connectome/Affinity.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>

#include "io/Threads.h"

namespace nl::analysis::connectome {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// NaN-aware Gaussian smoothing of one column: each output is the weighted
// mean of the valid samples within 4σ; NaN samples stay NaN.
void smoothColumn(const double* in, double* out, std::size_t n, double sigmaFrames) {
  if (sigmaFrames < 1e-3) {
    std::copy(in, in + n, out);
    return;
  }
  const auto radius = static_cast<std::ptrdiff_t>(std::ceil(4.0 * sigmaFrames));
  std::vector<double> kernel(static_cast<std::size_t>(2 * radius + 1));
  for (std::ptrdiff_t k = -radius; k <= radius; ++k)
    kernel[static_cast<std::size_t>(k + radius)] =
        std::exp(-0.5 * static_cast<double>(k * k) / (sigmaFrames * sigmaFrames));
  const auto length = static_cast<std::ptrdiff_t>(n);
  for (std::ptrdiff_t t = 0; t < length; ++t) {
    if (std::isnan(in[t])) {
      out[t] = kNaN;
      continue;
    }
    double sum = 0, weight = 0;
    for (std::ptrdiff_t k = std::max<std::ptrdiff_t>(-radius, -t);
         k <= std::min<std::ptrdiff_t>(radius, length - 1 - t); ++k) {
      const double v = in[t + k];
      if (std::isnan(v)) continue;
      const double w = kernel[static_cast<std::size_t>(k + radius)];
      sum += w * v;
      weight += w;
    }
    out[t] = sum / weight;
  }
}

void deriveColumn(const double* x, double* d, std::size_t n, Derivative kind) {
  if (n < 2) {
    std::fill(d, d + n, kNaN);
    return;
  }
  if (kind == Derivative::Forward) {
    for (std::size_t t = 0; t + 1 < n; ++t) d[t] = x[t + 1] - x[t];
    d[n - 1] = kNaN;
    return;
  }
  d[0] = x[1] - x[0];
  d[n - 1] = x[n - 1] - x[n - 2];
  for (std::size_t t = 1; t + 1 < n; ++t) d[t] = 0.5 * (x[t + 1] - x[t - 1]);
}

// Standard deviation of the finite values (0 when fewer than two).
double spread(const double* v, std::size_t n) {
  double sum = 0, squares = 0;
  std::size_t count = 0;
  for (std::size_t t = 0; t < n; ++t)
    if (std::isfinite(v[t])) {
      sum += v[t];
      squares += v[t] * v[t];
      ++count;
    }
  if (count < 2) return 0.0;
  const double mean = sum / static_cast<double>(count);
  return std::sqrt(std::max(0.0, squares / static_cast<double>(count) - mean * mean));
}

double pairValue(const AffinityOptions& o, const Preprocessed& p, Eigen::Index i, Eigen::Index j,
                 Eigen::Index start, std::size_t length) {
  switch (o.method) {
    case AffinityMethod::Differential:
      return differentialAffinity(&p.derivative(start, i), &p.derivative(start, j), length, o.floor,
                                  o.flatThreshold, o.minValid);
    case AffinityMethod::Correlation:
      return correlationAffinity(&p.smoothed(start, i), &p.smoothed(start, j), length, o.minValid);
    case AffinityMethod::Gaussian:
      return gaussianAffinity(&p.derivative(start, i), &p.derivative(start, j), length, o.sigma,
                              o.minValid);
  }
  return kNaN;
}

void checkOptions(const AffinityOptions& o) {
  if (!(o.smoothing >= 0)) throw std::invalid_argument("smoothing must be ≥ 0 s");
  if (!(o.floor > 0)) throw std::invalid_argument("the noise floor must be > 0");
  if (!(o.flatThreshold >= 0)) throw std::invalid_argument("the flat threshold must be ≥ 0");
  if (!(o.sigma > 0)) throw std::invalid_argument("the Gaussian kernel width must be > 0");
  if (!(o.windowLength > 0)) throw std::invalid_argument("the window length must be > 0 s");
  if (!(o.windowStep > 0)) throw std::invalid_argument("the window step must be > 0 s");
  if (!(o.minValid >= 0 && o.minValid <= 1))
    throw std::invalid_argument("the valid fraction must be in [0, 1]");
}

}  // namespace

std::string methodName(AffinityMethod method) {
  switch (method) {
    case AffinityMethod::Differential:
      return "differential";
    case AffinityMethod::Correlation:
      return "correlation";
    case AffinityMethod::Gaussian:
      return "gaussian";
  }
  return "?";
}

AffinityMethod methodFromName(const std::string& name) {
  if (name == "differential") return AffinityMethod::Differential;
  if (name == "correlation") return AffinityMethod::Correlation;
  if (name == "gaussian") return AffinityMethod::Gaussian;
  throw std::invalid_argument("unknown affinity method '" + name +
                              "' (differential, correlation, gaussian)");
}

std::size_t pairIndex(std::size_t i, std::size_t j, std::size_t n) {
  if (i > j) std::swap(i, j);
  // Pairs before row i: i·n − i(i+1)/2; then j − i − 1 within the row.
  return i * n - i * (i + 1) / 2 + (j - i - 1);
}

std::size_t neuronsForPairs(std::size_t pairs) {
  const auto n = static_cast<std::size_t>(
      std::llround((1.0 + std::sqrt(1.0 + 8.0 * static_cast<double>(pairs))) / 2.0));
  return n >= 2 && n * (n - 1) / 2 == pairs ? n : 0;
}

Preprocessed preprocess(const Eigen::MatrixXd& traces, double frameRate,
                        const AffinityOptions& options) {
  checkOptions(options);
  const auto frames = static_cast<std::size_t>(traces.rows());
  Preprocessed p;
  p.smoothed.resize(traces.rows(), traces.cols());
  p.derivative.resize(traces.rows(), traces.cols());
  p.scale = Eigen::VectorXd::Ones(traces.cols());
  for (Eigen::Index n = 0; n < traces.cols(); ++n) {
    smoothColumn(&traces(0, n), &p.smoothed(0, n), frames, options.smoothing * frameRate);
    deriveColumn(&p.smoothed(0, n), &p.derivative(0, n), frames, options.derivative);
  }
  if (options.normalisation != Normalisation::None) {
    std::vector<double> scales;
    for (Eigen::Index n = 0; n < traces.cols(); ++n) {
      p.scale(n) = spread(&p.derivative(0, n), frames);
      // A flat neuron's derivative is rounding noise; it has no scale.
      double magnitude = 1.0;
      for (std::size_t t = 0; t < frames; ++t)
        if (std::isfinite(p.smoothed(static_cast<Eigen::Index>(t), n)))
          magnitude = std::max(magnitude, std::abs(p.smoothed(static_cast<Eigen::Index>(t), n)));
      if (p.scale(n) <= 1e-9 * magnitude) p.scale(n) = 0.0;
      if (p.scale(n) > 0) scales.push_back(p.scale(n));
    }
    if (options.normalisation == Normalisation::Animal) {
      double common = 1.0;
      if (!scales.empty()) {
        const auto mid = scales.begin() + static_cast<std::ptrdiff_t>(scales.size() / 2);
        std::nth_element(scales.begin(), mid, scales.end());
        common = *mid;
      }
      p.scale.setConstant(common);
    } else {
      for (Eigen::Index n = 0; n < traces.cols(); ++n)
        if (!(p.scale(n) > 0)) p.scale(n) = 1.0;
    }
    for (Eigen::Index n = 0; n < traces.cols(); ++n) p.derivative.col(n) /= p.scale(n);
  }
  return p;
}

double differentialAffinity(const double* di, const double* dj, std::size_t n, double floor,
                            double flatThreshold, double minValid) {
  double numerator = 0, denominator = 0, a = 0, b = 0;
  int si = 2, sj = 2;  // 2: no run open
  std::size_t valid = 0;
  auto close = [&] {
    const double lo = std::min(a, b), hi = std::max(a, b);
    numerator += lo * lo;
    denominator += hi * hi;
    a = b = 0;
  };
  auto sign = [flatThreshold](double v) {
    return std::abs(v) < flatThreshold ? 0 : (v > 0 ? 1 : -1);
  };
  for (std::size_t t = 0; t < n; ++t) {
    const double x = di[t], y = dj[t];
    if (std::isnan(x) || std::isnan(y)) {
      close();
      si = sj = 2;
      continue;
    }
    ++valid;
    const int s = sign(x), r = sign(y);
    if (s != si || r != sj) {
      close();
      si = s;
      sj = r;
    }
    if (s != 0) a += std::abs(x);
    if (r != 0) b += std::abs(y);
  }
  close();
  if (valid == 0 || static_cast<double>(valid) < minValid * static_cast<double>(n)) return kNaN;
  return numerator / (floor * floor * static_cast<double>(valid) + denominator);
}

double correlationAffinity(const double* xi, const double* xj, std::size_t n, double minValid) {
  double sx = 0, sy = 0;
  std::size_t valid = 0;
  for (std::size_t t = 0; t < n; ++t)
    if (!std::isnan(xi[t]) && !std::isnan(xj[t])) {
      sx += xi[t];
      sy += xj[t];
      ++valid;
    }
  if (valid < 2 || static_cast<double>(valid) < minValid * static_cast<double>(n)) return kNaN;
  const double mx = sx / static_cast<double>(valid), my = sy / static_cast<double>(valid);
  double xx = 0, yy = 0, xy = 0;
  for (std::size_t t = 0; t < n; ++t)
    if (!std::isnan(xi[t]) && !std::isnan(xj[t])) {
      const double u = xi[t] - mx, v = xj[t] - my;
      xx += u * u;
      yy += v * v;
      xy += u * v;
    }
  if (!(xx > 0) || !(yy > 0)) return 0.0;
  return std::min(1.0, std::abs(xy) / std::sqrt(xx * yy));
}

double gaussianAffinity(const double* di, const double* dj, std::size_t n, double sigma,
                        double minValid) {
  double sum = 0;
  std::size_t valid = 0;
  for (std::size_t t = 0; t < n; ++t)
    if (!std::isnan(di[t]) && !std::isnan(dj[t])) {
      const double d = std::abs(di[t]) - std::abs(dj[t]);
      sum += d * d;
      ++valid;
    }
  if (valid == 0 || static_cast<double>(valid) < minValid * static_cast<double>(n)) return kNaN;
  return std::exp(-sum / static_cast<double>(valid) / (2.0 * sigma * sigma));
}

Eigen::MatrixXd affinityMatrix(const Eigen::MatrixXd& traces, double frameRate,
                               const AffinityOptions& options) {
  const auto p = preprocess(traces, frameRate, options);
  const auto N = traces.cols();
  Eigen::MatrixXd a(N, N);
  for (Eigen::Index i = 0; i < N; ++i)
    for (Eigen::Index j = i; j < N; ++j)
      a(i, j) = a(j, i) = pairValue(options, p, i, j, 0, static_cast<std::size_t>(traces.rows()));
  return a;
}

AffinityTensor affinityTensor(const Aligned& aligned, const AffinityOptions& options,
                              Progress& progress) {
  checkOptions(options);
  AffinityTensor out;
  const std::size_t frames = aligned.frames();
  if (frames < 2) throw std::invalid_argument("the aligned traces have fewer than 2 frames");
  out.animals = aligned.traces.size();
  out.neurons = aligned.names.size();
  if (out.neurons < 2)
    throw std::invalid_argument("affinities need at least 2 neurons, there are " +
                                std::to_string(out.neurons));
  out.pairs = out.neurons * (out.neurons - 1) / 2;
  const double rate = aligned.frameRate;
  out.windowFrames = std::clamp<std::size_t>(
      static_cast<std::size_t>(std::llround(options.windowLength * rate)), 2, frames);
  out.stepFrames =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(options.windowStep * rate)));
  out.windows = (frames - out.windowFrames) / out.stepFrames + 1;
  out.windowSeconds = static_cast<double>(out.windowFrames) / rate;
  for (std::size_t w = 0; w < out.windows; ++w)
    out.centres.push_back(aligned.startTime + (static_cast<double>(w * out.stepFrames) +
                                               0.5 * static_cast<double>(out.windowFrames - 1)) /
                                                  rate);
  out.values.assign(out.windows * out.animals * out.pairs, kNaN);

  progress.update(0.0, "smoothing and differentiating");
  std::vector<Preprocessed> prepared;
  for (const auto& traces : aligned.traces) prepared.push_back(preprocess(traces, rate, options));
  // Neurons with no valid sample in an animal give NaN without work.
  std::vector<std::vector<char>> present(out.animals);
  for (std::size_t a = 0; a < out.animals; ++a)
    for (Eigen::Index n = 0; n < aligned.traces[a].cols(); ++n)
      present[a].push_back(aligned.traces[a].col(n).array().isFinite().any() ? 1 : 0);

  if (progress.cancelRequested()) throw Cancelled();
  const std::size_t jobs = out.windows * out.animals;
  auto runJob = [&](std::size_t job) {
    const std::size_t w = job / out.animals, a = job % out.animals;
    const auto start = static_cast<Eigen::Index>(w * out.stepFrames);
    double* row = out.values.data() + job * out.pairs;
    std::size_t p = 0;
    for (std::size_t i = 0; i < out.neurons; ++i)
      for (std::size_t j = i + 1; j < out.neurons; ++j, ++p)
        if (present[a][i] && present[a][j])
          row[p] = pairValue(options, prepared[a], static_cast<Eigen::Index>(i),
                             static_cast<Eigen::Index>(j), start, out.windowFrames);
  };
  auto report = [&](std::size_t finished) {
    progress.update(static_cast<double>(finished) / static_cast<double>(jobs),
                    "affinities: " + std::to_string(finished) + " of " + std::to_string(jobs) +
                        " window × animal blocks");
  };
  std::atomic<std::size_t> next{0}, done{0};
  std::atomic<bool> stop{false};
  const int threads =
      std::max(1, std::min<int>(options.threads > 0 ? options.threads : io::workerThreadCount(),
                                static_cast<int>(jobs)));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads && threads > 1; ++t)
    pool.emplace_back([&] {
      for (std::size_t job = next.fetch_add(1); job < jobs && !stop.load();
           job = next.fetch_add(1)) {
        runJob(job);
        done.fetch_add(1);
      }
    });
  if (pool.empty()) {
    for (std::size_t job = 0; job < jobs; ++job) {
      if (progress.cancelRequested()) {
        stop = true;
        break;
      }
      runJob(job);
      report(job + 1);
    }
  } else {
    while (done.load() < jobs) {
      if (progress.cancelRequested()) {
        stop = true;
        break;
      }
      report(done.load());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  for (auto& thread : pool) thread.join();
  if (stop.load()) throw Cancelled();
  progress.update(1.0, "affinities done");
  return out;
}

}  // namespace nl::analysis::connectome
