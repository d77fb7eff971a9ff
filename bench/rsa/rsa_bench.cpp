// Times the layer-mapping workload with analysis/rsa. The data are
// closed-form (reference.py builds the very same arrays), so both programs'
// point estimates can be compared number by number.
//
//   neuroloupe_bench_rsa [--max-features 200000] [--replicates 1000] [--threads 0]
//                        [--trials 20] [--ceiling-repeats 200]
// Then the noise ceilings: split-half (Spearman–Brown) of population 0 seen
// in `trials` noisy trials, and the group ceiling of the six population RDMs.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "analysis/rsa/Inference.h"
#include "analysis/rsa/NoiseCeiling.h"
#include "analysis/rsa/Rdm.h"

namespace rsa = nl::analysis::rsa;

namespace {

constexpr int kStimuli = 118, kLatent = 8, kLayers = 10, kPopulations = 6, kNeurons = 200;
constexpr int kBaseFeatures[kLayers] = {200000, 160000, 120000, 100000, 80000,
                                        60000,  40000,  20000,  10000,  4096};

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

rsa::RowMatrix latent() {
  rsa::RowMatrix z(kStimuli, kLatent);
  for (int s = 0; s < kStimuli; ++s)
    for (int k = 0; k < kLatent; ++k) z(s, k) = std::sin(0.37 * (s + 1) * (k + 1) + 0.11 * k * k);
  return z;
}

// Layer l: max(0, Z Wₗᵀ − 0.02 l), Wₗ[f, k] = sin(0.0013 (f+1)(k+1) + 0.7 l + 0.1 k).
rsa::RowMatrix layerFeatures(const rsa::RowMatrix& z, int layer, int features) {
  rsa::RowMatrix weights(kLatent, features);
  for (int f = 0; f < features; ++f)
    for (int k = 0; k < kLatent; ++k)
      weights(k, f) = std::sin(0.0013 * (f + 1) * (k + 1) + 0.7 * layer + 0.1 * k);
  rsa::RowMatrix x = z * weights;
  x = (x.array() - 0.02 * layer).cwiseMax(0.0).matrix();
  return x;
}

// Population p: exp(0.3 Z Vₚᵀ) + 0.3 sin(1.3 (s+1)(u+1) + p), Vₚ[u, k] = cos(0.021 (u+1)(k+1) + p).
rsa::RowMatrix populationResponses(const rsa::RowMatrix& z, int population) {
  rsa::RowMatrix v(kLatent, kNeurons);
  for (int u = 0; u < kNeurons; ++u)
    for (int k = 0; k < kLatent; ++k) v(k, u) = std::cos(0.021 * (u + 1) * (k + 1) + population);
  rsa::RowMatrix y = (0.3 * (z * v)).array().exp().matrix();
  for (int s = 0; s < kStimuli; ++s)
    for (int u = 0; u < kNeurons; ++u)
      y(s, u) += 0.3 * std::sin(1.3 * (s + 1) * (u + 1) + population);
  return y;
}

// Trial t of population 0: y + 3 sin(0.9 (t+1)(s+1) + 0.37 (u+1)(t+1)), trials × stimuli × units.
std::vector<double> trialResponses(const rsa::RowMatrix& y, int trials) {
  std::vector<double> values(static_cast<std::size_t>(trials) * kStimuli * kNeurons);
  for (int t = 0; t < trials; ++t)
    for (int s = 0; s < kStimuli; ++s)
      for (int u = 0; u < kNeurons; ++u)
        values[(static_cast<std::size_t>(t) * kStimuli + s) * kNeurons + u] =
            y(s, u) + 3.0 * std::sin(0.9 * (t + 1) * (s + 1) + 0.37 * (u + 1) * (t + 1));
  return values;
}

}  // namespace

