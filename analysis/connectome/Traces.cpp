#include "analysis/connectome/Traces.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

namespace nl::analysis::connectome {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string fmt(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", v);
  return buffer;
}

// The recording's clock time of the alignment event.
double eventTime(const Recording& r, const AlignOptions& options) {
  if (options.event == AlignEvent::Start) return r.startTime;
  for (const auto& e : r.epochs)
    if (options.stimulusLabel.empty() || e.label == options.stimulusLabel) return e.start;
  if (r.epochs.empty())
    throw std::invalid_argument("recording '" + r.name +
                                "' has no stimulus epochs to align on (give its stimulus table, "
                                "or align on the start)");
  throw std::invalid_argument("recording '" + r.name + "' has no stimulus epoch labelled '" +
                              options.stimulusLabel + "'");
}

}  // namespace

double interpolate(const double* trace, std::size_t length, std::ptrdiff_t stride, double rate,
                   double start, double t) {
  if (length == 0) return kNaN;
  const double position = (t - start) * rate;
  constexpr double kEdge = 1e-9;
  if (position < -kEdge || position > static_cast<double>(length - 1) + kEdge) return kNaN;
  const double clamped = std::clamp(position, 0.0, static_cast<double>(length - 1));
  const auto below = static_cast<std::size_t>(std::floor(clamped));
  const double fraction = clamped - static_cast<double>(below);
  const double a = trace[static_cast<std::ptrdiff_t>(below) * stride];
  if (fraction < kEdge || below + 1 >= length) return a;
  const double b = trace[static_cast<std::ptrdiff_t>(below + 1) * stride];
  if (fraction > 1.0 - kEdge) return b;
  return a + fraction * (b - a);  // NaN when either is
}

Aligned alignRecordings(const std::vector<Recording>& recordings, const AlignOptions& options) {
  if (recordings.empty()) throw std::invalid_argument("no recordings to align");
  Aligned out;
  // Names: each recording's, duplicates renamed "NAME #2", …; the union in
  // order of first appearance.
  std::vector<std::vector<std::string>> names(recordings.size());
  std::map<std::string, int> animalsOf;
  std::vector<std::string> order;
  for (std::size_t a = 0; a < recordings.size(); ++a) {
    const auto& r = recordings[a];
    if (r.values.rows() < 2)
      throw std::invalid_argument("recording '" + r.name + "' has " +
                                  std::to_string(r.values.rows()) + " frames (at least 2 needed)");
    if (r.values.cols() < 1)
      throw std::invalid_argument("recording '" + r.name + "' has no neurons");
    if (!(r.frameRate > 0.0) || !std::isfinite(r.frameRate))
      throw std::invalid_argument("recording '" + r.name + "' has frame rate " + fmt(r.frameRate) +
                                  " Hz (must be > 0)");
    if (r.names.size() != static_cast<std::size_t>(r.values.cols()))
      throw std::invalid_argument("recording '" + r.name + "' has " +
                                  std::to_string(r.names.size()) + " neuron names for " +
                                  std::to_string(r.values.cols()) + " neurons");
    if (!r.positions.empty() && r.positions.size() != r.names.size())
      throw std::invalid_argument("recording '" + r.name + "' has " +
                                  std::to_string(r.positions.size()) + " positions for " +
                                  std::to_string(r.names.size()) + " neurons");
    std::map<std::string, int> seen;
    for (const auto& raw : r.names) {
      std::string name = raw.empty() ? "(unnamed)" : raw;
      if (const int count = ++seen[name]; count > 1) {
        out.notes.push_back("recording '" + r.name + "': neuron name '" + name + "' occurs " +
                            std::to_string(count) + " times; renamed '" + name + " #" +
                            std::to_string(count) + "'");
        name += " #" + std::to_string(count);
      }
      names[a].push_back(name);
      if (animalsOf[name]++ == 0) order.push_back(name);
    }
  }
  for (const auto& name : order)
    if (animalsOf[name] >= std::max(1, options.minAnimals)) out.names.push_back(name);
  if (out.names.empty())
    throw std::invalid_argument("no neuron is named in at least " +
                                std::to_string(options.minAnimals) + " recordings");
  std::map<std::string, std::size_t> column;
  for (std::size_t n = 0; n < out.names.size(); ++n) column[out.names[n]] = n;

  // Time base.
  double rate = options.frameRate;
  if (rate <= 0.0) {
    rate = std::numeric_limits<double>::infinity();
    for (const auto& r : recordings) rate = std::min(rate, r.frameRate);
  }
  out.frameRate = rate;
  double begin = 0, end = 0;
  for (std::size_t a = 0; a < recordings.size(); ++a) {
    const auto& r = recordings[a];
    const double offset = eventTime(r, options);
    out.offsets.push_back(offset);
    const double b = r.startTime - offset;
    const double e = b + static_cast<double>(r.values.rows() - 1) / r.frameRate;
    if (a == 0) {
      begin = b;
      end = e;
    } else if (options.span == Span::Intersection) {
      begin = std::max(begin, b);
      end = std::min(end, e);
    } else {
      begin = std::min(begin, b);
      end = std::max(end, e);
    }
  }
  if (end - begin < 1.0 / rate)
    throw std::invalid_argument("the aligned recordings overlap for " +
                                fmt(std::max(0.0, end - begin)) + " s, less than two frames at " +
                                fmt(rate) + " Hz");
  const auto frames = static_cast<Eigen::Index>(std::floor((end - begin) * rate + 1e-6)) + 1;
  out.startTime = begin;

  const auto N = static_cast<Eigen::Index>(out.names.size());
  for (std::size_t a = 0; a < recordings.size(); ++a) {
    const auto& r = recordings[a];
    out.animals.push_back(r.name);
    Eigen::MatrixXd traces = Eigen::MatrixXd::Constant(frames, N, kNaN);
    const auto length = static_cast<std::size_t>(r.values.rows());
    for (Eigen::Index c = 0; c < r.values.cols(); ++c) {
      const auto it = column.find(names[a][static_cast<std::size_t>(c)]);
      if (it == column.end()) continue;
      const auto n = static_cast<Eigen::Index>(it->second);
      const double* source = r.values.data() + c * r.values.rows();  // column-major
      for (Eigen::Index k = 0; k < frames; ++k) {
        const double t = begin + static_cast<double>(k) / rate + out.offsets[a];
        traces(k, n) = interpolate(source, length, 1, r.frameRate, r.startTime, t);
      }
      if (!r.positions.empty() && out.positions.empty())
        out.positions.assign(static_cast<std::size_t>(N), {kNaN, kNaN, kNaN});
      if (!r.positions.empty() && std::isnan(out.positions[it->second][0]))
        out.positions[it->second] = r.positions[static_cast<std::size_t>(c)];
    }
    out.traces.push_back(std::move(traces));
    for (const auto& e : r.epochs)
      out.epochs.push_back(
          {e.start - out.offsets[a], e.stop - out.offsets[a], e.label, static_cast<int>(a)});
  }
  return out;
}

}  // namespace nl::analysis::connectome
