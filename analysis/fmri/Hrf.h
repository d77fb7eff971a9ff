#pragma once
// The canonical haemodynamic response: SPM's difference of two gamma
// densities (peak delay 6 s, undershoot delay 16 s, dispersions 1 s, peak to
// undershoot ratio 6, 32 s long), in the two samplings the GLM needs.
#include <vector>

namespace nl::analysis::fmri {

struct HrfParameters {
  double delay = 6.0;        // s; shape delay/dispersion of the peak gamma
  double undershoot = 16.0;  // s; shape of the undershoot gamma
  double dispersion = 1.0;   // s; scale of the peak gamma
  double undershootDispersion = 1.0;
  double ratio = 1.0 / 6.0;  // undershoot / peak (SPM: 1/p(5) = 1/6; nilearn rounds to 0.167)
  double lengthSeconds = 32.0;
  double onsetSeconds = 0.0;
};

// Gamma density with the given shape and scale at x (0 for x <= 0).
double gammaDensity(double x, double shape, double scale);

// spm_hrf(RT) as SPM defines it: the mixture evaluated on a microtime grid of
// RT/16, sampled every RT from 0 to `lengthSeconds`, scaled to sum 1.
std::vector<double> spmHrfAtScans(double repetitionTime, const HrfParameters& parameters = {},
                                  int microtimeBins = 16);

// The kernel convolved with the oversampled event train (nilearn's
// _gamma_difference_hrf): rint(length / dt) samples spread evenly over
// [0, length] with dt = tr / oversampling, each gamma shifted by dt, scaled
// to sum 1 (so a long block saturates at height 1).
std::vector<double> hrfKernel(double repetitionTime, int oversampling,
                              const HrfParameters& parameters = {});

}  // namespace nl::analysis::fmri