int main(int argc, char** argv) {
  int maxFeatures = 200000, threads = 0;
  std::size_t replicates = 1000, ceilingRepeats = 200;
  int trials = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--max-features"))
      maxFeatures = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--replicates"))
      replicates = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--threads"))
      threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--trials"))
      trials = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--ceiling-repeats"))
      ceilingRepeats = std::strtoull(argv[i + 1], nullptr, 10);
  }
  nl::analysis::NullProgress progress;
  const auto z = latent();
  rsa::RdmOptions rdmOptions;
  rdmOptions.threads = threads;

  double layerSeconds = 0;
  std::vector<rsa::Matrix> layerRdms;
  long totalFeatures = 0;
  for (int l = 0; l < kLayers; ++l) {
    const int features =
        std::max(16, static_cast<int>(std::lround(kBaseFeatures[l] * (maxFeatures / 200000.0))));
    totalFeatures += features;
    const auto x = layerFeatures(z, l, features);  // not timed: stands in for reading a file
    const auto start = std::chrono::steady_clock::now();
    layerRdms.push_back(rsa::computeRdm(x, rdmOptions, progress));
    layerSeconds += seconds(start);
  }
  double populationSeconds = 0;
  std::vector<rsa::Matrix> populationRdms;
  for (int p = 0; p < kPopulations; ++p) {
    const auto y = populationResponses(z, p);
    const auto start = std::chrono::steady_clock::now();
    populationRdms.push_back(rsa::computeRdm(y, rdmOptions, progress));
    populationSeconds += seconds(start);
  }
  rsa::InferenceOptions options;
  options.compare = {rsa::CompareMethod::Spearman, rsa::EntrySelection::UpperTriangle};
  options.replicates = replicates;
  options.seed = 1;
  options.threads = threads;
  const auto start = std::chrono::steady_clock::now();
  const auto boot = rsa::bootstrapStimuli(populationRdms, layerRdms, options, progress);
  const double bootstrapSeconds = seconds(start);

  const auto trialValues = trialResponses(populationResponses(z, 0), trials);
  const rsa::TrialResponses responses{trialValues, static_cast<std::size_t>(trials), kStimuli,
                                      kNeurons};
  rsa::SplitHalfOptions splitOptions;
  splitOptions.rdm = rdmOptions;
  splitOptions.compare = options.compare;
  splitOptions.repeats = ceilingRepeats;
  splitOptions.threads = threads;
  const auto ceilingStart = std::chrono::steady_clock::now();
  const auto splitHalf = rsa::splitHalfNoiseCeiling(responses, splitOptions, progress);
  const auto group = rsa::groupNoiseCeiling(populationRdms, options.compare);
  const double ceilingSeconds = seconds(ceilingStart);

  std::printf("features_total %ld\n", totalFeatures);
  std::printf("layer_rdm_seconds %.4f\n", layerSeconds);
  std::printf("population_rdm_seconds %.4f\n", populationSeconds);
  std::printf("bootstrap_seconds %.4f\n", bootstrapSeconds);
  std::printf("total_seconds %.4f\n", layerSeconds + populationSeconds + bootstrapSeconds);
  std::printf("trials %d\nceiling_repeats %zu\nnoise_ceiling_seconds %.4f\n", trials,
              ceilingRepeats, ceilingSeconds);
  std::printf("split_half_mean %.15f\nsplit_half_sd %.15f\n", splitHalf.mean,
              splitHalf.standardDeviation);
  std::printf("group_lower %.15f\ngroup_upper %.15f\n", group.lower, group.upper);
  for (int p = 0; p < kPopulations; ++p) {
    std::printf("estimate %d", p);
    for (int l = 0; l < kLayers; ++l) std::printf(" %.15f", boot.estimate(p, l));
    std::printf("\n");
  }
  for (int p = 0; p < kPopulations; ++p) {
    std::printf("ci %d", p);
    for (int l = 0; l < kLayers; ++l)
      std::printf(" %.4f:%.4f", boot.ciLow(p, l), boot.ciHigh(p, l));
    std::printf("\n");
  }
  return 0;
}
