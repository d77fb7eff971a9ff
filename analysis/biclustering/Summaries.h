#pragma once
// Posterior summaries of the bi-clustering sampler: similarity matrices,
// partition point estimates, HPD intervals and chain diagnostics.
#include <Eigen/Dense>
#include <vector>

namespace nl::analysis::biclustering {

using Partition = std::vector<int>;

double adjustedRandIndex(const Partition& a, const Partition& b);
// Labels renumbered 0, 1, … in order of first appearance.
Partition canonicalPartition(const Partition& labels);

// P(i and j together) over the samples: n × n.
Eigen::MatrixXd posteriorSimilarity(const std::vector<Partition>& samples);

// maxPEAR (Fritsch & Ickstadt 2009): among the candidate partitions — every cut
// of the average-linkage tree on 1 − similarity and every sampled partition —
// the one maximising the posterior expected adjusted Rand index.
struct PointEstimate {
  Partition labels;
  double score = 0.0;  // the expected adjusted Rand index
};
double posteriorExpectedAdjustedRand(const Partition& labels, const Eigen::MatrixXd& similarity);
PointEstimate maxPear(const Eigen::MatrixXd& similarity, const std::vector<Partition>& samples);
// minVI (Wade & Ghahramani 2018): among the same candidates, the partition
// minimising the lower bound (Jensen's inequality, log of the expectation)
// of the posterior expected variation of information,
//   (1/n) Σ_i [log₂ |c_i| − 2 log₂ Σ_{j ∈ c_i} P_ij + log₂ Σ_j P_ij],
// |c_i| the size of i's group, P the similarity. Unlike PEAR (a rescaled
// Binder loss), VI charges a group for splitting off items that the samples
// put with one group in some draws and with another in others, so items of
// uncertain allocation join the group they are most often with instead of
// forming small groups of their own. score: the bound (lower is better).
double posteriorExpectedVariationOfInformationBound(const Partition& labels,
                                                    const Eigen::MatrixXd& similarity);
PointEstimate minVariationOfInformation(const Eigen::MatrixXd& similarity,
                                        const std::vector<Partition>& samples);
// Average-linkage agglomeration of 1 − similarity: the partition with k groups
// for every k = 1 … n (index k − 1).
std::vector<Partition> averageLinkageCuts(const Eigen::MatrixXd& similarity);

// The shortest interval holding `mass` of the samples (e.g. 0.95).
struct Interval {
  double lower = 0.0;
  double upper = 0.0;
};
Interval highestPosteriorDensity(std::vector<double> samples, double mass);

// Split R-hat (Gelman et al., BDA3 §11.4) of equal-length chains.
double splitRHat(const std::vector<std::vector<double>>& chains);
// Effective sample size over all chains (BDA3 §11.5; Geyer's initial
// monotone sequence for the autocorrelation sum).
double effectiveSampleSize(const std::vector<std::vector<double>>& chains);

}  // namespace nl::analysis::biclustering
