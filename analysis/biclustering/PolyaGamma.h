#pragma once
// Pólya-Gamma draws PG(b, c) (Polson, Scott & Windle 2013) for the NB/Poisson
// augmentation of the bi-clustering sampler.
//
// - Integer b ≤ kDevroyeMaxShape: the sum of b exact PG(1, c) draws by
//   Devroye's alternating-series rejection sampler (PSW 2013, §4).
// - Otherwise PG(b, c) = 1/(2π²) Σ_k g_k / ((k − ½)² + c²/(4π²)), g_k ~ Gamma(b)
//   (PSW 2013, eq. 1): the first kGammaTerms terms are drawn exactly and the
//   tail Σ_{k>K} is replaced by a Gamma variable with the tail's exact mean
//   and variance (the closed-form moments of PG(b, c) minus those of the kept
//   terms). The draw therefore has exactly the mean and variance of PG(b, c);
//   the tail carries < 0.5 % of the variance, so the higher cumulants differ
//   from the exact ones by less than that (tests/biclustering check moments
//   and compare against the exact sampler).
#include "analysis/biclustering/Random.h"

namespace nl::analysis::biclustering {

inline constexpr int kDevroyeMaxShape = 2;
inline constexpr int kGammaTerms = 10;

double polyaGammaMean(double b, double c);
double polyaGammaVariance(double b, double c);

// One exact PG(1, c) draw (Devroye).
double polyaGammaDevroye(Rng& rng, double c);
// PG(b, c) by the truncated gamma sum with a moment-matched tail, for any b > 0.
double polyaGammaGammaSum(Rng& rng, double b, double c, int terms = kGammaTerms);
// The hybrid described above; b > 0.
double polyaGamma(Rng& rng, double b, double c);

}  // namespace nl::analysis::biclustering
