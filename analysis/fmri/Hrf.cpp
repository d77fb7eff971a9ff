#include "analysis/fmri/Hrf.h"

#include <cmath>
#include <numeric>
#include <stdexcept>

namespace nl::analysis::fmri {

double gammaDensity(double x, double shape, double scale) {
  if (!(x > 0)) return 0.0;
  const double u = x / scale;
  return std::exp((shape - 1.0) * std::log(u) - u - std::lgamma(shape)) / scale;
}

namespace {

void validate(double repetitionTime, const HrfParameters& p) {
  if (!(repetitionTime > 0) || !std::isfinite(repetitionTime))
    throw std::invalid_argument("the repetition time must be a positive number of seconds");
  if (!(p.delay > 0) || !(p.undershoot > 0) || !(p.dispersion > 0) ||
      !(p.undershootDispersion > 0) || !(p.lengthSeconds > 0))
    throw std::invalid_argument("HRF delays, dispersions and length must be positive");
}

double mixture(double seconds, const HrfParameters& p) {
  return gammaDensity(seconds, p.delay / p.dispersion, p.dispersion) -
         p.ratio *
             gammaDensity(seconds, p.undershoot / p.undershootDispersion, p.undershootDispersion);
}

void normaliseSum(std::vector<double>& values) {
  const double sum = std::accumulate(values.begin(), values.end(), 0.0);
  if (sum == 0) throw std::invalid_argument("the HRF sums to zero at this sampling");
  for (double& v : values) v /= sum;
}

}  // namespace

std::vector<double> spmHrfAtScans(double repetitionTime, const HrfParameters& parameters,
                                  int microtimeBins) {
  validate(repetitionTime, parameters);
  if (microtimeBins < 1) throw std::invalid_argument("microtime bins must be at least 1");
  // SPM: u = (0:length/dt) − onset/dt microtime bins, densities in bin units
  // (rate dt/dispersion), then every microtimeBins-th bin; the bin-unit
  // scaling cancels in the normalisation, so seconds are used directly.
  const double dt = repetitionTime / microtimeBins;
  const auto scans = static_cast<long>(std::floor(parameters.lengthSeconds / repetitionTime));
  std::vector<double> hrf;
  for (long k = 0; k <= scans; ++k) {
    const double bin = static_cast<double>(k * microtimeBins) - parameters.onsetSeconds / dt;
    hrf.push_back(mixture(bin * dt, parameters));
  }
  normaliseSum(hrf);
  return hrf;
}

std::vector<double> hrfKernel(double repetitionTime, int oversampling,
                              const HrfParameters& parameters) {
  validate(repetitionTime, parameters);
  if (oversampling < 1) throw std::invalid_argument("HRF oversampling must be at least 1");
  const double dt = repetitionTime / oversampling;
  const auto count = static_cast<std::size_t>(std::llround(parameters.lengthSeconds / dt));
  if (count < 2) throw std::invalid_argument("the HRF kernel is shorter than two samples");
  std::vector<double> kernel(count);
  const double step = parameters.lengthSeconds / static_cast<double>(count - 1);
  for (std::size_t i = 0; i < count; ++i) {
    const double t = static_cast<double>(i) * step - parameters.onsetSeconds;
    kernel[i] = mixture(t - dt, parameters);
  }
  normaliseSum(kernel);
  return kernel;
}

}  // namespace nl::analysis::fmri
